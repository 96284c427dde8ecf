// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/dlmview.c: who holds a gfs2 glock, from the kernel DLM's debugfs.
 * Real captures (tests/unit/data/dlm/<kernel>/<case>-node<N>/, made by
 * capture.sh there on Debian 5.10, 6.1 and 6.12 in two-node vmrun
 * clusters: case a, node 1 masters the flock and holds it, node 2 waits;
 * case b, node 2 masters it, node 1 holds it, node 2 waits) read with both
 * parsers; crafted files for what the captures lack (converting and shared
 * holders, NL, a master being looked up, truncation); the live lookup over
 * a directory laid out as /sys.
 */
#include <errno.h>
#include <ftw.h>
#include <sys/stat.h>
#include "fltest.h"
#include "dlmview.h"

#define DEV_VDA ((254u << 20) | 0)	/* the guests' /dev/vda as s_dev */
#define FLOCK 6
#define INO_A 16969			/* /mnt/a, /mnt/b in every capture */
#define INO_B 17004

/* tests/unit/data/dlm, found next to this file (tests run from the top). */
static const char *data_path(const char *rel)
{
	static char path[4096];
	const char *slash = strrchr(__FILE__, '/');
	int dir = slash ? (int)(slash - __FILE__) : 0;

	snprintf(path, sizeof(path), "%.*s%sdata/dlm/%s", dir, __FILE__, slash ? "/" : "", rel);
	return path;
}

static FILE *open_data(const char *kernel, const char *which, const char *file)
{
	char rel[256];
	FILE *f;

	snprintf(rel, sizeof(rel), "%s/%s/%s", kernel, which, file);
	f = fopen(data_path(rel), "r");
	if (!f)
		fail_msg("cannot open %s: %s", data_path(rel), strerror(errno));
	return f;
}

static FILE *text(const char *s)
{
	FILE *f = fmemopen((void *)s, strlen(s), "r");

	assert_non_null(f);
	return f;
}

static void test_resource_name(void **state)
{
	char name[FL_DLM_NAME_LEN + 1];

	(void)state;
	fl_dlm_resource_name(name, FLOCK, INO_A);
	assert_string_equal(name, "       6            4249");
	/* the mount glock of every capture's _toss: a zero is printed "0" */
	fl_dlm_resource_name(name, 1, 0);
	assert_string_equal(name, "       1               0");
	fl_dlm_resource_name(name, 0xffffffffu, UINT64_MAX);
	assert_string_equal(name, "ffffffffffffffffffffffff");
	assert_int_equal(strlen(name), FL_DLM_NAME_LEN);
}

static void test_mode_names(void **state)
{
	(void)state;
	assert_string_equal(fl_dlm_mode_name(FL_DLM_EX), "EX");
	assert_string_equal(fl_dlm_mode_name(FL_DLM_NL), "NL");
	assert_string_equal(fl_dlm_mode_name(FL_DLM_PR), "PR");
	assert_string_equal(fl_dlm_mode_name(-1), "--");
	assert_string_equal(fl_dlm_mode_name(6), "??");
}

/* What each capture shows for its case's flock glock (pids from capture.sh's
 * @@holder-pid@@ lines: node 1's flock(LOCK_EX) holder). */
struct capture {
	const char *kernel, *which;
	int our_node;
	uint64_t number;
	int node, pid, master;	/* pid: _locks's; the resource view has none */
	bool local, inferred;
};

static const struct capture captures[] = {
	/* node 2 waits and masters nothing: only "Master is node 1" */
	{ "6.12", "a-node2", 2, INO_A, 1, 0, 1, false, true },
	/* node 1, the master, holds it itself */
	{ "6.12", "a-node1", 1, INO_A, 1, 239, 1, true, false },
	/* node 2 masters it: node 1's lock is its master copy, with node 1's pid */
	{ "6.12", "b-node2", 2, INO_B, 1, 251, 2, false, false },
	{ "6.12", "b-node1", 1, INO_B, 1, 251, 2, true, false },
	{ "6.1", "a-node2", 2, INO_A, 1, 0, 1, false, true },
	{ "6.1", "a-node1", 1, INO_A, 1, 181, 1, true, false },
	{ "6.1", "b-node2", 2, INO_B, 1, 192, 2, false, false },
	{ "6.1", "b-node1", 1, INO_B, 1, 192, 2, true, false },
	{ "5.10", "a-node2", 2, INO_A, 1, 0, 1, false, true },
	{ "5.10", "a-node1", 1, INO_A, 1, 167, 1, true, false },
	{ "5.10", "b-node2", 2, INO_B, 1, 178, 2, false, false },
	{ "5.10", "b-node1", 1, INO_B, 1, 178, 2, true, false },
};

