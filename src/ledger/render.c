/* ledger/render.c - the table, CSV and JSON forms of the report (see
 * render.h); render_html.c has the page. */
#include "ledger/render.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/str.h"

int cs_lg_fmt_parse(const char *s, cs_lg_fmt *out)
{
	static const char *const names[] = {"table", "csv", "json", "html"};

	for (int i = 0; i < 4; i++)
		if (!strcmp(s, names[i])) {
			*out = (cs_lg_fmt)i;
			return 0;
		}
	return CS_EINVAL;
}

const char *cs_lg_num(double v, int decimals, char buf[40])
{
	double a = fabs(v);

	if (!isfinite(v))
		snprintf(buf, 40, "-");
	else if (a == 0 || a >= 1)
		snprintf(buf, 40, "%.*f", decimals, v);
	else {
		int d = 2 - (int)floor(log10(a));

		if (d > 9)
			snprintf(buf, 40, "%.2e", v);
		else
			snprintf(buf, 40, "%.*f", d < decimals ? decimals : d, v);
	}
	return buf;
}

const char *cs_lg_i128_str(cs_lg_i128 v, char buf[48])
{
	char tmp[48];
	int n = 0, o = 0;
	unsigned __int128 u = v < 0 ? (unsigned __int128)(-(v + 1)) + 1 : (unsigned __int128)v;

	do {
		tmp[n++] = (char)('0' + (int)(u % 10));
		u /= 10;
	} while (u);
	if (v < 0)
		buf[o++] = '-';
	while (n)
		buf[o++] = tmp[--n];
	buf[o] = '\0';
	return buf;
}

void cs_lg_missing_ranges(const cs_lg_report *r, cs_lg_range_cb cb, void *ud)
{
	for (size_t i = 0; i < r->nmissing;) {
		char a[32], b[32];
		size_t j = i;

		while (j + 1 < r->nmissing && r->missing_hours[j + 1] == r->missing_hours[j] + CS_LG_HOUR_S)
			j++;
		cs_lg_fmt_hour(r->missing_hours[i], a, sizeof(a));
		cs_lg_fmt_hour(r->missing_hours[j], b, sizeof(b));
		cb(ud, a, b, (int64_t)(j - i + 1));
		i = j + 1;
	}
}

double cs_lg_g_per_currency(const cs_lg_amounts *a)
{
	if (a->cost_micro <= 0)
		return NAN;
	return (double)(a->op_ug + a->emb_ug) / (double)a->cost_micro; /* ug per micro-unit = g per unit */
}

double cs_lg_share(const cs_lg_report *r, const cs_lg_amounts *a)
{
	cs_lg_i128 t = r->total.op_ug + r->total.emb_ug;

	return t > 0 ? (double)(a->op_ug + a->emb_ug) / (double)t : NAN;
}

/* ---- table ----------------------------------------------------------------------------- */

static void fmt_change(const cs_lg_rep_row *row, bool had_prev, char *out, size_t cap)
{
	double c = cs_lg_change(row);

	if (!had_prev)
		snprintf(out, cap, "-");
	else if (!isfinite(c))
		snprintf(out, cap, row->prev_ug == 0 && row->had_prev ? "from 0" : "new");
	else
		snprintf(out, cap, "%+.1f %%", c * 100);
}

static void fmt_cost(const cs_lg_amounts *a, bool priced, char *out, size_t cap)
{
	if (!priced)
		snprintf(out, cap, "-");
	else {
		char b[40];

		snprintf(out, cap, "%s%s", cs_lg_num(cs_lg_cost(a), 2, b), a->uncosted_uj ? "*" : "");
	}
}

static void table_line(FILE *f, const char *key, const cs_lg_amounts *a, const cs_lg_report *r, const char *change,
                       bool priced)
{
	char cost[48], gpc[32];
	double g = cs_lg_g_per_currency(a), sh = cs_lg_share(r, a);

	fmt_cost(a, priced, cost, sizeof(cost));
	if (isfinite(g))
		snprintf(gpc, sizeof(gpc), "%.1f", g);
	else
		snprintf(gpc, sizeof(gpc), "-");
	char b1[40], b2[40], b3[40], b4[40];

	fprintf(f, "%-36.36s %12s %11s %11s %12s %12s %10s %7.1f %% %10s\n", key, cs_lg_num(cs_lg_kwh(a), 3, b1),
	        cs_lg_num(cs_lg_op_kg(a), 3, b2), cs_lg_num(cs_lg_emb_kg(a), 3, b3),
	        cs_lg_num(cs_lg_total_kg(a), 3, b4), cost, gpc, isfinite(sh) ? sh * 100 : 0.0, change);
}

