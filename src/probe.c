// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * Trial loads and attaches of two-instruction programs: the only reliable
 * answer to "can this hook be used here" (BTF may lack a function, a
 * trampoline may refuse 7 arguments, a kernel may refuse fentry or have no
 * kprobes at all). Every probe cleans up what it created.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <linux/perf_event.h>
#include <bpf/bpf.h>
#include <bpf/btf.h>
#include <bpf/libbpf.h>
#include "probe.h"

void fl_probe_init(struct fl_probe_ctx *ctx)
{
	memset(ctx, 0, sizeof(*ctx));
	ctx->vmlinux_btf = btf__load_vmlinux_btf();	/* NULL: no kernel BTF */
}

void fl_probe_free(struct fl_probe_ctx *ctx)
{
	btf__free(ctx->vmlinux_btf);
	ctx->vmlinux_btf = NULL;
}

static int load_trivial(enum bpf_prog_type type, enum bpf_attach_type attach_type,
			__u32 btf_id, int btf_obj_fd)
{
	const struct bpf_insn insns[] = {
		{ .code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = BPF_REG_0, .imm = 0 },
		{ .code = BPF_JMP | BPF_EXIT },
	};
	LIBBPF_OPTS(bpf_prog_load_opts, opts,
		    .expected_attach_type = attach_type,
		    .attach_btf_id = btf_id,
		    .attach_btf_obj_fd = btf_obj_fd > 0 ? btf_obj_fd : 0);
	int fd = bpf_prog_load(type, NULL, "GPL", insns, 2, &opts);

	return fd < 0 ? -errno : fd;
}

/* The kernel's BTF object of a module, as an fd (attach_btf_obj_fd). */
static int module_btf_fd(const char *module)
{
	__u32 id = 0;

	while (!bpf_btf_get_next_id(id, &id)) {
		char name[64] = "";
		struct bpf_btf_info info = { .name = (__u64)(unsigned long)name,
					     .name_len = sizeof(name) };
		__u32 len = sizeof(info);
		int fd = bpf_btf_get_fd_by_id(id);

		if (fd < 0)
			continue;
		if (!bpf_obj_get_info_by_fd(fd, &info, &len) && !strcmp(name, module))
			return fd;
		close(fd);
	}
	return -ENOENT;
}

/* Finds `name` of `kind` in vmlinux or module BTF; fills *obj_fd for modules. */
static int find_btf_id(struct fl_probe_ctx *ctx, const char *name, int kind,
		       const char *module, int *obj_fd, char *why, size_t why_len)
{
	struct btf *btf = ctx->vmlinux_btf;
	int id;

	*obj_fd = -1;
	if (!btf) {
		snprintf(why, why_len, "kernel has no BTF");
		return -ENOENT;
	}
	if (module) {
		char path[128];

		snprintf(path, sizeof(path), "/sys/kernel/btf/%s", module);
		if (access(path, R_OK)) {
			char mod[128];

			snprintf(mod, sizeof(mod), "/sys/module/%s", module);
			snprintf(why, why_len, access(mod, F_OK) ? "module %s not loaded"
				 : "no BTF for module %s", module);
			return -ENOENT;
		}
		btf = btf__load_module_btf(module, ctx->vmlinux_btf);
		if (!btf) {
			snprintf(why, why_len, "cannot read BTF of module %s", module);
			return -ENOENT;
		}
		id = btf__find_by_name_kind(btf, name, kind);
		btf__free(btf);
		if (id > 0) {
			*obj_fd = module_btf_fd(module);
			if (*obj_fd < 0) {
				snprintf(why, why_len, "module %s BTF object not found", module);
				return -ENOENT;
			}
		}
	} else {
		id = btf__find_by_name_kind(btf, name, kind);
	}
	if (id <= 0)
		snprintf(why, why_len, "%s not in %s BTF", name, module ? module : "kernel");
	return id > 0 ? id : -ENOENT;
}

