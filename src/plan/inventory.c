/* plan/inventory.c - the inventory, its CSV source and the checks every
 * group passes (see inventory.h). A bad row stops the load with one line
 * naming file:line:column and the fix: a plan on a half-read fleet would
 * look complete and be wrong. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/parse.h"
#include "core/str.h"
#include "core/why.h"
#include "plan/buf.h"
#include "plan/csvin.h"
#include "plan/inventory.h"

#define COUNT_MAX 10000000u
#define HOURS_MAX 744.0 /* a 31-day month */
#define PRICE_MAX 1e6   /* per instance-hour; anything above is a typo */

enum { C_PROVIDER, C_INSTANCE, C_REGION, C_COUNT, C_CPU, C_HOURS, C_PRICE, C_CURRENCY, C_N };

static const plan_col inventory_cols[C_N] = {
    [C_PROVIDER] = {"provider", true},     [C_INSTANCE] = {"instance", true},  [C_REGION] = {"region", true},
    [C_COUNT] = {"count", true},           [C_CPU] = {"cpu_percent", true},    [C_HOURS] = {"hours_per_month", true},
    [C_PRICE] = {"price_per_hour", false}, [C_CURRENCY] = {"currency", false},
};

static const char inventory_header[] =
    "provider,instance,region,count,cpu_percent,hours_per_month[,price_per_hour,currency]";

int plan_inventory_add(plan_inventory *inv, const plan_group *g)
{
	if (plan_grow((void **)&inv->g, &inv->cap, inv->n, sizeof *inv->g))
		return CS_ENOMEM;
	inv->g[inv->n++] = *g;
	if (g->price_per_hour >= 0)
		inv->priced++;
	return 0;
}

void plan_inventory_free(plan_inventory *inv)
{
	if (!inv)
		return;
	free(inv->g);
	inv->g = NULL;
	inv->n = inv->cap = inv->priced = 0;
}

void plan_group_where(const plan_inventory *inv, const plan_group *g, char *buf, size_t cap)
{
	if (strcmp(inv->source, "ledger"))
		snprintf(buf, cap, "%s:%u", inv->name, g->line);
	else /* groups, not lines */
		snprintf(buf, cap, "%s #%u", inv->name, g->line);
}

int plan_parse_price(const char *s, double *out)
{
	double v;
	int rc = cs_parse_double(s, &v);

	if (rc)
		return rc;
	if (!(v >= 0 && v < PRICE_MAX))
		return CS_ERANGE;
	*out = v + 0.0; /* "-0" is 0 */
	return 0;
}

int plan_parse_currency(const char *s, char out[4])
{
	if (strlen(s) != 3)
		return CS_EINVAL;
	for (int i = 0; i < 3; i++)
		if (s[i] < 'A' || s[i] > 'Z')
			return CS_EINVAL;
	memcpy(out, s, 4);
	return 0;
}

static void suggestions(char *msg, size_t cap, const char **s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		plan_appendf(msg, cap, "%s%s", i ? ", " : " (did you mean ", s[i]);
	if (n)
		plan_appendf(msg, cap, "?)");
}

void plan_unknown_instance(cs_provider p, const char *name, char *msg, size_t cap)
{
	const char *s[4];
	size_t n = cs_instance_suggest(p, name, s, 3);

	snprintf(msg, cap, "unknown %s instance type '%s'", p == CS_PROVIDER_UNKNOWN ? "cloud" : cs_provider_name(p),
	         name);
	suggestions(msg, cap, s, n);
	plan_appendf(msg, cap, "; list them with 'carbonstat instances%s%s'", p ? " --provider " : "",
	             p ? cs_provider_name(p) : "");
}

void plan_unknown_region(cs_provider p, const char *name, char *msg, size_t cap)
{
	const char *s[4];
	size_t n = cs_region_suggest(p, name, s, 3);

	snprintf(msg, cap, "unknown %s region '%s'", cs_provider_name(p), name);
	suggestions(msg, cap, s, n);
	plan_appendf(msg, cap, "; list them with 'carbonstat regions --provider %s'", cs_provider_name(p));
}

