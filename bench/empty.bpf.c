// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The benchmark's floor: programs that do nothing, on the hooks faultlock
 * attaches on a tracepoint-only kernel. What faultlock costs above this is
 * its own work; what this costs above no program is the kernel's.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

char LICENSE[] SEC("license") = "Dual BSD/GPL";

SEC("tp_btf/page_fault_user")
int BPF_PROG(empty_fault_user) { return 0; }

SEC("tp_btf/page_fault_kernel")
int BPF_PROG(empty_fault_kernel) { return 0; }

SEC("tp_btf/iomap_dio_rw_begin")
int BPF_PROG(empty_dio_begin) { return 0; }

SEC("tp_btf/iomap_dio_complete")
int BPF_PROG(empty_dio_complete) { return 0; }

SEC("tp_btf/sched_process_fork")
int BPF_PROG(empty_fork) { return 0; }

SEC("tp_btf/sched_process_exit")
int BPF_PROG(empty_exit) { return 0; }
