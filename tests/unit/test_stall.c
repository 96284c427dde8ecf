// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/stall.c: the lock_stall scan over crafted waiter/holder slots (each
 * wait reported once, past the threshold only, with its holder when the
 * glock's slot holds that glock), the /proc stack reader, and the
 * lock_stall output (report.c) in JSON and text.
 */
#include "fltest.h"
#include "report.h"
#include "stall.h"

#define GL 0xffff888012345600ULL
#define MS 1000000ULL

static struct fl_waiter waiters[FL_STALL_SLOTS];
static struct fl_holder holders[FL_STALL_SLOTS * FL_STALL_WAYS];
static struct fl_stall_scanner sc;
static struct fl_stall last;
static int calls;

static void collect(struct fl_stall *st, void *arg)
{
	(void)arg;
	last = *st;
	calls++;
}

static int setup(void **state)
{
	(void)state;
	memset(waiters, 0, sizeof(waiters));
	memset(holders, 0, sizeof(holders));
	memset(&last, 0, sizeof(last));
	calls = 0;
	fl_stall_init(&sc, waiters, holders, 500 * MS);
	return 0;
}

static void wait_on(int tid, uint64_t gl, uint64_t since)
{
	struct fl_waiter *w = &waiters[tid & (FL_STALL_SLOTS - 1)];

	w->tid = tid;
	w->pid = tid;
	w->gl = gl;
	w->ip = 0xffffffffc0a00010ULL;
	w->id.number = 2343;
	w->id.type = 6;
	w->id.dev = (254 << 20) | 0;
	w->state = 1;	/* EX */
	strcpy(w->comm, "flocker");
	w->since = since;
}

static void hold_way(int way, int tid, uint64_t gl, uint64_t since)
{
	struct fl_holder *h = &holders[fl_stall_slot_of_gl(gl) * FL_STALL_WAYS + way];

	h->gh = 0xffff888077770000ULL;
	h->tid = tid;
	h->pid = tid;
	h->ip = 0xffffffffc0a00020ULL;
	h->state = 1;
	strcpy(h->comm, "holder");
	h->since = since;
	h->gl = gl;
}

static void hold(int tid, uint64_t gl, uint64_t since)
{
	hold_way(0, tid, gl, since);
}

static void test_threshold_and_once(void **state)
{
	(void)state;
	wait_on(4242, GL, 1000 * MS);
	assert_int_equal(fl_stall_scan(&sc, 1499 * MS, collect, NULL), 0);	/* 499 ms */
	assert_int_equal(fl_stall_scan(&sc, 1500 * MS, collect, NULL), 1);	/* 500 ms */
	assert_int_equal(last.w.tid, 4242);
	assert_int_equal(last.now, 1500 * MS);
	assert_false(last.have_holder);		/* nobody was seen taking it */
	/* the same wait is not reported again, however long it lasts */
	assert_int_equal(fl_stall_scan(&sc, 9000 * MS, collect, NULL), 0);
	/* the next wait in that slot is a new one */
	wait_on(4242, GL, 8000 * MS);
	assert_int_equal(fl_stall_scan(&sc, 9000 * MS, collect, NULL), 1);
	assert_int_equal(sc.found, 2);
	assert_int_equal(calls, 2);
}

static void test_holder_match(void **state)
{
	(void)state;
	wait_on(7, GL, 1000 * MS);
	hold(99, GL, 200 * MS);
	assert_int_equal(fl_stall_scan(&sc, 2000 * MS, collect, NULL), 1);
	assert_true(last.have_holder);
	assert_int_equal(last.h.tid, 99);
	assert_string_equal(last.h.comm, "holder");

	assert_int_equal(last.nr_holders, 1);

	/* the glock's set now holds another glock only (a collision): unknown */
	wait_on(8, GL, 1500 * MS);
	hold(99, GL ^ (1ULL << 40), 200 * MS);	/* same set, other address */
	assert_int_equal(fl_stall_slot_of_gl(GL), fl_stall_slot_of_gl(GL ^ (1ULL << 40)));
	assert_int_equal(fl_stall_scan(&sc, 2500 * MS, collect, NULL), 1);
	assert_int_equal(last.w.tid, 8);
	assert_false(last.have_holder);
	assert_int_equal(last.nr_holders, 0);
}

/* Shared holders: each has a way of the set; the longest held is shown. */
static void test_shared_holders(void **state)
{
	(void)state;
	wait_on(7, GL, 1000 * MS);
	hold_way(0, 11, GL, 600 * MS);
	hold_way(2, 12, GL, 300 * MS);		/* held longest */
	hold_way(3, 13, GL ^ (1ULL << 40), 100 * MS);	/* another glock: not counted */
	assert_int_equal(fl_stall_scan(&sc, 2000 * MS, collect, NULL), 1);
	assert_true(last.have_holder);
	assert_int_equal(last.nr_holders, 2);
	assert_int_equal(last.h.tid, 12);
}

