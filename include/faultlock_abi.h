/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Everything the BPF programs and user space exchange: ring-buffer records,
 * counter indexes, map keys and values. Included by both sides, so it uses
 * only fixed-width __u* types and no libc or UAPI headers (vmlinux.h defines
 * __u* on the BPF side, <linux/types.h> on the user side).
 */
#ifndef FAULTLOCK_ABI_H
#define FAULTLOCK_ABI_H

#ifndef __bpf__
#include <linux/types.h>
#endif

#define FL_COMM_LEN	16
#define FL_FSTYPE_LEN	16
#define FL_MAX_FS_FILTER 4	/* --fs TYPE[,TYPE...] */
#define FL_MAX_STACK	32	/* kernel frames kept per finding */
#define FL_HELD_STACK	16	/* frames kept of where a held range lock was taken */
#define FL_BTRFS_LOCKFNS 2	/* btrfs blocking extent-lock functions looked for in a stack */

/* Ring-buffer record types; every record starts with struct fl_hdr. */
enum fl_rec_type {
	FL_REC_DIO_PARTIAL = 1,
	FL_REC_DIO_RETRY = 2,
	FL_REC_SAME_FILE_FAULT = 3,
	FL_REC_RECURSIVE_LOCK = 4,
	FL_REC_FAULT_UNDER_LOCK = 5,
	FL_REC_FAULT_IN = 6,
	FL_REC_RETRY_LIVELOCK = 7,
	FL_REC_LOCK_ORDER = 8,
	FL_REC_TYPE_MAX,
};

/* gfs2 glock types (ln_type, LM_TYPE_*): 0 .. 9 (journal) */
#define FL_GLOCK_TYPES 10

/* Global counters: index into the per-CPU array map `counters`. */
enum fl_counter {
	FL_CNT_FAULTS = 0,		/* page faults by traced tasks */
	FL_CNT_DIO_CALLS,
	FL_CNT_DIO_PARTIAL,
	FL_CNT_DIO_RETRIES,
	FL_CNT_DIO_RETRY_BYTES,
	FL_CNT_SAME_FILE_FAULT,
	FL_CNT_LOST_RINGBUF,		/* ring buffer full: record dropped */
	FL_CNT_LOST_TASKMAP,		/* per-task state could not be created */
	FL_CNT_LOST_FSMAP,		/* per-fs counter map full */
	FL_CNT_LOST_VMA,		/* bpf_find_vma could not look (mmap lock busy) */
	FL_CNT_LOCK_ACQUISITIONS,	/* granted (or queued async) glock requests */
	FL_CNT_RECURSIVE_LOCK,
	FL_CNT_FAULT_UNDER_LOCK,
	FL_CNT_FAULT_IN_CALLS,
	FL_CNT_FAULT_IN_SHORT,		/* returned a non-zero "not faulted in" count */
	FL_CNT_FAULT_IN_BYTES,		/* bytes asked to fault in */
	FL_CNT_FAULT_IN_MISSED,		/* bytes not faulted in */
	FL_CNT_LOST_HELD,		/* held set full: a lock went untracked */
	FL_CNT_GFS2_LAYOUT_CHECKS,	/* glock ids read at fixed offsets, compared with ... */
	FL_CNT_GFS2_LAYOUT_MISMATCH,	/* ... gfs2_glock_queue's own: these differed */
	FL_CNT_LOST_LOCKMAP,		/* per-device lock counter map full */
	FL_CNT_LOST_STALL_SLOT,		/* a waiter or holder slot was taken over */
	FL_CNT_RETRY_LIVELOCK,		/* retry_livelock episodes begun */
	FL_CNT_LOST_RELEASE,		/* a held glock found released behind our back (entry dropped) */
	FL_CNT_UNVERIFIED,		/* a recursion the kernel's holder list could not confirm in time */
	FL_CNT_LOST_RETURN,		/* gfs2_glock_nq returns never seen (kretprobe instances ran out) */
	FL_CNT_BTRFS_LOCKS,		/* btrfs range locks taken inside a traced direct I/O */
	FL_CNT_BTRFS_TRYLOCKS,		/* ... and attempts not from a blocking lock (ignored) */
	FL_CNT_LOST_RECURSION,		/* runs the BPF runtime skipped (a program of ours already running
					 * on that CPU): filled from bpf_prog_info by user space */
	FL_CNT_LOCK_ORDER,		/* lock_order findings (inverted pairs, once each) */
	FL_CNT_ORDER_EDGES,		/* lock-order edges recorded (new pairs) */
	FL_CNT_LOST_ORDER_EDGE,		/* ... not recorded (the edge map refused it) */
	FL_CNT_ORDER_EVICTED,		/* edges the LRU map evicted: filled by user space */
	FL_CNT_RELEASE_BY_QUEUE,	/* held glocks whose release only gfs2_glock_queue(gh, 0) showed */
	FL_CNT_GFS2_OWNER_CHECKS,	/* gh_owner_pid compared with the requester's pid at queue ... */
	FL_CNT_GFS2_OWNER_MISMATCH,	/* ... and differed (a task-owned holder another task queued) */
	/* per enum fl_fault_in_kind: FL_CNT_FAULT_IN_CALLS_KIND + kind, ... */
	FL_CNT_FAULT_IN_CALLS_KIND,
	FL_CNT_FAULT_IN_SHORT_KIND = FL_CNT_FAULT_IN_CALLS_KIND + 3,
	/* per enum fl_livelock_kind: FL_CNT_RETRY_LIVELOCK_KIND + kind */
	FL_CNT_RETRY_LIVELOCK_KIND = FL_CNT_FAULT_IN_SHORT_KIND + 3,
	/* remote demote requests per glock type: FL_CNT_REMOTE_DEMOTE_TYPE + ln_type */
	FL_CNT_REMOTE_DEMOTE_TYPE = FL_CNT_RETRY_LIVELOCK_KIND + 4,
	/* nofault reads short because they reached end of file (not partial) */
	FL_CNT_DIO_EOF_SHORT = FL_CNT_REMOTE_DEMOTE_TYPE + FL_GLOCK_TYPES,
	FL_CNT_MAX,
};

