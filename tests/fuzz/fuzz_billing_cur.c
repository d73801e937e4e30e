/* fuzz_billing_cur.c - libFuzzer target for the AWS legacy CUR row mapper
 * (billing/format.c map_aws), through the whole bill engine. */
#define FUZZ_FORMAT CS_BILL_AWS_CUR
#define FUZZ_HEADER                                                                                                    \
	"lineItem/UsageAccountId,lineItem/LineItemType,lineItem/UsageStartDate,lineItem/ProductCode,"                  \
	"lineItem/UsageType,lineItem/UsageAmount,lineItem/CurrencyCode,lineItem/UnblendedCost,"                        \
	"product/instanceType,product/regionCode,pricing/unit,reservation/EffectiveCost,"                              \
	"savingsPlan/SavingsPlanEffectiveCost,savingsPlan/TotalCommitmentToDate,savingsPlan/UsedCommitment,"           \
	"reservation/UnusedAmortizedUpfrontFeeForBillingPeriod,reservation/UnusedRecurringFee,"                        \
	"resourceTags/user:team\n"
#include "billing_fuzz.h"
