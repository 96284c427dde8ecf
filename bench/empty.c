// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * fl-empty: attaches bench/empty.bpf.c, prints "ready", and holds the links
 * until SIGINT or SIGTERM. The baseline bench/run.sh measures faultlock
 * against.
 */
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "empty.skel.h"

int main(void)
{
	struct empty_bpf *skel;
	sigset_t set;
	int sig, err;

	sigemptyset(&set);
	sigaddset(&set, SIGINT);
	sigaddset(&set, SIGTERM);
	sigprocmask(SIG_BLOCK, &set, NULL);
	skel = empty_bpf__open_and_load();
	if (!skel) {
		fprintf(stderr, "fl-empty: cannot load the empty programs\n");
		return 3;
	}
	err = empty_bpf__attach(skel);
	if (err) {
		fprintf(stderr, "fl-empty: cannot attach: %s\n", strerror(-err));
		empty_bpf__destroy(skel);
		return 3;
	}
	printf("ready\n");
	fflush(stdout);
	sigwait(&set, &sig);
	empty_bpf__destroy(skel);
	return 0;
}
