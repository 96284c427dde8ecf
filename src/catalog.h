/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * The catalogue: every kernel hook faultlock attaches to, every event type it
 * reports, every count of its summary and every reason it can lose events.
 * Data only; resolve.c decides what works on this kernel, the loader loads
 * it, the emitters and the exporter name things from here. A new event type
 * or hook is one entry below (plus its BPF program and its emitter).
 */
#ifndef FL_CATALOG_H
#define FL_CATALOG_H

#include <stdbool.h>
#include <stddef.h>
#include "faultlock_abi.h"

/* How a hook is attached, cheapest first after NONE. */
enum fl_mode {
	FL_MODE_NONE = 0,
	FL_MODE_TRACEPOINT,	/* classic tracefs tracepoint */
	FL_MODE_TP_BTF,		/* BTF-typed raw tracepoint */
	FL_MODE_FENTRY,		/* fentry/fexit trampoline */
	FL_MODE_KPROBE,		/* kprobe/kretprobe */
	FL_MODE_MAX,
};

const char *fl_mode_name(enum fl_mode mode);

/* Hook ids: fl_hooks[] is indexed by them (designated initialisers). */
enum fl_hook_id {
	FL_HOOK_FORK,
	FL_HOOK_EXIT,
	FL_HOOK_FAULT_USER,
	FL_HOOK_FAULT_KERNEL,
	FL_HOOK_DIO_BEGIN,
	FL_HOOK_DIO_COMPLETE,
	FL_HOOK_GLOCK_QUEUE,
	FL_HOOK_GLOCK_DEMOTE_RQ,
	FL_HOOK_GLOCK_LOCK_TIME,
	FL_HOOK_HANDLE_MM_FAULT,
	FL_HOOK_GLOCK_NQ,
	FL_HOOK_GLOCK_DQ,
	FL_HOOK_FAULT_IN_READABLE,
	FL_HOOK_FAULT_IN_WRITEABLE,
	FL_HOOK_FAULT_IN_SAFE_WRITEABLE,
	FL_HOOK_BTRFS_SET_EXTENT_BIT,
	FL_HOOK_BTRFS_CLEAR_EXTENT_BIT,
	FL_HOOK_BTRFS_ORDERED_ADD,
	FL_HOOK_BTRFS_ORDERED_REMOVE,
	FL_HOOK_BTRFS_ORDERED_START,
	FL_HOOK_DIO_QUEUED,
	FL_NR_HOOKS,
};

#define FL_MAX_HOOKS 32		/* size of hook state arrays */
_Static_assert(FL_NR_HOOKS <= FL_MAX_HOOKS, "raise FL_MAX_HOOKS");

struct fl_hook {
	const char *name;		/* shown by check, label of faultlock_hook_attached */
	const char *category;		/* tracepoint category; NULL for a function */
	const char *target;		/* tracepoint or function name */
	const char *fn;			/* a tracepoint's function stand-in, tried after it */
	const char *module;		/* kernel module holding it; NULL: vmlinux */
	const char *scope;		/* file systems it serves alone ("gfs2,btrfs"): off when --fs leaves them out */
	const char *fields;		/* classic tracepoint: "NAME@OFFSET ..." its program reads (checked) */
	const char *requires;		/* hook without which this one is useless (acquire needs release) */
	bool needs_return;		/* function modes: fexit / kretprobe */
	bool entry_late;		/* kprobe mode: entry attached after the return probe */
	/* programs per mode: entry and (for needs_return) return; NULL: not implemented */
	const char *progs[FL_MODE_MAX][2];
	/* the entry program loaded instead when the kernel lacks bpf_find_vma */
	const char *prog_without_find_vma;
};

extern const struct fl_hook fl_hooks[];
extern const int fl_nr_hooks;

/* What resolve.c found for one hook on this kernel. */
struct fl_hook_state {
	enum fl_mode mode;		/* FL_MODE_NONE: unavailable */
	char why[384];			/* reason when unavailable */
};

enum fl_severity { FL_SEV_ERROR, FL_SEV_WARNING, FL_SEV_INFO, FL_SEV_MAX };

#define FL_NEEDS_SETS 3		/* alternative hook sets of an event type */
#define FL_NEEDS_HOOKS 4	/* hooks per set */

/* One event type: how it arrives, what it needs, where it is counted. */
struct fl_event_type {
	const char *type;		/* the JSON "type" and the text label */
	enum fl_severity severity;
	int rec;			/* FL_REC_* it arrives as; 0: made in user space */
	size_t rec_size;		/* smallest valid record */
	size_t nr_stack_off;		/* offset of its __u32 nr_stack; 0: no stack */
	/* available when every hook of one set is (several sets: several ways
	 * to see it); no set at all: always available */
	const char *needs[FL_NEEDS_SETS][FL_NEEDS_HOOKS];
	bool needs_find_vma;		/* and the bpf_find_vma helper */
	const char *metric;		/* Prometheus family counting it; NULL: none */
};

extern const struct fl_event_type fl_event_types[];
extern const int fl_nr_event_types;

/* Where a summary count comes from. */
enum fl_count_src {
	FL_SRC_COUNTER,		/* a kernel counter, .counter */
	FL_SRC_LOCK_STALLS,	/* lock_stall findings made in user space */
	FL_SRC_DEADLOCKS,	/* deadlock findings made in user space */
	FL_SRC_REMOTE_DEMOTES,	/* remote_demote findings made in user space */
	FL_SRC_LOST,		/* the sum of the drop counters */
};

/* One key of the summary's "counts", in the contract's order. */
struct fl_summary_count {
	const char *key;
	enum fl_count_src src;
	enum fl_counter counter;
	/* known when this event type is available, or this hook attached;
	 * neither: always known (a null count means "could not be seen") */
	const char *event;
	const char *hook;
};

#define FL_MAX_COUNTS 32	/* bound of fl_nr_summary_counts */

extern const struct fl_summary_count fl_summary_counts[];
extern const int fl_nr_summary_counts;

/* The drop counters and their names (`lost` event, events_lost_total{reason}). */
struct fl_lost_reason {
	enum fl_counter idx;
	const char *reason;
};

extern const struct fl_lost_reason fl_lost_reasons[];
extern const int fl_nr_lost_reasons;

/* Lookups by name or record type; -1 / NULL when there is none. */
int fl_hook_index(const char *name);
const struct fl_event_type *fl_event_type_by_name(const char *type);
const struct fl_event_type *fl_event_type_by_rec(int rec);
const char *fl_severity_name(enum fl_severity sev);
/* Whether states[] (fl_nr_hooks entries) let an event type be seen. */
bool fl_event_type_available(const struct fl_event_type *et, const struct fl_hook_state *states,
			     bool have_find_vma);

#endif
