/* cli/cmd_billing.c - `carbonstat billing`: a cloud bill's energy, carbon and cost.
 *
 *   carbonstat billing FILE... [--format F] [--by B] [--json|--csv] [--cpu PCT] [--strict]
 *                      [--ledger DB] [--config FILE]
 *   carbonstat billing reconcile --provider-carbon FILE [--json|--csv] BILL...
 *   carbonstat billing sql --engine bigquery|athena [--table T] [--format F]
 *
 * Output: one row per group with kWh, operational and embodied kgCO2e,
 * effective and billed cost in the bill's currency, and what could not be
 * classified; then the totals, the top causes of unclassified cost and the
 * conservation check (cost out = cost in, exactly). Malformed rows are
 * reported on stderr as FILE:LINE and skipped, or stop the run (--strict).
 * --by team maps the tag named by [teams] label_keys to teams as the agent
 * does (billing/team.h); --ledger stores the daily rows and unit prices in
 * the ledger (billing/to_ledger.h), one line on stderr says what.
 * Exit: 0 ok, 1 I/O failure, 2 bad usage or bad input.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "billing/group.h"
#include "billing/ingest.h"
#include "billing/reconcile.h"
#include "billing/sql.h"
#include "billing/team.h"
#include "billing/to_ledger.h"
#include "cli/cli.h"
#include "cli/conf_file.h"
#include "ledger/period.h"
#include "ledger/store.h"

static const char billing_help[] = "Usage: carbonstat billing FILE... [options]\n"
                                   "       carbonstat billing reconcile --provider-carbon FILE [options] BILL...\n"
                                   "       carbonstat billing sql --engine bigquery|athena [--table T] [--format F]\n"
                                   "\n"
                                   "The energy, operational and embodied CO2e of a cloud bill, with its cost\n"
                                   "beside it. FILE: FOCUS 1.0-1.2, AWS CUR, AWS CUR 2.0, GCP billing export\n"
                                   "(CSV or JSON lines), Azure cost export; .gz is inflated as it is read;\n"
                                   "Parquet through DuckDB's libduckdb.so when installed; '-' reads stdin.\n"
                                   "\n"
                                   "  --format F        auto (default: from the header), focus, aws-cur, aws-cur2,\n"
                                   "                    gcp, azure\n"
                                   "  --by B            service (default), account, region, day, tag:KEY, class,\n"
                                   "                    provider, team (the tag [teams] label_keys names, mapped\n"
                                   "                    to teams as the agent does)\n"
                                   "  --cpu PCT         CPU utilisation assumed for instance and vCPU usage\n"
                                   "                    (default 50, as CCF assumes)\n"
                                   "  --pue X           one PUE for every provider (default: aws 1.135, gcp 1.1,\n"
                                   "                    azure 1.185)\n"
                                   "  --strict          stop at the first malformed row (default: report it as\n"
                                   "                    FILE:LINE on stderr and skip it)\n"
                                   "  --top N           causes of unclassified cost to list (default 5)\n"
                                   "  --unit-prices     also list effective cost per instance-hour by type/region\n"
                                   "  --duckdb-lib P    path of libduckdb.so for Parquet (default: $CS_DUCKDB_LIB,\n"
                                   "                    then the loader's search path)\n"
                                   "  --ledger DB       also store the daily rows (account/service/region/tag/team)\n"
                                   "                    and the unit prices in the ledger (sqlite:PATH or\n"
                                   "                    postgresql://...), replacing the bill's provider-months;\n"
                                   "                    instance- and vCPU-hours of machines the ledger measured\n"
                                   "                    (their resource id, that day) are priced with their\n"
                                   "                    measured CPU utilisation instead of --cpu\n"
                                   "  --config FILE     carbonstat.ini for [teams] (default $CARBONSTAT_CONFIG)\n"
                                   "  --json | --csv    machine-readable output (costs as exact decimal strings\n"
                                   "                    in JSON)\n"
                                   "  -h, --help        this help\n"
                                   "\n"
                                   "reconcile: the provider's own carbon figures (AWS CARBON_EMISSIONS data\n"
                                   "export CSV, GCP carbon footprint export CSV, Azure emissions JSON) beside\n"
                                   "carbonstat's for the same bills, per month x service x region,\n"
                                   "location- and market-based apart.\n"
                                   "sql: the aggregation query to run where the bill lives (BigQuery, Athena);\n"
                                   "its result is a CSV carbonstat reads.\n";

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV };

typedef struct bill_opts {
	cs_bill_opts o;
	cs_bill_by by;
	const char *by_text;
	enum out_format fmt;
	unsigned top;
	int unit_prices;
	const char *provider_carbon;
	const char *engine;
	const char *table;
	const char *ledger, *config;
	cs_conf *conf;              /* loaded for --by team and --ledger */
	const cs_teams_conf *teams; /* in conf */
	bool json, csv;             /* given, to refuse both */
	cs_bill_util *util;         /* --ledger: measured utilisation (o.util points at it) */
} bill_opts;

static const int bill_ids[] = {CLI_OPT_FORMAT,          CLI_OPT_BY,     CLI_OPT_CPU,         CLI_OPT_PUE,
                               CLI_OPT_STRICT,          CLI_OPT_TOP,    CLI_OPT_UNIT_PRICES, CLI_OPT_DUCKDB_LIB,
                               CLI_OPT_PROVIDER_CARBON, CLI_OPT_ENGINE, CLI_OPT_TABLE,       CLI_OPT_LEDGER,
                               CLI_OPT_CONFIG,          CLI_OPT_JSON,   CLI_OPT_CSV,         0};

