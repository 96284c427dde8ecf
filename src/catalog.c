// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stddef.h>
#include <string.h>
#include "catalog.h"

#define TP(cat, ev, btf_prog) \
	{ .name = ev, .category = cat, .target = ev, .progs = { [FL_MODE_TP_BTF] = { btf_prog } } }
/* fentry/fexit and kprobe/kretprobe twins named <mode>_<stem>. Entry kprobes
 * go in after their kretprobe twins: on a shared probe point the newest
 * handler runs first, so ours then sees the stack before the kretprobe swaps
 * the return address for its trampoline (which would cut stacks short). */
#define FN_ENTRY(fn, mod, stem) \
	.name = fn, .target = fn, .module = mod, .entry_late = true, .progs = { \
		[FL_MODE_FENTRY] = { "fentry_" stem }, [FL_MODE_KPROBE] = { "kprobe_" stem } }
#define FN_BOTH(fn, mod, stem) \
	.name = fn, .target = fn, .module = mod, .needs_return = true, .entry_late = true, .progs = { \
		[FL_MODE_FENTRY] = { "fentry_" stem, "fexit_" stem }, \
		[FL_MODE_KPROBE] = { "kprobe_" stem, "kretprobe_" stem } }

/* btrfs's own tracepoints (module btrfs on Debian): no structure offsets,
 * only the record layouts, which tracefs confirms before they attach. */
#define BTRFS_TP(ev, prog, flds) .name = ev, .category = "btrfs", .target = ev, \
	.module = "btrfs", .scope = "btrfs", .fields = flds, \
	.progs = { [FL_MODE_TRACEPOINT] = { prog } }
#define EXTENT_BIT_FIELDS(bits) "owner@24 ino@32 rootid@40 start@48 len@56 " bits "@64"
#define ORDERED_FIELDS "ino@24 file_offset@32 len@48 root_objectid@88"

