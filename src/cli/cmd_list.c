/* cli/cmd_list.c - `carbonstat instances|regions|countries|datasets`: list the
 * built-in tables, each row with the dataset it comes from. */
#include <getopt.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct list_opts {
	cs_provider provider;
	int json;
	int csv;
	int sort_intensity;
} list_opts;

enum { OPT_PROVIDER = 256, OPT_JSON, OPT_CSV, OPT_SORT };

static const struct option list_longopts[] = {
	{"provider", required_argument, NULL, OPT_PROVIDER},
	{"json", no_argument, NULL, OPT_JSON},
	{"csv", no_argument, NULL, OPT_CSV},
	{"sort", required_argument, NULL, OPT_SORT},
	{"help", no_argument, NULL, 'h'},
	{NULL, 0, NULL, 0},
};

/* -1 to go on, else an exit code. `allow` lists accepted option ids. */
static int list_parse(const char *cmd, const char *help, int argc, char **argv, list_opts *o, int allow_provider,
		      int allow_sort)
{
	int c;

	memset(o, 0, sizeof *o);
	optind = 1;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":h", list_longopts, NULL)) != -1) {
		switch (c) {
		case OPT_PROVIDER:
			if (!allow_provider)
				goto unknown;
			if (cli_provider(cmd, optarg, &o->provider))
				return CLI_USAGE;
			break;
		case OPT_JSON: o->json = 1; break;
		case OPT_CSV: o->csv = 1; break;
		case OPT_SORT:
			if (!allow_sort)
				goto unknown;
			if (!strcmp(optarg, "intensity")) {
				o->sort_intensity = 1;
			} else if (strcmp(optarg, "name")) {
				cli_error(cmd, "--sort '%s' is not a sort key: use intensity or name", optarg);
				return CLI_USAGE;
			}
			break;
		case 'h': cli_help(stdout, help); return CLI_OK;
		case ':':
			cli_error(cmd, "option %s needs a value; see 'carbonstat %s --help'", argv[optind - 1], cmd);
			return CLI_USAGE;
		default:
		unknown:
			cli_error(cmd, "unknown option '%s'; see 'carbonstat %s --help'", argv[optind - 1], cmd);
			return CLI_USAGE;
		}
	}
	if (optind < argc) {
		cli_error(cmd, "unexpected argument '%s'; see 'carbonstat %s --help'", argv[optind], cmd);
		return CLI_USAGE;
	}
	if (o->json && o->csv) {
		cli_error(cmd, "give --json or --csv, not both");
		return CLI_USAGE;
	}
	return -1;
}

static const char *ds_id(unsigned i)
{
	const cs_dataset *d = cs_dataset_at(i);
	return d ? d->id : "";
}

/* ---- instances ---------------------------------------------------------- */

static const char instances_help[] =
	"Usage: carbonstat instances [--provider aws|gcp|azure] [--json|--csv]\n"
	"\n"
	"List the built-in cloud instance types with their power model.\n";

int cmd_instances(int argc, char **argv)
{
	list_opts o;
	size_t n;
	const cs_instance *t = cs_instances(&n);
	int rc = list_parse("instances", instances_help, argc, argv, &o, 1, 0);
	json_t *a = NULL;

	if (rc >= 0)
		return rc;
	if (o.json)
		a = json_array();
	else if (o.csv)
		puts("provider,instance,vcpu,memory_gb,gpus,method,idle_w,full_w,embodied_g_per_h,arch,power_source");
	else
		printf("%-5s %-28s %5s %9s %4s %-6s %8s %8s %8s  %s\n", "CLOUD", "INSTANCE", "VCPU", "MEM_GB", "GPU",
		       "METHOD", "IDLE_W", "FULL_W", "EMB_G/H", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		const cs_instance *it = &t[i];
		cs_power idle, full;
		if (o.provider && it->provider != o.provider)
			continue;
		if (cs_instance_power(it, &(cs_util){0, -1, -1}, &idle) ||
		    cs_instance_power(it, &(cs_util){1, -1, -1}, &full))
			continue;
		if (a) {
			json_t *r = json_pack("{s:s, s:s, s:i, s:f, s:i, s:s, s:f, s:f, s:s, s:s}", "provider",
					      cs_provider_name(it->provider), "instance", it->name, "vcpu", (int)it->vcpu,
					      "memory_gb", it->mem_gb, "gpus", (int)it->gpus, "method",
					      cli_method_name(it->method), "idle_w", idle.total_w, "full_w", full.total_w,
					      "arch", it->arch, "power_source", ds_id(it->power_dataset));
			json_object_set_new(r, "embodied_g_per_h",
					    it->embodied_g_per_h >= 0 ? json_real(it->embodied_g_per_h) : json_null());
			json_array_append_new(a, r);
		} else if (o.csv) {
			printf("%s,", cs_provider_name(it->provider));
			cli_csv_field(stdout, it->name);
			printf(",%u,%.10g,%u,%s,%.10g,%.10g,", it->vcpu, it->mem_gb, it->gpus, cli_method_name(it->method),
			       idle.total_w, full.total_w);
			if (it->embodied_g_per_h >= 0)
				printf("%.10g", it->embodied_g_per_h);
			putchar(',');
			cli_csv_field(stdout, it->arch);
			printf(",%s\n", ds_id(it->power_dataset));
		} else {
			char emb[32] = "-";
			if (it->embodied_g_per_h >= 0)
				snprintf(emb, sizeof emb, "%.3f", it->embodied_g_per_h);
			printf("%-5s %-28s %5u %9.2f %4u %-6s %8.2f %8.2f %8s  %s\n", cs_provider_name(it->provider),
			       it->name, it->vcpu, it->mem_gb, it->gpus, cli_method_name(it->method), idle.total_w,
			       full.total_w, emb, ds_id(it->power_dataset));
		}
	}
	return a ? cli_json_print(a, 0) : CLI_OK;
}

