// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "ksyms.h"
#include "names.h"
#include "record.h"
#include "deadlock.h"
#include "remote.h"
#include "stall.h"
#include "syscalls.h"

int fl_record_type(const void *data, size_t size)
{
	const struct fl_event_type *et;
	struct fl_hdr hdr;
	__u32 nr_stack;

	if (!data || size < sizeof(hdr))
		return -EINVAL;
	memcpy(&hdr, data, sizeof(hdr));
	et = fl_event_type_by_rec(hdr.type);
	if (!et || size < et->rec_size)
		return -EINVAL;
	if (et->nr_stack_off) {
		memcpy(&nr_stack, (const char *)data + et->nr_stack_off, sizeof(nr_stack));
		if (nr_stack > FL_MAX_STACK)
			return -EINVAL;
	}
	if (hdr.type == FL_REC_RECURSIVE_LOCK) {
		const struct fl_rec_lock *r = data;

		if (r->provider >= FL_LOCK_KINDS || r->range.nr_held_stack > FL_HELD_STACK ||
		    r->range.held_end < r->range.held_start || r->range.req_end < r->range.req_start)
			return -EINVAL;
	}
	if (hdr.type == FL_REC_LOCK_ORDER &&
	    (((const struct fl_rec_order *)data)->first_nr_stack > FL_HELD_STACK ||
	     ((const struct fl_rec_order *)data)->conflict > 1))
		return -EINVAL;
	if (hdr.type == FL_REC_RETRY_LIVELOCK &&
	    (((const struct fl_rec_livelock *)data)->phase < FL_LL_BEGIN ||
	     ((const struct fl_rec_livelock *)data)->phase > FL_LL_END))
		return -EINVAL;
	return hdr.type;
}

const char *fl_record_type_name(int type)
{
	const struct fl_event_type *et = fl_event_type_by_rec(type);

	return et ? et->type : "unknown";
}

enum fl_severity fl_record_severity(const void *data, int type)
{
	const struct fl_event_type *et = fl_event_type_by_rec(type);

	/* An inversion on modes that coexist needs a third party to hang. */
	if (type == FL_REC_LOCK_ORDER && !((const struct fl_rec_order *)data)->conflict)
		return FL_SEV_INFO;
	return et ? et->severity : FL_SEV_WARNING;
}

static void view_file(struct fl_view_file *f, uint64_t ino, uint32_t dev, const char *fstype)
{
	f->set = true;
	f->ino = ino;
	fl_format_dev(dev, f->dev, sizeof(f->dev));
	fl_copy_printable(f->fstype, fstype, sizeof(f->fstype));
}

static void view_lock(struct fl_view_lock *l, const struct fl_lock_id *id)
{
	l->set = true;
	l->type = id->type;
	l->number = id->number;
	snprintf(l->name, sizeof(l->name), "%u:%" PRIu64, id->type, (uint64_t)id->number);
	fl_format_dev(id->dev, l->dev, sizeof(l->dev));
}

/* lock_order's ids: a glock, or a btrfs inode's extent ranges as one lock
 * ("extent:ROOT:INO"). */
static void view_order_lock(struct fl_view_lock *l, const struct fl_lock_id *id)
{
	view_lock(l, id);
	if (!(id->type & FL_ORDER_TYPE_BTRFS))
		return;
	l->provider = FL_LOCK_BTRFS_EXTENT;
	snprintf(l->name, sizeof(l->name), "extent:%u:%" PRIu64, FL_ORDER_BTRFS_ROOT(id->type),
		 (uint64_t)id->number);
}

/*
 * A range lock's site: the first frame of its stack that is not the
 * tracing machinery or btrfs's own locking and ordered-extent plumbing —
 * the caller that asked for the range (btrfs_dio_iomap_begin,
 * btrfs_lock_and_flush_ordered_range, ...).
 */
