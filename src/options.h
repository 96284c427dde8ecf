/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Option parsing shared by the commands' argp parsers. */
#ifndef FL_OPTIONS_H
#define FL_OPTIONS_H

#include <argp.h>
#include <stdbool.h>
#include <stddef.h>
#include "faultlock_abi.h"

#define FL_RINGBUF_DEFAULT (1L << 20)
#define FL_STALL_MS_DEFAULT 5000	/* lock_stall threshold */
#define FL_LIVELOCK_COUNT_DEFAULT 64	/* retry_livelock threshold */

/* An integer in [min, max], or argp_error (exit 2) naming `what`. */
long fl_parse_long(struct argp_state *state, const char *what, const char *arg, long min, long max);
/* --ringbuf-size: a power of 2 between one page and 1 GiB. */
long fl_parse_ringbuf_size(struct argp_state *state, const char *arg);
/* --btf: a file libbpf reads as BTF (raw, or ELF with .BTF) that describes a
 * kernel; argp_error (exit 2) otherwise. */
const char *fl_parse_btf(struct argp_state *state, const char *arg);

/* --fs TYPE[,TYPE...]: the file system types to account (nr 0: all). */
struct fl_fs_filter {
	int nr;
	char names[FL_MAX_FS_FILTER][FL_FSTYPE_LEN];
};

/* Parses "btrfs,gfs2"; -1 with a reason on a bad name, too many, or none. */
int fl_fs_list_parse(const char *arg, struct fl_fs_filter *f, char *err, size_t err_len);
/* True without a filter, or when `name` is in it. */
bool fl_fs_filter_has(const struct fl_fs_filter *f, const char *name);
void fl_parse_fs(struct argp_state *state, const char *arg, struct fl_fs_filter *f);
/* --cgroup PATH: an open fd of a cgroup v2 directory, or argp_error (exit 2). */
int fl_parse_cgroup(struct argp_state *state, const char *arg);

/* The options trace and daemon share: filters and the loader's tuning. */
struct fl_common_opts {
	struct fl_fs_filter fs;		/* --fs */
	int cgroup_fd;			/* --cgroup: open directory, 0: none */
	const char *cgroup_path;
	const char *btf_path;		/* --btf */
	long ringbuf_size;		/* --ringbuf-size */
	long stall_ms;			/* --stall-ms, 0: off */
	long livelock_count;		/* --livelock-count */
};

#define FL_COMMON_OPTS_INIT { .ringbuf_size = FL_RINGBUF_DEFAULT, .stall_ms = FL_STALL_MS_DEFAULT, \
			      .livelock_count = FL_LIVELOCK_COUNT_DEFAULT }

/*
 * Their argp child: list { &fl_common_argp, 0, NULL, GROUP } in the parent's
 * children and, on ARGP_KEY_INIT, set state->child_inputs[i] to the
 * struct fl_common_opts to fill.
 */
extern const struct argp fl_common_argp;
/* -v/--verbose (fl_verbose), for every command: a child with no input. */
extern const struct argp fl_verbose_argp;

#endif
