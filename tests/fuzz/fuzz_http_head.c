/* fuzz_http_head.c - libFuzzer target for the HTTP gate's request-head check
 * (exporters/http_gate.h: cs_http_head_check), which sees the first bytes
 * of every connection to the agent's endpoint before anything else does.
 *
 * Properties: a result for any bytes; a head judged complete stays complete
 * (and a bad one bad) when more bytes follow (clients send heads in pieces,
 * and the gate re-checks the growing prefix); an incomplete prefix is never
 * longer than CS_HTTP_HEAD_MAX; a TLS verdict comes from the first byte only.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "exporters/http_gate.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *b = (const char *)data;
	cs_http_head whole = cs_http_head_check(b, size), prev = CS_HEAD_INCOMPLETE;

	if (whole > CS_HEAD_TOO_BIG)
		abort();
	if (whole == CS_HEAD_INCOMPLETE && size >= CS_HTTP_HEAD_MAX)
		abort();
	if (size && (data[0] == 0x16) != (whole == CS_HEAD_TLS))
		abort();
	/* every prefix: once decided (not incomplete), the verdict holds */
	for (size_t n = 0; n <= size && n <= 512; n++) {
		cs_http_head h = cs_http_head_check(b, n);

		if (prev != CS_HEAD_INCOMPLETE && h != prev && prev != CS_HEAD_TOO_BIG)
			abort();
		prev = h;
	}
	return 0;
}
