/* billing/classify.h - what a usage line is, and its energy per unit.
 *
 * Each distinct classification key (see cs_bill_line.cls) is classified
 * once by explicit, ordered rule tables per scheme (AWS usage types, FOCUS
 * charge descriptions and units, GCP SKU descriptions, Azure meters): the
 * first rule whose field matches (equal, prefix, suffix, whole word, or
 * contains) decides the class and the model. The model then turns the
 * line's unit into kWh and embodied gCO2e per unit of quantity:
 *
 *   instance-hours  cs_instance_power() at the stated CPU utilisation, x PUE;
 *                   embodied = the instance's hourly share (src/data)
 *   vCPU-hours      provider-average W per vCPU (CCF), or the machine's own
 *   memory GB-hours 0.392 W per GB (CCF)
 *   GB-seconds      serverless: 1/1.769 vCPU + 1 GB of memory per GB-second
 *   GPU-hours       GPU min/max watts (CCF's per-GPU figures, interim)
 *   storage GB-mo   x 730 h / 1000 -> TB-hours x 1.2 (SSD) or 0.65 (HDD)
 *                   Wh/TBh x the service's replication factor, x PUE
 *   network GB      x 0.001 kWh/GB x PUE
 *
 * Nothing here keeps state between calls but the model options, so the
 * caller caches results by key.
 */
#ifndef CS_BILLING_CLASSIFY_H
#define CS_BILLING_CLASSIFY_H

#include <carbonstat/dataset.h>

#include "billing/bill.h"

/* Options of the energy model for a bill. */
typedef struct cs_bill_model {
	double cpu_util;                            /* 0..1, stated default 0.5 */
	double pue;                                 /* > 0: override every provider's PUE */
	double emb_g_per_vcpu_h[CS_PROVIDER_COUNT]; /* median of the provider's types (set by init) */
} cs_bill_model;

/* Defaults: 50 % CPU (CCF's AVG_CPU_UTILIZATION, so the two compare), the
 * providers' PUE. Computes the per-vCPU embodied medians from src/data. */
void cs_bill_model_init(cs_bill_model *m);

/* The result for one classification key. */
typedef struct cs_bill_usage {
	cs_bill_class cls;
	double kwh_per_qty;   /* kWh per unit of the line's quantity, PUE included */
	double emb_g_per_qty; /* embodied gCO2e per unit of quantity */
	double hours_per_qty; /* instance-hours per unit (for unit prices), 0 if not instance usage */
	const cs_instance *inst;
	/* How kwh_per_qty follows the CPU utilisation, for lines the ledger
	 * measured (billing/util.h): CS_BILL_UTIL_NONE (not a CPU model),
	 * INSTANCE (inst's power curve), VCPU (util_min_w..util_max_w per vCPU;
	 * kWh per qty = W(util) / 1000 x util_scale, PUE x hours per qty) or
	 * SERVERLESS (follows the stated default; no machine to measure). */
	unsigned char util_model;
	double util_scale, util_min_w, util_max_w;
	double util_hours; /* instance- or vCPU-hours per unit of quantity */
	const char *rule;  /* the rule that matched, e.g. "aws:BoxUsage" */
	char note[120];    /* unknown: why ("unit 'IOs' has no energy model") */
} cs_bill_usage;

enum { CS_BILL_UTIL_NONE = 0, CS_BILL_UTIL_INSTANCE, CS_BILL_UTIL_VCPU, CS_BILL_UTIL_SERVERLESS };

/* u's kWh per unit of quantity at CPU utilisation util (0..1) instead of the
 * model's: what a line the ledger measured is priced with. u->kwh_per_qty
 * when u has no CPU model (util_model NONE) or the curve fails. */
double cs_bill_kwh_per_qty_at(const cs_bill_usage *u, double util);

/* Classifies line l. Never fails: what cannot be classified is
 * CS_BC_UNKNOWN with a note. */
void cs_bill_classify(const cs_bill_model *m, const cs_bill_line *l, cs_bill_usage *out);

const char *cs_bill_class_name(cs_bill_class c);

#endif
