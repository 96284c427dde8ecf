// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/perf_event.h>
#include <bpf/libbpf.h>
#include "faultlock.h"
#include "kretprobe.h"
#include "probe.h"

#define EVENT_PREFIX "faultlock_"

static int kprobe_events_write(const char *line)
{
	const char *tracefs = fl_tracefs_path();
	char path[128];
	int fd, err = 0;

	if (!tracefs)
		return -ENOENT;
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	fd = open(path, O_WRONLY | O_APPEND | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (write(fd, line, strlen(line)) < 0)
		err = -errno;
	close(fd);
	return err;
}

static long event_id(const char *event)
{
	char path[192];

	snprintf(path, sizeof(path), "%s/events/kprobes/%s/id", fl_tracefs_path(), event);
	return fl_read_long_file(path);
}

static void event_remove(const char *event)
{
	char line[96];

	snprintf(line, sizeof(line), "-:kprobes/%s\n", event);
	kprobe_events_write(line);
}

int fl_kretprobe_attach(struct fl_kretprobe *k, struct bpf_program *prog, const char *func,
			int maxactive)
{
	struct perf_event_attr attr = { .size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT,
					.sample_period = 1, .wakeup_events = 1 };
	char line[192];
	long id;
	int pfd, err;

	memset(k, 0, sizeof(*k));
	snprintf(k->event, sizeof(k->event), EVENT_PREFIX "%d_%s", (int)getpid(), func);
	snprintf(line, sizeof(line), "r%d:kprobes/%s %s\n", maxactive, k->event, func);
	err = kprobe_events_write(line);
	if (err) {
		k->event[0] = '\0';
		return err;
	}
	id = event_id(k->event);
	if (id < 0) {
		err = -ENOENT;
		goto fail;
	}
	attr.config = id;
	pfd = fl_perf_event_open(&attr);
	if (pfd < 0) {
		err = -errno;
		goto fail;
	}
	k->link = bpf_program__attach_perf_event(prog, pfd);	/* owns pfd from here */
	if (!k->link) {
		err = -errno;
		close(pfd);
		goto fail;
	}
	return 0;
fail:
	event_remove(k->event);
	k->event[0] = '\0';
	return err;
}

long fl_kretprobe_missed(const struct fl_kretprobe *k)
{
	char path[128], line[256];
	long missed = -1;
	FILE *f;

	if (!k->event[0] || !fl_tracefs_path())
		return -1;
	snprintf(path, sizeof(path), "%s/kprobe_profile", fl_tracefs_path());
	f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f)) {
		char name[128];
		unsigned long hits, misses;

		/* "  <event>   <hits>   <misses>" */
		if (sscanf(line, "%127s %lu %lu", name, &hits, &misses) == 3 && !strcmp(name, k->event)) {
			missed = (long)misses;
			break;
		}
	}
	fclose(f);
	return missed;
}

void fl_kretprobe_detach(struct fl_kretprobe *k)
{
	bpf_link__destroy(k->link);	/* closes the perf event */
	k->link = NULL;
	if (k->event[0])
		event_remove(k->event);
	k->event[0] = '\0';
}

void fl_kretprobe_sweep(void)
{
	char path[128], line[256];
	const char *tracefs = fl_tracefs_path();
	FILE *f;

	if (!tracefs)
		return;
	snprintf(path, sizeof(path), "%s/kprobe_events", tracefs);
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		/* "r1024:kprobes/faultlock_123_gfs2_glock_nq gfs2_glock_nq" */
		char *ev = strstr(line, "kprobes/" EVENT_PREFIX), *end;
		int pid;

		if (!ev)
			continue;
		ev += strlen("kprobes/");
		end = strpbrk(ev, " \n");
		if (end)
			*end = '\0';
		pid = atoi(ev + strlen(EVENT_PREFIX));
		if (pid > 0 && kill(pid, 0) && errno == ESRCH) {
			vlog("removing kprobe event %s of a faultlock that is gone", ev);
			event_remove(ev);
		}
	}
	fclose(f);
}