static void table_missing(void *ud, const char *from, const char *to, int64_t n)
{
	if (n == 1)
		fprintf(ud, "  %s (1 h)\n", from);
	else
		fprintf(ud, "  %s .. %s (%lld h)\n", from, to, (long long)n);
}

static void node_check(const cs_lg_report *r, char *out, size_t cap)
{
	cs_lg_i128 de = cs_lg_energy_uj(&r->total) - cs_lg_energy_uj(&r->nodes);
	cs_lg_i128 dc = (r->total.op_ug + r->total.emb_ug) - (r->nodes.op_ug + r->nodes.emb_ug);
	cs_lg_i128 ne = cs_lg_energy_uj(&r->nodes);
	char b1[48], b2[48];

	/* each ledger row's carbon and each node-hour's was rounded once to 1 ug */
	cs_lg_i128 tol = (r->total.facts + r->node_hours + 1) / 2 + 1;

	if (de == 0 && dc <= tol && dc >= -tol)
		snprintf(out, cap, "equal to the rows: energy to the microjoule, carbon within rounding (%s ug)",
		         cs_lg_i128_str(dc, b1));
	else
		snprintf(out, cap, "rows - nodes = %s uJ energy (%.4f %%), %s ug CO2e%s", cs_lg_i128_str(de, b1),
		         ne ? (double)de / (double)ne * 100 : 0.0, cs_lg_i128_str(dc, b2),
		         " (Prometheus extrapolates increase() per series: rows and node counters differ slightly)");
}

const cs_lg_amounts *cs_lg_bill_measured(const cs_lg_report *r, const cs_lg_bill_line *b)
{
	if (r->by != CS_LG_BY_TEAM)
		return &r->total;
	for (size_t i = 0; i < r->nrows; i++)
		if (!strcmp(r->rows[i].key, b->team))
			return &r->rows[i].cur;
	return NULL;
}

double cs_lg_bill_kwh(const cs_lg_bill_line *b)
{
	return (double)(b->a.energy_uj + b->a.est_energy_uj) / 3.6e12;
}

double cs_lg_bill_kg(const cs_lg_bill_line *b)
{
	return (double)(b->a.op_ug + b->a.emb_ug) / 1e9;
}

static void table_bill(const cs_lg_report *r, FILE *f)
{
	bool team = r->by == CS_LG_BY_TEAM;
	char c1[40], c2[40], c3[40], c4[40], c5[40];

	fprintf(f, "\nthe bill (carbonstat billing --ledger) beside the agents' measurement%s:\n",
	        team ? " (teams from the bill's team tag)" : "");
	fprintf(f, "  %-24s %-14s %14s %12s %12s | %14s %12s %12s\n", team ? "team" : "", "provider", "bill cost",
	        "bill kWh", "bill kgCO2e", "measured cost", "measured kWh", "meas. kgCO2e");
	for (size_t i = 0; i < r->nbill; i++) {
		const cs_lg_bill_line *b = &r->bill[i];
		const cs_lg_amounts *m = cs_lg_bill_measured(r, b);
		char cost[48];

		snprintf(cost, sizeof(cost), "%s %s", cs_lg_num((double)b->a.cost_micro / 1e6, 2, c1), b->currency);
		fprintf(f, "  %-24.24s %-14.14s %14s %12s %12s | ", team ? (b->team[0] ? b->team : "(no team)") : "",
		        b->provider, cost, cs_lg_num(cs_lg_bill_kwh(b), 3, c2), cs_lg_num(cs_lg_bill_kg(b), 3, c3));
		if (!m)
			fprintf(f, "%14s %12s %12s\n", "-", "-", "-");
		else
			fprintf(f, "%14s %12s %12s\n", r->currency[0] ? cs_lg_num(cs_lg_cost(m), 2, c4) : "-",
			        cs_lg_num(cs_lg_kwh(m), 3, c5), cs_lg_num(cs_lg_total_kg(m), 3, c1));
	}
	fprintf(f,
	        "  bill kWh and kgCO2e are carbonstat's model of the bill (location-based, embodied included);\n"
	        "  measured figures are the agents' (%s)\n",
	        team ? "the team's row above" : "the TOTAL row above, all providers");
}