static void report_line(void *ctx, const char *line)
{
	(void)ctx;
	fprintf(stderr, "carbonstat billing: %s\n", line);
}

static int bill_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	bill_opts *b = ctx;
	int rc = 0;
	double v;

	switch (id) {
	case CLI_OPT_FORMAT: {
		int f = cs_bill_format_parse(arg);
		if (f < 0) {
			cli_error(cmd,
			          "--format '%s' is not a bill format: use auto, focus, aws-cur, aws-cur2, gcp "
			          "or azure",
			          arg);
			return CLI_USAGE;
		}
		b->o.format = (cs_bill_format)f;
		break;
	}
	case CLI_OPT_BY: {
		int by = cs_bill_by_parse(arg);
		if (by < 0 || (by == CS_BY_TAG && strncmp(arg, "tag:", 4)) || (by == CS_BY_TAG && !arg[4])) {
			cli_error(cmd, "--by '%s': use service, account, region, day, tag:KEY, class, provider or team",
			          arg);
			return CLI_USAGE;
		}
		b->by = (cs_bill_by)by;
		b->by_text = arg;
		if (by == CS_BY_TAG)
			b->o.tag_key = arg + 4;
		break;
	}
	case CLI_OPT_CPU: rc = cli_percent(cmd, "--cpu", arg, &b->o.cpu_util); break;
	case CLI_OPT_PUE:
		rc = cli_number(cmd, "--pue", arg, 1.0, 3.0, &v);
		b->o.pue = v;
		break;
	case CLI_OPT_STRICT: b->o.strict = true; break;
	case CLI_OPT_TOP: rc = cli_count(cmd, "--top", arg, 0, 1000, &b->top); break;
	case CLI_OPT_UNIT_PRICES: b->unit_prices = 1; break;
	case CLI_OPT_DUCKDB_LIB: b->o.duckdb_lib = arg; break;
	case CLI_OPT_JSON: b->fmt = OUT_JSON, b->json = true; break;
	case CLI_OPT_CSV: b->fmt = OUT_CSV, b->csv = true; break;
	case CLI_OPT_PROVIDER_CARBON: b->provider_carbon = arg; break;
	case CLI_OPT_ENGINE: b->engine = arg; break;
	case CLI_OPT_TABLE: b->table = arg; break;
	case CLI_OPT_LEDGER: b->ledger = arg; break;
	case CLI_OPT_CONFIG: b->config = arg; break;
	}
	return rc;
}

static int parse(const char *cmd, int argc, char **argv, bill_opts *b)
{
	cli_getopt_spec sp = {
	    .cmd = cmd, .opts = bill_ids, .help = billing_help, .operands = CLI_OPERANDS, .on_opt = bill_opt, .ctx = b};
	int rc;

	memset(b, 0, sizeof *b);
	cs_bill_opts_init(&b->o);
	b->o.report = report_line;
	b->top = 5;
	b->by = CS_BY_SERVICE;
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		return rc;
	return cli_conflict(cmd, b->json, "--json", b->csv, "--csv") ? CLI_USAGE : -1;
}

/* Exact money rounded half away from zero to `dec` decimals, for tables. */
static const char *money_str(cs_money v, int dec, char *buf, size_t cap)
{
	cs_money unit = CS_MONEY_ONE, half;
	int neg = v < 0;

	for (int i = 0; i < dec; i++)
		unit /= 10;
	half = unit / 2;
	if (neg)
		v = -v;
	v = (v + half) / unit * unit;
	if (neg && v)
		v = -v;
	cs_money_format(v, buf, cap);
	/* pad decimals for alignment */
	char *dot = strchr(buf, '.');
	size_t have = dot ? strlen(dot + 1) : 0, len = strlen(buf);
	if (!dot && dec > 0 && len + 1 < cap) {
		buf[len++] = '.';
		buf[len] = '\0';
	}
	while ((int)have < dec && len + 1 < cap) {
		buf[len++] = '0';
		buf[len] = '\0';
		have++;
	}
	return buf;
}

static const char *exact(cs_money v, char *buf, size_t cap)
{
	cs_money_format(v, buf, cap);
	return buf;
}

static void day_str(int day, char *buf, size_t cap)
{
	if (day)
		snprintf(buf, cap, "%04d-%02d-%02d", day / 10000, day / 100 % 100, day % 100);
	else
		snprintf(buf, cap, "unknown");
}

/* The group's label: "AWS AmazonS3", "2024-09-07", "payments"... */
static void label_of(const cs_bill *b, const bill_opts *bo, const cs_bill_row *g, char *buf, size_t cap)
{
	const char *p = cs_bill_str(b, g->provider), *team;

	switch (bo->by) {
	case CS_BY_SERVICE: snprintf(buf, cap, "%s %s", p, cs_bill_str(b, g->service)); break;
	case CS_BY_ACCOUNT:
		snprintf(buf, cap, "%s %s", p, *cs_bill_str(b, g->account) ? cs_bill_str(b, g->account) : "(none)");
		break;
	case CS_BY_REGION:
		snprintf(buf, cap, "%s %s", p, *cs_bill_str(b, g->region) ? cs_bill_str(b, g->region) : "(none)");
		break;
	case CS_BY_DAY: day_str(g->day, buf, cap); break;
	case CS_BY_TAG:
		snprintf(buf, cap, "%s", *cs_bill_str(b, g->tag) ? cs_bill_str(b, g->tag) : "(untagged)");
		break;
	case CS_BY_CLASS: snprintf(buf, cap, "%s", cs_bill_class_name((cs_bill_class)g->cls)); break;
	case CS_BY_PROVIDER: snprintf(buf, cap, "%s", *p ? p : "(none)"); break;
	case CS_BY_TEAM:
		team = cs_bill_team_of(bo->teams, cs_bill_str(b, g->tag));
		snprintf(buf, cap, "%s", *team ? team : "(no team)");
		break;
	}
}

