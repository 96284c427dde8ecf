// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <inttypes.h>
#include <stdio.h>
#include "syscalls.h"

static const struct {
	int64_t nr;
	const char *name;
} names[] = {
	{ 0, "read" }, { 1, "write" }, { 16, "ioctl" }, { 17, "pread64" }, { 18, "pwrite64" },
	{ 19, "readv" }, { 20, "writev" }, { 40, "sendfile" }, { 74, "fsync" }, { 75, "fdatasync" },
	{ 187, "readahead" }, { 275, "splice" }, { 277, "sync_file_range" }, { 285, "fallocate" },
	{ 295, "preadv" }, { 296, "pwritev" }, { 326, "copy_file_range" }, { 327, "preadv2" },
	{ 328, "pwritev2" }, { 426, "io_uring_enter" },
};

static const struct {
	uint64_t cmd;
	const char *name;
} ioctls[] = {
	{ 0xc020660b, "FS_IOC_FIEMAP" },	/* _IOWR('f', 11, struct fiemap) */
};

void fl_syscall_format(int64_t nr, uint64_t arg1, char *buf, size_t len)
{
	if (nr < 0) {
		snprintf(buf, len, "unknown");
		return;
	}
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++) {
		if (names[i].nr != nr)
			continue;
		if (nr != 16) {
			snprintf(buf, len, "%s", names[i].name);
			return;
		}
		for (size_t k = 0; k < sizeof(ioctls) / sizeof(ioctls[0]); k++)
			if (ioctls[k].cmd == (uint32_t)arg1) {
				snprintf(buf, len, "ioctl(%s)", ioctls[k].name);
				return;
			}
		snprintf(buf, len, "ioctl(0x%" PRIx32 ")", (uint32_t)arg1);
		return;
	}
	snprintf(buf, len, "syscall %" PRId64, nr);
}
