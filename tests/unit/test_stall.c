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

/* ---- btrfs extent ranges --------------------------------------------- */

#define FSID0 0x1122334455667788ULL
#define FSID1 0x99aabbccddeeff00ULL

static uint64_t range_key(void)
{
	const __u64 fsid[2] = { FSID0, FSID1 };

	return fl_btrfs_slot_key(fsid, 5, 257);
}

static void range_wait(int tid, uint64_t start, uint64_t end, uint64_t since)
{
	struct fl_waiter *w = &waiters[tid & (FL_STALL_SLOTS - 1)];

	memset(w, 0, sizeof(*w));
	w->tid = w->pid = tid;
	w->gl = range_key();
	w->id.number = 257;
	w->provider = FL_LOCK_BTRFS_EXTENT;
	w->range = (struct fl_slot_range){ .fsid = { FSID0, FSID1 }, .root = 5, .start = start, .end = end };
	strcpy(w->comm, "dd");
	w->since = since;
}

static void range_hold(int way, int tid, uint64_t start, uint64_t end, uint64_t since)
{
	struct fl_holder *h = &holders[fl_stall_slot_of_gl(range_key()) * FL_STALL_WAYS + way];

	memset(h, 0, sizeof(*h));
	h->tid = h->pid = tid;
	h->id.number = 257;
	h->provider = FL_LOCK_BTRFS_EXTENT;
	h->range = (struct fl_slot_range){ .fsid = { FSID0, FSID1 }, .root = 5, .start = start, .end = end };
	strcpy(h->comm, "fl-mmapio");
	h->since = since;
	h->gl = range_key();
}

/* The holder named is the oldest other locker of an overlapping range: not
 * the waiter's own request (noted as a holding at the same time), not a
 * range beside it, not another file system's same inode; a failed trylock
 * (later) is counted among the holders but not named. */
static void test_range_holder(void **state)
{
	(void)state;
	range_wait(500, 0, 8191, 1000 * MS);
	range_hold(0, 88, 4096, 8191, 900 * MS);	/* a failed trylock, after the holder */
	range_hold(1, 500, 0, 8191, 1000 * MS);		/* the request itself */
	range_hold(2, 77, 0, 4095, 800 * MS);		/* the holder */
	range_hold(3, 66, 16384, 20479, 100 * MS);	/* beside it */
	assert_int_equal(fl_stall_scan(&sc, 1400 * MS, collect, NULL), 0);	/* under the threshold */
	assert_int_equal(fl_stall_scan(&sc, 2000 * MS, collect, NULL), 1);
	assert_true(last.have_holder);
	assert_int_equal(last.h.tid, 77);
	assert_int_equal(last.nr_holders, 2);
	assert_int_equal(sc.found_by[FL_LOCK_BTRFS_EXTENT], 1);
	assert_int_equal(sc.found_by[FL_LOCK_GLOCK], 0);
	assert_int_equal(fl_stall_scan(&sc, 3000 * MS, collect, NULL), 0);	/* once */

	/* another file system: nothing overlaps */
	holders[fl_stall_slot_of_gl(range_key()) * FL_STALL_WAYS + 2].range.fsid[1] ^= 1;
	holders[fl_stall_slot_of_gl(range_key()) * FL_STALL_WAYS].gl = 0;
	holders[fl_stall_slot_of_gl(range_key()) * FL_STALL_WAYS + 1].gl = 0;	/* granted, unlocked */
	range_wait(500, 0, 8191, 2500 * MS);
	assert_int_equal(fl_stall_scan(&sc, 3500 * MS, collect, NULL), 1);
	assert_false(last.have_holder);

	/* its own earlier range (a direct I/O, then the fault in it): itself */
	range_hold(2, 500, 0, 4095, 2000 * MS);
	range_wait(500, 0, 4095, 2600 * MS);
	assert_int_equal(fl_stall_scan(&sc, 3600 * MS, collect, NULL), 1);
	assert_true(last.have_holder);
	assert_int_equal(last.h.tid, 500);
	assert_int_equal(last.h.since, 2000 * MS);
}

