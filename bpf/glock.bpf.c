// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * gfs2 glock ownership per task: gfs2_glock_nq entry (recursion check,
 * before the request can block or the kernel BUG()s), its return (granted:
 * remember the holder) and gfs2_glock_dq (forget it). gfs2_glock_dq_uninit,
 * dq_wait, nq_m and dq_m all go through these two functions.
 * Each hook has an fentry/fexit and a kprobe/kretprobe twin over one body.
 */
#include "gfs2.bpf.h"
#include "livelock.bpf.h"
#include "order.bpf.h"

static __always_inline void emit_recursive(void *ctx, struct fl_task *t, struct fl_held *h,
					   __u64 gh)
{
	struct fl_rec_lock *r = record_reserve(sizeof(*r), FL_REC_RECURSIVE_LOCK);
	long n;

	if (!r)
		return;
	r->lock = h->id;
	r->held_ip = h->ip;
	r->req_ip = rd64(gh + GH_IP);
	r->held_state = h->state;
	r->req_state = rd16(gh + GH_STATE);
	r->held_flags = h->flags;
	r->req_flags = rd16(gh + GH_FLAGS);
	r->in_fault = t->in_fault;
	r->fault_dev = t->fault_dev;
	r->fault_addr = t->fault_addr;
	r->fault_ino = t->fault_ino;
	__builtin_memcpy(r->fault_fstype, t->fault_fstype, sizeof(r->fault_fstype));
	r->nr_held = t->nr_held;
	r->provider = FL_LOCK_GLOCK;
	r->pad = 0;
	__builtin_memset(&r->range, 0, sizeof(r->range));
	n = bpf_get_stack(ctx, r->stack, sizeof(r->stack), 0);
	r->nr_stack = n > 0 ? n / sizeof(__u64) : 0;
	bpf_ringbuf_submit(r, 0);
}

/* The DLM's reply count of glock id (0 if the slot cannot be read). */
static __always_inline __u32 dlm_seq_of(const struct fl_lock_id *id)
{
	__u32 slot = fl_dlm_seq_slot_of(id->type, id->number), *v = bpf_map_lookup_elem(&dlm_seq, &slot);

	return v ? *v : 0;
}

/*
 * lock_stall: this task now waits on gl (until its gfs2_glock_nq returns,
 * or, GL_ASYNC, until gfs2 grants it: user space asks the glock dump). In
 * its own slot, else a free one of its two; a live wait of another task is
 * never overwritten (it may be the stall to see): counted instead.
 */
static __always_inline void waiter_set(__u64 gh, __u64 gl, struct fl_lock_id *id, __u64 since)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	__u32 tid = (__u32)pid_tgid;
	struct fl_waiter *w = waiter_begin(tid);

	if (!w)
		return;
	w->gl = gl;
	w->ip = rd64(gh + GH_IP);
	w->id = *id;
	w->pid = pid_tgid >> 32;
	w->tid = tid;
	w->state = rd16(gh + GH_STATE);
	w->flags = rd16(gh + GH_FLAGS);
	w->provider = FL_LOCK_GLOCK;
	bpf_get_current_comm(w->comm, sizeof(w->comm));
	w->since = since;
	slot_write_end(&w->wend);
}

/*
 * lock_stall: who holds gl, for a waiter to be shown. An entry of gl's set:
 * the one this holder has, else a free one, else (counted) the one gh
 * hashes to.
 */
static __always_inline void holder_set(__u64 gh, __u64 gl, const struct fl_lock_id *id, __u64 now)
{
	__u32 base = fl_stall_slot_of_gl(gl) * FL_STALL_WAYS, k;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fl_holder *h = NULL;

	for (__u32 i = 0; i < FL_STALL_WAYS; i++) {
		struct fl_holder *e;

		k = base + i;
		e = bpf_map_lookup_elem(&holders, &k);
		if (e && e->gl && e->gh == gh) {
			h = e;		/* this holder's own entry */
			break;
		}
	}
	if (!h)
		h = holder_claim_free(base);
	else if (!slot_write_begin(&h->wbegin, &h->wend))
		return;
	if (!h) {
		k = base + ((gh >> 6) & (FL_STALL_WAYS - 1));
		h = bpf_map_lookup_elem(&holders, &k);
		if (!h)
			return;
		counter_add(FL_CNT_LOST_STALL_SLOT, 1);
		if (!slot_write_begin(&h->wbegin, &h->wend))
			return;
	}
	h->gh = gh;
	h->since = now;
	h->ip = rd64(gh + GH_IP);
	h->id = *id;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->state = rd16(gh + GH_STATE);
	h->flags = rd16(gh + GH_FLAGS);
	h->provider = FL_LOCK_GLOCK;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	h->gl = gl;
	slot_write_end(&h->wend);
}

