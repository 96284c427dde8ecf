// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * fault_in_readable / fault_in_writeable / fault_in_safe_writeable: how often
 * filesystems pre-fault user buffers (the retry half of the nofault fix),
 * bytes asked and not faulted in, latency. fault_in_iov_iter_* cannot be
 * hooked (not traceable), but call these three. A fault-in that completes
 * is also one iteration of a possible retry_livelock (livelock.bpf.h).
 */
#include "gfs2.bpf.h"
#include "livelock.bpf.h"

static __always_inline int on_fi_entry(__u64 addr, __u64 size)
{
	struct fl_task *t = current_get_or_create_traced();

	if (!t)
		return 0;
	t->fi_addr = addr;
	t->fi_size = size;
	t->fi_ts = bpf_ktime_get_ns();
	return 0;
}

static __always_inline int on_fi_exit(void *ctx, __u32 kind, __u64 missed)
{
	struct fl_task *t = current_lookup();
	struct fl_rec_fault_in *r;
	__u64 ns;

	if (!t || !t->fi_ts)
		return 0;
	ns = bpf_ktime_get_ns() - t->fi_ts;
	t->fi_ts = 0;
	counter_add(FL_CNT_FAULT_IN_CALLS, 1);
	counter_add(FL_CNT_FAULT_IN_CALLS_KIND + kind, 1);
	counter_add(FL_CNT_FAULT_IN_BYTES, t->fi_size);
	counter_add(FL_CNT_FAULT_IN_MISSED, missed);
	if (missed) {
		counter_add(FL_CNT_FAULT_IN_SHORT, 1);
		counter_add(FL_CNT_FAULT_IN_SHORT_KIND + kind, 1);
	}
	hist_add(FL_HIST_FAULT_IN_READABLE + kind, ns);

	if (!missed)
		retry_step(ctx, t, FL_RETRY_FAULT_IN, kind, t->fi_addr, t->fi_size);
	else
		retry_end(ctx, t, &t->retry[FL_RETRY_FAULT_IN], FL_LL_END_CHANGED);
	gate_sync(t);
	/*
	 * A record only when the call says something about locking: bytes not
	 * faulted in, a glock held, or the same range again in this system
	 * call (the retry machinery at work). Every buffered write calls
	 * fault_in_readable: those are counted above, not printed. Inside a
	 * reported livelock its records count the calls instead.
	 */
	if (t->retry[FL_RETRY_FAULT_IN].reported ||
	    (!missed && !t->nr_held && t->retry[FL_RETRY_FAULT_IN].iters < 2))
		return 0;
	r = record_reserve(sizeof(*r), FL_REC_FAULT_IN);
	if (!r)
		return 0;
	r->addr = t->fi_addr;
	r->size = t->fi_size;
	r->missed = missed;
	r->latency_ns = ns;
	r->kind = kind;
	r->nr_held = t->nr_held;
	bpf_ringbuf_submit(r, 0);
	return 0;
}

#define FAULT_IN_HOOKS(fn, kind)						\
SEC("fentry/" #fn)								\
int BPF_PROG(fentry_##fn, void *uaddr, size_t size)				\
{										\
	return on_fi_entry((__u64)uaddr, size);					\
}										\
SEC("fexit/" #fn)								\
int BPF_PROG(fexit_##fn, void *uaddr, size_t size, size_t ret)		\
{										\
	return on_fi_exit(ctx, kind, ret);						\
}										\
SEC("kprobe/" #fn)								\
int BPF_KPROBE(kprobe_##fn, void *uaddr, size_t size)				\
{										\
	return on_fi_entry((__u64)uaddr, size);					\
}										\
SEC("kretprobe/" #fn)								\
int BPF_KRETPROBE(kretprobe_##fn, size_t ret)					\
{										\
	return on_fi_exit(ctx, kind, ret);						\
}

FAULT_IN_HOOKS(fault_in_readable, FL_FI_READABLE)
FAULT_IN_HOOKS(fault_in_writeable, FL_FI_WRITEABLE)
FAULT_IN_HOOKS(fault_in_safe_writeable, FL_FI_SAFE_WRITEABLE)
