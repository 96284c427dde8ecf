// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include "catalog.h"
#include "snapshot.h"

uint64_t fl_snapshot_lost(const struct fl_snapshot *s)
{
	uint64_t sum = 0;

	for (int i = 0; i < fl_nr_lost_reasons; i++)
		sum += s->counters[fl_lost_reasons[i].idx];
	return sum;
}

uint64_t fl_fs_row_partial(const struct fl_fs_row *r)
{
	return r->partial_short + r->partial_efault;
}
