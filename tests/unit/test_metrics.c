// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/metrics.c: the Prometheus text of crafted snapshots, exactly; label and
 * HELP escaping; histograms (cumulative, +Inf == _count, _sum); family
 * grouping. src/http.c: the --listen parser, and the evhttp front end on a
 * real loopback socket driven in-process (status codes, Content-Type, size
 * limits, the connection limit).
 */
#include <errno.h>
#include <math.h>
#include <poll.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <event2/event.h>
#include "fltest.h"
#include "http.h"
#include "metrics.h"

#define DEV(maj, min) (((uint32_t)(maj) << 20) | (min))

static char *render(const struct fl_metrics_snapshot *s)
{
	struct cap c;
	char *text;

	cap_open(&c);
	assert_int_equal(fl_metrics_render(c.f, s), 0);
	text = strdup(cap_str(&c));
	cap_close(&c);
	assert_non_null(text);
	return text;
}

static struct fl_fs_row fs_row(const char *fstype, uint32_t dev, uint32_t op, uint64_t calls,
			       uint64_t p_short, uint64_t p_efault, uint64_t retries, uint64_t bytes,
			       uint64_t sff)
{
	struct fl_fs_row r = { .dev = dev, .op = op, .dio_calls = calls, .partial_short = p_short,
			       .partial_efault = p_efault, .retries = retries, .retry_bytes = bytes,
			       .same_file_fault = sff };

	strncpy(r.fstype, fstype, sizeof(r.fstype));
	return r;
}

/* ---- format primitives -------------------------------------------------- */

static void test_fmt_double(void **state)
{
	char b[32];

	(void)state;
	assert_string_equal(fl_metrics_fmt_double(0, b, sizeof(b)), "0");
	assert_string_equal(fl_metrics_fmt_double(1, b, sizeof(b)), "1");
	assert_string_equal(fl_metrics_fmt_double(0.1, b, sizeof(b)), "0.1");
	assert_string_equal(fl_metrics_fmt_double(2.5, b, sizeof(b)), "2.5");
	assert_string_equal(fl_metrics_fmt_double(1e-06, b, sizeof(b)), "1e-06");
	assert_string_equal(fl_metrics_fmt_double(0.0125, b, sizeof(b)), "0.0125");
	assert_string_equal(fl_metrics_fmt_double(1e21, b, sizeof(b)), "1e+21");
	assert_string_equal(fl_metrics_fmt_double(1.0 / 3, b, sizeof(b)), "0.3333333333333333");
	assert_string_equal(fl_metrics_fmt_double(NAN, b, sizeof(b)), "NaN");
	assert_string_equal(fl_metrics_fmt_double(INFINITY, b, sizeof(b)), "+Inf");
	assert_string_equal(fl_metrics_fmt_double(-INFINITY, b, sizeof(b)), "-Inf");
	/* Round trip for awkward values. */
	for (double v = 1e-9; v < 1e9; v *= 3.7) {
		fl_metrics_fmt_double(v, b, sizeof(b));
		assert_true(strtod(b, NULL) == v);
	}
}

static void test_exp2_bounds(void **state)
{
	double b[4];
	char s[32];

	(void)state;
	fl_hist_exp2_bounds(b, 4, 10, 1e9);
	assert_string_equal(fl_metrics_fmt_double(b[0], s, sizeof(s)), "1.024e-06");
	assert_string_equal(fl_metrics_fmt_double(b[1], s, sizeof(s)), "2.048e-06");
	assert_string_equal(fl_metrics_fmt_double(b[3], s, sizeof(s)), "8.192e-06");
	fl_hist_exp2_bounds(b, 3, -1, 1);
	assert_true(b[0] == 0.5 && b[1] == 1 && b[2] == 2);
}

static void test_escape_label(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c);
	fl_metrics_escape_label(c.f, "a\\b\"c\nd");
	assert_string_equal(cap_str(&c), "\"a\\\\b\\\"c\\nd\"");
	cap_reset(&c);
	fl_metrics_escape_label(c.f, "tab\there\x01\x7f\xc3\xa9");
	assert_string_equal(cap_str(&c), "\"tab?here????\"");
	cap_reset(&c);
	fl_metrics_escape_label(c.f, "");
	assert_string_equal(cap_str(&c), "\"\"");
	cap_reset(&c);
	fl_metrics_escape_label(c.f, NULL);
	assert_string_equal(cap_str(&c), "\"\"");
	cap_close(&c);
}

static void test_escape_help(void **state)
{
	struct cap c;

	(void)state;
	cap_open(&c);
	fl_metrics_family(c.f, "x_total", "counter", "back\\slash, \"quotes\" stay,\nnewline");
	assert_string_equal(cap_str(&c),
			    "# HELP x_total back\\\\slash, \"quotes\" stay,\\nnewline\n"
			    "# TYPE x_total counter\n");
	cap_close(&c);
}

static void test_sample_no_labels(void **state)
{
	struct cap c;
	const struct fl_label l[2] = { { "a", "1" }, { "b", "x y" } };

	(void)state;
	cap_open(&c);
	fl_metrics_sample_u64(c.f, "x_total", NULL, 0, UINT64_MAX);
	fl_metrics_sample(c.f, "y", l, 2, "0");
	assert_string_equal(cap_str(&c), "x_total 18446744073709551615\ny{a=\"1\",b=\"x y\"} 0\n");
	cap_close(&c);
}

/* ---- histograms --------------------------------------------------------- */

static void test_hist_exact(void **state)
{
	static const double bounds[] = { 0.001, 0.002, 0.004 };
	static const uint64_t counts[] = { 1, 0, 3, 2 };
	const struct fl_hist h = { .nr_bounds = 3, .bounds = bounds, .counts = counts, .sum = 0.0125 };
	const struct fl_label l[2] = { { "fstype", "gfs2" }, { "lock", "glock" } };
	struct cap c;

	(void)state;
	cap_open(&c);
	fl_metrics_hist(c.f, "x_seconds", l, 2, &h);
	assert_string_equal(cap_str(&c),
		"x_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"0.001\"} 1\n"
		"x_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"0.002\"} 1\n"
		"x_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"0.004\"} 4\n"
		"x_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"+Inf\"} 6\n"
		"x_seconds_sum{fstype=\"gfs2\",lock=\"glock\"} 0.0125\n"
		"x_seconds_count{fstype=\"gfs2\",lock=\"glock\"} 6\n");
	cap_reset(&c);
	/* No labels, no finite bucket: just +Inf, _sum, _count. */
	const struct fl_hist empty = { .nr_bounds = 0, .bounds = NULL, .counts = (const uint64_t[]){ 0 } };
	fl_metrics_hist(c.f, "y", NULL, 0, &empty);
	assert_string_equal(cap_str(&c), "y_bucket{le=\"+Inf\"} 0\ny_sum 0\ny_count 0\n");
	cap_close(&c);
}

