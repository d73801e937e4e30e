/* core/parse.c - strict, locale-free parsers for user input and kernel counters.
 *
 * Why hand-written: these parsers sit between carbonstat and two kinds of
 * input it must never misread. Users type durations, percentages and prices
 * on the command line and in config files; a value that strtod() half-accepts
 * (" 50", "50abc", "0x1p3", "inf", "1e999" silently turned into HUGE_VAL)
 * would become a wrong carbon figure with no error. And the agent reads sysfs
 * and procfs counters thousands of times a second from raw, not NUL-terminated
 * buffers, where a stray second line or a short read must be an error, not a
 * truncated number. So every parser here checks the grammar itself, byte by
 * byte, and accepts the whole input or nothing.
 *
 * Numbers are converted without the locale: the grammar is validated here and
 * the digits are rewritten as "<integer significand>e<exponent>", which has
 * no decimal point, before strtod() does the (correctly rounded) conversion.
 * So "1.5" means 1.5 even after setlocale(LC_ALL, "de_DE"), and a value
 * printed with "%.17g" parses back to the same double (round-trip).
 *
 * Invariants: outputs are written only on success; nothing allocates; errno
 * is left as the caller had it; malformed input (CS_EINVAL) is reported in
 * preference to out-of-range input (CS_ERANGE) when a string is both.
 */
#include "core/parse.h"
#include "core/str.h"

#include "carbonstat/error.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Longest significand handed to strtod(). Exactly representing the midpoint
 * between two doubles takes at most 767 significant digits, so keeping more
 * than that plus a "sticky" non-zero digit for anything cut off rounds
 * exactly as the full digit string would. */
#define SIG_DIGITS_MAX 780

/* Explicit exponents beyond this are saturated while scanning. No input
 * that fits in memory has enough digits to bring a saturated exponent back
 * into a double's range, and the bookkeeping stays far from overflow. */
#define EXP10_SATURATE 1000000000000000LL

#define SECONDS_PER_HOUR 3600.0
/* 100 years of 8760 h, CCF's year: the largest duration we accept. */
#define DURATION_MAX_S (100.0 * 8760.0 * SECONDS_PER_HOUR)

/* What scan_decimal() accepts besides digits[.digits]. */
enum {
	SCAN_SIGN = 1,     /* a leading '-' */
	SCAN_EXPONENT = 2, /* an e/E exponent with an optional sign */
};

/* A syntactically valid decimal literal; pointers into the input, nothing
 * converted yet. */
struct decimal {
	const char *int_digits;  /* first integer digit */
	size_t int_len;          /* integer digits, >= 1 */
	const char *frac_digits; /* first fraction digit (valid if frac_len) */
	size_t frac_len;         /* fraction digits, 0 if there is no '.' */
	long long exp10;         /* explicit exponent, saturated */
	int negative;            /* a leading '-' was present */
};

static int is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* How many decimal digits p starts with. */
static size_t digit_run(const char *p)
{
	size_t n = 0;

	while (is_digit(p[n]))
		n++;
	return n;
}

/* Scans [-]digits[.digits][(e|E)[+|-]digits] at p (which flags allow the
 * optional parts). Returns the first byte after the literal, or NULL if p does
 * not start with a complete one: "", "-", ".5", "5.", "1e", "1e+" and "inf"
 * are all malformed. The caller decides what may follow. */
static const char *scan_decimal(const char *p, int flags, struct decimal *d)
{
	memset(d, 0, sizeof(*d));
	if ((flags & SCAN_SIGN) && *p == '-') {
		d->negative = 1;
		p++;
	}
	d->int_digits = p;
	d->int_len = digit_run(p);
	if (d->int_len == 0)
		return NULL;
	p += d->int_len;
	if (*p == '.') {
		d->frac_digits = ++p;
		d->frac_len = digit_run(p);
		if (d->frac_len == 0)
			return NULL;
		p += d->frac_len;
	}
	if ((flags & SCAN_EXPONENT) && (*p == 'e' || *p == 'E')) {
		int exp_negative = 0;
		long long e = 0;

		p++;
		if (*p == '+' || *p == '-') {
			exp_negative = *p == '-';
			p++;
		}
		if (!is_digit(*p))
			return NULL;
		for (; is_digit(*p); p++) {
			if (e < EXP10_SATURATE)
				e = e * 10 + (*p - '0');
		}
		d->exp10 = exp_negative ? -e : e;
	}
	return p;
}

/* The i-th significand digit of d, integer digits first. */
static char decimal_digit(const struct decimal *d, size_t i)
{
	return i < d->int_len ? d->int_digits[i] : d->frac_digits[i - d->int_len];
}

/* Converts a scanned literal to the nearest double. Returns CS_ERANGE if it
 * overflows, or underflows to zero from a non-zero significand; subnormal
 * results are accepted (they round-trip). */
