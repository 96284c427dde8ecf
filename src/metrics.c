// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Prometheus text format 0.0.4 (prometheus.io/docs/instrumenting/exposition_formats):
 * one "# HELP" and one "# TYPE" line per family before its samples, each
 * family one contiguous group, label values escaped, histograms as cumulative
 * _bucket{le} series ending in le="+Inf" (== _count), then _sum and _count.
 * Rows are sorted, so the same counters always give the same text.
 */
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "metrics.h"
#include "names.h"

#define ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))
#define MAX_LABELS 8

/* ---- format primitives -------------------------------------------------- */

const char *fl_metrics_fmt_double(double v, char *buf, size_t len)
{
	if (isnan(v)) {
		snprintf(buf, len, "NaN");
	} else if (isinf(v)) {
		snprintf(buf, len, v > 0 ? "+Inf" : "-Inf");
	} else {
		/* The shortest %g that reads back exactly (like Go's FormatFloat(v, 'g', -1)). */
		for (int prec = 1; prec <= 17; prec++) {
			snprintf(buf, len, "%.*g", prec, v);
			if (strtod(buf, NULL) == v)
				break;
		}
	}
	return buf;
}

void fl_metrics_escape_label(FILE *f, const char *s)
{
	fputc('"', f);
	for (; s && *s; s++) {
		unsigned char c = (unsigned char)*s;

		if (c == '\\' || c == '"')
			fprintf(f, "\\%c", c);
		else if (c == '\n')
			fputs("\\n", f);
		else if (c < 0x20 || c >= 0x7f)
			fputc('?', f);
		else
			fputc(c, f);
	}
	fputc('"', f);
}

void fl_metrics_escape_help(FILE *f, const char *s)
{
	for (; s && *s; s++) {
		if (*s == '\\')
			fputs("\\\\", f);
		else if (*s == '\n')
			fputs("\\n", f);
		else
			fputc(*s, f);
	}
}

void fl_metrics_family(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s ", name);
	fl_metrics_escape_help(f, help);
	fprintf(f, "\n# TYPE %s %s\n", name, type);
}

static void write_labels(FILE *f, const struct fl_label *labels, int nr, const char *le)
{
	if (!nr && !le)
		return;
	fputc('{', f);
	for (int i = 0; i < nr; i++) {
		fprintf(f, "%s%s=", i ? "," : "", labels[i].name);
		fl_metrics_escape_label(f, labels[i].value);
	}
	if (le) {
		fprintf(f, "%sle=", nr ? "," : "");
		fl_metrics_escape_label(f, le);
	}
	fputc('}', f);
}

void fl_metrics_sample(FILE *f, const char *name, const struct fl_label *labels, int nr,
		       const char *value)
{
	fputs(name, f);
	write_labels(f, labels, nr, NULL);
	fprintf(f, " %s\n", value);
}

void fl_metrics_sample_u64(FILE *f, const char *name, const struct fl_label *labels, int nr,
			   uint64_t value)
{
	char buf[24];

	snprintf(buf, sizeof(buf), "%" PRIu64, value);
	fl_metrics_sample(f, name, labels, nr, buf);
}

void fl_metrics_hist(FILE *f, const char *name, const struct fl_label *labels, int nr,
		     const struct fl_hist *h)
{
	uint64_t cum = 0;
	char le[32], val[32];

	for (int i = 0; i <= h->nr_bounds; i++) {
		cum += h->counts[i];
		if (i == h->nr_bounds)
			snprintf(le, sizeof(le), "+Inf");
		else
			fl_metrics_fmt_double(h->bounds[i], le, sizeof(le));
		fprintf(f, "%s_bucket", name);
		write_labels(f, labels, nr, le);
		fprintf(f, " %" PRIu64 "\n", cum);
	}
	fprintf(f, "%s_sum", name);
	write_labels(f, labels, nr, NULL);
	fprintf(f, " %s\n", fl_metrics_fmt_double(h->sum, val, sizeof(val)));
	fprintf(f, "%s_count", name);
	write_labels(f, labels, nr, NULL);
	fprintf(f, " %" PRIu64 "\n", cum);
}

void fl_hist_exp2_bounds(double *bounds, int n, int first, double divisor)
{
	double p = 1.0;	/* 2^first, exactly (no libm in a static binary) */

	for (int e = first; e > 0; e--)
		p *= 2;
	for (int e = first; e < 0; e++)
		p /= 2;
	for (int i = 0; i < n; i++, p *= 2)
		bounds[i] = p / divisor;	/* exact operands: correctly rounded */
}