static void check_holder(const struct capture *c, const struct fl_dlm_holder *h, int pid)
{
	assert_int_equal(h->node, c->node);
	assert_int_equal(h->pid, pid);
	assert_int_equal(h->mode, c->inferred ? FL_DLM_IV : FL_DLM_EX);
	assert_int_equal(h->master, c->master);
	assert_int_equal(h->local, c->local);
	assert_int_equal(h->inferred, c->inferred);
}

static void test_captures(void **state)
{
	(void)state;
	for (size_t i = 0; i < sizeof(captures) / sizeof(captures[0]); i++) {
		const struct capture *c = &captures[i];
		struct fl_dlm_holder h[4];
		FILE *f;

		print_message("%s %s\n", c->kernel, c->which);
		f = open_data(c->kernel, c->which, "flfs_locks");
		assert_int_equal(fl_dlm_parse_locks(f, c->our_node, FLOCK, c->number, h, 4), 1);
		check_holder(c, &h[0], c->pid);
		rewind(f);
		/* a glock this node's DLM does not know */
		assert_int_equal(fl_dlm_parse_locks(f, c->our_node, FLOCK, 0xdead, h, 4), 0);
		fclose(f);

		f = open_data(c->kernel, c->which, "flfs");
		assert_int_equal(fl_dlm_parse_resources(f, c->our_node, FLOCK, c->number, h, 4), 1);
		check_holder(c, &h[0], 0);
		rewind(f);
		assert_int_equal(fl_dlm_parse_resources(f, c->our_node, FLOCK, 0xdead, h, 4), 0);
		fclose(f);
	}
}

/* Without this node's id, its own locks (and mastership) have node 0. */
static void test_our_node_unknown(void **state)
{
	struct fl_dlm_holder h[2];
	FILE *f;

	(void)state;
	f = open_data("6.12", "a-node1", "flfs_locks");
	assert_int_equal(fl_dlm_parse_locks(f, 0, FLOCK, INO_A, h, 2), 1);
	fclose(f);
	assert_int_equal(h[0].node, 0);
	assert_int_equal(h[0].master, 0);
	assert_true(h[0].local);
	assert_int_equal(h[0].pid, 239);
	/* a remote master is known from its id alone */
	f = open_data("6.12", "a-node2", "flfs");
	assert_int_equal(fl_dlm_parse_resources(f, 0, FLOCK, INO_A, h, 2), 1);
	fclose(f);
	assert_int_equal(h[0].node, 1);
	assert_true(h[0].inferred);
}

/* The inode glock of /mnt/a on 6.12's node 2: held PR there (gfs2 caches
 * it), node 1 masters it: a local holder, no inference. */
static void test_other_glock_type(void **state)
{
	struct fl_dlm_holder h[2];
	FILE *f;

	(void)state;
	f = open_data("6.12", "a-node2", "flfs_locks");
	assert_int_equal(fl_dlm_parse_locks(f, 2, 2, INO_A, h, 2), 1);
	fclose(f);
	assert_true(h[0].local);
	assert_false(h[0].inferred);
	assert_int_equal(h[0].node, 2);
	assert_int_equal(h[0].master, 1);
	assert_int_equal(h[0].mode, FL_DLM_PR);
}

/* Node 2 masters a resource three nodes lock: a PR holder converting to EX
 * still holds PR; NL and waiting locks hold nothing. */
static const char shared_res[] =
	"\n"
	"Resource 00000000aaaaaaaa Name (len=24) \"       6            4249\"\n"
	"Master Copy\n"
	"LVB: 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \n"
	"     00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 00 \n"
	"Granted Queue\n"
	"00000011 PR Remote:   1 00000021\n"
	"00000012 NL\n"
	"Conversion Queue\n"
	"00000013 PR (EX) Remote:   3 00000023\n"
	"Waiting Queue\n"
	"00000014 -- (EX)\n"
	"\n"
	"Resource 00000000bbbbbbbb Name (len=24) \"       2            4249\"\n"
	"Master Copy\n"
	"Granted Queue\n"
	"00000015 EX Remote:   4 00000025\n"
	"Conversion Queue\n"
	"Waiting Queue\n";

static const char shared_locks[] =
	"id nodeid remid pid xid exflags flags sts grmode rqmode time_ms r_nodeid r_len r_name\n"
	"11 1 21 301 0 0 10000 2 3 -1 5000 0 24 \"       6            4249\"\n"
	"12 0 0 302 0 0 0 2 0 -1 5000 0 24 \"       6            4249\"\n"
	"13 3 23 303 0 0 10000 3 3 5 5000 0 24 \"       6            4249\"\n"
	"14 0 0 304 0 0 0 1 -1 5 5000 0 24 \"       6            4249\"\n"
	"15 4 25 305 0 0 10000 2 5 -1 5000 0 24 \"       2            4249\"\n";

