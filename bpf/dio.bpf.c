// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Direct I/O accounting: calls, partial results of nofault iterators, and
 * the retries that resume them (done_before > 0, or the next call on the
 * same file after a partial). One pair of handler bodies, three ways in:
 * the iomap tracepoints where the kernel has them, else fentry/fexit on
 * __iomap_dio_rw and iomap_dio_complete, else kprobes on the same two.
 * (__iomap_dio_rw, not iomap_dio_rw: btrfs writes call it directly.)
 * A call that never reaches iomap_dio_complete (nothing to do, an early
 * error, an asynchronous I/O queued) must not leave its window open: the
 * begin opens none for what iomap returns at once, the queued tracepoint
 * closes it, and dio_in_window() ends it with its system call.
 */
#include "faultlock.bpf.h"
#include "livelock.bpf.h"

/* 5.10's iov_iter: direction in bit 0 of `type` (WRITE = data source). */
struct iov_iter___510 {
	unsigned int type;
} __attribute__((preserve_access_index));

/* What a direct I/O's begin reads of its arguments. */
struct dio_args {
	struct inode *inode;
	struct super_block *sb;
	__u64 ino;
	__u32 dev;
	__u32 op;
	__s64 pos;
	__u64 count;
	__u32 nofault;
};

/*
 * tp_btf and fentry hand typed (BTF) pointers: plain loads, relocated by
 * CO-RE and fault-safe, with no helper call per field — the bulk of what a
 * traced direct I/O cost (docs/performance.md). A write's iterator is the
 * data source (IOCB_WRITE is no help: its bit moved between kernel versions
 * and is not in BTF).
 */
static __always_inline void dio_args_btf(struct dio_args *a, struct kiocb *iocb, struct iov_iter *iter)
{
	struct iov_iter___510 *old = (void *)iter;
	struct inode *inode = iocb->ki_filp->f_inode;
	struct super_block *sb = inode->i_sb;

	a->inode = inode;
	a->sb = sb;
	a->ino = inode->i_ino;
	a->dev = sb->s_dev;
	if (bpf_core_field_exists(iter->data_source))
		a->op = iter->data_source ? FL_OP_WRITE : FL_OP_READ;
	else
		a->op = old->type & 1 ? FL_OP_WRITE : FL_OP_READ;
	a->pos = iocb->ki_pos;
	a->count = iter->count;
	a->nofault = bpf_core_field_exists(iter->nofault) ? iter->nofault : 0;
}

/* kprobes see untyped registers: every field through bpf_probe_read (a
 * BPF_CORE_READ's source must be a kernel type's pointer, not a->field:
 * the macro would relocate dio_args itself). */
static __always_inline void dio_args_probe(struct dio_args *a, struct kiocb *iocb, struct iov_iter *iter)
{
	struct iov_iter___510 *old = (void *)iter;
	struct inode *inode = BPF_CORE_READ(iocb, ki_filp, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);

	a->inode = inode;
	a->sb = sb;
	a->ino = BPF_CORE_READ(inode, i_ino);
	a->dev = BPF_CORE_READ(sb, s_dev);
	if (bpf_core_field_exists(iter->data_source))
		a->op = BPF_CORE_READ(iter, data_source) ? FL_OP_WRITE : FL_OP_READ;
	else
		a->op = BPF_CORE_READ(old, type) & 1 ? FL_OP_WRITE : FL_OP_READ;
	a->pos = BPF_CORE_READ(iocb, ki_pos);
	a->count = BPF_CORE_READ(iter, count);
	a->nofault = bpf_core_field_exists(iter->nofault) ? BPF_CORE_READ(iter, nofault) : 0;
}

/* i_size: a plain load through a typed (BTF) pointer, else a CO-RE read. */
static __always_inline __s64 inode_size(struct inode *inode, const bool typed)
{
	if (typed)
		return inode->i_size;
	return BPF_CORE_READ(inode, i_size);
}

