/* fuzz_http_body.c - libFuzzer target for io/http_body, the capped body buffer.
 *
 * libcurl hands a body over in chunks of any size; this target plays that
 * against a shadow copy. Input: two bytes of cap (little-endian, 0..65535),
 * then records: one control byte c and, for a chunk, c bytes of data.
 *   c < 0xf0  a chunk of c bytes (as size 1 x nmemb c, or size c x nmemb 1
 *             when the previous control byte was odd);
 *   0xf0      reset (the buffer must keep its cap and its memory);
 *   0xf1      a chunk whose size * nmemb overflows size_t: refused;
 *   others    an empty chunk.
 * Whatever is accepted must be exactly the concatenation of the accepted
 * chunks, NUL-terminated, never more than the cap; a chunk is refused (0,
 * overflow set) exactly when it would pass the cap, and then nothing of it
 * is kept. A failed allocation (oom) is allowed only as a refusal.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "io/http_body.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check(const cs_http_body *b, const char *shadow, size_t len)
{
	if (b->len != len || b->len > b->max)
		abort();
	if (len && (!b->data || memcmp(b->data, shadow, len) != 0 || b->data[len] != '\0'))
		abort();
	if (b->data && b->alloc < b->len + 1)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_http_body b;
	char *shadow;
	size_t cap, len = 0, i = 2;
	bool odd = false;

	if (size < 2)
		return 0;
	cap = (size_t)data[0] | (size_t)data[1] << 8;
	shadow = malloc(cap + 1);
	if (!shadow)
		return 0;
	cs_http_body_init(&b, cap);
	while (i < size) {
		uint8_t c = data[i++];

		if (c < 0xf0) {
			size_t n = c <= size - i ? c : size - i;
			char *chunk = malloc(n ? n : 1); /* its own allocation: an over-read is caught */
			size_t got;

			if (!chunk)
				break;
			memcpy(chunk, data + i, n);
			i += n;
			b.overflow = false;
			got = odd ? cs_http_body_write(chunk, n, 1, &b) : cs_http_body_write(chunk, 1, n, &b);
			free(chunk);
			if (len + n > cap) {
				if (got != 0 || !b.overflow)
					abort();
			} else if (got == n) {
				memcpy(shadow + len, data + i - n, n);
				len += n;
			} else if (got != 0 || !b.oom) {
				abort();
			}
		} else if (c == 0xf0) {
			size_t alloc = b.alloc;

			cs_http_body_reset(&b);
			len = 0;
			if (b.alloc != alloc || b.max != cap || b.overflow || b.oom || (b.data && b.data[0] != '\0'))
				abort();
		} else if (c == 0xf1) {
			char one = 'x';

			b.overflow = false;
			if (cs_http_body_write(&one, SIZE_MAX / 2 + 1, 2, &b) != 0 || !b.overflow)
				abort();
		} else {
			if (cs_http_body_write((char *)"", 1, 0, &b) != 0)
				abort();
		}
		odd = c & 1;
		check(&b, shadow, len);
	}
	cs_http_body_free(&b);
	cs_http_body_free(&b); /* twice: a no-op */
	cs_http_body_free(NULL);
	free(shadow);
	return 0;
}