/* The kernel's log2 slots folded into le = 2^first .. 2^last ns buckets. */
static void test_hist_from_log2(void **state)
{
	struct fl_hist_val v = { .sum_ns = 123456789 };
	double bounds[3];
	uint64_t counts[4];
	struct fl_hist h;
	struct cap c;

	(void)state;
	v.slots[0] = 1;		/* 0 ns */
	v.slots[5] = 2;		/* 16..31 ns */
	v.slots[11] = 3;	/* 1024..2047 ns */
	v.slots[40] = 1;	/* ~9 min */
	v.count = 7;
	fl_hist_from_log2(&v, 10, 12, bounds, counts, &h);
	cap_open(&c);
	fl_metrics_hist(c.f, "x_seconds", NULL, 0, &h);
	assert_string_equal(cap_str(&c),
		"x_seconds_bucket{le=\"1.024e-06\"} 3\n"
		"x_seconds_bucket{le=\"2.048e-06\"} 6\n"
		"x_seconds_bucket{le=\"4.096e-06\"} 6\n"
		"x_seconds_bucket{le=\"+Inf\"} 7\n"
		"x_seconds_sum 0.123456789\n"
		"x_seconds_count 7\n");
	cap_close(&c);
}

/* Property: for random counts, buckets never decrease, +Inf == _count == sum of counts. */
static void test_hist_cumulative(void **state)
{
	double bounds[20];
	uint64_t counts[21];
	struct cap c;

	(void)state;
	srand(42);
	fl_hist_exp2_bounds(bounds, 20, 0, 1e9);
	for (int round = 0; round < 50; round++) {
		uint64_t total = 0, prev = 0, v, count = UINT64_MAX, inf = UINT64_MAX;
		int n = rand() % 21, seen = 0;
		struct fl_hist h = { .nr_bounds = n, .bounds = bounds, .counts = counts, .sum = 1.5 };
		const char *p;

		for (int i = 0; i <= n; i++)
			total += counts[i] = rand() % 5 ? (uint64_t)(rand() % 1000) : 0;
		cap_open(&c);
		fl_metrics_hist(c.f, "h", NULL, 0, &h);
		for (p = cap_str(&c); *p; p = strchr(p, '\n') + 1) {
			const char *sp = strchr(p, ' ');

			v = strtoull(sp + 1, NULL, 10);
			if (!strncmp(p, "h_bucket{", 9)) {
				assert_true(v >= prev);
				prev = v;
				seen++;
				if (!strncmp(p, "h_bucket{le=\"+Inf\"}", 19))
					inf = v;
			} else if (!strncmp(p, "h_count ", 8)) {
				count = v;
			}
		}
		assert_int_equal(seen, n + 1);
		assert_int_equal(inf, total);
		assert_int_equal(count, total);
		cap_close(&c);
	}
}

/* ---- whole snapshots ---------------------------------------------------- */

static const struct fl_metrics_hook hooks3[] = {
	{ "sched_process_fork", "tp_btf" },
	{ "gfs2_glock_nq", NULL },
	{ "iomap_dio_rw", "-" },
};

