// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * The cluster view: src/glocks.c's /glocks from crafted slots (which holders
 * are listed, remote requests, the glock dump's say), read back by
 * src/clustergraph.c, and the graph across nodes — a wait held up on another
 * node only by a holder that was asked, locally only by a conflicting mode,
 * the same file system by its lock table; a cross-node AB-BA is one cycle,
 * an error only when every node's dump confirmed it.
 */
#include "fltest.h"
#include "clustergraph.h"
#include "glocks.h"

#define MS 1000000ULL
#define DEV ((254u << 20) | 0)
#define GL_A 0xffff888012345600ULL
#define GL_B 0xffff888012399a00ULL
#define EX 1
#define SH 3

static struct fl_waiter waiters[FL_STALL_SLOTS];
static struct fl_holder holders[FL_STALL_SLOTS * FL_STALL_WAYS];
static struct fl_demote demotes[FL_DEMOTE_SLOTS];
static struct fl_cg g;
static char *dump;

static void wait_on(uint32_t tid, uint64_t gl, uint64_t number, unsigned state, uint64_t since)
{
	struct fl_waiter *w = &waiters[tid & (FL_STALL_SLOTS - 1)];

	w->tid = w->pid = tid;
	w->gl = gl;
	w->ip = 0;
	w->id.number = number;
	w->id.type = 6;
	w->id.dev = DEV;
	w->state = state;
	strcpy(w->comm, "fl-cluster");
	w->since = since;
}

static void hold(int way, uint32_t tid, uint64_t gl, uint64_t number, unsigned state, uint64_t since)
{
	struct fl_holder *h = &holders[fl_stall_slot_of_gl(gl) * FL_STALL_WAYS + way];

	h->gh = 0xffff888077770000ULL + tid;
	h->tid = h->pid = tid;
	h->gl = gl;
	h->id.number = number;
	h->id.type = 6;
	h->id.dev = DEV;
	h->state = state;
	strcpy(h->comm, "fl-cluster");
	h->since = since;
}

static void asked(uint64_t number, uint64_t since)
{
	struct fl_demote *d = &demotes[fl_demote_slot_of(6, number)];

	d->id.type = 6;
	d->id.number = number;
	d->id.dev = DEV;
	d->count = 1;
	d->since = since;
}

static void clear(void)
{
	memset(waiters, 0, sizeof(waiters));
	memset(holders, 0, sizeof(holders));
	memset(demotes, 0, sizeof(demotes));
}

/* This node's /glocks now, as a string. */
static char *render(int nodeid, const char *dump_glob)
{
	static const struct fl_gfs2_fs fs[] = { { DEV, "flcluster:flfs" } };
	struct fl_glocks_src s = {
		.waiters = waiters, .holders = holders, .demotes = demotes, .now = 10000 * MS,
		.hostname = nodeid == 1 ? "n1" : "n2", .nodeid = nodeid, .fs = fs, .nr_fs = 1,
		.dump_glob = dump_glob,
	};
	struct cap c;
	char *text;

	cap_open(&c);
	assert_int_equal(fl_glocks_render(c.f, &s), 0);
	text = strdup(cap_str(&c));
	cap_close(&c);
	return text;
}

static void write_dump(const char *text)
{
	if (dump)
		unlink(dump);
	free(dump);
	dump = write_tmp(text);
}

static int setup(void **state)
{
	(void)state;
	clear();
	memset(&g, 0, sizeof(g));
	g.min_ms = 1000;
	return 0;
}

/* Listed: the waits, a holder with a waiter here, a holder asked since its
 * grant; not a holder nobody waits for, nor one granted after the request. */
