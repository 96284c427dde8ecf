/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * dlmview: which cluster node (and pid) holds a gfs2 glock, as this node's
 * kernel DLM shows it in debugfs (dlm/<ls> and dlm/<ls>_locks, see
 * docs/dlm-views.md). A task here that waits on a glock held on another
 * node has no holder in the BPF slots; the DLM knows at least the node
 * that masters the lock, and on that master node every granted lock with
 * its node and pid. Pure over the files (FILE *, a root directory), so it
 * is unit-tested on real captures.
 */
#ifndef FL_DLMVIEW_H
#define FL_DLMVIEW_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FL_DLM_NAME_LEN 24	/* gfs2's resource names: "%8x%16llx" */
/* A lockspace view is read this far at most (millions of locks: the daemon's
 * loop must not stall); a holder beyond it is not found (holder unknown). */
#define FL_DLM_MAX_BYTES (32u << 20)

/* DLM lock modes (linux/dlmconstants.h). */
enum {
	FL_DLM_IV = -1,
	FL_DLM_NL = 0,
	FL_DLM_CR = 1,
	FL_DLM_CW = 2,
	FL_DLM_PR = 3,
	FL_DLM_PW = 4,
	FL_DLM_EX = 5,
};

/* A lock granted (in a mode that can block someone: not NL) on the resource. */
struct fl_dlm_holder {
	int node;	/* DLM nodeid of the holder, 0 unknown */
	int pid;	/* the lock's pid on that node (lkb_ownpid, see the docs), 0 unknown */
	int mode;	/* DLM mode granted, -1 unknown */
	int master;	/* master nodeid of the resource, 0 unknown */
	bool local;	/* granted to a lock of this node */
	bool inferred;	/* not seen granted: nothing holds it here and another
			 * node masters it, so that node is the likely holder
			 * (certain with two nodes, a guess with more) */
};

/* The DLM resource name of gfs2 glock (type, number), NUL-terminated. */
void fl_dlm_resource_name(char name[FL_DLM_NAME_LEN + 1], uint32_t type, uint64_t number);

/* "NL", "EX", ... ("--" for -1, "??" otherwise), as debugfs prints them. */
const char *fl_dlm_mode_name(int mode);

/*
 * The holders of glock (type, number) in one lockspace's debugfs file:
 * fl_dlm_parse_resources reads dlm/<ls> (one block per resource: master,
 * granted, conversion and waiting queues; no pids), fl_dlm_parse_locks
 * dlm/<ls>_locks (one line per lock, with its pid). our_node is this
 * node's DLM nodeid (0 unknown: local holders then have node 0). Fills at
 * most max holders and returns how many; 0: the resource is not in this
 * node's DLM, or nothing holds it and this node masters it.
 */
int fl_dlm_parse_resources(FILE *in, int our_node, uint32_t type, uint64_t number,
			   struct fl_dlm_holder *out, int max);
int fl_dlm_parse_locks(FILE *in, int our_node, uint32_t type, uint64_t number,
		       struct fl_dlm_holder *out, int max);

/*
 * Paths below are under root ("" or NULL: this system; tests pass a
 * directory with the same layout).
 */

/* The DLM lockspace of the gfs2 file system on dev (the kernel's s_dev:
 * major << 20 | minor): the fsname of its lock table "cluster:fsname",
 * the directory /sys/fs/gfs2/<table>/ whose id file is "major:minor".
 * 0, -ENODEV (no gfs2 on dev), -ENOENT (no lock table: lock_nolock). */
int fl_dlm_lockspace_of(const char *root, uint32_t dev, char *ls, size_t len);

/* This node's DLM nodeid from configfs (/sys/kernel/config/dlm/cluster/
 * comms/<id>/local = 1), 0 unknown. */
int fl_dlm_our_node(const char *root);

/*
 * The live lookup: the holders of glock (type, number) of the gfs2 on dev,
 * from /sys/kernel/debug/dlm/<ls>_locks (dlm/<ls> where that is missing).
 * Returns the count filled, 0 when nothing is known, a negative errno when
 * there is no such gfs2 (-ENODEV), no lockspace or no debugfs (-ENOENT,
 * or the open's errno, e.g. -EACCES).
 */
int fl_dlm_find_holders(const char *root, uint32_t dev, uint32_t type, uint64_t number,
			struct fl_dlm_holder *out, int max);

#endif
