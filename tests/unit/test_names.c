// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/names.c, src/snapshot.c and record.c's stack walk: shared names, the
 * kernel-string sanitiser, drop sums, BPF frames left out of stacks. */
#include "fltest.h"
#include "names.h"
#include "record.h"
#include "snapshot.h"

static void test_copy_printable(void **state)
{
	char buf[8];

	(void)state;
	fl_copy_printable(buf, "abc", sizeof(buf));
	assert_string_equal(buf, "abc");
	fl_copy_printable(buf, "abcdefghijk", sizeof(buf));	/* cut, terminated */
	assert_string_equal(buf, "abcdefg");
	fl_copy_printable(buf, "a\nb\x7f\xc3\xa9", sizeof(buf));	/* control, DEL, UTF-8 */
	assert_string_equal(buf, "a?b???");
	fl_copy_printable(buf, "", sizeof(buf));
	assert_string_equal(buf, "");
	buf[0] = 'x';
	fl_copy_printable(buf, "abc", 1);
	assert_string_equal(buf, "");
}

static void test_names(void **state)
{
	char dev[24];

	(void)state;
	fl_format_dev((253u << 20) | 3, dev, sizeof(dev));
	assert_string_equal(dev, "253:3");
	assert_string_equal(fl_op_name(FL_OP_WRITE), "write");
	assert_string_equal(fl_op_name(FL_OP_READ), "read");
	assert_string_equal(fl_lock_state_name(1), "EX");
	assert_string_equal(fl_lock_state_name(3), "SH");
	assert_string_equal(fl_lock_state_name(9), "??");
	assert_string_equal(fl_fault_in_kind_name(2), "safe_writeable");
	assert_string_equal(fl_fault_in_kind_name(FL_FI_KINDS), "unknown");
	assert_string_equal(fl_protection_name(FL_PROT_MAY_DEMOTE), "may_demote");
	assert_string_equal(fl_protection_name(FL_PROT_NONE), "none");
}

static void test_snapshot_lost(void **state)
{
	static struct fl_snapshot s;
	struct fl_fs_row r = { .partial_short = 2, .partial_efault = 3 };

	(void)state;
	assert_int_equal(fl_snapshot_lost(&s), 0);
	s.counters[FL_CNT_LOST_RINGBUF] = 1;
	s.counters[FL_CNT_LOST_STALL_SLOT] = 10;
	s.counters[FL_CNT_FAULTS] = 1000;	/* not a drop */
	assert_int_equal(fl_snapshot_lost(&s), 11);
	assert_int_equal(fl_fs_row_partial(&r), 5);
}

static void collect(void *arg, const char *frame)
{
	char *out = arg;

	strcat(out, frame);
	strcat(out, "|");
}

/* With no symbols a frame is its raw address: nothing is taken for BPF's. */
static void test_frames_raw(void **state)
{
	const __u64 stack[] = { 0xffffffff81000010ULL, 0xffffffff81000020ULL };
	struct fl_view v = { .stack = stack, .nr_stack = 2 };
	char out[256] = "";

	(void)state;
	fl_view_frames(&v, NULL, collect, out);
	assert_int_equal(strlen(out) > 0, 1);
	assert_int_equal(strchr(out, '|') != strrchr(out, '|'), 1);	/* two frames */
	assert_false(fl_frame_is_bpf("0xffffffff81000010"));
	assert_true(fl_frame_is_bpf("bpf_prog_608c96ab11999f28_fexit_fault_in_safe_writeable+0x1236/0x150c [bpf]"));
	assert_true(fl_frame_is_bpf("bpf_trampoline_6442522477+0xac/0x200 [bpf]"));
	assert_false(fl_frame_is_bpf("fault_in_safe_writeable+0x9/0x130"));
	assert_false(fl_frame_is_bpf("__bpf_prog_run+0x1"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_copy_printable),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_snapshot_lost),
		cmocka_unit_test(test_frames_raw),
	};

	return cmocka_run_group_tests_name("names", tests, NULL, NULL);
}