static void test_glocks_render(void **state)
{
	char *text;

	(void)state;
	wait_on(301, GL_A, 0x100, EX, 7000 * MS);
	hold(0, 300, GL_A, 0x100, EX, 6000 * MS);	/* local waiter */
	hold(0, 302, GL_B, 0x200, EX, 5000 * MS);	/* asked at 8 s */
	asked(0x200, 8000 * MS);
	hold(1, 303, GL_B + 0x40000, 0x300, SH, 1000 * MS);	/* nobody waits */
	hold(2, 304, GL_B + 0x80000, 0x400, EX, 9000 * MS);	/* granted after the request */
	asked(0x400, 8500 * MS);
	write_dump("G:  s:EX n:6/100 f:lq t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:300 [fl-cluster] do_flock+0x1/0x2 [gfs2]\n"
		   " H: s:EX f:W e:0 p:301 [fl-cluster] do_flock+0x1/0x2 [gfs2]\n");
	text = render(1, dump);
	assert_true(jc_is_line(text));
	assert_json_keys(text, "", "hostname,nodeid,now_ms,filesystems,waiters,holders");
	assert_json(text, "nodeid", "1");
	assert_json(text, "filesystems", "[{\"dev\":\"254:0\",\"table\":\"flcluster:flfs\"}]");
	assert_json_keys(text, "waiters.0", "pid,tid,comm,lock,glock_type,dev,table,requested_state,requested_site,"
			 "waited_ms,verified");
	assert_json(text, "waiters.0.lock", "\"6:256\"");
	assert_json(text, "waiters.0.waited_ms", "3000");
	assert_json(text, "waiters.0.verified", "true");
	assert_json_keys(text, "holders.0", "pid,tid,comm,lock,glock_type,dev,table,held_state,held_site,held_ms,"
			 "local_waiters,verified,remote_request");
	/* longest held first */
	assert_json(text, "holders.0.tid", "302");
	assert_json(text, "holders.0.verified", "false");	/* not in the dump */
	assert_json(text, "holders.0.local_waiters", "0");
	assert_json(text, "holders.0.remote_request.requested_ms", "2000");
	assert_json(text, "holders.1.tid", "300");
	assert_json(text, "holders.1.local_waiters", "1");
	assert_json(text, "holders.1.verified", "true");
	assert_json(text, "holders.1.remote_request", "null");
	assert_null(strstr(text, "\"tid\":303"));
	assert_null(strstr(text, "\"tid\":304"));
	free(text);
	/* no dump to read: unknown, not false */
	text = render(1, "/nonexistent/gfs2/*/glocks");
	assert_json(text, "waiters.0.verified", "null");
	free(text);
	/* lock_nolock: no DLM node id */
	text = render(0, NULL);
	assert_json(text, "nodeid", "null");
	free(text);
}

/* Node 1 holds A and waits for B; node 2 holds B and waits for A: each was
 * asked for what it holds. */
static void cross_node_abba(bool confirmed)
{
	char *v1, *v2;

	write_dump(confirmed ? "G:  s:EX n:6/100 f:lDq t:EX d:UN/1 a:0 v:0 r:4 m:200 p:1\n"
			       " H: s:EX f:H e:0 p:401 [fl-cluster] x\n"
			       "G:  s:UN n:6/200 f:lq t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
			       " H: s:EX f:W e:0 p:401 [fl-cluster] x\n" :
			       "G:  s:EX n:6/100 f:lDq t:EX d:UN/1 a:0 v:0 r:4 m:200 p:1\n");
	clear();
	hold(0, 401, GL_A, 0x100, EX, 1000 * MS);
	asked(0x100, 3000 * MS);
	wait_on(401, GL_B, 0x200, EX, 2000 * MS);
	v1 = render(1, dump);
	write_dump("G:  s:EX n:6/200 f:lDq t:EX d:UN/1 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:H e:0 p:501 [fl-cluster] x\n"
		   "G:  s:UN n:6/100 f:lq t:EX d:EX/0 a:0 v:0 r:4 m:200 p:1\n"
		   " H: s:EX f:W e:0 p:501 [fl-cluster] x\n");
	clear();
	hold(0, 501, GL_A, 0x200, EX, 1500 * MS);	/* the same address on another node means nothing */
	asked(0x200, 2000 * MS);
	wait_on(501, GL_B, 0x100, EX, 3000 * MS);
	v2 = render(2, dump);
	g.nr_nodes = 2;
	strcpy(g.nodes[0].addr, "169.254.0.1:9477");
	strcpy(g.nodes[1].addr, "169.254.0.2:9477");
	assert_true(fl_cg_parse_node(&g, 0, v1));
	assert_true(fl_cg_parse_node(&g, 1, v2));
	free(v1);
	free(v2);
}

static void test_cross_node_deadlock(void **state)
{
	struct fl_cg_edge e[8];
	struct fl_cg_cycle c[4];
	char name[96];

	(void)state;
	cross_node_abba(true);
	assert_int_equal(g.nodes[0].nodeid, 1);
	assert_string_equal(g.nodes[1].hostname, "n2");
	assert_int_equal(fl_cg_edges(&g, e, 8), 2);
	assert_int_equal(e[0].wait->tid, 401);
	assert_non_null(e[0].holder);
	assert_int_equal(e[0].holder->tid, 501);
	assert_int_equal(e[0].holder->node, 1);
	assert_true(e[0].holder->asked);
	assert_int_equal(e[1].wait->tid, 501);
	assert_int_equal(e[1].holder->tid, 401);
	assert_int_equal(fl_cg_cycles(&g, c, 4), 1);
	assert_int_equal(c[0].n, 2);
	assert_true(c[0].verified);
	assert_int_equal(c[0].wait[0]->tid, 401);
	assert_int_equal(c[0].hold[0]->tid, 501);
	assert_int_equal(c[0].wait[1]->tid, 501);
	assert_int_equal(c[0].hold[1]->tid, 401);
	fl_cg_node_name(&g, 1, name, sizeof(name));
	assert_string_equal(name, "node 2 (n2)");
	g.nodes[1].hostname[0] = '\0';	/* a guest without a host name */
	fl_cg_node_name(&g, 1, name, sizeof(name));
	assert_string_equal(name, "node 2");
	g.nodes[1].nodeid = 0;
	fl_cg_node_name(&g, 1, name, sizeof(name));
	assert_string_equal(name, "169.254.0.2:9477");
	/* a link node 1's dump does not show: a warning, not an error */
	cross_node_abba(false);
	assert_int_equal(fl_cg_cycles(&g, c, 4), 1);
	assert_false(c[0].verified);
}

