// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One JSON line per event: the field lists of docs/interface.md. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include "deadlock.h"
#include "remote.h"
#include "events.h"
#include "ksyms.h"
#include "json.h"
#include "livelock.h"
#include "names.h"
#include "stall.h"

static void hdr(struct jw *w, const struct fl_view *v)
{
	jw_object(w, NULL);
	jw_str(w, "type", v->et->type);
	jw_u64(w, "ts", v->ts);
	jw_u64(w, "pid", v->pid);
	jw_u64(w, "tid", v->tid);
	jw_str(w, "comm", v->comm);
	jw_str(w, "severity", fl_severity_name(v->severity));
	if (v->severity == FL_SEV_INFO)
		jw_u64(w, "events", v->count);	/* events this line stands for */
}

static void add_frame(void *arg, const char *frame)
{
	jw_str(arg, NULL, frame);
}

static void stack(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	jw_array(w, "stack");
	fl_view_frames(v, e->ksyms, add_frame, w);
	jw_end_array(w);
}

static void file(struct jw *w, const char *key, const struct fl_view_file *f)
{
	if (!f->set) {
		jw_null(w, key);
		return;
	}
	jw_object(w, key);
	jw_str(w, "fstype", f->fstype);
	jw_str(w, "dev", f->dev);
	jw_u64(w, "ino", f->ino);
	jw_end_object(w);
}

static void lock(struct jw *w, const struct fl_view_lock *l)
{
	jw_str(w, "lock", l->name);
	jw_str(w, "provider", "gfs2");
	jw_u64(w, "lock_type", l->type);
	jw_str(w, "dev", l->dev);
	/* inode, iopen and flock glocks are named by the inode's number */
	if (l->type == 2 || l->type == 5 || l->type == 6)
		jw_u64(w, "ino", l->number);
	else
		jw_null(w, "ino");
}

/* The file of a direct I/O record, inline: fstype, dev, ino, op. */
static void dio_file(struct jw *w, const struct fl_view *v, uint32_t op)
{
	jw_str(w, "fstype", v->file.fstype);
	jw_str(w, "dev", v->file.dev);
	jw_u64(w, "ino", v->file.ino);
	jw_str(w, "op", fl_op_name(op));
}

static void dio(struct jw *w, const struct fl_view *v)
{
	const struct fl_rec_dio *r = v->raw;

	dio_file(w, v, r->op);
	jw_i64(w, "pos", r->pos);
	jw_u64(w, "count", r->count);
	jw_u64(w, "done_before", r->done_before);
	if (v->rec == FL_REC_DIO_PARTIAL) {
		jw_i64(w, "ret", r->ret);
		jw_str(w, "reason", r->reason == FL_PARTIAL_EFAULT ? "efault" : "short");
	} else {
		jw_bool(w, "after_partial", r->reason & FL_RETRY_AFTER_PARTIAL);
	}
	jw_bool(w, "nofault", r->nofault);
}

static void same_file_fault(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_fault *r = v->raw;

	dio_file(w, v, r->op);
	jw_str(w, "address", v->addr);
	jw_u64(w, "pgoff", r->pgoff);
	jw_str(w, "access", r->error_code & 2 ? "write" : "read");	/* X86_PF_WRITE */
	jw_str(w, "ip", v->site);
	if (r->pagefault_disabled == FL_PFD_UNKNOWN)
		jw_null(w, "pagefault_disabled");
	else
		jw_bool(w, "pagefault_disabled", r->pagefault_disabled);
	if (e->stacks)
		stack(w, e, v);
}

static void range(struct jw *w, const char *key, uint64_t start, uint64_t end)
{
	jw_object(w, key);
	jw_u64(w, "start", start);
	jw_u64(w, "end", end);	/* inclusive, as btrfs's io_tree */
	jw_end_object(w);
}

/* btrfs_extent / btrfs_ordered: a byte range of one file, held by this
 * task's direct I/O and asked for again from inside it. */
