/* plan/report_html.c - the plan as one self-contained HTML page.
 *
 * Inline CSS and SVG only: no script, no font, no image, no URL to fetch,
 * so the file opens offline, can be mailed, and shows the same thing in
 * every browser. Per group, an SVG scatter of its carbon-cost front
 * (kgCO2e a month across, cost a month up; options without a price on a
 * band under the axis, since they have no cost to place them by), the
 * current option as a square, the recommended one filled, every point
 * with a <title> naming it (the browser shows it on hover). Then the
 * fleet before and after, the split of the change, and the assumptions.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "io/html.h"
#include "plan/report.h"

#define W      420.0 /* chart size, px */
#define H      230.0
#define LEFT   64.0 /* margins for the axes' labels */
#define RIGHT  12.0
#define TOP    12.0
#define BAND   34.0 /* the "cost unknown" band under the x axis */
#define BOTTOM (BAND + 30.0)

static const char css[] =
    "body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:2em auto;max-width:1100px;"
    "color:#1d2327;padding:0 1em}"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.1em;margin:1.6em 0 .4em;border-top:1px solid #d0d7de;"
    "padding-top:1em}"
    ".sub{color:#57606a;margin:0 0 1em}table{border-collapse:collapse;margin:.4em 0}"
    "td,th{padding:.2em .7em;text-align:right;border-bottom:1px solid #eaeef2}th{background:#f6f8fa}"
    "td.l,th.l{text-align:left}.grp{display:flex;gap:1.5em;flex-wrap:wrap;align-items:flex-start}"
    ".why li{margin:.15em 0}.good{color:#1a7f37}.bad{color:#cf222e}.muted{color:#57606a}"
    "svg text{font-size:11px;fill:#57606a}.ax{stroke:#8c959f}.grid{stroke:#eaeef2}"
    ".pt{fill:#fff;stroke:#0969da;stroke-width:1.5}.rec{fill:#1a7f37;stroke:#1a7f37}"
    ".cur{fill:#fff;stroke:#cf222e;stroke-width:1.5}.nr{fill:#fff;stroke:#8c959f;stroke-dasharray:2 2}"
    ".note{background:#f6f8fa;padding:.6em 1em;border-radius:6px}dt{font-weight:600;margin-top:.5em}"
    "dd{margin:0 0 0 1em}";

static double kg(double g)
{
	return g / 1000.0;
}

static const char *currency(const plan_report_in *in)
{
	return in->prices && in->prices->currency[0] ? in->prices->currency : "";
}

static void option_name(FILE *f, const plan_option *o)
{
	fprintf(f, "%s %s &times; %u in %s at %.4g %% CPU", cs_provider_name(cs_instance_provider(o->inst)),
	        cs_instance_name(o->inst), o->count, cs_region_name(o->region), o->cpu_percent);
}

static void cost_cell(FILE *f, double cost, const char *cur)
{
	if (cost >= 0)
		fprintf(f, "%.2f %s", cost, cur);
	else
		fputs("<span class=muted>unknown</span>", f);
}

