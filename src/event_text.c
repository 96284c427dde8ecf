// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* One line of prose per event (stacks on the lines under it). */
#include <inttypes.h>
#include <stdint.h>
#include "deadlock.h"
#include "remote.h"
#include "events.h"
#include "ksyms.h"
#include "livelock.h"
#include "names.h"
#include "stall.h"

#define INDENT "%12s     "

static void hdr(const struct fl_emit *e, const struct fl_view *v)
{
	double rel = v->ts >= e->start_ts ? (v->ts - e->start_ts) / 1e9 : 0;

	fprintf(e->f, "%12.6f %-7s %-16s %s[%u/%u] ", rel, fl_severity_name(v->severity),
		v->et->type, v->comm, v->pid, v->tid);
	if (v->count > 1)
		fprintf(e->f, "(x%" PRIu64 " since the last line) ", v->count);
}

static void put_frame(void *arg, const char *frame)
{
	fprintf(arg, INDENT "%s\n", "", frame);
}

static void stack(const struct fl_emit *e, const struct fl_view *v)
{
	fl_view_frames(v, e->ksyms, put_frame, e->f);
}

static void dio(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_dio *r = v->raw;

	fprintf(e->f, "%s %s ino %" PRIu64 " %s pos %" PRId64 ": ", v->file.fstype, v->file.dev,
		(uint64_t)r->ino, fl_op_name(r->op), (int64_t)r->pos);
	if (v->rec == FL_REC_DIO_PARTIAL) {
		if (r->reason == FL_PARTIAL_EFAULT)
			fprintf(e->f, "-EFAULT after %" PRIu64 " of %" PRIu64 " bytes",
				(uint64_t)r->done_before, (uint64_t)(r->done_before + r->count));
		else
			fprintf(e->f, "%" PRId64 " of %" PRIu64 " bytes (short)", (int64_t)r->ret,
				(uint64_t)(r->done_before + r->count));
	} else {
		fprintf(e->f, "resumes with %" PRIu64 " bytes done, %" PRIu64 " to go%s",
			(uint64_t)r->done_before, (uint64_t)r->count,
			r->reason & FL_RETRY_AFTER_PARTIAL ? " (after a partial result)" : "");
	}
	fprintf(e->f, "%s\n", r->nofault ? ", nofault" : "");
}

static void same_file_fault(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_fault *r = v->raw;

	fprintf(e->f, "%s %s ino %" PRIu64 ": %s fault at %s (file page %" PRIu64
		") during direct %s, from %s%s\n", v->file.fstype, v->file.dev, (uint64_t)r->ino,
		r->error_code & 2 ? "write" : "read", v->addr, (uint64_t)r->pgoff, fl_op_name(r->op),
		v->site, r->pagefault_disabled == 1 ? " with page faults disabled" : "");
	if (e->stacks)
		stack(e, v);
}

static void range_recursion(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_lock *r = v->raw;
	const struct fl_lock_range *g = &r->range;
	bool ordered = v->lock.provider == FL_LOCK_BTRFS_ORDERED;

	fprintf(e->f, "btrfs %s ino %" PRIu64 " (root %" PRIu64 "): bytes %" PRIu64 "-%" PRIu64
		" %s again from inside a page fault at %s, while this task's direct I/O %s bytes %"
		PRIu64 "-%" PRIu64 " (since %s): it waits for itself\n", v->lock.dev, v->lock.number,
		(uint64_t)g->root, (uint64_t)g->req_start, (uint64_t)g->req_end,
		ordered ? "waited for" : "locked", v->addr,
		ordered ? "has an ordered extent (unsubmitted write) on" : "holds the extent lock of",
		(uint64_t)g->held_start, (uint64_t)g->held_end, v->site);
	fprintf(e->f, INDENT "new request from %s:\n", "", v->req_site);
	stack(e, v);
	fprintf(e->f, INDENT "held range taken at:\n", "");
	fl_stack_frames(v->held_stack, v->nr_held_stack, e->ksyms, put_frame, e->f);
}

