/* cli/cmd_estimate.c - `carbonstat estimate` and `carbonstat compare`.
 *
 * estimate: one instance type in one region or country, over a duration.
 * compare:  the same workload across several instance types and/or regions,
 *           sorted by total gCO2e, to show where a move pays off.
 */
#include <getopt.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

/* The options estimate and compare both end with. */
#define HELP_TAIL                                                                                                      \
	"  --intensity G     grid intensity in gCO2e/kWh instead of the tables\n"                                      \
	"  --grid-dataset S  region grid series: ember (default: Ember lifecycle,\n"                                   \
	"                    location-based, US state or country), ccf (CCF's\n"                                       \
	"                    factors, ~2018-2019) or google (Google's GCP figures)\n"                                  \
	"  --json | --csv    machine-readable output\n"                                                                \
	"  -h, --help        this help\n"

static const char estimate_help[] = "Usage: carbonstat estimate --instance TYPE [--provider aws|gcp|azure]\n"
                                    "                           (--region R | --country CC) [options]\n"
                                    "\n"
                                    "Estimate the power, energy and CO2e of cloud instances from the built-in\n"
                                    "datasets (Teads/CCF power curves, CCF min/max watts, grid intensities).\n"
                                    "\n"
                                    "  --provider P      aws, gcp or azure (default: found from the type)\n"
                                    "  --instance TYPE   instance type: m5.large, e2-standard-4, Standard_D2s_v3\n"
                                    "  --region R        cloud region: eu-west-1, europe-west1, westeurope\n"
                                    "  --country CC      country instead of a region: DE, DEU or Germany\n"
                                    "  --cpu PCT         average CPU utilisation in percent (default 50)\n"
                                    "  --mem PCT         memory utilisation for the curve (default: as --cpu)\n"
                                    "  --gpu PCT         GPU utilisation (default: as --cpu); refused for a type\n"
                                    "                    without modelled GPU power\n"
                                    "  --duration D      730h, 30d, 1h30m, 1y... (default 1h; bare number = hours)\n"
                                    "  --count N         number of instances (default 1)\n"
                                    "  --pue X           power usage effectiveness (default: CCF value of the\n"
                                    "                    provider: aws 1.135, gcp 1.1, azure 1.185)\n" HELP_TAIL;

static const char compare_help[] =
    "Usage: carbonstat compare --instance T1[,T2...] [--provider P]\n"
    "                          [--region R1[,R2...] | --country C1[,C2...] | --all-regions]\n"
    "                          [options]\n"
    "\n"
    "Estimate the same workload for every instance x location pair and list them\n"
    "from lowest to highest total gCO2e. Default: m5.large on every AWS region.\n"
    "A list item naming what an earlier one named is dropped.\n"
    "\n"
    "  --instance T,...  instance types (default m5.large)\n"
    "  --provider P      aws, gcp or azure (default: found from the type)\n"
    "  --region R,...    cloud regions\n"
    "  --country CC,...  countries instead of regions: DE, DEU or Germany\n"
    "  --all-regions     every region of the types' providers (the default\n"
    "                    without --region or --country)\n"
    "  --top N           only the N lowest rows\n"
    "  --cpu PCT         average CPU utilisation in percent (default 50)\n"
    "  --mem PCT         memory utilisation for the curve (default: as --cpu)\n"
    "  --gpu PCT         GPU utilisation for the curve (default: as --cpu)\n"
    "  --duration D      730h, 30d, 1h30m, 1y... (default 1h; bare number = hours)\n"
    "  --count N         number of instances (default 1)\n"
    "  --pue X           power usage effectiveness (default: the provider's)\n" HELP_TAIL;

enum out_format { OUT_TEXT, OUT_JSON, OUT_CSV };

typedef struct est_opts {
	cs_estimate_req req;
	const char *instances; /* comma-separated for compare */
	const char *regions;
	const char *countries;
	int all_regions;
	int provider_given;
	unsigned top;
	enum out_format fmt;
	bool json, csv; /* given, to refuse both */
} est_opts;

