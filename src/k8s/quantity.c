/* k8s/quantity.c - strict parser for Kubernetes resource quantities.
 *
 * One pass over the bytes: the mantissa's significant digits go into a
 * uint64_t (at most 19, the rest only move the decimal exponent), then the
 * suffix adds a decimal exponent (n u m k M G T P E, or an explicit e<N>) or a
 * binary one (Ki .. Ei). The value is m x 10^e x 2^b. When m < 2^53 and
 * |e| <= 22 the power of ten is exact, so one multiply or divide rounds
 * correctly (the fast path of every strtod); otherwise pow() is close enough
 * for a quantity no scheduler would ever see.
 */
#include "k8s/quantity.h"

#include <math.h>
#include <stdbool.h>
#include <stdint.h>
#include <string.h>

#include <carbonstat/error.h>

/* Exact powers of ten representable in a double. */
static const double qty_pow10[] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                   1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* Exponents beyond this are saturated: the value is 0 or out of range anyway. */
#define QTY_EXP_SAT 100000

static bool qty_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Decimal SI suffix letter -> exponent; false if c is not one. */
static bool qty_decimal_si(char c, int *exp10)
{
	switch (c) {
	case 'n': *exp10 = -9; return true;
	case 'u': *exp10 = -6; return true;
	case 'm': *exp10 = -3; return true;
	case 'k': *exp10 = 3; return true;
	case 'M': *exp10 = 6; return true;
	case 'G': *exp10 = 9; return true;
	case 'T': *exp10 = 12; return true;
	case 'P': *exp10 = 15; return true;
	case 'E': *exp10 = 18; return true;
	default: return false;
	}
}

/* Binary SI prefix letter (before 'i') -> power of 1024; false if not one. */
static bool qty_binary_si(char c, int *pow1024)
{
	static const char letters[] = "KMGTPE";
	const char *p = c ? strchr(letters, c) : NULL;

	if (!p)
		return false;
	*pow1024 = (int)(p - letters) + 1;
	return true;
}

/* Parses "[+-]digits" at s[*i..len) as a saturated exponent. */
static int qty_exponent(const char *s, size_t len, size_t *i, int *out)
{
	bool neg = false;
	long e = 0;
	size_t start;

	if (*i < len && (s[*i] == '+' || s[*i] == '-'))
		neg = s[(*i)++] == '-';
	start = *i;
	while (*i < len && qty_digit(s[*i])) {
		if (e < QTY_EXP_SAT)
			e = e * 10 + (s[*i] - '0');
		(*i)++;
	}
	if (*i == start)
		return CS_EINVAL;
	if (e > QTY_EXP_SAT)
		e = QTY_EXP_SAT;
	*out = neg ? -(int)e : (int)e;
	return 0;
}

int cs_qty_parse(const char *s, size_t len, double *out)
{
	uint64_t m = 0;
	int sig = 0, exp10 = 0, pow1024 = 0, e;
	size_t i = 0, ndigits = 0;
	bool dot = false;
	double v;

	if (!s || !out)
		return CS_EINVAL;
	if (i < len && s[i] == '+')
		i++;
	/* mantissa */
	for (; i < len; i++) {
		char c = s[i];

		if (c == '.') {
			if (dot)
				return CS_EINVAL;
			dot = true;
			continue;
		}
		if (!qty_digit(c))
			break;
		ndigits++;
		if (m == 0 && c == '0') {
			if (dot)
				exp10--; /* leading zero of a fraction */
			continue;
		}
		if (sig < 19) {
			m = m * 10 + (uint64_t)(c - '0');
			sig++;
			if (dot)
				exp10--;
		} else if (!dot) {
			exp10++; /* integer digit past what we keep */
		}
	}
	if (ndigits == 0)
		return CS_EINVAL;
	/* suffix */
	if (i < len) {
		char c = s[i];

		if ((c == 'e' || c == 'E') && i + 1 < len &&
		    (qty_digit(s[i + 1]) || s[i + 1] == '+' || s[i + 1] == '-')) {
			i++;
			if (qty_exponent(s, len, &i, &e))
				return CS_EINVAL;
			exp10 += e;
		} else if (i + 1 < len && s[i + 1] == 'i' && qty_binary_si(c, &pow1024)) {
			i += 2;
		} else if (qty_decimal_si(c, &e)) {
			exp10 += e;
			i++;
		} else {
			return CS_EINVAL;
		}
	}
	if (i != len)
		return CS_EINVAL;
	if (m == 0) {
		*out = 0.0;
		return 0;
	}
	if (exp10 > QTY_EXP_SAT)
		exp10 = QTY_EXP_SAT;
	if (exp10 < -QTY_EXP_SAT)
		exp10 = -QTY_EXP_SAT;
	v = (double)m;
	if (m < (UINT64_C(1) << 53) && exp10 >= -22 && exp10 <= 22) {
		v = exp10 >= 0 ? v * qty_pow10[exp10] : v / qty_pow10[-exp10];
	} else if (exp10 > 400) {
		return CS_ERANGE;
	} else if (exp10 >= 0) {
		v *= pow(10.0, exp10);
	} else if (exp10 >= -300) {
		v /= pow(10.0, -exp10);
	} else {
		v = 0.0; /* below anything meaningful; not an error */
	}
	if (pow1024)
		v = ldexp(v, 10 * pow1024);
	if (isnan(v))
		return CS_EINVAL;
	if (!isfinite(v) || v > CS_QTY_MAX)
		return CS_ERANGE;
	*out = v;
	return 0;
}

int cs_qty_cpu_cores(const char *s, double *out_cores)
{
	if (!s)
		return CS_EINVAL;
	return cs_qty_parse(s, strlen(s), out_cores);
}

int cs_qty_mem_bytes(const char *s, double *out_bytes)
{
	if (!s)
		return CS_EINVAL;
	return cs_qty_parse(s, strlen(s), out_bytes);
}
