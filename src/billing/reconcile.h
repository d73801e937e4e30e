/* billing/reconcile.h - the providers' own carbon figures beside carbonstat's.
 *
 * Reads one provider carbon export and sums it per month x service x
 * region, location-based and market-based apart:
 *  - AWS Data Exports CARBON_EMISSIONS (CSV): usage_period_start,
 *    product_code, region_code, total_lbm_emissions_value and
 *    total_mbm_emissions_value in MTCO2e (x 1000 -> kg).
 *  - GCP Carbon Footprint BigQuery export as CSV: usage_month,
 *    service.description, location.region,
 *    carbon_footprint_total_kgCO2e.location_based / .market_based (the
 *    dotted names, or with underscores as a query writes them).
 *  - Azure: the Cloud for Sustainability emissions JSON (EnrollmentEmission:
 *    dateKey, azureServiceName, azureRegionName, scope, totalEmissions in
 *    mtCO2e) or the Carbon Optimization report JSON (ItemDetailsData,
 *    latestMonthEmissions in kgCO2e, per ServiceType or Location). Microsoft
 *    states one basis (market-based); the location-based column is empty.
 * Then prints them beside the bill's operational (location-based) and
 * embodied carbon for the same keys, with the ratio.
 */
#ifndef CS_BILLING_RECONCILE_H
#define CS_BILLING_RECONCILE_H

#include <stdio.h>

#include "billing/ingest.h"

typedef struct cs_recon cs_recon;

/* One provider figure, after summing (kg; NaN = not given). */
typedef struct cs_recon_row {
	int month;            /* yyyymm, 0 = not given */
	char provider[16];    /* aws, gcp, azure */
	char service[96];
	char region[48];
	double location_kg;
	double market_kg;
} cs_recon_row;

int cs_recon_load(const char *path, cs_recon **out, char *why, size_t cap);
/* Parses a whole provider file held in memory (tests, fuzzing). */
int cs_recon_parse(const char *data, size_t n, const char *name, cs_recon **out, char *why, size_t cap);
const cs_recon_row *cs_recon_rows(const cs_recon *r, size_t *n);
/* Prints provider vs carbonstat (b may be NULL: provider side only).
 * how: 0 table, 1 JSON, 2 CSV. */
int cs_recon_print(const cs_recon *r, const cs_bill *b, int how, FILE *f);
void cs_recon_free(cs_recon *r);

#endif
