/* ledger/render_html.c - the report as one self-contained HTML page.
 *
 * Inline CSS and inline SVG only: no <script>, no @font-face, no <img>, no
 * link or URL of any kind (the SVG needs no xmlns inside HTML5), so the page
 * renders the same offline, in a mail client or an archive, and opening it
 * makes no network request (tests/ledger/test_html_chromium.sh checks that
 * in headless Chromium). Every text from the ledger is HTML-escaped.
 *
 * Charts: daily kgCO2e stacked by team (the top teams, the rest as
 * "others"), carbon beside cost per team (each bar scaled to its own
 * maximum), and the top owners.
 */
#include "io/html.h"
#include "ledger/render.h"

#include <math.h>
#include <string.h>

#define HTML_TEAMS 9  /* coloured teams in the daily chart; the rest are "others" */
#define HTML_CMP   12 /* teams in carbon vs cost */

static const char *const palette[HTML_TEAMS + 1] = {"#1b7f5f", "#2f6fb0", "#d08a1a", "#8e44ad", "#c0392b",
                                                    "#16a0a8", "#7a8b21", "#b35f8f", "#5d6d7e", "#b8bfc6"};

/* The ledger's pages have always escaped ' as well. */
static void esc(FILE *f, const char *s)
{
	cs_html_esc(f, s, true);
}

/* A round axis maximum >= v: 1, 2, 2.5, 5 x 10^k. */
static double nice_max(double v)
{
	double p, m;

	if (!(v > 0))
		return 1;
	p = pow(10, floor(log10(v)));
	m = v / p;
	return (m <= 1 ? 1 : m <= 2 ? 2 : m <= 2.5 ? 2.5 : m <= 5 ? 5 : 10) * p;
}

static void daily_chart(const cs_lg_report *r, FILE *f)
{
	const double W = 900, H = 300, L = 60, B = 30, T = 10, R = 10;
	size_t nt = r->nteams < HTML_TEAMS ? r->nteams : HTML_TEAMS;
	double max = 0, bw;

	for (int64_t d = 0; d < r->ndays; d++) {
		double s = 0;

		for (size_t t = 0; t < r->nteams; t++)
			s += (double)r->daily_team_ug[(size_t)d * r->nteams + t] / 1e9;
		if (s > max)
			max = s;
	}
	max = nice_max(max);
	bw = (W - L - R) / (double)(r->ndays ? r->ndays : 1);
	fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"daily kgCO2e by team\">\n",
	        W, H);
	for (int k = 0; k <= 4; k++) {
		double y = T + (H - T - B) * (1 - k / 4.0);

		fprintf(f, "<line x1=\"%.0f\" x2=\"%.0f\" y1=\"%.1f\" y2=\"%.1f\" class=\"grid\"/>", L, W - R, y, y);
		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" class=\"ax\" text-anchor=\"end\">%.4g</text>\n", L - 6, y + 4,
		        max * k / 4);
	}
	for (int64_t d = 0; d < r->ndays; d++) {
		double y = H - B;

		for (size_t t = 0; t <= nt; t++) {
			double v = 0, h;

			if (t < nt)
				v = (double)r->daily_team_ug[(size_t)d * r->nteams + t] / 1e9;
			else
				for (size_t u = nt; u < r->nteams; u++)
					v += (double)r->daily_team_ug[(size_t)d * r->nteams + u] / 1e9;
			if (!(v > 0))
				continue;
			h = v / max * (H - T - B);
			y -= h;
			fprintf(f, "<rect x=\"%.1f\" y=\"%.2f\" width=\"%.1f\" height=\"%.2f\" fill=\"%s\"><title>",
			        L + d * bw + 1, y, bw - 2, h, palette[t < nt ? t : HTML_TEAMS]);
			if (t < nt)
				esc(f, r->teams[t].key);
			else
				fputs("others", f);
			fprintf(f, " day %lld: %.3f kgCO2e</title></rect>\n", (long long)d + 1, v);
		}
		if (d % 5 == 0 || d + 1 == r->ndays)
			fprintf(f, "<text x=\"%.1f\" y=\"%.0f\" class=\"ax\" text-anchor=\"middle\">%lld</text>\n",
			        L + d * bw + bw / 2, H - B + 16, (long long)d + 1);
	}
	fputs("</svg>\n<p class=\"legend\">", f);
	for (size_t t = 0; t < nt; t++) {
		fprintf(f, "<span><i style=\"background:%s\"></i>", palette[t]);
		esc(f, r->teams[t].key);
		fputs("</span> ", f);
	}
	if (r->nteams > nt)
		fprintf(f, "<span><i style=\"background:%s\"></i>others (%zu teams)</span>", palette[HTML_TEAMS],
		        r->nteams - nt);
	fputs("</p>\n", f);
}

