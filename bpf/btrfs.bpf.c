// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * btrfs range locks, the second lock provider: a direct I/O locks a range
 * of the file's io_tree (btrfs_dio_iomap_begin) or creates an ordered
 * extent for it, then pins the user buffer. If the buffer maps that same
 * range, the page fault's readahead asks for the range again and waits for
 * a release that only this task's I/O can bring: a deadlock for good
 * (5.10; fstests generic/647). Seen through btrfs's own tracepoints, which
 * fire before any wait and need no structure offsets:
 *
 *   btrfs_set_extent_bit     every attempt to set io_tree bits: a lock
 *                            when the bits hold EXTENT_LOCKED/DIO_LOCKED
 *   btrfs_clear_extent_bit   every unlock, in any context
 *   btrfs_ordered_extent_add / _remove / _start   ordered extents created,
 *                            finished, and waited for
 *
 * A set_extent_bit attempt is a lock request only when it comes from the
 * blocking lock function (user space gives its address range): a trylock
 * never waits, so it never counts.
 */
#include "faultlock.bpf.h"
#include "order.bpf.h"

/* Filled by user space from this kernel's tracefs formats, BTF and kallsyms. */
const volatile __u32 btrfs_lock_bits = 0;	/* EXTENT_LOCKED | EXTENT_DIO_LOCKED */
const volatile __u32 btrfs_inode_io = 3;	/* IO_TREE_INODE_IO: a file's data ranges */
const volatile __u64 btrfs_lockfn_lo[FL_BTRFS_LOCKFNS] = {};	/* blocking lock functions */
const volatile __u64 btrfs_lockfn_hi[FL_BTRFS_LOCKFNS] = {};
const volatile bool btrfs_stall = false;	/* lock_stall asked for (--stall-ms) */

/* Record layouts of the classic tracepoints (checked against tracefs by
 * user space before they attach: catalog.c's .fields). */
struct btrfs_extent_bit_args {
	__u64 common;
	__u64 fsid[2];		/* 16 bytes, read as two words (ctx loads) */
	__u32 owner;
	__u32 pad;
	__u64 ino;
	__u64 rootid;
	__u64 start;
	__u64 len;
	__u32 bits;
};

struct btrfs_ordered_args {
	__u64 common;
	__u8 fsid[16];
	__u64 ino;
	__u64 file_offset;
	__u64 start;
	__u64 len;
	__u64 disk_len;
	__u64 bytes_left;
	__u64 flags;
	__s32 compress_type;
	__s32 refs;
	__u64 root_objectid;
};

/* Called from the blocking lock function (one of the first frames)? */
static __always_inline bool from_blocking_lock(const __u64 *stack, long n)
{
	for (int i = 0; i < 6; i++) {
		if (i >= n)
			break;
		for (int k = 0; k < FL_BTRFS_LOCKFNS; k++)
			if (btrfs_lockfn_lo[k] && stack[i] >= btrfs_lockfn_lo[k] &&
			    stack[i] < btrfs_lockfn_hi[k])
				return true;
	}
	return false;
}

static __always_inline bool overlaps(const struct fl_range_held *h, __u64 root, __u64 ino,
				     __u64 start, __u64 end)
{
	return h->valid && h->root == root && h->ino == ino && start <= h->end && end >= h->start;
}

static __always_inline __u64 inode_clears(__u64 root, __u64 ino)
{
	struct fl_btrfs_inode_key key = { .root = root, .ino = ino };
	__u64 zero = 0, *c = bpf_map_lookup_elem(&btrfs_clears, &key);

	if (c)
		return *c;
	bpf_map_update_elem(&btrfs_clears, &key, &zero, BPF_NOEXIST);
	return 0;
}

/* Still held for all we know: no one else cleared part of this inode since. */
static __always_inline bool ext_still_held(const struct fl_range_held *h)
{
	struct fl_btrfs_inode_key key = { .root = h->root, .ino = h->ino };
	__u64 *c = bpf_map_lookup_elem(&btrfs_clears, &key);

	return c && *c == h->clears;
}

