// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fl-dirstall: a readdir whose user buffer faults while gfs2 holds the
 * directory's glock. gfs2_readdir takes the directory inode glock (SH) and
 * copies the entries to user space with page faults enabled (filldir64),
 * on every kernel: a buffer registered with userfaultfd keeps that fault,
 * and the glock, for as long as this program wants. A create in the
 * directory (the glock, EX) waits meanwhile — on this node or another.
 *
 *  1. DIR gets a few entries; a thread getdents64()s DIR into a userfaultfd
 *     buffer and blocks in the fault.
 *  2. Local: a child creates DIR/new; the fault is held HOLD_MS or until the
 *     child is through; prints how long the child waited.
 *     With READY and GO (two nodes): READY is created once the fault is
 *     seen, and the fault held until GO exists plus HOLD_MS.
 *   usage: fl-dirstall DIR HOLD_MS [READY GO]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include "uffd.h"

static int dfd;
static char *buf;
static long page;

static void die(const char *what)
{
	fprintf(stderr, "fl-dirstall: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *lister(void *arg)
{
	(void)arg;
	if (syscall(SYS_getdents64, dfd, buf, page) < 0)
		die("getdents64");
	return NULL;
}

static void touch(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || fsync(fd) || close(fd))
		die(path);
}

int main(int argc, char **argv)
{
	struct pollfd pfd;
	pthread_t thread;
	long long t0;
	char path[4096], *end;
	long hold;
	int uffd, status, pipefd[2];
	pid_t child = -1;

	if ((argc != 3 && argc != 5) || (hold = strtol(argv[2], &end, 10)) < 0 || *end) {
		fprintf(stderr, "usage: fl-dirstall DIR HOLD_MS [READY GO]\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	if (mkdir(argv[1], 0755) && errno != EEXIST)
		die(argv[1]);
	for (int i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s/entry%d", argv[1], i);
		touch(path);
	}
	dfd = open(argv[1], O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		die(argv[1]);

	uffd = uffd_page(page, &buf);
	if (uffd < 0)
		die("userfaultfd");
	if ((errno = pthread_create(&thread, NULL, lister, NULL)))
		die("pthread_create");
	if (!uffd_fault_seen(uffd, 10000)) {
		fprintf(stderr, "fl-dirstall: the readdir did not fault on the registered buffer\n");
		return 1;
	}

	t0 = now_ms();
	if (argc == 5) {
		touch(argv[3]);
		if (!uffd_wait_file(argv[4], 90000))
			fprintf(stderr, "fl-dirstall: %s did not appear within 90 s\n", argv[4]);
		poll(NULL, 0, hold);
	} else {
		if (pipe(pipefd))
			die("pipe");
		child = fork();
		if (child < 0)
			die("fork");
		if (child == 0) {
			snprintf(path, sizeof(path), "%s/new", argv[1]);
			touch(path);	/* the directory's glock, EX */
			if (write(pipefd[1], "", 1) != 1)
				die("pipe write");
			_exit(0);
		}
		close(pipefd[1]);
		pfd.fd = pipefd[0];
		pfd.events = POLLIN;
		poll(&pfd, 1, hold);
	}
	if (uffd_release(uffd, buf, page))
		die("UFFDIO_ZEROPAGE");
	pthread_join(thread, NULL);
	if (child > 0) {
		if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
			return 1;
		printf("fl-dirstall: the create was through after %lld ms (fault held up to %ld ms)\n",
		       now_ms() - t0, hold);
	} else {
		printf("fl-dirstall: the fault was held %lld ms\n", now_ms() - t0);
	}
	return 0;
}