static void test_render_exact(void **state)
{
	uint64_t counters[FL_CNT_MAX] = { [FL_CNT_FAULTS] = 1000, [FL_CNT_LOST_RINGBUF] = 3,
					  [FL_CNT_LOST_VMA] = 1 };
	/* Map order is hash order: the renderer sorts (fstype, MAJ, MIN numerically, op). */
	struct fl_fs_row fs[] = {
		fs_row("xfs", DEV(8, 1), FL_OP_READ, 5, 0, 0, 0, 0, 2),
		fs_row("btrfs", DEV(0, 39), FL_OP_WRITE, 2, 1, 0, 1, 16384, 0),
		fs_row("btrfs", DEV(0, 39), FL_OP_READ, 4, 1, 1, 2, 16384, 1),
		fs_row("btrfs", DEV(0, 5), FL_OP_READ, 1, 0, 0, 0, 0, 0),
	};
	struct fl_metrics_snapshot s = {
		.version = "0.1.0", .kernel = "6.18.44",
		.hooks = hooks3, .nr_hooks = 3,
		.counters = counters,
		.fs = fs, .nr_fs = 4,
	};
	char *text = render(&s);

	(void)state;
	assert_string_equal(text,
"# HELP faultlock_dio_calls_total iomap direct I/O calls (iomap_dio_rw), by file system and direction.\n"
"# TYPE faultlock_dio_calls_total counter\n"
"faultlock_dio_calls_total{fstype=\"btrfs\",dev=\"0:5\",op=\"read\"} 1\n"
"faultlock_dio_calls_total{fstype=\"btrfs\",dev=\"0:39\",op=\"read\"} 4\n"
"faultlock_dio_calls_total{fstype=\"btrfs\",dev=\"0:39\",op=\"write\"} 2\n"
"faultlock_dio_calls_total{fstype=\"xfs\",dev=\"8:1\",op=\"read\"} 5\n"
"# HELP faultlock_dio_partial_total Direct I/O calls with a nofault iterator that returned fewer bytes than requested (reason=\"short\") or -EFAULT (reason=\"efault\").\n"
"# TYPE faultlock_dio_partial_total counter\n"
"faultlock_dio_partial_total{fstype=\"btrfs\",dev=\"0:5\",op=\"read\",reason=\"short\"} 0\n"
"faultlock_dio_partial_total{fstype=\"btrfs\",dev=\"0:5\",op=\"read\",reason=\"efault\"} 0\n"
"faultlock_dio_partial_total{fstype=\"btrfs\",dev=\"0:39\",op=\"read\",reason=\"short\"} 1\n"
"faultlock_dio_partial_total{fstype=\"btrfs\",dev=\"0:39\",op=\"read\",reason=\"efault\"} 1\n"
"faultlock_dio_partial_total{fstype=\"btrfs\",dev=\"0:39\",op=\"write\",reason=\"short\"} 1\n"
"faultlock_dio_partial_total{fstype=\"btrfs\",dev=\"0:39\",op=\"write\",reason=\"efault\"} 0\n"
"faultlock_dio_partial_total{fstype=\"xfs\",dev=\"8:1\",op=\"read\",reason=\"short\"} 0\n"
"faultlock_dio_partial_total{fstype=\"xfs\",dev=\"8:1\",op=\"read\",reason=\"efault\"} 0\n"
"# HELP faultlock_dio_retries_total Direct I/O calls that resume earlier work: done_before > 0, or the next call on the same file in the same system call after a partial result.\n"
"# TYPE faultlock_dio_retries_total counter\n"
"faultlock_dio_retries_total{fstype=\"btrfs\",dev=\"0:5\",op=\"read\"} 0\n"
"faultlock_dio_retries_total{fstype=\"btrfs\",dev=\"0:39\",op=\"read\"} 2\n"
"faultlock_dio_retries_total{fstype=\"btrfs\",dev=\"0:39\",op=\"write\"} 1\n"
"faultlock_dio_retries_total{fstype=\"xfs\",dev=\"8:1\",op=\"read\"} 0\n"
"# HELP faultlock_dio_retry_bytes_total Bytes already transferred when a retry started (sum of done_before over retries).\n"
"# TYPE faultlock_dio_retry_bytes_total counter\n"
"faultlock_dio_retry_bytes_total{fstype=\"btrfs\",dev=\"0:5\",op=\"read\"} 0\n"
"faultlock_dio_retry_bytes_total{fstype=\"btrfs\",dev=\"0:39\",op=\"read\"} 16384\n"
"faultlock_dio_retry_bytes_total{fstype=\"btrfs\",dev=\"0:39\",op=\"write\"} 16384\n"
"faultlock_dio_retry_bytes_total{fstype=\"xfs\",dev=\"8:1\",op=\"read\"} 0\n"
"# HELP faultlock_same_file_fault_total Page faults on a mapping of the file the task is doing direct I/O on.\n"
"# TYPE faultlock_same_file_fault_total counter\n"
"faultlock_same_file_fault_total{fstype=\"btrfs\",dev=\"0:5\"} 0\n"
"faultlock_same_file_fault_total{fstype=\"btrfs\",dev=\"0:39\"} 1\n"
"faultlock_same_file_fault_total{fstype=\"xfs\",dev=\"8:1\"} 2\n"
"# HELP faultlock_events_lost_total Events dropped before reaching user space, by reason; the other counters stay exact (they are kept in the kernel).\n"
"# TYPE faultlock_events_lost_total counter\n"
"faultlock_events_lost_total{reason=\"ringbuf_full\"} 3\n"
"faultlock_events_lost_total{reason=\"task_map_full\"} 0\n"
"faultlock_events_lost_total{reason=\"fs_map_full\"} 0\n"
"faultlock_events_lost_total{reason=\"lock_map_full\"} 0\n"
"faultlock_events_lost_total{reason=\"vma_lookup_busy\"} 1\n"
"faultlock_events_lost_total{reason=\"held_set_full\"} 0\n"
"faultlock_events_lost_total{reason=\"stall_slot_busy\"} 0\n"
"faultlock_events_lost_total{reason=\"release_missed\"} 0\n"
"faultlock_events_lost_total{reason=\"unverified_recursion\"} 0\n"
"faultlock_events_lost_total{reason=\"return_missed\"} 0\n"
"faultlock_events_lost_total{reason=\"bpf_recursion\"} 0\n"
"faultlock_events_lost_total{reason=\"order_edge_refused\"} 0\n"
"faultlock_events_lost_total{reason=\"order_edge_evicted\"} 0\n"
"# HELP faultlock_hook_attached Whether a kernel hook is attached (1) or unavailable here (0), with the attach mode (\"-\" when none).\n"
"# TYPE faultlock_hook_attached gauge\n"
"faultlock_hook_attached{hook=\"sched_process_fork\",mode=\"tp_btf\"} 1\n"
"faultlock_hook_attached{hook=\"gfs2_glock_nq\",mode=\"-\"} 0\n"
"faultlock_hook_attached{hook=\"iomap_dio_rw\",mode=\"-\"} 0\n"
"# HELP faultlock_build_info faultlock's version and the running kernel release (always 1).\n"
"# TYPE faultlock_build_info gauge\n"
"faultlock_build_info{version=\"0.1.0\",kernel=\"6.18.44\"} 1\n");
	free(text);
}

/* Nothing counted yet: only the families whose source always exists. */
static void test_render_empty(void **state)
{
	uint64_t counters[FL_CNT_MAX] = {};
	struct fl_metrics_snapshot s = { .version = "v", .kernel = "k", .hooks = hooks3, .nr_hooks = 3,
					 .counters = counters };
	char *text = render(&s);

	(void)state;
	assert_null(strstr(text, "faultlock_dio"));
	assert_null(strstr(text, "same_file_fault"));
	assert_null(strstr(text, "faultlock_lock_"));
	assert_null(strstr(text, "recursive_lock"));
	assert_null(strstr(text, "fault_under_lock"));
	assert_null(strstr(text, "fault_in"));
	assert_non_null(strstr(text, "faultlock_events_lost_total{reason=\"ringbuf_full\"} 0\n"));
	assert_non_null(strstr(text, "# TYPE faultlock_hook_attached gauge\n"));
	assert_non_null(strstr(text, "faultlock_build_info{version=\"v\",kernel=\"k\"} 1\n"));
	free(text);
	/* A snapshot of nothing renders nothing. */
	memset(&s, 0, sizeof(s));
	text = render(&s);
	assert_string_equal(text, "");
	free(text);
}

/* same_file_fault sums op; a read and a write row of one fs give one series. */
static void test_same_file_fault_sums_ops(void **state)
{
	struct fl_fs_row fs[] = {
		fs_row("ext4", DEV(8, 1), FL_OP_WRITE, 0, 0, 0, 0, 0, 3),
		fs_row("ext4", DEV(8, 2), FL_OP_READ, 0, 0, 0, 0, 0, 7),
		fs_row("ext4", DEV(8, 1), FL_OP_READ, 0, 0, 0, 0, 0, 4),
	};
	struct fl_metrics_snapshot s = { .fs = fs, .nr_fs = 3 };
	char *text = render(&s), *sff = strstr(text, "# HELP faultlock_same_file_fault_total");

	(void)state;
	assert_non_null(sff);
	assert_string_equal(strstr(sff, "faultlock_same_file_fault_total{"),
			    "faultlock_same_file_fault_total{fstype=\"ext4\",dev=\"8:1\"} 7\n"
			    "faultlock_same_file_fault_total{fstype=\"ext4\",dev=\"8:2\"} 7\n");
	free(text);
}