/* Direction of a direct I/O, from IOCB_WRITE. */
enum fl_dio_op {
	FL_OP_READ = 0,
	FL_OP_WRITE = 1,
};

#define FL_PFD_UNKNOWN	2	/* no baseline yet (see fault.bpf.c) */

/* Why a direct I/O counts as partial. */
enum fl_partial_reason {
	FL_PARTIAL_SHORT = 1,	/* fewer bytes than requested */
	FL_PARTIAL_EFAULT = 2,	/* -EFAULT (user pages not faulted in) */
};

/* Why an iomap_dio_rw call counts as a retry (bit set). */
#define FL_RETRY_DONE_BEFORE	0x1	/* done_before > 0 */
#define FL_RETRY_AFTER_PARTIAL	0x2	/* follows a partial result on that file */

/* Which fault_in_* function. */
enum fl_fault_in_kind {
	FL_FI_READABLE = 0,
	FL_FI_WRITEABLE = 1,
	FL_FI_SAFE_WRITEABLE = 2,
	FL_FI_KINDS,
};
_Static_assert(FL_FI_KINDS == 3, "FL_CNT_FAULT_IN_*_KIND reserve 3 slots");

/*
 * retry_livelock: the nofault -> fault-in -> retry cycle repeating without
 * progress. The kinds are the fault_in_* kinds (the same range faulted in
 * again and again), then iomap direct I/O (done_before stops growing).
 */
enum fl_livelock_kind {
	FL_LL_DIO = FL_FI_KINDS,
	FL_LL_KINDS,
};
_Static_assert(FL_LL_KINDS == 4, "FL_CNT_RETRY_LIVELOCK_KIND reserves 4 slots");

enum fl_livelock_phase {
	FL_LL_BEGIN = 1,	/* the threshold was reached: reported, with a stack */
	FL_LL_UPDATE = 2,	/* iterations doubled since the last record (not printed) */
	FL_LL_END = 3,		/* the cycle stopped */
};

