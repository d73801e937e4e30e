/* plan/report.c - the assumptions, the text report and the CSV (see
 * report.h). Figures are shown in kgCO2e a month in text, in the gCO2e of
 * estimate's CSV in CSV. */
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/why.h"
#include "plan/buf.h"
#include "plan/report.h"

const char *plan_moves_name(unsigned moves, char *buf, size_t cap)
{
	static const char *const names[] = {"region", "type", "provider", "count"};

	buf[0] = '\0';
	for (unsigned i = 0; i < 4; i++)
		if (moves & (1u << i))
			plan_appendf(buf, cap, "%s%s", buf[0] ? "+" : "", names[i]);
	if (!buf[0])
		snprintf(buf, cap, "keep");
	return buf;
}

/* ---- assumptions -------------------------------------------------------- */

static plan_note *note(plan_note *out, size_t cap, size_t *n, const char *topic)
{
	if (*n >= cap)
		return NULL;
	plan_note *x = &out[(*n)++];
	x->topic = topic;
	x->text[0] = x->source[0] = '\0';
	return x;
}

/* Opens a note with its source and its printf text; NULL when out is full
 * (the caller may append more to the text). */
static plan_note *note_f(plan_note *out, size_t cap, size_t *n, const char *topic, const char *source, const char *fmt,
                         ...) __attribute__((format(printf, 6, 7)));

static plan_note *note_f(plan_note *out, size_t cap, size_t *n, const char *topic, const char *source, const char *fmt,
                         ...)
{
	plan_note *x = note(out, cap, n, topic);
	va_list ap;

	if (!x)
		return NULL;
	plan_appendf(x->source, sizeof x->source, "%s", source);
	va_start(ap, fmt);
	plan_vappendf(x->text, sizeof x->text, fmt, ap);
	va_end(ap);
	return x;
}

/* What each objective recommends (the "objective" note). */
static const char *const objective_text[] = {
    [PLAN_OBJ_CARBON] = "Objective carbon: the ranked option with the lowest carbon a month (operational + "
                        "embodied), whatever its cost; the front shows what each cost level buys.",
    [PLAN_OBJ_COST] = "Objective cost: the cheapest ranked option with a known cost, lower carbon breaking ties; "
                      "a group whose current cost is unknown is recommended on carbon.",
    [PLAN_OBJ_BALANCED] = "Objective balanced: the ranked option with a known cost that minimises carbon/carbon_now "
                          "+ cost/cost_now (equal weight to a 1 % change of either); a group whose current cost is "
                          "unknown is recommended on carbon.",
};

static const cs_dataset *dataset_by_id(const char *id)
{
	for (size_t i = 0; i < cs_dataset_count(); i++)
		if (!strcmp(cs_dataset_id(cs_dataset_at(i)), id))
			return cs_dataset_at(i);
	return NULL;
}

static void perf_range(int *first, int *last, unsigned *results)
{
	*first = 9999;
	*last = 0;
	*results = 0;
	for (size_t i = 0; i < cs_cpu_perf_count(); i++) {
		const cs_cpu_perf *p = cs_cpu_perf_at(i);
		if (cs_cpu_perf_basis(p)[0])
			continue;
		*results += cs_cpu_perf_results(p);
		if (cs_cpu_perf_year_first(p) < *first)
			*first = cs_cpu_perf_year_first(p);
		if (cs_cpu_perf_year(p) > *last)
			*last = cs_cpu_perf_year(p);
	}
}

