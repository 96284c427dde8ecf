// SPDX-License-Identifier: GPL-2.0
/*
 * fl-mmapio - read()/write() whose user buffer is an unfaulted mmap of the
 * same file: the "filesystem lock held across a user copy that faults on a
 * mapping of the same file" workload for faultlock (cf. fstests generic/647,
 * src/mmap-rw-fault.c).
 *
 *   fl-mmapio [--op read|write] [--direct] [--buf same|half|hole|anon|resident]
 *             [--map private|shared] [--pages N] [--repeat K] [--keep] [--uncached]
 *             [--eof P] [--then-fault] [--aio] [-q] FILE
 *
 * ps = page size, N = --pages (even, >= 2), h = N/2, len = N*ps.
 * FILE always ends up 2N pages long (2N-P with --eof P); "data" below is a position-dependent
 * byte pattern (every page of the file has different content).
 *
 * Each of the K runs (--repeat) does, from scratch:
 *   1. open(FILE, O_CREAT|O_TRUNC|O_RDWR), pwrite the initial content, fsync,
 *      close (pages stay in the page cache: nothing is dropped on purpose);
 *   2. open(FILE, O_RDWR [|O_DIRECT]) for the operation;
 *   3. build a fresh user buffer of N pages (page aligned; file mappings are
 *      new mmap()s, so no PTE exists: every first touch is a page fault);
 *   4. pread/pwrite len bytes at a page-aligned offset, looping on short
 *      transfers and EINTR like mmap-rw-fault.c;
 *   5. verify the buffer (read) and the whole file through a second,
 *      buffered fd (read and write) against a model of the expected bytes;
 *   6. munmap everything, close.
 *
 * Cases (R = read, W = write):
 *
 * same  file = data in pages [0,2N).
 *       R: buffer = mmap of file pages [0,N); pread(fd, buf, len, N*ps):
 *          pages [N,2N) are copied into the unfaulted mapping of [0,N)
 *          (generic/647 scenario 2 with data instead of a hole: copy-to-user
 *          write fault / GUP FOLL_WRITE on a mapping of the file being read;
 *          the ranges do not overlap, so on a fixed kernel it always
 *          completes).  With --map shared the copy also changes file pages
 *          [0,N) (verified).
 *       W: buffer = mmap of file pages [N,2N); pwrite(fd, buf, len, 0):
 *          file pages [N,2N) are written over [0,N), inside i_size (so O_DIRECT
 *          is not turned into buffered I/O); generic/647 scenarios 3/4.
 * half  like "same", but the buffer is one contiguous N-page range: pages
 *       [0,h) anonymous and made resident before the I/O, pages [h,N) an
 *       unfaulted mapping (MAP_FIXED over the anonymous reservation) of
 *       file pages [h,N) for R, [N+h,2N) for W.  For W the anonymous half is
 *       filled with the data of file pages [N,N+h), so both cases expect
 *       exactly what "same" expects.  A nofault O_DIRECT copy stops after
 *       the resident half: btrfs returns h*ps, faults in, and retries with
 *       done_before = h*ps (iomap:iomap_dio_rw_begin).
 * hole  file = hole in pages [0,N) (never written), data in [N,2N).
 *       The buffer is an unfaulted mapping of the hole, file pages [0,N).
 *       R --direct:  pread(fd, buf, len, 0): the hole is read into the
 *          mapping of the hole (generic/647 scenario 5: the DIO hole path
 *          zeroes user memory with iov_iter_zero = a hardware page fault,
 *          not GUP); expects zeros.
 *       R buffered:  pread(fd, buf, len, N*ps): data pages are read into the
 *          mapping of the hole (generic/647 scenario 1); with --map shared
 *          this writes the data into the hole pages of the file (verified).
 *       W:           pwrite(fd, buf, len, N*ps): the (zero) hole pages are
 *          written over the data pages; expects zeros in the whole file.
 * anon  control: the buffer is plain, unfaulted MAP_PRIVATE|MAP_ANONYMOUS
 *       memory; the file is never mapped (--map is accepted but ignored).
 *       R: pread(fd, buf, len, N*ps) as for "same".
 *       W: pwrite(fd, buf, len, 0) from untouched memory, i.e. writes zeros
 *          over file pages [0,N).
 * resident  control: anonymous memory made resident before the I/O, filled
 *       as the anonymous half of "half" (so a write stores file pages
 *       [N,2N)): a nofault copy has nothing to refuse. R and W at the
 *       offsets of "anon".
 *
 * --eof P (R with --buf anon or resident, 1 <= P <= N): FILE is P pages
 *       short (2N-P pages), so the read of len bytes at N*ps stops at end
 *       of file, P pages early: the loop ends at the first 0-byte result,
 *       a pread entirely past end of file (with P = N the first one).  Only
 *       the bytes read are verified in the buffer (a direct read may zero
 *       the buffer beyond end of file before it reports the short count).
 * --then-fault  after the measured I/O and before any verification, pread
 *       file page 0 through a second, buffered fd into a fresh, unfaulted
 *       mapping of that page (--map decides which kind): a kernel-mode page
 *       fault on a mapping of FILE, in a system call that does no direct I/O.
 *       The page is verified.
 * --aio  the measured I/O goes through Linux AIO (io_submit, then
 *       io_getevents for its one result) instead of pread/pwrite: with
 *       --direct an asynchronous iocb, which iomap may queue (-EIOCBQUEUED)
 *       and complete elsewhere, in a system call that is no read or write.
 *
 * Output (unless -q), one line per invocation, totals over all K runs:
 *   fl-mmapio: op=read direct=1 buf=half map=shared pages=8 bytes=32768 calls=1 ok
 * calls = number of pread/pwrite syscalls issued (in-kernel retries and
 * buffered fallbacks are invisible here).  Errors: one line on stderr, exit 1;
 * usage errors exit 2.  FILE is unlinked at the end unless --keep.
 * README.md lists what each case does on btrfs, ext4 and xfs.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <linux/aio_abi.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <unistd.h>

#define PROG "fl-mmapio"
#include "wl.h"
#define MAX_PAGES 65536

enum op { OP_READ, OP_WRITE };
enum buf { BUF_SAME, BUF_HALF, BUF_HOLE, BUF_ANON, BUF_RESIDENT };

static const char *const op_names[] = { "read", "write" };
static const char *const buf_names[] = { "same", "half", "hole", "anon", "resident" };

static struct {
	enum op op;
	enum buf buf;
	int direct;
	int shared;
	long pages;
	long repeat;
	int keep;
	int quiet;
	int uncached;
	long eof;
	int then_fault;
	int aio;
	const char *path;
} cfg = {
	.op = OP_READ,
	.buf = BUF_SAME,
	.pages = 8,
	.repeat = 1,
};

static size_t ps;
static const char *cleanup_path; /* unlinked on error unless --keep */

