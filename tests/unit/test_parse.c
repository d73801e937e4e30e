/* test_parse.c - unit tests for core/parse (strict parsers) and core/error.
 *
 * Table-driven: every row is an input, the expected return code and, on
 * success, the exact expected output (doubles compared with ==: the parsers
 * promise correctly rounded, round-trippable results). Also checks that
 * outputs are left untouched on failure, the uint64/double boundaries, the
 * not-NUL-terminated counter buffers, and cs_strerror() for every code.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <float.h>
#include <limits.h>
#include <locale.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/parse.h"

#include "require.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Sentinel for "output must not be written". */
#define UNTOUCHED_D   (-12345.0)
#define UNTOUCHED_U64 UINT64_C(0xdeadbeefcafef00d)

#define H 3600.0

struct double_case {
	const char *in;
	int rc;
	double want; /* only if rc == 0 */
};

struct u64_case {
	const char *in;
	int rc;
	uint64_t want;
};

static void check_double_cases(int (*parse)(const char *, double *), const char *parser,
                               const struct double_case *cases, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		double out = UNTOUCHED_D;
		int rc = parse(cases[i].in, &out);

		if (rc != cases[i].rc)
			fail_msg("%s(\"%s\") returned %d, want %d", parser, cases[i].in, rc, cases[i].rc);
		if (rc == 0 && !(out == cases[i].want && signbit(out) == signbit(cases[i].want)))
			fail_msg("%s(\"%s\") = %.17g, want %.17g", parser, cases[i].in, out, cases[i].want);
		if (rc != 0 && out != UNTOUCHED_D)
			fail_msg("%s(\"%s\") wrote %.17g on failure", parser, cases[i].in, out);
	}
}

/* ---- cs_parse_double ---------------------------------------------------- */

static const struct double_case double_cases[] = {
    {"0", 0, 0.0},
    {"12", 0, 12.0},
    {"-3.5", 0, -3.5},
    {"1e3", 0, 1000.0},
    {"1E3", 0, 1000.0},
    {"1e+3", 0, 1000.0},
    {"1e-3", 0, 0.001},
    {"0.25", 0, 0.25},
    {"007", 0, 7.0},
    {"0.1", 0, 0.1},
    {"-0", 0, -0.0},
    {"0e999999999999999999999", 0, 0.0},
    {"1.7976931348623157e308", 0, DBL_MAX},
    {"2.2250738585072014e-308", 0, DBL_MIN},
    {"4.9406564584124654e-324", 0, 4.9406564584124654e-324}, /* subnormal */
    {"18446744073709551615", 0, 18446744073709551615.0},
    {"9007199254740993", 0, 9007199254740992.0}, /* tie: round to even */
    {"9007199254740993.0000000000000000000000001", 0, 9007199254740994.0},
    {"1.5e-1", 0, 0.15},
    /* malformed */
    {"", CS_EINVAL, 0},
    {" 1", CS_EINVAL, 0},
    {"1 ", CS_EINVAL, 0},
    {"\t1", CS_EINVAL, 0},
    {"1\n", CS_EINVAL, 0},
    {"+1", CS_EINVAL, 0},
    {"--1", CS_EINVAL, 0},
    {"-", CS_EINVAL, 0},
    {".5", CS_EINVAL, 0},
    {"5.", CS_EINVAL, 0},
    {"1.2.3", CS_EINVAL, 0},
    {"1e", CS_EINVAL, 0},
    {"1e+", CS_EINVAL, 0},
    {"1e3.5", CS_EINVAL, 0},
    {"0x10", CS_EINVAL, 0},
    {"0x1p3", CS_EINVAL, 0},
    {"inf", CS_EINVAL, 0},
    {"-inf", CS_EINVAL, 0},
    {"infinity", CS_EINVAL, 0},
    {"nan", CS_EINVAL, 0},
    {"NAN(1)", CS_EINVAL, 0},
    {"1,5", CS_EINVAL, 0},
    {"12abc", CS_EINVAL, 0},
    {"1_000", CS_EINVAL, 0},
    {"1e999x", CS_EINVAL, 0}, /* malformed wins over out of range */
    /* out of range */
    {"1e309", CS_ERANGE, 0},
    {"-1e309", CS_ERANGE, 0},
    {"1.8e308", CS_ERANGE, 0},
    {"1e400", CS_ERANGE, 0},
    {"1e-400", CS_ERANGE, 0},
    {"2e-324", CS_ERANGE, 0}, /* underflows to zero */
    {"1e99999999999999999999", CS_ERANGE, 0},
};