const struct fl_hook fl_hooks[FL_NR_HOOKS] = {
	[FL_HOOK_FORK] = TP("sched", "sched_process_fork", "handle_fork"),
	[FL_HOOK_EXIT] = TP("sched", "sched_process_exit", "handle_exit"),
	[FL_HOOK_FAULT_USER] = TP("exceptions", "page_fault_user", "handle_fault_user"),
	/* Without bpf_find_vma the callback cannot even load: a counting twin. */
	[FL_HOOK_FAULT_KERNEL] = { .name = "page_fault_kernel", .category = "exceptions",
		.target = "page_fault_kernel", .progs = { [FL_MODE_TP_BTF] = { "handle_fault_kernel" } },
		.prog_without_find_vma = "handle_fault_kernel_count" },
	/* The iomap tracepoints (6.5+), else the functions they sit in. */
	[FL_HOOK_DIO_BEGIN] = { .name = "iomap_dio_rw_begin", .category = "iomap",
		.target = "iomap_dio_rw_begin", .fn = "__iomap_dio_rw", .entry_late = true, .progs = {
		[FL_MODE_TP_BTF] = { "handle_dio_begin" },
		[FL_MODE_FENTRY] = { "fentry_dio_begin" },
		[FL_MODE_KPROBE] = { "kprobe_dio_begin" } } },
	[FL_HOOK_DIO_COMPLETE] = { .name = "iomap_dio_complete", .category = "iomap",
		.target = "iomap_dio_complete", .fn = "iomap_dio_complete", .needs_return = true,
		.entry_late = true, .progs = {
		[FL_MODE_TP_BTF] = { "handle_dio_complete" },
		[FL_MODE_FENTRY] = { "fentry_dio_complete", "fexit_dio_complete" },
		[FL_MODE_KPROBE] = { "kprobe_dio_complete", "kretprobe_dio_complete" } } },
	[FL_HOOK_GLOCK_QUEUE] = { .name = "gfs2_glock_queue", .category = "gfs2",
		.target = "gfs2_glock_queue", .module = "gfs2", .scope = "gfs2",
		.fields = "dev@8 glnum@16 gltype@24 queue@28 state@32",
		.progs = { [FL_MODE_TRACEPOINT] = { "handle_glock_queue" } } },
	/* Other nodes' requests (remote_demote, faultlock_glock_remote_demotes_total). */
	[FL_HOOK_GLOCK_DEMOTE_RQ] = { .name = "gfs2_demote_rq", .category = "gfs2",
		.target = "gfs2_demote_rq", .module = "gfs2", .scope = "gfs2",
		.fields = "dev@8 glnum@16 gltype@24 dmt_state@29 remote@40",
		.progs = { [FL_MODE_TRACEPOINT] = { "handle_demote_rq" } } },
	/* The DLM's replies (the wait histogram's remote label). */
	[FL_HOOK_GLOCK_LOCK_TIME] = { .name = "gfs2_glock_lock_time", .category = "gfs2",
		.target = "gfs2_glock_lock_time", .module = "gfs2", .scope = "gfs2",
		.fields = "dev@8 glnum@16 gltype@24",
		.progs = { [FL_MODE_TRACEPOINT] = { "handle_lock_time" } } },
	/* handle_mm_fault only matters while a lock is held. */
	[FL_HOOK_HANDLE_MM_FAULT] = { FN_BOTH("handle_mm_fault", NULL, "handle_mm_fault"),
		.scope = "gfs2,btrfs" },
	/* Acquire without release would leave every lock held forever. */
	[FL_HOOK_GLOCK_NQ] = { FN_BOTH("gfs2_glock_nq", "gfs2", "glock_nq"), .scope = "gfs2",
		.requires = "gfs2_glock_dq" },
	[FL_HOOK_GLOCK_DQ] = { FN_ENTRY("gfs2_glock_dq", "gfs2", "glock_dq"), .scope = "gfs2" },
	[FL_HOOK_FAULT_IN_READABLE] = { FN_BOTH("fault_in_readable", NULL, "fault_in_readable") },
	[FL_HOOK_FAULT_IN_WRITEABLE] = { FN_BOTH("fault_in_writeable", NULL, "fault_in_writeable") },
	[FL_HOOK_FAULT_IN_SAFE_WRITEABLE] = { FN_BOTH("fault_in_safe_writeable", NULL,
						      "fault_in_safe_writeable") },
	/* A range lock tracked without its unlocks would stay held forever. */
	[FL_HOOK_BTRFS_SET_EXTENT_BIT] = { BTRFS_TP("btrfs_set_extent_bit", "handle_btrfs_set_extent_bit",
		EXTENT_BIT_FIELDS("set_bits")), .requires = "btrfs_clear_extent_bit" },
	[FL_HOOK_BTRFS_CLEAR_EXTENT_BIT] = { BTRFS_TP("btrfs_clear_extent_bit",
		"handle_btrfs_clear_extent_bit", EXTENT_BIT_FIELDS("clear_bits")) },
	[FL_HOOK_BTRFS_ORDERED_ADD] = { BTRFS_TP("btrfs_ordered_extent_add", "handle_btrfs_ordered_add",
		ORDERED_FIELDS), .requires = "btrfs_ordered_extent_remove" },
	[FL_HOOK_BTRFS_ORDERED_REMOVE] = { BTRFS_TP("btrfs_ordered_extent_remove",
		"handle_btrfs_ordered_remove", ORDERED_FIELDS) },
	[FL_HOOK_BTRFS_ORDERED_START] = { BTRFS_TP("btrfs_ordered_extent_start", "handle_btrfs_ordered_start",
		ORDERED_FIELDS), .requires = "btrfs_ordered_extent_add" },
	/* An asynchronous direct I/O queued: its window ends (bpf/dio.bpf.c). */
	[FL_HOOK_DIO_QUEUED] = { .name = "iomap_dio_rw_queued", .category = "iomap",
		.target = "iomap_dio_rw_queued",
		.progs = { [FL_MODE_TP_BTF] = { "handle_dio_queued" } } },
};
const int fl_nr_hooks = FL_NR_HOOKS;

#define GLOCK_HOOKS "gfs2_glock_nq", "gfs2_glock_dq"
#define DIO_HOOKS "iomap_dio_rw_begin", "iomap_dio_complete"
#define FAULT_IN_HOOKS "fault_in_readable", "fault_in_safe_writeable"
/* btrfs range recursion: the lock, its unlock, the fault and the I/O window */
#define BTRFS_EXTENT_HOOKS "handle_mm_fault", "btrfs_set_extent_bit", "btrfs_clear_extent_bit", \
	"iomap_dio_rw_begin"
#define BTRFS_ORDERED_HOOKS "handle_mm_fault", "btrfs_ordered_extent_start", "iomap_dio_rw_begin"
#define REC(t, rtype) .rec = t, .rec_size = sizeof(struct rtype)
#define STACK(rtype) .nr_stack_off = offsetof(struct rtype, nr_stack)

