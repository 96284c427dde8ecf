/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The traced command: forked first (its pid goes into the BPF filter),
 * held before execve until every probe is attached, then released.
 */
#ifndef FL_CHILD_H
#define FL_CHILD_H

#include <stdbool.h>
#include <sys/types.h>

struct fl_child {
	pid_t pid;
	int go_fd;	/* write end: one byte releases the child */
	int err_fd;	/* read end: errno of a failed execve, EOF on success */
	bool reaped;
	int status;	/* waitpid status once reaped */
};

/* Is `cmd` runnable (a path, or a name on $PATH)? */
bool fl_command_exists(const char *cmd);
int fl_child_spawn(struct fl_child *c, char **argv);
/* Releases the child; returns 0 once execve succeeded, -errno if it failed. */
int fl_child_go(struct fl_child *c);
/* Non-blocking reap; true once the child has been reaped. */
bool fl_child_poll(struct fl_child *c);
void fl_child_kill(struct fl_child *c, int sig);
/*
 * Kills (if needed) and reaps, waiting at most wait_ms: a child stuck in the
 * kernel (D state, a livelock) may never die, and is then left behind
 * (false). Safe to call twice.
 */
bool fl_child_cleanup(struct fl_child *c, int wait_ms);

#endif
