// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <string.h>
#include <json-c/json.h>
#include "clustergraph.h"

/* ---- one node's /glocks ---------------------------------------------------- */

static const char *str_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string) ?
		       json_object_get_string(v) : NULL;
}

static uint64_t u64_of(json_object *o, const char *key)
{
	json_object *v;

	return json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_int) ?
		       (uint64_t)json_object_get_int64(v) : 0;
}

static void copy_str(char *dst, size_t len, const char *src)
{
	snprintf(dst, len, "%s", src ? src : "");
}

static void parse_entry(json_object *o, int node, bool wait, struct fl_cg_entry *e)
{
	json_object *v;

	memset(e, 0, sizeof(*e));
	e->node = node;
	e->pid = (uint32_t)u64_of(o, "pid");
	e->tid = (uint32_t)u64_of(o, "tid");
	copy_str(e->comm, sizeof(e->comm), str_of(o, "comm"));
	copy_str(e->table, sizeof(e->table), str_of(o, "table"));
	copy_str(e->lock, sizeof(e->lock), str_of(o, "lock"));
	copy_str(e->glock_type, sizeof(e->glock_type), str_of(o, "glock_type"));
	copy_str(e->dev, sizeof(e->dev), str_of(o, "dev"));
	copy_str(e->state, sizeof(e->state), str_of(o, wait ? "requested_state" : "held_state"));
	copy_str(e->site, sizeof(e->site), str_of(o, wait ? "requested_site" : "held_site"));
	e->ms = u64_of(o, wait ? "waited_ms" : "held_ms");
	e->verified = -1;
	if (json_object_object_get_ex(o, "verified", &v) && json_object_is_type(v, json_type_boolean))
		e->verified = json_object_get_boolean(v);
	if (!wait && json_object_object_get_ex(o, "remote_request", &v) &&
	    json_object_is_type(v, json_type_object)) {
		e->asked = true;
		e->requested_ms = u64_of(v, "requested_ms");
	}
}

static int parse_list(json_object *root, const char *key, int node, bool wait, struct fl_cg_entry *out,
		      int *dropped)
{
	json_object *a;
	int n = 0;

	if (!json_object_object_get_ex(root, key, &a) || !json_object_is_type(a, json_type_array))
		return -1;
	for (size_t i = 0; i < json_object_array_length(a); i++) {
		json_object *o = json_object_array_get_idx(a, i);

		if (!json_object_is_type(o, json_type_object))
			continue;
		if (n == FL_CG_MAX_ENTRIES) {
			(*dropped)++;
			continue;
		}
		parse_entry(o, node, wait, &out[n++]);
	}
	return n;
}

bool fl_cg_parse_node(struct fl_cg *g, int i, const char *json)
{
	struct fl_cg_node *n = &g->nodes[i];
	json_object *root = json_tokener_parse(json);
	bool ok = false;

	n->nr_waits = n->nr_holds = n->dropped = 0;
	if (!root || !json_object_is_type(root, json_type_object)) {
		snprintf(n->error, sizeof(n->error), "not a /glocks answer (no JSON object)");
		goto out;
	}
	copy_str(n->hostname, sizeof(n->hostname), str_of(root, "hostname"));
	n->nodeid = (int)u64_of(root, "nodeid");
	n->nr_waits = parse_list(root, "waiters", i, true, n->waits, &n->dropped);
	n->nr_holds = parse_list(root, "holders", i, false, n->holds, &n->dropped);
	if (n->nr_waits < 0 || n->nr_holds < 0) {
		n->nr_waits = n->nr_holds = 0;
		snprintf(n->error, sizeof(n->error), "not a /glocks answer (no waiters or holders)");
		goto out;
	}
	ok = true;
out:
	n->ok = ok;
	json_object_put(root);
	return ok;
}

/* ---- the graph --------------------------------------------------------------- */

static bool is_ex(const char *s)
{
	return !strcmp(s, "EX");
}

/* gfs2's local grant rule: shared and deferred coexist with their own kind. */
static bool states_conflict(const char *a, const char *b)
{
	return is_ex(a) || is_ex(b) || strcmp(a, b);
}

