// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* Process-wide plumbing shared by every command: privileges and libbpf logging. */
#include <errno.h>
#include <stdarg.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/syscall.h>
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

static bool have_cap(int cap)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return false;
	return data[cap / 32].effective & (1u << (cap % 32));
}

int fl_require_privileges(void)
{
	if (have_cap(CAP_SYS_ADMIN) || (have_cap(CAP_BPF) && have_cap(CAP_PERFMON)))
		return 0;
	elog("needs root (CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON) to load BPF programs: run it with sudo");
	return -EPERM;
}


unsigned long long fl_now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000000000ULL + ts.tv_nsec;
}
