/* data/lookup.c - exact lookups over the generated tables, and the name key
 * they compare.
 *
 * The instance and region tables are sorted by (provider, key), so a lookup
 * is a binary search on the normalised key: no allocation, no locale,
 * O(log n). Countries (a few hundred) and Azure display names are scanned,
 * on precomputed keys.
 */
#include <ctype.h>
#include <string.h>
#include <strings.h>

#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "data/lookup.h"
#include "data/tables.h"

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

const char *cs_name_untiered(const char *name)
{
	/* Azure metadata says "Standard_D2s_v3", its docs "D2s v3": same size. */
	if (!strncasecmp(name, "standard_", 9))
		return name + 9;
	if (!strncasecmp(name, "basic_", 6))
		return name + 6;
	return name;
}

int cs_name_key(const char *name, char *out, size_t cap)
{
	size_t n = 0;

	if (!name || cap == 0)
		return CS_EINVAL;
	for (const unsigned char *p = (const unsigned char *)cs_name_untiered(name); *p; p++) {
		if (!isalnum(*p) || *p > 0x7f)
			continue;
		if (n + 1 >= cap)
			return CS_ERANGE;
		out[n++] = (char)tolower(*p);
	}
	out[n] = '\0';
	return (int)n;
}

static cs_provider instance_provider(size_t i)
{
	return (cs_provider)cs_instance_table[i].provider;
}

static const char *instance_key(size_t i)
{
	return cs_instance_str(cs_instance_table[i].key);
}

static cs_provider region_provider(size_t i)
{
	return (cs_provider)cs_region_table[i].provider;
}

static const char *region_key(size_t i)
{
	return cs_grid_str(cs_region_table[i].key);
}

static const char *instance_name(size_t i)
{
	return cs_instance_str(cs_instance_table[i].name);
}

static const char *region_name(size_t i)
{
	return cs_grid_str(cs_region_table[i].name);
}

cs_keyed_table cs_instance_keys(void)
{
	return (cs_keyed_table){cs_instance_table_len, instance_provider, instance_key, instance_name};
}

cs_keyed_table cs_region_keys(void)
{
	return (cs_keyed_table){cs_region_table_len, region_provider, region_key, region_name};
}

/* First row at or after (p, key), keys compared on their first n bytes; with
 * after_equal, the first row after every row that compares equal. */
static size_t keyed_bound(const cs_keyed_table *t, cs_provider p, const char *key, size_t n, int after_equal)
{
	size_t lo = 0, hi = t->len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		cs_provider mp = t->provider(mid);
		int c = mp != p ? (mp < p ? -1 : 1) : strncmp(t->key(mid), key, n);
		if (c < 0 || (after_equal && c == 0))
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

void cs_keyed_range(const cs_keyed_table *t, cs_provider p, const char *prefix, size_t *lo, size_t *hi)
{
	size_t n = strlen(prefix);

	*lo = keyed_bound(t, p, prefix, n, 0);
	*hi = keyed_bound(t, p, prefix, n, 1);
}

/* Index of the row with exactly (p, key), or t->len. */
static size_t keyed_find(const cs_keyed_table *t, cs_provider p, const char *key)
{
	/* n = length + 1 compares the NUL too: whole keys. */
	size_t i = keyed_bound(t, p, key, strlen(key) + 1, 0);

	if (i < t->len && t->provider(i) == p && !strcmp(t->key(i), key))
		return i;
	return t->len;
}

/* Provider p's row for name, or with CS_PROVIDER_UNKNOWN the first of AWS,
 * GCP, Azure that has it; t->len if none. */
static size_t keyed_find_any(const cs_keyed_table *t, cs_provider p, const char *name)
{
	char key[CS_KEY_CAP];

	if (!name || cs_name_key(name, key, sizeof key) <= 0)
		return t->len;
	if (p != CS_PROVIDER_UNKNOWN)
		return keyed_find(t, p, key);
	for (int q = CS_PROVIDER_AWS; q <= CS_PROVIDER_AZURE; q++) {
		size_t i = keyed_find(t, (cs_provider)q, key);
		if (i < t->len)
			return i;
	}
	return t->len;
}

const cs_instance *cs_instance_find(cs_provider provider, const char *name)
{
	cs_keyed_table t = cs_instance_keys();
	size_t i = keyed_find_any(&t, provider, name);

	return i < t.len ? &cs_instance_table[i] : NULL;
}

const struct cs_ccf_use *cs_ccf_use_find(cs_provider provider, const char *arch)
{
	char key[CS_KEY_CAP];

	if (provider == CS_PROVIDER_UNKNOWN || !arch || cs_name_key(arch, key, sizeof key) <= 0)
		return NULL;
	/* 37 rows, looked up once at start-up: a scan. */
	for (size_t i = 0; i < cs_ccf_use_table_len; i++) {
		const struct cs_ccf_use *r = &cs_ccf_use_table[i];

		if (r->provider == provider && !strcmp(cs_instance_str(r->key), key))
			return r;
	}
	return NULL;
}

const cs_region *cs_region_find(cs_provider provider, const char *name)
{
	cs_keyed_table t = cs_region_keys();
	size_t i = keyed_find_any(&t, provider, name);
	char key[CS_KEY_CAP];

	if (i < t.len)
		return &cs_region_table[i];
	if (!name || cs_name_key(name, key, sizeof key) <= 0)
		return NULL;
	/* Azure display names ("West Europe") are accepted too: the generator
	 * keys them as location_key, "" for other providers. */
	for (i = 0; i < cs_region_table_len; i++) {
		const struct cs_region *x = &cs_region_table[i];
		if (provider != CS_PROVIDER_UNKNOWN && x->provider != provider)
			continue;
		if (!strcmp(cs_grid_str(x->location_key), key))
			return x;
	}
	return NULL;
}

const cs_country *cs_country_find(const char *s)
{
	size_t len;
	char key[CS_KEY_CAP];

	if (!s)
		return NULL;
	len = strlen(s);
	for (size_t i = 0; i < cs_country_table_len; i++) {
		const struct cs_country *c = &cs_country_table[i];
		if ((len == 2 && !strcasecmp(cs_grid_str(c->iso2), s)) ||
		    (len == 3 && !strcasecmp(cs_grid_str(c->iso3), s)))
			return c;
	}
	if (cs_name_key(s, key, sizeof key) <= 0)
		return NULL;
	for (size_t i = 0; i < cs_country_table_len; i++) {
		if (!strcmp(cs_grid_str(cs_country_table[i].key), key))
			return &cs_country_table[i];
	}
	return NULL;
}