static const int est_ids[] = {CLI_OPT_PROVIDER,
                              CLI_OPT_INSTANCE,
                              CLI_OPT_REGION,
                              CLI_OPT_COUNTRY,
                              CLI_OPT_CPU,
                              CLI_OPT_MEM,
                              CLI_OPT_GPU,
                              CLI_OPT_DURATION,
                              CLI_OPT_COUNT,
                              CLI_OPT_PUE,
                              CLI_OPT_INTENSITY,
                              CLI_OPT_ALL_REGIONS,
                              CLI_OPT_TOP,
                              CLI_OPT_GRID_DATASET,
                              CLI_OPT_JSON,
                              CLI_OPT_CSV,
                              0};

static int est_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	est_opts *o = ctx;
	int rc = 0;
	double v;

	switch (id) {
	case CLI_OPT_PROVIDER:
		rc = cli_provider(cmd, arg, &o->req.provider);
		o->provider_given = 1;
		break;
	case CLI_OPT_INSTANCE: o->instances = arg; break;
	case CLI_OPT_REGION: o->regions = arg; break;
	case CLI_OPT_COUNTRY: o->countries = arg; break;
	case CLI_OPT_CPU: rc = cli_percent(cmd, "--cpu", arg, &o->req.cpu); break;
	case CLI_OPT_MEM: rc = cli_percent(cmd, "--mem", arg, &o->req.mem); break;
	case CLI_OPT_GPU: rc = cli_percent(cmd, "--gpu", arg, &o->req.gpu); break;
	case CLI_OPT_DURATION: rc = cli_duration(cmd, "--duration", arg, &o->req.duration_s); break;
	case CLI_OPT_COUNT: rc = cli_count(cmd, "--count", arg, 1, 10000000, &o->req.count); break;
	case CLI_OPT_PUE:
		rc = cli_number(cmd, "--pue", arg, 1.0, 3.0, &v);
		o->req.pue = v;
		break;
	case CLI_OPT_INTENSITY:
		rc = cli_number(cmd, "--intensity", arg, 0.0, 5000.0, &v);
		o->req.intensity_override = v;
		break;
	case CLI_OPT_JSON: o->fmt = OUT_JSON, o->json = true; break;
	case CLI_OPT_CSV: o->fmt = OUT_CSV, o->csv = true; break;
	case CLI_OPT_ALL_REGIONS: o->all_regions = 1; break;
	case CLI_OPT_TOP: rc = cli_count(cmd, "--top", arg, 1, 100000, &o->top); break;
	case CLI_OPT_GRID_DATASET: rc = cli_grid_series(cmd, arg, &o->req.grid_series); break;
	}
	return rc;
}

/* Parse the options common to estimate and compare. Returns -1 to go on,
 * or an exit code. */
static int parse_opts(const char *cmd, const char *help, int argc, char **argv, est_opts *o)
{
	cli_getopt_spec sp = {.cmd = cmd, .opts = est_ids, .help = help, .on_opt = est_opt, .ctx = o};
	int rc;

	memset(o, 0, sizeof *o);
	cs_estimate_req_init(&o->req);
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		return rc;
	if (o->regions && o->countries) {
		cli_error(cmd, "give either --region or --country, not both");
		return CLI_USAGE;
	}
	if ((rc = cli_conflict(cmd, o->json, "--json", o->csv, "--csv")))
		return rc;
	return -1;
}

/* --gpu only means something where the power model has a GPU term. */
static int check_gpu_option(const char *cmd, const cs_estimate_req *req, const cs_instance *it)
{
	if (req->gpu < 0 || !it || cs_instance_gpu_modelled(it))
		return 0;
	if (cs_instance_gpus(it))
		cli_error(cmd, "--gpu: the accelerators of %s have no power figures (not a modelled GPU); drop --gpu",
		          cs_instance_name(it));
	else
		cli_error(cmd, "--gpu: %s has no GPU whose power is modelled; drop --gpu", cs_instance_name(it));
	return CLI_USAGE;
}

