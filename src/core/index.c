/* core/index.c - see index.h. */
#include "core/index.h"

#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/hash.h"

size_t cs_index_slots_for(size_t items)
{
	size_t n = CS_INDEX_MIN_SLOTS;

	while (n < 2 * items)
		n *= 2;
	return n;
}

int cs_index_reserve(cs_index *ix, size_t items)
{
	size_t n;
	uint32_t *slot;

	if (items > CS_INDEX_MAX_ITEMS)
		return CS_ERANGE;
	n = cs_index_slots_for(items);
	if (n <= ix->n)
		return 0;
	slot = calloc(n, sizeof(*slot));
	if (!slot)
		return CS_ENOMEM;
	free(ix->slot);
	ix->slot = slot;
	ix->n = n;
	return 1;
}

void cs_index_clear(cs_index *ix)
{
	if (ix->n)
		memset(ix->slot, 0, ix->n * sizeof(*ix->slot));
}

void cs_index_free(cs_index *ix)
{
	if (!ix)
		return;
	free(ix->slot);
	*ix = (cs_index){0};
}

/* Adds records 0..n-1 under the uint64 at off in each, mixed or as is. */
static void add_records(cs_index *ix, const void *base, size_t n, size_t stride, size_t off, bool mix)
{
	const char *rec = base;
	uint64_t v;

	for (size_t i = 0; i < n; i++, rec += stride) {
		memcpy(&v, rec + off, sizeof(v));
		cs_index_add(ix, mix ? cs_mix64(v) : v, (uint32_t)i);
	}
}

void cs_index_rebuild_u64(cs_index *ix, const void *base, size_t n, size_t stride, size_t key_off)
{
	cs_index_clear(ix);
	add_records(ix, base, n, stride, key_off, true);
}

int cs_index_reserve_stored(cs_index *ix, size_t items, const void *base, size_t n, size_t stride, size_t hash_off)
{
	int rc = cs_index_reserve(ix, items);

	if (rc == 1) /* new, empty slots */
		add_records(ix, base, n, stride, hash_off, false);
	return rc < 0 ? rc : 0;
}