static __always_inline struct fl_lock_counters *btrfs_lock_counters(__u32 dev, __u32 kind)
{
	struct fl_lock_key key = { .dev = dev, .lock = kind };
	struct fl_lock_counters zero = {}, *c = bpf_map_lookup_elem(&lock_counters, &key);

	if (c)
		return c;
	__builtin_memcpy(zero.fstype, "btrfs", 6);
	bpf_map_update_elem(&lock_counters, &key, &zero, BPF_NOEXIST);
	c = bpf_map_lookup_elem(&lock_counters, &key);
	if (!c)
		counter_add(FL_CNT_LOST_LOCKMAP, 1);
	return c;
}

static __always_inline void lock_count_order(__u32 dev)
{
	struct fl_lock_counters *c = btrfs_lock_counters(dev, FL_LOCK_BTRFS_EXTENT);

	if (c)
		c->order++;
}

static __always_inline void lock_count(__u32 dev, __u32 kind, bool recursive)
{
	struct fl_lock_counters *c = btrfs_lock_counters(dev, kind);

	if (!c)
		return;
	if (recursive)
		c->recursive++;
	else
		c->acquisitions++;
}

/*
 * The finding, before the wait: h is held by this task's direct I/O, the
 * fault inside it asks for [start, end] again. `stack` is the request's.
 */
static __always_inline void emit_range_recursion(struct fl_task *t, const struct fl_range_held *h,
						 __u32 kind, __u64 start, __u64 end, __u32 bits,
						 const __u64 *stack, long nr)
{
	struct fl_rec_lock *r;

	counter_add(FL_CNT_RECURSIVE_LOCK, 1);
	lock_count(h->dev, kind, true);
	r = record_reserve(sizeof(*r), FL_REC_RECURSIVE_LOCK);
	if (!r)
		return;
	r->lock.number = h->ino;
	r->lock.type = 0;
	r->lock.dev = h->dev;
	r->held_ip = 0;
	r->req_ip = 0;
	r->held_state = 0;
	r->req_state = 0;
	r->held_flags = 0;
	r->req_flags = 0;
	r->in_fault = t->in_fault;
	r->fault_dev = t->fault_dev;
	r->fault_addr = t->fault_addr;
	r->fault_ino = t->fault_ino;
	__builtin_memcpy(r->fault_fstype, t->fault_fstype, sizeof(r->fault_fstype));
	r->nr_held = 1;
	r->provider = kind;
	r->pad = 0;
	r->range.root = h->root;
	r->range.held_start = h->start;
	r->range.held_end = h->end;
	r->range.req_start = start;
	r->range.req_end = end;
	r->range.bits = bits;
	r->range.nr_held_stack = h->nr_stack;
	__builtin_memcpy(r->range.held_stack, h->stack, sizeof(r->range.held_stack));
	if (nr < 0)
		nr = 0;
	r->nr_stack = nr;
	__builtin_memcpy(r->stack, stack, sizeof(r->stack));
	bpf_ringbuf_submit(r, 0);
}

/*
 * lock_stall on extent ranges, for every task (the holder of a range a
 * traced task waits on can be anyone). A request may be granted at once, or
 * wait in wait_extent_bit and come back for the rest: no event tells which,
 * so each request is noted as this task's wait and as a holding, and user
 * space reports only a task it finds waiting in the kernel (state D, an
 * extent wait in its stack) for longer than --stall-ms.
 */
static __always_inline bool slot_range_is(const struct fl_slot_range *r, const __u64 fsid[2],
					  __u64 root)
{
	return r->root == root && r->fsid[0] == fsid[0] && r->fsid[1] == fsid[1];
}

static __always_inline void slot_range_fill(struct fl_slot_range *r, const __u64 fsid[2], __u64 root,
					    __u64 start, __u64 end)
{
	r->fsid[0] = fsid[0];
	r->fsid[1] = fsid[1];
	r->root = root;
	r->start = start;
	r->end = end;
}

static __always_inline void range_waiter_set(const struct btrfs_extent_bit_args *ctx,
					     const __u64 fsid[2], __u64 key, __u64 start, __u64 end,
					     __u64 now)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fl_waiter *w = waiter_begin((__u32)pid_tgid);

	if (!w)
		return;
	w->gl = key;
	w->ip = 0;
	w->id.number = ctx->ino;
	w->id.type = 0;
	w->id.dev = 0;		/* user space finds it from fsid and root */
	w->pid = pid_tgid >> 32;
	w->tid = (__u32)pid_tgid;
	w->state = 0;
	w->flags = ctx->bits & btrfs_lock_bits;
	w->provider = FL_LOCK_BTRFS_EXTENT;
	bpf_get_current_comm(w->comm, sizeof(w->comm));
	slot_range_fill(&w->range, fsid, ctx->rootid, start, end);
	w->since = now;
	slot_write_end(&w->wend);
}

