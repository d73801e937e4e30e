/* fuzz_billing_csv.c - libFuzzer target for the streaming CSV scanner
 * (billing/csv.c) over any bytes, gzip included (the source sniffs it).
 *
 * Checks what the mappers rely on: every field of a returned record lies
 * inside the record's buffer, is NUL-terminated at its length, and line
 * numbers only grow. A malformed record (CS_EINVAL) must let the scan go
 * on; any other error ends it. A second scanner over the same bytes reads
 * only some columns (cs_csv_want, as the ingest does) and must return the
 * same results, field count and line for every record, and the same text
 * in the columns it keeps.
 */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "billing/csv.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* The columns the second scanner keeps (0 is always kept). */
static const int want[] = {2, 3, 5, 9, 17, 64, 70};
#define NWANT (sizeof want / sizeof want[0])

static bool wanted(size_t i)
{
	for (size_t k = 0; k < NWANT; k++)
		if ((size_t)want[k] == i)
			return true;
	return i == 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_bill_src *src, *src2;
	cs_csv *c, *c2;
	cs_csv_rec r, r2;
	char why[512], why2[512];
	uint64_t last = 0;
	int rc, rc2, guard = 0;

	if (cs_bill_src_open_mem(data, size, "fuzz.csv", &src, why, sizeof why))
		return 0;
	if (cs_bill_src_open_mem(data, size, "fuzz.csv", &src2, why, sizeof why)) {
		cs_bill_src_free(src);
		return 0;
	}
	if (cs_csv_new(src, &c) == 0) {
		if (cs_csv_new(src2, &c2) || cs_csv_want(c2, want, NWANT))
			abort();
		while ((rc = cs_csv_next(c, &r, why, sizeof why)) != 0 && guard++ < 1000000) {
			rc2 = cs_csv_next(c2, &r2, why2, sizeof why2);
			if (rc != rc2 || (rc < 0 && strcmp(why, why2)))
				abort();
			if (rc == CS_EINVAL)
				continue;
			if (rc < 0)
				break;
			if (r.nf == 0 || r.line < last)
				abort();
			if (r2.nf != r.nf || r2.line != r.line)
				abort();
			last = r.line;
			for (size_t i = 0; i < r.nf; i++) {
				if (r.f[i][r.n[i]] != '\0')
					abort();
				if (!wanted(i)) {
					if (r2.n[i] != 0 || r2.f[i][0] != '\0')
						abort();
				} else if (r2.n[i] != r.n[i] || memcmp(r2.f[i], r.f[i], r.n[i]) ||
				           r2.quoted[i] != r.quoted[i]) {
					abort();
				}
			}
		}
		if (rc == 0 && cs_csv_next(c2, &r2, why2, sizeof why2) != 0)
			abort();
		cs_csv_free(c2);
		cs_csv_free(c);
	}
	cs_bill_src_free(src2);
	cs_bill_src_free(src);
	return 0;
}
