/* fuzz_billing_azure.c - libFuzzer target for the Azure cost export mapper
 * (meters, "10 Hours" units, M/D/YYYY dates, AdditionalInfo, tags). */
#define FUZZ_FORMAT CS_BILL_AZURE
#define FUZZ_HEADER                                                                                                    \
	"SubscriptionId,ResourceLocation,Date,MeterCategory,MeterSubCategory,MeterName,UnitOfMeasure,"                 \
	"Quantity,CostInBillingCurrency,Tags,AdditionalInfo,ChargeType,BillingCurrencyCode\n"
#include "billing_fuzz.h"
