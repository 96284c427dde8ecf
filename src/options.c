// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include "options.h"

long fl_parse_long(struct argp_state *state, const char *what, const char *arg, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(arg, &end, 10);
	if (errno || end == arg || *end || v < min || v > max)
		argp_error(state, "invalid %s '%s' (expected an integer in %ld..%ld)", what, arg, min, max);
	return v;
}

long fl_parse_ringbuf_size(struct argp_state *state, const char *arg)
{
	long v = fl_parse_long(state, "ring buffer size", arg, 4096, 1L << 30);

	if (v & (v - 1))
		argp_error(state, "ring buffer size must be a power of 2");
	return v;
}
