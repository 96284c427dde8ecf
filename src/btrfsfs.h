/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which mounted btrfs a tracepoint's fsid names. btrfs's tracepoints give
 * the file system's fsid and the subvolume, not a device: the mount is the
 * one whose statfs f_fsid is that fsid folded with the mount's subvolume id
 * (btrfs_statfs), its dev the mount point's st_dev.
 */
#ifndef FL_BTRFSFS_H
#define FL_BTRFSFS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* statfs's f_fsid of a btrfs mount of subvolume `subvol` (two words). */
void fl_btrfs_statfs_fsid(const uint8_t fsid[16], uint64_t subvol, uint32_t out[2]);

/*
 * The mount of the file system fsid (the one of subvolume root if mounted,
 * else any) from mountinfo (NULL: /proc/self/mountinfo): its kernel dev_t
 * (major << 20 | minor, as s_dev) and mount point. False if none matches.
 */
bool fl_btrfs_find_mount(const char *mountinfo, const uint8_t fsid[16], uint64_t root, uint32_t *dev,
			char *mnt, size_t len);

#endif
