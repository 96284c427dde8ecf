// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * From the kernel counters as the loader reads them (struct fl_snapshot) to
 * the Prometheus families of the contract: which rows exist, their labels,
 * histogram ranges. Pure, so the exact output is unit-tested.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "faultlock.h"
#include "export.h"
#include "metrics.h"
#include "names.h"

static bool hook_attached(const struct fl_hook_state *states, const char *name)
{
	int h = fl_hook_index(name);

	return h >= 0 && states[h].mode != FL_MODE_NONE;
}

/* Histogram ranges, in log2(ns): lock hold/wait 1 µs .. 17 s, fault_in 256 ns .. 1 s. */
#define LOCK_HIST_FIRST 10
#define LOCK_HIST_LAST 34
#define FI_HIST_FIRST 8
#define FI_HIST_LAST 30


static int cmp_livelock(const void *a, const void *b)
{
	const struct fl_metrics_livelock_row *x = a, *y = b;
	int c = strcmp(x->fstype, y->fstype);

	return c ? c : strcmp(x->kind, y->kind);
}

/*
 * retry_livelocks_total{fstype,kind}: the episodes user space saw, by the
 * file system at the range, and under fstype="unknown" what the kernel
 * counted beyond them (a record lost) — present from the start, so a rate
 * sees the first episode.
 */
static int livelock_rows(const struct fl_summary *sum, const struct fl_hook_state *states,
			 struct fl_metrics_livelock_row *rows)
{
	int n = 0;

	for (uint32_t k = 0; k < FL_LL_KINDS; k++) {
		const char *hook = k == FL_LL_DIO ? "iomap_dio_rw_begin" : NULL;
		char fi[32];
		uint64_t seen = 0, unknown_seen = 0;

		if (!hook) {
			snprintf(fi, sizeof(fi), "fault_in_%s", fl_fault_in_kind_name(k));
			hook = fi;
		}
		if (!hook_attached(states, hook))
			continue;
		for (int i = 0; sum->livelocks && i < sum->livelocks->nr_fs; i++) {
			const struct fl_livelock_fs_row *r = &sum->livelocks->fs[i];

			if (r->kind != k)
				continue;
			seen += r->count;
			if (!strcmp(r->fstype, "unknown")) {
				unknown_seen = r->count;
				continue;
			}
			snprintf(rows[n].fstype, sizeof(rows[n].fstype), "%s", r->fstype);
			rows[n].kind = fl_livelock_kind_name(k);
			rows[n++].count = r->count;
		}
		snprintf(rows[n].fstype, sizeof(rows[n].fstype), "unknown");
		rows[n].kind = fl_livelock_kind_name(k);
		rows[n++].count = unknown_seen + (sum->snap->counters[FL_CNT_RETRY_LIVELOCK_KIND + k] > seen ?
						  sum->snap->counters[FL_CNT_RETRY_LIVELOCK_KIND + k] - seen : 0);
	}
	qsort(rows, n, sizeof(rows[0]), cmp_livelock);
	return n;
}

