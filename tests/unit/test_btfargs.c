// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/btfargs.c on synthetic BTF: __iomap_dio_rw in its three shapes. */
#include <stdlib.h>
#include <sys/utsname.h>
#include <bpf/btf.h>
#include "fltest.h"
#include "btfargs.h"

/* A BTF holding one function with the named pointer/integer parameters. */
static struct btf *mk_func(const char *func, const char *const *params, int n)
{
	struct btf *btf = btf__new_empty();
	int ulong, ptr, proto;

	assert_non_null(btf);
	ulong = btf__add_int(btf, "unsigned long", 8, 0);
	ptr = btf__add_ptr(btf, ulong);
	proto = btf__add_func_proto(btf, ptr);
	assert_true(ulong > 0 && ptr > 0 && proto > 0);
	for (int i = 0; i < n; i++)
		assert_int_equal(btf__add_func_param(btf, params[i], i < 2 ? ptr : ulong), 0);
	assert_true(btf__add_func(btf, func, BTF_FUNC_GLOBAL, proto) > 0);
	return btf;
}

static void test_shapes(void **state)
{
	/* 5.10: no done_before */
	static const char *const five[] = { "iocb", "iter", "ops", "dops", "dio_flags" };
	/* 5.15.37+, 5.16, 5.17 */
	static const char *const six[] = { "iocb", "iter", "ops", "dops", "dio_flags", "done_before" };
	/* 6.0+: private before done_before */
	static const char *const seven[] = { "iocb", "iter", "ops", "dops", "dio_flags", "private",
					     "done_before" };
	struct btf *b;

	(void)state;
	b = mk_func("__iomap_dio_rw", five, 5);
	assert_int_equal(fl_btf_param_index(b, "__iomap_dio_rw", "done_before"), -1);
	assert_int_equal(fl_btf_param_index(b, "__iomap_dio_rw", "dio_flags"), 4);
	btf__free(b);
	b = mk_func("__iomap_dio_rw", six, 6);
	assert_int_equal(fl_btf_param_index(b, "__iomap_dio_rw", "done_before"), 5);
	btf__free(b);
	b = mk_func("__iomap_dio_rw", seven, 7);
	assert_int_equal(fl_btf_param_index(b, "__iomap_dio_rw", "done_before"), 6);
	assert_int_equal(fl_btf_param_index(b, "iomap_dio_rw", "done_before"), -1);	/* other function */
	btf__free(b);
	assert_int_equal(fl_btf_param_index(NULL, "__iomap_dio_rw", "done_before"), -1);
}

/* This machine's own kernel, when it has BTF: the 7th argument since 6.0. */
static void test_this_kernel(void **state)
{
	struct btf *b = btf__load_vmlinux_btf();
	struct utsname u;

	(void)state;
	if (!b || uname(&u) || atoi(u.release) < 6)
		skip();
	assert_int_equal(fl_btf_param_index(b, "__iomap_dio_rw", "done_before"), 6);
	btf__free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_shapes),
		cmocka_unit_test(test_this_kernel),
	};

	return cmocka_run_group_tests_name("btfargs", tests, NULL, NULL);
}
