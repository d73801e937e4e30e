/* billing/sql.c - warehouse aggregation queries (see sql.h). */
#include "billing/sql.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/sbuf.h"
#include "core/why.h"

static bool safe_name(const char *s)
{
	if (!s || !*s)
		return false;
	for (; *s; s++)
		if (!((*s >= 'A' && *s <= 'Z') || (*s >= 'a' && *s <= 'z') || (*s >= '0' && *s <= '9') || *s == '_' ||
		      *s == '.' || *s == ':' || *s == '-' || *s == '`'))
			return false;
	return true;
}

static void header(cs_sbuf *s, const char *engine, const char *fmt_name)
{
	cs_sbuf_printf(s,
	               "-- carbonstat billing sql --engine %s (%s): groups the bill by day, account, service,\n"
	               "-- usage type, unit, region, charge type and instance type. Export the result as CSV and\n"
	               "-- run `carbonstat billing RESULT.csv`: the columns are named as the export's, so it is read\n"
	               "-- like the raw bill, and the cost sums give the same totals.\n",
	               engine, fmt_name);
}

static void bigquery_gcp(cs_sbuf *s, const char *table, const char *tag)
{
	cs_sbuf_printf(
	    s, "SELECT\n"
	       "  FORMAT_DATE('%%Y-%%m-%%d', DATE(usage_start_time)) AS usage_start_time,\n"
	       "  project.id AS project_id,\n"
	       "  service.description AS service_description,\n"
	       "  sku.description AS sku_description,\n"
	       "  usage.unit AS usage_unit,\n"
	       "  location.region AS location_region,\n"
	       "  cost_type,\n"
	       "  currency,\n"
	       "  TO_JSON_STRING(ARRAY(SELECT AS STRUCT key, value FROM UNNEST(system_labels)\n"
	       "                       WHERE key = 'compute.googleapis.com/machine_spec')) AS system_labels,\n");
	if (tag)
		cs_sbuf_printf(s,
		               "  TO_JSON_STRING(ARRAY(SELECT AS STRUCT key, value FROM UNNEST(labels) WHERE key = "
		               "'%s')) AS labels,\n",
		               tag);
	cs_sbuf_printf(s,
	               "  SUM(usage.amount) AS usage_amount,\n"
	               "  SUM(cost) AS cost,\n"
	               "  TO_JSON_STRING([STRUCT(SUM(IFNULL((SELECT SUM(c.amount) FROM UNNEST(credits) c), 0)) AS "
	               "amount)]) AS credits\n"
	               "FROM `%s`\n"
	               "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9%s\n",
	               table, tag ? ", 10" : "");
}

static void athena_cur2(cs_sbuf *s, const char *table, const char *tag)
{
	cs_sbuf_printf(s, "SELECT\n"
	                  "  date_format(line_item_usage_start_date, '%%Y-%%m-%%d') AS line_item_usage_start_date,\n"
	                  "  bill_payer_account_id,\n"
	                  "  line_item_usage_account_id,\n"
	                  "  line_item_product_code,\n"
	                  "  line_item_usage_type,\n"
	                  "  line_item_line_item_type,\n"
	                  "  pricing_unit,\n"
	                  "  product_region_code,\n"
	                  "  product_instance_type,\n"
	                  "  line_item_currency_code,\n");
	if (tag)
		cs_sbuf_printf(
		    s, "  CAST(MAP(ARRAY['user_%s'], ARRAY[resource_tags['user_%s']]) AS JSON) AS resource_tags,\n",
		    tag, tag);
	cs_sbuf_printf(s,
	               "  SUM(line_item_usage_amount) AS line_item_usage_amount,\n"
	               "  SUM(line_item_unblended_cost) AS line_item_unblended_cost,\n"
	               "  SUM(reservation_effective_cost) AS reservation_effective_cost,\n"
	               "  SUM(savings_plan_savings_plan_effective_cost) AS savings_plan_savings_plan_effective_cost,\n"
	               "  SUM(reservation_unused_amortized_upfront_fee_for_billing_period)\n"
	               "    AS reservation_unused_amortized_upfront_fee_for_billing_period,\n"
	               "  SUM(reservation_unused_recurring_fee) AS reservation_unused_recurring_fee,\n"
	               "  SUM(savings_plan_total_commitment_to_date) AS savings_plan_total_commitment_to_date,\n"
	               "  SUM(savings_plan_used_commitment) AS savings_plan_used_commitment\n"
	               "FROM %s\n"
	               "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10%s\n",
	               table, tag ? ", 11" : "");
}