/* Released (see on_dq for by whom). */
static __always_inline void holder_clear(__u64 gh, __u64 gl)
{
	__u32 base = fl_stall_slot_of_gl(gl) * FL_STALL_WAYS;

	for (__u32 i = 0; i < FL_STALL_WAYS; i++) {
		__u32 k = base + i;
		struct fl_holder *h = bpf_map_lookup_elem(&holders, &k);

		if (h && h->gl == gl && h->gh == gh) {
			h->gl = 0;	/* one store: see waiter_clear */
			break;
		}
	}
}

/* Requests that never wait, or whose wait gfs2 itself bounds and backs out
 * of (GL_ASYNC: rename and exchange time out and retry), cannot deadlock. */
#define ORDER_NOWAIT	(LM_FLAG_TRY | LM_FLAG_TRY_1CB | GL_ASYNC | GL_NOBLOCK)

/* Local grant rules: shared and deferred holders coexist with their own
 * kind only, exclusive with nobody. */
static __always_inline bool states_conflict(__u32 a, __u32 b)
{
	return a == LM_ST_EXCLUSIVE || b == LM_ST_EXCLUSIVE || a != b;
}

/*
 * first: Y held, X asked for (bits (y, x)); second: X held, Y asked for
 * (bits (x, y)). Two tasks can wait for each other when some pair of each
 * conflicts on X (first's request against second's hold) and on Y.
 */
static __always_inline bool orders_conflict(__u16 first, __u16 second)
{
	for (__u32 y = 1; y <= 3; y++)
		for (__u32 x = 1; x <= 3; x++) {
			if (!(first & FL_ORDER_MODE_BIT(y, x)))
				continue;
			for (__u32 x2 = 1; x2 <= 3; x2++)
				for (__u32 y2 = 1; y2 <= 3; y2++)
					if ((second & FL_ORDER_MODE_BIT(x2, y2)) &&
					    states_conflict(x, x2) && states_conflict(y, y2))
						return true;
		}
	return false;
}

static __always_inline void emit_order(void *ctx, struct fl_task *t, const struct fl_held *h,
				       const struct fl_lock_id *req, const struct fl_order_edge *first,
				       const struct fl_order_edge *second, bool conflict)
{
	struct fl_rec_order *r = record_reserve(sizeof(*r), FL_REC_LOCK_ORDER);
	long n;

	if (!r)
		return;
	r->held = h->id;
	r->req = *req;
	r->conflict = conflict;
	r->nr_held = t->nr_held;
	order_side(&r->first, first);
	order_side(&r->second, second);
	r->fault_addr = t->in_fault ? t->fault_addr : 0;
	r->fault_ino = t->in_fault ? t->fault_ino : 0;
	r->fault_dev = t->in_fault ? t->fault_dev : 0;
	r->first_nr_stack = first->nr_stack;
	__builtin_memcpy(r->first_stack, first->stack, sizeof(r->first_stack));
	r->pad = 0;
	n = bpf_get_stack(ctx, r->stack, sizeof(r->stack), 0);
	r->nr_stack = n > 0 ? n / sizeof(__u64) : 0;
	bpf_ringbuf_submit(r, 0);
}

/*
 * A blocking request for inode glock gl (id) by a task that holds others:
 * one edge per held inode glock, then the reverse edge looked up. Held
 * entries are re-validated first: a release we missed must not invent an
 * order. Not on the fault path of fixed kernels: they hold nothing there.
 */