static void wl_cleanup(void)
{
	if (cleanup_path && !cfg.keep)
		unlink(cleanup_path);
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--op read|write] [--direct] [--buf same|half|hole|anon|resident]\n"
		"                 [--map private|shared] [--pages N] [--repeat K] [--keep] [--uncached]\n"
		"                 [--eof P] [--then-fault] [--aio] [-q] FILE\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "op", required_argument, NULL, 'o' },
		{ "direct", no_argument, NULL, 'd' },
		{ "buf", required_argument, NULL, 'b' },
		{ "map", required_argument, NULL, 'm' },
		{ "pages", required_argument, NULL, 'n' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "keep", no_argument, NULL, 'k' },
		{ "uncached", no_argument, NULL, 'u' },
		{ "eof", required_argument, NULL, 'e' },
		{ "then-fault", no_argument, NULL, 't' },
		{ "aio", no_argument, NULL, 'a' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* report errors in our own format */
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'o':
			if (!strcmp(optarg, "read"))
				cfg.op = OP_READ;
			else if (!strcmp(optarg, "write"))
				cfg.op = OP_WRITE;
			else
				usage_error("invalid --op '%s' (read|write)", optarg);
			break;
		case 'd':
			cfg.direct = 1;
			break;
		case 'b':
			if (!strcmp(optarg, "same"))
				cfg.buf = BUF_SAME;
			else if (!strcmp(optarg, "half"))
				cfg.buf = BUF_HALF;
			else if (!strcmp(optarg, "hole"))
				cfg.buf = BUF_HOLE;
			else if (!strcmp(optarg, "anon"))
				cfg.buf = BUF_ANON;
			else if (!strcmp(optarg, "resident"))
				cfg.buf = BUF_RESIDENT;
			else
				usage_error("invalid --buf '%s' (same|half|hole|anon|resident)", optarg);
			break;
		case 'm':
			if (!strcmp(optarg, "private"))
				cfg.shared = 0;
			else if (!strcmp(optarg, "shared"))
				cfg.shared = 1;
			else
				usage_error("invalid --map '%s' (private|shared)", optarg);
			break;
		case 'n':
			cfg.pages = parse_long(optarg, "--pages");
			if (cfg.pages < 2 || cfg.pages % 2 || cfg.pages > MAX_PAGES)
				usage_error("--pages must be even, >= 2 and <= %d", MAX_PAGES);
			break;
		case 'r':
			cfg.repeat = parse_long(optarg, "--repeat");
			if (cfg.repeat < 1)
				usage_error("--repeat must be >= 1");
			break;
		case 'k':
			cfg.keep = 1;
			break;
		case 'u':
			cfg.uncached = 1;
			break;
		case 'e':
			cfg.eof = parse_long(optarg, "--eof");
			if (cfg.eof < 1)
				usage_error("--eof must be >= 1");
			break;
		case 't':
			cfg.then_fault = 1;
			break;
		case 'a':
			cfg.aio = 1;
			break;
		case 'q':
			cfg.quiet = 1;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case ':':
			usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt)
				usage_error("invalid option '-%c'", optopt);
			usage_error("invalid option '%s'", argv[optind - 1]);
		}
	}
	if (optind != argc - 1)
		usage_error(optind >= argc ? "missing FILE" : "too many arguments");
	/* A file mapping in the buffer would take the zeros a direct read may
	 * write beyond end of file: only anonymous buffers keep the model exact. */
	if (cfg.eof && (cfg.op != OP_READ || (cfg.buf != BUF_ANON && cfg.buf != BUF_RESIDENT)))
		usage_error("--eof needs --op read and --buf anon or resident");
	if (cfg.eof > cfg.pages)
		usage_error("--eof must be <= --pages");
	cfg.path = argv[optind];
}

