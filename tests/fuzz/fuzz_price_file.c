/* fuzz_price_file.c - libFuzzer target for the ledger's price file
 * (ledger/price.c: an RFC 4180 CSV scanner and strict field checks).
 *
 * Checks: no crash or over-read; on success every price is finite, >= 0 and
 * < 1,000,000, every currency three upper-case letters, every string
 * NUL-terminated in its field, no (provider, type, region) twice, and a
 * lookup of each entry finds an entry with the same price key; on failure
 * CS_EINVAL with one line that names the input and nothing allocated.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <carbonstat/error.h>

#include "ledger/price.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_lg_prices p = {0};
	char why[300];
	int rc;

	why[0] = '\0';
	rc = cs_lg_prices_parse((const char *)data, size, "fuzz.csv", &p, why, sizeof(why));
	if (rc != 0) {
		if (rc != CS_EINVAL || strncmp(why, "fuzz.csv", 8) != 0 || strchr(why, '\n') || p.v)
			abort();
		return 0;
	}
	for (size_t i = 0; i < p.n; i++) {
		const cs_lg_price *e = &p.v[i];
		const cs_lg_price *f;

		if (!memchr(e->provider, '\0', sizeof(e->provider)) ||
		    !memchr(e->instance, '\0', sizeof(e->instance)) || !memchr(e->region, '\0', sizeof(e->region)) ||
		    strlen(e->currency) != 3)
			abort();
		if (!isfinite(e->per_hour) || e->per_hour < 0 || e->per_hour >= 1e6)
			abort();
		for (size_t k = i + 1; k < p.n; k++)
			if (!strcmp(e->provider, p.v[k].provider) && !strcasecmp(e->instance, p.v[k].instance) &&
			    !strcasecmp(e->region, p.v[k].region))
				abort();
		f = cs_lg_prices_find(&p, e->provider, e->instance, e->region[0] ? e->region : "no-such-region");
		if (!f || strcasecmp(f->instance, e->instance) != 0)
			abort();
	}
	cs_lg_prices_free(&p);
	return 0;
}