size_t plan_notes(const plan_report_in *in, plan_note *out, size_t cap)
{
	const plan_opts *o = in->opts;
	const plan_result *r = in->res;
	const plan_prices *pb = in->prices;
	size_t n = 0;
	plan_note *x;
	int y0, y1;
	unsigned nres;
	plan_objective objective;

	if (in->inv->note[0] && (x = note(out, cap, &n, "inventory"))) {
		plan_appendf(x->text, sizeof x->text, "%s", in->inv->note);
		plan_appendf(x->source, sizeof x->source, "%s (%s)", in->inv->name, in->inv->source);
	}
	note_f(out, cap, &n, "work", "docs/plan.md, \"Work and utilisation\"",
	       "A group's work is instances x vCPUs x CPU utilisation x throughput per vCPU; every option "
	       "carries the same work, so on a faster CPU it runs at a lower utilisation (utilisation taken as "
	       "proportional to work: no turbo, SMT or memory-bound effects). Utilisations are rounded to "
	       "1e-6 %%.");
	if ((x = note(out, cap, &n, "counts"))) {
		if (o->target_cpu > 0)
			plan_appendf(
			    x->text, sizeof x->text,
			    "Counts: the fewest instances (rounded up) that keep each option at or under %.4g %% CPU "
			    "(--target-cpu), the current type included (rightsizing in place). Rightsizing looks at "
			    "CPU only (the inventory has no memory figure): fewer instances also mean less memory in "
			    "total; check it before moving.",
			    o->target_cpu * 100);
		else
			plan_appendf(
			    x->text, sizeof x->text,
			    "Counts: kept, unless the work does not fit at 100 %% CPU; then the fewest instances that "
			    "fit (rounded up). --target-cpu PCT rightsizes instead.");
		plan_appendf(x->source, sizeof x->source, "--target-cpu");
	}
	if ((x = note(out, cap, &n, "throughput"))) {
		const cs_dataset *d = dataset_by_id("ccf-specpower");
		perf_range(&y0, &y1, &nres);
		plan_appendf(
		    x->text, sizeof x->text,
		    "Throughput per vCPU: the median ssj_ops at 100 %% per hardware thread of the microarchitecture's "
		    "SPECpower_ssj2008 results (%u results published %d-%d), derived as overall ssj_ops/W x (W at 100 "
		    "%% "
		    "+ W at idle) / threads; a vCPU counts as one hardware thread. A type on several "
		    "microarchitectures gets their mean; the same microarchitecture is 1x. Options whose ratio is "
		    "unknown (no result: Graviton3/4, Axion, Grace...) are not ranked.",
		    nres, y0, y1);
		if (o->max_slowdown >= 0)
			plan_appendf(x->text, sizeof x->text,
			             " Options more than %.4g %% slower per vCPU are left out (--max-slowdown).",
			             o->max_slowdown * 100);
		if (d)
			plan_appendf(x->source, sizeof x->source, "%s: %s (%s, %d)", cs_dataset_id(d),
			             cs_dataset_source(d), cs_dataset_license(d), cs_dataset_year(d));
		if (o->perf) {
			plan_appendf(
			    x->text, sizeof x->text,
			    " Your figures (%zu microarchitectures) are used when they cover both types of a ratio, "
			    "never mixed with SPECpower's.",
			    o->perf->n);
			plan_appendf(x->source, sizeof x->source, "; --perf %s", o->perf->name);
		}
	}
	if ((x = note_f(out, cap, &n, "model", "carbonstat estimate (docs/model.md); PUE: ccf-pue",
	                "Power, energy and carbon of every option are carbonstat estimate's for the same type, region, "
	                "utilisation, count and hours (Teads curves or CCF min/max W per vCPU + memory W/GB; PUE aws "
	                "%.4g, gcp %.4g, azure %.4g); each reported option is recomputed by estimate itself",
	                cs_pue_default(CS_PROVIDER_AWS), cs_pue_default(CS_PROVIDER_GCP),
	                cs_pue_default(CS_PROVIDER_AZURE)))) {
		if (r->mismatches)
			plan_appendf(x->text, sizeof x->text,
			             " (%zu options were ranked on figures that differ from estimate's)",
			             r->mismatches);
		plan_appendf(x->text, sizeof x->text, ".");
	}
	if ((x = note(out, cap, &n, "grid"))) {
		plan_appendf(
		    x->text, sizeof x->text,
		    "Grid intensity: each region's figure in the built-in tables, one per region (location-based, "
		    "annual).");
		for (size_t i = 0; i < r->nintensity_sets; i++)
			plan_appendf(x->source, sizeof x->source, "%s%s (%s, %d)", i ? "; " : "",
			             cs_dataset_id(r->intensity_sets[i]), cs_dataset_license(r->intensity_sets[i]),
			             cs_dataset_year(r->intensity_sets[i]));
	}
	note_f(out, cap, &n, "embodied", "ccf-embodied-aws, ccf-aws-latest, ccf-embodied-gcp, ccf-embodied-azure",
	       "Embodied: CCF's per instance-hour share of the host's manufacturing emissions. A type without "
	       "that figure is never ranked against one with it; a group whose current type has none (%zu) is "
	       "ranked on operational carbon only.",
	       r->operational_basis);
	if ((x = note(out, cap, &n, "prices"))) {
		if (!pb || pb->n == 0) {
			plan_appendf(
			    x->text, sizeof x->text,
			    "Prices: none known, so every cost is unknown and options are ranked on carbon; give "
			    "price_per_hour in the inventory, --prices FILE or --bill FILE.");
		} else {
			plan_appendf(
			    x->text, sizeof x->text,
			    "Prices per instance-hour in %s: %zu from the inventory, %zu from the price file, %zu from "
			    "bills (first source wins). An option without a price has no cost: it is ranked on carbon "
			    "only and never chosen for cost. Nothing is converted or invented.",
			    pb->currency, pb->from[PLAN_PRICE_INVENTORY], pb->from[PLAN_PRICE_FILE],
			    pb->from[PLAN_PRICE_BILL]);
			if (pb->other_currency)
				plan_appendf(x->text, sizeof x->text, " %zu prices in another currency were left out.",
				             pb->other_currency);
			if (pb->conflicts)
				plan_appendf(x->text, sizeof x->text,
				             " %zu prices repeated a type and region already priced and "
				             "were left out.",
				             pb->conflicts);
		}
		plan_appendf(x->source, sizeof x->source, "%s%s%s%s%s", in->inv->name,
		             pb && pb->file[0] ? "; --prices " : "", pb ? pb->file : "",
		             pb && pb->bills[0] ? "; --bill " : "", pb ? pb->bills : "");
	}
	if ((x = note(out, cap, &n, "regions"))) {
		plan_appendf(x->text, sizeof x->text, "Regions an option may use: aws %zu, gcp %zu, azure %zu",
		             r->allowed[CS_PROVIDER_AWS], r->allowed[CS_PROVIDER_GCP], r->allowed[CS_PROVIDER_AZURE]);
		if (o->regions)
			plan_appendf(x->text, sizeof x->text, " (--regions %s).", in->regions ? in->regions : "");
		else if (o->near) {
			plan_appendf(x->text, sizeof x->text, " (within %.0f km of %s %s by great-circle distance",
			             o->max_km, cs_provider_name(cs_region_provider(o->near)), cs_region_name(o->near));
			if (r->no_coords)
				plan_appendf(x->text, sizeof x->text, "; %zu regions without coordinates left out",
				             r->no_coords);
			plan_appendf(x->text, sizeof x->text, ").");
			const cs_dataset *d = cs_region_coords_dataset();
			plan_appendf(x->source, sizeof x->source, "%s: %s (%s, %d)", cs_dataset_id(d),
			             cs_dataset_source(d), cs_dataset_license(d), cs_dataset_year(d));
		} else
			plan_appendf(x->text, sizeof x->text, " (all regions with a known intensity).");
		plan_appendf(x->text, sizeof x->text, " A group may always stay where it is.");
		if (!x->source[0])
			plan_appendf(x->source, sizeof x->source, "--regions / --near");
	}
	if ((x = note(out, cap, &n, "candidates"))) {
		plan_appendf(x->text, sizeof x->text, "Types: the current one, and in each family ");
		if (o->providers) {
			plan_appendf(x->text, sizeof x->text, "of");
			for (int p = 1; p < CS_PROVIDER_COUNT; p++)
				if (o->providers & (1u << p))
					plan_appendf(x->text, sizeof x->text, " %s", cs_provider_name((cs_provider)p));
		} else {
			plan_appendf(x->text, sizeof x->text, "of the group's own provider");
		}
		plan_appendf(
		    x->text, sizeof x->text,
		    " the smallest size with at least the current vCPUs and memory, of the same kind (plain, bare "
		    "metal, local SSD, database...)%s%s%s. Left out unless named: burstable and shared-core families, "
		    "accelerators, Mac hosts; a GPU group only moves region.",
		    in->families ? "; families, microarchitectures or vendors: " : "", in->families ? in->families : "",
		    in->families ? " (--families)" : "");
		plan_appendf(x->source, sizeof x->source, "docs/plan.md, \"Candidates\"");
	}
	objective =
	    (unsigned)o->objective < sizeof objective_text / sizeof objective_text[0] ? o->objective : PLAN_OBJ_CARBON;
	note_f(out, cap, &n, "objective", "--objective", "%s", objective_text[objective]);
	note_f(out, cap, &n, "change", "docs/plan.md, \"Where the change comes from\"",
	       "Where the change comes from, in this order: grid (the current type, count and load under the "
	       "new region's intensity x PUE), hardware (then the new type at the same count, or the fewest "
	       "that fit), rightsizing (then the new count). The three add up to the change exactly; the "
	       "order decides where interactions land.");
	return n;
}