/* ---- regions ------------------------------------------------------------ */

static const char regions_help[] =
	"Usage: carbonstat regions [--provider aws|gcp|azure] [--sort intensity|name] [--json|--csv]\n"
	"\n"
	"List cloud regions with country, grid intensity (gCO2e/kWh), data year,\n"
	"source and, for Google Cloud, the carbon-free energy share (CFE %).\n";

static int cmp_region_intensity(const void *a, const void *b)
{
	const cs_region *x = *(const cs_region *const *)a, *y = *(const cs_region *const *)b;
	if (x->intensity_g_per_kwh != y->intensity_g_per_kwh)
		return x->intensity_g_per_kwh < y->intensity_g_per_kwh ? -1 : 1;
	if (x->provider != y->provider)
		return x->provider < y->provider ? -1 : 1;
	return strcmp(x->name, y->name);
}

int cmd_regions(int argc, char **argv)
{
	list_opts o;
	size_t n, k = 0;
	const cs_region *t = cs_regions(&n);
	const cs_region **v;
	json_t *a = NULL;
	int rc = list_parse("regions", regions_help, argc, argv, &o, 1, 1);

	if (rc >= 0)
		return rc;
	v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return CLI_FAIL;
	for (size_t i = 0; i < n; i++) {
		if (!o.provider || t[i].provider == o.provider)
			v[k++] = &t[i];
	}
	if (o.sort_intensity)
		qsort(v, k, sizeof *v, cmp_region_intensity);

	if (o.json)
		a = json_array();
	else if (o.csv)
		puts("provider,region,location,country,intensity_gco2e_per_kwh,year,cfe_percent,source");
	else
		printf("%-5s %-24s %-26s %-2s %9s %4s %5s  %s\n", "CLOUD", "REGION", "LOCATION", "CC", "G/KWH", "YEAR",
		       "CFE%", "SOURCE");
	for (size_t i = 0; i < k; i++) {
		const cs_region *r = v[i];
		if (a) {
			json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s}", "provider", cs_provider_name(r->provider),
					      "region", r->name, "location", r->location, "country",
					      r->country, "year", r->year, "source", ds_id(r->dataset));
			json_object_set_new(j, "intensity_gco2e_per_kwh",
					    r->intensity_g_per_kwh >= 0 ? json_real(r->intensity_g_per_kwh) : json_null());
			json_object_set_new(j, "cfe_percent", r->cfe >= 0 ? json_real(r->cfe * 100.0) : json_null());
			json_array_append_new(a, j);
		} else if (o.csv) {
			printf("%s,%s,", cs_provider_name(r->provider), r->name);
			cli_csv_field(stdout, r->location);
			printf(",%s,%.10g,%d,", r->country, r->intensity_g_per_kwh, r->year);
			if (r->cfe >= 0)
				printf("%.10g", r->cfe * 100.0);
			printf(",%s\n", ds_id(r->dataset));
		} else {
			char cfe[16] = "-";
			if (r->cfe >= 0)
				snprintf(cfe, sizeof cfe, "%.0f", r->cfe * 100.0);
			printf("%-5s %-24s %-26.26s %-2s %9.2f %4d %5s  %s\n", cs_provider_name(r->provider), r->name,
			       r->location, r->country, r->intensity_g_per_kwh, r->year, cfe,
			       ds_id(r->dataset));
		}
	}
	free(v);
	return a ? cli_json_print(a, 0) : CLI_OK;
}

