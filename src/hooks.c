// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "faultlock.h"
#include "hooks.h"

#define TP(cat, ev, btf_prog) \
	{ .name = ev, .category = cat, .target = ev, .progs = { [FL_MODE_TP_BTF] = { btf_prog } } }
/* fentry/fexit and kprobe/kretprobe twins named <mode>_<stem>. */
#define FN_ENTRY(fn, mod, stem) \
	{ .name = fn, .target = fn, .module = mod, .progs = { \
		[FL_MODE_FENTRY] = { "fentry_" stem }, [FL_MODE_KPROBE] = { "kprobe_" stem } } }
#define FN_BOTH(fn, mod, stem) \
	{ .name = fn, .target = fn, .module = mod, .needs_return = true, .progs = { \
		[FL_MODE_FENTRY] = { "fentry_" stem, "fexit_" stem }, \
		[FL_MODE_KPROBE] = { "kprobe_" stem, "kretprobe_" stem } } }

const struct fl_hook fl_hooks[] = {
	TP("sched", "sched_process_fork", "handle_fork"),
	TP("sched", "sched_process_exit", "handle_exit"),
	TP("exceptions", "page_fault_user", "handle_fault_user"),
	TP("exceptions", "page_fault_kernel", "handle_fault_kernel"),
	/* The iomap tracepoints (6.5+), else the functions they sit in. */
	{ .name = "iomap_dio_rw_begin", .category = "iomap", .target = "iomap_dio_rw_begin",
	  .fn = "__iomap_dio_rw", .progs = {
		[FL_MODE_TP_BTF] = { "handle_dio_begin" },
		[FL_MODE_FENTRY] = { "fentry_dio_begin" },
		[FL_MODE_KPROBE] = { "kprobe_dio_begin" } } },
	{ .name = "iomap_dio_complete", .category = "iomap", .target = "iomap_dio_complete",
	  .fn = "iomap_dio_complete", .needs_return = true, .progs = {
		[FL_MODE_TP_BTF] = { "handle_dio_complete" },
		[FL_MODE_FENTRY] = { NULL, "fexit_dio_complete" },
		[FL_MODE_KPROBE] = { "kprobe_dio_complete", "kretprobe_dio_complete" } } },
	{ .name = "gfs2_glock_queue", .category = "gfs2", .target = "gfs2_glock_queue",
	  .module = "gfs2", .progs = { [FL_MODE_TRACEPOINT] = { "handle_glock_queue" } } },
	FN_BOTH("handle_mm_fault", NULL, "handle_mm_fault"),
	FN_BOTH("gfs2_glock_nq", "gfs2", "glock_nq"),
	FN_ENTRY("gfs2_glock_dq", "gfs2", "glock_dq"),
	FN_BOTH("fault_in_readable", NULL, "fault_in_readable"),
	FN_BOTH("fault_in_writeable", NULL, "fault_in_writeable"),
	FN_BOTH("fault_in_safe_writeable", NULL, "fault_in_safe_writeable"),
};
const int fl_nr_hooks = sizeof(fl_hooks) / sizeof(fl_hooks[0]);
_Static_assert(sizeof(fl_hooks) / sizeof(fl_hooks[0]) <= FL_MAX_HOOKS, "raise FL_MAX_HOOKS");

const struct fl_event_type fl_event_types[] = {
	{ .type = "recursive_lock", .severity = "error",
	  .needs = { "gfs2_glock_nq", "gfs2_glock_dq" } },
	{ .type = "lock_stall", .severity = "warning",
	  .needs = { "gfs2_glock_nq", "gfs2_glock_dq" } },
	{ .type = "fault_under_lock", .severity = "warning",
	  .needs = { "handle_mm_fault", "gfs2_glock_nq", "gfs2_glock_dq" } },
	{ .type = "dio_partial", .severity = "info",
	  .needs = { "iomap_dio_rw_begin", "iomap_dio_complete" } },
	{ .type = "dio_retry", .severity = "info",
	  .needs = { "iomap_dio_rw_begin", "iomap_dio_complete" } },
	{ .type = "fault_in", .severity = "info",
	  .needs = { "fault_in_readable", "fault_in_safe_writeable" } },
	{ .type = "same_file_fault", .severity = "info",
	  .needs = { "page_fault_kernel", "iomap_dio_rw_begin", "iomap_dio_complete" },
	  .needs_find_vma = true },
	{ .type = "retry_livelock", .severity = "warning",
	  .needs = { "fault_in_readable", "fault_in_safe_writeable" } },
	{ .type = "lost", .severity = "warning" },
};
const int fl_nr_event_types = sizeof(fl_event_types) / sizeof(fl_event_types[0]);

int fl_hook_index(const char *name)
{
	for (int i = 0; i < fl_nr_hooks; i++)
		if (!strcmp(fl_hooks[i].name, name))
			return i;
	return -1;
}

bool fl_event_type_available(const struct fl_event_type *et, const struct fl_hook_state *states,
			     bool have_find_vma)
{
	if (et->needs_find_vma && !have_find_vma)
		return false;
	for (int i = 0; i < 4 && et->needs[i]; i++) {
		int h = fl_hook_index(et->needs[i]);

		if (h < 0 || states[h].mode == FL_MODE_NONE)
			return false;
	}
	return true;
}

static void append_why(struct fl_hook_state *st, const char *mode, const char *why)
{
	size_t len = strlen(st->why);

	snprintf(st->why + len, sizeof(st->why) - len, "%s%s: %s", len ? "; " : "", mode, why);
}

