// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/export.c: from summed kernel counters (struct fl_snapshot) to the
 * contract's families: per-device lock rows with every protection, the
 * lock and fault_in histograms from the kernel's log2 slots, fault_in rows
 * per kind, and which families exist given the attached hooks.
 */
#include <errno.h>
#include "fltest.h"
#include "export.h"

#define DEV(maj, min) (((uint32_t)(maj) << 20) | (min))

static struct fl_hook_state states[FL_MAX_HOOKS];
static struct fl_snapshot snap;
static struct fl_summary sum = { .snap = &snap };

static void attach(const char *hook, enum fl_mode mode)
{
	int h = fl_hook_index(hook);

	assert_true(h >= 0);
	states[h].mode = mode;
}

static int setup(void **state)
{
	(void)state;
	memset(states, 0, sizeof(states));
	memset(&sum, 0, sizeof(sum));
	memset(&snap, 0, sizeof(snap));
	sum.snap = &snap;
	return 0;
}

static char *render(void)
{
	struct cap c;
	char *text;

	cap_open(&c);
	assert_int_equal(fl_export_render(c.f, &sum, states, "6.1.0-test"), 0);
	text = strdup(cap_str(&c));
	cap_close(&c);
	assert_non_null(text);
	return text;
}

static void has(const char *text, const char *want)
{
	if (!strstr(text, want))
		fail_msg("missing:\n%s\nin:\n%s", want, text);
}

/* Nothing attached but the tracepoints: no lock or fault_in family at all. */
static void test_no_lock_hooks_no_lock_families(void **state)
{
	char *text;

	(void)state;
	attach("iomap_dio_rw_begin", FL_MODE_TP_BTF);
	snap.counters[FL_CNT_FAULT_IN_CALLS_KIND] = 7;	/* cannot happen, must not show */
	text = render();
	assert_null(strstr(text, "faultlock_lock_"));
	assert_null(strstr(text, "faultlock_fault_in_"));
	assert_null(strstr(text, "faultlock_fault_under_lock_total"));
	has(text, "faultlock_hook_attached{hook=\"iomap_dio_rw_begin\",mode=\"tp_btf\"} 1\n");
	has(text, "faultlock_hook_attached{hook=\"gfs2_glock_nq\",mode=\"-\"} 0\n");
	has(text, "faultlock_build_info{version=\"" FAULTLOCK_VERSION "\",kernel=\"6.1.0-test\"} 1\n");
	free(text);
}

static void test_lock_rows(void **state)
{
	struct fl_lock_row *r = &snap.locks[0];
	char *text;

	(void)state;
	attach("gfs2_glock_nq", FL_MODE_KPROBE);
	attach("gfs2_glock_dq", FL_MODE_KPROBE);
	strcpy(r->fstype, "gfs2");
	r->dev = DEV(254, 0);
	r->lock = FL_LOCK_GLOCK;
	r->acquisitions = 10;
	r->recursive = 1;
	r->fault_under_lock[FL_PROT_NONE] = 2;
	r->fault_under_lock[FL_PROT_MAY_DEMOTE] = 3;
	snap.nr_locks = 1;
	text = render();
	has(text, "faultlock_lock_acquisitions_total{fstype=\"gfs2\",dev=\"254:0\",lock=\"glock\"} 10\n");
	has(text, "faultlock_recursive_lock_total{fstype=\"gfs2\",dev=\"254:0\",lock=\"glock\"} 1\n");
	has(text, "faultlock_lock_stalls_total{fstype=\"gfs2\",lock=\"glock\"} 0\n");
	/* every protection of a device, zeros included, sorted */
	has(text, "faultlock_fault_under_lock_total{fstype=\"gfs2\",dev=\"254:0\",lock=\"glock\",protection=\"may_demote\"} 3\n"
		  "faultlock_fault_under_lock_total{fstype=\"gfs2\",dev=\"254:0\",lock=\"glock\",protection=\"none\"} 2\n");
	free(text);
	r->fault_under_lock[FL_PROT_MAY_DEMOTE] = 0;
	text = render();
	has(text, "protection=\"may_demote\"} 0\n");
	free(text);
}

