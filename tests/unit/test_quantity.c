/* test_quantity.c - unit tests for k8s/quantity: Kubernetes resource
 * quantities, a table of what the API server accepts and refuses. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "carbonstat/error.h"
#include "k8s/quantity.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))
#define MI           (1024.0 * 1024.0)
#define GI           (1024.0 * MI)

static void test_quantity_table(void **state)
{
	static const struct {
		const char *s;
		int rc;
		double v;
	} t[] = {
	    {"500m", 0, 0.5},
	    {"2", 0, 2},
	    {"0.5", 0, 0.5},
	    {"1500u", 0, 0.0015},
	    {"250000n", 0, 0.00025},
	    {"100m", 0, 0.1},
	    {"1.", 0, 1},
	    {".5", 0, 0.5},
	    {"+1", 0, 1},
	    {"0", 0, 0},
	    {"0m", 0, 0},
	    {"128Mi", 0, 128 * MI},
	    {"1Gi", 0, GI},
	    {"1.5Gi", 0, 1.5 * GI},
	    {"1G", 0, 1e9},
	    {"1e9", 0, 1e9},
	    {"1E9", 0, 1e9},
	    {"1e+3", 0, 1e3},
	    {"5e-1", 0, 0.5},
	    {"512k", 0, 512e3},
	    {"512Ki", 0, 512 * 1024.0},
	    {"2Ti", 0, 2 * 1024 * GI},
	    {"1Pi", 0, 1125899906842624.0},
	    {"1Ei", 0, 1152921504606846976.0},
	    {"3E", 0, 3e18},
	    {"7P", 0, 7e15},
	    {"4T", 0, 4e12},
	    {"64M", 0, 64e6},
	    {"1288490188800m", 0, 1288490188.8},
	    {"128974848", 0, 128974848},
	    {"000001", 0, 1},
	    {"0.000000000000000000000000000001", 0, 1e-30},
	    {"12345678901234567890123", 0, 1.2345678901234568e22},
	    /* refused */
	    {"", CS_EINVAL, 0},
	    {"-1", CS_EINVAL, 0},
	    {"-0", CS_EINVAL, 0},
	    {"-500m", CS_EINVAL, 0},
	    {"m", CS_EINVAL, 0},
	    {".", CS_EINVAL, 0},
	    {"1..2", CS_EINVAL, 0},
	    {"1.2.3", CS_EINVAL, 0},
	    {"1 ", CS_EINVAL, 0},
	    {" 1", CS_EINVAL, 0},
	    {"1K", CS_EINVAL, 0},
	    {"1Ki ", CS_EINVAL, 0},
	    {"1KiB", CS_EINVAL, 0},
	    {"1mi", CS_EINVAL, 0},
	    {"1i", CS_EINVAL, 0},
	    {"1Mm", CS_EINVAL, 0},
	    {"1e", CS_EINVAL, 0},
	    {"1e+", CS_EINVAL, 0},
	    {"1e1.5", CS_EINVAL, 0},
	    {"1ee3", CS_EINVAL, 0},
	    {"0x10", CS_EINVAL, 0},
	    {"nan", CS_EINVAL, 0},
	    {"inf", CS_EINVAL, 0},
	    {"NaN", CS_EINVAL, 0},
	    {"1,5", CS_EINVAL, 0},
	    {"++1", CS_EINVAL, 0},
	    {"1e31", CS_ERANGE, 0},
	    {"1e999999999999999", CS_ERANGE, 0},
	    {"999999999999999999999999999999999999999", CS_ERANGE, 0},
	    {"1000000000000Ei", CS_ERANGE, 0},
	    {"1e-999999999", 0, 0},
	};
	size_t i;

	(void)state;
	for (i = 0; i < ARRAY_LEN(t); i++) {
		double v = -42;
		int rc = cs_qty_parse(t[i].s, strlen(t[i].s), &v);

		if (rc != t[i].rc)
			fail_msg("'%s': rc %d, want %d", t[i].s, rc, t[i].rc);
		if (rc == 0 && v != t[i].v && fabs(v - t[i].v) > fabs(t[i].v) * 1e-15)
			fail_msg("'%s': %.17g, want %.17g", t[i].s, v, t[i].v);
		if (rc != 0 && v != -42)
			fail_msg("'%s': output written on error", t[i].s);
	}
	/* NUL-terminated wrappers; len bounds the read */
	{
		double v;

		assert_int_equal(cs_qty_cpu_cores("250m", &v), 0);
		assert_true(v == 0.25);
		assert_int_equal(cs_qty_mem_bytes("64Mi", &v), 0);
		assert_true(v == 64 * MI);
		assert_int_equal(cs_qty_parse("12Gi-garbage", 4, &v), 0);
		assert_true(v == 12 * GI);
		assert_int_equal(cs_qty_cpu_cores(NULL, &v), CS_EINVAL);
		assert_int_equal(cs_qty_parse("1", 1, NULL), CS_EINVAL);
	}
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_quantity_table),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