/* A kernel fstype is 16 bytes, maybe unterminated, maybe odd. */
static void test_fstype_untrusted(void **state)
{
	struct fl_fs_row fs[] = { fs_row("", DEV(1, 2), FL_OP_READ, 1, 0, 0, 0, 0, 0),
				  fs_row("", DEV(1, 3), FL_OP_READ, 1, 0, 0, 0, 0, 0) };
	struct fl_metrics_snapshot s = { .fs = fs, .nr_fs = 2 };
	char *text;

	(void)state;
	memcpy(fs[0].fstype, "abcdefghijklmnopqrstu", FL_FSTYPE_LEN);	/* no NUL */
	memcpy(fs[1].fstype, "we\"ird\\\n", 9);
	text = render(&s);
	assert_non_null(strstr(text, "faultlock_dio_calls_total{fstype=\"abcdefghijklmno\",dev=\"1:2\",op=\"read\"} 1\n"));
	assert_non_null(strstr(text, "faultlock_dio_calls_total{fstype=\"we\\\"ird\\\\\\n\",dev=\"1:3\",op=\"read\"} 1\n"));
	free(text);
}

/*
 * A small linter over the exposition: every sample's family has had exactly
 * one HELP and one TYPE just before its group; no family appears twice; every
 * line ends with '\n'; histogram series are _bucket/_sum/_count of their family.
 */
static void lint(const char *text)
{
	char fams[64][80], cur[80] = "", type[16] = "";
	int nfams = 0;
	const char *p = text;

	assert_true(!*text || text[strlen(text) - 1] == '\n');
	while (*p) {
		const char *nl = strchr(p, '\n');
		char line[512], name[80];

		assert_non_null(nl);
		assert_true((size_t)(nl - p) < sizeof(line));
		memcpy(line, p, nl - p);
		line[nl - p] = '\0';
		p = nl + 1;
		if (!strncmp(line, "# HELP ", 7)) {
			sscanf(line + 7, "%79s", name);
			for (int i = 0; i < nfams; i++)
				assert_string_not_equal(fams[i], name);
			assert_true(nfams < 64);
			strcpy(fams[nfams++], name);
			strcpy(cur, name);
			type[0] = '\0';
			continue;
		}
		if (!strncmp(line, "# TYPE ", 7)) {
			char tname[80];

			assert_int_equal(sscanf(line + 7, "%79s %15s", tname, type), 2);
			assert_string_equal(tname, cur);
			continue;
		}
		assert_true(line[0] != '#');
		assert_true(type[0]);
		size_t n = strcspn(line, "{ ");
		memcpy(name, line, n);
		name[n] = '\0';
		if (!strcmp(type, "histogram")) {
			size_t cl = strlen(cur);

			assert_true(!strncmp(name, cur, cl));
			assert_true(!strcmp(name + cl, "_bucket") || !strcmp(name + cl, "_sum") ||
				    !strcmp(name + cl, "_count"));
		} else {
			assert_string_equal(name, cur);
		}
	}
}