const struct fl_event_type fl_event_types[] = {
	{ .type = "recursive_lock", .severity = FL_SEV_ERROR,
	  REC(FL_REC_RECURSIVE_LOCK, fl_rec_lock), STACK(fl_rec_lock),
	  .needs = { { GLOCK_HOOKS }, { BTRFS_EXTENT_HOOKS }, { BTRFS_ORDERED_HOOKS } },
	  .metric = "faultlock_recursive_lock_total" },
	{ .type = "lock_stall", .severity = FL_SEV_WARNING,
	  .needs = { { GLOCK_HOOKS }, { "btrfs_set_extent_bit", "btrfs_clear_extent_bit" } }, .metric = "faultlock_lock_stalls_total" },
	/* warning; info where the modes are compatible on one of the locks */
	{ .type = "lock_order", .severity = FL_SEV_WARNING,
	  REC(FL_REC_LOCK_ORDER, fl_rec_order), STACK(fl_rec_order),
	  .needs = { { GLOCK_HOOKS }, { BTRFS_EXTENT_HOOKS } }, .metric = "faultlock_lock_order_total" },
	/* the holder's side of another node's wait, found in user space */
	{ .type = "remote_demote", .severity = FL_SEV_WARNING,
	  .needs = { { GLOCK_HOOKS, "gfs2_demote_rq" } }, .metric = "faultlock_remote_demote_stalls_total" },
	/* a cycle of lock_stall waits, found in user space */
	{ .type = "deadlock", .severity = FL_SEV_ERROR,
	  .needs = { { GLOCK_HOOKS }, { "btrfs_set_extent_bit", "btrfs_clear_extent_bit" } },
	  .metric = "faultlock_deadlocks_total" },
	{ .type = "fault_under_lock", .severity = FL_SEV_WARNING,
	  REC(FL_REC_FAULT_UNDER_LOCK, fl_rec_fault_lock), STACK(fl_rec_fault_lock),
	  .needs = { { "handle_mm_fault", GLOCK_HOOKS } }, .metric = "faultlock_fault_under_lock_total" },
	{ .type = "dio_partial", .severity = FL_SEV_INFO, REC(FL_REC_DIO_PARTIAL, fl_rec_dio),
	  .needs = { { DIO_HOOKS } }, .metric = "faultlock_dio_partial_total" },
	{ .type = "dio_retry", .severity = FL_SEV_INFO, REC(FL_REC_DIO_RETRY, fl_rec_dio),
	  .needs = { { DIO_HOOKS } }, .metric = "faultlock_dio_retries_total" },
	{ .type = "fault_in", .severity = FL_SEV_INFO, REC(FL_REC_FAULT_IN, fl_rec_fault_in),
	  .needs = { { FAULT_IN_HOOKS } }, .metric = "faultlock_fault_in_calls_total" },
	{ .type = "same_file_fault", .severity = FL_SEV_INFO,
	  REC(FL_REC_SAME_FILE_FAULT, fl_rec_fault), STACK(fl_rec_fault),
	  .needs = { { "page_fault_kernel", DIO_HOOKS } }, .needs_find_vma = true,
	  .metric = "faultlock_same_file_fault_total" },
	/* Seen in the fault_in_* cycle, or in iomap DIO retries that make no progress. */
	{ .type = "retry_livelock", .severity = FL_SEV_WARNING,
	  REC(FL_REC_RETRY_LIVELOCK, fl_rec_livelock), STACK(fl_rec_livelock),
	  .needs = { { FAULT_IN_HOOKS }, { DIO_HOOKS } }, .metric = "faultlock_retry_livelocks_total" },
	{ .type = "lost", .severity = FL_SEV_WARNING, .metric = "faultlock_events_lost_total" },
};
const int fl_nr_event_types = sizeof(fl_event_types) / sizeof(fl_event_types[0]);

