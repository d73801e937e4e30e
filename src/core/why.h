/* core/why.h - the one-line messages that say what went wrong and the fix.
 *
 * carbonstat's functions return an int code and, where a user will read the
 * outcome, fill a caller-owned `why` buffer with one line naming the input
 * and the fix ("--interval '0': must be > 0"). These two formatters are the
 * only way such a line is written, so a NULL buffer or a zero capacity is
 * always accepted (the caller did not ask) and a long message is truncated,
 * never overflowed.
 */
#ifndef CS_CORE_WHY_H
#define CS_CORE_WHY_H

#include <stdarg.h>
#include <stddef.h>

/* Overwrites why with the formatted text; why NULL or cap 0: nothing. */
void cs_set_why(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
void cs_vset_why(char *why, size_t cap, const char *fmt, va_list ap) __attribute__((format(printf, 3, 0)));

/* Appends "; text" (or text when why is empty), truncating at cap. */
void cs_why_append(char *why, size_t cap, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

#endif
