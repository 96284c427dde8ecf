// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * handle_mm_fault on a file mapping while the task holds a glock
 * (fault_under_lock). It also
 * sees get_user_pages faults (regs == NULL), which the exceptions
 * tracepoints never do. Tasks holding nothing return after one lookup.
 */
#include "gfs2.bpf.h"

/* The fault is nested in whatever the task holds: the lock providers look. */
static __always_inline void fault_note(struct fl_task *t, struct file *file, __u64 addr)
{
	struct inode *inode = BPF_CORE_READ(file, f_inode);
	struct super_block *sb = BPF_CORE_READ(inode, i_sb);

	t->in_fault++;
	t->fault_addr = addr;
	t->fault_ino = BPF_CORE_READ(inode, i_ino);
	t->fault_dev = BPF_CORE_READ(sb, s_dev);
	sb_fstype(t->fault_fstype, sb);
}

static __always_inline int on_fault_entry(void *ctx, struct vm_area_struct *vma, __u64 addr,
					  __u32 flags, __u64 regs)
{
	struct fl_rec_fault_lock *r;
	struct fl_lock_counters *lc;
	struct fl_task *t;
	struct fl_held *h;
	struct file *file;
	__u32 prot;
	long n;

	if (!nr_open)		/* nobody holds anything: the gate, one load */
		return 0;
	t = current_lookup();
	if (!t || !(t->nr_held | t->ext.valid | t->ord.valid))
		return 0;
	/* Anonymous memory never calls into a file system: no lock to need. */
	file = BPF_CORE_READ(vma, vm_file);
	if (!file)
		return 0;
	h = held_top(t);
	if (!h) {		/* btrfs ranges only (btrfs.bpf.c reads in_fault) */
		fault_note(t, file, addr);
		return 0;
	}
	/* A release we did not see: the kernel no longer lists the holder. */
	if (!held_still_queued(h)) {
		held_drop(t, t->nr_held - 1);
		counter_add(FL_CNT_LOST_RELEASE, 1);
		if (t->ext.valid | t->ord.valid)
			fault_note(t, file, addr);
		gate_sync(t);
		return 0;
	}
	fault_note(t, file, addr);
	counter_add(FL_CNT_FAULT_UNDER_LOCK, 1);
	prot = rd64(h->gh + GH_IFLAGS) & (1UL << HIF_MAY_DEMOTE) ? FL_PROT_MAY_DEMOTE : FL_PROT_NONE;
	lc = glock_counters(h->id.dev, 0);
	if (lc)
		lc->fault_under_lock[prot & 1]++;

	r = record_reserve(sizeof(*r), FL_REC_FAULT_UNDER_LOCK);
	if (!r)
		return 0;
	r->lock = h->id;
	r->held_ip = h->ip;
	r->held_state = h->state;
	r->addr = addr;
	r->fault_ino = t->fault_ino;
	r->fault_dev = t->fault_dev;
	r->fault_flags = flags;
	r->gup = !regs;
	r->protection = prot;
	r->nr_held = t->nr_held;
	__builtin_memcpy(r->fault_fstype, t->fault_fstype, sizeof(r->fault_fstype));
	r->nr_stack = 0;
	if (capture_stacks) {
		n = bpf_get_stack(ctx, r->stack, sizeof(r->stack), 0);
		r->nr_stack = n > 0 ? n / sizeof(__u64) : 0;
	}
	bpf_ringbuf_submit(r, 0);
	return 0;
}

static __always_inline int on_fault_exit(void)
{
	struct fl_task *t;

	if (!nr_open)		/* a task in a fault it noted is open */
		return 0;
	t = current_lookup();
	if (!t || !t->in_fault)
		return 0;
	t->in_fault--;
	gate_sync(t);
	return 0;
}

SEC("fentry/handle_mm_fault")
int BPF_PROG(fentry_handle_mm_fault, struct vm_area_struct *vma, unsigned long address,
	     unsigned int flags, struct pt_regs *regs)
{
	return on_fault_entry(ctx, vma, address, flags, (__u64)regs);
}

SEC("fexit/handle_mm_fault")
int BPF_PROG(fexit_handle_mm_fault)
{
	return on_fault_exit();
}

SEC("kprobe/handle_mm_fault")
int BPF_KPROBE(kprobe_handle_mm_fault, struct vm_area_struct *vma, unsigned long address,
	       unsigned int flags, struct pt_regs *regs)
{
	return on_fault_entry(ctx, vma, address, flags, (__u64)regs);
}

SEC("kretprobe/handle_mm_fault")
int BPF_KRETPROBE(kretprobe_handle_mm_fault)
{
	return on_fault_exit();
}
