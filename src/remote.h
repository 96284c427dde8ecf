/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * remote_demote: the holder's side of a cross-node glock wait. Another node
 * asks for a glock this node holds (the DLM's blocking callback, BPF's
 * gfs2_demote_rq slot, struct fl_demote); while a task here keeps holding
 * it, that node waits. A request older than the stall threshold with a
 * holder granted before it is checked against the kernel's glock dump (the
 * demote still requested, the holder still granted) and reported once per
 * request: task, lock, site, how long held, how long the other node has
 * asked. Pure over the slot arrays and a dump file, so unit-tested on
 * crafted ones.
 */
#ifndef FL_REMOTE_H
#define FL_REMOTE_H

#include <stdbool.h>
#include <stdint.h>
#include "faultlock_abi.h"
#include "stall.h"

enum fl_remote_check {
	FL_RD_VERIFIED = 1,		/* the dump shows the demote requested and the hold */
	FL_RD_UNVERIFIED = 0,		/* no dump could be read */
	FL_RD_CONTRADICTED = -1,	/* the demote or the hold is gone: not reported */
};

/* One finding. */
struct fl_remote_demote {
	uint64_t now;
	struct fl_demote d;		/* the newest request from another node */
	struct fl_holder h;		/* the holder here, granted longest before it */
	int nr_holders;			/* holders here granted before the request */
	enum fl_remote_check check;
	char why[160];			/* unverified: why */
	char glock_flags[32];		/* the dump's G: f: (verified) */
	uint64_t dump_demote_us;	/* the dump's demote age (first request), 0 unknown */
	int nr_frames;			/* the holder's kernel stack, now */
	char frames[FL_STALL_FRAMES][128];
};

struct fl_remote_scanner {
	const volatile struct fl_demote *demotes;	/* FL_DEMOTE_SLOTS, written by BPF */
	const volatile struct fl_holder *holders;	/* FL_STALL_SLOTS * FL_STALL_WAYS */
	uint64_t threshold_ns;
	const char *dump_glob;		/* "/sys/kernel/debug/gfs2/x/glocks" (tests: their own) */
	uint64_t reported[FL_DEMOTE_SLOTS];	/* `since` of the request reported per slot */
	uint64_t found, unverified, contradicted;
	uint64_t verify_after;		/* no dump read before (backoff after a contradiction) */
	fl_stack_reader read_stack;	/* NULL: /proc only */
	void *read_stack_arg;
};

void fl_remote_init(struct fl_remote_scanner *s, const volatile struct fl_demote *demotes,
		    const volatile struct fl_holder *holders, uint64_t threshold_ns);

/* A consistent copy of a live demote slot; false if free or changing. */
bool fl_remote_copy_demote(const volatile struct fl_demote *live, struct fl_demote *out);

/*
 * Reports each request at most once, once it is threshold_ns old at `now`
 * and a holder here was granted before it: cb gets the request and the
 * holder (frames not filled, see fl_remote_report). Contradicted ones are
 * looked at again later. Returns the number reported.
 */
int fl_remote_scan(struct fl_remote_scanner *s, uint64_t now,
		   void (*cb)(struct fl_remote_demote *r, void *arg), void *arg);

/* Checks one finding against the dumps matching glob, filling its dump fields. */
enum fl_remote_check fl_remote_verify(struct fl_remote_demote *r, const char *glob);

struct fl_output;
/* fl_remote_scan, printing each finding to o with the holder's stack. */
int fl_remote_report(struct fl_remote_scanner *s, uint64_t now, struct fl_output *o);

#endif