/* Whom to name, by rank: another task's holding, then the waiter's own,
 * then another task's request still waiting (5.10 bthole: dd queued behind
 * the task deadlocked on its own range is no holder of it). */
static uint32_t holder_of_500;
static void collect_500(struct fl_stall *st, void *arg)
{
	(void)arg;
	if (st->w.tid == 500)
		holder_of_500 = st->h.tid;
}

static void test_range_holder_rank(void **state)
{
	(void)state;
	range_wait(500, 0, 4095, 1000 * MS);
	range_hold(0, 500, 0, 8191, 500 * MS);		/* its own direct I/O */
	range_hold(1, 600, 0, 4095, 400 * MS);		/* 600's request ... */
	range_wait(600, 0, 4095, 400 * MS);		/* ... still waiting */
	range_hold(2, 77, 0, 4095, 900 * MS);		/* another task's holding */
	assert_int_equal(fl_stall_scan(&sc, 3000 * MS, collect_500, NULL), 2);
	assert_int_equal(holder_of_500, 77);		/* before its own, before the pending one */
	assert_int_equal(fl_stall_scan(&sc, 3000 * MS, collect, NULL), 0);
	holders[fl_stall_slot_of_gl(range_key()) * FL_STALL_WAYS + 2].gl = 0;
	range_wait(500, 0, 4095, 1100 * MS);		/* 500 asks again */
	assert_int_equal(fl_stall_scan(&sc, 3100 * MS, collect, NULL), 1);
	assert_int_equal(last.w.tid, 500);
	assert_int_equal(last.h.tid, 500);		/* itself, not the older pending request */
}

static int fake_frames;
static const char *fake_stack[4];

static int read_fake(void *arg, pid_t pid, pid_t tid, char frames[][128], int max)
{
	(void)arg, (void)pid, (void)tid;
	for (int i = 0; i < fake_frames && i < max; i++)
		strcpy(frames[i], fake_stack[i]);
	return fake_frames;
}

/* The kernel decides: a request of a task not in D, or in D elsewhere, was
 * granted (its slot freed); a wait's stack names it; no stack, not
 * reported, counted once. */
static void test_range_confirm(void **state)
{
	(void)state;
	sc.task_state = state_of;
	sc.read_stack = read_fake;
	range_hold(0, 77, 0, 4095, 800 * MS);
	range_wait(500, 0, 4095, 1000 * MS);
	fake_state = 'S';
	assert_int_equal(fl_stall_scan(&sc, 2000 * MS, collect, NULL), 0);
	assert_int_equal(waiters[500].since, 0);
	assert_int_equal(sc.range_freed, 1);

	range_wait(500, 0, 4095, 1000 * MS);
	fake_state = 'D';
	fake_frames = 2;
	fake_stack[0] = "io_schedule+0x12/0x40";
	fake_stack[1] = "folio_wait_bit_common+0x13d/0x350";
	assert_int_equal(fl_stall_scan(&sc, 2000 * MS, collect, NULL), 0);
	assert_int_equal(waiters[500].since, 0);
	assert_int_equal(sc.range_freed, 2);

	range_wait(500, 0, 4095, 1000 * MS);
	fake_frames = 4;
	fake_stack[0] = "wait_extent_bit.constprop.0+0x1a8/0x230 [btrfs]";
	fake_stack[1] = "lock_extent_bits+0x78/0x80 [btrfs]";
	fake_stack[2] = "btrfs_dio_iomap_begin+0x1c7/0x8a0 [btrfs]";
	fake_stack[3] = "iomap_apply+0xa2/0x2f0";
	assert_int_equal(fl_stall_scan(&sc, 2000 * MS, collect, NULL), 1);
	assert_string_equal(last.wait_frame, "btrfs_dio_iomap_begin+0x1c7/0x8a0 [btrfs]");
	assert_int_equal(last.h.tid, 77);
	assert_int_equal(waiters[500].since, 1000 * MS);	/* a wait's slot is its task's */

	range_wait(500, 0, 4095, 3000 * MS);
	fake_frames = 0;
	sc.read_stack = NULL;	/* /proc then: a pid that is not there */
	waiters[500].pid = waiters[500].tid = 999999999;
	waiters[500 & (FL_STALL_SLOTS - 1)].tid = 999999999;
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 0);
	assert_int_equal(fl_stall_scan(&sc, 4500 * MS, collect, NULL), 0);
	assert_int_equal(sc.range_unverified, 1);
	assert_int_equal(calls, 1);
}

