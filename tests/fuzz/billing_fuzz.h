/* billing_fuzz.h - the body shared by the bill row-mapper fuzz targets.
 *
 * Each fuzz_billing_<format>.c defines FUZZ_FORMAT and FUZZ_HEADER and
 * includes this file: the input becomes the rows under that format's
 * header (so the mutations land in the mapper, not in detection), read
 * through the whole engine with --strict off, then finished and grouped.
 * Beyond "no crash, no over-read" it checks the engine's promise: the cost
 * out equals the cost in, exactly, whatever the rows were.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "billing/group.h"
#include "billing/ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char header[] = FUZZ_HEADER;
	size_t hl = (size && data[0] == '{') ? 0 : sizeof header - 1; /* JSON lines go as they are */
	char *buf = malloc(hl + size + 1), why[512];
	cs_bill_opts o;
	cs_bill_src *src;
	cs_bill *b;
	cs_bill_row *g;
	size_t n;

	if (!buf)
		return 0;
	memcpy(buf, header, hl);
	if (size)
		memcpy(buf + hl, data, size);
	cs_bill_opts_init(&o);
	o.format = FUZZ_FORMAT;
	o.tag_key = "team";
	if (cs_bill_new(&o, &b) == 0) {
		if (cs_bill_src_open_mem(buf, hl + size, "fuzz.csv", &src, why, sizeof why) == 0) {
			(void)cs_bill_add_src(b, src, why, sizeof why);
			cs_bill_src_free(src);
		}
		if (cs_bill_finish(b) == 0) {
			if (!cs_bill_conserved(b))
				abort();
			for (int by = CS_BY_SERVICE; by <= CS_BY_PROVIDER; by++)
				if (cs_bill_group(b, (cs_bill_by)by, &g, &n) == 0)
					free(g);
		}
		cs_bill_free(b);
	}
	free(buf);
	return 0;
}
