// SPDX-License-Identifier: GPL-2.0
/*
 * repro-gfs2 - the smallest gfs2 mmap + page-fault recursion trigger, kept as
 * an independent ground truth for the VM harness (tests/vm/matrix.sh):
 *
 *   write a 2-page FILE, mmap it MAP_PRIVATE (no page touched), then
 *   pread(fd, map, 2 pages, 0).
 *
 * The copy to user faults on the mapping of the file being read. 5.10 gfs2
 * holds the inode glock across the copy, gfs2_fault() asks for it again and
 * the kernel BUGs ("kernel BUG at fs/gfs2/glock.c"; this process is killed).
 * Fixed kernels drop the glock, fault the buffer in and retry: exit 0.
 *
 *   gcc -std=gnu11 -O2 -Wall -Wextra -Werror -static -o repro-gfs2 repro-gfs2.c
 *   repro-gfs2 FILE
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

int main(int argc, char **argv)
{
	long ps = sysconf(_SC_PAGESIZE);
	size_t len = 2 * (size_t)ps;
	char *data, *map;
	ssize_t n;
	int fd;

	if (argc != 2) {
		fprintf(stderr, "usage: %s FILE\n", argv[0]);
		return 2;
	}
	data = malloc(len);
	if (!data)
		return 1;
	for (size_t i = 0; i < len; i++)
		data[i] = (char)('a' + i % 23);

	fd = open(argv[1], O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0 || pwrite(fd, data, len, 0) != (ssize_t)len || fsync(fd)) {
		fprintf(stderr, "repro-gfs2: prepare %s: %s\n", argv[1], strerror(errno));
		return 1;
	}
	map = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
	if (map == MAP_FAILED) {
		fprintf(stderr, "repro-gfs2: mmap: %s\n", strerror(errno));
		return 1;
	}
	printf("repro-gfs2: pread(fd, private map of the same file, %zu, 0)\n", len);
	fflush(stdout);
	n = pread(fd, map, len, 0);
	if (n != (ssize_t)len) {
		fprintf(stderr, "repro-gfs2: pread returned %zd: %s\n", n,
			n < 0 ? strerror(errno) : "short read");
		return 1;
	}
	if (memcmp(map, data, len)) {
		fprintf(stderr, "repro-gfs2: data mismatch\n");
		return 1;
	}
	printf("repro-gfs2: ok, %zd bytes\n", n);
	return 0;
}
