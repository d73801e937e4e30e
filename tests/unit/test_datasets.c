/* Unit tests for data/datasets.c: lookups in every accepted spelling,
 * table invariants (sorted, unique keys, provenance), suggestions. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

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

static void test_tables_sorted_unique(void **state)
{
	size_t n;
	(void)state;
	const cs_instance *it = cs_instances(&n);
	assert_true(n > 1000);
	for (size_t i = 0; i < n; i++) {
		char k[128];
		cs_name_key(it[i].name, k, sizeof k);
		assert_string_equal(k, it[i].key);
		assert_non_null(cs_dataset_at(it[i].power_dataset));
		assert_true(it[i].vcpu > 0);
		if (i > 0) {
			assert_true(it[i - 1].provider < it[i].provider ||
				    (it[i - 1].provider == it[i].provider && strcmp(it[i - 1].key, it[i].key) < 0));
		}
	}
	const cs_region *r = cs_regions(&n);
	assert_true(n > 60);
	for (size_t i = 1; i < n; i++) {
		assert_true(r[i - 1].provider < r[i].provider ||
			    (r[i - 1].provider == r[i].provider && strcmp(r[i - 1].key, r[i].key) < 0));
	}
	for (size_t i = 0; i < n; i++) {
		assert_true(r[i].intensity_g_per_kwh >= 0); /* every region has a figure */
		assert_int_equal(strlen(r[i].country), 2);
		assert_non_null(cs_dataset_at(r[i].dataset));
	}
	const cs_country *c = cs_countries(&n);
	assert_true(n > 150);
	for (size_t i = 1; i < n; i++)
		assert_true(strcmp(c[i - 1].iso2, c[i].iso2) < 0);
}

static void test_instance_spellings(void **state)
{
	(void)state;
	const cs_instance *a = cs_instance_find(CS_PROVIDER_AZURE, "Standard_D2s_v3");
	assert_non_null(a);
	assert_ptr_equal(a, cs_instance_find(CS_PROVIDER_AZURE, "D2s v3"));
	assert_ptr_equal(a, cs_instance_find(CS_PROVIDER_AZURE, "d2s_v3"));
	assert_ptr_equal(a, cs_instance_find(CS_PROVIDER_UNKNOWN, "standard_d2s_v3"));
	assert_int_equal(a->vcpu, 2);
	assert_true(fabs(a->mem_gb - 8) < 1e-9);

	const cs_instance *m = cs_instance_find(CS_PROVIDER_AWS, "M5.LARGE");
	assert_non_null(m);
	assert_string_equal(m->name, "m5.large");
	assert_int_equal(m->method, CS_METHOD_CURVE);
	assert_null(cs_instance_find(CS_PROVIDER_GCP, "m5.large"));
	assert_null(cs_instance_find(CS_PROVIDER_AWS, ""));
	assert_null(cs_instance_find(CS_PROVIDER_AWS, NULL));

	const cs_instance *g = cs_instance_find(CS_PROVIDER_GCP, "e2-standard-4");
	assert_non_null(g);
	assert_int_equal(g->method, CS_METHOD_MINMAX);
	assert_int_equal(g->vcpu, 4);
}

static void test_region_spellings(void **state)
{
	(void)state;
	const cs_region *w = cs_region_find(CS_PROVIDER_AZURE, "westeurope");
	assert_non_null(w);
	assert_ptr_equal(w, cs_region_find(CS_PROVIDER_AZURE, "West Europe"));
	assert_ptr_equal(w, cs_region_find(CS_PROVIDER_AZURE, "WEST EUROPE"));
	assert_string_equal(w->country, "NL");
	/* CCF Azure factor 0.00039 t/kWh */
	assert_true(fabs(w->intensity_g_per_kwh - 390) < 1e-6);

	const cs_region *b = cs_region_find(CS_PROVIDER_GCP, "europe-west1");
	assert_non_null(b);
	assert_string_equal(b->country, "BE");
	assert_true(fabs(b->intensity_g_per_kwh - 103.37) < 1e-9); /* Google 2024 */
	assert_true(fabs(b->cfe - 0.84) < 1e-9);
	assert_int_equal(b->year, 2024);

	const cs_region *u = cs_region_find(CS_PROVIDER_AWS, "US-EAST-1");
	assert_non_null(u);
	assert_string_equal(u->country, "US");
	assert_true(fabs(u->intensity_g_per_kwh - 415.755) < 1e-9);
}

static void test_country_lookup(void **state)
{
	(void)state;
	const cs_country *de = cs_country_find("DE");
	assert_non_null(de);
	assert_ptr_equal(de, cs_country_find("deu"));
	assert_ptr_equal(de, cs_country_find("Germany"));
	assert_string_equal(de->iso3, "DEU");
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
	size_t n;
	(void)state;
	const cs_dataset *d = cs_datasets(&n);
	assert_true(n >= 10);
	for (size_t i = 0; i < n; i++) {
		assert_true(d[i].id && d[i].id[0]);
		/* Upstream data is pinned to a commit; our own table names its file. */
		assert_true(d[i].source && (strstr(d[i].source, "@") || strstr(d[i].source, "tools/datagen/")));
		assert_true(d[i].license && d[i].license[0]);
		assert_true(d[i].year >= 2015 && d[i].year <= 2026);
		assert_true(d[i].rows > 0);
		/* No share-alike or copyleft data is embedded. */
		assert_null(strstr(d[i].license, "AGPL"));
		assert_null(strstr(d[i].license, "ODbL"));
		assert_null(strstr(d[i].license, "SA"));
	}
	assert_null(cs_dataset_at((unsigned)n));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_name_key),
		cmocka_unit_test(test_tables_sorted_unique),
		cmocka_unit_test(test_instance_spellings),
		cmocka_unit_test(test_region_spellings),
		cmocka_unit_test(test_country_lookup),
		cmocka_unit_test(test_suggestions),
		cmocka_unit_test(test_provider_names),
		cmocka_unit_test(test_datasets_provenance),
	};
	return cmocka_run_group_tests_name("datasets", tests, NULL, NULL);
}
