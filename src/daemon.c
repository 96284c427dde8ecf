// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `faultlock daemon`: every task traced, counters served to Prometheus.
 *
 * One libevent loop, no polling: the ring buffer's epoll fd, SIGTERM/SIGINT/
 * SIGHUP, the HTTP server and (with --textfile) one interval timer. Metrics
 * are the kernel's per-CPU counters read at scrape time, never rebuilt from
 * the event stream, so a lost event does not skew them. After attach the
 * process keeps no capability it does not need (none on kernels where map
 * reads through an open fd are unprivileged, 5.19+).
 */
#include <argp.h>
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/libbpf.h>
#include <event2/event.h>
#include "faultlock.h"
#include "options.h"
#include "caps.h"
#include "eventlog.h"
#include "resolve.h"
#include "http.h"
#include "deadlock.h"
#include "ksyms.h"
#include "loader.h"
#include "export.h"
#include "metrics.h"
#include "report.h"
#include "dlmview.h"
#include "glocks.h"
#include "remote.h"
#include "stall.h"
#include "textfile.h"
#include "aggregate.h"

enum {
	OPT_LISTEN = 1000,
	OPT_NO_LISTEN,
	OPT_EVENTS,
	OPT_TEXTFILE,
	OPT_INTERVAL,
};

#define DEFAULT_LISTEN "127.0.0.1:9477"

static struct daemon_opts {
	const char *listen;
	bool listen_given, no_listen, stacks, interval_given;
	const char *events;	/* path, "-" for stdout, NULL: none */
	const char *textfile;
	long interval;
	struct fl_common_opts common;	/* filters and tuning, shared with trace */
	struct sockaddr_storage addr;
	socklen_t addrlen;
} opts = { .listen = DEFAULT_LISTEN, .interval = 15, .common = FL_COMMON_OPTS_INIT };

static const struct argp_option daemon_options[] = {
	{ NULL, 0, NULL, 0, "Prometheus:", 1 },
	{ "listen", OPT_LISTEN, "ADDR:PORT", 0,
	  "Serve /metrics on ADDR:PORT (numeric; IPv6 as [ADDR]:PORT; port 0: any free port; "
	  "default " DEFAULT_LISTEN ")", 1 },
	{ "no-listen", OPT_NO_LISTEN, NULL, 0, "No HTTP server", 1 },
	{ "textfile", OPT_TEXTFILE, "PATH", 0,
	  "Atomically rewrite PATH with the metrics every --interval (node_exporter textfile collector)", 1 },
	{ "interval", OPT_INTERVAL, "SECONDS", 0, "Textfile rewrite interval (default 15)", 1 },
	{ NULL, 0, NULL, 0, "Events:", 2 },
	{ "events", OPT_EVENTS, "FILE", 0,
	  "Append findings to FILE as JSON lines (same schema as trace --json; '-': stdout); "
	  "SIGHUP reopens it", 2 },
	{ "stacks", 's', NULL, 0, "Kernel stacks in the event log", 2 },
	{ 0 },
};

static const struct argp_child daemon_children[] = {
	{ &fl_common_argp, 0, NULL, 3 },	/* child_inputs[0]: the common options */
	{ &fl_verbose_argp, 0, NULL, 2 },
	{ 0 },
};