void fl_hist_from_log2(const struct fl_hist_val *v, int first, int last, double *bounds,
		       uint64_t *counts, struct fl_hist *h)
{
	int n = last - first + 1;

	fl_hist_exp2_bounds(bounds, n, first, 1e9);
	memset(counts, 0, (n + 1) * sizeof(*counts));
	for (int i = 0; i < FL_HIST_SLOTS; i++) {
		int b = i <= first ? 0 : i > last ? n : i - first;

		counts[b] += v->slots[i];
	}
	h->nr_bounds = n;
	h->bounds = bounds;
	h->counts = counts;
	h->sum = v->sum_ns / 1e9;
}

/* ---- sorted row order --------------------------------------------------- */

/* A kernel string field, never trusted to be terminated (label values are
 * escaped, not replaced: the exposition format carries any byte). */
static void copy_fstype(char *dst, const char *src)
{
	memcpy(dst, src, FL_FSTYPE_LEN);
	dst[FL_FSTYPE_LEN - 1] = '\0';
}

static int cmp_fs_dev(const char *fa, uint32_t da, const char *fb, uint32_t db)
{
	int c = strncmp(fa, fb, FL_FSTYPE_LEN);

	if (c)
		return c;
	if ((da >> 20) != (db >> 20))
		return (da >> 20) < (db >> 20) ? -1 : 1;
	if ((da & 0xfffff) != (db & 0xfffff))
		return (da & 0xfffff) < (db & 0xfffff) ? -1 : 1;
	return 0;
}

static int cmp_str(const char *a, const char *b)
{
	return strcmp(a ? a : "", b ? b : "");
}

static int cmp_fs_row(const void *a, const void *b)
{
	const struct fl_fs_row *x = *(const struct fl_fs_row *const *)a;
	const struct fl_fs_row *y = *(const struct fl_fs_row *const *)b;
	int c = cmp_fs_dev(x->fstype, x->dev, y->fstype, y->dev);

	return c ? c : (x->op > y->op) - (x->op < y->op);
}

static int cmp_lock_row(const void *a, const void *b)
{
	const struct fl_metrics_lock_row *x = *(const struct fl_metrics_lock_row *const *)a;
	const struct fl_metrics_lock_row *y = *(const struct fl_metrics_lock_row *const *)b;
	int c = cmp_fs_dev(x->fstype, x->dev, y->fstype, y->dev);

	return c ? c : cmp_str(x->lock, y->lock);
}

static int cmp_ful_row(const void *a, const void *b)
{
	const struct fl_metrics_ful_row *x = *(const struct fl_metrics_ful_row *const *)a;
	const struct fl_metrics_ful_row *y = *(const struct fl_metrics_ful_row *const *)b;
	int c = cmp_fs_dev(x->fstype, x->dev, y->fstype, y->dev);

	if (!c)
		c = cmp_str(x->lock, y->lock);
	return c ? c : cmp_str(x->protection, y->protection);
}

static int cmp_lock_hist(const void *a, const void *b)
{
	const struct fl_metrics_lock_hist *x = *(const struct fl_metrics_lock_hist *const *)a;
	const struct fl_metrics_lock_hist *y = *(const struct fl_metrics_lock_hist *const *)b;
	int c = strncmp(x->fstype, y->fstype, FL_FSTYPE_LEN);

	return c ? c : cmp_str(x->lock, y->lock);
}

static int cmp_fault_in(const void *a, const void *b)
{
	const struct fl_metrics_fault_in_row *x = *(const struct fl_metrics_fault_in_row *const *)a;
	const struct fl_metrics_fault_in_row *y = *(const struct fl_metrics_fault_in_row *const *)b;

	return cmp_str(x->kind, y->kind);
}

/*
 * An array of pointers to the n rows, sorted; NULL when n is 0 (or on
 * allocation failure, which the caller reports as -ENOMEM).
 */
static const void **sorted(const void *rows, int n, size_t size, int (*cmp)(const void *, const void *))
{
	const void **idx;

	if (n <= 0)
		return NULL;
	idx = calloc(n, sizeof(*idx));
	if (!idx)
		return NULL;
	for (int i = 0; i < n; i++)
		idx[i] = (const char *)rows + (size_t)i * size;
	qsort(idx, n, sizeof(*idx), cmp);
	return idx;
}

/* ---- families ----------------------------------------------------------- */