/* Why an episode ended. */
enum fl_livelock_end {
	FL_LL_END_CHANGED = 1,	/* the next retry was on another range, or made progress */
	FL_LL_END_USER = 2,	/* the task was back in user space (a user-mode fault) */
	FL_LL_END_EXIT = 3,	/* the task exited */
	FL_LL_END_IDLE = 4,	/* no iteration for a second, then something else */
};

/* Latency histograms (per-CPU array): log2(ns) slots, the last one the sum. */
#define FL_HIST_SLOTS	64	/* a power of 2: BPF indexes with a mask */
enum fl_hist_id {
	FL_HIST_LOCK_HOLD = 0,
	FL_HIST_LOCK_WAIT,
	FL_HIST_FAULT_IN_READABLE,
	FL_HIST_FAULT_IN_WRITEABLE,
	FL_HIST_FAULT_IN_SAFE_WRITEABLE,
	FL_HIST_LOCK_WAIT_REMOTE,	/* glock waits whose grant came through the DLM */
	FL_HIST_MAX,
};

struct fl_hist_val {
	__u64 slots[FL_HIST_SLOTS];	/* slot i: ns in [2^(i-1), 2^i) (slot 0: 0) */
	__u64 sum_ns;
	__u64 count;
};

/* fault_under_lock: how the held lock is protected against the fault. */
enum fl_protection {
	FL_PROT_NONE = 0,
	FL_PROT_MAY_DEMOTE = 1,	/* holder marked HIF_MAY_DEMOTE (5.16 .. 6.x) */
	FL_PROT_MAX,
};

/* Lock providers: the `lock` label. */
enum fl_lock_kind {
	FL_LOCK_GLOCK = 0,	/* gfs2 glock */
	FL_LOCK_BTRFS_EXTENT,	/* btrfs io_tree EXTENT_LOCKED / EXTENT_DIO_LOCKED range */
	FL_LOCK_BTRFS_ORDERED,	/* btrfs ordered extent (a write in flight), waited for */
	FL_LOCK_KINDS,
};

/* Per-device, per-provider lock counters (per-CPU hash). */
struct fl_lock_key {
	__u32 dev;		/* kernel dev_t of the file system */
	__u32 lock;		/* enum fl_lock_kind */
};

struct fl_lock_counters {
	__u64 acquisitions;
	__u64 recursive;
	__u64 order;				/* lock_order findings */
	__u64 remote_demotes;			/* glocks: other nodes' demote requests */
	__u64 fault_under_lock[FL_PROT_MAX];	/* by enum fl_protection */
	char fstype[FL_FSTYPE_LEN];		/* s_type->name, set on first use */
};

/* Per-filesystem, per-direction counters (per-CPU hash). */
struct fl_fs_key {
	__u32 dev;		/* kernel dev_t: major << 20 | minor */
	__u32 op;		/* enum fl_dio_op */
};

struct fl_fs_counters {
	__u64 dio_calls;
	__u64 dio_partial_short;
	__u64 dio_partial_efault;
	__u64 dio_retries;
	__u64 dio_retry_bytes;
	__u64 same_file_fault;
	char fstype[FL_FSTYPE_LEN];	/* s_type->name, set on first use */
};

struct fl_hdr {
	__u32 type;		/* enum fl_rec_type */
	__u32 pid;		/* tgid */
	__u32 tid;
	__u32 cpu;
	__u64 ts;		/* bpf_ktime_get_ns(): CLOCK_MONOTONIC */
	char comm[FL_COMM_LEN];
};

/* FL_REC_DIO_PARTIAL and FL_REC_DIO_RETRY */
struct fl_rec_dio {
	struct fl_hdr hdr;
	__u32 dev;
	__u32 op;		/* enum fl_dio_op */
	__u64 ino;
	__s64 pos;
	__u64 count;		/* bytes requested by this call */
	__u64 done_before;
	__s64 ret;		/* partial: iomap_dio_complete ret (includes done_before) */
	__u32 reason;		/* partial: enum fl_partial_reason; retry: FL_RETRY_* bits */
	__u32 nofault;		/* iterator had nofault set */
	char fstype[FL_FSTYPE_LEN];
};

