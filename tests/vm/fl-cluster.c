/* fl-cluster — flock(2) steps for the two-node gfs2 test (tests/vm/cluster.sh).
 *
 *   fl-cluster hold FILE MS HELD RELEASED [AFTER]
 *       flock(FILE, LOCK_EX), create HELD (fsync'ed), keep the lock MS
 *       milliseconds (with AFTER: MS once AFTER exists, 90 s at most),
 *       create RELEASED (fsync'ed), LOCK_UN. Prints "ino=N" (the flock
 *       glock's number on gfs2).
 *   fl-cluster try FILE
 *       flock(FILE, LOCK_EX | LOCK_NB): prints "try=busy" (EWOULDBLOCK,
 *       exit 1) or "try=got" (exit 0, lock released again).
 *   fl-cluster wait FILE [RELEASED]
 *       blocking flock(FILE, LOCK_EX); prints "ino=N", "waited_ms=N", and with RELEASED
 *       "released_seen=1|0": whether the holder's RELEASED file existed once
 *       the lock was granted.
 *   fl-cluster pair FIRST SECOND HELD OTHER
 *       flock(FIRST, LOCK_EX), create HELD, wait until OTHER exists (90 s at
 *       most), print "requesting=1", then flock(SECOND, LOCK_EX): with
 *       another node doing the same the other way round, a cross-node AB-BA
 *       that never ends (gfs2's flock waits are uninterruptible).
 *   fl-cluster write FILE GO
 *       create GO, open FILE (created if missing: its directory's glock),
 *       pwrite one byte at offset 0: prints "ino=N" and "waited_ms=N" (how
 *       long open and write took).
 *   fl-cluster waitfile PATH TIMEOUT_MS
 *       polls until PATH exists; exit 1 after TIMEOUT_MS.
 *
 * Build: gcc -O2 -static -o fl-cluster fl-cluster.c (the guest has no libraries).
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

static int open_lockfile(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);

	if (fd < 0) {
		fprintf(stderr, "fl-cluster: open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	return fd;
}

static void touch_sync(const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);

	if (fd < 0 || write(fd, "1\n", 2) != 2 || fsync(fd) || close(fd)) {
		fprintf(stderr, "fl-cluster: create %s: %s\n", path, strerror(errno));
		exit(2);
	}
}

static void print_ino(int fd)
{
	struct stat st;

	if (!fstat(fd, &st))
		printf("ino=%llu\n", (unsigned long long)st.st_ino);
}

/* Polls until path exists; false after timeout_ms. */
static bool wait_file(const char *path, long timeout_ms)
{
	long long deadline = now_ms() + timeout_ms;
	struct stat st;

	while (stat(path, &st)) {
		if (now_ms() > deadline)
			return false;
		sleep_ms(20);
	}
	return true;
}

static void lock_or_die(int fd, int op, const char *what)
{
	if (flock(fd, op)) {
		fprintf(stderr, "fl-cluster: flock %s: %s\n", what, strerror(errno));
		exit(2);
	}
}

int main(int argc, char **argv)
{
	const char *cmd = argc > 1 ? argv[1] : "";
	long long t0;
	int fd;

	setvbuf(stdout, NULL, _IOLBF, 0);
	if (!strcmp(cmd, "hold") && (argc == 6 || argc == 7)) {
		fd = open_lockfile(argv[2]);
		print_ino(fd);
		t0 = now_ms();
		lock_or_die(fd, LOCK_EX, "LOCK_EX");
		printf("locked_ms=%lld\n", now_ms() - t0);
		touch_sync(argv[4]);
		printf("held=1\n");
		if (argc == 7 && !wait_file(argv[6], 90000))
			fprintf(stderr, "fl-cluster: %s did not appear within 90 s\n", argv[6]);
		sleep_ms(atol(argv[3]));
		touch_sync(argv[5]);
		lock_or_die(fd, LOCK_UN, "LOCK_UN");
		printf("released=1\n");
		return 0;
	}
	if (!strcmp(cmd, "try") && argc == 3) {
		fd = open_lockfile(argv[2]);
		if (flock(fd, LOCK_EX | LOCK_NB) == 0) {
			printf("try=got\n");
			lock_or_die(fd, LOCK_UN, "LOCK_UN");
			return 0;
		}
		if (errno == EWOULDBLOCK) {
			printf("try=busy\n");
			return 1;
		}
		fprintf(stderr, "fl-cluster: flock LOCK_NB: %s\n", strerror(errno));
		return 2;
	}
	if (!strcmp(cmd, "wait") && (argc == 3 || argc == 4)) {
		fd = open_lockfile(argv[2]);
		print_ino(fd);
		t0 = now_ms();
		lock_or_die(fd, LOCK_EX, "LOCK_EX");
		printf("waited_ms=%lld\n", now_ms() - t0);
		if (argc == 4)
			printf("released_seen=%d\n", access(argv[3], F_OK) == 0);
		lock_or_die(fd, LOCK_UN, "LOCK_UN");
		return 0;
	}
	if (!strcmp(cmd, "pair") && argc == 6) {
		int first = open_lockfile(argv[2]), second = open_lockfile(argv[3]);

		lock_or_die(first, LOCK_EX, "LOCK_EX (first)");
		touch_sync(argv[4]);
		printf("held=1\n");
		if (!wait_file(argv[5], 90000))
			fprintf(stderr, "fl-cluster: %s did not appear within 90 s\n", argv[5]);
		printf("requesting=1\n");
		lock_or_die(second, LOCK_EX, "LOCK_EX (second)");
		printf("got=1\n");
		return 0;
	}
	if (!strcmp(cmd, "write") && argc == 4) {
		/* GO first: on 5.10 even the open waits for the holder */
		touch_sync(argv[3]);
		t0 = now_ms();
		fd = open(argv[2], O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (fd < 0) {
			fprintf(stderr, "fl-cluster: open %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		print_ino(fd);
		if (pwrite(fd, "y", 1, 0) != 1) {
			fprintf(stderr, "fl-cluster: write %s: %s\n", argv[2], strerror(errno));
			return 2;
		}
		printf("waited_ms=%lld\n", now_ms() - t0);
		return 0;
	}
	if (!strcmp(cmd, "waitfile") && argc == 4) {
		if (wait_file(argv[2], atol(argv[3])))
			return 0;
		fprintf(stderr, "fl-cluster: %s did not appear within %s ms\n", argv[2], argv[3]);
		return 1;
	}
	fprintf(stderr, "usage: fl-cluster hold FILE MS HELD RELEASED [AFTER] | try FILE | wait FILE [RELEASED] |"
			" pair FIRST SECOND HELD OTHER | write FILE GO |"
			" waitfile PATH TIMEOUT_MS\n");
	return 2;
}
