/* ledger/bills.c - the bill's daily rows in the ledger (see bills.h). */
#include "ledger/bills.h"

#include "ledger/period.h"

static const char *const bill_cols[] = {
    "period_start", "provider",     "day",       "account",       "service", "region",     "tag_key",
    "tag",          "team",         "class",     "currency",      "lines",   "cost_micro", "billed_micro",
    "cost_exact",   "billed_exact", "energy_uj", "est_energy_uj", "op_ug",   "emb_ug",     "source"};
#define N_BILL_COLS ((int)(sizeof(bill_cols) / sizeof(bill_cols[0])))

int64_t cs_lg_month_of(int64_t t_s)
{
	int64_t y;
	unsigned m, d;

	cs_lg_civil_from_days(cs_lg_day_of(t_s) / CS_LG_DAY_S, &y, &m, &d);
	return cs_lg_days_from_civil(y, m, 1) * CS_LG_DAY_S;
}

int cs_lg_bill_clear(cs_lg_store *s, const char *provider, int64_t period_start, const char *price_source)
{
	cs_ldb_val v[2] = {cs_ldb_text(provider), cs_ldb_int(period_start)};
	cs_ldb_val p[1] = {cs_ldb_text(price_source ? price_source : "")};
	int rc = cs_ldb_run(cs_lg_db(s), "DELETE FROM bill_daily WHERE provider = $1 AND period_start = $2", v, 2);

	if (!rc && price_source)
		rc = cs_ldb_run(cs_lg_db(s), "DELETE FROM unit_prices WHERE source = $1", p, 1);
	return rc;
}

int cs_lg_bill_put_begin(cs_lg_store *s)
{
	return cs_ldb_copy_begin(cs_lg_db(s), "bill_daily", bill_cols, N_BILL_COLS);
}

int cs_lg_bill_put(cs_lg_store *s, const cs_lg_bill_row *r)
{
	cs_ldb_val v[N_BILL_COLS] = {
	    cs_ldb_int(cs_lg_month_of(r->day)),
	    cs_ldb_text(r->provider),
	    cs_ldb_int(r->day),
	    cs_ldb_text(r->account),
	    cs_ldb_text(r->service),
	    cs_ldb_text(r->region),
	    cs_ldb_text(r->tag_key),
	    cs_ldb_text(r->tag),
	    cs_ldb_text(r->team),
	    cs_ldb_text(r->cls),
	    cs_ldb_text(r->currency),
	    cs_ldb_int(r->lines),
	    cs_ldb_int(r->cost_micro),
	    cs_ldb_int(r->billed_micro),
	    cs_ldb_text(r->cost_exact),
	    cs_ldb_text(r->billed_exact),
	    cs_ldb_int(r->energy_uj),
	    cs_ldb_int(r->est_energy_uj),
	    cs_ldb_int(r->op_ug),
	    cs_ldb_int(r->emb_ug),
	    cs_ldb_text(r->source),
	};

	return cs_ldb_copy_row(cs_lg_db(s), v);
}

int cs_lg_bill_put_end(cs_lg_store *s)
{
	return cs_ldb_copy_end(cs_lg_db(s));
}

int cs_lg_bill_read(cs_lg_store *s, int64_t from_day, int64_t to_day, bool by_team, cs_lg_bill_cb cb, void *ud)
{
	/* sums cast back to BIGINT: PostgreSQL sums BIGINT as NUMERIC */
#define BILL_SUMS                                                                                                      \
	"CAST(SUM(lines) AS BIGINT), CAST(SUM(cost_micro) AS BIGINT), CAST(SUM(billed_micro) AS BIGINT), "             \
	"CAST(SUM(energy_uj) AS BIGINT), CAST(SUM(est_energy_uj) AS BIGINT), CAST(SUM(op_ug) AS BIGINT), "             \
	"CAST(SUM(emb_ug) AS BIGINT)"
	static const char by_prov[] =
	    "SELECT provider, currency, '', " BILL_SUMS " FROM bill_daily WHERE day >= $1 AND "
	    "day < $2 GROUP BY provider, currency ORDER BY provider, currency";
	static const char by_team_sql[] =
	    "SELECT provider, currency, team, " BILL_SUMS " FROM bill_daily WHERE day >= $1 "
	    "AND day < $2 GROUP BY provider, currency, team ORDER BY provider, currency, team";
#undef BILL_SUMS
	cs_ldb_stmt *st;
	int rc = cs_ldb_prepare(cs_lg_db(s), by_team ? by_team_sql : by_prov, &st);

	if (rc)
		return rc;
	if ((rc = cs_ldb_bind(st, 1, cs_ldb_int(from_day))) == 0)
		rc = cs_ldb_bind(st, 2, cs_ldb_int(to_day));
	while (!rc && (rc = cs_ldb_step(st)) == 1) {
		cs_lg_bill_sum v = {cs_ldb_col_text(st, 0),
		                    cs_ldb_col_text(st, 1),
		                    cs_ldb_col_text(st, 2),
		                    {cs_ldb_col_int(st, 3), cs_ldb_col_int(st, 4), cs_ldb_col_int(st, 5),
		                     cs_ldb_col_int(st, 6), cs_ldb_col_int(st, 7), cs_ldb_col_int(st, 8),
		                     cs_ldb_col_int(st, 9)}};
		rc = cb(ud, &v);
	}
	cs_ldb_finalize(st);
	return rc < 0 ? rc : rc > 0 ? rc : 0;
}