static void range_site(const struct fl_ksyms *ks, const __u64 *stack, uint32_t n, char *buf,
		       size_t len)
{
	static const char *const plumbing[] = {
		"bpf_", "__bpf", "perf_", "trace_", "__traceiter", "__set_extent_bit", "set_extent_bit",
		"lock_extent", "__lock_extent", "btrfs_lock_extent", "btrfs_set_extent",
		"__btrfs_add_ordered", "btrfs_add_ordered", "btrfs_alloc_ordered", "alloc_ordered",
		"insert_ordered", "btrfs_start_ordered_extent",
	};

	snprintf(buf, len, "?");
	for (uint32_t i = 0; i < n && i < FL_MAX_STACK; i++) {
		bool skip = false;

		fl_ksyms__format(ks, stack[i], buf, len);
		for (size_t k = 0; k < sizeof(plumbing) / sizeof(plumbing[0]) && !skip; k++)
			skip = !strncmp(buf, plumbing[k], strlen(plumbing[k]));
		if (!skip)
			return;
	}
}

static void view_range_lock(struct fl_view *v, const struct fl_rec_lock *r, const struct fl_ksyms *ks)
{
	const struct fl_lock_range *g = &r->range;
	struct fl_view_lock *l = &v->lock;
	uint32_t nh = g->nr_held_stack < FL_HELD_STACK ? g->nr_held_stack : FL_HELD_STACK;

	l->set = true;
	l->provider = r->provider;
	l->number = r->lock.number;
	snprintf(l->name, sizeof(l->name), "%s:%" PRIu64 ":%" PRIu64 ":%" PRIu64 "+%" PRIu64,
		 r->provider == FL_LOCK_BTRFS_ORDERED ? "ordered" : "extent", (uint64_t)g->root,
		 (uint64_t)r->lock.number, (uint64_t)g->held_start,
		 (uint64_t)(g->held_end - g->held_start + 1));
	fl_format_dev(r->lock.dev, l->dev, sizeof(l->dev));
	view_file(&v->file, r->lock.number, r->lock.dev, "btrfs");
	v->held_stack = g->held_stack;
	v->nr_held_stack = nh;
	range_site(ks, g->held_stack, nh, v->site, sizeof(v->site));
	range_site(ks, r->stack, r->nr_stack, v->req_site, sizeof(v->req_site));
}

static void view_hdr(struct fl_view *v, const struct fl_hdr *h)
{
	v->ts = h->ts;
	v->pid = h->pid;
	v->tid = h->tid;
	fl_copy_printable(v->comm, h->comm, sizeof(v->comm));
}

static void view_addr(struct fl_view *v, uint64_t addr)
{
	snprintf(v->addr, sizeof(v->addr), "0x%" PRIx64, addr);
}

