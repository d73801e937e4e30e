/* Unit tests for data/datasets.c: lookups in every accepted spelling,
 * table invariants (sorted, unique keys, provenance), suggestions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

#include "data/tables.h"

static void test_name_key(void **state)
{
	char k[64];
	(void)state;
	assert_int_equal(cs_name_key("Standard_D2s_v3", k, sizeof k), 5);
	assert_string_equal(k, "d2sv3");
	cs_name_key("D2s v3", k, sizeof k);
	assert_string_equal(k, "d2sv3");
	cs_name_key("d2s_v3", k, sizeof k);
	assert_string_equal(k, "d2sv3");
	cs_name_key("West Europe", k, sizeof k);
	assert_string_equal(k, "westeurope");
	cs_name_key("e2-standard-2", k, sizeof k);
	assert_string_equal(k, "e2standard2");
	assert_int_equal(cs_name_key("abcdef", k, 4), CS_ERANGE);
	assert_int_equal(cs_name_key("", k, sizeof k), 0);
	assert_int_equal(cs_name_key("\xc3\xa9\xff", k, sizeof k), 0);
}

/* Every key the generator stored is the key cs_name_key() makes of the name
 * (lookups depend on it), tables are sorted and keys unique. Reads the row
 * layout (data/tables.h) for the keys, which have no public accessor. */
static void check_key(const char *name, const char *stored)
{
	char k[128];
	assert_true(cs_name_key(name, k, sizeof k) >= 0);
	assert_string_equal(k, stored);
}

static void test_tables_sorted_unique(void **state)
{
	size_t n;
	(void)state;
	n = cs_instance_count();
	assert_true(n > 1000);
	assert_int_equal(n, cs_instance_table_len);
	assert_string_equal(cs_instance_pool, ""); /* offset 0 is "" */
	for (size_t i = 0; i < n; i++) {
		const cs_instance *it = cs_instance_at(i);
		assert_ptr_equal(it, &cs_instance_table[i]);
		check_key(cs_instance_name(it), cs_instance_str(it->key));
		assert_non_null(cs_instance_power_dataset(it));
		assert_true(cs_instance_vcpu(it) > 0);
		if (i > 0) {
			const cs_instance *p = cs_instance_at(i - 1);
			assert_true(p->provider < it->provider ||
			            (p->provider == it->provider &&
			             strcmp(cs_instance_str(p->key), cs_instance_str(it->key)) < 0));
		}
	}
	assert_null(cs_instance_at(n));

	n = cs_region_count();
	assert_true(n > 60);
	for (size_t i = 0; i < n; i++) {
		const cs_region *r = cs_region_at(i);
		check_key(cs_region_name(r), cs_grid_str(r->key));
		if (cs_region_provider(r) == CS_PROVIDER_AZURE)
			check_key(cs_region_location(r), cs_grid_str(r->location_key));
		else
			assert_string_equal(cs_grid_str(r->location_key), "");
		assert_true(cs_region_intensity_g_per_kwh(r) >= 0); /* every region has a figure */
		assert_int_equal(strlen(cs_region_country(r)), 2);
		assert_non_null(cs_region_dataset(r));
		if (i > 0) {
			const cs_region *p = cs_region_at(i - 1);
			assert_true(
			    p->provider < r->provider ||
			    (p->provider == r->provider && strcmp(cs_grid_str(p->key), cs_grid_str(r->key)) < 0));
		}
	}
	assert_null(cs_region_at(n));

	n = cs_country_count();
	assert_true(n > 150);
	for (size_t i = 0; i < n; i++) {
		const cs_country *c = cs_country_at(i);
		check_key(cs_country_name(c), cs_grid_str(c->key));
		assert_int_equal(strlen(cs_country_iso2(c)), 2);
		assert_int_equal(strlen(cs_country_iso3(c)), 3);
		if (i > 0)
			assert_true(strcmp(cs_country_iso2(cs_country_at(i - 1)), cs_country_iso2(c)) < 0);
	}
	assert_null(cs_country_at(n));

	cs_cpu_tdp_list tdp = cs_cpu_tdp_builtin();
	assert_true(tdp.n > 1000);
	for (size_t i = 0; i < tdp.n; i++) {
		check_key(cs_cpu_tdp_name(&tdp, &tdp.rows[i]), cs_cpu_tdp_key(&tdp, &tdp.rows[i]));
		if (i > 0)
			assert_true(strcmp(cs_cpu_tdp_key(&tdp, &tdp.rows[i - 1]), cs_cpu_tdp_key(&tdp, &tdp.rows[i])) <
			            0);
	}
}

