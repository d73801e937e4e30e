/* bench_names.c - cost of resolving names against the built-in tables.
 *
 * Backs the claims of src/data/lookup.c and src/data/suggest.c:
 *   - lookups: cs_instance_find / cs_region_find / cs_country_find on names
 *     in the spellings users type (binary search on the keys, or a scan of
 *     precomputed keys for countries and Azure display names);
 *   - suggestions: cs_instance_suggest over every provider's rows for typos
 *     (bounded edit distance) and for family prefixes (a key range), and
 *     cs_country_suggest; what tests/fuzz/fuzz_names.c runs on every input.
 * Each: mean and p99 per call over a rotation of inputs, and allocations per
 * call (must be 0: nothing here allocates).
 *
 * Usage: bench_names [rounds (default 200)]
 * Output, stable key=value lines:
 *   bench=names op=<op> calls=... mean_ns=... p99_ns=... allocs_per_call=0.000
 * Exit status 1 if a call allocated or a lookup that must hit missed.
 */
#include <stdio.h>
#include <stdlib.h>

#include <carbonstat/carbonstat.h>

#include "common.h"

static const char *const instances[] = {"m5.large",   "Standard_D2s_v3", "D2s v3",       "e2-standard-4",
                                        "c7g.xlarge", "n2-highmem-8",    "p4d.24xlarge", "Standard_E64is_v3"};
static const char *const regions[] = {"eu-west-1",  "West Europe",     "europe-west1",   "us-east-1",
                                      "westeurope", "asia-northeast1", "ap-southeast-2", "Norway East"};
static const char *const countries[] = {"DE", "FRA", "Germany", "United States", "JP", "BRA", "India", "NZ"};
static const char *const typos[] = {"m5.larg",  "c5.xlarg",     "e2-standrd-4", "Standard_D2s_v9",
                                    "r6g.metl", "n2-highmem-7", "zzzzzzzz",     "t3.nano1"};
static const char *const families[] = {"m5", "c6i", "e2-standard", "us-east", "Standard_D2s", "r7g", "n2", "p4"};
static const char *const country_typos[] = {"Germny", "Frnce",  "United Stats", "Kor",
                                            "Virgin", "Brasil", "Japn",         "Nethrlands"};

#define NINPUT 8

enum op { FIND_INSTANCE, FIND_REGION, FIND_COUNTRY, SUGGEST_TYPO, SUGGEST_FAMILY, SUGGEST_COUNTRY };

static const char *const op_names[] = {"find_instance", "find_region",    "find_country",
                                       "suggest_typo",  "suggest_family", "suggest_country"};

/* One call; returns 0, or 1 when a lookup that must hit missed. */
static int call(enum op op, size_t i)
{
	const char *s[3];

	switch (op) {
	case FIND_INSTANCE: return cs_instance_find(CS_PROVIDER_UNKNOWN, instances[i]) == NULL;
	case FIND_REGION: return cs_region_find(CS_PROVIDER_UNKNOWN, regions[i]) == NULL;
	case FIND_COUNTRY: return cs_country_find(countries[i]) == NULL;
	case SUGGEST_TYPO: (void)cs_instance_suggest(CS_PROVIDER_UNKNOWN, typos[i], s, 3); return 0;
	case SUGGEST_FAMILY:
		return cs_instance_suggest(CS_PROVIDER_UNKNOWN, families[i], s, 3) +
		           cs_region_suggest(CS_PROVIDER_UNKNOWN, families[i], s, 3) ==
		       0;
	case SUGGEST_COUNTRY: (void)cs_country_suggest(country_typos[i], s, 3); return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	size_t rounds = argc > 1 ? strtoul(argv[1], NULL, 10) : 200;
	size_t n = rounds * NINPUT;
	uint64_t *t = malloc((n ? n : 1) * sizeof *t);
	int fail = 0;

	if (!t || !rounds)
		return 2;
	for (enum op op = FIND_INSTANCE; op <= SUGGEST_COUNTRY; op++) {
		unsigned long long a0;
		double mean;
		uint64_t p99;

		for (size_t i = 0; i < NINPUT; i++) /* warm-up, and every input must work */
			if (call(op, i)) {
				fprintf(stderr, "bench_names: %s: input %zu missed\n", op_names[op], i);
				fail = 1;
			}
		a0 = bench_allocs();
		for (size_t k = 0; k < n; k++) {
			uint64_t t0 = bench_now_ns();
			(void)call(op, k % NINPUT);
			t[k] = bench_now_ns() - t0;
		}
		double allocs = (double)(bench_allocs() - a0) / (double)n;
		bench_stats(t, n, &mean, &p99);
		printf("bench=names op=%s calls=%zu mean_ns=%.0f p99_ns=%llu allocs_per_call=", op_names[op], n, mean,
		       (unsigned long long)p99);
		if (bench_counts_allocs())
			printf("%.3f\n", allocs);
		else
			printf("n/a\n");
		if (allocs > 0)
			fail = 1;
	}
	free(t);
	return fail;
}
