// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
#include <stdio.h>
#include <string.h>
#include "faultlock_abi.h"
#include "names.h"

void fl_format_dev(uint32_t dev, char *buf, size_t len)
{
	snprintf(buf, len, "%u:%u", dev >> 20, dev & 0xfffff);
}

const char *fl_op_name(uint32_t op)
{
	return op == FL_OP_WRITE ? "write" : "read";
}

const char *fl_lock_state_name(unsigned int st)
{
	static const char *const names[] = { "UN", "EX", "DF", "SH" };

	return st < 4 ? names[st] : "??";
}

const char *fl_recursion_outcome(unsigned int gh_flags)
{
	return gh_flags & 0x3 ? "bug_unless_try_fails" : "bug";	/* LM_FLAG_TRY | LM_FLAG_TRY_1CB */
}

const char *fl_fault_in_kind_name(uint32_t kind)
{
	static const char *const names[FL_FI_KINDS] = { "readable", "writeable", "safe_writeable" };

	return kind < FL_FI_KINDS ? names[kind] : "unknown";
}

const char *fl_protection_name(uint32_t prot)
{
	return prot == FL_PROT_MAY_DEMOTE ? "may_demote" : "none";
}

const char *fl_trace_state_name(unsigned int mode)
{
	static const char *const names[6] = { "UN", "CR", "DF", "SH", "PW", "EX" };

	return mode < 6 ? names[mode] : "??";
}

const char *fl_glock_type_name(uint32_t type)
{
	static const char *const names[FL_GLOCK_TYPES] = {
		"reserved", "nondisk", "inode", "rgrp", "meta", "iopen", "flock", "plock", "quota", "journal",
	};

	return type < FL_GLOCK_TYPES ? names[type] : "unknown";
}

const char *fl_lock_kind_name(uint32_t kind)
{
	static const char *const names[FL_LOCK_KINDS] = {
		[FL_LOCK_GLOCK] = "glock",
		[FL_LOCK_BTRFS_EXTENT] = "btrfs_extent",
		[FL_LOCK_BTRFS_ORDERED] = "btrfs_ordered",
	};

	return kind < FL_LOCK_KINDS ? names[kind] : "unknown";
}

void fl_copy_printable(char *dst, const char *src, size_t n)
{
	size_t i;

	if (!n)
		return;
	for (i = 0; i + 1 < n && src[i]; i++) {
		unsigned char c = src[i];

		dst[i] = c < 0x20 || c >= 0x7f ? '?' : c;
	}
	dst[i] = '\0';
}

bool fl_frame_is_bpf(const char *sym)
{
	return !strncmp(sym, "bpf_prog_", 9) || !strncmp(sym, "bpf_trampoline_", 15);
}