static void range_recursion(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_lock *r = v->raw;

	jw_str(w, "lock", v->lock.name);
	jw_str(w, "provider", fl_lock_kind_name(v->lock.provider));
	jw_null(w, "lock_type");
	jw_str(w, "dev", v->lock.dev);
	jw_u64(w, "ino", v->lock.number);
	jw_u64(w, "root", r->range.root);
	range(w, "held_range", r->range.held_start, r->range.held_end);
	range(w, "requested_range", r->range.req_start, r->range.req_end);
	jw_str(w, "held_site", v->site);
	jw_str(w, "requested_site", v->req_site);
	jw_u64(w, "held_locks", r->nr_held);
	jw_bool(w, "in_fault", r->in_fault);
	jw_str(w, "fault_address", r->in_fault ? v->addr : NULL);
	file(w, "file", &v->file);
	file(w, "fault_file", &v->fault_file);
	jw_array(w, "held_stack");
	fl_stack_frames(v->held_stack, v->nr_held_stack, e->ksyms, add_frame, w);
	jw_end_array(w);
	stack(w, e, v);
}

static void recursive_lock(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_lock *r = v->raw;

	if (v->lock.provider != FL_LOCK_GLOCK) {
		range_recursion(w, e, v);
		return;
	}
	lock(w, &v->lock);
	jw_str(w, "held_state", fl_lock_state_name(r->held_state));
	jw_str(w, "requested_state", fl_lock_state_name(r->req_state));
	jw_u64(w, "held_flags", r->held_flags);
	jw_u64(w, "requested_flags", r->req_flags);
	jw_str(w, "kernel_outcome", fl_recursion_outcome(r->req_flags));
	jw_str(w, "held_site", v->site);
	jw_str(w, "requested_site", v->req_site);
	jw_u64(w, "held_locks", r->nr_held);
	jw_bool(w, "in_fault", r->in_fault);
	jw_str(w, "fault_address", r->in_fault ? v->addr : NULL);
	file(w, "fault_file", &v->fault_file);
	stack(w, e, v);
}

static void order_side(struct jw *w, const struct fl_emit *e, const char *key,
		       const struct fl_order_side *s, const char *comm, const char *holds,
		       const char *held_site, const char *requests, const char *req_site,
		       const __u64 *stack, uint32_t nr_stack, bool modes)
{
	jw_object(w, key);
	jw_u64(w, "pid", s->pid);
	jw_u64(w, "tid", s->tid);
	jw_str(w, "comm", comm);
	jw_str(w, "holds", holds);
	jw_str(w, "held_state", modes ? fl_lock_state_name(s->held_state) : NULL);
	jw_str(w, "held_site", held_site[0] ? held_site : NULL);
	jw_str(w, "requests", requests);
	jw_str(w, "requested_state", modes ? fl_lock_state_name(s->req_state) : NULL);
	jw_str(w, "requested_site", req_site[0] ? req_site : NULL);
	jw_bool(w, "in_fault", s->in_fault);
	jw_u64(w, "times", s->count);
	jw_array(w, "stack");
	fl_stack_frames(stack, nr_stack, e->ksyms, add_frame, w);
	jw_end_array(w);
	jw_end_object(w);
}

/* Two inode glocks taken in opposite orders: `first` (another task,
 * earlier) held the requested one and asked for the held one. */
static void lock_order(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_order *r = v->raw;
	char comm[FL_COMM_LEN + 1];

	bool btrfs = v->lock.provider == FL_LOCK_BTRFS_EXTENT;

	jw_str(w, "lock", v->lock.name);
	jw_str(w, "requested_lock", v->lock2.name);
	jw_str(w, "provider", btrfs ? "btrfs" : "gfs2");
	jw_str(w, "lock_type", btrfs ? "btrfs_extent" : "glock");
	jw_str(w, "dev", v->lock.dev);
	jw_array(w, "inodes");
	jw_u64(w, NULL, v->lock.number);
	jw_u64(w, NULL, v->lock2.number);
	jw_end_array(w);
	jw_bool(w, "conflict", r->conflict);
	fl_copy_printable(comm, r->first.comm, sizeof(comm));
	order_side(w, e, "first", &r->first, comm, v->lock2.name, v->first_site, v->lock.name,
		   v->first_req_site, v->first_stack, v->nr_first_stack, !btrfs);
	order_side(w, e, "second", &r->second, v->comm, v->lock.name, v->site, v->lock2.name,
		   v->req_site, v->stack, v->nr_stack, !btrfs);
	jw_u64(w, "held_locks", r->nr_held);
	jw_str(w, "fault_address", r->fault_addr ? v->addr : NULL);
	file(w, "fault_file", &v->fault_file);
}

