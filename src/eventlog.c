// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The daemon's JSON lines event log: append, failure latch, SIGHUP reopen. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "faultlock.h"
#include "eventlog.h"

static FILE *open_append(const char *path)
{
	int fd;
	FILE *f;

	if (!strcmp(path, "-"))
		return stdout;
	fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
	if (fd < 0)
		return NULL;
	f = fdopen(fd, "a");
	if (!f) {
		int err = errno;

		close(fd);
		errno = err;
	}
	return f;
}

int fl_eventlog_open(struct fl_eventlog *l, const char *path)
{
	l->path = path;
	l->failing = false;
	l->f = open_append(path);
	return l->f ? 0 : -errno;
}

void fl_eventlog_flush(struct fl_eventlog *l)
{
	FILE *f = l->f;
	bool bad;

	if (!f)
		return;
	bad = fflush(f) || ferror(f);
	if (bad && !l->failing)
		elog("writing the event log %s: %s (events are dropped until it works again%s)",
		     l->path, strerror(errno), f == stdout ? "" : "; SIGHUP reopens it");
	l->failing = bad;
	clearerr(f);
}

void fl_eventlog_reopen(struct fl_eventlog *l)
{
	FILE *f;

	if (!l->f || l->f == stdout) {
		fl_eventlog_flush(l);
		return;
	}
	f = open_append(l->path);
	if (!f) {
		elog("SIGHUP: cannot reopen %s: %s (still writing the old file)", l->path, strerror(errno));
		return;
	}
	fl_eventlog_flush(l);
	fclose(l->f);
	l->f = f;
	l->failing = false;
	vlog("SIGHUP: reopened %s", l->path);
}

void fl_eventlog_close(struct fl_eventlog *l)
{
	if (l->f && l->f != stdout)
		fclose(l->f);
	else if (l->f)
		fflush(stdout);
	l->f = NULL;
}