/* FL_REC_SAME_FILE_FAULT */
struct fl_rec_fault {
	struct fl_hdr hdr;
	__u64 addr;		/* faulting user address */
	__u64 ip;		/* kernel instruction that faulted */
	__u64 error_code;	/* x86 X86_PF_* bits */
	__u64 ino;
	__u64 pgoff;		/* file page index of addr */
	__u32 dev;
	__u32 op;		/* enum fl_dio_op of the DIO in progress */
	__u32 pagefault_disabled;	/* page faults were disabled: 0, 1, FL_PFD_UNKNOWN */
	__u32 nr_stack;		/* valid entries in stack[] */
	char fstype[FL_FSTYPE_LEN];
	__u64 stack[FL_MAX_STACK];
};

/* A gfs2 glock as faultlock names it: gfs2's type:number and its device. */
struct fl_lock_id {
	__u64 number;		/* ln_number: the inode number for inode glocks */
	__u32 type;		/* ln_type: LM_TYPE_INODE = 2, ... */
	__u32 dev;		/* sd_vfs->s_dev */
};

/*
 * A range lock (btrfs_extent, btrfs_ordered) a task holds and the range it
 * asks for again: what a glock's holder fields are for gfs2. Byte ranges of
 * the file, inclusive.
 */
struct fl_lock_range {
	__u64 root;		/* btrfs subvolume (root objectid) */
	__u64 held_start, held_end;
	__u64 req_start, req_end;
	__u32 bits;		/* io_tree bits held and asked for (EXTENT_LOCKED, ...) */
	__u32 nr_held_stack;
	__u64 held_stack[FL_HELD_STACK];	/* where the held range was taken */
};

/* FL_REC_RECURSIVE_LOCK: a task requests a lock it already holds. */
struct fl_rec_lock {
	struct fl_hdr hdr;
	struct fl_lock_id lock;
	__u64 held_ip;		/* held holder's gh_ip: where it was acquired */
	__u64 req_ip;		/* new holder's gh_ip */
	__u16 held_state;	/* LM_ST_*: 1 EX, 2 DF, 3 SH */
	__u16 req_state;
	__u16 held_flags;	/* gh_flags */
	__u16 req_flags;
	__u32 in_fault;		/* requested inside handle_mm_fault */
	__u32 fault_dev;
	__u64 fault_addr;
	__u64 fault_ino;	/* file mapped at fault_addr, 0 if anonymous */
	char fault_fstype[FL_FSTYPE_LEN];
	__u32 nr_held;		/* glocks the task held */
	__u32 nr_stack;
	__u64 stack[FL_MAX_STACK];	/* the new request's kernel stack */
	__u32 provider;		/* enum fl_lock_kind */
	__u32 pad;
	struct fl_lock_range range;	/* range providers only (zero for glocks) */
};

/* FL_REC_FAULT_UNDER_LOCK: handle_mm_fault while the task holds a glock. */
struct fl_rec_fault_lock {
	struct fl_hdr hdr;
	struct fl_lock_id lock;	/* the most recently acquired glock held */
	__u64 held_ip;
	__u64 addr;
	__u64 fault_ino;	/* file mapped at addr, 0 if anonymous */
	__u32 fault_dev;
	__u32 fault_flags;	/* FAULT_FLAG_* */
	__u32 gup;		/* regs == NULL: get_user_pages / fixup_user_fault */
	__u32 protection;	/* enum fl_protection */
	__u16 held_state;
	__u16 pad;
	__u32 nr_held;
	char fault_fstype[FL_FSTYPE_LEN];
	__u32 nr_stack;
	__u32 pad2;
	__u64 stack[FL_MAX_STACK];
};

/* FL_REC_FAULT_IN: one fault_in_*() call. */
struct fl_rec_fault_in {
	struct fl_hdr hdr;
	__u64 addr;
	__u64 size;		/* bytes asked */
	__u64 missed;		/* bytes not faulted in (the return value) */
	__u64 latency_ns;
	__u32 kind;		/* enum fl_fault_in_kind */
	__u32 nr_held;		/* glocks held during the call (0 on fixed gfs2) */
};

