// SPDX-License-Identifier: GPL-2.0
/*
 * fl-abba - two processes, two files: each one does I/O on its own file with
 * a user buffer that is an unfaulted mmap of the other file.  On gfs2 before
 * Linux 5.16 that takes the two inode glocks in opposite orders (the AB-BA
 * inversion faultlock's lock_order / deadlock detectors look for): run one
 * after the other it only inverts the order, run at the same moment the two
 * processes hang in the glock wait for good.
 *
 *   fl-abba [--mode sequential|together] [--op write|read] [--map private|shared]
 *           [--pages N] [--lead K] [--repeat R] [--cached] [--direct]
 *           [--timeout SECS] [--keep] [-q] DIR
 *
 * ps = page size, N = --pages (>= 1), K = --lead (>= 0), D = K + N,
 * F = D + N.  DIR (made if missing) gets abba-a (A) and abba-b (B), F pages each; "data" is
 * a position-dependent byte pattern, different in every page of each file.
 *
 * Each of the R runs (--repeat) does, from scratch:
 *   1. the parent creates/truncates A and B, writes their data, fsyncs and
 *      closes them;
 *   2. two children are forked: child 1 ("ab") works on T = A with a buffer
 *      mapping O = B, child 2 ("ba") on T = B with a buffer mapping O = A.
 *      Before each fork (together: before both) the parent fsyncs A and B
 *      and drops their pages from the page cache (POSIX_FADV_DONTNEED; not
 *      with --cached).  Each child opens T and O and builds a D-page buffer:
 *      pages [0,K) anonymous and made resident, pages [K,D) a fresh (so
 *      unfaulted) mapping of O's pages [D,F) (MAP_FIXED over the anonymous
 *      reservation); it warns on stderr if mincore() still finds some of
 *      those pages in the page cache;
 *   3. the children start (see --mode) and do the I/O, looping on
 *      short transfers and EINTR:
 *        write: pwrite(T, buf, D*ps, 0): T[0,K) = the resident lead pages,
 *               T[K,D) = O[D,F) copied through the unfaulted mapping;
 *        read:  pread(T, buf, D*ps, 0) into the buffer; with --map shared the
 *               copy into the mapping also stores T[K,D) into O[D,F);
 *   4. each child verifies its result against a model (write: the whole of
 *      T; read: the buffer and the whole of O) through a second fd, and
 *      exits 0, or 1 after one line on stderr.
 * A child only ever modifies one file, in a range the other child does not
 * access, so the expected content does not depend on the interleaving.
 *
 * --mode sequential (default): child 2 is forked after child 1 has exited
 *   (so child 2 drops the pages child 1 wrote before it starts).
 * --mode together: the children are pinned to two different CPUs (the first
 *   two this process may use; not pinned if it may use only one), set up
 *   (mappings created, caches dropped), then meet at a spinning barrier in
 *   shared memory, so both start their I/O within microseconds of each
 *   other.  (Waking them from a pipe let one child run its whole write up
 *   to ~50 ms before the other under QEMU TCG: the scheduler put both on the
 *   same CPU.)  A child waits at most 60 s there for the other one.
 *
 * What gfs2 5.10 does (fixed kernels, 6.1+, never fault with a glock held):
 *   write: gfs2_file_buffered_write holds T's inode glock EX while
 *     iomap_write_actor copies page by page; the resident lead pages are
 *     copied first, then fault_in_readable faults on the mapping of O:
 *     gfs2_fault requests O's glock SH.  Together: each holds its T EX and
 *     waits for the other's SH: deadlock.  --lead K makes the time between
 *     taking T's glock and the fault (copying K pages) long enough that both
 *     children hold their glock before either faults.
 *     Only a real ->fault takes the glock: fault-around (filemap_map_pages)
 *     maps pages already in the page cache without it, hence the cache drop;
 *     --cached keeps the pages (control: then nothing waits).
 *   read: gfs2_file_read_iter holds T's glock SH across the copy to user;
 *     a write fault on the mapping of O calls gfs2_fault (O SH) and, for
 *     --map shared, gfs2_page_mkwrite (O EX): together, each holds T SH and
 *     waits for O EX: deadlock.  With --map private the fault is a COW,
 *     only SH/SH: an order inversion of compatible modes, never a deadlock.
 *   (For write, --map does not matter: the faults on O are read faults.)
 *
 * --direct (with --op read and --map private only): T is read with O_DIRECT
 *   and the buffer's pages [K,D) map O[K,D) -- the range the other child's
 *   direct read of O covers.  On btrfs before the fix (5.10) a direct read
 *   holds T[0,D)'s extent lock while it pins the buffer; the COW fault on
 *   the mapping of O reads O's page in, which takes O's extent lock: held
 *   by the other child's direct read.  Together: each holds its T's range
 *   and waits for the other's, for good (the btrfs AB-BA).  One after the
 *   other: an order inversion only.
 *
 * Output (unless -q), one line per invocation:
 *   fl-abba: mode=together op=write map=private pages=16 lead=256 cached=0 runs=1 ok
 * Exit 0: all runs completed and verified; 1: I/O error, data mismatch or
 * a child died (one line on stderr each); 2: usage error; 3: a child was
 * still running --timeout SECS after its fork (default 0: wait forever;
 * one line on stderr with each such child's pid, /proc state and wchan; the
 * children and the files are left as they are: a task blocked in a glock
 * wait cannot be killed, and unlinking the files would block as well).
 * A and B are unlinked at the end unless --keep or a timeout.
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
#include <sched.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define PROG "fl-abba"
#include "wl.h"
#define MAX_PAGES 65536

enum mode { MODE_SEQUENTIAL, MODE_TOGETHER };
enum op { OP_WRITE, OP_READ };

static const char *const mode_names[] = { "sequential", "together" };
static const char *const op_names[] = { "write", "read" };

static struct {
	enum mode mode;
	enum op op;
	int shared;
	long pages;
	long lead;
	long repeat;
	int cached;
	int direct;
	long timeout;
	int keep;
	int quiet;
	const char *dir;
} cfg = {
	.mode = MODE_SEQUENTIAL,
	.op = OP_WRITE,
	.pages = 16,
	.lead = 256,
	.repeat = 1,
};

static size_t ps;
static char path_a[4096], path_b[4096];
static int in_child;   /* children never unlink */
static int files_made; /* unlinked on error unless --keep */
static int *barrier;   /* --mode together: children arrived, shared */
static int cpus[2] = { -1, -1 }; /* --mode together: where to pin them */