/* The DIO counter families, one per field of struct fl_fs_row. */
enum dio_field { DIO_CALLS, DIO_RETRIES, DIO_RETRY_BYTES };

static uint64_t dio_value(const struct fl_fs_row *r, enum dio_field fld)
{
	switch (fld) {
	case DIO_CALLS: return r->dio_calls;
	case DIO_RETRIES: return r->retries;
	default: return r->retry_bytes;
	}
}

static void render_dio(FILE *f, const struct fl_fs_row **rows, int n)
{
	static const struct {
		const char *name, *help;
		enum dio_field fld;
	} fams[] = {
		{ "faultlock_dio_calls_total",
		  "iomap direct I/O calls (iomap_dio_rw), by file system and direction.", DIO_CALLS },
		{ "faultlock_dio_retries_total",
		  "Direct I/O calls that resume earlier work: done_before > 0, or the next call on "
		  "the same file in the same system call after a partial result.", DIO_RETRIES },
		{ "faultlock_dio_retry_bytes_total",
		  "Bytes already transferred when a retry started (sum of done_before over retries).",
		  DIO_RETRY_BYTES },
	};
	char fstype[FL_FSTYPE_LEN], dev[24];
	struct fl_label l[4] = { { "fstype", fstype }, { "dev", dev }, { "op", NULL }, { "reason", NULL } };

	if (!n)
		return;
	for (size_t k = 0; k < ARRAY_SIZE(fams); k++) {
		if (k == 1) {
			/* dio_partial sits after dio_calls, in the contract's order. */
			fl_metrics_family(f, "faultlock_dio_partial_total", "counter",
					  "Direct I/O calls with a nofault iterator that returned fewer bytes "
					  "than requested (reason=\"short\") or -EFAULT (reason=\"efault\").");
			for (int i = 0; i < n; i++) {
				copy_fstype(fstype, rows[i]->fstype);
				fl_format_dev(rows[i]->dev, dev, sizeof(dev));
				l[2].value = fl_op_name(rows[i]->op);
				l[3].value = "short";
				fl_metrics_sample_u64(f, "faultlock_dio_partial_total", l, 4, rows[i]->partial_short);
				l[3].value = "efault";
				fl_metrics_sample_u64(f, "faultlock_dio_partial_total", l, 4, rows[i]->partial_efault);
			}
		}
		fl_metrics_family(f, fams[k].name, "counter", fams[k].help);
		for (int i = 0; i < n; i++) {
			copy_fstype(fstype, rows[i]->fstype);
			fl_format_dev(rows[i]->dev, dev, sizeof(dev));
			l[2].value = fl_op_name(rows[i]->op);
			fl_metrics_sample_u64(f, fams[k].name, l, 3, dio_value(rows[i], fams[k].fld));
		}
	}
}

/* Summed over op: rows are sorted, so rows of one file system are adjacent. */
static void render_same_file_fault(FILE *f, const struct fl_fs_row **rows, int n)
{
	char fstype[FL_FSTYPE_LEN], dev[24];
	const struct fl_label l[2] = { { "fstype", fstype }, { "dev", dev } };

	if (!n)
		return;
	fl_metrics_family(f, "faultlock_same_file_fault_total", "counter",
			  "Page faults on a mapping of the file the task is doing direct I/O on.");
	for (int i = 0; i < n;) {
		uint64_t sum = 0;
		int j = i;

		for (; j < n && !cmp_fs_dev(rows[j]->fstype, rows[j]->dev, rows[i]->fstype, rows[i]->dev); j++)
			sum += rows[j]->same_file_fault;
		copy_fstype(fstype, rows[i]->fstype);
		fl_format_dev(rows[i]->dev, dev, sizeof(dev));
		fl_metrics_sample_u64(f, "faultlock_same_file_fault_total", l, 2, sum);
		i = j;
	}
}

static void render_locks(FILE *f, const struct fl_metrics_lock_row **rows, int n)
{
	char fstype[FL_FSTYPE_LEN], dev[24];
	struct fl_label l[3] = { { "fstype", fstype }, { "dev", dev }, { "lock", NULL } };

	if (!n)
		return;
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "faultlock_recursive_lock_total" : "faultlock_lock_acquisitions_total";

		fl_metrics_family(f, name, "counter",
				  k ? "Requests for a lock the task already holds (a self-deadlock, "
				      "caught before the request blocks)."
				    : "Filesystem lock acquisitions: gfs2 glocks; btrfs extent ranges and ordered extents "
				      "taken inside a traced direct I/O.");
		for (int i = 0; i < n; i++) {
			copy_fstype(fstype, rows[i]->fstype);
			fl_format_dev(rows[i]->dev, dev, sizeof(dev));
			l[2].value = rows[i]->lock;
			fl_metrics_sample_u64(f, name, l, 3, k ? rows[i]->recursive : rows[i]->acquisitions);
		}
	}
}

