/* core/index.h - an open-addressing index from a key to an item number.
 *
 * carbonstat keeps its records (pods and containers of the kubelet's answer,
 * cgroup workloads, per-series rows, roll-up groups) in flat arrays that a
 * sampling cycle walks, and finds one by key through a small index beside
 * the array: slots of uint32 holding item + 1 (0 = empty), a power of two at
 * least twice the items (load <= 1/2, so a probe is short), linear probing
 * from a hash the caller computes (cs_fnv1a* for strings, cs_mix64 for
 * integers, core/hash.h). The caller also says whether item i has the key:
 * the index stores no keys, so one index serves any record type, and the
 * probe is inline, so the equality callback is inlined at the call site and
 * a lookup is a hash, a few slot reads and compares, with no allocation and
 * no indirect call.
 *
 * No removal: a caller that removes items compacts its array and rebuilds
 * (cs_index_clear, then cs_index_add each item; cs_index_rebuild_u64 for
 * records with an integer key), which is O(n) and rare.
 * The same key may be added twice on purpose (cgroup_scan keeps a vanished
 * workload beside its successor); the equality callback then decides which
 * one a lookup finds.
 */
#ifndef CS_CORE_INDEX_H
#define CS_CORE_INDEX_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_INDEX_NONE      UINT32_MAX /* "no item" */
#define CS_INDEX_MIN_SLOTS 16
#define CS_INDEX_MAX_ITEMS (UINT32_MAX / 4) /* items + 1 fit a slot, slots fit a size_t */

typedef struct cs_index {
	uint32_t *slot; /* [n] item + 1, 0 = empty; owned (unless the caller lent it) */
	size_t n;       /* slots: a power of two, or 0 before the first reserve */
} cs_index;

/* Does item have the key? ctx is the caller's records, key what it looks for. */
typedef bool (*cs_index_eq_fn)(const void *ctx, uint32_t item, const void *key);

/* Makes room for `items` items at load <= 1/2. Returns 0 when the index was
 * big enough (its content kept); 1 when the slots were reallocated: the
 * index is then EMPTY and the caller adds its items again; CS_ENOMEM (the
 * index unchanged) or CS_ERANGE (more than CS_INDEX_MAX_ITEMS). */
int cs_index_reserve(cs_index *ix, size_t items);

/* Empties every slot; keeps the memory. */
void cs_index_clear(cs_index *ix);

/* Frees the slots; the index can be reserved again. NULL is a no-op. */
void cs_index_free(cs_index *ix);

/* Slots for `items` at load <= 1/2: what cs_index_reserve allocates, for a
 * caller that lends its own slot array (n = this, zeroed). */
size_t cs_index_slots_for(size_t items);

/* Looks key up: returns the slot position holding it (and its item in
 * *item), or the empty slot where it would go (*item = CS_INDEX_NONE), so a
 * find-or-insert probes once. The index must have slots (n > 0). */
static inline size_t cs_index_probe(const cs_index *ix, uint64_t hash, cs_index_eq_fn eq, const void *ctx,
                                    const void *key, uint32_t *item)
{
	size_t m = ix->n - 1, i = (size_t)hash & m;

	for (; ix->slot[i]; i = (i + 1) & m) {
		if (eq(ctx, ix->slot[i] - 1, key)) {
			*item = ix->slot[i] - 1;
			return i;
		}
	}
	*item = CS_INDEX_NONE;
	return i;
}

/* The item with key, or CS_INDEX_NONE (also for an index without slots). */
static inline uint32_t cs_index_find(const cs_index *ix, uint64_t hash, cs_index_eq_fn eq, const void *ctx,
                                     const void *key)
{
	uint32_t item = CS_INDEX_NONE;

	if (ix->n)
		(void)cs_index_probe(ix, hash, eq, ctx, key, &item);
	return item;
}

/* Puts item into the empty slot pos that cs_index_probe returned. The caller
 * keeps the load <= 1/2 (cs_index_reserve first). */
static inline void cs_index_set(cs_index *ix, size_t pos, uint32_t item)
{
	ix->slot[pos] = item + 1;
}

/* Adds item under hash without looking for its key (a rebuild, or a key the
 * caller knows is new or wants twice). Same load rule. */
static inline void cs_index_add(cs_index *ix, uint64_t hash, uint32_t item)
{
	size_t m = ix->n - 1, i = (size_t)hash & m;

	while (ix->slot[i])
		i = (i + 1) & m;
	ix->slot[i] = item + 1;
}

/* Empties ix and adds items 0..n-1 of an array of records (stride bytes
 * apart from base) under cs_mix64 of the uint64 key at key_off in each: the
 * rebuild of an index over records with an integer key (workload ids, row
 * keys) after a compaction, or after cs_index_reserve reallocated. */
void cs_index_rebuild_u64(cs_index *ix, const void *base, size_t n, size_t stride, size_t key_off);

/* cs_index_reserve for an index over records that keep their own hash (the
 * uint64 at hash_off in each of n records, stride bytes apart from base):
 * when the slots were reallocated the records go in again, so the caller
 * only adds its new item. 0, CS_ENOMEM or CS_ERANGE (the index unchanged). */
int cs_index_reserve_stored(cs_index *ix, size_t items, const void *base, size_t n, size_t stride, size_t hash_off);

#endif
