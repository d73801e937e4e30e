/* billing/group.c - roll-ups of the daily rows (see group.h). */
#include "billing/group.h"

#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/str.h"

static const char *const by_names[] = {"service", "account", "region", "day", "tag", "class", "provider", "team"};

int cs_bill_by_parse(const char *s)
{
	if (!strncmp(s, "tag:", 4))
		return CS_BY_TAG;
	return cs_name_index(by_names, sizeof by_names / sizeof by_names[0], s);
}

const char *cs_bill_by_name(cs_bill_by by)
{
	return cs_name_at(by_names, sizeof by_names / sizeof by_names[0], (unsigned)by, "?");
}

void cs_bill_row_add(cs_bill_row *t, const cs_bill_row *r)
{
	t->lines += r->lines;
	t->intensity_src |= r->intensity_src;
	cs_bill_measures_add(&t->sum, &r->sum);
}

/* The row with only the grouped dimensions kept. */
static cs_bill_row key_of(const cs_bill_row *r, cs_bill_by by)
{
	cs_bill_row k;

	memset(&k, 0, sizeof k);
	k.currency = r->currency;
	switch (by) {
	case CS_BY_SERVICE:
		k.provider = r->provider;
		k.service = r->service;
		break;
	case CS_BY_ACCOUNT:
		k.provider = r->provider;
		k.account = r->account;
		break;
	case CS_BY_REGION:
		k.provider = r->provider;
		k.region = r->region;
		break;
	case CS_BY_DAY: k.day = r->day; break;
	case CS_BY_TAG:
	case CS_BY_TEAM: k.tag = r->tag; break;
	case CS_BY_CLASS: k.cls = r->cls; break;
	case CS_BY_PROVIDER: k.provider = r->provider; break;
	}
	return k;
}

static bool same(const cs_bill_row *a, const cs_bill_row *b)
{
	return a->provider == b->provider && a->account == b->account && a->service == b->service &&
	       a->region == b->region && a->currency == b->currency && a->tag == b->tag && a->day == b->day &&
	       a->cls == b->cls;
}

static int cmp_eff(const void *x, const void *y)
{
	const cs_bill_row *a = x, *b = y;

	if (a->sum.eff != b->sum.eff)
		return (a->sum.eff < b->sum.eff) - (a->sum.eff > b->sum.eff);
	return (a->day > b->day) - (a->day < b->day);
}

static int cmp_day(const void *x, const void *y)
{
	const cs_bill_row *a = x, *b = y;
	return (a->day > b->day) - (a->day < b->day);
}

int cs_bill_group(const cs_bill *b, cs_bill_by by, cs_bill_row **out, size_t *nout)
{
	size_t n, ng = 0, cap = 64, *slot = NULL, mask;
	const cs_bill_row *rows = cs_bill_rows(b, &n);
	cs_bill_row *g = malloc(cap * sizeof *g);

	/* open addressing on a hash of the kept dimensions */
	mask = 1;
	while (mask < n * 2 + 2)
		mask <<= 1;
	slot = calloc(mask, sizeof *slot);
	mask--;
	if (!g || !slot) {
		free(g);
		free(slot);
		return CS_ENOMEM;
	}
	for (size_t i = 0; i < n; i++) {
		cs_bill_row k = key_of(&rows[i], by);
		uint64_t h =
		    ((uint64_t)k.provider * 0x9E3779B97F4A7C15ull) ^ ((uint64_t)k.service * 0xC2B2AE3D27D4EB4Full) ^
		    ((uint64_t)k.account * 0x165667B19E3779F9ull) ^ ((uint64_t)k.region * 0x27D4EB2F165667C5ull) ^
		    ((uint64_t)k.currency * 0x85EBCA77C2B2AE63ull) ^ ((uint64_t)k.tag * 0xFF51AFD7ED558CCDull) ^
		    ((uint64_t)(uint32_t)k.day * 0xC4CEB9FE1A85EC53ull) ^ ((uint64_t)k.cls << 7);
		size_t s = (size_t)(h ^ (h >> 29)) & mask;
		cs_bill_row *t = NULL;

		for (; slot[s]; s = (s + 1) & mask)
			if (same(&g[slot[s] - 1], &k)) {
				t = &g[slot[s] - 1];
				break;
			}
		if (!t) {
			if (ng == cap) {
				cs_bill_row *ngr = realloc(g, cap * 2 * sizeof *g);
				if (!ngr) {
					free(g);
					free(slot);
					return CS_ENOMEM;
				}
				g = ngr;
				cap *= 2;
			}
			g[ng] = k;
			slot[s] = ++ng;
			t = &g[ng - 1];
		}
		cs_bill_row_add(t, &rows[i]);
	}
	free(slot);
	qsort(g, ng, sizeof *g, by == CS_BY_DAY ? cmp_day : cmp_eff);
	*out = g;
	*nout = ng;
	return 0;
}
