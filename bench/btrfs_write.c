// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * btrfs_write: COUNT buffered writes of SIZE bytes, walking a SPAN-byte
 * region of FILE (created), with an fsync every SYNC writes: on btrfs each
 * write locks and unlocks its range of the io_tree (btrfs_set_extent_bit,
 * btrfs_clear_extent_bit) and the fsyncs write the dirty ranges back
 * through ordered extents (btrfs_ordered_extent_add/_remove/_start).
 * One untimed pass over the span first (not with --no-warm). Prints
 * "ops=<writes> ns=<elapsed>" (the fsyncs included).
 *   usage: btrfs_write FILE [--count N] [--size BYTES] [--span BYTES] [--sync N] [--no-warm]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

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
		fprintf(stderr, "btrfs_write: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	long count = 100000, size = 4096, span = 16 << 20, sync_every = 256;
	const char *file = NULL;
	unsigned long long t0;
	char *buf;
	off_t off = 0;
	int fd, warm = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc)
			count = arg_long("--count", argv[++i]);
		else if (!strcmp(argv[i], "--size") && i + 1 < argc)
			size = arg_long("--size", argv[++i]);
		else if (!strcmp(argv[i], "--span") && i + 1 < argc)
			span = arg_long("--span", argv[++i]);
		else if (!strcmp(argv[i], "--sync") && i + 1 < argc)
			sync_every = arg_long("--sync", argv[++i]);
		else if (!strcmp(argv[i], "--no-warm"))
			warm = 0;
		else if (!file && argv[i][0] != '-')
			file = argv[i];
		else
			file = NULL, i = argc;
	}
	if (!file || span < size) {
		fprintf(stderr, "usage: btrfs_write FILE [--count N] [--size BYTES] [--span BYTES] [--sync N] [--no-warm]\n");
		return 2;
	}
	fd = open(file, O_WRONLY | O_CREAT, 0644);
	buf = malloc(size);
	if (fd < 0 || !buf) {
		fprintf(stderr, "btrfs_write: %s: %s\n", file, strerror(errno));
		return 1;
	}
	memset(buf, 0x5a, size);	/* resident: no fault during the writes */
	/* one untimed pass over the span: the file and its extents exist */
	for (off = 0; warm && off + size <= span; off += size)
		if (pwrite(fd, buf, size, off) != size) {
			fprintf(stderr, "btrfs_write: pwrite at %lld: %s\n", (long long)off, strerror(errno));
			return 1;
		}
	if (warm)
		fsync(fd);
	off = 0;
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		if (pwrite(fd, buf, size, off) != size) {
			fprintf(stderr, "btrfs_write: pwrite at %lld: %s\n", (long long)off, strerror(errno));
			return 1;
		}
		off += size;
		if (off + size > span)
			off = 0;
		if ((i + 1) % sync_every == 0 && fsync(fd)) {
			fprintf(stderr, "btrfs_write: fsync: %s\n", strerror(errno));
			return 1;
		}
	}
	printf("ops=%ld ns=%llu\n", count, now_ns() - t0);
	return 0;
}