static void carbon_cost_chart(const cs_lg_report *r, FILE *f)
{
	size_t n = r->nteams < HTML_CMP ? r->nteams : HTML_CMP;
	const double W = 900, row = 34, L = 180, bar = 12;
	double H = 20 + row * (double)n, maxc = 0, maxm = 0;
	bool priced = r->currency[0] != '\0';

	for (size_t t = 0; t < n; t++) {
		double c = cs_lg_total_kg(&r->teams[t].cur), m = cs_lg_cost(&r->teams[t].cur);

		if (c > maxc)
			maxc = c;
		if (m > maxm)
			maxm = m;
	}
	fprintf(
	    f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"carbon and cost per team\">\n",
	    W, H);
	for (size_t t = 0; t < n; t++) {
		const cs_lg_amounts *a = &r->teams[t].cur;
		double y = 10 + row * (double)t, c = cs_lg_total_kg(a), m = cs_lg_cost(a);
		char nb[40];
		double wc = maxc > 0 ? c / maxc * (W - L - 160) : 0, wm = maxm > 0 ? m / maxm * (W - L - 160) : 0;

		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", L - 8, y + bar + 2);
		esc(f, r->teams[t].key);
		fputs("</text>", f);
		fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"#1b7f5f\"/>", L, y, wc,
		        bar);
		fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" class=\"ax\">%s kgCO2e</text>", L + wc + 6, y + bar - 2,
		        cs_lg_num(c, 3, nb));
		if (priced) {
			fprintf(f, "<rect x=\"%.0f\" y=\"%.1f\" width=\"%.2f\" height=\"%.0f\" fill=\"#d08a1a\"/>", L,
			        y + bar + 2, wm, bar);
			fprintf(f, "<text x=\"%.2f\" y=\"%.1f\" class=\"ax\">%s ", L + wm + 6, y + 2 * bar,
			        cs_lg_num(m, 2, nb));
			esc(f, r->currency);
			fputs("</text>", f);
		}
		fputc('\n', f);
	}
	fputs("</svg>\n", f);
	if (priced)
		fputs(
		    "<p class=\"legend\"><span><i style=\"background:#1b7f5f\"></i>kgCO2e</span> "
		    "<span><i style=\"background:#d08a1a\"></i>cost</span> (each scaled to its own largest team)</p>\n",
		    f);
	else
		fputs("<p class=\"note\">No costs: the ledger has no prices for this period (pass --prices FILE to "
		      "import/sync, or ingest the bill).</p>\n",
		      f);
}

static void owners_chart(const cs_lg_report *r, FILE *f)
{
	const double W = 900, row = 22, L = 320;
	double H = 10 + row * (double)r->ntop_owners, max = 0;

	for (size_t i = 0; i < r->ntop_owners; i++)
		if (cs_lg_total_kg(&r->top_owners[i].cur) > max)
			max = cs_lg_total_kg(&r->top_owners[i].cur);
	fprintf(f, "<svg class=\"chart\" viewBox=\"0 0 %.0f %.0f\" role=\"img\" aria-label=\"top owners\">\n", W, H);
	for (size_t i = 0; i < r->ntop_owners; i++) {
		double y = 5 + row * (double)i, v = cs_lg_total_kg(&r->top_owners[i].cur);
		double w = max > 0 ? v / max * (W - L - 120) : 0;
		char nb[40];

		fprintf(f, "<text x=\"%.0f\" y=\"%.1f\" text-anchor=\"end\" class=\"lab\">", L - 8, y + 13);
		esc(f, r->top_owners[i].key);
		fprintf(f,
		        "</text><rect x=\"%.0f\" y=\"%.1f\" width=\"%.2f\" height=\"16\" fill=\"#2f6fb0\"/>"
		        "<text x=\"%.2f\" y=\"%.1f\" class=\"ax\">%s</text>\n",
		        L, y, w, L + w + 6, y + 13, cs_lg_num(v, 3, nb));
	}
	fputs("</svg>\n", f);
}

