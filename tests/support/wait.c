/* tests/support/wait.c - polling with a scaled deadline; see wait.h. */
#include <stdlib.h>
#include <time.h>

#include "core/clock.h"
#include "wait.h"

double tf_time_scale(void)
{
	const char *s = getenv("CS_TIME_SCALE");
	char *end;
	double k;

	if (!s || !*s)
		return 1.0;
	k = strtod(s, &end);
	return (*end || !(k >= 1.0)) ? 1.0 : k;
}

double tf_scaled_s(double s)
{
	return s * tf_time_scale();
}

bool tf_wait_for(bool (*cond)(void *ctx), void *ctx, double deadline_s)
{
	const struct timespec nap = {0, 10 * 1000000L};
	double end = cs_mono_s() + tf_scaled_s(deadline_s);

	while (!cond(ctx)) {
		if (cs_mono_s() >= end)
			return cond(ctx);
		nanosleep(&nap, NULL);
	}
	return true;
}