static error_t daemon_parse(int key, char *arg, struct argp_state *state)
{
	char why[128];

	switch (key) {
	case OPT_LISTEN:
		opts.listen = arg;
		opts.listen_given = true;
		break;
	case OPT_NO_LISTEN: opts.no_listen = true; break;
	case OPT_EVENTS:
		if (!*arg)
			argp_error(state, "--events needs a file name (or '-' for stdout)");
		opts.events = arg;
		break;
	case OPT_TEXTFILE:
		if (!*arg)
			argp_error(state, "--textfile needs a file name");
		opts.textfile = arg;
		break;
	case OPT_INTERVAL:
		opts.interval = fl_parse_long(state, "interval", arg, 1, 24 * 3600);
		opts.interval_given = true;
		break;
	case 's': opts.stacks = true; break;
	case ARGP_KEY_INIT: state->child_inputs[0] = &opts.common; break;
	case ARGP_KEY_ARG:
		argp_error(state, "unexpected argument '%s'", arg);
		break;
	case ARGP_KEY_END:
		if (opts.no_listen && opts.listen_given)
			argp_error(state, "--listen and --no-listen exclude each other");
		if (opts.interval_given && !opts.textfile)
			argp_error(state, "--interval is the --textfile rewrite interval: give --textfile too");
		if (opts.stacks && !opts.events)
			argp_error(state, "--stacks adds stacks to the event log: give --events too");
		if (opts.no_listen && !opts.events && !opts.textfile)
			argp_error(state, "nothing to do: --no-listen without --events or --textfile");
		if (!opts.no_listen &&
		    fl_http_parse_listen(opts.listen, &opts.addr, &opts.addrlen, why, sizeof(why)))
			argp_error(state, "invalid --listen '%s': %s", opts.listen, why);
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp daemon_argp = {
	.options = daemon_options,
	.parser = daemon_parse,
	.children = daemon_children,
	.args_doc = "",
	.doc = "Trace every task for as long as it runs and export the kernel's counters to "
	       "Prometheus: /metrics over HTTP, a node_exporter textfile, or both; findings "
	       "optionally go to a JSON lines event log. SIGTERM or SIGINT detach everything "
	       "and exit 0; SIGHUP reopens the event log.\v"
	       "Examples:\n"
	       "  faultlock daemon\n"
	       "  faultlock daemon --listen [::1]:9477 --events /var/log/faultlock/events.json\n"
	       "  faultlock daemon --no-listen --textfile /var/lib/prometheus/node-exporter/faultlock.prom\n\n"
	       "Exit status: 0 stopped by a signal, 2 usage, 3 environment (not root, BPF "
	       "refused, address in use, ...).",
};

struct daemon {
	struct fl_loader loader;
	struct fl_snapshot snap;	/* the kernel counters, read for each scrape */
	struct fl_summary sum;
	struct event_base *base;
	struct fl_http *http;
	struct ring_buffer *rb;
	struct event *rb_ev, *tick, *stall_tick, *agg_tick, *sigs[3];
	struct fl_stall_scanner stalls;
	struct fl_deadlock_finder deadlocks;
	struct fl_remote_scanner remotes;
	bool remote_on;
	struct fl_eventlog log;		/* --events */
	struct fl_output out;		/* out.f: log.f, NULL if no event log */
	struct fl_textfile textfile;	/* --textfile */
	int stop_sig;
};

/* ---- metrics ------------------------------------------------------------ */

static int render_metrics(FILE *f, void *arg)
{
	struct daemon *d = arg;
	int err = fl_loader__read_snapshot(&d->loader, &d->snap);

	if (err)
		return err;
	return fl_export_render(f, &d->sum, d->loader.states, d->loader.si.release);
}

/* /glocks: this node's waits and the holders keeping someone waiting. */
static int render_glocks(FILE *f, void *arg)
{
	struct daemon *d = arg;
	static struct fl_gfs2_fs fs[FL_GFS2_MAX_FS];
	char host[256] = "";
	struct fl_glocks_src s = {
		.waiters = d->loader.waiters,
		.holders = d->loader.holders,
		.demotes = d->remote_on ? d->loader.demotes : NULL,
		.now = fl_now_ns(),
		.hostname = host,
		.nodeid = fl_dlm_our_node(NULL),
		.fs = fs,
		.nr_fs = fl_gfs2_fs_list(NULL, fs, FL_GFS2_MAX_FS),
		.ks = d->out.ksyms,
		.dump_glob = "/sys/kernel/debug/gfs2/*/glocks",
	};

	if (gethostname(host, sizeof(host) - 1) || !strcmp(host, "(none)"))
		s.hostname = NULL;	/* the kernel's default: not a name */
	return fl_glocks_render(f, &s);
}

static void on_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	fl_textfile_update(&d->textfile);
}

static int task_stack(void *arg, pid_t pid, pid_t tid, char frames[][128], int max)
{
	const struct daemon *d = arg;

	(void)pid;
	return fl_loader__task_stack(&d->loader, tid, d->out.ksyms, frames, max);
}

/* lock_stall, deadlock and remote_demote: scans of the slots; findings go to the event log. */
static void on_stall_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	uint64_t now = fl_now_ns();

	(void)fd;
	(void)what;
	d->sum.lock_stalls += fl_stall_report(&d->stalls, now, &d->out);
	memcpy(d->sum.lock_stalls_by, d->stalls.found_by, sizeof(d->sum.lock_stalls_by));
	d->sum.deadlocks += fl_deadlock_report(&d->deadlocks, now, &d->out);
	if (d->remote_on)
		d->sum.remote_demotes += fl_remote_report(&d->remotes, now, &d->out);
}

