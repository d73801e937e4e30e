/* Unit tests for core/str.c's enum spellings: cs_name_index (spelling to
 * value) and cs_name_at (value to spelling, with the caller's fallback for a
 * value past the table or without an entry). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "core/str.h"

static const char *const names[] = {"zero", "one", NULL, "three"};
#define N (sizeof names / sizeof names[0])

static void test_name_index(void **state)
{
	(void)state;
	assert_int_equal(cs_name_index(names, N, "zero"), 0);
	assert_int_equal(cs_name_index(names, N, "three"), 3);
	assert_int_equal(cs_name_index(names, N, "two"), -1);
	assert_int_equal(cs_name_index(names, N, NULL), -1);
}

static void test_name_at(void **state)
{
	(void)state;
	assert_string_equal(cs_name_at(names, N, 0, "?"), "zero");
	assert_string_equal(cs_name_at(names, N, 3, "?"), "three");
	assert_string_equal(cs_name_at(names, N, 2, "?"), "?");          /* no entry */
	assert_string_equal(cs_name_at(names, N, 4, "other"), "other");  /* past the table */
	assert_string_equal(cs_name_at(names, N, (unsigned)-1, ""), ""); /* a negative enum value */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_index),
	    cmocka_unit_test(test_name_at),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
