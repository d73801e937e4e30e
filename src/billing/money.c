/* billing/money.c - exact decimal amounts (see money.h).
 *
 * Parsing collects up to 38 significant digits into an unsigned 128-bit
 * mantissa with a decimal exponent, then scales it to 18 fractional digits.
 * Digits past the 38th only matter if they fall above 1e-18, which would be
 * out of range anyway, so they are rounded like any digit below 1e-18.
 */
#include "billing/money.h"

#include <string.h>

#include <carbonstat/error.h>

typedef unsigned __int128 u128;

/* 10^38 < 2^128 (3.4e38): the largest power of ten a u128 holds. */
#define MAX_DIGITS     38
#define MONEY_MAX_ATTO ((u128)1 << 127) /* exclusive bound of |value| */

static u128 pow10_u128(int e)
{
	u128 v = 1;

	while (e-- > 0)
		v *= 10;
	return v;
}

static bool is_null_text(const char *s, size_t n)
{
	return n == 4 && (s[0] == 'N' || s[0] == 'n') && (s[1] == 'U' || s[1] == 'u') && (s[2] == 'L' || s[2] == 'l') &&
	       (s[3] == 'L' || s[3] == 'l');
}

int cs_money_parse(const char *s, size_t n, cs_money *out, bool *is_null, bool *rounded)
{
	const char *end = s + n;
	u128 mant = 0, v;
	int ndig = 0, exp10 = 0, neg = 0, seen = 0, dropped_nonzero = 0, first_dropped = -1;
	bool was_rounded = false;

	if (n == 0 || is_null_text(s, n)) {
		*out = 0;
		if (is_null)
			*is_null = true;
		if (rounded)
			*rounded = false;
		return 0;
	}
	if (*s == '-' || *s == '+')
		neg = *s++ == '-';
	{
		/* the common case, a bill's "0.0006832600": at most 19 digits,
		 * at most 18 of them after the point, no exponent. Exact in a
		 * u64 times a power of ten, without the u128 loop below. */
		static const uint64_t p10[19] = {1ull,
		                                 10ull,
		                                 100ull,
		                                 1000ull,
		                                 10000ull,
		                                 100000ull,
		                                 1000000ull,
		                                 10000000ull,
		                                 100000000ull,
		                                 1000000000ull,
		                                 10000000000ull,
		                                 100000000000ull,
		                                 1000000000000ull,
		                                 10000000000000ull,
		                                 100000000000000ull,
		                                 1000000000000000ull,
		                                 10000000000000000ull,
		                                 100000000000000000ull,
		                                 1000000000000000000ull};
		const char *q = s;
		uint64_t m = 0;
		int nd = 0, nf = -1;

		for (; q < end && nd <= 19; q++) {
			if (*q >= '0' && *q <= '9') {
				m = m * 10 + (uint64_t)(*q - '0');
				nd++;
				nf += nf >= 0;
			} else if (*q == '.' && nf < 0) {
				nf = 0;
			} else {
				break;
			}
		}
		if (q == end && nd && nd <= 19 && nf <= 18) {
			v = (u128)m * p10[CS_MONEY_SCALE_DIGITS - (nf < 0 ? 0 : nf)];
			*out = neg ? -(cs_money)v : (cs_money)v;
			if (is_null)
				*is_null = false;
			if (rounded)
				*rounded = false;
			return 0;
		}
	}
	/* integer part, then fraction */
	for (int frac = 0; s < end; s++) {
		if (*s == '.') {
			if (frac)
				return CS_EINVAL;
			frac = 1;
			continue;
		}
		if (*s < '0' || *s > '9')
			break;
		seen = 1;
		if (mant == 0 && *s == '0') {
			if (frac)
				exp10--; /* leading zeros of a fraction shift the scale only */
			continue;
		}
		if (ndig < MAX_DIGITS) {
			mant = mant * 10 + (u128)(*s - '0');
			ndig++;
			if (frac)
				exp10--;
		} else {
			/* a digit we cannot hold: remember the first for rounding */
			if (first_dropped < 0)
				first_dropped = *s - '0';
			else if (*s != '0')
				dropped_nonzero = 1;
			if (!frac)
				exp10++;
		}
	}
	if (!seen)
		return CS_EINVAL;
	if (s < end && (*s == 'e' || *s == 'E')) {
		int eneg = 0, e = 0, edig = 0;

		s++;
		if (s < end && (*s == '-' || *s == '+'))
			eneg = *s++ == '-';
		for (; s < end && *s >= '0' && *s <= '9'; s++, edig++)
			if (e < 10000)
				e = e * 10 + (*s - '0');
		if (!edig)
			return CS_EINVAL;
		exp10 += eneg ? -e : e;
	}
	if (s != end)
		return CS_EINVAL;

	/* value = mant * 10^exp10 (+ dropped digits); scale to 10^-18 units */
	int shift = exp10 + CS_MONEY_SCALE_DIGITS;
	if (mant == 0) {
		v = 0;
	} else if (shift >= 0) {
		if (shift > MAX_DIGITS || ndig + shift > MAX_DIGITS + 1)
			return CS_ERANGE;
		u128 p = pow10_u128(shift);
		if (mant > (((u128)-1) / p))
			return CS_ERANGE;
		v = mant * p;
		if (first_dropped >= 0) {
			/* more than 38 significant digits: only an input near the
			 * range limit has them; round at the 38th, flag it */
			was_rounded = first_dropped > 0 || dropped_nonzero;
			if (first_dropped > 5 || (first_dropped == 5 && (dropped_nonzero || (mant & 1))))
				v += p;
		}
	} else {
		/* fewer units than digits: divide and round half-even */
		int down = -shift;
		if (down > MAX_DIGITS) {
			v = 0;
			was_rounded = true;
		} else {
			u128 p = pow10_u128(down), q = mant / p, r = mant % p, half = p / 2;
			int sticky = dropped_nonzero || first_dropped > 0;

			if (r > half || (r == half && (sticky || (q & 1))))
				q += 1;
			was_rounded = r != 0 || sticky;
			v = q;
		}
	}
	if (v >= MONEY_MAX_ATTO)
		return CS_ERANGE;
	*out = neg ? -(cs_money)v : (cs_money)v;
	if (is_null)
		*is_null = false;
	if (rounded)
		*rounded = was_rounded;
	return 0;
}

