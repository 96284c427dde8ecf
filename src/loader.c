// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include "faultlock.h"
#include "faultlock.skel.h"
#include "ksyms.h"
#include "loader.h"
#include "remote.h"
#include "stall.h"
#include "taskstate.h"

#define FL_MAX_TASKS 32768	/* tid-keyed task map, when task storage is missing */
/* lock_stall slot arrays, mapped whole */
#define WAITERS_BYTES (FL_STALL_SLOTS * sizeof(struct fl_waiter))
#define HOLDERS_BYTES (FL_STALL_SLOTS * FL_STALL_WAYS * sizeof(struct fl_holder))
#define DEMOTES_BYTES (FL_DEMOTE_SLOTS * sizeof(struct fl_demote))

/* The btrfs range-lock hooks need this kernel's bit values and lock
 * function; without them they stay off, saying why. */
static void btrfs_prepare(struct fl_loader *l)
{
	static const enum fl_hook_id needs_facts[] = { FL_HOOK_BTRFS_SET_EXTENT_BIT,
						       FL_HOOK_BTRFS_CLEAR_EXTENT_BIT };

	if (l->states[FL_HOOK_BTRFS_SET_EXTENT_BIT].mode == FL_MODE_NONE)
		return;
	fl_btrfs_facts_read(&l->si.btrfs);
	if (l->si.btrfs.known)
		return;
	for (size_t i = 0; i < sizeof(needs_facts) / sizeof(needs_facts[0]); i++) {
		struct fl_hook_state *st = &l->states[needs_facts[i]];

		st->mode = FL_MODE_NONE;
		snprintf(st->why, sizeof(st->why), "%s", l->si.btrfs.why);
	}
	vlog("btrfs extent-lock hooks off: %s", l->si.btrfs.why);
}

int fl_loader__prepare(struct fl_loader *l)
{
	const char *spec = getenv("FAULTLOCK_HOOK_MODES");
	enum fl_mode forced[FL_MAX_HOOKS];
	struct fl_probe_ctx ctx;
	char err[128];
	int ret;

	memset(l, 0, sizeof(*l));
	ret = fl_require_privileges();
	if (ret)
		return ret;
	fl_setup_libbpf_log();
	/* Mounted for as long as this process runs, unmounted by destroy. */
	ret = fl_tracefs_mount();
	if (ret < 0)
		vlog("cannot mount tracefs: %s: classic tracepoints unavailable", strerror(-ret));
	l->mounted_tracefs = ret > 0;
	fl_kretprobe_sweep();
	if (fl_hook_modes_parse(spec, forced, err, sizeof(err))) {
		elog("FAULTLOCK_HOOK_MODES: %s", err);
		return -EINVAL;
	}
	if (spec)
		vlog("hook modes limited by FAULTLOCK_HOOK_MODES=%s", spec);
	fl_probe_init(&ctx);
	fl_sysinfo_read(&l->si, &ctx);
	fl_hooks_resolve(&ctx, forced, l->states);
	fl_probe_free(&ctx);
	btrfs_prepare(l);
	return 0;
}