static int decimal_to_double(const struct decimal *d, double *out)
{
	/* significand, 'e', sign, exponent digits, NUL */
	char buf[SIG_DIGITS_MAX + 1 + 32];
	size_t total = d->int_len + d->frac_len;
	size_t first = 0, last, sig, i, n = 0;
	/* value == integer(digits) * 10^exp10; adjusted as digits are dropped */
	long long exp10 = d->exp10 - (long long)d->frac_len;
	long long magnitude;
	int saved_errno;
	char *end;
	double v;

	while (first < total && decimal_digit(d, first) == '0')
		first++;
	if (first == total) {
		*out = d->negative ? -0.0 : 0.0;
		return 0;
	}
	last = total - 1;
	while (decimal_digit(d, last) == '0')
		last--;
	exp10 += (long long)(total - 1 - last);
	sig = last - first + 1;

	/* value < 10^magnitude and >= 10^(magnitude - 1): settle the hopeless
	 * cases before formatting, so the exponent below stays small.
	 * DBL_MAX ~ 1.8e308; the smallest subnormal ~ 4.9e-324. */
	magnitude = exp10 + (long long)sig;
	if (magnitude > 310 || magnitude < -330)
		return CS_ERANGE;

	if (sig > SIG_DIGITS_MAX) {
		/* trailing zeros are gone, so what is cut off is non-zero */
		exp10 += (long long)(sig - SIG_DIGITS_MAX);
		sig = SIG_DIGITS_MAX;
	}
	for (i = first; i < first + sig; i++)
		buf[n++] = decimal_digit(d, i);
	if (first + sig <= last) {
		buf[n++] = '1'; /* sticky digit: "a bit more than this" */
		exp10--;
	}
	snprintf(buf + n, sizeof(buf) - n, "e%lld", exp10);

	saved_errno = errno;
	v = strtod(buf, &end);
	errno = saved_errno;
	if (*end != '\0') /* cannot happen: buf is digits, 'e', exponent */
		return CS_EINVAL;
	if (isinf(v) || v == 0.0)
		return CS_ERANGE;
	*out = d->negative ? -v : v;
	return 0;
}

/* Accumulates the decimal digits in [p, end) into *value, stopping at the
 * first non-digit, which it returns. On overflow keeps scanning and sets
 * *overflow, so the caller can still tell malformed from too large. */
static const char *scan_u64_digits(const char *p, const char *end, uint64_t *value, int *overflow)
{
	uint64_t v = 0;

	*overflow = 0;
	for (; p < end && is_digit(*p); p++) {
		unsigned digit = (unsigned)(*p - '0');

		if (v > (UINT64_MAX - digit) / 10)
			*overflow = 1;
		else
			v = v * 10 + digit;
	}
	*value = v;
	return p;
}

/* s as a decimal (sign and exponent allowed), then the byte suffix if it is
 * there (0: nothing may follow). *out is set only on success. */
static int parse_decimal(const char *s, char suffix, double *out)
{
	struct decimal d;
	const char *end;

	if (!s)
		return CS_EINVAL;
	end = scan_decimal(s, SCAN_SIGN | SCAN_EXPONENT, &d);
	if (!end)
		return CS_EINVAL;
	if (suffix && *end == suffix)
		end++;
	if (*end != '\0')
		return CS_EINVAL;
	return decimal_to_double(&d, out);
}

int cs_parse_double(const char *s, double *out)
{
	return out ? parse_decimal(s, 0, out) : CS_EINVAL;
}

int cs_parse_u64(const char *s, uint64_t *out)
{
	const char *end, *p;
	uint64_t v;
	int overflow;

	if (!s || !out)
		return CS_EINVAL;
	end = s + strlen(s);
	p = scan_u64_digits(s, end, &v, &overflow);
	if (p == s || p != end)
		return CS_EINVAL;
	if (overflow)
		return CS_ERANGE;
	*out = v;
	return 0;
}

int cs_parse_uint_range(const char *s, unsigned min, unsigned max, unsigned *out)
{
	uint64_t v;
	int rc;

	if (!out)
		return CS_EINVAL;
	rc = cs_parse_u64(s, &v);
	if (rc)
		return rc;
	/* an empty range (min > max) rejects everything */
	if (v < min || v > max)
		return CS_ERANGE;
	*out = (unsigned)v;
	return 0;
}

int cs_parse_percent(const char *s, double *out_fraction)
{
	double v;
	int rc = out_fraction ? parse_decimal(s, '%', &v) : CS_EINVAL;

	if (rc)
		return rc;
	if (!(v >= 0.0 && v <= 100.0))
		return CS_ERANGE;
	*out_fraction = v / 100.0 + 0.0; /* + 0.0 turns "-0" into +0 */
	return 0;
}

/* Duration units, largest first. Components must appear in this order, each
 * at most once (as Prometheus durations): "1h30m", not "30m1h" or "1h1h". */
