/* fuzz_plan_perf.c - libFuzzer target for the throughput override file
 * (plan/perf.c, --perf FILE). A rejected file gives a reason naming it and
 * leaves *out untouched; an accepted one holds only known
 * microarchitectures, each once, with a finite figure above 0 and a
 * source, and the ratios taken from it are finite and positive. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/carbonstat.h>

#include "plan/perf.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	plan_perf p = {.v = (plan_perf_row *)&p}; /* a canary: must stay untouched on error */
	char why[512] = "";
	static const char *const types[][2] = {{"aws", "m5.large"},
	                                       {"aws", "m7g.large"},
	                                       {"gcp", "c4a-standard-2"},
	                                       {"gcp", "n1-standard-2"},
	                                       {"azure", "Standard_D2as_v4"}};

	if (plan_perf_parse((const char *)data, size, "perf.csv", &p, why, sizeof why)) {
		if (strncmp(why, "perf.csv", 8) || p.v != (plan_perf_row *)&p)
			abort();
		return 0;
	}
	for (size_t i = 0; i < p.n; i++) {
		if (!(p.v[i].per_vcpu > 0) || !isfinite(p.v[i].per_vcpu) || !p.v[i].source[0] || !p.v[i].arch[0])
			abort();
		for (size_t j = 0; j < i; j++)
			if (!strcmp(p.v[i].arch, p.v[j].arch))
				abort();
	}
	for (size_t a = 0; a < 5; a++)
		for (size_t b = 0; b < 5; b++) {
			const cs_instance *ia = cs_instance_find(cs_provider_parse(types[a][0]), types[a][1]);
			const cs_instance *ib = cs_instance_find(cs_provider_parse(types[b][0]), types[b][1]);
			plan_speed sa, sb;
			double r = -1;
			plan_speed_of(&p, ia, &sa);
			plan_speed_of(&p, ib, &sb);
			if (plan_speed_ratio(ia, &sa, ib, &sb, &r) != PLAN_SPEED_UNKNOWN && !(r > 0 && isfinite(r)))
				abort();
		}
	plan_perf_free(&p);
	return 0;
}
