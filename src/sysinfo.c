// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <dirent.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/utsname.h>
#include "btfargs.h"
#include "sysinfo.h"

void fl_parse_lockdown(const char *line, char *out, size_t len)
{
	const char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;

	if (!l || !r || r - l - 1 <= 0) {
		snprintf(out, len, "unknown");
		return;
	}
	snprintf(out, len, "%.*s", (int)(r - l - 1), l + 1);
}

static void read_lockdown(char *out, size_t len)
{
	char line[128] = "";
	FILE *f = fopen("/sys/kernel/security/lockdown", "r");

	if (!f) {
		snprintf(out, len, access("/sys/kernel/security/lsm", F_OK) ?
			 "unknown (securityfs not mounted)" : "not enabled");
		return;
	}
	if (!fgets(line, sizeof(line), f))
		line[0] = '\0';
	fclose(f);
	fl_parse_lockdown(line, out, len);
}

static bool filesystem_registered(const char *fs)
{
	char line[128], name[64];
	FILE *f = fopen("/proc/filesystems", "r");
	bool found = false;

	if (!f)
		return false;
	while (!found && fgets(line, sizeof(line), f))
		if (sscanf(line, "nodev %63s", name) == 1 || sscanf(line, "%63s", name) == 1)
			found = !strcmp(name, fs);
	fclose(f);
	return found;
}

void fl_sysinfo_read(struct fl_sysinfo *si, struct fl_probe_ctx *ctx)
{
	struct utsname u;
	DIR *d;

	memset(si, 0, sizeof(*si));
	if (!uname(&u))
		snprintf(si->release, sizeof(si->release), "%s", u.release);
	si->btf_vmlinux = ctx->vmlinux_btf != NULL;
	si->dio_done_before_arg = fl_btf_param_index(ctx->vmlinux_btf, "__iomap_dio_rw", "done_before");
	d = opendir("/sys/kernel/btf");
	if (d) {
		struct dirent *de;
		size_t off = 0;

		while ((de = readdir(d))) {
			if (de->d_name[0] == '.' || !strcmp(de->d_name, "vmlinux"))
				continue;
			off += snprintf(si->btf_modules + off, off < sizeof(si->btf_modules) ?
					sizeof(si->btf_modules) - off : 0, "%s%s", off ? " " : "", de->d_name);
			if (off >= sizeof(si->btf_modules))
				break;
		}
		closedir(d);
	}
	si->gfs2_loaded = !access("/sys/module/gfs2", F_OK) || filesystem_registered("gfs2");
	read_lockdown(si->lockdown, sizeof(si->lockdown));
	si->ringbuf = fl_probe_ringbuf();
	si->task_storage = fl_probe_task_storage();
	si->task_btf = fl_probe_helper_btf(ctx, "BPF_FUNC_get_current_task_btf");
	/* Both need a BTF task pointer. */
	si->task_storage = si->task_storage && si->task_btf;
	si->find_vma = fl_probe_find_vma() && si->task_btf;
	si->task_iter = fl_probe_task_iter(ctx);
}
