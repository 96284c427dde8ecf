/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Process-wide definitions: exit statuses, logging, common options. */
#ifndef FAULTLOCK_H
#define FAULTLOCK_H

#include <stdbool.h>
#include <stdio.h>

/* Exit statuses, as in the user-facing contract. */
enum fl_exit {
	FL_EXIT_OK = 0,		/* ran, nothing found */
	FL_EXIT_FINDING = 1,	/* a finding of severity error */
	FL_EXIT_USAGE = 2,	/* bad command line */
	FL_EXIT_ENV = 3,	/* not root, no BTF, BPF refused, ... */
	FL_EXIT_INTERRUPTED = 130,	/* trace: signalled before tracing started */
};

extern int fl_verbose;		/* -v count */

/* The exit status of a failed fl_loader__prepare: a malformed request is
 * the user's (usage), the rest the environment's. */
static inline int fl_prepare_exit(int err)
{
	return err == -22 /* EINVAL */ ? FL_EXIT_USAGE : FL_EXIT_ENV;
}

#define elog(fmt, ...) fprintf(stderr, "faultlock: " fmt "\n", ##__VA_ARGS__)
#define vlog(fmt, ...) do { if (fl_verbose) fprintf(stderr, "faultlock: " fmt "\n", ##__VA_ARGS__); } while (0)

/* Kernel-only integer names must not leak into user space. */
#pragma GCC poison u8 u16 u32 u64 s8 s16 s32 s64

int cmd_check(int argc, char **argv);
int cmd_trace(int argc, char **argv);
int cmd_daemon(int argc, char **argv);
int cmd_cluster(int argc, char **argv);

/* Root (or CAP_BPF+CAP_PERFMON) is needed to load programs: 0, or -EPERM
 * after one line on stderr (caps.c). */
int fl_require_privileges(void);
/* CLOCK_MONOTONIC in ns: the clock of every event's ts (bpf_ktime_get_ns). */
unsigned long long fl_now_ns(void);
/* Route libbpf's messages through -v. */
void fl_setup_libbpf_log(void);

#endif
