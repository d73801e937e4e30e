/* fuzz_metadata.c - libFuzzer target for every parser of cloud metadata.
 *
 * Each input goes through all of them: the AWS text, token and instance-id
 * parsers, the GCP machine-type, zone and instance-id parsers, the Azure compute JSON parser, the
 * AWS zone -> region helper, the cache-file parser (platform/detect.c) and the
 * DMI classifier (input split on '\n' into the eight DMI strings). Besides
 * "no crash, no over-read", it checks the promise the rest of carbonstat
 * relies on: whatever a parser accepts is a short [A-Za-z0-9._-] name (an
 * instance id may also hold '/', '(' and ')': an Azure resource id), and a
 * token never holds a byte that could break a request header.
 *
 * Cache seeds use key "00112233aabbccdd", written 1000000, so the fuzzer can
 * reach past the key and age checks.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "platform/detect.h"
#include "platform/metadata.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CACHE_KEY "00112233aabbccdd"
#define FUZZ_NOW       1000060

static void check_name(const char *s)
{
	if (!cs_md_valid_name(s))
		abort();
}

static void check_name_or_empty(const char *s)
{
	if (s[0])
		check_name(s);
}

static void check_id_or_empty(const char *s)
{
	if (s[0] && !cs_md_valid_id(s))
		abort();
}

/* Splits s (NUL-terminated, modified) at '\n' into the DMI fields. */
static void fill_dmi(char *s, cs_dmi *d)
{
	char *fields[] = {d->sys_vendor,        d->product_name, d->product_version, d->board_asset_tag,
	                  d->chassis_asset_tag, d->bios_vendor,  d->bios_version,    d->product_uuid};
	size_t caps[] = {sizeof(d->sys_vendor),      sizeof(d->product_name),      sizeof(d->product_version),
	                 sizeof(d->board_asset_tag), sizeof(d->chassis_asset_tag), sizeof(d->bios_vendor),
	                 sizeof(d->bios_version),    sizeof(d->product_uuid)};
	size_t i;

	memset(d, 0, sizeof(*d));
	for (i = 0; i < sizeof(fields) / sizeof(fields[0]) && s; i++) {
		char *nl = strchr(s, '\n');
		size_t n;

		if (nl)
			*nl = '\0';
		n = strlen(s);
		if (n >= caps[i])
			n = caps[i] - 1;
		memcpy(fields[i], s, n);
		fields[i][n] = '\0';
		d->readable++;
		s = nl ? nl + 1 : NULL;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *body = (const char *)data;
	char out[CS_MD_NAME_MAX], zone[CS_MD_NAME_MAX], region[CS_MD_NAME_MAX];
	char tok[CS_MD_TOKEN_MAX], id[CS_MD_ID_MAX];
	cs_md_values v;
	cs_cloud_info ci;
	cs_dmi dmi;
	cs_dmi_verdict vd;
	char *s;
	size_t i;

	if (cs_md_parse_aws_text(body, size, out, sizeof(out)) == 0)
		check_name(out);
	if (cs_md_parse_aws_token(body, size, tok, sizeof(tok)) == 0) {
		for (i = 0; tok[i]; i++)
			if ((unsigned char)tok[i] <= 0x20 || (unsigned char)tok[i] >= 0x7f)
				abort();
		if (i == 0)
			abort();
	}
	if (cs_md_parse_aws_instance_id(body, size, id, sizeof(id)) == 0 && (id[0] != 'i' || !cs_md_valid_id(id)))
		abort();
	if (cs_md_parse_gcp_instance_id(body, size, id, sizeof(id)) == 0 && (strspn(id, "0123456789") != strlen(id)))
		abort();
	if (cs_md_parse_gcp_machine_type(body, size, out, sizeof(out)) == 0)
		check_name(out);
	if (cs_md_parse_gcp_zone(body, size, zone, sizeof(zone), region, sizeof(region)) == 0) {
		check_name(zone);
		check_name(region);
		/* the region is a strict prefix of the zone */
		if (strncmp(zone, region, strlen(region)) != 0 || zone[strlen(region)] != '-')
			abort();
	}
	if (cs_md_parse_azure_compute(body, size, &v) == 0) {
		check_name(v.instance_type);
		check_name(v.region);
		check_name_or_empty(v.zone);
		check_id_or_empty(v.instance_id);
		check_name_or_empty(v.instance_name);
	}
	if (cs_cloud_cache_parse(body, size, FUZZ_CACHE_KEY, FUZZ_NOW, 0, &ci) == 0) {
		check_name_or_empty(ci.instance_type);
		check_name_or_empty(ci.region);
		check_name_or_empty(ci.zone);
		check_id_or_empty(ci.instance_id);
		check_name_or_empty(ci.instance_name);
		if (!ci.source || !ci.instance_source || !ci.region_source ||
		    (unsigned)ci.provider >= CS_PROVIDER_COUNT || memchr(ci.why, '\0', sizeof(ci.why)) == NULL)
			abort();
	}

	/* NUL-terminated copy for the string-based helpers */
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (cs_md_aws_region_from_zone(s, out, sizeof(out)) == 0) {
		check_name(out);
		if (strncmp(s, out, strlen(out)) != 0)
			abort();
	}
	(void)cs_md_valid_url(s);
	fill_dmi(s, &dmi);
	cs_cloud_dmi_classify(&dmi, &vd);
	if (!vd.evidence || (vd.kind == CS_DMI_CLOUD) != (vd.provider != CS_PROVIDER_UNKNOWN))
		abort();
	check_name_or_empty(vd.instance_type);
	free(s);
	return 0;
}
