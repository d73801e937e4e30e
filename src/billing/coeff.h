/* billing/coeff.h - the per-unit coefficients a bill's usage lines are
 * converted with, where the instance tables (src/data) do not apply.
 *
 * Every figure names its source. Most are Cloud Carbon Footprint's published
 * constants (packages/<provider>/src/domain/ constant files and core's
 * COMPUTE_PROCESSOR_TYPES, Apache-2.0; their methodology page), kept so a
 * bill can be compared with CCF line by line; docs/billing.md lists where
 * carbonstat departs from CCF and by how much.
 *
 * Interim: the GPU table below is CCF's per-GPU min/max watts, used until
 * methodology v2's GPU table (issue 12) lands in src/data.
 */
#ifndef CS_BILLING_COEFF_H
#define CS_BILLING_COEFF_H

#include <carbonstat/dataset.h>

/* Average watts per vCPU at idle and at 100 % for a provider's unknown
 * processor (CCF MIN_WATTS_AVG / MAX_WATTS_AVG): AWS 0.74/3.5, GCP
 * 0.71/4.26, Azure 0.78/3.76. */
void cs_bill_vcpu_watts(cs_provider p, double *min_w, double *max_w);

/* Storage: watt-hours per terabyte-hour (CCF SSDCOEFFICIENT, HDDCOEFFICIENT). */
#define CS_BILL_SSD_WH_PER_TBH 1.2
#define CS_BILL_HDD_WH_PER_TBH 0.65
/* Network: kWh per GB moved (CCF NETWORKING_COEFFICIENT). */
#define CS_BILL_NET_KWH_PER_GB 0.001
/* Hours in a billing month, for GB-months -> TB-hours (365 x 24 / 12). CCF
 * uses the days of the usage month instead (28-31 x 24): up to 4 % apart. */
#define CS_BILL_HOURS_PER_MONTH 730.0
/* AWS Lambda gives a function one vCPU per 1,769 MB of memory (AWS Lambda
 * developer guide, "memory and computing power"): a GB-second is 1/1.769
 * vCPU-second plus a GB-second of memory. CCF reads GB-seconds as vCPU-
 * seconds (1.769x more CPU). Used for Azure/GCP GB-second meters too. */
#define CS_BILL_LAMBDA_GB_PER_VCPU 1.769

/* The GPU model (the built-in GPU table, cs_gpu_at(), the one estimates
 * use) whose token is a whole word of text ("Nvidia Tesla T4 GPU running
 * in Americas" -> T4), or NULL. */
const cs_gpu *cs_bill_gpu_in_text(const char *s, size_t n);

/* Azure managed disk size (GB) by tier name ("P10", "E30", "S4"); 0 if not
 * a disk tier. *ssd says whether the tier is SSD (P, E) or HDD (S). Sizes
 * from Azure's managed disk pricing (also CCF's ConsumptionTypes.ts). */
double cs_bill_azure_disk_gb(const char *tier, size_t n, int *ssd);

#endif
