/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Capabilities: what this process holds (for the "needs root" check every
 * command makes) and, for the daemon, giving up all it no longer needs once
 * everything is loaded and attached.
 */
#ifndef FL_CAPS_H
#define FL_CAPS_H

#include <stdbool.h>

/* Is cap in the effective set? (false if capget fails) fl_require_privileges
 * (faultlock.h) is built on it. */
bool fl_caps_have(int cap);

/*
 * After attach: empties the bounding, ambient, effective and permitted sets,
 * keeping CAP_BPF (or CAP_SYS_ADMIN) only if this kernel needs it for bpf()
 * on map_fd (before 5.19, with unprivileged BPF disabled), and sets
 * no_new_privs. 0 or -errno.
 */
int fl_caps_drop(int map_fd);

#endif