/*
 * This task holds [start, end] (or waits for it: user space tells). An
 * entry of the inode's set: the task's own if this is lock_extent's retry
 * after a wait (same end, from inside the range) or the range continues
 * one it holds (a direct I/O locks its range chunk by chunk, 5.10 even page
 * by page, and keeps each until its bio ends: one entry, not one each),
 * else a free one, else (counted) the one start hashes to. A btrfs entry's
 * gh counts the bytes of it still locked: freed when they are all unlocked,
 * in whatever order and by whatever task.
 */
static __always_inline void range_holder_set(const struct btrfs_extent_bit_args *ctx,
					     const __u64 fsid[2], __u64 key, __u64 start, __u64 end,
					     __u64 now)
{
	__u32 base = fl_stall_slot_of_gl(key) * FL_STALL_WAYS, k;
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fl_holder *h, *own = NULL;

	for (__u32 i = 0; i < FL_STALL_WAYS; i++) {
		struct fl_holder *e;

		k = base + i;
		e = bpf_map_lookup_elem(&holders, &k);
		if (!e || e->gl != key || e->tid != (__u32)pid_tgid || e->id.number != ctx->ino ||
		    !slot_range_is(&e->range, fsid, ctx->rootid))
			continue;
		if (e->range.end == end && start >= e->range.start && start <= end)
			return;		/* the retry: still the one holding */
		if (e->range.end + 1 == start || end + 1 == e->range.start)
			own = e;	/* continues it */
	}
	if (own && slot_write_begin(&own->wbegin, &own->wend)) {
		if (own->gl == key && own->tid == (__u32)pid_tgid) {
			if (own->range.end + 1 == start)
				own->range.end = end;
			else if (end + 1 == own->range.start)
				own->range.start = start;
			own->gh += end - start + 1;
			slot_write_end(&own->wend);
			return;
		}
		slot_write_end(&own->wend);	/* freed since we looked: a new one */
	}
	h = holder_claim_free(base);
	if (!h) {
		k = base + ((start >> 12) & (FL_STALL_WAYS - 1));
		h = bpf_map_lookup_elem(&holders, &k);
		if (!h)
			return;
		counter_add(FL_CNT_LOST_STALL_SLOT, 1);
		if (!slot_write_begin(&h->wbegin, &h->wend))
			return;
	}
	h->gh = end - start + 1;
	h->since = now;
	h->ip = 0;
	h->id.number = ctx->ino;
	h->id.type = 0;
	h->id.dev = 0;
	h->pid = pid_tgid >> 32;
	h->tid = (__u32)pid_tgid;
	h->state = 0;
	h->flags = ctx->bits & btrfs_lock_bits;
	h->provider = FL_LOCK_BTRFS_EXTENT;
	bpf_get_current_comm(h->comm, sizeof(h->comm));
	slot_range_fill(&h->range, fsid, ctx->rootid, start, end);
	h->gl = key;
	slot_write_end(&h->wend);
}

/* Unlocked [start, end], by anyone: the inode's entries lose it. */
static __always_inline void range_holders_trim(const struct btrfs_extent_bit_args *ctx,
					       const __u64 fsid[2], __u64 key, __u64 start, __u64 end)
{
	__u32 base = fl_stall_slot_of_gl(key) * FL_STALL_WAYS;

	for (__u32 i = 0; i < FL_STALL_WAYS; i++) {
		__u32 k = base + i;
		struct fl_holder *e = bpf_map_lookup_elem(&holders, &k);
		__u64 lo, hi, n;

		if (!e || e->gl != key || e->id.number != ctx->ino || !slot_range_is(&e->range, fsid, ctx->rootid) ||
		    start > e->range.end || end < e->range.start)
			continue;
		if (start <= e->range.start && end >= e->range.end) {
			e->gl = 0;	/* one store: see waiter_clear */
			continue;
		}
		/* two unlocks of one entry at once (end-io workers): a second
		 * try, for a range left too wide names a holder wrongly */
		if (!slot_try_write_begin(&e->wbegin, &e->wend) &&
		    !slot_write_begin(&e->wbegin, &e->wend))
			continue;
		lo = start > e->range.start ? start : e->range.start;
		hi = end < e->range.end ? end : e->range.end;
		n = hi - lo + 1;
		if (e->gh <= n) {
			e->gl = 0;	/* its last locked bytes */
		} else {
			e->gh -= n;
			if (start <= e->range.start)
				e->range.start = end + 1;
			else if (end >= e->range.end)
				e->range.end = start - 1;
			/* else a hole in the middle: its bytes count it */
		}
		slot_write_end(&e->wend);
	}
}

