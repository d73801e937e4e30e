/* fuzz_duration.c - libFuzzer target for cs_parse_duration().
 *
 * The input is copied into an exact-size, NUL-terminated heap buffer (the
 * parser's contract) so ASan sees any read past the terminator. Invariants,
 * checked with abort() so they hold in release builds too:
 *   - the result is 0, CS_EINVAL or CS_ERANGE, and the same on a second call;
 *   - on success the duration is finite, > 0 and <= 100 years;
 *   - on failure the output is untouched;
 *   - a bare number means hours: it agrees with cs_parse_double() * 3600.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define HUNDRED_YEARS_S (100.0 * 8760.0 * 3600.0)
#define UNTOUCHED       (-1.0)

/* True if s is only digits and '.', i.e. it can only be a bare number. */
static int is_bare_number(const char *s)
{
	return *s != '\0' && strspn(s, "0123456789.") == strlen(s);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double out = UNTOUCHED, again = UNTOUCHED, hours;
	int rc, rc2, rc_hours;

	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';

	rc = cs_parse_duration(s, &out);
	if (rc != 0 && rc != CS_EINVAL && rc != CS_ERANGE)
		abort();
	if (rc == 0) {
		if (!isfinite(out) || !(out > 0.0) || out > HUNDRED_YEARS_S)
			abort();
	} else if (out != UNTOUCHED) {
		abort();
	}

	rc2 = cs_parse_duration(s, &again);
	if (rc2 != rc || (rc == 0 && again != out))
		abort();

	if (is_bare_number(s)) {
		rc_hours = cs_parse_double(s, &hours);
		if (rc_hours != 0 && rc != rc_hours)
			abort();
		if (rc_hours == 0) {
			int in_range = hours * 3600.0 > 0.0 && hours * 3600.0 <= HUNDRED_YEARS_S;

			if (in_range ? rc != 0 || out != hours * 3600.0 : rc != CS_ERANGE)
				abort();
		}
	}

	free(s);
	return 0;
}
