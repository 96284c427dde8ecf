// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "deadlock.h"
#include "btrfsfs.h"
#include "glockdump.h"
#include "names.h"
#include "report.h"

#define VERIFY_BACKOFF_NS 1000000000ULL	/* after a contradiction, a dump a second at most */
#define LM_ST_EXCLUSIVE 1

void fl_deadlock_init(struct fl_deadlock_finder *f, const volatile struct fl_waiter *waiters,
		      const volatile struct fl_holder *holders, uint64_t threshold_ns)
{
	memset(f, 0, sizeof(*f));
	f->waiters = waiters;
	f->holders = holders;
	f->threshold_ns = threshold_ns;
	f->dump_glob = "/sys/kernel/debug/gfs2/*/glocks";
}

/* gfs2's local grant rule: shared and deferred coexist with their own kind. */
static bool states_conflict(unsigned a, unsigned b)
{
	return a == LM_ST_EXCLUSIVE || b == LM_ST_EXCLUSIVE || a != b;
}

/* One scan's consistent copy of the waits old enough to look at. */
struct wait_set {
	struct fl_waiter w[FL_STALL_SLOTS];
	int n;
};

static int wait_of(const struct wait_set *ws, uint32_t tid)
{
	for (int i = 0; i < ws->n; i++)
		if (ws->w[i].tid == tid)
			return i;
	return -1;
}

struct search {
	struct fl_deadlock_finder *f;
	const struct wait_set *ws;
	int start;
	int path[FL_DEADLOCK_MAX];		/* wait indexes */
	struct fl_holder by[FL_DEADLOCK_MAX];	/* path[i]'s glock, held by path[i+1] */
	bool on_path[FL_STALL_SLOTS];
};

/* h keeps w waiting: another task holding w's glock in a conflicting mode,
 * or part of w's btrfs range (extent locks are exclusive; another task's
 * request still waiting for it is not a holding: dd behind a task
 * deadlocked on its own range does not close a cycle with it). */
static bool blocks(const struct fl_deadlock_finder *f, const struct fl_waiter *w, const struct fl_holder *h)
{
	if (h->tid == w->tid)
		return false;	/* a task on itself: recursive_lock's */
	if (w->provider == FL_LOCK_BTRFS_EXTENT)	/* a request still waiting holds nothing to wait for */
		return fl_stall_range_holds(w, h) && !fl_stall_is_pending_request(f->waiters, h);
	return h->provider == FL_LOCK_GLOCK && h->gl == w->gl && states_conflict(w->state, h->state);
}

/*
 * Depth-first from path[depth - 1]: a holder of its lock in a conflicting
 * mode that is itself waiting, until the start comes round again. Only
 * cycles whose start has the smallest tid count: each is found once.
 */
static int extend(struct search *s, int depth)
{
	const struct fl_waiter *w = &s->ws->w[s->path[depth - 1]];
	uint32_t base = fl_stall_slot_of_gl(w->gl) * FL_STALL_WAYS;

	for (uint32_t k = 0; k < FL_STALL_WAYS; k++) {
		struct fl_holder h;
		int next;

		if (!fl_stall_copy_holder(&s->f->holders[base + k], &h) || !blocks(s->f, w, &h))
			continue;
		next = wait_of(s->ws, h.tid);
		if (next < 0)
			continue;	/* the holder is running (or waits too briefly yet) */
		s->by[depth - 1] = h;
		if (next == s->start)
			return depth;
		if (depth == FL_DEADLOCK_MAX || s->on_path[next] ||
		    s->ws->w[next].tid < s->ws->w[s->start].tid)
			continue;
		s->path[depth] = next;
		s->on_path[next] = true;
		{
			int n = extend(s, depth + 1);

			if (n)
				return n;
		}
		s->on_path[next] = false;
	}
	return 0;
}

/* The cycle's identity: its waits, from the smallest tid round. */
static uint64_t cycle_key(const struct fl_deadlock *d)
{
	uint64_t k = 0xcbf29ce484222325ULL;

	for (int i = 0; i < d->n; i++) {
		const uint64_t parts[3] = { d->links[i].w.tid, d->links[i].w.since, d->links[i].w.gl };

		for (int p = 0; p < 3; p++) {
			k ^= parts[p];
			k *= 0x100000001b3ULL;
		}
	}
	return k;
}

static bool was_reported(const struct fl_deadlock_finder *f, uint64_t key)
{
	for (int i = 0; i < FL_DEADLOCK_REMEMBER; i++)
		if (f->reported[i] == key)
			return true;
	return false;
}

