/* io/http_body.c - size-capped response buffer for libcurl write callbacks. */
#include "io/http_body.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

void cs_http_body_init(cs_http_body *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void cs_http_body_reset(cs_http_body *b)
{
	b->len = 0;
	b->overflow = false;
	b->oom = false;
	if (b->data)
		b->data[0] = '\0';
}

void cs_http_body_free(cs_http_body *b)
{
	if (!b)
		return;
	free(b->data);
	b->data = NULL;
	b->len = b->alloc = 0;
}

size_t cs_http_body_write(char *ptr, size_t size, size_t nmemb, void *ud)
{
	cs_http_body *b = ud;
	size_t n;

	if (nmemb && size > SIZE_MAX / nmemb) {
		b->overflow = true;
		return 0;
	}
	n = size * nmemb;
	if (n > b->max || b->len > b->max - n) {
		b->overflow = true;
		return 0;
	}
	if (b->len + n + 1 > b->alloc) {
		size_t want = b->alloc ? b->alloc : 16384;
		char *grown;

		while (want < b->len + n + 1)
			want *= 2;
		if (want > b->max + 1)
			want = b->max + 1;
		grown = realloc(b->data, want);
		if (!grown) {
			b->oom = true;
			return 0;
		}
		b->data = grown;
		b->alloc = want;
	}
	memcpy(b->data + b->len, ptr, n);
	b->len += n;
	b->data[b->len] = '\0';
	return n;
}
