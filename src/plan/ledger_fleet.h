/* plan/ledger_fleet.h - the observed fleet from the ledger: an inventory source.
 *
 * `carbonstat plan --ledger DB [--period YYYY-MM]` plans the fleet the agents
 * measured instead of one written by hand. The ledger's node_hours say, for
 * every node and hour, its provider, instance type and region, the energy
 * the agent counted per component, the time its samples cover and what the
 * hour cost. One month of them becomes an inventory:
 *
 *   - group: the nodes of one instance type in one region, names resolved as
 *     `carbonstat estimate` resolves them (cs_instance_find, cs_region_find);
 *     a node whose type or region is missing or unknown is left out and
 *     counted, never guessed;
 *   - count x hours_per_month: the group's node-hours in the month, as the
 *     fewest instances that could have run them (ceil(node-hours / hours of
 *     the month)), each for node-hours / count hours; so a churning
 *     autoscaled group of 900 short-lived nodes is planned as the 3
 *     instances it amounted to;
 *   - utilisation: the one at which estimate's model of the type draws the
 *     CPU power the ledger recorded (CPU energy / covered time), found by
 *     bisection on cs_instance_power. On a cloud VM the agent's model sensor
 *     wrote that energy from the same model at the measured utilisation, so
 *     the group's current figures reproduce the ledger's CPU energy; where
 *     the agent read RAPL the utilisation is the model's reading of a
 *     measured power, an approximation (the note says so);
 *   - price: the bill's effective unit price for the type and region
 *     (table unit_prices, filled by the billing ingester) valid at the end
 *     of the month, else at its start; else the ledger's own node costs
 *     (cost / covered hours) when every node-hour of the group was priced;
 *     else unknown. One currency, nothing converted.
 *
 * Everything it did and left out goes into plan_inventory.note, which the
 * report prints among the assumptions.
 */
#ifndef CS_PLAN_LEDGER_FLEET_H
#define CS_PLAN_LEDGER_FLEET_H

#include <stddef.h>

#include "ledger/period.h"
#include "ledger/store.h"
#include "plan/inventory.h"

typedef struct plan_ledger_spec {
	const char *db;     /* ledger URL: sqlite:PATH, a path, postgresql://... */
	const char *period; /* "YYYY-MM"; NULL = the last whole month before now_s */
	double now_s;       /* what "now" is (epoch s) */
} plan_ledger_spec;

/* Opens the ledger read-only and reads the period's fleet into inv (zeroed
 * here). CS_EINVAL for a bad period or an empty fleet, the ledger's codes
 * otherwise; why names the ledger and the fix. */
int plan_inventory_load_ledger(const plan_ledger_spec *spec, plan_inventory *inv, char *why, size_t cap);

/* The same over an open store (tests): p is the month. */
int plan_inventory_from_store(cs_lg_store *s, const cs_lg_period *p, plan_inventory *inv, char *why, size_t cap);

/* The CPU utilisation (0..1) at which inst's model draws cpu_w on its CPU
 * part; *clamped is set when cpu_w lies outside the model's range (below
 * idle: 0, above full load: 1). CS_ENODATA if the type has no model. */
int plan_cpu_for_watts(const cs_instance *inst, double cpu_w, double *u, int *clamped);

#endif