static void render_stalls(FILE *f, const uint64_t *stalls, uint32_t kinds)
{
	static const char *const fstype[FL_LOCK_KINDS] = {
		[FL_LOCK_GLOCK] = "gfs2", [FL_LOCK_BTRFS_EXTENT] = "btrfs",
	};

	if (!stalls || !kinds)
		return;
	fl_metrics_family(f, "faultlock_lock_stalls_total", "counter",
			  "Lock waits that outlasted --stall-ms (lock_stall findings).");
	for (uint32_t k = 0; k < FL_LOCK_KINDS; k++) {
		struct fl_label l[2] = { { "fstype", fstype[k] }, { "lock", fl_lock_kind_name(k) } };

		if ((kinds & (1u << k)) && fstype[k])
			fl_metrics_sample_u64(f, "faultlock_lock_stalls_total", l, 2, stalls[k]);
	}
}

/* lock_order per file system type and provider (devices summed: the
 * contract's labels), glocks and btrfs extents; then the deadlocks found. */
static void render_orders(FILE *f, const struct fl_metrics_lock_row **rows, int n,
			  const uint64_t *deadlocks)
{
	char fstype[FL_FSTYPE_LEN];
	struct fl_label l[2] = { { "fstype", fstype }, { "lock", NULL } };
	bool family = false;

	for (int i = 0; i < n; i++) {
		uint64_t sum = 0;
		bool first = true;

		if (strcmp(rows[i]->lock, "glock") && strcmp(rows[i]->lock, "btrfs_extent"))
			continue;
		for (int j = 0; j < n; j++) {
			if (strcmp(rows[j]->lock, rows[i]->lock) ||
			    strncmp(rows[j]->fstype, rows[i]->fstype, FL_FSTYPE_LEN))
				continue;
			if (j < i)
				first = false;	/* its group is out already */
			sum += rows[j]->order;
		}
		if (!first)
			continue;
		if (!family)
			fl_metrics_family(f, "faultlock_lock_order_total", "counter",
					  "Lock pairs taken in opposite orders by different tasks "
					  "(lock_order findings, once per pair).");
		family = true;
		copy_fstype(fstype, rows[i]->fstype);
		l[1].value = rows[i]->lock;
		fl_metrics_sample_u64(f, "faultlock_lock_order_total", l, 2, sum);
	}
	if (!deadlocks)
		return;
	fl_metrics_family(f, "faultlock_deadlocks_total", "counter",
			  "Live cycles of tasks waiting on locks held by each other (deadlock findings).");
	fl_metrics_sample_u64(f, "faultlock_deadlocks_total", NULL, 0, *deadlocks);
}

/*
 * Other nodes' requests for glocks held here (the DLM's blocking
 * callbacks): per device (the contract's family), per glock kind, and the
 * remote_demote findings — requests a holder here kept waiting.
 */
static void render_remote(FILE *f, const struct fl_metrics_lock_row **rows, int n,
			  const uint64_t *by_type, const uint64_t *stalls)
{
	char fstype[FL_FSTYPE_LEN], dev[24];
	struct fl_label l[2] = { { "fstype", fstype }, { "dev", dev } };
	const struct fl_label glock[1] = { { "lock", "glock" } };
	bool family = false;

	if (!by_type)
		return;
	for (int i = 0; i < n; i++) {
		if (strcmp(rows[i]->lock, "glock"))
			continue;
		if (!family)
			fl_metrics_family(f, "faultlock_glock_remote_demotes_total", "counter",
					  "Other cluster nodes' requests for glocks this node holds "
					  "(the DLM's blocking callbacks).");
		family = true;
		copy_fstype(fstype, rows[i]->fstype);
		fl_format_dev(rows[i]->dev, dev, sizeof(dev));
		fl_metrics_sample_u64(f, "faultlock_glock_remote_demotes_total", l, 2, rows[i]->remote_demotes);
	}
	fl_metrics_family(f, "faultlock_glock_remote_demotes_by_kind_total", "counter",
			  "Other cluster nodes' requests for glocks this node holds, by glock kind.");
	for (uint32_t t = 1; t < FL_GLOCK_TYPES; t++) {
		const struct fl_label k[1] = { { "kind", fl_glock_type_name(t) } };

		if (t == 7)
			continue;	/* LM_TYPE_PLOCK: no glock of it */
		fl_metrics_sample_u64(f, "faultlock_glock_remote_demotes_by_kind_total", k, 1, by_type[t]);
	}
	fl_metrics_family(f, "faultlock_remote_demote_stalls_total", "counter",
			  "Other nodes' glock requests kept waiting longer than --stall-ms by a holder here "
			  "(remote_demote findings).");
	fl_metrics_sample_u64(f, "faultlock_remote_demote_stalls_total", glock, 1, *stalls);
}

