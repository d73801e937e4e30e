/* data/datasets.c - lookups over the generated built-in tables.
 *
 * The tables (gen_*.c) are sorted by (provider, key), so an exact lookup is a
 * binary search on the normalised key: no allocation, no locale, O(log n).
 * "Did you mean" suggestions are a linear scan with a bounded edit distance;
 * they run only on the error path.
 */
#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "data/tables.h"

#define KEY_CAP 128

const double cs_curve_load[CS_CURVE_POINTS] = {0.0, 0.1, 0.5, 1.0};

const cs_dataset *cs_datasets(size_t *n)
{
	*n = cs_dataset_table_len;
	return cs_dataset_table;
}

const cs_instance *cs_instances(size_t *n)
{
	*n = cs_instance_table_len;
	return cs_instance_table;
}

const cs_region *cs_regions(size_t *n)
{
	*n = cs_region_table_len;
	return cs_region_table;
}

const cs_country *cs_countries(size_t *n)
{
	*n = cs_country_table_len;
	return cs_country_table;
}

const cs_dataset *cs_dataset_at(unsigned index)
{
	return index < cs_dataset_table_len ? &cs_dataset_table[index] : NULL;
}

cs_provider cs_provider_parse(const char *s)
{
	if (!s)
		return CS_PROVIDER_UNKNOWN;
	if (!strcasecmp(s, "aws") || !strcasecmp(s, "amazon") || !strcasecmp(s, "ec2"))
		return CS_PROVIDER_AWS;
	if (!strcasecmp(s, "gcp") || !strcasecmp(s, "google") || !strcasecmp(s, "gce"))
		return CS_PROVIDER_GCP;
	if (!strcasecmp(s, "azure") || !strcasecmp(s, "microsoft"))
		return CS_PROVIDER_AZURE;
	return CS_PROVIDER_UNKNOWN;
}

const char *cs_provider_name(cs_provider p)
{
	switch (p) {
	case CS_PROVIDER_AWS: return "aws";
	case CS_PROVIDER_GCP: return "gcp";
	case CS_PROVIDER_AZURE: return "azure";
	default: return "unknown";
	}
}

int cs_name_key(const char *name, char *out, size_t cap)
{
	size_t n = 0;

	if (!name || cap == 0)
		return CS_EINVAL;
	/* Azure metadata says "Standard_D2s_v3", its docs "D2s v3": same size. */
	if (!strncasecmp(name, "standard_", 9))
		name += 9;
	else if (!strncasecmp(name, "basic_", 6))
		name += 6;
	for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
		if (!isalnum(*p) || *p > 0x7f)
			continue;
		if (n + 1 >= cap)
			return CS_ERANGE;
		out[n++] = (char)tolower(*p);
	}
	out[n] = '\0';
	return (int)n;
}

/* Generic binary search over a (provider, key)-sorted table of rows of size
 * `stride` whose provider and key fields sit at the given offsets. */
typedef struct table_view {
	const void *base;
	size_t len;
	size_t stride;
	size_t off_provider;
	size_t off_key;
} table_view;

static cs_provider row_provider(const table_view *t, size_t i)
{
	const char *row = (const char *)t->base + i * t->stride;
	cs_provider p;
	memcpy(&p, row + t->off_provider, sizeof p);
	return p;
}

/* The key is an inline char array, so the row holds the string itself. */
static const char *row_key(const table_view *t, size_t i)
{
	return (const char *)t->base + i * t->stride + t->off_key;
}