/* ---- events ------------------------------------------------------------- */

static int handle_record(void *ctx, void *data, size_t size)
{
	struct daemon *d = ctx;

	if (d->out.f)
		fl_output_record(&d->out, data, size);
	else if (fl_record_type(data, size) == FL_REC_RETRY_LIVELOCK)
		fl_livelocks_apply(&d->out.livelocks, data);	/* for the metric */
	return 0;
}

/*
 * Info events held by the aggregator go out when their second is over: a
 * one-shot timer, armed only while something is held (an idle daemon
 * never wakes).
 */
static void arm_agg_timer(struct daemon *d)
{
	uint64_t due, now;
	struct timeval tv;

	if (!d->out.agg || !d->agg_tick || evtimer_pending(d->agg_tick, NULL))
		return;
	due = fl_agg_next_due(d->out.agg);
	if (!due)
		return;
	now = fl_now_ns();
	due = due > now ? due - now : 0;
	tv.tv_sec = due / 1000000000ULL;
	tv.tv_usec = (due % 1000000000ULL) / 1000 + 1000;
	evtimer_add(d->agg_tick, &tv);
}

static void on_agg_tick(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;

	(void)fd;
	(void)what;
	fl_output_flush(&d->out, fl_now_ns());
	fl_eventlog_flush(&d->log);
	arm_agg_timer(d);
}

static void on_ringbuf(evutil_socket_t fd, short what, void *arg)
{
	struct daemon *d = arg;
	int n;

	(void)fd;
	(void)what;
	n = ring_buffer__consume(d->rb);
	if (n < 0)
		elog("reading events: %s", strerror(-n));
	fl_eventlog_flush(&d->log);
	arm_agg_timer(d);
}

/* ---- signals ------------------------------------------------------------ */

static void on_signal(evutil_socket_t sig, short what, void *arg)
{
	struct daemon *d = arg;

	(void)what;
	if (sig == SIGHUP) {
		fl_eventlog_reopen(&d->log);
		d->out.f = d->log.f;
		return;
	}
	d->stop_sig = sig;
	event_base_loopbreak(d->base);
}

/* Called from inside libevent, before a failed call returns: errno is kept
 * for the caller to read. */
static void libevent_log(int severity, const char *msg)
{
	int err = errno;

	if (severity >= EVENT_LOG_WARN)
		elog("libevent: %s", msg);
	else
		vlog("libevent: %s", msg);
	errno = err;
}

/* ---- main --------------------------------------------------------------- */

static int count_attached(const struct fl_loader *l)
{
	int n = 0;

	for (int i = 0; i < fl_nr_hooks; i++)
		n += l->states[i].mode != FL_MODE_NONE;
	return n;
}

static void cleanup(struct daemon *d)
{
	for (size_t i = 0; i < sizeof(d->sigs) / sizeof(d->sigs[0]); i++)
		if (d->sigs[i])
			event_free(d->sigs[i]);
	if (d->rb_ev)
		event_free(d->rb_ev);
	if (d->tick)
		event_free(d->tick);
	if (d->stall_tick)
		event_free(d->stall_tick);
	if (d->agg_tick)
		event_free(d->agg_tick);
	fl_agg_free(d->out.agg);
	fl_http__free(d->http);
	if (d->base)
		event_base_free(d->base);
	ring_buffer__free(d->rb);
	fl_loader__destroy(&d->loader);		/* detaches every link */
	fl_eventlog_close(&d->log);
	d->out.f = NULL;
}

