// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include "dlmview.h"
#include "gfs2fs.h"

#define DLM_LKSTS_WAITING 1	/* fs/dlm/dlm_internal.h */
#define DLM_LKSTS_GRANTED 2
#define DLM_LKSTS_CONVERT 3

void fl_dlm_resource_name(char name[FL_DLM_NAME_LEN + 1], uint32_t type, uint64_t number)
{
	/* gdlm_lock() writes both right-aligned, lower-case hex, blank-padded
	 * (gfs2_reverse_hex into a field of spaces): the same as this. */
	snprintf(name, FL_DLM_NAME_LEN + 1, "%8" PRIx32 "%16" PRIx64, type, number);
}

static const char *const mode_names[] = { "NL", "CR", "CW", "PR", "PW", "EX" };

const char *fl_dlm_mode_name(int mode)
{
	if (mode == FL_DLM_IV)
		return "--";
	if (mode < FL_DLM_NL || mode > FL_DLM_EX)
		return "??";
	return mode_names[mode];
}

static int mode_of(const char *s)
{
	for (int m = FL_DLM_NL; m <= FL_DLM_EX; m++)
		if (!strcmp(s, mode_names[m]))
			return m;
	return FL_DLM_IV;
}

/* One resource as one node's DLM shows it. res_nodeid is the kernel's
 * r->res_nodeid: 0 this node masters it, N > 0 node N does, -1 the master
 * is being looked up. */
struct view {
	int our_node;
	bool seen;		/* the resource is in this node's DLM */
	int res_nodeid;
	struct fl_dlm_holder *out;
	int max, n;
};

static void view_init(struct view *v, int our_node, struct fl_dlm_holder *out, int max)
{
	memset(v, 0, sizeof(*v));
	v->our_node = our_node;
	v->res_nodeid = -1;
	v->out = out;
	v->max = max;
}

static int master_of(const struct view *v)
{
	if (v->res_nodeid == 0)
		return v->our_node;
	return v->res_nodeid > 0 ? v->res_nodeid : 0;
}

/* A lock granted in mode on the resource; lock_nodeid is the kernel's
 * lkb_nodeid: on the master, the node of a master copy (0 for its own
 * locks); elsewhere every lock is the node's own (lkb_nodeid = master). */
static void view_granted(struct view *v, int mode, int lock_nodeid, int pid)
{
	struct fl_dlm_holder *h;
	bool local = v->res_nodeid != 0 || lock_nodeid == 0;

	/* NL blocks no one, and gfs2 keeps unlocked glocks in NL. */
	if (mode <= FL_DLM_NL || v->n >= v->max)
		return;
	h = &v->out[v->n++];
	h->node = local ? v->our_node : lock_nodeid;
	h->pid = pid > 0 ? pid : 0;
	h->mode = mode;
	h->master = master_of(v);
	h->local = local;
	h->inferred = false;
}

/* Nothing holds it here: with another node as master, that node is the
 * likely holder (the only other one in a two-node cluster). */
static int view_finish(struct view *v)
{
	if (v->seen && v->n == 0 && v->res_nodeid > 0 && v->max > 0) {
		struct fl_dlm_holder *h = &v->out[v->n++];

		h->node = v->res_nodeid;
		h->pid = 0;
		h->mode = FL_DLM_IV;
		h->master = v->res_nodeid;
		h->local = false;
		h->inferred = true;
	}
	return v->n;
}

/* Strips the line's newline; false at the end of the file. */
/* The next line, within a budget of *left bytes (see FL_DLM_MAX_BYTES). */
static bool next_line(FILE *in, char **line, size_t *cap, size_t *left)
{
	ssize_t n;

	if (!*left)
		return false;
	n = getline(line, cap, in);
	if (n < 0)
		return false;
	*left = (size_t)n < *left ? *left - (size_t)n : 0;
	if (n > 0 && (*line)[n - 1] == '\n')
		(*line)[n - 1] = '\0';
	return true;
}

