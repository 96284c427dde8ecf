// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <bpf/libbpf.h>
#include "faultlock.h"
#include "resolve.h"
#include "tpformat.h"

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
		return fl_probe_tracepoint(h->category, h->target, why, len) &&
		       (!h->fields || fl_tp_layout_ok(h->category, h->target, h->fields, why, len));
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
	/* A hook useless without another (acquire without release would leave
	 * every lock held forever) goes with it. */
	for (int i = 0; i < fl_nr_hooks; i++) {
		int r = fl_hooks[i].requires ? fl_hook_index(fl_hooks[i].requires) : -1;

		if (r < 0 || states[i].mode == FL_MODE_NONE || states[r].mode != FL_MODE_NONE)
			continue;
		states[i].mode = FL_MODE_NONE;
		snprintf(states[i].why, sizeof(states[i].why), "%s cannot be hooked, so releases would be missed",
			 fl_hooks[r].name);
	}
}

/* Does --fs keep one of the file systems of a "gfs2,btrfs" scope? */
static bool scope_wanted(const struct fl_fs_filter *fs, const char *scope)
{
	char buf[64], *save = NULL;

	snprintf(buf, sizeof(buf), "%s", scope);
	for (char *s = strtok_r(buf, ",", &save); s; s = strtok_r(NULL, ",", &save))
		if (fl_fs_filter_has(fs, s))
			return true;
	return false;
}

void fl_hooks_scope(struct fl_hook_state *states, const struct fl_fs_filter *fs)
{
	for (int i = 0; i < fl_nr_hooks; i++) {
		struct fl_hook_state *st = &states[i];

		if (!fl_hooks[i].scope || st->mode == FL_MODE_NONE || scope_wanted(fs, fl_hooks[i].scope))
			continue;
		st->mode = FL_MODE_NONE;
		snprintf(st->why, sizeof(st->why), "not needed: --fs leaves %s out", fl_hooks[i].scope);
		vlog("hook %s: off, --fs leaves %s out", fl_hooks[i].name, fl_hooks[i].scope);
	}
}

/* The catalogue's hook and role of a program, or NULL if it claims none. */
const struct fl_hook *fl_hook_of_prog(const char *prog, enum fl_prog_role *role)
{
	for (int i = 0; i < fl_nr_hooks; i++) {
		const struct fl_hook *h = &fl_hooks[i];

		for (int m = 0; m < FL_MODE_MAX; m++)
			for (int k = 0; k < 2; k++)
				if (h->progs[m][k] && !strcmp(h->progs[m][k], prog)) {
					*role = k ? FL_PROG_RETURN : FL_PROG_ENTRY;
					return h;
				}
		if (h->prog_without_find_vma && !strcmp(h->prog_without_find_vma, prog)) {
			*role = FL_PROG_ENTRY;
			return h;
		}
	}
	return NULL;
}

bool fl_hook_prog_chosen(int hook, const struct fl_hook_state *st, bool have_find_vma,
			 const char *prog, bool *late)
{
	const struct fl_hook *h = &fl_hooks[hook];
	const char *const *p = h->progs[st->mode];
	const char *entry = p[0];

	*late = false;
	if (st->mode == FL_MODE_NONE)
		return false;
	if (h->prog_without_find_vma && !have_find_vma)
		entry = h->prog_without_find_vma;
	if (entry && !strcmp(entry, prog)) {
		*late = h->entry_late && st->mode == FL_MODE_KPROBE;
		return true;
	}
	if (!p[1] || strcmp(p[1], prog))
		return false;
	/* kretprobes are made by the loader, with enough instances (kretprobe.h) */
	*late = st->mode == FL_MODE_KPROBE;
	return true;
}

bool fl_prog_is_iter(const struct bpf_program *prog)
{
	return !strncmp(bpf_program__section_name(prog), "iter/", 5);
}

int fl_hooks_apply(struct bpf_object *obj, const struct fl_hook_state *states, bool have_find_vma)
{
	struct bpf_program *prog;

	bpf_object__for_each_program(prog, obj) {
		const char *name = bpf_program__name(prog);
		enum fl_prog_role role;
		const struct fl_hook *h = fl_hook_of_prog(name, &role);
		bool late = false, chosen = false;

		if (fl_prog_is_iter(prog)) {	/* not a hook: the loader decides */
			if (bpf_program__set_autoload(prog, false))
				return -EINVAL;
			continue;
		}
		if (!h) {
			/* a program the catalogue does not name is a build error
			 * (test_catalog); never load it silently */
			elog("BPF program %s is not in the catalogue", name);
			return -EINVAL;
		}
		chosen = fl_hook_prog_chosen(h - fl_hooks, &states[h - fl_hooks], have_find_vma, name, &late);
		if (bpf_program__set_autoload(prog, chosen))
			return -EINVAL;
		if (chosen && late)
			bpf_program__set_autoattach(prog, false);
	}
	return 0;
}
