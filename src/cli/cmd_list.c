/* cli/cmd_list.c - `carbonstat instances|regions|countries|datasets`: list the
 * built-in tables, each row with the dataset it comes from. */
#include <getopt.h>
#include <math.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "cli/cli.h"

typedef struct list_opts {
	cs_provider provider;
	int json;
	int csv;
	int sort_intensity;
	cs_grid_series series; /* regions: --grid-dataset */
	int allow_provider;    /* the listing takes --provider */
	int allow_sort;        /* ... --sort and --grid-dataset */
} list_opts;

static const int list_ids[] = {CLI_OPT_PROVIDER, CLI_OPT_JSON, CLI_OPT_CSV, CLI_OPT_SORT, CLI_OPT_GRID_DATASET, 0};

/* An option of the shared table this listing does not take. */
static int not_here(const char *cmd, const char *opt)
{
	cli_error(cmd, "unknown option '%s' ('carbonstat %s' has none); see 'carbonstat %s --help'", opt, cmd, cmd);
	return CLI_USAGE;
}

static int list_opt(void *ctx, const char *cmd, int id, const char *arg)
{
	list_opts *o = ctx;

	switch (id) {
	case CLI_OPT_PROVIDER:
		if (!o->allow_provider)
			return not_here(cmd, "--provider");
		if (cli_provider(cmd, arg, &o->provider))
			return CLI_USAGE;
		break;
	case CLI_OPT_JSON: o->json = 1; break;
	case CLI_OPT_CSV: o->csv = 1; break;
	case CLI_OPT_SORT:
		if (!o->allow_sort)
			return not_here(cmd, "--sort");
		if (!strcmp(arg, "intensity")) {
			o->sort_intensity = 1;
		} else if (strcmp(arg, "name")) {
			cli_error(cmd, "--sort '%s' is not a sort key: use intensity or name", arg);
			return CLI_USAGE;
		}
		break;
	case CLI_OPT_GRID_DATASET:
		if (!o->allow_sort) /* the listings that sort by intensity are the grid ones */
			return not_here(cmd, "--grid-dataset");
		return cli_grid_series(cmd, arg, &o->series);
	}
	return 0;
}

/* -1 to go on, else an exit code. `allow` lists accepted option ids. */
static int list_parse(const char *cmd, const char *help, int argc, char **argv, list_opts *o, int allow_provider,
                      int allow_sort)
{
	cli_getopt_spec sp = {.cmd = cmd, .opts = list_ids, .help = help, .on_opt = list_opt, .ctx = o};
	int rc;

	memset(o, 0, sizeof *o);
	o->allow_provider = allow_provider;
	o->allow_sort = allow_sort;
	if ((rc = cli_getopt(&sp, argc, argv)) >= 0)
		return rc;
	if (o->json && o->csv)
		return cli_conflict(cmd, true, "--json", true, "--csv");
	return -1;
}

static const char *ds_id(const cs_dataset *d)
{
	return d ? cs_dataset_id(d) : "";
}

/* One listing: a table's rows through its accessors, in the chosen format.
 * Filled in by each command (no pointer is stored in .data). */
typedef struct listing {
	size_t n;
	const void *(*at)(const list_opts *o, size_t i); /* row i, or NULL if the options leave it out */
	/* --sort intensity: a row's intensity under the options, and the order of
	 * rows with equal intensity (NULL: not sortable by intensity) */
	double (*intensity)(const list_opts *o, const void *row);
	int (*tie)(const void *a, const void *b);
	void (*header)(bool csv); /* the CSV or the text header line */
	void (*row)(const list_opts *o, json_t *a, const void *row);
} listing;

/* One row to sort: its key computed once (the key depends on the options,
 * which a qsort comparator cannot see), the tie-break carried along. */
typedef struct sort_item {
	double key;
	const void *row;
	int (*tie)(const void *a, const void *b);
} sort_item;

static int cmp_sort_item(const void *a, const void *b)
{
	const sort_item *x = a, *y = b;
	if (x->key != y->key)
		return x->key < y->key ? -1 : 1;
	return x->tie(x->row, y->row);
}

