/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * lock_stall: a task that has waited on a glock longer than a threshold,
 * found by scanning the kernel's waiter and holder slots (mmapped arrays,
 * see struct fl_waiter in faultlock_abi.h) on a timer: the kernel sends no
 * event per wait, and a wait that never ends is exactly the one to see.
 * The scan is pure over the two arrays, so it is unit-tested on crafted ones.
 */
#ifndef FL_STALL_H
#define FL_STALL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>
#include "faultlock_abi.h"
#include "dlmview.h"

#define FL_STALL_FRAMES 32

/* One finding. */
struct fl_stall {
	uint64_t now;			/* when found (CLOCK_MONOTONIC ns, as `since`) */
	struct fl_waiter w;
	bool have_holder;		/* a holder of the glock is known ... */
	struct fl_holder h;		/* ... the one holding it longest */
	int nr_holders;			/* holders known */
	int nr_frames;			/* the holder's kernel stack, now */
	char frames[FL_STALL_FRAMES][128];
	/* No holder here: the DLM's view (lock_dlm), filled by the reporter. */
	bool have_dlm;			/* a granted DLM lock is known ... */
	struct fl_dlm_holder dlm;	/* ... this one (another node's first) */
	int our_node;			/* this node's DLM id, 0 unknown */
	char glock_flags[32];		/* gfs2's glock dump: the glock's f: now; "" unknown */
	/* btrfs_extent: where the waiter waits (its first frame outside the
	 * extent-lock plumbing), and the file system, filled by the reporter. */
	char wait_frame[128];
	uint32_t dev;			/* the mount's s_dev, 0 unknown */
	char mnt[256];			/* its mount point, "" unknown */
};

/* A task's state letter from /proc (R, S, D, ...), '?' if it is gone. */
typedef char (*fl_task_state_fn)(pid_t pid, pid_t tid);

/* Another way to read a task's kernel stack (the daemon's task iterator):
 * frames written, 0 to fall back to /proc. */
typedef int (*fl_stack_reader)(void *arg, pid_t pid, pid_t tid, char frames[][128], int max);

struct fl_stall_scanner {
	const volatile struct fl_waiter *waiters;	/* FL_STALL_SLOTS, written by BPF */
	const volatile struct fl_holder *holders;	/* FL_STALL_SLOTS * FL_STALL_WAYS */
	uint64_t threshold_ns;
	uint64_t reported[FL_STALL_SLOTS];	/* `since` of the wait reported per slot */
	uint64_t found;				/* findings so far */
	fl_stack_reader read_stack;		/* NULL: /proc only */
	void *read_stack_arg;
	const char *dlm_root;			/* the DLM's debugfs under it ("": this
						 * system); NULL: not asked (tests) */
	const char *dump_glob;			/* gfs2's glock dumps; NULL: not read */
	fl_task_state_fn task_state;		/* NULL: not asked (tests) */
	uint64_t not_blocked;			/* waits not reported: the task was not in D */
	uint64_t async_unknown;			/* GL_ASYNC waits no glock dump could confirm */
	uint64_t found_by[FL_LOCK_KINDS];	/* findings per provider */
	uint64_t range_freed;			/* btrfs waiter slots freed: not waiting */
	uint64_t range_unverified;		/* btrfs waits whose stack could not be read */
};

void fl_stall_init(struct fl_stall_scanner *s, const volatile struct fl_waiter *waiters,
		   const volatile struct fl_holder *holders, uint64_t threshold_ns);

/*
 * Reports each wait at most once, when it has lasted threshold_ns at `now`
 * and the kernel agrees it is one: the waiter is in D (task_state), and a
 * GL_ASYNC request (its gfs2_glock_nq returned at once) is still W in the
 * glock dump; a btrfs extent request (no return to see) has an extent wait
 * in its kernel stack, and its slot is freed (compare-and-swap) when the
 * task is seen not waiting, or gone. A holder whose GL_ASYNC request the dump shows waiting is not
 * one. cb gets the waiter and, when known, the holder (frames not filled:
 * the caller reads them, see fl_stall_read_stack). Slots that change while
 * being copied are left for the next scan. Returns the number reported.
 */
/* A whole copy of a live slot of `size` bytes (the seqlock of struct
 * fl_waiter); false while a writer is at it (try later). */
bool fl_slot_copy(const volatile void *live, void *out, size_t size);
/* Consistent copies of live slots; false if free or changing (try later). */
bool fl_stall_copy_waiter(const volatile struct fl_waiter *live, struct fl_waiter *out);
bool fl_stall_copy_holder(const volatile struct fl_holder *live, struct fl_holder *out);

int fl_stall_scan(struct fl_stall_scanner *s, uint64_t now,
		  void (*cb)(struct fl_stall *st, void *arg), void *arg);

/*
 * Of the DLM's holders of st's glock, the one to name: another node's before
 * this node's (a waiter with no traced holder here waits for a node more
 * often than for an untraced task). False if none.
 */
bool fl_stall_pick_dlm(const struct fl_dlm_holder *h, int n, struct fl_dlm_holder *out);

/* The kernel stack of task tid of process pid from /proc (root); 0 frames
 * if it is gone or the kernel does not show stacks. */
int fl_stall_read_stack(pid_t pid, pid_t tid, char frames[][128], int max);
/* A btrfs task stack's frame that says it waits for an extent range
 * (wait_extent_bit, or lock_extent* where that is inlined). */
bool fl_stall_is_extent_wait(const char *frame);
/* If frames show an extent wait: true, and the caller that asked for the
 * range (the first frame past the locking plumbing) in out. */
bool fl_stall_extent_waiter_site(const char frames[][128], int n, char *out, size_t len);
/* h holds (part of) the btrfs range w asks for, and is not w's own request. */
bool fl_stall_range_holds(const struct fl_waiter *w, const struct fl_holder *h);
/* h is the btrfs request of a task still waiting for it (the slots note
 * both at the same instant): it holds little or nothing of the range yet. */
bool fl_stall_is_pending_request(const volatile struct fl_waiter *waiters, const struct fl_holder *h);
/* reader's view of the stack if it has one, else /proc's. */
int fl_stall_task_stack(fl_stack_reader reader, void *arg, pid_t pid, pid_t tid, char frames[][128],
			int max);

struct fl_output;
/* fl_stall_scan, printing each finding to o with the holder's stack. */
int fl_stall_report(struct fl_stall_scanner *s, uint64_t now, struct fl_output *o);

#endif
