/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * deadlock: a cycle in the wait-for graph of lock waits, found in the same
 * waiter and holder slots the lock_stall scan reads. Task A waits on a glock
 * that task B holds in a conflicting mode, or on a btrfs extent range B
 * holds part of, B on one A holds (or through more tasks): none of them can
 * go on. Before it is reported as an error the kernel must show it at that
 * moment: gfs2's glock dump (debugfs gfs2/<fs>/glocks) every glock wait and
 * hold of the cycle, each btrfs waiter's kernel stack its extent wait (and
 * no holder record may have been lost in the run); where that cannot be
 * read the cycle is reported as a warning, marked unverified. Pure over the
 * slot arrays, a dump file and a stack reader, so it is unit-tested on
 * crafted ones.
 */
#ifndef FL_DEADLOCK_H
#define FL_DEADLOCK_H

#include <stdbool.h>
#include <stdint.h>
#include "faultlock_abi.h"
#include "stall.h"

#define FL_DEADLOCK_MAX 8	/* tasks in one cycle, at most */
#define FL_DEADLOCK_REMEMBER 64	/* cycles remembered as reported */

/* Task i waits for w.id, which task i+1 (the next link, cyclically) holds as h. */
struct fl_deadlock_link {
	struct fl_waiter w;
	struct fl_holder h;
	int nr_frames;			/* task i's kernel stack, now */
	char frames[FL_STALL_FRAMES][128];
	char wait_frame[128];		/* btrfs: who asked for the range (from the stack) */
};

enum fl_deadlock_check {
	FL_DL_VERIFIED = 1,		/* the kernel's glock dump shows every wait and hold */
	FL_DL_UNVERIFIED = 0,		/* no dump could be read: reported as a warning */
	FL_DL_CONTRADICTED = -1,	/* the dump disagrees (a wait ended, a hold is gone) */
};

struct fl_deadlock {
	uint64_t now;
	int n;				/* tasks in the cycle */
	struct fl_deadlock_link links[FL_DEADLOCK_MAX];
	enum fl_deadlock_check check;
	char why[160];			/* unverified: why */
	bool glocks, ranges;		/* links of each provider in the cycle */
	uint32_t btrfs_dev;		/* btrfs: the mount's dev (0: not found) */
	char btrfs_mnt[256];
};

struct fl_deadlock_finder {
	const volatile struct fl_waiter *waiters;	/* FL_STALL_SLOTS */
	const volatile struct fl_holder *holders;	/* FL_STALL_SLOTS * FL_STALL_WAYS */
	uint64_t threshold_ns;		/* waits shorter than this are not looked at */
	const char *dump_glob;		/* gfs2's glock dumps: "/sys/kernel/debug/gfs2/x/glocks" */
	uint64_t reported[FL_DEADLOCK_REMEMBER];	/* cycles (their key) already reported */
	int next_reported;
	uint64_t found, unverified, contradicted;
	uint64_t verify_after;		/* no dump read before (backoff after a contradiction) */
	fl_stack_reader read_stack;	/* NULL: /proc only */
	void *read_stack_arg;
	/* slot records lost so far (stall_slot_busy); NULL: none known lost */
	uint64_t (*lost_slots)(void *arg);
	void *lost_slots_arg;
};

void fl_deadlock_init(struct fl_deadlock_finder *f, const volatile struct fl_waiter *waiters,
		      const volatile struct fl_holder *holders, uint64_t threshold_ns);

/*
 * Finds the cycles among the waits older than the threshold at `now`, checks
 * each against the glock dumps and calls cb once per cycle (contradicted
 * ones are not reported, and looked at again on the next scan). Frames are
 * not filled (fl_deadlock_report reads them). Returns the number reported.
 */
int fl_deadlock_scan(struct fl_deadlock_finder *f, uint64_t now,
		     void (*cb)(struct fl_deadlock *d, void *arg), void *arg);

/* Checks one cycle's glock links against the dump files matching glob (a
 * test passes its own); a cycle without glocks passes. */
enum fl_deadlock_check fl_deadlock_verify(const struct fl_deadlock *d, const char *glob,
					  char *why, size_t len);

struct fl_output;
/* fl_deadlock_scan, printing each finding to o with every task's stack. */
int fl_deadlock_report(struct fl_deadlock_finder *f, uint64_t now, struct fl_output *o);

#endif