/* Turn a failed cs_estimate_run into the right one-line error. */
static int report_failure(const char *cmd, const cs_estimate_req *req, int rc)
{
	const cs_instance *it;

	switch (rc) {
	case CS_ENOTFOUND:
		it = cs_instance_find(req->provider, req->instance);
		if (!it)
			cli_unknown_instance(cmd, req->provider, req->instance);
		else if (req->region)
			cli_unknown_region(cmd, cs_instance_provider(it), req->region);
		else
			cli_unknown_country(cmd, req->country);
		return CLI_USAGE;
	case CS_ENODATA:
		cli_error(
		    cmd,
		    "no grid intensity is known for region '%s' in the %s grid series; use another --grid-dataset, "
		    "--country or --intensity",
		    req->region ? req->region : "?", cs_grid_series_name(req->grid_series));
		return CLI_USAGE;
	default: cli_error(cmd, "cannot estimate %s: %s", req->instance, cs_strerror(rc)); return CLI_USAGE;
	}
}

/* Which rule produced each part of an estimate (docs/model.md names them). */
typedef struct est_rules {
	const char *power, *memory, *gpu, *embodied;
} est_rules;

static est_rules rules_of(const cs_estimate *e)
{
	const cs_instance *it = e->instance;
	const char *arch = cs_instance_arch(it);
	est_rules r = {"teads-curve", "teads-curve", "none", "unknown"};

	if (e->prov.method == CS_METHOD_MINMAX) {
		int multi = strchr(arch, '/') != NULL, shared = cs_instance_vcpu_share(it) < 1;
		if (!arch[0])
			r.power = "ccf-minmax-file-average";
		else if (multi && (strstr(arch, "Sandy Bridge") || strstr(arch, "Ivy Bridge")))
			r.power = shared ? "ccf-minmax-median-shared-core" : "ccf-minmax-median";
		else if (multi)
			r.power = shared ? "ccf-minmax-mean-shared-core" : "ccf-minmax-mean";
		else
			r.power = "ccf-minmax";
		r.memory = cs_instance_mem_rule(it) == CS_MEM_ABOVE_BASELINE ? "ccf-above-chip-baseline" : "ccf-all-gb";
	}
	if (cs_instance_gpu_modelled(it) && e->prov.method == CS_METHOD_CURVE)
		r.gpu = "teads-curve";
	else if (cs_instance_gpu_modelled(it))
		r.gpu = strcmp(cs_dataset_id(cs_gpu_dataset(cs_instance_gpu(it))), "ccf-gpu") ? "vendor-tdp-idle-ratio"
		                                                                              : "ccf-gpu";
	else if (cs_instance_gpus(it))
		r.gpu = "not-modelled";
	if (e->prov.embodied)
		r.embodied = cs_instance_vcpu_share(it) < 1 ? "ccf-platform-share-shared-core" : "ccf-platform-share";
	return r;
}

/* A source: the whole dataset record, or (brief) its id alone, for a
 * document that lists every dataset once (plan --json). */
static json_t *json_source(const cs_dataset *d, bool brief)
{
	return brief ? json_pack("{s:s, s:i}", "id", cs_dataset_id(d), "year", cs_dataset_year(d))
	             : cli_json_dataset(d);
}