static void fault_under_lock(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_fault_lock *r = v->raw;

	lock(w, &v->lock);
	jw_str(w, "held_state", fl_lock_state_name(r->held_state));
	jw_str(w, "held_site", v->site);
	jw_u64(w, "held_locks", r->nr_held);
	jw_str(w, "address", v->addr);
	jw_str(w, "access", r->fault_flags & 1 ? "write" : "read");	/* FAULT_FLAG_WRITE */
	jw_u64(w, "fault_flags", r->fault_flags);
	jw_bool(w, "gup", r->gup);
	jw_str(w, "protection", fl_protection_name(r->protection));
	file(w, "fault_file", &v->fault_file);
	if (e->stacks)
		stack(w, e, v);
}

static void fault_in(struct jw *w, const struct fl_view *v)
{
	const struct fl_rec_fault_in *r = v->raw;

	jw_str(w, "kind", fl_fault_in_kind_name(r->kind));
	jw_str(w, "address", v->addr);
	jw_u64(w, "size", r->size);
	jw_u64(w, "not_faulted_in", r->missed);
	jw_u64(w, "latency_ns", r->latency_ns);
	jw_u64(w, "held_locks", r->nr_held);
}

static void retry_livelock(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_livelock *r = v->raw;

	jw_str(w, "phase", r->phase == FL_LL_BEGIN ? "begin" : "end");
	jw_str(w, "kind", fl_livelock_kind_name(r->kind));
	jw_str(w, "syscall", v->syscall);
	jw_i64(w, "syscall_nr", r->syscall_nr);
	if (r->kind == FL_LL_DIO) {
		jw_i64(w, "pos", (int64_t)r->addr);
		jw_u64(w, "count", r->size);
		jw_u64(w, "done_before", r->done_before);
	} else {
		jw_str(w, "address", v->addr);
		jw_u64(w, "size", r->size);
	}
	jw_u64(w, "iterations", r->iterations);
	jw_double(w, "duration_s", v->secs);
	if (r->phase == FL_LL_BEGIN)
		jw_double(w, "rate_per_s", v->rate);
	else
		jw_str(w, "end_reason", fl_livelock_end_name(r->end_reason));
	file(w, "file", &v->file);
	jw_u64(w, "held_locks", r->nr_held);
	jw_str(w, "lock_between", v->lock.set ? v->lock.name : NULL);
	jw_u64(w, "lock_acquisitions", r->lock_acqs);
	if (r->phase == FL_LL_BEGIN)
		stack(w, e, v);
}

/* A stack read from /proc or the task iterator: symbolised already. */
static void frames_array(struct jw *w, const char *name, const char (*frames)[128], int n)
{
	jw_array(w, name);
	for (int i = 0; i < n && i < FL_STALL_FRAMES; i++) {
		char frame[129];

		fl_copy_printable(frame, frames[i], sizeof(frame));
		jw_str(w, NULL, frame);
	}
	jw_end_array(w);
}

/* A glock's holder on this node (lock_stall, remote_demote): v's site and hold time. */
static void holder_fields(struct jw *w, const struct fl_view *v, const struct fl_holder *h, const char *comm,
			  int nr_holders, const char (*frames)[128], int nr_frames)
{
	jw_u64(w, "pid", h->pid);
	jw_u64(w, "tid", h->tid);
	jw_str(w, "comm", comm);
	jw_str(w, "held_state", fl_lock_state_name(h->state));
	jw_str(w, "held_site", v->site);
	jw_u64(w, "held_ms", v->held_ms);
	jw_u64(w, "holders", nr_holders);
	frames_array(w, "stack", frames, nr_frames);
}

/* btrfs_extent: the range asked for, where the waiter waits, the holder
 * of (part of) it and the holder's stack now. */
static void range_stall(struct jw *w, const struct fl_view *v)
{
	const struct fl_stall *st = v->stall;
	const struct fl_holder *h = &st->h;

	jw_str(w, "lock", v->lock.name);
	jw_str(w, "provider", fl_lock_kind_name(v->lock.provider));
	jw_null(w, "lock_type");
	jw_str(w, "dev", v->lock.dev[0] ? v->lock.dev : NULL);
	jw_u64(w, "ino", v->lock.number);
	jw_u64(w, "root", st->w.range.root);
	jw_str(w, "mount", st->mnt[0] ? st->mnt : NULL);
	range(w, "requested_range", st->w.range.start, st->w.range.end);
	jw_str(w, "requested_site", v->req_site[0] ? v->req_site : NULL);
	jw_u64(w, "waited_ms", v->waited_ms);
	if (!st->have_holder) {
		jw_null(w, "holder");
		return;
	}
	jw_object(w, "holder");
	jw_u64(w, "pid", h->pid);
	jw_u64(w, "tid", h->tid);
	jw_str(w, "comm", v->holder_comm);
	range(w, "held_range", h->range.start, h->range.end);
	jw_u64(w, "held_ms", v->held_ms);
	jw_u64(w, "holders", st->nr_holders);
	jw_bool(w, "self", h->tid == st->w.tid);
	frames_array(w, "stack", st->frames, st->nr_frames);
	jw_end_object(w);
}