/* One row into g; a positioned error otherwise. */
static int read_group(const plan_csv *c, plan_inventory *inv, plan_group *g, char *why, size_t cap)
{
	const char *prov = plan_csv_field(c, C_PROVIDER), *inst = plan_csv_field(c, C_INSTANCE);
	const char *reg = plan_csv_field(c, C_REGION), *cnt = plan_csv_field(c, C_COUNT);
	const char *cpu = plan_csv_field(c, C_CPU), *hours = plan_csv_field(c, C_HOURS);
	const char *price = plan_csv_field(c, C_PRICE), *cur = plan_csv_field(c, C_CURRENCY);
	cs_provider p = CS_PROVIDER_UNKNOWN;
	char msg[384];

	memset(g, 0, sizeof *g);
	g->price_per_hour = -1;
	g->line = (uint32_t)plan_csv_line(c);
	if (*prov) {
		p = cs_provider_parse(prov);
		if (p == CS_PROVIDER_UNKNOWN)
			return plan_csv_error(
			    c, C_PROVIDER, why, cap,
			    "provider '%s' is not aws, gcp or azure (leave it empty to find it from the "
			    "instance type)",
			    prov);
	}
	if (!*inst)
		return plan_csv_error(c, C_INSTANCE, why, cap, "no instance type; give one, e.g. m5.large");
	g->inst = cs_instance_find(p, inst);
	if (!g->inst) {
		plan_unknown_instance(p, inst, msg, sizeof msg);
		return plan_csv_error(c, C_INSTANCE, why, cap, "%s", msg);
	}
	p = cs_instance_provider(g->inst);
	if (!*reg)
		return plan_csv_error(c, C_REGION, why, cap, "no region; give the %s region the group runs in",
		                      cs_provider_name(p));
	g->region = cs_region_find(p, reg);
	if (!g->region) {
		plan_unknown_region(p, reg, msg, sizeof msg);
		return plan_csv_error(c, C_REGION, why, cap, "%s", msg);
	}
	if (!(cs_region_intensity_g_per_kwh(g->region) >= 0))
		return plan_csv_error(c, C_REGION, why, cap, "no grid intensity is known for region '%s'", reg);
	if (cs_parse_uint_range(cnt, 1, COUNT_MAX, &g->count))
		return plan_csv_error(c, C_COUNT, why, cap, "count '%s' is not a whole number from 1 to %u", cnt,
		                      COUNT_MAX);
	if (cs_parse_percent(cpu, &g->cpu))
		return plan_csv_error(c, C_CPU, why, cap,
		                      "cpu_percent '%s' is not a percentage: give a number from 0 to 100, e.g. 35",
		                      cpu);
	g->cpu_percent = g->cpu * 100.0;
	if (cs_parse_double(hours, &g->hours) || !(g->hours > 0 && g->hours <= HOURS_MAX))
		return plan_csv_error(c, C_HOURS, why, cap,
		                      "hours_per_month '%s' is not a number above 0 and at most 744 (a 31-day month), "
		                      "e.g. 730",
		                      hours);
	if (*price) {
		if (plan_parse_price(price, &g->price_per_hour))
			return plan_csv_error(c, C_PRICE, why, cap,
			                      "price_per_hour '%s' is not a price: a plain number >= 0, e.g. 0.096, or "
			                      "empty when unknown",
			                      price);
		if (!*cur)
			return plan_csv_error(c, C_CURRENCY, why, cap, "a price needs its currency, e.g. USD");
	}
	if (*cur && plan_parse_currency(cur, g->currency))
		return plan_csv_error(c, C_CURRENCY, why, cap, "currency '%s' is not an ISO 4217 code such as USD",
		                      cur);
	if (*price) {
		if (!inv->currency[0])
			memcpy(inv->currency, g->currency, sizeof inv->currency);
		else if (strcmp(inv->currency, g->currency))
			return plan_csv_error(
			    c, C_CURRENCY, why, cap,
			    "currency %s differs from %s above: a plan compares costs in one currency; "
			    "convert the prices first",
			    g->currency, inv->currency);
	} else {
		g->currency[0] = '\0';
	}
	return 0;
}

static int load_csv(const char *path, const char *buf, size_t len, plan_inventory *inv, char *why, size_t cap)
{
	plan_csv c;
	plan_group g;
	int rc;

	rc = plan_csv_open(&c, path, buf, len, inventory_cols, C_N, inventory_header, true, why, cap);
	if (rc)
		goto out;
	if (plan_csv_has(&c, C_PRICE) != plan_csv_has(&c, C_CURRENCY)) {
		cs_set_why(why, cap, "%s:1: price_per_hour and currency come together; the header is %s", path,
		           inventory_header);
		rc = CS_EINVAL;
		goto out;
	}
	cs_strcpy_fit(inv->name, sizeof inv->name, path);
	cs_strcpy_fit(inv->source, sizeof inv->source, plan_source_csv.name);
	while ((rc = plan_csv_next(&c, why, cap)) == 1) {
		rc = read_group(&c, inv, &g, why, cap);
		if (!rc)
			rc = plan_inventory_add(inv, &g);
		if (rc)
			goto out;
	}
	if (rc == 0 && inv->n == 0) {
		cs_set_why(why, cap, "%s: no groups after the header; add one line per group: %s", path,
		           inventory_header);
		rc = CS_EINVAL;
	}
out:
	if (rc == CS_ENOMEM)
		cs_set_why(why, cap, "%s: out of memory", path);
	plan_csv_close(&c);
	return rc;
}

static int csv_load(const char *spec, plan_inventory *inv, char *why, size_t cap)
{
	return load_csv(spec, NULL, 0, inv, why, cap);
}

const plan_source_ops plan_source_csv = {"csv", csv_load};

int plan_inventory_parse_csv(const char *buf, size_t len, const char *name, plan_inventory *inv, char *why, size_t cap)
{
	memset(inv, 0, sizeof *inv);
	int rc = load_csv(name, buf, len, inv, why, cap);
	if (rc)
		plan_inventory_free(inv);
	return rc;
}

int plan_inventory_load(const plan_source_ops *src, const char *spec, plan_inventory *inv, char *why, size_t cap)
{
	memset(inv, 0, sizeof *inv);
	int rc = src->load(spec, inv, why, cap);
	if (rc)
		plan_inventory_free(inv);
	return rc;
}
