/* tests/support/require.h - skipping honestly in the cmocka tests.
 *
 * A case that cannot run here (no openssl to make a test certificate, no
 * comma-decimal locale...) is skipped, and the executable then exits 77,
 * which ctest reports as "Skipped" (SKIP_RETURN_CODE 77) instead of
 * "Passed". CS_REQUIRE (a comma list of capabilities, or "all") turns the
 * skip into a failure: .ci/run sets it for everything CI provides, so CI
 * cannot go green on a test that did not run. The capability names are
 * listed in tests/README.md; tests/support/testlib.sh is the shell twin.
 *
 * The skip count is a test-only singleton: one executable per module runs
 * its cases one at a time.
 */
#ifndef CS_TESTS_SUPPORT_REQUIRE_H
#define CS_TESTS_SUPPORT_REQUIRE_H

#include <stdbool.h>

/* True if CS_REQUIRE names cap (or "all"). */
bool tf_required(const char *cap);

/* Leaves the current case: skipped with the message, or failed if cap is
 * required. Never returns. */
void tf_skip_or_fail(const char *cap, const char *fmt, ...) __attribute__((format(printf, 2, 3), noreturn));

/* The exit status for main: rc (cmocka's count of failed cases) when
 * anything failed, 77 when nothing failed but a case was skipped, else 0:
 *     return tf_exit(cmocka_run_group_tests(tests, NULL, NULL)); */
int tf_exit(int rc);

#endif
