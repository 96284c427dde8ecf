/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* What `check` and `trace` report about the running kernel. */
#ifndef FL_SYSINFO_H
#define FL_SYSINFO_H

#include "btrfs.h"
#include <stdbool.h>
#include "probe.h"

struct fl_sysinfo {
	char release[128];
	bool btf_vmlinux;
	char btf_modules[1024];	/* space-separated names with BTF */
	bool gfs2_loaded;
	char lockdown[64];	/* the selected mode, or why unknown */
	bool ringbuf;
	bool task_storage;
	bool find_vma;
	bool task_btf;		/* bpf_get_current_task_btf */
	bool task_iter;		/* task iterators with bpf_get_task_stack (holder stacks without /proc) */
	int dio_done_before_arg;	/* __iomap_dio_rw's done_before: argument index, -1 none */
	struct fl_btrfs_facts btrfs;	/* read when the btrfs hooks resolve */
};

void fl_sysinfo_read(struct fl_sysinfo *si, struct fl_probe_ctx *ctx);
/* The selected word of a lockdown file line: "none [integrity] confidentiality". */
void fl_parse_lockdown(const char *line, char *out, size_t len);

#endif
