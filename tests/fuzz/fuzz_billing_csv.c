/* fuzz_billing_csv.c - libFuzzer target for the streaming CSV scanner
 * (billing/csv.c) over any bytes, gzip included (the source sniffs it).
 *
 * Checks what the mappers rely on: every field of a returned record lies
 * inside the record's buffer, is NUL-terminated at its length, and line
 * numbers only grow. A malformed record (CS_EINVAL) must let the scan go
 * on; any other error ends it.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "billing/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_bill_src *src;
	cs_csv *c;
	cs_csv_rec r;
	char why[512];
	uint64_t last = 0;
	int rc, guard = 0;

	if (cs_bill_src_open_mem(data, size, "fuzz.csv", &src, why, sizeof why))
		return 0;
	if (cs_csv_new(src, &c) == 0) {
		while ((rc = cs_csv_next(c, &r, why, sizeof why)) != 0 && guard++ < 1000000) {
			if (rc == CS_EINVAL)
				continue;
			if (rc < 0)
				break;
			if (r.nf == 0 || r.line < last)
				abort();
			last = r.line;
			for (size_t i = 0; i < r.nf; i++)
				if (r.f[i][r.n[i]] != '\0')
					abort();
		}
		cs_csv_free(c);
	}
	cs_bill_src_free(src);
	return 0;
}
