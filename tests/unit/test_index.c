/* test_index.c - unit tests for core/index (the open-addressing index of
 * item numbers) and cs_mix64: reserve and its "grown, add again" contract,
 * find-or-insert in one probe, long collision chains (every key on one
 * hash), keys added twice on purpose, clear/free, a lent slot array, and
 * the rebuild over records with an integer key.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/hash.h"
#include "core/index.h"

#define NKEYS 1000

typedef struct rec {
	char name[16];
	bool alive;
} rec;

static rec recs[NKEYS];

static bool rec_is(const void *ctx, uint32_t i, const void *key)
{
	const rec *r = &((const rec *)ctx)[i];

	return r->alive && strcmp(r->name, key) == 0;
}

static uint64_t h_of(const char *s)
{
	return cs_fnv1a_str(CS_FNV_OFFSET, s);
}

static uint64_t h_const(const char *s)
{
	(void)s;
	return 42; /* every key collides */
}

static void run(uint64_t (*hash)(const char *))
{
	cs_index ix = {NULL, 0};
	size_t n = 0;

	assert_int_equal(cs_index_find(&ix, 1, rec_is, recs, "x"), CS_INDEX_NONE); /* no slots yet */
	for (size_t i = 0; i < NKEYS; i++) {
		char key[16];
		uint32_t found;
		size_t pos;
		int rc;

		snprintf(key, sizeof(key), "k%zu", i % (NKEYS / 2)); /* every key twice */
		rc = cs_index_reserve(&ix, n + 1);
		assert_true(rc == 0 || rc == 1);
		if (rc == 1) {
			/* grown: empty, the caller adds its items again */
			for (uint32_t j = 0; j < n; j++)
				assert_int_equal(cs_index_find(&ix, hash(recs[j].name), rec_is, recs, recs[j].name),
				                 CS_INDEX_NONE);
			for (uint32_t j = 0; j < n; j++)
				cs_index_add(&ix, hash(recs[j].name), j);
		}
		assert_true(ix.n >= 2 * (n + 1) && ix.n >= CS_INDEX_MIN_SLOTS && (ix.n & (ix.n - 1)) == 0);
		pos = cs_index_probe(&ix, hash(key), rec_is, recs, key, &found);
		if (i < NKEYS / 2) {
			assert_int_equal(found, CS_INDEX_NONE);
			snprintf(recs[n].name, sizeof(recs[n].name), "%s", key);
			recs[n].alive = true;
			cs_index_set(&ix, pos, (uint32_t)n++);
		} else {
			assert_int_equal(found, i % (NKEYS / 2));
			assert_string_equal(recs[found].name, key);
		}
	}
	/* the same key twice on purpose: the equality callback picks the live one */
	recs[7].alive = false;
	snprintf(recs[n].name, sizeof(recs[n].name), "%s", recs[7].name);
	recs[n].alive = true;
	assert_true(cs_index_reserve(&ix, n + 1) >= 0);
	cs_index_add(&ix, hash(recs[n].name), (uint32_t)n);
	assert_int_equal(cs_index_find(&ix, hash(recs[7].name), rec_is, recs, recs[7].name), n);
	recs[7].alive = true;
	n++;
	assert_int_equal(cs_index_find(&ix, hash("nope"), rec_is, recs, "nope"), CS_INDEX_NONE);
	cs_index_clear(&ix);
	assert_int_equal(cs_index_find(&ix, hash(recs[0].name), rec_is, recs, recs[0].name), CS_INDEX_NONE);
	assert_int_equal(cs_index_reserve(&ix, 3), 0); /* big enough: kept */
	cs_index_free(&ix);
	assert_null(ix.slot);
	assert_int_equal(ix.n, 0);
	cs_index_free(&ix);
	cs_index_free(NULL);
}

static void test_index_fnv(void **state)
{
	(void)state;
	memset(recs, 0, sizeof(recs));
	run(h_of);
}

static void test_index_collisions(void **state)
{
	(void)state;
	memset(recs, 0, sizeof(recs));
	run(h_const);
}

