/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A page whose first touch waits until the program lets it go: userfaultfd,
 * shared by fl-stall and fl-dirstall. The kernel's own copy to user space
 * faults on it (root: kernel-mode faults are handled too) and sleeps in
 * handle_userfault, with whatever lock the copying code holds.
 */
#ifndef FL_UFFD_H
#define FL_UFFD_H

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <time.h>
#include <unistd.h>
#include <linux/userfaultfd.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static long long now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}

/* A fresh anonymous page registered for missing-page faults: its
 * userfaultfd, or -1 with errno set (*buf then undefined). */
static int uffd_page(long page, char **buf)
{
	struct uffdio_api api = { .api = UFFD_API };
	struct uffdio_register reg = { .mode = UFFDIO_REGISTER_MODE_MISSING };
	int uffd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (uffd < 0 || ioctl(uffd, UFFDIO_API, &api))
		return -1;
	*buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (*buf == MAP_FAILED)
		return -1;
	reg.range.start = (unsigned long)*buf;
	reg.range.len = page;
	return ioctl(uffd, UFFDIO_REGISTER, &reg) ? -1 : uffd;
}

/* True once a fault on the page is pending (timeout_ms at most). */
static bool uffd_fault_seen(int uffd, int timeout_ms)
{
	struct pollfd pfd = { .fd = uffd, .events = POLLIN };
	struct uffd_msg msg;

	return poll(&pfd, 1, timeout_ms) == 1 && read(uffd, &msg, sizeof(msg)) == sizeof(msg) &&
	       msg.event == UFFD_EVENT_PAGEFAULT;
}

/* Lets the pending fault go on (a zero page); 0, or -1 with errno set. */
static int uffd_release(int uffd, char *buf, long page)
{
	struct uffdio_zeropage zero = { .range = { .start = (unsigned long)buf, .len = page } };

	return ioctl(uffd, UFFDIO_ZEROPAGE, &zero) && errno != EEXIST ? -1 : 0;
}

/* Polls until path exists; false after timeout_ms. */
static bool uffd_wait_file(const char *path, long timeout_ms)
{
	long long t0 = now_ms();

	while (access(path, F_OK)) {
		if (now_ms() - t0 > timeout_ms)
			return false;
		poll(NULL, 0, 20);
	}
	return true;
}

#endif
