// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include "glockdump.h"
#include "remote.h"
#include "report.h"

#define VERIFY_BACKOFF_NS 1000000000ULL	/* after a contradiction, a dump a second at most */

void fl_remote_init(struct fl_remote_scanner *s, const volatile struct fl_demote *demotes,
		    const volatile struct fl_holder *holders, uint64_t threshold_ns)
{
	memset(s, 0, sizeof(*s));
	s->demotes = demotes;
	s->holders = holders;
	s->threshold_ns = threshold_ns;
	s->dump_glob = "/sys/kernel/debug/gfs2/*/glocks";
}

bool fl_remote_copy_demote(const volatile struct fl_demote *live, struct fl_demote *out)
{
	return fl_slot_copy(live, out, sizeof(*out)) && out->since;
}

struct verify_ctx {
	struct fl_remote_demote *r;
	bool glock_seen, demote_flag, held;
};

static bool match_holder(void *arg, const struct fl_dump_glock *g, const struct fl_dump_holder *h)
{
	struct verify_ctx *c = arg;

	if (g->type != c->r->d.id.type || g->number != c->r->d.id.number)
		return false;
	if (!c->glock_seen) {
		c->glock_seen = true;
		memcpy(c->r->glock_flags, g->flags, sizeof(c->r->glock_flags));
		c->r->dump_demote_us = g->demote_us;
		/* D: demote requested; d: pending until the minimum hold time is up */
		c->demote_flag = strchr(g->flags, 'D') || strchr(g->flags, 'd');
	}
	if (strchr(h->flags, 'H') && fl_dump_pid_is(g, h, c->r->h.tid))
		c->held = true;
	return c->demote_flag && c->held;
}

enum fl_remote_check fl_remote_verify(struct fl_remote_demote *r, const char *glob)
{
	struct verify_ctx c = { .r = r };
	int read = fl_dump_walk_glob(glob, match_holder, &c);

	if (read == FL_DUMP_TOO_BIG) {
		snprintf(r->why, sizeof(r->why), "the gfs2 glock dumps at %s are larger than %zu MiB: "
			 "not read to their end", glob, fl_dump_max_bytes >> 20);
		return FL_RD_UNVERIFIED;
	}
	if (read <= 0) {
		snprintf(r->why, sizeof(r->why), read < 0 ?
			 "no gfs2 glock dump at %s (debugfs not mounted, or not root)" :
			 "cannot read the gfs2 glock dumps at %s", glob);
		return FL_RD_UNVERIFIED;
	}
	if (c.demote_flag && c.held) {
		r->why[0] = '\0';
		return FL_RD_VERIFIED;
	}
	snprintf(r->why, sizeof(r->why), "the glock dump shows %s", !c.glock_seen ? "no such glock held" :
		 !c.demote_flag ? "no demote requested" : "no granted holder of that task");
	return FL_RD_CONTRADICTED;
}

/* One scan's copies: requests old enough, and the holders granted here. */
struct scan_set {
	struct fl_demote d[FL_DEMOTE_SLOTS];
	uint32_t slot[FL_DEMOTE_SLOTS];
	int nd;
	struct fl_holder h[FL_STALL_SLOTS * FL_STALL_WAYS];
	int nh;
};

int fl_remote_scan(struct fl_remote_scanner *s, uint64_t now,
		   void (*cb)(struct fl_remote_demote *r, void *arg), void *arg)
{
	static struct scan_set ss;
	static struct fl_remote_demote r;
	int n = 0;

	ss.nd = 0;
	for (uint32_t i = 0; i < FL_DEMOTE_SLOTS; i++) {
		uint64_t since = s->demotes[i].since;

		if (!since || since > now || now - since < s->threshold_ns || s->reported[i] == since)
			continue;
		if (!fl_remote_copy_demote(&s->demotes[i], &ss.d[ss.nd]))
			continue;	/* changing: a new request, looked at when it is old enough */
		ss.slot[ss.nd++] = i;
	}
	if (!ss.nd)
		return 0;	/* the usual case: the holders are not read */
	ss.nh = 0;
	for (int k = 0; k < FL_STALL_SLOTS * FL_STALL_WAYS; k++)
		if (s->holders[k].gl && fl_stall_copy_holder(&s->holders[k], &ss.h[ss.nh]) &&
		    ss.h[ss.nh].provider == FL_LOCK_GLOCK)
			ss.nh++;
	for (int i = 0; i < ss.nd; i++) {
		const struct fl_demote *d = &ss.d[i];

		memset(&r, 0, sizeof(r));
		for (int k = 0; k < ss.nh; k++) {
			const struct fl_holder *h = &ss.h[k];

			/* granted after the request: a later episode, not the one blocking it */
			if (!fl_lock_id_same(&h->id, &d->id) || h->since >= d->since)
				continue;
			if (!r.nr_holders || h->since < r.h.since)
				r.h = *h;
			r.nr_holders++;
		}
		if (!r.nr_holders) {
			/* Released before the request aged: nobody here kept that node
			 * waiting; no later holder can be older than the request. */
			s->reported[ss.slot[i]] = d->since;
			continue;
		}
		if (now < s->verify_after)
			continue;	/* looked at again after the backoff */
		r.now = now;
		r.d = *d;
		r.check = fl_remote_verify(&r, s->dump_glob);
		s->reported[ss.slot[i]] = d->since;
		if (r.check == FL_RD_CONTRADICTED) {
			/* The hold or the demote ended while we looked (or a holder slot
			 * is stale): counted, never reported. */
			s->contradicted++;
			s->verify_after = now + VERIFY_BACKOFF_NS;
			continue;
		}
		if (r.check == FL_RD_UNVERIFIED)
			s->unverified++;
		s->found++;
		n++;
		cb(&r, arg);
	}
	return n;
}

struct print_ctx {
	struct fl_remote_scanner *s;
	struct fl_output *o;
};

static void print_remote(struct fl_remote_demote *r, void *arg)
{
	struct print_ctx *p = arg;

	if (!p->o->f)
		return;		/* counted only (a daemon without --events) */
	r->nr_frames = fl_stall_task_stack(p->s->read_stack, p->s->read_stack_arg, r->h.pid, r->h.tid,
					   r->frames, FL_STALL_FRAMES);
	fl_output_remote(p->o, r);
}

int fl_remote_report(struct fl_remote_scanner *s, uint64_t now, struct fl_output *o)
{
	struct print_ctx p = { .s = s, .o = o };
	int n = fl_remote_scan(s, now, print_remote, &p);

	if (n > 0 && o->f)
		fflush(o->f);
	return n;
}
