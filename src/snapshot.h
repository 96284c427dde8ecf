/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The kernel's counters at one moment, summed over CPUs: what the loader
 * reads (fl_loader__read_snapshot) and the summary and the exporter report.
 * Plain data; no libbpf.
 */
#ifndef FL_SNAPSHOT_H
#define FL_SNAPSHOT_H

#include <stdint.h>
#include "faultlock_abi.h"

/* Direct I/O per (device, op). */
struct fl_fs_row {
	uint32_t dev;
	uint32_t op;
	char fstype[FL_FSTYPE_LEN];
	uint64_t dio_calls, partial_short, partial_efault, retries, retry_bytes, same_file_fault;
};

#define FL_MAX_FS_ROWS 256

/* Locks per (device, lock kind). */
struct fl_lock_row {
	uint32_t dev;
	uint32_t lock;			/* enum fl_lock_kind */
	char fstype[FL_FSTYPE_LEN];
	uint64_t acquisitions, recursive, order, remote_demotes;
	uint64_t fault_under_lock[FL_PROT_MAX];	/* by enum fl_protection */
};

#define FL_MAX_LOCK_ROWS 256

struct fl_snapshot {
	uint64_t counters[FL_CNT_MAX];
	struct fl_fs_row fs[FL_MAX_FS_ROWS];
	int nr_fs;
	struct fl_lock_row locks[FL_MAX_LOCK_ROWS];
	int nr_locks;
	struct fl_hist_val hists[FL_HIST_MAX];
	uint64_t open_tasks;		/* nr_open: tasks the fault programs must look at now */
	uint64_t followed_tasks;	/* nr_followed: traced descendants alive */
};

/* Sum of the drop counters (catalogue's fl_lost_reasons). */
uint64_t fl_snapshot_lost(const struct fl_snapshot *s);
/* Partial results of a row, short and -EFAULT. */
uint64_t fl_fs_row_partial(const struct fl_fs_row *r);

#endif