bool fl_probe_tp_btf(struct fl_probe_ctx *ctx, const char *event, const char *module,
		     char *why, size_t why_len)
{
	char tname[128];
	int id, obj_fd, prog, link;

	snprintf(tname, sizeof(tname), "btf_trace_%s", event);
	id = find_btf_id(ctx, tname, BTF_KIND_TYPEDEF, module, &obj_fd, why, why_len);
	if (id < 0) {
		if (strstr(why, "not in"))
			snprintf(why, why_len, "tracepoint %s not in this kernel", event);
		return false;
	}
	prog = load_trivial(BPF_PROG_TYPE_TRACING, BPF_TRACE_RAW_TP, id, obj_fd);
	if (obj_fd >= 0)
		close(obj_fd);
	if (prog < 0) {
		snprintf(why, why_len, "tp_btf load refused: %s", strerror(-prog));
		return false;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		snprintf(why, why_len, "tp_btf attach refused: %s", strerror(errno));
		close(prog);
		return false;
	}
	close(link);
	close(prog);
	return true;
}

static const char *const tracefs_paths[] = { "/sys/kernel/tracing", "/sys/kernel/debug/tracing" };

const char *fl_tracefs_path(void)
{
	char events[64];

	for (size_t i = 0; i < 2; i++) {
		snprintf(events, sizeof(events), "%s/events", tracefs_paths[i]);
		if (!access(events, F_OK))
			return tracefs_paths[i];
	}
	return NULL;
}

int fl_tracefs_mount(void)
{
	if (fl_tracefs_path())
		return 0;
	/* Not mounted (as on minimal systems): where it belongs. */
	if (mount("nodev", tracefs_paths[0], "tracefs", 0, NULL))
		return -errno;
	return fl_tracefs_path() ? 1 : -ENOENT;
}

void fl_tracefs_unmount(void)
{
	umount2(tracefs_paths[0], MNT_DETACH);
}

long fl_perf_event_open(struct perf_event_attr *attr)
{
	return syscall(SYS_perf_event_open, attr, -1, 0, -1, PERF_FLAG_FD_CLOEXEC);
}

static bool attach_perf_bpf(struct perf_event_attr *attr, enum bpf_prog_type type,
			    const char *what, char *why, size_t why_len)
{
	int prog = load_trivial(type, 0, 0, 0);
	int pfd;

	if (prog < 0) {
		snprintf(why, why_len, "%s load refused: %s", what, strerror(-prog));
		return false;
	}
	pfd = fl_perf_event_open(attr);
	if (pfd < 0) {
		snprintf(why, why_len, "%s attach refused: %s", what, strerror(errno));
		close(prog);
		return false;
	}
	if (ioctl(pfd, PERF_EVENT_IOC_SET_BPF, prog)) {
		snprintf(why, why_len, "%s attach refused: %s", what, strerror(errno));
		close(pfd);
		close(prog);
		return false;
	}
	close(pfd);
	close(prog);
	return true;
}

long fl_read_long_file(const char *path)
{
	char buf[64] = "";
	FILE *f = fopen(path, "r");
	long v = -1;

	if (!f)
		return -1;
	if (fgets(buf, sizeof(buf), f))
		v = strtol(buf, NULL, 10);
	fclose(f);
	return v;
}

bool fl_probe_tracepoint(const char *category, const char *event, char *why, size_t why_len)
{
	const char *tracefs = fl_tracefs_path();
	struct perf_event_attr attr = { .size = sizeof(attr), .type = PERF_TYPE_TRACEPOINT,
					.sample_period = 1, .wakeup_events = 1 };
	char path[256];
	long id;

	if (!tracefs) {
		snprintf(why, why_len, "tracefs not available");
		return false;
	}
	snprintf(path, sizeof(path), "%s/events/%s/%s/id", tracefs, category, event);
	id = fl_read_long_file(path);
	if (id < 0) {
		snprintf(why, why_len, "tracepoint %s:%s not in this kernel", category, event);
		return false;
	}
	attr.config = id;
	return attach_perf_bpf(&attr, BPF_PROG_TYPE_TRACEPOINT, "tracepoint", why, why_len);
}

