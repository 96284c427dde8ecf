/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Return probes with enough instances. A kretprobe made through the perf
 * kprobe PMU (libbpf's way) gets the kernel's default maxactive, the CPU
 * count on PREEMPT_VOLUNTARY kernels: more tasks asleep in gfs2_glock_nq
 * than CPUs lose their returns (measured on 5.10: 21 of ~600 with 16 tasks
 * on 2 CPUs). One made through tracefs' kprobe_events takes "rN:" and
 * reports its misses in kprobe_profile.
 */
#ifndef FL_KRETPROBE_H
#define FL_KRETPROBE_H

#include <stdbool.h>

struct bpf_link;
struct bpf_program;

#define FL_KRETPROBE_MAXACTIVE 1024

struct fl_kretprobe {
	char event[64];			/* kprobes/<event> in tracefs; "" when none */
	struct bpf_link *link;
};

/* Attaches prog as a return probe of func with `maxactive` instances
 * through tracefs: 0, or a negative errno (then nothing is left behind). */
int fl_kretprobe_attach(struct fl_kretprobe *k, struct bpf_program *prog, const char *func,
			int maxactive);
/* Returns the probe dropped (kprobe_profile's misses); -1 unknown. */
long fl_kretprobe_missed(const struct fl_kretprobe *k);
/* Detaches and removes the tracefs event. */
void fl_kretprobe_detach(struct fl_kretprobe *k);
/* Removes the events of faultlock processes that are gone (killed before
 * they could clean up). */
void fl_kretprobe_sweep(void);

#endif
