/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * Shared by every bpf/ program: the maps and globals defined in common.bpf.c
 * (declared extern here, resolved when bpftool links the objects), per-task
 * state and the small helpers every handler starts with.
 */
#ifndef FAULTLOCK_BPF_H
#define FAULTLOCK_BPF_H

#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_tracing.h>
#include "faultlock_abi.h"

#ifndef EFAULT
#define EFAULT 14
#endif
#ifndef EBUSY
#define EBUSY 16
#endif
#ifndef EEXIST
#define EEXIST 17
#endif

#define FL_MAX_HELD	8	/* glocks tracked per task; more is counted as lost */
#define FL_MAX_PENDING	4	/* nested gfs2_glock_nq calls awaiting their return */
#define FL_ORDER_EDGES	8192	/* lock-order edges kept (LRU) */

/* A glock holder the task has been granted (or queued, for GL_ASYNC). */
struct fl_held {
	__u64 gh;		/* struct gfs2_holder * */
	__u64 gl;		/* struct gfs2_glock * */
	__u64 owner;		/* gh_owner_pid: the kernel's recursion test compares it */
	__u64 ip;		/* gh_ip: acquisition site */
	__u64 ts;		/* granted at */
	struct fl_lock_id id;
	__u16 state;
	__u16 flags;
	__u32 pad;
};

struct fl_pending {
	__u64 gh;
	__u64 ts;
	struct fl_lock_id id;	/* as read at fixed offsets, checked by gfs2_glock_queue */
	__u32 dlm_seq;		/* the glock's DLM reply count at the request */
	__u32 pad;
};

/*
 * One retry cycle being watched (livelock.bpf.h): the same fault-in range,
 * or DIO calls on the same file stuck at the same done_before, in one
 * system call. Slot FL_RETRY_FAULT_IN or FL_RETRY_DIO of struct fl_task.
 */
struct fl_retry {
	__u64 key;		/* fault_in: address; dio: struct inode * */
	__u64 key2;		/* fault_in: size; dio: done_before */
	__u64 gen;		/* syscall_gen() at the first iteration */
	__u64 first_ts;
	__u64 last_ts;
	__u64 iters;		/* iterations so far (0: slot idle) */
	__u64 next_report;	/* iterations at which the next record goes out */
	__u64 lock_acqs;	/* glocks acquired during the episode */
	struct fl_lock_id lock;	/* the last of them */
	__u32 kind;		/* enum fl_fault_in_kind or FL_LL_DIO */
	__u32 reported;		/* FL_LL_BEGIN sent: an END is owed */
};

enum { FL_RETRY_FAULT_IN = 0, FL_RETRY_DIO = 1, FL_RETRY_SLOTS = 2 };

/*
 * A btrfs range the task locked (extent) or must see written (ordered) in
 * its current direct I/O, whose release waits on that same I/O (btrfs.bpf.c).
 */
struct fl_range_held {
	__u64 root;
	__u64 ino;
	__u64 start;
	__u64 end;		/* inclusive */
	__u64 ts;
	__u64 clears;		/* the inode's clears by others when taken (extent) */
	__u32 bits;
	__u32 dev;
	__u32 nr_stack;
	__u32 valid;
	__u64 stack[FL_HELD_STACK];
};

/* Per-task state: one entry per traced task. Its existence is the filter. */
struct fl_task {
	__u64 dio_iocb;		/* iocb of the direct I/O in progress, 0 if none */
	__u64 dio_inode;	/* struct inode * of that I/O */
	__u64 dio_ino;
	__u64 dio_count;
	__u64 dio_done_before;
	__s64 dio_pos;
	__u32 dio_dev;
	__u32 dio_op;
	__u32 dio_nofault;
	__u32 dio_completing;	/* kprobe mode: inside iomap_dio_complete of dio_iocb */
	__u64 partial_inode;	/* last DIO result on this inode was partial ... */
	__u64 partial_gen;	/* ... in this read/write system call (syscall_gen) */
	__u64 dio_sb;		/* struct super_block * of that I/O (its name: sb_fstype) */
	__u64 dio_gen;		/* syscall_gen() when it began: a window never outlives its call */

