// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/sysmacros.h>
#include "btrfsfs.h"

static uint32_t be32_at(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

void fl_btrfs_statfs_fsid(const uint8_t fsid[16], uint64_t subvol, uint32_t out[2])
{
	out[0] = (be32_at(fsid) ^ be32_at(fsid + 8)) ^ (uint32_t)(subvol >> 32);
	out[1] = (be32_at(fsid + 4) ^ be32_at(fsid + 12)) ^ (uint32_t)subvol;
}

/* mountinfo escapes blanks in paths as \040 (octal): undone in place. */
static void unescape(char *s)
{
	char *d = s;

	for (; *s; s++) {
		if (s[0] == '\\' && s[1] >= '0' && s[1] <= '7' && s[2] >= '0' && s[2] <= '7' &&
		    s[3] >= '0' && s[3] <= '7') {
			*d++ = (char)((s[1] - '0') * 64 + (s[2] - '0') * 8 + (s[3] - '0'));
			s += 3;
		} else {
			*d++ = *s;
		}
	}
	*d = '\0';
}

bool fl_btrfs_find_mount(const char *mountinfo, const uint8_t fsid[16], uint64_t root, uint32_t *dev,
			char *mnt, size_t len)
{
	FILE *f = fopen(mountinfo ? mountinfo : "/proc/self/mountinfo", "re");
	char line[4096];
	int found = 0;

	if (!f)
		return 0;
	/* "36 35 0:40 / /mnt rw,relatime shared:1 - btrfs /dev/loop0 rw,...,subvolid=5,subvol=/" */
	while (found < 2 && fgets(line, sizeof(line), f)) {
		char point[1024], fstype[32], opts[2048], *sep = strstr(line, " - "), *sv;
		uint32_t want[2];
		struct statfs sf;
		struct stat st;
		uint64_t subvol;

		if (!sep || sscanf(line, "%*s %*s %*s %*s %1023s", point) != 1 ||
		    sscanf(sep + 3, "%31s %*s %2047s", fstype, opts) != 2 || strcmp(fstype, "btrfs"))
			continue;
		sv = strstr(opts, "subvolid=");
		if (!sv)
			continue;
		subvol = strtoull(sv + 9, NULL, 10);
		unescape(point);
		fl_btrfs_statfs_fsid(fsid, subvol, want);
		if (statfs(point, &sf) || memcmp(&sf.f_fsid, want, sizeof(want)) || stat(point, &st))
			continue;
		/* the subvolume's own mount, else the first of the file system */
		if (found && subvol != root)
			continue;
		*dev = major(st.st_dev) << 20 | minor(st.st_dev);
		snprintf(mnt, len, "%s", point);
		found = subvol == root ? 2 : 1;
	}
	fclose(f);
	return found > 0;
}