static double pct(cs_money part, cs_money whole)
{
	double w = cs_money_to_double(whole);
	return w != 0 ? 100.0 * cs_money_to_double(part) / w : 0;
}

static json_t *jmoney(cs_money v)
{
	char buf[64];
	return json_string(exact(v, buf, sizeof buf));
}

/* --ledger: how the CPU-priced lines of a group or total were priced. */
static json_t *util_json(const cs_bill_cpu *c)
{
	json_t *o = json_object();
	double h = c->v[CS_CPU_MEAS_HOURS];

	json_object_set_new(o, "cpu_priced_cost", jmoney(c->eff));
	json_object_set_new(o, "measured_cost", jmoney(c->meas_eff));
	json_object_set_new(o, "measured_percent", json_real(pct(c->meas_eff, c->eff)));
	json_object_set_new(o, "cpu_priced_kwh", json_real(c->v[CS_CPU_KWH]));
	json_object_set_new(o, "measured_kwh", json_real(c->v[CS_CPU_MEAS_KWH]));
	json_object_set_new(o, "measured_kwh_at_default", json_real(c->v[CS_CPU_MEAS_KWH_DEFAULT]));
	json_object_set_new(o, "measured_hours", json_real(h));
	json_object_set_new(o, "measured_mean_utilisation",
	                    h > 0 ? json_real(c->v[CS_CPU_MEAS_BUSY_HOURS] / h) : json_null());
	return o;
}

static json_t *group_json(const cs_bill *b, const bill_opts *bo, const cs_bill_row *g)
{
	char label[512];
	json_t *o = json_object();

	cs_bill_by by = bo->by;

	label_of(b, bo, g, label, sizeof label);
	json_object_set_new(o, "key", json_string(label));
	if (by == CS_BY_SERVICE || by == CS_BY_ACCOUNT || by == CS_BY_REGION || by == CS_BY_PROVIDER)
		json_object_set_new(o, "provider", json_string(cs_bill_str(b, g->provider)));
	json_object_set_new(o, "currency", json_string(cs_bill_str(b, g->currency)));
	json_object_set_new(o, "lines", json_integer((json_int_t)g->lines));
	json_object_set_new(o, "effective_cost", jmoney(g->sum.eff));
	json_object_set_new(o, "billed_cost", jmoney(g->sum.billed));
	json_object_set_new(o, "unclassified_cost", jmoney(g->sum.unknown_eff));
	json_object_set_new(o, "kwh", json_real(g->sum.kwh + g->sum.est_kwh));
	json_object_set_new(o, "kwh_modelled", json_real(g->sum.kwh));
	json_object_set_new(o, "kwh_estimated_by_cost", json_real(g->sum.est_kwh));
	json_object_set_new(o, "operational_kgco2e", json_real(g->sum.op_g / 1000.0));
	json_object_set_new(o, "embodied_kgco2e", json_real((g->sum.emb_g + g->sum.est_emb_g) / 1000.0));
	json_object_set_new(o, "embodied_kgco2e_estimated_by_cost", json_real(g->sum.est_emb_g / 1000.0));
	json_object_set_new(o, "region_intensity_fallback", json_boolean(g->intensity_src != 0));
	if (bo->util)
		json_object_set_new(o, "utilisation", util_json(&g->sum.cpu));
	return o;
}