	/* glock ownership (glock.bpf.c) */
	__u32 nr_held;
	__u32 nr_pending;
	__u32 async_wait;	/* its waiter slot is a GL_ASYNC request still queued, maybe */
	__u32 gated;		/* counted in nr_open (task_open() was true at its last gate_sync) */
	struct fl_held held[FL_MAX_HELD];
	struct fl_pending pending[FL_MAX_PENDING];

	/* inside handle_mm_fault while holding a glock (mmfault.bpf.c) */
	__u32 in_fault;
	__u32 fault_dev;
	__u64 fault_addr;
	__u64 fault_ino;
	char fault_fstype[FL_FSTYPE_LEN];

	/* fault_in_*() in progress (faultin.bpf.c) */
	__u64 fi_addr;
	__u64 fi_size;
	__u64 fi_ts;

	/* retry cycles watched for retry_livelock (livelock.bpf.h) */
	struct fl_retry retry[FL_RETRY_SLOTS];

	/* btrfs ranges held inside the current direct I/O (btrfs.bpf.c) */
	struct fl_range_held ext;
	struct fl_range_held ord;
};

/*
 * `tasks` is task-local storage where the kernel has it (freed with the task,
 * lock-free lookups); user space turns it into a tid-keyed hash otherwise
 * (use_task_storage = false), cleaned up at sched_process_exit.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct fl_task);
} tasks_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_CNT_MAX);
	__type(key, __u32);
	__type(value, __u64);
} counters_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct fl_fs_key);
	__type(value, struct fl_fs_counters);
} fs_counters_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 256);
	__type(key, struct fl_lock_key);
	__type(value, struct fl_lock_counters);
} lock_counters_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, FL_HIST_MAX);
	__type(key, __u32);
	__type(value, struct fl_hist_val);
} hists_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 256 * 1024);	/* resized by user space */
} events_map_t;

/* --cgroup: the cgroup (v2) directory at index 0. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_CGROUP_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, __u32);
} cgroup_map_t;

/* lock_stall: mmapped by user space, scanned on a timer. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FL_STALL_SLOTS);
	__type(key, __u32);
	__type(value, struct fl_waiter);
} waiters_map_t;

typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FL_STALL_SLOTS * FL_STALL_WAYS);
	__type(key, __u32);
	__type(value, struct fl_holder);
} holders_map_t;

/* The DLM's replies per glock name (FL_DLM_SEQ_SLOTS): the wait histogram's
 * `remote` label. Shared by every CPU: atomic adds, no lock. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, FL_DLM_SEQ_SLOTS);
	__type(key, __u32);
	__type(value, __u32);
} dlm_seq_map_t;

/* remote_demote: mmapped by user space, matched with the holders. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(map_flags, BPF_F_MMAPABLE);
	__uint(max_entries, FL_DEMOTE_SLOTS);
	__type(key, __u32);
	__type(value, struct fl_demote);
} demotes_map_t;

/* btrfs: per inode, how many of its extent-lock clears ran in a task other
 * than the one that took a tracked range (bio completion workers): a held
 * range taken before a later count may be partly unlocked. */
struct fl_btrfs_inode_key {
	__u64 root;
	__u64 ino;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fl_btrfs_inode_key);
	__type(value, __u64);
} btrfs_clears_map_t;

/* btrfs: ordered extents a traced direct I/O created and that still exist
 * (removed by whoever finishes them), by inode and file offset. */
struct fl_btrfs_ordered_key {
	__u64 root;
	__u64 ino;
	__u64 file_offset;
};

typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, 4096);
	__type(key, struct fl_btrfs_ordered_key);
	__type(value, __u32);	/* tid */
} btrfs_ordered_map_t;