static int render_table(const cs_lg_report *r, FILE *f)
{
	bool priced = r->currency[0] != '\0';
	char change[32], cur[16], check[300];

	snprintf(cur, sizeof(cur), "cost %s", priced ? r->currency : "");
	fprintf(f, "carbonstat ledger: %s by %s (%s)\n", r->period.label, cs_lg_by_name(r->by), r->db_name);
	fprintf(f, "location-based: each hour's grid average intensity; %s\n\n",
	        priced ? "costs from the price file or the bill, * = part of the energy has no price"
	               : "no costs: no price file or billing prices (see below)");
	fprintf(f, "%-36s %12s %11s %11s %12s %12s %10s %9s %10s\n", cs_lg_by_name(r->by), "kWh", "op kgCO2e",
	        "emb kgCO2e", "total kgCO2e", priced ? cur : "cost", "gCO2e/cur", "share", "vs prev");
	for (size_t i = 0; i < r->nrows; i++) {
		fmt_change(&r->rows[i], r->had_prev, change, sizeof(change));
		table_line(f, r->rows[i].key, &r->rows[i].cur, r, change, priced);
	}
	{
		cs_lg_rep_row t = {.cur = r->total, .prev_ug = r->prev_total_ug, .had_prev = r->had_prev};

		fmt_change(&t, r->had_prev, change, sizeof(change));
		table_line(f, "TOTAL", &r->total, r, change, priced);
	}
	node_check(r, check, sizeof(check));
	{
		char b1[40], b2[40];

		fprintf(f, "node totals (%zu nodes, %lld node-hours): %s kWh, %s kgCO2e; %s\n", r->nnodes,
		        (long long)r->node_hours, cs_lg_num(cs_lg_kwh(&r->nodes), 3, b1),
		        cs_lg_num(cs_lg_total_kg(&r->nodes), 3, b2), check);
	}
	if (r->nmovers) {
		fprintf(f, "\ntop movers vs %s:\n", r->period.prev_label);
		for (size_t i = 0; i < r->nmovers; i++) {
			const cs_lg_rep_row *row = &r->rows[r->movers[i]];

			fmt_change(row, true, change, sizeof(change));
			fprintf(f, "  %-36.36s %+12.3f kgCO2e (%s)\n", row->key,
			        (double)(row->cur.op_ug + row->cur.emb_ug - row->prev_ug) / 1e9, change);
		}
	}
	fprintf(f, "\nhours: %lld of %lld in the period have data (%lld elapsed)\n", (long long)r->hours_with_data,
	        (long long)r->period_hours, (long long)r->hours_elapsed);
	if (r->nmissing) {
		fprintf(f, "missing hours (no data at all, not counted as zero):\n");
		cs_lg_missing_ranges(r, table_missing, f);
	}
	if (r->ngaps) {
		fprintf(f, "gaps recorded by imports and syncs:\n");
		for (size_t i = 0; i < r->ngaps && i < 50; i++) {
			char h[32];

			cs_lg_fmt_hour(r->gaps[i].hour, h, sizeof(h));
			fprintf(f, "  %s %-8s %s%s%s covered %.0f s (%s)\n", h, r->gaps[i].kind, r->gaps[i].cluster,
			        r->gaps[i].cluster[0] ? "/" : "", r->gaps[i].node[0] ? r->gaps[i].node : "(all nodes)",
			        r->gaps[i].covered_s, r->gaps[i].source);
		}
		if (r->ngaps > 50)
			fprintf(f, "  ... %zu more (--format json lists them all)\n", r->ngaps - 50);
	}
	if (r->nreasons) {
		fprintf(f, "costs missing for:\n");
		for (size_t i = 0; i < r->nreasons; i++)
			fprintf(f, "  %lld node-hours: %s\n", (long long)r->reasons[i].node_hours,
			        r->reasons[i].reason);
	}
	if (r->nbill)
		table_bill(r, f);
	if (r->nsci) {
		fprintf(f, "\nSCI (ISO/IEC 21031), location-based, per %s:\n", r->functional_unit);
		for (size_t i = 0; i < r->nsci; i++) {
			const cs_lg_sci_row *x = &r->sci[i];

			if (x->units > 0)
				fprintf(f, "  %-36.36s %.6g gCO2e per %s (%.0f %ss, %lld h)\n", x->key,
				        (double)x->ug / 1e6 / x->units, r->functional_unit, x->units,
				        r->functional_unit, (long long)x->hours);
			else
				fprintf(f,
				        "  %-36.36s no units synced for this period (ledger sync queries [sci.team] / "
				        "[sci.owner])\n",
				        x->key);
		}
	}
	if (r->nbudgets) {
		fprintf(f, "\nbudgets (kgCO2e per month):\n");
		for (size_t i = 0; i < r->nbudgets; i++) {
			const cs_lg_budget_row *b = &r->budgets[i];

			fprintf(f, "  %-24.24s budget %10.3f  burn %10.3f (%5.1f %%)  projected %10.3f  %s\n", b->team,
			        b->budget_kg, b->burn_kg, b->budget_kg > 0 ? b->burn_kg / b->budget_kg * 100 : 0.0,
			        b->projected_kg,
			        b->exceeded         ? "EXCEEDED"
			        : b->projected_over ? "on course to exceed"
			                            : "ok");
		}
	}
	return 0;
}

