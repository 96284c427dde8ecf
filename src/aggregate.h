/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Bounded output for info events: at most one line per window (1 s) for
 * each (task, event type, site); the events in between are held and go out
 * as one line that says how many it stands for. Nothing is dropped: a held
 * event is emitted when its window ends (fl_agg_flush), when its slot is
 * needed for another key, or at the end. Pure, so it is unit-tested.
 */
#ifndef FL_AGGREGATE_H
#define FL_AGGREGATE_H

#include <stddef.h>
#include <stdint.h>
#include "faultlock_abi.h"

#define FL_AGG_SLOTS	256	/* a power of 2 */
#define FL_AGG_PROBE	8	/* slots tried per key before one is evicted */
#define FL_AGG_REC_MAX	sizeof(struct fl_rec_fault)	/* the largest info record */

struct fl_agg_slot {
	uint64_t key;		/* 0: free */
	uint64_t last_line;	/* when a line for this key last went out */
	uint64_t held;		/* events since that line, not printed yet */
	uint32_t size;
	/* the latest held event, aligned as the ring buffer aligns records
	 * (the emitters read its fields in place) */
	_Alignas(8) unsigned char rec[FL_AGG_REC_MAX];
};

/* Prints rec as one line standing for `count` events. */
typedef void (*fl_agg_emit_fn)(void *arg, const void *rec, size_t size, uint64_t count);

struct fl_agg {
	uint64_t window_ns;
	fl_agg_emit_fn emit;
	void *arg;
	uint64_t lines, events;	/* totals: lines printed, events they stand for */
	struct fl_agg_slot slot[FL_AGG_SLOTS];
};

struct fl_agg *fl_agg_new(uint64_t window_ns, fl_agg_emit_fn emit, void *arg);
void fl_agg_free(struct fl_agg *a);

/* The key of an info record: its task, type and site (nonzero). */
uint64_t fl_agg_key(const void *rec, int type);
/* One event at time `now` (ns): printed at once or held. */
void fl_agg_offer(struct fl_agg *a, uint64_t key, uint64_t now, const void *rec, size_t size);
/* When the first held event is due (ns), 0 if nothing is held. */
uint64_t fl_agg_next_due(const struct fl_agg *a);
/* Emits what was held in windows that have ended by `now` (UINT64_MAX: all). */
void fl_agg_flush(struct fl_agg *a, uint64_t now);

#endif
