/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Prometheus text exposition (format 0.0.4) of a snapshot of the kernel
 * counters. Pure: no BPF, no I/O beyond the FILE it writes to, so the exact
 * output is unit-tested. The daemon fills a snapshot at scrape time (and for
 * every --textfile write) and renders it.
 *
 * A family is written only when the snapshot has samples for it: a family
 * whose kernel side does not exist yet (no rows) prints nothing, not zeros.
 */
#ifndef FL_METRICS_H
#define FL_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include "faultlock_abi.h"
#include "catalog.h"
#include "snapshot.h"

#define FL_METRICS_CONTENT_TYPE "text/plain; version=0.0.4; charset=utf-8"

/* One hook of the attach table: faultlock_hook_attached{hook,mode}. */
struct fl_metrics_hook {
	const char *name;
	const char *mode;	/* "tp_btf", "fentry", ...; NULL or "-": not attached */
};

/*
 * A histogram as the kernel keeps it: per-bucket (not cumulative) counts.
 * counts[i] holds observations <= bounds[i] (and > bounds[i-1]);
 * counts[nr_bounds] those above the last bound. The renderer makes the
 * buckets cumulative, adds le="+Inf" (== _count), _sum and _count.
 */
struct fl_hist {
	int nr_bounds;
	const double *bounds;	/* upper bounds in base units, strictly increasing */
	const uint64_t *counts;	/* nr_bounds + 1 entries */
	double sum;		/* in base units */
};

/* Fills bounds[i] = 2^(first + i) / divisor: the exp2 buckets of a BPF log2
 * histogram in base units (divisor 1e9 for nanoseconds shown as seconds;
 * dividing keeps le="1.024e-06" instead of "1.0240000000000001e-06"). */
void fl_hist_exp2_bounds(double *bounds, int n, int first, double divisor);

/*
 * From the kernel's log2 histogram (struct fl_hist_val, per-CPU values already
 * summed: slot i counts ns in [2^(i-1), 2^i), slot 0 the zeros) to buckets
 * le = 2^first .. 2^last ns, in seconds: slots up to `first` fold into the
 * first bucket, slots past `last` into +Inf. bounds and counts need
 * last - first + 1 and last - first + 2 entries; h points into them.
 * (le = 2^i ns: a value of exactly 2^i ns, counted in slot i + 1, lands one
 * bucket up.)
 */
void fl_hist_from_log2(const struct fl_hist_val *v, int first, int last, double *bounds,
		       uint64_t *counts, struct fl_hist *h);

/* Families of the glock detector and fault_in_*. */
struct fl_metrics_lock_row {		/* lock_acquisitions, recursive_lock */
	char fstype[FL_FSTYPE_LEN];
	uint32_t dev;
	const char *lock;		/* provider: "glock" */
	uint64_t acquisitions, recursive, order, remote_demotes;
};

struct fl_metrics_ful_row {		/* fault_under_lock */
	char fstype[FL_FSTYPE_LEN];
	uint32_t dev;
	const char *lock;
	const char *protection;		/* "nofault", "may_demote", "none" */
	uint64_t count;
};

struct fl_metrics_lock_hist {		/* lock_hold_seconds, lock_wait_seconds */
	char fstype[FL_FSTYPE_LEN];
	const char *lock;
	const struct fl_hist *hold;	/* NULL: not measured */
	const struct fl_hist *wait;
	/* Waits granted through the lock manager (gfs2 on lock_dlm): then wait
	 * is the others, and both get a `remote` label; NULL: not told apart. */
	const struct fl_hist *wait_remote;
};

struct fl_metrics_fault_in_row {	/* fault_in_calls, fault_in_short, fault_in_seconds */
	const char *kind;		/* "readable", "writeable", "safe_writeable" */
	uint64_t calls, short_calls;
	const struct fl_hist *latency;	/* NULL: not measured */
};

struct fl_metrics_livelock_row {	/* retry_livelocks_total */
	char fstype[FL_FSTYPE_LEN + 1];
	const char *kind;		/* "fault_in_safe_writeable", ..., "dio" */
	uint64_t count;
};

struct fl_metrics_snapshot {
	const char *version;		/* faultlock_build_info */
	const char *kernel;
	const struct fl_metrics_hook *hooks;
	int nr_hooks;
	const uint64_t *counters;	/* FL_CNT_MAX entries; NULL: not read */
	const struct fl_fs_row *fs;	/* per-fs map: dio_*, same_file_fault */
	int nr_fs;
	const struct fl_metrics_lock_row *locks;
	int nr_locks;
	const struct fl_metrics_ful_row *ful;
	int nr_ful;
	const struct fl_metrics_lock_hist *lock_hists;
	int nr_lock_hists;
	const struct fl_metrics_fault_in_row *fault_in;
	int nr_fault_in;
	const uint64_t *lock_stalls;	/* lock_stall findings by provider (FL_LOCK_KINDS) */
	uint32_t lock_stall_kinds;	/* providers watched, a bit each (0: none) */
	const uint64_t *deadlocks;	/* deadlock findings; NULL: not watched */
	/* gfs2_demote_rq attached: FL_GLOCK_TYPES requests by glock type, and
	 * the remote_demote findings; NULL: not watched */
	const uint64_t *remote_demotes_by_type;
	const uint64_t *remote_demote_stalls;
	const struct fl_metrics_livelock_row *livelocks;	/* sorted by the caller */
	int nr_livelocks;
};

/* Writes every family; 0, or -EIO if the stream failed. */
int fl_metrics_render(FILE *f, const struct fl_metrics_snapshot *s);

/* Visible for testing: the building blocks. */
struct fl_label {
	const char *name;
	const char *value;
};

/* "# HELP" (escaped) and "# TYPE" lines. */
void fl_metrics_family(FILE *f, const char *name, const char *type, const char *help);
/* name{labels} value */
void fl_metrics_sample(FILE *f, const char *name, const struct fl_label *labels, int nr,
		       const char *value);
void fl_metrics_sample_u64(FILE *f, const char *name, const struct fl_label *labels, int nr,
			   uint64_t value);
/* name_bucket{labels,le=...} (cumulative), name_sum, name_count */
void fl_metrics_hist(FILE *f, const char *name, const struct fl_label *labels, int nr,
		     const struct fl_hist *h);
/* A label value between quotes: \ " and newline escaped, other control
 * and non-ASCII bytes replaced by '?' (the output stays valid UTF-8). */
void fl_metrics_escape_label(FILE *f, const char *s);
/* A HELP docstring: \ and newline escaped. */
void fl_metrics_escape_help(FILE *f, const char *s);
/* Shortest text that reads back as v; NaN, +Inf, -Inf as Prometheus writes them. */
const char *fl_metrics_fmt_double(double v, char *buf, size_t len);

#endif