static void test_extent_wait_frames(void **state)
{
	(void)state;
	assert_true(fl_stall_is_extent_wait("wait_extent_bit+0x1a8/0x230 [btrfs]"));
	assert_true(fl_stall_is_extent_wait("wait_extent_bit.constprop.0+0x1a8/0x230 [btrfs]"));
	assert_true(fl_stall_is_extent_wait("lock_extent_bits+0x78/0x80 [btrfs]"));
	assert_true(fl_stall_is_extent_wait("lock_extent+0x10/0x20 [btrfs]"));
	assert_true(fl_stall_is_extent_wait("btrfs_lock_extent_bits+0x10/0x20 [btrfs]"));
	assert_false(fl_stall_is_extent_wait("try_lock_extent+0x10/0x20 [btrfs]"));
	assert_false(fl_stall_is_extent_wait("lock_extent_buffer+0x10/0x20"));
}

static void test_range_output(void **state)
{
	char *text;

	(void)state;
	range_hold(0, 77, 0, 4095, 800 * MS);
	range_wait(500, 0, 8191, 1000 * MS);
	assert_int_equal(fl_stall_scan(&sc, 4000 * MS, collect, NULL), 1);
	strcpy(last.wait_frame, "btrfs_dio_iomap_begin+0x1c7/0x8a0 [btrfs]");
	last.dev = 45;
	strcpy(last.mnt, "/mnt");
	last.nr_frames = 1;
	strcpy(last.frames[0], "iomap_dio_rw+0x2c/0x50");
	text = print(&last, true);
	assert_true(jc_is_line(text));
	assert_json_keys(text, "", "type,ts,pid,tid,comm,severity,lock,provider,lock_type,dev,ino,root,mount,"
			 "requested_range,requested_site,waited_ms,holder");
	assert_json(text, "lock", "\"extent:5:257:0+8192\"");
	assert_json(text, "provider", "\"btrfs_extent\"");
	assert_json(text, "dev", "\"0:45\"");
	assert_json(text, "mount", "\"/mnt\"");
	assert_json(text, "requested_range.end", "8191");
	assert_json(text, "requested_site", "\"btrfs_dio_iomap_begin+0x1c7/0x8a0 [btrfs]\"");
	assert_json(text, "waited_ms", "3000");
	assert_json_keys(text, "holder", "pid,tid,comm,held_range,held_ms,holders,self,stack");
	assert_json(text, "holder.tid", "77");
	assert_json(text, "holder.held_range.end", "4095");
	assert_json(text, "holder.held_ms", "3200");
	assert_json(text, "holder.self", "false");
	assert_json(text, "holder.stack", "[\"iomap_dio_rw+0x2c/0x50\"]");
	free(text);
	text = print(&last, false);
	assert_non_null(strstr(text, "dd[500/500] waits 3000 ms for btrfs extent range extent:5:257:0+8192 "
			       "(bytes 0-8191 of inode 257, subvolume 5, /mnt, dev 0:45), in btrfs_dio_iomap_begin"));
	assert_non_null(strstr(text, "locked by fl-mmapio[77/77] 3200 ms ago (bytes 0-4095); its kernel stack now:"));
	free(text);
	last.h.tid = 500;
	text = print(&last, false);
	assert_non_null(strstr(text, "held by this task itself (bytes 0-4095, for 3200 ms): it waits for itself"));
	free(text);
	last.have_holder = false;
	text = print(&last, true);
	assert_json(text, "holder", "null");
	free(text);
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
		cmocka_unit_test_setup(test_range_holder, setup),
		cmocka_unit_test_setup(test_range_holder_rank, setup),
		cmocka_unit_test_setup(test_range_confirm, setup),
		cmocka_unit_test(test_extent_wait_frames),
		cmocka_unit_test_setup(test_range_output, setup),
	};

	return cmocka_run_group_tests_name("stall", tests, NULL, NULL);
}
