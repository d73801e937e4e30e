/* plan/prices.c - the price book (see prices.h). */
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "billing/ingest.h"
#include "billing/money.h"
#include "core/hash.h"
#include "core/index.h"
#include "core/str.h"
#include "core/why.h"
#include "plan/buf.h"
#include "plan/csvin.h"
#include "plan/prices.h"

void plan_prices_init(plan_prices *b)
{
	memset(b, 0, sizeof *b);
}

void plan_prices_free(plan_prices *b)
{
	if (!b)
		return;
	free(b->v);
	cs_index_free(&b->index);
	plan_prices_init(b);
}

static uint64_t key_hash(const cs_instance *inst, const cs_region *region)
{
	const void *k[2] = {inst, region};

	return cs_fnv1a(CS_FNV_OFFSET, k, sizeof k);
}

typedef struct price_key {
	const cs_instance *inst;
	const cs_region *region;
} price_key;

static bool price_is(const void *ctx, uint32_t item, const void *key)
{
	const plan_price *p = &((const plan_prices *)ctx)->v[item];
	const price_key *k = key;

	return p->inst == k->inst && p->region == k->region;
}

static const plan_price *find_exact(const plan_prices *b, const cs_instance *inst, const cs_region *region)
{
	price_key k = {inst, region};
	uint32_t i = cs_index_find(&b->index, key_hash(inst, region), price_is, b, &k);

	return i == CS_INDEX_NONE ? NULL : &b->v[i];
}

int plan_prices_add(plan_prices *b, const cs_instance *inst, const cs_region *region, double per_hour,
                    const char *currency, plan_price_src src, uint32_t line)
{
	int rc;

	if (!b->currency[0])
		cs_strcpy_fit(b->currency, sizeof b->currency, currency);
	if (strcmp(b->currency, currency)) {
		b->other_currency++;
		return 0;
	}
	if (find_exact(b, inst, region)) {
		b->conflicts++;
		return 0;
	}
	if (plan_grow((void **)&b->v, &b->cap, b->n, sizeof *b->v))
		return CS_ENOMEM;
	rc = cs_index_reserve(&b->index, b->n + 1);
	if (rc < 0)
		return rc;
	if (rc == 1) /* new slots: the prices so far again */
		for (size_t i = 0; i < b->n; i++)
			cs_index_add(&b->index, key_hash(b->v[i].inst, b->v[i].region), (uint32_t)i);
	b->v[b->n] = (plan_price){inst, region, per_hour, (uint8_t)src, line};
	cs_index_add(&b->index, key_hash(inst, region), (uint32_t)b->n++);
	b->from[src]++;
	return 0;
}

const plan_price *plan_prices_find(const plan_prices *b, const cs_instance *inst, const cs_region *region)
{
	const plan_price *p = find_exact(b, inst, region);

	return p ? p : find_exact(b, inst, NULL);
}

int plan_prices_from_inventory(plan_prices *b, const plan_inventory *inv)
{
	for (size_t i = 0; i < inv->n; i++) {
		const plan_group *g = &inv->g[i];
		int rc;

		if (g->price_per_hour < 0)
			continue;
		rc = plan_prices_add(b, g->inst, g->region, g->price_per_hour, g->currency, PLAN_PRICE_INVENTORY,
		                     g->line);
		if (rc)
			return rc;
	}
	return 0;
}

/* ---- the price file ----------------------------------------------------- */

enum { P_PROVIDER, P_INSTANCE, P_REGION, P_CURRENCY, P_PRICE, P_N };

static const plan_col price_cols[P_N] = {
    [P_PROVIDER] = {"provider", true}, [P_INSTANCE] = {"instance_type", true}, [P_REGION] = {"region", true},
    [P_CURRENCY] = {"currency", true}, [P_PRICE] = {"price_per_hour", true},
};

static const char price_header[] = "provider,instance_type,region,currency,price_per_hour";

