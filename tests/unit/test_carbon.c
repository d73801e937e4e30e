/* tests/unit/test_carbon.c - carbon/carbon.c: the one energy -> gCO2e
 * conversion (PUE, unknown intensity), embodied, and the static resolution
 * of a site (region with its own figure, a region that falls back to its
 * country, a country, nothing) on the real tables. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include <carbonstat/model.h>

#include "carbon/carbon.h"

static void test_convert(void **state)
{
	(void)state;
	/* 1 kWh = 3.6e12 uJ */
	assert_true(fabs(cs_carbon_operational_g(3.6e12, 300, 1.2) - 360.0) < 1e-9);
	assert_true(fabs(cs_carbon_operational_g(3.6e12, 300, 0) - 300.0) < 1e-9); /* pue <= 0 is 1 */
	assert_true(cs_carbon_operational_g(3.6e12, -1, 1.2) == 0.0);              /* no location */
	assert_true(cs_carbon_operational_g(-5, 300, 1.2) == 0.0);
	assert_true(cs_carbon_operational_g(NAN, 300, 1.2) == 0.0);
	/* a sum of shares converts to the sum of their grams */
	assert_true(fabs(cs_carbon_operational_g(1000, 400, 1.5) + cs_carbon_operational_g(2000, 400, 1.5) -
	                 cs_carbon_operational_g(3000, 400, 1.5)) < 1e-18);
	assert_true(fabs(cs_carbon_embodied_g(2.0, 1800) - 1.0) < 1e-12);
	assert_true(cs_carbon_embodied_g(-1, 1800) == 0.0);
	assert_true(cs_carbon_embodied_g(2.0, 0) == 0.0);
	assert_string_equal(cs_scope_name(CS_SCOPE_OPERATIONAL), "operational");
	assert_string_equal(cs_scope_name(CS_SCOPE_EMBODIED), "embodied");
	assert_string_equal(cs_scope_name(CS_SCOPE_N), "unknown");
}

static void test_region(void **state)
{
	const cs_region *own = NULL, *fallback = NULL;
	cs_host_site site;
	cs_carbon c;
	char want[128];

	(void)state;
	for (size_t i = 0; i < cs_region_count(); i++) {
		const cs_region *r = cs_region_at(i);
		const char *cc = cs_region_country(r);
		const cs_country *ct = cc[0] ? cs_country_find(cc) : NULL;

		if (!own && cs_region_intensity_g_per_kwh(r) >= 0)
			own = r;
		if (!fallback && cs_region_intensity_g_per_kwh(r) < 0 && ct && cs_country_intensity_g_per_kwh(ct) >= 0)
			fallback = r;
	}
	assert_non_null(own);
	memset(&site, 0, sizeof site);
	site.provider = cs_region_provider(own);
	site.region = own;
	site.location_from = "imds-aws";
	cs_carbon_resolve(&site, &c);
	assert_string_equal(c.location_kind, "region");
	assert_string_equal(c.location_from, "imds-aws");
	assert_true(c.intensity_g_per_kwh == cs_region_intensity_g_per_kwh(own));
	assert_int_equal(c.intensity_year, cs_region_year(own));
	snprintf(want, sizeof want, "region %s/%s (", cs_provider_name(cs_region_provider(own)), cs_region_name(own));
	assert_memory_equal(c.intensity_source, want, strlen(want));
	assert_non_null(strstr(c.intensity_source, "; from imds-aws)"));
	assert_true(fabs(c.pue - cs_pue_default(cs_region_provider(own))) < 1e-12);
	assert_non_null(strstr(c.why, "no embodied: instance type unknown"));
	assert_null(strstr(c.why, "no location"));
	if (!fallback)
		return; /* every region has its own figure in these tables */
	site.region = fallback;
	cs_carbon_resolve(&site, &c);
	assert_string_equal(c.location_kind, "country");
	assert_non_null(c.country);
	assert_true(c.intensity_g_per_kwh == cs_country_intensity_g_per_kwh(c.country));
	assert_non_null(strstr(c.intensity_source, " of region "));
}

static void test_country_instance_none(void **state)
{
	const cs_country *fr = cs_country_find("FR");
	const cs_instance *it = cs_instance_find(CS_PROVIDER_AWS, "m5.large");
	cs_host_site site;
	cs_carbon c;

	(void)state;
	assert_non_null(fr);
	assert_non_null(it);
	memset(&site, 0, sizeof site);
	site.country = fr;
	site.location_from = "option";
	site.provider = CS_PROVIDER_AWS;
	site.instance = it;
	site.instance_from = "option";
	cs_carbon_resolve(&site, &c);
	assert_string_equal(c.location, "FR");
	assert_string_equal(c.location_kind, "country");
	assert_true(c.intensity_g_per_kwh == cs_country_intensity_g_per_kwh(fr));
	assert_true(fabs(c.pue - 1.135) < 1e-12);
	assert_ptr_equal(c.instance, it);
	if (cs_instance_embodied_g_per_h(it) >= 0) {
		assert_true(c.embodied_g_per_h == cs_instance_embodied_g_per_h(it));
		assert_non_null(c.embodied_dataset);
		assert_string_equal(c.why, "");
	}
	/* nothing known: the site's reason comes first, no figure is made up */
	memset(&site, 0, sizeof site);
	snprintf(site.why, sizeof site.why, "no location: pass --country or --region to get gCO2e");
	cs_carbon_resolve(&site, &c);
	assert_true(c.intensity_g_per_kwh < 0);
	assert_string_equal(c.location_kind, "none");
	assert_string_equal(c.location_from, "none");
	assert_true(fabs(c.pue - 1.0) < 1e-12);
	assert_true(c.embodied_g_per_h < 0);
	assert_int_equal(strncmp(c.why, "no location: pass", 17), 0);
	assert_non_null(strstr(c.why, "; no embodied:"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_convert),
	    cmocka_unit_test(test_region),
	    cmocka_unit_test(test_country_instance_none),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
