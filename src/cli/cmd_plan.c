/* cli/cmd_plan.c - `carbonstat plan`: which instance, which region, which
 * provider, with carbon, cost and performance together.
 *
 * Options in, the inventory, prices and throughput figures loaded (each
 * bad input one line naming file:line:column, exit 2), the planner run
 * (src/plan/plan.h), the report out as text, CSV or HTML (src/plan/report.h)
 * or JSON. The JSON of every option is estimate --json's object for it
 * (cli_estimate_json) with the planner's fields added, so a script can
 * check any option against `carbonstat estimate`.
 */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cli/cli.h"
#include "core/clock.h"
#include "plan/geo.h"
#include "plan/json_out.h"
#include "plan/ledger_fleet.h"
#include "plan/plan.h"
#include "plan/report.h"

static const char plan_help[] =
    "Usage: carbonstat plan (--inventory FILE | --ledger DB [--period YYYY-MM]) [options]\n"
    "\n"
    "For each group of a fleet, the options on other regions, families and\n"
    "providers, their carbon (operational + embodied) and cost a month, the\n"
    "carbon-cost front and the recommended option, with the assumptions.\n"
    "\n"
    "  --inventory FILE    the fleet, CSV:\n"
    "                      provider,instance,region,count,cpu_percent,hours_per_month\n"
    "                      [,price_per_hour,currency]   (- = stdin, .gz read too)\n"
    "  --ledger DB         the fleet the agents measured: the ledger's node-hours of a month\n"
    "                      (sqlite:PATH, a path, or postgresql://...)\n"
    "  --period YYYY-MM    that month (default: the last whole month, UTC)\n"
    "  --prices FILE       price book: provider,instance_type,region,currency,price_per_hour\n"
    "                      (region * = any region)\n"
    "  --bill FILE         a cloud bill whose unit prices price the options (repeatable)\n"
    "  --perf FILE         your throughput figures: microarchitecture,throughput_per_vcpu,source\n"
    "  --to-provider P     move groups to aws, gcp or azure, a comma list, or all\n"
    "                      (default: each group's own provider)\n"
    "  --regions LIST      regions options may use (provider:region to be exact)\n"
    "  --near REGION --max-km N   regions within N km (great circle) of REGION\n"
    "  --families LIST     families (m7g, n2d, Das_v5), microarchitectures (Graviton4)\n"
    "                      or vendors (arm, amd, intel) options may use\n"
    "  --objective O       carbon (default), cost or balanced\n"
    "  --max-slowdown PCT  leave out options more than PCT %% slower per vCPU\n"
    "  --target-cpu PCT    rightsize: the fewest instances keeping CPU <= PCT %%\n"
    "  --json | --csv | --html   output format (default: text)\n"
    "  -h, --help          this help\n"
    "\n"
    "See docs/plan.md for the method, its sources and its limits.\n";

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV, OUT_HTML };

static const int plan_ids[] = {
    CLI_OPT_INVENTORY,    CLI_OPT_LEDGER,     CLI_OPT_PERIOD, CLI_OPT_PRICES, CLI_OPT_BILL,     CLI_OPT_PERF,
    CLI_OPT_TO_PROVIDER,  CLI_OPT_REGIONS,    CLI_OPT_NEAR,   CLI_OPT_MAX_KM, CLI_OPT_FAMILIES, CLI_OPT_OBJECTIVE,
    CLI_OPT_MAX_SLOWDOWN, CLI_OPT_TARGET_CPU, CLI_OPT_HTML,   CLI_OPT_JSON,   CLI_OPT_CSV,      0};

#define MAX_BILLS 32

typedef struct plan_args {
	const char *inventory, *ledger, *period, *prices, *perf, *to_provider, *regions, *near, *families;
	const char *bills[MAX_BILLS];
	size_t nbills;
	double max_km; /* < 0: not given */
	plan_opts o;
	enum out_format fmt;
} plan_args;