static json_t *json_sources(const cs_estimate *e, bool brief)
{
	json_t *a = json_array();
	json_t *t = json_source(cs_instance_dataset(e->instance), brief);

	json_object_set_new(t, "role", json_string("instance"));
	json_array_append_new(a, t);

	json_t *p = json_source(e->prov.power, brief);
	json_object_set_new(p, "role", json_string("power"));
	json_array_append_new(a, p);
	if (e->prov.method == CS_METHOD_MINMAX && cs_instance_gpu(e->instance)) {
		json_t *g = json_source(cs_gpu_dataset(cs_instance_gpu(e->instance)), brief);
		json_object_set_new(g, "role", json_string("gpu_power"));
		json_array_append_new(a, g);
	}
	if (e->prov.embodied) {
		json_t *m = json_source(e->prov.embodied, brief);
		json_object_set_new(m, "role", json_string("embodied"));
		json_array_append_new(a, m);
	}
	if (e->prov.intensity) {
		json_t *g = json_source(e->prov.intensity, brief);
		json_object_set_new(g, "role", json_string("grid_intensity"));
		json_object_set_new(g, "year", json_integer(e->prov.intensity_year));
		json_array_append_new(a, g);
	} else {
		json_array_append_new(a, json_pack("{s:s, s:s}", "role", "grid_intensity", "id", "user"));
	}
	json_array_append_new(a, json_pack("{s:s, s:s, s:b}", "role", "pue", "id",
	                                   e->prov.pue_overridden ? "user" : "ccf-pue", "overridden",
	                                   e->prov.pue_overridden));
	return a;
}

json_t *cli_estimate_json(const cs_estimate_req *req, const cs_estimate *e, bool brief_sources)
{
	const cs_instance *it = e->instance;
	json_t *o = json_object();

	json_object_set_new(o, "provider", json_string(cs_provider_name(cs_instance_provider(it))));
	json_object_set_new(o, "instance", json_string(cs_instance_name(it)));
	if (e->region) {
		json_object_set_new(o, "region", json_string(cs_region_name(e->region)));
		if (cs_region_cfe(e->region) >= 0)
			json_object_set_new(o, "cfe_percent", json_real(cs_region_cfe(e->region) * 100.0));
	}
	if (e->country) {
		json_object_set_new(o, "country", json_string(cs_country_iso2(e->country)));
		json_object_set_new(o, "country_name", json_string(cs_country_name(e->country)));
	}
	json_object_set_new(o, "vcpu", json_integer(cs_instance_vcpu(it)));
	json_object_set_new(o, "memory_gb", json_real(cs_instance_mem_gb(it)));
	json_object_set_new(o, "cpu_percent", json_real(req->cpu * 100.0));
	json_object_set_new(o, "mem_percent", json_real((req->mem < 0 ? req->cpu : req->mem) * 100.0));
	if (cs_instance_gpu_modelled(it)) {
		json_object_set_new(o, "gpu_percent", json_real((req->gpu < 0 ? req->cpu : req->gpu) * 100.0));
		json_object_set_new(o, "gpus", json_real(cs_instance_gpu_units(it)));
		if (cs_instance_gpu(it))
			json_object_set_new(o, "gpu_model", json_string(cs_gpu_name(cs_instance_gpu(it))));
	}
	json_object_set_new(o, "duration_h", json_real(req->duration_s / 3600.0));
	json_object_set_new(o, "count", json_integer(req->count));
	json_object_set_new(o, "power_w", json_real(e->power.total_w));
	json_object_set_new(o, "power_breakdown_w",
	                    json_pack("{s:f, s:f, s:f, s:f}", "cpu", e->power.cpu_w, "memory", e->power.mem_w, "gpu",
	                              e->power.gpu_w, "other", e->power.other_w));
	json_object_set_new(o, "pue", json_real(e->pue));
	json_object_set_new(o, "energy_kwh", json_real(e->energy_kwh));
	json_object_set_new(o, "intensity_gco2e_per_kwh", json_real(e->intensity_g_per_kwh));
	if (e->region && e->prov.intensity)
		json_object_set_new(o, "grid_series", json_string(cs_grid_series_name(req->grid_series)));
	json_object_set_new(o, "operational_gco2e", json_real(e->operational_g));
	/* Unknown embodied is null, never 0; the total then holds the known part
	 * only, and says so. */
	json_object_set_new(o, "embodied_gco2e", e->prov.embodied ? json_real(e->embodied_g) : json_null());
	json_object_set_new(o, "total_gco2e", json_real(e->total_g));
	json_object_set_new(o, "total_complete", json_boolean(e->prov.embodied != NULL));
	json_object_set_new(o, "method", json_string(cli_method_name(e->prov.method)));
	json_object_set_new(o, "measured", json_false());
	est_rules r = rules_of(e);
	json_object_set_new(o, "rules",
	                    json_pack("{s:s, s:s, s:s, s:s}", "power", r.power, "memory", r.memory, "gpu", r.gpu,
	                              "embodied", r.embodied));
	json_object_set_new(o, "sources", json_sources(e, brief_sources));
	return o;
}

