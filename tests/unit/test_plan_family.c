/* Unit tests for plan/family.c (families, --families, candidates) and
 * plan/geo.c (great-circle distance, region coordinates). */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

#include "plan/family.h"
#include "plan/geo.h"

static plan_catalog catalog;

static int setup(void **state)
{
	(void)state;
	return plan_catalog_build(&catalog);
}

static int teardown(void **state)
{
	(void)state;
	plan_catalog_free(&catalog);
	return 0;
}

static void family_is(cs_provider p, const char *name, const char *family, const char *kind, uint32_t flags)
{
	char f[48], k[16];
	uint32_t fl;

	plan_family_parse(p, name, f, sizeof f, k, sizeof k, &fl);
	if (strcmp(f, family) || strcmp(k, kind) || fl != flags)
		fail_msg("%s: family '%s' kind '%s' flags %u, want '%s' '%s' %u", name, f, k, fl, family, kind, flags);
}

static void test_family_parse(void **state)
{
	(void)state;
	family_is(CS_PROVIDER_AWS, "m5.large", "m5", "", 0);
	family_is(CS_PROVIDER_AWS, "c7i-flex.2xlarge", "c7i-flex", "", 0);
	family_is(CS_PROVIDER_AWS, "db.r5.large", "db.r5", "db", 0);
	family_is(CS_PROVIDER_AWS, "cache.m6g.xlarge", "cache.m6g", "cache", 0);
	family_is(CS_PROVIDER_AWS, "c5.large.elasticsearch", "c5.elasticsearch", "elasticsearch", 0);
	family_is(CS_PROVIDER_AWS, "m5.metal", "m5", "metal", 0);
	family_is(CS_PROVIDER_AWS, "m7i.metal-24xl", "m7i", "metal", 0);
	family_is(CS_PROVIDER_AWS, "u-6tb1.112xlarge", "u-6tb1", "", 0);
	family_is(CS_PROVIDER_AWS, "t3.micro", "t3", "", PLAN_FAM_SHARED);
	family_is(CS_PROVIDER_AWS, "trn1.2xlarge", "trn1", "", PLAN_FAM_ACCEL); /* not t* */
	family_is(CS_PROVIDER_AWS, "g4dn.xlarge", "g4dn", "", PLAN_FAM_ACCEL);
	family_is(CS_PROVIDER_AWS, "mac2.metal", "mac2", "metal", PLAN_FAM_MAC);
	family_is(CS_PROVIDER_GCP, "n2-standard-4", "n2", "", 0);
	family_is(CS_PROVIDER_GCP, "c3-standard-4-lssd", "c3", "lssd", 0);
	family_is(CS_PROVIDER_GCP, "x4-megamem-960-metal", "x4", "metal", 0);
	family_is(CS_PROVIDER_GCP, "e2-micro", "e2", "shared", PLAN_FAM_SHARED);
	family_is(CS_PROVIDER_GCP, "g1-small", "g1", "shared", PLAN_FAM_SHARED);
	family_is(CS_PROVIDER_GCP, "a2-highgpu-1g", "a2", "", PLAN_FAM_ACCEL);
	family_is(CS_PROVIDER_AZURE, "Standard_D2as_v4", "Das_v4", "", 0);
	family_is(CS_PROVIDER_AZURE, "Standard_E16-4as_v4", "Eas_v4", "constrained", 0);
	family_is(CS_PROVIDER_AZURE, "Standard_NC6_Promo", "NC", "promo", PLAN_FAM_ACCEL);
	family_is(CS_PROVIDER_AZURE, "Standard_NC16as_T4_v3", "NCas_T4_v3", "", PLAN_FAM_ACCEL);
	family_is(CS_PROVIDER_AZURE, "Standard_B2ms", "Bms", "", PLAN_FAM_SHARED);
	family_is(CS_PROVIDER_AZURE, "Standard_M416ms_v2", "Mms_v2", "", 0);
}

static bool has(const cs_instance **v, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(cs_instance_name(v[i]), name))
			return true;
	return false;
}