int cmd_daemon(int argc, char **argv)
{
	static struct daemon d;
	static const int sigs[] = { SIGTERM, SIGINT, SIGHUP };
	struct fl_loader_opts lo = { .all = true, .task_stacks = true };
	char where[128] = "", line[512];
	int ret = FL_EXIT_ENV, err;

	if (argp_parse(&daemon_argp, argc, argv, 0, NULL, NULL))
		return FL_EXIT_USAGE;
	err = fl_loader__prepare(&d.loader);
	if (err)
		return fl_prepare_exit(err);
	event_set_log_callback(libevent_log);
	signal(SIGPIPE, SIG_IGN);

	/* precise timers (timerfd under epoll): millisecond timeouts rounded
	 * down wake the loop early and spin until the tick is due */
	struct event_config *cfg = event_config_new();

	if (cfg)
		event_config_set_flag(cfg, EVENT_BASE_FLAG_PRECISE_TIMER);
	d.base = cfg ? event_base_new_with_config(cfg) : NULL;
	if (cfg)
		event_config_free(cfg);
	if (!d.base) {
		elog("cannot create the event loop: %s", strerror(errno));
		goto out;
	}
	for (size_t i = 0; i < sizeof(sigs) / sizeof(sigs[0]); i++) {
		d.sigs[i] = evsignal_new(d.base, sigs[i], on_signal, &d);
		if (!d.sigs[i] || event_add(d.sigs[i], NULL)) {
			elog("cannot set up signal handling");
			goto out;
		}
	}

	/* Outputs first: a busy port or an unwritable path fails before any BPF loads. */
	if (opts.events) {
		if ((err = fl_eventlog_open(&d.log, opts.events))) {
			elog("cannot open the event log %s: %s", opts.events, strerror(-err));
			goto out;
		}
		d.out.f = d.log.f;
		d.out.json = true;
		d.out.stacks = opts.stacks;
	}
	d.textfile = (struct fl_textfile){ .path = opts.textfile, .interval = opts.interval,
					   .render = render_metrics, .arg = &d };
	if (opts.textfile && (err = fl_textfile_check(&d.textfile))) {
		elog("cannot write the textfile %s: %s", opts.textfile, strerror(-err));
		goto out;
	}
	if (!opts.no_listen) {
		struct sockaddr_storage ss;
		socklen_t len;

		d.http = fl_http__new(d.base, (struct sockaddr *)&opts.addr, opts.addrlen, render_metrics, &d);
		if (!d.http) {
			elog("cannot listen on %s: %s", opts.listen, strerror(errno));
			goto out;
		}
		if (!fl_http__local_addr(d.http, &ss, &len))
			fl_http_format_addr((struct sockaddr *)&ss, where, sizeof(where));
	}

	lo.stacks = opts.stacks;
	lo.common = opts.common;
	if (fl_loader__start(&d.loader, &lo))
		goto out;
	d.rb = ring_buffer__new(fl_loader__events_fd(&d.loader), handle_record, &d, NULL);
	if (!d.rb) {
		elog("cannot create the ring buffer reader: %s", strerror(errno));
		goto out;
	}
	d.rb_ev = event_new(d.base, ring_buffer__epoll_fd(d.rb), EV_READ | EV_PERSIST, on_ringbuf, &d);
	if (!d.rb_ev || event_add(d.rb_ev, NULL)) {
		elog("cannot watch the ring buffer");
		goto out;
	}
	if (opts.textfile) {
		struct timeval tv = { opts.interval, 0 };

		d.tick = event_new(d.base, -1, EV_PERSIST, on_tick, &d);
		if (!d.tick || event_add(d.tick, &tv)) {
			elog("cannot set up the textfile timer");
			goto out;
		}
	}
	if (fl_loader__stall_init(&d.loader, &d.stalls)) {
		fl_deadlock_init(&d.deadlocks, d.stalls.waiters, d.stalls.holders, d.stalls.threshold_ns);
		/* Holders' stacks through the iterator: /proc wants CAP_SYS_ADMIN, dropped below. */
		d.stalls.read_stack = d.deadlocks.read_stack = task_stack;
		d.stalls.dlm_root = "";	/* holders on other nodes: the DLM's view */
		d.stalls.dump_glob = "/sys/kernel/debug/gfs2/*/glocks";
		d.stalls.read_stack_arg = d.deadlocks.read_stack_arg = &d;
		d.deadlocks.lost_slots = fl_loader__stall_slots_lost;
		d.deadlocks.lost_slots_arg = &d.loader;
		d.remote_on = fl_loader__remote_init(&d.loader, &d.remotes);
		d.remotes.read_stack = task_stack;
		d.remotes.read_stack_arg = &d;
		/* a scan per quarter of the threshold, at most 4 a second */
		long ms = opts.common.stall_ms / 4 < 250 ? 250 : opts.common.stall_ms / 4;
		struct timeval tv = { ms / 1000, (ms % 1000) * 1000 };

		d.stall_tick = event_new(d.base, -1, EV_PERSIST, on_stall_tick, &d);
		if (!d.stall_tick || event_add(d.stall_tick, &tv)) {
			elog("cannot set up the lock_stall timer");
			goto out;
		}
		if (d.http && fl_http__add_route(d.http, "/glocks", "application/json", "Glock waits and holders",
						 render_glocks, &d)) {
			elog("cannot serve /glocks");
			goto out;
		}
	}
	if (d.out.f) {	/* bounded: info events at most once a second per task and site */
		d.agg_tick = evtimer_new(d.base, on_agg_tick, &d);
		if (fl_output_aggregate(&d.out) || !d.agg_tick) {
			elog("cannot set up the event log's aggregation");
			goto out;
		}
	}
	d.sum.livelocks = &d.out.livelocks;
	d.sum.snap = &d.snap;
	if (d.out.f)	/* symbolized ips, as trace prints them; read before the capabilities go */
		d.out.ksyms = fl_ksyms__system();
	/* Everything is loaded, attached, bound and opened: keep only what reading the maps needs. */
	if ((err = fl_caps_drop(fl_loader__events_fd(&d.loader)))) {
		elog("cannot drop capabilities: %s", strerror(-err));
		goto out;
	}

	fl_loader__activate(&d.loader, true);
	d.out.start_ts = fl_now_ns();
	if (opts.textfile)
		fl_textfile_update(&d.textfile);
	snprintf(line, sizeof(line), "faultlock: daemon: %d of %d hooks attached", count_attached(&d.loader),
		 fl_nr_hooks);
	if (d.http)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "; serving http://%s/metrics", where);
	if (opts.textfile)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "; textfile %s every %ld s",
			 opts.textfile, opts.interval);
	if (opts.events)
		snprintf(line + strlen(line), sizeof(line) - strlen(line), "; events to %s",
			 strcmp(opts.events, "-") ? opts.events : "stdout");
	fprintf(stderr, "%s\n", line);

	if (event_base_dispatch(d.base) < 0) {
		elog("event loop failed");
		goto out;
	}
	vlog("signal %d: stopping", d.stop_sig);

	/* Stop counting, drain what is left, leave final numbers behind. */
	fl_loader__activate(&d.loader, false);
	ring_buffer__consume(d.rb);
	fl_output_flush(&d.out, UINT64_MAX);
	if (d.out.f && !fl_loader__read_snapshot(&d.loader, &d.snap))
		fl_output_lost(&d.out, &d.snap, fl_now_ns());
	fl_eventlog_flush(&d.log);
	if (opts.textfile)
		fl_textfile_update(&d.textfile);
	ret = FL_EXIT_OK;
out:
	cleanup(&d);
	return ret;
}
