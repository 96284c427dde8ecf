// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Page faults through the x86 exceptions tracepoints: counts faults of
 * traced tasks and flags a fault on a mapping of the file the task is
 * doing direct I/O on (same_file_fault). These tracepoints fire for
 * hardware faults only: get_user_pages faults (DIO pinning the user
 * buffer) never pass here.
 */
#include "faultlock.bpf.h"
#include "livelock.bpf.h"

/*
 * What task->pagefault_disabled reads inside these tracepoints when page
 * faults are in fact enabled: some kernels (6.18) run tracepoint programs
 * with it raised. User-mode faults always run with faults enabled, so the
 * value they see is the baseline.
 */
static volatile int pf_base;
static volatile bool pf_base_known;

/*
 * Every fault of the system passes here: count it for the target, then go on
 * only for a task that has state (is in direct I/O). Never allocates. While
 * no task is open (fault_gate_closed) that is all a fault costs: a load or
 * two and the count.
 */
static __always_inline struct fl_task *fault_filter(struct task_struct **task)
{
	struct fl_task *t;

	if (fault_gate_closed())
		return NULL;
	*task = current_task();
	t = task_lookup(*task);
	if (t || current_in_scope())
		counter_add(FL_CNT_FAULTS, 1);
	return t;
}

struct vma_match {
	__u64 inode;
	__u64 addr;
	__u64 pgoff;
	bool matched;
};

static long match_vma(struct task_struct *task, struct vm_area_struct *vma, void *data)
{
	struct vma_match *m = data;
	struct file *file = BPF_CORE_READ(vma, vm_file);

	if (!file || (__u64)BPF_CORE_READ(file, f_inode) != m->inode)
		return 0;
	m->matched = true;
	m->pgoff = BPF_CORE_READ(vma, vm_pgoff) +
		   ((m->addr - BPF_CORE_READ(vma, vm_start)) >> 12);
	return 0;
}

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(handle_fault_kernel, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	struct task_struct *task = NULL;
	struct vma_match m = {};
	struct fl_rec_fault *r;
	struct fl_task *t;
	long err;

	t = fault_filter(&task);
	if (!t || !t->dio_inode || !use_find_vma || !have_task_btf)
		return 0;
	if (!dio_in_window(t, task))
		return 0;
	m.inode = t->dio_inode;
	m.addr = address;
	err = bpf_find_vma(task, address, match_vma, &m, 0);
	if (err == -EBUSY)
		counter_add(FL_CNT_LOST_VMA, 1);
	if (!m.matched)
		return 0;

	counter_add(FL_CNT_SAME_FILE_FAULT, 1);
	{
		struct fl_fs_key key = { .dev = t->dio_dev, .op = t->dio_op };
		struct fl_fs_counters *c = bpf_map_lookup_elem(&fs_counters, &key);

		if (c)
			c->same_file_fault++;
	}
	r = record_reserve(sizeof(*r), FL_REC_SAME_FILE_FAULT);
	if (!r)
		return 0;
	r->addr = address;
	r->ip = BPF_CORE_READ(regs, ip);
	r->error_code = error_code;
	r->ino = t->dio_ino;
	r->pgoff = m.pgoff;
	r->dev = t->dio_dev;
	r->op = t->dio_op;
	r->pagefault_disabled = pf_base_known ?
		BPF_CORE_READ(task, pagefault_disabled) > pf_base : FL_PFD_UNKNOWN;
	sb_fstype(r->fstype, (struct super_block *)t->dio_sb);
	r->nr_stack = 0;
	if (capture_stacks) {
		long n = bpf_get_stack(ctx, r->stack, sizeof(r->stack), 0);

		if (n > 0)
			r->nr_stack = n / sizeof(__u64);
	}
	bpf_ringbuf_submit(r, 0);
	return 0;
}

/*
 * The same without bpf_find_vma (before 5.17): the callback it needs cannot
 * even be loaded there, so this is a separate program, chosen by user space.
 */
SEC("tp_btf/page_fault_kernel")
int BPF_PROG(handle_fault_kernel_count, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	struct task_struct *task = NULL;

	fault_filter(&task);
	return 0;
}

/* A user-mode fault proves the task left any system call: no DIO is running. */
SEC("tp_btf/page_fault_user")
int BPF_PROG(handle_fault_user, unsigned long address, struct pt_regs *regs,
	     unsigned long error_code)
{
	struct task_struct *task = NULL;
	struct fl_task *t;

	/* Any task's user-mode fault will do: faults are enabled there. */
	if (!pf_base_known && ready) {
		pf_base = BPF_CORE_READ(current_task(), pagefault_disabled);
		pf_base_known = true;
	}
	t = fault_filter(&task);
	if (!t)
		return 0;
	dio_end(t);
	pending_reset(t);
	if (t->retry[FL_RETRY_FAULT_IN].iters | t->retry[FL_RETRY_DIO].iters)
		retry_end_all(ctx, t, FL_LL_END_USER);
	gate_sync(t);
	return 0;
}