static const char *intensity_label(const cs_estimate *e, char *buf, size_t cap)
{
	if (!e->prov.intensity)
		snprintf(buf, cap, "given with --intensity");
	else
		snprintf(buf, cap, "%s, %d", cs_dataset_id(e->prov.intensity), e->prov.intensity_year);
	return buf;
}

/* Where an estimate is: the region, else the country's name; "-" if neither. */
static const char *location_name(const cs_estimate *e)
{
	if (e->region)
		return cs_region_name(e->region);
	return e->country ? cs_country_name(e->country) : "-";
}

static void print_source(const char *role, const cs_dataset *d, int year)
{
	printf("  %-12s %s: %s (%s, %d)\n", role, cs_dataset_id(d), cs_dataset_title(d), cs_dataset_license(d), year);
}

static void estimate_text(const cs_estimate_req *req, const cs_estimate *e)
{
	const cs_instance *it = e->instance;
	char lbl[96], num[48];

	char gpus[80] = "";

	if (cs_instance_gpu(it))
		snprintf(gpus, sizeof gpus, ", %g x %s", cs_instance_gpu_units(it), cs_gpu_name(cs_instance_gpu(it)));
	else if (cs_instance_gpus(it))
		snprintf(gpus, sizeof gpus, ", %u GPU", cs_instance_gpus(it));
	printf("%s %s (%u vCPU, %g GB%s) in %s%s%s%s\n", cs_provider_name(cs_instance_provider(it)),
	       cs_instance_name(it), cs_instance_vcpu(it), cs_instance_mem_gb(it), gpus, location_name(e),
	       e->country ? " (" : "", e->country ? cs_country_iso2(e->country) : "", e->country ? ")" : "");
	printf("  load         %.4g %% CPU", cli_pct_shown(req->cpu));
	if (cs_instance_gpu_modelled(it))
		printf(", %.4g %% GPU", cli_pct_shown(req->gpu < 0 ? req->cpu : req->gpu));
	printf(", %.6g h x %u instance%s\n", req->duration_s / 3600.0, req->count, req->count > 1 ? "s" : "");
	printf("  power        %.3f W per instance (cpu %.3f, memory %.3f, gpu %.3f, other %.3f) [modelled: %s]\n",
	       e->power.total_w, e->power.cpu_w, e->power.mem_w, e->power.gpu_w, e->power.other_w,
	       cli_method_name(e->prov.method));
	printf("  pue          %.3f%s\n", e->pue, e->prov.pue_overridden ? " (given)" : " (CCF default)");
	printf("  energy       %s\n", cli_fmt_kwh(e->energy_kwh, " ", num, sizeof num));
	printf("  intensity    %.2f gCO2e/kWh (%s", e->intensity_g_per_kwh, intensity_label(e, lbl, sizeof lbl));
	if (e->prov.intensity && cs_dataset_basis(e->prov.intensity)[0])
		printf("; %s", cs_dataset_basis(e->prov.intensity));
	if (e->region && cs_region_state(e->region)[0] && e->prov.intensity == cs_region_dataset(e->region))
		printf("; %s", cs_region_state(e->region));
	printf(")");
	if (e->region && cs_region_cfe(e->region) >= 0)
		printf(", Google CFE %.0f %%", cs_region_cfe(e->region) * 100.0);
	printf("\n");
	printf("  operational  %sCO2e\n", cli_fmt_grams(e->operational_g, " ", num, sizeof num));
	if (e->prov.embodied)
		printf("  embodied     %sCO2e (%.4f g/h per instance)\n",
		       cli_fmt_grams(e->embodied_g, " ", num, sizeof num), cs_instance_embodied_g_per_h(it));
	else
		printf("  embodied     unknown (no embodied figure for this type)\n");
	printf("  total        %sCO2e%s\n", cli_fmt_grams(e->total_g, " ", num, sizeof num),
	       e->prov.embodied ? "" : " (operational only: embodied unknown)");
	est_rules r = rules_of(e);
	printf("  rules        power %s, memory %s, gpu %s, embodied %s\n", r.power, r.memory, r.gpu, r.embodied);
	printf("sources:\n");
	print_source("instance", cs_instance_dataset(it), cs_dataset_year(cs_instance_dataset(it)));
	print_source("power", e->prov.power, cs_dataset_year(e->prov.power));
	if (e->prov.method == CS_METHOD_MINMAX && cs_instance_gpu(it))
		print_source("gpu power", cs_gpu_dataset(cs_instance_gpu(it)), cs_gpu_year(cs_instance_gpu(it)));
	if (e->prov.embodied)
		print_source("embodied", e->prov.embodied, cs_dataset_year(e->prov.embodied));
	if (e->prov.intensity)
		print_source("intensity", e->prov.intensity, e->prov.intensity_year);
}