static void test_catalog(void **state)
{
	const cs_instance *m5 = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	const plan_family *f = plan_family_of(&catalog, m5);
	(void)state;

	assert_non_null(f);
	assert_string_equal(f->name, "m5");
	assert_int_equal(f->provider, CS_PROVIDER_AWS);
	/* sizes sorted by vCPU, then memory */
	for (size_t i = 1; i < f->ntypes; i++)
		assert_true(cs_instance_vcpu(f->types[i - 1]) <= cs_instance_vcpu(f->types[i]));
	assert_string_equal(cs_instance_name(f->types[0]), "m5.large");
	for (size_t i = 0; i < cs_instance_count(); i++)
		assert_int_equal(plan_instance_number(&catalog, cs_instance_at(i)), i);
	assert_int_equal(plan_vendor_of(m5), PLAN_VENDOR_INTEL);
	assert_int_equal(plan_vendor_of(cs_instance_find(CS_PROVIDER_AWS, "m6g.large")), PLAN_VENDOR_ARM);
	assert_int_equal(plan_vendor_of(cs_instance_find(CS_PROVIDER_GCP, "n2d-standard-2")), PLAN_VENDOR_AMD);
	assert_int_equal(plan_vendor_of(cs_instance_find(CS_PROVIDER_GCP, "c4a-standard-2")), PLAN_VENDOR_ARM);
	/* e2: Intel and EPYC 2nd Gen hosts: no one vendor; n1: all Intel */
	assert_int_equal(plan_vendor_of(cs_instance_find(CS_PROVIDER_GCP, "e2-standard-2")), 0);
	assert_int_equal(plan_vendor_of(cs_instance_find(CS_PROVIDER_GCP, "n1-standard-2")), PLAN_VENDOR_INTEL);
}

/* The smallest size of each allowed family with at least the vCPUs and
 * memory; burstable, accelerator and Mac families left out; other
 * providers only when asked, plain kinds only. */
static void test_candidates(void **state)
{
	const cs_instance *v[2048], *m5 = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	size_t n;
	(void)state;

	n = plan_candidates(&catalog, NULL, m5, 1u << CS_PROVIDER_AWS, v, 2048);
	assert_true(n > 50);
	assert_ptr_equal(v[0], m5);
	assert_true(has(v, n, "m6g.large")); /* 2 vCPU, 8 GB */
	assert_true(has(v, n, "c5.xlarge")); /* c5.large has 4 GB: too small */
	assert_false(has(v, n, "c5.large"));
	assert_true(has(v, n, "r5.large"));   /* 16 GB covers 8 */
	assert_false(has(v, n, "r5.xlarge")); /* not the smallest */
	assert_false(has(v, n, "t3.large"));  /* burstable */
	assert_false(has(v, n, "g4dn.xlarge"));
	assert_false(has(v, n, "db.m5.large")); /* another kind */
	assert_false(has(v, n, "m5.metal"));
	assert_false(has(v, n, "n2-standard-2"));
	for (size_t i = 0; i < n; i++) {
		assert_true(cs_instance_vcpu(v[i]) >= 2 && cs_instance_mem_gb(v[i]) >= 8);
		assert_int_equal(cs_instance_provider(v[i]), CS_PROVIDER_AWS);
	}

	n = plan_candidates(&catalog, NULL, m5, 1u << CS_PROVIDER_GCP, v, 2048);
	assert_true(has(v, n, "n2-standard-2"));
	assert_true(has(v, n, "e2-standard-2"));
	assert_true(has(v, n, "c4a-standard-2"));
	assert_false(has(v, n, "e2-medium")); /* shared-core */
	assert_false(has(v, n, "c3-standard-4-lssd"));

	/* a burstable group may move to burstable families */
	n = plan_candidates(&catalog, NULL, cs_instance_find(CS_PROVIDER_AWS, "t3.large"), 1u << CS_PROVIDER_AWS, v,
	                    2048);
	assert_true(has(v, n, "t3a.large"));
	assert_true(has(v, n, "m5.large"));
	/* a GPU group keeps its type */
	n = plan_candidates(&catalog, NULL, cs_instance_find(CS_PROVIDER_AWS, "p3.2xlarge"), 7u << 1, v, 2048);
	assert_int_equal(n, 1);
	/* a database stays a database */
	n = plan_candidates(&catalog, NULL, cs_instance_find(CS_PROVIDER_AWS, "db.r5.large"), 1u << CS_PROVIDER_AWS, v,
	                    2048);
	assert_true(has(v, n, "db.r6g.large"));
	assert_false(has(v, n, "r5.large"));
}