/* ---- countries ---------------------------------------------------------- */

static const char countries_help[] =
	"Usage: carbonstat countries [--sort intensity|name] [--json|--csv]\n"
	"\n"
	"List countries with their grid intensity (Ember, latest year per country).\n";

static int cmp_country_intensity(const void *a, const void *b)
{
	const cs_country *x = *(const cs_country *const *)a, *y = *(const cs_country *const *)b;
	if (x->intensity_g_per_kwh != y->intensity_g_per_kwh)
		return x->intensity_g_per_kwh < y->intensity_g_per_kwh ? -1 : 1;
	return strcmp(x->iso2, y->iso2);
}

int cmd_countries(int argc, char **argv)
{
	list_opts o;
	size_t n;
	const cs_country *t = cs_countries(&n);
	const cs_country **v;
	json_t *a = NULL;
	int rc = list_parse("countries", countries_help, argc, argv, &o, 0, 1);

	if (rc >= 0)
		return rc;
	v = calloc(n ? n : 1, sizeof *v);
	if (!v)
		return CLI_FAIL;
	for (size_t i = 0; i < n; i++)
		v[i] = &t[i];
	if (o.sort_intensity)
		qsort(v, n, sizeof *v, cmp_country_intensity);
	if (o.json)
		a = json_array();
	else if (o.csv)
		puts("iso2,iso3,name,intensity_gco2e_per_kwh,year,source");
	else
		printf("%-2s %-3s %-34s %9s %4s  %s\n", "CC", "ISO", "COUNTRY", "G/KWH", "YEAR", "SOURCE");
	for (size_t i = 0; i < n; i++) {
		const cs_country *c = v[i];
		if (a) {
			json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:f, s:i, s:s}", "iso2", c->iso2, "iso3",
							   c->iso3, "name", c->name, "intensity_gco2e_per_kwh",
							   c->intensity_g_per_kwh, "year", c->year, "source",
							   ds_id(c->dataset)));
		} else if (o.csv) {
			printf("%s,%s,", c->iso2, c->iso3);
			cli_csv_field(stdout, c->name);
			printf(",%.10g,%d,%s\n", c->intensity_g_per_kwh, c->year, ds_id(c->dataset));
		} else {
			printf("%-2s %-3s %-34.34s %9.2f %4d  %s\n", c->iso2, c->iso3, c->name, c->intensity_g_per_kwh,
			       c->year, ds_id(c->dataset));
		}
	}
	free(v);
	return a ? cli_json_print(a, 0) : CLI_OK;
}

/* ---- datasets ----------------------------------------------------------- */

static const char datasets_help[] =
	"Usage: carbonstat datasets [--json|--csv]\n"
	"\n"
	"List every built-in table: what it holds, its upstream source, license,\n"
	"data year and how many rows carbonstat kept. See docs/datasets.md.\n";

int cmd_datasets(int argc, char **argv)
{
	list_opts o;
	size_t n;
	const cs_dataset *t = cs_datasets(&n);
	json_t *a = NULL;
	int rc = list_parse("datasets", datasets_help, argc, argv, &o, 0, 0);

	if (rc >= 0)
		return rc;
	if (o.json)
		a = json_array();
	else if (o.csv)
		puts("id,title,license,year,rows,source");
	for (size_t i = 0; i < n; i++) {
		const cs_dataset *d = &t[i];
		if (a) {
			json_t *j = cli_json_dataset(d);
			json_object_set_new(j, "rows", json_integer(d->rows));
			json_array_append_new(a, j);
		} else if (o.csv) {
			cli_csv_field(stdout, d->id);
			putchar(',');
			cli_csv_field(stdout, d->title);
			putchar(',');
			cli_csv_field(stdout, d->license);
			printf(",%d,%u,", d->year, d->rows);
			cli_csv_field(stdout, d->source);
			putchar('\n');
		} else {
			printf("%s\n  %s\n  license %s, data year %d, %u rows\n  source: %s\n\n", d->id, d->title,
			       d->license, d->year, d->rows, d->source);
		}
	}
	return a ? cli_json_print(a, 0) : CLI_OK;
}