bool fl_probe_fentry(struct fl_probe_ctx *ctx, const char *func, const char *module, bool fexit,
		     char *why, size_t why_len)
{
	int id, obj_fd, prog, link;

	id = find_btf_id(ctx, func, BTF_KIND_FUNC, module, &obj_fd, why, why_len);
	if (id < 0)
		return false;
	prog = load_trivial(BPF_PROG_TYPE_TRACING, fexit ? BPF_TRACE_FEXIT : BPF_TRACE_FENTRY,
			    id, obj_fd);
	if (obj_fd >= 0)
		close(obj_fd);
	if (prog < 0) {
		snprintf(why, why_len, "%sload refused: %s", fexit ? "fexit " : "", strerror(-prog));
		return false;
	}
	link = bpf_raw_tracepoint_open(NULL, prog);
	if (link < 0) {
		snprintf(why, why_len, "%sattach refused: %s", fexit ? "fexit " : "", strerror(errno));
		close(prog);
		return false;
	}
	close(link);
	close(prog);
	return true;
}

bool fl_probe_kprobe(const char *func, bool retprobe, char *why, size_t why_len)
{
	struct perf_event_attr attr = { .size = sizeof(attr) };
	long type = fl_read_long_file("/sys/bus/event_source/devices/kprobe/type");

	if (type < 0) {
		snprintf(why, why_len, "kernel has no kprobes");
		return false;
	}
	attr.type = type;
	if (retprobe) {
		char buf[32] = "";
		FILE *f = fopen("/sys/bus/event_source/devices/kprobe/format/retprobe", "r");
		int bit = 0;

		if (f) {
			if (fgets(buf, sizeof(buf), f))
				sscanf(buf, "config:%d", &bit);
			fclose(f);
		}
		attr.config = 1ULL << bit;
	}
	attr.config1 = (__u64)(unsigned long)func;	/* kprobe_func */
	return attach_perf_bpf(&attr, BPF_PROG_TYPE_KPROBE, retprobe ? "kretprobe" : "kprobe",
			       why, why_len);
}

bool fl_probe_task_storage(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_TASK_STORAGE, NULL) > 0 &&
	       libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_task_storage_get, NULL) > 0;
}

bool fl_probe_task_iter(struct fl_probe_ctx *ctx)
{
	return ctx->vmlinux_btf &&
	       btf__find_by_name_kind(ctx->vmlinux_btf, "bpf_iter__task", BTF_KIND_STRUCT) > 0 &&
	       fl_probe_helper_btf(ctx, "BPF_FUNC_get_task_stack") &&
	       fl_probe_helper_btf(ctx, "BPF_FUNC_seq_write");
}

bool fl_probe_find_vma(void)
{
	return libbpf_probe_bpf_helper(BPF_PROG_TYPE_TRACEPOINT, BPF_FUNC_find_vma, NULL) > 0;
}

/* Helpers only tracing programs may call cannot be trial-loaded without a
 * target; the kernel's own `enum bpf_func_id` in its BTF lists them. */
bool fl_probe_helper_btf(struct fl_probe_ctx *ctx, const char *func_id_name)
{
	const struct btf_type *t;
	int id;

	if (!ctx->vmlinux_btf)
		return false;
	id = btf__find_by_name_kind(ctx->vmlinux_btf, "bpf_func_id", BTF_KIND_ENUM);
	if (id <= 0)
		return false;
	t = btf__type_by_id(ctx->vmlinux_btf, id);
	for (int i = 0; i < btf_vlen(t); i++)
		if (!strcmp(btf__name_by_offset(ctx->vmlinux_btf, btf_enum(t)[i].name_off), func_id_name))
			return true;
	return false;
}

bool fl_probe_ringbuf(void)
{
	return libbpf_probe_bpf_map_type(BPF_MAP_TYPE_RINGBUF, NULL) > 0;
}
