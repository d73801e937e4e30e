/* fuzz_ledger_jsonl.c - libFuzzer target for the ledger's reader of the
 * agent's JSON lines (ledger/jsonl_in.c).
 *
 * Beyond "no crash, no over-read": on success every string kept is
 * NUL-terminated inside its field, energies are microjoules in [0, 1e18]
 * (1e12 J), carbon and interval are finite and >= 0, the component mask
 * names only components that were read, and the time is a real RFC 3339
 * time (>= 1970); on failure the message is one line.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "ledger/jsonl_in.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void terminated(const char *s, size_t cap)
{
	if (!memchr(s, '\0', cap))
		abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	cs_lg_jline j;
	char why[300];
	int rc;

	why[0] = '\0';
	rc = cs_lg_jsonl_parse((const char *)data, size, &j, why, sizeof(why));
	if (rc != 0) {
		if (rc != CS_EINVAL || !why[0] || strchr(why, '\n'))
			abort();
		return 0;
	}
	terminated(j.node, sizeof(j.node));
	terminated(j.cluster, sizeof(j.cluster));
	terminated(j.intensity_source, sizeof(j.intensity_source));
	terminated(j.kind, sizeof(j.kind));
	terminated(j.name, sizeof(j.name));
	terminated(j.namespace_, sizeof(j.namespace_));
	terminated(j.team, sizeof(j.team));
	terminated(j.owner, sizeof(j.owner));
	terminated(j.owner_kind, sizeof(j.owner_kind));
	terminated(j.provider, sizeof(j.provider));
	terminated(j.region, sizeof(j.region));
	terminated(j.instance, sizeof(j.instance));
	terminated(j.instance_id, sizeof(j.instance_id));
	terminated(j.instance_name, sizeof(j.instance_name));
	/* CPU time: absent (NAN), or seconds >= 0 with busy <= total */
	if ((!isnan(j.cpu_busy_s) && j.cpu_busy_s < 0) || (!isnan(j.cpu_total_s) && j.cpu_total_s < 0) ||
	    (!isnan(j.cpu_busy_s) && !isnan(j.cpu_total_s) && j.cpu_busy_s > j.cpu_total_s))
		abort();
	if (!j.node[0] || j.ts_ms < 0 || j.seq < 0 || j.rows < 0)
		abort();
	for (int c = 0; c < CS_PART_COUNT; c++) {
		if (j.energy_uj[c] < 0 || j.energy_uj[c] > 1000000000000000000LL)
			abort();
		if (!(j.comp_mask & (1u << c)) && j.energy_uj[c] != 0)
			abort();
	}
	if (j.comp_mask >> CS_PART_COUNT)
		abort();
	if (!isfinite(j.op_g) || j.op_g < 0 || !isfinite(j.emb_g) || j.emb_g < 0 || !isfinite(j.interval_s) ||
	    j.interval_s < 0)
		abort();
	if (!isnan(j.intensity_g_per_kwh) && (j.intensity_g_per_kwh < 0 || j.intensity_g_per_kwh > 1e5))
		abort();
	return 0;
}
