// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/ksyms.c: kallsyms loading, lookup and "func+0xoff/0xsize [mod]" formatting. */
#include <errno.h>
#include "fltest.h"
#include "ksyms.h"

/* Unsorted, with data symbols, a zero address, modules and junk lines. */
static const char kallsyms[] =
	"ffffffff81200000 T handle_mm_fault\n"
	"ffffffff81000000 T _stext\n"
	"ffffffff81300000 D some_data\n"
	"ffffffff81100000 t do_user_addr_fault\n"
	"ffffffff81180000 B bss_sym\n"
	"ffffffff81190000 r rodata_sym\n"
	"ffffffff811a0000 R rodata_global\n"
	"ffffffff811b0000 A abs_sym\n"
	"ffffffff811c0000 d data_local\n"
	"ffffffffc0a01000 t gfs2_glock_nq\t[gfs2]\n"
	"ffffffffc0a00000 T gfs2_glock_dq\t[gfs2]\n"
	"ffffffffc0a02000 r gfs2_rodata\t[gfs2]\n"
	"ffffffffc0a03000 d gfs2_data\t[gfs2]\n"
	"ffffffff81250000 W weak_fn\n"
	"ffffffff81260000 w weak_local\n"
	"0000000000000000 T zero_addr\n"
	"this is not a symbol line\n"
	"\n"
	"ffffffff81270000\n"
	"ffffffffc0b00000 t last_fn\t[ext4]\n";

static int setup(void **state)
{
	char *path = write_tmp(kallsyms);
	struct fl_ksyms *ks = fl_ksyms__load(path);

	unlink(path);
	free(path);
	if (!ks)
		return -1;
	*state = ks;
	return 0;
}

static int teardown(void **state)
{
	fl_ksyms__free(*state);
	return 0;
}

static const char *fmt(const struct fl_ksyms *ks, uint64_t addr)
{
	static char buf[256];

	memset(buf, 'X', sizeof(buf));
	fl_ksyms__format(ks, addr, buf, sizeof(buf));
	return buf;
}

static void test_find_exact_and_inside(void **state)
{
	const struct fl_ksyms *ks = *state;
	const struct fl_ksym *s;

	s = fl_ksyms__find(ks, 0xffffffff81000000ULL);
	assert_non_null(s);
	assert_string_equal(s->name, "_stext");
	assert_null(s->module);
	assert_int_equal(s->addr, 0xffffffff81000000ULL);

	s = fl_ksyms__find(ks, 0xffffffff81200123ULL);
	assert_non_null(s);
	assert_string_equal(s->name, "handle_mm_fault");

	s = fl_ksyms__find(ks, 0xffffffff811fffffULL);
	assert_non_null(s);
	assert_string_equal(s->name, "do_user_addr_fault");
}

static void test_find_below_first_is_null(void **state)
{
	const struct fl_ksyms *ks = *state;

	assert_null(fl_ksyms__find(ks, 0));
	assert_null(fl_ksyms__find(ks, 0xffffffff80ffffffULL));
	assert_null(fl_ksyms__find(NULL, 0xffffffff81000000ULL));
}

static void test_data_symbols_ignored(void **state)
{
	const struct fl_ksyms *ks = *state;
	const struct fl_ksym *s;

	/* b/B/d/D/r/R/a/A are not code: lookups fall back on the text symbol below */
	s = fl_ksyms__find(ks, 0xffffffff81180000ULL);
	assert_string_equal(s->name, "do_user_addr_fault");
	s = fl_ksyms__find(ks, 0xffffffff811c0000ULL);
	assert_string_equal(s->name, "do_user_addr_fault");
	s = fl_ksyms__find(ks, 0xffffffff81300010ULL);
	assert_string_equal(s->name, "weak_local");
	s = fl_ksyms__find(ks, 0xffffffffc0a03000ULL);
	assert_string_equal(s->name, "gfs2_glock_nq");
	/* and they do not shorten the size of the text symbol before them */
	assert_string_equal(fmt(ks, 0xffffffff81100010ULL), "do_user_addr_fault+0x10/0x100000");
}

static void test_weak_symbols_kept(void **state)
{
	const struct fl_ksyms *ks = *state;

	assert_string_equal(fmt(ks, 0xffffffff81250004ULL), "weak_fn+0x4/0x10000");
	assert_string_equal(fl_ksyms__find(ks, 0xffffffff81260000ULL)->name, "weak_local");
}

