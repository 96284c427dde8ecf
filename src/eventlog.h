/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The daemon's --events log: a file opened for appending (or stdout), flushed
 * after every batch of records. A write failure is reported once, and events
 * are dropped until writing works again; SIGHUP reopens the file (log
 * rotation).
 */
#ifndef FL_EVENTLOG_H
#define FL_EVENTLOG_H

#include <stdbool.h>
#include <stdio.h>

struct fl_eventlog {
	const char *path;	/* "-": stdout */
	FILE *f;		/* NULL: not open */
	bool failing;		/* the last flush failed (and said so) */
};

/* Opens path ("-": stdout) for appending, created 0640. 0 or -errno. */
int fl_eventlog_open(struct fl_eventlog *l, const char *path);
/* Flushes; one line on stderr when writing starts failing. */
void fl_eventlog_flush(struct fl_eventlog *l);
/* SIGHUP: flushes, then switches to a fresh open of the same path; the old
 * file is kept if that fails. Nothing but the flush for stdout. */
void fl_eventlog_reopen(struct fl_eventlog *l);
/* Flushes and closes (stdout stays open). */
void fl_eventlog_close(struct fl_eventlog *l);

#endif
