// SPDX-License-Identifier: GPL-2.0
/*
 * fl-fiemap - FS_IOC_FIEMAP whose extent array lies in an unfaulted mapping
 * of the file being mapped (cf. fstests generic/742).
 *
 *   fl-fiemap [--map shared|private] [--no-sync] [--pages N] [-q] FILE
 *
 * Writes FILE (N pages, default 4, fsync'ed), builds one contiguous buffer:
 * page 0 anonymous and resident, pages [1, N] an unfaulted MAP_FIXED mapping
 * of file pages [0, N) (shared by default); puts the struct fiemap header at
 * the end of page 0 so that fm_extents[] starts on the mapping, and asks for
 * every extent with FIEMAP_FLAG_SYNC (unless --no-sync).
 *
 * On Debian's 6.1 and 6.12, gfs2 with --map shared and the sync flag never
 * returns: gfs2_fiemap's nofault copy fails, it drops the glock, faults the
 * page in, retries, and the sync writeback write-protects the page again.
 * With --map private or --no-sync it completes; on 5.10 gfs2 BUG()s (the
 * old recursion). Exit 0: the call returned and the extents were read;
 * 1: it failed; 2: usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <linux/fiemap.h>
#include <linux/fs.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <unistd.h>

static void usage(void)
{
	fprintf(stderr, "usage: fl-fiemap [--map shared|private] [--no-sync] [--pages N] [-q] FILE\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option lopts[] = {
		{ "map", required_argument, NULL, 'm' },
		{ "no-sync", no_argument, NULL, 'n' },
		{ "pages", required_argument, NULL, 'p' },
		{ "quiet", no_argument, NULL, 'q' },
		{ 0 },
	};
	long ps = sysconf(_SC_PAGESIZE), pages = 4;
	int map = MAP_SHARED, sync_flag = FIEMAP_FLAG_SYNC, quiet = 0, c, fd;
	struct fiemap *fm;
	char *buf, *data;

	while ((c = getopt_long(argc, argv, "q", lopts, NULL)) != -1) {
		switch (c) {
		case 'm':
			if (!strcmp(optarg, "shared"))
				map = MAP_SHARED;
			else if (!strcmp(optarg, "private"))
				map = MAP_PRIVATE;
			else
				usage();
			break;
		case 'n': sync_flag = 0; break;
		case 'p':
			pages = strtol(optarg, NULL, 10);
			if (pages < 1 || pages > 1024)
				usage();
			break;
		case 'q': quiet = 1; break;
		default: usage();
		}
	}
	if (optind != argc - 1)
		usage();

	fd = open(argv[optind], O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0) {
		perror(argv[optind]);
		return 1;
	}
	data = malloc(pages * ps);
	if (!data)
		return 1;
	for (long i = 0; i < pages * ps; i++)
		data[i] = (char)(i * 7 + 1);
	if (pwrite(fd, data, pages * ps, 0) != pages * ps || fsync(fd)) {
		perror("write");
		return 1;
	}

	/* page 0 anonymous (resident), pages 1..N the file, not yet faulted */
	buf = mmap(NULL, (pages + 1) * ps, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED ||
	    mmap(buf + ps, pages * ps, PROT_READ | PROT_WRITE, map | MAP_FIXED, fd, 0) == MAP_FAILED) {
		perror("mmap");
		return 1;
	}
	memset(buf, 0, ps);
	fm = (struct fiemap *)(buf + ps - sizeof(*fm));
	fm->fm_start = 0;
	fm->fm_length = FIEMAP_MAX_OFFSET;
	fm->fm_flags = sync_flag;
	fm->fm_extent_count = pages * ps / sizeof(struct fiemap_extent);

	if (ioctl(fd, FS_IOC_FIEMAP, fm)) {
		fprintf(stderr, "fl-fiemap: FS_IOC_FIEMAP: %s\n", strerror(errno));
		return 1;
	}
	if (!quiet)
		printf("fl-fiemap: map=%s sync=%d extents=%u first_length=%llu ok\n",
		       map == MAP_SHARED ? "shared" : "private", !!sync_flag, fm->fm_mapped_extents,
		       fm->fm_mapped_extents ? (unsigned long long)fm->fm_extents[0].fe_length : 0ULL);
	return 0;
}