static int list_print(const list_opts *o, const listing *l)
{
	sort_item *v = calloc(l->n ? l->n : 1, sizeof *v);
	json_t *a = NULL;
	size_t k = 0;

	if (!v)
		return CLI_FAIL;
	for (size_t i = 0; i < l->n; i++) {
		const void *r = l->at(o, i);
		if (r)
			v[k++] = (sort_item){l->intensity ? l->intensity(o, r) : 0, r, l->tie};
	}
	if (o->sort_intensity && l->intensity)
		qsort(v, k, sizeof *v, cmp_sort_item);
	if (o->json)
		a = json_array();
	else
		l->header(o->csv);
	for (size_t i = 0; i < k; i++)
		l->row(o, a, v[i].row);
	free(v);
	return a ? cli_json_print(a, 0) : CLI_OK;
}

/* A listing command: options, then the rows. */
static int list_command(const char *cmd, const char *help, int argc, char **argv, int allow_provider, int allow_sort,
                        const listing *l)
{
	list_opts o;
	int rc = list_parse(cmd, help, argc, argv, &o, allow_provider, allow_sort);

	return rc >= 0 ? rc : list_print(&o, l);
}

/* ---- instances ---------------------------------------------------------- */

static const char instances_help[] = "Usage: carbonstat instances [--provider aws|gcp|azure] [--json|--csv]\n"
                                     "\n"
                                     "List the built-in cloud instance types with their power model.\n";

static const void *instance_at(const list_opts *o, size_t i)
{
	const cs_instance *it = cs_instance_at(i);

	return !o->provider || cs_instance_provider(it) == o->provider ? it : NULL;
}

static void instances_header(bool csv)
{
	if (csv) {
		puts("provider,instance,vcpu,memory_gb,gpus,method,idle_w,full_w,embodied_g_per_h,arch,power_source");
		return;
	}
	printf("%-5s %-28s %5s %9s %4s %-6s %8s %8s %8s  %s\n", "CLOUD", "INSTANCE", "VCPU", "MEM_GB", "GPU", "METHOD",
	       "IDLE_W", "FULL_W", "EMB_G/H", "SOURCE");
}

/* Types without a power model are not listed. */
static void instance_row(const list_opts *o, json_t *a, const void *row)
{
	const cs_instance *it = row;
	const char *prov = cs_provider_name(cs_instance_provider(it)), *name = cs_instance_name(it);
	const char *method = cli_method_name(cs_instance_method(it)), *arch = cs_instance_arch(it);
	const char *src = ds_id(cs_instance_power_dataset(it));
	unsigned vcpu = cs_instance_vcpu(it), gpus = cs_instance_gpus(it);
	double mem_gb = cs_instance_mem_gb(it), emb = cs_instance_embodied_g_per_h(it);
	cs_power idle, full;

	if (cs_instance_power(it, &(cs_util){0, -1, -1}, &idle) || cs_instance_power(it, &(cs_util){1, -1, -1}, &full))
		return;
	if (a) {
		json_t *r =
		    json_pack("{s:s, s:s, s:i, s:f, s:i, s:s, s:f, s:f, s:s, s:s}", "provider", prov, "instance", name,
		              "vcpu", (int)vcpu, "memory_gb", mem_gb, "gpus", (int)gpus, "method", method, "idle_w",
		              idle.total_w, "full_w", full.total_w, "arch", arch, "power_source", src);
		json_object_set_new(r, "embodied_g_per_h", emb >= 0 ? json_real(emb) : json_null());
		json_array_append_new(a, r);
	} else if (o->csv) {
		printf("%s,", prov);
		cli_csv_field(stdout, name);
		printf(",%u,%.10g,%u,%s,%.10g,%.10g,", vcpu, mem_gb, gpus, method, idle.total_w, full.total_w);
		if (emb >= 0)
			printf("%.10g", emb);
		putchar(',');
		cli_csv_field(stdout, arch);
		printf(",%s\n", src);
	} else {
		char embs[32] = "-";
		if (emb >= 0)
			snprintf(embs, sizeof embs, "%.3f", emb);
		printf("%-5s %-28s %5u %9.2f %4u %-6s %8.2f %8.2f %8s  %s\n", prov, name, vcpu, mem_gb, gpus, method,
		       idle.total_w, full.total_w, embs, src);
	}
}

int cmd_instances(int argc, char **argv)
{
	listing l = {cs_instance_count(), instance_at, NULL, NULL, instances_header, instance_row};

	return list_command("instances", instances_help, argc, argv, 1, 0, &l);
}

