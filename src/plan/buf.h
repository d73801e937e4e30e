/* plan/buf.h - the two small helpers every file of the planner needs: room
 * for one more element in a growing array, and printf text appended to a
 * fixed buffer (messages and report lines), truncated, never overflowed. */
#ifndef CS_PLAN_BUF_H
#define CS_PLAN_BUF_H

#include <stddef.h>

/* Makes room for element n of *v (elements of size bytes, *cap of them):
 * doubles the array (from 64) when it is full. 0 or CS_ENOMEM (*v kept). */
int plan_grow(void **v, size_t *cap, size_t n, size_t size);

/* Appends to the NUL-terminated text in dst[cap]. */
void plan_appendf(char *dst, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