/* FL_REC_RETRY_LIVELOCK: one episode's begin, doubling updates and end. */
struct fl_rec_livelock {
	struct fl_hdr hdr;
	__u32 phase;		/* enum fl_livelock_phase */
	__u32 kind;		/* enum fl_fault_in_kind, or FL_LL_DIO */
	__u64 addr;		/* fault_in: the range; dio: file position */
	__u64 size;		/* fault_in: bytes; dio: bytes requested */
	__u64 iterations;	/* fault_in calls / DIO calls without progress so far */
	__u64 first_ts;		/* the first of them (bpf_ktime_get_ns) */
	__u64 done_before;	/* dio: where it stays stuck */
	__u64 ino;		/* the file: mapped at addr (fault_in), or the DIO's */
	__u32 dev;
	__u32 end_reason;	/* enum fl_livelock_end (FL_LL_END) */
	__s64 syscall_nr;	/* the system call it loops in; -1 unknown */
	__u64 syscall_arg1;	/* its second argument (an ioctl's command) */
	struct fl_lock_id lock;	/* the last glock acquired during the episode (0: none) */
	__u64 lock_acqs;	/* glock acquisitions during the episode */
	__u32 nr_held;		/* glocks held at the fault-in / DIO call */
	__u32 nr_stack;
	char fstype[FL_FSTYPE_LEN];
	__u64 stack[FL_MAX_STACK];	/* FL_LL_BEGIN: where it loops */
};

/*
 * lock_order: "a task holding lock FROM asked for lock TO" edges, one per
 * ordered pair of lock names (glock structures are freed and reused; the
 * names are what two tasks, or two nodes, share), in an LRU hash.
 */
struct fl_order_key {
	__u32 dev;
	__u32 from_type;
	__u32 to_type;
	__u32 pad;
	__u64 from_number;
	__u64 to_number;
};

#define FL_ORDER_MODE_BIT(held, req) (1u << (((held) & 3) * 4 + ((req) & 3)))

/* lock_order's lock ids for btrfs: an inode's extent ranges, as one lock
 * (number: the inode; type: this bit with the subvolume id; dev: s_dev). */
#define FL_ORDER_TYPE_BTRFS	0x80000000u
#define FL_ORDER_BTRFS_ROOT(type)	((type) & 0x7fffffffu)

struct fl_order_edge {
	__u64 first_ts;		/* first seen */
	__u64 count;		/* requests seen in this order */
	__u64 from_ip;		/* where FROM was acquired (its gh_ip), first time */
	__u64 to_ip;		/* where TO was requested, first time */
	__u32 pid, tid;		/* the first task */
	__u16 modes;		/* FL_ORDER_MODE_BIT(held state, requested state) seen */
	__u16 from_state;	/* first time: held and requested LM_ST_* */
	__u16 to_state;
	__u16 in_fault;		/* first time: TO requested inside handle_mm_fault */
	__u32 reported;		/* a lock_order finding names this pair */
	__u32 nr_stack;
	char comm[FL_COMM_LEN];
	__u64 stack[FL_HELD_STACK];	/* first time: the request's kernel stack */
};

/* One side of an inversion, as the record carries it. */
struct fl_order_side {
	__u32 pid, tid;
	char comm[FL_COMM_LEN];
	__u64 ts;		/* first seen */
	__u64 count;
	__u64 held_ip, req_ip;
	__u16 held_state, req_state;
	__u16 modes;
	__u16 in_fault;
};

/*
 * FL_REC_LOCK_ORDER: this task holds HELD and requests REQ; earlier another
 * task held REQ while it asked for HELD. `first` is that earlier edge (with
 * its stack as first seen), the header and `second` this one.
 */
struct fl_rec_order {
	struct fl_hdr hdr;
	struct fl_lock_id held;		/* X: held now, requested by `first` */
	struct fl_lock_id req;		/* Y: requested now, held by `first` */
	__u32 conflict;			/* 1: the modes conflict on both locks (a deadlock can
					 * happen); 0: only a third party's request closes it */
	__u32 nr_held;			/* locks this task holds */
	struct fl_order_side first;	/* Y -> X */
	struct fl_order_side second;	/* X -> Y: this request */
	__u64 fault_addr;		/* this request inside a fault: where */
	__u64 fault_ino;
	__u32 fault_dev;
	__u32 first_nr_stack;
	__u64 first_stack[FL_HELD_STACK];
	__u32 nr_stack;
	__u32 pad;
	__u64 stack[FL_MAX_STACK];	/* this request's kernel stack */
};