const char *fl_hook_target(const struct fl_hook *h, enum fl_mode mode)
{
	if ((mode == FL_MODE_FENTRY || mode == FL_MODE_KPROBE) && h->fn)
		return h->fn;
	return h->target;
}

int fl_hook_modes_parse(const char *spec, enum fl_mode *forced, char *err, size_t err_len)
{
	char buf[512], *save = NULL;

	for (int i = 0; i < fl_nr_hooks; i++)
		forced[i] = FL_MODE_NONE;
	if (!spec)
		return 0;
	if (strlen(spec) >= sizeof(buf)) {
		snprintf(err, err_len, "too long");
		return -1;
	}
	strcpy(buf, spec);
	for (char *item = strtok_r(buf, ",", &save); item; item = strtok_r(NULL, ",", &save)) {
		char *eq = strchr(item, '=');
		enum fl_mode m = FL_MODE_NONE;
		int h;

		if (!eq) {
			snprintf(err, err_len, "'%s' is not HOOK=MODE", item);
			return -1;
		}
		*eq = '\0';
		h = fl_hook_index(item);
		if (h < 0) {
			snprintf(err, err_len, "no hook named '%s' (see faultlock check)", item);
			return -1;
		}
		for (int k = FL_MODE_NONE + 1; k < FL_MODE_MAX; k++)
			if (!strcmp(eq + 1, fl_mode_name(k)))
				m = k;
		if (m == FL_MODE_NONE) {
			snprintf(err, err_len, "unknown mode '%s' (tracepoint, tp_btf, fentry, kprobe)", eq + 1);
			return -1;
		}
		forced[h] = m;
	}
	return 0;
}

static bool probe_mode(struct fl_probe_ctx *ctx, const struct fl_hook *h, enum fl_mode mode,
		       char *why, size_t len)
{
	const char *fn = fl_hook_target(h, mode);

	switch (mode) {
	case FL_MODE_TP_BTF:
		return fl_probe_tp_btf(ctx, h->target, h->module, why, len);
	case FL_MODE_TRACEPOINT:
		return fl_probe_tracepoint(h->category, h->target, why, len);
	case FL_MODE_FENTRY:
		return fl_probe_fentry(ctx, fn, h->module, false, why, len) &&
		       (!h->needs_return || fl_probe_fentry(ctx, fn, h->module, true, why, len));
	case FL_MODE_KPROBE:
		return fl_probe_kprobe(fn, false, why, len) &&
		       (!h->needs_return || fl_probe_kprobe(fn, true, why, len));
	default:
		return false;
	}
}

/* Candidate modes, cheapest first: tracepoints, then function probes. */
static int hook_order(const struct fl_hook *h, enum fl_mode *order)
{
	int n = 0;

	if (h->category) {
		order[n++] = FL_MODE_TP_BTF;
		order[n++] = FL_MODE_TRACEPOINT;
	}
	if (!h->category || h->fn) {
		order[n++] = FL_MODE_FENTRY;
		order[n++] = FL_MODE_KPROBE;
	}
	return n;
}

void fl_hooks_resolve(struct fl_probe_ctx *ctx, const enum fl_mode *forced,
		      struct fl_hook_state *states)
{
	for (int i = 0; i < fl_nr_hooks; i++) {
		const struct fl_hook *h = &fl_hooks[i];
		struct fl_hook_state *st = &states[i];
		enum fl_mode order[4];
		int n = hook_order(h, order);

		memset(st, 0, sizeof(*st));
		for (int m = 0; m < n; m++) {
			const char *const *progs = h->progs[order[m]];
			char why[256] = "";

			if (forced && forced[i] != FL_MODE_NONE && forced[i] != order[m])
				continue;
			if (!probe_mode(ctx, h, order[m], why, sizeof(why))) {
				append_why(st, fl_mode_name(order[m]), why);
				continue;
			}
			if (!progs[0] && !progs[1]) {
				append_why(st, fl_mode_name(order[m]),
					   "works here, not implemented in this version");
				continue;
			}
			st->mode = order[m];
			st->why[0] = '\0';
			break;
		}
		if (st->mode == FL_MODE_NONE && forced && forced[i] != FL_MODE_NONE && !st->why[0])
			snprintf(st->why, sizeof(st->why), "FAULTLOCK_HOOK_MODES asks for %s, not a mode of this hook",
				 fl_mode_name(forced[i]));
		else if (st->mode == FL_MODE_NONE && forced && forced[i] != FL_MODE_NONE)
			append_why(st, "limited by FAULTLOCK_HOOK_MODES", fl_mode_name(forced[i]));
		vlog("hook %s: %s%s%s", h->name, fl_mode_name(st->mode),
		     st->why[0] ? " " : "", st->why);
	}
	/* Acquire without release would leave every lock held forever. */
	{
		int nq = fl_hook_index("gfs2_glock_nq"), dq = fl_hook_index("gfs2_glock_dq");

		if (states[nq].mode != FL_MODE_NONE && states[dq].mode == FL_MODE_NONE) {
			states[nq].mode = FL_MODE_NONE;
			snprintf(states[nq].why, sizeof(states[nq].why),
				 "gfs2_glock_dq cannot be hooked, so releases would be missed");
		}
	}
}

int fl_hooks_apply(struct bpf_object *obj, const struct fl_hook_state *states)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		bool chosen = false;

		for (int i = 0; i < fl_nr_hooks && !chosen; i++) {
			const char *const *p = fl_hooks[i].progs[states[i].mode];

			for (int k = 0; k < 2; k++)
				if (p[k] && !strcmp(p[k], name))
					chosen = true;
		}
		if (bpf_program__set_autoload(prog, chosen))
			return -EINVAL;
	}
	return 0;
}