static void test_double_table(void **state)
{
	(void)state;
	check_double_cases(cs_parse_double, "cs_parse_double", double_cases, ARRAY_LEN(double_cases));
}

/* Inputs far longer than any significand we keep: the exponent bookkeeping
 * and the sticky digit must still give the correctly rounded result. */
static void test_double_long_inputs(void **state)
{
	static char buf[4096];
	double out;
	size_t n;

	(void)state;
	/* 2^53 + 1 followed by 1000 zeros and a 1: just above the tie. */
	n = (size_t)snprintf(buf, sizeof(buf), "9007199254740993.");
	memset(buf + n, '0', 1000);
	strcpy(buf + n + 1000, "1");
	assert_int_equal(cs_parse_double(buf, &out), 0);
	assert_true(out == 9007199254740994.0);

	/* same without the 1: exactly the tie, rounds to even */
	buf[n + 1000] = '\0';
	assert_int_equal(cs_parse_double(buf, &out), 0);
	assert_true(out == 9007199254740992.0);

	/* 1 followed by 400 zeros, scaled back down */
	buf[0] = '1';
	memset(buf + 1, '0', 400);
	strcpy(buf + 401, "e-400");
	assert_int_equal(cs_parse_double(buf, &out), 0);
	assert_true(out == 1.0);

	/* 0.000...0001 with 400 zeros: underflow */
	strcpy(buf, "0.");
	memset(buf + 2, '0', 400);
	strcpy(buf + 402, "1");
	assert_int_equal(cs_parse_double(buf, &out), CS_ERANGE);

	/* 400 digits: overflow */
	memset(buf, '9', 400);
	buf[400] = '\0';
	assert_int_equal(cs_parse_double(buf, &out), CS_ERANGE);
}

/* Whatever "%.17g" prints, cs_parse_double reads back bit for bit. */
static void test_double_round_trip(void **state)
{
	static const double values[] = {
	    0.1,
	    1.0 / 3.0,
	    2.0 / 3.0,
	    -2.5e-300,
	    1e22,
	    1e23,
	    123456789.123456789,
	    DBL_MAX,
	    -DBL_MAX,
	    DBL_MIN,
	    DBL_EPSILON,
	    4.9406564584124654e-324,
	    2.2250738585072009e-308, /* largest subnormal */
	    0.0,
	    -0.0,
	    730.0 * 3600.0,
	};
	char buf[64];
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(values); i++) {
		double out = UNTOUCHED_D;

		snprintf(buf, sizeof(buf), "%.17g", values[i]);
		assert_int_equal(cs_parse_double(buf, &out), 0);
		if (memcmp(&out, &values[i], sizeof(out)) != 0)
			fail_msg("\"%s\" read back as %.17g", buf, out);
	}
}

/* The decimal point is '.', whatever LC_NUMERIC says. Skipped when no
 * comma-decimal locale is installed. */
static void test_double_ignores_locale(void **state)
{
	static const char *const locales[] = {"de_DE.UTF-8", "de_DE.utf8", "fr_FR.UTF-8",
	                                      "fr_FR.utf8",  "de_DE",      "fr_FR"};
	const char *found = NULL;
	double out;
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(locales) && !found; i++) {
		if (setlocale(LC_NUMERIC, locales[i]))
			found = locales[i];
	}
	if (!found)
		tf_skip_or_fail("locale", "no comma-decimal locale (de_DE.UTF-8 or fr_FR.UTF-8) is installed");
	assert_int_equal(cs_parse_double("1.5", &out), 0);
	assert_true(out == 1.5);
	assert_int_equal(cs_parse_double("1,5", &out), CS_EINVAL);
	assert_int_equal(cs_parse_duration("1.5h", &out), 0);
	assert_true(out == 1.5 * H);
	setlocale(LC_NUMERIC, "C");
}

static void test_double_keeps_errno(void **state)
{
	double out;

	(void)state;
	errno = 0;
	assert_int_equal(cs_parse_double("1e-400", &out), CS_ERANGE);
	assert_int_equal(cs_parse_double("4.9406564584124654e-324", &out), 0);
	assert_int_equal(errno, 0);
	errno = EIO;
	assert_int_equal(cs_parse_double("1.5", &out), 0);
	assert_int_equal(errno, EIO);
}

/* ---- cs_parse_u64 -------------------------------------------------------- */