static int out_json(const cs_bill *b, const bill_opts *bo, const cs_bill_row *g, size_t ng, char **files, int nfiles)
{
	const cs_bill_stats *st = cs_bill_get_stats(b);
	const cs_bill_model *m = cs_bill_get_model(b);
	json_t *o = json_object(), *a, *x;
	size_t n;

	a = json_array();
	for (int i = 0; i < nfiles; i++)
		json_array_append_new(a, json_string(files[i]));
	json_object_set_new(o, "files", a);
	a = json_array();
	for (unsigned i = 0; i < st->nformats; i++)
		json_array_append_new(a, json_string(cs_bill_format_name(st->formats_seen[i])));
	json_object_set_new(o, "formats", a);
	x = json_pack("{s:f, s:s, s:s, s:s}", "cpu_utilisation", m->cpu_util, "pue",
	              m->pue > 0 ? "override" : "provider default (aws 1.135, gcp 1.1, azure 1.185)", "grid",
	              "location-based, region tables (src/data)", "cost_unit", "exact decimal strings");
	if (m->pue > 0)
		json_object_set_new(x, "pue_value", json_real(m->pue));
	if (bo->util)
		json_object_set_new(
		    x, "cpu_utilisation_measured",
		    json_string("the ledger's, per machine and day, where it knows the line's resource"));
	json_object_set_new(o, "model", x);
	json_object_set_new(o, "by", json_string(bo->by_text ? bo->by_text : "service"));
	a = json_array();
	for (size_t i = 0; i < ng; i++)
		json_array_append_new(a, group_json(b, bo, &g[i]));
	json_object_set_new(o, "groups", a);
	const cs_bill_total *t = cs_bill_totals(b, &n);
	a = json_array();
	for (size_t i = 0; i < n; i++) {
		x = json_object();
		json_object_set_new(x, "currency", json_string(cs_bill_str(b, t[i].currency)));
		json_object_set_new(x, "effective_cost", jmoney(t[i].out.eff));
		json_object_set_new(x, "billed_cost", jmoney(t[i].out.billed));
		json_object_set_new(x, "effective_cost_in", jmoney(t[i].in_eff));
		json_object_set_new(x, "billed_cost_in", jmoney(t[i].in_billed));
		json_object_set_new(x, "unclassified_cost", jmoney(t[i].out.unknown_eff));
		json_object_set_new(x, "unclassified_percent", json_real(pct(t[i].out.unknown_eff, t[i].out.eff)));
		json_object_set_new(x, "nonusage_cost", jmoney(t[i].nonusage_eff));
		json_object_set_new(x, "kwh", json_real(t[i].out.kwh + t[i].out.est_kwh));
		json_object_set_new(x, "kwh_estimated_by_cost", json_real(t[i].out.est_kwh));
		json_object_set_new(x, "operational_kgco2e", json_real(t[i].out.op_g / 1000.0));
		json_object_set_new(x, "embodied_kgco2e", json_real((t[i].out.emb_g + t[i].out.est_emb_g) / 1000.0));
		if (bo->util)
			json_object_set_new(x, "utilisation", util_json(&t[i].out.cpu));
		json_array_append_new(a, x);
	}
	json_object_set_new(o, "totals", a);
	const cs_bill_cause *c = cs_bill_causes(b, &n);
	a = json_array();
	for (size_t i = 0; i < n && i < bo->top; i++)
		json_array_append_new(
		    a, json_pack("{s:s, s:s, s:s, s:s, s:o, s:I}", "provider", cs_bill_str(b, c[i].provider), "service",
		                 cs_bill_str(b, c[i].service), "usage", cs_bill_str(b, c[i].usage), "why", c[i].note,
		                 "effective_cost", jmoney(c[i].eff), "lines", (json_int_t)c[i].lines));
	json_object_set_new(o, "unclassified_top", a);
	if (bo->unit_prices) {
		const cs_bill_price *p = cs_bill_prices(b, &n);
		a = json_array();
		for (size_t i = 0; i < n; i++) {
			char buf[64];
			cs_money per = p[i].hours > 0 ? (cs_money)((double)p[i].eff / p[i].hours) : 0;
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:s, s:f, s:s, s:s}", "provider",
			                                   cs_provider_name(cs_instance_provider(p[i].inst)),
			                                   "instance", cs_instance_name(p[i].inst), "region",
			                                   cs_bill_str(b, p[i].region), "currency",
			                                   cs_bill_str(b, p[i].currency), "hours", p[i].hours,
			                                   "effective_cost", exact(p[i].eff, buf, sizeof buf),
			                                   "per_hour", money_str(per, 6, (char[64]){0}, 64)));
		}
		json_object_set_new(o, "unit_prices", a);
	}
	x = json_object();
	json_object_set_new(x, "files", json_integer((json_int_t)st->files));
	json_object_set_new(x, "lines", json_integer((json_int_t)st->lines));
	json_object_set_new(x, "malformed_skipped", json_integer((json_int_t)st->malformed));
	json_object_set_new(x, "blank", json_integer((json_int_t)st->blank));
	json_object_set_new(x, "classification_keys", json_integer((json_int_t)st->keys));
	json_object_set_new(x, "lines_region_fallback", json_integer((json_int_t)st->no_region));
	json_object_set_new(x, "lines_without_day", json_integer((json_int_t)st->no_day));
	json_object_set_new(x, "costs_rounded_below_1e-18", json_integer((json_int_t)st->money_rounded));
	json_object_set_new(x, "effective_equals_unblended", json_boolean(st->no_amortisation));
	if (bo->util) {
		json_object_set_new(x, "ledger_machine_days", json_integer((json_int_t)cs_bill_util_days(bo->util)));
		json_object_set_new(x, "lines_measured_utilisation", json_integer((json_int_t)st->util_lines));
		json_object_set_new(x, "lines_resource_not_in_ledger", json_integer((json_int_t)st->util_missed));
	}
	json_object_set_new(o, "stats", x);
	json_object_set_new(o, "conserved", json_boolean(cs_bill_conserved(b)));
	return cli_json_print(o, 0) ? CLI_FAIL : CLI_OK;
}

