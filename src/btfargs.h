/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/*
 * Argument positions read from a kernel's BTF prototypes, never guessed from
 * its version or a struct field: __iomap_dio_rw's done_before is the 6th
 * argument on 5.15.37+/5.16/5.17 and the 7th from 6.0 on (`private` went in
 * before it).
 */
#ifndef FL_BTFARGS_H
#define FL_BTFARGS_H

struct btf;

/* 0-based index of parameter `param` of function `func`; -1 if the function
 * or the parameter is not there. */
int fl_btf_param_index(const struct btf *btf, const char *func, const char *param);

#endif