/* The glock detector's and fault_in's families: rows in, series out, in the contract's order. */
static void test_render_lock_and_fault_in_families(void **state)
{
	static const double bounds[] = { 1e-06, 1e-05 };
	static const uint64_t hold_c[] = { 5, 2, 1 }, wait_c[] = { 0, 0, 1 };
	const struct fl_hist hold = { 2, bounds, hold_c, 0.25 }, wait = { 2, bounds, wait_c, 3 };
	/* lock_order is summed over the devices of a type */
	struct fl_metrics_lock_row locks[] = { { "gfs2", DEV(253, 3), "glock", 100, 1, 3, 0 },
					       { "gfs2", DEV(253, 4), "glock", 7, 0, 2, 0 },
					       { "btrfs", DEV(8, 1), "btrfs_extent", 5, 0, 0, 0 } };
	uint64_t deadlocks = 1;
	struct fl_metrics_ful_row ful[] = {
		{ "gfs2", DEV(253, 3), "glock", "none", 2 },
		{ "gfs2", DEV(253, 3), "glock", "nofault", 9 },
	};
	struct fl_metrics_lock_hist hists[] = { { "gfs2", "glock", &hold, &wait, NULL } };
	static const double fi_bounds[] = { 5e-07 };
	static const uint64_t fi_c[] = { 3, 1 };
	const struct fl_hist fi_lat = { 1, fi_bounds, fi_c, 1.5e-06 };
	struct fl_metrics_fault_in_row fin[] = { { "writeable", 1, 0, NULL }, { "readable", 4, 2, &fi_lat } };
	uint64_t counters[FL_CNT_MAX] = {};
	struct fl_fs_row fs[] = { fs_row("gfs2", DEV(253, 3), FL_OP_READ, 1, 0, 0, 0, 0, 0) };
	struct fl_metrics_snapshot s = {
		.version = "v", .kernel = "k", .hooks = hooks3, .nr_hooks = 3, .counters = counters,
		.fs = fs, .nr_fs = 1, .locks = locks, .nr_locks = 3, .ful = ful, .nr_ful = 2,
		.lock_hists = hists, .nr_lock_hists = 1, .fault_in = fin, .nr_fault_in = 2,
		.deadlocks = &deadlocks,
	};
	static const char *const order[] = {
		"faultlock_lock_acquisitions_total", "faultlock_recursive_lock_total",
		"faultlock_lock_order_total", "faultlock_deadlocks_total",
		"faultlock_fault_under_lock_total", "faultlock_lock_hold_seconds",
		"faultlock_lock_wait_seconds", "faultlock_dio_calls_total", "faultlock_dio_partial_total",
		"faultlock_dio_retries_total", "faultlock_dio_retry_bytes_total",
		"faultlock_fault_in_calls_total", "faultlock_fault_in_short_total",
		"faultlock_fault_in_seconds", "faultlock_same_file_fault_total", "faultlock_events_lost_total",
		"faultlock_hook_attached", "faultlock_build_info",
	};
	char *text = render(&s), *prev = text, want[128];

	(void)state;
	lint(text);
	for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
		char *at;

		snprintf(want, sizeof(want), "# HELP %s ", order[i]);
		at = strstr(text, want);
		assert_non_null(at);
		assert_true(at >= prev);
		prev = at;
	}
	assert_non_null(strstr(text, "faultlock_lock_acquisitions_total{fstype=\"gfs2\",dev=\"253:3\",lock=\"glock\"} 100\n"));
	assert_non_null(strstr(text, "faultlock_recursive_lock_total{fstype=\"gfs2\",dev=\"253:3\",lock=\"glock\"} 1\n"));
	assert_non_null(strstr(text, "# TYPE faultlock_lock_order_total counter\n"
		"faultlock_lock_order_total{fstype=\"btrfs\",lock=\"btrfs_extent\"} 0\n"
		"faultlock_lock_order_total{fstype=\"gfs2\",lock=\"glock\"} 5\n# HELP faultlock_deadlocks_total "));
	assert_non_null(strstr(text, "# TYPE faultlock_deadlocks_total counter\nfaultlock_deadlocks_total 1\n"));
	assert_non_null(strstr(text,
		"faultlock_fault_under_lock_total{fstype=\"gfs2\",dev=\"253:3\",lock=\"glock\",protection=\"nofault\"} 9\n"
		"faultlock_fault_under_lock_total{fstype=\"gfs2\",dev=\"253:3\",lock=\"glock\",protection=\"none\"} 2\n"));
	assert_non_null(strstr(text, "# TYPE faultlock_lock_hold_seconds histogram\n"
		"faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"1e-06\"} 5\n"
		"faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"1e-05\"} 7\n"
		"faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"+Inf\"} 8\n"
		"faultlock_lock_hold_seconds_sum{fstype=\"gfs2\",lock=\"glock\"} 0.25\n"
		"faultlock_lock_hold_seconds_count{fstype=\"gfs2\",lock=\"glock\"} 8\n"));
	assert_non_null(strstr(text, "faultlock_lock_wait_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(text,
		"faultlock_fault_in_calls_total{kind=\"readable\"} 4\n"
		"faultlock_fault_in_calls_total{kind=\"writeable\"} 1\n"));
	assert_non_null(strstr(text, "faultlock_fault_in_short_total{kind=\"readable\"} 2\n"));
	/* only the kind that has a latency histogram gets series */
	assert_non_null(strstr(text, "# TYPE faultlock_fault_in_seconds histogram\n"
		"faultlock_fault_in_seconds_bucket{kind=\"readable\",le=\"5e-07\"} 3\n"
		"faultlock_fault_in_seconds_bucket{kind=\"readable\",le=\"+Inf\"} 4\n"
		"faultlock_fault_in_seconds_sum{kind=\"readable\"} 1.5e-06\n"
		"faultlock_fault_in_seconds_count{kind=\"readable\"} 4\n# HELP"));
	free(text);
	/* On lock_dlm the waits granted through the DLM are told apart. */
	hists[0].wait_remote = &hold;
	text = render(&s);
	lint(text);
	assert_non_null(strstr(text,
		"faultlock_lock_wait_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",remote=\"false\",le=\"+Inf\"} 1\n"));
	assert_non_null(strstr(text,
		"faultlock_lock_wait_seconds_count{fstype=\"gfs2\",lock=\"glock\",remote=\"false\"} 1\n"
		"faultlock_lock_wait_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",remote=\"true\",le=\"1e-06\"} 5\n"));
	assert_non_null(strstr(text, "faultlock_lock_wait_seconds_count{fstype=\"gfs2\",lock=\"glock\",remote=\"true\"} 8\n"));
	assert_null(strstr(text, "faultlock_lock_hold_seconds_count{fstype=\"gfs2\",lock=\"glock\",remote"));
	free(text);
	hists[0].wait_remote = NULL;
	/* A lock row without histograms prints no histogram family at all. */
	hists[0].hold = hists[0].wait = NULL;
	fin[1].latency = NULL;
	text = render(&s);
	lint(text);
	assert_null(strstr(text, "_seconds"));
	free(text);
}

/* Other nodes' demote requests: per gfs2 device (the contract's family), per
 * glock kind, and the remote_demote findings; nothing without the hook. */
static void test_render_remote_demotes(void **state)
{
	struct fl_metrics_lock_row locks[] = { { "gfs2", DEV(253, 3), "glock", 100, 0, 0, 7 },
					       { "btrfs", DEV(8, 1), "btrfs_extent", 5, 0, 0, 0 } };
	uint64_t counters[FL_CNT_MAX] = {}, stalls = 2;
	struct fl_metrics_snapshot s = {
		.version = "v", .kernel = "k", .hooks = hooks3, .nr_hooks = 3, .counters = counters,
		.locks = locks, .nr_locks = 2,
	};
	char *text;

	(void)state;
	text = render(&s);
	assert_null(strstr(text, "remote_demote"));
	free(text);
	counters[FL_CNT_REMOTE_DEMOTE_TYPE + 2] = 4;
	counters[FL_CNT_REMOTE_DEMOTE_TYPE + 6] = 3;
	s.remote_demotes_by_type = &counters[FL_CNT_REMOTE_DEMOTE_TYPE];
	s.remote_demote_stalls = &stalls;
	text = render(&s);
	lint(text);
	assert_non_null(strstr(text, "# TYPE faultlock_glock_remote_demotes_total counter\n"
		"faultlock_glock_remote_demotes_total{fstype=\"gfs2\",dev=\"253:3\"} 7\n# HELP "));
	assert_non_null(strstr(text, "# TYPE faultlock_glock_remote_demotes_by_kind_total counter\n"
		"faultlock_glock_remote_demotes_by_kind_total{kind=\"nondisk\"} 0\n"
		"faultlock_glock_remote_demotes_by_kind_total{kind=\"inode\"} 4\n"));
	assert_non_null(strstr(text, "faultlock_glock_remote_demotes_by_kind_total{kind=\"flock\"} 3\n"
		"faultlock_glock_remote_demotes_by_kind_total{kind=\"quota\"} 0\n"));
	assert_null(strstr(text, "kind=\"plock\""));
	assert_null(strstr(text, "kind=\"reserved\""));
	assert_non_null(strstr(text, "faultlock_remote_demote_stalls_total{lock=\"glock\"} 2\n"));
	free(text);
}