/* Does holder h hold up wait w? */
static bool holds_up(const struct fl_cg_entry *w, const struct fl_cg_entry *h)
{
	if (strcmp(w->lock, h->lock))
		return false;
	if (w->node == h->node)
		return h->tid != w->tid && !strcmp(w->dev, h->dev) && states_conflict(w->state, h->state);
	/* another node: the same file system by its lock table, and asked */
	return w->table[0] && !strcmp(w->table, h->table) && h->asked;
}

int fl_cg_edges(const struct fl_cg *g, struct fl_cg_edge *out, int max)
{
	int n = 0;

	for (int i = 0; i < g->nr_nodes; i++) {
		const struct fl_cg_node *ni = &g->nodes[i];

		for (int a = 0; a < ni->nr_waits; a++) {
			const struct fl_cg_entry *w = &ni->waits[a];
			bool any = false;

			if (w->ms < g->min_ms)
				continue;
			for (int j = 0; j < g->nr_nodes; j++)
				for (int b = 0; b < g->nodes[j].nr_holds; b++) {
					const struct fl_cg_entry *h = &g->nodes[j].holds[b];

					if (!holds_up(w, h))
						continue;
					any = true;
					if (n < max)
						out[n++] = (struct fl_cg_edge){ w, h };
				}
			if (!any && n < max)
				out[n++] = (struct fl_cg_edge){ w, NULL };
		}
	}
	return n;
}

/* The wait of the task that holds h, if it waits long enough. */
static const struct fl_cg_entry *wait_of(const struct fl_cg *g, const struct fl_cg_entry *h)
{
	const struct fl_cg_node *n = &g->nodes[h->node];

	for (int a = 0; a < n->nr_waits; a++)
		if (n->waits[a].tid == h->tid && n->waits[a].ms >= g->min_ms)
			return &n->waits[a];
	return NULL;
}

/* Tasks in a fixed order: node, then tid (a cycle is found from its least). */
static bool before(const struct fl_cg_entry *a, const struct fl_cg_entry *b)
{
	return a->node != b->node ? a->node < b->node : a->tid < b->tid;
}

struct search {
	const struct fl_cg *g;
	struct fl_cg_cycle c;
};

static int extend(struct search *s, int depth)
{
	const struct fl_cg_entry *w = s->c.wait[depth - 1];

	for (int j = 0; j < s->g->nr_nodes; j++)
		for (int b = 0; b < s->g->nodes[j].nr_holds; b++) {
			const struct fl_cg_entry *h = &s->g->nodes[j].holds[b], *next;
			bool on_path = false;

			if (!holds_up(w, h) || !(next = wait_of(s->g, h)))
				continue;
			s->c.hold[depth - 1] = h;
			if (next == s->c.wait[0])
				return depth;
			if (depth == FL_CG_MAX_CYCLE || before(next, s->c.wait[0]))
				continue;
			for (int k = 0; k < depth; k++)
				on_path |= s->c.wait[k] == next;
			if (on_path)
				continue;
			s->c.wait[depth] = next;
			{
				int n = extend(s, depth + 1);

				if (n)
					return n;
			}
		}
	return 0;
}

int fl_cg_cycles(const struct fl_cg *g, struct fl_cg_cycle *out, int max)
{
	static struct search s;
	int n = 0;

	for (int i = 0; i < g->nr_nodes && n < max; i++)
		for (int a = 0; a < g->nodes[i].nr_waits && n < max; a++) {
			const struct fl_cg_entry *w = &g->nodes[i].waits[a];

			if (w->ms < g->min_ms)
				continue;
			memset(&s, 0, sizeof(s));
			s.g = g;
			s.c.wait[0] = w;
			s.c.n = extend(&s, 1);
			if (!s.c.n)
				continue;
			s.c.verified = true;
			for (int k = 0; k < s.c.n; k++)
				s.c.verified &= s.c.wait[k]->verified == 1 && s.c.hold[k]->verified == 1;
			out[n++] = s.c;
		}
	return n;
}

void fl_cg_node_name(const struct fl_cg *g, int i, char *buf, size_t len)
{
	const struct fl_cg_node *n = &g->nodes[i];

	if (n->nodeid && n->hostname[0])
		snprintf(buf, len, "node %d (%s)", n->nodeid, n->hostname);
	else if (n->nodeid)
		snprintf(buf, len, "node %d", n->nodeid);
	else if (n->hostname[0])
		snprintf(buf, len, "%s", n->hostname);
	else
		snprintf(buf, len, "%s", n->addr);
}