static void wl_cleanup(void)
{
	if (!in_child && files_made && !cfg.keep) {
		unlink(path_a);
		unlink(path_b);
	}
}

static void usage(FILE *f)
{
	fprintf(f,
		"usage: " PROG " [--mode sequential|together] [--op write|read] [--map private|shared]\n"
		"               [--pages N] [--lead K] [--repeat R] [--cached] [--direct]\n"
		"               [--timeout SECS] [--keep] [-q] DIR\n");
}

static void parse_args(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "mode", required_argument, NULL, 'M' },
		{ "op", required_argument, NULL, 'o' },
		{ "map", required_argument, NULL, 'm' },
		{ "pages", required_argument, NULL, 'n' },
		{ "lead", required_argument, NULL, 'l' },
		{ "repeat", required_argument, NULL, 'r' },
		{ "cached", no_argument, NULL, 'c' },
		{ "direct", no_argument, NULL, 'd' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep", no_argument, NULL, 'k' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	opterr = 0; /* report errors in our own format */
	while ((c = getopt_long(argc, argv, ":qh", longopts, NULL)) != -1) {
		switch (c) {
		case 'M':
			if (!strcmp(optarg, "sequential"))
				cfg.mode = MODE_SEQUENTIAL;
			else if (!strcmp(optarg, "together"))
				cfg.mode = MODE_TOGETHER;
			else
				usage_error("invalid --mode '%s' (sequential|together)", optarg);
			break;
		case 'o':
			if (!strcmp(optarg, "write"))
				cfg.op = OP_WRITE;
			else if (!strcmp(optarg, "read"))
				cfg.op = OP_READ;
			else
				usage_error("invalid --op '%s' (write|read)", optarg);
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
			if (cfg.pages < 1 || cfg.pages > MAX_PAGES)
				usage_error("--pages must be >= 1 and <= %d", MAX_PAGES);
			break;
		case 'l':
			cfg.lead = parse_long(optarg, "--lead");
			if (cfg.lead < 0 || cfg.lead > MAX_PAGES)
				usage_error("--lead must be >= 0 and <= %d", MAX_PAGES);
			break;
		case 'r':
			cfg.repeat = parse_long(optarg, "--repeat");
			if (cfg.repeat < 1)
				usage_error("--repeat must be >= 1");
			break;
		case 'c':
			cfg.cached = 1;
			break;
		case 'd':
			cfg.direct = 1;
			break;
		case 't':
			cfg.timeout = parse_long(optarg, "--timeout");
			if (cfg.timeout < 0)
				usage_error("--timeout must be >= 0 (0: wait forever)");
			break;
		case 'k':
			cfg.keep = 1;
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
		usage_error(optind >= argc ? "missing DIR" : "too many arguments");
	if (cfg.direct && (cfg.op != OP_READ || cfg.shared))
		usage_error("--direct needs --op read and --map private");
	cfg.dir = argv[optind];
	if ((size_t)snprintf(path_a, sizeof(path_a), "%s/abba-a", cfg.dir) >= sizeof(path_a) ||
	    (size_t)snprintf(path_b, sizeof(path_b), "%s/abba-b", cfg.dir) >= sizeof(path_b))
		usage_error("DIR is too long");
}

static void write_all(int fd, const uint8_t *p, size_t len, off_t off, const char *path)
{
	while (len) {
		ssize_t r = pwrite(fd, p, len, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("fill: pwrite %s", path);
		}
		if (r == 0)
			die("fill: pwrite %s: wrote 0 bytes", path);
		p += r;
		len -= (size_t)r;
		off += r;
	}
}

static void read_all(int fd, uint8_t *p, size_t len, const char *path)
{
	off_t off = 0;

	while (len) {
		ssize_t r = pread(fd, p, len, off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("verify: pread %s", path);
		}
		if (r == 0)
			die("verify: pread %s: unexpected end of file at offset %lld", path,
			    (long long)off);
		p += r;
		len -= (size_t)r;
		off += r;
	}
}

static void compare(const uint8_t *got, const uint8_t *want, size_t len, const char *what)
{
	for (size_t i = 0; i < len; i++) {
		if (got[i] != want[i])
			die("verify %s: data mismatch at offset %zu (page %zu): got 0x%02x, want 0x%02x",
			    what, i, i / ps, got[i], want[i]);
	}
}

/* Seeds of run k: file A, file B, lead pages of child 1 and child 2. */
static uint64_t seed_of(long k, int which)
{
	return (uint64_t)k * 4 + (uint64_t)which + 1;
}

static void fill(uint8_t *p, size_t len, uint64_t seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = pat(i, seed);
}

static void make_file(const char *path, uint64_t seed, size_t flen)
{
	uint8_t *data = malloc(flen);
	int fd;

	if (!data)
		die_errno("malloc");
	fill(data, flen, seed);
	fd = open(path, O_CREAT | O_TRUNC | O_RDWR, 0644);
	if (fd < 0)
		die_errno("create %s", path);
	files_made = 1;
	write_all(fd, data, flen, 0, path);
	if (fsync(fd) < 0)
		die_errno("fsync %s", path);
	if (close(fd) < 0)
		die_errno("close %s", path);
	free(data);
}

/*
 * Write back and drop the pages of A and B, so that a fault on a mapping of
 * them reaches ->fault (the parent, before forking: a child doing it could
 * race with the other child's fsync and leave pages behind).
 */
static void drop_caches(void)
{
	const char *paths[2] = { path_a, path_b };

	if (cfg.cached)
		return;
	for (int i = 0; i < 2; i++) {
		int fd = open(paths[i], O_RDWR), err;

		if (fd < 0)
			die_errno("open %s", paths[i]);
		if (fsync(fd) < 0)
			die_errno("fsync %s", paths[i]);
		err = posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
		if (err) {
			errno = err;
			die_errno("posix_fadvise %s", paths[i]);
		}
		close(fd);
	}
}

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#endif
}

/* --mode together: wait, spinning, until both children have arrived. */
static void meet(const char *what)
{
	long long deadline = now_ms() + 60 * 1000;
	unsigned long spins = 0;

	__atomic_add_fetch(barrier, 1, __ATOMIC_SEQ_CST);
	while (__atomic_load_n(barrier, __ATOMIC_ACQUIRE) < 2) {
		if (cpus[1] < 0)
			sched_yield(); /* not pinned: maybe one CPU for both */
		else
			cpu_relax();
		if (++spins % (1UL << 20) == 0 && now_ms() > deadline)
			die("%s: the other child did not reach the barrier within 60 s", what);
	}
}

/* Child c (0: "ab", T = A, O = B; 1: "ba", T = B, O = A) of run k. */
static void __attribute__((noreturn)) child(int c, long k)
{
	const size_t n = (size_t)cfg.pages, kl = (size_t)cfg.lead, d = kl + n, f = d + n;
	const size_t len = d * ps, flen = f * ps;
	const char *tpath = c ? path_b : path_a, *opath = c ? path_a : path_b, *vpath;
	const uint64_t tseed = seed_of(k, c), oseed = seed_of(k, !c), lseed = seed_of(k, 2 + c);
	uint8_t *t0, *o0, *want, *chk, *buf, *p;
	unsigned char *vec;
	int tfd, ofd, vfd;
	size_t done = 0, resident = 0;
	char what[64];
	ssize_t r;

	in_child = 1;
	snprintf(what, sizeof(what), "child %d (%s)", c + 1, c ? "ba" : "ab");
	if (cfg.mode == MODE_TOGETHER && cpus[1] >= 0) {
		cpu_set_t set;

		CPU_ZERO(&set);
		CPU_SET(cpus[c], &set);
		if (sched_setaffinity(0, sizeof(set), &set) < 0)
			die_errno("%s: sched_setaffinity CPU %d", what, cpus[c]);
	}
	t0 = malloc(flen);
	o0 = malloc(flen);
	want = malloc(flen);
	chk = malloc(flen);
	vec = malloc(n);
	if (!t0 || !o0 || !want || !chk || !vec)
		die_errno("%s: malloc", what);
	fill(t0, flen, tseed);
	fill(o0, flen, oseed);
	/* Resident now: the only kernel-mode faults are those of the I/O. */
	memset(chk, 0, flen);

	tfd = open(tpath, cfg.direct ? O_RDWR | O_DIRECT : O_RDWR);
	if (tfd < 0)
		die_errno("%s: open %s", what, tpath);
	ofd = open(opath, O_RDWR);
	if (ofd < 0)
		die_errno("%s: open %s", what, opath);

	/* The buffer: K resident anonymous pages, then O[D,F) unfaulted. */
	buf = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (buf == MAP_FAILED)
		die_errno("%s: mmap anonymous buffer", what);
	if (cfg.op == OP_WRITE)
		fill(buf, kl * ps, lseed);
	else
		memset(buf, 0xee, kl * ps);
	p = mmap(buf + kl * ps, n * ps, PROT_READ | PROT_WRITE,
		 (cfg.shared ? MAP_SHARED : MAP_PRIVATE) | MAP_FIXED, ofd,
		 (off_t)(cfg.direct ? kl * ps : len));
	if (p == MAP_FAILED)
		die_errno("%s: mmap %s", what, opath);
	if (p != buf + kl * ps)
		die("%s: mmap MAP_FIXED: got %p, want %p", what, (void *)p, (void *)(buf + kl * ps));
	if (mincore(p, n * ps, vec) < 0)
		die_errno("%s: mincore", what);
	for (size_t j = 0; j < n; j++)
		resident += vec[j] & 1;
	if (resident && !cfg.cached)
		fprintf(stderr, PROG ": warning: %s: %zu of %zu pages of %s still cached;"
			" fault-around maps them without the glock\n", what, resident, n, opath);

	if (cfg.mode == MODE_TOGETHER)
		meet(what);

	/* The I/O. */
	while (done < len) {
		if (cfg.op == OP_READ)
			r = pread(tfd, buf + done, len - done, (off_t)done);
		else
			r = pwrite(tfd, buf + done, len - done, (off_t)done);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			die_errno("%s: %s %s at offset %zu (%zu of %zu bytes done)", what,
				  cfg.op == OP_READ ? "pread" : "pwrite", tpath, done, done, len);
		}
		if (r == 0)
			die("%s: %s %s at offset %zu: no progress (%zu of %zu bytes done)", what,
			    cfg.op == OP_READ ? "pread" : "pwrite", tpath, done, done, len);
		done += (size_t)r;
	}

	/* Verify: write: T; read: the buffer, then O. */
	if (cfg.op == OP_WRITE) {
		memcpy(want, t0, flen);
		fill(want, kl * ps, lseed);
		memcpy(want + kl * ps, o0 + len, n * ps);
	} else {
		compare(buf, t0, len, c ? "read buffer of child 2" : "read buffer of child 1");
		memcpy(want, o0, flen);
		if (cfg.shared)
			memcpy(want + len, t0 + kl * ps, n * ps);
	}
	vpath = cfg.op == OP_WRITE ? tpath : opath;
	vfd = open(vpath, O_RDONLY);
	if (vfd < 0)
		die_errno("%s: open %s for verification", what, vpath);
	read_all(vfd, chk, flen, vpath);
	compare(chk, want, flen, vpath);
	exit(0);
}