/* Short waits are left out; a holder not asked does not hold up another
 * node's wait; another file system's glock of the same name neither. */
static void test_edges_need_the_dlm_link(void **state)
{
	struct fl_cg_edge e[8];
	struct fl_cg_cycle c[4];

	(void)state;
	cross_node_abba(true);
	g.min_ms = 60000;
	assert_int_equal(fl_cg_edges(&g, e, 8), 0);
	assert_int_equal(fl_cg_cycles(&g, c, 4), 0);
	g.min_ms = 1000;
	g.nodes[1].holds[0].asked = false;
	assert_int_equal(fl_cg_edges(&g, e, 8), 2);
	assert_null(e[0].holder);	/* node 1's wait: holder unknown */
	assert_int_equal(fl_cg_cycles(&g, c, 4), 0);
	g.nodes[1].holds[0].asked = true;
	strcpy(g.nodes[1].holds[0].table, "other:fs");
	assert_null((fl_cg_edges(&g, e, 8), e[0].holder));
	strcpy(g.nodes[1].holds[0].table, "");
	assert_null((fl_cg_edges(&g, e, 8), e[0].holder));
}

/* On one node: a conflicting holder holds the wait up, a compatible one not. */
static void test_local_edges(void **state)
{
	struct fl_cg_edge e[8];
	char *v;

	(void)state;
	hold(0, 300, GL_A, 0x100, SH, 1000 * MS);
	wait_on(301, GL_A, 0x100, EX, 2000 * MS);
	v = render(1, NULL);
	g.nr_nodes = 1;
	assert_true(fl_cg_parse_node(&g, 0, v));
	free(v);
	assert_int_equal(fl_cg_edges(&g, e, 8), 1);
	assert_non_null(e[0].holder);
	assert_int_equal(e[0].holder->tid, 300);
	assert_int_equal(e[0].wait->verified, -1);
	strcpy(g.nodes[0].waits[0].state, "SH");
	assert_int_equal(fl_cg_edges(&g, e, 8), 1);
	assert_null(e[0].holder);
}

static void test_parse_rejects(void **state)
{
	(void)state;
	g.nr_nodes = 1;
	assert_false(fl_cg_parse_node(&g, 0, "not json"));
	assert_non_null(strstr(g.nodes[0].error, "not a /glocks answer"));
	assert_false(fl_cg_parse_node(&g, 0, "[1,2]"));
	assert_false(fl_cg_parse_node(&g, 0, "{\"hostname\":\"x\"}"));
	assert_true(fl_cg_parse_node(&g, 0, "{\"hostname\":\"x\",\"nodeid\":null,\"waiters\":[],\"holders\":[]}"));
	assert_int_equal(g.nodes[0].nodeid, 0);
	/* wrong types are empty fields, never a crash */
	assert_true(fl_cg_parse_node(&g, 0, "{\"waiters\":[{\"pid\":\"x\",\"lock\":5,\"comm\":"
				     "\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"},7],\"holders\":[]}"));
	assert_int_equal(g.nodes[0].nr_waits, 1);
	assert_int_equal(g.nodes[0].waits[0].pid, 0);
	assert_string_equal(g.nodes[0].waits[0].lock, "");
	assert_int_equal(strlen(g.nodes[0].waits[0].comm), 16);
	/* more than kept: counted, not silently gone */
	{
		size_t cap = (FL_CG_MAX_ENTRIES + 3) * 4 + 64, len;
		char *big = malloc(cap);

		assert_non_null(big);
		len = (size_t)snprintf(big, cap, "{\"waiters\":[");
		for (int i = 0; i < FL_CG_MAX_ENTRIES + 3; i++)
			len += (size_t)snprintf(big + len, cap - len, "%s{}", i ? "," : "");
		snprintf(big + len, cap - len, "],\"holders\":[]}");
		assert_true(fl_cg_parse_node(&g, 0, big));
		assert_int_equal(g.nodes[0].nr_waits, FL_CG_MAX_ENTRIES);
		assert_int_equal(g.nodes[0].dropped, 3);
		free(big);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_glocks_render, setup),
		cmocka_unit_test_setup(test_cross_node_deadlock, setup),
		cmocka_unit_test_setup(test_edges_need_the_dlm_link, setup),
		cmocka_unit_test_setup(test_local_edges, setup),
		cmocka_unit_test_setup(test_parse_rejects, setup),
	};
	int rc = cmocka_run_group_tests(tests, NULL, NULL);

	if (dump)
		unlink(dump);
	free(dump);
	return rc;
}
