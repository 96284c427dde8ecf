// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * src/textfile.c and src/eventlog.c, the daemon's two files: the textfile is
 * replaced whole (rename: new inode, mode 0644, no temporary left behind,
 * untouched when rendering fails) and its failure latch; the event log
 * appends, reopens a rotated file, keeps the old one when reopening fails,
 * and latches write failures.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <dirent.h>
#include <sys/stat.h>
#include "fltest.h"
#include "eventlog.h"
#include "textfile.h"

struct dir {
	char path[64];
	char file[128];
};

static int dir_setup(void **state)
{
	struct dir *d = calloc(1, sizeof(*d));

	if (!d)
		return -1;
	strcpy(d->path, "/tmp/fl-unit-XXXXXX");
	if (!mkdtemp(d->path))
		return -1;
	snprintf(d->file, sizeof(d->file), "%s/f", d->path);
	*state = d;
	return 0;
}

static int dir_teardown(void **state)
{
	struct dir *d = *state;
	DIR *dh = opendir(d->path);
	struct dirent *e;
	char p[PATH_MAX];

	while (dh && (e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
			snprintf(p, sizeof(p), "%s/%s", d->path, e->d_name);
			unlink(p);
		}
	if (dh)
		closedir(dh);
	rmdir(d->path);
	free(d);
	return 0;
}

/* Names in the directory besides ".", "..", joined by spaces. */
static const char *entries(const struct dir *d)
{
	static char out[256];
	DIR *dh = opendir(d->path);
	struct dirent *e;

	assert_non_null(dh);
	out[0] = '\0';
	while ((e = readdir(dh)))
		if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
			snprintf(out + strlen(out), sizeof(out) - strlen(out), "%s%.64s", *out ? " " : "", e->d_name);
	closedir(dh);
	return out;
}

static const char *slurp(const char *path)
{
	static char buf[4096];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return NULL;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	return buf;
}

/* ---- textfile ------------------------------------------------------------ */

struct body {
	const char *text;
	int err;
	int calls;
};

static int render_body(FILE *f, void *arg)
{
	struct body *b = arg;

	b->calls++;
	fputs(b->text, f);
	return b->err;
}

static void test_textfile_replaced_whole(void **state)
{
	struct dir *d = *state;
	struct body b = { .text = "x_total 1\n" };
	struct fl_textfile t = { .path = d->file, .interval = 15, .render = render_body, .arg = &b };
	struct stat st1, st2;

	assert_int_equal(fl_textfile_check(&t), 0);
	assert_int_equal(b.calls, 0);
	assert_string_equal(entries(d), "");	/* the check leaves nothing */
	fl_textfile_update(&t);
	assert_false(t.failing);
	assert_string_equal(slurp(d->file), "x_total 1\n");
	assert_int_equal(stat(d->file, &st1), 0);
	assert_int_equal(st1.st_mode & 07777, 0644);
	b.text = "x_total 2\n";
	fl_textfile_update(&t);
	assert_string_equal(slurp(d->file), "x_total 2\n");
	assert_int_equal(stat(d->file, &st2), 0);
	assert_int_not_equal(st1.st_ino, st2.st_ino);	/* renamed over, not rewritten */
	assert_string_equal(entries(d), "f");
}

static void test_textfile_render_failure_keeps_old(void **state)
{
	struct dir *d = *state;
	struct body b = { .text = "x_total 1\n" };
	struct fl_textfile t = { .path = d->file, .interval = 15, .render = render_body, .arg = &b };

	fl_textfile_update(&t);
	b.text = "partial";
	b.err = -EPERM;
	fl_textfile_update(&t);
	assert_true(t.failing);
	assert_string_equal(slurp(d->file), "x_total 1\n");
	assert_string_equal(entries(d), "f");
	fl_textfile_update(&t);		/* still failing: said once, stays latched */
	assert_true(t.failing);
	b.text = "x_total 3\n";
	b.err = 0;
	fl_textfile_update(&t);
	assert_false(t.failing);
	assert_string_equal(slurp(d->file), "x_total 3\n");
}

static void test_textfile_bad_directory(void **state)
{
	struct dir *d = *state;
	char path[PATH_MAX + 16];
	struct fl_textfile t = { .path = path };

	snprintf(path, sizeof(path), "%s/nodir/f", d->path);
	assert_int_equal(fl_textfile_check(&t), -ENOENT);
	memset(path, 'a', PATH_MAX);
	path[0] = '/';
	path[PATH_MAX] = '\0';
	assert_int_equal(fl_textfile_check(&t), -ENAMETOOLONG);
}

/* ---- event log ----------------------------------------------------------- */

static void test_eventlog_append_and_reopen(void **state)
{
	struct dir *d = *state;
	struct fl_eventlog l;
	char rotated[160];
	struct stat st;

	assert_int_equal(fl_eventlog_open(&l, d->file), 0);
	assert_int_equal(stat(d->file, &st), 0);
	assert_int_equal(st.st_mode & 07777, 0640 & ~umask(umask(0)));
	fputs("{\"a\":1}\n", l.f);
	fl_eventlog_flush(&l);
	assert_false(l.failing);
	assert_string_equal(slurp(d->file), "{\"a\":1}\n");
	/* Rotation: the old name moves away, SIGHUP makes a new file. */
	snprintf(rotated, sizeof(rotated), "%s.1", d->file);
	assert_int_equal(rename(d->file, rotated), 0);
	fputs("{\"b\":2}\n", l.f);	/* buffered: still goes to the old file */
	fl_eventlog_reopen(&l);
	fputs("{\"c\":3}\n", l.f);
	fl_eventlog_flush(&l);
	assert_string_equal(slurp(rotated), "{\"a\":1}\n{\"b\":2}\n");
	assert_string_equal(slurp(d->file), "{\"c\":3}\n");
	fl_eventlog_close(&l);
	assert_null(l.f);
	/* Opening again appends. */
	assert_int_equal(fl_eventlog_open(&l, d->file), 0);
	fputs("{\"d\":4}\n", l.f);
	fl_eventlog_close(&l);
	assert_string_equal(slurp(d->file), "{\"c\":3}\n{\"d\":4}\n");
}

static void test_eventlog_reopen_failure_keeps_old(void **state)
{
	struct dir *d = *state;
	struct fl_eventlog l;
	char sub[160], path[200];
	FILE *old;

	snprintf(sub, sizeof(sub), "%s/sub", d->path);
	snprintf(path, sizeof(path), "%s/log", sub);
	assert_int_equal(mkdir(sub, 0755), 0);
	assert_int_equal(fl_eventlog_open(&l, path), 0);
	old = l.f;
	assert_int_equal(unlink(path), 0);
	assert_int_equal(rmdir(sub), 0);
	fl_eventlog_reopen(&l);		/* cannot create it: keeps writing the old one */
	assert_ptr_equal(l.f, old);
	fl_eventlog_close(&l);
	assert_int_equal(fl_eventlog_open(&l, path), -ENOENT);
	assert_null(l.f);
}

static void test_eventlog_write_failure_latched(void **state)
{
	struct fl_eventlog l;

	(void)state;
	if (fl_eventlog_open(&l, "/dev/full"))
		skip();
	fputs("{\"a\":1}\n", l.f);
	fl_eventlog_flush(&l);
	assert_true(l.failing);
	fl_eventlog_flush(&l);		/* nothing pending: works again */
	assert_false(l.failing);
	fl_eventlog_close(&l);
}

static void test_eventlog_stdout(void **state)
{
	struct fl_eventlog l;

	(void)state;
	assert_int_equal(fl_eventlog_open(&l, "-"), 0);
	assert_ptr_equal(l.f, stdout);
	fl_eventlog_reopen(&l);
	assert_ptr_equal(l.f, stdout);
	fl_eventlog_close(&l);
	assert_null(l.f);
	assert_int_not_equal(fcntl(STDOUT_FILENO, F_GETFD), -1);	/* still open */
}

int main(void)
{
#define TD(f) cmocka_unit_test_setup_teardown(f, dir_setup, dir_teardown)
	const struct CMUnitTest tests[] = {
		TD(test_textfile_replaced_whole),
		TD(test_textfile_render_failure_keeps_old),
		TD(test_textfile_bad_directory),
		TD(test_eventlog_append_and_reopen),
		TD(test_eventlog_reopen_failure_keeps_old),
		cmocka_unit_test(test_eventlog_write_failure_latched),
		cmocka_unit_test(test_eventlog_stdout),
	};
#undef TD

	return cmocka_run_group_tests_name("daemon_files", tests, NULL, NULL);
}
