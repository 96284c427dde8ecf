// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "stall.h"
#include "taskstate.h"

const char *fl_task_state_name(char state)
{
	switch (state) {
	case 'R': return "running";
	case 'S': return "sleeping";
	case 'D': return "uninterruptible (D)";
	case 'T': return "stopped";
	case 't': return "traced";
	case 'Z': return "zombie";
	case 'X': return "dead";
	case 'I': return "idle";
	default: return "gone";
	}
}

static void read_small(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");
	size_t n = 0;

	if (f) {
		n = fread(buf, 1, len - 1, f);
		fclose(f);
	}
	buf[n] = '\0';
	buf[strcspn(buf, "\n")] = '\0';
	for (size_t i = 0; buf[i]; i++)	/* kernel text, shown as is: keep it printable */
		if ((unsigned char)buf[i] < 0x20 || (unsigned char)buf[i] >= 0x7f)
			buf[i] = '?';
}

/* /proc/PID/task/TID/stat: the state letter ('?' if gone), comm if asked. */
static char read_stat(int pid, int tid, char *comm, size_t len)
{
	char path[96], stat[512], *p, state = '?';

	snprintf(path, sizeof(path), "/proc/%d/task/%d/stat", pid, tid);
	read_small(path, stat, sizeof(stat));
	/* "tid (comm) S ...": comm may hold spaces and parentheses. */
	p = strrchr(stat, ')');
	if (p && p[1] == ' ' && p[2]) {
		char *open = strchr(stat, '(');

		state = p[2];
		if (comm && open && open < p)
			snprintf(comm, len, "%.*s", (int)(p - open - 1), open + 1);
	}
	return state;
}

char fl_task_state(pid_t pid, pid_t tid)
{
	return read_stat(pid, tid, NULL, 0);
}

static void read_thread(int pid, int tid, struct fl_thread_state *t)
{
	char path[96];

	memset(t, 0, sizeof(*t));
	t->pid = pid;
	t->tid = tid;
	t->state = read_stat(pid, tid, t->comm, sizeof(t->comm));
	snprintf(path, sizeof(path), "/proc/%d/task/%d/wchan", pid, tid);
	read_small(path, t->wchan, sizeof(t->wchan));
	if (!strcmp(t->wchan, "0"))
		t->wchan[0] = '\0';
	/* The kernel gives no stack of a thread while it runs on another CPU
	 * (whatever state it was in a moment ago): a thread cycling through
	 * the kernel is caught between runs, a few tries. Only a zombie has
	 * none at all. */
	for (int i = 0; i < 20; i++) {
		t->nr_frames = fl_stall_read_stack(pid, tid, t->frames, FL_TS_FRAMES);
		if (t->nr_frames || t->state == 'Z' || t->state == 'X' || t->state == '?')
			break;
		nanosleep(&(struct timespec){ .tv_nsec = 10 * 1000 * 1000 }, NULL);
	}
}

static int read_process(pid_t pid, struct fl_thread_state *out, int n, int max, int depth)
{
	char path[64];
	struct dirent *de;
	DIR *d;

	snprintf(path, sizeof(path), "/proc/%d/task", (int)pid);
	d = opendir(path);
	if (!d)
		return n;
	while ((de = readdir(d)) && n < max) {
		int tid = atoi(de->d_name);
		char kids[512], *save = NULL;

		if (tid <= 0)
			continue;
		read_thread(pid, tid, &out[n++]);
		if (depth >= 4)
			continue;
		snprintf(path, sizeof(path), "/proc/%d/task/%d/children", (int)pid, tid);
		read_small(path, kids, sizeof(kids));
		for (char *k = strtok_r(kids, " ", &save); k && n < max; k = strtok_r(NULL, " ", &save))
			n = read_process(atoi(k), out, n, max, depth + 1);
	}
	closedir(d);
	return n;
}

int fl_task_states_read(pid_t pid, struct fl_thread_state *out, int max)
{
	return read_process(pid, out, 0, max, 0);
}