static __always_inline void range_stall_lock(const struct btrfs_extent_bit_args *ctx, __u64 start,
					     __u64 end, bool traced)
{
	__u64 fsid[2] = { ctx->fsid[0], ctx->fsid[1] };
	__u64 key = fl_btrfs_slot_key(fsid, ctx->rootid, ctx->ino), now = bpf_ktime_get_ns();

	range_holder_set(ctx, fsid, key, start, end, now);
	if (traced)
		range_waiter_set(ctx, fsid, key, start, end, now);
}

static __always_inline void range_stall_unlock(const struct btrfs_extent_bit_args *ctx, __u64 start,
					       __u64 end)
{
	__u64 fsid[2] = { ctx->fsid[0], ctx->fsid[1] };
	struct fl_waiter *w = waiter_own((__u32)bpf_get_current_pid_tgid());

	range_holders_trim(ctx, fsid, fl_btrfs_slot_key(fsid, ctx->rootid, ctx->ino), start, end);
	if (w && w->provider == FL_LOCK_BTRFS_EXTENT)
		w->since = 0;	/* it unlocks: it is not waiting */
}

/* The caller of the blocking lock function in a range lock's stack (the
 * frame after it): the lock's site. */
static __always_inline __u64 range_caller_ip(const __u64 *stack, long n)
{
	for (int i = 0; i < 6; i++) {
		if (i + 1 >= n)
			break;
		for (int k = 0; k < FL_BTRFS_LOCKFNS; k++)
			if (btrfs_lockfn_lo[k] && stack[i] >= btrfs_lockfn_lo[k] && stack[i] < btrfs_lockfn_hi[k])
				return stack[i + 1];
	}
	return 0;
}

/*
 * lock_order for btrfs: this task's direct I/O holds h (an inode's range)
 * and its fault asks for a range of another inode of the same file system.
 * An inode's extent ranges count as one lock (both tasks of an AB-BA hold
 * what the other's fault asks for); extent locks are exclusive, so every
 * inversion conflicts. `stack` is the request's.
 */
static __always_inline void range_order(struct btrfs_extent_bit_args *ctx, struct fl_task *t,
					const struct fl_range_held *h, const __u64 *stack, long n)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fl_order_key k = { .dev = h->dev, .from_type = FL_ORDER_TYPE_BTRFS | (__u32)h->root,
				  .to_type = FL_ORDER_TYPE_BTRFS | (__u32)ctx->rootid,
				  .from_number = h->ino, .to_number = ctx->ino };
	struct fl_order_key rk = { .dev = h->dev, .from_type = k.to_type, .to_type = k.from_type,
				   .from_number = ctx->ino, .to_number = h->ino };
	struct fl_order_edge *e, *rev;
	struct fl_rec_order *r;

	e = order_edge(ctx, &k, range_caller_ip(h->stack, h->nr_stack), 0, 0, range_caller_ip(stack, n), 1);
	if (!e)
		return;
	rev = bpf_map_lookup_elem(&order_edges, &rk);
	if (!rev || rev->tid == tid || rev->reported || e->reported || !claim_pair(&k, &rk))
		return;
	rev->reported = e->reported = 1;
	counter_add(FL_CNT_LOCK_ORDER, 1);
	lock_count_order(h->dev);
	r = record_reserve(sizeof(*r), FL_REC_LOCK_ORDER);
	if (!r)
		return;
	r->held = (struct fl_lock_id){ .number = h->ino, .type = k.from_type, .dev = h->dev };
	r->req = (struct fl_lock_id){ .number = ctx->ino, .type = k.to_type, .dev = h->dev };
	r->conflict = 1;
	r->nr_held = 1;
	order_side(&r->first, rev);
	order_side(&r->second, e);
	r->fault_addr = t->fault_addr;
	r->fault_ino = t->fault_ino;
	r->fault_dev = t->fault_dev;
	r->first_nr_stack = rev->nr_stack;
	__builtin_memcpy(r->first_stack, rev->stack, sizeof(r->first_stack));
	r->pad = 0;
	__builtin_memcpy(r->stack, stack, sizeof(r->stack));
	r->nr_stack = n;
	bpf_ringbuf_submit(r, 0);
}

