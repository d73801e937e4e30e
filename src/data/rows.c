/* data/rows.c - the public face of the built-in tables: counts, rows by
 * index and one accessor per figure.
 *
 * The row structs live in data/tables.h and stay out of the ABI; callers
 * hold opaque row pointers (into the generated arrays) and read through
 * these functions. Strings resolve to their table's pool: pool + offset.
 */
#include <string.h>

#include <carbonstat/dataset.h>

#include "data/gen_datasets.h"
#include "data/tables.h"

const double cs_curve_load[CS_CURVE_POINTS] = {0.0, 0.1, 0.5, 1.0};

/* ---- datasets ----------------------------------------------------------- */

size_t cs_dataset_count(void)
{
	return cs_dataset_table_len;
}

const cs_dataset *cs_dataset_at(size_t index)
{
	return index < cs_dataset_table_len ? &cs_dataset_table[index] : NULL;
}

const char *cs_dataset_id(const cs_dataset *d)
{
	return cs_dataset_pool + d->id;
}

const char *cs_dataset_title(const cs_dataset *d)
{
	return cs_dataset_pool + d->title;
}

const char *cs_dataset_source(const cs_dataset *d)
{
	return cs_dataset_pool + d->source;
}

const char *cs_dataset_license(const cs_dataset *d)
{
	return cs_dataset_pool + d->license;
}

int cs_dataset_year(const cs_dataset *d)
{
	return d->year;
}

unsigned cs_dataset_rows(const cs_dataset *d)
{
	return d->rows;
}

const char *cs_dataset_basis(const cs_dataset *d)
{
	return cs_dataset_pool + d->basis;
}

/* ---- instances ---------------------------------------------------------- */

size_t cs_instance_count(void)
{
	return cs_instance_table_len;
}

const cs_instance *cs_instance_at(size_t index)
{
	return index < cs_instance_table_len ? &cs_instance_table[index] : NULL;
}

const char *cs_instance_name(const cs_instance *it)
{
	return cs_instance_str(it->name);
}

cs_provider cs_instance_provider(const cs_instance *it)
{
	return (cs_provider)it->provider;
}

cs_power_method cs_instance_method(const cs_instance *it)
{
	return (cs_power_method)it->method;
}

unsigned cs_instance_vcpu(const cs_instance *it)
{
	return it->vcpu;
}

unsigned cs_instance_platform_vcpu(const cs_instance *it)
{
	return it->platform_vcpu;
}

double cs_instance_mem_gb(const cs_instance *it)
{
	return it->mem_gb;
}

unsigned cs_instance_gpus(const cs_instance *it)
{
	return it->gpus;
}

const char *cs_instance_arch(const cs_instance *it)
{
	return cs_instance_str(it->arch);
}

double cs_instance_embodied_g_per_h(const cs_instance *it)
{
	return it->embodied_g_per_h;
}

const cs_dataset *cs_instance_power_dataset(const cs_instance *it)
{
	return cs_dataset_at(it->power_dataset);
}

const cs_dataset *cs_instance_embodied_dataset(const cs_instance *it)
{
	return it->embodied_g_per_h >= 0 ? cs_dataset_at(it->embodied_dataset) : NULL;
}

const cs_gpu *cs_instance_gpu(const cs_instance *it)
{
	return it->gpu ? &cs_gpu_table[it->gpu] : NULL;
}

double cs_instance_gpu_units(const cs_instance *it)
{
	return it->gpu_units;
}

cs_mem_rule cs_instance_mem_rule(const cs_instance *it)
{
	return (cs_mem_rule)it->mem_rule;
}

double cs_instance_mem_charged_gb(const cs_instance *it)
{
	return it->mem_charged_gb;
}

const cs_dataset *cs_instance_dataset(const cs_instance *it)
{
	return cs_dataset_at(it->instance_dataset);
}

double cs_instance_vcpu_share(const cs_instance *it)
{
	return it->vcpu_share;
}

/* ---- GPU models (row 0 of the table is "none", not listed) --------------- */

size_t cs_gpu_count(void)
{
	return cs_gpu_table_len - 1;
}

const cs_gpu *cs_gpu_at(size_t index)
{
	return index + 1 < cs_gpu_table_len ? &cs_gpu_table[index + 1] : NULL;
}

const char *cs_gpu_name(const cs_gpu *g)
{
	return cs_instance_str(g->name);
}

const char *cs_gpu_token(const cs_gpu *g)
{
	return cs_instance_str(g->token);
}

double cs_gpu_min_w(const cs_gpu *g)
{
	return g->min_w;
}

double cs_gpu_max_w(const cs_gpu *g)
{
	return g->max_w;
}

int cs_gpu_year(const cs_gpu *g)
{
	return g->year;
}

const cs_dataset *cs_gpu_dataset(const cs_gpu *g)
{
	return cs_dataset_at(g->dataset);
}

/* ---- regions ------------------------------------------------------------ */

size_t cs_region_count(void)
{
	return cs_region_table_len;
}

const cs_region *cs_region_at(size_t index)
{
	return index < cs_region_table_len ? &cs_region_table[index] : NULL;
}

const char *cs_region_name(const cs_region *r)
{
	return cs_grid_str(r->name);
}

const char *cs_region_location(const cs_region *r)
{
	return cs_grid_str(r->location);
}

cs_provider cs_region_provider(const cs_region *r)
{
	return (cs_provider)r->provider;
}

const char *cs_region_country(const cs_region *r)
{
	return cs_grid_str(r->country);
}

double cs_region_intensity_g_per_kwh(const cs_region *r)
{
	return r->intensity_g_per_kwh;
}

int cs_region_year(const cs_region *r)
{
	return r->year;
}

double cs_region_cfe(const cs_region *r)
{
	return r->cfe;
}

const cs_dataset *cs_region_dataset(const cs_region *r)
{
	return cs_dataset_at(r->dataset);
}

const char *cs_region_state(const cs_region *r)
{
	return cs_grid_str(r->state);
}

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

size_t cs_country_count(void)
{
	return cs_country_table_len;
}

const cs_country *cs_country_at(size_t index)
{
	return index < cs_country_table_len ? &cs_country_table[index] : NULL;
}

const char *cs_country_iso2(const cs_country *c)
{
	return cs_grid_str(c->iso2);
}

const char *cs_country_iso3(const cs_country *c)
{
	return cs_grid_str(c->iso3);
}

const char *cs_country_name(const cs_country *c)
{
	return cs_grid_str(c->name);
}

double cs_country_intensity_g_per_kwh(const cs_country *c)
{
	return c->intensity_g_per_kwh;
}

int cs_country_year(const cs_country *c)
{
	return c->year;
}

const cs_dataset *cs_country_dataset(const cs_country *c)
{
	return cs_dataset_at(c->dataset);
}

/* ---- CPU TDP (internal) ------------------------------------------------- */

cs_cpu_tdp_list cs_cpu_tdp_builtin(void)
{
	return (cs_cpu_tdp_list){cs_cpu_tdp_table, cs_cpu_tdp_table_len, cs_cpu_tdp_pool};
}
