/* test_metadata.c - unit tests for platform/metadata's parsers: what the
 * AWS, GCP and Azure metadata services answer (untrusted: every malformed
 * body is refused, nothing is read past the length given). The probes
 * themselves run against a fake server in test_detect.c. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdio.h>
#include <string.h>

#include "carbonstat/error.h"
#include "platform/metadata.h"

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

static void test_parse_aws_text(void **state)
{
	char out[CS_MD_NAME_MAX];
	char small[4];
	char long_name[80];

	(void)state;
	assert_int_equal(cs_md_parse_aws_text("m5.large", 8, out, sizeof(out)), 0);
	assert_string_equal(out, "m5.large");
	assert_int_equal(cs_md_parse_aws_text("eu-west-1\r\n", 11, out, sizeof(out)), 0);
	assert_string_equal(out, "eu-west-1");
	/* len is honoured: no NUL needed, nothing read past it */
	assert_int_equal(cs_md_parse_aws_text("t3.microXXXX", 8, out, sizeof(out)), 0);
	assert_string_equal(out, "t3.micro");
	strcpy(out, "untouched");
	assert_int_equal(cs_md_parse_aws_text("", 0, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text("\n", 1, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text(" m5.large", 9, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text("m5.large\nx", 10, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text("m5 large", 8, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text("m5\0large", 8, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text("<html>", 6, out, sizeof(out)), CS_EINVAL);
	assert_string_equal(out, "untouched");
	assert_int_equal(cs_md_parse_aws_text("m5.large", 8, small, sizeof(small)), CS_ERANGE);
	memset(long_name, 'a', sizeof(long_name));
	assert_int_equal(cs_md_parse_aws_text(long_name, 64, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_text(long_name, 63, out, sizeof(out)), 0);
}

static void test_parse_aws_token(void **state)
{
	char tok[CS_MD_TOKEN_MAX];
	static char big[CS_MD_TOKEN_MAX + 10];

	(void)state;
	assert_int_equal(cs_md_parse_aws_token("AQAEAabc==", 10, tok, sizeof(tok)), 0);
	assert_string_equal(tok, "AQAEAabc==");
	/* header injection */
	assert_int_equal(cs_md_parse_aws_token("abc\r\nX-Evil: 1", 15, tok, sizeof(tok)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_token("a b", 3, tok, sizeof(tok)), CS_EINVAL);
	assert_int_equal(cs_md_parse_aws_token("", 0, tok, sizeof(tok)), CS_EINVAL);
	memset(big, 'A', sizeof(big));
	assert_int_equal(cs_md_parse_aws_token(big, sizeof(big), tok, sizeof(tok)), CS_EINVAL);
}

static void test_region_from_zone(void **state)
{
	char r[CS_MD_NAME_MAX];

	(void)state;
	assert_int_equal(cs_md_aws_region_from_zone("us-east-1a", r, sizeof(r)), 0);
	assert_string_equal(r, "us-east-1");
	assert_int_equal(cs_md_aws_region_from_zone("ap-southeast-2c", r, sizeof(r)), 0);
	assert_string_equal(r, "ap-southeast-2");
	assert_int_equal(cs_md_aws_region_from_zone("us-gov-west-1b", r, sizeof(r)), 0);
	assert_string_equal(r, "us-gov-west-1");
	assert_int_equal(cs_md_aws_region_from_zone("us-west-2-lax-1a", r, sizeof(r)), CS_EINVAL);
	assert_int_equal(cs_md_aws_region_from_zone("us-east-1-wl1-bos-wlz-1", r, sizeof(r)), CS_EINVAL);
	assert_int_equal(cs_md_aws_region_from_zone("us-east-1", r, sizeof(r)), CS_EINVAL);
	assert_int_equal(cs_md_aws_region_from_zone("", r, sizeof(r)), CS_EINVAL);
}

static void test_parse_gcp(void **state)
{
	static const char mt[] = "projects/123456789012/machineTypes/e2-standard-2";
	static const char zn[] = "projects/123456789012/zones/europe-west1-b";
	char out[CS_MD_NAME_MAX], zone[CS_MD_NAME_MAX], region[CS_MD_NAME_MAX];

	(void)state;
	assert_int_equal(cs_md_parse_gcp_machine_type(mt, strlen(mt), out, sizeof(out)), 0);
	assert_string_equal(out, "e2-standard-2");
	assert_int_equal(cs_md_parse_gcp_machine_type("n2-highmem-8\n", 13, out, sizeof(out)), 0);
	assert_string_equal(out, "n2-highmem-8");
	assert_int_equal(cs_md_parse_gcp_machine_type("projects/1/zones/e2-micro", 24, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_gcp_machine_type("projects/1/machineTypes/", 24, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_gcp_machine_type("/", 1, out, sizeof(out)), CS_EINVAL);
	assert_int_equal(cs_md_parse_gcp_zone(zn, strlen(zn), zone, sizeof(zone), region, sizeof(region)), 0);
	assert_string_equal(zone, "europe-west1-b");
	assert_string_equal(region, "europe-west1");
	assert_int_equal(cs_md_parse_gcp_zone("us-central1-a", 13, zone, sizeof(zone), region, sizeof(region)), 0);
	assert_string_equal(region, "us-central1");
	strcpy(region, "untouched");
	assert_int_equal(
	    cs_md_parse_gcp_zone("projects/1/zones/uscentral1", 27, zone, sizeof(zone), region, sizeof(region)),
	    CS_EINVAL);
	assert_int_equal(cs_md_parse_gcp_zone("projects/1/zones/us-", 20, zone, sizeof(zone), region, sizeof(region)),
	                 CS_EINVAL);
	assert_int_equal(cs_md_parse_gcp_zone("projects/1/zones/-a", 19, zone, sizeof(zone), region, sizeof(region)),
	                 CS_EINVAL);
	assert_int_equal(
	    cs_md_parse_gcp_zone("projects/1/regions/us-central1-a", 32, zone, sizeof(zone), region, sizeof(region)),
	    CS_EINVAL);
	assert_string_equal(region, "untouched");
}

static void test_parse_azure(void **state)
{
	static const char ok[] = "{\"location\":\"westeurope\",\"vmSize\":\"Standard_D2s_v3\",\"zone\":\"2\","
	                         "\"osProfile\":{\"computerName\":\"x\"},\"tagsList\":[]}";
	static const char nozone[] = "{\"location\":\"eastus\",\"vmSize\":\"Standard_B1s\",\"zone\":\"\"}";
	static const char *const bad[] = {
	    "",
	    "[]",
	    "{\"location\":\"westeurope\"}",
	    "{\"vmSize\":\"Standard_D2s_v3\"}",
	    "{\"location\":\"west europe\",\"vmSize\":\"Standard_D2s_v3\"}",
	    "{\"location\":\"westeurope\",\"vmSize\":12}",
	    "{\"location\":\"westeurope\",\"vmSize\":\"Standard_D2s_v3\",\"zone\":1}",
	    "{\"location\":\"westeurope\",\"vmSize\":\"Std\\u0000x\"}",
	    "{\"location\":\"westeurope\",\"vmSize\":\"a\",\"vmSize\":\"b\"}",
	    "{\"location\":\"westeurope\",\"vmSize\":\"Standard_D2s_v3\"",
	    "{\"location\":\"westeurope\",\"vmSize\":\"Standard_D2s_v3\"} trailing",
	};
	cs_md_values v;
	size_t i;

	(void)state;
	assert_int_equal(cs_md_parse_azure_compute(ok, strlen(ok), &v), 0);
	assert_string_equal(v.instance_type, "Standard_D2s_v3");
	assert_string_equal(v.region, "westeurope");
	assert_string_equal(v.zone, "2");
	assert_int_equal(cs_md_parse_azure_compute(nozone, strlen(nozone), &v), 0);
	assert_string_equal(v.zone, "");
	for (i = 0; i < ARRAY_LEN(bad); i++) {
		strcpy(v.instance_type, "untouched");
		if (cs_md_parse_azure_compute(bad[i], strlen(bad[i]), &v) != CS_EINVAL)
			fail_msg("accepted bad Azure body %zu: %s", i, bad[i]);
		assert_string_equal(v.instance_type, "untouched");
	}
	assert_false(cs_md_valid_name("Standard D2s v3"));
	assert_true(cs_md_valid_name("Standard_D2s_v3"));
	assert_true(cs_md_valid_url("http://127.0.0.1:8080/"));
	assert_false(cs_md_valid_url("https://169.254.169.254"));
	assert_false(cs_md_valid_url("file:///etc/passwd"));
	assert_false(cs_md_valid_url("http://a b"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_parse_aws_text),   cmocka_unit_test(test_parse_aws_token),
	    cmocka_unit_test(test_region_from_zone), cmocka_unit_test(test_parse_gcp),
	    cmocka_unit_test(test_parse_azure),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
