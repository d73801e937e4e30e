/* ledger/intern.c - see intern.h. */
#include "ledger/intern.h"

#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/hash.h"

void cs_lg_intern_init(cs_lg_intern *t)
{
	memset(t, 0, sizeof(*t));
}

void cs_lg_intern_free(cs_lg_intern *t)
{
	if (!t)
		return;
	free(t->arena);
	free(t->off);
	free(t->klen);
	free(t->hash);
	free(t->slot);
	memset(t, 0, sizeof(*t));
}

static int64_t lookup(const cs_lg_intern *t, const void *key, size_t len, uint64_t h, size_t *pos)
{
	size_t mask = t->nslot - 1;

	for (size_t i = (size_t)h & mask;; i = (i + 1) & mask) {
		uint32_t s = t->slot[i];

		if (!s) {
			*pos = i;
			return -1;
		}
		s--;
		if (t->hash[s] == h && t->klen[s] == len && memcmp(t->arena + t->off[s], key, len) == 0) {
			*pos = i;
			return s;
		}
	}
}

static int grow_slots(cs_lg_intern *t)
{
	size_t n = t->nslot ? t->nslot * 2 : 64;
	uint32_t *slot = calloc(n, sizeof(*slot));

	if (!slot)
		return CS_ENOMEM;
	for (size_t k = 0; k < t->n; k++) {
		size_t i = (size_t)t->hash[k] & (n - 1);

		while (slot[i])
			i = (i + 1) & (n - 1);
		slot[i] = (uint32_t)k + 1;
	}
	free(t->slot);
	t->slot = slot;
	t->nslot = n;
	return 0;
}

static int grow_keys(cs_lg_intern *t)
{
	size_t n = t->ncap ? t->ncap * 2 : 64;
	size_t *off = realloc(t->off, n * sizeof(*off));
	uint32_t *klen;
	uint64_t *hash;

	if (!off)
		return CS_ENOMEM;
	t->off = off;
	klen = realloc(t->klen, n * sizeof(*klen));
	if (!klen)
		return CS_ENOMEM;
	t->klen = klen;
	hash = realloc(t->hash, n * sizeof(*hash));
	if (!hash)
		return CS_ENOMEM;
	t->hash = hash;
	t->ncap = n;
	return 0;
}

int cs_lg_intern_put(cs_lg_intern *t, const void *key, size_t len, uint32_t *idx, bool *created)
{
	uint64_t h = cs_fnv1a(CS_FNV_OFFSET, key, len);
	size_t pos;
	int64_t found;

	if (created)
		*created = false;
	if (len > UINT32_MAX || t->n >= UINT32_MAX - 1)
		return CS_ENOMEM;
	if (!t->nslot && grow_slots(t) != 0)
		return CS_ENOMEM;
	found = lookup(t, key, len, h, &pos);
	if (found >= 0) {
		*idx = (uint32_t)found;
		return 0;
	}
	if ((t->n + 1) * 2 > t->nslot) {
		if (grow_slots(t) != 0)
			return CS_ENOMEM;
		(void)lookup(t, key, len, h, &pos);
	}
	if (t->n == t->ncap && grow_keys(t) != 0)
		return CS_ENOMEM;
	if (t->len + len + 1 > t->cap) {
		size_t nc = t->cap ? t->cap : 4096;
		char *a;

		while (nc < t->len + len + 1)
			nc *= 2;
		a = realloc(t->arena, nc);
		if (!a)
			return CS_ENOMEM;
		t->arena = a;
		t->cap = nc;
	}
	memcpy(t->arena + t->len, key, len);
	t->arena[t->len + len] = '\0';
	t->off[t->n] = t->len;
	t->klen[t->n] = (uint32_t)len;
	t->hash[t->n] = h;
	t->len += len + 1;
	t->slot[pos] = (uint32_t)t->n + 1;
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
	size_t pos;

	if (!t->nslot)
		return -1;
	return lookup(t, key, len, cs_fnv1a(CS_FNV_OFFSET, key, len), &pos);
}
