/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Kernel symbolization from /proc/kallsyms (modules included). */
#ifndef FL_KSYMS_H
#define FL_KSYMS_H

#include <stddef.h>
#include <stdint.h>

struct fl_ksym {
	uint64_t addr;
	const char *name;
	const char *module;	/* NULL for vmlinux */
};

struct fl_ksyms;

/* Loads a kallsyms-format file (path NULL: /proc/kallsyms). NULL on error. */
struct fl_ksyms *fl_ksyms__load(const char *path);
void fl_ksyms__free(struct fl_ksyms *ks);
/* /proc/kallsyms, read once per process (it takes seconds on an emulated
 * guest) and kept until exit: never freed by callers. NULL on error. */
const struct fl_ksyms *fl_ksyms__system(void);
const struct fl_ksym *fl_ksyms__find(const struct fl_ksyms *ks, uint64_t addr);
/* The text of function `name` (module NULL: anywhere): [*lo, *hi), up to the
 * next symbol. 0, or -ENOENT. */
int fl_ksyms__range(const struct fl_ksyms *ks, const char *name, const char *module,
		    uint64_t *lo, uint64_t *hi);
/* "func+0x1a/0x40 [mod]" style (as the kernel prints it), or the hex address. */
void fl_ksyms__format(const struct fl_ksyms *ks, uint64_t addr, char *buf, size_t len);

#endif
