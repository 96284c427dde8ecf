// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/remote.c and src/glockdump.c: another node's demote request matched
 * with the holder here that was granted before it (once per request, only
 * when old enough, never for a later holder or another device), checked
 * against crafted gfs2 glock dumps (verified, contradicted, unverifiable,
 * GL_NOPID holders), the dump line parser, and the remote_demote output in
 * JSON and text.
 */
#include "fltest.h"
#include "glockdump.h"
#include "remote.h"
#include "report.h"

#define MS 1000000ULL
#define GL_F 0xffff888012345600ULL
#define EX 1
#define DEV ((254u << 20) | 0)
#define FLOCK 6
#define INO 0x8052ULL

static struct fl_demote demotes[FL_DEMOTE_SLOTS];
static struct fl_holder holders[FL_STALL_SLOTS * FL_STALL_WAYS];
static struct fl_remote_scanner rs;
static struct fl_remote_demote last;
static int calls;
static char *dump;

static void collect(struct fl_remote_demote *r, void *arg)
{
	(void)arg;
	last = *r;
	calls++;
}

/* What handle_demote_rq leaves: the newest request for (type, number). */
static void request(uint32_t type, uint64_t number, uint32_t dev, uint64_t since)
{
	struct fl_demote *d = &demotes[fl_demote_slot_of(type, number)];

	d->id.type = type;
	d->id.number = number;
	d->id.dev = dev;
	d->dmt_state = 0;	/* DLM_LOCK_NL: the other node wants it exclusively */
	d->count++;
	d->since = since;
}

static void hold(int way, uint32_t tid, uint32_t type, uint64_t number, uint32_t dev, uint64_t since)
{
	uint64_t gl = GL_F + ((uint64_t)way << 12);
	struct fl_holder *h = &holders[fl_stall_slot_of_gl(gl) * FL_STALL_WAYS + way];

	h->gh = 0xffff888077770000ULL + tid;
	h->tid = tid;
	h->pid = 600;
	h->gl = gl;
	h->ip = 0xffffffffc0a00020ULL;
	h->id.type = type;
	h->id.number = number;
	h->id.dev = dev;
	h->state = EX;
	strcpy(h->comm, "fl-cluster");
	h->since = since;
}

static void write_dump(const char *text)
{
	if (dump)
		unlink(dump);
	free(dump);
	dump = write_tmp(text);
	rs.dump_glob = dump;
}

/* node 1's dump while node 2 waits for the flock: demote requested (D). */
static const char held_dump[] =
	"G:  s:EX n:2/8052 f:Iqob t:EX d:EX/0 a:0 v:0 r:3 m:200 p:1\n"
	" H: s:SH f:EH e:0 p:201 [fl-cluster] gfs2_open_common+0x1/0x2 [gfs2]\n"
	" I: n:12/32850 t:8 f:0x00 d:0x00000000 s:0\n"
	"G:  s:EX n:6/8052 f:lDIqob t:EX d:UN/2950000 a:0 v:0 r:4 m:200 p:1\n"
	" H: s:EX f:eH e:0 p:201 [fl-cluster] do_flock+0x1a2/0x2f0 [gfs2]\n";

static int setup(void **state)
{
	(void)state;
	memset(demotes, 0, sizeof(demotes));
	memset(holders, 0, sizeof(holders));
	memset(&last, 0, sizeof(last));
	calls = 0;
	fl_remote_init(&rs, demotes, holders, 1000 * MS);
	write_dump(held_dump);
	return 0;
}