static void test_free_and_future_slots(void **state)
{
	(void)state;
	wait_on(1, GL, 0);			/* free: since 0 */
	wait_on(2, GL, 5000 * MS);		/* began after `now` (clock read earlier) */
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 0);
	/* every slot index is reachable */
	wait_on(FL_STALL_SLOTS - 1, GL, 1 * MS);
	wait_on(FL_STALL_SLOTS, GL, 1 * MS);	/* slot 0 */
	assert_int_equal(fl_stall_scan(&sc, 6000 * MS, collect, NULL), 3);
}

static void test_read_stack(void **state)
{
	char frames[FL_STALL_FRAMES][128];
	int n;

	(void)state;
	n = fl_stall_read_stack(getpid(), getpid(), frames, FL_STALL_FRAMES);
	assert_true(n >= 0 && n <= FL_STALL_FRAMES);
	for (int i = 0; i < n; i++) {
		assert_true(frames[i][0] != '\0');
		assert_true(strncmp(frames[i], "[<", 2) != 0);	/* the "[<0>] " prefix is cut */
	}
	assert_int_equal(fl_stall_read_stack(999999999, 999999999, frames, FL_STALL_FRAMES), 0);
}

static char *print(struct fl_stall *st, bool json)
{
	struct fl_output o = { .json = json, .start_ts = 1000 * MS };
	struct cap c;
	char *text;

	cap_open(&c);
	o.f = c.f;
	fl_output_stall(&o, st);
	assert_int_equal(o.findings[FL_SEV_WARNING], 1);
	text = strdup(cap_str(&c));
	cap_close(&c);
	return text;
}

static void test_output(void **state)
{
	char *text;

	(void)state;
	wait_on(4242, GL, 1000 * MS);
	hold(99, GL, 400 * MS);
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 1);
	last.nr_frames = 2;
	strcpy(last.frames[0], "do_flock+0x1a0/0x300 [gfs2]");
	strcpy(last.frames[1], "__x64_sys_flock+0x10/0x20");
	text = print(&last, true);
	assert_true(jc_is_line(text));
	assert_json_keys(text, "", "type,ts,pid,tid,comm,severity,lock,provider,lock_type,dev,ino,"
			 "requested_state,requested_flags,requested_site,waited_ms,glock_flags,holder");
	assert_json(text, "glock_flags", "null");
	assert_json(text, "type", "\"lock_stall\"");
	assert_json(text, "severity", "\"warning\"");
	assert_json(text, "lock", "\"6:2343\"");
	assert_json(text, "dev", "\"254:0\"");
	assert_json(text, "waited_ms", "3000");
	assert_json(text, "requested_state", "\"EX\"");
	assert_json_keys(text, "holder", "pid,tid,comm,held_state,held_site,held_ms,holders,stack,node,remote");
	assert_json(text, "holder.tid", "99");
	assert_json(text, "holder.node", "null");	/* no DLM here */
	assert_json(text, "holder.remote", "false");
	assert_json(text, "holder.held_ms", "3600");
	assert_json(text, "holder.stack", "[\"do_flock+0x1a0/0x300 [gfs2]\",\"__x64_sys_flock+0x10/0x20\"]");
	free(text);

	text = print(&last, false);
	assert_non_null(strstr(text, "lock_stall"));
	assert_non_null(strstr(text, "flocker[4242/4242] waits 3000 ms for gfs2 glock 6:2343 (dev 254:0) EX"));
	assert_non_null(strstr(text, "held EX by holder[99/99] for 3600 ms"));
	assert_non_null(strstr(text, "do_flock+0x1a0/0x300 [gfs2]\n"));
	free(text);

	last.have_holder = false;
	text = print(&last, true);
	assert_json(text, "holder", "null");
	free(text);
	text = print(&last, false);
	assert_non_null(strstr(text, "holder unknown"));
	free(text);

	/* no holder here, the DLM's lock granted on node 1 (lock_dlm) */
	last.have_dlm = true;
	last.our_node = 2;
	last.dlm = (struct fl_dlm_holder){ .node = 1, .pid = 251, .mode = FL_DLM_EX, .master = 2 };
	text = print(&last, true);
	assert_true(jc_is_line(text));
	assert_json_keys(text, "holder", "pid,tid,comm,held_state,held_site,held_ms,holders,stack,node,remote,"
			 "inferred,master,source");
	assert_json(text, "holder.node", "1");
	assert_json(text, "holder.pid", "251");
	assert_json(text, "holder.tid", "null");
	assert_json(text, "holder.held_state", "\"EX\"");
	assert_json(text, "holder.remote", "true");
	assert_json(text, "holder.inferred", "false");
	assert_json(text, "holder.master", "2");
	assert_json(text, "holder.source", "\"dlm\"");
	free(text);
	text = print(&last, false);
	assert_non_null(strstr(text, "held EX on node 1 (the DLM's granted lock)"));
	assert_non_null(strstr(text, "the DLM names pid 251 there"));
	free(text);
	/* only the master known, nothing granted here: inferred, no pid */
	last.dlm = (struct fl_dlm_holder){ .node = 1, .mode = FL_DLM_IV, .master = 1, .inferred = true };
	text = print(&last, true);
	assert_json(text, "holder.pid", "null");
	assert_json(text, "holder.held_state", "null");	/* the master's mode is not known here */
	assert_json(text, "holder.inferred", "true");
	free(text);
	text = print(&last, false);
	assert_non_null(strstr(text, "held (mode unknown) on node 1 (the DLM: the lock's master, nothing granted here)"));
	free(text);
}