/*
 * lock_order: every ordered pair of locks (inode glocks, btrfs inodes' extent
 * ranges) a traced task held and then asked for (order.bpf.h), and the first
 * inversion of each pair reported.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(map_flags, BPF_F_NO_COMMON_LRU);
	__uint(max_entries, FL_ORDER_EDGES);
	__type(key, struct fl_order_key);
	__type(value, struct fl_order_edge);
} order_edges_map_t;

/*
 * The pairs reported: two tasks adding the two edges of a pair at once may
 * each find the other's edge, or only one of them may (the other looked
 * first); whichever creates the pair's entry here reports it, once. No
 * cmpxchg: 5.10 has none for BPF.
 */
typedef struct {
	__uint(type, BPF_MAP_TYPE_LRU_HASH);
	__uint(max_entries, FL_ORDER_EDGES);
	__type(key, struct fl_order_key);
	__type(value, __u8);
} order_claims_map_t;

/* A new edge is built here: too big for the BPF stack. */
typedef struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_order_edge);
} order_scratch_map_t;

extern order_edges_map_t order_edges SEC(".maps");
extern order_claims_map_t order_claims SEC(".maps");
extern order_scratch_map_t order_scratch SEC(".maps");
extern tasks_map_t tasks SEC(".maps");
extern btrfs_clears_map_t btrfs_clears SEC(".maps");
extern btrfs_ordered_map_t btrfs_ordered SEC(".maps");
extern waiters_map_t waiters SEC(".maps");
extern holders_map_t holders SEC(".maps");
extern demotes_map_t demotes SEC(".maps");
extern dlm_seq_map_t dlm_seq SEC(".maps");
extern cgroup_map_t cgroup_filter SEC(".maps");
extern counters_map_t counters SEC(".maps");
extern fs_counters_map_t fs_counters SEC(".maps");
extern lock_counters_map_t lock_counters SEC(".maps");
extern events_map_t events SEC(".maps");
extern hists_map_t hists SEC(".maps");
/* One zero-filled struct fl_task: the initial value of new entries in the
 * tid hash (too big for the BPF stack). */
typedef struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct fl_task);
} task_zero_map_t;
extern task_zero_map_t task_zero SEC(".maps");

/* Configuration, fixed before load (the verifier prunes on these). */
extern const volatile __u32 targ_tgid;		/* trace this process ... */
extern const volatile bool trace_all;		/* ... or every task */
extern const volatile bool use_task_storage;
extern const volatile bool use_find_vma;
extern const volatile bool capture_stacks;
extern const volatile bool have_task_btf;	/* bpf_get_current_task_btf (5.11+) */
extern const volatile bool filter_cgroup;	/* only tasks in cgroup_filter[0] */
extern const volatile __u32 nr_fs_filter;	/* only these file systems (0: all) */
extern const volatile __u32 livelock_count;	/* retry_livelock after this many iterations */
extern const volatile char fs_filter[FL_MAX_FS_FILTER][FL_FSTYPE_LEN];
/* Set by user space once every program is attached. */
extern volatile bool ready;
/* Tasks holding a tracked btrfs extent range: while 0, clears return at once. */
extern volatile __u32 btrfs_ranges_live;
/*
 * The fault programs' gate (fault_gate_closed): tasks whose state a fault
 * must see (task_open), and traced tasks outside targ_tgid (followed at
 * fork: a fault of theirs is counted only after a lookup).
 */
extern volatile __u32 nr_open;
extern volatile __u32 nr_followed;

/* The task's extent range is unlocked (or no longer known to be held). */
static __always_inline void btrfs_ext_drop(struct fl_task *t)
{
	if (t->ext.valid)
		__sync_fetch_and_add(&btrfs_ranges_live, -1);
	t->ext.valid = 0;
}