static const char csv_header[] =
    "provider,instance,region,country,cpu_percent,duration_h,count,power_w,pue,energy_kwh,"
    "intensity_gco2e_per_kwh,operational_gco2e,embodied_gco2e,total_gco2e,method,power_source,"
    "intensity_source,intensity_year\n";

static void estimate_csv_row(const cs_estimate_req *req, const cs_estimate *e)
{
	cli_csv_field(stdout, cs_provider_name(cs_instance_provider(e->instance)));
	putchar(',');
	cli_csv_field(stdout, cs_instance_name(e->instance));
	putchar(',');
	cli_csv_field(stdout, e->region ? cs_region_name(e->region) : "");
	putchar(',');
	cli_csv_field(stdout, e->country ? cs_country_iso2(e->country) : "");
	printf(",%.10g,%.10g,%u,%.10g,%.10g,%.10g,%.10g,%.10g,", req->cpu * 100.0, req->duration_s / 3600.0, req->count,
	       e->power.total_w, e->pue, e->energy_kwh, e->intensity_g_per_kwh, e->operational_g);
	if (e->prov.embodied) /* unknown embodied: an empty field, never 0 */
		printf("%.10g", e->embodied_g);
	printf(",%.10g,%s,%s,%s,%d\n", e->total_g, cli_method_name(e->prov.method), cs_dataset_id(e->prov.power),
	       e->prov.intensity ? cs_dataset_id(e->prov.intensity) : "user", e->prov.intensity_year);
}

int cmd_estimate(int argc, char **argv)
{
	est_opts o;
	cs_estimate e;
	int rc = parse_opts("estimate", estimate_help, argc, argv, &o);

	if (rc >= 0)
		return rc;
	if (!o.instances) {
		cli_error("estimate",
		          "--instance is required, e.g. --instance m5.large; see 'carbonstat estimate --help'");
		return CLI_USAGE;
	}
	if (!o.regions && !o.countries && !(o.req.intensity_override >= 0)) {
		cli_error("estimate", "give --region or --country (or --intensity) so the grid intensity is known");
		return CLI_USAGE;
	}
	if (o.all_regions || o.top) {
		cli_error("estimate", "--all-regions and --top belong to 'carbonstat compare'");
		return CLI_USAGE;
	}
	o.req.instance = o.instances;
	o.req.region = o.regions;
	o.req.country = o.countries;
	rc = check_gpu_option("estimate", &o.req, cs_instance_find(o.req.provider, o.instances));
	if (rc)
		return rc;
	rc = cs_estimate_run(&o.req, &e);
	if (rc)
		return report_failure("estimate", &o.req, rc);
	switch (o.fmt) {
	case OUT_JSON: return cli_json_print(cli_estimate_json(&o.req, &e, false), 0);
	case OUT_CSV:
		fputs(csv_header, stdout);
		estimate_csv_row(&o.req, &e);
		return CLI_OK;
	default: estimate_text(&o.req, &e); return CLI_OK;
	}
}