static void render_livelocks(FILE *f, const struct fl_metrics_livelock_row *rows, int n)
{
	struct fl_label l[2] = { { "fstype", NULL }, { "kind", NULL } };

	if (!n)
		return;
	fl_metrics_family(f, "faultlock_retry_livelocks_total", "counter",
			  "retry_livelock episodes: a nofault copy, fault-in and retry cycle repeating "
			  "without progress (fstype of the file at the faulted range; unknown: not found).");
	for (int i = 0; i < n; i++) {
		l[0].value = rows[i].fstype;
		l[1].value = rows[i].kind;
		fl_metrics_sample_u64(f, "faultlock_retry_livelocks_total", l, 2, rows[i].count);
	}
}

static void render_ful(FILE *f, const struct fl_metrics_ful_row **rows, int n)
{
	char fstype[FL_FSTYPE_LEN], dev[24];
	struct fl_label l[4] = { { "fstype", fstype }, { "dev", dev }, { "lock", NULL }, { "protection", NULL } };

	if (!n)
		return;
	fl_metrics_family(f, "faultlock_fault_under_lock_total", "counter",
			  "Page faults taken while the task holds a filesystem lock, by the protection "
			  "in force (nofault, may_demote, none).");
	for (int i = 0; i < n; i++) {
		copy_fstype(fstype, rows[i]->fstype);
		fl_format_dev(rows[i]->dev, dev, sizeof(dev));
		l[2].value = rows[i]->lock;
		l[3].value = rows[i]->protection;
		fl_metrics_sample_u64(f, "faultlock_fault_under_lock_total", l, 4, rows[i]->count);
	}
}

static void render_lock_hists(FILE *f, const struct fl_metrics_lock_hist **rows, int n)
{
	char fstype[FL_FSTYPE_LEN];
	struct fl_label l[3] = { { "fstype", fstype }, { "lock", NULL }, { "remote", NULL } };

	for (int k = 0; k < 2; k++) {
		const char *name = k ? "faultlock_lock_wait_seconds" : "faultlock_lock_hold_seconds";
		bool started = false;

		for (int i = 0; i < n; i++) {
			const struct fl_hist *h = k ? rows[i]->wait : rows[i]->hold;

			if (!h)
				continue;
			if (!started)
				fl_metrics_family(f, name, "histogram",
						  k ? "Time spent waiting for a filesystem lock."
						    : "Time a filesystem lock was held.");
			started = true;
			copy_fstype(fstype, rows[i]->fstype);
			l[1].value = rows[i]->lock;
			if (!k || !rows[i]->wait_remote) {
				fl_metrics_hist(f, name, l, 2, h);
				continue;
			}
			l[2].value = "false";
			fl_metrics_hist(f, name, l, 3, h);
			l[2].value = "true";
			fl_metrics_hist(f, name, l, 3, rows[i]->wait_remote);
		}
	}
}

static void render_fault_in(FILE *f, const struct fl_metrics_fault_in_row **rows, int n)
{
	struct fl_label l[1] = { { "kind", NULL } };

	if (!n)
		return;
	for (int k = 0; k < 2; k++) {
		const char *name = k ? "faultlock_fault_in_short_total" : "faultlock_fault_in_calls_total";

		fl_metrics_family(f, name, "counter",
				  k ? "fault_in_*() calls that left bytes not faulted in."
				    : "fault_in_*() calls (user pages faulted in before a retry).");
		for (int i = 0; i < n; i++) {
			l[0].value = rows[i]->kind;
			fl_metrics_sample_u64(f, name, l, 1, k ? rows[i]->short_calls : rows[i]->calls);
		}
	}
	for (int i = 0, started = 0; i < n; i++) {
		if (!rows[i]->latency)
			continue;
		if (!started++)
			fl_metrics_family(f, "faultlock_fault_in_seconds", "histogram",
					  "Time a fault_in_*() call took (faulting the user pages in).");
		l[0].value = rows[i]->kind;
		fl_metrics_hist(f, "faultlock_fault_in_seconds", l, 1, rows[i]->latency);
	}
}

