/* core/why.c - see why.h. */
#include "core/why.h"

#include <stdio.h>
#include <string.h>

void cs_vset_why(char *why, size_t cap, const char *fmt, va_list ap)
{
	if (!why || cap == 0)
		return;
	vsnprintf(why, cap, fmt, ap);
}

void cs_set_why(char *why, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vset_why(why, cap, fmt, ap);
	va_end(ap);
}

void cs_why_append(char *why, size_t cap, const char *fmt, ...)
{
	size_t n;
	va_list ap;

	if (!why || cap == 0)
		return;
	n = strnlen(why, cap);
	if (n + 1 >= cap)
		return;
	if (n > 0) {
		snprintf(why + n, cap - n, "; ");
		n = strnlen(why, cap);
	}
	va_start(ap, fmt);
	vsnprintf(why + n, cap - n, fmt, ap);
	va_end(ap);
}