static void html_missing(void *ud, const char *from, const char *to, int64_t n)
{
	if (n == 1)
		fprintf(ud, "<li>%s (1 h)</li>", from);
	else
		fprintf(ud, "<li>%s &ndash; %s (%lld h)</li>", from, to, (long long)n);
}

static void num_td(FILE *f, double v, int decimals, const char *suffix)
{
	char b[40];

	fputs("<td>", f);
	if (isfinite(v))
		fprintf(f, "%s%s", cs_lg_num(v, decimals, b), suffix);
	else
		fputs("&ndash;", f);
	fputs("</td>", f);
}

/* The bill (carbonstat billing --ledger) beside the agents' measurement. */
static void bill_table(const cs_lg_report *r, FILE *f)
{
	bool team = r->by == CS_LG_BY_TEAM;

	fputs("<h2>The bill beside the measurement</h2>\n<table><thead><tr>", f);
	if (team)
		fputs("<th>team</th>", f);
	fputs("<th>provider</th><th>bill cost</th><th>bill kWh</th><th>bill kgCO2e</th><th>measured cost</th>"
	      "<th>measured kWh</th><th>measured kgCO2e</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->nbill; i++) {
		const cs_lg_bill_line *b = &r->bill[i];
		const cs_lg_amounts *m = cs_lg_bill_measured(r, b);
		char cur[16];

		fputs("<tr>", f);
		if (team) {
			fputs("<th>", f);
			esc(f, b->team[0] ? b->team : "(no team)");
			fputs("</th>", f);
		}
		fputs("<td>", f);
		esc(f, b->provider);
		fputs("</td>", f);
		snprintf(cur, sizeof(cur), " %s", b->currency);
		num_td(f, (double)b->a.cost_micro / 1e6, 2, cur);
		num_td(f, cs_lg_bill_kwh(b), 3, "");
		num_td(f, cs_lg_bill_kg(b), 3, "");
		num_td(f, m && r->currency[0] ? cs_lg_cost(m) : NAN, 2, "");
		num_td(f, m ? cs_lg_kwh(m) : NAN, 3, "");
		num_td(f, m ? cs_lg_total_kg(m) : NAN, 3, "");
		fputs("</tr>\n", f);
	}
	fputs("</tbody></table>\n<p>Bill kWh and kgCO2e: carbonstat's model of the bill (location-based, embodied "
	      "included); measured: the agents'.</p>\n",
	      f);
}

/* kind: 0 a row, 1 the total, 2 the node totals (no share, no change) */
static void table_row(FILE *f, const cs_lg_report *r, const char *key, const cs_lg_rep_row *row, int kind)
{
	const cs_lg_amounts *a = &row->cur;
	bool priced = r->currency[0] != '\0';
	double ch = cs_lg_change(row), sh = kind == 2 ? NAN : cs_lg_share(r, a);

	fputs(kind == 1 ? "<tr class=\"total\"><th>" : "<tr><th>", f);
	esc(f, key);
	fputs("</th>", f);
	num_td(f, cs_lg_kwh(a), 3, "");
	num_td(f, cs_lg_op_kg(a), 3, "");
	num_td(f, cs_lg_emb_kg(a), 3, "");
	num_td(f, cs_lg_total_kg(a), 3, "");
	num_td(f, priced ? cs_lg_cost(a) : NAN, 2, "");
	num_td(f, cs_lg_g_per_currency(a), 1, "");
	num_td(f, isfinite(sh) ? sh * 100 : NAN, 1, " %");
	if (!r->had_prev || kind == 2)
		fputs("<td>&ndash;</td>", f);
	else if (isfinite(ch))
		fprintf(f, "<td class=\"%s\">%+.1f %%</td>", ch > 0 ? "up" : "down", ch * 100);
	else
		fputs("<td>new</td>", f);
	fputs("</tr>\n", f);
}