static const struct u64_case u64_cases[] = {
    {"0", 0, 0},
    {"42", 0, 42},
    {"0042", 0, 42},
    {"4294967296", 0, UINT64_C(4294967296)},
    {"18446744073709551615", 0, UINT64_MAX},
    {"000000000000000000000018446744073709551615", 0, UINT64_MAX},
    {"18446744073709551610", 0, UINT64_MAX - 5},
    /* malformed */
    {"", CS_EINVAL, 0},
    {"-0", CS_EINVAL, 0},
    {"-1", CS_EINVAL, 0},
    {"+1", CS_EINVAL, 0},
    {" 1", CS_EINVAL, 0},
    {"1 ", CS_EINVAL, 0},
    {"1\n", CS_EINVAL, 0},
    {"0x10", CS_EINVAL, 0},
    {"1e3", CS_EINVAL, 0},
    {"1.0", CS_EINVAL, 0},
    {"1_000", CS_EINVAL, 0},
    {"18446744073709551616x", CS_EINVAL, 0}, /* malformed wins */
    /* out of range */
    {"18446744073709551616", CS_ERANGE, 0}, /* UINT64_MAX + 1 */
    {"18446744073709551620", CS_ERANGE, 0},
    {"99999999999999999999", CS_ERANGE, 0},
    {"184467440737095516150", CS_ERANGE, 0},
};

static void test_u64_table(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(u64_cases); i++) {
		uint64_t out = UNTOUCHED_U64;
		int rc = cs_parse_u64(u64_cases[i].in, &out);

		if (rc != u64_cases[i].rc)
			fail_msg("cs_parse_u64(\"%s\") returned %d, want %d", u64_cases[i].in, rc, u64_cases[i].rc);
		if (rc == 0 && out != u64_cases[i].want)
			fail_msg("cs_parse_u64(\"%s\") = %llu", u64_cases[i].in, (unsigned long long)out);
		if (rc != 0 && out != UNTOUCHED_U64)
			fail_msg("cs_parse_u64(\"%s\") wrote its output on failure", u64_cases[i].in);
	}
}

/* ---- cs_parse_uint_range -------------------------------------------------- */

