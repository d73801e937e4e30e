/* fuzz_billing_focus.c - libFuzzer target for the FOCUS row mapper and the
 * FOCUS classification rules (descriptions, units, providers). */
#define FUZZ_FORMAT CS_BILL_FOCUS
#define FUZZ_HEADER                                                                                                    \
	"BilledCost,BillingCurrency,ChargeCategory,ChargeDescription,ChargePeriodStart,ConsumedQuantity,"              \
	"ConsumedUnit,EffectiveCost,PricingQuantity,PricingUnit,ProviderName,RegionId,ResourceType,"                   \
	"ServiceCategory,ServiceName,SubAccountId,Tags,x_ServiceCode,x_UsageType\n"
#include "billing_fuzz.h"