/* Forget the btrfs ranges of a direct I/O that ended (or never can). */
static __always_inline void btrfs_forget(struct fl_task *t)
{
	btrfs_ext_drop(t);
	t->ord.valid = 0;
}

static __always_inline void counter_add(__u32 idx, __u64 n)
{
	__u64 *c = bpf_map_lookup_elem(&counters, &idx);

	if (c)
		*c += n;	/* per-CPU slot: no atomics needed */
}

static __always_inline struct fl_task *task_lookup(struct task_struct *task)
{
	int tid;

	if (use_task_storage)
		return bpf_task_storage_get(&tasks, task, 0, 0);
	tid = BPF_CORE_READ(task, pid);
	return bpf_map_lookup_elem(&tasks, &tid);
}

/* A new task's state, fresh even where its tid was used before (the tid
 * hash keeps an entry whose exit went unseen). */
static __always_inline struct fl_task *task_create_fresh(struct task_struct *task)
{
	__u32 zero_key = 0;
	struct fl_task *zero;
	int tid;

	if (use_task_storage)
		return bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	zero = bpf_map_lookup_elem(&task_zero, &zero_key);
	tid = BPF_CORE_READ(task, pid);
	if (!zero || bpf_map_update_elem(&tasks, &tid, zero, BPF_ANY)) {
		counter_add(FL_CNT_LOST_TASKMAP, 1);
		return NULL;
	}
	return bpf_map_lookup_elem(&tasks, &tid);
}

