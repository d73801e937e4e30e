/* fuzz_counter.c - libFuzzer target for cs_parse_u64_buf().
 *
 * The raw fuzzer bytes are parsed in place, with no copy and no terminator,
 * exactly as a sysfs read buffer would be: libFuzzer's buffer is exactly
 * size bytes, so ASan reports any read past the end. Invariants, checked with
 * abort() so they hold in release builds too:
 *   - the result is 0, CS_EINVAL or CS_ERANGE; the output untouched on failure;
 *   - it agrees with a reference built differently: strip one trailing '\n',
 *     trailing spaces and leading blanks, then cs_parse_u64() on the rest;
 *   - on success the value printed in decimal is the input's digit run with
 *     its leading zeros removed.
 */
#include <inttypes.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UNTOUCHED UINT64_C(0xa5a5a5a5a5a5a5a5)

/* The reference: trims the n bytes at p from both sides, then parses the rest
 * as a whole NUL-terminated string. Points digits and ndigits at what is left. */
static int reference_parse(const char *p, size_t n, uint64_t *out, const char **digits, size_t *ndigits)
{
	char *copy;
	int rc;

	if (n > 0 && p[n - 1] == '\n')
		n--;
	while (n > 0 && p[n - 1] == ' ')
		n--;
	while (n > 0 && (*p == ' ' || *p == '\t')) {
		p++;
		n--;
	}
	*digits = p;
	*ndigits = n;
	if (n == 0)
		return CS_EINVAL;
	/* an embedded NUL would end the copy early: never a valid counter */
	if (memchr(p, '\0', n))
		return CS_EINVAL;
	copy = malloc(n + 1);
	if (!copy)
		abort();
	memcpy(copy, p, n);
	copy[n] = '\0';
	rc = cs_parse_u64(copy, out);
	free(copy);
	return rc;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	const char *digits;
	uint64_t v = UNTOUCHED, ref = UNTOUCHED;
	size_t ndigits;
	char text[32];
	int rc, ref_rc;

	rc = cs_parse_u64_buf(buf, size, &v);
	if (rc != 0 && rc != CS_EINVAL && rc != CS_ERANGE)
		abort();
	if (rc != 0 && v != UNTOUCHED)
		abort();

	ref_rc = reference_parse(buf, size, &ref, &digits, &ndigits);
	if (rc != ref_rc || (rc == 0 && v != ref))
		abort();

	if (rc == 0) {
		while (ndigits > 1 && *digits == '0') {
			digits++;
			ndigits--;
		}
		snprintf(text, sizeof(text), "%" PRIu64, v);
		if (strlen(text) != ndigits || memcmp(text, digits, ndigits) != 0)
			abort();
	}
	return 0;
}