static __always_inline void order_check(void *ctx, struct fl_task *t, __u64 gh, __u64 gl,
					const struct fl_lock_id *id)
{
	__u16 req_flags = rd16(gh + GH_FLAGS), req_state;
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	__u64 req_ip;

	if (id->type != LM_TYPE_INODE || (req_flags & ORDER_NOWAIT))
		return;
	req_state = rd16(gh + GH_STATE);
	req_ip = rd64(gh + GH_IP);
	for (__u32 i = 0; i < FL_MAX_HELD; i++) {
		struct fl_held *h = &t->held[i];
		struct fl_order_edge *e, *rev;
		struct fl_order_key k, rk;
		bool conflict;

		if (i >= t->nr_held)
			break;
		if (h->gl == gl || h->id.type != LM_TYPE_INODE || h->id.dev != id->dev)
			continue;
		if (!held_still_queued(h) || (rd64(h->gh + GH_IFLAGS) & (1UL << HIF_MAY_DEMOTE)))
			continue;	/* gone, or given up on conflict: no order */
		k = (struct fl_order_key){ .dev = id->dev, .from_type = h->id.type, .to_type = id->type,
					   .from_number = h->id.number, .to_number = id->number };
		e = order_edge(ctx, &k, h->ip, h->state, req_state, req_ip, t->in_fault);
		if (!e)
			continue;
		rk = (struct fl_order_key){ .dev = id->dev, .from_type = id->type, .to_type = h->id.type,
					    .from_number = id->number, .to_number = h->id.number };
		rev = bpf_map_lookup_elem(&order_edges, &rk);
		if (!rev || rev->tid == tid || rev->reported || e->reported || !claim_pair(&k, &rk))
			continue;
		rev->reported = e->reported = 1;
		conflict = orders_conflict(rev->modes, e->modes);
		counter_add(FL_CNT_LOCK_ORDER, 1);
		{
			struct fl_lock_counters *lc = glock_counters(id->dev, gl);

			if (lc)
				lc->order++;
		}
		emit_order(ctx, t, h, id, rev, e, conflict);
	}
}

/*
 * What add_to_queue's recursion trap is about to find, read from the glock
 * itself: 1 a queued holder of gl owned by owner that the trap counts (not
 * GL_NOPID, not HIF_MAY_DEMOTE), 0 none (our held entry is stale), -1 the
 * holder list is longer than we look.
 */
static __always_inline int kernel_finds_recursion(__u64 gl, __u64 owner)
{
	__u64 head = gl + GL_HOLDERS, pos = rd64(head);

	for (int i = 0; i < FL_HOLDERS_WALK; i++) {
		__u64 ifl;

		if (!pos || pos == head)
			return 0;
		ifl = rd64(pos + GH_IFLAGS);
		if (rd64(pos + GH_OWNER_PID) == owner && !(rd16(pos + GH_FLAGS) & GL_NOPID) &&
		    !(ifl & (1UL << HIF_MAY_DEMOTE)))
			return 1;
		pos = rd64(pos + GH_LIST);
	}
	return -1;
}

/*
 * The kernel's own test (add_to_queue's trap_recursive), one step early:
 * our held set says the task holds gl already, and before an error is
 * reported the glock's holder list must say so too.
 */
static __always_inline int nq_entry(void *ctx, struct fl_task *t, __u64 gh)
{
	struct fl_lock_counters *lc;
	__u64 gl, owner;
	__u32 n;

	gl = rd64(gh + GH_GL);
	n = t->nr_pending;
	if (n < FL_MAX_PENDING) {
		struct fl_pending *p = &t->pending[n & (FL_MAX_PENDING - 1)];

		p->gh = gh;
		p->ts = bpf_ktime_get_ns();
		glock_id(gl, &p->id);
		p->dlm_seq = dlm_seq_of(&p->id);
		t->async_wait = 0;	/* its slot now shows this request */
		waiter_set(gh, gl, &p->id, p->ts);
	} else {
		counter_add(FL_CNT_LOST_HELD, 1);	/* nested deeper than tracked: untracked */
	}
	t->nr_pending = n + 1;
	if (!t->nr_held)
		return 0;
	{
		struct fl_lock_id id;

		glock_id(gl, &id);
		order_check(ctx, t, gh, gl, &id);
	}

	owner = rd64(gh + GH_OWNER_PID);
	for (__u32 i = 0; i < FL_MAX_HELD; i++) {
		struct fl_held *h = &t->held[i];

		if (i >= t->nr_held)
			break;
		if (h->gl != gl || h->owner != owner || h->id.type == LM_TYPE_FLOCK)
			continue;
		if ((h->flags & GL_NOPID) || (rd64(h->gh + GH_IFLAGS) & (1UL << HIF_MAY_DEMOTE)))
			continue;
		/* A holder is never queued twice: the same gh again means its
		 * release went unseen. So does a glock that lists no such holder. */
		if (h->gh == gh || !held_still_queued(h)) {
			held_drop(t, i);
			counter_add(FL_CNT_LOST_RELEASE, 1);
			break;
		}
		switch (kernel_finds_recursion(gl, owner)) {
		case 0:
			held_drop(t, i);
			counter_add(FL_CNT_LOST_RELEASE, 1);
			return 0;
		case -1:
			counter_add(FL_CNT_UNVERIFIED, 1);
			return 0;
		}
		if (layout_check && layout_state != FL_LAYOUT_OK) {
			counter_add(FL_CNT_UNVERIFIED, 1);	/* offsets not (or wrongly) checked */
			return 0;
		}
		counter_add(FL_CNT_RECURSIVE_LOCK, 1);
		lc = glock_counters(h->id.dev, gl);
		if (lc)
			lc->recursive++;
		emit_recursive(ctx, t, h, gh);
		break;
	}
	return 0;
}