static void test_render_lint_exact_snapshot(void **state)
{
	uint64_t counters[FL_CNT_MAX] = {};
	struct fl_fs_row fs[] = { fs_row("btrfs", DEV(0, 39), FL_OP_READ, 2, 1, 0, 1, 16384, 0) };
	struct fl_metrics_snapshot s = { .version = "v", .kernel = "k", .hooks = hooks3, .nr_hooks = 3,
					 .counters = counters, .fs = fs, .nr_fs = 1 };
	char *text = render(&s);

	(void)state;
	lint(text);
	free(text);
}

static void test_render_stream_error(void **state)
{
	uint64_t counters[FL_CNT_MAX] = {};
	struct fl_metrics_snapshot s = { .version = "v", .kernel = "k", .hooks = hooks3, .nr_hooks = 3,
					 .counters = counters };
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	assert_int_equal(fl_metrics_render(f, &s), -EIO);
	fclose(f);
}

/* ---- --listen ------------------------------------------------------------ */

static void test_parse_listen_ok(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[128], back[80];
	static const char *const good[] = {
		"127.0.0.1:9477", "0.0.0.0:1", "10.1.2.3:65535", "127.0.0.1:0", "[::1]:9477", "[::]:80",
		"[2001:db8::5]:9100", "[::ffff:127.0.0.1]:9477", "[::1]:0",
	};

	(void)state;
	for (size_t i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(fl_http_parse_listen(good[i], &ss, &len, err, sizeof(err)), 0);
		fl_http_format_addr((struct sockaddr *)&ss, back, sizeof(back));
		assert_string_equal(back, good[i]);
	}
	assert_int_equal(fl_http_parse_listen("127.0.0.1:9477", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET);
	assert_int_equal(len, sizeof(struct sockaddr_in));
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9477);
	assert_int_equal(fl_http_parse_listen("[::1]:9477", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ss.ss_family, AF_INET6);
	assert_int_equal(len, sizeof(struct sockaddr_in6));
	assert_true(IN6_IS_ADDR_LOOPBACK(&((struct sockaddr_in6 *)&ss)->sin6_addr));
	/* Zone: an interface name or a number. */
	assert_int_equal(fl_http_parse_listen("[fe80::1%lo]:9477", &ss, &len, err, sizeof(err)), 0);
	assert_int_not_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 0);
	assert_int_equal(fl_http_parse_listen("[fe80::1%7]:9477", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(((struct sockaddr_in6 *)&ss)->sin6_scope_id, 7);
	fl_http_format_addr((struct sockaddr *)&ss, back, sizeof(back));
	assert_string_equal(back, "[fe80::1%7]:9477");
	/* Leading zeros are still decimal. */
	assert_int_equal(fl_http_parse_listen("127.0.0.1:09477", &ss, &len, err, sizeof(err)), 0);
	assert_int_equal(ntohs(((struct sockaddr_in *)&ss)->sin_port), 9477);
}

static void test_parse_listen_bad(void **state)
{
	static const struct {
		const char *in, *why;
	} bad[] = {
		{ "", "expected ADDR:PORT" },
		{ "127.0.0.1", "expected ADDR:PORT" },
		{ "127.0.0.1:", "invalid port ''" },
		{ ":9477", "missing address" },
		{ "localhost:9477", "not a numeric IPv4 address" },
		{ "127.0.0.1:65536", "invalid port '65536'" },
		{ "127.0.0.1:-1", "invalid port '-1'" },
		{ "127.0.0.1:+80", "invalid port '+80'" },
		{ "127.0.0.1: 80", "invalid port ' 80'" },
		{ "127.0.0.1:80x", "invalid port '80x'" },
		{ "127.0.0.1:99999999999999999999", "invalid port" },
		{ "1.2.3:80", "not a numeric IPv4 address" },
		{ "256.0.0.1:80", "not a numeric IPv4 address" },
		{ "::1:9477", "needs brackets" },
		{ "[::1]", "expected ':PORT'" },
		{ "[::1]9477", "expected ':PORT'" },
		{ "[::1]x:80", "expected ':PORT'" },
		{ "[::1]:", "invalid port ''" },
		{ "[::1]:65536", "invalid port '65536'" },
		{ "[::1]:0x50", "invalid port '0x50'" },
		{ "[]:80", "'' is not a numeric IPv6 address" },
		{ "[::1:9477", "missing ']'" },
		{ "[127.0.0.1]:80", "not a numeric IPv6 address" },
		{ "[::1%]:80", "empty IPv6 zone" },
		{ "[fe80::1%nosuchif0]:80", "unknown interface 'nosuchif0'" },
		{ "[fe80::1%0]:80", "unknown interface '0'" },
		{ "[::g%lo]:80", "'::g' is not a numeric IPv6 address" },
		{ "1.2.3.4.5:80", "'1.2.3.4.5' is not a numeric IPv4 address" },
		{ "[::g]:80", "not a numeric IPv6 address" },
	};
	struct sockaddr_storage ss;
	socklen_t len;
	char err[128];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fl_http_parse_listen(bad[i].in, &ss, &len, err, sizeof(err)) != -EINVAL)
			fail_msg("'%s' accepted", bad[i].in);
		if (!strstr(err, bad[i].why))
			fail_msg("'%s': reason '%s' lacks '%s'", bad[i].in, err, bad[i].why);
	}
}

/* ---- HTTP on a real loopback socket, driven in-process ------------------- */

struct srv {
	struct event_base *base;
	struct fl_http *h;
	int port;
	int renders;
	int fail;
};

static int fake_render(FILE *f, void *arg)
{
	struct srv *s = arg;

	s->renders++;
	if (s->fail)
		return -EPERM;
	fputs("# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n", f);
	return 0;
}

static int srv_setup(void **state)
{
	struct srv *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss;
	socklen_t len;
	char err[64];

	if (!s)
		return -1;
	s->base = event_base_new();
	if (!s->base || fl_http_parse_listen("127.0.0.1:0", &ss, &len, err, sizeof(err)))
		return -1;
	s->h = fl_http__new(s->base, (struct sockaddr *)&ss, len, fake_render, s);
	if (!s->h || fl_http__local_addr(s->h, &ss, &len))
		return -1;
	s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	*state = s;
	return 0;
}

