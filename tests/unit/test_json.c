// SPDX-License-Identifier: (LGPL-2.1 OR BSD-2-Clause)
/* src/json.c: the streaming JSON writer, byte for byte. */
#include <math.h>
#include "fltest.h"
#include "json.h"

static int setup(void **state)
{
	struct cap *c = calloc(1, sizeof(*c));

	if (!c)
		return -1;
	cap_open(c);
	*state = c;
	return 0;
}

static int teardown(void **state)
{
	cap_close(*state);
	free(*state);
	return 0;
}

static void test_empty_object_and_array(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_end_object(&w);
	assert_string_equal(cap_str(c), "{}");

	cap_reset(c);
	jw_init(&w, c->f);
	jw_array(&w, NULL);
	jw_end_array(&w);
	assert_string_equal(cap_str(c), "[]");
}

static void test_flat_object_all_scalars(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_str(&w, "s", "text");
	jw_u64(&w, "u", 42);
	jw_i64(&w, "i", -7);
	jw_bool(&w, "t", true);
	jw_bool(&w, "f", false);
	jw_null(&w, "n");
	jw_double(&w, "d", 1.5);
	jw_str(&w, "empty", "");
	jw_end_object(&w);
	assert_string_equal(cap_str(c),
			    "{\"s\":\"text\",\"u\":42,\"i\":-7,\"t\":true,\"f\":false,\"n\":null,"
			    "\"d\":1.500000,\"empty\":\"\"}");
	assert_true(jc_value(cap_str(c), 0) == c->buf + strlen(c->buf));
}

static void test_integer_limits(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_u64(&w, "umax", UINT64_MAX);
	jw_u64(&w, "uzero", 0);
	jw_i64(&w, "imin", INT64_MIN);
	jw_i64(&w, "imax", INT64_MAX);
	jw_end_object(&w);
	assert_string_equal(cap_str(c),
			    "{\"umax\":18446744073709551615,\"uzero\":0,"
			    "\"imin\":-9223372036854775808,\"imax\":9223372036854775807}");
}

static void test_nesting_and_commas(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_object(&w, "a");
	jw_u64(&w, "b", 1);
	jw_array(&w, "c");
	jw_u64(&w, NULL, 1);
	jw_str(&w, NULL, "2");
	jw_object(&w, NULL);
	jw_null(&w, "d");
	jw_end_object(&w);
	jw_array(&w, NULL);
	jw_end_array(&w);
	jw_bool(&w, NULL, true);
	jw_end_array(&w);
	jw_object(&w, "e");
	jw_end_object(&w);
	jw_end_object(&w);
	jw_array(&w, "f");
	jw_end_array(&w);
	jw_str(&w, "g", "x");
	jw_end_object(&w);
	assert_string_equal(cap_str(c),
			    "{\"a\":{\"b\":1,\"c\":[1,\"2\",{\"d\":null},[],true],\"e\":{}},"
			    "\"f\":[],\"g\":\"x\"}");
}

static void test_top_level_array_of_scalars(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_array(&w, NULL);
	jw_u64(&w, NULL, 1);
	jw_str(&w, NULL, "two");
	jw_bool(&w, NULL, false);
	jw_null(&w, NULL);
	jw_i64(&w, NULL, -3);
	jw_double(&w, NULL, 0.25);
	jw_end_array(&w);
	assert_string_equal(cap_str(c), "[1,\"two\",false,null,-3,0.250000]");
}

/* One object per line: jw_init starts each line afresh, without a leading comma. */
static void test_lines_reinit(void **state)
{
	struct cap *c = *state;
	struct jw w;

	for (int i = 0; i < 3; i++) {
		jw_init(&w, c->f);
		jw_object(&w, NULL);
		jw_u64(&w, "n", i);
		jw_end_object(&w);
		fputc('\n', c->f);
	}
	assert_string_equal(cap_str(c), "{\"n\":0}\n{\"n\":1}\n{\"n\":2}\n");
	assert_true(jc_all_lines(cap_str(c)));
}

/* Deepest nesting tracked exactly: JW_MAX_DEPTH - 1 levels, siblings at every level. */
static void test_deep_nesting(void **state)
{
	struct cap *c = *state;
	const int levels = JW_MAX_DEPTH - 1;
	char want[512];
	size_t off = 0;
	struct jw w;

	jw_init(&w, c->f);
	for (int i = 0; i < levels; i++) {
		jw_array(&w, NULL);
		jw_u64(&w, NULL, i);
		off += snprintf(want + off, sizeof(want) - off, "%s[%d", i ? "," : "", i);
	}
	for (int i = levels - 1; i >= 1; i--) {
		jw_end_array(&w);
		jw_u64(&w, NULL, 100 + i);
		off += snprintf(want + off, sizeof(want) - off, "],%d", 100 + i);
	}
	jw_end_array(&w);
	snprintf(want + off, sizeof(want) - off, "]");
	assert_int_equal(w.depth, 0);
	assert_string_equal(cap_str(c), want);
}

/* Beyond JW_MAX_DEPTH the depth saturates: output must stay well-formed, no overflow. */
static void test_over_deep_nesting_is_safe(void **state)
{
	struct cap *c = *state;
	const int levels = JW_MAX_DEPTH + 8;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	for (int i = 0; i < levels; i++) {
		jw_array(&w, "a");
		jw_object(&w, NULL);
		jw_u64(&w, "x", i);
	}
	for (int i = 0; i < levels; i++) {
		jw_end_object(&w);
		jw_end_array(&w);
		jw_u64(&w, "y", i);
	}
	jw_end_object(&w);
	assert_true(w.depth >= 0 && w.depth < JW_MAX_DEPTH);
	fputc('\n', c->f);
	assert_true(jc_is_line(cap_str(c)));
}

