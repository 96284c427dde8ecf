// SPDX-License-Identifier: GPL-2.0
/*
 * fl-nsops - namespace operations that take two or more inode glocks at
 * once, in every order gfs2 itself uses: the false-positive control for
 * lock_order (none of these may be reported). In DIR, from N processes at
 * once where the kernel allows it:
 *
 *   creates       N processes create K files each in one directory
 *   link/unlink   hard links across two directories, then the originals removed
 *   rename        files within and across directories, over existing names
 *                 too, and a directory moved to the other parent and back
 *   readdir+stat  every entry listed and stat()ed, ".." looked up from a
 *                 subdirectory (the child's glock, then the parent's)
 *   statfs        statfs() of the file system, many times
 *   rmdir         the tree removed
 *
 *   fl-nsops [-n N] [-k K] DIR
 *
 * Exit 0 when every step succeeded; 1 on a failed system call (named on
 * stderr); 2 usage.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

static const char *top;

static int failed(const char *what, const char *path)
{
	fprintf(stderr, "fl-nsops: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

static void path(char *buf, size_t len, const char *fmt, ...)
{
	va_list ap;
	int n = snprintf(buf, len, "%s/", top);

	va_start(ap, fmt);
	vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
}

/* Child `id`: its K files in a/, linked into b/, renamed about, unlinked. */
static int child(int id, int k)
{
	char p[512], q[512];
	struct statfs sf;

	for (int i = 0; i < k; i++) {
		int fd;

		path(p, sizeof(p), "a/f%d-%d", id, i);
		fd = open(p, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			return failed("create", p);
		if (write(fd, p, strlen(p)) < 0)
			return failed("write", p);
		close(fd);
	}
	for (int i = 0; i < k; i++) {
		path(p, sizeof(p), "a/f%d-%d", id, i);
		path(q, sizeof(q), "b/l%d-%d", id, i);
		if (link(p, q))
			return failed("link", q);
		if (statfs(top, &sf))
			return failed("statfs", top);
	}
	for (int i = 0; i < k; i++) {
		int fd;

		/* within a/, then across to b/, then over an existing name */
		path(p, sizeof(p), "a/f%d-%d", id, i);
		path(q, sizeof(q), "a/r%d-%d", id, i);
		if (rename(p, q))
			return failed("rename", p);
		path(p, sizeof(p), "b/l%d-%d", id, i);
		if (unlink(p))
			return failed("unlink", p);
		path(p, sizeof(p), "b/m%d-%d", id, i);
		if (rename(q, p))
			return failed("rename", q);
		path(q, sizeof(q), "a/x%d-%d", id, i);
		fd = open(q, O_CREAT | O_EXCL | O_WRONLY, 0644);
		if (fd < 0)
			return failed("create", q);
		close(fd);
		if (rename(q, p))
			return failed("rename", q);
		if (unlink(p))
			return failed("unlink", p);
	}
	return 0;
}

/* Every entry of dir stat()ed (the directory's glock, then each inode's). */
static int list(const char *dir)
{
	char p[512];
	struct dirent *de;
	struct stat st;
	DIR *d = opendir(dir);

	if (!d)
		return failed("opendir", dir);
	while ((de = readdir(d))) {
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (lstat(p, &st))
			return failed("stat", p);
	}
	closedir(d);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 8, k = 16, c, bad = 0;
	char p[512], q[512];

	while ((c = getopt(argc, argv, "n:k:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'k': k = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || n < 1 || n > 64 || k < 1 || k > 1000)
		goto usage;
	top = argv[optind];
	if (mkdir(top, 0755) && errno != EEXIST)
		return failed("mkdir", top);
	path(p, sizeof(p), "a");
	path(q, sizeof(q), "b");
	if ((mkdir(p, 0755) && errno != EEXIST) || (mkdir(q, 0755) && errno != EEXIST))
		return failed("mkdir", p);
	path(p, sizeof(p), "a/sub");
	if (mkdir(p, 0755))
		return failed("mkdir", p);
	for (int i = 0; i < n; i++) {
		pid_t pid = fork();

		if (pid < 0)
			return failed("fork", "");
		if (!pid)
			_exit(child(i, k));
	}
	for (int i = 0; i < n; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	}
	/* a directory to the other parent and back; "..", listed, from inside it */
	path(p, sizeof(p), "a/sub");
	path(q, sizeof(q), "b/sub");
	if (rename(p, q) || rename(q, p))
		return failed("rename", p);
	path(p, sizeof(p), "a/sub/..");
	if (list(p) || list(top))
		return 1;
	path(q, sizeof(q), "b");
	if (list(q))
		return 1;
	path(p, sizeof(p), "a/sub");
	if (rmdir(p))
		return failed("rmdir", p);
	path(p, sizeof(p), "a");
	if (rmdir(p) || rmdir(q) || rmdir(top))
		return failed("rmdir", p);
	if (!bad)
		printf("fl-nsops: n=%d k=%d ok\n", n, k);
	return bad;
usage:
	fprintf(stderr, "usage: fl-nsops [-n N] [-k K] DIR\n");
	return 2;
}