/* The reporter adds the glock's flags from gfs2's dump (and nothing where
 * there is none). */
static void test_report_reads_dump(void **state)
{
	struct fl_output o = { .json = true, .start_ts = 1000 * MS };
	struct cap c;
	char *dump;

	(void)state;
	dump = write_tmp("G:  s:UN n:6/927 f:lrb t:EX d:EX/0 a:0 v:0 r:3 m:200 p:1\n"
			 " H: s:EX f:W e:0 p:4242 [flocker] do_flock+0x1a0/0x300 [gfs2]\n");
	wait_on(4242, GL, 1000 * MS);
	sc.dump_glob = dump;
	cap_open(&c);
	o.f = c.f;
	assert_int_equal(fl_stall_report(&sc, 4000 * MS, &o), 1);
	assert_json(cap_str(&c), "glock_flags", "\"lrb\"");
	assert_json(cap_str(&c), "holder", "null");
	cap_close(&c);
	unlink(dump);
	free(dump);
}

/* A slot a writer is at (its seqlock's counters differ) is not copied. */
static void test_torn_slot(void **state)
{
	struct fl_waiter *w = &waiters[4242 & (FL_STALL_SLOTS - 1)];
	struct fl_waiter copy;

	(void)state;
	wait_on(4242, GL, 1000 * MS);
	w->wbegin = 7, w->wend = 6;	/* one writer in flight */
	assert_false(fl_stall_copy_waiter(w, &copy));
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 0);
	w->wend = 7;			/* it finished */
	assert_true(fl_stall_copy_waiter(w, &copy));
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 1);
	assert_int_equal(last.w.tid, 4242);
}

/* Neighbouring tids do not share both candidate slots. */
static void test_waiter_slots(void **state)
{
	(void)state;
	for (uint32_t tid = 1000; tid < 1100; tid++) {
		assert_true(fl_waiter_slot(tid, 1) < FL_STALL_SLOTS);
		assert_int_not_equal(fl_waiter_slot(tid, 1), fl_waiter_slot(tid + 1, 1));
		assert_int_not_equal(fl_waiter_slot(tid, 1), fl_waiter_slot(tid + 1, 0));
	}
}

static char fake_state;
static char state_of(pid_t pid, pid_t tid)
{
	(void)pid, (void)tid;
	return fake_state;
}

/* A wait is reported while its task is blocked (D); a task gone leaves a
 * stale slot, never reported. */
static void test_task_state(void **state)
{
	(void)state;
	sc.task_state = state_of;
	wait_on(4242, GL, 1000 * MS);
	fake_state = 'R';
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 0);
	assert_int_equal(sc.not_blocked, 1);
	fake_state = 'D';
	assert_int_equal(fl_stall_scan(&sc, 4500 * MS, collect, NULL), 1);
	wait_on(4242, GL, 5000 * MS);
	fake_state = '?';
	assert_int_equal(fl_stall_scan(&sc, 9000 * MS, collect, NULL), 0);
	fake_state = 'D';
	assert_int_equal(fl_stall_scan(&sc, 9500 * MS, collect, NULL), 0);	/* that slot is done with */
	assert_int_equal(calls, 1);
}

/*
 * GL_ASYNC (rename): gfs2_glock_nq returned at once, so the slot stays; the
 * glock dump decides. W: still waiting, a stall; H: granted, none; no dump
 * of the glock: not known, none (counted). An async holder still W is not
 * shown as the holder.
 */