static __always_inline int on_nq_entry(void *ctx, __u64 gh)
{
	struct fl_task *t = current_get_or_create_traced();

	if (!t)
		return 0;
	nq_entry(ctx, t, gh);
	gate_sync(t);
	return 0;
}

/* ret 0: granted (GL_ASYNC: queued, which the kernel's trap counts too). */
static __always_inline int nq_return(struct fl_task *t, long ret)
{
	struct fl_lock_counters *lc;
	struct fl_pending *p;
	struct fl_held *h;
	__u64 gh, gl, now;
	__u32 n;

	if (!t->nr_pending)
		return 0;
	n = --t->nr_pending;
	if (n >= FL_MAX_PENDING)
		return 0;	/* deeper than tracked */
	p = &t->pending[n & (FL_MAX_PENDING - 1)];
	gh = p->gh;
	now = bpf_ktime_get_ns();
	/* the grant came through the DLM if its reply count moved meanwhile */
	hist_add(dlm_seq_of(&p->id) != p->dlm_seq ? FL_HIST_LOCK_WAIT_REMOTE : FL_HIST_LOCK_WAIT, now - p->ts);
	gl = rd64(gh + GH_GL);
	if (n) {
		/* a nested request (go_lock, instantiate) ended: the outer one
		 * still waits, in its slot again */
		struct fl_pending *o = &t->pending[(n - 1) & (FL_MAX_PENDING - 1)];

		waiter_set(o->gh, rd64(o->gh + GH_GL), &o->id, o->ts);
	} else if (ret == 0 && (rd16(gh + GH_FLAGS) & GL_ASYNC)) {
		/* queued, not granted: gfs2_glock_async_wait waits for it, and
		 * user space asks the glock dump whether it still does */
		t->async_wait = 1;
	} else {
		waiter_clear();
	}
	if (ret != 0)
		return 0;
	holder_set(gh, gl, &p->id, now);
	if (t->retry[FL_RETRY_FAULT_IN].iters | t->retry[FL_RETRY_DIO].iters)
		retry_note_lock(t, &p->id);
	counter_add(FL_CNT_LOCK_ACQUISITIONS, 1);
	lc = glock_counters(p->id.dev, gl);
	if (lc)
		lc->acquisitions++;
	n = t->nr_held;
	if (n >= FL_MAX_HELD) {
		counter_add(FL_CNT_LOST_HELD, 1);
		return 0;
	}
	h = &t->held[n & (FL_MAX_HELD - 1)];
	h->gh = gh;
	h->gl = gl;
	h->flags = rd16(gh + GH_FLAGS);
	h->id = p->id;
	if (!holder_is_task_owned(h->flags, h->id.type))
		return 0;
	h->owner = rd64(gh + GH_OWNER_PID);
	h->ip = rd64(gh + GH_IP);
	h->state = rd16(gh + GH_STATE);
	h->ts = now;
	t->nr_held = n + 1;
	return 0;
}

static __always_inline int on_nq_return(long ret)
{
	struct fl_task *t = current_lookup();

	if (!t)
		return 0;
	nq_return(t, ret);
	gate_sync(t);
	return 0;
}

/* A traced task's release (the holder slot is on_dq's). */
static __always_inline int dq(struct fl_task *t, __u64 gh)
{
	__u32 n;

	if (t->async_wait) {	/* given up (async wait timed out) or done with */
		struct fl_waiter *w = waiter_own((__u32)bpf_get_current_pid_tgid());

		if (w && w->gl == rd64(gh + GH_GL)) {
			t->async_wait = 0;
			waiter_clear();
		}
	}
	if (!t->nr_held)
		return 0;
	n = t->nr_held;
	for (__u32 i = 0; i < FL_MAX_HELD; i++) {
		if (i >= n)
			break;
		if (t->held[i].gh != gh)
			continue;
		hist_add(FL_HIST_LOCK_HOLD, bpf_ktime_get_ns() - t->held[i].ts);
		/* Keep the set dense: the last entry takes this slot. */
		if (n - 1 < FL_MAX_HELD)
			t->held[i] = t->held[(n - 1) & (FL_MAX_HELD - 1)];
		t->nr_held = n - 1;
		break;
	}
	return 0;
}