/* ---- CSV ------------------------------------------------------------------------------- */

static void csv_line(FILE *f, const char *key, const cs_lg_amounts *a, const cs_lg_report *r, const cs_lg_rep_row *row,
                     bool priced)
{
	double g = cs_lg_g_per_currency(a), sh = cs_lg_share(r, a), ch = row ? cs_lg_change(row) : NAN;

	cs_csv_field(f, key);
	fprintf(f, ",%.6f,%.6f,%.6f,%.6f,", cs_lg_kwh(a), cs_lg_op_kg(a), cs_lg_emb_kg(a), cs_lg_total_kg(a));
	if (priced)
		fprintf(f, "%.6f,%s,", cs_lg_cost(a), r->currency);
	else
		fputs(",,", f);
	if (isfinite(g))
		fprintf(f, "%.3f", g);
	fputc(',', f);
	if (isfinite(sh))
		fprintf(f, "%.6f", sh);
	fputc(',', f);
	if (isfinite(ch))
		fprintf(f, "%.6f", ch);
	fputc('\n', f);
}

static int render_csv(const cs_lg_report *r, FILE *f)
{
	bool priced = r->currency[0] != '\0';

	fprintf(f,
	        "%s,kwh,operational_kgco2e,embodied_kgco2e,total_kgco2e,cost,currency,gco2e_per_currency_unit,"
	        "share,change_vs_previous\n",
	        cs_lg_by_name(r->by));
	for (size_t i = 0; i < r->nrows; i++)
		csv_line(f, r->rows[i].key, &r->rows[i].cur, r, &r->rows[i], priced);
	{
		cs_lg_rep_row t = {.cur = r->total, .prev_ug = r->prev_total_ug, .had_prev = r->had_prev};

		csv_line(f, "TOTAL", &r->total, r, &t, priced);
	}
	return 0;
}

/* ---- JSON ------------------------------------------------------------------------------ */

static json_t *jint(cs_lg_i128 v)
{
	if (v <= (cs_lg_i128)INT64_MAX && v >= (cs_lg_i128)INT64_MIN)
		return json_integer((json_int_t)v);
	return json_real((double)v);
}

static json_t *jnum(double v)
{
	return isfinite(v) ? json_real(v) : json_null();
}

static json_t *amounts_json(const cs_lg_report *r, const cs_lg_amounts *a)
{
	json_t *o = json_object(), *comp = json_object();
	bool priced = r->currency[0] != '\0';

	for (int c = 0; c < CS_PART_COUNT; c++)
		if (a->energy_uj[c])
			json_object_set_new(comp, cs_part_name((cs_part)c), jint(a->energy_uj[c]));
	json_object_set_new(o, "kwh", json_real(cs_lg_kwh(a)));
	json_object_set_new(o, "operational_kgco2e", json_real(cs_lg_op_kg(a)));
	json_object_set_new(o, "embodied_kgco2e", json_real(cs_lg_emb_kg(a)));
	json_object_set_new(o, "total_kgco2e", json_real(cs_lg_total_kg(a)));
	json_object_set_new(o, "cost", priced ? json_real(cs_lg_cost(a)) : json_null());
	json_object_set_new(o, "gco2e_per_currency_unit", jnum(cs_lg_g_per_currency(a)));
	json_object_set_new(o, "share", jnum(cs_lg_share(r, a)));
	json_object_set_new(o, "energy_uj", jint(cs_lg_energy_uj(a)));
	json_object_set_new(o, "energy_uj_by_component", comp);
	json_object_set_new(o, "operational_ug", jint(a->op_ug));
	json_object_set_new(o, "embodied_ug", jint(a->emb_ug));
	json_object_set_new(o, "cost_micro", priced ? jint(a->cost_micro) : json_null());
	json_object_set_new(o, "unpriced_energy_uj", jint(a->uncosted_uj));
	return o;
}