/* A "nice" axis step for a range: 1, 2 or 5 x 10^k, about four ticks. */
static double nice_step(double range)
{
	double raw = range / 4, mag, f;

	if (!(raw > 0))
		return 1;
	mag = pow(10, floor(log10(raw)));
	f = raw / mag;
	return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

static bool same(const plan_option *a, const plan_option *b)
{
	return a->inst == b->inst && a->region == b->region && a->count == b->count;
}

typedef struct axes {
	double xmax, ymax; /* kg, cost */
	bool priced;
} axes;

static double px(const axes *a, double x)
{
	return LEFT + (W - LEFT - RIGHT) * (a->xmax > 0 ? x / a->xmax : 0);
}

static double py(const axes *a, double y)
{
	return TOP + (H - TOP - BOTTOM) * (1 - (a->ymax > 0 ? y / a->ymax : 0));
}

static void point(FILE *f, const axes *a, const plan_option *o, const char *cls, bool square, const char *cur)
{
	double x = px(a, kg(o->key_g));
	double y = o->cost >= 0 ? py(a, o->cost) : H - BAND / 2 - 6;

	if (square)
		fprintf(f, "<rect class=\"%s\" x=\"%.1f\" y=\"%.1f\" width=\"9\" height=\"9\">", cls, x - 4.5, y - 4.5);
	else
		fprintf(f, "<circle class=\"%s\" cx=\"%.1f\" cy=\"%.1f\" r=\"4.5\">", cls, x, y);
	fputs("<title>", f);
	option_name(f, o);
	fprintf(f, ": %.1f kgCO2e a month, ", kg(o->key_g));
	if (o->cost >= 0)
		fprintf(f, "%.2f %s a month", o->cost, cur);
	else
		fputs("cost unknown", f);
	fprintf(f, "</title></%s>\n", square ? "rect" : "circle");
}

static void chart(FILE *f, const plan_report_in *in, const plan_group_result *gr)
{
	const plan_option *front = in->res->options + gr->front_at;
	const char *cur = currency(in);
	axes a = {kg(gr->current.key_g), gr->current.cost >= 0 ? gr->current.cost : 0, gr->current.cost >= 0};
	double step;

	for (size_t i = 0; i < gr->nfront; i++) {
		a.xmax = fmax(a.xmax, kg(front[i].key_g));
		if (front[i].cost >= 0) {
			a.ymax = fmax(a.ymax, front[i].cost);
			a.priced = true;
		}
	}
	a.xmax = a.xmax > 0 ? a.xmax * 1.08 : 1;
	a.ymax = a.ymax > 0 ? a.ymax * 1.12 : 1;
	fprintf(f,
	        "<svg width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
	        "role=\"img\" aria-label=\"carbon and cost of the options\">\n",
	        W, H, W, H);
	/* axes and ticks */
	/* ticks at multiples of a nice step: five or so, never more than 11
	 * (counted, not summed: a step below the range's precision never ends) */
	step = nice_step(a.xmax);
	for (int k = 0; k <= 10 && k * step <= a.xmax * (1 + 1e-9); k++) {
		double t = k * step;
		fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", px(&a, t), TOP,
		        px(&a, t), H - BOTTOM);
		fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%g</text>\n", px(&a, t), H - BOTTOM + 13,
		        t);
	}
	if (a.priced) {
		step = nice_step(a.ymax);
		for (int k = 0; k <= 10 && k * step <= a.ymax * (1 + 1e-9); k++) {
			double t = k * step;
			fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", LEFT,
			        py(&a, t), W - RIGHT, py(&a, t));
			fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">%g</text>\n", LEFT - 4,
			        py(&a, t) + 4, t);
		}
	}
	fprintf(f, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>", LEFT, H - BOTTOM, W - RIGHT,
	        H - BOTTOM);
	fprintf(f, "<line class=\"ax\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", LEFT, TOP, LEFT,
	        H - BOTTOM);
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">kgCO2e a month</text>\n", (LEFT + W - RIGHT) / 2,
	        H - BOTTOM + 26);
	fprintf(
	    f,
	    "<text x=\"12\" y=\"%.1f\" transform=\"rotate(-90 12 %.1f)\" text-anchor=\"middle\">%s a month%s</text>\n",
	    (TOP + H - BOTTOM) / 2, (TOP + H - BOTTOM) / 2, a.priced ? cur : "cost", a.priced ? "" : " (none known)");
	fprintf(f, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">no price</text>\n", LEFT - 8, H - BAND / 2 - 2);
	fprintf(f, "<line class=\"grid\" x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\"/>\n", LEFT, H - BAND / 2 - 6,
	        W - RIGHT, H - BAND / 2 - 6);
	/* the points: the front, the one left unranked, now, recommended */
	for (size_t i = 0; i < gr->nfront; i++)
		if (!same(&front[i], &gr->rec) && !same(&front[i], &gr->current))
			point(f, &a, &front[i], "pt", false, cur);
	if (gr->unranked.inst)
		point(f, &a, &gr->unranked, "nr", false, cur);
	point(f, &a, &gr->current, "cur", true, cur);
	if (!same(&gr->rec, &gr->current))
		point(f, &a, &gr->rec, "pt rec", false, cur);
	fputs("</svg>\n", f);
}

