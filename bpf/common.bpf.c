// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/* Maps and globals shared by every program, and task lifetime tracking. */
#include "faultlock.bpf.h"
#include "livelock.bpf.h"

tasks_map_t tasks SEC(".maps");
counters_map_t counters SEC(".maps");
fs_counters_map_t fs_counters SEC(".maps");
lock_counters_map_t lock_counters SEC(".maps");
events_map_t events SEC(".maps");
hists_map_t hists SEC(".maps");
task_zero_map_t task_zero SEC(".maps");
cgroup_map_t cgroup_filter SEC(".maps");
waiters_map_t waiters SEC(".maps");
holders_map_t holders SEC(".maps");
demotes_map_t demotes SEC(".maps");
dlm_seq_map_t dlm_seq SEC(".maps");
btrfs_clears_map_t btrfs_clears SEC(".maps");
btrfs_ordered_map_t btrfs_ordered SEC(".maps");
order_edges_map_t order_edges SEC(".maps");
order_claims_map_t order_claims SEC(".maps");
order_scratch_map_t order_scratch SEC(".maps");

const volatile __u32 targ_tgid = 0;
const volatile bool trace_all = false;
const volatile bool use_task_storage = true;
const volatile bool use_find_vma = true;
const volatile bool capture_stacks = false;
const volatile bool have_task_btf = true;
const volatile bool filter_cgroup = false;
const volatile __u32 nr_fs_filter = 0;
const volatile __u32 livelock_count = 64;
const volatile char fs_filter[FL_MAX_FS_FILTER][FL_FSTYPE_LEN] = {};
const volatile bool layout_check = false;
volatile bool ready = false;
volatile __u32 layout_state = 0;
volatile __u32 nr_open = 0;
volatile __u32 nr_followed = 0;
volatile __u32 btrfs_ranges_live = 0;

char LICENSE[] SEC("license") = "Dual BSD/GPL";

/*
 * A child of a traced task is traced: follows CMD's whole process tree.
 * With -a (the daemon) every task is in scope anyway and gets its state at
 * its first lock or direct I/O: a fork then costs no allocation.
 */
SEC("tp_btf/sched_process_fork")
int BPF_PROG(handle_fork, struct task_struct *parent, struct task_struct *child)
{
	if (trace_all)
		return 0;
	if (!task_get_or_create_traced(parent))
		return 0;
	if (task_create_fresh(child) && (__u32)child->tgid != targ_tgid)
		__sync_fetch_and_add(&nr_followed, 1);	/* a descendant: see fault_gate_closed */
	return 0;
}

/*
 * A retry cycle still running ends with its task. Task storage is freed with
 * the task; the hash fallback must be cleaned.
 */
SEC("tp_btf/sched_process_exit")
int BPF_PROG(handle_exit, struct task_struct *task)
{
	struct fl_task *t;
	int tid;

	if (!ready)
		return 0;
	waiter_clear();		/* an exiting task waits for no lock */
	t = task_lookup(task);
	if (t && (t->retry[FL_RETRY_FAULT_IN].reported | t->retry[FL_RETRY_DIO].reported))
		retry_end_all(ctx, t, FL_LL_END_EXIT);
	if (t) {
		pending_reset(t);
		btrfs_forget(t);
		if (t->gated) {
			t->gated = 0;
			__sync_fetch_and_add(&nr_open, -1);
		}
		if (!trace_all && (__u32)BPF_CORE_READ(task, tgid) != targ_tgid)
			__sync_fetch_and_add(&nr_followed, -1);
	}
	if (use_task_storage)
		return 0;
	tid = BPF_CORE_READ(task, pid);
	bpf_map_delete_elem(&tasks, &tid);
	return 0;
}