static void out_csv(const cs_bill *b, const bill_opts *bo, const cs_bill_row *g, size_t ng)
{
	char label[512], e[64], bl[64], u[64];

	printf("by,key,provider,currency,lines,effective_cost,billed_cost,unclassified_cost,kwh,kwh_estimated_by_cost,"
	       "operational_kgco2e,embodied_kgco2e%s\n",
	       bo->util ? ",cpu_priced_cost,measured_cost,measured_percent,measured_kwh,measured_kwh_at_default" : "");
	for (size_t i = 0; i < ng; i++) {
		label_of(b, bo, &g[i], label, sizeof label);
		cli_csv_field(stdout, bo->by_text ? bo->by_text : "service");
		putchar(',');
		cli_csv_field(stdout, label);
		putchar(',');
		cli_csv_field(stdout, cs_bill_str(b, g[i].provider));
		putchar(',');
		cli_csv_field(stdout, cs_bill_str(b, g[i].currency));
		printf(",%llu,%s,%s,%s,%.6f,%.6f,%.6f,%.6f", (unsigned long long)g[i].lines,
		       exact(g[i].sum.eff, e, sizeof e), exact(g[i].sum.billed, bl, sizeof bl),
		       exact(g[i].sum.unknown_eff, u, sizeof u), g[i].sum.kwh + g[i].sum.est_kwh, g[i].sum.est_kwh,
		       g[i].sum.op_g / 1000.0, (g[i].sum.emb_g + g[i].sum.est_emb_g) / 1000.0);
		if (bo->util)
			printf(",%s,%s,%.1f,%.6f,%.6f", exact(g[i].sum.cpu.eff, e, sizeof e),
			       exact(g[i].sum.cpu.meas_eff, u, sizeof u), pct(g[i].sum.cpu.meas_eff, g[i].sum.cpu.eff),
			       g[i].sum.cpu.v[CS_CPU_MEAS_KWH], g[i].sum.cpu.v[CS_CPU_MEAS_KWH_DEFAULT]);
		putchar('\n');
	}
}

/* --ledger: "utilisation: measured for 37.2 % of ..." for one currency. */
static void util_text(const cs_bill_total *t, const char *cur, double def)
{
	printf("utilisation: measured (ledger) for %.1f %% of the %s cost priced by CPU utilisation",
	       pct(t->out.cpu.meas_eff, t->out.cpu.eff), *cur ? cur : "(no currency)");
	if (t->out.cpu.v[CS_CPU_MEAS_HOURS] > 0)
		printf(" (mean %.1f %% over %.1f instance/vCPU-hours: %.3f kWh, %.3f at the default)",
		       100.0 * t->out.cpu.v[CS_CPU_MEAS_BUSY_HOURS] / t->out.cpu.v[CS_CPU_MEAS_HOURS],
		       t->out.cpu.v[CS_CPU_MEAS_HOURS], t->out.cpu.v[CS_CPU_MEAS_KWH],
		       t->out.cpu.v[CS_CPU_MEAS_KWH_DEFAULT]);
	printf(", the default %.0f %% for the rest\n", def * 100);
}

