// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/deadlock.c: cycles found in crafted waiter/holder slots (two and
 * three tasks, once each; not for compatible modes, short waits or a holder
 * that runs), checked against crafted gfs2 glock dumps (verified,
 * contradicted, unverifiable), btrfs extent-range cycles (each waiter's
 * stack the judge, a lost slot record making them unverified), and the
 * deadlock output in JSON and text.
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
	assert_json_keys(text, "cycle.0", "pid,tid,comm,waits_for,lock_type,requested_state,requested_site,"
			 "waited_ms,held_by,stack");
	assert_json(text, "provider", "\"gfs2\"");
	assert_json(text, "cycle.0.lock_type", "\"glock\"");
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

/* btrfs: 201 holds [0, 64K) of inode 257 and waits for [0, 64K) of 258,
 * 202 the other way round (fl-abba --direct on 5.10). */
static const __u64 fsid[2] = { 0x1122334455667788ULL, 0x99aabbccddeeff00ULL };
static uint64_t ext_key(uint64_t ino)
{
	return fl_btrfs_slot_key(fsid, 5, ino);
}

static void range_wait(uint32_t tid, uint64_t ino, uint64_t start, uint64_t end, uint64_t since)
{
	struct fl_waiter *w = &waiters[tid & (FL_STALL_SLOTS - 1)];

	memset(w, 0, sizeof(*w));
	w->tid = tid;
	w->pid = tid;
	w->gl = ext_key(ino);
	w->id.number = ino;
	w->provider = FL_LOCK_BTRFS_EXTENT;
	memcpy(w->range.fsid, fsid, sizeof(fsid));
	w->range.root = 5;
	w->range.start = start;
	w->range.end = end;
	strcpy(w->comm, "fl-abba");
	w->since = since;
}

static void range_hold(int way, uint32_t tid, uint64_t ino, uint64_t start, uint64_t end, uint64_t since)
{
	struct fl_holder *h = &holders[fl_stall_slot_of_gl(ext_key(ino)) * FL_STALL_WAYS + way];

	memset(h, 0, sizeof(*h));
	h->tid = tid;
	h->pid = tid;
	h->gl = ext_key(ino);
	h->id.number = ino;
	h->provider = FL_LOCK_BTRFS_EXTENT;
	memcpy(h->range.fsid, fsid, sizeof(fsid));
	h->range.root = 5;
	h->range.start = start;
	h->range.end = end;
	strcpy(h->comm, "fl-abba");
	h->since = since;
}

/* What the crafted tasks' stacks say: 0 frames, an extent wait, or running. */
static int stack_kind[1024];
static int read_stack(void *arg, pid_t pid, pid_t tid, char frames[][128], int max)
{
	static const char *const wait[] = { "lock_extent_bits+0x19e/0x210 [btrfs]",
					    "btrfs_lock_and_flush_ordered_range+0xa6/0x120 [btrfs]",
					    "extent_readahead+0x29a/0x3d0 [btrfs]", "filemap_fault+0x67c/0x900" };
	static const char *const run[] = { "do_syscall_64+0x33/0x80" };
	int k = stack_kind[tid & 1023], n = k == 1 ? 4 : k == 2 ? 1 : 0;

	(void)arg;
	(void)pid;
	for (int i = 0; i < n && i < max; i++)
		strcpy(frames[i], k == 1 ? wait[i] : run[i]);
	return n;
}

static uint64_t lost;
static uint64_t lost_slots(void *arg)
{
	(void)arg;
	return lost;
}

static void btrfs_abba(void)
{
	range_hold(0, 201, 257, 0, 65535, 900 * MS);
	range_hold(0, 202, 258, 0, 65535, 900 * MS);
	range_wait(201, 258, 0, 4095, 1000 * MS);
	range_wait(202, 257, 0, 4095, 1100 * MS);
	df.read_stack = read_stack;
	df.lost_slots = lost_slots;
	stack_kind[201] = stack_kind[202] = 1;
	lost = 0;
}