void fl_view_record(struct fl_view *v, const void *data, int type, const struct fl_ksyms *ks)
{
	memset(v, 0, sizeof(*v));
	v->et = fl_event_type_by_rec(type);
	v->severity = fl_record_severity(data, type);
	v->rec = type;
	v->raw = data;
	v->count = 1;
	view_hdr(v, data);
	switch (type) {
	case FL_REC_DIO_PARTIAL:
	case FL_REC_DIO_RETRY: {
		const struct fl_rec_dio *r = data;

		view_file(&v->file, r->ino, r->dev, r->fstype);
		break;
	}
	case FL_REC_SAME_FILE_FAULT: {
		const struct fl_rec_fault *r = data;

		view_file(&v->file, r->ino, r->dev, r->fstype);
		view_addr(v, r->addr);
		fl_ksyms__format(ks, r->ip, v->site, sizeof(v->site));
		v->stack = r->stack;
		v->nr_stack = r->nr_stack;
		break;
	}
	case FL_REC_RECURSIVE_LOCK: {
		const struct fl_rec_lock *r = data;

		if (r->provider != FL_LOCK_GLOCK) {
			view_range_lock(v, r, ks);
		} else {
			view_lock(&v->lock, &r->lock);
			fl_ksyms__format(ks, r->held_ip, v->site, sizeof(v->site));
			fl_ksyms__format(ks, r->req_ip, v->req_site, sizeof(v->req_site));
		}
		view_addr(v, r->fault_addr);
		if (r->in_fault && r->fault_ino)
			view_file(&v->fault_file, r->fault_ino, r->fault_dev, r->fault_fstype);
		v->stack = r->stack;
		v->nr_stack = r->nr_stack;
		break;
	}
	case FL_REC_FAULT_UNDER_LOCK: {
		const struct fl_rec_fault_lock *r = data;

		view_lock(&v->lock, &r->lock);
		fl_ksyms__format(ks, r->held_ip, v->site, sizeof(v->site));
		view_addr(v, r->addr);
		if (r->fault_ino)
			view_file(&v->fault_file, r->fault_ino, r->fault_dev, r->fault_fstype);
		v->stack = r->stack;
		v->nr_stack = r->nr_stack;
		break;
	}
	case FL_REC_LOCK_ORDER: {
		const struct fl_rec_order *r = data;

		view_order_lock(&v->lock, &r->held);
		view_order_lock(&v->lock2, &r->req);
		/* no site (0): btrfs, where no caller frame was found */
		if (r->second.held_ip)
			fl_ksyms__format(ks, r->second.held_ip, v->site, sizeof(v->site));
		if (r->second.req_ip)
			fl_ksyms__format(ks, r->second.req_ip, v->req_site, sizeof(v->req_site));
		if (r->first.held_ip)
			fl_ksyms__format(ks, r->first.held_ip, v->first_site, sizeof(v->first_site));
		if (r->first.req_ip)
			fl_ksyms__format(ks, r->first.req_ip, v->first_req_site, sizeof(v->first_req_site));
		view_addr(v, r->fault_addr);
		if (r->fault_ino)
			view_file(&v->fault_file, r->fault_ino, r->fault_dev,
				  v->lock.provider == FL_LOCK_BTRFS_EXTENT ? "btrfs" : "gfs2");
		v->stack = r->stack;
		v->nr_stack = r->nr_stack;
		v->first_stack = r->first_stack;
		v->nr_first_stack = r->first_nr_stack;
		break;
	}
	case FL_REC_FAULT_IN: {
		const struct fl_rec_fault_in *r = data;

		view_addr(v, r->addr);
		break;
	}
	case FL_REC_RETRY_LIVELOCK: {
		const struct fl_rec_livelock *r = data;
		uint64_t first = r->first_ts && r->first_ts <= r->hdr.ts ? r->first_ts : r->hdr.ts;

		fl_syscall_format(r->syscall_nr, r->syscall_arg1, v->syscall, sizeof(v->syscall));
		view_addr(v, r->addr);
		if (r->ino)
			view_file(&v->file, r->ino, r->dev, r->fstype);
		if (r->lock.type)
			view_lock(&v->lock, &r->lock);
		v->secs = (r->hdr.ts - first) / 1e9;
		v->rate = v->secs > 0 ? r->iterations / v->secs : 0;
		v->stack = r->stack;
		v->nr_stack = r->phase == FL_LL_BEGIN ? r->nr_stack : 0;
		break;
	}
	}
}

void fl_view_stall(struct fl_view *v, const struct fl_stall *st, const struct fl_ksyms *ks)
{
	const struct fl_waiter *w = &st->w;
	const struct fl_holder *h = &st->h;
	struct fl_hdr hdr = { .pid = w->pid, .tid = w->tid, .ts = st->now };

	memset(v, 0, sizeof(*v));
	v->et = fl_event_type_by_name("lock_stall");
	v->severity = v->et->severity;
	v->stall = st;
	v->count = 1;
	memcpy(hdr.comm, w->comm, sizeof(hdr.comm));
	view_hdr(v, &hdr);
	fl_copy_printable(v->holder_comm, h->comm, sizeof(v->holder_comm));
	v->waited_ms = (st->now - w->since) / 1000000;
	v->held_ms = h->since && h->since <= st->now ? (st->now - h->since) / 1000000 : 0;
	if (w->provider == FL_LOCK_BTRFS_EXTENT) {
		/* extent:ROOT:INO:START+LEN, the range asked for; no sites
		 * recorded (no stack is taken per request): the waiter's
		 * frame, and the holder's stack now */
		v->lock.set = true;
		v->lock.provider = w->provider;
		v->lock.number = w->id.number;
		fl_btrfs_range_name(v->lock.name, sizeof(v->lock.name), w);
		if (st->dev)
			fl_format_dev(st->dev, v->lock.dev, sizeof(v->lock.dev));
		view_file(&v->file, w->id.number, st->dev, "btrfs");
		fl_copy_printable(v->req_site, st->wait_frame, sizeof(v->req_site));
		return;
	}
	view_lock(&v->lock, &w->id);
	fl_ksyms__format(ks, w->ip, v->req_site, sizeof(v->req_site));
	fl_ksyms__format(ks, h->ip, v->site, sizeof(v->site));
}