static int configure(struct faultlock_bpf *skel, const struct fl_sysinfo *si,
		     const struct fl_hook_state *states, const struct fl_loader_opts *o)
{
	bool task_storage = si->task_storage && !o->no_task_storage;
	int err;

	skel->rodata->targ_tgid = o->targ_tgid;
	skel->rodata->trace_all = o->all;
	skel->rodata->use_task_storage = task_storage;
	skel->rodata->use_find_vma = si->find_vma;
	skel->rodata->capture_stacks = o->stacks;
	skel->rodata->have_task_btf = si->task_btf;
	skel->rodata->layout_check = states[FL_HOOK_GLOCK_QUEUE].mode == FL_MODE_TRACEPOINT;
	skel->rodata->filter_cgroup = o->common.cgroup_fd > 0;
	skel->rodata->nr_fs_filter = o->common.fs.nr;
	skel->rodata->livelock_count = o->common.livelock_count;
	skel->rodata->done_before_arg = si->dio_done_before_arg;
	skel->rodata->btrfs_lock_bits = si->btrfs.lock_bits;
	skel->rodata->btrfs_inode_io = si->btrfs.inode_io;
	skel->rodata->btrfs_stall = o->common.stall_ms != 0;
	for (int i = 0; i < si->btrfs.nr_lockfns && i < FL_BTRFS_LOCKFNS; i++) {
		skel->rodata->btrfs_lockfn_lo[i] = si->btrfs.lockfn_lo[i];
		skel->rodata->btrfs_lockfn_hi[i] = si->btrfs.lockfn_hi[i];
	}
	memcpy((void *)skel->rodata->fs_filter, o->common.fs.names, sizeof(o->common.fs.names));
	if (!task_storage) {
		/* Same map, as a tid-keyed hash cleaned at task exit. */
		vlog("per-task state: tid hash (%s)", si->task_storage ? "forced" : "no task storage");
		if ((err = bpf_map__set_type(skel->maps.tasks, BPF_MAP_TYPE_HASH)) ||
		    (err = bpf_map__set_map_flags(skel->maps.tasks, 0)) ||
		    (err = bpf_map__set_max_entries(skel->maps.tasks, FL_MAX_TASKS)))
			return err;
	}
	if (o->common.ringbuf_size && (err = bpf_map__set_max_entries(skel->maps.events, o->common.ringbuf_size)))
		return err;
	/* The catalogue picks each program (and the counting twin of the
	 * fault program when bpf_find_vma is missing: see fault.bpf.c). */
	err = fl_hooks_apply(skel->obj, states, si->find_vma);
	if (err)
		return err;
	if (o->task_stacks && si->task_iter)
		err = bpf_program__set_autoload(skel->progs.task_stack, true);
	else if (o->task_stacks)
		vlog("no task iterator with bpf_get_task_stack here: holder stacks from /proc only");
	return err;
}

/* A BPF_F_MMAPABLE array mapped with prot; NULL on failure. */
static void *map_slots(struct bpf_map *map, size_t bytes, int prot)
{
	void *p = mmap(NULL, bytes, prot, MAP_SHARED, bpf_map__fd(map), 0);

	if (p == MAP_FAILED) {
		vlog("cannot map %s: %s: lock_stall unavailable", bpf_map__name(map), strerror(errno));
		return NULL;
	}
	return p;
}

/* Programs loaded but left out of the skeleton's attach: the catalogue's
 * late entry probes, attached after everything else. */
static bool is_late(const struct bpf_program *prog)
{
	return bpf_program__autoload(prog) && !bpf_program__autoattach(prog);
}

/* libbpf's own attach, the link kept for destroy. */
static int attach_link(struct fl_loader *l, struct bpf_program *prog)
{
	struct bpf_link *link = bpf_program__attach(prog);
	int err;

	if (!link) {
		err = -errno;
		elog("cannot attach %s: %s", bpf_program__name(prog), strerror(-err));
		return err;
	}
	l->late_links[l->nr_late_links++] = link;
	return 0;
}

/* A kretprobe through tracefs with enough instances, else libbpf's own
 * (default instances; its drops are then counted as return_missed). */
static int attach_return(struct fl_loader *l, struct bpf_program *prog, const struct fl_hook *h)
{
	struct fl_kretprobe *k = &l->rets[l->nr_rets];
	const char *fn = fl_hook_target(h, FL_MODE_KPROBE);
	int err;

	err = fl_kretprobe_attach(k, prog, fn, FL_KRETPROBE_MAXACTIVE);
	if (!err) {
		vlog("kretprobe %s: %d instances (tracefs)", fn, FL_KRETPROBE_MAXACTIVE);
		l->nr_rets++;
		return 0;
	}
	vlog("kretprobe %s through tracefs: %s; default instances", fn, strerror(-err));
	return attach_link(l, prog);
}

/*
 * What the skeleton's attach left out: kretprobes first, then the entry
 * kprobes (on a shared probe point the newest handler runs first, so the
 * entry then sees the stack before the kretprobe swaps the return address).
 */