static void recursive_lock(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_lock *r = v->raw;

	if (v->lock.provider != FL_LOCK_GLOCK) {
		range_recursion(e, v);
		return;
	}

	fprintf(e->f, "gfs2 glock %s (dev %s) requested %s, already held %s since %s", v->lock.name,
		v->lock.dev, fl_lock_state_name(r->req_state), fl_lock_state_name(r->held_state), v->site);
	if (r->in_fault) {
		fprintf(e->f, "; inside a page fault at %s", v->addr);
		if (v->fault_file.set)
			fprintf(e->f, " on %s %s ino %" PRIu64, v->fault_file.fstype, v->fault_file.dev,
				v->fault_file.ino);
	}
	if (r->req_flags & 0x3)	/* LM_FLAG_TRY | LM_FLAG_TRY_1CB: see fl_recursion_outcome */
		fprintf(e->f, "; a TRY request: the kernel BUG()s unless the try fails first");
	fprintf(e->f, "\n" INDENT "new request from %s:\n", "", v->req_site);
	stack(e, v);
}

static void lock_order(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_order *r = v->raw;
	char comm[FL_COMM_LEN + 1];

	fl_copy_printable(comm, r->first.comm, sizeof(comm));
	if (v->lock.provider == FL_LOCK_BTRFS_EXTENT) {
		fprintf(e->f, "btrfs extent ranges of %s and %s (dev %s) taken in opposite orders: this task's "
			"direct I/O holds a range of %s (from %s) and its fault asks for one of %s; %s[%u/%u] "
			"held one of %s and asked for one of %s%s. At the same moment they wait for each "
			"other for good.\n", v->lock.name, v->lock2.name, v->lock.dev, v->lock.name,
			v->site[0] ? v->site : "?", v->lock2.name, comm, r->first.pid, r->first.tid,
			v->lock2.name, v->lock.name, r->first.in_fault ? " in a page fault" : "");
		fprintf(e->f, INDENT "this request, from %s:\n", "", v->req_site[0] ? v->req_site : "?");
		stack(e, v);
		fprintf(e->f, INDENT "%s[%u]'s request, from %s:\n", "", comm, r->first.tid,
			v->first_req_site[0] ? v->first_req_site : "?");
		fl_stack_frames(v->first_stack, v->nr_first_stack, e->ksyms, put_frame, e->f);
		return;
	}
	fprintf(e->f, "gfs2 glocks %s and %s (dev %s) taken in opposite orders: this task holds %s %s"
		" (since %s) and asks for %s %s%s; %s[%u/%u] held %s %s and asked for %s %s%s. %s\n",
		v->lock.name, v->lock2.name, v->lock.dev, v->lock.name,
		fl_lock_state_name(r->second.held_state), v->site, v->lock2.name,
		fl_lock_state_name(r->second.req_state), r->second.in_fault ? " in a page fault" : "",
		comm, r->first.pid, r->first.tid, v->lock2.name, fl_lock_state_name(r->first.held_state),
		v->lock.name, fl_lock_state_name(r->first.req_state),
		r->first.in_fault ? " in a page fault" : "",
		r->conflict ? "At the same moment they wait for each other for good."
			    : "The modes coexist: only a third request (an EX, or another node's) closes the cycle.");
	fprintf(e->f, INDENT "this request, from %s:\n", "", v->req_site);
	stack(e, v);
	fprintf(e->f, INDENT "%s[%u]'s request, from %s:\n", "", comm, r->first.tid, v->first_req_site);
	fl_stack_frames(v->first_stack, v->nr_first_stack, e->ksyms, put_frame, e->f);
}

