/* fuzz_prom_api.c - libFuzzer target for the Prometheus HTTP API answer
 * parser of `ledger sync` (ledger/promapi.c).
 *
 * The body is what a server (or anything at its URL) answers. Checks: no
 * crash or over-read; every sample passed on has a finite time and value
 * and as many label values as asked, each a NUL-terminated string; the
 * counters add up (samples = passed + skipped); a failure is CS_EINVAL with
 * one line.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "ledger/promapi.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct seen {
	uint64_t n;
} seen;

static int cb(void *ud, const char *const *labels, double t, double v)
{
	seen *s = ud;

	if (!isfinite(t) || !isfinite(v))
		abort();
	for (int i = 0; i < 3; i++)
		if (!labels[i] || strlen(labels[i]) > (1u << 30))
			abort();
	s->n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const want[3] = {"node", "team", "component"};
	cs_lg_prom_stats st = {0};
	seen s = {0};
	char why[300];
	int rc;

	why[0] = '\0';
	rc = cs_lg_prom_parse((const char *)data, size, want, 3, cb, &s, &st, why, sizeof(why));
	if (rc != 0 && (rc != CS_EINVAL || !why[0]))
		abort();
	if (rc == 0 && st.samples != s.n + st.skipped)
		abort();
	return 0;
}
