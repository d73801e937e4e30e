/* billing/sql.h - the aggregation query for bills that live in a warehouse.
 *
 * At the scale of billions of lines the bill stays in BigQuery (GCP billing
 * export, or a FOCUS table) or Athena (AWS CUR 2.0 / the Athena CUR
 * integration, or a FOCUS table). `carbonstat billing sql` prints one query
 * that groups it by day, account, service, usage type / SKU, unit, region,
 * charge type, instance type and (optionally) one tag, summing quantity and
 * every cost column the mappers use. Its result, exported as CSV, is read by
 * `carbonstat billing` like the raw export: the column names are the ones
 * the mapper binds, and since every cost rule is linear within a charge
 * type, the sums give the same totals as the raw lines would.
 */
#ifndef CS_BILLING_SQL_H
#define CS_BILLING_SQL_H

#include <stddef.h>

#include "billing/bill.h"

/* engine: "bigquery" or "athena"; fmt: AUTO (gcp for BigQuery, aws-cur2
 * for Athena), FOCUS, GCP (BigQuery) or AWS_CUR/AWS_CUR2 (Athena); table:
 * NULL for a placeholder; tag_key: NULL or one tag to keep. *out is
 * malloc'ed. CS_EINVAL with why for an unknown engine, a format the engine
 * does not hold, or a table/tag name with characters outside
 * [A-Za-z0-9_.:-`]. */
int cs_bill_sql(const char *engine, cs_bill_format fmt, const char *table, const char *tag_key, char **out, char *why,
                size_t cap);

#endif
