/* fuzz_billing_cur2.c - libFuzzer target for the AWS CUR 2.0 row mapper
 * (snake_case columns, resource_tags and product map columns). */
#define FUZZ_FORMAT CS_BILL_AWS_CUR2
#define FUZZ_HEADER                                                                                                    \
	"bill_payer_account_id,line_item_usage_account_id,line_item_line_item_type,line_item_usage_start_date,"        \
	"line_item_product_code,line_item_usage_type,line_item_usage_amount,line_item_currency_code,"                  \
	"line_item_unblended_cost,product_region_code,pricing_unit,reservation_effective_cost,"                        \
	"savings_plan_savings_plan_effective_cost,resource_tags,product\n"
#include "billing_fuzz.h"
