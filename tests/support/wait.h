/* tests/support/wait.h - waiting on conditions, not for fixed times.
 *
 * A fixed sleep followed by an assertion is a race a slow build loses (ASan,
 * valgrind, a loaded CI machine). Poll the condition with a deadline that is
 * generous for those builds instead: it costs nothing when the condition
 * comes early. CS_TIME_SCALE (set for the sanitizer build's tests and by
 * scripts/valgrind.sh) multiplies deadlines and upper time bounds.
 * tests/support/testlib.sh has the shell twin (wait_for, scaled).
 */
#ifndef CS_TESTS_SUPPORT_WAIT_H
#define CS_TESTS_SUPPORT_WAIT_H

#include <stdbool.h>

/* CS_TIME_SCALE, or 1 when unset or not a number >= 1. */
double tf_time_scale(void);

/* s x tf_time_scale(): an upper time bound that holds under sanitizers. */
double tf_scaled_s(double s);

/* Calls cond(ctx) every 10 ms until it returns true (true) or
 * tf_scaled_s(deadline_s) have passed (false, after one last try). */
bool tf_wait_for(bool (*cond)(void *ctx), void *ctx, double deadline_s);

#endif
