/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A node_exporter textfile collector file, rewritten atomically: rendered
 * into PATH.XXXXXX beside PATH, then renamed over it, so a reader never sees
 * a partial file. Failures are reported once, and again when it recovers.
 */
#ifndef FL_TEXTFILE_H
#define FL_TEXTFILE_H

#include <stdbool.h>
#include <stdio.h>

/* Writes the file's body to f; 0 or -errno. */
typedef int (*fl_textfile_render_fn)(FILE *f, void *arg);

struct fl_textfile {
	const char *path;
	long interval;			/* seconds between rewrites (for the messages) */
	fl_textfile_render_fn render;
	void *arg;
	bool failing;			/* the last rewrite failed (and said so) */
};

/* Does PATH's directory take the temporary file? 0 or -errno. */
int fl_textfile_check(const struct fl_textfile *t);
/* Rewrites PATH; one line on stderr when it starts or stops failing. */
void fl_textfile_update(struct fl_textfile *t);

#endif
