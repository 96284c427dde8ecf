// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/deadlock.c: cycles found in crafted waiter/holder slots (two and
 * three tasks, once each; not for compatible modes, short waits or a holder
 * that runs), checked against crafted gfs2 glock dumps (verified,
 * contradicted, unverifiable), and the deadlock output in JSON and text.
 */
#include "fltest.h"
#include "deadlock.h"
#include "report.h"

#define MS 1000000ULL
#define GL_A 0xffff888012345600ULL
#define GL_B 0xffff888012399a00ULL
#define GL_C 0xffff8880123f0000ULL
#define EX 1
#define SH 3

static struct fl_waiter waiters[FL_STALL_SLOTS];
static struct fl_holder holders[FL_STALL_SLOTS * FL_STALL_WAYS];
static struct fl_deadlock_finder df;
static struct fl_deadlock last;
static int calls;
static char *dump;

static void collect(struct fl_deadlock *d, void *arg)
{
	(void)arg;
	last = *d;
	calls++;
}

static uint64_t number_of(uint64_t gl)
{
	return gl == GL_A ? 0x805a : gl == GL_B ? 0x805b : 0x805c;
}

static void wait_on(uint32_t tid, uint64_t gl, unsigned state, uint64_t since)
{
	struct fl_waiter *w = &waiters[tid & (FL_STALL_SLOTS - 1)];

	w->tid = tid;
	w->pid = 500;
	w->gl = gl;
	w->ip = 0xffffffffc0a00010ULL;
	w->id.number = number_of(gl);
	w->id.type = 2;
	w->id.dev = (254 << 20) | 0;
	w->state = state;
	strcpy(w->comm, "fl-abba");
	w->since = since;
}

static void hold(int way, uint32_t tid, uint64_t gl, unsigned state)
{
	struct fl_holder *h = &holders[fl_stall_slot_of_gl(gl) * FL_STALL_WAYS + way];

	h->gh = 0xffff888077770000ULL + tid;
	h->tid = tid;
	h->pid = 500;
	h->gl = gl;
	h->ip = 0xffffffffc0a00020ULL;
	h->state = state;
	strcpy(h->comm, "fl-abba");
	h->since = 100 * MS;
}

/* gfs2's dump as 5.10 .. 6.12 print it: the holder granted, the waiter queued. */
static void write_dump(const char *text)
{
	if (dump)
		unlink(dump);
	free(dump);
	dump = write_tmp(text);
	df.dump_glob = dump;
}

static const char abba_dump[] =
	"G:  s:EX n:2/805a f:yIqob t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
	" H: s:EX f:H e:0 p:101 [fl-abba] gfs2_iomap_begin+0x3d4/0x5c0 [gfs2]\n"
	" H: s:SH f:W e:0 p:102 [fl-abba] gfs2_fault+0x6c/0x100 [gfs2]\n"
	" I: n:12/32858 t:8 f:0x00 d:0x00000000 s:16384\n"
	"G:  s:SH n:5/805a f:Iqob t:SH d:EX/0 a:0 v:0 r:3 m:200 p:0\n"
	" H: s:SH f:EH e:0 p:101 [fl-abba] gfs2_inode_lookup+0x1/0x2 [gfs2]\n"
	"G:  s:EX n:2/805b f:yIqob t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
	" H: s:EX f:H e:0 p:102 [fl-abba] gfs2_iomap_begin+0x3d4/0x5c0 [gfs2]\n"
	" H: s:SH f:W e:0 p:101 [fl-abba] gfs2_fault+0x6c/0x100 [gfs2]\n";

static int setup(void **state)
{
	(void)state;
	memset(waiters, 0, sizeof(waiters));
	memset(holders, 0, sizeof(holders));
	memset(&last, 0, sizeof(last));
	calls = 0;
	fl_deadlock_init(&df, waiters, holders, 1000 * MS);
	write_dump(abba_dump);
	return 0;
}

/* 101 holds A and waits for B, 102 holds B and waits for A. */
static void abba(void)
{
	hold(0, 101, GL_A, EX);
	hold(0, 102, GL_B, EX);
	wait_on(101, GL_B, SH, 1000 * MS);
	wait_on(102, GL_A, SH, 1200 * MS);
}