static int parse_provider_set(const char *arg, unsigned *out)
{
	char buf[128], *save = NULL;

	if (strlen(arg) >= sizeof buf)
		return -1;
	strcpy(buf, arg);
	*out = 0;
	for (char *t = strtok_r(buf, ",", &save); t; t = strtok_r(NULL, ",", &save)) {
		cs_provider p = cs_provider_parse(t);
		if (!strcasecmp(t, "all"))
			*out |= (1u << CS_PROVIDER_AWS) | (1u << CS_PROVIDER_GCP) | (1u << CS_PROVIDER_AZURE);
		else if (p == CS_PROVIDER_UNKNOWN)
			return -1;
		else
			*out |= 1u << p;
	}
	return *out ? 0 : -1;
}

/* One output format: a second, different one is a usage error, not a
 * silent override. */
static int set_format(plan_args *a, enum out_format f)
{
	static const char *const flag[] = {[OUT_JSON] = "--json", [OUT_CSV] = "--csv", [OUT_HTML] = "--html"};

	if (a->fmt != OUT_TEXT && a->fmt != f)
		return cli_conflict("plan", true, flag[a->fmt], true, flag[f]);
	a->fmt = f;
	return 0;
}

static int plan_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	plan_args *a = ctx;
	int rc = 0;
	double v;

	switch (id) {
	case CLI_OPT_INVENTORY: a->inventory = arg; break;
	case CLI_OPT_LEDGER: a->ledger = arg; break;
	case CLI_OPT_PERIOD: a->period = arg; break;
	case CLI_OPT_PRICES: a->prices = arg; break;
	case CLI_OPT_BILL:
		if (a->nbills == MAX_BILLS) {
			cli_error(cmd, "at most %d --bill files", MAX_BILLS);
			return CLI_USAGE;
		}
		a->bills[a->nbills++] = arg;
		break;
	case CLI_OPT_PERF: a->perf = arg; break;
	case CLI_OPT_TO_PROVIDER:
		a->to_provider = arg;
		if (parse_provider_set(arg, &a->o.providers)) {
			cli_error(cmd, "--to-provider '%s': give aws, gcp, azure, a comma list of them, or all", arg);
			return CLI_USAGE;
		}
		break;
	case CLI_OPT_REGIONS: a->regions = arg; break;
	case CLI_OPT_NEAR: a->near = arg; break;
	case CLI_OPT_MAX_KM: rc = cli_number(cmd, "--max-km", arg, 0, 20100, &a->max_km); break;
	case CLI_OPT_FAMILIES: a->families = arg; break;
	case CLI_OPT_OBJECTIVE:
		if (!strcmp(arg, "carbon"))
			a->o.objective = PLAN_OBJ_CARBON;
		else if (!strcmp(arg, "cost"))
			a->o.objective = PLAN_OBJ_COST;
		else if (!strcmp(arg, "balanced"))
			a->o.objective = PLAN_OBJ_BALANCED;
		else {
			cli_error(cmd, "--objective '%s': give carbon, cost or balanced", arg);
			return CLI_USAGE;
		}
		break;
	case CLI_OPT_MAX_SLOWDOWN: rc = cli_percent(cmd, "--max-slowdown", arg, &a->o.max_slowdown); break;
	case CLI_OPT_TARGET_CPU:
		rc = cli_percent(cmd, "--target-cpu", arg, &v);
		if (!rc && !(v > 0)) {
			cli_error(cmd, "--target-cpu '%s' must be above 0 %%", arg);
			rc = CLI_USAGE;
		}
		a->o.target_cpu = v;
		break;
	case CLI_OPT_JSON: rc = set_format(a, OUT_JSON); break;
	case CLI_OPT_CSV: rc = set_format(a, OUT_CSV); break;
	case CLI_OPT_HTML: rc = set_format(a, OUT_HTML); break;
	}
	return rc;
}

