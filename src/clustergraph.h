/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * `faultlock cluster`'s model: every node's /glocks (src/glocks.c) joined
 * into the cluster's wait-for graph. A glock is the same lock on every node
 * by its file system's lock table and its TYPE:NUMBER. A wait on node i is
 * held up by a holder of that glock on node i (a local conflict) or on
 * another node that has been asked for it (a remote demote request pending
 * there). A cycle of such edges is a deadlock across tasks and nodes; an
 * error only when every node's glock dump showed each of its links. Pure:
 * views are parsed from JSON text, so unit tests pass their own.
 */
#ifndef FL_CLUSTERGRAPH_H
#define FL_CLUSTERGRAPH_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#define FL_CG_MAX_NODES 32
#define FL_CG_MAX_ENTRIES 512	/* waits and holders, each, per node */
#define FL_CG_MAX_CYCLE 8

/* A wait or a hold, as a node's /glocks gives it. */
struct fl_cg_entry {
	int node;			/* index into the graph's nodes */
	uint32_t pid, tid;
	char comm[17];
	char table[64];			/* "" unknown: matched on this node only */
	char lock[48];			/* "6:17007" */
	char glock_type[12];
	char dev[24];
	char state[4];			/* requested or held */
	char site[128];
	uint64_t ms;			/* waited or held */
	int verified;			/* 1 yes, 0 no, -1 unknown (no dump) */
	bool asked;			/* holders: another node's request pending */
	uint64_t requested_ms;
};

struct fl_cg_node {
	char addr[64];			/* as given on the command line */
	bool ok;
	char error[160];		/* !ok: why */
	char hostname[64];
	int nodeid;			/* 0 unknown */
	struct fl_cg_entry waits[FL_CG_MAX_ENTRIES], holds[FL_CG_MAX_ENTRIES];
	int nr_waits, nr_holds;
	int dropped;			/* entries beyond the caps */
};

/* One wait and who holds it up: holds[] indexes of the holders, per node. */
struct fl_cg_edge {
	const struct fl_cg_entry *wait;
	const struct fl_cg_entry *holder;	/* NULL: no holder known anywhere */
};

struct fl_cg_cycle {
	int n;
	const struct fl_cg_entry *wait[FL_CG_MAX_CYCLE];	/* wait[i] is held up by hold[i] ... */
	const struct fl_cg_entry *hold[FL_CG_MAX_CYCLE];	/* ... whose task waits as wait[i + 1] */
	bool verified;			/* every link seen in its node's glock dump */
};

struct fl_cg {
	struct fl_cg_node nodes[FL_CG_MAX_NODES];
	int nr_nodes;
	uint64_t min_ms;		/* waits shorter than this are left out */
};

/* Parses one node's /glocks body into g->nodes[i] (addr set by the caller);
 * false with node->error set if it is not one. */
bool fl_cg_parse_node(struct fl_cg *g, int i, const char *json);

/* The edges of waits >= min_ms: each wait once per holder (once with NULL
 * when none is known). Returns how many (at most max). */
int fl_cg_edges(const struct fl_cg *g, struct fl_cg_edge *out, int max);

/* The cycles among those edges, each once. Returns how many (at most max). */
int fl_cg_cycles(const struct fl_cg *g, struct fl_cg_cycle *out, int max);

/* The node's name in output: "node 2 (host)" or its address. */
void fl_cg_node_name(const struct fl_cg *g, int i, char *buf, size_t len);

#endif