static int attach_late_kprobes(struct fl_loader *l)
{
	struct bpf_program *prog;

	for (int pass = FL_PROG_RETURN; pass >= FL_PROG_ENTRY; pass--) {
		bpf_object__for_each_program(prog, l->skel->obj) {
			enum fl_prog_role role;
			const struct fl_hook *h = fl_hook_of_prog(bpf_program__name(prog), &role);
			int err;

			if (!is_late(prog) || !h || (int)role != pass)
				continue;
			if (l->nr_late_links + l->nr_rets >= FL_MAX_LATE_LINKS) {
				elog("too many kprobes (raise FL_MAX_LATE_LINKS)");
				return -E2BIG;
			}
			err = role == FL_PROG_RETURN ? attach_return(l, prog, h) : attach_link(l, prog);
			if (err)
				return err;
		}
	}
	return 0;
}

/* Open, configure, load: 0 or a negative errno; *refused: it was the load
 * that failed (not yet said), else the failure was said here. */
static int open_and_load(struct fl_loader *l, const struct fl_loader_opts *o, bool *refused)
{
	LIBBPF_OPTS(bpf_object_open_opts, oo, .btf_custom_path = o->common.btf_path);
	int err;

	*refused = false;
	l->skel = faultlock_bpf__open_opts(&oo);
	if (!l->skel) {
		err = -errno;
		elog("cannot open BPF object: %s", strerror(-err));
		return err;
	}
	err = configure(l->skel, &l->si, l->states, o);
	if (err) {
		elog("cannot configure BPF object: %s", strerror(-err));
		return err;
	}
	err = faultlock_bpf__load(l->skel);
	*refused = err != 0;
	return err;
}

int fl_loader__start(struct fl_loader *l, const struct fl_loader_opts *o)
{
	bool refused;
	int err;

	l->opts = *o;
	if (!l->si.ringbuf) {
		elog("this kernel has no BPF ring buffer (Linux 5.8+ needed)");
		return -EOPNOTSUPP;
	}
	if (!l->si.btf_vmlinux && !o->common.btf_path) {
		elog("this kernel has no BTF (/sys/kernel/btf/vmlinux): give one with --btf PATH");
		return -EOPNOTSUPP;
	}
	fl_hooks_scope(l->states, &o->common.fs);
	err = open_and_load(l, o, &refused);
	if (refused && bpf_program__autoload(l->skel->progs.task_stack)) {
		/* The holder-stack iterator is a nicety: never the reason to fail. */
		elog("the kernel refused the task stack iterator: holder stacks from /proc only");
		faultlock_bpf__destroy(l->skel);
		l->skel = NULL;
		l->opts.task_stacks = false;
		err = open_and_load(l, &l->opts, &refused);
	}
	if (err && !refused)
		return err;
	if (err) {
		elog("the kernel refused faultlock's BPF programs: %s (rerun with -vv for the verifier log)",
		     strerror(-err));
		return err;
	}
	/* writable: the scan frees a btrfs waiter slot it saw not waiting */
	l->waiters = map_slots(l->skel->maps.waiters, WAITERS_BYTES, PROT_READ | PROT_WRITE);
	l->holders = map_slots(l->skel->maps.holders, HOLDERS_BYTES, PROT_READ);
	l->demotes = map_slots(l->skel->maps.demotes, DEMOTES_BYTES, PROT_READ);
	if (o->common.cgroup_fd > 0) {
		__u32 zero = 0, fd = o->common.cgroup_fd;

		if (bpf_map_update_elem(bpf_map__fd(l->skel->maps.cgroup_filter), &zero, &fd, BPF_ANY)) {
			err = -errno;
			elog("cannot set the --cgroup filter: %s", strerror(-err));
			return err;
		}
	}
	err = faultlock_bpf__attach(l->skel);
	if (err) {
		elog("cannot attach BPF programs: %s", strerror(-err));
		return err;
	}
	l->task_stack_link = l->skel->links.task_stack;	/* attached by the skeleton when loaded */
	return attach_late_kprobes(l);
}

