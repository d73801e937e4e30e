/* data/plan_rows.c - the planner's two tables: CPU throughput by
 * microarchitecture (gen_perf.c) and region coordinates (gen_grid.c).
 *
 * Both are small and sorted by key (the coordinates by provider, then key),
 * so lookups binary-search on cs_name_key(); nothing allocates. The
 * coordinates are their own table rather than members of cs_region_table,
 * so the grid table keeps its layout and a region without coordinates is
 * simply absent here (CS_ENODATA).
 */
#include <string.h>

#include <carbonstat/dataset.h>
#include <carbonstat/error.h>

#include "data/accessor.h"
#include "data/gen_datasets.h"
#include "data/lookup.h"
#include "data/tables.h"

/* ---- CPU throughput ----------------------------------------------------- */

CS_DATA_TABLE(cpu_perf, 0)

const cs_cpu_perf *cs_cpu_perf_find(const char *arch)
{
	char key[CS_KEY_CAP];
	size_t lo = 0, hi = cs_cpu_perf_table_len;

	if (!arch || cs_name_key(arch, key, sizeof key) <= 0)
		return NULL;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(cs_perf_pool + cs_cpu_perf_table[mid].key, key);
		if (c == 0)
			return &cs_cpu_perf_table[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

CS_DATA_STRINGS(cpu_perf, cs_perf_pool, arch, basis)
CS_DATA_NUMBERS(cpu_perf, double, ssj_ops_per_thread)
CS_DATA_NUMBERS(cpu_perf, unsigned, results)
CS_DATA_NUMBERS(cpu_perf, int, year_first, year)
CS_DATA_DATASET(cpu_perf, dataset, dataset)

/* ---- region coordinates ------------------------------------------------- */

static const struct cs_region_geo *geo_find(cs_provider provider, const char *key)
{
	size_t lo = 0, hi = cs_region_geo_table_len;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct cs_region_geo *g = &cs_region_geo_table[mid];
		int c =
		    g->provider != provider ? (g->provider < provider ? -1 : 1) : strcmp(cs_grid_pool + g->key, key);
		if (c == 0)
			return g;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return NULL;
}

int cs_region_coords(const cs_region *r, double *lat_deg, double *lon_deg, const char **place)
{
	const struct cs_region_geo *g;

	if (!r)
		return CS_EINVAL;
	/* The region's own key: both tables key a region the same way. */
	g = geo_find((cs_provider)r->provider, cs_grid_str(r->key));
	if (!g)
		return CS_ENODATA;
	if (lat_deg)
		*lat_deg = g->lat_deg;
	if (lon_deg)
		*lon_deg = g->lon_deg;
	if (place)
		*place = cs_grid_pool + g->place;
	return 0;
}

const cs_dataset *cs_region_coords_dataset(void)
{
	return cs_dataset_at(CS_DS_CARBONSTAT_REGION_COORDS);
}
