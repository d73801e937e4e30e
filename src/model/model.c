/* model/model.c - instance power, energy and carbon (pure functions).
 *
 * See carbonstat/model.h for the formulas. Nothing here does I/O or keeps
 * state; every figure used is traceable to a cs_dataset row, which the
 * estimate records in its provenance.
 */
#include <math.h>
#include <string.h>

#include <carbonstat/error.h>
#include <carbonstat/model.h>

#include "data/tables.h" /* the power figures of a row, read where the model is */

static int util_ok(double u)
{
	return isfinite(u) && u >= 0.0 && u <= 1.0;
}

double cs_curve_interp(const double w[CS_CURVE_POINTS], double u)
{
	if (!(u > 0.0))
		return w[0];
	if (u >= 1.0)
		return w[CS_CURVE_POINTS - 1];
	for (int i = 1; i < CS_CURVE_POINTS; i++) {
		if (u <= cs_curve_load[i]) {
			double x0 = cs_curve_load[i - 1], x1 = cs_curve_load[i];
			return w[i - 1] + (w[i] - w[i - 1]) * (u - x0) / (x1 - x0);
		}
	}
	return w[CS_CURVE_POINTS - 1];
}

int cs_instance_power(const cs_instance *it, const cs_util *u, cs_power *out)
{
	double ucpu, umem, ugpu;
	cs_power p = {0};

	if (!it || !u || !out)
		return CS_EINVAL;
	ucpu = u->cpu;
	umem = u->mem < 0 ? ucpu : u->mem;
	ugpu = u->gpu < 0 ? ucpu : u->gpu;
	if (!util_ok(ucpu) || !util_ok(umem) || !util_ok(ugpu))
		return CS_EINVAL;

	switch (it->method) {
	case CS_METHOD_CURVE:
		p.cpu_w = cs_curve_interp(it->cpu_w, ucpu);
		p.mem_w = cs_curve_interp(it->mem_w, umem);
		p.gpu_w = cs_curve_interp(it->gpu_w, ugpu);
		p.other_w = it->delta_w;
		break;
	case CS_METHOD_MINMAX:
		/* A shared-core type holds vcpu_share of its listed vCPUs over time. */
		p.cpu_w =
		    it->vcpu * it->vcpu_share * (it->min_w_per_vcpu + (it->max_w_per_vcpu - it->min_w_per_vcpu) * ucpu);
		/* CCF counts memory at a flat W/GB whatever its use: on AWS and
		 * Azure only the GB above the per-chip baseline the SPECpower max
		 * watts already hold, on GCP all of it (mem_rule, generator). */
		p.mem_w = it->mem_charged_gb * CS_MEM_W_PER_GB;
		/* CCF's GPU term: per GPU, idle + (max - idle) x GPU load. */
		if (it->gpu) {
			const struct cs_gpu *g = &cs_gpu_table[it->gpu];
			p.gpu_w = it->gpu_units * (g->min_w + (g->max_w - g->min_w) * ugpu);
		}
		break;
	default: return CS_ENODATA;
	}
	p.total_w = p.cpu_w + p.mem_w + p.gpu_w + p.other_w;
	p.method = it->method;
	*out = p;
	return 0;
}

int cs_instance_gpu_modelled(const cs_instance *it)
{
	if (it->method == CS_METHOD_CURVE)
		return it->gpu_w[CS_CURVE_POINTS - 1] > 0;
	return it->method == CS_METHOD_MINMAX && it->gpu != 0;
}

double cs_pue_default(cs_provider p)
{
	switch (p) {
	case CS_PROVIDER_AWS: return 1.135;
	case CS_PROVIDER_GCP: return 1.1;
	case CS_PROVIDER_AZURE: return 1.185;
	default: return 1.0;
	}
}

double cs_energy_kwh(double power_w, double duration_s, double pue, unsigned count)
{
	return power_w * duration_s / 3600.0 / 1000.0 * pue * count;
}

