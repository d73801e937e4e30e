/* core/log.h - one clean, rate-limited line per kind of event.
 *
 * Daemons repeat their failures every cycle; a log that says the same thing
 * every 5 s buries what changed. A cs_log_limiter remembers the last message
 * of one source and when it was written: the same message again within the
 * repeat window is counted, not written, and the next line written says how
 * many were suppressed. A different message, or the source recovering
 * (cs_log_limited with "" clears it), is written at once. All state is in the
 * limiter the caller owns; lines go to stderr with the caller's prefix.
 */
#ifndef CS_CORE_LOG_H
#define CS_CORE_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#define CS_LOG_LINE_MAX 1024

typedef struct cs_log_limiter {
	char last[CS_LOG_LINE_MAX]; /* last message written for this source, "" = none */
	double last_s;              /* monotonic time it was written */
	double repeat_s;            /* window; 0 = CS_LOG_REPEAT_S */
	uint64_t suppressed;        /* repeats not written since */
} cs_log_limiter;

#define CS_LOG_REPEAT_S 300.0

/* One line "prefix: text" on stderr (prefix NULL: "carbonstat"). Control
 * characters in the text are replaced by '?', so a line from a server or a
 * file can never forge another. */
void cs_log(const char *prefix, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cs_vlog(const char *prefix, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Writes "prefix: what: msg" unless msg is what this limiter wrote last,
 * less than repeat_s ago. msg "" resets the limiter (the condition cleared).
 * Returns 1 if a line was written. */
int cs_log_limited(cs_log_limiter *l, const char *prefix, const char *what, const char *msg);

#endif