void fl_view_deadlock(struct fl_view *v, const struct fl_deadlock *d, const struct fl_ksyms *ks)
{
	const struct fl_waiter *w = &d->links[0].w;
	struct fl_hdr hdr = { .pid = w->pid, .tid = w->tid, .ts = d->now };

	(void)ks;
	memset(v, 0, sizeof(*v));
	v->et = fl_event_type_by_name("deadlock");
	/* an error only when the kernel's own glock dump agrees */
	v->severity = d->check == FL_DL_VERIFIED ? FL_SEV_ERROR : FL_SEV_WARNING;
	v->deadlock = d;
	v->count = 1;
	memcpy(hdr.comm, w->comm, sizeof(hdr.comm));
	view_hdr(v, &hdr);
	if (w->provider == FL_LOCK_BTRFS_EXTENT) {
		v->lock.set = true;
		v->lock.provider = w->provider;
		v->lock.number = w->id.number;
		fl_btrfs_range_name(v->lock.name, sizeof(v->lock.name), w);
		if (d->btrfs_dev)
			fl_format_dev(d->btrfs_dev, v->lock.dev, sizeof(v->lock.dev));
		return;
	}
	view_lock(&v->lock, &w->id);
}

void fl_btrfs_range_name(char *out, size_t len, const struct fl_waiter *w)
{
	snprintf(out, len, "extent:%" PRIu64 ":%" PRIu64 ":%" PRIu64 "+%" PRIu64, (uint64_t)w->range.root,
		 (uint64_t)w->id.number, (uint64_t)w->range.start,
		 (uint64_t)(w->range.end - w->range.start + 1));
}

void fl_view_remote(struct fl_view *v, const struct fl_remote_demote *r, const struct fl_ksyms *ks)
{
	const struct fl_holder *h = &r->h;
	struct fl_hdr hdr = { .pid = h->pid, .tid = h->tid, .ts = r->now };

	memset(v, 0, sizeof(*v));
	v->et = fl_event_type_by_name("remote_demote");
	v->severity = v->et->severity;
	v->remote = r;
	v->count = 1;
	memcpy(hdr.comm, h->comm, sizeof(hdr.comm));
	view_hdr(v, &hdr);
	view_lock(&v->lock, &h->id);
	fl_ksyms__format(ks, h->ip, v->site, sizeof(v->site));
	v->waited_ms = r->d.since <= r->now ? (r->now - r->d.since) / 1000000 : 0;
	v->held_ms = h->since <= r->now ? (r->now - h->since) / 1000000 : 0;
}

void fl_view_frames(const struct fl_view *v, const struct fl_ksyms *ks,
		    void (*fn)(void *arg, const char *frame), void *arg)
{
	fl_stack_frames(v->stack, v->nr_stack, ks, fn, arg);
}

/* "func+0x5/0x1ba0 ..." is func's own patched entry (the call into an
 * fentry trampoline sits at +0x0 or, after endbr64, +0x4): the frame an
 * fentry program of ours leaves below its trampoline. */
static bool is_patched_entry_of(const char *frame, const char *func, size_t len)
{
	return len && !strncmp(frame, func, len) &&
	       (!strncmp(frame + len, "+0x5/", 5) || !strncmp(frame + len, "+0x9/", 5));
}

void fl_stack_frames(const __u64 *stack, uint32_t n, const struct fl_ksyms *ks,
		     void (*fn)(void *arg, const char *frame), void *arg)
{
	bool top = true, after_trampoline = false;
	char prev_func[256] = "";
	size_t prev_len = 0;

	for (uint32_t i = 0; stack && i < n && i < FL_MAX_STACK; i++) {
		char frame[256];

		fl_ksyms__format(ks, stack[i], frame, sizeof(frame));
		if (top && fl_frame_is_bpf(frame))
			continue;
		/* Mid-stack, a trampoline is only an fentry program's way in
		 * (ours, or another tool's): it and the patched entry go. */
		if (!strncmp(frame, "bpf_trampoline_", 15)) {
			after_trampoline = true;
			continue;
		}
		if (after_trampoline && is_patched_entry_of(frame, prev_func, prev_len)) {
			after_trampoline = false;
			continue;
		}
		after_trampoline = false;
		top = false;
		prev_len = strcspn(frame, "+ ");
		if (prev_len >= sizeof(prev_func))
			prev_len = 0;
		memcpy(prev_func, frame, prev_len);
		fn(arg, frame);
	}
}