/* The kernel's log2 slots land in le = 2^k ns buckets, in seconds. */
static void test_lock_histograms(void **state)
{
	struct fl_hist_val *hold = &snap.hists[FL_HIST_LOCK_HOLD];
	char *text;

	(void)state;
	attach("gfs2_glock_nq", FL_MODE_FENTRY);
	hold->slots[0] = 1;		/* 0 ns */
	hold->slots[11] = 2;		/* [1024, 2048) ns */
	hold->slots[40] = 1;		/* ~9 minutes: past the last bound */
	hold->sum_ns = 3000000000ULL;
	hold->count = 4;
	text = render();
	/* no device row yet, and still the histograms (lock times are global) */
	assert_null(strstr(text, "faultlock_lock_acquisitions_total"));
	has(text, "# TYPE faultlock_lock_hold_seconds histogram\n"
		  "faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"1.024e-06\"} 1\n"
		  "faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"2.048e-06\"} 3\n");
	has(text, "faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"17.179869184\"} 3\n"
		  "faultlock_lock_hold_seconds_bucket{fstype=\"gfs2\",lock=\"glock\",le=\"+Inf\"} 4\n"
		  "faultlock_lock_hold_seconds_sum{fstype=\"gfs2\",lock=\"glock\"} 3\n"
		  "faultlock_lock_hold_seconds_count{fstype=\"gfs2\",lock=\"glock\"} 4\n");
	has(text, "faultlock_lock_wait_seconds_count{fstype=\"gfs2\",lock=\"glock\"} 0\n");
	free(text);
}

/* One row per attached fault_in_* hook, with its own latency histogram. */
static void test_fault_in_rows(void **state)
{
	char *text;

	(void)state;
	attach("fault_in_readable", FL_MODE_KPROBE);
	attach("fault_in_safe_writeable", FL_MODE_KPROBE);
	snap.counters[FL_CNT_FAULT_IN_CALLS_KIND + FL_FI_READABLE] = 4;
	snap.counters[FL_CNT_FAULT_IN_SHORT_KIND + FL_FI_READABLE] = 1;
	snap.counters[FL_CNT_FAULT_IN_CALLS_KIND + FL_FI_SAFE_WRITEABLE] = 2;
	snap.counters[FL_CNT_FAULT_IN_CALLS_KIND + FL_FI_WRITEABLE] = 9;	/* hook not attached */
	snap.hists[FL_HIST_FAULT_IN_SAFE_WRITEABLE].slots[9] = 2;		/* [256, 512) ns */
	snap.hists[FL_HIST_FAULT_IN_SAFE_WRITEABLE].sum_ns = 700;
	snap.hists[FL_HIST_FAULT_IN_SAFE_WRITEABLE].count = 2;
	text = render();
	has(text, "faultlock_fault_in_calls_total{kind=\"readable\"} 4\n"
		  "faultlock_fault_in_calls_total{kind=\"safe_writeable\"} 2\n# HELP");
	has(text, "faultlock_fault_in_short_total{kind=\"readable\"} 1\n"
		  "faultlock_fault_in_short_total{kind=\"safe_writeable\"} 0\n");
	assert_null(strstr(text, "kind=\"writeable\""));
	has(text, "faultlock_fault_in_seconds_bucket{kind=\"safe_writeable\",le=\"2.56e-07\"} 0\n"
		  "faultlock_fault_in_seconds_bucket{kind=\"safe_writeable\",le=\"5.12e-07\"} 2\n");
	has(text, "faultlock_fault_in_seconds_sum{kind=\"safe_writeable\"} 7e-07\n");
	has(text, "faultlock_fault_in_seconds_count{kind=\"readable\"} 0\n");
	free(text);
}

/* The catalogue names each event type's metric family: with every hook
 * attached, every one of them is in the exposition (names cannot drift). */
static void test_catalog_metric_families(void **state)
{
	char *text, want[128];

	(void)state;
	for (int i = 0; i < fl_nr_hooks; i++)
		states[i].mode = FL_MODE_FENTRY;
	snap.nr_locks = 1;
	snap.locks[0].dev = DEV(253, 0);
	memcpy(snap.locks[0].fstype, "gfs2", 5);
	snap.nr_fs = 1;
	snap.fs[0].dev = DEV(253, 0);
	memcpy(snap.fs[0].fstype, "gfs2", 5);
	text = render();
	for (int i = 0; i < fl_nr_event_types; i++) {
		if (!fl_event_types[i].metric)
			continue;
		snprintf(want, sizeof(want), "# TYPE %s counter\n", fl_event_types[i].metric);
		has(text, want);
	}
	free(text);
}

static void test_stream_error(void **state)
{
	FILE *f = fopen("/dev/full", "w");

	(void)state;
	if (!f)
		skip();
	attach("gfs2_glock_nq", FL_MODE_KPROBE);
	assert_int_equal(fl_export_render(f, &sum, states, "k"), -EIO);
	fclose(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_no_lock_hooks_no_lock_families, setup),
		cmocka_unit_test_setup(test_lock_rows, setup),
		cmocka_unit_test_setup(test_lock_histograms, setup),
		cmocka_unit_test_setup(test_fault_in_rows, setup),
		cmocka_unit_test_setup(test_catalog_metric_families, setup),
		cmocka_unit_test_setup(test_stream_error, setup),
	};

	return cmocka_run_group_tests_name("export", tests, NULL, NULL);
}