static void out_text(const cs_bill *b, const bill_opts *bo, const cs_bill_row *g, size_t ng)
{
	const cs_bill_stats *st = cs_bill_get_stats(b);
	const cs_bill_model *m = cs_bill_get_model(b);
	char label[512], e[64], bl[64], u[64];
	size_t n;

	printf("%llu lines from %llu file%s (", (unsigned long long)st->lines, (unsigned long long)st->files,
	       st->files == 1 ? "" : "s");
	for (unsigned i = 0; i < st->nformats; i++)
		printf("%s%s", i ? ", " : "", cs_bill_format_name(st->formats_seen[i]));
	printf("), %llu malformed skipped; CPU %.0f %% assumed (--cpu), ", (unsigned long long)st->malformed,
	       m->cpu_util * 100);
	if (m->pue > 0)
		printf("PUE %.3f (--pue)\n\n", m->pue);
	else
		printf("PUE aws 1.135 / gcp 1.1 / azure 1.185\n\n");
	printf("%-44s %-4s %14s %14s %12s %12s %12s %12s%s\n", "GROUP", "CUR", "EFFECTIVE", "BILLED", "kWh",
	       "OP kgCO2e", "EMB kgCO2e", "UNCLASSIFIED", bo->util ? "  MEASURED" : "");
	for (size_t i = 0; i < ng; i++) {
		label_of(b, bo, &g[i], label, sizeof label);
		printf("%-44.44s %-4.4s %14s %14s %12.3f %12.3f %12.3f %12s", label, cs_bill_str(b, g[i].currency),
		       money_str(g[i].sum.eff, 2, e, sizeof e), money_str(g[i].sum.billed, 2, bl, sizeof bl),
		       g[i].sum.kwh + g[i].sum.est_kwh, g[i].sum.op_g / 1000.0,
		       (g[i].sum.emb_g + g[i].sum.est_emb_g) / 1000.0, money_str(g[i].sum.unknown_eff, 2, u, sizeof u));
		/* the share of the group's CPU-priced cost priced with measured utilisation */
		if (bo->util && g[i].sum.cpu.eff != 0)
			printf(" %8.1f %%", pct(g[i].sum.cpu.meas_eff, g[i].sum.cpu.eff));
		else if (bo->util)
			printf(" %10s", "-");
		putchar('\n');
	}
	const cs_bill_total *t = cs_bill_totals(b, &n);
	for (size_t i = 0; i < n; i++) {
		const char *cur = cs_bill_str(b, t[i].currency);
		printf("%-44s %-4.4s %14s %14s %12.3f %12.3f %12.3f %12s\n", "TOTAL", cur,
		       money_str(t[i].out.eff, 2, e, sizeof e), money_str(t[i].out.billed, 2, bl, sizeof bl),
		       t[i].out.kwh + t[i].out.est_kwh, t[i].out.op_g / 1000.0,
		       (t[i].out.emb_g + t[i].out.est_emb_g) / 1000.0, money_str(t[i].out.unknown_eff, 2, u, sizeof u));
	}
	putchar('\n');
	for (size_t i = 0; i < n; i++) {
		const char *cur = cs_bill_str(b, t[i].currency);
		double kwh = t[i].out.kwh + t[i].out.est_kwh;
		printf("%.1f %% of %s cost unclassified (its %.1f kWh, %.1f %% of the energy, estimated by its "
		       "service's kWh per %s)",
		       pct(t[i].out.unknown_eff, t[i].out.eff), *cur ? cur : "(no currency)", t[i].out.est_kwh,
		       kwh > 0 ? 100.0 * t[i].out.est_kwh / kwh : 0.0, *cur ? cur : "cost unit");
		printf("; tax, credits, fees and purchases (no energy): %s %s\n",
		       money_str(t[i].nonusage_eff, 2, e, sizeof e), cur);
		if (bo->util)
			util_text(&t[i], cur, m->cpu_util);
	}
	const cs_bill_cause *c = cs_bill_causes(b, &n);
	if (n && bo->top)
		printf("top causes:\n");
	for (size_t i = 0; i < n && i < bo->top; i++)
		printf("  %12s %-4s %s %s %s: %s\n", money_str(c[i].eff, 2, e, sizeof e), cs_bill_str(b, c[i].currency),
		       cs_bill_str(b, c[i].provider), cs_bill_str(b, c[i].service), cs_bill_str(b, c[i].usage),
		       c[i].note);
	if (bo->unit_prices) {
		const cs_bill_price *p = cs_bill_prices(b, &n);
		printf("\nunit prices (effective cost per instance-hour):\n");
		for (size_t i = 0; i < n; i++) {
			cs_money per = p[i].hours > 0 ? (cs_money)((double)p[i].eff / p[i].hours) : 0;
			printf("  %-6s %-24s %-16s %12.2f h %14s %s/h\n",
			       cs_provider_name(cs_instance_provider(p[i].inst)), cs_instance_name(p[i].inst),
			       cs_bill_str(b, p[i].region), p[i].hours, money_str(per, 6, e, sizeof e),
			       cs_bill_str(b, p[i].currency));
		}
	}
	t = cs_bill_totals(b, &n);
	for (size_t i = 0; i < n; i++)
		printf("%s: effective %s in, %s out; billed %s in, %s out (exact)\n",
		       cs_bill_conserved(b) ? "cost conserved" : "COST NOT CONSERVED", exact(t[i].in_eff, e, sizeof e),
		       exact(t[i].out.eff, bl, sizeof bl), exact(t[i].in_billed, u, sizeof u),
		       exact(t[i].out.billed, label, sizeof label));
	if (st->no_region)
		printf("%llu usage lines had no region in carbonstat's tables: their provider's mean grid intensity "
		       "was used\n",
		       (unsigned long long)st->no_region);
	if (st->no_amortisation)
		printf("an AWS file had no reservation/savings plan columns: effective cost = unblended cost there\n");
}

/* Bad input (malformed, corrupt or truncated data, or a file named on the
 * command line that does not exist) is 2, I/O is 1. */
static int exit_of(int rc)
{
	return rc == CS_EINVAL || rc == CS_ERANGE || rc == -EBADMSG || rc == -ENOENT || rc == -ENOTDIR ? CLI_USAGE
	                                                                                               : CLI_FAIL;
}

static int read_bills(const char *cmd, const bill_opts *bo, char **files, int nfiles, cs_bill **out)
{
	cs_bill *b;
	char why[600];
	int rc;

	if ((rc = cs_bill_new(&bo->o, &b))) {
		cli_error(cmd, "out of memory");
		return CLI_FAIL;
	}
	for (int i = 0; i < nfiles; i++) {
		if ((rc = cs_bill_add_file(b, files[i], why, sizeof why))) {
			cli_error(cmd, "%s", why);
			cs_bill_free(b);
			return exit_of(rc);
		}
	}
	if ((rc = cs_bill_finish(b))) {
		cli_error(cmd, "%s", cs_strerror(rc));
		cs_bill_free(b);
		return CLI_FAIL;
	}
	*out = b;
	return CLI_OK;
}

static int run_sql(const char *cmd, const bill_opts *bo)
{
	char *q = NULL;
	char why[300];
	int rc = cs_bill_sql(bo->engine ? bo->engine : "", bo->o.format, bo->table, bo->o.tag_key, &q, why, sizeof why);

	if (rc) {
		cli_error(cmd, "%s", why);
		return CLI_USAGE;
	}
	fputs(q, stdout);
	free(q);
	return CLI_OK;
}

static void kg_text(double v)
{
	if (isnan(v))
		fputs("             -", stdout);
	else
		printf(" %13.3f", v);
}

static void kg_csv(double v)
{
	if (!isnan(v))
		printf("%.6f", v);
}

