// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fork_loop: COUNT times create a thread that returns at once, and join it:
 * one sched_process_fork and one sched_process_exit per operation (both
 * fire for threads as for processes; a thread costs a few microseconds
 * where a fork costs a hundred, whose noise would hide the hooks). With
 * --fork, fork() a child that exits and wait for it instead. Prints
 * "ops=<clones> ns=<elapsed>".
 *   usage: fork_loop [--count N] [--fork]
 */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

static unsigned long long now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}

static void *nothing(void *arg)
{
	return arg;
}

int main(int argc, char **argv)
{
	long count = 20000;
	unsigned long long t0;
	int use_fork = 0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--count") && i + 1 < argc && atol(argv[i + 1]) > 0) {
			count = atol(argv[++i]);
		} else if (!strcmp(argv[i], "--fork")) {
			use_fork = 1;
		} else {
			fprintf(stderr, "usage: fork_loop [--count N] [--fork]\n");
			return 2;
		}
	}
	t0 = now_ns();
	for (long i = 0; i < count; i++) {
		pthread_t th;
		pid_t pid;
		int st;

		if (!use_fork) {
			st = pthread_create(&th, NULL, nothing, NULL);
			if (st || pthread_join(th, NULL)) {
				fprintf(stderr, "fork_loop: pthread_create: %s\n", strerror(st));
				return 1;
			}
			continue;
		}
		pid = fork();
		if (pid < 0) {
			perror("fork_loop: fork");
			return 1;
		}
		if (!pid)
			_exit(0);
		if (waitpid(pid, &st, 0) != pid) {
			perror("fork_loop: waitpid");
			return 1;
		}
	}
	printf("ops=%ld ns=%llu\n", count, now_ns() - t0);
	return 0;
}
