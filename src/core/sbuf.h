/* core/sbuf.h - a growing text buffer that printf appends to.
 *
 * Renderers that build a whole output before writing it (the stdout
 * exporter's table, the warehouse SQL) append formatted text here. A failed
 * allocation sets `oom` and stops further appends, so a renderer checks once
 * at the end instead of after every line, and never writes half a text.
 */
#ifndef CS_CORE_SBUF_H
#define CS_CORE_SBUF_H

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>

typedef struct cs_sbuf {
	char *p;    /* the text, NUL-terminated after an append */
	size_t len; /* bytes of text */
	size_t cap; /* bytes allocated at p */
	bool oom;   /* an append failed: the text is incomplete */
} cs_sbuf;

/* An empty buffer with cap bytes allocated: 0, or CS_ENOMEM. */
int cs_sbuf_init(cs_sbuf *b, size_t cap);

/* Appends the formatted text, growing the buffer; on failure sets oom. */
void cs_sbuf_printf(cs_sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void cs_sbuf_vprintf(cs_sbuf *b, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

/* Empties the text for the next appends (keeps the allocation), clears oom. */
void cs_sbuf_reset(cs_sbuf *b);

/* Frees the text; b NULL: nothing. */
void cs_sbuf_free(cs_sbuf *b);

#endif
