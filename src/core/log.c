/* core/log.c - see log.h. */
#include "core/log.h"

#include <stdio.h>
#include <string.h>

#include "core/clock.h"

void cs_vlog(const char *prefix, const char *fmt, va_list ap)
{
	char line[CS_LOG_LINE_MAX];

	vsnprintf(line, sizeof line, fmt, ap);
	for (char *p = line; *p; p++)
		if ((unsigned char)*p < 0x20 || *p == 0x7f)
			*p = '?';
	fprintf(stderr, "%s: %s\n", prefix ? prefix : "carbonstat", line);
}

void cs_log(const char *prefix, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vlog(prefix, fmt, ap);
	va_end(ap);
}

int cs_log_limited(cs_log_limiter *l, const char *prefix, const char *what, const char *msg)
{
	double now = cs_mono_s();
	double window = l->repeat_s > 0 ? l->repeat_s : CS_LOG_REPEAT_S;

	if (!msg || !msg[0]) {
		l->last[0] = '\0';
		l->suppressed = 0;
		return 0;
	}
	if (strcmp(l->last, msg) == 0 && now - l->last_s < window) {
		l->suppressed++;
		return 0;
	}
	{
		/* a message that already names its source ("statsd: ...") is not
		 * prefixed twice */
		size_t wl = strlen(what);
		const char *text =
		    wl && !strncmp(msg, what, wl) && msg[wl] == ':' && msg[wl + 1] == ' ' ? msg + wl + 2 : msg;

		if (l->suppressed)
			cs_log(prefix, "%s: %s (%llu more like it suppressed)", what, text,
			       (unsigned long long)l->suppressed);
		else
			cs_log(prefix, "%s: %s", what, text);
	}
	snprintf(l->last, sizeof l->last, "%s", msg);
	l->last_s = now;
	l->suppressed = 0;
	return 1;
}