static __always_inline struct fl_fs_counters *fs_counters_get(__u32 dev, __u32 op,
							       struct super_block *sb)
{
	struct fl_fs_key key = { .dev = dev, .op = op };
	struct fl_fs_counters zero = {};

	return counters_get(&fs_counters, &key, &zero, zero.fstype, sb, FL_CNT_LOST_FSMAP);
}

static __always_inline void emit_dio(__u32 type, struct fl_task *t, __s64 ret, __u32 reason)
{
	struct fl_rec_dio *r = record_reserve(sizeof(*r), type);

	if (!r)
		return;
	r->dev = t->dio_dev;
	r->op = t->dio_op;
	r->ino = t->dio_ino;
	r->pos = t->dio_pos;
	r->count = t->dio_count;
	r->done_before = t->dio_done_before;
	r->ret = ret;
	r->reason = reason;
	r->nofault = t->dio_nofault;
	sb_fstype(r->fstype, (struct super_block *)t->dio_sb);
	bpf_ringbuf_submit(r, 0);
}

/*
 * __iomap_dio_rw's done_before: the 0-based argument user space read from
 * the BTF prototype (5 on 5.15.37+/5.16/5.17, 6 from 6.0), -1 without one.
 * Branches on it are pruned at load.
 */
const volatile int done_before_arg = -1;

static __always_inline struct fl_task *dio_begin(void *ctx, struct kiocb *iocb, struct iov_iter *iter,
					__u64 done_before, const bool typed)
{
	struct task_struct *task = current_task();
	struct fl_task *t = task_get_or_create_traced(task);
	struct fl_fs_counters *c;
	struct dio_args a;
	struct inode *inode;
	struct super_block *sb;
	__u32 retry = 0;
	__u64 gen;
	bool at_once;

	if (!t)
		return NULL;
	if (typed)	/* a constant at each call: one branch is compiled */
		dio_args_btf(&a, iocb, iter);
	else
		dio_args_probe(&a, iocb, iter);
	inode = a.inode;
	sb = a.sb;
	if (nr_fs_filter) {	/* pruned at load without --fs */
		char fstype[FL_FSTYPE_LEN];

		sb_fstype(fstype, sb);
		if (!fs_wanted(fstype))
			return NULL;
	}

	btrfs_forget(t);	/* ranges of an earlier call are not this one's */
	/*
	 * Nothing to transfer, or a read from end of file on (btrfs and gfs2
	 * make one after every short read): __iomap_dio_rw returns at once,
	 * without completion. Counted as a call; no window, resumes nothing.
	 */
	at_once = !a.count || (a.op == FL_OP_READ && a.pos >= inode_size(inode, typed));
	gen = syscall_gen(task);
	t->dio_iocb = at_once ? 0 : (__u64)iocb;
	t->dio_inode = at_once ? 0 : (__u64)inode;
	t->dio_gen = gen;
	t->dio_ino = a.ino;
	t->dio_dev = a.dev;
	t->dio_op = a.op;
	t->dio_pos = a.pos;
	t->dio_count = a.count;
	t->dio_done_before = done_before;
	t->dio_nofault = a.nofault;
	t->dio_sb = (__u64)sb;

	if (done_before && !at_once)
		retry |= FL_RETRY_DONE_BEFORE;
	if (t->partial_inode == (__u64)inode && t->partial_gen == gen && !at_once)
		retry |= FL_RETRY_AFTER_PARTIAL;
	t->partial_inode = 0;	/* only the next call can be its retry */

	counter_add(FL_CNT_DIO_CALLS, 1);
	c = fs_counters_get(t->dio_dev, t->dio_op, sb);
	if (c)
		c->dio_calls++;
	if (!retry) {
		if (t->retry[FL_RETRY_DIO].iters)
			retry_end(ctx, t, &t->retry[FL_RETRY_DIO], FL_LL_END_CHANGED);
		return t;
	}
	/* A retry resuming where the last one stopped is no progress. */
	retry_step(ctx, t, FL_RETRY_DIO, FL_LL_DIO, (__u64)inode, done_before);
	counter_add(FL_CNT_DIO_RETRIES, 1);
	counter_add(FL_CNT_DIO_RETRY_BYTES, done_before);
	if (c) {
		c->dio_retries++;
		c->dio_retry_bytes += done_before;
	}
	emit_dio(FL_REC_DIO_RETRY, t, 0, retry);
	return t;
}


