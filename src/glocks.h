/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's /glocks: this node's current glock waits and the holders
 * that matter to them — holders of a glock a task here waits for, and
 * holders of a glock another node has asked for since they got it — with
 * ages, the file system's lock table (the glock's cluster-wide name) and
 * this node's DLM id. `faultlock cluster` joins every node's view into the
 * cluster's wait-for graph. Each entry says whether gfs2's own glock dump
 * shows it right now (`verified`, null where no dump can be read): a
 * cluster deadlock is an error only when every link is. One JSON object, from the same mmapped slots as
 * lock_stall; pure over them, so unit-tested on crafted ones.
 */
#ifndef FL_GLOCKS_H
#define FL_GLOCKS_H

#include <stdint.h>
#include <stdio.h>
#include "faultlock_abi.h"
#include "gfs2fs.h"

struct fl_ksyms;

struct fl_glocks_src {
	const volatile struct fl_waiter *waiters;	/* FL_STALL_SLOTS */
	const volatile struct fl_holder *holders;	/* FL_STALL_SLOTS * FL_STALL_WAYS */
	const volatile struct fl_demote *demotes;	/* FL_DEMOTE_SLOTS; NULL: not watched */
	uint64_t now;				/* CLOCK_MONOTONIC ns, as the slots' times */
	const char *hostname;
	int nodeid;				/* DLM node id; 0: none (lock_nolock, no DLM) */
	const struct fl_gfs2_fs *fs;		/* this node's gfs2 mounts */
	int nr_fs;
	const struct fl_ksyms *ks;		/* sites symbolised; may be NULL */
	const char *dump_glob;			/* gfs2's glock dumps; NULL: not checked */
};

/* Writes the /glocks object (and a newline); 0 or -EIO. */
int fl_glocks_render(FILE *f, const struct fl_glocks_src *s);

#endif
