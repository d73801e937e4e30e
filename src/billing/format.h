/* billing/format.h - which export a header is, and its rows as cs_bill_line.
 *
 * Detection looks at the header only: FOCUS (BilledCost + EffectiveCost +
 * ChargePeriodStart), AWS legacy CUR ("lineItem/UsageType": slashes and
 * camelCase), AWS CUR 2.0 ("line_item_usage_type" + "bill_payer_account_id"),
 * GCP billing export ("sku.description" + "usage.amount", or the same with
 * underscores as a BigQuery query writes them), Azure cost export
 * (MeterCategory + a cost column). Binding then finds each needed column by
 * a normalised name (lower case, letters and digits only), so
 * "lineItem/UsageType" and "line_item_usage_type" bind alike, and unknown
 * extra columns are ignored. Mapping a row is field picks and number parses:
 * no search, no allocation.
 */
#ifndef CS_BILLING_FORMAT_H
#define CS_BILLING_FORMAT_H

#include <stdbool.h>
#include <stddef.h>

#include "billing/bill.h"
#include "billing/csv.h"

/* The columns a mapper reads (not every format has every one). */
enum cs_bill_role {
	R_PROVIDER,
	R_ACCOUNT,
	R_SERVICE,
	R_SERVICE_NAME,
	R_CATEGORY,
	R_REGION,
	R_REGION2,
	R_AZ,
	R_USAGE_TYPE,
	R_UNIT,
	R_UNIT2,
	R_QTY,
	R_QTY2,
	R_START,
	R_EFF,
	R_BILLED,
	R_CURRENCY,
	R_TAGS,
	R_RESOURCE,
	R_INSTANCE,
	R_CHARGE,
	R_DESC,
	R_FAMILY,
	R_RI_EFF,
	R_SP_EFF,
	R_RI_UNUSED_AMORT,
	R_RI_UNUSED_RECUR,
	R_SP_COMMIT,
	R_SP_USED,
	R_CREDITS,
	R_SYS_LABELS,
	R_METER_SUB,
	R_ADDINFO,
	R_PRODUCT_MAP,
	R_RESOURCE_TYPE,
	R_X_USAGE,
	R_X_SERVICE,
	R_ROLE_COUNT
};

typedef struct cs_bill_map {
	cs_bill_format fmt;
	int focus_minor;       /* FOCUS 1.x: 0, 1 or 2, guessed from the columns */
	int col[R_ROLE_COUNT]; /* column index, -1 if absent */
	size_t ncols;          /* header width: rows must match it */
	int tag_col;           /* CUR per-tag column for the tag key, -1 if none */
	char tag_key[128];     /* requested tag key, "" if none */
	bool amortisation;     /* AWS: the reservation/savings plan columns exist */
} cs_bill_map;

/* The format of a header, or CS_BILL_AUTO when none matches. */
cs_bill_format cs_bill_detect(const cs_csv_rec *hdr);

/* Binds fmt's columns in hdr. tag_key may be NULL. CS_EINVAL with why
 * ("not an AWS CUR: no lineItem/UsageType column") when a needed column is
 * missing. */
int cs_bill_map_bind(cs_bill_map *m, cs_bill_format fmt, const cs_csv_rec *hdr, const char *tag_key, char *why,
                     size_t cap);

/* Maps one record. CS_EINVAL with why (no file:line; the caller adds it)
 * when a number or date is malformed. */
int cs_bill_map_row(const cs_bill_map *m, const cs_csv_rec *rec, cs_bill_line *out, char *why, size_t cap);

/* Value of key in a tags/labels text (JSON object, GCP key/value array,
 * Azure's brace-less "k": "v" list, or a map written as {k=v, ...}). Tries
 * key, "user:key" and "user_key". Returns false if absent. */
bool cs_bill_tag_lookup(const char *text, size_t n, const char *key, cs_sv *out);

/* Strict-enough number parse for quantities: decimal or exponent form,
 * "" and NULL as 0 (*null set). CS_EINVAL if malformed. */
int cs_bill_parse_qty(const char *s, size_t n, double *out, bool *null);

/* yyyymmdd from "2024-09-07T17:00:00Z", "2024-09-07 17:00:00", "9/2/2023"
 * (Azure's M/D/YYYY) or "20240907"; 0 if none of those. */
int cs_bill_parse_day(const char *s, size_t n);

#endif