static __always_inline int on_dio_begin(void *ctx, struct kiocb *iocb, struct iov_iter *iter,
					__u64 done_before, const bool typed)
{
	struct fl_task *t = dio_begin(ctx, iocb, iter, done_before, typed);

	if (t)
		dio_gate(t);
	return 0;
}

/*
 * Where a read's transfer ended: its position at begin (iocb->ki_pos, which
 * already counts the done_before bytes of earlier calls) plus what this
 * call added (`ret` includes done_before; 0 is 0 however much came before).
 */
static __always_inline __s64 dio_read_end(const struct fl_task *t, __s64 ret)
{
	__u64 done = t->dio_done_before;

	return t->dio_pos + ((__u64)ret > done ? (__u64)ret - done : 0);
}

/*
 * Synchronous completions run in the submitting task; an asynchronous one
 * may complete elsewhere and is then not matched (its iocb is not ours).
 * `ret` includes done_before.
 */
static __always_inline int on_dio_complete(struct kiocb *iocb, __s64 ret)
{
	struct fl_task *t = current_lookup();
	struct fl_fs_counters *c;
	struct inode *inode;
	struct fl_fs_key key;
	__u32 reason = 0;

	if (!t || t->dio_iocb != (__u64)iocb)
		return 0;
	if (t->dio_nofault) {
		if (ret == -EFAULT)
			reason = FL_PARTIAL_EFAULT;
		else if (ret >= 0 && (__u64)ret < t->dio_done_before + t->dio_count)
			reason = FL_PARTIAL_SHORT;
	}
	/* A read short because it reached end of file had nothing refused:
	 * not a partial, and no retry is owed. (The inode through a local:
	 * BPF_CORE_READ of t->dio_inode would relocate struct fl_task.) */
	inode = (struct inode *)t->dio_inode;
	if (reason == FL_PARTIAL_SHORT && t->dio_op == FL_OP_READ &&
	    dio_read_end(t, ret) >= BPF_CORE_READ(inode, i_size)) {
		counter_add(FL_CNT_DIO_EOF_SHORT, 1);
		reason = 0;
	}
	if (reason) {
		t->partial_inode = t->dio_inode;
		t->partial_gen = t->dio_gen;
		counter_add(FL_CNT_DIO_PARTIAL, 1);
		key.dev = t->dio_dev;
		key.op = t->dio_op;
		c = bpf_map_lookup_elem(&fs_counters, &key);
		if (c) {
			if (reason == FL_PARTIAL_EFAULT)
				c->dio_partial_efault++;
			else
				c->dio_partial_short++;
		}
		emit_dio(FL_REC_DIO_PARTIAL, t, ret, reason);
	}
	dio_end(t);	/* the task stays in nr_open (see dio_gate) */
	return 0;
}

/*
 * The function twins of iomap_dio_complete: it frees the dio before it
 * returns, so the entry marks the call as ours and the return, which must
 * not read the dio, finishes it.
 */
static __always_inline int on_complete_entry(struct iomap_dio *dio)
{
	struct fl_task *t = current_lookup();

	if (t && t->dio_iocb && t->dio_iocb == (__u64)BPF_CORE_READ(dio, iocb))
		t->dio_completing = 1;
	return 0;
}

static __always_inline int on_complete_return(__s64 ret)
{
	struct fl_task *t = current_lookup();

	if (!t || !t->dio_completing)
		return 0;
	t->dio_completing = 0;
	return on_dio_complete((struct kiocb *)t->dio_iocb, ret);
}