static __always_inline struct fl_task *task_get_or_create(struct task_struct *task)
{
	struct fl_task *t;
	int tid;

	if (use_task_storage) {
		t = bpf_task_storage_get(&tasks, task, 0, BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		__u32 zero_key = 0;
		struct fl_task *zero = bpf_map_lookup_elem(&task_zero, &zero_key);

		tid = BPF_CORE_READ(task, pid);
		if (zero)
			bpf_map_update_elem(&tasks, &tid, zero, BPF_NOEXIST);
		t = bpf_map_lookup_elem(&tasks, &tid);
	}
	if (!t)
		counter_add(FL_CNT_LOST_TASKMAP, 1);
	return t;
}

/*
 * A slot writer's turn (the two-counter seqlock of struct fl_waiter): true
 * if this writer is alone and may write, then slot_write_end; false if
 * another is in flight (both may back off; neither writes half).
 */
#define barrier_mem() asm volatile("" ::: "memory")

static __always_inline bool slot_try_write_begin(__u32 *wbegin, __u32 *wend)
{
	__u32 e, b;

	__sync_fetch_and_add(wbegin, 1);
	e = *(volatile __u32 *)wend;
	barrier_mem();
	b = *(volatile __u32 *)wbegin;
	if (b - e == 1)
		return true;
	__sync_fetch_and_add(wend, 1);
	return false;
}

/* slot_try_write_begin, the loss counted when another writer wins. */
static __always_inline bool slot_write_begin(__u32 *wbegin, __u32 *wend)
{
	if (slot_try_write_begin(wbegin, wend))
		return true;
	counter_add(FL_CNT_LOST_STALL_SLOT, 1);
	return false;
}

static __always_inline void slot_write_end(__u32 *wend)
{
	__sync_fetch_and_add(wend, 1);
}

/*
 * A free entry of the holders set at base, claimed and open for writing
 * (slot_write_end when done). Two writers racing for one free entry: the
 * loser takes the next free one rather than losing its record. NULL: none
 * free (the caller decides what to overwrite, and counts it).
 */
static __always_inline struct fl_holder *holder_claim_free(__u32 base)
{
	for (__u32 i = 0; i < FL_STALL_WAYS; i++) {
		__u32 k = base + i;
		struct fl_holder *e = bpf_map_lookup_elem(&holders, &k);

		if (!e || e->gl || *(volatile __u32 *)&e->wbegin != *(volatile __u32 *)&e->wend)
			continue;
		if (!slot_try_write_begin(&e->wbegin, &e->wend))
			continue;
		if (!e->gl)
			return e;
		slot_write_end(&e->wend);	/* taken since we looked */
	}
	return NULL;
}

/* This task's waiter slot, if it has one. */
static __always_inline struct fl_waiter *waiter_own(__u32 tid)
{
	for (__u32 probe = 0; probe < 2; probe++) {
		__u32 slot = fl_waiter_slot(tid, probe);
		struct fl_waiter *w = bpf_map_lookup_elem(&waiters, &slot);

		if (w && w->since && w->tid == tid)
			return w;
	}
	return NULL;
}

/*
 * A slot for this task's new wait, open for writing (slot_write_end when
 * done): its own, else a free one of its two. A live wait of another task
 * is never overwritten (it may be the stall to see): counted instead.
 */
static __always_inline struct fl_waiter *waiter_begin(__u32 tid)
{
	struct fl_waiter *w = waiter_own(tid);

	for (__u32 probe = 0; !w && probe < 2; probe++) {
		__u32 slot = fl_waiter_slot(tid, probe);
		struct fl_waiter *e = bpf_map_lookup_elem(&waiters, &slot);

		if (e && !e->since)
			w = e;
	}
	if (!w) {
		counter_add(FL_CNT_LOST_STALL_SLOT, 1);
		return NULL;
	}
	if (!slot_write_begin(&w->wbegin, &w->wend))
		return NULL;
	if (w->since && w->tid != tid) {	/* taken since we looked */
		slot_write_end(&w->wend);
		counter_add(FL_CNT_LOST_STALL_SLOT, 1);
		return NULL;
	}
	return w;
}

/* The task's wait ended (or never was). One store, outside the seqlock:
 * a reader's copy then has the whole old record or a free slot, and no
 * writer's back-off can leave the wait behind. */
static __always_inline void waiter_clear(void)
{
	__u32 tid = (__u32)bpf_get_current_pid_tgid();
	struct fl_waiter *w = waiter_own(tid);

	if (w)
		w->since = 0;
}

/*
 * gfs2_glock_nq calls whose return was never seen (a kretprobe with too few
 * instances drops returns): a task back in user mode or exiting cannot be
 * inside one. Counted, and the pending stack and the waiter slot reset, so
 * that no later return is matched to the wrong request and no wait that
 * ended is reported as a stall.
 */
static __always_inline void pending_reset(struct fl_task *t)
{
	__u32 n = t->nr_pending;

	if (t->async_wait) {	/* a GL_ASYNC wait ends by the syscall's end */
		t->async_wait = 0;
		waiter_clear();
	}
	if (!n)
		return;
	counter_add(FL_CNT_LOST_RETURN, n);
	t->nr_pending = 0;
	waiter_clear();
}

/*
 * The target: every task, or the traced process (its children get state at
 * fork); with --cgroup, only while in that cgroup or below. Asked of the
 * current task only (every caller's task is current): helpers, no reads.
 */
static __always_inline bool current_in_scope(void)
{
	if (filter_cgroup && bpf_current_task_under_cgroup(&cgroup_filter, 0) != 1)
		return false;
	return trace_all || (targ_tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) == targ_tgid);
}

/* A file system's type name, read only where a record or filter needs it. */
static __always_inline void sb_fstype(char *dst, struct super_block *sb)
{
	bpf_probe_read_kernel_str(dst, FL_FSTYPE_LEN, BPF_CORE_READ(sb, s_type, name));
}

/* --fs: is this file system type (s_type->name) one to account? */
static __always_inline bool fs_wanted(const char *fstype)
{
	if (!nr_fs_filter)
		return true;
	for (__u32 i = 0; i < FL_MAX_FS_FILTER && i < nr_fs_filter; i++) {
		bool same = true;

		for (__u32 k = 0; k < FL_FSTYPE_LEN; k++) {
			if (fs_filter[i][k] != fstype[k]) {
				same = false;
				break;
			}
			if (!fstype[k])
				break;
		}
		if (same)
			return true;
	}
	return false;
}

