/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The daemon's /metrics and --textfile content, from summed kernel counters. */
#ifndef FL_EXPORT_H
#define FL_EXPORT_H

#include <stdio.h>
#include "resolve.h"
#include "summary.h"

/*
 * Renders every family for `sum` (as fl_loader__read_counters fills it);
 * states[] is the attach table's outcome (fl_nr_hooks entries), which also
 * decides which lock and fault_in families exist. 0, or -EIO / -ENOMEM.
 */
int fl_export_render(FILE *f, const struct fl_summary *sum, const struct fl_hook_state *states,
		     const char *kernel);

#endif
