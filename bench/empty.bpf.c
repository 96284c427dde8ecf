// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's floor: programs that do nothing, on the hooks faultlock
 * attaches on a tracepoint-only kernel, in both tracepoint modes. What
 * faultlock costs above this is its own work; what this costs above no
 * program is the kernel's. fl-empty (bench/empty.c) loads only the ones
 * asked for.
 *
 * Each hook also has a counting twin (one per-CPU array slot per hook): how
 * many times the timed workload (tasks named count_comm) and every task hit
 * it, so bench/run.sh can turn ns per operation into ns per call.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "empty.h"

char LICENSE[] SEC("license") = "Dual BSD/GPL";

const volatile char count_comm[16] = {};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 2 * FL_EMPTY_NR_HOOKS);	/* [own | all] per hook */
	__type(key, __u32);
	__type(value, __u64);
} calls SEC(".maps");

static __always_inline void count(__u32 hook)
{
	char comm[16];
	__u32 k = hook + FL_EMPTY_NR_HOOKS;
	__u64 *v = bpf_map_lookup_elem(&calls, &k);
	bool own = true;

	if (v)
		*v += 1;
	bpf_get_current_comm(comm, sizeof(comm));
	for (int i = 0; i < 16 && own; i++) {
		if (comm[i] != count_comm[i])
			own = false;
		else if (!comm[i])
			break;
	}
	k = hook;
	v = own ? bpf_map_lookup_elem(&calls, &k) : NULL;
	if (v)
		*v += 1;
}

/* HOOK(index, tracepoint category, event): e_btf_/c_btf_ (tp_btf) and
 * e_tp_/c_tp_ (classic tracepoint) programs, empty and counting. */
#define HOOK(idx, cat, ev)							\
	SEC("tp_btf/" #ev) int BPF_PROG(e_btf_##ev) { return 0; }		\
	SEC("tracepoint/" #cat "/" #ev) int e_tp_##ev(void *ctx) { return 0; }	\
	SEC("tp_btf/" #ev) int BPF_PROG(c_btf_##ev) { count(idx); return 0; }	\
	SEC("tracepoint/" #cat "/" #ev) int c_tp_##ev(void *ctx) { count(idx); return 0; }

FL_EMPTY_HOOKS(HOOK)
