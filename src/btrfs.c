// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <bpf/btf.h>
#include "btrfs.h"
#include "faultlock.h"
#include "ksyms.h"
#include "tpformat.h"

/* The blocking range-lock function, by its names over the years (5.10
 * lock_extent_bits, 6.1/6.12 lock_extent or __lock_extent, 6.18
 * btrfs_lock_extent_bits); the trylocks have names of their own. */
static const char *const lockfn_names[] = {
	"lock_extent_bits", "__lock_extent", "lock_extent", "btrfs_lock_extent_bits",
};

/* An enumerator's value in vmlinux's or btrfs's BTF (enums print unevaluated). */
static int btf_enum_value(const char *name, uint64_t *value)
{
	struct btf *vmlinux = btf__load_vmlinux_btf(), *mod = NULL;
	int ret = -ENOENT;

	if (!vmlinux)
		return -ENOENT;
	mod = btf__load_module_btf("btrfs", vmlinux);	/* NULL: built in, or no module BTF */
	for (int pass = 0; pass < 2 && ret; pass++) {
		struct btf *b = pass ? mod : vmlinux;
		int n = b ? (int)btf__type_cnt(b) : 0;

		for (int id = 1; id < n && ret; id++) {
			const struct btf_type *t = btf__type_by_id(b, id);
			const struct btf_enum *e;

			if (!btf_is_enum(t))
				continue;
			e = btf_enum(t);
			for (int i = 0; i < btf_vlen(t); i++)
				if (!strcmp(btf__name_by_offset(b, e[i].name_off), name)) {
					*value = (uint32_t)e[i].val;
					ret = 0;
					break;
				}
		}
	}
	btf__free(mod);
	btf__free(vmlinux);
	return ret;
}

/*
 * A label's value in set_extent_bit's print format, else the BTF
 * enumerator `btf_name` (tables may leave bits out: 6.18 prints no
 * DIO_LOCKED); 0 with *v 0 when neither has it and it is not `required`.
 */
static int print_value(const char *format, const char *label, const char *btf_name, bool required,
		       uint64_t *v, struct fl_btrfs_facts *f)
{
	char ident[64] = "";
	int r = fl_tp_print_value(format, label, v, ident, sizeof(ident));

	if (r == 0)
		return 0;
	if (r == 1 && btf_enum_value(ident, v) == 0)
		return 0;
	if (btf_name && btf_enum_value(btf_name, v) == 0)
		return 0;
	*v = 0;
	if (!required)
		return 0;
	snprintf(f->why, sizeof(f->why), r == 1 ? "cannot tell the value of %s (%s): no BTF names it"
		 : "btrfs_set_extent_bit's format names no %s%s", label, ident);
	return -ENOENT;
}

void fl_btrfs_facts_read(struct fl_btrfs_facts *f)
{
	char format[8192];
	uint64_t locked, dio_locked, inode_io;
	const struct fl_ksyms *ks;

	memset(f, 0, sizeof(*f));
	if (fl_tp_format_read("btrfs", "btrfs_set_extent_bit", format, sizeof(format)) < 0) {
		snprintf(f->why, sizeof(f->why), "btrfs_set_extent_bit has no readable format");
		return;
	}
	if (print_value(format, "LOCKED", "EXTENT_LOCKED", true, &locked, f) ||
	    print_value(format, "DIO_LOCKED", "EXTENT_DIO_LOCKED", false, &dio_locked, f) ||
	    print_value(format, "INODE_IO", "IO_TREE_INODE_IO", true, &inode_io, f))
		return;
	f->lock_bits = (uint32_t)(locked | dio_locked);
	f->inode_io = (uint32_t)inode_io;
	ks = fl_ksyms__system();
	for (size_t i = 0; ks && i < sizeof(lockfn_names) / sizeof(lockfn_names[0]); i++) {
		int k = f->nr_lockfns;

		if (k == FL_BTRFS_LOCKFNS)
			break;
		if (fl_ksyms__range(ks, lockfn_names[i], NULL, &f->lockfn_lo[k], &f->lockfn_hi[k]))
			continue;
		snprintf(f->lockfn[k], sizeof(f->lockfn[k]), "%s", lockfn_names[i]);
		f->nr_lockfns++;
	}
	if (!f->nr_lockfns) {
		snprintf(f->why, sizeof(f->why), "no blocking extent-lock function in kallsyms (%s%s)",
			 lockfn_names[0], ", ...");
		return;
	}
	f->known = true;
	vlog("btrfs: lock bits 0x%x, data tree %u, lock function %s%s%s", f->lock_bits, f->inode_io,
	     f->lockfn[0], f->nr_lockfns > 1 ? " and " : "", f->nr_lockfns > 1 ? f->lockfn[1] : "");
}
