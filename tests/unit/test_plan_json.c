/* tests/unit/test_plan_json.c - plan/json_out.c writes what json_dumps
 * writes, byte for byte: trees of every kind of value (reals of every
 * magnitude, sign and precision, integers at the limits, strings with
 * every escape and UTF-8, empty and nested containers), the straight
 * writers against the same values built as json_t, the real cache across
 * precisions. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include <carbonstat/error.h>

#include "plan/json_out.h"

/* json_dumps(v) and plan_json_append(v) must be the same text. */
static void same(json_t *v, int precision)
{
	size_t flags = JSON_ENCODE_ANY | (precision ? JSON_REAL_PRECISION(precision) : 0);
	char *want = json_dumps(v, flags);
	plan_json_buf b = {0};

	assert_non_null(want);
	assert_int_equal(plan_json_append(&b, v, precision), 0);
	if (b.n != strlen(want) || memcmp(b.p, want, b.n))
		fail_msg("json_dumps: %s\nplan_json: %.*s", want, (int)b.n, b.p);
	free(want);
	plan_json_buf_free(&b);
}

static const double reals[] = {
    0.0,
    -0.0,
    1.0,
    -1.0,
    0.1,
    0.5,
    1.5,
    2.0 / 3,
    1e-5,
    1e-4,
    123456.789,
    1234567890.0,
    12345678901.0,
    1e15,
    1e16,
    1e17,
    1e20,
    1e21,
    1e22,
    1e100,
    1e300,
    1.7976931348623157e308,
    5e-324,
    2.2250738585072014e-308,
    1e-300,
    0.30000000000000004,
    415.755,
    1.135,
    730.0,
    56.109876,
    3.14159265358979,
    0.000123456789,
    99.99999999999,
    9.9999999995,
    9.99999999949,
    0.15,
    0.25,
    1e-7,
    -1e-7,
    4503599627370496.0,
    9007199254740993.0,
};

static void test_reals(void **state)
{
	(void)state;
	for (int p = 0; p <= 31; p++) {
		for (size_t i = 0; i < sizeof reals / sizeof reals[0]; i++) {
			json_t *v = json_real(reals[i]);
			same(v, p);
			json_decref(v);
		}
	}
	/* random bit patterns and random values of every scale */
	srand(14);
	for (int i = 0; i < 20000; i++) {
		uint64_t bits = ((uint64_t)rand() << 42) ^ ((uint64_t)rand() << 21) ^ (uint64_t)rand();
		double d;
		memcpy(&d, &bits, sizeof d);
		if (!isfinite(d))
			continue;
		json_t *v = json_real(d);
		same(v, i % 3 ? 10 : 17);
		json_decref(v);
		v = json_real((double)rand() / RAND_MAX * pow(10, rand() % 20 - 8));
		same(v, 10);
		json_decref(v);
	}
}

static void test_tree(void **state)
{
	json_t *o = json_object(), *a = json_array();
	char ctl[40];

	(void)state;
	for (int c = 1; c < 32; c++)
		ctl[c - 1] = (char)c;
	memcpy(ctl + 31, "\"\\/\x7f", 5);
	json_object_set_new(o, "s", json_string("plain"));
	json_object_set_new(o, "esc", json_string(ctl));
	json_object_set_new(o, "utf8",
	                    json_string("Montr\xc3\xa9"
	                                "al \xe2\x82\xac \xf0\x9f\x8c\x8d"));
	json_object_set_new(o, "nul", json_stringn("a\0b", 3));
	json_object_set_new(o, "k\"ey\n", json_true());
	json_object_set_new(o, "f", json_false());
	json_object_set_new(o, "n", json_null());
	json_object_set_new(o, "imax", json_integer(INT64_MAX));
	json_object_set_new(o, "imin", json_integer(INT64_MIN));
	json_object_set_new(o, "zero", json_integer(0));
	json_object_set_new(o, "empty_o", json_object());
	json_object_set_new(o, "empty_a", json_array());
	json_object_set_new(o, "empty_s", json_string(""));
	json_array_append_new(a, json_real(1.5));
	json_array_append_new(a, json_pack("{s:[i, f, s, n]}", "x", 1, 2.0, "y"));
	json_array_append_new(a, json_array());
	json_object_set_new(o, "arr", a);
	same(o, 10);
	same(o, 0);
	json_decref(o);
	o = json_array();
	same(o, 10);
	json_decref(o);
}

/* The straight writers against the same object built. */
static void test_straight(void **state)
{
	plan_json_buf b = {0};
	json_t *o = json_pack("{s:i, s:f, s:o, s:s, s:o, s:b}", "n", 7, "x", 56.11, "unknown", json_null(), "s", "a\tb",
	                      "none", json_null(), "t", 1);
	char *want = json_dumps(o, JSON_REAL_PRECISION(10));

	(void)state;
	assert_int_equal(plan_json_raw(&b, "{", 1), 0);
	assert_int_equal(plan_json_key(&b, "n", true) || plan_json_int(&b, 7), 0);
	assert_int_equal(plan_json_key(&b, "x", false) || plan_json_num(&b, 56.11, true, 10), 0);
	assert_int_equal(plan_json_key(&b, "unknown", false) || plan_json_num(&b, 3, false, 10), 0);
	assert_int_equal(plan_json_key(&b, "s", false) || plan_json_str(&b, "a\tb"), 0);
	assert_int_equal(plan_json_key(&b, "none", false) || plan_json_str(&b, NULL), 0);
	assert_int_equal(plan_json_key(&b, "t", false) || plan_json_bool(&b, true), 0);
	assert_int_equal(plan_json_raw(&b, "}", 1), 0);
	assert_int_equal(b.n, strlen(want));
	assert_memory_equal(b.p, want, b.n);
	/* the cache keys on the precision too */
	b.n = 0;
	assert_int_equal(plan_json_num(&b, 2.0 / 3, true, 10) || plan_json_num(&b, 2.0 / 3, true, 17) ||
	                     plan_json_num(&b, 2.0 / 3, true, 10),
	                 0);
	assert_int_equal(b.n, strlen("0.66666666670.666666666666666630.6666666667"));
	assert_memory_equal(b.p, "0.66666666670.666666666666666630.6666666667", b.n);
	/* what jansson cannot dump */
	assert_int_equal(plan_json_append(&b, NULL, 10), CS_EINVAL);
	assert_int_equal(plan_json_num(&b, NAN, true, 10), 0);
	free(want);
	json_decref(o);
	plan_json_buf_free(&b);
	plan_json_buf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_reals),
	    cmocka_unit_test(test_tree),
	    cmocka_unit_test(test_straight),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