static void lock_stall(struct jw *w, const struct fl_view *v)
{
	const struct fl_stall *st = v->stall;
	const struct fl_holder *h = &st->h;

	if (st->w.provider == FL_LOCK_BTRFS_EXTENT) {
		range_stall(w, v);
		return;
	}
	lock(w, &v->lock);
	jw_str(w, "requested_state", fl_lock_state_name(st->w.state));
	jw_u64(w, "requested_flags", st->w.flags);
	jw_str(w, "requested_site", v->req_site);
	jw_u64(w, "waited_ms", v->waited_ms);
	jw_str(w, "glock_flags", st->glock_flags[0] ? st->glock_flags : NULL);
	if (st->have_holder) {
		jw_object(w, "holder");
		holder_fields(w, v, h, v->holder_comm, st->nr_holders, st->frames, st->nr_frames);
		if (st->our_node)
			jw_u64(w, "node", (uint64_t)st->our_node);
		else
			jw_null(w, "node");
		jw_bool(w, "remote", false);
		jw_end_object(w);
		return;
	}
	if (!st->have_dlm) {
		jw_null(w, "holder");
		return;
	}
	/* Not traced here: the DLM's granted lock (lock_dlm), on whatever node. */
	jw_object(w, "holder");
	if (st->dlm.pid)
		jw_u64(w, "pid", (uint64_t)st->dlm.pid);
	else
		jw_null(w, "pid");
	jw_null(w, "tid");
	jw_null(w, "comm");
	jw_str(w, "held_state", st->dlm.mode >= 0 ? fl_trace_state_name((unsigned)st->dlm.mode) : NULL);
	jw_null(w, "held_site");
	jw_null(w, "held_ms");
	jw_u64(w, "holders", 0);
	jw_array(w, "stack");
	jw_end_array(w);
	if (st->dlm.node)
		jw_u64(w, "node", (uint64_t)st->dlm.node);
	else
		jw_null(w, "node");
	jw_bool(w, "remote", !st->dlm.local);
	jw_bool(w, "inferred", st->dlm.inferred);
	if (st->dlm.master)
		jw_u64(w, "master", (uint64_t)st->dlm.master);
	else
		jw_null(w, "master");
	jw_str(w, "source", "dlm");
	jw_end_object(w);
}

/* The holder here of a glock another node asked for. */
static void remote_demote(struct jw *w, const struct fl_view *v)
{
	const struct fl_remote_demote *r = v->remote;

	lock(w, &v->lock);
	jw_str(w, "glock_type", fl_glock_type_name(v->lock.type));
	jw_str(w, "demote_to", fl_trace_state_name(r->d.dmt_state));
	jw_u64(w, "requested_ms", v->waited_ms);
	jw_u64(w, "requests", r->d.count);
	jw_bool(w, "verified", r->check == FL_RD_VERIFIED);
	jw_str(w, "why", r->check == FL_RD_VERIFIED ? NULL : r->why);
	if (r->check == FL_RD_VERIFIED) {
		jw_str(w, "glock_flags", r->glock_flags);
		jw_u64(w, "demote_age_ms", r->dump_demote_us / 1000);
	}
	jw_object(w, "holder");
	holder_fields(w, v, &r->h, v->comm, r->nr_holders, r->frames, r->nr_frames);
	jw_end_object(w);
}

static void range_obj(struct jw *w, const char *key, uint64_t start, uint64_t end)
{
	jw_object(w, key);
	jw_u64(w, "start", start);
	jw_u64(w, "end", end);
	jw_end_object(w);
}

