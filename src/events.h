/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The two emitters of events: one JSON line (event_json.c) or one text line
 * (event_text.c, prose) per decoded view (record.h).
 */
#ifndef FL_EVENTS_H
#define FL_EVENTS_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include "record.h"

struct fl_ksyms;

struct fl_emit {
	FILE *f;
	bool stacks;			/* stacks of the events that carry one only on request */
	uint64_t start_ts;		/* text timestamps are relative to it */
	const struct fl_ksyms *ksyms;	/* NULL: addresses printed raw */
};

void fl_event_json(const struct fl_emit *e, const struct fl_view *v);
struct jw;
/* Opens a JSON line faultlock itself speaks (ready, lost, summary): type,
 * ts, pid 0, tid 0, comm "faultlock". */
void fl_json_self_hdr(struct jw *w, const char *type, uint64_t ts);
void fl_event_text(const struct fl_emit *e, const struct fl_view *v);

#endif
