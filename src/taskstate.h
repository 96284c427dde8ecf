/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What a process that will not exit is doing: each thread's state, wchan
 * and kernel stack from /proc, its children's too (a hang report).
 */
#ifndef FL_TASKSTATE_H
#define FL_TASKSTATE_H

#include <sys/types.h>

#define FL_TS_FRAMES	24
#define FL_TS_MAX	16	/* threads reported */

struct fl_thread_state {
	int pid, tid;
	char comm[17];
	char state;			/* R, S, D, Z, ...; '?' if gone */
	char wchan[64];
	int nr_frames;
	char frames[FL_TS_FRAMES][128];
};

/* Every thread of pid and of its descendants, up to max; returns how many. */
int fl_task_states_read(pid_t pid, struct fl_thread_state *out, int max);
/* Thread tid of pid's state letter (R, S, D, ...), '?' if it is gone. */
char fl_task_state(pid_t pid, pid_t tid);
/* "running", "sleeping", "uninterruptible (D)", ... */
const char *fl_task_state_name(char state);

#endif
