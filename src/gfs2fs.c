// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <glob.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include "gfs2fs.h"

bool fl_read_first_line(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "re");
	bool ok;

	if (!f)
		return false;
	ok = fgets(buf, (int)len, f) != NULL;
	fclose(f);
	if (!ok)
		return false;
	buf[strcspn(buf, "\n")] = '\0';
	return true;
}

int fl_gfs2_fs_list(const char *root, struct fl_gfs2_fs *out, int max)
{
	char pattern[512], line[64];
	int n = 0;
	glob_t g;

	/* sys.c id_show: "%u:%u\n", MAJOR and MINOR of s_dev */
	snprintf(pattern, sizeof(pattern), "%s/sys/fs/gfs2/*/id", root ? root : "");
	if (glob(pattern, 0, NULL, &g))
		return 0;
	for (size_t i = 0; i < g.gl_pathc && n < max; i++) {
		const char *path = g.gl_pathv[i], *end = strrchr(path, '/'), *start;
		unsigned maj, min;

		if (!fl_read_first_line(path, line, sizeof(line)) || sscanf(line, "%u:%u", &maj, &min) != 2)
			continue;
		for (start = end; start > path && start[-1] != '/'; start--)
			;
		if ((size_t)(end - start) >= sizeof(out[n].table))
			continue;	/* longer than gfs2 allows (GFS2_LOCKNAME_LEN) */
		out[n].dev = maj << 20 | (min & 0xfffff);
		memcpy(out[n].table, start, end - start);
		out[n].table[end - start] = '\0';
		n++;
	}
	globfree(&g);
	return n;
}

const char *fl_gfs2_table_of(const struct fl_gfs2_fs *list, int n, uint32_t dev)
{
	for (int i = 0; i < n; i++)
		if (list[i].dev == dev)
			return list[i].table;
	return NULL;
}