/* ---- compare ------------------------------------------------------------ */

typedef struct cmp_row {
	cs_estimate e;
} cmp_row;

/* Ranking: rows whose embodied figure is unknown come after every row with
 * a complete total (an unknown is never taken as 0, so it can never win);
 * within each group, lowest total first (for the unknown group that is the
 * operational figure), then by name. */
static int cmp_total(const void *a, const void *b)
{
	const cmp_row *x = a, *y = b;
	int xu = x->e.prov.embodied == NULL, yu = y->e.prov.embodied == NULL;
	if (xu != yu)
		return xu - yu;
	if (x->e.total_g != y->e.total_g)
		return x->e.total_g < y->e.total_g ? -1 : 1;
	int c = strcmp(cs_instance_name(x->e.instance), cs_instance_name(y->e.instance));
	if (c)
		return c;
	return strcmp(x->e.region ? cs_region_name(x->e.region) : "", y->e.region ? cs_region_name(y->e.region) : "");
}

/* Split a comma list into its tokens, in place; *out is allocated (one
 * slot per comma + 1, so nothing is ever dropped). Returns the count, or
 * (size_t)-1 when out of memory. */
static size_t split_list(char *s, char ***out)
{
	size_t n = 0, cap = 1;
	for (const char *c = s; *c; c++)
		cap += *c == ',';
	*out = calloc(cap, sizeof **out);
	if (!*out)
		return (size_t)-1;
	for (char *save = NULL, *t = strtok_r(s, ",", &save); t; t = strtok_r(NULL, ",", &save))
		(*out)[n++] = t;
	return n;
}

/* A list item that names what an earlier one named (m5.large,M5.Large; DE,DEU)
 * is dropped: rows[from..to) already hold it. */
static bool cmp_dup(const cmp_row *rows, size_t from, size_t to, const cs_estimate *e)
{
	for (size_t k = from; k < to; k++)
		if (rows[k].e.instance == e->instance && rows[k].e.region == e->region &&
		    rows[k].e.country == e->country)
			return true;
	return false;
}