static void test_exact_small_nesting(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_array(&w, NULL);
	jw_array(&w, NULL);
	jw_array(&w, NULL);
	jw_u64(&w, NULL, 1);
	jw_end_array(&w);
	jw_u64(&w, NULL, 2);
	jw_end_array(&w);
	jw_u64(&w, NULL, 3);
	jw_end_array(&w);
	assert_string_equal(cap_str(c), "[[[1],2],3]");
	assert_int_equal(w.depth, 0);
}

static void test_escape_quote_backslash(void **state)
{
	struct cap *c = *state;

	jw_escape(c->f, "a\"b\\c/d");
	assert_string_equal(cap_str(c), "\"a\\\"b\\\\c/d\"");
}

static void test_escape_named_controls(void **state)
{
	struct cap *c = *state;

	jw_escape(c->f, "l1\nl2\rx\ty");
	assert_string_equal(cap_str(c), "\"l1\\nl2\\rx\\ty\"");
}

static void test_escape_other_controls_as_u00xx(void **state)
{
	struct cap *c = *state;

	jw_escape(c->f, "\x01\x08\x0b\x0c\x1b\x1f\x7f" "end");
	assert_string_equal(cap_str(c), "\"\\u0001\\u0008\\u000b\\u000c\\u001b\\u001f\\u007fend\"");
}

static void test_escape_every_control_char(void **state)
{
	struct cap *c = *state;
	char s[2] = "";

	for (int ch = 1; ch < 0x20; ch++) {
		s[0] = (char)ch;
		cap_reset(c);
		jw_escape(c->f, s);
		assert_true(jc_value(cap_str(c), 0) == c->buf + strlen(c->buf));
		/* exactly the escaped form, never the raw byte */
		assert_null(memchr(c->buf, ch, strlen(c->buf)));
	}
}

static void test_escape_passes_utf8_through(void **state)
{
	struct cap *c = *state;

	jw_escape(c->f, "caf\xc3\xa9 \xe2\x82\xac");
	assert_string_equal(cap_str(c), "\"caf\xc3\xa9 \xe2\x82\xac\"");
}

static void test_escape_empty(void **state)
{
	struct cap *c = *state;

	jw_escape(c->f, "");
	assert_string_equal(cap_str(c), "\"\"");
}

static void test_keys_are_escaped(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_u64(&w, "we\"ird\n", 1);
	jw_object(&w, "back\\slash");
	jw_end_object(&w);
	jw_end_object(&w);
	assert_string_equal(cap_str(c), "{\"we\\\"ird\\n\":1,\"back\\\\slash\":{}}");
}

static void test_null_string(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_str(&w, "a", NULL);
	jw_array(&w, "b");
	jw_str(&w, NULL, NULL);
	jw_str(&w, NULL, "null");
	jw_end_array(&w);
	jw_end_object(&w);
	assert_string_equal(cap_str(c), "{\"a\":null,\"b\":[null,\"null\"]}");
}

static void test_doubles(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_array(&w, NULL);
	jw_double(&w, NULL, 0.0);
	jw_double(&w, NULL, -2.25);
	jw_double(&w, NULL, 1234567.0000004);
	jw_double(&w, NULL, 1e-9);
	jw_end_array(&w);
	assert_string_equal(cap_str(c), "[0.000000,-2.250000,1234567.000000,0.000000]");
	assert_non_null(jc_value(cap_str(c), 0));
}

static void test_doubles_non_finite_are_null(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_object(&w, NULL);
	jw_double(&w, "nan", NAN);
	jw_double(&w, "negnan", -NAN);
	jw_double(&w, "inf", INFINITY);
	jw_double(&w, "neginf", -INFINITY);
	jw_double(&w, "ok", 3.0);
	jw_end_object(&w);
	assert_string_equal(cap_str(c),
			    "{\"nan\":null,\"negnan\":null,\"inf\":null,\"neginf\":null,\"ok\":3.000000}");
}

static void test_huge_double_is_valid_number(void **state)
{
	struct cap *c = *state;
	struct jw w;

	jw_init(&w, c->f);
	jw_array(&w, NULL);
	jw_double(&w, NULL, 1e300);
	jw_double(&w, NULL, -1e300);
	jw_end_array(&w);
	fputc('\n', c->f);
	assert_true(jc_is_line(cap_str(c)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_empty_object_and_array, setup, teardown),
		cmocka_unit_test_setup_teardown(test_flat_object_all_scalars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_integer_limits, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nesting_and_commas, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_level_array_of_scalars, setup, teardown),
		cmocka_unit_test_setup_teardown(test_lines_reinit, setup, teardown),
		cmocka_unit_test_setup_teardown(test_exact_small_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_over_deep_nesting_is_safe, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_quote_backslash, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_named_controls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_other_controls_as_u00xx, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_every_control_char, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_passes_utf8_through, setup, teardown),
		cmocka_unit_test_setup_teardown(test_escape_empty, setup, teardown),
		cmocka_unit_test_setup_teardown(test_keys_are_escaped, setup, teardown),
		cmocka_unit_test_setup_teardown(test_null_string, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_doubles_non_finite_are_null, setup, teardown),
		cmocka_unit_test_setup_teardown(test_huge_double_is_valid_number, setup, teardown),
	};

	return cmocka_run_group_tests_name("json", tests, NULL, NULL);
}