static int srv_teardown(void **state)
{
	struct srv *s = *state;

	fl_http__free(s->h);
	event_base_free(s->base);
	free(s);
	return 0;
}

static int srv_connect(struct srv *s)
{
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

	assert_true(fd >= 0);
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof(a)), 0);
	return fd;
}

static void pump(struct srv *s, int rounds)
{
	for (int i = 0; i < rounds; i++) {
		event_base_loop(s->base, EVLOOP_NONBLOCK);
		poll(NULL, 0, 1);
	}
}

/* Everything the server sends on fd until it closes (5 s at most). */
static char *read_all(struct srv *s, int fd)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);

	assert_non_null(buf);
	for (int ms = 0; ms < 5000; ms++) {
		struct pollfd p = { .fd = fd, .events = POLLIN };
		ssize_t n;

		event_base_loop(s->base, EVLOOP_NONBLOCK);
		if (poll(&p, 1, 1) <= 0)
			continue;
		n = read(fd, buf + len, cap - len - 1);
		if (n <= 0)
			break;
		len += n;
		assert_true(len < cap - 1);
	}
	buf[len] = '\0';
	return buf;
}

static char *roundtrip(struct srv *s, const char *req, size_t len)
{
	int fd = srv_connect(s);
	char *resp;

	for (size_t off = 0; off < len;) {
		ssize_t n = write(fd, req + off, len - off);

		assert_true(n > 0);
		off += n;
	}
	resp = read_all(s, fd);
	close(fd);
	return resp;
}

#define RT(s, req) roundtrip((s), (req), strlen(req))

/* The status code of a response ("HTTP/1.x NNN ..."), -1 if there is none. */
static int status(const char *r)
{
	if (strncmp(r, "HTTP/1.", 7) || !r[7] || r[8] != ' ')
		return -1;
	return atoi(r + 9);
}

static int fake_glocks(FILE *f, void *arg)
{
	struct srv *s = arg;

	s->renders++;
	if (s->fail)
		return -EIO;
	fputs("{\"waiters\":[],\"holders\":[]}\n", f);
	return 0;
}

/* A route beside /metrics (the daemon's /glocks): served with its type,
 * linked from the index, HEAD and 405 like /metrics, 500 when it fails;
 * a path that only starts like it is 404; the route table is bounded. */