static void test_modules(void **state)
{
	const struct fl_ksyms *ks = *state;
	const struct fl_ksym *s = fl_ksyms__find(ks, 0xffffffffc0a01024ULL);

	assert_non_null(s);
	assert_string_equal(s->name, "gfs2_glock_nq");
	assert_non_null(s->module);
	assert_string_equal(s->module, "gfs2");
	assert_string_equal(fmt(ks, 0xffffffffc0a00010ULL), "gfs2_glock_dq+0x10/0x1000 [gfs2]");
	assert_string_equal(fmt(ks, 0xffffffffc0a01024ULL), "gfs2_glock_nq+0x24/0xff000 [gfs2]");
}

/* A function's text: from its address to the next symbol's, in or out of
 * a module. */
static void test_range(void **state)
{
	struct fl_ksyms *ks = *state;
	uint64_t lo = 0, hi = 0;

	assert_int_equal(fl_ksyms__range(ks, "do_user_addr_fault", NULL, &lo, &hi), 0);
	assert_true(lo == 0xffffffff81100000ULL && hi == 0xffffffff81200000ULL);
	assert_int_equal(fl_ksyms__range(ks, "gfs2_glock_dq", "gfs2", &lo, &hi), 0);
	assert_true(lo == 0xffffffffc0a00000ULL && hi == 0xffffffffc0a01000ULL);
	assert_int_equal(fl_ksyms__range(ks, "gfs2_glock_dq", "ext4", &lo, &hi), -ENOENT);
	assert_int_equal(fl_ksyms__range(ks, "no_such_fn", NULL, &lo, &hi), -ENOENT);
	/* the last symbol has no end: no range */
	assert_int_equal(fl_ksyms__range(ks, "last_fn", NULL, &lo, &hi), -ENOENT);
	/* data symbols are not loaded */
	assert_int_equal(fl_ksyms__range(ks, "some_data", NULL, &lo, &hi), -ENOENT);
}

static void test_format_exact_start(void **state)
{
	const struct fl_ksyms *ks = *state;

	assert_string_equal(fmt(ks, 0xffffffff81000000ULL), "_stext+0x0/0x100000");
	assert_string_equal(fmt(ks, 0xffffffff81200123ULL), "handle_mm_fault+0x123/0x50000");
}

static void test_format_below_first_is_hex(void **state)
{
	const struct fl_ksyms *ks = *state;

	assert_string_equal(fmt(ks, 0xffffffff80000000ULL), "0xffffffff80000000");
	assert_string_equal(fmt(ks, 0), "0x0");
	assert_string_equal(fmt(NULL, 0xffffffff81234567ULL), "0xffffffff81234567");
}

static void test_format_last_symbol_has_no_size(void **state)
{
	const struct fl_ksyms *ks = *state;

	assert_string_equal(fmt(ks, 0xffffffffc0b00000ULL), "last_fn+0x0 [ext4]");
	assert_string_equal(fmt(ks, 0xffffffffc0b00008ULL), "last_fn+0x8 [ext4]");
	assert_string_equal(fmt(ks, UINT64_MAX), "last_fn+0x3f4fffff [ext4]");
}

static void test_format_truncates(void **state)
{
	const struct fl_ksyms *ks = *state;
	char buf[12];

	memset(buf, 'X', sizeof(buf));
	fl_ksyms__format(ks, 0xffffffffc0a01024ULL, buf, 8);
	assert_string_equal(buf, "gfs2_gl");
	assert_int_equal(buf[8], 'X');
	fl_ksyms__format(ks, 0x10, buf, 3);
	assert_string_equal(buf, "0x");
}

static void test_load_missing_file(void **state)
{
	(void)state;
	assert_null(fl_ksyms__load("/nonexistent/kallsyms"));
	fl_ksyms__free(NULL);
}

static void test_load_empty_file(void **state)
{
	char *path = write_tmp("");
	struct fl_ksyms *ks = fl_ksyms__load(path);

	(void)state;
	unlink(path);
	free(path);
	assert_non_null(ks);
	assert_null(fl_ksyms__find(ks, 0xffffffff81000000ULL));
	assert_string_equal(fmt(ks, 0xffffffff81000000ULL), "0xffffffff81000000");
	fl_ksyms__free(ks);
}

