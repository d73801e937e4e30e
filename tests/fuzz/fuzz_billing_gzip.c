/* fuzz_billing_gzip.c - libFuzzer target for the gzip path of the bill
 * source (billing/source.c): the input is prefixed with a gzip magic so
 * the inflater, member chaining, zero padding and truncation handling see
 * every mutation. Reading must end with the text or one error, never hang
 * or over-read. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/source.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint8_t *in = malloc(size + 2);
	char buf[65536], why[512];
	cs_bill_src *src;
	size_t got, total = 0;

	if (!in)
		return 0;
	in[0] = 0x1f;
	in[1] = 0x8b;
	if (size)
		memcpy(in + 2, data, size);
	if (cs_bill_src_open_mem(in, size + 2, "fuzz.csv.gz", &src, why, sizeof why) == 0) {
		while (cs_bill_src_read(src, buf, sizeof buf, &got, why, sizeof why) == 0 && got) {
			total += got;
			if (total > (256u << 20))
				break; /* a bomb: enough */
		}
		cs_bill_src_free(src);
	}
	free(in);
	return 0;
}