static json_t *kg_json(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static int print_reconcile(const cs_recon *r, const cs_recon_side *v, size_t n, bool have_bill, enum out_format fmt)
{
	const char *prov = cs_recon_provider(r);
	double sum[4] = {NAN, NAN, 0, 0};
	char m[16];

	if (fmt == OUT_JSON) {
		json_t *o = json_object(), *a = json_array();
		json_object_set_new(o, "provider", json_string(prov));
		json_object_set_new(o, "basis",
		                    json_string("provider: location-based (LBM) and market-based (MBM) as "
		                                "exported; carbonstat: operational location-based + embodied"));
		for (size_t i = 0; i < n; i++) {
			snprintf(m, sizeof m, "%04d-%02d", v[i].month / 100, v[i].month % 100);
			json_t *x = json_pack("{s:s, s:s, s:s}", "month", v[i].month ? m : "", "service", v[i].service,
			                      "region", v[i].region);
			json_object_set_new(x, "provider_location_kgco2e", kg_json(v[i].location_kg));
			json_object_set_new(x, "provider_market_kgco2e", kg_json(v[i].market_kg));
			json_object_set_new(x, "carbonstat_operational_kgco2e",
			                    v[i].have_bill ? json_real(v[i].op_kg) : json_null());
			json_object_set_new(x, "carbonstat_embodied_kgco2e",
			                    v[i].have_bill ? json_real(v[i].emb_kg) : json_null());
			json_array_append_new(a, x);
		}
		json_object_set_new(o, "rows", a);
		return cli_json_print(o, 0) ? CLI_FAIL : CLI_OK;
	}
	if (fmt == OUT_CSV)
		puts("month,provider,service,region,provider_location_kgco2e,provider_market_kgco2e,"
		     "carbonstat_operational_kgco2e,carbonstat_embodied_kgco2e");
	else
		printf("%-7s %-34s %-16s %13s %13s %13s %13s %7s\n", "MONTH", "SERVICE", "REGION", "PROV LBM kg",
		       "PROV MBM kg", "CS OP kg", "CS EMB kg", "OP/LBM");
	for (size_t i = 0; i < n; i++) {
		snprintf(m, sizeof m, v[i].month ? "%04d-%02d" : "-", v[i].month / 100, v[i].month % 100);
		if (fmt == OUT_CSV) {
			printf("%s,%s,", m, prov);
			cli_csv_field(stdout, v[i].service);
			putchar(',');
			cli_csv_field(stdout, v[i].region);
			putchar(',');
			kg_csv(v[i].location_kg);
			putchar(',');
			kg_csv(v[i].market_kg);
			putchar(',');
			kg_csv(v[i].have_bill ? v[i].op_kg : NAN);
			putchar(',');
			kg_csv(v[i].have_bill ? v[i].emb_kg : NAN);
			putchar('\n');
			continue;
		}
		printf("%-7s %-34.34s %-16.16s", m, *v[i].service ? v[i].service : "(all)",
		       *v[i].region ? v[i].region : "(all)");
		kg_text(v[i].location_kg);
		kg_text(v[i].market_kg);
		kg_text(v[i].have_bill ? v[i].op_kg : NAN);
		kg_text(v[i].have_bill ? v[i].emb_kg : NAN);
		if (v[i].have_bill && !isnan(v[i].location_kg) && v[i].location_kg > 0)
			printf(" %7.2f\n", v[i].op_kg / v[i].location_kg);
		else
			puts("       -");
		if (!isnan(v[i].location_kg))
			sum[0] = isnan(sum[0]) ? v[i].location_kg : sum[0] + v[i].location_kg;
		if (!isnan(v[i].market_kg))
			sum[1] = isnan(sum[1]) ? v[i].market_kg : sum[1] + v[i].market_kg;
		sum[2] += v[i].op_kg;
		sum[3] += v[i].emb_kg;
	}
	if (fmt == OUT_TEXT) {
		printf("%-7s %-34s %-16s", "TOTAL", "", "");
		kg_text(sum[0]);
		kg_text(sum[1]);
		kg_text(have_bill ? sum[2] : NAN);
		kg_text(have_bill ? sum[3] : NAN);
		putchar('\n');
		printf("provider %s: LBM = location-based, MBM = market-based, as exported%s; carbonstat: operational "
		       "location-based (grid tables) and embodied, apart\n",
		       prov, !strcmp(prov, "azure") ? " (Microsoft reports one basis, filed under MBM)" : "");
	}
	return CLI_OK;
}

static int run_reconcile(const char *cmd, const bill_opts *bo, char **files, int nfiles)
{
	cs_bill *b = NULL;
	cs_recon *r = NULL;
	cs_recon_side *v = NULL;
	size_t n = 0;
	char why[600];
	int rc;

	if (!bo->provider_carbon) {
		cli_error(cmd, "reconcile needs --provider-carbon FILE (AWS, GCP or Azure carbon export)");
		return CLI_USAGE;
	}
	if ((rc = cs_recon_load(bo->provider_carbon, &r, why, sizeof why))) {
		cli_error(cmd, "%s", why);
		return exit_of(rc);
	}
	if (nfiles && (rc = read_bills(cmd, bo, files, nfiles, &b))) {
		cs_recon_free(r);
		return rc;
	}
	if (cs_recon_join(r, b, &v, &n)) {
		cli_error(cmd, "out of memory");
		rc = CLI_FAIL;
	} else {
		rc = print_reconcile(r, v, n, b != NULL, bo->fmt);
	}
	free(v);
	cs_recon_free(r);
	cs_bill_free(b);
	return rc;
}

/* [teams] for --by team and --ledger (the agent's carbonstat.ini). */
static int load_teams(const char *cmd, bill_opts *bo)
{
	char why[600];

	if (!bo->config && bo->by != CS_BY_TEAM && !bo->ledger)
		return CLI_OK;
	if (cli_conf_load(bo->config, &bo->conf, why, sizeof why) != 0) {
		cli_error(cmd, "%s", why);
		return CLI_USAGE;
	}
	bo->teams = cs_conf_get(bo->conf, &cs_teams_section);
	/* the team tag is read unless another tag was asked for */
	if (!bo->o.tag_key && (bo->by == CS_BY_TEAM || bo->ledger))
		bo->o.tag_key = cs_bill_team_key(bo->teams);
	return CLI_OK;
}

/* --ledger: opened before the bill is read, so a wrong URL fails at once. */
static int open_ledger(const char *cmd, bill_opts *bo, cs_lg_store **s)
{
	char why[600];

	*s = NULL;
	if (!bo->ledger)
		return CLI_OK;
	if (cs_lg_open(bo->ledger, CS_LG_WRITE, 30.0, s, why, sizeof why) != 0) {
		cli_error(cmd, "%s", why);
		return CLI_FAIL;
	}
	/* what the agents measured, loaded once: the lines look it up by hash */
	if (cs_bill_util_new(&bo->util) || cs_bill_util_load(bo->util, *s, why, sizeof why)) {
		cli_error(cmd, "%s", bo->util ? why : "out of memory");
		return CLI_FAIL;
	}
	bo->o.util = bo->util;
	return CLI_OK;
}

/* --ledger: the bill's daily rows and unit prices into the ledger. */
static int to_ledger(const char *cmd, const bill_opts *bo, const cs_bill *b, cs_lg_store *s)
{
	cs_bill_ledger_stats st;
	char why[600], first[16], last[16];
	int rc = cs_bill_to_ledger(b, s, bo->teams, bo->o.tag_key, &st, why, sizeof why);

	if (rc) {
		cli_error(cmd, "%s", why);
		return rc == CS_ERANGE ? CLI_USAGE : CLI_FAIL;
	}
	cs_lg_fmt_day(st.first_day, first, sizeof first);
	cs_lg_fmt_day(st.last_day, last, sizeof last);
	fprintf(stderr,
	        "carbonstat billing: ledger %s: %llu daily rows (%s .. %s) replacing %llu provider-month%s, %llu unit "
	        "prices%s\n",
	        cs_ldb_name(cs_lg_db(s)), (unsigned long long)st.rows, st.rows ? first : "-", st.rows ? last : "-",
	        (unsigned long long)st.periods, st.periods == 1 ? "" : "s", (unsigned long long)st.prices,
	        st.no_day_lines ? "; lines without a usage date not stored" : "");
	if (st.no_day_lines)
		fprintf(stderr,
		        "carbonstat billing: %llu lines had no usage date: they belong to no month of the ledger\n",
		        (unsigned long long)st.no_day_lines);
	return CLI_OK;
}

int cmd_billing(int argc, char **argv)
{
	const char *cmd = "billing";
	const char *sub = argc > 1 && (!strcmp(argv[1], "reconcile") || !strcmp(argv[1], "sql")) ? argv[1] : NULL;
	bill_opts bo;
	cs_lg_store *s = NULL;
	cs_bill *b;
	cs_bill_row *g = NULL;
	size_t ng = 0;
	int rc;

	if (sub) {
		argc--;
		argv++;
	}
	rc = parse(cmd, argc, argv, &bo);
	if (rc >= 0)
		return rc;
	if (sub && !strcmp(sub, "sql")) {
		if (optind < argc) {
			cli_error(cmd, "sql takes no file; see 'carbonstat billing --help'");
			return CLI_USAGE;
		}
		return run_sql("billing sql", &bo);
	}
	if (sub)
		return run_reconcile("billing reconcile", &bo, argv + optind, argc - optind);
	if (optind >= argc) {
		cli_error(cmd, "no bill file given; see 'carbonstat billing --help'");
		return CLI_USAGE;
	}
	if ((rc = load_teams(cmd, &bo)))
		return rc;
	if ((rc = open_ledger(cmd, &bo, &s)) || (rc = read_bills(cmd, &bo, argv + optind, argc - optind, &b))) {
		cs_lg_close(s);
		cs_bill_util_free(bo.util);
		cs_conf_free(bo.conf);
		return rc;
	}
	if (bo.by == CS_BY_TEAM ? cs_bill_group_team(b, bo.teams, &g, &ng) : cs_bill_group(b, bo.by, &g, &ng)) {
		cli_error(cmd, "out of memory");
		cs_bill_free(b);
		cs_lg_close(s);
		cs_bill_util_free(bo.util);
		cs_conf_free(bo.conf);
		return CLI_FAIL;
	}
	if (bo.fmt == OUT_JSON)
		rc = out_json(b, &bo, g, ng, argv + optind, argc - optind);
	else if (bo.fmt == OUT_CSV)
		out_csv(b, &bo, g, ng);
	else
		out_text(b, &bo, g, ng);
	free(g);
	if (!cs_bill_conserved(b)) {
		cli_error(cmd, "cost out differs from cost in: a bug, please report it with the file");
		rc = CLI_FAIL;
	}
	if (!rc && s)
		rc = to_ledger(cmd, &bo, b, s);
	cs_bill_free(b);
	cs_lg_close(s);
	cs_bill_util_free(bo.util);
	cs_conf_free(bo.conf);
	return rc;
}