SEC("tracepoint/btrfs/btrfs_set_extent_bit")
int handle_btrfs_set_extent_bit(struct btrfs_extent_bit_args *ctx)
{
	__u64 stack[FL_MAX_STACK] = {}, start, end;
	struct fl_range_held *h;
	struct fl_task *t;
	__u32 bits;
	long n;

	if (!ready || ctx->owner != btrfs_inode_io || !(ctx->bits & btrfs_lock_bits) || !ctx->len)
		return 0;
	start = ctx->start;
	end = start + ctx->len - 1;
	t = current_lookup();
	if (btrfs_stall)	/* traced: followed (has state) or in scope */
		range_stall_lock(ctx, start, end, t || current_in_scope());
	if (!t || !t->dio_iocb || !dio_in_window(t, current_task()))
		return 0;
	bits = ctx->bits & btrfs_lock_bits;
	h = &t->ext;
	if (t->in_fault) {
		/* Only a request overlapping what this task's I/O holds can
		 * never be granted; anything else waits its turn: another
		 * inode's, an order (lock_order). */
		bool same = overlaps(h, ctx->rootid, ctx->ino, start, end) && (h->bits & bits);

		if (!same && (!h->valid || (h->ino == ctx->ino && h->root == ctx->rootid) ||
			      t->fault_dev != h->dev))
			return 0;
		n = bpf_get_stack(ctx, stack, sizeof(stack), 0);
		n = n > 0 ? n / sizeof(__u64) : 0;
		if (!from_blocking_lock(stack, n)) {
			counter_add(FL_CNT_BTRFS_TRYLOCKS, 1);
			return 0;
		}
		if (!same) {
			range_order(ctx, t, h, stack, n);
			return 0;
		}
		if (!ext_still_held(h)) {	/* partly unlocked by a bio completion */
			btrfs_ext_drop(t);
			counter_add(FL_CNT_LOST_RELEASE, 1);
			return 0;
		}
		emit_range_recursion(t, h, FL_LOCK_BTRFS_EXTENT, start, end, bits, stack, n);
		return 0;
	}
	/* lock_extent_bits retries from where it had to wait: still one lock. */
	if (h->valid && h->root == ctx->rootid && h->ino == ctx->ino && h->end == end &&
	    start >= h->start && h->bits == bits)
		return 0;
	n = bpf_get_stack(ctx, stack, FL_HELD_STACK * sizeof(__u64), 0);
	n = n > 0 ? n / sizeof(__u64) : 0;
	if (!from_blocking_lock(stack, n)) {
		counter_add(FL_CNT_BTRFS_TRYLOCKS, 1);
		return 0;	/* a trylock may fail: not known to be held */
	}
	if (!h->valid)
		__sync_fetch_and_add(&btrfs_ranges_live, 1);
	h->root = ctx->rootid;
	h->ino = ctx->ino;
	h->start = start;
	h->end = end;
	h->bits = bits;
	h->dev = t->dio_dev;
	h->ts = bpf_ktime_get_ns();
	h->clears = inode_clears(h->root, h->ino);
	h->nr_stack = n;
	__builtin_memcpy(h->stack, stack, sizeof(h->stack));
	h->valid = 1;
	counter_add(FL_CNT_BTRFS_LOCKS, 1);
	lock_count(h->dev, FL_LOCK_BTRFS_EXTENT, false);
	return 0;
}

/*
 * An unlock. The owner's own (the tail beyond a short mapping, the end of
 * its I/O) trims its range; anyone else's on that inode (bio completion)
 * makes its ranges uncertain, which the count records.
 */
