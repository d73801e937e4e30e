/* billing/to_ledger.c - a finished bill into the ledger (see to_ledger.h). */
#include "billing/to_ledger.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "billing/classify.h"
#include "billing/team.h"
#include "core/str.h"
#include "core/why.h"
#include "ledger/bills.h"
#include "ledger/period.h"

#define TL_PERIODS_MAX 512 /* provider x month pairs in one run (42 years of one provider) */

typedef struct tl_period {
	uint32_t provider; /* bill string id */
	int64_t start;     /* epoch s of the month */
} tl_period;

static int64_t day_epoch(int yyyymmdd)
{
	return cs_lg_days_from_civil(yyyymmdd / 10000, (unsigned)(yyyymmdd / 100 % 100), (unsigned)(yyyymmdd % 100)) *
	       CS_LG_DAY_S;
}

/* 10^-18 units to millionths, half away from zero. */
static int64_t micro_of(cs_money v)
{
	const cs_money unit = CS_MONEY_ONE / 1000000;
	cs_money half = unit / 2;

	return (int64_t)(v < 0 ? -((-v + half) / unit) : (v + half) / unit);
}

static int64_t scaled(double v, double k)
{
	return isfinite(v) ? (int64_t)llround(v * k) : 0;
}

/* "<provider> 2026-11": the unit prices' source for one month. */
static void price_source(const cs_bill *b, const tl_period *p, char *out, size_t cap)
{
	char month[16];

	cs_lg_fmt_day(p->start, month, sizeof month);
	month[7] = '\0';
	snprintf(out, cap, "%s %s", cs_bill_str(b, p->provider), month);
}

static int find_periods(const cs_bill *b, tl_period *pp, size_t *np, cs_bill_ledger_stats *st, char *why, size_t whycap)
{
	size_t n, k = 0;
	const cs_bill_row *r = cs_bill_rows(b, &n);

	for (size_t i = 0; i < n; i++) {
		size_t j;
		int64_t d, m;

		if (!r[i].day) {
			st->no_day_lines += r[i].lines;
			continue;
		}
		d = day_epoch(r[i].day);
		m = cs_lg_month_of(d);
		if (!st->first_day || d < st->first_day)
			st->first_day = d;
		if (d > st->last_day)
			st->last_day = d;
		for (j = 0; j < k; j++)
			if (pp[j].provider == r[i].provider && pp[j].start == m)
				break;
		if (j < k)
			continue;
		if (k == TL_PERIODS_MAX) {
			cs_set_why(why, whycap, "the bill spans more than %d provider-months; ingest it in parts",
			           TL_PERIODS_MAX);
			return CS_ERANGE;
		}
		pp[k++] = (tl_period){r[i].provider, m};
	}
	*np = k;
	return 0;
}

static int put_rows(const cs_bill *b, cs_lg_store *s, const cs_teams_conf *teams, const char *tag_key,
                    cs_bill_ledger_stats *st)
{
	size_t n;
	const cs_bill_row *r = cs_bill_rows(b, &n);
	bool team_tag = tag_key && !strcmp(tag_key, cs_bill_team_key(teams));
	char src[64];
	int rc = cs_lg_bill_put_begin(s);

	for (size_t i = 0; i < n && !rc; i++) {
		char eff[64], billed[64];
		const char *tag = cs_bill_str(b, r[i].tag);
		cs_lg_bill_row v;

		if (!r[i].day)
			continue;
		cs_money_format(r[i].sum.eff, eff, sizeof eff);
		cs_money_format(r[i].sum.billed, billed, sizeof billed);
		snprintf(src, sizeof src, "billing:%s", cs_bill_str(b, r[i].provider));
		v = (cs_lg_bill_row){
		    .day = day_epoch(r[i].day),
		    .provider = cs_bill_str(b, r[i].provider),
		    .account = cs_bill_str(b, r[i].account),
		    .service = cs_bill_str(b, r[i].service),
		    .region = cs_bill_str(b, r[i].region),
		    .tag_key = *tag ? tag_key : "",
		    .tag = tag,
		    .team = team_tag ? cs_bill_team_of(teams, tag) : "",
		    .cls = cs_bill_class_name((cs_bill_class)r[i].cls),
		    .currency = cs_bill_str(b, r[i].currency),
		    .lines = (int64_t)r[i].lines,
		    .cost_micro = micro_of(r[i].sum.eff),
		    .billed_micro = micro_of(r[i].sum.billed),
		    .cost_exact = eff,
		    .billed_exact = billed,
		    .energy_uj = scaled(r[i].sum.kwh, 3.6e12),
		    .est_energy_uj = scaled(r[i].sum.est_kwh, 3.6e12),
		    .op_ug = scaled(r[i].sum.op_g, 1e6),
		    .emb_ug = scaled(r[i].sum.emb_g + r[i].sum.est_emb_g, 1e6),
		    .source = src,
		};
		if ((rc = cs_lg_bill_put(s, &v)) == 0)
			st->rows++;
	}
	if (rc) {
		(void)cs_lg_bill_put_end(s);
		return rc;
	}
	return cs_lg_bill_put_end(s);
}

