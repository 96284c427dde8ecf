/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names of the x86-64 system calls a retry cycle can loop in (the file I/O
 * ones), and of the ioctl commands that copy extent lists to user memory.
 */
#ifndef FL_SYSCALLS_H
#define FL_SYSCALLS_H

#include <stddef.h>
#include <stdint.h>

/* "pread64(2)", "ioctl(FS_IOC_FIEMAP)", "syscall 333", or "unknown" for -1. */
void fl_syscall_format(int64_t nr, uint64_t arg1, char *buf, size_t len);

#endif