/* kptr_restrict: every address reads as 0, nothing usable. */
static void test_load_all_zero_addresses(void **state)
{
	char *path = write_tmp("0000000000000000 T _stext\n0000000000000000 t foo\t[mod]\n");
	struct fl_ksyms *ks = fl_ksyms__load(path);

	(void)state;
	unlink(path);
	free(path);
	assert_non_null(ks);
	assert_null(fl_ksyms__find(ks, 0x1000));
	assert_string_equal(fmt(ks, 0x1000), "0x1000");
	fl_ksyms__free(ks);
}

/* Aliases (several names at one address): the size runs to the next distinct address. */
static void test_aliases(void **state)
{
	char *path = write_tmp("1000 T alias_a\n1000 T alias_b\n1100 T after\n");
	struct fl_ksyms *ks = fl_ksyms__load(path);
	const struct fl_ksym *s;
	const char *f;

	(void)state;
	unlink(path);
	free(path);
	assert_non_null(ks);
	s = fl_ksyms__find(ks, 0x1004);
	assert_non_null(s);
	assert_true(!strcmp(s->name, "alias_a") || !strcmp(s->name, "alias_b"));
	f = fmt(ks, 0x1004);
	assert_true(!strcmp(f, "alias_a+0x4/0x100") || !strcmp(f, "alias_b+0x4/0x100"));
	assert_string_equal(fmt(ks, 0x1100), "after+0x0");
	fl_ksyms__free(ks);
}

/* Enough symbols to grow both the symbol array and the string pool several times. */
static void test_many_symbols(void **state)
{
	const size_t n = 60000;
	char *path = strdup("/tmp/fl-unit-XXXXXX");
	struct fl_ksyms *ks;
	FILE *f;
	int fd;

	(void)state;
	assert_non_null(path);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	/* descending addresses: the loader must sort */
	for (size_t i = n; i-- > 0;)
		fprintf(f, "%016llx %c a_rather_long_symbol_name_number_%06zu%s\n",
			0xffffffff81000000ULL + i * 0x40, i % 2 ? 't' : 'T', i,
			i % 3 ? "" : "\t[some_module]");
	fclose(f);
	ks = fl_ksyms__load(path);
	unlink(path);
	free(path);
	assert_non_null(ks);
	for (size_t i = 0; i < n; i += 997) {
		char want[128];
		const struct fl_ksym *s = fl_ksyms__find(ks, 0xffffffff81000000ULL + i * 0x40 + 0x3f);

		assert_non_null(s);
		snprintf(want, sizeof(want), "a_rather_long_symbol_name_number_%06zu", i);
		assert_string_equal(s->name, want);
		if (i % 3)
			assert_null(s->module);
		else
			assert_string_equal(s->module, "some_module");
		snprintf(want, sizeof(want), "a_rather_long_symbol_name_number_%06zu+0x3f%s%s", i,
			 i == n - 1 ? "" : "/0x40", i % 3 ? "" : " [some_module]");
		assert_string_equal(fmt(ks, 0xffffffff81000000ULL + i * 0x40 + 0x3f), want);
	}
	assert_string_equal(fl_ksyms__find(ks, UINT64_MAX)->name,
			    "a_rather_long_symbol_name_number_059999");
	fl_ksyms__free(ks);
}

/* The real file loads (it may be all zeros without privileges). */
static void test_load_proc_kallsyms(void **state)
{
	struct fl_ksyms *ks;

	(void)state;
	if (access("/proc/kallsyms", R_OK))
		skip();
	ks = fl_ksyms__load(NULL);
	assert_non_null(ks);
	fl_ksyms__free(ks);
}

int main(void)
{
#define T(f) cmocka_unit_test_setup_teardown(f, setup, teardown)
	const struct CMUnitTest tests[] = {
		T(test_find_exact_and_inside),
		T(test_find_below_first_is_null),
		T(test_data_symbols_ignored),
		T(test_weak_symbols_kept),
		T(test_modules),
		T(test_range),
		T(test_format_exact_start),
		T(test_format_below_first_is_hex),
		T(test_format_last_symbol_has_no_size),
		T(test_format_truncates),
		cmocka_unit_test(test_load_missing_file),
		cmocka_unit_test(test_load_empty_file),
		cmocka_unit_test(test_load_all_zero_addresses),
		cmocka_unit_test(test_aliases),
		cmocka_unit_test(test_many_symbols),
		cmocka_unit_test(test_load_proc_kallsyms),
	};
#undef T

	return cmocka_run_group_tests_name("ksyms", tests, NULL, NULL);
}