int cmd_compare(int argc, char **argv)
{
	est_opts o;
	char *ibuf = NULL, *lbuf = NULL;
	char **inst = NULL, **locs = NULL;
	size_t ni, nl = 0, nrows = 0, nregions = cs_region_count();
	const cs_instance **seen = NULL;
	cmp_row *rows = NULL;
	int rc = parse_opts("compare", compare_help, argc, argv, &o), by_country;

	if (rc >= 0)
		return rc;
	/* --all-regions with a location would silently drop the location */
	if ((rc = cli_conflict("compare", o.all_regions, "--all-regions", o.regions || o.countries,
	                       o.regions ? "--region" : "--country")))
		return rc;
	ibuf = strdup(o.instances ? o.instances : "m5.large");
	lbuf = strdup(o.regions ? o.regions : (o.countries ? o.countries : ""));
	if (!ibuf || !lbuf) {
		rc = CLI_FAIL;
		goto out;
	}
	ni = split_list(ibuf, &inst);
	by_country = o.countries != NULL;
	if (o.regions || o.countries)
		nl = split_list(lbuf, &locs);
	if (ni == (size_t)-1 || nl == (size_t)-1) {
		rc = CLI_FAIL;
		goto out;
	}
	if (ni == 0) {
		cli_error("compare", "--instance needs at least one type");
		rc = CLI_USAGE;
		goto out;
	}
	if (!o.regions && !o.countries)
		o.all_regions = 1;

	rows = calloc(ni * (o.all_regions ? nregions : nl), sizeof *rows);
	seen = calloc(ni, sizeof *seen);
	if (!rows || !seen) {
		rc = CLI_FAIL;
		goto out;
	}
	for (size_t i = 0; i < ni; i++) {
		const cs_instance *it = cs_instance_find(o.req.provider, inst[i]);
		if (!it) {
			cli_unknown_instance("compare", o.req.provider, inst[i]);
			rc = CLI_USAGE;
			goto out;
		}
		seen[i] = it;
		bool dup = false;
		for (size_t k = 0; k < i; k++)
			dup = dup || seen[k] == it;
		if (dup)
			continue;
		size_t nloc = o.all_regions ? nregions : nl, first = nrows;
		for (size_t j = 0; j < nloc; j++) {
			cs_estimate_req r = o.req;
			r.provider = cs_instance_provider(it);
			r.instance = cs_instance_name(it);
			if (o.all_regions) {
				const cs_region *reg = cs_region_at(j);
				if (cs_region_provider(reg) != r.provider ||
				    cs_region_series_intensity(reg, r.grid_series) < 0)
					continue;
				r.region = cs_region_name(reg);
			} else if (by_country) {
				r.country = locs[j];
			} else {
				r.region = locs[j];
			}
			rc = cs_estimate_run(&r, &rows[nrows].e);
			if (rc) {
				rc = report_failure("compare", &r, rc);
				goto out;
			}
			if (!cmp_dup(rows, first, nrows, &rows[nrows].e))
				nrows++;
		}
	}
	qsort(rows, nrows, sizeof *rows, cmp_total);
	if (o.top && o.top < nrows)
		nrows = o.top;

	if (o.fmt == OUT_JSON) {
		json_t *a = json_array();
		for (size_t k = 0; k < nrows; k++)
			json_array_append_new(a, cli_estimate_json(&o.req, &rows[k].e, false));
		rc = cli_json_print(a, 0);
	} else if (o.fmt == OUT_CSV) {
		fputs(csv_header, stdout);
		for (size_t k = 0; k < nrows; k++)
			estimate_csv_row(&o.req, &rows[k].e);
		rc = CLI_OK;
	} else {
		printf("%.4g %% CPU for %.6g h x %u, lowest total first\n", cli_pct_shown(o.req.cpu),
		       o.req.duration_s / 3600, o.req.count);
		printf("%-5s %-22s %-22s %-3s %9s %10s %9s %11s %11s %11s  %s\n", "CLOUD", "INSTANCE", "LOCATION", "CC",
		       "POWER_W", "ENERGY", "G/KWH", "OPER_CO2E", "EMBOD_CO2E", "TOTAL_CO2E", "INTENSITY SOURCE");
		size_t unknown_rows = 0;
		for (size_t k = 0; k < nrows; k++) {
			const cs_estimate *e = &rows[k].e;
			char lbl[96];
			char emb[24] = "-", kwh[24], oper[24], total[24];
			if (e->prov.embodied)
				cli_fmt_grams(e->embodied_g, "", emb, sizeof emb);
			else
				unknown_rows++;
			/* scaled figures, unit attached; an incomplete total is marked with a
			 * trailing '+' (embodied not included) */
			printf("%-5s %-22s %-22s %-3s %9.2f %10s %9.1f %11s %11s %10s%s  %s\n",
			       cs_provider_name(cs_instance_provider(e->instance)), cs_instance_name(e->instance),
			       location_name(e), e->country ? cs_country_iso2(e->country) : "", e->power.total_w,
			       cli_fmt_kwh(e->energy_kwh, "", kwh, sizeof kwh), e->intensity_g_per_kwh,
			       cli_fmt_grams(e->operational_g, "", oper, sizeof oper), emb,
			       cli_fmt_grams(e->total_g, "", total, sizeof total), e->prov.embodied ? " " : "+",
			       intensity_label(e, lbl, sizeof lbl));
		}
		if (unknown_rows)
			printf("%zu row%s with unknown embodied (EMBOD_CO2E '-', TOTAL_CO2E operational only, marked "
			       "'+'): "
			       "ranked after every complete row\n",
			       unknown_rows, unknown_rows > 1 ? "s" : "");
		rc = CLI_OK;
	}
out:
	free(rows);
	free(seen);
	free(inst);
	free(locs);
	free(ibuf);
	free(lbuf);
	return rc;
}
