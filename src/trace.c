// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * `faultlock trace`: open → configure → load → attach → activate → run.
 * The traced command is forked first (its pid is the BPF filter) and
 * released only once every program is attached.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <bpf/libbpf.h>
#include "faultlock.h"
#include "options.h"
#include "child.h"
#include "resolve.h"
#include "ksyms.h"
#include "report.h"
#include "loader.h"
#include "deadlock.h"
#include "remote.h"
#include "stall.h"
#include "aggregate.h"
#include "taskstate.h"

enum { OPT_NO_TASK_STORAGE = 1000, OPT_GRACE };

static struct trace_opts {
	bool json, stacks, all, no_task_storage;
	pid_t pid;
	long duration;		/* seconds, 0 = until the target ends / Ctrl-C */
	long grace_ms;		/* after Ctrl-C, how long CMD gets to exit */
	struct fl_common_opts common;	/* filters and tuning, shared with daemon */
	char **cmd;
} opts = { .common = FL_COMMON_OPTS_INIT, .grace_ms = 2000 };

static const struct argp_option trace_options[] = {
	{ NULL, 0, NULL, 0, "Target (one of -- CMD, -p, -a; or --cgroup alone):", 1 },
	{ "pid", 'p', "PID", 0, "Trace process PID (and the children it forks)", 1 },
	{ "all", 'a', NULL, 0, "Trace every task", 1 },
	{ "duration", 'd', "SECONDS", 0, "Stop after SECONDS", 1 },
	{ "grace", OPT_GRACE, "SECONDS", 0,
	  "On Ctrl-C, CMD gets the signal and SECONDS to exit (default 2); the report comes then, "
	  "with what CMD's threads are doing if they are stuck. A second Ctrl-C reports at once", 1 },
	{ NULL, 0, NULL, 0, "Output:", 2 },
	{ "json", 'j', NULL, 0, "JSON lines on stdout; the last line is the summary", 2 },
	{ "stacks", 's', NULL, 0, "Kernel stacks on findings", 2 },
	{ "no-task-storage", OPT_NO_TASK_STORAGE, NULL, OPTION_HIDDEN, "Use the tid hash even where task storage exists", 2 },
	{ 0 },
};

static const struct argp_child trace_children[] = {
	{ &fl_common_argp, 0, NULL, 3 },	/* child_inputs[0]: the common options */
	{ &fl_verbose_argp, 0, NULL, 2 },
	{ 0 },
};

static error_t trace_parse(int key, char *arg, struct argp_state *state)
{
	switch (key) {
	case 'p': opts.pid = fl_parse_long(state, "PID", arg, 1, INT_MAX); break;
	case 'a': opts.all = true; break;
	case 'j': opts.json = true; break;
	case 's': opts.stacks = true; break;
	case 'd': opts.duration = fl_parse_long(state, "duration", arg, 1, 365L * 24 * 3600); break;
	case OPT_NO_TASK_STORAGE: opts.no_task_storage = true; break;
	case OPT_GRACE: opts.grace_ms = fl_parse_long(state, "--grace", arg, 0, 3600) * 1000; break;
	case ARGP_KEY_INIT: state->child_inputs[0] = &opts.common; break;
	case ARGP_KEY_ARGS:
		opts.cmd = state->argv + state->next;
		break;
	case ARGP_KEY_END:
		if (opts.common.cgroup_fd > 0 && !opts.cmd && !opts.pid)
			opts.all = true;	/* --cgroup alone: every task in it */
		if (!!opts.cmd + !!opts.pid + opts.all != 1)
			argp_error(state, "give exactly one target: -- CMD [ARGS], -p PID or -a");
		if (opts.all && !opts.duration)
			vlog("tracing every task until Ctrl-C");
		break;
	default:
		return ARGP_ERR_UNKNOWN;
	}
	return 0;
}

static const struct argp trace_argp = {
	.options = trace_options,
	.parser = trace_parse,
	.children = trace_children,
	.args_doc = "-- CMD [ARGS...]\n-p PID [-d SECONDS]\n-a [-d SECONDS]\n--cgroup PATH [-d SECONDS]",
	.doc = "Trace a command (started only once every probe is attached) and its "
	       "descendants, a process, or every task: page faults under filesystem locks, "
	       "direct I/O partials and retries, faults on the file being read or written.\v"
	       "Examples:\n"
	       "  faultlock trace -- ./fl-mmapio --direct --buf half /mnt/btrfs/f\n"
	       "  faultlock trace --json -p 1234 -d 10\n"
	       "  faultlock trace -a -d 30 --stacks\n\n"
	       "Exit status: 0 nothing found, 1 a finding of severity error, 2 usage, "
	       "3 environment (not root, BPF refused, ...), 130 interrupted before tracing started.",
};

