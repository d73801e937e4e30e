/* billing/util.c - measured CPU utilisation by machine and day (see util.h).
 *
 * Keys (day, lower-cased id or name) in one array; a machine-day's summed
 * busy and total CPU-milliseconds live in the key that named it first (its
 * owner), which every other key of it points at. A key that two
 * machine-days claim is marked ambiguous and finds nothing. The index is a
 * core/index.h table over the keys; the lookup hashes the bill's resource
 * text folded to lower case, so the bill's bytes are never copied.
 */
#include "billing/util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/hash.h"
#include "core/index.h"
#include "core/mem.h"
#include "core/why.h"
#include "ledger/period.h"

#define UTIL_AMBIGUOUS UINT32_MAX

typedef struct ukey {
	uint64_t hash;
	int day;
	uint32_t off, len;         /* lower-cased text in the arena */
	uint32_t owner;            /* the key holding the machine-day's sums, or UTIL_AMBIGUOUS */
	int64_t busy_ms, total_ms; /* the machine-day's, when owner is this key */
} ukey;

struct cs_bill_util {
	ukey *keys;
	size_t nkeys, keycap, days;
	char *arena;
	size_t alen, acap;
	cs_index ix;
};

/* What a probe looks for: text as given (any case), on day. */
typedef struct probe {
	const char *p;
	uint32_t n;
	int day;
} probe;