static void test_filter(void **state)
{
	plan_filter f;
	const cs_instance *v[2048], *m5 = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	char why[512];
	size_t n;
	(void)state;

	assert_int_equal(plan_filter_parse(&catalog, "arm, Sapphire Rapids ,t3", &f, why, sizeof why), 0);
	n = plan_candidates(&catalog, &f, m5, 1u << CS_PROVIDER_AWS, v, 2048);
	assert_ptr_equal(v[0], m5); /* always */
	assert_true(has(v, n, "m6g.large"));
	assert_true(has(v, n, "m7g.large"));
	assert_true(has(v, n, "m7i.large"));  /* Sapphire Rapids */
	assert_true(has(v, n, "t3.large"));   /* named outright */
	assert_false(has(v, n, "m6a.large")); /* AMD */
	assert_false(has(v, n, "t4g.large")); /* arm, but burstable and not named */
	plan_filter_free(&f);
	plan_filter_free(NULL);

	assert_int_equal(plan_filter_parse(&catalog, "Das_v5,Standard_Das_v4", &f, why, sizeof why), CS_EINVAL);
	plan_filter_free(&f);
	assert_int_equal(plan_filter_parse(&catalog, "m7q", &f, why, sizeof why), CS_EINVAL);
	assert_true(strstr(why, "--families: 'm7q' is not a family, microarchitecture or vendor; did you mean ") ==
	            why);
	assert_non_null(strstr(why, "m7g"));
	assert_int_equal(plan_filter_parse(&catalog, " , ", &f, why, sizeof why), CS_EINVAL);
	assert_string_equal(why, "--families is empty; give families, microarchitectures or vendors, e.g. --families "
	                         "arm,m7i");
	assert_int_equal(plan_filter_parse(&catalog, "Standard_Das_v4,das_v4", &f, why, sizeof why), 0);
	n = plan_candidates(&catalog, &f, cs_instance_find(CS_PROVIDER_AZURE, "Standard_D2s_v3"),
	                    1u << CS_PROVIDER_AZURE, v, 2048);
	assert_true(has(v, n, "Standard_D2as_v4"));
	assert_int_equal(n, 2);
	plan_filter_free(&f);
}

/* Haversine by hand: Dublin (53.35, -6.26) to London (51.51, -0.13):
 * dphi = -1.84 deg = -0.0321141 rad, dlambda = 6.13 deg = 0.1069887 rad,
 * a = sin^2(dphi/2) + cos(53.35) cos(51.51) sin^2(dlambda/2)
 *   = 0.000257823 + 0.596925 x 0.622396 x 0.00285829 = 0.00131974,
 * d = 2 x 6371.0088 x asin(sqrt(a)) = 2 x 6371.0088 x 0.0363358 = 463.0 km. */
static void test_geo(void **state)
{
	const cs_region *ew1 = cs_region_find(CS_PROVIDER_AWS, "eu-west-1"),
	                *ew2 = cs_region_find(CS_PROVIDER_AWS, "eu-west-2");
	double lat, lon, km;
	const char *place;
	(void)state;

	assert_true(fabs(plan_great_circle_km(53.35, -6.26, 51.51, -0.13) - 463.0) < 0.5);
	assert_true(plan_great_circle_km(1, 2, 1, 2) == 0);
	/* antipodes: half the circumference, asin clamped */
	assert_true(fabs(plan_great_circle_km(0, 0, 0, 180) - M_PI * PLAN_EARTH_RADIUS_KM) < 1e-6);
	assert_int_equal(cs_region_coords(ew1, &lat, &lon, &place), 0);
	assert_true(lat == 53.35 && lon == -6.26);
	assert_string_equal(place, "Dublin");
	assert_int_equal(plan_region_km(ew1, ew2, &km), 0);
	assert_true(fabs(km - 463.0) < 0.5);
	/* every region of the tables has coordinates */
	for (size_t i = 0; i < cs_region_count(); i++)
		assert_int_equal(cs_region_coords(cs_region_at(i), NULL, NULL, NULL), 0);
	assert_string_equal(cs_dataset_id(cs_region_coords_dataset()), "carbonstat-region-coords");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_family_parse), cmocka_unit_test(test_catalog), cmocka_unit_test(test_candidates),
	    cmocka_unit_test(test_filter),       cmocka_unit_test(test_geo),
	};
	return cmocka_run_group_tests(tests, setup, teardown);
}