/* ---- text --------------------------------------------------------------- */

static double kg(double g)
{
	return g / 1000.0;
}

static void option_line(FILE *f, const plan_option *o)
{
	fprintf(f, "%s %s x %u in %s at %.4g %% CPU", cs_provider_name(cs_instance_provider(o->inst)),
	        cs_instance_name(o->inst), o->count, cs_region_name(o->region), o->cpu_percent);
}

static void cost_str(char *buf, size_t cap, double cost, const char *cur)
{
	if (cost >= 0)
		snprintf(buf, cap, "%.2f%s%s", cost, cur[0] ? " " : "", cur);
	else
		snprintf(buf, cap, "cost unknown");
}

static const char *arch_or(const cs_instance *it)
{
	return cs_instance_arch(it)[0] ? cs_instance_arch(it) : "microarchitecture unknown";
}

static double pct_change(double before, double after)
{
	return before != 0 ? (after - before) / before * 100.0 : 0;
}

static void because(FILE *f, const plan_group_result *gr)
{
	const plan_option *c = &gr->current, *r = &gr->rec;
	const plan_split *s = &gr->split;

	if (r->moves & (PLAN_MOVE_REGION | PLAN_MOVE_PROVIDER))
		fprintf(f, "    grid         %s %.1f g/kWh x PUE %.4g -> %s %.1f g/kWh x PUE %.4g: %+.1f kgCO2e\n",
		        cs_region_name(c->region), c->est.intensity_g_per_kwh, c->est.pue, cs_region_name(r->region),
		        r->est.intensity_g_per_kwh, r->est.pue, kg(s->grid_g));
	if (r->moves & PLAN_MOVE_TYPE) {
		fprintf(f, "    hardware     %s (%s) -> %s (%s)", cs_instance_name(c->inst), arch_or(c->inst),
		        cs_instance_name(r->inst), arch_or(r->inst));
		if (r->speed > 0)
			fprintf(f, ", %.2fx the work per vCPU (%s)", r->speed, plan_speed_src_name(r->speed_src));
		fprintf(f, "; %.1f W per instance at %.4g %% -> %.1f W at %.4g %%: %+.1f kgCO2e\n",
		        c->est.power.total_w, c->cpu_percent, r->est.power.total_w, r->cpu_percent, kg(s->hardware_g));
	}
	if (r->moves & PLAN_MOVE_COUNT)
		fprintf(f, "    rightsizing  %u -> %u instances: %+.1f kgCO2e\n", c->count, r->count,
		        kg(s->rightsizing_g));
}