static const void *table_find(const table_view *t, cs_provider p, const char *key)
{
	size_t lo = 0, hi = t->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		cs_provider mp = row_provider(t, mid);
		int c = mp != p ? (mp < p ? -1 : 1) : strcmp(row_key(t, mid), key);
		if (c == 0)
			return (const char *)t->base + mid * t->stride;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

static const void *table_find_any(const table_view *t, cs_provider p, const char *name)
{
	char key[KEY_CAP];

	if (cs_name_key(name, key, sizeof key) <= 0)
		return NULL;
	if (p != CS_PROVIDER_UNKNOWN)
		return table_find(t, p, key);
	for (int q = CS_PROVIDER_AWS; q <= CS_PROVIDER_AZURE; q++) {
		const void *r = table_find(t, (cs_provider)q, key);
		if (r)
			return r;
	}
	return NULL;
}

static table_view instance_view(void)
{
	return (table_view){cs_instance_table, cs_instance_table_len, sizeof(cs_instance),
			    offsetof(cs_instance, provider), offsetof(cs_instance, key)};
}

static table_view region_view(void)
{
	return (table_view){cs_region_table, cs_region_table_len, sizeof(cs_region),
			    offsetof(cs_region, provider), offsetof(cs_region, key)};
}

const cs_instance *cs_instance_find(cs_provider provider, const char *name)
{
	table_view t = instance_view();
	return table_find_any(&t, provider, name);
}

const cs_region *cs_region_find(cs_provider provider, const char *name)
{
	table_view t = region_view();
	const cs_region *r = table_find_any(&t, provider, name);
	char key[KEY_CAP];

	if (r || !name || cs_name_key(name, key, sizeof key) <= 0)
		return r;
	/* Azure display names ("West Europe") are kept as `location`. */
	for (size_t i = 0; i < cs_region_table_len; i++) {
		const cs_region *x = &cs_region_table[i];
		char lk[KEY_CAP];
		if (provider != CS_PROVIDER_UNKNOWN && x->provider != provider)
			continue;
		if (x->provider == CS_PROVIDER_AZURE &&
		    cs_name_key(x->location, lk, sizeof lk) > 0 && !strcmp(lk, key))
			return x;
	}
	return NULL;
}

const cs_country *cs_country_find(const char *s)
{
	size_t len;
	char key[KEY_CAP];

	if (!s)
		return NULL;
	len = strlen(s);
	for (size_t i = 0; i < cs_country_table_len; i++) {
		const cs_country *c = &cs_country_table[i];
		if ((len == 2 && !strcasecmp(c->iso2, s)) || (len == 3 && !strcasecmp(c->iso3, s)))
			return c;
	}
	if (cs_name_key(s, key, sizeof key) <= 0)
		return NULL;
	for (size_t i = 0; i < cs_country_table_len; i++) {
		char nk[KEY_CAP];
		if (cs_name_key(cs_country_table[i].name, nk, sizeof nk) > 0 && !strcmp(nk, key))
			return &cs_country_table[i];
	}
	return NULL;
}

/* Levenshtein distance, capped: keys are short (< KEY_CAP). */
static unsigned edit_distance(const char *a, const char *b)
{
	unsigned row[KEY_CAP + 1];
	size_t la = strlen(a), lb = strlen(b);

	if (la > KEY_CAP || lb > KEY_CAP)
		return (unsigned)-1;
	for (size_t j = 0; j <= lb; j++)
		row[j] = (unsigned)j;
	for (size_t i = 1; i <= la; i++) {
		unsigned diag = row[0];
		row[0] = (unsigned)i;
		for (size_t j = 1; j <= lb; j++) {
			unsigned up = row[j];
			unsigned cost = a[i - 1] == b[j - 1] ? 0 : 1;
			unsigned best = diag + cost;
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

typedef struct suggestion {
	const char *name;
	unsigned dist;
} suggestion;

/* Keep the `max` best (smallest distance, then table order) in out. */
static void suggest_offer(suggestion *best, size_t max, size_t *n, const char *name, unsigned d)
{
	size_t pos = *n;
	for (size_t i = 0; i < *n; i++) {
		if (best[i].name == name || !strcmp(best[i].name, name))
			return;
	}
	while (pos > 0 && best[pos - 1].dist > d)
		pos--;
	if (pos >= max)
		return;
	size_t last = *n < max ? *n : max - 1;
	memmove(&best[pos + 1], &best[pos], (last - pos) * sizeof *best);
	best[pos] = (suggestion){name, d};
	if (*n < max)
		(*n)++;
}

static unsigned name_distance(const char *key, const char *row_key_s)
{
	unsigned d = edit_distance(key, row_key_s);
	/* A typed prefix ("m5" for "m5.large") is a strong hint. */
	if (key[0] && !strncmp(row_key_s, key, strlen(key)))
		d = d > 2 ? 2 : d;
	return d;
}

static size_t suggest_finish(const suggestion *best, size_t n, const char *key, const char **out)
{
	size_t k = 0;
	/* Beyond about half the key length a suggestion is noise. */
	unsigned limit = (unsigned)(strlen(key) / 2 + 2);
	for (size_t i = 0; i < n; i++) {
		if (best[i].dist <= limit)
			out[k++] = best[i].name;
	}
	return k;
}

#define SUGGEST_MAX 8

size_t cs_instance_suggest(cs_provider provider, const char *name, const char **out, size_t max)
{
	suggestion best[SUGGEST_MAX];
	size_t n = 0;
	char key[KEY_CAP];

	if (max > SUGGEST_MAX)
		max = SUGGEST_MAX;
	if (!name || max == 0 || cs_name_key(name, key, sizeof key) <= 0)
		return 0;
	for (size_t i = 0; i < cs_instance_table_len; i++) {
		const cs_instance *it = &cs_instance_table[i];
		if (provider != CS_PROVIDER_UNKNOWN && it->provider != provider)
			continue;
		suggest_offer(best, max, &n, it->name, name_distance(key, it->key));
	}
	return suggest_finish(best, n, key, out);
}

size_t cs_region_suggest(cs_provider provider, const char *name, const char **out, size_t max)
{
	suggestion best[SUGGEST_MAX];
	size_t n = 0;
	char key[KEY_CAP];

	if (max > SUGGEST_MAX)
		max = SUGGEST_MAX;
	if (!name || max == 0 || cs_name_key(name, key, sizeof key) <= 0)
		return 0;
	for (size_t i = 0; i < cs_region_table_len; i++) {
		const cs_region *r = &cs_region_table[i];
		if (provider != CS_PROVIDER_UNKNOWN && r->provider != provider)
			continue;
		suggest_offer(best, max, &n, r->name, name_distance(key, r->key));
	}
	return suggest_finish(best, n, key, out);
}

size_t cs_country_suggest(const char *name, const char **out, size_t max)
{
	suggestion best[SUGGEST_MAX];
	size_t n = 0;
	char key[KEY_CAP];

	if (max > SUGGEST_MAX)
		max = SUGGEST_MAX;
	if (!name || max == 0 || cs_name_key(name, key, sizeof key) <= 0)
		return 0;
	for (size_t i = 0; i < cs_country_table_len; i++) {
		char nk[KEY_CAP];
		if (cs_name_key(cs_country_table[i].name, nk, sizeof nk) <= 0)
			continue;
		suggest_offer(best, max, &n, cs_country_table[i].name, name_distance(key, nk));
	}
	return suggest_finish(best, n, key, out);
}