/* Full-length buffered pwrite used to set up the file (not the measured I/O). */
static void write_all(int fd, const uint8_t *p, size_t len, off_t off, const char *what)
{
	while (len) {
		ssize_t r = pwrite(fd, p, len, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("%s: pwrite %s", what, cfg.path);
		}
		if (r == 0)
			die("%s: pwrite %s: wrote 0 bytes", what, cfg.path);
		p += r;
		len -= (size_t)r;
		off += r;
	}
}

static void read_all(int fd, uint8_t *p, size_t len, off_t off, const char *what)
{
	while (len) {
		ssize_t r = pread(fd, p, len, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("%s: pread %s", what, cfg.path);
		}
		if (r == 0)
			die("%s: pread %s: unexpected end of file at offset %lld",
			    what, cfg.path, (long long)off);
		p += r;
		len -= (size_t)r;
		off += r;
	}
}

/* --aio: one pread/pwrite as an iocb, submitted and reaped (-1 and errno
 * on failure, as the calls it stands for). */
static ssize_t aio_rw(int fd, void *p, size_t len, off_t off)
{
	static aio_context_t ctx;
	struct iocb cb = {
		.aio_lio_opcode = cfg.op == OP_READ ? IOCB_CMD_PREAD : IOCB_CMD_PWRITE,
		.aio_fildes = (uint32_t)fd,
		.aio_buf = (uint64_t)(uintptr_t)p,
		.aio_nbytes = len,
		.aio_offset = off,
	};
	struct iocb *cbp = &cb;
	struct io_event ev;
	long n;

	if (!ctx && syscall(__NR_io_setup, 1, &ctx) < 0)
		die_errno("io_setup");
	if (syscall(__NR_io_submit, ctx, 1, &cbp) != 1)
		return -1;
	do
		n = syscall(__NR_io_getevents, ctx, 1, 1, &ev, NULL);
	while (n < 0 && errno == EINTR);
	if (n != 1)
		die_errno("io_getevents");
	if (ev.res < 0) {
		errno = (int)-ev.res;
		return -1;
	}
	return (ssize_t)ev.res;
}

