// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * dio_loop: COUNT O_DIRECT reads of SIZE bytes, walking FILE, into one
 * resident buffer: each is one iomap direct I/O (iomap_dio_rw_begin +
 * iomap_dio_complete). Prints "ops=<reads> ns=<elapsed>".
 *   usage: dio_loop FILE [--count N] [--size BYTES]
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static long arg_long(const char *what, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v <= 0) {
		fprintf(stderr, "dio_loop: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long count = 50000, size = 4096;
	const char *file = NULL;
	unsigned long long t0;
	struct stat st;
	void *buf;
	off_t off = 0;
	int fd;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = arg_long("--count", argv[++i]);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = arg_long("--size", argv[++i]);
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else {
			fprintf(stderr, "usage: dio_loop FILE [--count N] [--size BYTES]\n");
			return 2;
		}
	}
	if (!file) {
		fprintf(stderr, "usage: dio_loop FILE [--count N] [--size BYTES]\n");
		return 2;
	}
	fd = open(file, O_RDONLY | O_DIRECT);
	if (fd < 0 || fstat(fd, &st) || st.st_size < size) {
		fprintf(stderr, "dio_loop: %s: %s\n", file, fd < 0 ? strerror(errno) : "too small");
		return 1;
	}
	if (posix_memalign(&buf, 4096, size)) {
		fprintf(stderr, "dio_loop: out of memory\n");
		return 1;
	}
	memset(buf, 0, size);	/* resident: no fault during the reads */
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (pread(fd, buf, size, off) != size) {
			fprintf(stderr, "dio_loop: pread at %lld: %s\n", (long long)off, strerror(errno));
			return 1;
		}
		off += size;
		if (off + size > st.st_size)
			off = 0;
	}
	printf("ops=%ld ns=%llu\n", count, now_ns() - t0);
	return 0;
}
