/* plan/buf.c - see buf.h. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/mem.h"
#include "plan/buf.h"
#include "plan/plan.h"

int plan_grow(void **v, size_t *cap, size_t n, size_t size)
{
	return cs_grow(v, cap, n + 1, size, 64);
}

const char *plan_word(enum plan_words kind, unsigned v)
{
	/* Rows by kind, columns by enum value; index 0 is also the fallback. */
	static const char *const words[][4] = {
	    [PLAN_WORDS_OBJECTIVE] =
	        {[PLAN_OBJ_CARBON] = "carbon", [PLAN_OBJ_COST] = "cost", [PLAN_OBJ_BALANCED] = "balanced"},
	    [PLAN_WORDS_STATUS] = {[PLAN_RANKED] = "ranked",
	                           [PLAN_NO_PERF] = "throughput unknown",
	                           [PLAN_NO_EMBODIED] = "embodied unknown",
	                           [PLAN_TOO_SLOW] = "slower than --max-slowdown"},
	    [PLAN_WORDS_SPEED] = {[PLAN_SPEED_UNKNOWN] = "unknown",
	                          [PLAN_SPEED_SAME] = "same microarchitecture",
	                          [PLAN_SPEED_USER] = "user file",
	                          [PLAN_SPEED_BUILTIN] = "SPECpower"},
	    [PLAN_WORDS_PRICE] = {[PLAN_PRICE_NONE] = "none",
	                          [PLAN_PRICE_INVENTORY] = "inventory",
	                          [PLAN_PRICE_FILE] = "price file",
	                          [PLAN_PRICE_BILL] = "bill"},
	};
	const char *const *row = words[kind];

	return v < sizeof words[0] / sizeof words[0][0] && row[v] ? row[v] : row[0];
}

void plan_vappendf(char *dst, size_t cap, const char *fmt, va_list ap)
{
	size_t len = strlen(dst);

	if (len + 1 < cap)
		vsnprintf(dst + len, cap - len, fmt, ap);
}

void plan_appendf(char *dst, size_t cap, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	plan_vappendf(dst, cap, fmt, ap);
	va_end(ap);
}
