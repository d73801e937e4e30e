/* test_fdio.c - unit tests for io/fdio: whole reads and writes through a
 * pipe (short transfers are the pipe's nature), end of file, a closed
 * reader, a bad descriptor. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include "io/fdio.h"

static void test_roundtrip(void **state)
{
	char in[3000], out[4096];
	size_t done = 0, len = 0;
	int p[2];

	(void)state;
	for (size_t i = 0; i < sizeof(in); i++)
		in[i] = (char)('a' + i % 26);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(cs_fd_write_all(p[1], in, sizeof(in), &done), 0);
	assert_int_equal(done, sizeof(in));
	assert_int_equal(cs_fd_write_all(p[1], in, 0, NULL), 0);
	close(p[1]);
	/* up to the cap, then the rest, then end of file */
	assert_int_equal(cs_fd_read_all(p[0], out, 1000, &len), 0);
	assert_int_equal(len, 1000);
	assert_memory_equal(out, in, 1000);
	assert_int_equal(cs_fd_read_all(p[0], out, sizeof(out), &len), 0);
	assert_int_equal(len, sizeof(in) - 1000);
	assert_memory_equal(out, in + 1000, len);
	assert_int_equal(cs_fd_read_all(p[0], out, sizeof(out), &len), 0);
	assert_int_equal(len, 0);
	close(p[0]);
}

static void test_errors(void **state)
{
	char buf[8] = "abcdefg";
	size_t n = 99;
	int p[2];

	(void)state;
	assert_int_equal(cs_fd_read_all(-1, buf, sizeof(buf), &n), -EBADF);
	assert_int_equal(n, 0);
	assert_int_equal(cs_fd_write_all(-1, buf, sizeof(buf), &n), -EBADF);
	assert_int_equal(n, 0);
	assert_int_equal(pipe(p), 0);
	close(p[0]);
	assert_int_equal(cs_fd_write_all(p[1], buf, sizeof(buf), &n), -EPIPE);
	close(p[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_roundtrip),
	    cmocka_unit_test(test_errors),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