static json_t *row_json(const cs_lg_report *r, const cs_lg_rep_row *row)
{
	json_t *o = amounts_json(r, &row->cur);

	json_object_set_new(o, "key", json_string(row->key));
	json_object_set_new(o, "change", r->had_prev ? jnum(cs_lg_change(row)) : json_null());
	json_object_set_new(o, "previous_total_kgco2e",
	                    row->had_prev ? json_real((double)row->prev_ug / 1e9) : json_null());
	return o;
}

typedef struct jmiss {
	json_t *arr;
} jmiss;

static void json_missing(void *ud, const char *from, const char *to, int64_t n)
{
	jmiss *m = ud;

	json_array_append_new(m->arr, json_pack("{s:s, s:s, s:I}", "from", from, "to", to, "hours", (json_int_t)n));
}

static int render_json(const cs_lg_report *r, FILE *f)
{
	json_t *o = json_object(), *rows = json_array(), *a, *d;
	jmiss mm;
	char buf[300];
	int rc;

	json_object_set_new(o, "period", json_string(r->period.label));
	json_object_set_new(o, "previous_period", json_string(r->period.prev_label));
	json_object_set_new(o, "by", json_string(cs_lg_by_name(r->by)));
	json_object_set_new(o, "db", json_string(r->db_name));
	json_object_set_new(o, "currency", r->currency[0] ? json_string(r->currency) : json_null());
	json_object_set_new(o, "carbon_accounting", json_string("location-based"));
	for (size_t i = 0; i < r->nrows; i++)
		json_array_append_new(rows, row_json(r, &r->rows[i]));
	json_object_set_new(o, "rows", rows);
	{
		cs_lg_rep_row t = {.cur = r->total, .prev_ug = r->prev_total_ug, .had_prev = r->had_prev};

		cs_lg_i128_str(0, buf);
		json_object_set_new(o, "total", row_json(r, &t));
		json_object_set_new(json_object_get(o, "total"), "key", json_string("TOTAL"));
	}
	a = amounts_json(r, &r->nodes);
	node_check(r, buf, sizeof(buf));
	json_object_set_new(a, "nodes", json_integer((json_int_t)r->nnodes));
	json_object_set_new(a, "node_hours", json_integer(r->node_hours));
	json_object_set_new(a, "energy_equal", json_boolean(cs_lg_energy_uj(&r->total) == cs_lg_energy_uj(&r->nodes)));
	json_object_set_new(a, "check", json_string(buf));
	json_object_set_new(o, "node_totals", a);
	a = json_array();
	for (size_t i = 0; i < r->nmovers; i++)
		json_array_append_new(a, row_json(r, &r->rows[r->movers[i]]));
	json_object_set_new(o, "top_movers", a);
	a = json_array();
	for (size_t i = 0; i < r->ntop_owners; i++)
		json_array_append_new(a, row_json(r, &r->top_owners[i]));
	json_object_set_new(o, "top_owners", a);
	json_object_set_new(o, "hours",
	                    json_pack("{s:I, s:I, s:I}", "period", (json_int_t)r->period_hours, "with_data",
	                              (json_int_t)r->hours_with_data, "elapsed", (json_int_t)r->hours_elapsed));
	mm.arr = json_array();
	cs_lg_missing_ranges(r, json_missing, &mm);
	json_object_set_new(o, "missing_hours", mm.arr);
	a = json_array();
	for (size_t i = 0; i < r->ngaps; i++) {
		char h[32];

		cs_lg_fmt_hour(r->gaps[i].hour, h, sizeof(h));
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:f, s:s}", "hour", h, "kind", r->gaps[i].kind,
		                                   "cluster", r->gaps[i].cluster, "node", r->gaps[i].node, "covered_s",
		                                   r->gaps[i].covered_s, "source", r->gaps[i].source));
	}
	json_object_set_new(o, "gaps", a);
	a = json_array();
	for (size_t i = 0; i < r->nreasons; i++)
		json_array_append_new(a, json_pack("{s:s, s:I}", "reason", r->reasons[i].reason, "node_hours",
		                                   (json_int_t)r->reasons[i].node_hours));
	json_object_set_new(o, "cost_missing", a);
	a = json_array();
	for (size_t i = 0; i < r->nsci; i++) {
		const cs_lg_sci_row *x = &r->sci[i];

		json_array_append_new(a,
		                      json_pack("{s:s, s:s, s:f, s:o, s:f, s:s}", "key", x->key, "functional_unit",
		                                r->functional_unit, "units", x->units, "gco2e_per_unit",
		                                x->units > 0 ? json_real((double)x->ug / 1e6 / x->units) : json_null(),
		                                "kgco2e", (double)x->ug / 1e9, "method", "location-based"));
	}
	json_object_set_new(o, "sci", a);
	a = json_array();
	for (size_t i = 0; i < r->nbudgets; i++) {
		const cs_lg_budget_row *b = &r->budgets[i];

		json_array_append_new(a, json_pack("{s:s, s:f, s:f, s:f, s:b, s:b}", "team", b->team, "budget_kgco2e",
		                                   b->budget_kg, "burn_kgco2e", b->burn_kg, "projected_kgco2e",
		                                   b->projected_kg, "exceeded", b->exceeded, "projected_over",
		                                   b->projected_over));
	}
	json_object_set_new(o, "budgets", a);
	a = json_array();
	for (size_t i = 0; i < r->nbill; i++) {
		const cs_lg_bill_line *b = &r->bill[i];
		const cs_lg_amounts *m = cs_lg_bill_measured(r, b);
		json_t *x = json_pack("{s:s, s:s, s:f, s:f, s:f, s:f, s:f, s:I}", "provider", b->provider, "currency",
		                      b->currency, "cost", (double)b->a.cost_micro / 1e6, "billed_cost",
		                      (double)b->a.billed_micro / 1e6, "kwh", cs_lg_bill_kwh(b), "operational_kgco2e",
		                      (double)b->a.op_ug / 1e9, "embodied_kgco2e", (double)b->a.emb_ug / 1e9, "lines",
		                      (json_int_t)b->a.lines);

		if (r->by == CS_LG_BY_TEAM)
			json_object_set_new(x, "team", json_string(b->team));
		json_object_set_new(x, "measured", m ? amounts_json(r, m) : json_null());
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "bill", a);
	d = json_object();
	a = json_array();
	for (int64_t day = 0; day < r->ndays; day++) {
		char ds[16];
		json_t *vals = json_array();

		cs_lg_fmt_day(r->period.start + day * CS_LG_DAY_S, ds, sizeof(ds));
		for (size_t t = 0; t < r->nteams; t++)
			json_array_append_new(vals,
			                      json_real((double)r->daily_team_ug[(size_t)day * r->nteams + t] / 1e9));
		json_array_append_new(a, json_pack("{s:s, s:o}", "day", ds, "kgco2e_by_team", vals));
	}
	{
		json_t *teams = json_array();

		for (size_t t = 0; t < r->nteams; t++)
			json_array_append_new(teams, json_string(r->teams[t].key));
		json_object_set_new(d, "teams", teams);
	}
	json_object_set_new(d, "days", a);
	json_object_set_new(o, "daily", d);
	rc = json_dumpf(o, f, JSON_INDENT(1) | JSON_REAL_PRECISION(12));
	fputc('\n', f);
	json_decref(o);
	return rc == 0 ? 0 : -EIO;
}

int cs_lg_render(const cs_lg_report *r, cs_lg_fmt fmt, FILE *f)
{
	int rc;

	switch (fmt) {
	case CS_LG_FMT_CSV: rc = render_csv(r, f); break;
	case CS_LG_FMT_JSON: rc = render_json(r, f); break;
	case CS_LG_FMT_HTML: rc = cs_lg_render_html(r, f); break;
	default: rc = render_table(r, f); break;
	}
	if (fflush(f) != 0 || ferror(f))
		return -(errno ? errno : EIO);
	return rc;
}