/*
 * A traced task's release, or a GL_NOPID holder's by anyone (those are not
 * the requester's); other tasks return after the lookup and one read.
 */
static __always_inline int on_dq(__u64 gh)
{
	struct fl_task *t = current_lookup();

	if (t || (ready && (rd16(gh + GH_FLAGS) & GL_NOPID)))
		holder_clear(gh, rd64(gh + GH_GL));
	if (!t)
		return 0;
	dq(t, gh);
	gate_sync(t);
	return 0;
}

/*
 * gfs2_glock_queue(gh, 1) fires inside gfs2_glock_nq, in the requesting
 * task, with gfs2's own copy of the glock's number, type and device: the
 * check that the fixed offsets of gfs2.bpf.h fit this kernel.
 * (Record layout of the classic tracepoint, the same in 5.10 .. 6.12.)
 */
/*
 * The fields every gfs2 glock tracepoint starts with (classic record layout,
 * 5.10 .. 6.12; the catalogue's .fields are checked against it at load):
 * dev@8 glnum@16 gltype@24. Fields, not a struct: a struct would pad to 32.
 */
#define GLOCK_TP_HEAD	\
	__u64 common;	\
	__u32 dev;	\
	__u32 pad;	\
	__u64 glnum;	\
	__u32 gltype

struct glock_queue_args {
	GLOCK_TP_HEAD;
	__s32 queue;
	__u8 state;		/* glock_trace_state(gh_state): a DLM mode */
};

struct glock_tp_args {
	GLOCK_TP_HEAD;
};

/* gfs2's glock_trace_state(): the DLM mode the tracepoints print. */
static __always_inline __u32 dlm_mode_of(__u32 lm_state)
{
	switch (lm_state) {
	case LM_ST_EXCLUSIVE: return 5;		/* DLM_LOCK_EX */
	case LM_ST_DEFERRED: return 2;		/* DLM_LOCK_CW */
	case LM_ST_SHARED: return 3;		/* DLM_LOCK_PR */
	default: return 0;			/* DLM_LOCK_NL */
	}
}

/*
 * queue(gh, 0) fires in __gfs2_glock_dq after the holder left the glock's
 * list, whatever called it: a release our gfs2_glock_dq hook did not see
 * (a caller it was inlined into, auto-demotion) drops the entry here. Only
 * an entry of this glock the kernel no longer lists: the same task may hold
 * it twice (GL_NOPID flock and inode, or a caller's second holder).
 */
static __always_inline void release_by_queue(struct fl_task *t, const struct glock_queue_args *ctx)
{
	for (__u32 i = 0; i < FL_MAX_HELD; i++) {
		struct fl_held *h = &t->held[i];

		if (i >= t->nr_held)
			break;
		if (h->id.number != ctx->glnum || h->id.type != ctx->gltype || h->id.dev != ctx->dev ||
		    held_still_queued(h))
			continue;
		hist_add(FL_HIST_LOCK_HOLD, bpf_ktime_get_ns() - h->ts);
		held_drop(t, i);
		counter_add(FL_CNT_RELEASE_BY_QUEUE, 1);
		break;
	}
}

SEC("tracepoint/gfs2/gfs2_glock_queue")
int handle_glock_queue(struct glock_queue_args *ctx)
{
	struct task_struct *task;
	struct fl_pending *p;
	struct fl_task *t;
	__u64 owner;
	__u32 n;

	if (!ready)
		return 0;
	task = current_task();
	t = task_lookup(task);
	if (!t)
		return 0;
	if (ctx->queue == 0) {
		if (t->nr_held) {
			release_by_queue(t, ctx);
			gate_sync(t);
		}
		return 0;
	}
	if (!t->nr_pending)
		return 0;
	n = t->nr_pending - 1;
	if (n >= FL_MAX_PENDING)
		return 0;
	p = &t->pending[n & (FL_MAX_PENDING - 1)];
	counter_add(FL_CNT_GFS2_LAYOUT_CHECKS, 1);
	if (p->id.number != ctx->glnum || p->id.type != ctx->gltype || p->id.dev != ctx->dev ||
	    dlm_mode_of(rd16(p->gh + GH_STATE)) != ctx->state) {
		counter_add(FL_CNT_GFS2_LAYOUT_MISMATCH, 1);
		layout_state = FL_LAYOUT_BAD;
	} else if (layout_state == FL_LAYOUT_UNCHECKED) {
		layout_state = FL_LAYOUT_OK;
	}
	/* gh_owner_pid: the recursion key. gfs2_holder_init/reinit set it to
	 * the initialising task's pid, NULL for GL_NOPID. */
	owner = rd64(p->gh + GH_OWNER_PID);
	if (owner && have_task_btf) {
		counter_add(FL_CNT_GFS2_OWNER_CHECKS, 1);
		if (owner != (__u64)BPF_CORE_READ(task, thread_pid))
			counter_add(FL_CNT_GFS2_OWNER_MISMATCH, 1);
	}
	return 0;
}