double cs_operational_g(double energy_kwh, double intensity_g_per_kwh)
{
	return energy_kwh * intensity_g_per_kwh;
}

double cs_embodied_g(double embodied_g_per_h, double duration_s, unsigned count)
{
	if (!(embodied_g_per_h > 0))
		return 0.0;
	return embodied_g_per_h * duration_s / 3600.0 * count;
}

void cs_estimate_req_init(cs_estimate_req *req)
{
	memset(req, 0, sizeof *req);
	req->cpu = 0.5;
	req->mem = -1;
	req->gpu = -1;
	req->duration_s = 3600;
	req->count = 1;
	req->pue = 0;
	req->intensity_override = -1;
}

/* Grid intensity of a region or a country, with where it came from. */
static int resolve_intensity(const cs_estimate_req *req, cs_provider provider, cs_estimate *e)
{
	if (req->region) {
		const cs_region *r = cs_region_find(provider, req->region);
		if (!r)
			return CS_ENOTFOUND;
		e->region = r;
		if (cs_region_country(r)[0])
			e->country = cs_country_find(cs_region_country(r));
		if (!(cs_region_series_intensity(r, req->grid_series) >= 0) && !(req->intensity_override >= 0))
			return CS_ENODATA;
		e->intensity_g_per_kwh = cs_region_series_intensity(r, req->grid_series);
		e->prov.intensity = cs_region_series_dataset(r, req->grid_series);
		e->prov.intensity_year = cs_region_series_year(r, req->grid_series);
	} else if (req->country) {
		const cs_country *c = cs_country_find(req->country);
		if (!c)
			return CS_ENOTFOUND;
		e->country = c;
		e->intensity_g_per_kwh = cs_country_intensity_g_per_kwh(c);
		e->prov.intensity = cs_country_dataset(c);
		e->prov.intensity_year = cs_country_year(c);
	} else if (!(req->intensity_override >= 0)) {
		return CS_EINVAL;
	}
	if (req->intensity_override >= 0) {
		e->intensity_g_per_kwh = req->intensity_override;
		e->prov.intensity = NULL;
		e->prov.intensity_year = 0;
	}
	return 0;
}

int cs_estimate_run(const cs_estimate_req *req, cs_estimate *out)
{
	cs_estimate e;
	cs_util u;
	int rc;

	if (!req || !out || !req->instance)
		return CS_EINVAL;
	if (!isfinite(req->duration_s) || req->duration_s <= 0 || req->count == 0)
		return CS_EINVAL;
	if (req->pue > 0 && (!isfinite(req->pue) || req->pue < 1.0 || req->pue > 3.0))
		return CS_ERANGE;
	if (req->intensity_override >= 0 && !isfinite(req->intensity_override))
		return CS_EINVAL;

	memset(&e, 0, sizeof e);
	e.instance = cs_instance_find(req->provider, req->instance);
	if (!e.instance)
		return CS_ENOTFOUND;
	/* The region belongs to the instance's provider when none was named. */
	rc = resolve_intensity(req, cs_instance_provider(e.instance), &e);
	if (rc)
		return rc;

	u = (cs_util){req->cpu, req->mem, req->gpu};
	rc = cs_instance_power(e.instance, &u, &e.power);
	if (rc)
		return rc;

	e.pue = req->pue > 0 ? req->pue : cs_pue_default(cs_instance_provider(e.instance));
	e.energy_kwh = cs_energy_kwh(e.power.total_w, req->duration_s, e.pue, req->count);
	e.operational_g = cs_operational_g(e.energy_kwh, e.intensity_g_per_kwh);
	e.embodied_g = cs_embodied_g(cs_instance_embodied_g_per_h(e.instance), req->duration_s, req->count);
	e.total_g = e.operational_g + e.embodied_g;

	e.prov.method = cs_instance_method(e.instance);
	e.prov.power = cs_instance_power_dataset(e.instance);
	e.prov.embodied = cs_instance_embodied_dataset(e.instance);
	e.prov.pue_overridden = req->pue > 0;
	*out = e;
	return 0;
}