/*
 * The filter of handlers that start tracking something (a lock request, a
 * direct I/O, a fork): the state of a traced task, created on first use, or
 * NULL. Untraced tasks cost one lock-free lookup (plus a tgid compare).
 */
static __always_inline struct fl_task *task_get_or_create_traced(struct task_struct *task)
{
	struct fl_task *t;

	if (!ready)
		return NULL;
	t = task_lookup(task);
	if (t)
		return t;
	return current_in_scope() ? task_get_or_create(task) : NULL;
}

/* A BTF-typed current task where the kernel can give one (task storage and
 * bpf_find_vma need it); a plain pointer, read through CO-RE, otherwise. */
static __always_inline struct task_struct *current_task(void)
{
	if (have_task_btf)
		return bpf_get_current_task_btf();
	return (struct task_struct *)bpf_get_current_task();
}

static __always_inline struct fl_task *current_get_or_create_traced(void)
{
	return task_get_or_create_traced(current_task());
}

/*
 * The filter of the fault path and of handlers that finish what another
 * began: lookup only. A task without state holds no glock and is in no
 * direct I/O, so it returns here, and nothing is ever allocated for it.
 */
static __always_inline struct fl_task *current_lookup(void)
{
	return ready ? task_lookup(current_task()) : NULL;
}

/*
 * Changes at the end of every read/write system call (vfs_read/vfs_write
 * count them for /proc/PID/io): a retry happens within the same call, the
 * next call on the same file does not count as one.
 */
static __always_inline __u64 syscall_gen(struct task_struct *task)
{
	/* syscr/syscw exist only with CONFIG_TASK_XACCT: test them, not ioac */
	if (!bpf_core_field_exists(task->ioac.syscr) || !bpf_core_field_exists(task->ioac.syscw))
		return 0;
	return BPF_CORE_READ(task, ioac.syscr) + BPF_CORE_READ(task, ioac.syscw);
}

/*
 * Is there anything in t that a page fault must see or end? A direct I/O
 * window, glocks held or being asked for, btrfs ranges, a fault in
 * progress, a retry episode. The fault programs run only while some task
 * is open (nr_open), as their first load.
 */
static __always_inline bool task_open(const struct fl_task *t)
{
	return t->dio_iocb | t->nr_held | t->nr_pending | t->async_wait | t->in_fault |
	       t->ext.valid | t->ord.valid | t->retry[FL_RETRY_FAULT_IN].iters |
	       t->retry[FL_RETRY_DIO].iters;
}

/* After a change to t's state: keep nr_open right. Only the task itself
 * changes its state, so its `gated` flips without races. */
static __always_inline void gate_sync(struct fl_task *t)
{
	__u32 open = task_open(t);

	if (open == t->gated)
		return;
	t->gated = open;
	__sync_fetch_and_add(&nr_open, open ? 1 : -1);
}

/*
 * A direct I/O opens the gate and its end leaves it open: the task leaves
 * nr_open at its next user-mode fault, lock release or exit (gate_sync
 * there). Two atomic adds per I/O were a quarter of a traced direct I/O's
 * cost; a task that does direct I/O keeps faults on the full path until it
 * is back in user mode.
 */
static __always_inline void dio_gate(struct fl_task *t)
{
	if (!t->gated && task_open(t)) {
		t->gated = 1;
		__sync_fetch_and_add(&nr_open, 1);
	}
}

/*
 * The first test of every page fault program, before the task lookup: no
 * task is open, so no fault has anything to do but be counted. Under -a
 * (every task in scope, --cgroup aside) that needs no lookup; under -p or
 * -- CMD only while no descendant of the target is traced (they are
 * counted by their state).
 */