static void test_shared_and_converting(void **state)
{
	struct fl_dlm_holder h[4];
	FILE *f;

	(void)state;
	f = text(shared_res);
	assert_int_equal(fl_dlm_parse_resources(f, 2, FLOCK, INO_A, h, 4), 2);
	fclose(f);
	assert_int_equal(h[0].node, 1);
	assert_int_equal(h[0].mode, FL_DLM_PR);
	assert_int_equal(h[1].node, 3);
	assert_int_equal(h[1].mode, FL_DLM_PR);
	assert_int_equal(h[1].master, 2);
	assert_false(h[1].local || h[1].inferred);

	f = text(shared_locks);
	assert_int_equal(fl_dlm_parse_locks(f, 2, FLOCK, INO_A, h, 4), 2);
	fclose(f);
	assert_int_equal(h[0].pid, 301);
	assert_int_equal(h[1].pid, 303);
	assert_int_equal(h[1].node, 3);

	/* at most max, in the file's order */
	f = text(shared_locks);
	assert_int_equal(fl_dlm_parse_locks(f, 2, FLOCK, INO_A, h, 1), 1);
	fclose(f);
	assert_int_equal(h[0].node, 1);
	f = text(shared_res);
	assert_int_equal(fl_dlm_parse_resources(f, 2, FLOCK, INO_A, h, 0), 0);
	fclose(f);
}

/* Held NL only, or nothing, with this node as master: nothing to say. A
 * master being looked up (res_nodeid -1, printed "%u" in _locks) infers
 * nothing either. */
static void test_nothing_known(void **state)
{
	struct fl_dlm_holder h[2];
	FILE *f;

	(void)state;
	f = text("id nodeid remid pid xid exflags flags sts grmode rqmode time_ms r_nodeid r_len r_name\n"
		 "12 0 0 302 0 0 0 2 0 -1 5000 0 24 \"       6            4249\"\n");
	assert_int_equal(fl_dlm_parse_locks(f, 2, FLOCK, INO_A, h, 2), 0);
	fclose(f);
	f = text("12 0 0 302 0 0 0 1 -1 5 5000 4294967295 24 \"       6            4249\"\n");
	assert_int_equal(fl_dlm_parse_locks(f, 2, FLOCK, INO_A, h, 2), 0);
	fclose(f);
	f = text("\nResource 00000000aaaaaaaa Name (len=24) \"       6            4249\"\n"
		 "Looking up master (lkid 12)\n"
		 "Granted Queue\nConversion Queue\nWaiting Queue\nLookup Queue\n00000012 EX\n");
	assert_int_equal(fl_dlm_parse_resources(f, 2, FLOCK, INO_A, h, 2), 0);
	fclose(f);
	/* a name of another length, a line cut short, an empty file */
	f = text("\nResource 00000000aaaaaaaa Name (len=23) \"       6            4249\"\n"
		 "Local Copy, Master is node 1\nGranted Queue\n"
		 "Resource 00000000aaaaaaaa Name (len=24) \"       6            4249\n");
	assert_int_equal(fl_dlm_parse_resources(f, 2, FLOCK, INO_A, h, 2), 0);
	fclose(f);
	f = text("11 1 21 301 0 0 10000 2 3 -1 5000 0 24 \"       6            4249\n"
		 "11 1 21 301 0 0 10000 2 3 -1 5000 0\n");
	assert_int_equal(fl_dlm_parse_locks(f, 2, FLOCK, INO_A, h, 2), 0);
	fclose(f);
	f = text("");
	assert_int_equal(fl_dlm_parse_locks(f, 2, FLOCK, INO_A, h, 2), 0);
	fclose(f);
}

/* ---- the live lookup over a directory laid out as /sys -------------------- */

struct tree {
	char root[64];
};

static void put(const struct tree *t, const char *rel, const char *content)
{
	char path[4096], *p;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	for (p = path + strlen(t->root) + 1; (p = strchr(p, '/')); p++) {
		*p = '\0';
		mkdir(path, 0755);
		*p = '/';
	}
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(content, f);
	fclose(f);
}

/* A capture's file into the tree's debugfs. */
static void put_capture(const struct tree *t, const char *kernel, const char *which, const char *file)
{
	char rel[256], buf[65536];
	FILE *f = open_data(kernel, which, file);
	size_t n = fread(buf, 1, sizeof(buf) - 1, f);

	fclose(f);
	buf[n] = '\0';
	snprintf(rel, sizeof(rel), "sys/kernel/debug/dlm/%s", file);
	put(t, rel, buf);
}

static void unput(const struct tree *t, const char *rel)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", t->root, rel);
	assert_int_equal(unlink(path), 0);
}