/*
 * lock_stall: who waits on which glock, and who was last granted it, in two
 * lock-free array maps that user space maps and scans (no event per wait).
 * A waiter has two candidate slots by its tid (fl_waiter_slots) and takes
 * one that is free or its own: a live wait is never overwritten (a task
 * that finds both taken is counted and not shown). A holder's slot is its
 * glock address, hashed into FL_STALL_SLOTS sets of FL_STALL_WAYS entries
 * (shared holders of one glock each get one; a full set overwrites,
 * counted).
 *
 * Every slot is a two-counter seqlock, since 5.10's BPF has atomic add but
 * no fetch or cmpxchg: a writer adds 1 to `wbegin`, writes only if no other
 * writer is in flight (wbegin - wend == 1, wend read first), and adds 1 to
 * `wend`. A reader's copy is whole when wbegin == wend before it (wend read
 * first) and wbegin is unchanged after it (fl_slot_copy). Ordering: x86's
 * locked add is a full barrier (the only architecture built, see Makefile).
 */
#define FL_STALL_SLOTS	1024	/* a power of 2 */

/*
 * A btrfs extent range in a slot: a waiter's `gl` (and its holders' set) is
 * then fl_btrfs_slot_key() of the inode, `ip` 0. Extent locks have no
 * return to clear a waiter on: its slot is rewritten by the task's next
 * request, cleared by its own unlock or exit, and freed by user space once
 * the task is seen not waiting (a compare-and-swap of `since`). A holder's
 * entry is trimmed or freed by any unlock of the range, in any context (a
 * direct I/O's range is unlocked by its completion).
 */
struct fl_slot_range {
	__u64 fsid[2];		/* the file system's fsid (the tracepoint's 16 bytes) */
	__u64 root;		/* subvolume */
	__u64 start, end;	/* bytes, inclusive */
};

static inline __u64 fl_btrfs_slot_key(const __u64 fsid[2], __u64 root, __u64 ino)
{
	/* odd: never 0 (a free slot), never a glock address (aligned) */
	return ((ino * 0x9e3779b97f4a7c15ULL) ^ (root << 40) ^ fsid[0] ^ (fsid[1] >> 1)) | 1;
}
#define FL_GH_ASYNC	0x40	/* gh_flags GL_ASYNC (5.10 .. 6.12): queued, waited for later */
#define FL_STALL_WAYS	4	/* holders entries per glock slot */

struct fl_waiter {
	__u32 wbegin, wend;	/* the slot's seqlock (above) */
	__u64 since;		/* bpf_ktime_get_ns() at gfs2_glock_nq entry; 0: free */
	__u64 gl;		/* struct gfs2_glock * */
	__u64 ip;		/* gh_ip of the request */
	struct fl_lock_id id;
	__u32 pid;
	__u32 tid;
	__u16 state;		/* requested LM_ST_* */
	__u16 flags;
	__u16 provider;		/* enum fl_lock_kind: glock, or a range below */
	__u16 pad;
	char comm[FL_COMM_LEN];
	struct fl_slot_range range;	/* btrfs_extent: the range asked for */
};

struct fl_holder {
	__u32 wbegin, wend;	/* the slot's seqlock (above) */
	__u64 gl;		/* 0: free */
	__u64 gh;		/* glock: the granted struct gfs2_holder * (dq clears by it);
			 * btrfs_extent: bytes of the range still locked */
	__u64 since;		/* granted at */
	__u64 ip;		/* gh_ip: acquisition site */
	struct fl_lock_id id;	/* the glock's name (remote_demote matches by it) */
	__u32 pid;
	__u32 tid;
	__u16 state;
	__u16 flags;
	__u16 provider;		/* enum fl_lock_kind */
	__u16 pad;
	char comm[FL_COMM_LEN];
	struct fl_slot_range range;	/* btrfs_extent: the range held */
};

