/* ledger/intern.h - a string interner: each distinct byte string once, with a
 * dense index.
 *
 * The importer meets the same few hundred label values (clusters, nodes,
 * namespaces, owners, teams) millions of times; the store meets the same
 * grains again on every import. Interning turns each into a small integer
 * once, so aggregation keys are fixed-size and compared by value. Keys are
 * byte strings with a length (a composite key may hold separators) and are
 * kept NUL-terminated in one arena, found through a core/index on FNV-1a.
 * Indexes are dense, 0..n-1 in insertion order, so
 * callers keep their values in parallel arrays. Nothing is ever removed.
 * A zeroed cs_lg_intern ({0}, calloc, memset) is an empty one.
 */
#ifndef CS_LEDGER_INTERN_H
#define CS_LEDGER_INTERN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/index.h"
#include "core/mem.h"

typedef struct cs_lg_intern {
	char *arena;     /* keys, each followed by a NUL */
	size_t len, cap; /* bytes used / allocated */
	struct cs_lg_key {
		size_t off;    /* key i starts at arena + off */
		uint32_t len;  /* and is len bytes long */
		uint64_t hash; /* its hash */
	} * keys;
	size_t n, ncap; /* keys / room */
	cs_index ix;    /* key -> i */
	cs_pool mem;    /* owns arena and keys */
} cs_lg_intern;

void cs_lg_intern_free(cs_lg_intern *t); /* NULL is a no-op; t is empty again */

/* The index of key (added if new; *created says which). 0 or CS_ENOMEM. */
int cs_lg_intern_put(cs_lg_intern *t, const void *key, size_t len, uint32_t *idx, bool *created);
/* Same for a NUL-terminated string (NULL = ""). */
int cs_lg_intern_str(cs_lg_intern *t, const char *s, uint32_t *idx);
/* The index of key, or -1. */
int64_t cs_lg_intern_find(const cs_lg_intern *t, const void *key, size_t len);
/* Key i, NUL-terminated. */
static inline const char *cs_lg_intern_at(const cs_lg_intern *t, uint32_t i)
{
	return t->arena + t->keys[i].off;
}

#endif