SEC("tp_btf/iomap_dio_rw_begin")
int BPF_PROG(handle_dio_begin, struct kiocb *iocb, struct iov_iter *iter,
	     unsigned int dio_flags, size_t done_before)
{
	return on_dio_begin(ctx, iocb, iter, done_before, true);
}

SEC("tp_btf/iomap_dio_complete")
int BPF_PROG(handle_dio_complete, struct kiocb *iocb, int error, ssize_t ret)
{
	return on_dio_complete(iocb, ret);
}

/*
 * -EIOCBQUEUED: the bios are in flight and the completion runs elsewhere, so
 * the submitter's window ends here (aio and io_uring end no read/write
 * system call). Without this tracepoint, a user-mode fault ends it, or the
 * end of a read/write system call (dio_in_window).
 */
SEC("tp_btf/iomap_dio_rw_queued")
int BPF_PROG(handle_dio_queued, struct inode *inode, loff_t offset, u64 length)
{
	struct fl_task *t = current_lookup();

	if (t && t->dio_iocb && t->dio_inode == (__u64)inode)
		dio_end(t);	/* the task stays in nr_open (see dio_gate) */
	return 0;
}

/*
 * fentry where the trampoline takes the arity: 5 arguments before 5.16;
 * 7 (done_before last) only where trampolines pass more than 6.
 */
SEC("fentry/__iomap_dio_rw")
int BPF_PROG(fentry_dio_begin, struct kiocb *iocb, struct iov_iter *iter)
{
	__u64 done_before = 0;

	/* Only the branch of this kernel's prototype survives the verifier. The
	 * loads are asm: clang would merge ctx[5] and ctx[6] into ctx[idx], a
	 * variable context offset the verifier refuses. */
	if (done_before_arg == 5)
		asm volatile("%0 = *(u64 *)(%1 + 40)" : "=r"(done_before) : "r"(ctx));
	else if (done_before_arg == 6)
		asm volatile("%0 = *(u64 *)(%1 + 48)" : "=r"(done_before) : "r"(ctx));
	return on_dio_begin(ctx, iocb, iter, done_before, true);
}

SEC("fentry/iomap_dio_complete")
int BPF_PROG(fentry_dio_complete, struct iomap_dio *dio)
{
	return on_complete_entry(dio);
}

SEC("fexit/iomap_dio_complete")
int BPF_PROG(fexit_dio_complete, struct iomap_dio *dio, ssize_t ret)
{
	return on_complete_return(ret);
}

/*
 * kprobe where the trampoline refuses 7 arguments (6.1). On x86-64 the
 * 6th argument is in r9 and the 7th on the stack, above the return address
 * the call pushed.
 */
SEC("kprobe/__iomap_dio_rw")
int BPF_KPROBE(kprobe_dio_begin, struct kiocb *iocb, struct iov_iter *iter)
{
	__u64 done_before = 0;

#if defined(__TARGET_ARCH_x86)
	if (done_before_arg == 5)	/* the 6th: the last register argument */
		done_before = BPF_CORE_READ(ctx, r9);
	else if (done_before_arg == 6)	/* the 7th: above the return address */
		bpf_probe_read_kernel(&done_before, sizeof(done_before),
				      (void *)(PT_REGS_SP(ctx) + sizeof(__u64)));
#else
	if (done_before_arg == 5)
		done_before = PT_REGS_PARM6(ctx);
	else if (done_before_arg == 6)
		done_before = PT_REGS_PARM7(ctx);	/* in a register elsewhere */
#endif
	return on_dio_begin(ctx, iocb, iter, done_before, false);
}

/* The return probe sees no arguments: the entry marks the call as ours. */
SEC("kprobe/iomap_dio_complete")
int BPF_KPROBE(kprobe_dio_complete, struct iomap_dio *dio)
{
	return on_complete_entry(dio);
}

SEC("kretprobe/iomap_dio_complete")
int BPF_KRETPROBE(kretprobe_dio_complete, ssize_t ret)
{
	return on_complete_return(ret);
}
