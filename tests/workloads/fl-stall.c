// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fl-stall: one task blocks in a page fault while reading FILE, a second one
 * then needs FILE's inode glock exclusively. The lock_stall test's workload.
 *
 *  1. A thread read()s FILE into a buffer registered with userfaultfd: the
 *     copy to user space faults and the fault waits for this program.
 *  2. Once the fault is seen, a child process writes through a MAP_SHARED
 *     mapping of FILE: gfs2_page_mkwrite requests the inode glock EX.
 *  3. After HOLD_MS the fault is resolved; everyone finishes.
 *
 * Before Linux 5.16 gfs2 holds the inode glock (SH) across that copy: the
 * child waits HOLD_MS for it — the stall faultlock reports, its holder
 * blocked in handle_userfault. Fixed kernels copy with page faults disabled
 * and fault the buffer in after dropping the glock: the child does not wait.
 * Prints how long the child waited.
 *
 * With READY and GO (the two-node test): no child; once the fault is seen,
 * READY is created, and the fault is held until GO exists plus HOLD_MS —
 * another node's writer needs the inode glock meanwhile.
 *   usage: fl-stall FILE HOLD_MS [READY GO]
 */
#define _GNU_SOURCE
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include "uffd.h"

static int fd;
static char *buf;
static long page;

static void die(const char *what)
{
	fprintf(stderr, "fl-stall: %s: %s\n", what, strerror(errno));
	exit(1);
}

static void *reader(void *arg)
{
	(void)arg;
	if (pread(fd, buf, page, 0) != page)
		die("read");
	return NULL;
}

int main(int argc, char **argv)
{
	struct pollfd pfd;
	pthread_t thread;
	long long t0, waited;
	char *end;
	long hold;
	int uffd, status, pipefd[2];
	pid_t child;

	if ((argc != 3 && argc != 5) || (hold = strtol(argv[2], &end, 10)) < 0 || *end) {
		fprintf(stderr, "usage: fl-stall FILE HOLD_MS [READY GO]\n");
		return 2;
	}
	page = sysconf(_SC_PAGESIZE);
	fd = open(argv[1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (fd < 0)
		die(argv[1]);
	buf = malloc(page);
	if (!buf)
		die("malloc");
	memset(buf, 'x', page);
	if (pwrite(fd, buf, page, 0) != page || fsync(fd))
		die("write");
	free(buf);

	uffd = uffd_page(page, &buf);
	if (uffd < 0)
		die("userfaultfd");
	if ((errno = pthread_create(&thread, NULL, reader, NULL)))
		die("pthread_create");
	if (!uffd_fault_seen(uffd, 10000)) {
		fprintf(stderr, "fl-stall: the read did not fault on the registered buffer\n");
		return 1;
	}

	if (argc == 5) {
		/* another node writes: READY says the read is stuck in its fault */
		int r = open(argv[3], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

		if (r < 0 || fsync(r) || close(r))
			die(argv[3]);
		t0 = now_ms();
		if (!uffd_wait_file(argv[4], 90000))
			fprintf(stderr, "fl-stall: %s did not appear within 90 s\n", argv[4]);
		poll(NULL, 0, hold);
		if (uffd_release(uffd, buf, page))
			die("UFFDIO_ZEROPAGE");
		pthread_join(thread, NULL);
		printf("fl-stall: the fault was held %lld ms\n", now_ms() - t0);
		return 0;
	}
	if (pipe(pipefd))
		die("pipe");
	t0 = now_ms();
	child = fork();
	if (child < 0)
		die("fork");
	if (child == 0) {
		char *map = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

		if (map == MAP_FAILED)
			die("mmap FILE");
		map[0] = 'y';		/* page_mkwrite: the inode glock, EX */
		if (write(pipefd[1], "", 1) != 1)
			die("pipe write");
		_exit(0);
	}
	close(pipefd[1]);
	/* hold the fault HOLD_MS, or until the child is through */
	pfd.fd = pipefd[0];
	pfd.events = POLLIN;
	poll(&pfd, 1, hold);
	if (uffd_release(uffd, buf, page))
		die("UFFDIO_ZEROPAGE");
	pthread_join(thread, NULL);
	if (waitpid(child, &status, 0) != child || !WIFEXITED(status) || WEXITSTATUS(status))
		return 1;
	waited = now_ms() - t0;
	printf("fl-stall: the writer was through after %lld ms (fault held up to %ld ms)\n", waited, hold);
	return 0;
}
