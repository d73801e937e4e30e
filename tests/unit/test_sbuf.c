/* test_sbuf.c - unit tests for core/sbuf (the growing printf buffer): text
 * that fits, text that makes it grow (formatted again in full), reset, and a
 * free that leaves an empty buffer.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <string.h>

#include "core/sbuf.h"

static void test_append_and_grow(void **state)
{
	cs_sbuf b;
	char big[300];

	(void)state;
	assert_int_equal(cs_sbuf_init(&b, 8), 0);
	cs_sbuf_printf(&b, "%s=%d", "a", 1);
	assert_string_equal(b.p, "a=1");
	memset(big, 'x', sizeof big - 1);
	big[sizeof big - 1] = '\0';
	cs_sbuf_printf(&b, ";%s;", big);
	assert_false(b.oom);
	assert_int_equal(b.len, 3 + 1 + 299 + 1);
	assert_int_equal(strncmp(b.p, "a=1;xxx", 7), 0);
	assert_int_equal(b.p[b.len - 1], ';');
	assert_true(b.cap > b.len);
	cs_sbuf_reset(&b);
	assert_int_equal(b.len, 0);
	cs_sbuf_printf(&b, "%u", 42u);
	assert_string_equal(b.p, "42");
	cs_sbuf_free(&b);
	assert_null(b.p);
	cs_sbuf_free(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_append_and_grow),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
