// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/tpformat.c: tracefs format parsing (field offsets, print-table values). */
#include <errno.h>
#include "fltest.h"
#include "tpformat.h"

/* btrfs_set_extent_bit as 6.18 prints it (enum names left unevaluated). */
static const char fmt_618[] =
	"name: btrfs_set_extent_bit\nID: 1947\nformat:\n"
	"\tfield:unsigned short common_type;\toffset:0;\tsize:2;\tsigned:0;\n"
	"\tfield:int common_pid;\toffset:4;\tsize:4;\tsigned:1;\n\n"
	"\tfield:u8 fsid[16];\toffset:8;\tsize:16;\tsigned:0;\n"
	"\tfield:unsigned owner;\toffset:24;\tsize:4;\tsigned:0;\n"
	"\tfield:u64 ino;\toffset:32;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 rootid;\toffset:40;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 start;\toffset:48;\tsize:8;\tsigned:0;\n"
	"\tfield:u64 len;\toffset:56;\tsize:8;\tsigned:0;\n"
	"\tfield:unsigned set_bits;\toffset:64;\tsize:4;\tsigned:0;\n\n"
	"print fmt: \"%pU: io_tree=%s ino=%llu\", REC->fsid, __print_symbolic(REC->owner, "
	"{0, \"PINNED_EXTENTS\"}, {3, \"INODE_IO\"}, {4, \"RELOC_BLOCKS\"}), "
	"__print_flags(REC->set_bits, \"|\", { EXTENT_DIRTY, \"DIRTY\"}, { EXTENT_LOCKED, \"LOCKED\"}, "
	"{ EXTENT_DIRTY_LOG1, \"DIRTY_LOG1\"})\n";

/* ... and as 5.10 does (#define'd bits, evaluated by the preprocessor). */
static const char fmt_510[] =
	"\tfield:unsigned owner;\toffset:24;\tsize:4;\tsigned:0;\n"
	"print fmt: \"...\", __print_symbolic(REC->owner, {2, \"BTREE_INODE_IO\"}, {3, \"INODE_IO\"}, "
	"{4, \"INODE_IO_FAILURE\"}), __print_flags(REC->set_bits, \"|\", { (1U << 0), \"DIRTY\"}, "
	"{ (1U << 1), \"UPTODATE\"}, { (1U << 2), \"LOCKED\"}, { (1U << 3), \"NEW\"}, "
	"{ 0x40, \"HEX\"})\n";

static void test_field_offsets(void **state)
{
	(void)state;
	assert_int_equal(fl_tp_field_offset(fmt_618, "owner"), 24);
	assert_int_equal(fl_tp_field_offset(fmt_618, "ino"), 32);
	assert_int_equal(fl_tp_field_offset(fmt_618, "set_bits"), 64);
	assert_int_equal(fl_tp_field_offset(fmt_618, "fsid"), 8);	/* an array */
	assert_int_equal(fl_tp_field_offset(fmt_618, "common_pid"), 4);
	/* a name is matched whole, not as the tail of another */
	assert_int_equal(fl_tp_field_offset(fmt_618, "bits"), -1);
	assert_int_equal(fl_tp_field_offset(fmt_618, "id"), -1);
	assert_int_equal(fl_tp_field_offset(fmt_618, "clear_bits"), -1);
	assert_int_equal(fl_tp_field_offset("", "owner"), -1);
}

static void test_print_values(void **state)
{
	char ident[64] = "";
	uint64_t v = 0;

	(void)state;
	assert_int_equal(fl_tp_print_value(fmt_510, "LOCKED", &v, ident, sizeof(ident)), 0);
	assert_int_equal(v, 4);
	assert_int_equal(fl_tp_print_value(fmt_510, "INODE_IO", &v, ident, sizeof(ident)), 0);
	assert_int_equal(v, 3);		/* not INODE_IO_FAILURE's 4 */
	assert_int_equal(fl_tp_print_value(fmt_510, "HEX", &v, ident, sizeof(ident)), 0);
	assert_int_equal(v, 0x40);
	assert_int_equal(fl_tp_print_value(fmt_510, "DIO_LOCKED", &v, ident, sizeof(ident)), -ENOENT);
	/* 6.18: the kernel leaves enum names; the caller looks them up in BTF */
	assert_int_equal(fl_tp_print_value(fmt_618, "LOCKED", &v, ident, sizeof(ident)), 1);
	assert_string_equal(ident, "EXTENT_LOCKED");
	assert_int_equal(fl_tp_print_value(fmt_618, "INODE_IO", &v, ident, sizeof(ident)), 0);
	assert_int_equal(v, 3);
	assert_int_equal(fl_tp_print_value(fmt_618, "DIO_LOCKED", &v, ident, sizeof(ident)), -ENOENT);
	assert_int_equal(fl_tp_print_value("{ junk", "LOCKED", &v, ident, sizeof(ident)), -ENOENT);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_field_offsets),
		cmocka_unit_test(test_print_values),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