int cs_lg_render_html(const cs_lg_report *r, FILE *f)
{
	bool priced = r->currency[0] != '\0';
	cs_lg_rep_row total = {.cur = r->total, .prev_ug = r->prev_total_ug, .had_prev = r->had_prev};
	double ch = cs_lg_change(&total);
	char nb[40];

	fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n"
	      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n<title>Carbon P&amp;L ",
	      f);
	esc(f, r->period.label);
	fputs("</title>\n<style>\n"
	      "body{font:14px/1.45 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;margin:24px auto;"
	      "max-width:1000px;color:#1d2328;background:#fff;padding:0 16px}\n"
	      "h1{font-size:24px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid #e3e6e8;"
	      "padding-bottom:4px}\n.sub{color:#5b6670;margin:0 0 16px}\n"
	      ".kpis{display:flex;flex-wrap:wrap;gap:12px}.kpi{border:1px solid #e3e6e8;border-radius:6px;"
	      "padding:10px 14px;min-width:150px}.kpi b{display:block;font-size:20px}.kpi span{color:#5b6670;"
	      "font-size:12px}\n"
	      "table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}th,td{padding:4px 8px;"
	      "border-bottom:1px solid #eef0f2;text-align:right}th:first-child{text-align:left;font-weight:500}"
	      "thead th{font-weight:600;color:#39424a;border-bottom:2px solid #d5d9dd}\n"
	      "tr.total th,tr.total td{font-weight:700;border-top:2px solid #39424a}.up{color:#b03a2e}"
	      ".down{color:#1b7f5f}\n"
	      "svg.chart{width:100%;height:auto;display:block}.grid{stroke:#e8ebee}.ax{font-size:11px;fill:#5b6670}"
	      ".lab{font-size:12px;fill:#1d2328}\n"
	      ".legend span{margin-right:14px;white-space:nowrap;font-size:12px}.legend i{display:inline-block;"
	      "width:10px;height:10px;margin-right:4px;border-radius:2px}\n"
	      ".note{color:#5b6670;font-size:13px}.bad{color:#b03a2e;font-weight:600}.ok{color:#1b7f5f}\n"
	      "</style></head><body>\n<h1>Carbon P&amp;L &mdash; ",
	      f);
	esc(f, r->period.label);
	fputs("</h1>\n<p class=\"sub\">by ", f);
	esc(f, cs_lg_by_name(r->by));
	fputs(" &middot; ", f);
	esc(f, r->db_name);
	fputs(" &middot; location-based (each hour's grid average intensity)", f);
	if (priced) {
		fputs(" &middot; costs in ", f);
		esc(f, r->currency);
	}
	fputs("</p>\n<div class=\"kpis\">", f);
	fprintf(f, "<div class=\"kpi\"><b>%s</b><span>kgCO2e total</span></div>",
	        cs_lg_num(cs_lg_total_kg(&r->total), 3, nb));
	fprintf(f, "<div class=\"kpi\"><b>%s</b><span>kWh</span></div>", cs_lg_num(cs_lg_kwh(&r->total), 3, nb));
	if (priced) {
		fprintf(f, "<div class=\"kpi\"><b>%s</b><span>cost ", cs_lg_num(cs_lg_cost(&r->total), 2, nb));
		esc(f, r->currency);
		fputs("</span></div>", f);
		if (isfinite(cs_lg_g_per_currency(&r->total)))
			fprintf(f, "<div class=\"kpi\"><b>%.1f</b><span>gCO2e per %s</span></div>",
			        cs_lg_g_per_currency(&r->total), r->currency);
	}
	if (r->had_prev && isfinite(ch))
		fprintf(f, "<div class=\"kpi\"><b class=\"%s\">%+.1f %%</b><span>vs %s</span></div>",
		        ch > 0 ? "up" : "down", ch * 100, r->period.prev_label);
	fputs("</div>\n<h2>Daily kgCO2e by team</h2>\n", f);
	daily_chart(r, f);
	fputs("<h2>Carbon and cost per team</h2>\n", f);
	carbon_cost_chart(r, f);
	fputs("<h2>Top owners (kgCO2e)</h2>\n", f);
	owners_chart(r, f);
	fputs("<h2>By ", f);
	esc(f, cs_lg_by_name(r->by));
	fputs("</h2>\n<table><thead><tr><th>", f);
	esc(f, cs_lg_by_name(r->by));
	fputs("</th><th>kWh</th><th>op kgCO2e</th><th>emb kgCO2e</th><th>total kgCO2e</th><th>cost</th>"
	      "<th>gCO2e/unit</th><th>share</th><th>vs prev</th></tr></thead><tbody>\n",
	      f);
	for (size_t i = 0; i < r->nrows; i++)
		table_row(f, r, r->rows[i].key, &r->rows[i], 0);
	table_row(f, r, "TOTAL", &total, 1);
	{
		cs_lg_rep_row nodes = {.cur = r->nodes};

		table_row(f, r, "node totals (the agents' own)", &nodes, 2);
	}
	fputs("</tbody></table>\n", f);
	if (r->nmovers) {
		fputs("<h2>Top movers vs ", f);
		esc(f, r->period.prev_label);
		fputs("</h2>\n<table><tbody>", f);
		for (size_t i = 0; i < r->nmovers; i++) {
			const cs_lg_rep_row *row = &r->rows[r->movers[i]];
			double d = (double)(row->cur.op_ug + row->cur.emb_ug - row->prev_ug) / 1e9;

			fputs("<tr><th>", f);
			esc(f, row->key);
			fprintf(f, "</th><td class=\"%s\">%+.3f kgCO2e</td></tr>\n", d > 0 ? "up" : "down", d);
		}
		fputs("</tbody></table>\n", f);
	}
	if (r->nbudgets) {
		fputs("<h2>Budgets (kgCO2e per month)</h2>\n<table><thead><tr><th>team</th><th>budget</th><th>burn</th>"
		      "<th>used</th><th>projected</th><th></th></tr></thead><tbody>\n",
		      f);
		for (size_t i = 0; i < r->nbudgets; i++) {
			const cs_lg_budget_row *b = &r->budgets[i];

			fputs("<tr><th>", f);
			esc(f, b->team);
			fprintf(f,
			        "</th><td>%.3f</td><td>%.3f</td><td>%.1f %%</td><td>%.3f</td><td "
			        "class=\"%s\">%s</td></tr>\n",
			        b->budget_kg, b->burn_kg, b->budget_kg > 0 ? b->burn_kg / b->budget_kg * 100 : 0.0,
			        b->projected_kg, b->exceeded || b->projected_over ? "bad" : "ok",
			        b->exceeded         ? "exceeded"
			        : b->projected_over ? "on course to exceed"
			                            : "ok");
		}
		fputs("</tbody></table>\n", f);
	}
	if (r->nsci) {
		fputs("<h2>SCI per functional unit (ISO/IEC 21031, location-based)</h2>\n<table><tbody>", f);
		for (size_t i = 0; i < r->nsci; i++) {
			const cs_lg_sci_row *x = &r->sci[i];

			fputs("<tr><th>", f);
			esc(f, x->key);
			if (x->units > 0) {
				fprintf(f, "</th><td>%.6g gCO2e per ", (double)x->ug / 1e6 / x->units);
				esc(f, r->functional_unit);
				fprintf(f, "</td><td>%.0f units</td></tr>\n", x->units);
			} else {
				fputs("</th><td>no units synced</td><td></td></tr>\n", f);
			}
		}
		fputs("</tbody></table>\n", f);
	}
	if (r->nbill)
		bill_table(r, f);
	fprintf(f, "<h2>Data quality</h2>\n<p>%lld of %lld hours have data (%lld elapsed).</p>\n",
	        (long long)r->hours_with_data, (long long)r->period_hours, (long long)r->hours_elapsed);
	if (r->nmissing) {
		fputs("<p>Missing hours (no data, not counted as zero):</p><ul>", f);
		cs_lg_missing_ranges(r, html_missing, f);
		fputs("</ul>\n", f);
	}
	if (r->ngaps) {
		fprintf(
		    f, "<p>%zu gaps recorded (missing, partial or reset node-hours); the JSON report lists them.</p>\n",
		    r->ngaps);
	}
	for (size_t i = 0; i < r->nreasons; i++) {
		fprintf(f, "<p class=\"note\">No cost for %lld node-hours: ", (long long)r->reasons[i].node_hours);
		esc(f, r->reasons[i].reason);
		fputs("</p>\n", f);
	}
	fputs("<p class=\"note\">Made by carbonstat ledger report.</p>\n</body></html>\n", f);
	return 0;
}
