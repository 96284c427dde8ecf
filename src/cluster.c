// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * faultlock cluster ADDR:PORT...: fetches every node's /glocks (the daemons'
 * HTTP servers, all at once, each with a timeout), joins them into the
 * cluster's wait-for graph (clustergraph.c) and prints each stalled wait with
 * whoever holds it up, on whatever node, then every cycle as a deadlock.
 */
#include <argp.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <event2/buffer.h>
#include <event2/event.h>
#include <event2/http.h>
#include "clustergraph.h"
#include "faultlock.h"
#include "json.h"
#include "options.h"

#define MAX_BODY (8 << 20)	/* a /glocks answer, bytes */

static struct cluster_opts {
	bool json;
	long min_ms, timeout_s;
	const char *addrs[FL_CG_MAX_NODES];
	int nr_addrs;
} opts = { .min_ms = 1000, .timeout_s = 5 };

enum { OPT_MIN_MS = 0x100, OPT_TIMEOUT };

static const struct argp_option cluster_options[] = {
	{ "json", 'j', NULL, 0, "JSON lines: one per wait, one per deadlock, then a summary", 0 },
	{ "min-ms", OPT_MIN_MS, "MS", 0, "Waits shorter than this are left out (default 1000)", 0 },
	{ "timeout", OPT_TIMEOUT, "SECONDS", 0, "Per node, to connect and answer (default 5)", 0 },
	{ 0 },
};

/* "HOST:PORT" or "[V6ADDR]:PORT" → host, port; false if malformed. */
static bool split_addr(const char *s, char *host, size_t len, int *port)
{
	const char *colon;
	char *end;
	long p;

	if (*s == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':' || (size_t)(close - s - 1) >= len || close == s + 1)
			return false;
		memcpy(host, s + 1, close - s - 1);
		host[close - s - 1] = '\0';
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || colon == s || (size_t)(colon - s) >= len || memchr(s, ':', colon - s))
			return false;
		memcpy(host, s, colon - s);
		host[colon - s] = '\0';
	}
	p = strtol(colon + 1, &end, 10);
	if (!colon[1] || *end || p < 1 || p > 65535 || colon[1] == '+' || colon[1] == '-')
		return false;
	*port = (int)p;
	return true;
}

