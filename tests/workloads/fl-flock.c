// SPDX-License-Identifier: GPL-2.0
/*
 * fl-flock - a task holds a flock on one file while it takes page faults on
 * a mapping of another (gfs2: a flock glock, held across system calls; on
 * kernels without GL_NOPID it is not marked as the file system's).
 *
 *   fl-flock [-p PAGES] [-s MS] LOCKFILE MAPFILE
 *
 * flock(LOCK_EX) on LOCKFILE, MAPFILE written (PAGES pages, default 8) and
 * mapped shared, every page read and written through the mapping (a fault
 * each), msync, a sleep of MS milliseconds (default 0) with the lock still
 * held, LOCK_UN. Nothing here is a deadlock: a tracer must report no
 * fault_under_lock. Two at once on one LOCKFILE, the first with -s: the
 * second waits for the lock while the first sleeps (on gfs2 over lock_dlm
 * in gfs2_glock_nq, a flock glock; lock_nolock keeps flocks local). Exit 0
 * on success, 1 on an error, 2 usage.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

static int die(const char *what, const char *path)
{
	fprintf(stderr, "fl-flock: %s %s: %s\n", what, path, strerror(errno));
	return 1;
}

int main(int argc, char **argv)
{
	long ps = sysconf(_SC_PAGESIZE);
	int pages = 8, hold_ms = 0, c, lfd, mfd;
	char *map, *buf;

	while ((c = getopt(argc, argv, "p:s:")) != -1) {
		if (c == 'p')
			pages = atoi(optarg);
		else if (c == 's')
			hold_ms = atoi(optarg);
		else
			goto usage;
	}
	if (optind != argc - 2 || pages < 1 || hold_ms < 0)
		goto usage;
	lfd = open(argv[optind], O_RDWR | O_CREAT, 0644);
	if (lfd < 0)
		return die("open", argv[optind]);
	mfd = open(argv[optind + 1], O_RDWR | O_CREAT | O_TRUNC, 0644);
	if (mfd < 0)
		return die("open", argv[optind + 1]);
	buf = calloc(pages, ps);
	if (!buf || pwrite(mfd, buf, pages * ps, 0) != pages * ps || fsync(mfd))
		return die("write", argv[optind + 1]);
	if (flock(lfd, LOCK_EX))
		return die("flock", argv[optind]);
	map = mmap(NULL, pages * ps, PROT_READ | PROT_WRITE, MAP_SHARED, mfd, 0);
	if (map == MAP_FAILED)
		return die("mmap", argv[optind + 1]);
	for (int i = 0; i < pages; i++) {
		volatile char x = map[i * ps];	/* read fault */

		map[i * ps] = x + 1;		/* write fault (page_mkwrite) */
	}
	if (msync(map, pages * ps, MS_SYNC))
		return die("msync", argv[optind + 1]);
	if (hold_ms) {
		struct timespec ts = { hold_ms / 1000, (hold_ms % 1000) * 1000000L };

		while (nanosleep(&ts, &ts) && errno == EINTR)
			;
	}
	if (flock(lfd, LOCK_UN))
		return die("unlock", argv[optind]);
	return 0;
usage:
	fprintf(stderr, "usage: fl-flock [-p PAGES] [-s MS] LOCKFILE MAPFILE\n");
	return 2;
}