static void test_instance_spellings(void **state)
{
	(void)state;
	const cs_instance *a = cs_instance_find(CS_PROVIDER_AZURE, "Standard_D2s_v3");
	assert_non_null(a);
	assert_ptr_equal(a, cs_instance_find(CS_PROVIDER_AZURE, "D2s v3"));
	assert_ptr_equal(a, cs_instance_find(CS_PROVIDER_AZURE, "d2s_v3"));
	assert_ptr_equal(a, cs_instance_find(CS_PROVIDER_UNKNOWN, "standard_d2s_v3"));
	assert_int_equal(cs_instance_vcpu(a), 2);
	assert_true(fabs(cs_instance_mem_gb(a) - 8) < 1e-9);
	assert_int_equal(cs_instance_provider(a), CS_PROVIDER_AZURE);
	assert_string_equal(cs_instance_name(a), "Standard_D2s_v3");

	const cs_instance *m = cs_instance_find(CS_PROVIDER_AWS, "M5.LARGE");
	assert_non_null(m);
	assert_string_equal(cs_instance_name(m), "m5.large");
	assert_int_equal(cs_instance_method(m), CS_METHOD_CURVE);
	assert_int_equal(cs_instance_vcpu(m), 2);
	assert_int_equal(cs_instance_platform_vcpu(m), 96);
	assert_int_equal(cs_instance_gpus(m), 0);
	assert_true(cs_instance_arch(m)[0] != '\0');
	assert_true(cs_instance_embodied_g_per_h(m) > 0);
	assert_string_equal(cs_dataset_id(cs_instance_power_dataset(m)), "ccf-aws-teads");
	assert_string_equal(cs_dataset_id(cs_instance_embodied_dataset(m)), "ccf-embodied-aws");
	assert_null(cs_instance_find(CS_PROVIDER_GCP, "m5.large"));
	assert_null(cs_instance_find(CS_PROVIDER_AWS, ""));
	assert_null(cs_instance_find(CS_PROVIDER_AWS, NULL));

	const cs_instance *g = cs_instance_find(CS_PROVIDER_GCP, "e2-standard-4");
	assert_non_null(g);
	assert_int_equal(cs_instance_method(g), CS_METHOD_MINMAX);
	assert_int_equal(cs_instance_vcpu(g), 4);
	/* a row by index is the row a lookup finds */
	size_t i;
	for (i = 0; i < cs_instance_count() && cs_instance_at(i) != g; i++)
		;
	assert_true(i < cs_instance_count());
}