/* `Resource %p Name (len=%d) "NAME"`: is NAME want? (Unprintable bytes
 * show as '.', none in gfs2's names.) */
static bool resource_is(const char *line, const char *want)
{
	const char *p = strstr(line, " Name (len=");
	char *end;
	long len;

	if (!p)
		return false;
	len = strtol(p + strlen(" Name (len="), &end, 10);
	if (end[0] != ')' || end[1] != ' ' || end[2] != '"')
		return false;
	return len == (long)strlen(want) && (long)strlen(end + 3) > len &&
	       !memcmp(end + 3, want, (size_t)len) && end[3 + len] == '"';
}

int fl_dlm_parse_resources(FILE *in, int our_node, uint32_t type, uint64_t number,
			   struct fl_dlm_holder *out, int max)
{
	enum { OTHER, GRANTED, CONVERT, WAITING, LOOKUP } queue = OTHER;
	char want[FL_DLM_NAME_LEN + 1], *line = NULL;
	size_t cap = 0, left = FL_DLM_MAX_BYTES;
	struct view v;
	bool in_target = false;

	fl_dlm_resource_name(want, type, number);
	view_init(&v, our_node, out, max);
	while (next_line(in, &line, &cap, &left)) {
		char mode[4];
		unsigned id;
		int n;

		if (!strncmp(line, "Resource ", 9)) {
			if (in_target)
				break;	/* a resource is printed once */
			in_target = resource_is(line, want);
			v.seen |= in_target;
			queue = OTHER;
			continue;
		}
		if (!in_target)
			continue;
		if (!strcmp(line, "Master Copy"))
			v.res_nodeid = 0;
		else if (sscanf(line, "Local Copy, Master is node %d", &n) == 1)
			v.res_nodeid = n > 0 ? n : -1;
		else if (!strcmp(line, "Granted Queue"))
			queue = GRANTED;
		else if (!strcmp(line, "Conversion Queue"))
			queue = CONVERT;
		else if (!strcmp(line, "Waiting Queue"))
			queue = WAITING;
		else if (!strcmp(line, "Lookup Queue"))
			queue = LOOKUP;
		else if ((queue == GRANTED || queue == CONVERT) && isxdigit((unsigned char)line[0]) &&
			 sscanf(line, "%8x %3s", &id, mode) == 2) {
			/* "%08x %s" granted mode (a converting lock still holds
			 * it), then " Remote: %3d %08x" for a master copy of
			 * node N's lock, " Master: ..." for a local one. */
			const char *r = strstr(line, " Remote: ");

			view_granted(&v, mode_of(mode), r ? atoi(r + 9) : 0, 0);
		}
	}
	free(line);
	return view_finish(&v);
}

int fl_dlm_parse_locks(FILE *in, int our_node, uint32_t type, uint64_t number,
		       struct fl_dlm_holder *out, int max)
{
	char want[FL_DLM_NAME_LEN + 1], *line = NULL;
	size_t cap = 0, left = FL_DLM_MAX_BYTES;
	struct view v;
	size_t want_len;

	fl_dlm_resource_name(want, type, number);
	want_len = strlen(want);
	view_init(&v, our_node, out, max);
	while (next_line(in, &line, &cap, &left)) {
		/* id nodeid remid pid xid exflags flags sts grmode rqmode
		 * time_us r_nodeid r_len "r_name" (the header line says time_ms) */
		unsigned id, remid, pid, exflags, flags;
		unsigned long long xid, us;
		long long r_nodeid;
		int nodeid, sts, grmode, rqmode, r_len, off = -1;
		const char *name, *close;

		if (sscanf(line, "%x %d %x %u %llu %x %x %d %d %d %llu %lld %d %n", &id, &nodeid,
			   &remid, &pid, &xid, &exflags, &flags, &sts, &grmode, &rqmode, &us,
			   &r_nodeid, &r_len, &off) < 13 || off < 0)
			continue;
		name = line + off;
		close = strrchr(name, '"');
		if (name[0] != '"' || close == name || r_len != (int)want_len ||
		    (size_t)(close - name - 1) != want_len || memcmp(name + 1, want, want_len))
			continue;
		v.seen = true;
		/* res_nodeid is printed "%u": -1 (lookup) reads 4294967295. */
		v.res_nodeid = r_nodeid >= 0 && r_nodeid <= INT32_MAX ? (int)r_nodeid : -1;
		if (sts == DLM_LKSTS_GRANTED || sts == DLM_LKSTS_CONVERT)
			view_granted(&v, grmode, nodeid, (int)pid);
	}
	free(line);
	return view_finish(&v);
}

