/* fuzz_plan_prices.c - libFuzzer target for the price file (plan/prices.c,
 * --prices FILE, the ledger's format). A rejected file gives a reason
 * naming it; every price kept is in the book's one currency, >= 0 and
 * found again by its own type and region. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "plan/prices.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	plan_prices b;
	char why[512] = "";

	plan_prices_init(&b);
	if (plan_prices_load_file(&b, "prices.csv", (const char *)data, size, why, sizeof why)) {
		if (strncmp(why, "prices.csv", 10))
			abort();
	}
	for (size_t i = 0; i < b.n; i++) {
		const plan_price *p = plan_prices_find(&b, b.v[i].inst, b.v[i].region);
		if (!p || p->per_hour != b.v[i].per_hour || !(p->per_hour >= 0) || strlen(b.currency) != 3)
			abort();
	}
	plan_prices_free(&b);
	return 0;
}
