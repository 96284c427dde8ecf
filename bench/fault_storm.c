// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fault_storm: takes page faults as fast as it can. Maps MB MiB (anonymous,
 * or a file read through a shared mapping), touches one byte per page,
 * unmaps; ROUNDS times. With --kernel FILE the faults are taken by the
 * kernel instead: read() of the (page-cached) FILE into fresh anonymous
 * memory faults in copy_to_user, through exceptions:page_fault_kernel. Huge pages are off; a file mapping may still map
 * several pages per fault (fault-around), so the faults are counted, not
 * the pages. A first, untimed round brings the memory in (not with
 * --no-warm). Prints "ops=<page faults taken> ns=<elapsed>".
 *   usage: fault_storm [--file PATH | --kernel FILE] [--mb MB] [--rounds N] [--no-warm]
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/resource.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static long minor_faults(void)
{
	struct rusage ru;

	getrusage(RUSAGE_SELF, &ru);
	return ru.ru_minflt + ru.ru_majflt;
}

static long arg_long(const char *what, const char *s)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*end || v <= 0) {
		fprintf(stderr, "fault_storm: bad %s '%s'\n", what, s);
		exit(2);
	}
	return v;
}

int main(int argc, char **argv)
{
	const char *file = NULL, *kfile = NULL;
	long mb = 256, rounds = 4, page = sysconf(_SC_PAGESIZE);
	unsigned long long t0;
	long faults0;
	volatile char sink = 0;
	int fd = -1, warm = 1;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--file") && i + 1 < argc)
			file = argv[++i];
		else if (!strcmp(argv[i], "--kernel") && i + 1 < argc)
			kfile = argv[++i];
		else if (!strcmp(argv[i], "--mb") && i + 1 < argc)
			mb = arg_long("--mb", argv[++i]);
		else if (!strcmp(argv[i], "--rounds") && i + 1 < argc)
			rounds = arg_long("--rounds", argv[++i]);
		else if (!strcmp(argv[i], "--no-warm"))
			warm = 0;
		else {
			fprintf(stderr, "usage: fault_storm [--file PATH | --kernel FILE] [--mb MB] [--rounds N] [--no-warm]\n");
			return 2;
		}
	}
	size_t len = (size_t)mb << 20;

	if (file || kfile) {
		fd = open(file ? file : kfile, O_RDONLY);
		if (fd < 0) {
			fprintf(stderr, "fault_storm: %s: %s\n", file ? file : kfile, strerror(errno));
			return 1;
		}
	}
	/* One untimed round first (r = -1): memory the hypervisor took back
	 * after free page reporting comes back there, not in the timed ones. */
	faults0 = minor_faults();
	t0 = now_ns();
	for (long r = warm ? -1 : 0; r < rounds; r++) {
		if (r == 0) {
			faults0 = minor_faults();
			t0 = now_ns();
		}
		char *p = file ? mmap(NULL, len, PROT_READ, MAP_SHARED, fd, 0)
			       : mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

		if (p == MAP_FAILED) {
			fprintf(stderr, "fault_storm: mmap: %s\n", strerror(errno));
			return 1;
		}
		madvise(p, len, MADV_NOHUGEPAGE);
		/* file pages: one fault per page, no fault-around batching */
		if (file)
			madvise(p, len, MADV_RANDOM);
		for (size_t off = 0; kfile && off < len;) {
			ssize_t n = pread(fd, p + off, len - off, 0);

			if (n <= 0) {
				fprintf(stderr, "fault_storm: read %s: %s\n", kfile, n ? strerror(errno) : "empty");
				return 1;
			}
			off += n;
		}
		for (size_t off = 0; !kfile && off < len; off += page) {
			if (file)
				sink += p[off];
			else
				p[off] = 1;
		}
		munmap(p, len);
	}
	t0 = now_ns() - t0;
	printf("ops=%ld ns=%llu\n", minor_faults() - faults0, t0);
	(void)sink;
	return 0;
}
