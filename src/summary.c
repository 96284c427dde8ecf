// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The end-of-run summary (JSON or text) and the `lost` event. */
#include <inttypes.h>
#include <string.h>
#include <sys/wait.h>
#include "aggregate.h"
#include "events.h"
#include "json.h"
#include "names.h"
#include "report.h"
#include "syscalls.h"

void fl_output_lost(struct fl_output *o, const struct fl_snapshot *s, uint64_t ts)
{
	if (!fl_snapshot_lost(s))
		return;
	o->findings[FL_SEV_WARNING]++;
	if (o->json) {
		struct jw w;

		jw_init(&w, o->f);
		fl_json_self_hdr(&w, "lost", ts);
		jw_str(&w, "severity", "warning");
		jw_object(&w, "counts");
		for (int i = 0; i < fl_nr_lost_reasons; i++)
			jw_u64(&w, fl_lost_reasons[i].reason, s->counters[fl_lost_reasons[i].idx]);
		jw_end_object(&w);
		jw_end_object(&w);
		fputc('\n', o->f);
		return;
	}
	fprintf(o->f, "%12s %-7s %-16s", "", "warning", "lost");
	for (int i = 0; i < fl_nr_lost_reasons; i++)
		if (s->counters[fl_lost_reasons[i].idx])
			fprintf(o->f, " %s=%" PRIu64, fl_lost_reasons[i].reason,
				s->counters[fl_lost_reasons[i].idx]);
	fprintf(o->f, " (counts stay exact: they are kept in the kernel)\n");
}

/* Whether a summary count could be seen here (else it is null, not 0). */
static bool count_known(const struct fl_summary_count *c, const struct fl_summary *s)
{
	const struct fl_event_type *et = c->event ? fl_event_type_by_name(c->event) : NULL;
	int h = c->hook ? fl_hook_index(c->hook) : -1;

	if (!s->hooks)
		return true;
	if (et)
		return fl_event_type_available(et, s->hooks, s->find_vma);
	if (h >= 0)
		return s->hooks[h].mode != FL_MODE_NONE;
	return true;
}

/* The contract's summary.counts, in the catalogue's order. */
static void summary_counts(const struct fl_summary *s, const char **names, int64_t *vals,
			   bool *known, int *n)
{
	for (int i = 0; i < fl_nr_summary_counts; i++) {
		const struct fl_summary_count *c = &fl_summary_counts[i];

		names[i] = c->key;
		known[i] = count_known(c, s);
		switch (c->src) {
		case FL_SRC_COUNTER:
			vals[i] = (int64_t)s->snap->counters[c->counter];
			break;
		case FL_SRC_LOCK_STALLS:
			vals[i] = (int64_t)s->lock_stalls;
			break;
		case FL_SRC_DEADLOCKS:
			vals[i] = (int64_t)s->deadlocks;
			break;
		case FL_SRC_REMOTE_DEMOTES:
			vals[i] = (int64_t)s->remote_demotes;
			break;
		case FL_SRC_LOST:
			vals[i] = (int64_t)fl_snapshot_lost(s->snap);
			break;
		}
	}
	*n = fl_nr_summary_counts;
}