static void *map_or_die(void *addr, size_t len, int flags, int fd, off_t off, const char *what)
{
	void *p = mmap(addr, len, PROT_READ | PROT_WRITE, flags, fd, off);

	if (p == MAP_FAILED)
		die_errno("mmap %s", what);
	return p;
}

static void compare(const uint8_t *got, const uint8_t *want, size_t len,
		    const char *what, off_t base)
{
	const uint8_t *g = got;

	for (size_t i = 0; i < len; i++, g++) {
		if (*g != want[i])
			die("verify %s: data mismatch at offset %lld (page %lld): got 0x%02x, want 0x%02x",
			    what, (long long)(base + (off_t)i), (long long)((base + (off_t)i) / (off_t)ps),
			    *g, want[i]);
	}
}

struct run_result {
	size_t bytes;
	long calls;
};

/*
 * One complete run.  The model arrays hold: the initial file content (f0),
 * the expected final file content (f1), the user buffer before the I/O (b0,
 * i.e. what a write must store) and the expected buffer after a read (b1).
 */
static struct run_result run_once(long seed)
{
	const size_t n = (size_t)cfg.pages, h = n / 2, len = n * ps, flen = 2 * len;
	/* The file's real size, and what the measured read gets of len. */
	const size_t fsize = flen - (size_t)cfg.eof * ps, want = len - (size_t)cfg.eof * ps;
	uint8_t *f0, *f1, *b0, *b1, *chk, *buf, *p;
	/* Which file page (or -1: anonymous) each buffer page maps. */
	long *bmap;
	int fd, vfd, flags, mflags;
	off_t io_off;
	size_t done = 0;
	struct run_result res = { 0, 0 };
	struct stat st;

	f0 = malloc(flen);
	f1 = malloc(flen);
	b0 = malloc(len);
	b1 = malloc(len);
	chk = malloc(flen);
	bmap = calloc(n, sizeof(*bmap));
	if (!f0 || !f1 || !b0 || !b1 || !chk || !bmap)
		die_errno("malloc");
	/*
	 * Make the verification buffer resident now, so that the only
	 * kernel-mode page faults of a run are those of the measured I/O.
	 */
	memset(chk, 0, flen);

	/* Initial file content. */
	for (size_t i = 0; i < flen; i++)
		f0[i] = (cfg.buf == BUF_HOLE && i < len) ? 0 : pat(i, (uint64_t)seed);

