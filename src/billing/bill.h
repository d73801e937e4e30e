/* billing/bill.h - one usage line of any cloud bill, normalised.
 *
 * Every format (FOCUS, AWS CUR and CUR 2.0, GCP billing export, Azure cost
 * export) is mapped to cs_bill_line: the provider, account, service, region,
 * usage type / SKU text, unit, quantity, time, effective and billed cost,
 * currency, tags, resource and instance type where the format gives them.
 * Strings are views into the record being read (no copy per row); a line is
 * valid until the next record is read.
 *
 * The classification key (cls[]) is the set of fields that decide what a
 * line is (compute, storage...): each mapper fills the ones its format has,
 * so the classifier runs once per distinct key, not once per row.
 */
#ifndef CS_BILLING_BILL_H
#define CS_BILLING_BILL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carbonstat/dataset.h>

#include "billing/money.h"

/* A view of n bytes (not NUL-terminated in general). */
typedef struct cs_sv {
	const char *p;
	uint32_t n;
} cs_sv;

static inline cs_sv cs_sv_of(const char *s, uint32_t n)
{
	return (cs_sv){s, n};
}

typedef enum cs_bill_format {
	CS_BILL_AUTO = 0,
	CS_BILL_FOCUS,
	CS_BILL_AWS_CUR,  /* legacy Cost and Usage Report: lineItem/..., product/... */
	CS_BILL_AWS_CUR2, /* CUR 2.0 (Data Exports): snake_case, map columns */
	CS_BILL_GCP,      /* billing export, detailed/resource table, CSV or JSON lines */
	CS_BILL_AZURE,    /* cost details export (EA, MCA, pay-as-you-go) */
	CS_BILL_FORMAT_COUNT
} cs_bill_format;

/* "focus", "aws-cur", "aws-cur2", "gcp", "azure" ("auto" for AUTO). */
const char *cs_bill_format_name(cs_bill_format f);
/* From those names; -1 if unknown. */
int cs_bill_format_parse(const char *s);

/* What a line's usage is. NONUSAGE lines (tax, credits, fees, commitment
 * purchases, support) carry cost and no energy; UNKNOWN lines are usage
 * carbonstat cannot classify: they get energy by their service's kWh per
 * cost, labelled as such. */
typedef enum cs_bill_class {
	CS_BC_COMPUTE = 0, /* instance-hours, vCPU-hours, container and serverless time */
	CS_BC_GPU,         /* GPU-hours, or instances with GPUs */
	CS_BC_MEMORY,      /* GB-hours of memory billed on their own (Fargate, Cloud Run, GCP RAM) */
	CS_BC_STORAGE_SSD, /* GB-months on SSD, times the service's replication */
	CS_BC_STORAGE_HDD, /* GB-months on HDD (object storage, snapshots, backups) */
	CS_BC_NETWORK,     /* GB moved: egress, ingress, inter-region, inter-zone */
	CS_BC_UNKNOWN,     /* usage not classified: estimated by cost */
	CS_BC_NONUSAGE,    /* tax, credit, fee, purchase: cost only */
	CS_BC_COUNT
} cs_bill_class;

/* Which rule set classifies a line: AWS usage types (CUR, CUR 2.0, and
 * FOCUS exports that carry AWS's x_UsageType), FOCUS's own columns, GCP SKU
 * descriptions, Azure meters. */
typedef enum cs_bill_scheme {
	CS_SCHEME_AWS = 0,
	CS_SCHEME_FOCUS,
	CS_SCHEME_GCP,
	CS_SCHEME_AZURE,
} cs_bill_scheme;

/* Up to this many fields make the classification key. Their meaning per
 * scheme (empty when the export lacks them):
 *   AWS:   service code, usage type, pricing unit, instance type, product family
 *   FOCUS: service name, charge description, consumed unit, resource type, service category
 *   GCP:   service description, SKU description, usage unit, machine type (system labels)
 *   Azure: meter category, meter name, unit of measure, VM size (AdditionalInfo), meter subcategory */
#define CS_BILL_KEY_FIELDS 6

typedef struct cs_bill_line {
	cs_provider prov; /* model provider (UNKNOWN for Oracle and others) */
	cs_sv provider;   /* as written: "AWS", "Google Cloud", "Microsoft", "Oracle" */
	cs_sv account;    /* usage account / project / subscription */
	cs_sv service;    /* product code or service name */
	cs_sv region;     /* provider region id ("us-east-1", "europe-west1", "westeurope") */
	cs_sv unit;       /* unit of qty as written */
	cs_sv currency;
	cs_sv resource;     /* resource id, may be empty */
	cs_sv tag;          /* value of the requested tag, may be empty */
	cs_sv usage;        /* usage type / SKU / meter, for messages */
	int day;            /* yyyymmdd of the usage start, 0 if unknown */
	double qty;         /* quantity in unit */
	cs_money eff;       /* effective (amortised) cost */
	cs_money billed;    /* billed (invoiced) cost */
	bool nonusage;      /* tax, credit, fee...: set by the mapper from the charge type */
	bool qty_null;      /* no quantity given */
	bool money_rounded; /* a cost had digits below 1e-18 */
	cs_bill_scheme scheme;
	cs_sv cls[CS_BILL_KEY_FIELDS]; /* classification key fields (see above) */
} cs_bill_line;

#endif