static void fault_under_lock(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_fault_lock *r = v->raw;

	fprintf(e->f, "%s fault at %s%s while holding gfs2 glock %s (dev %s) %s from %s,"
		" protection %s", r->fault_flags & 1 ? "write" : "read", v->addr,
		r->gup ? " (get_user_pages)" : "", v->lock.name, v->lock.dev,
		fl_lock_state_name(r->held_state), v->site, fl_protection_name(r->protection));
	if (v->fault_file.set)
		fprintf(e->f, "; maps %s %s ino %" PRIu64, v->fault_file.fstype, v->fault_file.dev,
			v->fault_file.ino);
	fputc('\n', e->f);
	if (e->stacks)
		stack(e, v);
}

static void fault_in(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_fault_in *r = v->raw;

	fprintf(e->f, "fault_in_%s(%s, %" PRIu64 "): %" PRIu64 " bytes not faulted in, %.1f us%s\n",
		fl_fault_in_kind_name(r->kind), v->addr, (uint64_t)r->size, (uint64_t)r->missed,
		r->latency_ns / 1e3, r->nr_held ? " (holding a glock)" : "");
}

static void retry_livelock(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_rec_livelock *r = v->raw;
	const char *kind = fl_livelock_kind_name(r->kind);

	if (r->phase == FL_LL_END) {
		fprintf(e->f, "%s %s cycle ended after %" PRIu64 " iterations in %.3f s (%s)\n",
			v->syscall, kind, (uint64_t)r->iterations, v->secs, fl_livelock_end_name(r->end_reason));
		return;
	}
	if (r->kind == FL_LL_DIO)
		fprintf(e->f, "%s loops: %" PRIu64 " direct I/O calls in %.3f s (%.0f/s) resume at done_before %"
			PRIu64 " without progress", v->syscall, (uint64_t)r->iterations, v->secs, v->rate,
			(uint64_t)r->done_before);
	else
		fprintf(e->f, "%s loops: %s(%s, %" PRIu64 ") completed %" PRIu64 " times in %.3f s (%.0f/s)"
			" and the retry still fails", v->syscall, kind, v->addr, (uint64_t)r->size,
			(uint64_t)r->iterations, v->secs, v->rate);
	if (v->file.set)
		fprintf(e->f, "; %s %s %s ino %" PRIu64, r->kind == FL_LL_DIO ? "file" : "the range maps",
			v->file.fstype, v->file.dev, v->file.ino);
	if (v->lock.set)
		fprintf(e->f, "; re-acquires gfs2 glock %s between iterations (%" PRIu64 " times so far)",
			v->lock.name, (uint64_t)r->lock_acqs);
	fprintf(e->f, "; %u glocks held at the fault-in\n", r->nr_held);
	fprintf(e->f, INDENT "a kernel bug: the cycle may never end; it loops at:\n", "");
	stack(e, v);
}

/* A stack read from /proc or the task iterator, one frame a line. */
static void frame_lines(const struct fl_emit *e, const char (*frames)[128], int n)
{
	for (int i = 0; i < n && i < FL_STALL_FRAMES; i++) {
		char frame[129];

		fl_copy_printable(frame, frames[i], sizeof(frame));
		fprintf(e->f, "%12s       %s\n", "", frame);
	}
}

static void range_stall(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_stall *st = v->stall;
	const struct fl_holder *h = &st->h;

	fprintf(e->f, "waits %" PRIu64 " ms for btrfs extent range %s (bytes %" PRIu64 "-%" PRIu64
		" of inode %" PRIu64 ", subvolume %" PRIu64 ", %s%s%s), in %s\n",
		v->waited_ms, v->lock.name, (uint64_t)st->w.range.start, (uint64_t)st->w.range.end,
		v->lock.number, (uint64_t)st->w.range.root, st->mnt[0] ? st->mnt : "mount unknown",
		v->lock.dev[0] ? ", dev " : "", v->lock.dev, v->req_site[0] ? v->req_site : "(site unknown)");
	if (!st->have_holder) {
		fprintf(e->f, INDENT "holder unknown (locked before faultlock started, or its entry was "
			"taken over)\n", "");
		return;
	}
	if (h->tid == st->w.tid)
		fprintf(e->f, INDENT "held by this task itself (bytes %" PRIu64 "-%" PRIu64 ", for %" PRIu64
			" ms): it waits for itself (see recursive_lock)\n", "", (uint64_t)h->range.start,
			(uint64_t)h->range.end, v->held_ms);
	else
		fprintf(e->f, INDENT "locked by %s[%u/%u] %" PRIu64 " ms ago (bytes %" PRIu64 "-%" PRIu64
			"%s)%s\n", "", v->holder_comm, h->pid, h->tid, v->held_ms, (uint64_t)h->range.start,
			(uint64_t)h->range.end, st->nr_holders > 1 ? "; more lockers overlap" : "",
			st->nr_frames ? "; its kernel stack now:" : "");
	frame_lines(e, st->frames, st->nr_frames);
}

