/* core/sbuf.c - a growing text buffer that printf appends to (see sbuf.h). */
#include "core/sbuf.h"

#include <stdio.h>
#include <stdlib.h>

#include <carbonstat/error.h>

#include "core/mem.h"

int cs_sbuf_init(cs_sbuf *b, size_t cap)
{
	*b = (cs_sbuf){malloc(cap ? cap : 1), 0, cap ? cap : 1, false};
	if (!b->p)
		return CS_ENOMEM;
	b->p[0] = '\0';
	return 0;
}

void cs_sbuf_vprintf(cs_sbuf *b, const char *fmt, va_list ap)
{
	va_list again;
	int n;

	if (b->oom)
		return;
	va_copy(again, ap);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	if (n >= 0 && (size_t)n >= b->cap - b->len) {
		/* it did not fit: grow, then format again */
		if (cs_grow(&b->p, &b->cap, b->len + (size_t)n + 1, 1, 1) < 0)
			n = -1;
		else
			n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, again);
	}
	va_end(again);
	if (n < 0) {
		b->oom = true;
		return;
	}
	b->len += (size_t)n;
}

void cs_sbuf_printf(cs_sbuf *b, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_sbuf_vprintf(b, fmt, ap);
	va_end(ap);
}

void cs_sbuf_reset(cs_sbuf *b)
{
	b->len = 0;
	b->oom = false;
}

void cs_sbuf_free(cs_sbuf *b)
{
	if (!b)
		return;
	free(b->p);
	*b = (cs_sbuf){NULL, 0, 0, false};
}