	/* 1. create/truncate and fill, fsync, close. */
	fd = open(cfg.path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0)
		die_errno("create %s", cfg.path);
	cleanup_path = cfg.path;
	if (cfg.buf == BUF_HOLE) {
		/* Pages [0,N) stay a hole: only [N,2N) is written. */
		write_all(fd, f0 + len, len, (off_t)len, "fill");
	} else {
		write_all(fd, f0, fsize, 0, "fill");
	}
	if (fsync(fd) < 0)
		die_errno("fsync %s", cfg.path);
	/*
	 * --uncached: drop the file's pages from the page cache, so a fault on
	 * its mapping must go through the filesystem's ->fault (fault-around
	 * maps cached pages without it). generic/647 gets the same by filling
	 * with O_DIRECT.
	 */
	if (cfg.uncached && posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED))
		die_errno("posix_fadvise %s", cfg.path);
	if (close(fd) < 0)
		die_errno("close %s", cfg.path);

	/* 2. reopen with the flags of the operation. */
	flags = O_RDWR | (cfg.direct ? O_DIRECT : 0);
	fd = open(cfg.path, flags);
	if (fd < 0)
		die_errno("open %s%s", cfg.path, cfg.direct ? " with O_DIRECT" : "");

	/* 3. the user buffer: bmap[j] = file page mapped at buffer page j. */
	for (size_t j = 0; j < n; j++)
		bmap[j] = -1;
	switch (cfg.buf) {
	case BUF_SAME:
		for (size_t j = 0; j < n; j++)
			bmap[j] = (long)(cfg.op == OP_READ ? j : n + j);
		break;
	case BUF_HALF:
		for (size_t j = h; j < n; j++)
			bmap[j] = (long)(cfg.op == OP_READ ? j : n + j);
		break;
	case BUF_HOLE:
		for (size_t j = 0; j < n; j++)
			bmap[j] = (long)j;
		break;
	case BUF_ANON:
	case BUF_RESIDENT:
		break;
	}

	mflags = cfg.shared ? MAP_SHARED : MAP_PRIVATE;
	if (cfg.buf == BUF_SAME || cfg.buf == BUF_HOLE) {
		buf = map_or_die(NULL, len, mflags, fd, (off_t)((size_t)bmap[0] * ps),
				 "file mapping");
	} else {
		buf = map_or_die(NULL, len, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0,
				 "anonymous buffer");
		if (cfg.buf == BUF_HALF || cfg.buf == BUF_RESIDENT) {
			/* Make the first half (all of it) resident, not the zero page. */
			size_t rlen = cfg.buf == BUF_HALF ? h * ps : len;

			if (cfg.op == OP_WRITE) {
				for (size_t i = 0; i < rlen; i++)
					buf[i] = f0[n * ps + i];
			} else {
				memset(buf, 0xee, rlen);
			}
		}
		if (cfg.buf == BUF_HALF) {
			p = map_or_die(buf + h * ps, h * ps, mflags | MAP_FIXED, fd,
				       (off_t)((size_t)bmap[h] * ps), "file mapping (MAP_FIXED)");
			if (p != buf + h * ps)
				die("mmap MAP_FIXED: got %p, want %p", (void *)p,
				    (void *)(buf + h * ps));
		}
	}

	/* Model: buffer before the I/O (what a write stores). */
	for (size_t j = 0; j < n; j++) {
		uint8_t *dst = b0 + j * ps;

		if (bmap[j] >= 0)
			memcpy(dst, f0 + (size_t)bmap[j] * ps, ps);
		else if ((cfg.buf == BUF_HALF || cfg.buf == BUF_RESIDENT) && cfg.op == OP_WRITE)
			memcpy(dst, f0 + (n + j) * ps, ps);
		else if (cfg.buf == BUF_HALF || cfg.buf == BUF_RESIDENT)
			memset(dst, 0xee, ps);
		else
			memset(dst, 0, ps); /* untouched anonymous memory */
	}

	/* Model: the I/O. */
	memcpy(f1, f0, flen);
	if (cfg.op == OP_READ) {
		io_off = (cfg.buf == BUF_HOLE && cfg.direct) ? 0 : (off_t)len;
		memcpy(b1, f0 + io_off, len);
		/* A read into a shared file mapping stores into the file. */
		for (size_t j = 0; cfg.shared && j < n; j++)
			if (bmap[j] >= 0)
				memcpy(f1 + (size_t)bmap[j] * ps, b1 + j * ps, ps);
	} else {
		io_off = cfg.buf == BUF_HOLE ? (off_t)len : 0;
		memcpy(f1 + io_off, b0, len);
	}

	/* 4. the measured I/O: loop on short transfers, retry EINTR. */
	while (done < len) {
		ssize_t r;

		if (cfg.aio)
			r = aio_rw(fd, buf + done, len - done, io_off + (off_t)done);
		else if (cfg.op == OP_READ)
			r = pread(fd, buf + done, len - done, io_off + (off_t)done);
		else
			r = pwrite(fd, buf + done, len - done, io_off + (off_t)done);
		res.calls++;
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("%s %s%s at offset %lld (%zu of %zu bytes done)",
				  cfg.op == OP_READ ? "pread" : "pwrite", cfg.path,
				  cfg.direct ? " (O_DIRECT)" : "",
				  (long long)(io_off + (off_t)done), done, len);
		}
		if (r == 0 && cfg.eof)
			break;	/* end of file */
		if (r == 0)
			die("%s %s%s at offset %lld: no progress (%zu of %zu bytes done)",
			    cfg.op == OP_READ ? "pread" : "pwrite", cfg.path,
			    cfg.direct ? " (O_DIRECT)" : "",
			    (long long)(io_off + (off_t)done), done, len);
		done += (size_t)r;
	}
	if (done != want)
		die("pread %s%s: end of file after %zu bytes, want %zu", cfg.path,
		    cfg.direct ? " (O_DIRECT)" : "", done, want);
	res.bytes = done;

	/* 4b. --then-fault: a buffered read into a fresh mapping of the file. */
	if (cfg.then_fault) {
		int tfd = open(cfg.path, O_RDONLY);
		uint8_t *m;

		if (tfd < 0)
			die_errno("open %s for --then-fault", cfg.path);
		m = map_or_die(NULL, ps, mflags, fd, 0, "file mapping (--then-fault)");
		read_all(tfd, m, ps, 0, "then-fault");
		compare(m, f1, ps, "then-fault page", 0);
		if (munmap(m, ps) < 0)
			die_errno("munmap");
		close(tfd);
	}

	/* 5. verify: the buffer after a read, the whole file via a buffered fd. */
	if (cfg.op == OP_READ)
		compare(buf, b1, done, "read buffer", 0);
	vfd = open(cfg.path, O_RDONLY);
	if (vfd < 0)
		die_errno("open %s for verification", cfg.path);
	if (fstat(vfd, &st) < 0)
		die_errno("fstat %s", cfg.path);
	if ((size_t)st.st_size != fsize)
		die("verify %s: size is %lld, want %zu", cfg.path, (long long)st.st_size, fsize);
	read_all(vfd, chk, fsize, 0, "verify");
	compare(chk, f1, fsize, "file content", 0);
	close(vfd);

	/* 6. tear down: the next run gets a fresh, unfaulted mapping. */
	if (munmap(buf, len) < 0)
		die_errno("munmap");
	if (close(fd) < 0)
		die_errno("close %s", cfg.path);
	free(f0);
	free(f1);
	free(b0);
	free(b1);
	free(chk);
	free(bmap);
	return res;
}

int main(int argc, char **argv)
{
	long sz;
	size_t bytes = 0;
	long calls = 0;

	parse_args(argc, argv);
	sz = sysconf(_SC_PAGESIZE);
	if (sz <= 0)
		die_errno("sysconf(_SC_PAGESIZE)");
	ps = (size_t)sz;

	for (long k = 0; k < cfg.repeat; k++) {
		struct run_result r = run_once(k);

		bytes += r.bytes;
		calls += r.calls;
	}

	if (!cfg.keep && unlink(cfg.path) < 0)
		die_errno("unlink %s", cfg.path);
	if (!cfg.quiet) {
		printf(PROG ": op=%s direct=%d buf=%s map=%s pages=%ld bytes=%zu calls=%ld ok\n",
		       op_names[cfg.op], cfg.direct, buf_names[cfg.buf],
		       cfg.shared ? "shared" : "private", cfg.pages, bytes, calls);
		if (fflush(stdout) == EOF)
			die_errno("write stdout");
	}
	return 0;
}