static int parse_args(int argc, char **argv, plan_args *a)
{
	cli_getopt_spec sp = {.cmd = "plan", .opts = plan_ids, .help = plan_help, .on_opt = plan_opt, .ctx = a};
	int rc;

	memset(a, 0, sizeof *a);
	plan_opts_init(&a->o);
	a->max_km = -1;
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		return rc;
	if (!!a->inventory == !!a->ledger) {
		cli_error("plan", "give the fleet as --inventory FILE or --ledger DB (one of them); see 'carbonstat "
		                  "plan --help'");
		return CLI_USAGE;
	}
	if (a->period && !a->ledger) {
		cli_error("plan", "--period goes with --ledger DB (an inventory file is already one month)");
		return CLI_USAGE;
	}
	if (a->regions && a->near) {
		cli_error("plan", "give either --regions or --near, not both");
		return CLI_USAGE;
	}
	if (!!a->near != (a->max_km >= 0)) {
		cli_error("plan", "--near REGION and --max-km N come together, e.g. --near eu-west-1 --max-km 1500");
		return CLI_USAGE;
	}
	return -1;
}

/* A region named on the command line: "provider:region", or a name looked
 * up in every provider of the mask; an exact name wins over a spelling
 * (us-east1 is GCP's, not AWS's us-east-1). Fills out[] (one per provider
 * at most), returns how many. */
static size_t resolve_region(const char *arg, unsigned mask, const cs_region **out)
{
	const char *colon = strchr(arg, ':');
	size_t n = 0;
	bool exact = false;

	if (colon) {
		char prov[16];
		size_t len = (size_t)(colon - arg);
		cs_provider p;

		if (len >= sizeof prov)
			return 0;
		memcpy(prov, arg, len);
		prov[len] = '\0';
		p = cs_provider_parse(prov);
		if (p == CS_PROVIDER_UNKNOWN || !(out[0] = cs_region_find(p, colon + 1)))
			return 0;
		return 1;
	}
	for (int p = CS_PROVIDER_AWS; p <= CS_PROVIDER_AZURE; p++) {
		const cs_region *r = (mask & (1u << p)) ? cs_region_find((cs_provider)p, arg) : NULL;
		if (r && !strcasecmp(cs_region_name(r), arg))
			exact = true;
	}
	for (int p = CS_PROVIDER_AWS; p <= CS_PROVIDER_AZURE; p++) {
		const cs_region *r = (mask & (1u << p)) ? cs_region_find((cs_provider)p, arg) : NULL;
		if (r && (!exact || !strcasecmp(cs_region_name(r), arg)))
			out[n++] = r;
	}
	return n;
}

static void unknown_region(const char *opt, const char *name)
{
	const char *s[4];
	size_t n = cs_region_suggest(CS_PROVIDER_UNKNOWN, name, s, 3);

	fprintf(stderr, "carbonstat plan: %s: unknown region '%s'", opt, name);
	for (size_t i = 0; i < n; i++)
		fprintf(stderr, "%s%s", i ? ", " : " (did you mean ", s[i]);
	fprintf(stderr, "%s; list them with 'carbonstat regions' (provider:region to name one provider's)\n",
	        n ? "?)" : "");
}

/* The providers options are taken from. */
static unsigned provider_mask(const plan_args *a, const plan_inventory *inv)
{
	unsigned m = a->o.providers;

	if (m)
		return m;
	for (size_t i = 0; i < inv->n; i++)
		m |= 1u << cs_instance_provider(inv->g[i].inst);
	return m;
}

/* ---- JSON --------------------------------------------------------------- */

static json_t *jnum_or_null(double v, bool known)
{
	return known ? json_real(v) : json_null();
}

static void dataset_ref(json_t *datasets, const cs_dataset *d)
{
	if (d && !json_object_get(datasets, cs_dataset_id(d)))
		json_object_set_new(datasets, cs_dataset_id(d), cli_json_dataset(d));
}

#define JSON_DIGITS 10 /* estimate --json's precision (cli_json_print) */

/* An option: estimate --json's object for it (cli_estimate_json: one
 * definition of those keys and figures), then the planner's fields, added
 * before its closing brace. */