/* root + the formatted rest; -ENAMETOOLONG if it does not fit. */
static int __attribute__((format(printf, 4, 5)))
path_of(char *buf, size_t len, const char *root, const char *fmt, ...)
{
	va_list ap;
	int n, m;

	n = snprintf(buf, len, "%s", root ? root : "");
	if (n < 0 || (size_t)n >= len)
		return -ENAMETOOLONG;
	va_start(ap, fmt);
	m = vsnprintf(buf + n, len - n, fmt, ap);
	va_end(ap);
	return m < 0 || (size_t)m >= len - n ? -ENAMETOOLONG : 0;
}

int fl_dlm_lockspace_of(const char *root, uint32_t dev, char *ls, size_t len)
{
	struct fl_gfs2_fs fs[FL_GFS2_MAX_FS];
	const char *table = fl_gfs2_table_of(fs, fl_gfs2_fs_list(root, fs, FL_GFS2_MAX_FS), dev), *fsname;

	if (!table)
		return -ENODEV;
	/* The directory is the lock table; gdlm_mount() names the lockspace
	 * after what follows its ':' (lock_nolock: no ':'). */
	fsname = strchr(table, ':');
	if (!fsname || !fsname[1])
		return -ENOENT;
	if (strlen(fsname + 1) >= len)
		return -ENAMETOOLONG;
	strcpy(ls, fsname + 1);
	return 0;
}

int fl_dlm_our_node(const char *root)
{
	char path[4096], buf[32];
	struct dirent *de;
	int node = 0;
	DIR *d;

	if (path_of(path, sizeof(path), root, "/sys/kernel/config/dlm/cluster/comms"))
		return 0;
	d = opendir(path);
	if (!d)
		return 0;
	while (!node && (de = readdir(d))) {
		if (de->d_name[0] == '.')
			continue;
		if (path_of(path, sizeof(path), root, "/sys/kernel/config/dlm/cluster/comms/%s/local",
			    de->d_name) ||
		    !fl_read_first_line(path, buf, sizeof(buf)) || atoi(buf) != 1)
			continue;
		if (!path_of(path, sizeof(path), root,
			     "/sys/kernel/config/dlm/cluster/comms/%s/nodeid", de->d_name) &&
		    fl_read_first_line(path, buf, sizeof(buf)))
			node = atoi(buf) > 0 ? atoi(buf) : 0;
	}
	closedir(d);
	return node;
}

int fl_dlm_find_holders(const char *root, uint32_t dev, uint32_t type, uint64_t number,
			struct fl_dlm_holder *out, int max)
{
	char ls[256], path[4096];
	int err, our_node, n;
	FILE *f;

	err = fl_dlm_lockspace_of(root, dev, ls, sizeof(ls));
	if (err)
		return err;
	our_node = fl_dlm_our_node(root);
	/* _locks has the pids; the resource view is the fallback. */
	if (path_of(path, sizeof(path), root, "/sys/kernel/debug/dlm/%s_locks", ls))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (f) {
		n = fl_dlm_parse_locks(f, our_node, type, number, out, max);
		fclose(f);
		return n;
	}
	if (path_of(path, sizeof(path), root, "/sys/kernel/debug/dlm/%s", ls))
		return -ENAMETOOLONG;
	f = fopen(path, "re");
	if (!f)
		return -errno;
	n = fl_dlm_parse_resources(f, our_node, type, number, out, max);
	fclose(f);
	return n;
}
