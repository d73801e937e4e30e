/* plan/buf.h - the small helpers every file of the planner needs: room for
 * one more element in a growing array, the words of the planner's enums,
 * and printf text appended to a fixed buffer (messages and report lines),
 * truncated, never overflowed. */
#ifndef CS_PLAN_BUF_H
#define CS_PLAN_BUF_H

#include <stdarg.h>
#include <stddef.h>

/* Makes room for element n of *v (elements of size bytes, *cap of them):
 * cs_grow (core/mem.h) from 64, doubling when it is full. 0 or CS_ENOMEM (*v
 * kept). */
int plan_grow(void **v, size_t *cap, size_t n, size_t size);

/* The words for the planner's enums (objective, option status, speed and
 * price source), in one table: plan_word(PLAN_WORDS_SPEED, s) is s's word,
 * or the enum's first (value 0) word when s is out of range. */
enum plan_words { PLAN_WORDS_OBJECTIVE, PLAN_WORDS_STATUS, PLAN_WORDS_SPEED, PLAN_WORDS_PRICE };
const char *plan_word(enum plan_words kind, unsigned v);

/* Appends to the NUL-terminated text in dst[cap]. */
void plan_appendf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void plan_vappendf(char *dst, size_t cap, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

#endif