size_t cs_money_format(cs_money v, char *buf, size_t cap)
{
	char tmp[48];
	int i = (int)sizeof tmp, neg = v < 0, frac_nonzero;
	u128 u = neg ? (u128)(-(v + 1)) + 1 : (u128)v;
	u128 ip = u / (u128)CS_MONEY_ONE, fp = u % (u128)CS_MONEY_ONE;
	size_t len;

	tmp[--i] = '\0';
	/* fraction: 18 digits, trailing zeros trimmed */
	frac_nonzero = fp != 0;
	if (frac_nonzero) {
		char f[CS_MONEY_SCALE_DIGITS];
		int k, last = -1;

		for (k = CS_MONEY_SCALE_DIGITS - 1; k >= 0; k--) {
			f[k] = (char)('0' + (int)(fp % 10));
			fp /= 10;
		}
		for (k = 0; k < CS_MONEY_SCALE_DIGITS; k++)
			if (f[k] != '0')
				last = k;
		for (k = last; k >= 0; k--)
			tmp[--i] = f[k];
		tmp[--i] = '.';
	}
	do {
		tmp[--i] = (char)('0' + (int)(ip % 10));
		ip /= 10;
	} while (ip);
	if (neg)
		tmp[--i] = '-';
	len = sizeof tmp - 1 - (size_t)i;
	if (cap) {
		size_t n = len < cap ? len : cap - 1;
		memcpy(buf, tmp + i, n);
		buf[n] = '\0';
	}
	return len;
}

double cs_money_to_double(cs_money v)
{
	/* split so the integer part keeps its precision */
	cs_money ip = v / CS_MONEY_ONE, fp = v % CS_MONEY_ONE;

	return (double)ip + (double)fp / 1e18;
}