static volatile sig_atomic_t signalled, nr_signals;

static void on_signal(int sig)
{
	signalled = sig;
	nr_signals++;
}

static struct fl_output out;

static int handle_record(void *ctx, void *data, size_t size)
{
	(void)ctx;
	fl_output_record(&out, data, size);
	return 0;
}

static const char *cmd_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

int cmd_trace(int argc, char **argv)
{
	static struct fl_loader loader;
	static struct fl_snapshot snap;
	static struct fl_summary sum = { .snap = &snap };
	static struct fl_stall_scanner stalls;
	static struct fl_deadlock_finder deadlocks;
	static struct fl_remote_scanner remotes;
	static struct fl_thread_state stuck[FL_TS_MAX];
	bool stall_on, remote_on;
	struct ring_buffer *rb = NULL;
	struct fl_child child = { .pid = -1, .go_fd = -1, .err_fd = -1 };
	struct fl_loader_opts lo = {};
	char target[256];
	uint64_t start, deadline = 0, grace_end = 0;
	int err, ret;
	bool stopping = false;

	if (argp_parse(&trace_argp, argc, argv, ARGP_IN_ORDER, NULL, NULL))
		return FL_EXIT_USAGE;
	/* Before the slow part (BTF, kallsyms, verification: seconds under
	 * emulation): a Ctrl-C during setup must not be lost, nor kill us
	 * with programs half attached. A shell's background job starts with
	 * SIGINT ignored; sigaction replaces that too. */
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	signal(SIGPIPE, SIG_IGN);
	if (opts.cmd && !fl_command_exists(opts.cmd[0])) {
		elog("%s: command not found", opts.cmd[0]);
		return FL_EXIT_USAGE;
	}
	if (opts.pid && kill(opts.pid, 0) && errno == ESRCH) {
		elog("no process with pid %d", opts.pid);
		return FL_EXIT_USAGE;
	}
	err = fl_loader__prepare(&loader);
	if (err)
		return fl_prepare_exit(err);

	if (opts.cmd) {
		err = fl_child_spawn(&child, opts.cmd);
		if (err) {
			elog("cannot start %s: %s", opts.cmd[0], strerror(-err));
			fl_loader__destroy(&loader);
			return FL_EXIT_ENV;
		}
		snprintf(target, sizeof(target), "%s (pid %d)", cmd_name(opts.cmd[0]), child.pid);
	} else if (opts.pid) {
		snprintf(target, sizeof(target), "pid %d", opts.pid);
	} else {
		snprintf(target, sizeof(target), "all tasks");
	}
	if (opts.common.cgroup_path) {
		size_t len = strlen(target);

		snprintf(target + len, sizeof(target) - len, " in cgroup %s", opts.common.cgroup_path);
	}

	lo.targ_tgid = opts.cmd ? child.pid : opts.pid;
	lo.all = opts.all;
	lo.stacks = opts.stacks;
	lo.no_task_storage = opts.no_task_storage;
	lo.common = opts.common;
	ret = FL_EXIT_ENV;
	if (fl_loader__start(&loader, &lo))
		goto cleanup;
	rb = ring_buffer__new(fl_loader__events_fd(&loader), handle_record, NULL, NULL);
	if (!rb) {
		elog("cannot create ring buffer reader: %s", strerror(errno));
		goto cleanup;
	}

	out.f = stdout;
	out.json = opts.json;
	out.stacks = opts.stacks;
	out.ksyms = fl_ksyms__system();	/* symbolized ips; NULL → raw addresses */
	if (fl_output_aggregate(&out)) {
		elog("out of memory");
		goto cleanup;
	}
	if (signalled) {	/* interrupted while attaching: CMD never ran */
		elog("interrupted before tracing started%s", opts.cmd ? "; the command was not run" : "");
		ret = FL_EXIT_INTERRUPTED;
		goto cleanup;
	}

	stall_on = fl_loader__stall_init(&loader, &stalls);
	if (stall_on) {
		fl_deadlock_init(&deadlocks, stalls.waiters, stalls.holders, stalls.threshold_ns);
		deadlocks.lost_slots = fl_loader__stall_slots_lost;
		deadlocks.lost_slots_arg = &loader;
		stalls.dlm_root = "";	/* holders on other nodes: the DLM's view */
		stalls.dump_glob = "/sys/kernel/debug/gfs2/*/glocks";
	}
	remote_on = fl_loader__remote_init(&loader, &remotes);
	fl_loader__activate(&loader, true);	/* every program is attached: start counting */
	start = out.start_ts = fl_now_ns();
	if (opts.duration)
		deadline = start + opts.duration * 1000000000ULL;
	if (!opts.json)
		fprintf(stderr, "faultlock: tracing %s; Ctrl-C to stop\n", target);
	fl_output_ready(&out, target, start);
	if (opts.cmd) {
		err = fl_child_go(&child);
		if (err) {
			elog("cannot run %s: %s", opts.cmd[0], strerror(-err));
			ret = err == -ENOENT ? FL_EXIT_USAGE : FL_EXIT_ENV;
			goto cleanup;
		}
	}

	for (;;) {
		uint64_t now;

		err = ring_buffer__poll(rb, 100);
		if (err < 0 && err != -EINTR) {
			elog("reading events: %s", strerror(-err));
			break;
		}
		now = fl_now_ns();
		if (stall_on) {
			sum.lock_stalls += fl_stall_report(&stalls, now, &out);
			memcpy(sum.lock_stalls_by, stalls.found_by, sizeof(sum.lock_stalls_by));
			sum.deadlocks += fl_deadlock_report(&deadlocks, now, &out);
		}
		if (remote_on)
			sum.remote_demotes += fl_remote_report(&remotes, now, &out);
		fl_output_flush(&out, now);
		if (nr_signals > 1)
			break;		/* the second Ctrl-C: report now */
		if (signalled && !stopping) {
			/* Let the command see it once, then report what it did,
			 * even if it cannot die (stuck in the kernel). */
			stopping = true;
			if (!opts.cmd)
				break;
			fl_child_kill(&child, signalled);
			grace_end = now + opts.grace_ms * 1000000ULL;
		}
		if (opts.cmd && fl_child_poll(&child))
			break;
		if (opts.pid && kill(opts.pid, 0) && errno == ESRCH)
			break;
		if (deadline && now >= deadline)
			break;
		if (grace_end && now >= grace_end)
			break;
	}
	fl_loader__activate(&loader, false);
	ring_buffer__consume(rb);

	fl_output_flush(&out, UINT64_MAX);
	if (stopping && ((opts.cmd && !fl_child_poll(&child)) ||
			 (opts.pid && !kill(opts.pid, 0)))) {
		sum.child_alive = true;
		sum.nr_child_state = fl_task_states_read(opts.cmd ? child.pid : opts.pid, stuck, FL_TS_MAX);
		sum.child_state = stuck;
	}
	sum.target = target;
	sum.have_child = opts.cmd && child.reaped;
	sum.child_status = child.status;
	sum.duration_s = (fl_now_ns() - start) / 1e9;
	sum.hooks = loader.states;
	sum.find_vma = loader.si.find_vma;
	if (fl_loader__read_snapshot(&loader, &snap))
		elog("cannot read kernel counters");
	fl_output_lost(&out, &snap, fl_now_ns());
	if (snap.counters[FL_CNT_GFS2_LAYOUT_MISMATCH])
		elog("gfs2 holder fields are not where this faultlock reads them on this kernel "
		     "(%llu of %llu checks failed): glock findings are unreliable; please report",
		     (unsigned long long)snap.counters[FL_CNT_GFS2_LAYOUT_MISMATCH],
		     (unsigned long long)snap.counters[FL_CNT_GFS2_LAYOUT_CHECKS]);
	if (snap.counters[FL_CNT_GFS2_OWNER_MISMATCH])
		elog("%llu of %llu gfs2 holders were queued by a task other than their owner: "
		     "if that is not this workload's doing, the owner offset is wrong on this kernel "
		     "and recursion findings are unreliable; please report",
		     (unsigned long long)snap.counters[FL_CNT_GFS2_OWNER_MISMATCH],
		     (unsigned long long)snap.counters[FL_CNT_GFS2_OWNER_CHECKS]);
	if (stall_on)
		vlog("lock_stall scan: %llu found, %llu btrfs extent requests seen granted (slots freed), "
		     "%llu glock waits seen not blocked", (unsigned long long)stalls.found,
		     (unsigned long long)stalls.range_freed, (unsigned long long)stalls.not_blocked);
	if (stall_on && stalls.range_unverified)
		elog("%llu btrfs extent waits could not be confirmed (no kernel stack readable) and were "
		     "not reported as lock_stall", (unsigned long long)stalls.range_unverified);
	fl_output_summary(&out, &sum);
	if (out.malformed)
		elog("%llu malformed records ignored", (unsigned long long)out.malformed);
	ret = out.findings[FL_SEV_ERROR] ? FL_EXIT_FINDING : FL_EXIT_OK;

cleanup:
	ring_buffer__free(rb);
	fl_loader__destroy(&loader);
	fl_agg_free(out.agg);
	if (opts.cmd && !fl_child_cleanup(&child, 200))
		elog("%s (pid %d) did not exit after SIGKILL (stuck in the kernel): left behind",
		     cmd_name(opts.cmd[0]), child.pid);
	return ret;
}