static int option_out(plan_json_buf *b, const plan_report_in *in, const plan_group_result *gr, const plan_option *o,
                      json_t *datasets)
{
	cs_estimate_req req;
	char mv[48];
	json_t *j;
	const char *cur = in->prices && in->prices->currency[0] ? in->prices->currency : NULL;
	int rc;

	plan_option_req(gr->g, o, &req);
	j = cli_estimate_json(&req, &o->est, true);
	/* each dataset's title, URL and licence once, at the top level (every
	 * source cli_estimate_json names by id) */
	dataset_ref(datasets, cs_instance_dataset(o->est.instance));
	dataset_ref(datasets, o->est.prov.power);
	if (o->est.prov.method == CS_METHOD_MINMAX && cs_instance_gpu(o->est.instance))
		dataset_ref(datasets, cs_gpu_dataset(cs_instance_gpu(o->est.instance)));
	dataset_ref(datasets, o->est.prov.embodied);
	dataset_ref(datasets, o->est.prov.intensity);
	rc = plan_json_append(b, j, JSON_DIGITS);
	json_decref(j);
	if (rc)
		return rc;
	b->n--; /* the '}' */
	rc |= plan_json_key(b, "embodied_known", false) || plan_json_bool(b, o->emb_known);
	rc |= plan_json_key(b, "ranking_gco2e", false) || plan_json_num(b, o->key_g, true, JSON_DIGITS);
	rc |= plan_json_key(b, "speed_ratio", false) || plan_json_num(b, o->speed, o->speed > 0, JSON_DIGITS);
	rc |= plan_json_key(b, "speed_source", false) ||
	      plan_json_str(b, plan_speed_src_name((plan_speed_src)o->speed_src));
	rc |= plan_json_key(b, "price_per_hour", false) ||
	      plan_json_num(b, o->price_per_hour, o->price_per_hour >= 0, JSON_DIGITS);
	rc |= plan_json_key(b, "cost", false) || plan_json_num(b, o->cost, o->cost >= 0, JSON_DIGITS);
	rc |= plan_json_key(b, "currency", false) || plan_json_str(b, o->cost >= 0 ? cur : NULL);
	rc |= plan_json_key(b, "price_source", false) ||
	      plan_json_str(b, plan_price_src_name((plan_price_src)o->price_src));
	rc |= plan_json_key(b, "status", false) || plan_json_str(b, plan_status_name((plan_status)o->status));
	rc |= plan_json_key(b, "moves", false) || plan_json_str(b, plan_moves_name(o->moves, mv, sizeof mv));
	rc |= plan_json_key(b, "arch", false) || plan_json_str(b, cs_instance_arch(o->inst));
	rc |= plan_json_raw(b, "}", 1);
	return rc ? CS_ENOMEM : 0;
}

/* A group, on one line: written as it is read, nothing built but each
 * option's estimate object. */