static void group_text(FILE *f, const plan_report_in *in, size_t k)
{
	const plan_group_result *gr = &in->res->groups[k];
	const plan_group *g = gr->g;
	const plan_option *c = &gr->current, *r = &gr->rec;
	const char *cur = in->prices && in->prices->currency[0] ? in->prices->currency : "";
	char cs[64], rs[64], mv[48], emb[32], where[300];

	plan_group_where(in->inv, g, where, sizeof where);
	fprintf(f, "\n%s  %s %s x %u in %s, %.4g %% CPU, %.4g h a month", where,
	        cs_provider_name(cs_instance_provider(g->inst)), cs_instance_name(g->inst), g->count,
	        cs_region_name(g->region), g->cpu_percent, g->hours);
	if (g->price_per_hour >= 0)
		fprintf(f, ", %.6g %s/h", g->price_per_hour, g->currency);
	fputc('\n', f);
	cost_str(cs, sizeof cs, c->cost, cur);
	if (c->emb_known)
		snprintf(emb, sizeof emb, "%.1f", kg(c->est.embodied_g));
	else
		snprintf(emb, sizeof emb, "unknown");
	fprintf(f, "  now          %.1f kgCO2e a month (operational %.1f, embodied %s), %s%s\n", kg(c->key_g),
	        kg(c->est.operational_g), emb, cs, c->cost >= 0 ? " a month" : "");
	if (r->moves == 0) {
		fprintf(f, "  recommended  keep it: no ranked option is better for the %s objective\n",
		        plan_objective_name(in->opts->objective));
	} else {
		cost_str(rs, sizeof rs, r->cost, cur);
		fprintf(f, "  recommended  ");
		option_line(f, r);
		fprintf(f, " (%s)\n", plan_moves_name(r->moves, mv, sizeof mv));
		fprintf(f, "               %.1f kgCO2e a month (%+.1f %%), %s%s", kg(r->key_g),
		        pct_change(c->key_g, r->key_g), rs, r->cost >= 0 ? " a month" : "");
		if (r->cost >= 0 && c->cost >= 0)
			fprintf(f, " (%+.1f %%)", pct_change(c->cost, r->cost));
		if (r->cost >= 0)
			fprintf(f, ", price from %s", plan_price_src_name(r->price_src));
		else
			fprintf(f, ": no price for %s in %s", cs_instance_name(r->inst), cs_region_name(r->region));
		fputc('\n', f);
		fprintf(f, "  because\n");
		because(f, gr);
	}
	if (gr->rec_how == PLAN_REC_CARBON_NO_COST)
		fprintf(f, "  note         the current cost is unknown, so the %s objective fell back to carbon\n",
		        plan_objective_name(in->opts->objective));
	if (gr->basis == PLAN_BASIS_OPERATIONAL)
		fprintf(f, "  note         %s has no embodied figure: ranked on operational carbon\n",
		        cs_instance_name(g->inst));
	if (gr->nfront) {
		fprintf(f, "  front        carbon vs cost, cleanest first (%u options, %u not ranked)\n",
		        gr->options + 1, gr->no_perf + gr->no_embodied + gr->too_slow);
		for (size_t i = 0; i < gr->nfront; i++) {
			const plan_option *o = &in->res->options[gr->front_at + i];
			cost_str(rs, sizeof rs, o->cost, cur);
			fprintf(f, "    %10.1f kg  %16s  ", kg(o->key_g), rs);
			option_line(f, o);
			fprintf(f, "%s\n",
			        o->inst == r->inst && o->region == r->region && o->count == r->count
			            ? "  <- recommended"
			            : "");
		}
	}
	if (gr->unranked.inst) {
		const plan_option *u = &gr->unranked;
		fprintf(f, "  not ranked   ");
		option_line(f, u);
		if (u->status == PLAN_NO_PERF)
			fprintf(f,
			        ": %.1f kg at equal work per vCPU, but the throughput of %s against %s is unknown "
			        "(give --perf FILE)\n",
			        kg(u->key_g), arch_or(u->inst), arch_or(g->inst));
		else
			fprintf(f, ": %.1f kg operational, but %s has no embodied figure\n", kg(u->key_g),
			        cs_instance_name(u->inst));
	}
}

