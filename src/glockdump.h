/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * gfs2's own glock dump (debugfs gfs2/<fs>/glocks), read line by line: what
 * the kernel says right now, against which findings from BPF's slots are
 * checked before they are reported. Its lines (5.10 .. 6.12):
 *   G:  s:EX n:2/8052 f:lDb t:EX d:UN/1200000 a:0 v:0 r:3 m:200 p:1
 *    H: s:EX f:H e:0 p:245 [fl-abba] gfs2_iomap_begin+0x... [gfs2]
 *    H: s:SH f:W e:0 p:246 [fl-abba] gfs2_fault+0x... [gfs2]
 * n: is TYPE/NUMBER in hex; G's f: has D (a demote requested) or d (one
 * pending, after the minimum hold time), d: is the demote's target state and
 * its age in µs (0 without D); an H: line's f: has H when granted, W when
 * waiting; p: is the owner's pid (the tid that queued it; -1 or 0 for a
 * holder no task owns, GL_NOPID's flocks).
 */
#ifndef FL_GLOCKDUMP_H
#define FL_GLOCKDUMP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

struct fl_dump_glock {
	unsigned type;
	uint64_t number;
	char flags[32];		/* G's f: */
	uint64_t demote_us;	/* d:STATE/µs; 0 none */
};

struct fl_dump_holder {
	char flags[32];		/* H's f: */
	long pid;
};

/* The glock of a G: line; false if the line is not one. */
bool fl_dump_parse_glock(const char *line, struct fl_dump_glock *g);
/* An H: line; false if the line is not one. */
bool fl_dump_parse_holder(const char *line, struct fl_dump_holder *h);

/*
 * Calls fn for each holder line of dump `in`, with its glock (fn returning
 * true stops the walk: a big file system's dump is long). Returns true if
 * fn stopped it.
 */
/* A holder line of glock g that may be task tid's: its pid, or none at all
 * on a flock glock (6.1+ queues flocks GL_NOPID: p:-1, no task). */
static inline bool fl_dump_pid_is(const struct fl_dump_glock *g, const struct fl_dump_holder *h, uint32_t tid)
{
	return h->pid == (long)tid || (h->pid <= 0 && g->type == 6);
}

bool fl_dump_walk(FILE *in, bool (*fn)(void *arg, const struct fl_dump_glock *g,
				       const struct fl_dump_holder *h), void *arg);

/*
 * fl_dump_walk over every dump matching the glob pattern until fn stops it.
 * Returns the number of dumps read (0: none could be), -1 if none matches,
 * FL_DUMP_TOO_BIG if fl_dump_max_bytes were read and fn had not stopped it:
 * a file system with millions of cached glocks has a dump of hundreds of
 * MiB, and the daemon's loop must not block on it (what was looked for is
 * then not known: the caller counts it unverified).
 */
#define FL_DUMP_MAX_BYTES	(32u << 20)
#define FL_DUMP_TOO_BIG		(-2)
extern size_t fl_dump_max_bytes;	/* FL_DUMP_MAX_BYTES; tests lower it */
int fl_dump_walk_glob(const char *pattern, bool (*fn)(void *arg, const struct fl_dump_glock *g,
						      const struct fl_dump_holder *h), void *arg);

#endif
