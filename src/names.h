/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Names shared by events, the summary and metrics, and the one sanitiser of
 * strings that come from the kernel (never trusted to be terminated or
 * printable).
 */
#ifndef FL_NAMES_H
#define FL_NAMES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Formats a kernel dev_t as MAJ:MIN. */
void fl_format_dev(uint32_t dev, char *buf, size_t len);
/* "read" / "write" (enum fl_op). */
const char *fl_op_name(uint32_t op);
/* gfs2's lock states as gfs2 prints them: UN EX DF SH. */
const char *fl_lock_state_name(unsigned int st);
/* gfs2's lock states as its tracepoints give them (DLM modes): NL → UN,
 * PR → SH, CW → DF, EX → EX (CR, PW: gfs2 asks for neither). */
const char *fl_trace_state_name(unsigned int mode);
/*
 * What gfs2's add_to_queue does with a recursive request of these gh_flags:
 * "bug" (trap_recursive: BUG()), or for a TRY request "bug_unless_try_fails"
 * (a futile try, or an invalidation in progress, fails it first).
 */
const char *fl_recursion_outcome(unsigned int gh_flags);
/* A glock type (ln_type, LM_TYPE_*): "inode", "flock", ...; "unknown". */
const char *fl_glock_type_name(uint32_t type);
/* "readable" / "writeable" / "safe_writeable". */
const char *fl_fault_in_kind_name(uint32_t kind);
/* A fault_under_lock's protection: "may_demote" or "none". */
const char *fl_protection_name(uint32_t prot);
/* A lock provider (enum fl_lock_kind): the `lock` label and `provider` field. */
const char *fl_lock_kind_name(uint32_t kind);
/*
 * Copies at most n - 1 bytes of src, stopping at a NUL, into dst (always
 * terminated), with every byte outside printable ASCII replaced by '?': a
 * comm cut at 15 bytes can split a UTF-8 sequence.
 */
void fl_copy_printable(char *dst, const char *src, size_t n);

/* A frame of faultlock's own BPF program or its trampoline (the top of
 * every stack a BPF program takes): emitters leave them out. */
bool fl_frame_is_bpf(const char *sym);

#endif