static void totals_row(FILE *f, const char *what, double before, double after)
{
	fprintf(f, "  %-22s %14.1f %14.1f %+14.1f (%+.1f %%)\n", what, before, after, after - before,
	        pct_change(before, after));
}

static double share(double part, double whole)
{
	return whole != 0 && part != 0 ? part / whole * 100.0 : 0;
}

void plan_write_text(FILE *f, const plan_report_in *in)
{
	const plan_result *r = in->res;
	const char *cur = in->prices && in->prices->currency[0] ? in->prices->currency : "";
	plan_note notes[PLAN_NOTES_MAX];
	size_t nn = plan_notes(in, notes, PLAN_NOTES_MAX), instances = 0;
	double change = r->split.grid_g + r->split.hardware_g + r->split.rightsizing_g;

	for (size_t i = 0; i < in->inv->n; i++)
		instances += in->inv->g[i].count;
	fprintf(f, "carbonstat plan: %s, %zu group%s, %zu instances; objective %s\n", in->inv->name, r->n,
	        r->n == 1 ? "" : "s", instances, plan_objective_name(in->opts->objective));
	for (size_t k = 0; k < r->n; k++)
		group_text(f, in, k);

	fprintf(f, "\nfleet, a month                  before          after         change\n");
	totals_row(f, "kgCO2e total", kg(r->before.total_g), kg(r->after.total_g));
	totals_row(f, "  operational", kg(r->before.op_g), kg(r->after.op_g));
	totals_row(f, "  embodied", kg(r->before.emb_g), kg(r->after.emb_g));
	if (r->before.no_embodied || r->after.no_embodied)
		fprintf(f, "  (embodied unknown, counted as 0: %zu groups before, %zu after)\n", r->before.no_embodied,
		        r->after.no_embodied);
	if (r->priced_both) {
		char what[40];
		snprintf(what, sizeof what, "cost %s", cur);
		totals_row(f, what, r->cost_before, r->cost_after);
		if (r->priced_both < r->n)
			fprintf(f,
			        "  (cost over the %zu of %zu groups priced both now and after; the others' cost is "
			        "unknown)\n",
			        r->priced_both, r->n);
	} else {
		fprintf(f, "  cost                   unknown: no group is priced both now and after (%zu priced now)\n",
		        r->n - r->before.unpriced);
	}
	fprintf(f,
	        "  change %+.1f kgCO2e (on each group's ranking basis): grid %+.1f (%.0f %%), hardware %+.1f "
	        "(%.0f %%), rightsizing %+.1f (%.0f %%)\n",
	        kg(change), kg(r->split.grid_g), share(r->split.grid_g, change), kg(r->split.hardware_g),
	        share(r->split.hardware_g, change), kg(r->split.rightsizing_g), share(r->split.rightsizing_g, change));

	fprintf(f, "\nby place         %-24s %12s %12s %14s %14s\n", "REGION", "BEFORE_KG", "AFTER_KG", "BEFORE_COST",
	        "AFTER_COST");
	for (size_t i = 0; i < r->nplaces; i++) {
		const plan_place *p = &r->places[i];
		char b[32], a[32];
		cost_str(b, sizeof b, p->before.groups && !p->before.unpriced ? p->before.cost : -1, "");
		cost_str(a, sizeof a, p->after.groups && !p->after.unpriced ? p->after.cost : -1, "");
		fprintf(f, "  %-14s %-24s %12.1f %12.1f %14s %14s\n", cs_provider_name(cs_region_provider(p->region)),
		        cs_region_name(p->region), kg(p->before.total_g), kg(p->after.total_g),
		        p->before.groups ? b : "-", p->after.groups ? a : "-");
	}
	fprintf(f, "\nassumptions\n");
	for (size_t i = 0; i < nn; i++)
		fprintf(f, "  %-11s %s\n  %-11s source: %s\n", notes[i].topic, notes[i].text, "", notes[i].source);
}
