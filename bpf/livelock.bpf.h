/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * retry_livelock: the fix for faults under filesystem locks copies with page
 * faults disabled, drops the lock, faults the pages in and retries. When
 * something undoes the fault-in before every retry (gfs2 fiemap's sync
 * writeback write-protecting the page again, 6.1 .. 6.12) the cycle never
 * ends. Each fault-in that completes, and each DIO call that resumes at the
 * same done_before, is one iteration of a cycle kept in per-task state
 * (struct fl_retry): no record per iteration, one when the count reaches
 * livelock_count, one each time it doubles (so user space can show how far
 * it went), one when it ends. A normal retry (2-3 rounds) never gets there.
 */
#ifndef FAULTLOCK_LIVELOCK_BPF_H
#define FAULTLOCK_LIVELOCK_BPF_H

#include "faultlock.bpf.h"

/* A gap this long between two iterations is not a loop in the kernel. */
#define FL_RETRY_GAP_NS 1000000000ULL

struct vma_file {
	__u64 addr;
	__u64 ino;
	__u64 sb;
	__u32 dev;
};

static long vma_file_cb(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_file *vf = data;
	struct file *file = BPF_CORE_READ(vma, vm_file);
	struct super_block *sb;
	struct inode *inode;

	if (!file)
		return 0;
	inode = BPF_CORE_READ(file, f_inode);
	sb = BPF_CORE_READ(inode, i_sb);
	vf->ino = BPF_CORE_READ(inode, i_ino);
	vf->sb = (__u64)sb;
	vf->dev = BPF_CORE_READ(sb, s_dev);
	return 0;
}

/* The system call the task is in (x86-64 numbering) and its second argument. */
static __always_inline void current_syscall(struct task_struct *task, struct fl_rec_livelock *r)
{
	r->syscall_nr = -1;
	if (!have_task_btf || !bpf_core_enum_value_exists(enum bpf_func_id, BPF_FUNC_task_pt_regs))
		return;
	{
		struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(task);

		r->syscall_nr = BPF_CORE_READ(regs, orig_ax);
		r->syscall_arg1 = BPF_CORE_READ(regs, si);
	}
}

/*
 * vma_lookup must be a compile-time constant: bpf_find_vma's callback is a
 * subprogram that kernels before 5.13 cannot load at all, so only the
 * fault_in programs (absent there) may contain the call.
 */
static __always_inline void retry_emit(void *ctx, struct fl_task *t, struct fl_retry *e,
				       __u32 phase, __u32 end_reason, const bool vma_lookup)
{
	struct task_struct *task = current_task();
	struct fl_rec_livelock *r = record_reserve(sizeof(*r), FL_REC_RETRY_LIVELOCK);
	long n;

	if (!r)
		return;
	r->phase = phase;
	r->kind = e->kind;
	r->iterations = e->iters;
	r->first_ts = e->first_ts;
	r->end_reason = end_reason;
	r->lock = e->lock;
	r->lock_acqs = e->lock_acqs;
	r->nr_held = t->nr_held;
	r->nr_stack = 0;
	r->fstype[0] = '\0';
	r->ino = 0;
	r->dev = 0;
	r->syscall_arg1 = 0;
	current_syscall(task, r);
	if (e->kind == FL_LL_DIO) {
		r->addr = t->dio_pos;
		r->size = t->dio_count;
		r->done_before = e->key2;
		r->ino = t->dio_ino;
		r->dev = t->dio_dev;
		sb_fstype(r->fstype, (struct super_block *)t->dio_sb);
	} else {
		r->addr = e->key;
		r->size = e->key2;
		r->done_before = 0;
		/* The file mapped at the range (the same file, in the known cases). */
		if (vma_lookup && use_find_vma && have_task_btf) {
			struct vma_file vf = { .addr = e->key };

			if (bpf_find_vma(task, e->key, vma_file_cb, &vf, 0) == -EBUSY)
				counter_add(FL_CNT_LOST_VMA, 1);
			if (vf.sb) {
				r->ino = vf.ino;
				r->dev = vf.dev;
				sb_fstype(r->fstype, (struct super_block *)vf.sb);
			}
		}
	}
	if (phase == FL_LL_BEGIN) {
		n = bpf_get_stack(ctx, r->stack, sizeof(r->stack), 0);
		if (n > 0)
			r->nr_stack = n / sizeof(__u64);
	}
	bpf_ringbuf_submit(r, 0);
}

/* The episode in slot e ended for `reason`: its END record, then idle. */
static __always_inline void retry_end(void *ctx, struct fl_task *t, struct fl_retry *e, __u32 reason)
{
	if (e->reported)
		retry_emit(ctx, t, e, FL_LL_END, reason, false);
	e->iters = 0;
	e->reported = 0;
}

/*
 * One iteration of a retry cycle: the same (key, key2) in the same system
 * call shortly after the last one extends the episode; anything else starts
 * a new one (ending the old).
 */
static __always_inline void retry_step(void *ctx, struct fl_task *t, __u32 slot, __u32 kind,
				       __u64 key, __u64 key2)
{
	struct fl_retry *e = &t->retry[slot & (FL_RETRY_SLOTS - 1)];
	__u64 now = bpf_ktime_get_ns();
	__u64 gen = syscall_gen(current_task());

	if (e->iters && e->kind == kind && e->key == key && e->key2 == key2 && e->gen == gen &&
	    now - e->last_ts < FL_RETRY_GAP_NS) {
		e->iters++;
	} else {
		if (e->iters)
			retry_end(ctx, t, e, now - e->last_ts < FL_RETRY_GAP_NS ?
				  FL_LL_END_CHANGED : FL_LL_END_IDLE);
		e->kind = kind;
		e->key = key;
		e->key2 = key2;
		e->gen = gen;
		e->first_ts = now;
		e->iters = 1;
		e->lock_acqs = 0;
		__builtin_memset(&e->lock, 0, sizeof(e->lock));
		e->next_report = livelock_count;
	}
	e->last_ts = now;
	if (e->iters < e->next_report)
		return;
	if (!e->reported) {
		counter_add(FL_CNT_RETRY_LIVELOCK, 1);
		counter_add(FL_CNT_RETRY_LIVELOCK_KIND + (kind & 3), 1);
		retry_emit(ctx, t, e, FL_LL_BEGIN, 0, slot == FL_RETRY_FAULT_IN);
		e->reported = 1;
	} else {
		retry_emit(ctx, t, e, FL_LL_UPDATE, 0, false);
	}
	e->next_report = e->iters * 2;
}

/* Back in user space, or gone: every watched cycle is over. */
static __always_inline void retry_end_all(void *ctx, struct fl_task *t, __u32 reason)
{
	/* Unrolled: 5.10's verifier refuses a loop closed by a fall-through. */
#pragma unroll
	for (int i = 0; i < FL_RETRY_SLOTS; i++)
		if (t->retry[i].iters)
			retry_end(ctx, t, &t->retry[i], reason);
}

/* A glock granted while a cycle runs: the lock it takes between iterations. */
static __always_inline void retry_note_lock(struct fl_task *t, const struct fl_lock_id *id)
{
#pragma unroll
	for (int i = 0; i < FL_RETRY_SLOTS; i++) {
		if (!t->retry[i].iters)
			continue;
		t->retry[i].lock = *id;
		t->retry[i].lock_acqs++;
	}
}

#endif /* FAULTLOCK_LIVELOCK_BPF_H */
