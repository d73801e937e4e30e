/* fuzz_emaps.c - libFuzzer target for the Electricity Maps / CO2Signal
 * "latest" parser (carbon/grid_parse.c).
 *
 * Besides "no crash, no over-read" it checks what the rest of carbonstat
 * relies on when the parser accepts a body: the figure is finite and within
 * [0, CS_GRID_MAX_G_PER_KWH], and every string kept (zone, datetime, factor
 * type) is NUL-terminated inside its field and holds only the safe alphabet
 * that may go into a metric label or a log line. On failure the output must
 * be untouched.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "carbon/grid_live.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_str(const char *s, size_t cap, const char *extra)
{
	const char *end = memchr(s, '\0', cap);
	const char *p;

	if (!end)
		abort();
	for (p = s; p < end; p++) {
		char c = *p;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || strchr(extra, c)))
			abort();
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_grid_reading r, before;
	int rc;

	memset(&r, 0x7f, sizeof(r));
	memcpy(&before, &r, sizeof(r));
	rc = cs_grid_parse_latest((const char *)data, size, &r);
	if (rc != 0) {
		if (rc != CS_EINVAL && rc != CS_ERANGE && rc != CS_ENODATA)
			abort();
		if (memcmp(&r, &before, sizeof(r)) != 0)
			abort();
		return 0;
	}
	if (!isfinite(r.g_per_kwh) || r.g_per_kwh < 0 || r.g_per_kwh > CS_GRID_MAX_G_PER_KWH)
		abort();
	check_str(r.zone, sizeof(r.zone), "-_");
	if (r.zone[0] && !cs_grid_valid_zone(r.zone))
		abort();
	check_str(r.datetime, sizeof(r.datetime), ":.+-");
	check_str(r.factor_type, sizeof(r.factor_type), "_-");
	if (r.estimated < -1 || r.estimated > 1)
		abort();
	return 0;
}