static void test_abba_once_after_threshold(void **state)
{
	(void)state;
	abba();
	assert_int_equal(fl_deadlock_scan(&df, 2100 * MS, collect, NULL), 0);	/* 102: 900 ms */
	assert_int_equal(fl_deadlock_scan(&df, 2300 * MS, collect, NULL), 1);
	assert_int_equal(last.n, 2);
	assert_int_equal(last.check, FL_DL_VERIFIED);
	/* from the smallest tid round */
	assert_int_equal(last.links[0].w.tid, 101);
	assert_int_equal(last.links[0].w.gl, GL_B);
	assert_int_equal(last.links[0].h.tid, 102);
	assert_int_equal(last.links[1].w.tid, 102);
	assert_int_equal(last.links[1].h.tid, 101);
	/* while it lasts it is the same deadlock: once */
	assert_int_equal(fl_deadlock_scan(&df, 9000 * MS, collect, NULL), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(df.found, 1);
}

static void test_three_tasks(void **state)
{
	(void)state;
	hold(0, 101, GL_A, EX);
	hold(0, 102, GL_B, EX);
	hold(0, 103, GL_C, SH);
	wait_on(101, GL_B, EX, 1000 * MS);
	wait_on(102, GL_C, EX, 1000 * MS);
	wait_on(103, GL_A, SH, 1000 * MS);
	write_dump("G:  s:EX n:2/805a f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:101 [a] x\n H: s:SH f:W e:0 p:103 [c] y\n"
		   "G:  s:EX n:2/805b f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:102 [b] x\n H: s:EX f:W e:0 p:101 [a] y\n"
		   "G:  s:SH n:2/805c f:y t:SH d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:SH f:H e:0 p:103 [c] x\n H: s:EX f:W e:0 p:102 [b] y\n");
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.n, 3);
	assert_int_equal(last.check, FL_DL_VERIFIED);
	assert_int_equal(last.links[0].w.tid, 101);
	assert_int_equal(last.links[1].w.tid, 102);
	assert_int_equal(last.links[2].w.tid, 103);
	assert_int_equal(last.links[2].h.tid, 101);
}

/* Shared waits on shared holds do not wait for each other. */
static void test_compatible_modes_no_cycle(void **state)
{
	(void)state;
	hold(0, 101, GL_A, SH);
	hold(0, 102, GL_B, SH);
	wait_on(101, GL_B, SH, 1000 * MS);
	wait_on(102, GL_A, SH, 1000 * MS);
	assert_int_equal(fl_deadlock_scan(&df, 5000 * MS, collect, NULL), 0);
}

/* A holder that is not waiting (it runs, it will release) closes nothing. */
static void test_holder_running(void **state)
{
	(void)state;
	hold(0, 101, GL_A, EX);
	hold(0, 102, GL_B, EX);
	wait_on(101, GL_B, SH, 1000 * MS);
	assert_int_equal(fl_deadlock_scan(&df, 5000 * MS, collect, NULL), 0);
	/* nor a task waiting on a glock it holds itself (recursion is another finding) */
	hold(1, 101, GL_B, EX);
	assert_int_equal(fl_deadlock_scan(&df, 5000 * MS, collect, NULL), 0);
}

/* The kernel's dump is the judge: a wait it does not show is not reported (yet). */
static void test_contradicted_then_confirmed(void **state)
{
	(void)state;
	abba();
	write_dump("G:  s:EX n:2/805a f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:101 [a] x\n"
		   "G:  s:EX n:2/805b f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:102 [b] x\n H: s:SH f:W e:0 p:101 [a] y\n");
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 0);
	assert_int_equal(df.contradicted, 1);
	write_dump(abba_dump);
	/* a second of backoff after a contradiction */
	assert_int_equal(fl_deadlock_scan(&df, 3500 * MS, collect, NULL), 0);
	assert_int_equal(fl_deadlock_scan(&df, 4100 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_DL_VERIFIED);
}

/* A holder line for another task, or a granted flag on the waiter: no match. */
static void test_verify_needs_both_lines(void **state)
{
	char why[160];

	(void)state;
	abba();
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	write_dump("G:  s:EX n:2/805a f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:101 [a] x\n H: s:SH f:H e:0 p:102 [b] y\n"
		   "G:  s:EX n:2/805b f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:102 [b] x\n H: s:SH f:W e:0 p:101 [a] y\n");
	assert_int_equal(fl_deadlock_verify(&last, df.dump_glob, why, sizeof(why)), FL_DL_CONTRADICTED);
	assert_non_null(strstr(why, "no wait of 2:32858 by tid 102"));
	/* the same number in another glock type is another glock */
	write_dump("G:  s:EX n:5/805a f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:101 [a] x\n H: s:SH f:W e:0 p:102 [b] y\n"
		   "G:  s:EX n:2/805b f:y t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:102 [b] x\n H: s:SH f:W e:0 p:101 [a] y\n");
	assert_int_equal(fl_deadlock_verify(&last, df.dump_glob, why, sizeof(why)), FL_DL_CONTRADICTED);
}