bool fl_loader__stall_init(const struct fl_loader *l, struct fl_stall_scanner *s)
{
	bool glocks = l->states[FL_HOOK_GLOCK_NQ].mode != FL_MODE_NONE;
	bool extents = l->states[FL_HOOK_BTRFS_SET_EXTENT_BIT].mode != FL_MODE_NONE &&
		       l->states[FL_HOOK_BTRFS_CLEAR_EXTENT_BIT].mode != FL_MODE_NONE;

	if (!l->opts.common.stall_ms || !l->waiters || !l->holders || !(glocks || extents))
		return false;
	fl_stall_init(s, l->waiters, l->holders, l->opts.common.stall_ms * 1000000ULL);
	s->task_state = fl_task_state;	/* a wait is reported while its task is blocked */
	return true;
}

bool fl_loader__remote_init(const struct fl_loader *l, struct fl_remote_scanner *s)
{
	if (!l->opts.common.stall_ms || !l->demotes || !l->holders ||
	    l->states[FL_HOOK_GLOCK_NQ].mode == FL_MODE_NONE ||
	    l->states[FL_HOOK_GLOCK_DEMOTE_RQ].mode == FL_MODE_NONE)
		return false;
	fl_remote_init(s, l->demotes, l->holders, l->opts.common.stall_ms * 1000000ULL);
	return true;
}

void fl_loader__activate(struct fl_loader *l, bool on)
{
	if (l->skel)
		l->skel->bss->ready = on;
}

int fl_loader__events_fd(const struct fl_loader *l)
{
	return bpf_map__fd(l->skel->maps.events);
}

void fl_loader__destroy(struct fl_loader *l)
{
	if (l->waiters)
		munmap((void *)l->waiters, WAITERS_BYTES);
	if (l->holders)
		munmap((void *)l->holders, HOLDERS_BYTES);
	if (l->demotes)
		munmap((void *)l->demotes, DEMOTES_BYTES);
	l->waiters = NULL;
	l->holders = NULL;
	l->demotes = NULL;
	while (l->nr_late_links > 0)
		bpf_link__destroy(l->late_links[--l->nr_late_links]);
	while (l->nr_rets > 0)
		fl_kretprobe_detach(&l->rets[--l->nr_rets]);
	faultlock_bpf__destroy(l->skel);	/* detaches every link */
	l->skel = NULL;
	if (l->mounted_tracefs)
		fl_tracefs_unmount();
	l->mounted_tracefs = false;
}

/*
 * The per-CPU maps, summed over CPUs: exact even when records were dropped.
 * Each reader gets a buffer of one value per possible CPU.
 */
/* Counter i of the per-CPU counters map, summed over the CPUs (vals: ncpu
 * slots); false if it cannot be read. */
static bool counter_sum(int fd, __u32 i, __u64 *vals, int ncpu, uint64_t *out)
{
	*out = 0;
	if (bpf_map_lookup_elem(fd, &i, vals))
		return false;
	for (int c = 0; c < ncpu; c++)
		*out += vals[c];
	return true;
}

static void read_global(int fd, struct fl_snapshot *s, __u64 *vals, int ncpu)
{
	for (__u32 i = 0; i < FL_CNT_MAX; i++)
		counter_sum(fd, i, vals, ncpu, &s->counters[i]);
}

static void read_hists(int fd, struct fl_snapshot *s, struct fl_hist_val *hv, int ncpu)
{
	for (__u32 i = 0; i < FL_HIST_MAX; i++) {
		struct fl_hist_val *sum = &s->hists[i];

		memset(sum, 0, sizeof(*sum));
		if (bpf_map_lookup_elem(fd, &i, hv))
			continue;
		for (int c = 0; c < ncpu; c++) {
			for (int k = 0; k < FL_HIST_SLOTS; k++)
				sum->slots[k] += hv[c].slots[k];
			sum->sum_ns += hv[c].sum_ns;
			sum->count += hv[c].count;
		}
	}
}

