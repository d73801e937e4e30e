/* fuzz_quantity.c - libFuzzer target for k8s/quantity.
 *
 * Whatever is accepted must be a finite, non-negative value no larger than
 * CS_QTY_MAX; the NUL-terminated wrappers must agree with the length-bounded
 * parser; a refused input leaves the output alone.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "k8s/quantity.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	double v = -1, w = -1;
	int rc = cs_qty_parse((const char *)data, size, &v);
	char *s;

	if (rc == 0 && (!isfinite(v) || v < 0 || v > CS_QTY_MAX))
		abort();
	if (rc != 0 && v != -1)
		abort();
	s = malloc(size + 1);
	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	if (!memchr(data, '\0', size)) {
		int rc2 = cs_qty_cpu_cores(s, &w);

		if (rc2 != rc || (rc == 0 && w != v))
			abort();
		rc2 = cs_qty_mem_bytes(s, &w);
		if (rc2 != rc || (rc == 0 && w != v))
			abort();
	}
	free(s);
	return 0;
}
