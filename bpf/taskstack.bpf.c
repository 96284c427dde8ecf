// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The kernel stack of one task, for a lock_stall's holder: a task iterator
 * that writes the stack of the task whose tid user space put in stack_tid,
 * as raw addresses. The daemon creates the link while it still has its
 * capabilities; reading it later needs none, where /proc/PID/stack wants
 * CAP_SYS_ADMIN (which the daemon has dropped).
 */
#include "faultlock.bpf.h"

__u32 stack_tid = 0;	/* written by user space before each read */

SEC("iter/task")
int task_stack(struct bpf_iter__task *ctx)
{
	struct seq_file *seq = ctx->meta->seq;
	struct task_struct *task = ctx->task;
	__u64 ips[FL_MAX_STACK];
	long n;

	if (!task || !stack_tid || (__u32)task->pid != stack_tid)
		return 0;
	n = bpf_get_task_stack(task, ips, sizeof(ips), 0);
	/* bounded for verifiers that do not know the helper's range (5.10) */
	if (n <= 0 || n > (long)sizeof(ips))
		return 0;
	bpf_seq_write(seq, ips, n);
	return 0;
}
