/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * What the btrfs provider (bpf/btrfs.bpf.c) must know of this kernel, found
 * by looking, never by version: the io_tree bits of a range lock and the
 * data tree's owner id (tracefs print formats, else BTF), and the blocking
 * extent-lock function a lock request comes from (kallsyms).
 */
#ifndef FL_BTRFS_H
#define FL_BTRFS_H

#include <stdbool.h>
#include <stdint.h>
#include "faultlock_abi.h"

struct fl_btrfs_facts {
	bool known;			/* everything below was found */
	char why[192];			/* what was not, when !known */
	uint32_t lock_bits;		/* EXTENT_LOCKED | EXTENT_DIO_LOCKED */
	uint32_t inode_io;		/* IO_TREE_INODE_IO */
	int nr_lockfns;
	char lockfn[FL_BTRFS_LOCKFNS][40];
	uint64_t lockfn_lo[FL_BTRFS_LOCKFNS], lockfn_hi[FL_BTRFS_LOCKFNS];
};

void fl_btrfs_facts_read(struct fl_btrfs_facts *f);

#endif