static void test_btrfs_cycle(void **state)
{
	char *text;

	(void)state;
	btrfs_abba();
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.n, 2);
	assert_int_equal(last.check, FL_DL_VERIFIED);
	assert_true(last.ranges);
	assert_false(last.glocks);
	assert_int_equal(last.links[0].w.tid, 201);
	assert_int_equal(last.links[0].h.tid, 202);
	assert_int_equal(last.links[1].h.tid, 201);
	/* the site: the first frame past the locking plumbing */
	assert_string_equal(last.links[0].wait_frame, "extent_readahead+0x29a/0x3d0 [btrfs]");
	text = print(&last, true, FL_SEV_ERROR);
	assert_json(text, "provider", "\"btrfs\"");
	assert_json(text, "dev", "null");
	assert_json(text, "cycle.0.waits_for", "\"extent:5:258:0+4096\"");
	assert_json(text, "cycle.0.lock_type", "\"btrfs_extent\"");
	assert_json(text, "cycle.0.requested_state", "null");
	assert_json(text, "cycle.0.requested_range", "{\"start\":0,\"end\":4095}");
	assert_json(text, "cycle.0.requested_site", "\"extent_readahead+0x29a/0x3d0 [btrfs]\"");
	assert_json(text, "cycle.0.held_by.held_range", "{\"start\":0,\"end\":65535}");
	assert_json(text, "cycle.0.held_by.tid", "202");
	assert_json(text, "cycle.1.waits_for", "\"extent:5:257:0+4096\"");
	free(text);
	text = print(&last, false, FL_SEV_ERROR);
	assert_non_null(strstr(text, "2 tasks wait for each other on btrfs extent ranges (dev ?), as the kernel's stacks show:"));
	assert_non_null(strstr(text, "fl-abba[201/201] waits 2000 ms for extent:5:258:0+4096 (from extent_readahead+0x29a/0x3d0 [btrfs]), 0..65535 of it held by fl-abba[202/202]"));
	free(text);
}

/* A granted request's slot (its task runs on), disjoint ranges, a task on
 * its own range: no cycle, or none reported. */
static void test_btrfs_not_a_cycle(void **state)
{
	(void)state;
	btrfs_abba();
	stack_kind[202] = 2;	/* 202 runs: its request was granted */
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 0);
	assert_int_equal(df.contradicted, 1);
	stack_kind[202] = 1;
	range_wait(202, 257, 65536, 69631, 1100 * MS);	/* past what 201 holds */
	assert_int_equal(fl_deadlock_scan(&df, 9000 * MS, collect, NULL), 0);
	/* 201 on its own range (recursive_lock's finding) */
	memset(holders, 0, sizeof(holders));
	range_hold(0, 201, 258, 0, 65535, 900 * MS);
	assert_int_equal(fl_deadlock_scan(&df, 9000 * MS, collect, NULL), 0);
	assert_int_equal(calls, 0);
}

/* 5.10's bthole: 301's direct read holds [0, 8K) and its fault waits for
 * [0, 4K) of the same inode (its own: recursive_lock's), dd (302) waits
 * behind it for [0, 4K). dd's pending request is noted as a holding too,
 * but holds nothing 301 waits for: no cycle. */
static void test_btrfs_pending_request_not_a_holder(void **state)
{
	(void)state;
	btrfs_abba();
	memset(holders, 0, sizeof(holders));
	memset(waiters, 0, sizeof(waiters));
	range_hold(0, 301, 260, 0, 8191, 900 * MS);		/* the direct read */
	range_hold(1, 301, 260, 0, 4095, 1000 * MS);		/* its fault's request */
	range_wait(301, 260, 0, 4095, 1000 * MS);
	range_hold(2, 302, 260, 0, 4095, 1100 * MS);		/* dd's request */
	range_wait(302, 260, 0, 4095, 1100 * MS);
	stack_kind[301] = stack_kind[302] = 1;
	assert_int_equal(fl_deadlock_scan(&df, 5000 * MS, collect, NULL), 0);
	assert_int_equal(calls, 0);
	/* were dd's request a holding (granted, its slot moved on), 301 would
	 * wait for it: the pending check is what keeps the cycle out */
	waiters[302 & (FL_STALL_SLOTS - 1)].since = 1150 * MS;
	assert_int_equal(fl_deadlock_scan(&df, 5000 * MS, collect, NULL), 1);
}

/* No stack to read, or a slot record lost in the run: a warning, unverified. */
static void test_btrfs_unverified(void **state)
{
	(void)state;
	btrfs_abba();
	stack_kind[202] = 0;
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_DL_UNVERIFIED);
	assert_non_null(strstr(last.why, "no kernel stack of fl-abba[202] readable"));
	setup(NULL);
	btrfs_abba();
	lost = 3;
	assert_int_equal(fl_deadlock_scan(&df, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_DL_UNVERIFIED);
	assert_non_null(strstr(last.why, "3 lock_stall slot records were lost"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_abba_once_after_threshold, setup),
		cmocka_unit_test_setup(test_btrfs_cycle, setup),
		cmocka_unit_test_setup(test_btrfs_not_a_cycle, setup),
		cmocka_unit_test_setup(test_btrfs_unverified, setup),
		cmocka_unit_test_setup(test_btrfs_pending_request_not_a_holder, setup),
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
