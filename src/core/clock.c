/* core/clock.c - see clock.h. */
#include "core/clock.h"

#include <errno.h>
#include <math.h>

static double seconds(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

double cs_mono_s(void)
{
	return seconds(CLOCK_MONOTONIC);
}

double cs_real_s(void)
{
	return seconds(CLOCK_REALTIME);
}

struct timespec cs_timespec_of(double s)
{
	struct timespec ts;
	double whole;

	if (!(s > 0)) /* also NaN */
		s = 0;
	ts.tv_nsec = (long)(modf(s, &whole) * 1e9);
	ts.tv_sec = (time_t)whole;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	return ts;
}

void cs_sleep_until_mono(double deadline_s)
{
	struct timespec ts = cs_timespec_of(deadline_s);

	while (clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}
