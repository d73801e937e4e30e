/* plan/plan.h - the planner: for each group of a fleet, where and on what
 * it could run instead, what that does to its carbon and its cost, and
 * which option the objective recommends.
 *
 * Options of a group of type A in region R (count n, utilisation u):
 *   - keep: A in R, as it is (always an option, whatever the filters say);
 *   - with --target-cpu: A in R on the fewest instances that keep the
 *     utilisation at or under the target (rightsizing in place);
 *   - every candidate type B (family.h: A itself, the smallest size of
 *     each allowed family with at least A's vCPUs and memory) in the allowed
 *     regions of B's provider (--regions, --near, or all).
 * The group's work is kept: count x vCPUs x utilisation x throughput per
 * vCPU (perf.h). On B it runs at utilisation u_B = n u vcpu_A / (n_B vcpu_B
 * r), r = B's throughput per vCPU over A's, with n_B = n unless the work
 * does not fit at 100 % (then the fewest instances that fit), or with
 * --target-cpu T the fewest instances keeping u_B <= T. u_B is rounded to
 * 1e-6 % so that the percentage printed is the one computed with.
 *
 * Every figure of an option is cs_estimate_run's for (B, region, u_B, n_B,
 * hours): the planner ranks on the same pure model functions estimate
 * composes (cs_instance_power, cs_energy_kwh, cs_operational_g,
 * cs_embodied_g) and fills every option it reports by cs_estimate_run
 * itself; the two are compared and any difference counted
 * (plan_result.mismatches, 0 unless the model changed under the ranking).
 *
 * Unknowns stay unknown and never win: an option whose throughput ratio is
 * unknown, or whose embodied figure is unknown while the current type's is
 * known, is not ranked (the best such option is reported with its reason);
 * an option without a price has no cost, is ranked on carbon only and is
 * never chosen by the cost objective. When the current type's embodied
 * figure is unknown, the group is ranked on operational carbon.
 */
#ifndef CS_PLAN_PLAN_H
#define CS_PLAN_PLAN_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <carbonstat/carbonstat.h>

#include "core/mem.h"
#include "plan/family.h"
#include "plan/inventory.h"
#include "plan/perf.h"
#include "plan/prices.h"

typedef enum plan_objective {
	PLAN_OBJ_CARBON = 0, /* lowest carbon a month */
	PLAN_OBJ_COST,       /* lowest cost a month, carbon breaking ties */
	PLAN_OBJ_BALANCED,   /* lowest carbon/carbon_now + cost/cost_now */
} plan_objective;

typedef struct plan_opts {
	plan_objective objective;
	unsigned providers;              /* 1 << cs_provider where groups may go; 0: each group's own */
	const cs_region *const *regions; /* --regions: the allowed regions; NULL: all */
	size_t nregions;
	const cs_region *near; /* --near: regions within max_km of this one */
	double max_km;
	double max_slowdown;         /* fraction of per-vCPU throughput an option may lose; < 0: any */
	double target_cpu;           /* fraction; <= 0: counts kept unless the work does not fit */
	const plan_catalog *catalog; /* built by the caller (plan_catalog_build) */
	const plan_filter *families; /* --families; NULL: the default rules */
	const plan_perf *perf;       /* --perf figures; NULL: none */
	const plan_prices *prices;   /* the price book; NULL: no prices */
} plan_opts;

void plan_opts_init(plan_opts *o);

/* Why an option is not ranked. */
typedef enum plan_status {
	PLAN_RANKED = 0,
	PLAN_NO_PERF,     /* the throughput ratio to the current type is unknown */
	PLAN_NO_EMBODIED, /* no embodied figure, while the current type has one */
	PLAN_TOO_SLOW,    /* slower per vCPU than --max-slowdown allows */
} plan_status;

/* What an option changes. */
enum { PLAN_MOVE_REGION = 1, PLAN_MOVE_TYPE = 2, PLAN_MOVE_PROVIDER = 4, PLAN_MOVE_COUNT = 8 };

