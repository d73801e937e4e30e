/* data/rows.c - the public face of the built-in tables: counts, rows by
 * index and one accessor per figure.
 *
 * The row structs live in data/tables.h and stay out of the ABI; callers
 * hold opaque row pointers (into the generated arrays) and read through
 * these functions. Strings resolve to their table's pool: pool + offset.
 * The getters that only read a member are defined per table by the macros
 * of data/accessor.h, one line a shape; the rest are written out here.
 */
#include <string.h>

#include <carbonstat/dataset.h>

#include "data/accessor.h"
#include "data/gen_datasets.h"
#include "data/tables.h"

const double cs_curve_load[CS_CURVE_POINTS] = {0.0, 0.1, 0.5, 1.0};

/* ---- datasets ----------------------------------------------------------- */

CS_DATA_TABLE(dataset, 0)
CS_DATA_STRINGS(dataset, cs_dataset_pool, id, title, source, license, basis)
CS_DATA_NUMBERS(dataset, int, year)
CS_DATA_NUMBERS(dataset, unsigned, rows)

/* ---- instances ---------------------------------------------------------- */

CS_DATA_TABLE(instance, 0)
CS_DATA_STRINGS(instance, cs_instance_pool, name, arch)
CS_DATA_NUMBERS(instance, cs_provider, provider)
CS_DATA_NUMBERS(instance, cs_power_method, method)
CS_DATA_NUMBERS(instance, unsigned, vcpu, platform_vcpu, gpus)
CS_DATA_NUMBERS(instance, double, mem_gb, embodied_g_per_h, gpu_units, mem_charged_gb, vcpu_share)
CS_DATA_NUMBERS(instance, cs_mem_rule, mem_rule)
CS_DATA_DATASET(instance, power_dataset, power_dataset)
CS_DATA_DATASET(instance, dataset, instance_dataset)

const cs_dataset *cs_instance_embodied_dataset(const cs_instance *it)
{
	return it->embodied_g_per_h >= 0 ? cs_dataset_at(it->embodied_dataset) : NULL;
}

const cs_gpu *cs_instance_gpu(const cs_instance *it)
{
	return it->gpu ? &cs_gpu_table[it->gpu] : NULL;
}

/* ---- GPU models (row 0 of the table is "none", not listed) --------------- */

CS_DATA_TABLE(gpu, 1)
CS_DATA_STRINGS(gpu, cs_instance_pool, name, token)
CS_DATA_NUMBERS(gpu, double, min_w, max_w)
CS_DATA_NUMBERS(gpu, int, year)
CS_DATA_DATASET(gpu, dataset, dataset)

/* ---- regions ------------------------------------------------------------ */

CS_DATA_TABLE(region, 0)
CS_DATA_STRINGS(region, cs_grid_pool, name, location, country, state)
CS_DATA_NUMBERS(region, cs_provider, provider)
CS_DATA_NUMBERS(region, double, intensity_g_per_kwh, cfe)
CS_DATA_NUMBERS(region, int, year)
CS_DATA_DATASET(region, dataset, dataset)

static const char *const grid_series_names[CS_GRID_SERIES_COUNT] = {"ember", "ccf", "google"};

int cs_grid_series_parse(const char *s, cs_grid_series *out)
{
	for (int i = 0; s && i < CS_GRID_SERIES_COUNT; i++) {
		if (!strcmp(s, grid_series_names[i])) {
			*out = (cs_grid_series)i;
			return 0;
		}
	}
	return -1;
}

const char *cs_grid_series_name(cs_grid_series s)
{
	return (unsigned)s < CS_GRID_SERIES_COUNT ? grid_series_names[s] : "unknown";
}

double cs_region_series_intensity(const cs_region *r, cs_grid_series s)
{
	switch (s) {
	case CS_GRID_DEFAULT: return r->intensity_g_per_kwh;
	case CS_GRID_CCF: return r->ccf_intensity_g_per_kwh;
	case CS_GRID_GOOGLE: return r->google_intensity_g_per_kwh;
	default: return -1;
	}
}

int cs_region_series_year(const cs_region *r, cs_grid_series s)
{
	switch (s) {
	case CS_GRID_DEFAULT: return r->year;
	case CS_GRID_CCF: return r->ccf_intensity_g_per_kwh >= 0 ? r->ccf_year : 0;
	case CS_GRID_GOOGLE: return r->google_intensity_g_per_kwh >= 0 ? r->google_year : 0;
	default: return 0;
	}
}

const cs_dataset *cs_region_series_dataset(const cs_region *r, cs_grid_series s)
{
	if (!(cs_region_series_intensity(r, s) >= 0))
		return NULL;
	switch (s) {
	case CS_GRID_DEFAULT: return cs_dataset_at(r->dataset);
	case CS_GRID_CCF: return cs_dataset_at(r->ccf_dataset);
	case CS_GRID_GOOGLE: return cs_dataset_at(CS_DS_GOOGLE_REGION_CARBON);
	default: return NULL;
	}
}

/* ---- countries ---------------------------------------------------------- */

CS_DATA_TABLE(country, 0)
CS_DATA_STRINGS(country, cs_grid_pool, iso2, iso3, name)
CS_DATA_NUMBERS(country, double, intensity_g_per_kwh)
CS_DATA_NUMBERS(country, int, year)
CS_DATA_DATASET(country, dataset, dataset)

/* ---- CPU TDP (internal) ------------------------------------------------- */

cs_cpu_tdp_list cs_cpu_tdp_builtin(void)
{
	return (cs_cpu_tdp_list){cs_cpu_tdp_table, cs_cpu_tdp_table_len, cs_cpu_tdp_pool};
}