/* The first non-empty copy of a per-CPU fstype (set on the CPU that created the entry). */
static void pick_fstype(char *dst, const char *src)
{
	if (!dst[0] && src[0])
		memcpy(dst, src, FL_FSTYPE_LEN);
	dst[FL_FSTYPE_LEN - 1] = '\0';
}

static void add_fs_row(struct fl_snapshot *s, const void *k, const void *v, int ncpu)
{
	const struct fl_fs_key *key = k;
	const struct fl_fs_counters *fv = v;
	struct fl_fs_row *r = &s->fs[s->nr_fs++];

	memset(r, 0, sizeof(*r));
	r->dev = key->dev;
	r->op = key->op;
	for (int c = 0; c < ncpu; c++) {
		pick_fstype(r->fstype, fv[c].fstype);
		r->dio_calls += fv[c].dio_calls;
		r->partial_short += fv[c].dio_partial_short;
		r->partial_efault += fv[c].dio_partial_efault;
		r->retries += fv[c].dio_retries;
		r->retry_bytes += fv[c].dio_retry_bytes;
		r->same_file_fault += fv[c].same_file_fault;
	}
}

static void add_lock_row(struct fl_snapshot *s, const void *k, const void *v, int ncpu)
{
	const struct fl_lock_key *key = k;
	const struct fl_lock_counters *lv = v;
	struct fl_lock_row *r = &s->locks[s->nr_locks++];

	memset(r, 0, sizeof(*r));
	r->dev = key->dev;
	r->lock = key->lock;
	for (int c = 0; c < ncpu; c++) {
		pick_fstype(r->fstype, lv[c].fstype);
		r->acquisitions += lv[c].acquisitions;
		r->recursive += lv[c].recursive;
		r->order += lv[c].order;
		r->remote_demotes += lv[c].remote_demotes;
		for (int p = 0; p < FL_PROT_MAX; p++)
			r->fault_under_lock[p] += lv[c].fault_under_lock[p];
	}
}

/* Every entry of a per-CPU hash with 8-byte keys, while *nr < max. */
static void read_rows(int fd, struct fl_snapshot *s, const int *nr, int max, void *vals, int ncpu,
		      void (*add)(struct fl_snapshot *s, const void *key, const void *vals, int ncpu))
{
	__u64 key, next, *prev = NULL;

	while (*nr < max && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		if (!bpf_map_lookup_elem(fd, &key, vals))
			add(s, &key, vals, ncpu);
	}
}

/*
 * Runs of our programs the kernel skipped because one was already running
 * on that CPU (a trampoline's recursion guard: e.g. a glock release inside
 * an interrupt of our own program). A skipped release would be a stale held
 * entry: counted, never silent. 0 on kernels without the field (< 5.12).
 */
static uint64_t recursion_misses(const struct fl_loader *l)
{
	struct bpf_program *prog;
	uint64_t sum = 0;

	bpf_object__for_each_program(prog, l->skel->obj) {
		struct bpf_prog_info info = {};
		__u32 len = sizeof(info);
		int fd = bpf_program__fd(prog);

		if (fd >= 0 && !bpf_obj_get_info_by_fd(fd, &info, &len) &&
		    len > offsetof(struct bpf_prog_info, recursion_misses))
			sum += info.recursion_misses;
	}
	return sum;
}

/* Edges the LRU map let go of to make room: inserted, and no longer there.
 * A pair evicted before its reverse is seen is an inversion missed. */
static uint64_t order_edges_evicted(const struct fl_loader *l, uint64_t inserted)
{
	int fd = bpf_map__fd(l->skel->maps.order_edges);
	struct fl_order_key key, next;
	uint64_t live = 0;
	void *prev = NULL;

	if (!inserted || fd < 0)
		return 0;
	while (live < inserted && !bpf_map_get_next_key(fd, prev, &next)) {
		key = next;
		prev = &key;
		live++;
	}
	return inserted - live;
}

