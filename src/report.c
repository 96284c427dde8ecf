// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The output front: each record validated and decoded once (record.c),
 * counted by severity, info events folded per task and site (aggregate.c),
 * retry_livelock episodes tracked (livelock.c), then written by the JSON or
 * text emitter (event_json.c, event_text.c).
 */
#include <errno.h>
#include "aggregate.h"
#include "events.h"
#include "json.h"
#include "record.h"
#include "report.h"

static void emit(struct fl_output *o, const struct fl_view *v)
{
	const struct fl_emit e = { .f = o->f, .stacks = o->stacks, .start_ts = o->start_ts,
				   .ksyms = o->ksyms };

	if (o->json)
		fl_event_json(&e, v);
	else
		fl_event_text(&e, v);
}

static void emit_record(struct fl_output *o, const void *data, int type, uint64_t count)
{
	struct fl_view v;

	fl_view_record(&v, data, type, o->ksyms);
	v.count = count ? count : 1;
	emit(o, &v);
}

/*
 * retry_livelock: the begin record is the finding (with the stack); the
 * end record closes it (duration, iterations); updates only move the
 * episode's counts on (no line).
 */
static void emit_livelock(struct fl_output *o, const struct fl_rec_livelock *r)
{
	struct fl_livelock_ep *e = fl_livelocks_apply(&o->livelocks, r);
	struct fl_view v;

	if (r->phase == FL_LL_UPDATE)
		return;
	if (r->phase == FL_LL_BEGIN)
		o->findings[FL_SEV_WARNING]++;
	fl_view_record(&v, r, FL_REC_RETRY_LIVELOCK, o->ksyms);
	if (e && r->phase == FL_LL_END && e->first_ts && e->first_ts <= r->hdr.ts)
		v.secs = (r->hdr.ts - e->first_ts) / 1e9;
	emit(o, &v);
}

/* An aggregated line: one held event standing for `count`. */
static void emit_folded(void *arg, const void *rec, size_t size, uint64_t count)
{
	int type = fl_record_type(rec, size);

	if (type > 0)
		emit_record(arg, rec, type, count);
}

int fl_output_aggregate(struct fl_output *o)
{
	o->agg = fl_agg_new(1000000000ULL, emit_folded, o);
	return o->agg ? 0 : -ENOMEM;
}

void fl_output_flush(struct fl_output *o, uint64_t now)
{
	if (o->agg)
		fl_agg_flush(o->agg, now);
}

int fl_output_record(struct fl_output *o, const void *data, size_t size)
{
	int type = fl_record_type(data, size);
	enum fl_severity sev;

	if (type < 0) {
		o->malformed++;
		return type;
	}
	if (type == FL_REC_RETRY_LIVELOCK) {
		emit_livelock(o, data);
		return type;
	}
	sev = fl_record_severity(data, type);
	o->findings[sev]++;
	if (sev == FL_SEV_INFO && o->agg) {
		const struct fl_hdr *h = data;

		fl_agg_offer(o->agg, fl_agg_key(data, type), h->ts, data, size);
		return type;
	}
	emit_record(o, data, type, 1);
	return type;
}

void fl_output_stall(struct fl_output *o, const struct fl_stall *st)
{
	struct fl_view v;

	o->findings[FL_SEV_WARNING]++;
	fl_view_stall(&v, st, o->ksyms);
	emit(o, &v);
}

void fl_output_deadlock(struct fl_output *o, const struct fl_deadlock *d)
{
	struct fl_view v;

	fl_view_deadlock(&v, d, o->ksyms);
	o->findings[v.severity]++;
	emit(o, &v);
}

void fl_output_remote(struct fl_output *o, const struct fl_remote_demote *r)
{
	struct fl_view v;

	fl_view_remote(&v, r, o->ksyms);
	o->findings[v.severity]++;
	emit(o, &v);
}

void fl_output_ready(struct fl_output *o, const char *target, uint64_t ts)
{
	struct jw w;

	if (!o->json)
		return;		/* text: trace says so on stderr */
	jw_init(&w, o->f);
	fl_json_self_hdr(&w, "ready", ts);
	jw_str(&w, "target", target);
	jw_end_object(&w);
	fputc('\n', o->f);
	fflush(o->f);	/* whoever waits for it reads a pipe */
}
