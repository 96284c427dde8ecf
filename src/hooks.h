/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The attach table: every kernel hook faultlock knows, its candidate modes
 * in order of cost, and the skeleton program implementing each mode.
 * `check` prints it; `trace` loads the programs of the chosen modes.
 */
#ifndef FL_HOOKS_H
#define FL_HOOKS_H

#include "probe.h"

struct bpf_object;

#define FL_MAX_HOOKS 32		/* size of hook state arrays */

struct fl_hook {
	const char *name;		/* shown by check, label of faultlock_hook_attached */
	const char *category;		/* tracepoint category; NULL for a function */
	const char *target;		/* tracepoint or function name */
	const char *fn;			/* a tracepoint's function stand-in, tried after it */
	const char *module;		/* kernel module holding it; NULL: vmlinux */
	bool needs_return;		/* function modes: fexit / kretprobe */
	/* programs per mode: entry and (for needs_return) return; NULL: not implemented */
	const char *progs[FL_MODE_MAX][2];
};

struct fl_hook_state {
	enum fl_mode mode;		/* FL_MODE_NONE: unavailable */
	char why[384];			/* reason when unavailable */
};

/* What a hook attaches to in a mode: the tracepoint, or the function. */
const char *fl_hook_target(const struct fl_hook *h, enum fl_mode mode);

/*
 * FAULTLOCK_HOOK_MODES="hook=mode[,hook=mode...]" limits those hooks to one
 * mode each, so tests can run every fallback on kernels that have better.
 * Fills forced[] (FL_MODE_NONE: not limited); -1 with a message on bad input.
 */
int fl_hook_modes_parse(const char *spec, enum fl_mode *forced, char *err, size_t err_len);

extern const struct fl_hook fl_hooks[];
extern const int fl_nr_hooks;

/* One event type and the hooks it needs, for `check`'s capability list. */
struct fl_event_type {
	const char *type;
	const char *severity;
	const char *needs[4];	/* hook names, all required */
	bool needs_find_vma;	/* and the bpf_find_vma helper */
};

extern const struct fl_event_type fl_event_types[];
extern const int fl_nr_event_types;

/* Probes every hook; states[] has fl_nr_hooks entries; forced[] as above. */
void fl_hooks_resolve(struct fl_probe_ctx *ctx, const enum fl_mode *forced,
		      struct fl_hook_state *states);
/* Turns off autoload of every program not chosen in states[]. */
int fl_hooks_apply(struct bpf_object *obj, const struct fl_hook_state *states);
/* Index of a hook by name, -1 if none. */
int fl_hook_index(const char *name);
bool fl_event_type_available(const struct fl_event_type *et, const struct fl_hook_state *states,
			     bool have_find_vma);

#endif
