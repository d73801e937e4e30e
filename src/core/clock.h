/* core/clock.h - the clocks carbonstat reads.
 *
 * Intervals, deadlines and rate limits use the monotonic clock (never jumps
 * with NTP or the admin); timestamps shown to users and exporters use the
 * real-time clock. Both as seconds in a double: microsecond resolution for
 * the next 100 years, and every caller wants seconds.
 */
#ifndef CS_CORE_CLOCK_H
#define CS_CORE_CLOCK_H

#include <time.h>

/* CLOCK_MONOTONIC in seconds. */
double cs_mono_s(void);
/* CLOCK_REALTIME in seconds since the epoch. */
double cs_real_s(void);
/* Seconds as a timespec (for clock_nanosleep, pthread_cond_timedwait). */
struct timespec cs_timespec_of(double s);
/* Sleeps until the monotonic time deadline_s (returns at once if past);
 * EINTR restarts the sleep. */
void cs_sleep_until_mono(double deadline_s);

#endif
