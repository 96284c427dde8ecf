/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The BPF lifecycle shared by `trace` and `daemon`:
 * probe → open → configure → load → attach → activate → read → destroy.
 */
#ifndef FL_LOADER_H
#define FL_LOADER_H

#include <stdbool.h>
#include <sys/types.h>
#include "resolve.h"
#include "options.h"
#include "kretprobe.h"
#include "snapshot.h"
#include "sysinfo.h"

struct faultlock_bpf;

struct fl_loader_opts {
	pid_t targ_tgid;	/* trace this process and its descendants ... */
	bool all;		/* ... or every task */
	bool stacks;		/* kernel stacks in findings */
	bool no_task_storage;	/* force the tid hash (tests) */
	bool task_stacks;	/* load the task-stack iterator (the daemon, whose /proc reads lose CAP_SYS_ADMIN) */
	struct fl_common_opts common;	/* --fs, --cgroup, --btf, --ringbuf-size, --stall-ms */
};

struct bpf_link;

#define FL_MAX_LATE_LINKS 16

struct fl_loader {
	struct fl_loader_opts opts;	/* as given to fl_loader__start */
	struct faultlock_bpf *skel;
	struct bpf_link *late_links[FL_MAX_LATE_LINKS];	/* entry kprobes, attached last */
	int nr_late_links;
	struct fl_kretprobe rets[FL_MAX_LATE_LINKS];	/* kretprobes, with maxactive */
	int nr_rets;
	struct fl_sysinfo si;
	bool mounted_tracefs;		/* tracefs was mounted by us: unmounted by destroy */
	struct fl_hook_state states[FL_MAX_HOOKS];
	/* lock_stall slots, mapped read-only once loaded (NULL if that failed) */
	const volatile struct fl_waiter *waiters;
	const volatile struct fl_holder *holders;
	const volatile struct fl_demote *demotes;	/* remote_demote slots */
	struct bpf_link *task_stack_link;	/* the task-stack iterator, NULL if not loaded */
};

/*
 * What every command does first: privileges, libbpf logging, kernel features
 * and the attach table (no BPF object yet). 0; -EPERM not privileged,
 * -EINVAL FAULTLOCK_HOOK_MODES malformed (each said in one line on stderr).
 */
int fl_loader__prepare(struct fl_loader *l);
/* Opens, configures, loads and attaches: 0, or a negative errno after one
 * line on stderr. */
int fl_loader__start(struct fl_loader *l, const struct fl_loader_opts *o);
struct fl_stall_scanner;
/* Readies s for lock_stall scans of this loader's slots; false when there is
 * nothing to scan (--stall-ms 0, no glock hooks, slots not mapped). */
bool fl_loader__stall_init(const struct fl_loader *l, struct fl_stall_scanner *s);
/* The kernel stack of task tid, symbolised with ks, through the task-stack
 * iterator (no capability needed): frames written, 0 when there is no
 * iterator or no such task. */
struct fl_ksyms;
int fl_loader__task_stack(const struct fl_loader *l, pid_t tid, const struct fl_ksyms *ks,
			  char frames[][128], int max);
/* Counting starts/stops (every program checks this flag first). */
struct fl_remote_scanner;
/* Readies s for remote_demote scans; false when there is nothing to scan
 * (--stall-ms 0, no glock or gfs2_demote_rq hook, slots not mapped). */
bool fl_loader__remote_init(const struct fl_loader *l, struct fl_remote_scanner *s);
void fl_loader__activate(struct fl_loader *l, bool on);
int fl_loader__events_fd(const struct fl_loader *l);
/* Sums the per-CPU kernel counters, fs and lock rows and histograms into s. */
int fl_loader__read_snapshot(const struct fl_loader *l, struct fl_snapshot *s);
/* One of the BPF counters (enum fl_counter), summed over the CPUs; -1 if
 * it cannot be read. */
int64_t fl_loader__counter(const struct fl_loader *l, unsigned idx);
/* A deadlock finder's lost_slots (arg: the loader): lock_stall slot records
 * lost so far; 1 if that cannot be read (then nothing is taken as certain). */
uint64_t fl_loader__stall_slots_lost(void *loader);
/* Detaches and frees everything; safe on a partly started loader. */
void fl_loader__destroy(struct fl_loader *l);

#endif
