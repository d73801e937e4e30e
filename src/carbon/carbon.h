/* carbon/carbon.h - energy to CO2e, in one place: the grid intensity a
 * host's location has in the static tables, the PUE, the embodied rate, and
 * the one conversion from energy to grams that every output uses.
 *
 * Static resolution (cs_carbon_resolve), from where platform/ says the host
 * is (cs_host_site: a region or a country, and where that came from):
 *  - a region with its own figure: that figure ("region aws/eu-west-1
 *    (ccf-..., 2022; from imds-aws)");
 *  - a region without one: its country's grid, and the source says so
 *    ("country IE of region aws/eu-west-1 (...)");
 *  - a country: its figure ("country DE (ember-country 2024; from option)");
 *  - nothing usable: intensity < 0 and `why` says how to fix it; callers then
 *    report energy only (never a made-up figure).
 * PUE: the provider's CCF default when the provider is known, else 1.0; it
 * applies to operational carbon only (energies stay as measured or modelled
 * at the server). Embodied: the instance type's g/h when the type is known
 * and the tables have a figure, else < 0 with the reason in `why`.
 * Live intensity (Electricity Maps) is carbon/grid_live.h, whose fallback is
 * this static figure.
 *
 * Conversion: cs_carbon_operational_g is THE energy -> gCO2e function: the
 * agent's rows (per series, per interval, at that interval's intensity),
 * `run`, `top` and the public meter all call it, so a joule converts the
 * same way everywhere. It takes microjoules (the attribution engine's unit)
 * as a double, so the integer shares convert exactly as they add up.
 */
#ifndef CS_CARBON_CARBON_H
#define CS_CARBON_CARBON_H

#include <stdint.h>

#include <carbonstat/dataset.h>

#include "platform/host.h"

/* Carbon scopes. */
typedef enum cs_scope {
	CS_SCOPE_OPERATIONAL = 0, /* energy x PUE x grid intensity */
	CS_SCOPE_EMBODIED,        /* hardware manufacturing, amortised per hour */
	CS_SCOPE_N
} cs_scope;

/* "operational", "embodied". */
const char *cs_scope_name(cs_scope s);

/* A host's carbon figures, resolved once. */
typedef struct cs_carbon {
	double intensity_g_per_kwh;          /* < 0: no location known */
	const char *location_kind;           /* "region", "country" or "none" (static) */
	const char *location_from;           /* "option", or detect's source ("imds-aws",
	                                      * "dmi", "cache"...), or "none" */
	cs_provider provider;                /* configured or detected; UNKNOWN if neither */
	const cs_region *region;             /* region row, or NULL */
	const cs_country *country;           /* country row (given, or the region's), or NULL */
	const cs_dataset *intensity_dataset; /* table of the figure, or NULL */
	int intensity_year;
	char location[96];           /* "aws eu-west-1", "DE", "" */
	char intensity_source[192];  /* "region aws/eu-west-1 (ccf-..., 2022; from imds-aws)" */
	double pue;                  /* applied to operational CO2e */
	const cs_instance *instance; /* configured or detected type, or NULL */
	const char *instance_from;   /* "option", detect's source, or "none" */
	double embodied_g_per_h;     /* < 0: unknown */
	const cs_dataset *embodied_dataset;
	char why[384]; /* "no location: pass --country or --region to get
	                * gCO2e"; "no embodied: ..."; "; "-joined */
} cs_carbon;

/* The figures for site (see the header comment). Never fails: what is not
 * known is < 0 and explained in out->why. */
void cs_carbon_resolve(const cs_host_site *site, cs_carbon *out);

/* Operational gCO2e of energy_uj microjoules at the server: energy x pue x
 * intensity (pue <= 0 counts as 1). 0 when the intensity is unknown (< 0)
 * or the energy is not positive. The one conversion (see above). */
double cs_carbon_operational_g(double energy_uj, double intensity_g_per_kwh, double pue);

/* Embodied gCO2e of seconds at embodied_g_per_h; 0 when the rate is
 * unknown (< 0) or the time not positive. */
double cs_carbon_embodied_g(double embodied_g_per_h, double seconds);

#endif