struct dump_match {
	bool waits, holds;
};

struct verify_ctx {
	const struct fl_deadlock *d;
	struct dump_match m[FL_DEADLOCK_MAX];
};

static bool all_matched(const struct verify_ctx *c)
{
	for (int i = 0; i < c->d->n; i++)
		if (!c->m[i].waits || !c->m[i].holds)
			return false;
	return true;
}

/* Each holder line of the dumps: a wait or a hold of the cycle? */
static bool match_holder(void *arg, const struct fl_dump_glock *g, const struct fl_dump_holder *h)
{
	struct verify_ctx *c = arg;

	for (int i = 0; i < c->d->n; i++) {
		const struct fl_deadlock_link *l = &c->d->links[i];

		if (l->w.provider != FL_LOCK_GLOCK || l->w.id.type != g->type || l->w.id.number != g->number)
			continue;
		if (fl_dump_pid_is(g, h, l->w.tid) && strchr(h->flags, 'W'))
			c->m[i].waits = true;
		if (fl_dump_pid_is(g, h, l->h.tid) && strchr(h->flags, 'H'))
			c->m[i].holds = true;
	}
	return all_matched(c);
}

enum fl_deadlock_check fl_deadlock_verify(const struct fl_deadlock *d, const char *pattern,
					  char *why, size_t len)
{
	struct verify_ctx c = { .d = d };
	bool glocks = false;
	int read;

	for (int i = 0; i < d->n; i++) {
		if (d->links[i].w.provider == FL_LOCK_GLOCK)
			glocks = true;
		else
			c.m[i].waits = c.m[i].holds = true;	/* not in a glock dump */
	}
	if (!glocks) {
		why[0] = '\0';
		return FL_DL_VERIFIED;
	}
	read = fl_dump_walk_glob(pattern, match_holder, &c);

	if (read == FL_DUMP_TOO_BIG) {
		snprintf(why, len, "the gfs2 glock dumps at %s are larger than %zu MiB: not read to their end",
			 pattern, fl_dump_max_bytes >> 20);
		return FL_DL_UNVERIFIED;
	}
	if (read < 0) {
		snprintf(why, len, "no gfs2 glock dump at %s (debugfs not mounted, or not root)", pattern);
		return FL_DL_UNVERIFIED;
	}
	if (!read) {
		snprintf(why, len, "cannot read the gfs2 glock dumps at %s", pattern);
		return FL_DL_UNVERIFIED;
	}
	for (int i = 0; i < d->n; i++) {
		if (!c.m[i].waits || !c.m[i].holds) {
			snprintf(why, len, "the glock dump shows no %s of %u:%" PRIu64 " by tid %u",
				 c.m[i].waits ? "hold" : "wait", d->links[i].w.id.type,
				 (uint64_t)d->links[i].w.id.number,
				 c.m[i].waits ? d->links[i].h.tid : d->links[i].w.tid);
			return FL_DL_CONTRADICTED;
		}
	}
	why[0] = '\0';
	return FL_DL_VERIFIED;
}

/*
 * The btrfs links: each waiter's kernel stack in an extent wait now (the
 * request alone does not say it still waits), and no holder record lost
 * (a lost one could leave an older holder named in its place).
 */
static enum fl_deadlock_check verify_ranges(struct fl_deadlock_finder *f, struct fl_deadlock *d,
					    char *why, size_t len)
{
	uint64_t lost;

	for (int i = 0; i < d->n; i++) {
		struct fl_deadlock_link *l = &d->links[i];
		char comm[FL_COMM_LEN + 1];
		int n;

		if (l->w.provider != FL_LOCK_BTRFS_EXTENT)
			continue;
		n = fl_stall_task_stack(f->read_stack, f->read_stack_arg, l->w.pid, l->w.tid, l->frames,
					FL_STALL_FRAMES);
		l->nr_frames = n > 0 ? n : 0;
		fl_copy_printable(comm, l->w.comm, sizeof(comm));
		if (n <= 0) {
			snprintf(why, len, "no kernel stack of %s[%u] readable: its extent wait is not confirmed",
				 comm, l->w.tid);
			return FL_DL_UNVERIFIED;
		}
		if (!fl_stall_extent_waiter_site((const char (*)[128])l->frames, n, l->wait_frame,
						 sizeof(l->wait_frame))) {
			snprintf(why, len, "%s[%u] is not in an extent wait", comm, l->w.tid);
			return FL_DL_CONTRADICTED;
		}
	}
	lost = f->lost_slots ? f->lost_slots(f->lost_slots_arg) : 0;
	if (lost) {
		snprintf(why, len, "%" PRIu64 " lock_stall slot records were lost in this run "
			 "(stall_slot_busy): the btrfs holders are not certain", lost);
		return FL_DL_UNVERIFIED;
	}
	return FL_DL_VERIFIED;
}