/* A target that would not exit: what each of its threads is doing. */
static void json_child_state(struct jw *w, const struct fl_summary *s)
{
	if (!s->child_alive) {
		jw_null(w, "child_state");
		return;
	}
	jw_array(w, "child_state");
	for (int i = 0; i < s->nr_child_state; i++) {
		const struct fl_thread_state *t = &s->child_state[i];

		jw_object(w, NULL);
		jw_u64(w, "pid", t->pid);
		jw_u64(w, "tid", t->tid);
		jw_str(w, "comm", t->comm);
		jw_str(w, "state", (char[2]){ t->state, 0 });
		jw_str(w, "state_name", fl_task_state_name(t->state));
		jw_str(w, "wchan", t->wchan[0] ? t->wchan : NULL);
		jw_array(w, "stack");
		for (int k = 0; k < t->nr_frames; k++)
			jw_str(w, NULL, t->frames[k]);
		jw_end_array(w);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static double episode_secs(const struct fl_livelock_ep *e)
{
	return e->first_ts && e->last_ts > e->first_ts ? (e->last_ts - e->first_ts) / 1e9 : 0;
}

static void json_livelocks(struct jw *w, const struct fl_output *o)
{
	const struct fl_livelocks *l = &o->livelocks;

	jw_array(w, "retry_livelocks");
	for (int i = 0; i < l->nr; i++) {
		const struct fl_livelock_ep *e = &l->ep[i];
		char sys[64], dev[24];

		fl_syscall_format(e->syscall_nr, e->syscall_arg1, sys, sizeof(sys));
		fl_format_dev(e->dev, dev, sizeof(dev));
		jw_object(w, NULL);
		jw_u64(w, "pid", e->pid);
		jw_u64(w, "tid", e->tid);
		jw_str(w, "comm", e->comm);
		jw_str(w, "kind", fl_livelock_kind_name(e->kind));
		jw_str(w, "syscall", sys);
		jw_str(w, "fstype", e->fstype[0] ? e->fstype : NULL);
		jw_str(w, "dev", e->ino ? dev : NULL);
		jw_u64(w, "ino", e->ino);
		jw_u64(w, "iterations_at_least", e->iterations);
		jw_double(w, "duration_s", episode_secs(e));
		jw_bool(w, "ongoing", !e->ended);
		jw_end_object(w);
	}
	jw_end_array(w);
}

static void summary_json(struct fl_output *o, const struct fl_summary *s)
{
	const char *names[FL_MAX_COUNTS];
	int64_t vals[FL_MAX_COUNTS];
	bool known[FL_MAX_COUNTS];
	struct jw w;
	int n;

	jw_init(&w, o->f);
	fl_json_self_hdr(&w, "summary", o->start_ts + (uint64_t)(s->duration_s * 1e9));
	jw_str(&w, "target", s->target);
	jw_double(&w, "duration_s", s->duration_s);
	jw_object(&w, "counts");
	summary_counts(s, names, vals, known, &n);
	for (int i = 0; i < n; i++)
		if (known[i])
			jw_i64(&w, names[i], vals[i]);
		else
			jw_null(&w, names[i]);
	jw_end_object(&w);
	jw_object(&w, "findings");
	for (int i = 0; i < FL_SEV_MAX; i++)
		jw_u64(&w, fl_severity_name(i), o->findings[i]);
	jw_end_object(&w);
	if (s->have_child) {
		jw_object(&w, "child_status");
		if (WIFEXITED(s->child_status)) {
			jw_i64(&w, "exit_code", WEXITSTATUS(s->child_status));
			jw_null(&w, "signal");
		} else {
			jw_null(&w, "exit_code");
			jw_i64(&w, "signal", WIFSIGNALED(s->child_status) ? WTERMSIG(s->child_status) : 0);
		}
		jw_end_object(&w);
	} else {
		jw_null(&w, "child_status");
	}
	json_child_state(&w, s);
	json_livelocks(&w, o);
	jw_u64(&w, "events_folded", o->agg ? o->agg->events - o->agg->lines : 0);
	jw_object(&w, "gfs2_layout");
	jw_u64(&w, "checks", s->snap->counters[FL_CNT_GFS2_LAYOUT_CHECKS]);
	jw_u64(&w, "mismatches", s->snap->counters[FL_CNT_GFS2_LAYOUT_MISMATCH]);
	jw_u64(&w, "owner_checks", s->snap->counters[FL_CNT_GFS2_OWNER_CHECKS]);
	jw_u64(&w, "owner_mismatches", s->snap->counters[FL_CNT_GFS2_OWNER_MISMATCH]);
	jw_u64(&w, "releases_by_queue", s->snap->counters[FL_CNT_RELEASE_BY_QUEUE]);
	jw_end_object(&w);
	jw_object(&w, "gate");
	jw_u64(&w, "open_tasks", s->snap->open_tasks);
	jw_u64(&w, "followed_tasks", s->snap->followed_tasks);
	jw_end_object(&w);
	jw_object(&w, "hooks");
	for (int i = 0; s->hooks && i < fl_nr_hooks; i++)
		jw_str(&w, fl_hooks[i].name, fl_mode_name(s->hooks[i].mode));
	jw_end_object(&w);
	jw_array(&w, "filesystems");
	for (int i = 0; i < s->snap->nr_fs; i++) {
		const struct fl_fs_row *r = &s->snap->fs[i];
		char dev[24], fstype[FL_FSTYPE_LEN + 1];

		fl_format_dev(r->dev, dev, sizeof(dev));
		fl_copy_printable(fstype, r->fstype, sizeof(fstype));
		jw_object(&w, NULL);
		jw_str(&w, "fstype", fstype);
		jw_str(&w, "dev", dev);
		jw_str(&w, "op", fl_op_name(r->op));
		jw_u64(&w, "dio_calls", r->dio_calls);
		jw_u64(&w, "dio_partial", fl_fs_row_partial(r));
		jw_u64(&w, "dio_partial_efault", r->partial_efault);
		jw_u64(&w, "dio_retries", r->retries);
		jw_u64(&w, "dio_retry_bytes", r->retry_bytes);
		jw_u64(&w, "same_file_fault", r->same_file_fault);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	fputc('\n', o->f);
}

static void summary_text(struct fl_output *o, const struct fl_summary *s)
{
	const char *names[FL_MAX_COUNTS];
	int64_t vals[FL_MAX_COUNTS];
	bool known[FL_MAX_COUNTS];
	int n, unavailable = 0;

	fprintf(o->f, "\nfaultlock: traced %s for %.2f s", s->target, s->duration_s);
	if (s->have_child) {
		if (WIFEXITED(s->child_status))
			fprintf(o->f, "; it exited with status %d", WEXITSTATUS(s->child_status));
		else if (WIFSIGNALED(s->child_status))
			fprintf(o->f, "; it was killed by signal %d (%s)", WTERMSIG(s->child_status),
				strsignal(WTERMSIG(s->child_status)));
	}
	if (s->child_alive) {
		fprintf(o->f, "; it did not exit when told to, and is still there:");
		for (int i = 0; i < s->nr_child_state; i++) {
			const struct fl_thread_state *t = &s->child_state[i];

			fprintf(o->f, "\n  %s[%d/%d] %s%s%s", t->comm, t->pid, t->tid,
				fl_task_state_name(t->state), t->wchan[0] ? " in " : "", t->wchan);
			for (int k = 0; k < t->nr_frames; k++)
				fprintf(o->f, "\n      %s", t->frames[k]);
		}
	}
	for (int i = 0; i < o->livelocks.nr; i++) {
		const struct fl_livelock_ep *e = &o->livelocks.ep[i];
		char sys[64];

		if (!i)
			fprintf(o->f, "\n\nRetry livelocks");
		fl_syscall_format(e->syscall_nr, e->syscall_arg1, sys, sizeof(sys));
		fprintf(o->f, "\n  %s[%u/%u] %s %s on %s ino %" PRIu64 ": at least %" PRIu64
			" iterations in %.2f s, %s", e->comm, e->pid, e->tid, sys,
			fl_livelock_kind_name(e->kind), e->fstype[0] ? e->fstype : "?", e->ino,
			e->iterations, episode_secs(e), e->ended ? "ended" : "STILL LOOPING");
	}
	fprintf(o->f, "\n\nDirect I/O per file system\n");
	fprintf(o->f, "%-10s %-8s %-6s %10s %8s %8s %12s %16s\n", "FSTYPE", "DEV", "OP", "DIO_CALLS",
		"PARTIAL", "RETRIES", "RETRY_BYTES", "SAME_FILE_FAULT");
	if (!s->snap->nr_fs)
		fprintf(o->f, "(no direct I/O seen)\n");
	for (int i = 0; i < s->snap->nr_fs; i++) {
		const struct fl_fs_row *r = &s->snap->fs[i];
		char dev[24], fstype[FL_FSTYPE_LEN + 1];

		fl_format_dev(r->dev, dev, sizeof(dev));
		fl_copy_printable(fstype, r->fstype, sizeof(fstype));
		fprintf(o->f, "%-10s %-8s %-6s %10" PRIu64 " %8" PRIu64 " %8" PRIu64 " %12" PRIu64
			" %16" PRIu64 "\n", fstype, dev, fl_op_name(r->op), r->dio_calls, fl_fs_row_partial(r),
			r->retries, r->retry_bytes, r->same_file_fault);
	}
	fprintf(o->f, "\nCounts\n");
	summary_counts(s, names, vals, known, &n);
	for (int i = 0; i < n; i++)
		if (known[i])
			fprintf(o->f, "  %-18s %" PRId64 "\n", names[i], vals[i]);
		else
			fprintf(o->f, "  %-18s - (hook unavailable)\n", names[i]);
	if (s->snap->counters[FL_CNT_GFS2_LAYOUT_CHECKS])
		fprintf(o->f, "\ngfs2 holder layout: %" PRIu64 " of %" PRIu64 " glock ids read by"
			" offset matched gfs2's own%s\n",
			(uint64_t)(s->snap->counters[FL_CNT_GFS2_LAYOUT_CHECKS] -
				   s->snap->counters[FL_CNT_GFS2_LAYOUT_MISMATCH]),
			(uint64_t)s->snap->counters[FL_CNT_GFS2_LAYOUT_CHECKS],
			s->snap->counters[FL_CNT_GFS2_LAYOUT_MISMATCH] ? ": LOCK FINDINGS ARE UNRELIABLE" : "");
	if (s->snap->counters[FL_CNT_GFS2_LAYOUT_CHECKS] &&
	    o->findings[FL_SEV_ERROR] + o->findings[FL_SEV_WARNING])
		fprintf(o->f, "(glocks are named TYPE:NUMBER in decimal, as gfs2's tracepoints print them;"
			" the debugfs glocks dump writes n:TYPE/NUMBER in hex: 2:4660 is n:2/1234)\n");
	fprintf(o->f, "\nFindings: %" PRIu64 " error, %" PRIu64 " warning, %" PRIu64 " info\n",
		o->findings[FL_SEV_ERROR], o->findings[FL_SEV_WARNING], o->findings[FL_SEV_INFO]);
	if (o->agg && o->agg->events > o->agg->lines)
		fprintf(o->f, "(%" PRIu64 " info events folded into %" PRIu64 " lines: at most one a second per task and site)\n",
			o->agg->events, o->agg->lines);
	for (int i = 0; s->hooks && i < fl_nr_hooks; i++)
		if (s->hooks[i].mode == FL_MODE_NONE)
			fprintf(o->f, "%s%s", unavailable++ ? ", " : "Hooks unavailable here: ",
				fl_hooks[i].name);
	if (unavailable)
		fprintf(o->f, "\n(`faultlock check` says why and what is lost)\n");
}

void fl_output_summary(struct fl_output *o, const struct fl_summary *s)
{
	if (o->json)
		summary_json(o, s);
	else
		summary_text(o, s);
}
