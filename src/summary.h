/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What the end-of-run summary reports: the kernel's counters and the run. */
#ifndef FL_SUMMARY_H
#define FL_SUMMARY_H

#include <stdbool.h>
#include <stdint.h>
#include "catalog.h"
#include "livelock.h"
#include "snapshot.h"
#include "taskstate.h"

struct fl_summary {
	const struct fl_snapshot *snap;		/* the kernel's counters at the end */
	const char *target;		/* "fl-mmapio (pid 42)", "pid 42", "all tasks" */
	bool have_child;
	int child_status;		/* waitpid status */
	double duration_s;
	uint64_t lock_stalls;			/* lock_stall findings (user space) */
	uint64_t lock_stalls_by[FL_LOCK_KINDS];	/* ... by provider (the metric) */
	uint64_t deadlocks;			/* deadlock findings (user space) */
	uint64_t remote_demotes;		/* remote_demote findings (user space) */
	const struct fl_livelocks *livelocks;	/* episodes by fstype (the daemon's metric) */
	/* A target that did not exit when told to (trace's hang report). */
	bool child_alive;
	int nr_child_state;
	const struct fl_thread_state *child_state;
	const struct fl_hook_state *hooks;	/* fl_nr_hooks entries, may be NULL */
	bool find_vma;				/* the kernel has bpf_find_vma */
};

struct fl_output;

/* Prints a `lost` event if the counters show drops. */
void fl_output_lost(struct fl_output *o, const struct fl_snapshot *s, uint64_t ts);
/* The summary, JSON or text as o says. */
void fl_output_summary(struct fl_output *o, const struct fl_summary *s);

#endif
