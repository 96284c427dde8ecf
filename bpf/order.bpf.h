/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * lock_order's edges, for every provider: an edge FROM -> TO per ordered
 * pair of locks a task held and asked for (order_edges, LRU), the pair
 * claimed once when the reverse edge of another task is found.
 */
#ifndef FL_ORDER_BPF_H
#define FL_ORDER_BPF_H

#include "faultlock.bpf.h"

/* Whichever creates the pair's entry reports it (see order_claims_map_t). */
static __always_inline bool claim_pair(const struct fl_order_key *k, const struct fl_order_key *rk)
{
	bool k_first = k->from_number < rk->from_number ||
		       (k->from_number == rk->from_number && k->from_type <= rk->from_type);
	__u8 one = 1;

	return !bpf_map_update_elem(&order_claims, k_first ? k : rk, &one, BPF_NOEXIST);
}

static __always_inline void order_side(struct fl_order_side *s, const struct fl_order_edge *e)
{
	s->pid = e->pid;
	s->tid = e->tid;
	__builtin_memcpy(s->comm, e->comm, sizeof(s->comm));
	s->ts = e->first_ts;
	s->count = e->count;
	s->held_ip = e->from_ip;
	s->req_ip = e->to_ip;
	s->held_state = e->from_state;
	s->req_state = e->to_state;
	s->modes = e->modes;
	s->in_fault = e->in_fault;
}

/* The edge held -> requested, recorded or updated; NULL if not kept. The
 * held lock was taken at held_ip in held_state (0 and 0 where the provider
 * has neither: btrfs extent locks). */
static __always_inline struct fl_order_edge *order_edge(void *ctx, const struct fl_order_key *k,
							__u64 held_ip, __u16 held_state, __u16 req_state,
							__u64 req_ip, __u32 in_fault)
{
	__u64 pid_tgid = bpf_get_current_pid_tgid();
	struct fl_order_edge *e = bpf_map_lookup_elem(&order_edges, k);
	__u32 zero = 0;
	long n, err;

	if (e) {
		e->modes |= FL_ORDER_MODE_BIT(held_state, req_state);
		e->count++;
		return e;
	}
	e = bpf_map_lookup_elem(&order_scratch, &zero);
	if (!e)
		return NULL;
	e->first_ts = bpf_ktime_get_ns();
	e->count = 1;
	e->from_ip = held_ip;
	e->to_ip = req_ip;
	e->pid = pid_tgid >> 32;
	e->tid = (__u32)pid_tgid;
	e->modes = FL_ORDER_MODE_BIT(held_state, req_state);
	e->from_state = held_state;
	e->to_state = req_state;
	e->in_fault = in_fault;
	e->reported = 0;
	bpf_get_current_comm(e->comm, sizeof(e->comm));
	n = bpf_get_stack(ctx, e->stack, sizeof(e->stack), 0);
	e->nr_stack = n > 0 ? n / sizeof(__u64) : 0;
	err = bpf_map_update_elem(&order_edges, k, e, BPF_NOEXIST);
	if (err && err != -EEXIST) {
		counter_add(FL_CNT_LOST_ORDER_EDGE, 1);
		return NULL;
	}
	if (!err)
		counter_add(FL_CNT_ORDER_EDGES, 1);
	return bpf_map_lookup_elem(&order_edges, k);
}

#endif
