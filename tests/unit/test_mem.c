/* test_mem.c - unit tests for core/mem (growing heap arrays): the capacity
 * step, a resize that keeps the array on overflow, cs_grow's "untouched
 * unless grown" contract, a read window's room (cs_win_room), and an
 * object's pool (cs_pool): blocks tracked through growth, freed at once.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/mem.h"

static void test_grow_cap(void **state)
{
	(void)state;
	assert_int_equal(cs_grow_cap(0, 1, 16), 16);
	assert_int_equal(cs_grow_cap(0, 17, 16), 32);
	assert_int_equal(cs_grow_cap(8, 8, 16), 8);
	assert_int_equal(cs_grow_cap(8, 9, 16), 16);
	assert_int_equal(cs_grow_cap(0, 3, 0), 4);
	assert_int_equal(cs_grow_cap(SIZE_MAX / 2 + 1, SIZE_MAX, 1), 0);
}

static void test_resize(void **state)
{
	uint64_t *v = NULL;

	(void)state;
	assert_int_equal(cs_resize(&v, 4, sizeof *v), 0);
	assert_non_null(v);
	for (int i = 0; i < 4; i++)
		v[i] = (uint64_t)i * 7;
	assert_int_equal(cs_resize(&v, 1000, sizeof *v), 0);
	assert_int_equal(v[3], 21);
	uint64_t *kept = v;
	assert_int_equal(cs_resize(&v, SIZE_MAX / 4, sizeof *v), CS_ENOMEM);
	assert_ptr_equal(v, kept);
	free(v);
}

static void test_grow(void **state)
{
	char *buf = NULL;
	size_t cap = 0;

	(void)state;
	assert_int_equal(cs_grow(&buf, &cap, 10, 1, 64), 0);
	assert_int_equal(cap, 64);
	char *was = buf;
	assert_int_equal(cs_grow(&buf, &cap, 64, 1, 64), 0);
	assert_ptr_equal(buf, was);
	assert_int_equal(cap, 64);
	assert_int_equal(cs_grow(&buf, &cap, 65, 1, 64), 0);
	assert_int_equal(cap, 128);
	assert_int_equal(cs_grow(&buf, &cap, SIZE_MAX, 2, 64), CS_ENOMEM);
	assert_int_equal(cap, 128);
	free(buf);
}

/* A window without a buffer gets cap bytes (and its slack); the unconsumed
 * bytes move to the front; a full window doubles (its slack kept past cap)
 * until it is max bytes, then CS_ERANGE leaves it as it was. */
static void test_win_room(void **state)
{
	cs_win w = {.cap = 4, .slack = 2};

	(void)state;
	assert_int_equal(cs_win_room(&w, 8), 0);
	assert_non_null(w.buf);
	assert_int_equal(w.cap, 4);
	assert_int_equal(w.len, 0);
	memcpy(w.buf, "abcd", 4);
	w.len = 4;
	w.pos = 2;
	assert_int_equal(cs_win_room(&w, 8), 0);
	assert_int_equal(w.pos, 0);
	assert_int_equal(w.len, 2);
	assert_int_equal(w.cap, 4);
	assert_memory_equal(w.buf, "cd", 2);
	memcpy(w.buf + 2, "ef", 2);
	w.len = 4;
	assert_int_equal(cs_win_room(&w, 8), 0);
	assert_int_equal(w.cap, 8);
	assert_memory_equal(w.buf, "cdef", 4);
	memset(w.buf + 4, 'x', 4 + w.slack); /* all of cap and the slack are there */
	w.len = 8;
	assert_int_equal(cs_win_room(&w, 8), CS_ERANGE);
	assert_int_equal(w.cap, 8);
	assert_int_equal(w.len, 8);
	free(w.buf);
}

static void test_pool(void **state)
{
	cs_pool p = {0};
	uint32_t *a = NULL, *b = NULL;
	size_t acap = 0, bcap = 0;
	char *str;
	int x = 0;

	(void)state;
	cs_pool_free(NULL);
	cs_pool_free(&p); /* an empty pool */
	for (uint32_t i = 0; i < 5000; i++) {
		assert_int_equal(cs_pool_grow(&p, &a, &acap, i + 1, sizeof *a, 4), 0);
		a[i] = i;
		assert_int_equal(cs_pool_grow(&p, &b, &bcap, i / 2 + 1, sizeof *b, 0), 0);
		b[i / 2] = i;
	}
	assert_int_equal(p.n, 2); /* grown in place of their old blocks */
	assert_int_equal(a[4999], 4999);
	assert_int_equal(b[2499], 4999);
	str = cs_pool_strndup(&p, "pod-abc", 3);
	assert_string_equal(str, "pod");
	assert_non_null(cs_pool_calloc(&p, 0, 1));
	assert_int_equal(p.n, 4);
	/* a block the pool does not own is refused, untouched */
	int *mine = &x;
	size_t mcap = 1;
	assert_int_equal(cs_pool_grow(&p, &mine, &mcap, 2, sizeof *mine, 0), CS_EINVAL);
	assert_ptr_equal(mine, &x);
	assert_int_equal(mcap, 1);
	cs_pool_free(&p);
	assert_null(p.blk);
	assert_int_equal(p.n, 0);
	cs_pool_free(&p); /* twice is harmless */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_grow_cap), cmocka_unit_test(test_resize), cmocka_unit_test(test_grow),
	    cmocka_unit_test(test_win_room), cmocka_unit_test(test_pool),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
