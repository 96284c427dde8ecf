// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "btrfsfs.h"
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

bool fl_slot_copy(const volatile void *live, void *out, size_t size)
{
	const volatile uint32_t *seq = live;	/* wbegin, wend: every slot starts so */
	uint32_t e, b;

	e = __atomic_load_n(&seq[1], __ATOMIC_ACQUIRE);
	b = __atomic_load_n(&seq[0], __ATOMIC_ACQUIRE);
	if (b != e)
		return false;	/* a writer in flight */
	memcpy(out, (const void *)live, size);
	__atomic_thread_fence(__ATOMIC_ACQUIRE);
	return __atomic_load_n(&seq[0], __ATOMIC_ACQUIRE) == b;
}

bool fl_stall_copy_waiter(const volatile struct fl_waiter *live, struct fl_waiter *out)
{
	return fl_slot_copy(live, out, sizeof(*out)) && out->since;
}

bool fl_stall_copy_holder(const volatile struct fl_holder *live, struct fl_holder *out)
{
	return fl_slot_copy(live, out, sizeof(*out)) && out->gl;
}

/* What gfs2's glock dump says of one glock now: its flags and holders. */
#define VIEW_HOLDERS 16
struct glock_view {
	const struct fl_lock_id *id;
	bool seen;
	char flags[32];
	int n;
	struct fl_dump_holder h[VIEW_HOLDERS];
};

static bool view_collect(void *arg, const struct fl_dump_glock *g, const struct fl_dump_holder *h)
{
	struct glock_view *v = arg;

	if (g->type != v->id->type || g->number != v->id->number)
		return v->seen;		/* the glock's holders are behind us */
	if (!v->seen)
		memcpy(v->flags, g->flags, sizeof(v->flags));
	v->seen = true;
	if (v->n < VIEW_HOLDERS)
		v->h[v->n++] = *h;
	return false;
}

/* 1: tid's holder of the glock has flag f (W waiting, H granted); 0: it
 * has not, or is not listed; -1: no dump said anything of the glock. */
static int view_holder_has(const struct glock_view *v, uint32_t tid, char f)
{
	if (!v->seen)
		return -1;
	for (int i = 0; i < v->n; i++)
		if (v->h[i].pid == (long)tid)
			return strchr(v->h[i].flags, f) != NULL;
	return 0;
}

bool fl_stall_is_extent_wait(const char *frame)
{
	/* 5.10 lock_extent_bits, 6.1/6.12 lock_extent, 6.15+ btrfs_lock_extent_bits;
	 * a static function may carry a suffix (.constprop.0, .isra.0) */
	static const char *const waits[] = { "wait_extent_bit", "lock_extent_bits", "lock_extent",
					     "__lock_extent", "btrfs_lock_extent_bits",
					     "btrfs_lock_extent" };

	for (size_t k = 0; k < sizeof(waits) / sizeof(waits[0]); k++) {
		size_t len = strlen(waits[k]);

		if (!strncmp(frame, waits[k], len) && (frame[len] == '+' || frame[len] == '.'))
			return true;
	}
	return false;
}

/* A btrfs extent waiter's slot, seen not waiting: free, unless the task
 * wrote it again since (its `since` moved). */
static void range_slot_free(struct fl_stall_scanner *s, int i, uint64_t since)
{
	volatile struct fl_waiter *w = (volatile struct fl_waiter *)&s->waiters[i];

	if (__atomic_compare_exchange_n((uint64_t *)&w->since, &since, 0, false, __ATOMIC_ACQ_REL,
					__ATOMIC_RELAXED))
		s->range_freed++;
}

/*
 * A btrfs extent request, older than the threshold, of a task in D: a
 * wait if its stack says so (the request itself leaves no trace of whether
 * it was granted). 1: waiting; 0: not (slot freed); -1: cannot tell.
 */
static int range_confirm(struct fl_stall_scanner *s, int i, struct fl_stall *st)
{
	char frames[FL_STALL_FRAMES][128];
	int n;

	if (!s->task_state)
		return 1;	/* crafted slots (tests) */
	n = fl_stall_task_stack(s->read_stack, s->read_stack_arg, st->w.pid, st->w.tid, frames,
				FL_STALL_FRAMES);
	if (n <= 0)
		return -1;
	if (fl_stall_extent_waiter_site(frames, n, st->wait_frame, sizeof(st->wait_frame)))
		return 1;
	range_slot_free(s, i, st->w.since);
	return 0;
}

bool fl_stall_extent_waiter_site(const char frames[][128], int n, char *out, size_t len)
{
	for (int k = 0; k < n; k++) {
		if (!fl_stall_is_extent_wait(frames[k]))
			continue;
		/* the caller that asked: the first frame past the plumbing */
		while (k + 1 < n && (fl_stall_is_extent_wait(frames[k + 1]) ||
				     !strncmp(frames[k + 1], "lock_extent_direct", 18) ||
				     !strncmp(frames[k + 1], "btrfs_lock_and_flush_ordered_range", 34)))
			k++;
		snprintf(out, len, "%s", k + 1 < n ? frames[k + 1] : frames[k]);
		return true;
	}
	return false;
}

bool fl_stall_range_holds(const struct fl_waiter *w, const struct fl_holder *h)
{
	return h->provider == FL_LOCK_BTRFS_EXTENT && h->gl == w->gl && h->id.number == w->id.number &&
	       h->range.root == w->range.root && !memcmp(h->range.fsid, w->range.fsid, sizeof(h->range.fsid)) &&
	       h->range.start <= w->range.end && h->range.end >= w->range.start &&
	       !(h->tid == w->tid && h->since >= w->since);
}

