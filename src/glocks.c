// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include "glockdump.h"
#include "glocks.h"
#include "json.h"
#include "ksyms.h"
#include "names.h"
#include "remote.h"
#include "stall.h"

static uint64_t ms_since(uint64_t now, uint64_t t)
{
	return t && t <= now ? (now - t) / 1000000 : 0;
}

/* The glock's names: lock "TYPE:NUMBER", its kind, device, lock table. */
static void lock_fields(struct jw *w, const struct fl_glocks_src *s, const struct fl_lock_id *id)
{
	char name[48], dev[24];

	snprintf(name, sizeof(name), "%u:%" PRIu64, id->type, (uint64_t)id->number);
	fl_format_dev(id->dev, dev, sizeof(dev));
	jw_str(w, "lock", name);
	jw_str(w, "glock_type", fl_glock_type_name(id->type));
	jw_str(w, "dev", dev);
	jw_str(w, "table", fl_gfs2_table_of(s->fs, s->nr_fs, id->dev));
}

/* One scan's copies, and what the glock dump says of each. */
struct glock_set {
	struct fl_waiter w[FL_STALL_SLOTS];
	bool w_seen[FL_STALL_SLOTS];
	int nw;
	struct fl_holder h[FL_STALL_SLOTS * FL_STALL_WAYS];	/* only those listed */
	bool h_seen[FL_STALL_SLOTS * FL_STALL_WAYS];
	int h_local[FL_STALL_SLOTS * FL_STALL_WAYS];		/* waiters here for it */
	struct fl_demote h_asked[FL_STALL_SLOTS * FL_STALL_WAYS];	/* since 0: not asked */
	int nh;
	int dumps;		/* dumps read; <= 0: nothing verified */
};

/* A dump's holder line: a wait (W) or a hold (H) of one of ours. */
static bool mark_seen(void *arg, const struct fl_dump_glock *g, const struct fl_dump_holder *dh)
{
	struct glock_set *gs = arg;

	for (int i = 0; i < gs->nw; i++)
		if (gs->w[i].id.type == g->type && gs->w[i].id.number == g->number &&
		    fl_dump_pid_is(g, dh, gs->w[i].tid) && strchr(dh->flags, 'W'))
			gs->w_seen[i] = true;
	for (int k = 0; k < gs->nh; k++)
		if (gs->h[k].id.type == g->type && gs->h[k].id.number == g->number &&
		    fl_dump_pid_is(g, dh, gs->h[k].tid) && strchr(dh->flags, 'H'))
			gs->h_seen[k] = true;
	return false;
}

/* Longest first (insertion sort: the lists are short). */
static void sort_by_age(struct glock_set *gs)
{
	for (int i = 1; i < gs->nw; i++)
		for (int j = i; j > 0 && gs->w[j].since < gs->w[j - 1].since; j--) {
			struct fl_waiter t = gs->w[j];

			gs->w[j] = gs->w[j - 1];
			gs->w[j - 1] = t;
		}
	for (int i = 1; i < gs->nh; i++)
		for (int j = i; j > 0 && gs->h[j].since < gs->h[j - 1].since; j--) {
			struct fl_holder t = gs->h[j];
			struct fl_demote d = gs->h_asked[j];
			int l = gs->h_local[j];

			gs->h[j] = gs->h[j - 1];
			gs->h_asked[j] = gs->h_asked[j - 1];
			gs->h_local[j] = gs->h_local[j - 1];
			gs->h[j - 1] = t;
			gs->h_asked[j - 1] = d;
			gs->h_local[j - 1] = l;
		}
}

static void verified(struct jw *w, const struct glock_set *gs, bool seen)
{
	if (gs->dumps > 0 || (gs->dumps == FL_DUMP_TOO_BIG && seen))
		jw_bool(w, "verified", seen);
	else		/* no dump, or not found in the part of a huge one read */
		jw_null(w, "verified");
}

