/* ledger/cost.c - see cost.h. */
#include "ledger/cost.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/carbonstat.h"
#include "carbonstat/error.h"
#include "core/str.h"
#include "ledger/grow.h"
#include "ledger/period.h"

typedef struct rem {
	unsigned __int128 r; /* remainder of total * w[i] / W */
	size_t i;
} rem;

static int rem_cmp(const void *a, const void *b)
{
	const rem *x = a, *y = b;

	if (x->r != y->r)
		return x->r > y->r ? -1 : 1;
	return x->i < y->i ? -1 : x->i > y->i;
}

int cs_lg_split(int64_t total, const int64_t *w, size_t n, cs_lg_zero zero, int64_t *out)
{
	unsigned __int128 W = 0, assigned = 0;
	rem small[64], *r = small;
	int64_t ones_small[64], *ones = NULL;
	const int64_t *ww = w;
	size_t left;

	if (n == 0)
		return total == 0 ? 0 : CS_EINVAL;
	if (total < 0)
		return CS_EINVAL;
	for (size_t i = 0; i < n; i++) {
		if (w[i] < 0)
			return CS_EINVAL;
		W += (unsigned __int128)w[i];
	}
	if (W == 0) {
		if (zero == CS_LG_ZERO_FIRST) {
			memset(out, 0, n * sizeof(*out));
			out[0] = total;
			return 0;
		}
		ones = n <= 64 ? ones_small : malloc(n * sizeof(*ones));
		if (!ones)
			return CS_ENOMEM;
		for (size_t i = 0; i < n; i++)
			ones[i] = 1;
		ww = ones;
		W = n;
	}
	if (n > 64 && !(r = malloc(n * sizeof(*r)))) {
		if (ones != ones_small)
			free(ones);
		return CS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		unsigned __int128 num = (unsigned __int128)total * (unsigned __int128)ww[i];

		out[i] = (int64_t)(num / W);
		r[i].r = num % W;
		r[i].i = i;
		assigned += (unsigned __int128)out[i];
	}
	left = (size_t)((unsigned __int128)total - assigned); /* < n */
	if (left) {
		qsort(r, n, sizeof(*r), rem_cmp);
		for (size_t k = 0; k < left; k++)
			out[r[k].i]++;
	}
	if (r != small)
		free(r);
	if (ones && ones != ones_small)
		free(ones);
	return 0;
}

int cs_lg_pricer_init(cs_lg_pricer *p, const cs_lg_prices *file, cs_lg_store *store)
{
	memset(p, 0, sizeof(*p));
	p->file = file;
	p->store = store;
	return 0;
}

void cs_lg_pricer_free(cs_lg_pricer *p)
{
	if (!p)
		return;
	cs_lg_intern_free(&p->keys);
	free(p->hits);
	p->hits = NULL;
}

/* The billing price for the hour's day, cached. */
static int billing_price(cs_lg_pricer *p, const char *provider, const char *instance, const char *region, int64_t hour,
                         struct cs_lg_price_hit **hit)
{
	char key[3 * CS_LG_STR_MAX + 32];
	int n = snprintf(key, sizeof(key), "%s\x1f%s\x1f%s\x1f%lld", provider, instance, region,
	                 (long long)cs_lg_day_of(hour));
	uint32_t idx;
	bool created;
	int rc;

	*hit = NULL;
	if (n < 0 || (size_t)n >= sizeof(key))
		return 0;
	if (cs_lg_intern_put(&p->keys, key, (size_t)n, &idx, &created) != 0)
		return CS_ENOMEM;
	if (idx >= p->hits_cap) {
		struct cs_lg_price_hit *nh = cs_lg_grown(p->hits, &p->hits_cap, (size_t)idx + 1, sizeof(*nh));

		if (!nh)
			return CS_ENOMEM;
		p->hits = nh;
	}
	if (created) {
		struct cs_lg_price_hit *h = &p->hits[idx];

		memset(h, 0, sizeof(*h));
		rc = cs_lg_unit_price(p->store, provider, instance, region, hour, &h->per_hour, h->currency, h->source,
		                      sizeof(h->source));
		if (rc < 0)
			return rc;
		h->found = rc == 1;
	}
	*hit = &p->hits[idx];
	return 0;
}

int cs_lg_price_hour(cs_lg_pricer *p, const char *provider, const char *instance, const char *region, int64_t hour,
                     int64_t covered_ms, cs_lg_node_cost *out)
{
	struct cs_lg_price_hit *hit = NULL;
	const cs_lg_price *fp;
	double per_hour;
	const char *cur;
	int rc;

	memset(out, 0, sizeof(*out));
	if (!instance || !*instance || !provider || !*provider) {
		snprintf(out->reason, sizeof(out->reason),
		         "instance type or provider of the node unknown (set [agent] provider and instance)");
		return 0;
	}
	if (p->store && (rc = billing_price(p, provider, instance, region ? region : "", hour, &hit)) != 0)
		return rc;
	fp = cs_lg_prices_find(p->file, provider, instance, region);
	if (hit && hit->found) {
		per_hour = hit->per_hour;
		cur = hit->currency;
		snprintf(out->source, sizeof(out->source), "billing:%s", hit->source);
	} else if (fp) {
		per_hour = fp->per_hour;
		cur = fp->currency;
		snprintf(out->source, sizeof(out->source), "file:%s", p->file->name);
	} else {
		snprintf(out->reason, sizeof(out->reason), "no price for %s %s in %s (%s)", provider, instance,
		         region && *region ? region : "any region",
		         p->file ? "add it to the price file or ingest the bill"
		                 : "pass --prices FILE or ingest the bill with carbonstat billing --ledger");
		return 0;
	}
	if (!p->currency[0]) {
		cs_strcpy_fit(p->currency, sizeof(p->currency), cur);
		p->currency_new = true;
	} else if (strcmp(p->currency, cur) != 0) {
		snprintf(out->reason, sizeof(out->reason),
		         "price of %s %s is in %s but the ledger is in %s; carbonstat never converts currencies",
		         provider, instance, cur, p->currency);
		out->source[0] = '\0';
		return 0;
	}
	if (covered_ms < 0)
		covered_ms = 0;
	if (covered_ms > CS_LG_HOUR_S * 1000LL)
		covered_ms = CS_LG_HOUR_S * 1000LL;
	out->has = true;
	out->cost_micro = llround(per_hour * 1e6 * (double)covered_ms / 3.6e6);
	cs_strcpy_fit(out->currency, sizeof(out->currency), cur);
	return 0;
}

double cs_lg_cpu_cost_fraction(const char *provider, const char *instance)
{
	const cs_instance *it;
	double cpu, ram;

	if (!provider || !instance || !*instance)
		return -1;
	it = cs_instance_find(cs_provider_parse(provider), instance);
	if (!it || cs_instance_vcpu(it) == 0)
		return -1;
	cpu = cs_instance_vcpu(it) * CS_LG_OPENCOST_CPU_PER_VCPU_H;
	ram = (cs_instance_mem_gb(it) > 0 ? cs_instance_mem_gb(it) : 0) * CS_LG_OPENCOST_RAM_PER_GB_H;
	return cpu / (cpu + ram);
}
