// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "glockdump.h"
#include "report.h"
#include "stall.h"

void fl_stall_init(struct fl_stall_scanner *s, const volatile struct fl_waiter *waiters,
		   const volatile struct fl_holder *holders, uint64_t threshold_ns)
{
	memset(s, 0, sizeof(*s));
	s->waiters = waiters;
	s->holders = holders;
	s->threshold_ns = threshold_ns;
}

/* A copy of a slot the kernel may be rewriting: the key field is zeroed
 * first and set last there, so an unchanged key around the copy means a
 * consistent one. */
bool fl_stall_copy_waiter(const volatile struct fl_waiter *live, struct fl_waiter *out)
{
	uint64_t since = live->since;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(out, (const void *)live, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return since && out->since == since && live->since == since;
}

bool fl_stall_copy_holder(const volatile struct fl_holder *live, struct fl_holder *out)
{
	uint64_t gl = live->gl, since = live->since;

	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	memcpy(out, (const void *)live, sizeof(*out));
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return gl && out->gl == gl && live->gl == gl && live->since == since;
}

int fl_stall_scan(struct fl_stall_scanner *s, uint64_t now,
		  void (*cb)(struct fl_stall *st, void *arg), void *arg)
{
	struct fl_stall st;
	int n = 0;

	for (int i = 0; i < FL_STALL_SLOTS; i++) {
		uint64_t since = s->waiters[i].since;

		if (!since || since > now || now - since < s->threshold_ns || s->reported[i] == since)
			continue;
		memset(&st, 0, sizeof(st));
		if (!fl_stall_copy_waiter(&s->waiters[i], &st.w))
			continue;
		st.now = now;
		for (int k = 0; k < FL_STALL_WAYS; k++) {
			struct fl_holder h;

			if (!fl_stall_copy_holder(&s->holders[fl_stall_slot_of_gl(st.w.gl) * FL_STALL_WAYS + k], &h) ||
			    h.gl != st.w.gl)
				continue;
			st.nr_holders++;
			if (!st.have_holder || h.since < st.h.since)
				st.h = h;
			st.have_holder = true;
		}
		s->reported[i] = since;
		s->found++;
		n++;
		cb(&st, arg);
	}
	return n;
}

int fl_stall_read_stack(pid_t pid, pid_t tid, char frames[][128], int max)
{
	char path[64], line[256];
	int n = 0;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stack", (int)pid, (int)tid);
	f = fopen(path, "re");
	if (!f)
		return 0;
	/* "[<0>] gfs2_glock_wait+0x9e/0xd0 [gfs2]" → "gfs2_glock_wait+0x9e/0xd0 [gfs2]" */
	while (n < max && fgets(line, sizeof(line), f)) {
		char *p = strstr(line, "] ");

		p = p ? p + 2 : line;
		p[strcspn(p, "\n")] = '\0';
		if (!*p)
			continue;
		if (strlen(p) > 127)
			p[127] = '\0';	/* longer frames are cut */
		memcpy(frames[n++], p, strlen(p) + 1);
	}
	fclose(f);
	return n;
}

int fl_stall_task_stack(fl_stack_reader reader, void *arg, pid_t pid, pid_t tid, char frames[][128],
			int max)
{
	int n = reader ? reader(arg, pid, tid, frames, max) : 0;

	return n > 0 ? n : fl_stall_read_stack(pid, tid, frames, max);
}

bool fl_stall_pick_dlm(const struct fl_dlm_holder *h, int n, struct fl_dlm_holder *out)
{
	int best = -1;

	for (int i = 0; i < n; i++)
		if (best < 0 || (h[best].local && !h[i].local) ||
		    (h[best].local == h[i].local && h[best].inferred && !h[i].inferred))
			best = i;
	if (best < 0)
		return false;
	*out = h[best];
	return true;
}

struct flags_ctx {
	const struct fl_lock_id *id;
	char *flags;
};

static bool glock_flags_of(void *arg, const struct fl_dump_glock *g, const struct fl_dump_holder *h)
{
	struct flags_ctx *c = arg;

	(void)h;
	if (g->type != c->id->type || g->number != c->id->number)
		return false;
	memcpy(c->flags, g->flags, sizeof(g->flags));
	return true;
}

struct print_ctx {
	struct fl_stall_scanner *s;
	struct fl_output *o;
};

static void print_stall(struct fl_stall *st, void *arg)
{
	struct print_ctx *p = arg;

	if (!p->o->f)
		return;		/* counted only (a daemon without --events) */
	if (st->have_holder)
		st->nr_frames = fl_stall_task_stack(p->s->read_stack, p->s->read_stack_arg, st->h.pid,
						    st->h.tid, st->frames, FL_STALL_FRAMES);
	if (!st->have_holder && p->s->dlm_root) {
		struct fl_dlm_holder dh[8];
		int n = fl_dlm_find_holders(p->s->dlm_root, st->w.id.dev, st->w.id.type, st->w.id.number, dh, 8);

		st->have_dlm = n > 0 && fl_stall_pick_dlm(dh, n, &st->dlm);
		st->our_node = fl_dlm_our_node(p->s->dlm_root);
	}
	if (p->s->dump_glob) {
		struct flags_ctx c = { &st->w.id, st->glock_flags };

		fl_dump_walk_glob(p->s->dump_glob, glock_flags_of, &c);
	}
	fl_output_stall(p->o, st);
}

int fl_stall_report(struct fl_stall_scanner *s, uint64_t now, struct fl_output *o)
{
	struct print_ctx p = { .s = s, .o = o };
	int n = fl_stall_scan(s, now, print_stall, &p);

	if (n > 0 && o->f)
		fflush(o->f);
	return n;
}