/* Every task of the cycle: what it waits for, who holds that, its stack. */
static void deadlock(struct jw *w, const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_deadlock *d = v->deadlock;

	jw_bool(w, "verified", d->check == FL_DL_VERIFIED);
	jw_str(w, "why", d->check == FL_DL_VERIFIED ? NULL : d->why);
	jw_str(w, "provider", d->ranges ? (d->glocks ? "gfs2+btrfs" : "btrfs") : "gfs2");
	jw_str(w, "dev", v->lock.dev[0] ? v->lock.dev : NULL);
	if (d->ranges)
		jw_str(w, "mount", d->btrfs_mnt[0] ? d->btrfs_mnt : NULL);
	jw_u64(w, "tasks", d->n);
	jw_array(w, "cycle");
	for (int i = 0; i < d->n; i++) {
		const struct fl_deadlock_link *l = &d->links[i];
		bool range = l->w.provider == FL_LOCK_BTRFS_EXTENT;
		char name[96], comm[FL_COMM_LEN + 1], site[256];

		jw_object(w, NULL);
		jw_u64(w, "pid", l->w.pid);
		jw_u64(w, "tid", l->w.tid);
		fl_copy_printable(comm, l->w.comm, sizeof(comm));
		jw_str(w, "comm", comm);
		if (range)
			fl_btrfs_range_name(name, sizeof(name), &l->w);
		else
			snprintf(name, sizeof(name), "%u:%" PRIu64, l->w.id.type, (uint64_t)l->w.id.number);
		jw_str(w, "waits_for", name);
		jw_str(w, "lock_type", range ? "btrfs_extent" : "glock");
		if (range) {
			/* extent locks have no modes; the site is the stack's */
			jw_str(w, "requested_state", NULL);
			range_obj(w, "requested_range", l->w.range.start, l->w.range.end);
			fl_copy_printable(site, l->wait_frame, sizeof(site));
			jw_str(w, "requested_site", site[0] ? site : NULL);
		} else {
			jw_str(w, "requested_state", fl_lock_state_name(l->w.state));
			fl_ksyms__format(e->ksyms, l->w.ip, site, sizeof(site));
			jw_str(w, "requested_site", site);
		}
		jw_u64(w, "waited_ms", (uint64_t)(d->now > l->w.since ? (d->now - l->w.since) / 1000000 : 0));
		jw_object(w, "held_by");
		jw_u64(w, "pid", l->h.pid);
		jw_u64(w, "tid", l->h.tid);
		fl_copy_printable(comm, l->h.comm, sizeof(comm));
		jw_str(w, "comm", comm);
		if (range) {
			jw_str(w, "held_state", NULL);
			range_obj(w, "held_range", l->h.range.start, l->h.range.end);
			jw_str(w, "held_site", NULL);
		} else {
			jw_str(w, "held_state", fl_lock_state_name(l->h.state));
			fl_ksyms__format(e->ksyms, l->h.ip, site, sizeof(site));
			jw_str(w, "held_site", site);
		}
		jw_u64(w, "held_ms", d->now > l->h.since ? (d->now - l->h.since) / 1000000 : 0);
		jw_end_object(w);
		frames_array(w, "stack", l->frames, l->nr_frames);
		jw_end_object(w);
	}
	jw_end_array(w);
}

void fl_json_self_hdr(struct jw *w, const char *type, uint64_t ts)
{
	jw_object(w, NULL);
	jw_str(w, "type", type);
	jw_u64(w, "ts", ts);
	jw_u64(w, "pid", 0);
	jw_u64(w, "tid", 0);
	jw_str(w, "comm", "faultlock");
}

void fl_event_json(const struct fl_emit *e, const struct fl_view *v)
{
	struct jw w;

	jw_init(&w, e->f);
	hdr(&w, v);
	switch (v->rec) {
	case FL_REC_DIO_PARTIAL:
	case FL_REC_DIO_RETRY:
		dio(&w, v);
		break;
	case FL_REC_SAME_FILE_FAULT:
		same_file_fault(&w, e, v);
		break;
	case FL_REC_RECURSIVE_LOCK:
		recursive_lock(&w, e, v);
		break;
	case FL_REC_FAULT_UNDER_LOCK:
		fault_under_lock(&w, e, v);
		break;
	case FL_REC_FAULT_IN:
		fault_in(&w, v);
		break;
	case FL_REC_LOCK_ORDER:
		lock_order(&w, e, v);
		break;
	case FL_REC_RETRY_LIVELOCK:
		retry_livelock(&w, e, v);
		break;
	case 0:
		if (v->stall)
			lock_stall(&w, v);
		else if (v->deadlock)
			deadlock(&w, e, v);
		else if (v->remote)
			remote_demote(&w, v);
		break;
	}
	jw_end_object(&w);
	fputc('\n', e->f);
}
