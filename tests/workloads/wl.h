/* SPDX-License-Identifier: GPL-2.0 */
/*
 * What the test workloads share: error exits, option values, the data
 * pattern. A workload defines PROG, then includes this, and defines
 * usage(FILE *) and wl_cleanup() (what an error exit removes first).
 */
#ifndef FL_WORKLOAD_H
#define FL_WORKLOAD_H

#include <errno.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage(FILE *f);
static void wl_cleanup(void);

static void fail(int err, const char *fmt, va_list ap) __attribute__((noreturn));
static void fail(int err, const char *fmt, va_list ap)
{
	char what[512];

	vsnprintf(what, sizeof(what), fmt, ap);
	if (err)
		fprintf(stderr, PROG ": %s: %s\n", what, strerror(err));
	else
		fprintf(stderr, PROG ": %s\n", what);
	wl_cleanup();
	exit(1);
}

/* One line on stderr, then exit 1. */
static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fail(0, fmt, ap);
}

/* The same with errno's text. */
static void die_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die_errno(const char *fmt, ...)
{
	int err = errno;
	va_list ap;

	va_start(ap, fmt);
	fail(err, fmt, ap);
}

/* One line and the usage on stderr, then exit 2. */
static void usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void usage_error(const char *fmt, ...)
{
	va_list ap;

	fprintf(stderr, PROG ": ");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	usage(stderr);
	exit(2);
}

/* Position-dependent content: every byte and page of a file differs. */
static inline uint8_t pat(uint64_t off, uint64_t seed)
{
	uint64_t x = off + (seed << 40) + 0x9e3779b97f4a7c15ULL;

	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint8_t)x;
}

/* A decimal option value, or a usage error naming the option. */
static inline long parse_long(const char *s, const char *opt)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || end == s || *end)
		usage_error("invalid %s value '%s'", opt, s);
	return v;
}

#endif
