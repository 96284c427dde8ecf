/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* The hooks of bench/empty.bpf.c: index, tracepoint category, event, and
 * the mode faultlock attaches them in on a tracepoint-only kernel. */
#ifndef FL_EMPTY_H
#define FL_EMPTY_H

#define FL_EMPTY_HOOKS(X)						\
	X(0, sched, sched_process_fork)					\
	X(1, sched, sched_process_exit)					\
	X(2, exceptions, page_fault_user)				\
	X(3, exceptions, page_fault_kernel)				\
	X(4, iomap, iomap_dio_rw_begin)					\
	X(5, iomap, iomap_dio_complete)					\
	X(6, btrfs, btrfs_set_extent_bit)				\
	X(7, btrfs, btrfs_clear_extent_bit)				\
	X(8, btrfs, btrfs_ordered_extent_add)				\
	X(9, btrfs, btrfs_ordered_extent_remove)			\
	X(10, btrfs, btrfs_ordered_extent_start)			\
	X(11, iomap, iomap_dio_rw_queued)

#define FL_EMPTY_NR_HOOKS 12

#endif