/* No dump to read: still reported, as an unverified warning. */
static void test_unverifiable(void **state)
{
	(void)state;
	abba();
	df.dump_glob = "/nonexistent/gfs2/*/glocks";
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_DL_UNVERIFIED);
	assert_non_null(strstr(last.why, "no gfs2 glock dump at /nonexistent/gfs2/*/glocks"));
	assert_int_equal(df.unverified, 1);
}

static char *print(const struct fl_deadlock *d, bool json, enum fl_severity want)
{
	struct fl_output o = { .json = json, .start_ts = 1000 * MS };
	struct cap c;
	char *text;

	cap_open(&c);
	o.f = c.f;
	fl_output_deadlock(&o, d);
	assert_int_equal(o.findings[want], 1);
	text = strdup(cap_str(&c));
	cap_close(&c);
	return text;
}

static void test_output(void **state)
{
	char *text;

	(void)state;
	abba();
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	last.links[0].nr_frames = 2;
	strcpy(last.links[0].frames[0], "gfs2_glock_wait+0x9e/0xd0 [gfs2]");
	strcpy(last.links[0].frames[1], "gfs2_fault+0x6c/0x100 [gfs2]");
	text = print(&last, true, FL_SEV_ERROR);
	assert_true(jc_is_line(text));
	assert_json_keys(text, "", "type,ts,pid,tid,comm,severity,verified,why,provider,dev,tasks,cycle");
	assert_json(text, "type", "\"deadlock\"");
	assert_json(text, "severity", "\"error\"");
	assert_json(text, "verified", "true");
	assert_json(text, "why", "null");
	assert_json(text, "tid", "101");
	assert_json(text, "tasks", "2");
	assert_json(text, "dev", "\"254:0\"");
	assert_json_keys(text, "cycle.0", "pid,tid,comm,waits_for,requested_state,requested_site,"
			 "waited_ms,held_by,stack");
	assert_json(text, "cycle.0.waits_for", "\"2:32859\"");
	assert_json(text, "cycle.0.requested_state", "\"SH\"");
	assert_json(text, "cycle.0.waited_ms", "2000");
	assert_json(text, "cycle.0.held_by.tid", "102");
	assert_json(text, "cycle.0.held_by.held_state", "\"EX\"");
	assert_json(text, "cycle.0.stack", "[\"gfs2_glock_wait+0x9e/0xd0 [gfs2]\",\"gfs2_fault+0x6c/0x100 [gfs2]\"]");
	assert_json(text, "cycle.1.waits_for", "\"2:32858\"");
	assert_json(text, "cycle.1.held_by.tid", "101");
	free(text);

	text = print(&last, false, FL_SEV_ERROR);
	assert_non_null(strstr(text, "error   deadlock"));
	assert_non_null(strstr(text, "2 tasks wait for each other on gfs2 glocks (dev 254:0), as the kernel's glock dump shows:"));
	assert_non_null(strstr(text, "fl-abba[500/101] waits 2000 ms for 2:32859 SH"));
	assert_non_null(strstr(text, "held EX by fl-abba[500/102]"));
	assert_non_null(strstr(text, "gfs2_glock_wait+0x9e/0xd0 [gfs2]\n"));
	free(text);

	last.check = FL_DL_UNVERIFIED;
	strcpy(last.why, "no gfs2 glock dump at x");
	text = print(&last, true, FL_SEV_WARNING);
	assert_json(text, "severity", "\"warning\"");
	assert_json(text, "verified", "false");
	assert_json(text, "why", "\"no gfs2 glock dump at x\"");
	free(text);
	text = print(&last, false, FL_SEV_WARNING);
	assert_non_null(strstr(text, "not confirmed by the kernel: no gfs2 glock dump at x"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_abba_once_after_threshold, setup),
		cmocka_unit_test_setup(test_three_tasks, setup),
		cmocka_unit_test_setup(test_compatible_modes_no_cycle, setup),
		cmocka_unit_test_setup(test_holder_running, setup),
		cmocka_unit_test_setup(test_contradicted_then_confirmed, setup),
		cmocka_unit_test_setup(test_verify_needs_both_lines, setup),
		cmocka_unit_test_setup(test_unverifiable, setup),
		cmocka_unit_test_setup(test_output, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (dump)
		unlink(dump);
	free(dump);
	return rc;
}
