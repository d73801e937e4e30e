/* fuzz_plan_inventory.c - libFuzzer target for the planner's inventory
 * parser (plan/inventory.c over plan/csvin.c), and for the planner and its
 * reports on whatever the parser accepts.
 *
 * A rejected input must come with a "name:..." reason and leave nothing
 * allocated; an accepted one must hold only groups the planner can take
 * (resolved type and region, count 1..10,000,000, utilisation 0..1, hours
 * in (0, 744], a price >= 0 with a currency or none). Small accepted
 * inventories are planned and written as text and HTML: every figure
 * reported must be cs_estimate_run's (no mismatch) and the three steps of
 * each change must add up to it.
 */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "plan/plan.h"
#include "plan/report.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void plan_and_write(const plan_inventory *inv)
{
	static plan_catalog cat; /* built once: the tables do not change */
	static int built;
	plan_prices pb;
	plan_opts o;
	plan_result r;
	char why[512];
	FILE *sink = fopen("/dev/null", "w");

	if (!built) {
		if (plan_catalog_build(&cat))
			abort();
		built = 1;
	}
	plan_prices_init(&pb);
	if (plan_prices_from_inventory(&pb, inv))
		abort();
	plan_opts_init(&o);
	o.catalog = &cat;
	o.prices = &pb;
	o.target_cpu = inv->n % 2 ? 0.6 : 0; /* both count rules */
	o.objective = (plan_objective)(inv->n % 3);
	if (plan_run(inv, &o, &r, why, sizeof why) == 0) {
		plan_report_in in = {inv, &o, &pb, &r, NULL, NULL};
		if (r.mismatches)
			abort();
		for (size_t k = 0; k < r.n; k++) {
			const plan_group_result *g = &r.groups[k];
			double d = g->rec.key_g - g->current.key_g;
			double s = g->split.grid_g + g->split.hardware_g + g->split.rightsizing_g;
			if (fabs(s - d) > 1e-6 * fmax(1.0, fabs(d)) || g->rec.status != PLAN_RANKED)
				abort();
		}
		if (sink) {
			plan_write_text(sink, &in);
			plan_write_html(sink, &in);
		}
		plan_result_free(&r);
	}
	if (sink)
		fclose(sink);
	plan_prices_free(&pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	plan_inventory inv;
	char why[512] = "";

	if (plan_inventory_parse_csv((const char *)data, size, "fuzz.csv", &inv, why, sizeof why)) {
		if (strncmp(why, "fuzz.csv", 8) || inv.g)
			abort();
		return 0;
	}
	for (size_t i = 0; i < inv.n; i++) {
		const plan_group *g = &inv.g[i];
		if (!g->inst || !g->region || g->count < 1 || g->count > 10000000 || !(g->cpu >= 0 && g->cpu <= 1) ||
		    !(g->hours > 0 && g->hours <= 744) ||
		    cs_region_provider(g->region) != cs_instance_provider(g->inst))
			abort();
		if (g->price_per_hour >= 0 && strlen(g->currency) != 3)
			abort();
	}
	if (inv.n <= 3)
		plan_and_write(&inv);
	plan_inventory_free(&inv);
	return 0;
}