int fl_export_render(FILE *f, const struct fl_summary *sum, const struct fl_hook_state *states,
		     const char *kernel)
{
	static struct fl_metrics_lock_row locks[FL_MAX_LOCK_ROWS];
	static struct fl_metrics_ful_row ful[FL_MAX_LOCK_ROWS * FL_PROT_MAX];
	struct fl_metrics_hook hooks[FL_MAX_HOOKS];
	struct fl_metrics_lock_hist lock_hist;
	struct fl_metrics_fault_in_row fault_in[FL_FI_KINDS];
	double lock_bounds[3][LOCK_HIST_LAST - LOCK_HIST_FIRST + 1];
	uint64_t lock_counts[3][LOCK_HIST_LAST - LOCK_HIST_FIRST + 2];
	double fi_bounds[FL_FI_KINDS][FI_HIST_LAST - FI_HIST_FIRST + 1];
	uint64_t fi_counts[FL_FI_KINDS][FI_HIST_LAST - FI_HIST_FIRST + 2];
	struct fl_hist hold, wait, wait_remote, fi_lat[FL_FI_KINDS];
	static struct fl_metrics_livelock_row livelocks[FL_MAX_LIVELOCK_FS + FL_LL_KINDS];
	struct fl_metrics_snapshot s = {
		.version = FAULTLOCK_VERSION,
		.kernel = kernel,
		.hooks = hooks,
		.nr_hooks = fl_nr_hooks,
		.counters = sum->snap->counters,
		.fs = sum->snap->fs,
		.locks = locks,
		.ful = ful,
		.fault_in = fault_in,
	};

	for (int i = 0; i < fl_nr_hooks; i++) {
		enum fl_mode m = states[i].mode;

		hooks[i].name = fl_hooks[i].name;
		hooks[i].mode = m == FL_MODE_NONE ? NULL : fl_mode_name(m);
	}
	s.nr_fs = sum->snap->nr_fs;
	for (int i = 0; i < sum->snap->nr_locks; i++) {
		const struct fl_lock_row *r = &sum->snap->locks[i];
		struct fl_metrics_lock_row *m = &locks[s.nr_locks++];

		memcpy(m->fstype, r->fstype, sizeof(m->fstype));
		m->dev = r->dev;
		m->lock = fl_lock_kind_name(r->lock);
		m->acquisitions = r->acquisitions;
		m->recursive = r->recursive;
		m->order = r->order;
		m->remote_demotes = r->remote_demotes;
		/* fault_under_lock is a glock finding (gfs2's faults take glocks). */
		for (int p = 0; r->lock == FL_LOCK_GLOCK && p < FL_PROT_MAX; p++) {
			struct fl_metrics_ful_row *u = &ful[s.nr_ful++];

			memcpy(u->fstype, r->fstype, sizeof(u->fstype));
			u->dev = r->dev;
			u->lock = m->lock;
			u->protection = fl_protection_name(p);
			u->count = r->fault_under_lock[p];
		}
	}
	/* Lock times are measured wherever the glock hooks run, before any
	 * device has a row: the histograms show from the start. */
	s.lock_stalls = sum->lock_stalls_by;
	if (hook_attached(states, "btrfs_set_extent_bit") && hook_attached(states, "btrfs_clear_extent_bit"))
		s.lock_stall_kinds |= 1u << FL_LOCK_BTRFS_EXTENT;
	if (hook_attached(states, "gfs2_glock_nq")) {
		s.lock_stall_kinds |= 1u << FL_LOCK_GLOCK;
		s.deadlocks = &sum->deadlocks;
		fl_hist_from_log2(&sum->snap->hists[FL_HIST_LOCK_HOLD], LOCK_HIST_FIRST, LOCK_HIST_LAST,
				  lock_bounds[0], lock_counts[0], &hold);
		fl_hist_from_log2(&sum->snap->hists[FL_HIST_LOCK_WAIT], LOCK_HIST_FIRST, LOCK_HIST_LAST,
				  lock_bounds[1], lock_counts[1], &wait);
		memset(&lock_hist, 0, sizeof(lock_hist));
		snprintf(lock_hist.fstype, sizeof(lock_hist.fstype), "gfs2");
		lock_hist.lock = "glock";
		lock_hist.hold = &hold;
		lock_hist.wait = &wait;
		if (hook_attached(states, "gfs2_glock_lock_time")) {
			fl_hist_from_log2(&sum->snap->hists[FL_HIST_LOCK_WAIT_REMOTE], LOCK_HIST_FIRST,
					  LOCK_HIST_LAST, lock_bounds[2], lock_counts[2], &wait_remote);
			lock_hist.wait_remote = &wait_remote;
		}
		s.lock_hists = &lock_hist;
		s.nr_lock_hists = 1;
	}
	if (hook_attached(states, "gfs2_glock_nq") && hook_attached(states, "gfs2_demote_rq")) {
		s.remote_demotes_by_type = &sum->snap->counters[FL_CNT_REMOTE_DEMOTE_TYPE];
		s.remote_demote_stalls = &sum->remote_demotes;
	}
	s.livelocks = livelocks;
	s.nr_livelocks = livelock_rows(sum, states, livelocks);
	for (int k = 0; k < FL_FI_KINDS; k++) {
		char hook[32];
		struct fl_metrics_fault_in_row *r = &fault_in[s.nr_fault_in];

		snprintf(hook, sizeof(hook), "fault_in_%s", fl_fault_in_kind_name(k));
		if (!hook_attached(states, hook))
			continue;
		fl_hist_from_log2(&sum->snap->hists[FL_HIST_FAULT_IN_READABLE + k], FI_HIST_FIRST, FI_HIST_LAST,
				  fi_bounds[k], fi_counts[k], &fi_lat[k]);
		r->kind = fl_fault_in_kind_name(k);
		r->calls = sum->snap->counters[FL_CNT_FAULT_IN_CALLS_KIND + k];
		r->short_calls = sum->snap->counters[FL_CNT_FAULT_IN_SHORT_KIND + k];
		r->latency = &fi_lat[k];
		s.nr_fault_in++;
	}
	return fl_metrics_render(f, &s);
}
