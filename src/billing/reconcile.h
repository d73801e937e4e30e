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
 * Then joins them with the bill's operational (location-based) and
 * embodied carbon for the same keys; the CLI prints the two sides.
 */
#ifndef CS_BILLING_RECONCILE_H
#define CS_BILLING_RECONCILE_H

#include <stdbool.h>
#include <stddef.h>

#include "billing/ingest.h"

typedef struct cs_recon cs_recon;

/* One provider figure, after summing (kg; NaN = not given). */
typedef struct cs_recon_row {
	int month;         /* yyyymm, 0 = not given */
	char provider[16]; /* aws, gcp, azure */
	char service[96];
	char region[48];
	double location_kg;
	double market_kg;
} cs_recon_row;

int cs_recon_load(const char *path, cs_recon **out, char *why, size_t cap);
/* Parses a whole provider file held in memory (tests, fuzzing). */
int cs_recon_parse(const char *data, size_t n, const char *name, cs_recon **out, char *why, size_t cap);
const cs_recon_row *cs_recon_rows(const cs_recon *r, size_t *n);
/* "aws", "gcp" or "azure". */
const char *cs_recon_provider(const cs_recon *r);

/* One month x service x region, both sides (kg; NaN = not given). */
typedef struct cs_recon_side {
	int month; /* yyyymm, 0 = not given */
	char service[96];
	char region[48];
	double location_kg, market_kg; /* the provider's */
	double op_kg, emb_kg;          /* carbonstat's, when have_bill */
	bool have_provider, have_bill;
} cs_recon_side;

/* Joins the provider's rows with the bill's of the same provider (b may be
 * NULL), on normalised service and region names; sorted by month, service,
 * region. *out is malloc'ed (free it). Azure Carbon Optimization rows name
 * one dimension (service or location): the bill is summed on it alone. */
int cs_recon_join(const cs_recon *r, const cs_bill *b, cs_recon_side **out, size_t *n);
void cs_recon_free(cs_recon *r);

#endif
