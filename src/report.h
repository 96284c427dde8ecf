/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Turning ring-buffer records and kernel counters into what users read:
 * one line per event (text or JSON lines) and the final summary.
 * Pure functions over buffers, so they are unit-tested and fuzzed alone.
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "faultlock_abi.h"
#include "hooks.h"
#include "stall.h"
#include "livelock.h"
#include "taskstate.h"

struct fl_agg;

struct fl_ksyms;

enum fl_severity { FL_SEV_ERROR, FL_SEV_WARNING, FL_SEV_INFO, FL_SEV_MAX };

/* Validates a raw record: its type, or -EINVAL if malformed or truncated. */
int fl_record_type(const void *data, size_t size);
const char *fl_record_type_name(int type);
enum fl_severity fl_record_severity(int type);
const char *fl_severity_name(enum fl_severity sev);

struct fl_fs_row {
	uint32_t dev;
	uint32_t op;
	char fstype[FL_FSTYPE_LEN];
	uint64_t dio_calls, partial_short, partial_efault, retries, retry_bytes, same_file_fault;
};

#define FL_MAX_FS_ROWS 256

struct fl_lock_row {
	uint32_t dev;
	uint32_t lock;			/* enum fl_lock_kind */
	char fstype[FL_FSTYPE_LEN];
	uint64_t acquisitions, recursive;
	uint64_t fault_under_lock[FL_PROT_MAX];	/* by enum fl_protection */
};

#define FL_MAX_LOCK_ROWS 256

/* Everything the summary reports; counters come from kernel maps. */
struct fl_summary {
	uint64_t counters[FL_CNT_MAX];
	struct fl_fs_row fs[FL_MAX_FS_ROWS];
	int nr_fs;
	struct fl_lock_row locks[FL_MAX_LOCK_ROWS];
	int nr_locks;
	struct fl_hist_val hists[FL_HIST_MAX];	/* per-CPU values summed */
	const char *target;		/* "fl-mmapio", "pid 42", "all tasks" */
	bool have_child;
	int child_status;		/* waitpid status */
	double duration_s;
	uint64_t lock_stalls;			/* lock_stall findings (user space) */
	const struct fl_livelocks *livelocks;	/* episodes by fstype (the daemon's metric) */
	/* A target that did not exit when told to (trace's hang report). */
	bool child_alive;
	int nr_child_state;
	const struct fl_thread_state *child_state;
	const struct fl_hook_state *hooks;	/* fl_nr_hooks entries, may be NULL */
	bool find_vma;				/* the kernel has bpf_find_vma */
};

struct fl_output {
	FILE *f;
	bool json;
	bool stacks;
	uint64_t start_ts;		/* text timestamps are relative to it */
	struct fl_ksyms *ksyms;		/* NULL: addresses printed raw */
	uint64_t findings[FL_SEV_MAX];	/* events printed, by severity */
	uint64_t malformed;		/* records rejected by fl_record_type */
	struct fl_agg *agg;		/* info events folded per site and second; NULL: every one */
	uint64_t line_count;		/* events the line being printed stands for (0: 1) */
	struct fl_livelocks livelocks;	/* retry_livelock episodes seen */
};

/* Output bounded by o->agg: emits held info events whose second is over. */
void fl_output_flush(struct fl_output *o, uint64_t now);
/* Sets o->agg to a 1 s aggregator printing to o; -ENOMEM. */
int fl_output_aggregate(struct fl_output *o);

/* Prints one record; returns its type or -EINVAL (counted, nothing printed). */
int fl_output_record(struct fl_output *o, const void *data, size_t size);
/* Prints a lock_stall finding (counted as a warning). */
void fl_output_stall(struct fl_output *o, const struct fl_stall *st);
/* Prints a `lost` event if the counters show drops. */
void fl_output_lost(struct fl_output *o, const struct fl_summary *s, uint64_t ts);
void fl_output_summary(struct fl_output *o, const struct fl_summary *s);
/* The drop counters and their names (`lost` event, events_lost_total{reason}). */
struct fl_lost_reason {
	enum fl_counter idx;
	const char *reason;
};
extern const struct fl_lost_reason fl_lost_reasons[];
extern const int fl_nr_lost_reasons;
/* Sum of the drop counters. */
uint64_t fl_summary_lost(const struct fl_summary *s);
/* Names shared by events and metrics: "readable"/"writeable"/"safe_writeable",
 * and a fault_under_lock's protection, "may_demote" or "none". */
const char *fl_fault_in_kind_name(uint32_t kind);
const char *fl_protection_name(uint32_t prot);
/* Formats a kernel dev_t as MAJ:MIN. */
void fl_format_dev(uint32_t dev, char *buf, size_t len);

#endif