/* --timeout counts from the fork of the children (sequential: of each). */
static long long deadline_ms(void)
{
	return cfg.timeout ? now_ms() + cfg.timeout * 1000LL : 0;
}

/* "state <S> wchan <symbol>" of a live child, from /proc. */
static void task_state(pid_t pid, char *out, size_t outlen)
{
	char path[64], line[512], wchan[128] = "?", state = '?';
	const char *rp;
	FILE *f;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(line, sizeof(line), f) && (rp = strrchr(line, ')')) && rp[1] == ' ')
			state = rp[2];
		fclose(f);
	}
	snprintf(path, sizeof(path), "/proc/%d/wchan", (int)pid);
	f = fopen(path, "r");
	if (f) {
		if (fgets(wchan, sizeof(wchan), f))
			wchan[strcspn(wchan, "\n")] = 0;
		fclose(f);
	}
	snprintf(out, outlen, "state %c wchan %s", state, wchan[0] ? wchan : "0");
}

static pid_t spawn(int c, long k)
{
	pid_t pid;

	fflush(NULL);
	pid = fork();
	if (pid < 0)
		die_errno("fork");
	if (pid == 0)
		child(c, k);
	return pid;
}

/*
 * Wait for the children of run k, pids[i] being child first + i; pids[i] = 0
 * once reaped.  Returns 0 when all exited 0, 1 on a failure (reported by the
 * child, or here if it was killed), 3 on a timeout (reported).
 */
