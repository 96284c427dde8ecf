// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <linux/magic.h>
#include <sys/vfs.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "faultlock.h"
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

int fl_fs_list_parse(const char *arg, struct fl_fs_filter *f, char *err, size_t err_len)
{
	const char *p = arg;

	memset(f, 0, sizeof(*f));
	while (*p) {
		size_t n = strcspn(p, ",");

		if (n == 0 || n >= FL_FSTYPE_LEN || strspn(p, "abcdefghijklmnopqrstuvwxyz0123456789_.") < n) {
			snprintf(err, err_len, "'%.*s' is not a file system type name", (int)n, p);
			return -1;
		}
		if (f->nr == FL_MAX_FS_FILTER) {
			snprintf(err, err_len, "at most %d file system types", FL_MAX_FS_FILTER);
			return -1;
		}
		memcpy(f->names[f->nr++], p, n);
		p += n;
		if (*p == ',' && !*++p) {
			snprintf(err, err_len, "empty name after ','");
			return -1;
		}
	}
	if (!f->nr) {
		snprintf(err, err_len, "no file system type given");
		return -1;
	}
	return 0;
}

bool fl_fs_filter_has(const struct fl_fs_filter *f, const char *name)
{
	if (!f->nr)
		return true;
	for (int i = 0; i < f->nr; i++)
		if (!strcmp(f->names[i], name))
			return true;
	return false;
}

void fl_parse_fs(struct argp_state *state, const char *arg, struct fl_fs_filter *f)
{
	char err[96];

	if (fl_fs_list_parse(arg, f, err, sizeof(err)))
		argp_error(state, "--fs %s: %s", arg, err);
}

int fl_parse_cgroup(struct argp_state *state, const char *arg)
{
	struct statfs sfs;
	int fd = open(arg, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd < 0)
		argp_error(state, "--cgroup %s: %s", arg, strerror(errno));
	else if (fstatfs(fd, &sfs) || sfs.f_type != CGROUP2_SUPER_MAGIC)
		argp_error(state, "--cgroup %s: not a cgroup v2 directory", arg);
	return fd;
}

enum { OPT_FS = 1000, OPT_CGROUP, OPT_BTF, OPT_RINGBUF_SIZE, OPT_STALL_MS, OPT_LIVELOCK_COUNT };

static const struct argp_option common_options[] = {
	{ NULL, 0, NULL, 0, "Filters:", 1 },
	{ "cgroup", OPT_CGROUP, "PATH", 0,
	  "Only tasks in this cgroup v2 directory (or below it); trace alone: every task there", 1 },
	{ "fs", OPT_FS, "TYPE[,TYPE]", 0, "Only direct I/O and locks on these file system types (up to 4)", 1 },
	{ NULL, 0, NULL, 0, "Tuning:", 2 },
	{ "btf", OPT_BTF, "PATH", 0, "Kernel BTF for CO-RE where /sys/kernel/btf/vmlinux is missing", 2 },
	{ "ringbuf-size", OPT_RINGBUF_SIZE, "BYTES", 0, "Event ring buffer size (power of 2, default 1 MiB)", 2 },
	{ "stall-ms", OPT_STALL_MS, "MS", 0, "lock_stall after a lock wait (glock, btrfs extent) this long (default 5000; 0: off)", 2 },
	{ "livelock-count", OPT_LIVELOCK_COUNT, "N", 0,
	  "retry_livelock after N fault-ins of one range (or N DIO calls without progress) in one system call (default 64)", 2 },
	{ 0 },
};

static error_t common_parse(int key, char *arg, struct argp_state *state)
{
	struct fl_common_opts *c = state->input;

	switch (key) {
	case OPT_FS: fl_parse_fs(state, arg, &c->fs); break;
	case OPT_CGROUP:
		if (c->cgroup_fd > 0)
			close(c->cgroup_fd);
		c->cgroup_fd = fl_parse_cgroup(state, arg);
		c->cgroup_path = arg;
		break;
	case OPT_BTF: c->btf_path = fl_parse_btf(state, arg); break;
	case OPT_RINGBUF_SIZE: c->ringbuf_size = fl_parse_ringbuf_size(state, arg); break;
	case OPT_STALL_MS: c->stall_ms = fl_parse_long(state, "--stall-ms", arg, 0, 24L * 3600 * 1000); break;
	case OPT_LIVELOCK_COUNT:
		c->livelock_count = fl_parse_long(state, "--livelock-count", arg, 4, 1L << 30);
		break;
	default: return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

const struct argp fl_common_argp = { .options = common_options, .parser = common_parse };

static error_t verbose_parse(int key, char *arg, struct argp_state *state)
{
	(void)arg;
	(void)state;
	if (key != 'v')
		return ARGP_ERR_UNKNOWN;
	fl_verbose++;
	return 0;
}

static const struct argp_option verbose_options[] = {
	{ "verbose", 'v', NULL, 0, "Diagnostics on stderr: hook modes, libbpf, HTTP (-vv: more)", 0 },
	{ 0 },
};

const struct argp fl_verbose_argp = { .options = verbose_options, .parser = verbose_parse };