static int group_out(plan_json_buf *b, const plan_report_in *in, const plan_args *a, const plan_group_result *gr,
                     json_t *datasets)
{
	const plan_group *g = gr->g;
	const plan_split *s = &gr->split;
	int rc = 0;

	rc |= plan_json_raw(b, "{", 1) || plan_json_key(b, "line", true) || plan_json_int(b, g->line);
	rc |= plan_json_key(b, "provider", false) || plan_json_str(b, cs_provider_name(cs_instance_provider(g->inst)));
	rc |= plan_json_key(b, "instance", false) || plan_json_str(b, cs_instance_name(g->inst));
	rc |= plan_json_key(b, "region", false) || plan_json_str(b, cs_region_name(g->region));
	rc |= plan_json_key(b, "count", false) || plan_json_int(b, g->count);
	rc |= plan_json_key(b, "cpu_percent", false) || plan_json_num(b, g->cpu_percent, true, JSON_DIGITS);
	rc |= plan_json_key(b, "hours_per_month", false) || plan_json_num(b, g->hours, true, JSON_DIGITS);
	rc |= plan_json_key(b, "price_per_hour", false) ||
	      plan_json_num(b, g->price_per_hour, g->price_per_hour >= 0, JSON_DIGITS);
	rc |= plan_json_key(b, "basis", false) ||
	      plan_json_str(b, gr->basis == PLAN_BASIS_TOTAL ? "total" : "operational");
	rc |= plan_json_key(b, "current", false) || option_out(b, in, gr, &gr->current, datasets);
	rc |= plan_json_key(b, "recommended", false) || option_out(b, in, gr, &gr->rec, datasets);
	rc |= plan_json_key(b, "recommended_by", false) ||
	      plan_json_str(b, gr->rec_how == PLAN_REC_CARBON_NO_COST ? "carbon (the current cost is unknown)"
	                                                              : plan_objective_name(a->o.objective));
	rc |= plan_json_key(b, "front", false) || plan_json_raw(b, "[", 1);
	for (size_t i = 0; i < gr->nfront; i++)
		rc |= (i && plan_json_raw(b, ", ", 2)) ||
		      option_out(b, in, gr, &in->res->options[gr->front_at + i], datasets);
	rc |= plan_json_raw(b, "]", 1) || plan_json_key(b, "not_ranked", false) ||
	      (gr->unranked.inst ? option_out(b, in, gr, &gr->unranked, datasets) : plan_json_str(b, NULL));
	/* split_json's and the counts' keys, in their order */
	rc |= plan_json_key(b, "change", false) || plan_json_raw(b, "{", 1) || plan_json_key(b, "grid_gco2e", true) ||
	      plan_json_num(b, s->grid_g, true, JSON_DIGITS) || plan_json_key(b, "hardware_gco2e", false) ||
	      plan_json_num(b, s->hardware_g, true, JSON_DIGITS) || plan_json_key(b, "rightsizing_gco2e", false) ||
	      plan_json_num(b, s->rightsizing_g, true, JSON_DIGITS) || plan_json_key(b, "total_gco2e", false) ||
	      plan_json_num(b, s->grid_g + s->hardware_g + s->rightsizing_g, true, JSON_DIGITS) ||
	      plan_json_raw(b, "}", 1);
	rc |= plan_json_key(b, "counts", false) || plan_json_raw(b, "{", 1) || plan_json_key(b, "options", true) ||
	      plan_json_int(b, (long long)gr->options + 1) || plan_json_key(b, "throughput_unknown", false) ||
	      plan_json_int(b, (long long)gr->no_perf) || plan_json_key(b, "embodied_unknown", false) ||
	      plan_json_int(b, (long long)gr->no_embodied) || plan_json_key(b, "too_slow", false) ||
	      plan_json_int(b, (long long)gr->too_slow) || plan_json_raw(b, "}}", 2);
	return rc ? CS_ENOMEM : 0;
}

static json_t *totals_json(const plan_totals *t, bool priced)
{
	return json_pack("{s:f, s:f, s:f, s:o, s:I, s:I, s:I}", "operational_gco2e", t->op_g, "embodied_gco2e",
	                 t->emb_g, "total_gco2e", t->total_g, "cost", priced ? json_real(t->cost) : json_null(),
	                 "groups", (json_int_t)t->groups, "groups_cost_unknown", (json_int_t)t->unpriced,
	                 "groups_embodied_unknown", (json_int_t)t->no_embodied);
}

static json_t *split_json(const plan_split *s)
{
	return json_pack("{s:f, s:f, s:f, s:f}", "grid_gco2e", s->grid_g, "hardware_gco2e", s->hardware_g,
	                 "rightsizing_gco2e", s->rightsizing_g, "total_gco2e",
	                 s->grid_g + s->hardware_g + s->rightsizing_g);
}