static void focus(cs_sbuf *s, bool bigquery, const char *table, const char *tag)
{
	cs_sbuf_printf(
	    s,
	    "SELECT\n"
	    "  %s AS ChargePeriodStart,\n"
	    "  ProviderName, SubAccountId, ServiceName, ServiceCategory, ChargeCategory, ChargeDescription,\n"
	    "  ConsumedUnit, PricingUnit, RegionId, ResourceType, BillingCurrency,\n",
	    bigquery ? "FORMAT_DATE('%Y-%m-%d', DATE(ChargePeriodStart))"
	             : "date_format(ChargePeriodStart, '%Y-%m-%d')");
	if (tag)
		cs_sbuf_printf(s,
		               bigquery ? "  TO_JSON_STRING(STRUCT(JSON_VALUE(Tags, '$.\"%s\"') AS `%s`)) AS Tags,\n"
		                        : "  CAST(MAP(ARRAY['%s'], ARRAY[Tags['%s']]) AS JSON) AS Tags,\n",
		               tag, tag);
	cs_sbuf_printf(s,
	               "  SUM(ConsumedQuantity) AS ConsumedQuantity,\n"
	               "  SUM(PricingQuantity) AS PricingQuantity,\n"
	               "  SUM(EffectiveCost) AS EffectiveCost,\n"
	               "  SUM(BilledCost) AS BilledCost\n"
	               "FROM %s\n"
	               "GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12%s\n",
	               table, tag ? ", 13" : "");
}

int cs_bill_sql(const char *engine, cs_bill_format fmt, const char *table, const char *tag_key, char **out, char *why,
                size_t cap)
{
	cs_sbuf s;
	bool bq = !strcmp(engine, "bigquery"), athena = !strcmp(engine, "athena");

	if (cs_sbuf_init(&s, 4096))
		return CS_ENOMEM;
	if (!bq && !athena) {
		cs_set_why(why, cap, "--engine '%s': use bigquery or athena", engine);
		goto bad;
	}
	if (table && !safe_name(table)) {
		cs_set_why(why, cap, "--table '%s': only letters, digits, _ . : - and ` are accepted", table);
		goto bad;
	}
	if (tag_key && !safe_name(tag_key)) {
		cs_set_why(why, cap, "tag key '%s': only letters, digits, _ . : - are accepted", tag_key);
		goto bad;
	}
	if (fmt == CS_BILL_AUTO)
		fmt = bq ? CS_BILL_GCP : CS_BILL_AWS_CUR2;
	if (bq && fmt != CS_BILL_GCP && fmt != CS_BILL_FOCUS) {
		cs_set_why(why, cap,
		           "BigQuery holds the GCP billing export or a FOCUS table: use --format gcp or focus");
		goto bad;
	}
	if (athena && fmt != CS_BILL_AWS_CUR2 && fmt != CS_BILL_AWS_CUR && fmt != CS_BILL_FOCUS) {
		cs_set_why(why, cap, "Athena holds the AWS CUR (2.0) or a FOCUS table: use --format aws-cur2 or focus");
		goto bad;
	}
	header(&s, engine, cs_bill_format_name(fmt));
	if (!table)
		table = bq ? (fmt == CS_BILL_GCP ? "PROJECT.DATASET.gcp_billing_export_resource_v1_XXXXXX_XXXXXX_XXXXXX"
		                                 : "PROJECT.DATASET.focus")
		           : (fmt == CS_BILL_FOCUS ? "focus" : "cur2");
	if (fmt == CS_BILL_FOCUS)
		focus(&s, bq, table, tag_key);
	else if (bq)
		bigquery_gcp(&s, table, tag_key);
	else
		athena_cur2(&s, table, tag_key);
	if (s.oom) {
		free(s.p);
		return CS_ENOMEM;
	}
	*out = s.p;
	return 0;
bad:
	free(s.p);
	return CS_EINVAL;
}
