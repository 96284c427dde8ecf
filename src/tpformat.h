/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * A classic tracepoint's record layout as tracefs describes it
 * (events/CATEGORY/EVENT/format): the field offsets BPF programs read at,
 * checked before they attach, and the values its print format names.
 */
#ifndef FL_TPFORMAT_H
#define FL_TPFORMAT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Does every "NAME@OFFSET" of the space-separated `fields` match the
 * format? false with the first difference said in why. */
bool fl_tp_layout_ok(const char *category, const char *event, const char *fields,
		     char *why, size_t why_len);
/* The offset of field `name` in a format's text ("field:TYPE NAME[N];\toffset:O;"), or -1. */
long fl_tp_field_offset(const char *format, const char *name);
/* The whole format file in buf (NUL-terminated): its length, or -errno. */
long fl_tp_format_read(const char *category, const char *event, char *buf, size_t len);
/*
 * The value a __print_symbolic/__print_flags table of the print format gives
 * `label` ({ VALUE, "label" }): 0 and *value set when VALUE is a number or
 * (1 << N); 1 with the identifier in ident when it is a name the kernel did
 * not evaluate (an enum); -ENOENT when the table has no such label.
 */
int fl_tp_print_value(const char *format, const char *label, uint64_t *value, char *ident,
		      size_t ident_len);

#endif
