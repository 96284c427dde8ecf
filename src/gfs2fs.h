/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Which gfs2 file system a device is, and which cluster node this is: the
 * names other nodes know them by. A glock is the same lock on every node by
 * its file system's lock table ("cluster:fsname", the sysfs directory
 * /sys/fs/gfs2/<table>/ whose `id` is the device's MAJ:MIN) and its
 * type:number; the device numbers themselves may differ between nodes. The
 * DLM's node id is dlmview.c's fl_dlm_our_node. Paths are under root (""
 * or NULL: this system) so tests pass their own tree.
 */
#ifndef FL_GFS2FS_H
#define FL_GFS2FS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define FL_GFS2_MAX_FS 16

struct fl_gfs2_fs {
	uint32_t dev;		/* kernel dev_t (major << 20 | minor) */
	char table[64];		/* "cluster:fsname" (lock_nolock: whatever mkfs gave) */
};

/* The mounted gfs2 file systems (root/sys/fs/gfs2): how many found. */
int fl_gfs2_fs_list(const char *root, struct fl_gfs2_fs *out, int max);
/* The table of dev in list, or NULL. */
const char *fl_gfs2_table_of(const struct fl_gfs2_fs *list, int n, uint32_t dev);

/* The first line of a small (sysfs, configfs) file, newline cut; false if
 * it cannot be read. */
bool fl_read_first_line(const char *path, char *buf, size_t len);

#endif
