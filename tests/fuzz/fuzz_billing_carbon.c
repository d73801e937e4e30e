/* fuzz_billing_carbon.c - libFuzzer target for the provider carbon export
 * parsers (billing/reconcile.c): AWS CARBON_EMISSIONS and GCP carbon
 * footprint CSV (chosen by their header), Azure emissions JSON (input
 * starting with '{' or '['). The first byte picks which header is put in
 * front of CSV input, so both CSV parsers see mutated rows. Parsed figures
 * are then joined (no bill: every side is the provider's alone). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/reconcile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char aws[] = "usage_period_start,product_code,region_code,total_lbm_emissions_unit,"
                          "total_lbm_emissions_value,total_mbm_emissions_unit,total_mbm_emissions_value\n";
static const char gcp[] =
    "usage_month,service.description,location.region,carbon_footprint_total_kgCO2e.location_based,"
    "carbon_footprint_total_kgCO2e.market_based\n";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *h = "";
	size_t hl = 0;
	char *buf, why[512];
	cs_recon *r;
	cs_recon_side *v;
	size_t n;

	if (size && data[0] != '{' && data[0] != '[') {
		h = data[0] & 1 ? aws : gcp;
		hl = strlen(h);
		data++;
		size--;
	}
	buf = malloc(hl + size + 1);
	if (!buf)
		return 0;
	memcpy(buf, h, hl);
	if (size)
		memcpy(buf + hl, data, size);
	if (cs_recon_parse(buf, hl + size, "fuzz", &r, why, sizeof why) == 0) {
		if (cs_recon_join(r, NULL, &v, &n) == 0) {
			for (size_t i = 0; i < n; i++)
				if (!v[i].have_provider || v[i].have_bill)
					abort();
			free(v);
		}
		cs_recon_free(r);
	}
	free(buf);
	return 0;
}