static const struct duration_unit {
	const char *name;
	double per_unit_s; /* seconds in one unit, divided by divisor */
	double divisor;    /* keeps "500ms" exact: 500 / 1000, not 500 * 0.001 */
} duration_units[] = {
    {"y", 8760.0 * SECONDS_PER_HOUR, 1.0}, /* CCF's year */
    {"mo", 730.0 * SECONDS_PER_HOUR, 1.0}, /* CCF's month */
    {"w", 7.0 * 24.0 * SECONDS_PER_HOUR, 1.0},
    {"d", 24.0 * SECONDS_PER_HOUR, 1.0},
    {"h", SECONDS_PER_HOUR, 1.0},
    {"m", 60.0, 1.0},
    {"s", 1.0, 1.0},
    {"ms", 1.0, 1000.0},
};

#define DURATION_UNIT_COUNT (sizeof(duration_units) / sizeof(duration_units[0]))

/* Index of the unit spelled by the len bytes at p, or -1. */
static int duration_unit_find(const char *p, size_t len)
{
	size_t i;

	for (i = 0; i < DURATION_UNIT_COUNT; i++) {
		if (strlen(duration_units[i].name) == len && memcmp(duration_units[i].name, p, len) == 0)
			return (int)i;
	}
	return -1;
}

int cs_parse_duration(const char *s, double *out_s)
{
	const char *p, *unit;
	struct decimal d;
	double total_s = 0.0, v;
	int prev_unit = -1, range_rc = 0, u;

	if (!s || !out_s)
		return CS_EINVAL;
	p = s;
	do {
		p = scan_decimal(p, 0, &d);
		if (!p)
			return CS_EINVAL;
		unit = p;
		while (*p >= 'a' && *p <= 'z')
			p++;
		if (p == unit) {
			/* a bare number is hours, but only on its own ("1h30" is
			 * ambiguous, so malformed) */
			if (prev_unit >= 0 || *p != '\0')
				return CS_EINVAL;
			u = duration_unit_find("h", 1);
		} else {
			u = duration_unit_find(unit, (size_t)(p - unit));
			if (u < 0 || u <= prev_unit)
				return CS_EINVAL;
		}
		prev_unit = u;
		/* finish checking the syntax before reporting a range error */
		if (range_rc)
			continue;
		range_rc = decimal_to_double(&d, &v);
		if (range_rc)
			continue;
		v = v * duration_units[u].per_unit_s / duration_units[u].divisor;
		if (v > DURATION_MAX_S)
			range_rc = CS_ERANGE; /* also keeps total_s finite */
		else
			total_s += v;
	} while (*p != '\0');

	if (range_rc)
		return range_rc;
	if (!(total_s > 0.0 && total_s <= DURATION_MAX_S))
		return CS_ERANGE;
	*out_s = total_s;
	return 0;
}

int cs_parse_u64_buf(const char *buf, size_t len, uint64_t *out)
{
	const char *p, *digits, *end;
	uint64_t v;
	int overflow;

	if (!buf || !out)
		return CS_EINVAL;
	p = buf;
	end = buf + len;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	digits = p;
	p = scan_u64_digits(p, end, &v, &overflow);
	if (p == digits)
		return CS_EINVAL;
	/* sysfs ends values with '\n'; allow blanks before it, nothing after:
	 * a second line means we read the wrong file */
	while (p < end && *p == ' ')
		p++;
	if (p < end && *p == '\n')
		p++;
	if (p != end)
		return CS_EINVAL;
	if (overflow)
		return CS_ERANGE;
	*out = v;
	return 0;
}

int cs_parse_hostport(const char *s, char *host, size_t hostcap, unsigned *port)
{
	const char *h, *he, *colon;
	size_t hl;
	unsigned p;
	int rc;

	if (!s || !host || !port || hostcap == 0)
		return CS_EINVAL;
	if (s[0] == '[') {
		h = s + 1;
		he = strchr(h, ']');
		if (!he || he == h || he[1] != ':')
			return CS_EINVAL;
		colon = he + 1;
		for (const char *q = h; q < he; q++)
			if (!isxdigit((unsigned char)*q) && *q != ':' && *q != '.')
				return CS_EINVAL;
	} else {
		h = s;
		colon = strrchr(s, ':');
		if (!colon)
			return CS_EINVAL;
		he = colon;
		for (const char *q = h; q < he; q++)
			if (!isalnum((unsigned char)*q) && *q != '.' && *q != '-' && *q != '_')
				return CS_EINVAL; /* also rejects a bare IPv6 without brackets */
	}
	hl = (size_t)(he - h);
	if (hl > 253)
		return CS_EINVAL;
	rc = cs_parse_uint_range(colon + 1, 1, 65535, &p);
	if (rc)
		return rc;
	if (!cs_memcpy_str(host, hostcap, h, hl))
		return CS_ERANGE;
	*port = p;
	return 0;
}
