/* ledger/report.h - the monthly carbon and cost P&L, computed from the ledger.
 *
 * One read snapshot; everything is summed in C from the daily rollup (a
 * month is days x dims rows, ~155,000 for 5,000 owners, whatever the number
 * of hours and components), with integers throughout:
 *   - rows by team, namespace, owner, node or region: energy, operational
 *     and embodied carbon, cost (and the energy that has no price), and the
 *     previous month's total for the change;
 *   - the total row, the sum of the rows (the same integers), and beside it
 *     the node totals from node_hours (what the agents counted for their
 *     nodes): equal to the microjoule for JSON-lines data, within
 *     Prometheus' extrapolation for synced data; the report shows the
 *     difference either way;
 *   - daily kgCO2e per team (the chart), team totals (carbon vs cost), the
 *     top owners, the top movers against the previous month;
 *   - hours of the period with no data at all, and the recorded gaps
 *     (missing / partial / reset node-hours);
 *   - SCI per functional unit where [sci] configures a query and units
 *     were synced: (operational + embodied) / units, location-based;
 *   - budgets per team: burn, share, and a linear projection to month end
 *     from the hours that have data;
 *   - the bill (carbonstat billing --ledger, ledger/bills.h): its cost,
 *     kWh and carbon for the period per provider and currency (and per
 *     team when the report is by team), shown beside the measured figures.
 */
#ifndef CS_LEDGER_REPORT_H
#define CS_LEDGER_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/mem.h"
#include "ledger/bills.h"
#include "ledger/lconf.h"
#include "ledger/period.h"
#include "ledger/store.h"

typedef enum cs_lg_by {
	CS_LG_BY_TEAM = 0,
	CS_LG_BY_NAMESPACE,
	CS_LG_BY_OWNER,
	CS_LG_BY_NODE,
	CS_LG_BY_REGION,
} cs_lg_by;

int cs_lg_by_parse(const char *s, cs_lg_by *out);
const char *cs_lg_by_name(cs_lg_by by);

typedef __int128 cs_lg_i128; /* sums of int64 amounts over a fleet and a month */

/* Amounts of one row (or total). */
typedef struct cs_lg_amounts {
	cs_lg_i128 energy_uj[CS_PART_COUNT];
	cs_lg_i128 op_ug, emb_ug;
	cs_lg_i128 cost_micro;
	cs_lg_i128 uncosted_uj; /* energy without a price */
	cs_lg_i128 facts;       /* ledger rows summed (rounding bound of the carbon check) */
} cs_lg_amounts;

typedef struct cs_lg_rep_row {
	char key[2 * CS_LG_STR_MAX + 80]; /* "checkout", "shop/api (Deployment)", "prod/node-1", "aws/eu-west-1" */
	cs_lg_amounts cur;
	cs_lg_i128 prev_ug; /* previous period operational + embodied */
	bool had_prev;
} cs_lg_rep_row;

typedef struct cs_lg_gap_row {
	int64_t hour;
	char cluster[CS_LG_STR_MAX], node[CS_LG_STR_MAX];
	char kind[16];
	double covered_s;
	char source[2 * CS_LG_STR_MAX + 16];
} cs_lg_gap_row;

typedef struct cs_lg_sci_row {
	char key[CS_LG_STR_MAX + 8]; /* "team:checkout" */
	double units;
	cs_lg_i128 ug; /* carbon of that team/owner in the hours that have units */
	int64_t hours;
} cs_lg_sci_row;

typedef struct cs_lg_budget_row {
	char team[CS_LG_STR_MAX];
	double budget_kg, burn_kg, projected_kg;
	bool exceeded, projected_over;
} cs_lg_budget_row;

/* The bill's figures for the period (per provider and currency, and team
 * when by team; team "" = no team). */
typedef struct cs_lg_bill_line {
	char provider[64], currency[8], team[CS_LG_STR_MAX];
	cs_lg_bill_amounts a;
} cs_lg_bill_line;

typedef struct cs_lg_report {
	cs_pool mem; /* every array below */
	cs_lg_period period;
	cs_lg_by by;
	char db_name[CS_LDB_NAME_MAX];
	char currency[8];
	char functional_unit[64];
	int64_t now_s; /* when it was computed (projections stop there) */

	cs_lg_rep_row *rows; /* sorted by total carbon, largest first */
	size_t nrows;
	cs_lg_amounts total; /* = sum of rows */
	cs_lg_i128 prev_total_ug;
	bool had_prev;

	cs_lg_amounts nodes; /* from node_hours */
	size_t nnodes;
	int64_t node_hours, priced_node_hours;

	cs_lg_rep_row *teams; /* by team always (charts, budgets), sorted like rows */
	size_t nteams;
	int64_t ndays;             /* days of the period */
	cs_lg_i128 *daily_team_ug; /* [day * nteams + team] */

	cs_lg_rep_row *top_owners; /* by owner, largest first, at most CS_LG_TOP_OWNERS */
	size_t ntop_owners;

	size_t *movers; /* indexes into rows, largest |change| first */
	size_t nmovers;

	int64_t period_hours, hours_with_data, hours_elapsed;
	int64_t *missing_hours; /* hours of the period (up to now) with no data */
	size_t nmissing;
	cs_lg_gap_row *gaps; /* recorded gaps in the period */
	size_t ngaps, gaps_cap;
	struct cs_lg_reason {
		char reason[200];
		int64_t node_hours;
	} * reasons; /* why costs are NULL */
	size_t nreasons, reasons_cap;

	cs_lg_sci_row *sci;
	size_t nsci;
	cs_lg_budget_row *budgets;
	size_t nbudgets;
	cs_lg_bill_line *bill; /* the bill's lines, NULL/0 when no bill was ingested */
	size_t nbill, bill_cap;
} cs_lg_report;

#define CS_LG_TOP_OWNERS 15
#define CS_LG_TOP_MOVERS 5
#define CS_LG_GAPS_MAX   10000

/* Builds the report for period p; conf gives [sci] and [budget] (may be
 * NULL). now_s bounds "elapsed" (projections, missing hours). 0, or a
 * negative code with the store's why line. */
int cs_lg_report_build(cs_lg_store *s, const cs_lg_period *p, cs_lg_by by, const cs_lg_conf *conf, int64_t now_s,
                       cs_lg_report *out);
void cs_lg_report_free(cs_lg_report *r);

/* Derived figures. */
double cs_lg_kwh(const cs_lg_amounts *a);
double cs_lg_op_kg(const cs_lg_amounts *a);
double cs_lg_emb_kg(const cs_lg_amounts *a);
double cs_lg_total_kg(const cs_lg_amounts *a);
double cs_lg_cost(const cs_lg_amounts *a);
cs_lg_i128 cs_lg_energy_uj(const cs_lg_amounts *a);
/* Change of a row against the previous period, as a fraction (NAN: new). */
double cs_lg_change(const cs_lg_rep_row *r);

/* Budgets exceeded (burn > budget), and projected over. */
size_t cs_lg_report_over_budget(const cs_lg_report *r, bool projected);

#endif