/*
 * remote_demote: another node's request for a glock (gfs2_demote_rq with
 * remote set: the DLM's blocking callback), the newest per slot, by the
 * glock's name hashed into FL_DEMOTE_SLOTS. User space matches it with the
 * holders granted before it: who on this node keeps the other node waiting.
 */
#define FL_DEMOTE_SLOTS	1024	/* a power of 2 */

struct fl_demote {
	__u32 wbegin, wend;	/* the slot's seqlock (see struct fl_waiter) */
	__u64 since;		/* bpf_ktime_get_ns() of the request; 0: free or changing */
	struct fl_lock_id id;
	__u32 count;		/* remote requests seen in this slot */
	__u16 dmt_state;	/* the mode asked for (DLM mode, as the tracepoint gives it) */
	__u16 pad;
};

/* The same glock: its name and its device. */
static inline int fl_lock_id_same(const struct fl_lock_id *a, const struct fl_lock_id *b)
{
	return a->number == b->number && a->type == b->type && a->dev == b->dev;
}

static inline __u32 fl_demote_slot_of(__u32 type, __u64 number)
{
	return (__u32)(number ^ (number >> 20) ^ ((__u64)type << 7)) & (FL_DEMOTE_SLOTS - 1);
}

/*
 * The DLM's replies to this node's glock requests (gfs2_glock_lock_time,
 * from gdlm_ast), counted per glock name hashed into FL_DLM_SEQ_SLOTS: a
 * wait during which its glock's count moved was granted through the lock
 * manager (the `remote` label of the wait histogram). A collision can only
 * move a wait from remote="false" to "true".
 */
#define FL_DLM_SEQ_SLOTS 4096	/* a power of 2 */

static inline __u32 fl_dlm_seq_slot_of(__u32 type, __u64 number)
{
	return (__u32)(number ^ (number >> 24) ^ ((__u64)type << 9)) & (FL_DLM_SEQ_SLOTS - 1);
}

/* A waiter's two candidate slots: its tid's low bits, and a multiplicative
 * hash of it (so that neighbouring tids do not share both). */
static inline __u32 fl_waiter_slot(__u32 tid, __u32 probe)
{
	return (probe ? (__u32)(tid * 2654435761u) >> 22 : tid) & (FL_STALL_SLOTS - 1);
}

static inline __u32 fl_stall_slot_of_gl(__u64 gl)
{
	return (__u32)((gl >> 6) ^ (gl >> 16)) & (FL_STALL_SLOTS - 1);
}

#define FL_ASSERT_SIZE(t, n) _Static_assert(sizeof(t) == (n), #t " changed size: update both sides")
FL_ASSERT_SIZE(struct fl_hdr, 40);
FL_ASSERT_SIZE(struct fl_fs_key, 8);
FL_ASSERT_SIZE(struct fl_fs_counters, 64);
FL_ASSERT_SIZE(struct fl_lock_key, 8);
FL_ASSERT_SIZE(struct fl_lock_counters, 64);
FL_ASSERT_SIZE(struct fl_rec_dio, 112);
FL_ASSERT_SIZE(struct fl_rec_fault, 368);
FL_ASSERT_SIZE(struct fl_lock_id, 16);
FL_ASSERT_SIZE(struct fl_lock_range, 176);
FL_ASSERT_SIZE(struct fl_rec_lock, 568);
FL_ASSERT_SIZE(struct fl_rec_fault_lock, 384);
FL_ASSERT_SIZE(struct fl_rec_fault_in, 80);
FL_ASSERT_SIZE(struct fl_rec_livelock, 424);
FL_ASSERT_SIZE(struct fl_hist_val, 528);
FL_ASSERT_SIZE(struct fl_waiter, 120);
FL_ASSERT_SIZE(struct fl_holder, 128);
FL_ASSERT_SIZE(struct fl_demote, 40);
FL_ASSERT_SIZE(struct fl_order_key, 32);
FL_ASSERT_SIZE(struct fl_order_edge, 200);
FL_ASSERT_SIZE(struct fl_order_side, 64);
FL_ASSERT_SIZE(struct fl_rec_order, 624);

#endif /* FAULTLOCK_ABI_H */