static void render_lost(FILE *f, const uint64_t *counters)
{
	struct fl_label l[1] = { { "reason", NULL } };

	if (!counters)
		return;
	fl_metrics_family(f, "faultlock_events_lost_total", "counter",
			  "Events dropped before reaching user space, by reason; the other counters "
			  "stay exact (they are kept in the kernel).");
	for (int i = 0; i < fl_nr_lost_reasons; i++) {
		l[0].value = fl_lost_reasons[i].reason;
		fl_metrics_sample_u64(f, "faultlock_events_lost_total", l, 1, counters[fl_lost_reasons[i].idx]);
	}
}

static void render_hooks(FILE *f, const struct fl_metrics_hook *hooks, int n)
{
	struct fl_label l[2] = { { "hook", NULL }, { "mode", NULL } };

	if (!n)
		return;
	fl_metrics_family(f, "faultlock_hook_attached", "gauge",
			  "Whether a kernel hook is attached (1) or unavailable here (0), with the "
			  "attach mode (\"-\" when none).");
	for (int i = 0; i < n; i++) {
		bool on = hooks[i].mode && strcmp(hooks[i].mode, "-");

		l[0].value = hooks[i].name;
		l[1].value = on ? hooks[i].mode : "-";
		fl_metrics_sample(f, "faultlock_hook_attached", l, 2, on ? "1" : "0");
	}
}

static void render_build_info(FILE *f, const struct fl_metrics_snapshot *s)
{
	const struct fl_label l[2] = { { "version", s->version }, { "kernel", s->kernel } };

	if (!s->version)
		return;
	fl_metrics_family(f, "faultlock_build_info", "gauge",
			  "faultlock's version and the running kernel release (always 1).");
	fl_metrics_sample(f, "faultlock_build_info", l, 2, "1");
}

int fl_metrics_render(FILE *f, const struct fl_metrics_snapshot *s)
{
	const void **fs = sorted(s->fs, s->nr_fs, sizeof(*s->fs), cmp_fs_row);
	const void **locks = sorted(s->locks, s->nr_locks, sizeof(*s->locks), cmp_lock_row);
	const void **ful = sorted(s->ful, s->nr_ful, sizeof(*s->ful), cmp_ful_row);
	const void **hists = sorted(s->lock_hists, s->nr_lock_hists, sizeof(*s->lock_hists), cmp_lock_hist);
	const void **fin = sorted(s->fault_in, s->nr_fault_in, sizeof(*s->fault_in), cmp_fault_in);
	int err = 0;

	if ((s->nr_fs > 0 && !fs) || (s->nr_locks > 0 && !locks) || (s->nr_ful > 0 && !ful) ||
	    (s->nr_lock_hists > 0 && !hists) || (s->nr_fault_in > 0 && !fin)) {
		err = -ENOMEM;
		goto out;
	}
	/* The contract's order. */
	render_locks(f, (const struct fl_metrics_lock_row **)locks, s->nr_locks);
	render_stalls(f, s->lock_stalls, s->lock_stall_kinds);
	render_orders(f, (const struct fl_metrics_lock_row **)locks, s->nr_locks, s->deadlocks);
	render_livelocks(f, s->livelocks, s->nr_livelocks);
	render_remote(f, (const struct fl_metrics_lock_row **)locks, s->nr_locks, s->remote_demotes_by_type,
		      s->remote_demote_stalls);
	render_ful(f, (const struct fl_metrics_ful_row **)ful, s->nr_ful);
	render_lock_hists(f, (const struct fl_metrics_lock_hist **)hists, s->nr_lock_hists);
	render_dio(f, (const struct fl_fs_row **)fs, s->nr_fs);
	render_fault_in(f, (const struct fl_metrics_fault_in_row **)fin, s->nr_fault_in);
	render_same_file_fault(f, (const struct fl_fs_row **)fs, s->nr_fs);
	render_lost(f, s->counters);
	render_hooks(f, s->hooks, s->nr_hooks);
	render_build_info(f, s);
	if (fflush(f) || ferror(f))
		err = -EIO;
out:
	free(fs);
	free(locks);
	free(ful);
	free(hists);
	free(fin);
	return err;
}
