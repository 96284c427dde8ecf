/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Turning ring-buffer records into what users read: one line per event
 * (text or JSON lines), info events folded, findings counted; the summary
 * at the end (summary.h). No libbpf: unit-tested and fuzzed alone.
 */
#ifndef FL_REPORT_H
#define FL_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "faultlock_abi.h"
#include "catalog.h"
#include "livelock.h"
#include "names.h"
#include "record.h"
#include "snapshot.h"
#include "stall.h"
#include "summary.h"

struct fl_agg;

struct fl_ksyms;

struct fl_output {
	FILE *f;
	bool json;
	bool stacks;
	uint64_t start_ts;		/* text timestamps are relative to it */
	const struct fl_ksyms *ksyms;	/* NULL: addresses printed raw */
	uint64_t findings[FL_SEV_MAX];	/* events printed, by severity */
	uint64_t malformed;		/* records rejected by fl_record_type */
	struct fl_agg *agg;		/* info events folded per site and second; NULL: every one */
	struct fl_livelocks livelocks;	/* retry_livelock episodes seen */
};

/* Output bounded by o->agg: emits held info events whose second is over. */
void fl_output_flush(struct fl_output *o, uint64_t now);
/* Sets o->agg to a 1 s aggregator printing to o; -ENOMEM. */
int fl_output_aggregate(struct fl_output *o);

/* Prints one record; returns its type or -EINVAL (counted, nothing printed). */
int fl_output_record(struct fl_output *o, const void *data, size_t size);
/* JSON only: the `ready` line, once every program is attached and counting
 * (what a script waits for before it starts the load). */
void fl_output_ready(struct fl_output *o, const char *target, uint64_t ts);
/* Prints a lock_stall finding (counted as a warning). */
void fl_output_stall(struct fl_output *o, const struct fl_stall *st);
struct fl_deadlock;
struct fl_remote_demote;
/* Prints a remote_demote finding (a warning). */
void fl_output_remote(struct fl_output *o, const struct fl_remote_demote *r);
/* Prints a deadlock finding (an error when verified, else a warning). */
void fl_output_deadlock(struct fl_output *o, const struct fl_deadlock *d);
#endif