bool fl_stall_is_pending_request(const volatile struct fl_waiter *waiters, const struct fl_holder *h)
{
	for (uint32_t probe = 0; probe < 2; probe++) {
		const volatile struct fl_waiter *w = &waiters[fl_waiter_slot(h->tid, probe)];

		if (w->tid == h->tid && w->since == h->since && w->provider == FL_LOCK_BTRFS_EXTENT)
			return true;
	}
	return false;
}

/* Which of w's range holders to name: another task's holding (0), else the
 * waiter's own (1: the chunk it holds next to the one it asks for, or the
 * range it deadlocks on), else another task's pending request (2). */
static int range_rank(const struct fl_stall_scanner *s, const struct fl_waiter *w, const struct fl_holder *h)
{
	if (h->tid == w->tid)
		return 1;
	return fl_stall_is_pending_request(s->waiters, h) ? 2 : 0;
}

int fl_stall_scan(struct fl_stall_scanner *s, uint64_t now,
		  void (*cb)(struct fl_stall *st, void *arg), void *arg)
{
	struct fl_stall st;
	int n = 0;

	for (int i = 0; i < FL_STALL_SLOTS; i++) {
		uint64_t since = s->waiters[i].since;
		struct glock_view v = { 0 };
		bool range;

		if (!since || since > now || now - since < s->threshold_ns || s->reported[i] == since)
			continue;
		memset(&st, 0, sizeof(st));
		if (!fl_stall_copy_waiter(&s->waiters[i], &st.w))
			continue;
		range = st.w.provider == FL_LOCK_BTRFS_EXTENT;
		if (range && s->task_state) {
			char state = s->task_state(st.w.pid, st.w.tid);

			if (state != 'D') {	/* granted, or gone: no return will free it */
				range_slot_free(s, i, since);
				continue;
			}
		}
		if (range) {
			int waiting = range_confirm(s, i, &st), rank, best = 0;

			if (waiting < 0) {	/* no stack to tell: not reported, counted once */
				s->range_unverified++;
				s->reported[i] = since;
			}
			if (waiting != 1)
				continue;
			for (int k = 0; k < FL_STALL_WAYS; k++) {
				struct fl_holder h;

				if (!fl_stall_copy_holder(&s->holders[fl_stall_slot_of_gl(st.w.gl) * FL_STALL_WAYS + k], &h) ||
				    !fl_stall_range_holds(&st.w, &h))
					continue;
				rank = range_rank(s, &st.w, &h);
				st.nr_holders++;
				/* by rank, then the oldest (a failed trylock comes after) */
				if (!st.have_holder || rank < best || (rank == best && h.since < st.h.since)) {
					st.h = h;
					best = rank;
				}
				st.have_holder = true;
			}
			st.now = now;
			s->reported[i] = since;
			s->found++;
			s->found_by[FL_LOCK_BTRFS_EXTENT]++;
			n++;
			cb(&st, arg);
			continue;
		}
		if (s->task_state) {
			char state = s->task_state(st.w.pid, st.w.tid);

			if (state == '?') {	/* gone: the slot outlived its task */
				s->reported[i] = since;
				continue;
			}
			if (state != 'D') {	/* not blocked now: look again next scan */
				s->not_blocked++;
				continue;
			}
		}
		v.id = &st.w.id;
		if (s->dump_glob)
			fl_dump_walk_glob(s->dump_glob, view_collect, &v);
		if (st.w.flags & FL_GH_ASYNC) {
			int waiting = view_holder_has(&v, st.w.tid, 'W');

			if (waiting < 0)
				s->async_unknown++;
			if (waiting != 1) {	/* granted (or not known to wait): no stall */
				s->reported[i] = since;
				continue;
			}
		}
		memcpy(st.glock_flags, v.flags, sizeof(st.glock_flags));
		st.now = now;
		for (int k = 0; k < FL_STALL_WAYS; k++) {
			struct fl_holder h;

			if (!fl_stall_copy_holder(&s->holders[fl_stall_slot_of_gl(st.w.gl) * FL_STALL_WAYS + k], &h) ||
			    h.gl != st.w.gl)
				continue;
			if ((h.flags & FL_GH_ASYNC) && view_holder_has(&v, h.tid, 'W') == 1)
				continue;	/* queued, still waiting itself */
			st.nr_holders++;
			if (!st.have_holder || h.since < st.h.since)
				st.h = h;
			st.have_holder = true;
		}
		s->reported[i] = since;
		s->found++;
		s->found_by[FL_LOCK_GLOCK]++;
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

struct print_ctx {
	struct fl_stall_scanner *s;
	struct fl_output *o;
};

static void print_stall(struct fl_stall *st, void *arg)
{
	struct print_ctx *p = arg;

	if (!p->o->f)
		return;		/* counted only (a daemon without --events) */
	if (st->w.provider == FL_LOCK_BTRFS_EXTENT)
		fl_btrfs_find_mount(NULL, (const uint8_t *)st->w.range.fsid, st->w.range.root, &st->dev, st->mnt,
				    sizeof(st->mnt));
	if (st->have_holder)
		st->nr_frames = fl_stall_task_stack(p->s->read_stack, p->s->read_stack_arg, st->h.pid,
						    st->h.tid, st->frames, FL_STALL_FRAMES);
	if (!st->have_holder && p->s->dlm_root) {
		struct fl_dlm_holder dh[8];
		int n = fl_dlm_find_holders(p->s->dlm_root, st->w.id.dev, st->w.id.type, st->w.id.number, dh, 8);

		st->have_dlm = n > 0 && fl_stall_pick_dlm(dh, n, &st->dlm);
		st->our_node = fl_dlm_our_node(p->s->dlm_root);
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