int fl_glocks_render(FILE *f, const struct fl_glocks_src *s)
{
	static struct glock_set gs;
	char site[256];
	struct jw w;

	gs.nw = gs.nh = 0;
	for (int i = 0; i < FL_STALL_SLOTS; i++)
		if (s->waiters[i].since && fl_stall_copy_waiter(&s->waiters[i], &gs.w[gs.nw]) &&
		    gs.w[gs.nw].provider == FL_LOCK_GLOCK)
			gs.nw++;
	/* Holders that keep someone waiting: a waiter here on the same glock,
	 * or another node's request that came after the grant. */
	for (int k = 0; k < FL_STALL_SLOTS * FL_STALL_WAYS; k++) {
		struct fl_holder *h = &gs.h[gs.nh];
		struct fl_demote *d = &gs.h_asked[gs.nh];
		int local = 0;

		if (!s->holders[k].gl || !fl_stall_copy_holder(&s->holders[k], h) || h->provider != FL_LOCK_GLOCK)
			continue;
		for (int i = 0; i < gs.nw; i++)
			local += gs.w[i].gl == h->gl && gs.w[i].tid != h->tid;
		memset(d, 0, sizeof(*d));
		if (s->demotes) {
			uint32_t slot = fl_demote_slot_of(h->id.type, h->id.number);

			if (!fl_remote_copy_demote(&s->demotes[slot], d) || !fl_lock_id_same(&d->id, &h->id) ||
			    d->since <= h->since)
				memset(d, 0, sizeof(*d));
		}
		if (!local && !d->since)
			continue;
		gs.h_local[gs.nh++] = local;
	}
	sort_by_age(&gs);
	memset(gs.w_seen, 0, sizeof(gs.w_seen));
	memset(gs.h_seen, 0, sizeof(gs.h_seen));
	gs.dumps = s->dump_glob && (gs.nw || gs.nh) ? fl_dump_walk_glob(s->dump_glob, mark_seen, &gs) : -1;

	jw_init(&w, f);
	jw_object(&w, NULL);
	jw_str(&w, "hostname", s->hostname);
	if (s->nodeid)
		jw_u64(&w, "nodeid", (uint64_t)s->nodeid);
	else
		jw_null(&w, "nodeid");
	jw_u64(&w, "now_ms", s->now / 1000000);
	jw_array(&w, "filesystems");
	for (int i = 0; i < s->nr_fs; i++) {
		char dev[24];

		fl_format_dev(s->fs[i].dev, dev, sizeof(dev));
		jw_object(&w, NULL);
		jw_str(&w, "dev", dev);
		jw_str(&w, "table", s->fs[i].table);
		jw_end_object(&w);
	}
	jw_end_array(&w);

	jw_array(&w, "waiters");
	for (int i = 0; i < gs.nw; i++) {
		const struct fl_waiter *x = &gs.w[i];
		char comm[FL_COMM_LEN + 1];

		jw_object(&w, NULL);
		jw_u64(&w, "pid", x->pid);
		jw_u64(&w, "tid", x->tid);
		fl_copy_printable(comm, x->comm, sizeof(comm));
		jw_str(&w, "comm", comm);
		lock_fields(&w, s, &x->id);
		jw_str(&w, "requested_state", fl_lock_state_name(x->state));
		fl_ksyms__format(s->ks, x->ip, site, sizeof(site));
		jw_str(&w, "requested_site", site);
		jw_u64(&w, "waited_ms", ms_since(s->now, x->since));
		verified(&w, &gs, gs.w_seen[i]);
		jw_end_object(&w);
	}
	jw_end_array(&w);

	jw_array(&w, "holders");
	for (int k = 0; k < gs.nh; k++) {
		const struct fl_holder *h = &gs.h[k];
		const struct fl_demote *d = &gs.h_asked[k];
		char comm[FL_COMM_LEN + 1];

		jw_object(&w, NULL);
		jw_u64(&w, "pid", h->pid);
		jw_u64(&w, "tid", h->tid);
		fl_copy_printable(comm, h->comm, sizeof(comm));
		jw_str(&w, "comm", comm);
		lock_fields(&w, s, &h->id);
		jw_str(&w, "held_state", fl_lock_state_name(h->state));
		fl_ksyms__format(s->ks, h->ip, site, sizeof(site));
		jw_str(&w, "held_site", site);
		jw_u64(&w, "held_ms", ms_since(s->now, h->since));
		jw_u64(&w, "local_waiters", (uint64_t)gs.h_local[k]);
		verified(&w, &gs, gs.h_seen[k]);
		if (d->since) {
			jw_object(&w, "remote_request");
			jw_u64(&w, "requested_ms", ms_since(s->now, d->since));
			jw_str(&w, "demote_to", fl_trace_state_name(d->dmt_state));
			jw_u64(&w, "requests", d->count);
			jw_end_object(&w);
		} else {
			jw_null(&w, "remote_request");
		}
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_end_object(&w);
	fputc('\n', f);
	return ferror(f) ? -EIO : 0;
}