static int tree_setup(void **state)
{
	struct tree *t = calloc(1, sizeof(*t));

	if (!t)
		return -1;
	strcpy(t->root, "/tmp/fl-unit-XXXXXX");
	if (!mkdtemp(t->root))
		return -1;
	*state = t;
	return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int tree_teardown(void **state)
{
	struct tree *t = *state;
	int err = nftw(t->root, remove_entry, 16, FTW_DEPTH | FTW_PHYS);

	free(t);
	return err ? -1 : 0;
}

/* Node 2 of 6.12's case b, as its /sys showed it (capture.sh's info lines). */
static void node2_tree(const struct tree *t)
{
	put(t, "sys/fs/gfs2/flcluster:flfs/id", "254:0\n");
	put(t, "sys/kernel/config/dlm/cluster/comms/1/nodeid", "1\n");
	put(t, "sys/kernel/config/dlm/cluster/comms/1/local", "0\n");
	put(t, "sys/kernel/config/dlm/cluster/comms/2/nodeid", "2\n");
	put(t, "sys/kernel/config/dlm/cluster/comms/2/local", "1\n");
	put_capture(t, "6.12", "b-node2", "flfs");
	put_capture(t, "6.12", "b-node2", "flfs_locks");
}

static void test_find_holders(void **state)
{
	struct tree *t = *state;
	struct fl_dlm_holder h[4];
	char ls[64];

	node2_tree(t);
	assert_int_equal(fl_dlm_lockspace_of(t->root, DEV_VDA, ls, sizeof(ls)), 0);
	assert_string_equal(ls, "flfs");
	assert_int_equal(fl_dlm_lockspace_of(t->root, DEV_VDA, ls, 4), -ENAMETOOLONG);
	assert_int_equal(fl_dlm_our_node(t->root), 2);

	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA, FLOCK, INO_B, h, 4), 1);
	assert_int_equal(h[0].node, 1);
	assert_int_equal(h[0].pid, 251);
	assert_int_equal(h[0].master, 2);
	assert_false(h[0].local || h[0].inferred);
	/* a glock this DLM has no lock on */
	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA, FLOCK, 0xdead, h, 4), 0);
	/* another device: no such gfs2 (minor 1; major 253) */
	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA | 1, FLOCK, INO_B, h, 4), -ENODEV);
	assert_int_equal(fl_dlm_find_holders(t->root, 253u << 20, FLOCK, INO_B, h, 4), -ENODEV);

	/* no _locks: the resource view, without the pid */
	unput(t, "sys/kernel/debug/dlm/flfs_locks");
	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA, FLOCK, INO_B, h, 4), 1);
	assert_int_equal(h[0].node, 1);
	assert_int_equal(h[0].pid, 0);
	/* no lockspace in debugfs (not mounted, or the lockspace is gone) */
	unput(t, "sys/kernel/debug/dlm/flfs");
	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA, FLOCK, INO_B, h, 4), -ENOENT);
}

static void test_lockspace_edges(void **state)
{
	struct tree *t = *state;
	struct fl_dlm_holder h[2];
	char ls[64];

	/* no gfs2 at all */
	assert_int_equal(fl_dlm_lockspace_of(t->root, DEV_VDA, ls, sizeof(ls)), -ENODEV);
	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA, FLOCK, INO_A, h, 2), -ENODEV);
	assert_int_equal(fl_dlm_our_node(t->root), 0);
	/* lock_nolock: the table is the device name, no lockspace */
	put(t, "sys/fs/gfs2/vda/id", "254:0\n");
	put(t, "sys/fs/gfs2/other:fs2/id", "254:16\n");
	assert_int_equal(fl_dlm_lockspace_of(t->root, DEV_VDA, ls, sizeof(ls)), -ENOENT);
	assert_int_equal(fl_dlm_lockspace_of(t->root, (254u << 20) | 16, ls, sizeof(ls)), 0);
	assert_string_equal(ls, "fs2");
	/* without configfs, this node's own locks have node 0 */
	put(t, "sys/fs/gfs2/vda/id", "254:1\n");
	put(t, "sys/fs/gfs2/flcluster:flfs/id", "254:0\n");
	put_capture(t, "5.10", "a-node1", "flfs_locks");
	assert_int_equal(fl_dlm_find_holders(t->root, DEV_VDA, FLOCK, INO_A, h, 2), 1);
	assert_true(h[0].local);
	assert_int_equal(h[0].node, 0);
	assert_int_equal(h[0].pid, 167);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_resource_name),
		cmocka_unit_test(test_mode_names),
		cmocka_unit_test(test_captures),
		cmocka_unit_test(test_our_node_unknown),
		cmocka_unit_test(test_other_glock_type),
		cmocka_unit_test(test_shared_and_converting),
		cmocka_unit_test(test_nothing_known),
		cmocka_unit_test_setup_teardown(test_find_holders, tree_setup, tree_teardown),
		cmocka_unit_test_setup_teardown(test_lockspace_edges, tree_setup, tree_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
