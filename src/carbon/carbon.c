/* carbon/carbon.c - static intensity, PUE, embodied and the one conversion
 * (see carbon.h). Everything is decided in cs_carbon_resolve from table rows
 * the host set-up found; nothing here does I/O. */
#include "carbon/carbon.h"

#include <stdio.h>
#include <string.h>

#include <carbonstat/model.h>

#include "core/why.h"

const char *cs_scope_name(cs_scope s)
{
	switch (s) {
	case CS_SCOPE_OPERATIONAL: return "operational";
	case CS_SCOPE_EMBODIED: return "embodied";
	default: return "unknown";
	}
}

/* The figure itself; returns its table, for the source string. */
static const cs_dataset *use_figure(cs_carbon *c, double g_per_kwh, const char *kind, const cs_dataset *d, int year)
{
	c->intensity_g_per_kwh = g_per_kwh;
	c->location_kind = kind;
	c->intensity_dataset = d;
	c->intensity_year = year;
	return d;
}

static void use_region(cs_carbon *c, const cs_region *r, const char *from)
{
	const char *cc = cs_region_country(r), *name = cs_region_name(r);
	const char *prov = cs_provider_name(cs_region_provider(r));
	const cs_country *ct = cc[0] ? cs_country_find(cc) : NULL;
	const cs_dataset *d;

	c->region = r;
	c->country = ct;
	c->location_from = from;
	snprintf(c->location, sizeof c->location, "%s %s", prov, name);
	if (cs_region_intensity_g_per_kwh(r) >= 0) {
		d = use_figure(c, cs_region_intensity_g_per_kwh(r), "region", cs_region_dataset(r), cs_region_year(r));
		snprintf(c->intensity_source, sizeof c->intensity_source, "region %s/%s (%s %d; from %s)", prov, name,
		         d ? cs_dataset_id(d) : "?", c->intensity_year, from);
	} else if (ct && cs_country_intensity_g_per_kwh(ct) >= 0) {
		/* The region has no published figure: its country's grid is the
		 * next best thing, and the source says so. */
		d = use_figure(c, cs_country_intensity_g_per_kwh(ct), "country", cs_country_dataset(ct),
		               cs_country_year(ct));
		snprintf(c->intensity_source, sizeof c->intensity_source, "country %s of region %s/%s (%s %d; from %s)",
		         cs_country_iso2(ct), prov, name, d ? cs_dataset_id(d) : "?", c->intensity_year, from);
	} else {
		cs_why_append(c->why, sizeof c->why,
		              "no location: region %s has no grid intensity figure; pass --country to get gCO2e", name);
	}
}

static void use_country(cs_carbon *c, const cs_country *ct, const char *from)
{
	const char *iso2 = cs_country_iso2(ct);
	const cs_dataset *d;

	c->country = ct;
	c->location_from = from;
	snprintf(c->location, sizeof c->location, "%s", iso2);
	if (cs_country_intensity_g_per_kwh(ct) < 0) {
		cs_why_append(c->why, sizeof c->why, "no location: country %s has no grid intensity figure", iso2);
		return;
	}
	d = use_figure(c, cs_country_intensity_g_per_kwh(ct), "country", cs_country_dataset(ct), cs_country_year(ct));
	snprintf(c->intensity_source, sizeof c->intensity_source, "country %s (%s %d; from %s)", iso2,
	         d ? cs_dataset_id(d) : "?", c->intensity_year, from);
}

void cs_carbon_resolve(const cs_host_site *site, cs_carbon *out)
{
	cs_carbon *c = out;
	const cs_instance *it = site->instance;

	memset(c, 0, sizeof *c);
	c->intensity_g_per_kwh = -1.0;
	c->location_kind = "none";
	c->location_from = "none";
	c->embodied_g_per_h = -1.0;
	c->provider = site->provider;
	c->pue = cs_pue_default(site->provider);
	c->instance = it;
	c->instance_from = site->instance_from ? site->instance_from : "none";
	if (site->why[0])
		cs_why_append(c->why, sizeof c->why, "%s", site->why);
	if (site->region)
		use_region(c, site->region, site->location_from);
	else if (site->country)
		use_country(c, site->country, site->location_from);

	if (it && cs_instance_embodied_g_per_h(it) >= 0) {
		c->embodied_g_per_h = cs_instance_embodied_g_per_h(it);
		c->embodied_dataset = cs_instance_embodied_dataset(it);
	} else if (it) {
		cs_why_append(c->why, sizeof c->why, "no embodied: the tables have no embodied figure for %s",
		              cs_instance_name(it));
	} else {
		cs_why_append(c->why, sizeof c->why,
		              "no embodied: instance type unknown (pass --provider P --instance T to add it)");
	}
}

double cs_carbon_operational_g(double energy_uj, double intensity_g_per_kwh, double pue)
{
	if (!(intensity_g_per_kwh >= 0) || !(energy_uj > 0))
		return 0.0;
	/* 1 kWh = 3.6e12 uJ; one factor, so a sum of shares converts to the
	 * sum of their grams */
	return energy_uj * (intensity_g_per_kwh * (pue > 0 ? pue : 1.0) / 3.6e12);
}

double cs_carbon_embodied_g(double embodied_g_per_h, double seconds)
{
	if (!(embodied_g_per_h >= 0) || !(seconds > 0))
		return 0.0;
	return embodied_g_per_h * seconds / 3600.0;
}
