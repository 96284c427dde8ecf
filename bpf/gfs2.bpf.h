/* SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause */
/*
 * gfs2 holder and glock fields, read at fixed offsets. 5.10's gfs2.ko has no
 * BTF, so CO-RE cannot relocate them there; the layouts below are identical
 * in Debian's 5.10, 6.1 and 6.12 builds (read from their DWARF and BTF) and
 * are cross-checked at run time against the glock numbers the
 * gfs2_glock_queue tracepoint records itself (glock.bpf.c).
 */
#ifndef FAULTLOCK_GFS2_BPF_H
#define FAULTLOCK_GFS2_BPF_H

#include "faultlock.bpf.h"

/* struct gfs2_holder (56 bytes) */
#define GH_GL		16	/* struct gfs2_glock * */
#define GH_OWNER_PID	24	/* struct pid * */
#define GH_FLAGS	32	/* u16 */
#define GH_STATE	34	/* u16 */
#define GH_IFLAGS	40	/* unsigned long */
#define GH_IP		48	/* unsigned long */
/* struct gfs2_glock: gl_name is a struct lm_lockname at 8 */
#define GL_NUMBER	8	/* u64 ln_number */
#define GL_SBD		16	/* struct gfs2_sbd *ln_sbd; its sd_vfs is at 0 */
#define GL_TYPE		24	/* u32 ln_type */

#define GL_HOLDERS	64	/* struct list_head gl_holders (granted first) */
#define GH_LIST		0	/* struct list_head gh_list: empty when not queued */

#define GL_NOPID	0x200	/* 6.1+: holder not owned by a process */
#define LM_FLAG_TRY	0x1
#define LM_FLAG_TRY_1CB	0x2
#define GL_ASYNC	0x40	/* queued, waited for later with a timeout (rename) */
#define GL_NOBLOCK	0x800	/* 6.12+: fails instead of waiting */
#define LM_ST_EXCLUSIVE	1
#define LM_ST_DEFERRED	2
#define LM_ST_SHARED	3
#define HIF_MAY_DEMOTE	1	/* gh_iflags bit, 5.16 .. 6.x */
#define HIF_HOLDER	6	/* gh_iflags: granted */
#define HIF_WAIT	10	/* gh_iflags: waiting */
#define FL_HOLDERS_WALK	16	/* holders of one glock looked at, at most */
#define LM_TYPE_NONDISK	1
#define LM_TYPE_INODE	2
#define LM_TYPE_IOPEN	5
#define LM_TYPE_FLOCK	6
#define LM_TYPE_JOURNAL	9

/*
 * Holders that belong to the file system, not to the task that queued them:
 * GL_NOPID ones (6.1+) and, on kernels without that flag, the same kinds by
 * glock type — the iopen glock is held for as long as the inode is cached,
 * the non-disk and journal glocks for as long as the mount. Tracking them as
 * the task's would flag every later fault.
 */
static __always_inline bool holder_is_task_owned(__u16 flags, __u32 type)
{
	/* flock glocks too: held across system calls, released by whoever
	 * unlocks or closes, and never a recursion to the kernel. */
	return !(flags & GL_NOPID) && type != LM_TYPE_IOPEN && type != LM_TYPE_NONDISK &&
	       type != LM_TYPE_JOURNAL && type != LM_TYPE_FLOCK;
}

static __always_inline __u64 rd64(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u32 rd32(__u64 addr)
{
	__u32 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline __u16 rd16(__u64 addr)
{
	__u16 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (void *)addr);
	return v;
}

static __always_inline struct super_block *glock_sb(__u64 gl)
{
	return (struct super_block *)rd64(rd64(gl + GL_SBD));
}

static __always_inline void glock_id(__u64 gl, struct fl_lock_id *id)
{
	id->number = rd64(gl + GL_NUMBER);
	id->type = rd32(gl + GL_TYPE);
	id->dev = BPF_CORE_READ(glock_sb(gl), s_dev);
}

/*
 * The device's glock counters: created (a bucket lock, once per device) by
 * the lock paths, which pass the glock; the fault path passes 0 and only
 * looks up: the acquisition under which it faults has created the entry.
 */
static __always_inline struct fl_lock_counters *glock_counters(__u32 dev, __u64 gl)
{
	struct fl_lock_key key = { .dev = dev, .lock = FL_LOCK_GLOCK };
	struct fl_lock_counters zero = {}, *c = bpf_map_lookup_elem(&lock_counters, &key);

	if (c || !gl)
		return c;
	return counters_get(&lock_counters, &key, &zero, zero.fstype, glock_sb(gl), FL_CNT_LOST_LOCKMAP);
}

/*
 * The fixed offsets above, checked at each traced gfs2_glock_queue(gh, 1)
 * against gfs2's own record (glock.bpf.c): until one check has passed, and
 * after any has failed, no recursive_lock is reported (counted as
 * unverified instead). layout_check: that tracepoint is attached.
 */
enum { FL_LAYOUT_UNCHECKED = 0, FL_LAYOUT_OK = 1, FL_LAYOUT_BAD = 2 };
extern const volatile bool layout_check;
extern volatile __u32 layout_state;

/*
 * The kernel's own view of a held entry: its holder is still queued on the
 * glock (gh_list not empty, gh_gl unchanged, granted or waiting). Releases
 * we did not see (a dequeue in another context, a missed probe) fail here.
 */
static __always_inline bool held_still_queued(const struct fl_held *h)
{
	__u64 ifl = rd64(h->gh + GH_IFLAGS);

	return rd64(h->gh + GH_LIST) != h->gh && rd64(h->gh + GH_GL) == h->gl &&
	       (ifl & ((1UL << HIF_HOLDER) | (1UL << HIF_WAIT)));
}

/* Drops held entry i (the last takes its slot: the set stays dense). */
static __always_inline void held_drop(struct fl_task *t, __u32 i)
{
	__u32 n = t->nr_held;

	if (!n || n > FL_MAX_HELD)
		return;
	t->held[i & (FL_MAX_HELD - 1)] = t->held[(n - 1) & (FL_MAX_HELD - 1)];
	t->nr_held = n - 1;
}

/* The held glock acquired last, or NULL. */
static __always_inline struct fl_held *held_top(struct fl_task *t)
{
	__u32 n = t->nr_held;

	if (n == 0 || n > FL_MAX_HELD)
		return NULL;
	return &t->held[(n - 1) & (FL_MAX_HELD - 1)];
}

#endif