static __always_inline bool fault_gate_closed(void)
{
	if (!ready)
		return true;
	if (nr_open)
		return false;
	if (trace_all) {
		if (!filter_cgroup || bpf_current_task_under_cgroup(&cgroup_filter, 0) == 1)
			counter_add(FL_CNT_FAULTS, 1);
		return true;
	}
	if (nr_followed)
		return false;
	if (targ_tgid && (__u32)(bpf_get_current_pid_tgid() >> 32) == targ_tgid &&
	    (!filter_cgroup || bpf_current_task_under_cgroup(&cgroup_filter, 0) == 1))
		counter_add(FL_CNT_FAULTS, 1);
	return true;
}

/* The task's direct I/O is over (or never began): forget it. */
static __always_inline void dio_end(struct fl_task *t)
{
	t->dio_iocb = 0;
	t->dio_inode = 0;
	btrfs_forget(t);
}

/*
 * Is the task inside the direct I/O its state names? An __iomap_dio_rw that
 * fails before its I/O never reaches iomap_dio_complete, so its window is
 * taken as closed once the read/write system call it began in has ended.
 */
static __always_inline bool dio_in_window(struct fl_task *t, struct task_struct *task)
{
	if (!t->dio_iocb)
		return false;
	if (t->dio_gen == syscall_gen(task))
		return true;
	dio_end(t);
	gate_sync(t);
	return false;
}

/* Bit length of v (0 for 0): branch-light, as libbpf-tools' log2l. */
static __always_inline __u32 bit_length(__u64 v)
{
	__u32 r = 0, shift;

	shift = (v > 0xffffffffULL) << 5; v >>= shift; r |= shift;
	shift = (v > 0xffff) << 4; v >>= shift; r |= shift;
	shift = (v > 0xff) << 3; v >>= shift; r |= shift;
	shift = (v > 0xf) << 2; v >>= shift; r |= shift;
	shift = (v > 0x3) << 1; v >>= shift; r |= shift;
	r |= (v >> 1);
	return v ? r + 1 : 0;
}

static __always_inline void hist_add(__u32 idx, __u64 ns)
{
	struct fl_hist_val *h = bpf_map_lookup_elem(&hists, &idx);
	__u32 slot = bit_length(ns);

	if (!h)
		return;
	h->slots[slot & (FL_HIST_SLOTS - 1)]++;	/* bit_length() <= 64 */
	h->sum_ns += ns;
	h->count++;
}

/*
 * A per-CPU counter entry, created on first use (a bucket lock, once per key)
 * with the file system's name in `fstype` of the caller's zeroed `zero`.
 * With sb NULL, lookup only: for the fault path.
 */
static __always_inline void *counters_get(void *map, const void *key, void *zero, char *fstype,
					  struct super_block *sb, __u32 lost)
{
	void *c = bpf_map_lookup_elem(map, key);

	if (c || !sb)
		return c;
	sb_fstype(fstype, sb);
	bpf_map_update_elem(map, key, zero, BPF_NOEXIST);
	c = bpf_map_lookup_elem(map, key);
	if (!c)
		counter_add(lost, 1);
	return c;
}

static __always_inline void *record_reserve(__u64 size, __u32 type)
{
	struct fl_hdr *hdr = bpf_ringbuf_reserve(&events, size, 0);
	__u64 pid_tgid;

	if (!hdr) {
		counter_add(FL_CNT_LOST_RINGBUF, 1);
		return NULL;
	}
	pid_tgid = bpf_get_current_pid_tgid();
	hdr->type = type;
	hdr->pid = pid_tgid >> 32;
	hdr->tid = (__u32)pid_tgid;
	hdr->cpu = bpf_get_smp_processor_id();
	hdr->ts = bpf_ktime_get_ns();
	bpf_get_current_comm(hdr->comm, sizeof(hdr->comm));
	return hdr;
}

#endif /* FAULTLOCK_BPF_H */
