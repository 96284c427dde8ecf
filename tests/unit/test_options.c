// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/options.c: the --fs list parser and its membership test. */
#include "fltest.h"
#include "options.h"

static void test_fs_list_ok(void **state)
{
	struct fl_fs_filter f;
	char err[96];

	(void)state;
	assert_int_equal(fl_fs_list_parse("gfs2", &f, err, sizeof(err)), 0);
	assert_int_equal(f.nr, 1);
	assert_string_equal(f.names[0], "gfs2");
	assert_int_equal(fl_fs_list_parse("btrfs,xfs,ext4,fuse.sshfs", &f, err, sizeof(err)), 0);
	assert_int_equal(f.nr, 4);
	assert_string_equal(f.names[0], "btrfs");
	assert_string_equal(f.names[3], "fuse.sshfs");
	/* 15 characters: the longest s_type->name the kernel side compares */
	assert_int_equal(fl_fs_list_parse("abcdefghijklmno", &f, err, sizeof(err)), 0);
	assert_string_equal(f.names[0], "abcdefghijklmno");
}

static void test_fs_list_bad(void **state)
{
	static const char *const bad[] = {
		"", ",", "btrfs,", ",btrfs", "btrfs,,xfs", "Btrfs", "ext4;rm", "a b",
		"abcdefghijklmnop",	/* 16: no room for the NUL */
		"a,b,c,d,e",		/* more than FL_MAX_FS_FILTER */
	};
	struct fl_fs_filter f;
	char err[96];

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		if (fl_fs_list_parse(bad[i], &f, err, sizeof(err)) != -1)
			fail_msg("'%s' accepted", bad[i]);
		assert_true(err[0] != '\0');
	}
	assert_int_equal(fl_fs_list_parse("a,b,c,d,e", &f, err, sizeof(err)), -1);
	assert_string_equal(err, "at most 4 file system types");
}

static void test_fs_filter_has(void **state)
{
	struct fl_fs_filter f = { 0 };
	char err[96];

	(void)state;
	assert_true(fl_fs_filter_has(&f, "gfs2"));	/* no filter: everything */
	assert_int_equal(fl_fs_list_parse("btrfs,xfs", &f, err, sizeof(err)), 0);
	assert_true(fl_fs_filter_has(&f, "xfs"));
	assert_false(fl_fs_filter_has(&f, "gfs2"));
	assert_false(fl_fs_filter_has(&f, "btrf"));
	assert_false(fl_fs_filter_has(&f, "btrfs2"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_fs_list_ok),
		cmocka_unit_test(test_fs_list_bad),
		cmocka_unit_test(test_fs_filter_has),
	};

	return cmocka_run_group_tests_name("options", tests, NULL, NULL);
}