static int wait_children(pid_t *pids, int count, int first, long long deadline, long k)
{
	int live = 0, bad = 0, status;
	char msg[1024];
	size_t m;

	for (int i = 0; i < count; i++)
		live += pids[i] != 0;
	while (live) {
		for (int i = 0; i < count; i++) {
			pid_t r;

			if (!pids[i])
				continue;
			r = waitpid(pids[i], &status, deadline ? WNOHANG : 0);
			if (r < 0 && errno == EINTR)
				continue;
			if (r < 0)
				die_errno("waitpid");
			if (r == 0)
				continue;
			pids[i] = 0;
			live--;
			if (WIFSIGNALED(status)) {
				fprintf(stderr, PROG ": child %d of run %ld killed by signal %d\n",
					first + i, k + 1, WTERMSIG(status));
				bad = 1;
			} else if (WEXITSTATUS(status)) {
				bad = 1; /* it said why */
			}
		}
		if (!live)
			break;
		if (deadline && now_ms() >= deadline) {
			const char *sep = "";

			m = (size_t)snprintf(msg, sizeof(msg),
					     PROG ": run %ld hung: still running after %ld s:", k + 1,
					     cfg.timeout);
			for (int i = 0; i < count && m < sizeof(msg); i++) {
				char st[160];

				if (!pids[i])
					continue;
				task_state(pids[i], st, sizeof(st));
				m += (size_t)snprintf(msg + m, sizeof(msg) - m, "%s child %d pid %d %s",
						      sep, first + i, (int)pids[i], st);
				sep = ",";
			}
			fprintf(stderr, "%s\n", msg);
			return 3;
		}
		if (deadline) {
			struct timespec ts = { 0, 10 * 1000 * 1000 };

			nanosleep(&ts, NULL);
		}
	}
	return bad;
}

