/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * retry_livelock episodes as user space follows them from their records
 * (begin, doubling updates, end; see bpf/livelock.bpf.h): how far each has
 * gone, whether it still runs, and the count per (fstype, kind) that the
 * daemon exports. Pure, so it is unit-tested.
 */
#ifndef FL_LIVELOCK_H
#define FL_LIVELOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "faultlock_abi.h"

#define FL_MAX_LIVELOCKS	64	/* episodes listed in the summary */
#define FL_MAX_LIVELOCK_FS	32	/* (fstype, kind) rows */

struct fl_livelock_ep {
	uint32_t pid, tid;
	char comm[FL_COMM_LEN + 1];
	uint32_t kind;			/* enum fl_fault_in_kind or FL_LL_DIO */
	char fstype[FL_FSTYPE_LEN + 1];	/* "" if unknown */
	uint32_t dev;
	uint64_t ino;
	uint64_t addr, size;
	uint64_t first_ts, last_ts;	/* first iteration, latest record */
	uint64_t iterations;
	int64_t syscall_nr;
	uint64_t syscall_arg1;
	bool ended;
	uint32_t end_reason;		/* enum fl_livelock_end */
};

struct fl_livelock_fs_row {
	char fstype[FL_FSTYPE_LEN + 1];	/* "unknown" when no file was found */
	uint32_t kind;
	uint64_t count;
};

struct fl_livelocks {
	struct fl_livelock_ep ep[FL_MAX_LIVELOCKS];
	int nr;
	uint64_t untracked;		/* episodes the table had no room for */
	struct fl_livelock_fs_row fs[FL_MAX_LIVELOCK_FS];
	int nr_fs;
};

/* Applies one record; returns its episode, or NULL if untracked. */
struct fl_livelock_ep *fl_livelocks_apply(struct fl_livelocks *l, const struct fl_rec_livelock *r);
/* Episodes still running. */
int fl_livelocks_ongoing(const struct fl_livelocks *l);
/* "fault_in_safe_writeable", ..., "dio" */
const char *fl_livelock_kind_name(uint32_t kind);
/* "changed", "returned to user space", "exited", "idle" */
const char *fl_livelock_end_name(uint32_t reason);

#endif
