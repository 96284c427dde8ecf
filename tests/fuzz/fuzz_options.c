// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/*
 * libFuzzer target: the option parsers trace and daemon share. Each input is
 * read three ways:
 *  1. up to its first NUL, as a --fs list (fl_fs_list_parse): accepted means
 *     1..FL_MAX_FS_FILTER names, each 1..FL_FSTYPE_LEN-1 characters of
 *     [a-z0-9_.] (the kernel's s_type->name alphabet; "fuse.sshfs"), NUL
 *     terminated, joined by ',' exactly the input, each one found by
 *     fl_fs_filter_has; refused means a reason;
 *  2. the same string as FAULTLOCK_HOOK_MODES (fl_hook_modes_parse, in
 *     src/resolve.c): accepted means every limited hook gets a real mode, the
 *     same as a reference reading of the spec (items split on ',', HOOK=MODE,
 *     the last one wins) gives, and the limits printed back as a spec parse
 *     to the same; refused means a reason, and the reference refuses too;
 *  3. all of it, split at NULs, as a command line for the common argp child's
 *     parser (fl_common_argp: --fs, --ringbuf-size, --stall-ms,
 *     --livelock-count; --cgroup and --btf, which open files, are left out),
 *     -v, and stray arguments (which it must leave to its parent): after
 *     each option it takes, every value is in its documented range (ring
 *     buffer a power of 2 in 4 KiB..1 GiB, stall 0..24 h, livelock count
 *     4..2^30, --fs as in 1.). fl_parse_long and fl_parse_ringbuf_size are
 *     also called alone: accepted means strtol's reading of the whole
 *     string, in range.
 * argp_error is wrapped (-Wl,--wrap=argp_error): a refusal is recorded and,
 * as faultlock's exit(2) would, ends the parse (longjmp); nothing is
 * printed. Besides these, ASan/UBSan. See README.md.
 */
#include <argp.h>
#include <errno.h>
#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "catalog.h"
#include "faultlock.h"
#include "options.h"
#include "resolve.h"

#define FAIL(...) do { fprintf(stderr, "fuzz_options: " __VA_ARGS__); fputc('\n', stderr); abort(); } while (0)

static int refusals;
static char refusal[256];

static jmp_buf refused;
static int jmp_armed;

void __wrap_argp_error(const struct argp_state *state, const char *fmt, ...) __attribute__((noreturn));
void __wrap_argp_error(const struct argp_state *state, const char *fmt, ...)
{
	va_list ap;

	(void)state;
	va_start(ap, fmt);
	vsnprintf(refusal, sizeof(refusal), fmt, ap);
	va_end(ap);
	if (!refusal[0])
		FAIL("argp_error with an empty message");
	refusals++;
	if (!jmp_armed)
		FAIL("argp_error outside a parser call: %s", refusal);
	longjmp(refused, 1);	/* as exit(2) would, it does not return */
}

/* ---- 1. --fs -------------------------------------------------------------- */

static void check_fs_filter(const char *in, const struct fl_fs_filter *f)
{
	char joined[FL_MAX_FS_FILTER * FL_FSTYPE_LEN + 8] = "";

	if (f->nr < 1 || f->nr > FL_MAX_FS_FILTER)
		FAIL("--fs '%s': %d names", in, f->nr);
	for (int i = 0; i < f->nr; i++) {
		const char *n = f->names[i];
		size_t len = strnlen(n, FL_FSTYPE_LEN);

		if (len == 0 || len == FL_FSTYPE_LEN)
			FAIL("--fs '%s': name %d is empty or not terminated", in, i);
		if (strspn(n, "abcdefghijklmnopqrstuvwxyz0123456789_.") != len)
			FAIL("--fs '%s': name '%s' has a character outside [a-z0-9_.]", in, n);
		if (!fl_fs_filter_has(f, n))
			FAIL("--fs '%s': '%s' parsed but not found", in, n);
		if (i)
			strcat(joined, ",");
		strcat(joined, n);
	}
	if (strcmp(joined, in))
		FAIL("--fs '%s' parsed as '%s'", in, joined);
	if (fl_fs_filter_has(f, "") || fl_fs_filter_has(f, "NOT.a.name"))
		FAIL("--fs '%s': has() finds a name not in it", in);
}

static void fuzz_fs(const char *in)
{
	struct fl_fs_filter f;
	char err[96];

	memset(err, 0, sizeof(err));
	memset(&f, 0xa5, sizeof(f));
	if (fl_fs_list_parse(in, &f, err, sizeof(err))) {
		if (!err[0])
			FAIL("--fs '%s' refused without a reason", in);
		return;
	}
	check_fs_filter(in, &f);
}

/* ---- 2. FAULTLOCK_HOOK_MODES ------------------------------------------- */

/* The reference reading: 0 and forced[] filled, or -1. */
static int modes_model(const char *spec, enum fl_mode *forced)
{
	const char *p = spec;

	for (int i = 0; i < fl_nr_hooks; i++)
		forced[i] = FL_MODE_NONE;
	if (strlen(spec) >= 512)
		return -1;
	while (*p) {
		size_t n = strcspn(p, ",");
		const char *eq = memchr(p, '=', n);
		char hook[512], mode[512];
		int h, m = FL_MODE_NONE;

		if (n == 0) {	/* empty items are skipped (strtok) */
			p++;
			continue;
		}
		if (!eq)
			return -1;
		snprintf(hook, sizeof(hook), "%.*s", (int)(eq - p), p);
		snprintf(mode, sizeof(mode), "%.*s", (int)(p + n - eq - 1), eq + 1);
		h = fl_hook_index(hook);
		if (h < 0)
			return -1;
		for (int k = FL_MODE_NONE + 1; k < FL_MODE_MAX; k++)
			if (!strcmp(mode, fl_mode_name(k)))
				m = k;
		if (m == FL_MODE_NONE)
			return -1;
		forced[h] = m;
		p += n;
	}
	return 0;
}

static void fuzz_hook_modes(const char *in)
{
	enum fl_mode forced[64], model[64], again[64];
	char err[128], spec[1024] = "";
	int r, rm;

	if (fl_nr_hooks > 64)
		FAIL("more hooks than this target knows");
	memset(err, 0, sizeof(err));
	r = fl_hook_modes_parse(in, forced, err, sizeof(err));
	rm = modes_model(in, model);
	if (r != 0 && r != -1)
		FAIL("FAULTLOCK_HOOK_MODES '%s': returned %d", in, r);
	if (r != rm)
		FAIL("FAULTLOCK_HOOK_MODES '%s': %s, the reference %s", in, r ? "refused" : "accepted",
		     rm ? "refuses" : "accepts");
	if (r) {
		if (!err[0])
			FAIL("FAULTLOCK_HOOK_MODES '%s' refused without a reason", in);
		return;
	}
	for (int i = 0; i < fl_nr_hooks; i++) {
		if (forced[i] < FL_MODE_NONE || forced[i] >= FL_MODE_MAX || forced[i] != model[i])
			FAIL("FAULTLOCK_HOOK_MODES '%s': hook %s got mode %d, the reference %d",
			     in, fl_hooks[i].name, forced[i], model[i]);
		if (forced[i] != FL_MODE_NONE)
			snprintf(spec + strlen(spec), sizeof(spec) - strlen(spec), "%s%s=%s", spec[0] ? "," : "",
				 fl_hooks[i].name, fl_mode_name(forced[i]));
	}
	if (fl_hook_modes_parse(spec[0] ? spec : NULL, again, err, sizeof(err)))
		FAIL("FAULTLOCK_HOOK_MODES '%s': printed back as '%s', refused: %s", in, spec, err);
	if (memcmp(again, forced, fl_nr_hooks * sizeof(forced[0])))
		FAIL("FAULTLOCK_HOOK_MODES '%s': printed back as '%s', parsed otherwise", in, spec);
}

/* ---- 3. the common argp child ------------------------------------------ */

/*
 * Its parser is called as argp_parse would call it, one option at a time,
 * with a state whose input is the options to fill. argp_error does not
 * return in faultlock (exit 2): the wrapper longjmps back here, and the
 * rest of the command line is never read.
 */
static struct fl_common_opts opts;

/* An option of the child that opens a file (--cgroup, --btf): left out. */
static int opens_files(const struct argp_option *o)
{
	return !strcmp(o->name, "cgroup") || !strcmp(o->name, "btf");
}

static void check_opts(const char *what)
{
	if (opts.ringbuf_size < 4096 || opts.ringbuf_size > (1L << 30) ||
	    (opts.ringbuf_size & (opts.ringbuf_size - 1)))
		FAIL("%s: --ringbuf-size %ld accepted", what, opts.ringbuf_size);
	if (opts.stall_ms < 0 || opts.stall_ms > 24L * 3600 * 1000)
		FAIL("%s: --stall-ms %ld accepted", what, opts.stall_ms);
	if (opts.livelock_count < 4 || opts.livelock_count > (1L << 30))
		FAIL("%s: --livelock-count %ld accepted", what, opts.livelock_count);
	if (opts.cgroup_fd || opts.cgroup_path || opts.btf_path)
		FAIL("%s: --cgroup or --btf set by other options", what);
	if (opts.fs.nr) {
		char joined[FL_MAX_FS_FILTER * FL_FSTYPE_LEN + 8] = "";

		for (int i = 0; i < opts.fs.nr && i < FL_MAX_FS_FILTER; i++)
			snprintf(joined + strlen(joined), sizeof(joined) - strlen(joined), "%s%s",
				 i ? "," : "", opts.fs.names[i]);
		check_fs_filter(joined, &opts.fs);
	}
}

/* The input split at NULs: each piece's first byte picks an option of the
 * child (or -v, or a key it does not know), the rest is its argument. */
static void fuzz_common(const uint8_t *data, size_t size)
{
	const struct argp_option *table = fl_common_argp.options;
	const struct argp_option *usable[16];
	char *buf = malloc(size + 1), *volatile p;
	struct argp_state st;
	int nr = 0;

	if (!buf)
		return;
	for (const struct argp_option *o = table; o->name || o->key || o->doc; o++)
		if (o->name && o->key && !opens_files(o) && nr < 16)
			usable[nr++] = o;
	memcpy(buf, data, size);
	buf[size] = '\0';
	opts = (struct fl_common_opts)FL_COMMON_OPTS_INIT;
	memset(&st, 0, sizeof(st));
	st.input = &opts;
	fl_verbose = 0;
	p = buf;
	if (setjmp(refused)) {	/* "exit 2": the options so far do not matter */
		jmp_armed = 0;
		free(buf);
		return;
	}
	jmp_armed = 1;
	for (; p < buf + size; p += strlen(p) + 1) {
		unsigned sel = (unsigned char)p[0] % (nr + 2);
		char *arg = p[0] ? p + 1 : p;
		error_t r;

		if (sel < (unsigned)nr) {
			r = fl_common_argp.parser(usable[sel]->key, arg, &st);
			if (r)
				FAIL("--%s '%s': the common parser returned %d", usable[sel]->name, arg, r);
			check_opts(usable[sel]->name);
		} else if (sel == (unsigned)nr) {
			if (fl_verbose_argp.parser('v', NULL, &st) || fl_verbose < 1)
				FAIL("-v not counted");
		} else if (fl_common_argp.parser(ARGP_KEY_ARG, arg, &st) != ARGP_ERR_UNKNOWN) {
			FAIL("the common parser took the argument '%s'", arg);
		}
	}
	jmp_armed = 0;
	check_opts("the whole command line");
	free(buf);
}

/* fl_parse_long alone: accepted means strtol's whole-string reading, in range. */
static void fuzz_parse_long(const char *in)
{
	static const long ranges[][2] = {
		{ 0, 24L * 3600 * 1000 }, { 1, INT_MAX }, { LONG_MIN, LONG_MAX }, { -5, -5 },
	};
	static volatile size_t i;

	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++) {
		char *end;
		long v, want;

		if (setjmp(refused))
			continue;
		jmp_armed = 1;
		v = fl_parse_long(NULL, "n", in, ranges[i][0], ranges[i][1]);
		jmp_armed = 0;
		errno = 0;
		want = strtol(in, &end, 10);
		if (errno || end == in || *end || v != want || v < ranges[i][0] || v > ranges[i][1])
			FAIL("fl_parse_long('%s', %ld..%ld) accepted %ld", in, ranges[i][0], ranges[i][1], v);
	}
	jmp_armed = 0;
	if (!setjmp(refused)) {
		long v;

		jmp_armed = 1;
		v = fl_parse_ringbuf_size(NULL, in);
		jmp_armed = 0;
		if (v < 4096 || v > (1L << 30) || (v & (v - 1)))
			FAIL("fl_parse_ringbuf_size('%s') accepted %ld", in, v);
	}
	jmp_armed = 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t n = strnlen((const char *)data, size);
	char *s = malloc(n + 1);	/* exact size: ASan sees any overread */

	if (!s)
		return 0;
	memcpy(s, data, n);
	s[n] = '\0';
	fuzz_fs(s);
	fuzz_hook_modes(s);
	fuzz_parse_long(s);
	free(s);
	fuzz_common(data, size);
	return 0;
}