SEC("tracepoint/btrfs/btrfs_clear_extent_bit")
int handle_btrfs_clear_extent_bit(struct btrfs_extent_bit_args *ctx)
{
	struct fl_btrfs_inode_key key;
	struct fl_range_held *h;
	struct fl_task *t;
	__u64 start, end, *c;

	if (!ready || ctx->owner != btrfs_inode_io || !(ctx->bits & btrfs_lock_bits) || !ctx->len)
		return 0;
	start = ctx->start;
	end = start + ctx->len - 1;
	if (btrfs_stall)
		range_stall_unlock(ctx, start, end);
	if (!btrfs_ranges_live)
		return 0;
	t = current_lookup();
	if (t && overlaps(&t->ext, ctx->rootid, ctx->ino, start, end)) {
		h = &t->ext;
		if (start <= h->start && end >= h->end)
			btrfs_ext_drop(t);
		else if (start > h->start && end >= h->end)
			h->end = start - 1;
		else if (start <= h->start)
			h->start = end + 1;
		else
			btrfs_ext_drop(t);	/* a hole in the middle: no longer one range */
		return 0;
	}
	key.root = ctx->rootid;
	key.ino = ctx->ino;
	c = bpf_map_lookup_elem(&btrfs_clears, &key);
	if (c)
		__sync_fetch_and_add(c, 1);
	return 0;
}

/* An ordered extent created by the direct I/O itself (a write). */
SEC("tracepoint/btrfs/btrfs_ordered_extent_add")
int handle_btrfs_ordered_add(struct btrfs_ordered_args *ctx)
{
	struct fl_btrfs_ordered_key key;
	struct fl_range_held *h;
	struct fl_task *t;
	__u32 tid;
	long n;

	if (!ready)
		return 0;
	t = current_lookup();
	if (!t || !t->dio_iocb || t->in_fault || !ctx->len || !dio_in_window(t, current_task()))
		return 0;
	h = &t->ord;
	h->root = ctx->root_objectid;
	h->ino = ctx->ino;
	h->start = ctx->file_offset;
	h->end = ctx->file_offset + ctx->len - 1;
	h->bits = 0;
	h->dev = t->dio_dev;
	h->ts = bpf_ktime_get_ns();
	n = bpf_get_stack(ctx, h->stack, sizeof(h->stack), 0);
	h->nr_stack = n > 0 ? n / sizeof(__u64) : 0;
	h->valid = 1;
	key.root = h->root;
	key.ino = h->ino;
	key.file_offset = h->start;
	tid = (__u32)bpf_get_current_pid_tgid();
	bpf_map_update_elem(&btrfs_ordered, &key, &tid, BPF_ANY);
	counter_add(FL_CNT_BTRFS_LOCKS, 1);
	lock_count(h->dev, FL_LOCK_BTRFS_ORDERED, false);
	return 0;
}

/* Finished (written, or dropped): whoever does it. */
SEC("tracepoint/btrfs/btrfs_ordered_extent_remove")
int handle_btrfs_ordered_remove(struct btrfs_ordered_args *ctx)
{
	struct fl_btrfs_ordered_key key = {
		.root = ctx->root_objectid, .ino = ctx->ino, .file_offset = ctx->file_offset };

	if (ready)
		bpf_map_delete_elem(&btrfs_ordered, &key);
	return 0;
}

/*
 * btrfs_start_ordered_extent: always waits for the extent to finish
 * (its `wait` argument is 1 in every caller, and gone since 6.3). Inside a
 * fault of the I/O that created it and has not submitted it yet: never.
 */
SEC("tracepoint/btrfs/btrfs_ordered_extent_start")
int handle_btrfs_ordered_start(struct btrfs_ordered_args *ctx)
{
	struct fl_btrfs_ordered_key key;
	__u64 stack[FL_MAX_STACK] = {};
	struct fl_task *t;
	__u32 *tid;
	long n;

	if (!ready)
		return 0;
	t = current_lookup();
	if (!t || !t->in_fault || !t->ord.valid || !ctx->len)
		return 0;
	if (!overlaps(&t->ord, ctx->root_objectid, ctx->ino, ctx->file_offset,
		      ctx->file_offset + ctx->len - 1))
		return 0;
	key.root = ctx->root_objectid;
	key.ino = ctx->ino;
	key.file_offset = t->ord.start;
	tid = bpf_map_lookup_elem(&btrfs_ordered, &key);
	if (!tid || *tid != (__u32)bpf_get_current_pid_tgid()) {
		t->ord.valid = 0;	/* finished already: the wait ends */
		return 0;
	}
	n = bpf_get_stack(ctx, stack, sizeof(stack), 0);
	n = n > 0 ? n / sizeof(__u64) : 0;
	emit_range_recursion(t, &t->ord, FL_LOCK_BTRFS_ORDERED, ctx->file_offset,
			     ctx->file_offset + ctx->len - 1, 0, stack, n);
	return 0;
}