/* Writes "name": value (value's reference stolen), one line. */
static int put_member(FILE *f, const char *name, json_t *v, bool first)
{
	char *text = v ? json_dumps(v, JSON_REAL_PRECISION(10) | JSON_ENCODE_ANY) : NULL;

	json_decref(v);
	if (!text)
		return CLI_FAIL;
	fprintf(f, "%s  \"%s\": %s", first ? "" : ",\n", name, text);
	free(text);
	return 0;
}

/* The JSON document, streamed: a fleet of 10,000 groups is ~100 MB of JSON,
 * so each group is built, written on one line (plan/json_out.h: jansson's
 * text, written without its per-token callbacks) and freed in turn (the same
 * precision and keys as estimate --json; `jq .` indents it). */
static int write_json(const plan_report_in *in, const plan_args *a)
{
	const plan_result *r = in->res;
	plan_note notes[PLAN_NOTES_MAX];
	size_t nn = plan_notes(in, notes, PLAN_NOTES_MAX);
	bool priced = in->prices && in->prices->currency[0];
	json_t *an = json_array(), *places = json_array(), *opts;
	json_t *datasets = json_object();
	FILE *f = stdout;
	plan_json_buf buf = {0};
	int rc = 0;

	opts = json_pack(
	    "{s:s, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o, s:o}", "objective", plan_objective_name(a->o.objective),
	    "to_provider", a->to_provider ? json_string(a->to_provider) : json_null(), "regions",
	    a->regions ? json_string(a->regions) : json_null(), "near", a->near ? json_string(a->near) : json_null(),
	    "max_km", jnum_or_null(a->max_km, a->max_km >= 0), "families",
	    a->families ? json_string(a->families) : json_null(), "max_slowdown_percent",
	    jnum_or_null(a->o.max_slowdown * 100, a->o.max_slowdown >= 0), "target_cpu_percent",
	    jnum_or_null(a->o.target_cpu * 100, a->o.target_cpu > 0), "prices",
	    a->prices ? json_string(a->prices) : json_null(), "perf", a->perf ? json_string(a->perf) : json_null(),
	    "currency", priced ? json_string(in->prices->currency) : json_null());
	fputs("{\n", f);
	rc |= put_member(f, "inventory",
	                 json_pack("{s:s, s:s, s:I, s:o}", "name", in->inv->name, "source", in->inv->source, "groups",
	                           (json_int_t)in->inv->n, "note",
	                           in->inv->note[0] ? json_string(in->inv->note) : json_null()),
	                 true);
	rc |= put_member(f, "options", opts, false);
	fputs(",\n  \"groups\": [", f);
	for (size_t k = 0; k < r->n && !rc; k++) {
		fputs(k ? ",\n    " : "\n    ", f);
		buf.n = 0;
		if (group_out(&buf, in, a, &r->groups[k], datasets) || fwrite(buf.p, 1, buf.n, f) != buf.n)
			rc = CLI_FAIL;
	}
	plan_json_buf_free(&buf);
	fputs("\n  ]", f);
	for (size_t i = 0; i < r->nplaces; i++) {
		const plan_place *p = &r->places[i];
		json_array_append_new(places,
		                      json_pack("{s:s, s:s, s:o, s:o}", "provider",
		                                cs_provider_name(cs_region_provider(p->region)), "region",
		                                cs_region_name(p->region), "before", totals_json(&p->before, priced),
		                                "after", totals_json(&p->after, priced)));
	}
	rc |= put_member(f, "summary",
	                 json_pack("{s:o, s:o, s:o, s:o, s:I}", "before", totals_json(&r->before, priced), "after",
	                           totals_json(&r->after, priced), "change", split_json(&r->split), "places", places,
	                           "groups_on_operational_basis", (json_int_t)r->operational_basis),
	                 false);
	for (size_t i = 0; i < nn; i++)
		json_array_append_new(an, json_pack("{s:s, s:s, s:s}", "topic", notes[i].topic, "text", notes[i].text,
		                                    "source", notes[i].source));
	rc |= put_member(f, "assumptions", an, false);
	rc |= put_member(f, "datasets", datasets, false);
	rc |= put_member(f, "mismatches_with_estimate", json_integer((json_int_t)r->mismatches), false);
	fputs("\n}\n", f);
	return rc ? CLI_FAIL : CLI_OK;
}

