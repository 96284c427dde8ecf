// SPDX-License-Identifier: GPL-2.0
/*
 * fl-contend - N processes contend for one file's lock: each does K rounds
 * of pwrite(4 KiB) + fsync on the same FILE (on gfs2: the inode glock, EX,
 * taken and waited for inside gfs2_glock_nq, so up to N-1 tasks sleep in it
 * at once).
 *
 *   fl-contend [-n N] [-k K] FILE
 *
 * The same work with -n 1 -k N*K is the single-task baseline: a tracer's
 * acquisition counts must match between the two. Exit 0 when every child
 * finished its rounds; 1 on an I/O error; 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

static int rounds(const char *path, int k, int id)
{
	char buf[4096];
	int fd = open(path, O_RDWR | O_CREAT, 0644);

	if (fd < 0) {
		fprintf(stderr, "fl-contend: open %s: %s\n", path, strerror(errno));
		return 1;
	}
	memset(buf, 'a' + id % 26, sizeof(buf));
	for (int i = 0; i < k; i++) {
		if (pwrite(fd, buf, sizeof(buf), (off_t)(i % 16) * sizeof(buf)) != sizeof(buf) ||
		    fsync(fd)) {
			fprintf(stderr, "fl-contend: write %s: %s\n", path, strerror(errno));
			return 1;
		}
	}
	close(fd);
	return 0;
}

int main(int argc, char **argv)
{
	int n = 16, k = 50, c, bad = 0;

	while ((c = getopt(argc, argv, "n:k:")) != -1) {
		switch (c) {
		case 'n': n = atoi(optarg); break;
		case 'k': k = atoi(optarg); break;
		default: goto usage;
		}
	}
	if (optind != argc - 1 || n < 1 || n > 256 || k < 1)
		goto usage;
	/* create it first: every child then opens the same existing inode */
	if (rounds(argv[optind], 1, 0))
		return 1;
	for (int i = 0; i < n; i++) {
		pid_t p = fork();

		if (p < 0) {
			perror("fl-contend: fork");
			return 1;
		}
		if (!p)
			_exit(rounds(argv[optind], k, i + 1));
	}
	for (int i = 0; i < n; i++) {
		int st;

		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			bad = 1;
	}
	return bad;
usage:
	fprintf(stderr, "usage: fl-contend [-n N] [-k K] FILE\n");
	return 2;
}