typedef struct plan_option {
	const cs_instance *inst;
	const cs_region *region;
	unsigned count;
	double cpu_percent;    /* the utilisation the work runs at */
	double cpu;            /* the same as the fraction estimate is given (cpu_percent / 100) */
	double speed;          /* per-vCPU throughput over the current type's; < 0: unknown */
	uint8_t speed_src;     /* plan_speed_src */
	uint8_t price_src;     /* plan_price_src; PLAN_PRICE_NONE: cost unknown */
	uint8_t status;        /* plan_status */
	uint8_t moves;         /* PLAN_MOVE_* */
	bool emb_known;        /* the type has an embodied figure */
	double price_per_hour; /* < 0: unknown */
	double cost;           /* a month, all instances; < 0: unknown */
	double key_g;          /* what the ranking compares, gCO2e a month (see plan_group_result.basis) */
	cs_estimate est;       /* cs_estimate_run's figures for the month */
} plan_option;

/* Change from the current figures to the recommended ones, in the order
 * grid -> hardware -> rightsizing (docs/plan.md "Where the change comes
 * from"); the three add up to the change exactly. */
typedef struct plan_split {
	double grid_g;        /* the current type, count and load under the new intensity x PUE */
	double hardware_g;    /* then the new type, at the same count (or the fewest that fit) */
	double rightsizing_g; /* then the new count */
} plan_split;

enum { PLAN_BASIS_TOTAL = 0, PLAN_BASIS_OPERATIONAL = 1 };

/* How the recommendation was made. */
enum {
	PLAN_REC_OBJECTIVE = 0,  /* by the objective asked for */
	PLAN_REC_CARBON_NO_COST, /* cost or balanced asked, but the current cost is unknown: by carbon */
};

typedef struct plan_group_result {
	const plan_group *g;
	plan_option current;
	size_t front_at, nfront; /* the carbon-cost Pareto front: plan_result.options[front_at...] */
	plan_option rec;         /* recommended (the current one when nothing is better) */
	plan_option unranked;    /* best option left out for an unknown (status says which); inst NULL if none */
	plan_split split;        /* rec - current, on the basis */
	uint8_t basis;           /* PLAN_BASIS_* the group is ranked on */
	uint8_t rec_how;         /* PLAN_REC_* */
	uint32_t options;        /* options evaluated */
	uint32_t no_perf, no_embodied, too_slow;
} plan_group_result;

/* Sums over groups, a month. */
typedef struct plan_totals {
	double op_g, emb_g, total_g;
	double cost; /* of the groups whose cost is known */
	size_t groups;
	size_t unpriced;    /* groups whose cost is unknown */
	size_t no_embodied; /* groups whose embodied figure is unknown */
} plan_totals;

/* Before (current) and after (recommended) at one place. */
typedef struct plan_place {
	const cs_region *region;
	plan_totals before, after;
} plan_place;

typedef struct plan_result {
	plan_group_result *groups; /* one per inventory group, in order */
	size_t n;
	plan_option *options; /* the fronts, back to back */
	size_t noptions, cap_options;
	plan_totals before, after;
	double cost_before, cost_after; /* over the groups whose cost is known both now and after */
	size_t priced_both;             /* those groups */
	plan_split split;               /* sum of the groups' */
	double key_before_g;            /* sum of the groups' current figures on their basis */
	plan_place *places;             /* by region, in table order; only places with a group before or after */
	size_t nplaces;
	size_t allowed[CS_PROVIDER_COUNT];    /* regions an option may use, per provider */
	size_t no_coords;                     /* regions --near could not place (no coordinates) */
	size_t mismatches;                    /* reported options whose ranking figures differ from estimate's */
	size_t operational_basis;             /* groups ranked on operational carbon */
	const cs_dataset *intensity_sets[24]; /* grid datasets behind the figures reported */
	size_t nintensity_sets;
	cs_pool mem; /* owns groups, options and places */
} plan_result;

/* Plans every group. 0, or a negative code with why (allocation, or an
 * option the model refuses). */
int plan_run(const plan_inventory *inv, const plan_opts *o, plan_result *out, char *why, size_t cap);
void plan_result_free(plan_result *r); /* NULL-safe */

/* The request that gives an option's figures: what `carbonstat estimate
 * --provider P --instance T --region R --cpu PCT --duration <hours>h
 * --count N` asks. */
void plan_option_req(const plan_group *g, const plan_option *o, cs_estimate_req *req);

const char *plan_objective_name(plan_objective o); /* "carbon", "cost", "balanced" */
const char *plan_status_name(plan_status s);       /* "ranked", "throughput unknown", ... */

#endif