/*
 * Another node wants a glock this node has (the DLM's blocking callback
 * runs gfs2_glock_cb → request_demote with remote set): counted per glock
 * type and kept per glock for the holder's side of a cross-node wait. Any
 * context (the DLM's callback thread); no task filter: the holder may be
 * any task here. Classic record layout, the same in 5.10 .. 6.12.
 */
struct demote_rq_args {
	GLOCK_TP_HEAD;
	__u8 cur_state;
	__u8 dmt_state;
	__u16 pad2;
	__u64 flags;
	__u8 remote;
};

SEC("tracepoint/gfs2/gfs2_demote_rq")
int handle_demote_rq(struct demote_rq_args *ctx)
{
	__u32 type = ctx->gltype, slot;
	struct fl_lock_counters *lc;
	struct fl_demote *d;

	if (!ready || !ctx->remote)
		return 0;
	if (type < FL_GLOCK_TYPES)
		counter_add(FL_CNT_REMOTE_DEMOTE_TYPE + type, 1);
	lc = glock_counters(ctx->dev, 0);	/* the device's row, made by its first acquisition */
	if (lc)
		lc->remote_demotes++;
	slot = fl_demote_slot_of(type, ctx->glnum);
	d = bpf_map_lookup_elem(&demotes, &slot);
	if (!d)
		return 0;
	if (!slot_write_begin(&d->wbegin, &d->wend))
		return 0;
	if (d->since && (d->id.number != ctx->glnum || d->id.type != type || d->id.dev != ctx->dev)) {
		counter_add(FL_CNT_LOST_STALL_SLOT, 1);
		d->count = 0;
	}
	d->id.number = ctx->glnum;
	d->id.type = type;
	d->id.dev = ctx->dev;
	d->dmt_state = ctx->dmt_state;
	d->count++;
	d->since = bpf_ktime_get_ns();
	slot_write_end(&d->wend);
	return 0;
}

/*
 * The DLM answered one of this node's glock requests (gdlm_ast →
 * gfs2_update_reply_times): that glock's waits were granted through the
 * lock manager. lock_dlm only; any context, no task filter. Classic record
 * layout, the same in 5.10 .. 6.12.
 */
SEC("tracepoint/gfs2/gfs2_glock_lock_time")
int handle_lock_time(struct glock_tp_args *ctx)
{
	__u32 slot = fl_dlm_seq_slot_of(ctx->gltype, ctx->glnum), *v;

	if (!ready)
		return 0;
	v = bpf_map_lookup_elem(&dlm_seq, &slot);
	if (v)
		__sync_fetch_and_add(v, 1);
	return 0;
}

SEC("fentry/gfs2_glock_nq")
int BPF_PROG(fentry_glock_nq, void *gh)
{
	return on_nq_entry(ctx, (__u64)gh);
}

SEC("fexit/gfs2_glock_nq")
int BPF_PROG(fexit_glock_nq, void *gh, int ret)
{
	return on_nq_return(ret);
}

SEC("fentry/gfs2_glock_dq")
int BPF_PROG(fentry_glock_dq, void *gh)
{
	return on_dq((__u64)gh);
}

SEC("kprobe/gfs2_glock_nq")
int BPF_KPROBE(kprobe_glock_nq, void *gh)
{
	return on_nq_entry(ctx, (__u64)gh);
}

SEC("kretprobe/gfs2_glock_nq")
int BPF_KRETPROBE(kretprobe_glock_nq, int ret)
{
	return on_nq_return(ret);
}

SEC("kprobe/gfs2_glock_dq")
int BPF_KPROBE(kprobe_glock_dq, void *gh)
{
	return on_dq((__u64)gh);
}