/* ---- CSV: one row per reported option ---------------------------------------------------------------- */

static void csv_row(FILE *f, const plan_report_in *in, const plan_group_result *gr, const char *role,
                    const plan_option *o)
{
	const char *cur = in->prices && in->prices->currency[0] ? in->prices->currency : "";
	char mv[48];

	cli_csv_field(f, in->inv->name);
	fprintf(f, ",%u,%s,%s,", gr->g->line, role, cs_provider_name(cs_instance_provider(o->inst)));
	cli_csv_field(f, cs_instance_name(o->inst));
	fputc(',', f);
	cli_csv_field(f, cs_region_name(o->region));
	fprintf(f, ",%u,%.10g,%.10g,", o->count, o->cpu_percent, gr->g->hours);
	if (o->speed > 0)
		fprintf(f, "%.10g", o->speed);
	fprintf(f, ",%s,%.10g,%.10g,%.10g,%.10g,%.10g,", plan_speed_src_name((plan_speed_src)o->speed_src),
	        o->est.power.total_w, o->est.energy_kwh, o->est.intensity_g_per_kwh, o->est.operational_g,
	        o->est.embodied_g);
	fprintf(f, "%s,%.10g,%.10g,%s,", o->emb_known ? "true" : "false", o->est.total_g, o->key_g,
	        gr->basis == PLAN_BASIS_TOTAL ? "total" : "operational");
	if (o->price_per_hour >= 0)
		fprintf(f, "%.10g,%.10g,%s", o->price_per_hour, o->cost, cur);
	else
		fputs(",,", f);
	fprintf(f, ",%s,%s,%s,%s,%d\n", plan_price_src_name((plan_price_src)o->price_src),
	        plan_status_name((plan_status)o->status), plan_moves_name(o->moves, mv, sizeof mv),
	        o->est.prov.intensity ? cs_dataset_id(o->est.prov.intensity) : "", o->est.prov.intensity_year);
}

static void write_csv(FILE *f, const plan_report_in *in)
{
	fputs("inventory,line,role,provider,instance,region,count,cpu_percent,hours_per_month,speed_ratio,"
	      "speed_source,power_w,energy_kwh,intensity_gco2e_per_kwh,operational_gco2e,embodied_gco2e,"
	      "embodied_known,total_gco2e,ranking_gco2e,ranking_basis,price_per_hour,cost,currency,price_source,"
	      "status,moves,intensity_source,intensity_year\n",
	      f);
	for (size_t k = 0; k < in->res->n; k++) {
		const plan_group_result *gr = &in->res->groups[k];
		csv_row(f, in, gr, "current", &gr->current);
		csv_row(f, in, gr, "recommended", &gr->rec);
		for (size_t i = 0; i < gr->nfront; i++)
			csv_row(f, in, gr, "front", &in->res->options[gr->front_at + i]);
		if (gr->unranked.inst)
			csv_row(f, in, gr, "not_ranked", &gr->unranked);
	}
}

/* ---- run ---------------------------------------------------------------- */