int fl_loader__task_stack(const struct fl_loader *l, pid_t tid, const struct fl_ksyms *ks,
			  char frames[][128], int max)
{
	__u64 ips[FL_MAX_STACK];
	ssize_t n, got = 0;
	int fd, nr = 0;

	if (!l->task_stack_link || tid <= 0)
		return 0;
	l->skel->bss->stack_tid = (__u32)tid;	/* the mapped .bss: no system call, no capability */
	fd = bpf_iter_create(bpf_link__fd(l->task_stack_link));
	if (fd < 0)
		return 0;
	while (got < (ssize_t)sizeof(ips) &&
	       (n = read(fd, (char *)ips + got, sizeof(ips) - got)) > 0)
		got += n;
	close(fd);
	l->skel->bss->stack_tid = 0;
	for (size_t i = 0; i < (size_t)got / sizeof(ips[0]) && nr < max; i++)
		fl_ksyms__format(ks, ips[i], frames[nr++], 128);
	return nr;
}

int64_t fl_loader__counter(const struct fl_loader *l, unsigned idx)
{
	int ncpu = libbpf_num_possible_cpus();
	uint64_t sum;
	__u64 *vals;
	bool ok;

	if (ncpu <= 0 || !(vals = calloc(ncpu, sizeof(*vals))))
		return -1;
	ok = counter_sum(bpf_map__fd(l->skel->maps.counters), idx, vals, ncpu, &sum);
	free(vals);
	return ok ? (int64_t)sum : -1;
}

uint64_t fl_loader__stall_slots_lost(void *loader)
{
	int64_t n = fl_loader__counter(loader, FL_CNT_LOST_STALL_SLOT);

	return n < 0 ? 1 : (uint64_t)n;
}

int fl_loader__read_snapshot(const struct fl_loader *l, struct fl_snapshot *s)
{
	int ncpu = libbpf_num_possible_cpus();
	size_t biggest = sizeof(struct fl_hist_val);
	void *buf;

	_Static_assert(sizeof(struct fl_hist_val) >= sizeof(struct fl_fs_counters) &&
		       sizeof(struct fl_hist_val) >= sizeof(struct fl_lock_counters) &&
		       sizeof(struct fl_hist_val) >= sizeof(__u64), "one buffer fits every map value");
	if (ncpu <= 0)
		return -EINVAL;
	buf = calloc(ncpu, biggest);
	if (!buf)
		return -ENOMEM;
	read_global(bpf_map__fd(l->skel->maps.counters), s, buf, ncpu);
	{
		/* The kernel's count of dropped returns is exact; ours (tasks
		 * seen back in user mode with a return pending) a lower bound. */
		uint64_t missed = 0;

		for (int i = 0; i < l->nr_rets; i++) {
			long m = fl_kretprobe_missed(&l->rets[i]);

			if (m > 0)
				missed += m;
		}
		if (missed > s->counters[FL_CNT_LOST_RETURN])
			s->counters[FL_CNT_LOST_RETURN] = missed;
	}
	s->counters[FL_CNT_LOST_RECURSION] = recursion_misses(l);
	s->counters[FL_CNT_ORDER_EVICTED] = order_edges_evicted(l, s->counters[FL_CNT_ORDER_EDGES]);
	read_hists(bpf_map__fd(l->skel->maps.hists), s, buf, ncpu);
	s->open_tasks = l->skel->bss->nr_open;		/* the fault programs' gate */
	s->followed_tasks = l->skel->bss->nr_followed;
	_Static_assert(sizeof(struct fl_fs_key) == 8 && sizeof(struct fl_lock_key) == 8, "read_rows keys");
	s->nr_fs = 0;
	read_rows(bpf_map__fd(l->skel->maps.fs_counters), s, &s->nr_fs, FL_MAX_FS_ROWS, buf, ncpu,
		  add_fs_row);
	s->nr_locks = 0;
	read_rows(bpf_map__fd(l->skel->maps.lock_counters), s, &s->nr_locks, FL_MAX_LOCK_ROWS, buf,
		  ncpu, add_lock_row);
	free(buf);
	return 0;
}