/* ---- regions ------------------------------------------------------------ */

static const char regions_help[] =
    "Usage: carbonstat regions [--provider aws|gcp|azure] [--sort intensity|name] [--json|--csv]\n"
    "                          [--grid-dataset ember|ccf|google]\n"
    "\n"
    "List cloud regions with country, grid intensity (gCO2e/kWh), the year the\n"
    "figure describes, source, basis and, for Google Cloud, the carbon-free\n"
    "energy share (CFE %). Default series: Ember lifecycle, location-based\n"
    "figures of the region's US state or country; ccf: CCF's grid factors\n"
    "(~2018-2019); google: Google's per-region figures (GCP only).\n";

static const void *region_at(const list_opts *o, size_t i)
{
	const cs_region *r = cs_region_at(i);

	return !o->provider || cs_region_provider(r) == o->provider ? r : NULL;
}

static double region_intensity(const list_opts *o, const void *row)
{
	double g = cs_region_series_intensity(row, o->series);
	return g >= 0 ? g : HUGE_VAL; /* unknown in this series: listed last */
}

static int region_tie(const void *a, const void *b)
{
	const cs_region *x = a, *y = b;
	if (cs_region_provider(x) != cs_region_provider(y))
		return cs_region_provider(x) < cs_region_provider(y) ? -1 : 1;
	return strcmp(cs_region_name(x), cs_region_name(y));
}

static void regions_header(bool csv)
{
	if (csv) {
		puts("provider,region,location,country,intensity_gco2e_per_kwh,year,cfe_percent,source,basis,state");
		return;
	}
	printf("%-5s %-24s %-26s %-2s %9s %4s %5s  %-22s %s\n", "CLOUD", "REGION", "LOCATION", "CC", "G/KWH", "YEAR",
	       "CFE%", "SOURCE", "BASIS");
}

/* A region in the chosen grid series (--grid-dataset); a series without a
 * figure for it shows the intensity as unknown. */
static void region_row(const list_opts *o, json_t *a, const void *row)
{
	const cs_region *r = row;
	const cs_dataset *ds = cs_region_series_dataset(r, o->series);
	const char *prov = cs_provider_name(cs_region_provider(r)), *name = cs_region_name(r);
	const char *loc = cs_region_location(r), *cc = cs_region_country(r), *src = ds_id(ds);
	const char *basis = ds ? cs_dataset_basis(ds) : "", *state = cs_region_state(r);
	double g = cs_region_series_intensity(r, o->series), cfe = cs_region_cfe(r);
	int year = cs_region_series_year(r, o->series);

	if (a) {
		json_t *j = json_pack("{s:s, s:s, s:s, s:s, s:i, s:s, s:s, s:s}", "provider", prov, "region", name,
		                      "location", loc, "country", cc, "year", year, "source", src, "basis", basis,
		                      "grid_series", cs_grid_series_name(o->series));
		if (state[0])
			json_object_set_new(j, "state", json_string(state));
		json_object_set_new(j, "intensity_gco2e_per_kwh", g >= 0 ? json_real(g) : json_null());
		json_object_set_new(j, "cfe_percent", cfe >= 0 ? json_real(cfe * 100.0) : json_null());
		json_array_append_new(a, j);
	} else if (o->csv) {
		printf("%s,%s,", prov, name);
		cli_csv_field(stdout, loc);
		printf(",%s,", cc);
		if (g >= 0)
			printf("%.10g", g);
		printf(",%d,", year);
		if (cfe >= 0)
			printf("%.10g", cfe * 100.0);
		printf(",%s,", src);
		cli_csv_field(stdout, basis);
		putchar(',');
		cli_csv_field(stdout, state);
		putchar('\n');
	} else {
		char cfes[16] = "-", gs[24] = "-";
		if (cfe >= 0)
			snprintf(cfes, sizeof cfes, "%.0f", cfe * 100.0);
		if (g >= 0)
			snprintf(gs, sizeof gs, "%.2f", g);
		printf("%-5s %-24s %-26.26s %-2s %9s %4d %5s  %-22s %s\n", prov, name, loc, cc, gs, year, cfes, src,
		       basis);
	}
}

int cmd_regions(int argc, char **argv)
{
	listing l = {cs_region_count(), region_at, region_intensity, region_tie, regions_header, region_row};

	return list_command("regions", regions_help, argc, argv, 1, 1, &l);
}