static void test_region_spellings(void **state)
{
	(void)state;
	const cs_region *w = cs_region_find(CS_PROVIDER_AZURE, "westeurope");
	assert_non_null(w);
	assert_ptr_equal(w, cs_region_find(CS_PROVIDER_AZURE, "West Europe"));
	assert_ptr_equal(w, cs_region_find(CS_PROVIDER_AZURE, "WEST EUROPE"));
	assert_string_equal(cs_region_country(w), "NL");
	assert_string_equal(cs_region_location(w), "West Europe");
	assert_string_equal(cs_region_name(w), "westeurope");
	/* default series: Ember's Netherlands 2024, 253.31 (lifecycle); CCF's
	 * Azure factor 0.00039 t/kWh stays selectable */
	assert_true(fabs(cs_region_intensity_g_per_kwh(w) - 253.31) < 1e-9);
	assert_int_equal(cs_region_year(w), 2024);
	assert_string_equal(cs_dataset_id(cs_region_dataset(w)), "ember-country");
	assert_string_equal(cs_dataset_basis(cs_region_dataset(w)), "lifecycle, location-based");
	assert_true(fabs(cs_region_series_intensity(w, CS_GRID_CCF) - 390) < 1e-6);
	assert_string_equal(cs_dataset_id(cs_region_series_dataset(w, CS_GRID_CCF)), "ccf-grid-azure");
	assert_int_equal(cs_region_series_year(w, CS_GRID_CCF), 2019); /* EEA */
	assert_true(cs_region_series_intensity(w, CS_GRID_GOOGLE) < 0);
	assert_null(cs_region_series_dataset(w, CS_GRID_GOOGLE));
	assert_true(cs_region_cfe(w) < 0);
	assert_null(cs_region_find(CS_PROVIDER_AWS, "West Europe")); /* display names are Azure's only */

	const cs_region *b = cs_region_find(CS_PROVIDER_GCP, "europe-west1");
	assert_non_null(b);
	assert_string_equal(cs_region_country(b), "BE");
	/* default: Ember Belgium 2024, 117.58; Google 2024 103.37 (direct,
	 * operational); CCF: Google's 2019 figure 0.000196 t/kWh */
	assert_true(fabs(cs_region_intensity_g_per_kwh(b) - 117.58) < 1e-9);
	assert_true(fabs(cs_region_series_intensity(b, CS_GRID_GOOGLE) - 103.37) < 1e-9);
	assert_int_equal(cs_region_series_year(b, CS_GRID_GOOGLE), 2024);
	assert_true(fabs(cs_region_series_intensity(b, CS_GRID_CCF) - 196) < 1e-9);
	assert_int_equal(cs_region_series_year(b, CS_GRID_CCF), 2019);

	/* US regions: Ember's state figure (us-east-1 Virginia 2024: 321.47;
	 * us-central1 Iowa: 241.74), not the US average 383.55 */
	const cs_region *v = cs_region_find(CS_PROVIDER_AWS, "us-east-1");
	assert_true(fabs(cs_region_intensity_g_per_kwh(v) - 321.47) < 1e-9);
	assert_string_equal(cs_region_state(v), "Virginia");
	assert_string_equal(cs_dataset_id(cs_region_dataset(v)), "ember-us-state");
	assert_true(fabs(cs_region_intensity_g_per_kwh(cs_region_find(CS_PROVIDER_GCP, "us-central1")) - 241.74) <
	            1e-9);
	/* one series for Sydney and Melbourne: Ember Australia 551.59 */
	assert_true(fabs(cs_region_intensity_g_per_kwh(cs_region_find(CS_PROVIDER_AWS, "ap-southeast-2")) - 551.59) <
	            1e-9);
	assert_true(fabs(cs_region_intensity_g_per_kwh(cs_region_find(CS_PROVIDER_AWS, "ap-southeast-4")) - 551.59) <
	            1e-9);

	cs_grid_series gs;
	assert_int_equal(cs_grid_series_parse("ccf", &gs), 0);
	assert_int_equal(gs, CS_GRID_CCF);
	assert_int_equal(cs_grid_series_parse("bogus", &gs), -1);
	assert_string_equal(cs_grid_series_name(CS_GRID_DEFAULT), "ember");
	assert_true(fabs(cs_region_cfe(b) - 0.84) < 1e-9);
	assert_int_equal(cs_region_year(b), 2024);
	assert_int_equal(cs_region_provider(b), CS_PROVIDER_GCP);
	assert_string_equal(cs_dataset_id(cs_region_dataset(b)), "ember-country");

	const cs_region *u = cs_region_find(CS_PROVIDER_AWS, "US-EAST-1");
	assert_non_null(u);
	assert_string_equal(cs_region_country(u), "US");
	/* CCF: EPA eGRID SERC 0.000415755 t/kWh */
	assert_true(fabs(cs_region_series_intensity(u, CS_GRID_CCF) - 415.755) < 1e-9);
}

static void test_country_lookup(void **state)
{
	(void)state;
	const cs_country *de = cs_country_find("DE");
	assert_non_null(de);
	assert_ptr_equal(de, cs_country_find("deu"));
	assert_ptr_equal(de, cs_country_find("Germany"));
	assert_string_equal(cs_country_iso3(de), "DEU");
	assert_string_equal(cs_country_iso2(de), "DE");
	assert_string_equal(cs_country_name(de), "Germany");
	assert_true(cs_country_intensity_g_per_kwh(de) > 0);
	assert_true(cs_country_year(de) >= 2020);
	assert_string_equal(cs_dataset_id(cs_country_dataset(de)), "ember-country");
	assert_null(cs_country_find("XX"));
	assert_null(cs_country_find(""));
}

