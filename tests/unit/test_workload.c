/* test_workload.c - unit tests for attribution/workload.c: a scanner's
 * workloads reported gone leave its array and its parallel records, the
 * others keep their order and their records, and the index finds each by id
 * at its new place.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "attribution/workload.h"
#include "core/hash.h"

static bool has_id(const void *ctx, uint32_t i, const void *key)
{
	return ((const cs_workload *)ctx)[i].id == *(const uint64_t *)key;
}

static void test_drop_gone(void **state)
{
	cs_workload wl[6] = {0};
	uint32_t rec[6];
	cs_index ix = {0};
	const uint64_t left[] = {11, 13, 16};

	(void)state;
	for (size_t i = 0; i < 6; i++) {
		wl[i].id = 11 + i;
		rec[i] = 100 + (uint32_t)i;
	}
	wl[1].gone = wl[3].gone = wl[4].gone = true;
	assert_true(cs_index_reserve(&ix, 6) >= 0);
	cs_index_rebuild_u64(&ix, wl, 6, sizeof(*wl), offsetof(cs_workload, id));
	assert_int_equal(cs_wl_drop_gone(wl, rec, sizeof(*rec), 6, &ix), 3);
	for (size_t i = 0; i < 3; i++) {
		assert_int_equal(wl[i].id, left[i]);
		assert_false(wl[i].gone);
		assert_int_equal(rec[i], 100 + left[i] - 11); /* its record moved with it */
		assert_int_equal(cs_index_find(&ix, cs_mix64(left[i]), has_id, wl, &left[i]), i);
	}
	{
		uint64_t gone = 12;

		assert_int_equal(cs_index_find(&ix, cs_mix64(gone), has_id, wl, &gone), CS_INDEX_NONE);
	}
	/* nothing gone: nothing moves */
	assert_int_equal(cs_wl_drop_gone(wl, rec, sizeof(*rec), 3, &ix), 3);
	assert_int_equal(wl[2].id, 16);
	assert_int_equal(cs_wl_drop_gone(wl, rec, sizeof(*rec), 0, &ix), 0);
	cs_index_free(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_drop_gone),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
