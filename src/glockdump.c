// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <glob.h>
#include <inttypes.h>
#include <string.h>
#include "glockdump.h"

static const char *skip_blanks(const char *p)
{
	while (*p == ' ' || *p == '\t')
		p++;
	return p;
}

bool fl_dump_parse_glock(const char *line, struct fl_dump_glock *g)
{
	const char *p = skip_blanks(line), *n, *f, *d;

	if (strncmp(p, "G:", 2))
		return false;
	memset(g, 0, sizeof(*g));
	n = strstr(p, " n:");
	if (!n || sscanf(n, " n:%u/%" SCNx64, &g->type, &g->number) != 2)
		return false;
	f = strstr(p, " f:");
	if (f && sscanf(f, " f:%31s", g->flags) != 1)
		g->flags[0] = '\0';
	d = strstr(p, " d:");
	if (d && sscanf(d, " d:%*[^/]/%" SCNu64, &g->demote_us) != 1)
		g->demote_us = 0;
	return true;
}

bool fl_dump_parse_holder(const char *line, struct fl_dump_holder *h)
{
	const char *p = skip_blanks(line), *f, *pp;

	if (strncmp(p, "H:", 2))
		return false;
	f = strstr(p, " f:");
	pp = strstr(p, " p:");
	/* "f: " (no flags) leaves the field empty, not the next one's text */
	if (!f || !pp || sscanf(pp, " p:%ld", &h->pid) != 1)
		return false;
	if (f[3] == ' ' || sscanf(f, " f:%31s", h->flags) != 1)
		h->flags[0] = '\0';
	return true;
}

size_t fl_dump_max_bytes = FL_DUMP_MAX_BYTES;

/* fl_dump_walk with a budget: *left bytes at most, then 0 (the caller says so). */
static bool walk_bounded(FILE *in, bool (*fn)(void *arg, const struct fl_dump_glock *g,
					     const struct fl_dump_holder *h), void *arg, size_t *left)
{
	struct fl_dump_glock g;
	struct fl_dump_holder h;
	bool in_glock = false;
	char line[1024];

	while (*left && fgets(line, sizeof(line), in)) {
		size_t len = strlen(line);

		*left = len < *left ? *left - len : 0;

		/* A longer line's rest is not a line of its own. */
		if (len && line[len - 1] != '\n') {
			int c;

			do
				c = fgetc(in);
			while (c != EOF && c != '\n');
		}
		if (fl_dump_parse_glock(line, &g)) {
			in_glock = true;
			continue;
		}
		if (!strncmp(skip_blanks(line), "G:", 2)) {
			in_glock = false;	/* a G: line we could not read */
			continue;
		}
		if (in_glock && fl_dump_parse_holder(line, &h) && fn(arg, &g, &h))
			return true;
	}
	return false;
}

bool fl_dump_walk(FILE *in, bool (*fn)(void *arg, const struct fl_dump_glock *g,
				       const struct fl_dump_holder *h), void *arg)
{
	size_t left = fl_dump_max_bytes;

	return walk_bounded(in, fn, arg, &left);
}

int fl_dump_walk_glob(const char *pattern, bool (*fn)(void *arg, const struct fl_dump_glock *g,
						      const struct fl_dump_holder *h), void *arg)
{
	size_t left = fl_dump_max_bytes;
	bool stopped = false;
	int read = 0;
	glob_t gl;

	if (glob(pattern, 0, NULL, &gl))
		return -1;
	for (size_t i = 0; i < gl.gl_pathc && !stopped && left; i++) {
		FILE *in = fopen(gl.gl_pathv[i], "re");

		if (!in)
			continue;
		read++;
		stopped = walk_bounded(in, fn, arg, &left);
		fclose(in);
	}
	globfree(&gl);
	return !stopped && !left ? FL_DUMP_TOO_BIG : read;
}