static inline unsigned char lower(unsigned char c)
{
	return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* FNV-1a over the text folded to lower case, then the day mixed in. */
static inline uint64_t key_hash(const char *p, size_t n, int day)
{
	uint64_t h = CS_FNV_OFFSET;

	for (size_t i = 0; i < n; i++) {
		h ^= lower((unsigned char)p[i]);
		h *= CS_FNV_PRIME;
	}
	return h ^ cs_mix64((uint64_t)(uint32_t)day);
}

static bool key_eq(const void *ctx, uint32_t item, const void *key)
{
	const cs_bill_util *u = ctx;
	const ukey *k = &u->keys[item];
	const probe *q = key;
	const char *s = u->arena + k->off;

	if (k->day != q->day || k->len != q->n)
		return false;
	for (uint32_t i = 0; i < q->n; i++)
		if ((unsigned char)s[i] != lower((unsigned char)q->p[i]))
			return false;
	return true;
}

int cs_bill_util_new(cs_bill_util **out)
{
	*out = calloc(1, sizeof(**out));
	return *out ? 0 : CS_ENOMEM;
}

void cs_bill_util_free(cs_bill_util *u)
{
	if (!u)
		return;
	cs_index_free(&u->ix);
	free(u->keys);
	free(u->arena);
	free(u);
}

static uint32_t find_key(const cs_bill_util *u, const char *p, size_t n, int day)
{
	probe q = {p, (uint32_t)n, day};

	return cs_index_find(&u->ix, key_hash(p, n, day), key_eq, u, &q);
}

/* Adds key (day, s) of the machine-day owned by key owner (UTIL_AMBIGUOUS:
 * a new machine-day, owned by this key); a key that exists for another
 * machine-day becomes ambiguous. The key's index into *out. */
static int put_key(cs_bill_util *u, int day, const char *s, uint32_t owner, uint32_t *out)
{
	size_t n = strlen(s);
	uint32_t k = find_key(u, s, n, day);
	int rc = 0;

	*out = k;
	if (k != CS_INDEX_NONE) {
		if (u->keys[k].owner != owner)
			u->keys[k].owner = UTIL_AMBIGUOUS;
		return 0;
	}
	if (u->alen + n + 1 > UINT32_MAX)
		return CS_ENOMEM;
	if ((rc = cs_grow(&u->arena, &u->acap, u->alen + n + 1, 1, 4096)) ||
	    (rc = cs_grow(&u->keys, &u->keycap, u->nkeys + 1, sizeof(*u->keys), 256)))
		return rc;
	if ((rc = cs_index_reserve_stored(&u->ix, u->nkeys + 1, u->keys, u->nkeys, sizeof(*u->keys),
	                                  offsetof(ukey, hash))))
		return rc;
	for (size_t i = 0; i < n; i++)
		u->arena[u->alen + i] = (char)lower((unsigned char)s[i]);
	u->arena[u->alen + n] = '\0';
	k = (uint32_t)u->nkeys;
	u->keys[k] = (ukey){key_hash(s, n, day), day, (uint32_t)u->alen, (uint32_t)n, owner, 0, 0};
	if (owner == UTIL_AMBIGUOUS) {
		u->keys[k].owner = k;
		u->days++;
	}
	cs_index_add(&u->ix, u->keys[k].hash, k);
	u->nkeys++;
	u->alen += n + 1;
	*out = k;
	return 0;
}

int cs_bill_util_add(cs_bill_util *u, int day, const char *id, const char *name, int64_t busy_ms, int64_t total_ms)
{
	const char *first;
	uint32_t k, m;
	int rc;

	id = id ? id : "";
	name = name ? name : "";
	first = id[0] ? id : name;
	if (!first[0] || total_ms <= 0 || busy_ms < 0 || busy_ms > total_ms || day <= 0)
		return CS_EINVAL;
	/* the machine-day: the one its id (else its name) already names, or a new one */
	k = find_key(u, first, strlen(first), day);
	if (k != CS_INDEX_NONE && u->keys[k].owner == UTIL_AMBIGUOUS)
		return 0; /* a name two machines share: it measures neither */
	if (k == CS_INDEX_NONE && (rc = put_key(u, day, first, UTIL_AMBIGUOUS, &k)))
		return rc;
	m = u->keys[k].owner;
	u->keys[m].busy_ms += busy_ms;
	u->keys[m].total_ms += total_ms;
	return id[0] && name[0] ? put_key(u, day, name, m, &k) : 0;
}

/* yyyymmdd of the UTC day starting at epoch second t. */
static int yyyymmdd(int64_t t)
{
	int64_t y;
	unsigned m, d;

	cs_lg_civil_from_days(cs_lg_day_of(t) / 86400, &y, &m, &d);
	return (int)(y * 10000 + m * 100 + d);
}

static int load_row(void *ud, const cs_lg_instance_day *d)
{
	int rc =
	    cs_bill_util_add(ud, yyyymmdd(d->day), d->instance_id, d->instance_name, d->cpu_busy_ms, d->cpu_total_ms);

	return rc == CS_EINVAL ? 0 : rc; /* a row the agents could not have written: not a measurement */
}

int cs_bill_util_load(cs_bill_util *u, cs_lg_store *s, char *why, size_t cap)
{
	int rc = cs_lg_read_instance_days(s, load_row, u);

	if (rc)
		cs_set_why(why, cap, "%s", rc == CS_ENOMEM ? "out of memory" : cs_lg_why(s));
	return rc;
}

size_t cs_bill_util_days(const cs_bill_util *u)
{
	return u ? u->days : 0;
}

double cs_bill_util_find(const cs_bill_util *u, int day, cs_sv r)
{
	uint32_t k;
	size_t i;

	if (!u || !u->nkeys || !r.n || day <= 0)
		return -1;
	k = find_key(u, r.p, r.n, day);
	if (k == CS_INDEX_NONE) {
		/* the last path element: an Azure VM's name, a GCP global name's id */
		for (i = r.n; i > 0 && r.p[i - 1] != '/'; i--)
			;
		if (i == 0 || i == r.n)
			return -1;
		k = find_key(u, r.p + i, r.n - i, day);
	}
	if (k == CS_INDEX_NONE || (k = u->keys[k].owner) == UTIL_AMBIGUOUS)
		return -1;
	return (double)u->keys[k].busy_ms / (double)u->keys[k].total_ms;
}
