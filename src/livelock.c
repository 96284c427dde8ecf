// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "livelock.h"

const char *fl_livelock_kind_name(uint32_t kind)
{
	static const char *const names[FL_LL_KINDS] = {
		"fault_in_readable", "fault_in_writeable", "fault_in_safe_writeable", "dio",
	};

	return kind < FL_LL_KINDS ? names[kind] : "unknown";
}

const char *fl_livelock_end_name(uint32_t reason)
{
	switch (reason) {
	case FL_LL_END_CHANGED: return "progress or another range";
	case FL_LL_END_USER: return "returned to user space";
	case FL_LL_END_EXIT: return "task exited";
	case FL_LL_END_IDLE: return "idle for a second";
	default: return "unknown";
	}
}

/* Bytes as a string: cut, ASCII only (kernel strings are not trusted). */
static void copy_name(char *dst, const char *src, size_t n)
{
	size_t i;

	for (i = 0; i + 1 < n && src[i]; i++)
		dst[i] = (unsigned char)src[i] < 0x20 || (unsigned char)src[i] >= 0x7f ? '?' : src[i];
	dst[i] = '\0';
}

static void count_fs(struct fl_livelocks *l, const char *fstype, uint32_t kind)
{
	const char *name = *fstype ? fstype : "unknown";
	struct fl_livelock_fs_row *row;

	for (int i = 0; i < l->nr_fs; i++)
		if (l->fs[i].kind == kind && !strcmp(l->fs[i].fstype, name)) {
			l->fs[i].count++;
			return;
		}
	if (l->nr_fs < FL_MAX_LIVELOCK_FS) {
		row = &l->fs[l->nr_fs++];
		snprintf(row->fstype, sizeof(row->fstype), "%s", name);
		row->kind = kind;
	} else {
		row = &l->fs[FL_MAX_LIVELOCK_FS - 1];	/* still counted, as "other" */
		snprintf(row->fstype, sizeof(row->fstype), "other");
	}
	row->count++;
}

static struct fl_livelock_ep *find(struct fl_livelocks *l, uint32_t tid, uint32_t kind)
{
	for (int i = l->nr - 1; i >= 0; i--)
		if (l->ep[i].tid == tid && l->ep[i].kind == kind && !l->ep[i].ended)
			return &l->ep[i];
	return NULL;
}

/* A free entry: a new one, else the oldest ended one. */
static struct fl_livelock_ep *take(struct fl_livelocks *l)
{
	if (l->nr < FL_MAX_LIVELOCKS)
		return &l->ep[l->nr++];
	for (int i = 0; i < l->nr; i++)
		if (l->ep[i].ended) {
			memmove(&l->ep[i], &l->ep[i + 1], (l->nr - i - 1) * sizeof(l->ep[0]));
			return &l->ep[l->nr - 1];
		}
	return NULL;
}

struct fl_livelock_ep *fl_livelocks_apply(struct fl_livelocks *l, const struct fl_rec_livelock *r)
{
	struct fl_livelock_ep *e = find(l, r->hdr.tid, r->kind);
	char fstype[FL_FSTYPE_LEN + 1];

	copy_name(fstype, r->fstype, sizeof(fstype));
	if (r->phase == FL_LL_BEGIN) {
		count_fs(l, fstype, r->kind);
		if (e)
			e->ended = true;	/* its end record was lost */
		e = NULL;
	}
	if (!e) {
		e = take(l);
		if (!e) {
			if (r->phase == FL_LL_BEGIN)
				l->untracked++;
			return NULL;
		}
		memset(e, 0, sizeof(*e));
		e->pid = r->hdr.pid;
		e->tid = r->hdr.tid;
		copy_name(e->comm, r->hdr.comm, sizeof(e->comm));
		e->kind = r->kind < FL_LL_KINDS ? r->kind : FL_LL_KINDS;
		e->first_ts = r->first_ts;
		e->addr = r->addr;
		e->size = r->size;
		e->syscall_nr = r->syscall_nr;
		e->syscall_arg1 = r->syscall_arg1;
	}
	if (!e->fstype[0] && fstype[0]) {
		memcpy(e->fstype, fstype, sizeof(e->fstype));
		e->dev = r->dev;
		e->ino = r->ino;
	}
	if (r->iterations > e->iterations)
		e->iterations = r->iterations;
	if (r->hdr.ts > e->last_ts)
		e->last_ts = r->hdr.ts;
	if (r->phase == FL_LL_END) {
		e->ended = true;
		e->end_reason = r->end_reason;
	}
	return e;
}

int fl_livelocks_ongoing(const struct fl_livelocks *l)
{
	int n = 0;

	for (int i = 0; i < l->nr; i++)
		n += !l->ep[i].ended;
	return n;
}