static void test_suggestions(void **state)
{
	const char *s[3];
	size_t n;
	(void)state;
	n = cs_instance_suggest(CS_PROVIDER_AWS, "m5.larg", s, 3);
	assert_true(n >= 1);
	assert_string_equal(s[0], "m5.large");
	n = cs_region_suggest(CS_PROVIDER_AWS, "eu-west-9", s, 3);
	assert_true(n >= 1);
	assert_int_equal(strncmp(s[0], "eu-west-", 8), 0);
	n = cs_country_suggest("Germny", s, 3);
	assert_true(n >= 1);
	assert_string_equal(s[0], "Germany");
	/* Nonsense gets no suggestions rather than noise. */
	assert_int_equal(cs_instance_suggest(CS_PROVIDER_AWS, "zzzzzzzzzzzzzzzzzzzzzzz", s, 3), 0);
	assert_int_equal(cs_instance_suggest(CS_PROVIDER_AWS, "", s, 3), 0);
	assert_int_equal(cs_instance_suggest(CS_PROVIDER_AWS, NULL, s, 3), 0);
	assert_int_equal(cs_instance_suggest(CS_PROVIDER_AWS, "m5", s, 0), 0);
}

/* n suggestions, exactly these, in this order (failures name the caller's line). */
static void check_suggest(size_t n, const char **got, const char *const *want, size_t nwant, int line)
{
	_assert_int_equal(n, nwant, __FILE__, line);
	for (size_t i = 0; i < nwant; i++)
		_assert_string_equal(got[i], want[i], __FILE__, line);
}

#define CHECK_SUGGEST(call, ...)                                                                                       \
	do {                                                                                                           \
		static const char *const want_[] = {__VA_ARGS__};                                                      \
		const char *got_[8];                                                                                   \
		check_suggest(call, got_, want_, sizeof want_ / sizeof want_[0], __LINE__);                            \
	} while (0)

/* A family prefix suggests the family's members, smallest first. */
static void test_suggest_families(void **state)
{
	(void)state;
	/* m5: its sizes by vCPU then memory, not m5a/m5d/m5n (other families) */
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_AWS, "m5", got_, 8), "m5.large", "m5.xlarge", "m5.2xlarge",
	              "m5.4xlarge", "m5.8xlarge", "m5.12xlarge", "m5.16xlarge", "m5.24xlarge");
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_AWS, "M5.", got_, 3), "m5.large", "m5.xlarge", "m5.2xlarge");
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_UNKNOWN, "m5", got_, 3), "m5.large", "m5.xlarge", "m5.2xlarge");
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_AWS, "m5a", got_, 2), "m5a.large", "m5a.xlarge");
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_GCP, "e2-standard", got_, 3), "e2-standard-2", "e2-standard-4",
	              "e2-standard-8");
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_AZURE, "Standard_D2s", got_, 3), "Standard_D2s_v3",
	              "Standard_D2s_v4");
	CHECK_SUGGEST(cs_instance_suggest(CS_PROVIDER_AZURE, "D2s", got_, 3), "Standard_D2s_v3", "Standard_D2s_v4");
	/* regions: a separator or a digit after a letter starts the member part */
	CHECK_SUGGEST(cs_region_suggest(CS_PROVIDER_AWS, "us-east", got_, 8), "us-east-1", "us-east-2");
	CHECK_SUGGEST(cs_region_suggest(CS_PROVIDER_GCP, "europe-west", got_, 8), "europe-west1", "europe-west2",
	              "europe-west3", "europe-west4", "europe-west6", "europe-west8", "europe-west9", "europe-west10");
	/* a family from another provider is not offered */
	const char *s[3];
	size_t n = cs_instance_suggest(CS_PROVIDER_GCP, "m5", s, 3);
	for (size_t i = 0; i < n; i++)
		assert_non_null(cs_instance_find(CS_PROVIDER_GCP, s[i]));
	/* one character is not a family: edit distance answers (the reference
	 * test below checks "a" and "1"); m5.l is not cut at a new part */
	n = cs_instance_suggest(CS_PROVIDER_AWS, "m5.l", s, 3);
	assert_true(n >= 1);
	assert_string_equal(s[0], "m5.large");
}