int fl_deadlock_scan(struct fl_deadlock_finder *f, uint64_t now,
		     void (*cb)(struct fl_deadlock *d, void *arg), void *arg)
{
	static struct wait_set ws;
	static struct search s;
	static struct fl_deadlock d;
	int reported = 0;

	ws.n = 0;
	for (int i = 0; i < FL_STALL_SLOTS; i++) {
		uint64_t since = f->waiters[i].since;

		if (!since || since > now || now - since < f->threshold_ns)
			continue;
		/* btrfs: the request may have been granted; verify_ranges asks
		 * the stacks of a cycle's waiters */
		if (fl_stall_copy_waiter(&f->waiters[i], &ws.w[ws.n]) &&
		    (ws.w[ws.n].provider == FL_LOCK_GLOCK || ws.w[ws.n].provider == FL_LOCK_BTRFS_EXTENT))
			ws.n++;
	}
	for (int start = 0; ws.n >= 2 && start < ws.n; start++) {
		int n;
		uint64_t key;

		memset(&s, 0, sizeof(s));
		s.f = f;
		s.ws = &ws;
		s.start = start;
		s.path[0] = start;
		s.on_path[start] = true;
		n = extend(&s, 1);
		if (!n)
			continue;
		memset(&d, 0, sizeof(d));
		d.now = now;
		d.n = n;
		for (int i = 0; i < n; i++) {
			d.links[i].w = ws.w[s.path[i]];
			d.links[i].h = s.by[i];
			if (d.links[i].w.provider == FL_LOCK_BTRFS_EXTENT)
				d.ranges = true;
			else
				d.glocks = true;
		}
		key = cycle_key(&d);
		if (was_reported(f, key) || now < f->verify_after)
			continue;
		d.check = fl_deadlock_verify(&d, f->dump_glob, d.why, sizeof(d.why));
		if (d.check != FL_DL_CONTRADICTED && d.ranges) {
			char why[sizeof(d.why)];
			enum fl_deadlock_check r = verify_ranges(f, &d, why, sizeof(why));

			if (r == FL_DL_CONTRADICTED || (r == FL_DL_UNVERIFIED && d.check == FL_DL_VERIFIED)) {
				d.check = r;
				memcpy(d.why, why, sizeof(d.why));
			}
		}
		if (d.check == FL_DL_CONTRADICTED) {
			/* It moved on while we looked, or a slot is stale: a
			 * later scan looks again, not every 100 ms. */
			f->contradicted++;
			f->verify_after = now + VERIFY_BACKOFF_NS;
			continue;
		}
		if (d.check == FL_DL_UNVERIFIED)
			f->unverified++;
		f->reported[f->next_reported] = key;
		f->next_reported = (f->next_reported + 1) % FL_DEADLOCK_REMEMBER;
		f->found++;
		reported++;
		cb(&d, arg);
	}
	return reported;
}

struct print_ctx {
	struct fl_deadlock_finder *f;
	struct fl_output *o;
};

static void print_deadlock(struct fl_deadlock *d, void *arg)
{
	struct print_ctx *p = arg;

	if (!p->o->f)
		return;		/* counted only (a daemon without --events) */
	for (int i = 0; i < d->n; i++) {
		const struct fl_waiter *w = &d->links[i].w;

		d->links[i].nr_frames = fl_stall_task_stack(p->f->read_stack, p->f->read_stack_arg, w->pid,
							    w->tid, d->links[i].frames, FL_STALL_FRAMES);
		if (w->provider == FL_LOCK_BTRFS_EXTENT && !d->btrfs_dev)
			fl_btrfs_find_mount(NULL, (const uint8_t *)w->range.fsid, w->range.root, &d->btrfs_dev,
					    d->btrfs_mnt, sizeof(d->btrfs_mnt));
	}
	fl_output_deadlock(p->o, d);
}

int fl_deadlock_report(struct fl_deadlock_finder *f, uint64_t now, struct fl_output *o)
{
	struct print_ctx p = { .f = f, .o = o };
	int n = fl_deadlock_scan(f, now, print_deadlock, &p);

	if (n > 0 && o->f)
		fflush(o->f);
	return n;
}
