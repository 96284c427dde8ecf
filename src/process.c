// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process-wide plumbing shared by every command: -v, libbpf logging, the clock. */
#include <stdarg.h>
#include <time.h>
#include <bpf/libbpf.h>
#include "faultlock.h"

int fl_verbose;

static int libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	if (level == LIBBPF_DEBUG && fl_verbose < 2)
		return 0;
	if (!fl_verbose)
		return 0;
	return vfprintf(stderr, fmt, ap);
}

void fl_setup_libbpf_log(void)
{
	libbpf_set_print(libbpf_print);
}

unsigned long long fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