static int put_prices(const cs_bill *b, cs_lg_store *s, const tl_period *pp, size_t np, cs_bill_ledger_stats *st)
{
	size_t n;
	const cs_bill_price *p = cs_bill_prices(b, &n);
	char src[96];
	int rc = 0;

	for (size_t k = 0; k < np && !rc; k++) {
		int64_t y;
		unsigned m, d;

		cs_lg_civil_from_days(pp[k].start / CS_LG_DAY_S, &y, &m, &d);
		int64_t end = cs_lg_days_from_civil(m == 12 ? y + 1 : y, m == 12 ? 1 : m + 1, 1) * CS_LG_DAY_S;

		price_source(b, &pp[k], src, sizeof src);
		for (size_t i = 0; i < n && !rc; i++) {
			/* a zero or negative effective cost (free tier, fully credited
			 * hours) is not what an instance-hour costs: no price */
			if (p[i].provider != pp[k].provider || !(p[i].hours > 0) || p[i].eff <= 0)
				continue;
			rc = cs_lg_put_unit_price(s, cs_provider_name(cs_instance_provider(p[i].inst)),
			                          cs_instance_name(p[i].inst), cs_bill_str(b, p[i].region),
			                          cs_bill_str(b, p[i].currency),
			                          cs_money_to_double(p[i].eff) / p[i].hours, pp[k].start, end, src);
			if (!rc)
				st->prices++;
		}
	}
	return rc;
}

int cs_bill_to_ledger(const cs_bill *b, cs_lg_store *s, const cs_teams_conf *teams, const char *tag_key,
                      cs_bill_ledger_stats *st, char *why, size_t whycap)
{
	tl_period *pp = malloc(TL_PERIODS_MAX * sizeof *pp);
	size_t np = 0;
	char src[96];
	int rc;

	memset(st, 0, sizeof *st);
	if (!pp) {
		cs_set_why(why, whycap, "out of memory");
		return CS_ENOMEM;
	}
	if ((rc = find_periods(b, pp, &np, st, why, whycap)) != 0) {
		free(pp);
		return rc;
	}
	st->periods = np;
	if ((rc = cs_lg_begin(s)) != 0)
		goto fail;
	for (size_t k = 0; k < np && !rc; k++) {
		price_source(b, &pp[k], src, sizeof src);
		rc = cs_lg_bill_clear(s, cs_bill_str(b, pp[k].provider), pp[k].start, src);
	}
	if (!rc)
		rc = put_rows(b, s, teams, tag_key, st);
	if (!rc)
		rc = put_prices(b, s, pp, np, st);
	if (!rc)
		rc = cs_lg_commit(s);
	else
		cs_lg_rollback(s);
	if (!rc) {
		free(pp);
		return 0;
	}
fail:
	cs_strcpy_fit(why, whycap, cs_lg_why(s));
	free(pp);
	return rc;
}