static void lock_stall(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_stall *st = v->stall;
	const struct fl_holder *h = &st->h;

	if (st->w.provider == FL_LOCK_BTRFS_EXTENT) {
		range_stall(e, v);
		return;
	}
	fprintf(e->f, "waits %" PRIu64 " ms for gfs2 glock %s (dev %s) %s, requested at %s\n",
		v->waited_ms, v->lock.name, v->lock.dev, fl_lock_state_name(st->w.state), v->req_site);
	if (!st->have_holder && st->have_dlm && !st->dlm.local) {
		fprintf(e->f, INDENT "held %s on node %d (%s); that node's faultlock names the task "
			"(remote_demote)\n", "", st->dlm.mode >= 0 ? fl_trace_state_name((unsigned)st->dlm.mode) : "(mode unknown)",
			st->dlm.node,
			st->dlm.inferred ? "the DLM: the lock's master, nothing granted here" :
					   "the DLM's granted lock");
		if (st->dlm.pid)
			fprintf(e->f, INDENT "the DLM names pid %d there\n", "", st->dlm.pid);
		return;
	}
	if (!st->have_holder) {
		fprintf(e->f, INDENT "holder unknown (not traced, or granted before faultlock started)%s\n", "",
			st->have_dlm && st->dlm.pid ? "; the DLM names a local pid" : "");
		if (st->have_dlm && st->dlm.pid)
			fprintf(e->f, INDENT "the DLM's granted lock here: pid %d\n", "", st->dlm.pid);
		return;
	}
	fprintf(e->f, INDENT "held %s by %s[%u/%u] for %" PRIu64 " ms, acquired at %s", "",
		fl_lock_state_name(h->state), v->holder_comm, h->pid, h->tid, v->held_ms, v->site);
	if (st->nr_holders > 1)
		fprintf(e->f, " (and %d more holders)", st->nr_holders - 1);
	fprintf(e->f, "%s\n", st->nr_frames ? "; its kernel stack now:" : "");
	frame_lines(e, st->frames, st->nr_frames);
}

static void remote_demote(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_remote_demote *r = v->remote;
	const struct fl_holder *h = &r->h;

	fprintf(e->f, "holds gfs2 glock %s (%s, dev %s) %s for %" PRIu64 " ms, acquired at %s\n", v->lock.name,
		fl_glock_type_name(v->lock.type), v->lock.dev, fl_lock_state_name(h->state), v->held_ms,
		v->site);
	fprintf(e->f, INDENT "another node asked for it %" PRIu64 " ms ago (demote to %s, %u request%s) "
		"and waits until it is released%s\n", "", v->waited_ms, fl_trace_state_name(r->d.dmt_state),
		r->d.count, r->d.count == 1 ? "" : "s", r->nr_frames ? "; the holder's kernel stack now:" : "");
	frame_lines(e, r->frames, r->nr_frames);
	if (r->check != FL_RD_VERIFIED)
		fprintf(e->f, INDENT "not confirmed by the kernel: %s\n", "", r->why);
}