int main(int argc, char **argv)
{
	long sz;
	size_t flen;

	parse_args(argc, argv);
	sz = sysconf(_SC_PAGESIZE);
	if (sz <= 0)
		die_errno("sysconf(_SC_PAGESIZE)");
	ps = (size_t)sz;
	if (mkdir(cfg.dir, 0755) && errno != EEXIST)	/* made if missing, like the other workloads' files */
		die_errno("mkdir %s", cfg.dir);
	flen = (size_t)(cfg.lead + 2 * cfg.pages) * ps;
	if (cfg.mode == MODE_TOGETHER) {
		cpu_set_t set;
		int found = 0;

		barrier = mmap(NULL, sizeof(*barrier), PROT_READ | PROT_WRITE,
			       MAP_SHARED | MAP_ANONYMOUS, -1, 0);
		if (barrier == MAP_FAILED)
			die_errno("mmap barrier");
		if (sched_getaffinity(0, sizeof(set), &set) < 0)
			die_errno("sched_getaffinity");
		for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
			if (CPU_ISSET(cpu, &set))
				cpus[found++] = cpu;
		if (found < 2)
			cpus[0] = cpus[1] = -1;
	}

	for (long k = 0; k < cfg.repeat; k++) {
		pid_t pids[2] = { 0, 0 };
		int rc;

		make_file(path_a, seed_of(k, 0), flen);
		make_file(path_b, seed_of(k, 1), flen);
		if (cfg.mode == MODE_TOGETHER) {
			*barrier = 0;
			drop_caches();
			pids[0] = spawn(0, k);
			pids[1] = spawn(1, k);
			rc = wait_children(pids, 2, 1, deadline_ms(), k);
		} else {
			drop_caches();
			pids[0] = spawn(0, k);
			rc = wait_children(pids, 1, 1, deadline_ms(), k);
			if (!rc) {
				drop_caches();
				pids[1] = spawn(1, k);
				rc = wait_children(pids + 1, 1, 2, deadline_ms(), k);
			}
		}
		if (rc == 3)
			exit(3); /* leave the files: unlink would wait for the glocks */
		if (rc) {
			/* Already reported (one line). */
			if (!cfg.keep) {
				unlink(path_a);
				unlink(path_b);
			}
			exit(1);
		}
	}

	if (!cfg.keep && (unlink(path_a) < 0 || unlink(path_b) < 0))
		die_errno("unlink %s", cfg.dir);
	if (!cfg.quiet) {
		printf(PROG ": mode=%s op=%s map=%s pages=%ld lead=%ld cached=%d runs=%ld ok\n",
		       mode_names[cfg.mode], op_names[cfg.op], cfg.shared ? "shared" : "private",
		       cfg.pages, cfg.lead, cfg.cached, cfg.repeat);
		if (fflush(stdout) == EOF)
			die_errno("write stdout");
	}
	return 0;
}