int cmd_plan(int argc, char **argv)
{
	plan_args a;
	plan_inventory inv = {0};
	plan_prices prices;
	plan_perf perf = {0};
	plan_catalog cat = {0};
	plan_filter filter = {0};
	plan_result res = {0};
	const cs_region *regions[512], *near[4];
	char why[1024];
	int rc = parse_args(argc, argv, &a), out = CLI_USAGE;

	plan_prices_init(&prices);
	if (rc >= 0)
		return rc;
	why[0] = '\0';
	if (a.ledger) {
		plan_ledger_spec ls = {a.ledger, a.period, cs_real_s()};
		int lrc = plan_inventory_load_ledger(&ls, &inv, why, sizeof why);

		if (lrc) {
			cli_error("plan", "%s", why);
			out = lrc == CS_EINVAL ? CLI_USAGE : CLI_FAIL;
			goto done;
		}
	} else if (plan_inventory_load(&plan_source_csv, a.inventory, &inv, why, sizeof why)) {
		cli_error("plan", "%s", why);
		goto done;
	}
	if (plan_prices_from_inventory(&prices, &inv) ||
	    (a.prices && plan_prices_load_file(&prices, a.prices, NULL, 0, why, sizeof why)) ||
	    (a.nbills && plan_prices_load_bills(&prices, a.bills, a.nbills, why, sizeof why))) {
		cli_error("plan", "%s", why[0] ? why : "out of memory");
		goto done;
	}
	if (a.perf) {
		if (plan_perf_load(a.perf, &perf, why, sizeof why)) {
			cli_error("plan", "--perf %s", why);
			goto done;
		}
		a.o.perf = &perf;
	}
	if (plan_catalog_build(&cat)) {
		cli_error("plan", "out of memory");
		out = CLI_FAIL;
		goto done;
	}
	a.o.catalog = &cat;
	if (a.families) {
		if (plan_filter_parse(&cat, a.families, &filter, why, sizeof why)) {
			cli_error("plan", "%s", why);
			goto done;
		}
		a.o.families = &filter;
	}
	if (a.regions) {
		char *buf = strdup(a.regions), *save = NULL;
		size_t n = 0;
		bool bad = false;

		if (!buf) {
			out = CLI_FAIL;
			goto done;
		}
		for (char *t = strtok_r(buf, ",", &save); t && !bad; t = strtok_r(NULL, ",", &save)) {
			size_t k;
			if (n + CS_PROVIDER_COUNT > sizeof regions / sizeof regions[0])
				break;
			k = resolve_region(t, provider_mask(&a, &inv), regions + n);
			if (!k) {
				unknown_region("--regions", t);
				bad = true;
			}
			n += k;
		}
		free(buf);
		if (bad)
			goto done;
		a.o.regions = regions;
		a.o.nregions = n;
	}
	if (a.near) {
		if (!resolve_region(
		        a.near, (1u << CS_PROVIDER_AWS) | (1u << CS_PROVIDER_GCP) | (1u << CS_PROVIDER_AZURE), near)) {
			unknown_region("--near", a.near);
			goto done;
		}
		if (cs_region_coords(near[0], NULL, NULL, NULL)) {
			cli_error("plan", "--near %s: the region table has no coordinates for it; use --regions",
			          a.near);
			goto done;
		}
		a.o.near = near[0];
		a.o.max_km = a.max_km;
	}
	a.o.prices = &prices;
	if (plan_run(&inv, &a.o, &res, why, sizeof why)) {
		cli_error("plan", "%s", why);
		out = CLI_FAIL;
		goto done;
	}
	plan_report_in in = {&inv, &a.o, &prices, &res, a.families, a.regions};
	switch (a.fmt) {
	case OUT_JSON: out = write_json(&in, &a); break;
	case OUT_CSV:
		write_csv(stdout, &in);
		out = CLI_OK;
		break;
	case OUT_HTML:
		plan_write_html(stdout, &in);
		out = CLI_OK;
		break;
	default:
		plan_write_text(stdout, &in);
		out = CLI_OK;
		break;
	}
	if (res.mismatches)
		fprintf(stderr,
		        "carbonstat plan: warning: %zu options were ranked on figures that differ from estimate's; "
		        "the figures shown are estimate's (report this)\n",
		        res.mismatches);
	if (fflush(stdout) || ferror(stdout)) {
		cli_error("plan", "writing the report failed");
		out = CLI_FAIL;
	}
done:
	plan_result_free(&res);
	plan_filter_free(&filter);
	plan_catalog_free(&cat);
	plan_perf_free(&perf);
	plan_prices_free(&prices);
	plan_inventory_free(&inv);
	return out;
}
