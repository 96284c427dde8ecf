// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* The daemon's --textfile: atomic rewrites of a node_exporter textfile. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "faultlock.h"
#include "textfile.h"

/* Renders into PATH.XXXXXX beside PATH, then renames it over PATH.
 * Without render, only checks that the directory takes the temporary file. */
static int write_textfile(const char *path, fl_textfile_render_fn render, void *arg)
{
	char tmp[PATH_MAX];
	FILE *f;
	int fd, err;

	if (snprintf(tmp, sizeof(tmp), "%s.XXXXXX", path) >= (int)sizeof(tmp))
		return -ENAMETOOLONG;
	fd = mkostemp(tmp, O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fchmod(fd, 0644) || !(f = fdopen(fd, "w"))) {
		err = -errno;
		close(fd);
		unlink(tmp);
		return err;
	}
	err = render ? render(f, arg) : 0;
	if (fclose(f) && !err)
		err = -errno;
	if (!err && render && rename(tmp, path))
		err = -errno;
	if (err || !render)
		unlink(tmp);
	return err;
}

int fl_textfile_check(const struct fl_textfile *t)
{
	return write_textfile(t->path, NULL, NULL);
}

void fl_textfile_update(struct fl_textfile *t)
{
	int err = write_textfile(t->path, t->render, t->arg);

	if (err && !t->failing)
		elog("cannot write %s: %s (retrying every %ld s)", t->path, strerror(-err), t->interval);
	else if (!err && t->failing)
		elog("%s written again", t->path);
	t->failing = err;
}