/* ---- the bounded edit-distance search gives what a full one gives -------- */

/* The reference distance: the whole (la+1) x (lb+1) table, by recursion on
 * its definition (deletion, insertion, substitution), as in any textbook. */
static unsigned ref_distance(const char *a, const char *b)
{
	static unsigned d[130][130];
	size_t la = strlen(a), lb = strlen(b);

	for (size_t i = 0; i <= la; i++) {
		for (size_t j = 0; j <= lb; j++) {
			if (i == 0 || j == 0) {
				d[i][j] = (unsigned)(i + j);
				continue;
			}
			unsigned del = d[i - 1][j] + 1, ins = d[i][j - 1] + 1;
			unsigned sub = d[i - 1][j - 1] + (a[i - 1] != b[j - 1]);
			d[i][j] = del < ins ? (del < sub ? del : sub) : (ins < sub ? ins : sub);
		}
	}
	return d[la][lb];
}

/* The reference: every row's full distance (a typed prefix counting 2 at
 * most), a stable sort, the first max within half the key length + 2. */
static size_t ref_suggest(const char *key, const char *const *names, const char *const *keys, size_t nrows,
                          const char **out, size_t max)
{
	const char *bn[8];
	unsigned bd[8];
	size_t n = 0, k = 0, klen = strlen(key);

	for (size_t i = 0; i < nrows; i++) {
		unsigned d = ref_distance(key, keys[i]);
		size_t pos;
		if (!strncmp(keys[i], key, klen) && d > 2)
			d = 2;
		for (pos = n; pos > 0 && bd[pos - 1] > d; pos--)
			;
		if (pos >= max)
			continue;
		if (n == max)
			n--;
		memmove(&bn[pos + 1], &bn[pos], (n - pos) * sizeof bn[0]);
		memmove(&bd[pos + 1], &bd[pos], (n - pos) * sizeof bd[0]);
		bn[pos] = names[i];
		bd[pos] = d;
		n++;
	}
	for (size_t i = 0; i < n; i++) {
		if (bd[i] <= klen / 2 + 2)
			out[k++] = bn[i];
	}
	return k;
}

typedef size_t (*suggest_fn)(cs_provider p, const char *name, const char **out, size_t max);

static size_t country_suggest_any(cs_provider p, const char *name, const char **out, size_t max)
{
	(void)p;
	return cs_country_suggest(name, out, max);
}

/* The suggestions for every typed name and max equal the reference's,
 * unless they are a family (each key starting with the typed key), which
 * the reference does not know. Returns how many differed as families. */
static size_t check_reference(suggest_fn fn, const char *const *names, const char *const *keys, size_t nrows)
{
	static const char *const typed[] = {
	    "m5.larg", "c5.xlarg", "t3.nano1", "r6g.metl", "p4de", "x2idn", "e2-standrd-4", "n2-highmem",
	    "n2d-standard-1", "d2sv3", "D4_v5x", "Standard_E", "westeurop", "eu-west-9", "us-central", "asia-east",
	    "brazilsouth2", "uksouth", "Germny", "Frnce", "United Stats", "Kor", "Virgin", "qqqqqqqq", "a", "zz", "1",
	    "9xlarge", "large", "m5metal", "metal", "gpu", "a2-highgpu", "standardnc", "ap-south-7", "m5", "us-east",
	    "Republic of the Congo", "Saint Vincent and the Grenadines and more",
	    "r6gd.16xlarge.elasticsearch.with.a.long.tail", "Saint Vincent and the Grenadines, Saint Vincent and the",
	    /* 64 and 65 key characters: the last that fits a word, and the table */
	    "saintvincentandthegrenadinessaintvincentandthegrenadinessaintvin",
	    "saintvincentandthegrenadinessaintvincentandthegrenadinessaintvinc",
	    "xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"};
	size_t families = 0;

	for (size_t t = 0; t < sizeof typed / sizeof typed[0]; t++) {
		char key[128], k2[128];
		const char *got[8], *want[8];

		assert_true(cs_name_key(typed[t], key, sizeof key) > 0);
		for (size_t max = 1; max <= 8; max += 3) {
			size_t n = fn(CS_PROVIDER_UNKNOWN, typed[t], got, max);
			size_t w = ref_suggest(key, names, keys, nrows, want, max);
			bool same = n == w;

			for (size_t i = 0; same && i < n; i++)
				same = !strcmp(got[i], want[i]);
			if (same)
				continue;
			families++;
			assert_true(n > 0 && strlen(key) >= 2);
			for (size_t i = 0; i < n; i++) {
				assert_true(cs_name_key(got[i], k2, sizeof k2) > 0);
				assert_int_equal(strncmp(k2, key, strlen(key)), 0);
			}
		}
	}
	return families;
}

