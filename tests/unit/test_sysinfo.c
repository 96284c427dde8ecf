// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/sysinfo.c: parsing /sys/kernel/security/lockdown. */
#include "fltest.h"
#include "sysinfo.h"

static const char *parse(const char *line)
{
	static char out[64];

	memset(out, 'X', sizeof(out));
	fl_parse_lockdown(line, out, sizeof(out));
	return out;
}

static void test_selected_word(void **state)
{
	(void)state;
	assert_string_equal(parse("none [integrity] confidentiality"), "integrity");
	assert_string_equal(parse("none [integrity] confidentiality\n"), "integrity");
	assert_string_equal(parse("[none] integrity confidentiality\n"), "none");
	assert_string_equal(parse("none integrity [confidentiality]\n"), "confidentiality");
	assert_string_equal(parse("[x]"), "x");
}

static void test_malformed_is_unknown(void **state)
{
	(void)state;
	assert_string_equal(parse(""), "unknown");
	assert_string_equal(parse("\n"), "unknown");
	assert_string_equal(parse("none integrity confidentiality\n"), "unknown");
	assert_string_equal(parse("[]"), "unknown");
	assert_string_equal(parse("none [] integrity"), "unknown");
	assert_string_equal(parse("none [integrity"), "unknown");
	assert_string_equal(parse("none integrity]"), "unknown");
	assert_string_equal(parse("]none["), "unknown");
}

static void test_first_bracket_pair_wins(void **state)
{
	(void)state;
	assert_string_equal(parse("[none] [integrity]"), "none");
	assert_string_equal(parse("a ]b [c] d"), "c");
}

static void test_output_truncated_to_buffer(void **state)
{
	char out[5];

	(void)state;
	memset(out, 'X', sizeof(out));
	fl_parse_lockdown("none [confidentiality]", out, sizeof(out));
	assert_string_equal(out, "conf");
	fl_parse_lockdown("garbage", out, sizeof(out));
	assert_string_equal(out, "unkn");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_selected_word),
		cmocka_unit_test(test_malformed_is_unknown),
		cmocka_unit_test(test_first_bracket_pair_wins),
		cmocka_unit_test(test_output_truncated_to_buffer),
	};

	return cmocka_run_group_tests_name("sysinfo", tests, NULL, NULL);
}