static error_t cluster_parse(int key, char *arg, struct argp_state *state)
{
	char host[256];
	int port;

	switch (key) {
	case 'j': opts.json = true; break;
	case OPT_MIN_MS: opts.min_ms = fl_parse_long(state, "--min-ms", arg, 0, 24L * 3600 * 1000); break;
	case OPT_TIMEOUT: opts.timeout_s = fl_parse_long(state, "--timeout", arg, 1, 600); break;
	case ARGP_KEY_ARG:
		if (!split_addr(arg, host, sizeof(host), &port))
			argp_error(state, "invalid node address '%s' (expected HOST:PORT or [ADDR]:PORT)", arg);
		if (opts.nr_addrs == FL_CG_MAX_NODES)
			argp_error(state, "at most %d nodes", FL_CG_MAX_NODES);
		opts.addrs[opts.nr_addrs++] = arg;
		break;
	case ARGP_KEY_END:
		if (!opts.nr_addrs)
			argp_error(state, "no node given: faultlock cluster ADDR:PORT... (each node's daemon)");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp_child cluster_children[] = {
	{ &fl_verbose_argp, 0, NULL, 2 },
	{ 0 },
};

static const struct argp cluster_argp = {
	.options = cluster_options,
	.parser = cluster_parse,
	.children = cluster_children,
	.args_doc = "ADDR:PORT...",
	.doc = "Fetch every node's /glocks from its faultlock daemon and print the cluster's "
	       "wait-for graph: each glock wait of at least --min-ms with whoever holds it up, on "
	       "this node or another, and every cycle as a deadlock (an error when every node's "
	       "glock dump confirms it).\v"
	       "Example:\n"
	       "  faultlock cluster 10.0.0.1:9477 10.0.0.2:9477 10.0.0.3:9477\n\n"
	       "Exit status: 0 no deadlock, 1 a confirmed deadlock, 2 usage, 3 no node answered.",
};

/* ---- fetching -------------------------------------------------------------- */

struct fetch {
	struct fl_cg *g;
	int i;
	int *pending;
	struct event_base *base;
	struct evhttp_connection *conn;
};

static void on_reply(struct evhttp_request *req, void *arg)
{
	struct fetch *f = arg;
	struct fl_cg_node *n = &f->g->nodes[f->i];

	if (!req || !evhttp_request_get_response_code(req)) {
		snprintf(n->error, sizeof(n->error), "no answer (refused, unreachable or timed out)");
	} else if (evhttp_request_get_response_code(req) != HTTP_OK) {
		snprintf(n->error, sizeof(n->error), "/glocks answered %d%s", evhttp_request_get_response_code(req),
			 evhttp_request_get_response_code(req) == HTTP_NOTFOUND ?
				 " (a daemon without glock hooks or with --stall-ms 0)" : "");
	} else {
		struct evbuffer *b = evhttp_request_get_input_buffer(req);
		size_t len = evbuffer_get_length(b);
		char *body = malloc(len + 1);

		if (!body) {
			snprintf(n->error, sizeof(n->error), "out of memory");
		} else {
			evbuffer_remove(b, body, len);
			body[len] = '\0';
			fl_cg_parse_node(f->g, f->i, body);
			free(body);
		}
	}
	if (--*f->pending == 0)
		event_base_loopbreak(f->base);
}

/* Every node at once; returns how many answered with a view. */
static int fetch_all(struct fl_cg *g)
{
	static struct fetch f[FL_CG_MAX_NODES];
	struct event_base *base = event_base_new();
	int pending = 0, ok = 0;

	if (!base)
		return 0;
	for (int i = 0; i < g->nr_nodes; i++) {
		struct fl_cg_node *n = &g->nodes[i];
		struct evhttp_request *req;
		char host[256];
		int port;

		split_addr(n->addr, host, sizeof(host), &port);
		f[i] = (struct fetch){ .g = g, .i = i, .pending = &pending, .base = base };
		f[i].conn = evhttp_connection_base_new(base, NULL, host, (unsigned short)port);
		if (!f[i].conn) {
			snprintf(n->error, sizeof(n->error), "cannot connect");
			continue;
		}
		evhttp_connection_set_timeout(f[i].conn, (int)opts.timeout_s);
		evhttp_connection_set_max_body_size(f[i].conn, MAX_BODY);
		req = evhttp_request_new(on_reply, &f[i]);
		if (!req) {
			snprintf(n->error, sizeof(n->error), "out of memory");
			continue;
		}
		evhttp_add_header(evhttp_request_get_output_headers(req), "Host", host);
		pending++;
		if (evhttp_make_request(f[i].conn, req, EVHTTP_REQ_GET, "/glocks")) {
			pending--;
			snprintf(n->error, sizeof(n->error), "cannot send the request");
		}
	}
	if (pending)
		event_base_dispatch(base);
	for (int i = 0; i < g->nr_nodes; i++) {
		if (f[i].conn)
			evhttp_connection_free(f[i].conn);
		ok += g->nodes[i].ok;
	}
	event_base_free(base);
	return ok;
}

/* ---- output ---------------------------------------------------------------- */

static void entry_text(const struct fl_cg *g, const struct fl_cg_entry *e, char *buf, size_t len)
{
	char node[96];

	fl_cg_node_name(g, e->node, node, sizeof(node));
	snprintf(buf, len, "%s %s[%u/%u]", node, e->comm, e->pid, e->tid);
}

static void print_edge_text(const struct fl_cg *g, const struct fl_cg_edge *e, bool first)
{
	char who[160];

	if (first) {
		entry_text(g, e->wait, who, sizeof(who));
		printf("%s waits %" PRIu64 " ms for %s glock %s (%s%s%s) %s, requested at %s\n", who, e->wait->ms,
		       e->wait->glock_type, e->wait->lock, e->wait->table[0] ? e->wait->table : "dev ",
		       e->wait->table[0] ? "" : e->wait->dev, "", e->wait->state, e->wait->site);
	}
	if (!e->holder) {
		printf("    holder unknown: not on a node asked, or not traced there\n");
		return;
	}
	entry_text(g, e->holder, who, sizeof(who));
	printf("    held %s by %s for %" PRIu64 " ms, acquired at %s", e->holder->state, who, e->holder->ms,
	       e->holder->site);
	if (e->holder->node != e->wait->node)
		printf("; asked for it %" PRIu64 " ms ago", e->holder->requested_ms);
	printf("\n");
}

static void json_entry(struct jw *w, const struct fl_cg *g, const char *key, const struct fl_cg_entry *e,
		       bool wait)
{
	const struct fl_cg_node *n = &g->nodes[e->node];

	jw_object(w, key);
	jw_str(w, "node", n->addr);
	if (n->nodeid)
		jw_u64(w, "nodeid", (uint64_t)n->nodeid);
	else
		jw_null(w, "nodeid");
	jw_str(w, "hostname", n->hostname);
	jw_u64(w, "pid", e->pid);
	jw_u64(w, "tid", e->tid);
	jw_str(w, "comm", e->comm);
	jw_str(w, "lock", e->lock);
	jw_str(w, "glock_type", e->glock_type);
	jw_str(w, "table", e->table[0] ? e->table : NULL);
	jw_str(w, "dev", e->dev);
	jw_str(w, wait ? "requested_state" : "held_state", e->state);
	jw_str(w, wait ? "requested_site" : "held_site", e->site);
	jw_u64(w, wait ? "waited_ms" : "held_ms", e->ms);
	if (!wait && e->asked)
		jw_u64(w, "requested_ms", e->requested_ms);
	if (e->verified < 0)
		jw_null(w, "verified");
	else
		jw_bool(w, "verified", e->verified);
	jw_end_object(w);
}

static void print_cycle_text(const struct fl_cg *g, const struct fl_cg_cycle *c)
{
	int nodes = 0;
	bool seen[FL_CG_MAX_NODES] = { false };

	for (int k = 0; k < c->n; k++)
		if (!seen[c->wait[k]->node]) {
			seen[c->wait[k]->node] = true;
			nodes++;
		}
	printf("%s deadlock: %d tasks on %d node%s wait for each other%s:\n", c->verified ? "error  " : "warning",
	       c->n, nodes, nodes == 1 ? "" : "s",
	       c->verified ? ", as every node's glock dump shows" : " (not confirmed by every node's glock dump)");
	for (int k = 0; k < c->n; k++) {
		char who[160], by[160];

		entry_text(g, c->wait[k], who, sizeof(who));
		entry_text(g, c->hold[k], by, sizeof(by));
		printf("    %s waits %" PRIu64 " ms for %s %s, held %s by %s\n", who, c->wait[k]->ms, c->wait[k]->lock,
		       c->wait[k]->state, c->hold[k]->state, by);
	}
}

int cmd_cluster(int argc, char **argv)
{
	static struct fl_cg g;
	static struct fl_cg_edge edges[FL_CG_MAX_NODES * FL_CG_MAX_ENTRIES];
	static struct fl_cg_cycle cycles[64];
	int ne, nc, answered, errors = 0;
	struct jw w;

	if (argp_parse(&cluster_argp, argc, argv, 0, NULL, NULL))
		return FL_EXIT_USAGE;
	g.nr_nodes = opts.nr_addrs;
	g.min_ms = (uint64_t)opts.min_ms;
	for (int i = 0; i < g.nr_nodes; i++)
		snprintf(g.nodes[i].addr, sizeof(g.nodes[i].addr), "%s", opts.addrs[i]);
	answered = fetch_all(&g);
	for (int i = 0; i < g.nr_nodes; i++) {
		if (!g.nodes[i].ok)
			elog("%s: %s%s", g.nodes[i].addr, g.nodes[i].error,
			     answered ? "; its waits and holds are missing from the graph" : "");
		else if (g.nodes[i].dropped)
			elog("%s: %d waits or holds beyond the %d kept per node are missing from the graph",
			     g.nodes[i].addr, g.nodes[i].dropped, FL_CG_MAX_ENTRIES);
	}
	if (!answered) {
		elog("no node answered: nothing to show");
		return FL_EXIT_ENV;
	}
	ne = fl_cg_edges(&g, edges, sizeof(edges) / sizeof(edges[0]));
	nc = fl_cg_cycles(&g, cycles, sizeof(cycles) / sizeof(cycles[0]));
	for (int k = 0; k < nc; k++)
		errors += cycles[k].verified;

	if (!opts.json) {
		printf("%d of %d nodes answered; %d glock wait%s of %ld ms or more\n", answered, g.nr_nodes,
		       ne, ne == 1 ? "" : "s", opts.min_ms);
		for (int e = 0; e < ne; e++)
			print_edge_text(&g, &edges[e], e == 0 || edges[e].wait != edges[e - 1].wait);
		for (int k = 0; k < nc; k++)
			print_cycle_text(&g, &cycles[k]);
		return errors ? FL_EXIT_FINDING : FL_EXIT_OK;
	}
	for (int e = 0; e < ne; e++) {
		jw_init(&w, stdout);	/* one object per line */
		jw_object(&w, NULL);
		jw_str(&w, "type", "cluster_wait");
		json_entry(&w, &g, "wait", edges[e].wait, true);
		if (edges[e].holder)
			json_entry(&w, &g, "holder", edges[e].holder, false);
		else
			jw_null(&w, "holder");
		jw_bool(&w, "remote", edges[e].holder && edges[e].holder->node != edges[e].wait->node);
		jw_end_object(&w);
		fputc('\n', stdout);
	}
	for (int k = 0; k < nc; k++) {
		jw_init(&w, stdout);
		jw_object(&w, NULL);
		jw_str(&w, "type", "deadlock");
		jw_str(&w, "severity", cycles[k].verified ? "error" : "warning");
		jw_bool(&w, "verified", cycles[k].verified);
		jw_u64(&w, "tasks", (uint64_t)cycles[k].n);
		jw_array(&w, "cycle");
		for (int i = 0; i < cycles[k].n; i++) {
			jw_object(&w, NULL);
			json_entry(&w, &g, "wait", cycles[k].wait[i], true);
			json_entry(&w, &g, "held_by", cycles[k].hold[i], false);
			jw_end_object(&w);
		}
		jw_end_array(&w);
		jw_end_object(&w);
		fputc('\n', stdout);
	}
	jw_init(&w, stdout);
	jw_object(&w, NULL);
	jw_str(&w, "type", "cluster_summary");
	jw_array(&w, "nodes");
	for (int i = 0; i < g.nr_nodes; i++) {
		jw_object(&w, NULL);
		jw_str(&w, "node", g.nodes[i].addr);
		jw_bool(&w, "ok", g.nodes[i].ok);
		jw_str(&w, "error", g.nodes[i].ok ? NULL : g.nodes[i].error);
		jw_str(&w, "hostname", g.nodes[i].ok ? g.nodes[i].hostname : NULL);
		if (g.nodes[i].ok && g.nodes[i].nodeid)
			jw_u64(&w, "nodeid", (uint64_t)g.nodes[i].nodeid);
		else
			jw_null(&w, "nodeid");
		jw_u64(&w, "waits", (uint64_t)g.nodes[i].nr_waits);
		jw_u64(&w, "holds", (uint64_t)g.nodes[i].nr_holds);
		jw_u64(&w, "dropped", (uint64_t)g.nodes[i].dropped);
		jw_end_object(&w);
	}
	jw_end_array(&w);
	jw_u64(&w, "waits", (uint64_t)ne);
	jw_u64(&w, "deadlocks", (uint64_t)nc);
	jw_end_object(&w);
	fputc('\n', stdout);
	return errors ? FL_EXIT_FINDING : FL_EXIT_OK;
}
