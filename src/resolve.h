/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The catalogue against this kernel: which mode each hook gets (probed,
 * cheapest first, or as FAULTLOCK_HOOK_MODES limits it), which event types
 * that makes available, and which skeleton programs load and when they
 * attach. `check` prints the result; `trace` and `daemon` load by it.
 */
#ifndef FL_RESOLVE_H
#define FL_RESOLVE_H

#include "catalog.h"
#include "options.h"
#include "probe.h"

struct bpf_object;

/* What a hook attaches to in a mode: the tracepoint, or the function. */
const char *fl_hook_target(const struct fl_hook *h, enum fl_mode mode);

/*
 * FAULTLOCK_HOOK_MODES="hook=mode[,hook=mode...]" limits those hooks to one
 * mode each, so tests can run every fallback on kernels that have better.
 * Fills forced[] (FL_MODE_NONE: not limited); -1 with a message on bad input.
 */
int fl_hook_modes_parse(const char *spec, enum fl_mode *forced, char *err, size_t err_len);

/* Probes every hook; states[] has fl_nr_hooks entries; forced[] as above.
 * A hook whose `requires` is unavailable is made unavailable too. */
void fl_hooks_resolve(struct fl_probe_ctx *ctx, const enum fl_mode *forced,
		      struct fl_hook_state *states);
/* Turns off the hooks whose scope (a file system) --fs leaves out. */
void fl_hooks_scope(struct fl_hook_state *states, const struct fl_fs_filter *fs);

enum fl_prog_role { FL_PROG_ENTRY, FL_PROG_RETURN };
/* The hook claiming a skeleton program (and its role), NULL if none does. */
const struct fl_hook *fl_hook_of_prog(const char *prog, enum fl_prog_role *role);
/* Whether prog loads for hook in state st; *late: the loader attaches it
 * itself, after the rest (kretprobes first, then entry kprobes). */
bool fl_hook_prog_chosen(int hook, const struct fl_hook_state *st, bool have_find_vma,
			 const char *prog, bool *late);
struct bpf_program;
/* A BPF iterator (task_stack): not a hook, loaded by the loader's choice. */
bool fl_prog_is_iter(const struct bpf_program *prog);
/* Sets autoload (and, for late entry probes, autoattach off) of every
 * program, iterators off; -EINVAL when a program is not in the catalogue. */
int fl_hooks_apply(struct bpf_object *obj, const struct fl_hook_state *states, bool have_find_vma);

#endif
