/* SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause) */
/* Option parsing shared by the commands' argp parsers. */
#ifndef FL_OPTIONS_H
#define FL_OPTIONS_H

#include <argp.h>

#define FL_RINGBUF_DEFAULT (1L << 20)

/* An integer in [min, max], or argp_error (exit 2) naming `what`. */
long fl_parse_long(struct argp_state *state, const char *what, const char *arg, long min, long max);
/* --ringbuf-size: a power of 2 between one page and 1 GiB. */
long fl_parse_ringbuf_size(struct argp_state *state, const char *arg);
/* --btf: a file libbpf reads as BTF (raw, or ELF with .BTF) that describes a
 * kernel; argp_error (exit 2) otherwise. */
const char *fl_parse_btf(struct argp_state *state, const char *arg);

#endif
