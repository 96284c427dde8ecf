// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
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

const char *fl_parse_btf(struct argp_state *state, const char *arg)
{
	libbpf_print_fn_t print = libbpf_set_print(NULL);	/* one line of our own instead */
	struct btf *btf = btf__parse(arg, NULL);
	char why[128];
	int err = errno;

	libbpf_set_print(print);
	if (!btf) {
		libbpf_strerror(err, why, sizeof(why));
		argp_error(state, "--btf %s: not a BTF or ELF file with BTF (%s)", arg, why);
	}
	if (btf__find_by_name_kind(btf, "task_struct", BTF_KIND_STRUCT) < 0)
		argp_error(state, "--btf %s: has no struct task_struct (not a kernel's BTF)", arg);
	btf__free(btf);
	return arg;
}