static void deadlock(const struct fl_emit *e, const struct fl_view *v)
{
	const struct fl_deadlock *d = v->deadlock;

	fprintf(e->f, "%d tasks wait for each other on %s (dev %s%s%s)%s:\n", d->n,
		d->ranges ? (d->glocks ? "gfs2 glocks and btrfs extent ranges" : "btrfs extent ranges") :
			    "gfs2 glocks",
		v->lock.dev[0] ? v->lock.dev : "?", d->btrfs_mnt[0] ? ", mount " : "", d->btrfs_mnt,
		d->check != FL_DL_VERIFIED ? "" :
		d->ranges ? ", as the kernel's stacks show" : ", as the kernel's glock dump shows");
	for (int i = 0; i < d->n; i++) {
		const struct fl_deadlock_link *l = &d->links[i];
		char comm[FL_COMM_LEN + 1], hcomm[FL_COMM_LEN + 1], site[256], hsite[256], name[96];
		uint64_t waited = d->now > l->w.since ? (d->now - l->w.since) / 1000000 : 0;

		fl_copy_printable(comm, l->w.comm, sizeof(comm));
		fl_copy_printable(hcomm, l->h.comm, sizeof(hcomm));
		if (l->w.provider == FL_LOCK_BTRFS_EXTENT) {
			fl_btrfs_range_name(name, sizeof(name), &l->w);
			fl_copy_printable(site, l->wait_frame, sizeof(site));
			fprintf(e->f, INDENT "%s[%u/%u] waits %" PRIu64 " ms for %s (from %s), %" PRIu64 "..%" PRIu64
				" of it held by %s[%u/%u]%s\n", "", comm, l->w.pid, l->w.tid, waited, name,
				site[0] ? site : "?", (uint64_t)l->h.range.start, (uint64_t)l->h.range.end, hcomm,
				l->h.pid, l->h.tid, l->nr_frames ? "; the waiter's stack:" : "");
		} else {
			fl_ksyms__format(e->ksyms, l->w.ip, site, sizeof(site));
			fl_ksyms__format(e->ksyms, l->h.ip, hsite, sizeof(hsite));
			fprintf(e->f, INDENT "%s[%u/%u] waits %" PRIu64 " ms for %u:%" PRIu64 " %s (from %s), held %s by "
				"%s[%u/%u] since %s%s\n", "", comm, l->w.pid, l->w.tid, waited, l->w.id.type,
				(uint64_t)l->w.id.number, fl_lock_state_name(l->w.state), site,
				fl_lock_state_name(l->h.state), hcomm, l->h.pid, l->h.tid, hsite,
				l->nr_frames ? "; the waiter's stack:" : "");
		}
		frame_lines(e, l->frames, l->nr_frames);
	}
	if (d->check != FL_DL_VERIFIED)
		fprintf(e->f, INDENT "not confirmed by the kernel: %s\n", "", d->why);
}

void fl_event_text(const struct fl_emit *e, const struct fl_view *v)
{
	hdr(e, v);
	switch (v->rec) {
	case FL_REC_DIO_PARTIAL:
	case FL_REC_DIO_RETRY:
		dio(e, v);
		break;
	case FL_REC_SAME_FILE_FAULT:
		same_file_fault(e, v);
		break;
	case FL_REC_RECURSIVE_LOCK:
		recursive_lock(e, v);
		break;
	case FL_REC_FAULT_UNDER_LOCK:
		fault_under_lock(e, v);
		break;
	case FL_REC_FAULT_IN:
		fault_in(e, v);
		break;
	case FL_REC_LOCK_ORDER:
		lock_order(e, v);
		break;
	case FL_REC_RETRY_LIVELOCK:
		retry_livelock(e, v);
		break;
	case 0:
		if (v->stall)
			lock_stall(e, v);
		else if (v->deadlock)
			deadlock(e, v);
		else if (v->remote)
			remote_demote(e, v);
		else
			fputc('\n', e->f);
		break;
	}
}
