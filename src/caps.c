// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* capget/capset wrappers, the privilege check and the daemon's capability drop. */
#include <errno.h>
#include <stdint.h>
#include <unistd.h>
#include <linux/capability.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <bpf/bpf.h>
#include "faultlock.h"
#include "caps.h"

#define CAPBIT(c) (1ULL << (c))

/* The effective and permitted sets as 64-bit masks (bit n: capability n). */
static int caps_get(uint64_t *eff, uint64_t *prm)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {};

	if (syscall(SYS_capget, &hdr, data))
		return -errno;
	*eff = data[0].effective | (uint64_t)data[1].effective << 32;
	*prm = data[0].permitted | (uint64_t)data[1].permitted << 32;
	return 0;
}

static int caps_set(uint64_t eff, uint64_t prm)
{
	struct __user_cap_header_struct hdr = { .version = _LINUX_CAPABILITY_VERSION_3 };
	struct __user_cap_data_struct data[2] = {
		{ .effective = (uint32_t)eff, .permitted = (uint32_t)prm },
		{ .effective = (uint32_t)(eff >> 32), .permitted = (uint32_t)(prm >> 32) },
	};

	return syscall(SYS_capset, &hdr, data) ? -errno : 0;
}

bool fl_caps_have(int cap)
{
	uint64_t eff, prm;

	return !caps_get(&eff, &prm) && (eff & CAPBIT(cap));
}

int fl_require_privileges(void)
{
	if (fl_caps_have(CAP_SYS_ADMIN) || (fl_caps_have(CAP_BPF) && fl_caps_have(CAP_PERFMON)))
		return 0;
	elog("needs root (CAP_SYS_ADMIN, or CAP_BPF and CAP_PERFMON) to load BPF programs: run it with sudo");
	return -EPERM;
}

/* Can this process still issue bpf() on the fds it holds? Before 5.19, with
 * kernel.unprivileged_bpf_disabled set, every bpf() command needs CAP_BPF;
 * since then only map creation and program loading do. */
static bool bpf_fd_usable(int map_fd)
{
	struct bpf_map_info info = {};
	__u32 len = sizeof(info);

	return !bpf_obj_get_info_by_fd(map_fd, &info, &len);
}

/*
 * Tried with the effective set emptied first; the permitted set (from which
 * nothing can be regained) goes only once that works.
 */
int fl_caps_drop(int map_fd)
{
	uint64_t eff = 0, prm = 0, keep = 0;
	int err;

	if ((err = caps_get(&eff, &prm)))
		return err;
	/* No capability for anything exec'ed, either (needs CAP_SETPCAP: best effort). */
	for (int c = 0; c < 64; c++)
		if (prctl(PR_CAPBSET_DROP, c, 0, 0, 0) && errno == EINVAL)
			break;
	prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0);
	if ((err = caps_set(0, prm)))
		return err;
	if (!bpf_fd_usable(map_fd)) {
		keep = prm & CAPBIT(CAP_BPF) ? CAPBIT(CAP_BPF) : CAPBIT(CAP_SYS_ADMIN);
		if ((err = caps_set(keep, prm)))
			return err;
		if (!bpf_fd_usable(map_fd)) {
			elog("cannot read BPF maps even with %s", keep == CAPBIT(CAP_BPF) ? "CAP_BPF" : "CAP_SYS_ADMIN");
			return -EPERM;
		}
	}
	if ((err = caps_set(keep, keep)))
		return err;
	prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0);
	vlog("capabilities dropped%s", keep ? " (kept CAP_BPF or CAP_SYS_ADMIN: this kernel needs it to read maps)" : "");
	return 0;
}