static void group_html(FILE *f, const plan_report_in *in, const plan_group_result *gr)
{
	const plan_group *g = gr->g;
	const plan_option *c = &gr->current, *r = &gr->rec, *front = in->res->options + gr->front_at;
	const char *cur = currency(in);
	char mv[48];
	double d = r->key_g - c->key_g;

	char where[300];

	plan_group_where(in->inv, g, where, sizeof where);
	fprintf(f, "<h2>");
	cs_html_esc(f, where, false);
	fprintf(f, " &mdash; %s %s &times; %u in %s, %.4g %% CPU</h2>\n",
	        cs_provider_name(cs_instance_provider(g->inst)), cs_instance_name(g->inst), g->count,
	        cs_region_name(g->region), g->cpu_percent);
	fputs("<div class=grp><div>\n", f);
	chart(f, in, gr);
	fputs("</div><div>\n<table><tr><th class=l></th><th class=l>option</th><th>kgCO2e a month</th><th>cost a "
	      "month</th></tr>\n",
	      f);
	fputs("<tr><td class=l>now</td><td class=l>", f);
	option_name(f, c);
	fprintf(f, "</td><td>%.1f</td><td>", kg(c->key_g));
	cost_cell(f, c->cost, cur);
	fputs("</td></tr>\n<tr><td class=l><b>recommended</b></td><td class=l>", f);
	if (r->moves)
		option_name(f, r);
	else
		fputs("keep it", f);
	fprintf(f, "</td><td class=%s>%.1f (%+.1f %%)</td><td>",
	        d < 0   ? "good"
	        : d > 0 ? "bad"
	                : "muted",
	        kg(r->key_g), c->key_g ? d / c->key_g * 100 : 0);
	cost_cell(f, r->cost, cur);
	fputs("</td></tr>\n", f);
	for (size_t i = 0; i < gr->nfront; i++) {
		if (same(&front[i], r) || same(&front[i], c))
			continue;
		fputs("<tr><td class=l>front</td><td class=l>", f);
		option_name(f, &front[i]);
		fprintf(f, "</td><td>%.1f</td><td>", kg(front[i].key_g));
		cost_cell(f, front[i].cost, cur);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n<ul class=why>\n", f);
	if (r->moves & (PLAN_MOVE_REGION | PLAN_MOVE_PROVIDER))
		fprintf(f,
		        "<li>grid: %s %.1f g/kWh &times; PUE %.4g &rarr; %s %.1f g/kWh &times; PUE %.4g: %+.1f "
		        "kgCO2e</li>\n",
		        cs_region_name(c->region), c->est.intensity_g_per_kwh, c->est.pue, cs_region_name(r->region),
		        r->est.intensity_g_per_kwh, r->est.pue, kg(gr->split.grid_g));
	if (r->moves & PLAN_MOVE_TYPE) {
		fprintf(f, "<li>hardware: %s (%s) &rarr; %s (%s)", cs_instance_name(c->inst), cs_instance_arch(c->inst),
		        cs_instance_name(r->inst), cs_instance_arch(r->inst));
		if (r->speed > 0)
			fprintf(f, ", %.2f&times; the work per vCPU (%s)", r->speed,
			        plan_speed_src_name((plan_speed_src)r->speed_src));
		fprintf(f, "; %.1f W at %.4g %% &rarr; %.1f W at %.4g %% per instance: %+.1f kgCO2e</li>\n",
		        c->est.power.total_w, c->cpu_percent, r->est.power.total_w, r->cpu_percent,
		        kg(gr->split.hardware_g));
	}
	if (r->moves & PLAN_MOVE_COUNT)
		fprintf(f, "<li>rightsizing: %u &rarr; %u instances: %+.1f kgCO2e</li>\n", c->count, r->count,
		        kg(gr->split.rightsizing_g));
	if (!r->moves)
		fprintf(f, "<li>no ranked option is better for the %s objective</li>\n",
		        plan_objective_name(in->opts->objective));
	if (r->moves && r->cost < 0)
		fprintf(f, "<li class=muted>no price for %s in %s: its cost is unknown</li>\n",
		        cs_instance_name(r->inst), cs_region_name(r->region));
	if (gr->rec_how == PLAN_REC_CARBON_NO_COST)
		fputs("<li class=muted>the current cost is unknown: recommended on carbon</li>\n", f);
	if (gr->basis == PLAN_BASIS_OPERATIONAL)
		fputs("<li class=muted>the current type has no embodied figure: ranked on operational carbon</li>\n",
		      f);
	if (gr->unranked.inst) {
		fputs("<li class=muted>not ranked: ", f);
		option_name(f, &gr->unranked);
		fprintf(f, " (%.1f kg; %s)</li>\n", kg(gr->unranked.key_g),
		        plan_status_name((plan_status)gr->unranked.status));
	}
	fprintf(f, "<li class=muted>%s; %u options, %u not ranked</li>\n", plan_moves_name(r->moves, mv, sizeof mv),
	        gr->options + 1, gr->no_perf + gr->no_embodied + gr->too_slow);
	fputs("</ul></div></div>\n", f);
}

static void split_bar(FILE *f, const plan_split *s)
{
	double parts[3] = {s->grid_g, s->hardware_g, s->rightsizing_g}, sum = 0;
	static const char *const names[3] = {"grid", "hardware", "rightsizing"};
	static const char *const colors[3] = {"#0969da", "#8250df", "#bf8700"};
	double x = 0;

	for (int i = 0; i < 3; i++)
		sum += fabs(parts[i]);
	fputs("<svg width=\"420\" height=\"46\" role=\"img\" "
	      "aria-label=\"where the change comes from\">\n",
	      f);
	/* bar widths by the size of each part; the legend below in fixed places */
	for (int i = 0; i < 3; i++) {
		double w = sum > 0 ? 400 * fabs(parts[i]) / sum : 0;
		if (w > 0)
			fprintf(f,
			        "<rect x=\"%.1f\" y=\"4\" width=\"%.1f\" height=\"18\" fill=\"%s\"><title>%s %+.1f "
			        "kgCO2e</title></rect>\n",
			        10 + x, w, colors[i], names[i], kg(parts[i]));
		fprintf(f,
		        "<rect x=\"%d\" y=\"30\" width=\"10\" height=\"10\" fill=\"%s\"/><text x=\"%d\" y=\"39\">%s "
		        "%+.1f kg</text>\n",
		        10 + 140 * i, colors[i], 24 + 140 * i, names[i], kg(parts[i]));
		x += w;
	}
	fputs("</svg>\n", f);
}

void plan_write_html(FILE *f, const plan_report_in *in)
{
	const plan_result *r = in->res;
	const char *cur = currency(in);
	plan_note notes[PLAN_NOTES_MAX];
	size_t nn = plan_notes(in, notes, PLAN_NOTES_MAX);

	fputs("<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>carbonstat plan: ", f);
	cs_html_esc(f, in->inv->name, false);
	fprintf(f, "</title>\n<style>%s</style></head><body>\n<h1>carbonstat plan</h1>\n<p class=sub>", css);
	cs_html_esc(f, in->inv->name, false);
	fprintf(f, ": %zu groups; objective %s</p>\n", r->n, plan_objective_name(in->opts->objective));

	fputs("<table><tr><th class=l>fleet, a month</th><th>before</th><th>after</th><th>change</th></tr>\n", f);
	fprintf(f, "<tr><td class=l>kgCO2e</td><td>%.1f</td><td>%.1f</td><td>%+.1f</td></tr>\n", kg(r->before.total_g),
	        kg(r->after.total_g), kg(r->after.total_g - r->before.total_g));
	fprintf(f, "<tr><td class=l>&nbsp;&nbsp;operational</td><td>%.1f</td><td>%.1f</td><td>%+.1f</td></tr>\n",
	        kg(r->before.op_g), kg(r->after.op_g), kg(r->after.op_g - r->before.op_g));
	fprintf(f, "<tr><td class=l>&nbsp;&nbsp;embodied</td><td>%.1f</td><td>%.1f</td><td>%+.1f</td></tr>\n",
	        kg(r->before.emb_g), kg(r->after.emb_g), kg(r->after.emb_g - r->before.emb_g));
	if (r->priced_both)
		fprintf(f,
		        "<tr><td class=l>cost %s (%zu of %zu groups "
		        "priced)</td><td>%.2f</td><td>%.2f</td><td>%+.2f</td></tr>\n",
		        cur, r->priced_both, r->n, r->cost_before, r->cost_after, r->cost_after - r->cost_before);
	else
		fputs("<tr><td class=l>cost</td><td colspan=3 class=muted>unknown</td></tr>\n", f);
	fputs("</table>\n<p>Where the change comes from:</p>\n", f);
	split_bar(f, &r->split);

	fputs("<table><tr><th class=l>provider</th><th class=l>region</th><th>kgCO2e before</th><th>after</th>"
	      "<th>cost before</th><th>after</th></tr>\n",
	      f);
	for (size_t i = 0; i < r->nplaces; i++) {
		const plan_place *p = &r->places[i];
		fprintf(f, "<tr><td class=l>%s</td><td class=l>%s</td><td>%.1f</td><td>%.1f</td><td>",
		        cs_provider_name(cs_region_provider(p->region)), cs_region_name(p->region),
		        kg(p->before.total_g), kg(p->after.total_g));
		cost_cell(f, p->before.groups && !p->before.unpriced ? p->before.cost : -1, cur);
		fputs("</td><td>", f);
		cost_cell(f, p->after.groups && !p->after.unpriced ? p->after.cost : -1, cur);
		fputs("</td></tr>\n", f);
	}
	fputs("</table>\n", f);
	for (size_t k = 0; k < r->n; k++)
		group_html(f, in, &r->groups[k]);
	fputs("<h2>Assumptions</h2>\n<dl class=note>\n", f);
	for (size_t i = 0; i < nn; i++) {
		fprintf(f, "<dt>%s</dt><dd>", notes[i].topic);
		cs_html_esc(f, notes[i].text, false);
		fputs("<br><span class=muted>source: ", f);
		cs_html_esc(f, notes[i].source, false);
		fputs("</span></dd>\n", f);
	}
	fputs("</dl>\n</body></html>\n", f);
}