static void test_suggest_matches_reference(void **state)
{
	size_t ni = cs_instance_count(), nr = cs_region_count(), nc = cs_country_count();
	const char **names = calloc(ni, sizeof *names), **keys = calloc(ni, sizeof *keys);
	(void)state;

	assert_non_null(names);
	assert_non_null(keys);
	for (size_t i = 0; i < ni; i++) {
		names[i] = cs_instance_name(cs_instance_at(i));
		keys[i] = cs_instance_str(cs_instance_at(i)->key);
	}
	assert_true(check_reference(cs_instance_suggest, names, keys, ni) > 0); /* "m5" at least */
	assert_true(nr <= ni && nc <= ni);
	for (size_t i = 0; i < nr; i++) {
		names[i] = cs_region_name(cs_region_at(i));
		keys[i] = cs_grid_str(cs_region_at(i)->key);
	}
	assert_true(check_reference(cs_region_suggest, names, keys, nr) > 0); /* "us-east" at least */
	for (size_t i = 0; i < nc; i++) {
		names[i] = cs_country_name(cs_country_at(i));
		keys[i] = cs_grid_str(cs_country_at(i)->key);
	}
	assert_int_equal(check_reference(country_suggest_any, names, keys, nc), 0); /* no families */
	free(names);
	free(keys);
}

static void test_provider_names(void **state)
{
	(void)state;
	assert_int_equal(cs_provider_parse("AWS"), CS_PROVIDER_AWS);
	assert_int_equal(cs_provider_parse("google"), CS_PROVIDER_GCP);
	assert_int_equal(cs_provider_parse("Azure"), CS_PROVIDER_AZURE);
	assert_int_equal(cs_provider_parse("ibm"), CS_PROVIDER_UNKNOWN);
	assert_int_equal(cs_provider_parse(NULL), CS_PROVIDER_UNKNOWN);
	assert_string_equal(cs_provider_name(CS_PROVIDER_GCP), "gcp");
}

static void test_datasets_provenance(void **state)
{
	size_t n = cs_dataset_count();
	(void)state;
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		const cs_dataset *d = cs_dataset_at(i);
		const char *id = cs_dataset_id(d), *src = cs_dataset_source(d), *lic = cs_dataset_license(d);
		assert_true(id[0]);
		assert_true(cs_dataset_title(d)[0]);
		/* Upstream data is pinned to a commit; our own table names its file. */
		assert_true(strstr(src, "@") || strstr(src, "tools/datagen/"));
		assert_true(lic[0]);
		assert_true(cs_dataset_year(d) >= 2015 && cs_dataset_year(d) <= 2026);
		assert_true(cs_dataset_rows(d) > 0);
		/* No share-alike or copyleft data is embedded. */
		assert_null(strstr(lic, "AGPL"));
		assert_null(strstr(lic, "ODbL"));
		assert_null(strstr(lic, "SA"));
	}
	assert_null(cs_dataset_at(n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_name_key),           cmocka_unit_test(test_tables_sorted_unique),
	    cmocka_unit_test(test_instance_spellings), cmocka_unit_test(test_region_spellings),
	    cmocka_unit_test(test_country_lookup),     cmocka_unit_test(test_suggestions),
	    cmocka_unit_test(test_suggest_families),   cmocka_unit_test(test_suggest_matches_reference),
	    cmocka_unit_test(test_provider_names),     cmocka_unit_test(test_datasets_provenance),
	};
	return cmocka_run_group_tests_name("datasets", tests, NULL, NULL);
}
