/* fuzz_number.c - libFuzzer target for the number parsers of core/parse.
 *
 * Feeds one NUL-terminated copy of the input (exact-size heap buffer, so ASan
 * sees a read past the terminator) to cs_parse_double(), cs_parse_u64(),
 * cs_parse_percent() and cs_parse_uint_range(). Invariants, checked with
 * abort() so they hold in release builds too:
 *   - results are 0, CS_EINVAL or CS_ERANGE; outputs untouched on failure;
 *   - round trip: a parsed value printed with "%.17g" (PRIu64 for integers)
 *     parses back to the identical value;
 *   - the parsers agree: an integer is also a double of the same value, a
 *     percentage is the same number as a double, divided by 100, in 0..1,
 *     and a ranged integer is the plain integer inside the range.
 */
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define UNTOUCHED_D   (-7.0)
#define UNTOUCHED_U64 UINT64_C(0x5a5a5a5a5a5a5a5a)
#define UNTOUCHED_U   0x5a5a5a5au

static void check_rc(int rc)
{
	if (rc != 0 && rc != CS_EINVAL && rc != CS_ERANGE)
		abort();
}

/* Same value, including the sign of zero. */
static int same_double(double a, double b)
{
	return memcmp(&a, &b, sizeof(a)) == 0;
}

static void check_double(const char *s, double *value, int *rc_out)
{
	char buf[64];
	double v = UNTOUCHED_D, back = UNTOUCHED_D;
	int rc = cs_parse_double(s, &v);

	check_rc(rc);
	if (rc != 0) {
		if (v != UNTOUCHED_D)
			abort();
	} else {
		if (!isfinite(v))
			abort();
		snprintf(buf, sizeof(buf), "%.17g", v);
		if (cs_parse_double(buf, &back) != 0 || !same_double(back, v))
			abort();
	}
	*value = v;
	*rc_out = rc;
}

static void check_u64(const char *s, double dbl, int dbl_rc, uint64_t *value, int *rc_out)
{
	char buf[32];
	uint64_t v = UNTOUCHED_U64, back = 0;
	int rc = cs_parse_u64(s, &v);

	check_rc(rc);
	if (rc != 0) {
		if (v != UNTOUCHED_U64)
			abort();
	} else {
		snprintf(buf, sizeof(buf), "%" PRIu64, v);
		if (cs_parse_u64(buf, &back) != 0 || back != v)
			abort();
		/* digits only, at most 20 significant: always a finite double */
		if (dbl_rc != 0 || dbl != (double)v)
			abort();
	}
	if (rc == CS_ERANGE && dbl_rc == CS_EINVAL)
		abort(); /* too big for uint64_t, but well-formed as a double */
	*value = v;
	*rc_out = rc;
}

static void check_percent(const char *s, size_t len)
{
	char buf[64];
	char *number;
	double frac = UNTOUCHED_D, back = UNTOUCHED_D, pct;
	int rc = cs_parse_percent(s, &frac), rc_num;

	check_rc(rc);
	if (rc != 0) {
		if (frac != UNTOUCHED_D)
			abort();
		return;
	}
	if (!(frac >= 0.0 && frac <= 1.0) || signbit(frac))
		abort();

	/* the same text without its '%' is a double in [0, 100] */
	number = malloc(len + 1);
	if (!number)
		return;
	memcpy(number, s, len + 1);
	if (len > 0 && number[len - 1] == '%')
		number[len - 1] = '\0';
	rc_num = cs_parse_double(number, &pct);
	free(number);
	if (rc_num != 0 || !(pct >= 0.0 && pct <= 100.0) || !same_double(frac, pct / 100.0 + 0.0))
		abort();

	/* round trip through the "%" form */
	snprintf(buf, sizeof(buf), "%.17g%%", pct);
	if (cs_parse_percent(buf, &back) != 0 || !same_double(back, frac))
		abort();
}

static void check_range(const char *s, uint64_t u64, int u64_rc, unsigned min, unsigned max)
{
	char buf[32];
	unsigned v = UNTOUCHED_U, back = 0;
	int rc = cs_parse_uint_range(s, min, max, &v);
	int inside = u64_rc == 0 && u64 >= min && u64 <= max;

	check_rc(rc);
	if (u64_rc == CS_EINVAL) {
		if (rc != CS_EINVAL)
			abort();
	} else if (inside) {
		if (rc != 0 || v != u64)
			abort();
	} else if (rc != CS_ERANGE) {
		abort();
	}
	if (rc != 0) {
		if (v != UNTOUCHED_U)
			abort();
		return;
	}
	snprintf(buf, sizeof(buf), "%u", v);
	if (cs_parse_uint_range(buf, min, max, &back) != 0 || back != v)
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = malloc(size + 1);
	double dbl;
	uint64_t u64;
	int dbl_rc, u64_rc;

	if (!s)
		return 0;
	if (size)
		memcpy(s, data, size);
	s[size] = '\0';

	check_double(s, &dbl, &dbl_rc);
	check_u64(s, dbl, dbl_rc, &u64, &u64_rc);
	check_percent(s, strlen(s));
	check_range(s, u64, u64_rc, 0, UINT_MAX);
	check_range(s, u64, u64_rc, 1, 100);
	check_range(s, u64, u64_rc, 42, 42);
	check_range(s, u64, u64_rc, 10, 1); /* empty range */

	free(s);
	return 0;
}
