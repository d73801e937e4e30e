/* fuzz_billing_gcp.c - libFuzzer target for the GCP billing export mapper:
 * CSV rows under the export's header, or (input starting with '{') JSON
 * lines through the hand-written JSON walker (billing/jsonl.c). */
#define FUZZ_FORMAT CS_BILL_GCP
#define FUZZ_HEADER                                                                                                    \
	"service.description,sku.description,usage_start_time,project.id,labels,system_labels,"                        \
	"location.region,location.location,cost,currency,usage.amount,usage.unit,credits,cost_type\n"
#include "billing_fuzz.h"
