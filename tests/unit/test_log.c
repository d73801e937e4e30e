/* test_log.c - core/log.h: one clean, rate-limited line per kind of event
 * (stderr captured through a pipe). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "core/log.h"

/* Runs cs_log_limited with stderr redirected; returns what it wrote. */
static const char *logged(cs_log_limiter *l, const char *what, const char *msg)
{
	static char out[2048];
	int p[2], saved = dup(2);
	ssize_t n;

	assert_int_equal(pipe(p), 0);
	fflush(stderr);
	dup2(p[1], 2);
	close(p[1]);
	cs_log_limited(l, "carbonstat agent", what, msg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	n = read(p[0], out, sizeof(out) - 1);
	close(p[0]);
	out[n > 0 ? n : 0] = '\0';
	return out;
}

/* "statsd: statsd: ..." (issue 15): a message naming its source already is
 * not prefixed with it again; repeats are suppressed all the same. */
static void test_no_doubled_source(void **state)
{
	cs_log_limiter l = {0};

	(void)state;
	assert_string_equal(logged(&l, "statsd", "statsd: cannot resolve 'x': Name or service not known"),
	                    "carbonstat agent: statsd: cannot resolve 'x': Name or service not known\n");
	assert_string_equal(logged(&l, "statsd", "statsd: cannot resolve 'x': Name or service not known"), "");
	assert_string_equal(logged(&l, "statsd", "statsdx: other"),
	                    "carbonstat agent: statsd: statsdx: other (1 more like it suppressed)\n");
	assert_string_equal(logged(&l, "grid", "timeout"), "carbonstat agent: grid: timeout\n");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_no_doubled_source),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