static void test_uint_range(void **state)
{
	static const struct {
		const char *in;
		unsigned min, max;
		int rc;
		unsigned want;
	} cases[] = {
	    {"1", 1, 100, 0, 1},
	    {"100", 1, 100, 0, 100},
	    {"50", 1, 100, 0, 50},
	    {"0", 1, 100, CS_ERANGE, 0},
	    {"101", 1, 100, CS_ERANGE, 0},
	    {"7", 7, 7, 0, 7},
	    {"8", 7, 7, CS_ERANGE, 0},
	    {"5", 10, 1, CS_ERANGE, 0}, /* empty range */
	    {"4294967295", 0, UINT_MAX, 0, UINT_MAX},
	    {"4294967296", 0, UINT_MAX, CS_ERANGE, 0}, /* UINT_MAX + 1 */
	    {"18446744073709551616", 0, UINT_MAX, CS_ERANGE, 0},
	    {"-1", 0, 100, CS_EINVAL, 0},
	    {"", 0, 100, CS_EINVAL, 0},
	    {" 5", 0, 100, CS_EINVAL, 0},
	    {"5%", 0, 100, CS_EINVAL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		unsigned out = 424242;
		int rc = cs_parse_uint_range(cases[i].in, cases[i].min, cases[i].max, &out);

		if (rc != cases[i].rc)
			fail_msg("cs_parse_uint_range(\"%s\", %u, %u) returned %d, want %d", cases[i].in, cases[i].min,
			         cases[i].max, rc, cases[i].rc);
		if (rc == 0 && out != cases[i].want)
			fail_msg("cs_parse_uint_range(\"%s\") = %u", cases[i].in, out);
		if (rc != 0 && out != 424242)
			fail_msg("cs_parse_uint_range(\"%s\") wrote its output on failure", cases[i].in);
	}
}

/* ---- cs_parse_percent ----------------------------------------------------- */

static const struct double_case percent_cases[] = {
    {"50", 0, 0.5},
    {"50%", 0, 0.5},
    {"12.5", 0, 0.125},
    {"12.5%", 0, 0.125},
    {"0", 0, 0.0},
    {"0%", 0, 0.0},
    {"-0", 0, 0.0}, /* normalised to +0 */
    {"100", 0, 1.0},
    {"100%", 0, 1.0},
    {"100.0", 0, 1.0},
    {"1e2", 0, 1.0},
    {"33.3", 0, 33.3 / 100.0},
    /* malformed */
    {"", CS_EINVAL, 0},
    {"%", CS_EINVAL, 0},
    {"50%%", CS_EINVAL, 0},
    {" 50", CS_EINVAL, 0},
    {"50 ", CS_EINVAL, 0},
    {"50 %", CS_EINVAL, 0},
    {"%50", CS_EINVAL, 0},
    {"+50", CS_EINVAL, 0},
    {"50%x", CS_EINVAL, 0},
    {"nan", CS_EINVAL, 0},
    {"inf%", CS_EINVAL, 0},
    {"0x32", CS_EINVAL, 0},
    {"0.5.", CS_EINVAL, 0},
    /* out of range */
    {"101", CS_ERANGE, 0},
    {"100.00000000001", CS_ERANGE, 0},
    {"-1", CS_ERANGE, 0},
    {"-0.001%", CS_ERANGE, 0},
    {"1e400%", CS_ERANGE, 0},
};

static void test_percent_table(void **state)
{
	(void)state;
	check_double_cases(cs_parse_percent, "cs_parse_percent", percent_cases, ARRAY_LEN(percent_cases));
}

/* ---- cs_parse_duration ---------------------------------------------------- */

static const struct double_case duration_cases[] = {
    {"730h", 0, 730.0 * H},
    {"30d", 0, 2592000.0},
    {"1h30m", 0, 5400.0},
    {"1.5h", 0, 5400.0},
    {"90s", 0, 90.0},
    {"2w", 0, 2.0 * 7.0 * 24.0 * H},
    {"1y", 0, 8760.0 * H},
    {"1mo", 0, 730.0 * H},
    {"500ms", 0, 0.5},
    {"1ms", 0, 0.001},
    {"730", 0, 730.0 * H}, /* bare number: hours */
    {"1", 0, H},
    {"0.5", 0, 0.5 * H},
    {"1y1mo1w1d1h1m1s1ms", 0, 8760.0 * H + 730.0 * H + 168.0 * H + 24.0 * H + H + 60.0 + 1.0 + 0.001},
    {"1d12h", 0, 36.0 * H},
    {"0h30m", 0, 1800.0},
    {"1m30s", 0, 90.0},
    {"100y", 0, 100.0 * 8760.0 * H},
    {"876000h", 0, 100.0 * 8760.0 * H},
    {"1200mo", 0, 1200.0 * 730.0 * H},
    {"007h", 0, 7.0 * H},
    /* malformed */
    {"", CS_EINVAL, 0},
    {"h", CS_EINVAL, 0},
    {"1hh", CS_EINVAL, 0},
    {"1h-30m", CS_EINVAL, 0},
    {"-1h", CS_EINVAL, 0},
    {"+1h", CS_EINVAL, 0},
    {"1.2.3h", CS_EINVAL, 0},
    {"1e400h", CS_EINVAL, 0},
    {"1e3", CS_EINVAL, 0}, /* no exponents in durations */
    {" 1h", CS_EINVAL, 0},
    {"1h ", CS_EINVAL, 0},
    {"1 h", CS_EINVAL, 0},
    {"1h 30m", CS_EINVAL, 0},
    {"1H", CS_EINVAL, 0},
    {"1x", CS_EINVAL, 0},
    {"1sec", CS_EINVAL, 0},
    {"1h30", CS_EINVAL, 0},  /* bare number only on its own */
    {"30m1h", CS_EINVAL, 0}, /* units largest first */
    {"1h1h", CS_EINVAL, 0},
    {"1ms1s", CS_EINVAL, 0},
    {".5h", CS_EINVAL, 0},
    {"1.h", CS_EINVAL, 0},
    {"1.5.h", CS_EINVAL, 0},
    {"inf", CS_EINVAL, 0},
    {"nanh", CS_EINVAL, 0},
    {"0x10h", CS_EINVAL, 0},
    {"1h\n", CS_EINVAL, 0},
    /* out of range */
    {"0h", CS_ERANGE, 0},
    {"0", CS_ERANGE, 0},
    {"0ms", CS_ERANGE, 0},
    {"0h0m0s", CS_ERANGE, 0},
    {"101y", CS_ERANGE, 0},
    {"100y1ms", CS_ERANGE, 0},
    {"876001h", CS_ERANGE, 0},
    {"99999999999999999999999999999999y", CS_ERANGE, 0},
    {"99999999999999999999999999999999y1x", CS_EINVAL, 0}, /* malformed wins */
};

static void test_duration_table(void **state)
{
	(void)state;
	check_double_cases(cs_parse_duration, "cs_parse_duration", duration_cases, ARRAY_LEN(duration_cases));
}

static void test_duration_huge_number(void **state)
{
	static char buf[1024];
	double out = UNTOUCHED_D;

	(void)state;
	/* 400 nines: past DBL_MAX before the unit is applied */
	memset(buf, '9', 400);
	strcpy(buf + 400, "h");
	assert_int_equal(cs_parse_duration(buf, &out), CS_ERANGE);
	/* 0.000...1 h: underflows to zero */
	strcpy(buf, "0.");
	memset(buf + 2, '0', 400);
	strcpy(buf + 402, "1h");
	assert_int_equal(cs_parse_duration(buf, &out), CS_ERANGE);
	assert_true(out == UNTOUCHED_D);
}

/* ---- cs_parse_u64_buf ----------------------------------------------------- */

static void test_u64_buf_table(void **state)
{
	static const struct {
		const char *buf; /* only len bytes of it are given to the parser */
		size_t len;
		int rc;
		uint64_t want;
	} cases[] = {
	    {"123456789\n", 10, 0, 123456789},
	    {"123456789", 9, 0, 123456789},
	    {"0\n", 2, 0, 0},
	    {"  \t42\n", 6, 0, 42},
	    {"42 \n", 4, 0, 42},
	    {"42  ", 4, 0, 42},
	    {"18446744073709551615\n", 21, 0, UINT64_MAX},
	    {"123456", 3, 0, 123}, /* length, not the NUL, ends the buffer */
	    {"7\nGARBAGE", 2, 0, 7},
	    /* malformed */
	    {"", 0, CS_EINVAL, 0},
	    {"\n", 1, CS_EINVAL, 0},
	    {"   ", 3, CS_EINVAL, 0},
	    {"-1\n", 3, CS_EINVAL, 0},
	    {"+1\n", 3, CS_EINVAL, 0},
	    {"12a\n", 4, CS_EINVAL, 0},
	    {"1\n2\n", 4, CS_EINVAL, 0}, /* two lines: the wrong file */
	    {"1\n\n", 3, CS_EINVAL, 0},
	    {"1\n ", 3, CS_EINVAL, 0},
	    {"1\t", 2, CS_EINVAL, 0},
	    {"1\r\n", 3, CS_EINVAL, 0},
	    {"\n1", 2, CS_EINVAL, 0},
	    {"1 2\n", 4, CS_EINVAL, 0},
	    {"0x10\n", 5, CS_EINVAL, 0},
	    {"1.5\n", 4, CS_EINVAL, 0},
	    {"5\0", 2, CS_EINVAL, 0}, /* a NUL is not a blank */
	    /* out of range */
	    {"18446744073709551616\n", 21, CS_ERANGE, 0},
	    {"99999999999999999999999\n", 24, CS_ERANGE, 0},
	    {"99999999999999999999999x\n", 25, CS_EINVAL, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(cases); i++) {
		uint64_t out = UNTOUCHED_U64;
		int rc = cs_parse_u64_buf(cases[i].buf, cases[i].len, &out);

		if (rc != cases[i].rc)
			fail_msg("case %zu: cs_parse_u64_buf returned %d, want %d", i, rc, cases[i].rc);
		if (rc == 0 && out != cases[i].want)
			fail_msg("case %zu: cs_parse_u64_buf = %llu", i, (unsigned long long)out);
		if (rc != 0 && out != UNTOUCHED_U64)
			fail_msg("case %zu: cs_parse_u64_buf wrote its output on failure", i);
	}
}

/* The buffer is exactly len bytes, as a pread() into a heap buffer would
 * leave it: no read past the end (valgrind and ASan check this run). */
static void test_u64_buf_exact_heap(void **state)
{
	static const char text[] = "  9876543210\n";
	size_t len = sizeof(text) - 1;
	char *buf = test_malloc(len);
	uint64_t out = 0;

	(void)state;
	memcpy(buf, text, len);
	assert_int_equal(cs_parse_u64_buf(buf, len, &out), 0);
	assert_true(out == UINT64_C(9876543210));
	/* every prefix: fine up to the digits, malformed before them */
	for (size_t n = 0; n <= len; n++) {
		int rc = cs_parse_u64_buf(buf + len - n, n, &out);

		assert_int_equal(rc, n == 0 || n == 1 ? CS_EINVAL : 0);
	}
	test_free(buf);
}

/* ---- argument checks -------------------------------------------------- */

static void test_null_arguments(void **state)
{
	double d;
	uint64_t u;
	unsigned x;

	(void)state;
	assert_int_equal(cs_parse_double(NULL, &d), CS_EINVAL);
	assert_int_equal(cs_parse_double("1", NULL), CS_EINVAL);
	assert_int_equal(cs_parse_u64(NULL, &u), CS_EINVAL);
	assert_int_equal(cs_parse_u64("1", NULL), CS_EINVAL);
	assert_int_equal(cs_parse_uint_range(NULL, 0, 1, &x), CS_EINVAL);
	assert_int_equal(cs_parse_uint_range("1", 0, 1, NULL), CS_EINVAL);
	assert_int_equal(cs_parse_percent(NULL, &d), CS_EINVAL);
	assert_int_equal(cs_parse_percent("1", NULL), CS_EINVAL);
	assert_int_equal(cs_parse_duration(NULL, &d), CS_EINVAL);
	assert_int_equal(cs_parse_duration("1h", NULL), CS_EINVAL);
	assert_int_equal(cs_parse_u64_buf(NULL, 0, &u), CS_EINVAL);
	assert_int_equal(cs_parse_u64_buf(NULL, 4, &u), CS_EINVAL);
	assert_int_equal(cs_parse_u64_buf("1", 1, NULL), CS_EINVAL);
}

/* ---- cs_strerror ------------------------------------------------------- */

static void test_strerror_codes(void **state)
{
	static const int codes[] = {CS_OK, CS_EINVAL, CS_ENOTFOUND, CS_ERANGE, CS_ENOMEM, CS_ENODATA, CS_EUNAVAIL};
	size_t i, j;

	(void)state;
	for (i = 0; i < ARRAY_LEN(codes); i++) {
		const char *msg = cs_strerror(codes[i]);

		assert_non_null(msg);
		assert_true(strlen(msg) > 0);
		assert_string_not_equal(msg, "unknown error");
		for (j = 0; j < i; j++)
			assert_string_not_equal(msg, cs_strerror(codes[j]));
	}
	assert_string_equal(cs_strerror(CS_OK), "success");
	assert_string_equal(cs_strerror(CS_EINVAL), "malformed input");
	assert_string_equal(cs_strerror(CS_ERANGE), "value out of range");
}

static void test_strerror_errno(void **state)
{
	static const int errnos[] = {EPERM,  ENOENT, EIO,    EACCES, ENOMEM,    EAGAIN,
	                             ENODEV, ESPIPE, EINVAL, ERANGE, ETIMEDOUT, ECONNREFUSED};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(errnos); i++) {
		const char *msg = cs_strerror(-errnos[i]);

		assert_non_null(msg);
		assert_true(strlen(msg) > 0);
		assert_string_not_equal(msg, "unknown error");
		/* the same constant string every time: no per-call buffer */
		assert_ptr_equal(msg, cs_strerror(-errnos[i]));
	}
	assert_string_equal(cs_strerror(-ENOENT), "No such file or directory");
	assert_string_not_equal(cs_strerror(-EIO), cs_strerror(-EACCES));
}

static void test_strerror_unknown(void **state)
{
	static const int unknown[] = {1,     5,     ENOENT, 10001,  INT_MAX, INT_MIN, -4096,
	                              -4095, -9999, -10000, -10007, -20000,  -99999};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(unknown); i++) {
		const char *msg = cs_strerror(unknown[i]);

		assert_non_null(msg);
		if (unknown[i] == -4095)
			continue; /* in errno range; whatever the C library says */
		assert_string_equal(msg, "unknown error");
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_double_table),       cmocka_unit_test(test_double_long_inputs),
	    cmocka_unit_test(test_double_round_trip),  cmocka_unit_test(test_double_ignores_locale),
	    cmocka_unit_test(test_double_keeps_errno), cmocka_unit_test(test_u64_table),
	    cmocka_unit_test(test_uint_range),         cmocka_unit_test(test_percent_table),
	    cmocka_unit_test(test_duration_table),     cmocka_unit_test(test_duration_huge_number),
	    cmocka_unit_test(test_u64_buf_table),      cmocka_unit_test(test_u64_buf_exact_heap),
	    cmocka_unit_test(test_null_arguments),     cmocka_unit_test(test_strerror_codes),
	    cmocka_unit_test(test_strerror_errno),     cmocka_unit_test(test_strerror_unknown),
	};

	return tf_exit(cmocka_run_group_tests(tests, NULL, NULL));
}
