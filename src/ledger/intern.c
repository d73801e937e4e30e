/* ledger/intern.c - see intern.h. */
#include "ledger/intern.h"

#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/hash.h"
#include "core/mem.h"

void cs_lg_intern_free(cs_lg_intern *t)
{
	if (!t)
		return;
	cs_pool_free(&t->mem);
	cs_index_free(&t->ix);
	memset(t, 0, sizeof(*t));
}

typedef struct probe_key {
	const void *key;
	size_t len;
	uint64_t hash;
} probe_key;

static bool key_eq(const void *ctx, uint32_t i, const void *key)
{
	const cs_lg_intern *t = ctx;
	const probe_key *k = key;

	const struct cs_lg_key *e = &t->keys[i];

	return e->hash == k->hash && e->len == k->len && memcmp(t->arena + e->off, k->key, k->len) == 0;
}

int cs_lg_intern_put(cs_lg_intern *t, const void *key, size_t len, uint32_t *idx, bool *created)
{
	probe_key k = {key, len, cs_fnv1a(CS_FNV_OFFSET, key, len)};
	uint32_t found;
	size_t pos;
	int rc;

	if (created)
		*created = false;
	if (len > UINT32_MAX || t->n >= CS_INDEX_MAX_ITEMS)
		return CS_ENOMEM;
	if ((t->n + 1) * 2 > t->ix.n) { /* load 1/2 reached: grow first */
		if ((rc = cs_index_reserve_stored(&t->ix, t->n + 1, t->keys, t->n, sizeof(*t->keys),
		                                  offsetof(struct cs_lg_key, hash))))
			return rc;
	}
	pos = cs_index_probe(&t->ix, k.hash, key_eq, t, &k, &found);
	if (found != CS_INDEX_NONE) {
		*idx = found;
		return 0;
	}
	if (cs_pool_grow(&t->mem, &t->keys, &t->ncap, t->n + 1, sizeof(*t->keys), 64) ||
	    cs_pool_grow(&t->mem, &t->arena, &t->cap, t->len + len + 1, 1, 64))
		return CS_ENOMEM;
	memcpy(t->arena + t->len, key, len);
	t->arena[t->len + len] = '\0';
	t->keys[t->n] = (struct cs_lg_key){t->len, (uint32_t)len, k.hash};
	t->len += len + 1;
	cs_index_set(&t->ix, pos, (uint32_t)t->n);
	*idx = (uint32_t)t->n++;
	if (created)
		*created = true;
	return 0;
}

int cs_lg_intern_str(cs_lg_intern *t, const char *s, uint32_t *idx)
{
	if (!s)
		s = "";
	return cs_lg_intern_put(t, s, strlen(s), idx, NULL);
}

int64_t cs_lg_intern_find(const cs_lg_intern *t, const void *key, size_t len)
{
	probe_key k = {key, len, cs_fnv1a(CS_FNV_OFFSET, key, len)};
	uint32_t i = cs_index_find(&t->ix, k.hash, key_eq, t, &k);

	return i == CS_INDEX_NONE ? -1 : (int64_t)i;
}