/* ---- countries ---------------------------------------------------------- */

static const char countries_help[] = "Usage: carbonstat countries [--sort intensity|name] [--json|--csv]\n"
                                     "\n"
                                     "List countries with their grid intensity (Ember, latest year per country).\n";

static const void *country_at(const list_opts *o, size_t i)
{
	(void)o;
	return cs_country_at(i);
}

static double country_intensity(const list_opts *o, const void *row)
{
	(void)o;
	return cs_country_intensity_g_per_kwh(row);
}

static int country_tie(const void *a, const void *b)
{
	return strcmp(cs_country_iso2(a), cs_country_iso2(b));
}

static void countries_header(bool csv)
{
	if (csv) {
		puts("iso2,iso3,name,intensity_gco2e_per_kwh,year,source");
		return;
	}
	printf("%-2s %-3s %-34s %9s %4s  %s\n", "CC", "ISO", "COUNTRY", "G/KWH", "YEAR", "SOURCE");
}

static void country_row(const list_opts *o, json_t *a, const void *row)
{
	const cs_country *c = row;
	const char *iso2 = cs_country_iso2(c), *iso3 = cs_country_iso3(c), *name = cs_country_name(c);
	const char *src = ds_id(cs_country_dataset(c));
	double g = cs_country_intensity_g_per_kwh(c);
	int year = cs_country_year(c);

	if (a) {
		json_array_append_new(a, json_pack("{s:s, s:s, s:s, s:f, s:i, s:s}", "iso2", iso2, "iso3", iso3, "name",
		                                   name, "intensity_gco2e_per_kwh", g, "year", year, "source", src));
	} else if (o->csv) {
		printf("%s,%s,", iso2, iso3);
		cli_csv_field(stdout, name);
		printf(",%.10g,%d,%s\n", g, year, src);
	} else {
		printf("%-2s %-3s %-34.34s %9.2f %4d  %s\n", iso2, iso3, name, g, year, src);
	}
}

int cmd_countries(int argc, char **argv)
{
	listing l = {cs_country_count(), country_at, country_intensity, country_tie, countries_header, country_row};

	return list_command("countries", countries_help, argc, argv, 0, 1, &l);
}

/* ---- datasets ----------------------------------------------------------- */

static const char datasets_help[] = "Usage: carbonstat datasets [--json|--csv]\n"
                                    "\n"
                                    "List every built-in table: what it holds, its upstream source, license,\n"
                                    "data year and how many rows carbonstat kept. See docs/datasets.md.\n";

static const void *dataset_at(const list_opts *o, size_t i)
{
	(void)o;
	return cs_dataset_at(i);
}

static void datasets_header(bool csv)
{
	if (csv)
		puts("id,title,license,year,rows,source,basis");
}

static void dataset_row(const list_opts *o, json_t *a, const void *row)
{
	const cs_dataset *d = row;

	if (a) {
		json_t *j = cli_json_dataset(d);
		json_object_set_new(j, "rows", json_integer(cs_dataset_rows(d)));
		json_array_append_new(a, j);
	} else if (o->csv) {
		cli_csv_field(stdout, cs_dataset_id(d));
		putchar(',');
		cli_csv_field(stdout, cs_dataset_title(d));
		putchar(',');
		cli_csv_field(stdout, cs_dataset_license(d));
		printf(",%d,%u,", cs_dataset_year(d), cs_dataset_rows(d));
		cli_csv_field(stdout, cs_dataset_source(d));
		putchar(',');
		cli_csv_field(stdout, cs_dataset_basis(d));
		putchar('\n');
	} else {
		printf("%s\n  %s\n  license %s, data year %d, %u rows\n", cs_dataset_id(d), cs_dataset_title(d),
		       cs_dataset_license(d), cs_dataset_year(d), cs_dataset_rows(d));
		if (cs_dataset_basis(d)[0])
			printf("  basis: %s\n", cs_dataset_basis(d));
		printf("  source: %s\n\n", cs_dataset_source(d));
	}
}

int cmd_datasets(int argc, char **argv)
{
	listing l = {cs_dataset_count(), dataset_at, NULL, NULL, datasets_header, dataset_row};

	return list_command("datasets", datasets_help, argc, argv, 0, 0, &l);
}