static void test_index_sizes(void **state)
{
	uint32_t lent[32] = {0};
	cs_index ix = {lent, 32};
	uint32_t found;

	(void)state;
	assert_int_equal(cs_index_slots_for(0), CS_INDEX_MIN_SLOTS);
	assert_int_equal(cs_index_slots_for(8), 16);
	assert_int_equal(cs_index_slots_for(9), 32);
	assert_int_equal(cs_index_slots_for(1000), 2048);
	assert_int_equal(cs_index_reserve(&(cs_index){NULL, 0}, (size_t)CS_INDEX_MAX_ITEMS + 1), CS_ERANGE);
	/* a caller's own slots (cs_attr_rollup's): used, never freed here */
	snprintf(recs[0].name, sizeof(recs[0].name), "a");
	recs[0].alive = true;
	cs_index_set(&ix, cs_index_probe(&ix, h_of("a"), rec_is, recs, "a", &found), 0);
	assert_int_equal(found, CS_INDEX_NONE);
	assert_int_equal(cs_index_find(&ix, h_of("a"), rec_is, recs, "a"), 0);
	assert_int_equal(cs_index_reserve(&ix, 16), 0);
	assert_ptr_equal(ix.slot, lent);
}

static void test_mix64(void **state)
{
	(void)state;
	/* splitmix64's finaliser, as rows.c and cgroup_scan.c had it */
	assert_true(cs_mix64(0) == 0);
	assert_true(cs_mix64(1) == UINT64_C(0x5692161d100b05e5));
	assert_true(cs_mix64(2) != cs_mix64(3));
}

typedef struct keyed {
	uint32_t pad;
	uint64_t id;
} keyed;

static bool keyed_is(const void *ctx, uint32_t i, const void *key)
{
	return ((const keyed *)ctx)[i].id == *(const uint64_t *)key;
}

/* After a rebuild every record is found at its (new) position, and a key
 * dropped by the compaction is not. */
static void test_rebuild_u64(void **state)
{
	keyed v[64];
	cs_index ix = {0};
	uint64_t gone = 1000, k;

	(void)state;
	for (uint32_t i = 0; i < 64; i++)
		v[i] = (keyed){i, 1000 + 7 * (uint64_t)i};
	assert_true(cs_index_reserve(&ix, 64) >= 0);
	cs_index_rebuild_u64(&ix, v, 64, sizeof(*v), offsetof(keyed, id));
	for (uint32_t i = 0; i < 64; i++) {
		k = v[i].id;
		assert_int_equal(cs_index_find(&ix, cs_mix64(k), keyed_is, v, &k), i);
	}
	memmove(v, v + 1, 63 * sizeof(*v)); /* drop item 0 */
	cs_index_rebuild_u64(&ix, v, 63, sizeof(*v), offsetof(keyed, id));
	for (uint32_t i = 0; i < 63; i++) {
		k = v[i].id;
		assert_int_equal(cs_index_find(&ix, cs_mix64(k), keyed_is, v, &k), i);
	}
	assert_int_equal(cs_index_find(&ix, cs_mix64(gone), keyed_is, v, &gone), CS_INDEX_NONE);
	cs_index_free(&ix);
}

/* Records that keep their own hash (here the id itself): growing the index
 * one record at a time, each reserve that reallocates puts the earlier ones
 * back, so every record stays findable under its stored hash. */
static void test_reserve_stored(void **state)
{
	keyed v[200];
	cs_index ix = {0};
	uint64_t k;

	(void)state;
	for (uint32_t i = 0; i < 200; i++) {
		v[i] = (keyed){i, 0x9e3779b97f4a7c15ull * (i + 1)};
		assert_int_equal(cs_index_reserve_stored(&ix, i + 1, v, i, sizeof(*v), offsetof(keyed, id)), 0);
		cs_index_add(&ix, v[i].id, i);
	}
	assert_true(ix.n > CS_INDEX_MIN_SLOTS); /* it did reallocate */
	for (uint32_t i = 0; i < 200; i++) {
		k = v[i].id;
		assert_int_equal(cs_index_find(&ix, k, keyed_is, v, &k), i);
	}
	assert_int_equal(
	    cs_index_reserve_stored(&ix, CS_INDEX_MAX_ITEMS + 1ull, v, 200, sizeof(*v), offsetof(keyed, id)),
	    CS_ERANGE);
	cs_index_free(&ix);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_index_fnv),   cmocka_unit_test(test_index_collisions),
	    cmocka_unit_test(test_index_sizes), cmocka_unit_test(test_mix64),
	    cmocka_unit_test(test_rebuild_u64), cmocka_unit_test(test_reserve_stored),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