static void test_once_after_threshold(void **state)
{
	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	assert_int_equal(fl_remote_scan(&rs, 1900 * MS, collect, NULL), 0);	/* 900 ms */
	assert_int_equal(fl_remote_scan(&rs, 4000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_RD_VERIFIED);
	assert_int_equal(last.h.tid, 201);
	assert_int_equal(last.nr_holders, 1);
	assert_int_equal(last.d.id.number, INO);
	assert_string_equal(last.glock_flags, "lDIqob");
	assert_int_equal(last.dump_demote_us, 2950000);
	/* the same request: once */
	assert_int_equal(fl_remote_scan(&rs, 9000 * MS, collect, NULL), 0);
	assert_int_equal(calls, 1);
	assert_int_equal(rs.found, 1);
	/* a new request while it is still held: again */
	request(FLOCK, INO, DEV, 9000 * MS);
	assert_int_equal(fl_remote_scan(&rs, 10500 * MS, collect, NULL), 1);
	assert_int_equal(last.d.count, 2);
}

/* Granted after the request (a later episode), or another device's glock:
 * not the holder that keeps the other node waiting. */
static void test_later_or_other_holder(void **state)
{
	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 1500 * MS);
	hold(1, 202, FLOCK, INO, DEV + 1, 100 * MS);
	hold(2, 203, 2, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	assert_int_equal(fl_remote_scan(&rs, 4000 * MS, collect, NULL), 0);
	assert_int_equal(calls, 0);
	/* and no later holder makes that request one */
	hold(3, 204, FLOCK, INO, DEV, 5000 * MS);
	assert_int_equal(fl_remote_scan(&rs, 6000 * MS, collect, NULL), 0);
}

/* Of two holders granted before the request, the longest one is named. */
static void test_oldest_holder(void **state)
{
	(void)state;
	hold(0, 205, FLOCK, INO, DEV, 300 * MS);
	hold(1, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	assert_int_equal(fl_remote_scan(&rs, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.h.tid, 201);
	assert_int_equal(last.nr_holders, 2);
}

/* A slot BPF is rewriting (since 0) is left alone. */
static void test_changing_slot(void **state)
{
	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	demotes[fl_demote_slot_of(FLOCK, INO)].since = 0;
	assert_int_equal(fl_remote_scan(&rs, 4000 * MS, collect, NULL), 0);
}

/* The dump disagrees: counted, not reported, and not read again at once. */
static void test_contradicted(void **state)
{
	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	write_dump("G:  s:EX n:6/8052 f:lIqob t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:eH e:0 p:201 [fl-cluster] do_flock+0x1a2/0x2f0 [gfs2]\n");
	assert_int_equal(fl_remote_scan(&rs, 4000 * MS, collect, NULL), 0);
	assert_int_equal(rs.contradicted, 1);
	/* demote requested, but that task's hold is gone */
	request(FLOCK, INO, DEV, 5000 * MS);
	write_dump("G:  s:EX n:6/8052 f:lDIqob t:EX d:UN/100 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:W e:0 p:201 [fl-cluster] do_flock+0x1a2/0x2f0 [gfs2]\n");
	assert_int_equal(fl_remote_scan(&rs, 6500 * MS, collect, NULL), 0);
	assert_int_equal(rs.contradicted, 2);
	/* the glock is not in the dump at all */
	request(FLOCK, INO, DEV, 8000 * MS);
	write_dump("G:  s:EX n:2/8052 f:Iqob t:EX d:EX/0 a:0 v:0 r:3 m:200 p:1\n"
		   " H: s:SH f:EH e:0 p:201 [fl-cluster] x\n");
	assert_int_equal(fl_remote_scan(&rs, 9500 * MS, collect, NULL), 0);
	assert_int_equal(rs.contradicted, 3);
	assert_int_equal(calls, 0);
}

/* Pending demote (d, within the minimum hold time) and a GL_NOPID holder
 * (6.1+ flocks: p:-1, no task) are the kernel confirming it too. */
static void test_pending_and_nopid(void **state)
{
	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	write_dump("G:  s:EX n:6/8052 f:ldIqob t:EX d:UN/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:eH e:0 p:-1 [(ended)] do_flock+0x1a2/0x2f0 [gfs2]\n");
	assert_int_equal(fl_remote_scan(&rs, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_RD_VERIFIED);
}

static void test_unverifiable(void **state)
{
	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	rs.dump_glob = "/nonexistent/gfs2/*/glocks";
	assert_int_equal(fl_remote_scan(&rs, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_RD_UNVERIFIED);
	assert_non_null(strstr(last.why, "no gfs2 glock dump at /nonexistent/gfs2/*/glocks"));
	assert_int_equal(rs.unverified, 1);
}

static void test_dump_lines(void **state)
{
	struct fl_dump_glock g;
	struct fl_dump_holder h;

	(void)state;
	assert_true(fl_dump_parse_glock("G:  s:EX n:6/1f00a f:lDb t:EX d:UN/1200345 a:0 v:0 r:4 m:20 p:1\n", &g));
	assert_int_equal(g.type, 6);
	assert_int_equal(g.number, 0x1f00a);
	assert_string_equal(g.flags, "lDb");
	assert_int_equal(g.demote_us, 1200345);
	/* 5.10: no p: at the end */
	assert_true(fl_dump_parse_glock("G:  s:SH n:2/805a f: t:SH d:EX/0 a:0 v:0 r:3 m:200\n", &g));
	assert_int_equal(g.number, 0x805a);
	assert_false(fl_dump_parse_glock(" H: s:EX f:H e:0 p:1 [x] y\n", &g));
	assert_false(fl_dump_parse_glock("G:  s:EX f:l\n", &g));
	assert_true(fl_dump_parse_holder(" H: s:EX f:H e:0 p:245 [fl-abba] gfs2_iomap_begin+0x3 [gfs2]\n", &h));
	assert_string_equal(h.flags, "H");
	assert_int_equal(h.pid, 245);
	/* no flags at all: empty, not the next field */
	assert_true(fl_dump_parse_holder(" H: s:EX f: e:0 p:-1 [(ended)] x\n", &h));
	assert_string_equal(h.flags, "");
	assert_int_equal(h.pid, -1);
	assert_false(fl_dump_parse_holder(" I: n:12/32850 t:8 f:0x00\n", &h));
}

static bool count_holders(void *arg, const struct fl_dump_glock *g, const struct fl_dump_holder *h)
{
	(void)h;
	((int *)arg)[g->type]++;
	return false;
}

/* A line longer than the reader's buffer is one line; holders belong to
 * the G: line before them, not to one that could not be read. */
static void test_dump_walk(void **state)
{
	char text[4096] = "G:  s:EX n:2/1 f:l t:EX d:EX/0 a:0 v:0 r:3 m:200 p:1\n H: s:EX f:H e:0 p:1 [a] ";
	int seen[FL_GLOCK_TYPES] = { 0 };
	FILE *in;

	(void)state;
	memset(text + strlen(text), 'x', 2000);
	strcat(text, " H: s:EX f:H e:0 p:2 [fake] x\n"
		     "G:  broken\n H: s:EX f:H e:0 p:3 [b] y\n"
		     "G:  s:EX n:6/1 f:l t:EX d:EX/0 a:0 v:0 r:3 m:200 p:1\n H: s:EX f:H e:0 p:4 [c] z\n");
	in = fmemopen(text, strlen(text), "r");
	assert_non_null(in);
	assert_false(fl_dump_walk(in, count_holders, seen));
	fclose(in);
	assert_int_equal(seen[2], 1);
	assert_int_equal(seen[6], 1);
}

/* A dump larger than the budget is not read to its end: what it did not
 * reach is not known, and the walk says so; one that fn stops early is fine. */
static void test_dump_budget(void **state)
{
	static char big[(1u << 20) + 4096];
	int seen[FL_GLOCK_TYPES] = { 0 };
	size_t n = 0;
	char *path;

	(void)state;
	while (n + 200 < sizeof(big))
		n += (size_t)sprintf(big + n, "G:  s:SH n:2/%zx f:l t:SH d:EX/0 a:0 v:0 r:3 m:200 p:1\n"
				     " H: s:SH f:H e:0 p:9 [cat] gfs2_open+0x1/0x2 [gfs2]\n", n);
	path = write_tmp(big);
	fl_dump_max_bytes = 1u << 20;
	assert_int_equal(fl_dump_walk_glob(path, count_holders, seen), FL_DUMP_TOO_BIG);
	assert_true(seen[2] > 1000);
	fl_dump_max_bytes = sizeof(big);
	assert_int_equal(fl_dump_walk_glob(path, count_holders, seen), 1);

	/* remote_demote's check: unverified, and why */
	fl_dump_max_bytes = 1u << 20;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	rs.dump_glob = path;
	assert_int_equal(fl_remote_scan(&rs, 3000 * MS, collect, NULL), 1);
	assert_int_equal(last.check, FL_RD_UNVERIFIED);
	assert_non_null(strstr(last.why, "are larger than 1 MiB: not read to their end"));
	fl_dump_max_bytes = FL_DUMP_MAX_BYTES;
	unlink(path);
	free(path);
}

static char *print(const struct fl_remote_demote *r, bool json)
{
	struct fl_output o = { .json = json, .start_ts = 1000 * MS };
	struct cap c;
	char *text;

	cap_open(&c);
	o.f = c.f;
	fl_output_remote(&o, r);
	assert_int_equal(o.findings[FL_SEV_WARNING], 1);
	text = strdup(cap_str(&c));
	cap_close(&c);
	return text;
}

static void test_output(void **state)
{
	char *text;

	(void)state;
	hold(0, 201, FLOCK, INO, DEV, 100 * MS);
	request(FLOCK, INO, DEV, 1000 * MS);
	assert_int_equal(fl_remote_scan(&rs, 4000 * MS, collect, NULL), 1);
	last.nr_frames = 1;
	strcpy(last.frames[0], "do_nanosleep+0x6c/0x100");
	text = print(&last, true);
	assert_true(jc_is_line(text));
	assert_json_keys(text, "", "type,ts,pid,tid,comm,severity,lock,provider,lock_type,dev,ino,glock_type,"
			 "demote_to,requested_ms,requests,verified,why,glock_flags,demote_age_ms,holder");
	assert_json(text, "type", "\"remote_demote\"");
	assert_json(text, "severity", "\"warning\"");
	assert_json(text, "tid", "201");
	assert_json(text, "comm", "\"fl-cluster\"");
	assert_json(text, "lock", "\"6:32850\"");
	assert_json(text, "ino", "32850");
	assert_json(text, "glock_type", "\"flock\"");
	assert_json(text, "demote_to", "\"UN\"");
	assert_json(text, "requested_ms", "3000");
	assert_json(text, "verified", "true");
	assert_json(text, "demote_age_ms", "2950");
	assert_json_keys(text, "holder", "pid,tid,comm,held_state,held_site,held_ms,holders,stack");
	assert_json(text, "holder.held_ms", "3900");
	assert_json(text, "holder.held_state", "\"EX\"");
	assert_json(text, "holder.stack", "[\"do_nanosleep+0x6c/0x100\"]");
	free(text);

	text = print(&last, false);
	assert_non_null(strstr(text, "warning remote_demote"));
	assert_non_null(strstr(text, "holds gfs2 glock 6:32850 (flock, dev 254:0) EX for 3900 ms"));
	assert_non_null(strstr(text, "another node asked for it 3000 ms ago (demote to UN, 1 request)"));
	assert_non_null(strstr(text, "do_nanosleep+0x6c/0x100\n"));
	assert_null(strstr(text, "not confirmed"));
	free(text);

	last.check = FL_RD_UNVERIFIED;
	strcpy(last.why, "no gfs2 glock dump at x");
	text = print(&last, true);
	assert_json(text, "verified", "false");
	assert_json(text, "why", "\"no gfs2 glock dump at x\"");
	free(text);
	text = print(&last, false);
	assert_non_null(strstr(text, "not confirmed by the kernel: no gfs2 glock dump at x"));
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_once_after_threshold, setup),
		cmocka_unit_test_setup(test_later_or_other_holder, setup),
		cmocka_unit_test_setup(test_oldest_holder, setup),
		cmocka_unit_test_setup(test_changing_slot, setup),
		cmocka_unit_test_setup(test_contradicted, setup),
		cmocka_unit_test_setup(test_pending_and_nopid, setup),
		cmocka_unit_test_setup(test_unverifiable, setup),
		cmocka_unit_test(test_dump_lines),
		cmocka_unit_test(test_dump_walk),
		cmocka_unit_test_setup(test_dump_budget, setup),
		cmocka_unit_test_setup(test_output, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (dump)
		unlink(dump);
	free(dump);
	return rc;
}