static void test_async(void **state)
{
	char *w_dump, *h_dump, *none;

	(void)state;
	w_dump = write_tmp("G:  s:SH n:2/927 f:lDrq t:EX d:UN/0 a:0 v:0 r:4 m:200 p:1\n"
			   " H: s:SH f:H e:0 p:77 [ls] gfs2_readdir+0x40/0x90 [gfs2]\n"
			   " H: s:EX f:aW e:0 p:4242 [mv] gfs2_rename+0x1a0/0x900 [gfs2]\n"
			   " H: s:EX f:aW e:0 p:99 [mv2] gfs2_rename+0x1a0/0x900 [gfs2]\n"
			   "G:  s:EX n:2/928 f:l t:EX d:UN/0 a:0 v:0 r:4 m:200 p:1\n"
			   " H: s:EX f:H e:0 p:4242 [mv] gfs2_rename+0x1a0/0x900 [gfs2]\n");
	h_dump = write_tmp("G:  s:EX n:2/927 f:l t:EX d:UN/0 a:0 v:0 r:4 m:200 p:1\n"
			   " H: s:EX f:aH e:0 p:4242 [mv] gfs2_rename+0x1a0/0x900 [gfs2]\n");
	none = write_tmp("G:  s:EX n:2/928 f:l t:EX d:UN/0 a:0 v:0 r:4 m:200 p:1\n"
			 " H: s:EX f:H e:0 p:1 [x] gfs2_rename+0x1a0/0x900 [gfs2]\n");
	wait_on(4242, GL, 1000 * MS);
	waiters[4242 & (FL_STALL_SLOTS - 1)].id.type = 2;
	waiters[4242 & (FL_STALL_SLOTS - 1)].flags = FL_GH_ASYNC;
	hold_way(0, 99, GL, 500 * MS);		/* another rename, queued async too */
	holders[fl_stall_slot_of_gl(GL) * FL_STALL_WAYS].flags = FL_GH_ASYNC;
	hold_way(1, 77, GL, 800 * MS);		/* the reader holding it */

	sc.dump_glob = h_dump;
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 0);
	waiters[4242 & (FL_STALL_SLOTS - 1)].since = 1001 * MS;	/* a new request */
	sc.dump_glob = none;
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 0);
	assert_int_equal(sc.async_unknown, 1);
	waiters[4242 & (FL_STALL_SLOTS - 1)].since = 1002 * MS;
	sc.dump_glob = w_dump;
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 1);
	assert_int_equal(last.w.tid, 4242);
	assert_string_equal(last.glock_flags, "lDrq");
	assert_true(last.have_holder);
	assert_int_equal(last.nr_holders, 1);	/* 99 waits too: not a holder */
	assert_int_equal(last.h.tid, 77);
	for (char **f = (char *[]){ w_dump, h_dump, none, NULL }; *f; f++) {
		unlink(*f);
		free(*f);
	}
}

/* Another node's lock before this node's, a seen one before an inferred one. */
static void test_pick_dlm(void **state)
{
	const struct fl_dlm_holder h[] = {
		{ .node = 2, .pid = 10, .mode = FL_DLM_PR, .local = true },
		{ .node = 1, .mode = FL_DLM_EX, .inferred = true },
		{ .node = 3, .pid = 30, .mode = FL_DLM_PR },
	};
	struct fl_dlm_holder out;

	(void)state;
	assert_false(fl_stall_pick_dlm(h, 0, &out));
	assert_true(fl_stall_pick_dlm(h, 1, &out));
	assert_int_equal(out.node, 2);
	assert_true(fl_stall_pick_dlm(h, 2, &out));
	assert_int_equal(out.node, 1);
	assert_true(fl_stall_pick_dlm(h, 3, &out));
	assert_int_equal(out.node, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_threshold_and_once, setup),
		cmocka_unit_test_setup(test_holder_match, setup),
		cmocka_unit_test_setup(test_shared_holders, setup),
		cmocka_unit_test_setup(test_free_and_future_slots, setup),
		cmocka_unit_test_setup(test_read_stack, setup),
		cmocka_unit_test_setup(test_output, setup),
		cmocka_unit_test(test_pick_dlm),
		cmocka_unit_test_setup(test_report_reads_dump, setup),
		cmocka_unit_test_setup(test_torn_slot, setup),
		cmocka_unit_test(test_waiter_slots),
		cmocka_unit_test_setup(test_task_state, setup),
		cmocka_unit_test_setup(test_async, setup),
	};

	return cmocka_run_group_tests_name("stall", tests, NULL, NULL);
}