static void test_http_routes(void **state)
{
	struct srv *s = *state;
	char *r;

	assert_int_equal(fl_http__add_route(s->h, "/glocks", "application/json", "Glocks", fake_glocks, s), 0);
	r = RT(s, "GET /glocks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(status(r), 200);
	assert_non_null(strstr(r, "\r\nContent-Type: application/json\r\n"));
	assert_non_null(strstr(r, "\r\n\r\n{\"waiters\":[],\"holders\":[]}\n"));
	free(r);
	r = RT(s, "HEAD /glocks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(status(r), 200);
	assert_non_null(strstr(r, "\r\nContent-Length: 28\r\n"));
	assert_null(strstr(r, "waiters"));
	free(r);
	r = RT(s, "POST /glocks HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(status(r), 405);
	free(r);
	r = RT(s, "GET /glocksx HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(status(r), 404);
	free(r);
	r = RT(s, "GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_non_null(strstr(r, "<a href=\"/metrics\">Metrics</a>"));
	assert_non_null(strstr(r, "<a href=\"/glocks\">Glocks</a>"));
	free(r);
	s->fail = 1;
	r = RT(s, "GET /glocks HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_int_equal(status(r), 500);
	free(r);
	s->fail = 0;
	for (int i = 1; i < FL_HTTP_MAX_ROUTES; i++)
		assert_int_equal(fl_http__add_route(s->h, "/x", "text/plain", "x", fake_glocks, s), 0);
	assert_int_equal(fl_http__add_route(s->h, "/y", "text/plain", "y", fake_glocks, s), -ENOSPC);
}

static void test_http_metrics(void **state)
{
	struct srv *s = *state;
	char *r = RT(s, "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");

	assert_true(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17));
	assert_non_null(strstr(r, "\r\nContent-Type: text/plain; version=0.0.4; charset=utf-8\r\n"));
	assert_non_null(strstr(r, "\r\nContent-Length: 51\r\n"));
	assert_non_null(strstr(r, "\r\n\r\n# HELP x_total X.\n# TYPE x_total counter\nx_total 1\n"));
	assert_int_equal(s->renders, 1);
	free(r);
	/* A query string is fine; HEAD has the headers and no body. */
	r = RT(s, "GET /metrics?x=1 HTTP/1.0\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
	free(r);
	r = RT(s, "HEAD /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.1 200 OK\r\n", 17));
	assert_non_null(strstr(r, "text/plain; version=0.0.4; charset=utf-8"));
	assert_non_null(strstr(r, "\r\nContent-Length: 51\r\n"));
	assert_null(strstr(r, "x_total"));
	free(r);
}

static void test_http_keepalive(void **state)
{
	struct srv *s = *state;
	int fd = srv_connect(s);
	const char *req = "GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n"
			  "GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n";
	char *r;

	assert_int_equal(write(fd, req, strlen(req)), (ssize_t)strlen(req));
	r = read_all(s, fd);
	close(fd);
	assert_non_null(strstr(strstr(r, "x_total 1\n") + 1, "HTTP/1.1 200 OK"));
	assert_int_equal(s->renders, 2);
	free(r);
}

static void test_http_index_and_errors(void **state)
{
	struct srv *s = *state;
	char *r = RT(s, "GET / HTTP/1.0\r\n\r\n");

	assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
	assert_non_null(strstr(r, "Content-Type: text/html; charset=utf-8\r\n"));
	assert_non_null(strstr(r, "<a href=\"/metrics\">"));
	free(r);
	r = RT(s, "GET /nope HTTP/1.0\r\n\r\n");
	assert_int_equal(status(r), 404);
	free(r);
	r = RT(s, "GET /metricsx HTTP/1.0\r\n\r\n");
	assert_int_equal(status(r), 404);
	free(r);
	r = RT(s, "POST /metrics HTTP/1.0\r\nContent-Length: 3\r\n\r\nabc");
	assert_int_equal(status(r), 405);
	assert_non_null(strstr(r, "\r\nAllow: GET, HEAD\r\n"));
	free(r);
	r = RT(s, "OPTIONS /metrics HTTP/1.0\r\n\r\n");
	assert_int_equal(status(r), 405);
	free(r);
	/* An unknown method: evhttp answers 501 itself (RFC 9110 15.6.2). */
	r = RT(s, "BREW /metrics HTTP/1.0\r\n\r\n");
	assert_int_equal(status(r), 501);
	free(r);
	r = RT(s, "garbage\r\n\r\n");
	assert_int_equal(status(r), 400);
	free(r);
	assert_int_equal(s->renders, 0);
	/* The render callback failing is a 500, not a partial page. */
	s->fail = 1;
	r = RT(s, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_int_equal(status(r), 500);
	assert_null(strstr(r, "x_total"));
	free(r);
}

static void test_http_size_limits(void **state)
{
	struct srv *s = *state;
	size_t n = 100 * 1024;
	char *req = malloc(n + 64), *r;

	/* A 100 KB request line, then 100 KB of headers: refused, nothing rendered. */
	memcpy(req, "GET /", 5);
	memset(req + 5, 'a', n);
	strcpy(req + 5 + n, " HTTP/1.0\r\n\r\n");
	r = RT(s, req);
	assert_in_range(status(r), 400, 431);
	free(r);
	strcpy(req, "GET /metrics HTTP/1.0\r\nX: ");
	memset(req + strlen(req), 'b', n);
	strcpy(req + 26 + n, "\r\n\r\n");
	r = RT(s, req);
	assert_in_range(status(r), 400, 431);
	free(r);
	/* A body over the limit. */
	snprintf(req, n, "GET /metrics HTTP/1.0\r\nContent-Length: %d\r\n\r\n", FL_HTTP_MAX_BODY * 4);
	memset(req + strlen(req), 'c', FL_HTTP_MAX_BODY * 4);
	req[strlen("GET /metrics HTTP/1.0\r\nContent-Length: 4096\r\n\r\n") + FL_HTTP_MAX_BODY * 4] = '\0';
	r = RT(s, req);
	assert_int_equal(status(r), 413);
	free(r);
	assert_int_equal(s->renders, 0);
	free(req);
	/* Still serving. */
	r = RT(s, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
	free(r);
}

static void test_http_connection_limit(void **state)
{
	struct srv *s = *state;
	int idle[FL_HTTP_MAX_CONNS], extra;
	char *r;

	for (int i = 0; i < FL_HTTP_MAX_CONNS; i++)
		idle[i] = srv_connect(s);
	for (int i = 0; i < 200 && fl_http__nr_conns(s->h) < FL_HTTP_MAX_CONNS; i++)
		pump(s, 1);
	assert_int_equal(fl_http__nr_conns(s->h), FL_HTTP_MAX_CONNS);
	/* One more: 503 and closed, without a render. */
	extra = srv_connect(s);
	r = read_all(s, extra);
	close(extra);
	assert_int_equal(status(r), 503);
	free(r);
	assert_int_equal(fl_http__nr_conns(s->h), FL_HTTP_MAX_CONNS);
	/* The idle ones go away: room again. */
	for (int i = 0; i < FL_HTTP_MAX_CONNS; i++)
		close(idle[i]);
	for (int i = 0; i < 200 && fl_http__nr_conns(s->h) > 0; i++)
		pump(s, 1);
	assert_int_equal(fl_http__nr_conns(s->h), 0);
	r = RT(s, "GET /metrics HTTP/1.0\r\n\r\n");
	assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
	free(r);
	/* Answered connections do not count either. */
	for (int i = 0; i < FL_HTTP_MAX_CONNS + 5; i++) {
		r = RT(s, "GET /metrics HTTP/1.0\r\n\r\n");
		assert_true(!strncmp(r, "HTTP/1.0 200 OK\r\n", 17));
		free(r);
	}
	pump(s, 5);
	assert_int_equal(fl_http__nr_conns(s->h), 0);
}

static void test_http_port_in_use(void **state)
{
	struct srv *s = *state;
	struct sockaddr_in a = { .sin_family = AF_INET, .sin_port = htons(s->port) };
	struct fl_http *h2;

	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	h2 = fl_http__new(s->base, (struct sockaddr *)&a, sizeof(a), fake_render, s);
	assert_null(h2);
	assert_int_equal(errno, EADDRINUSE);
}

static void test_http_ipv6(void **state)
{
	struct sockaddr_storage ss;
	socklen_t len;
	char err[64], back[64];
	struct event_base *base = event_base_new();
	struct fl_http *h;

	(void)state;
	assert_int_equal(fl_http_parse_listen("[::1]:0", &ss, &len, err, sizeof(err)), 0);
	h = fl_http__new(base, (struct sockaddr *)&ss, len, fake_render, NULL);
	if (!h) {
		event_base_free(base);
		skip();	/* no IPv6 on this machine */
	}
	assert_int_equal(fl_http__local_addr(h, &ss, &len), 0);
	fl_http_format_addr((struct sockaddr *)&ss, back, sizeof(back));
	assert_true(!strncmp(back, "[::1]:", 6));
	fl_http__free(h);
	event_base_free(base);
}

int main(void)
{
#define T(f) cmocka_unit_test(f)
#define TS(f) cmocka_unit_test_setup_teardown(f, srv_setup, srv_teardown)
	const struct CMUnitTest tests[] = {
		T(test_fmt_double),
		T(test_exp2_bounds),
		T(test_escape_label),
		T(test_escape_help),
		T(test_sample_no_labels),
		T(test_hist_exact),
		T(test_hist_from_log2),
		T(test_hist_cumulative),
		T(test_render_exact),
		T(test_render_empty),
		T(test_same_file_fault_sums_ops),
		T(test_fstype_untrusted),
		T(test_render_lock_and_fault_in_families),
		T(test_render_remote_demotes),
		T(test_render_lint_exact_snapshot),
		T(test_render_stream_error),
		T(test_parse_listen_ok),
		T(test_parse_listen_bad),
		TS(test_http_metrics),
		TS(test_http_routes),
		TS(test_http_keepalive),
		TS(test_http_index_and_errors),
		TS(test_http_size_limits),
		TS(test_http_connection_limit),
		TS(test_http_port_in_use),
		T(test_http_ipv6),
	};
#undef T
#undef TS

	return cmocka_run_group_tests_name("metrics", tests, NULL, NULL);
}