static int price_row(const plan_csv *c, plan_prices *b, char *why, size_t cap)
{
	const char *prov = plan_csv_field(c, P_PROVIDER), *inst = plan_csv_field(c, P_INSTANCE);
	const char *reg = plan_csv_field(c, P_REGION), *cur = plan_csv_field(c, P_CURRENCY);
	const char *price = plan_csv_field(c, P_PRICE);
	cs_provider p = cs_provider_parse(prov);
	const cs_instance *it;
	const cs_region *r = NULL;
	double v;
	char currency[4], msg[384];

	if (p == CS_PROVIDER_UNKNOWN)
		return plan_csv_error(c, P_PROVIDER, why, cap, "provider '%s' is not aws, gcp or azure", prov);
	it = cs_instance_find(p, inst);
	if (!it) {
		plan_unknown_instance(p, inst, msg, sizeof msg);
		return plan_csv_error(c, P_INSTANCE, why, cap, "%s", msg);
	}
	if (*reg && strcmp(reg, "*")) {
		r = cs_region_find(p, reg);
		if (!r) {
			plan_unknown_region(p, reg, msg, sizeof msg);
			return plan_csv_error(c, P_REGION, why, cap, "%s", msg);
		}
	}
	if (plan_parse_currency(cur, currency))
		return plan_csv_error(c, P_CURRENCY, why, cap, "currency '%s' is not an ISO 4217 code such as USD",
		                      cur);
	if (plan_parse_price(price, &v))
		return plan_csv_error(c, P_PRICE, why, cap,
		                      "price_per_hour '%s' is not a plain number >= 0, e.g. 0.096", price);
	if (find_exact(b, it, r) && find_exact(b, it, r)->src == PLAN_PRICE_FILE)
		return plan_csv_error(c, P_INSTANCE, why, cap, "%s %s in %s is priced twice (line %u too); keep one",
		                      cs_provider_name(p), cs_instance_name(it), r ? cs_region_name(r) : "any region",
		                      find_exact(b, it, r)->line);
	return plan_prices_add(b, it, r, v, currency, PLAN_PRICE_FILE, (uint32_t)plan_csv_line(c));
}

int plan_prices_load_file(plan_prices *b, const char *path, const char *buf, size_t len, char *why, size_t cap)
{
	plan_csv c;
	int rc;

	rc = plan_csv_open(&c, path, buf, len, price_cols, P_N, price_header, false, why, cap);
	while (rc == 0 && (rc = plan_csv_next(&c, why, cap)) == 1)
		rc = price_row(&c, b, why, cap);
	if (rc == CS_ENOMEM)
		cs_set_why(why, cap, "%s: out of memory", path);
	plan_csv_close(&c);
	if (!rc)
		cs_strcpy_fit(b->file, sizeof b->file, path);
	return rc;
}

/* ---- bills -------------------------------------------------------------- */

int plan_prices_load_bills(plan_prices *b, const char *const *paths, size_t n, char *why, size_t cap)
{
	cs_bill_opts o;
	cs_bill *bill = NULL;
	const cs_bill_price *p;
	size_t np;
	int rc;

	cs_bill_opts_init(&o);
	rc = cs_bill_new(&o, &bill);
	if (rc) {
		cs_set_why(why, cap, "bill: %s", cs_strerror(rc));
		return rc;
	}
	for (size_t i = 0; i < n && !rc; i++) {
		rc = cs_bill_add_file(bill, paths[i], why, cap);
		if (!rc)
			plan_appendf(b->bills, sizeof b->bills, "%s%s", b->bills[0] ? ", " : "", paths[i]);
	}
	if (!rc)
		rc = cs_bill_finish(bill);
	p = rc ? NULL : cs_bill_prices(bill, &np);
	for (size_t i = 0; p && i < np && !rc; i++) {
		const char *reg = cs_bill_str(bill, p[i].region);
		const cs_region *r = cs_region_find(cs_instance_provider(p[i].inst), reg);

		/* A unit price is the bill's effective cost over its instance-hours. */
		if (!r || !(p[i].hours > 0))
			continue;
		rc = plan_prices_add(b, p[i].inst, r, cs_money_to_double(p[i].eff) / p[i].hours,
		                     cs_bill_str(bill, p[i].currency), PLAN_PRICE_BILL, 0);
	}
	cs_bill_free(bill);
	return rc;
}

const char *plan_price_src_name(plan_price_src s)
{
	return plan_word(PLAN_WORDS_PRICE, s);
}