#define COUNTER(k, cnt, ev) { .key = k, .src = FL_SRC_COUNTER, .counter = cnt, .event = ev }
const struct fl_summary_count fl_summary_counts[] = {
	/* glocks: known where gfs2's acquire and release hooks are */
	{ .key = "lock_acquisitions", .src = FL_SRC_COUNTER, .counter = FL_CNT_LOCK_ACQUISITIONS,
	  .hook = "gfs2_glock_nq" },	/* which attaches only with gfs2_glock_dq */
	COUNTER("recursive_lock", FL_CNT_RECURSIVE_LOCK, "recursive_lock"),
	COUNTER("fault_under_lock", FL_CNT_FAULT_UNDER_LOCK, "fault_under_lock"),
	{ .key = "lock_stall", .src = FL_SRC_LOCK_STALLS, .event = "lock_stall" },
	COUNTER("lock_order", FL_CNT_LOCK_ORDER, "lock_order"),
	{ .key = "deadlock", .src = FL_SRC_DEADLOCKS, .event = "deadlock" },
	{ .key = "remote_demote", .src = FL_SRC_REMOTE_DEMOTES, .event = "remote_demote" },
	COUNTER("retry_livelock", FL_CNT_RETRY_LIVELOCK, "retry_livelock"),
	{ .key = "faults", .src = FL_SRC_COUNTER, .counter = FL_CNT_FAULTS, .hook = "page_fault_kernel" },
	COUNTER("dio_calls", FL_CNT_DIO_CALLS, "dio_retry"),
	COUNTER("dio_partial", FL_CNT_DIO_PARTIAL, "dio_partial"),
	COUNTER("dio_eof_short", FL_CNT_DIO_EOF_SHORT, "dio_partial"),
	COUNTER("dio_retries", FL_CNT_DIO_RETRIES, "dio_retry"),
	COUNTER("dio_retry_bytes", FL_CNT_DIO_RETRY_BYTES, "dio_retry"),
	COUNTER("fault_in_calls", FL_CNT_FAULT_IN_CALLS, "fault_in"),
	COUNTER("fault_in_short", FL_CNT_FAULT_IN_SHORT, "fault_in"),
	COUNTER("same_file_fault", FL_CNT_SAME_FILE_FAULT, "same_file_fault"),
	{ .key = "lost_events", .src = FL_SRC_LOST },
};
const int fl_nr_summary_counts = sizeof(fl_summary_counts) / sizeof(fl_summary_counts[0]);
_Static_assert(sizeof(fl_summary_counts) / sizeof(fl_summary_counts[0]) <= FL_MAX_COUNTS, "raise FL_MAX_COUNTS");

const struct fl_lost_reason fl_lost_reasons[] = {
	{ FL_CNT_LOST_RINGBUF, "ringbuf_full" },
	{ FL_CNT_LOST_TASKMAP, "task_map_full" },
	{ FL_CNT_LOST_FSMAP, "fs_map_full" },
	{ FL_CNT_LOST_LOCKMAP, "lock_map_full" },
	{ FL_CNT_LOST_VMA, "vma_lookup_busy" },
	{ FL_CNT_LOST_HELD, "held_set_full" },
	{ FL_CNT_LOST_STALL_SLOT, "stall_slot_busy" },
	{ FL_CNT_LOST_RELEASE, "release_missed" },
	{ FL_CNT_UNVERIFIED, "unverified_recursion" },
	{ FL_CNT_LOST_RETURN, "return_missed" },
	{ FL_CNT_LOST_RECURSION, "bpf_recursion" },
	{ FL_CNT_LOST_ORDER_EDGE, "order_edge_refused" },
	{ FL_CNT_ORDER_EVICTED, "order_edge_evicted" },
};
const int fl_nr_lost_reasons = sizeof(fl_lost_reasons) / sizeof(fl_lost_reasons[0]);

static const char *const mode_names[FL_MODE_MAX] = {
	[FL_MODE_NONE] = "-",
	[FL_MODE_TRACEPOINT] = "tracepoint",
	[FL_MODE_TP_BTF] = "tp_btf",
	[FL_MODE_FENTRY] = "fentry",
	[FL_MODE_KPROBE] = "kprobe",
};

const char *fl_mode_name(enum fl_mode mode)
{
	return mode < FL_MODE_MAX ? mode_names[mode] : "?";
}

bool fl_event_type_available(const struct fl_event_type *et, const struct fl_hook_state *states,
			     bool have_find_vma)
{
	if (et->needs_find_vma && !have_find_vma)
		return false;
	if (!et->needs[0][0])
		return true;
	for (int set = 0; set < FL_NEEDS_SETS && et->needs[set][0]; set++) {
		bool all = true;

		for (int i = 0; i < FL_NEEDS_HOOKS && et->needs[set][i]; i++) {
			int h = fl_hook_index(et->needs[set][i]);

			all &= h >= 0 && states[h].mode != FL_MODE_NONE;
		}
		if (all)
			return true;
	}
	return false;
}

static const char *const sev_names[FL_SEV_MAX] = { "error", "warning", "info" };

const char *fl_severity_name(enum fl_severity sev)
{
	return sev < FL_SEV_MAX ? sev_names[sev] : "?";
}

int fl_hook_index(const char *name)
{
	for (int i = 0; i < fl_nr_hooks; i++)
		if (!strcmp(fl_hooks[i].name, name))
			return i;
	return -1;
}

const struct fl_event_type *fl_event_type_by_name(const char *type)
{
	for (int i = 0; i < fl_nr_event_types; i++)
		if (!strcmp(fl_event_types[i].type, type))
			return &fl_event_types[i];
	return NULL;
}

const struct fl_event_type *fl_event_type_by_rec(int rec)
{
	for (int i = 0; rec > 0 && i < fl_nr_event_types; i++)
		if (fl_event_types[i].rec == rec)
			return &fl_event_types[i];
	return NULL;
}
