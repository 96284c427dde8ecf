/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Feature probes: can this kernel load and attach a program of a given kind
 * on a given target? Answered by a trial load + attach, never by version.
 */
#ifndef FL_PROBE_H
#define FL_PROBE_H

#include <stdbool.h>
#include <stddef.h>

struct btf;

#include "catalog.h"	/* enum fl_mode */

/* Probe results carry a short human reason when false. */
struct fl_probe_ctx {
	struct btf *vmlinux_btf;	/* NULL: kernel has no BTF */
};

void fl_probe_init(struct fl_probe_ctx *ctx);
void fl_probe_free(struct fl_probe_ctx *ctx);

/* `target` is "category:event" for tracepoints, a function name otherwise;
 * `module` names the kernel module holding it (NULL: vmlinux). */
bool fl_probe_tp_btf(struct fl_probe_ctx *ctx, const char *event, const char *module,
		     char *why, size_t why_len);
bool fl_probe_tracepoint(const char *category, const char *event, char *why, size_t why_len);
bool fl_probe_fentry(struct fl_probe_ctx *ctx, const char *func, const char *module, bool fexit,
		     char *why, size_t why_len);
bool fl_probe_kprobe(const char *func, bool retprobe, char *why, size_t why_len);
bool fl_probe_task_storage(void);
bool fl_probe_find_vma(void);
/* Task iterators with bpf_get_task_stack and bpf_seq_write (5.9+). */
bool fl_probe_task_iter(struct fl_probe_ctx *ctx);
bool fl_probe_helper_btf(struct fl_probe_ctx *ctx, const char *func_id_name);
bool fl_probe_ringbuf(void);

struct perf_event_attr;
/* perf_event_open(attr, any pid, CPU 0, no group, cloexec): fd or -1/errno. */
long fl_perf_event_open(struct perf_event_attr *attr);
/* The number a sysfs/tracefs file holds, or -1. */
long fl_read_long_file(const char *path);

/* Where tracefs is mounted, or NULL: a query, it mounts nothing. */
const char *fl_tracefs_path(void);
/* Classic tracepoints need tracefs: mounts it at /sys/kernel/tracing if it
 * is nowhere. 1 mounted here, 0 already there, or a negative errno. */
int fl_tracefs_mount(void);
/* Undoes fl_tracefs_mount's mount (lazily: nothing is left busy). */
void fl_tracefs_unmount(void);

#endif
