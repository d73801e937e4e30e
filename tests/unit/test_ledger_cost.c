/* test_ledger_cost.c - prices and exact splits (ledger/cost.c), and the
 * aggregation's write path that uses them (ledger/agg.c).
 *
 * cs_lg_split: the parts always add up to the whole, each part is the
 * floor or the ceiling of its exact share, larger weights never get less,
 * ties go to the earlier index, all-zero weights follow the stated rule, a
 * total near INT64_MAX does not overflow. The pricer: billing prices before
 * the price file, "any region" rows, covered time, the ledger's one
 * currency, and the reason when there is no price. cs_lg_agg_write: a
 * node-hour's cost is split among its cells exactly, by energy and by the
 * OpenCost-style CPU/memory split (vCPU x 0.031611 against GB x 0.004237),
 * and each cell's carbon and cost among its components exactly. The small
 * pieces they stand on: the interner (binary keys, growth, dense indexes)
 * and the clipping of untrusted text into one-line messages.
 */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "ledger/agg.h"
#include "ledger/clip.h"
#include "ledger/intern.h"
#include "ledger/cost.h"
#include "ledger/store.h"
#include "ledger_fixture.h"

static void test_split_properties(void **state)
{
	unsigned seed = 7;

	(void)state;
	for (int round = 0; round < 2000; round++) {
		size_t n = 1 + (size_t)(rand_r(&seed) % 70);
		int64_t w[70], out[70],
		    total = rand_r(&seed) % 3 ? rand_r(&seed) % 100000 : (int64_t)rand_r(&seed) * 997;
		__int128 W = 0, sum = 0;

		for (size_t i = 0; i < n; i++) {
			w[i] = rand_r(&seed) % 4 ? rand_r(&seed) % 1000 : 0;
			W += w[i];
		}
		assert_int_equal(cs_lg_split(total, w, n, CS_LG_ZERO_EQUAL, out), 0);
		for (size_t i = 0; i < n; i++) {
			sum += out[i];
			if (W) {
				__int128 lo = (__int128)total * w[i] / W;

				assert_true(out[i] == lo || out[i] == lo + 1);
			}
		}
		assert_true(sum == total);
	}
	{
		int64_t w[3] = {1, 1, 1}, out[3];

		assert_int_equal(cs_lg_split(2, w, 3, CS_LG_ZERO_EQUAL, out), 0);
		assert_true(out[0] == 1 && out[1] == 1 && out[2] == 0); /* ties: earlier first */
	}
	{
		int64_t w[3] = {0, 0, 0}, out[3];

		assert_int_equal(cs_lg_split(5, w, 3, CS_LG_ZERO_FIRST, out), 0);
		assert_true(out[0] == 5 && out[1] == 0 && out[2] == 0);
		assert_int_equal(cs_lg_split(5, w, 3, CS_LG_ZERO_EQUAL, out), 0);
		assert_true(out[0] == 2 && out[1] == 2 && out[2] == 1);
	}
	{
		int64_t w[2] = {INT64_MAX / 2, INT64_MAX / 2}, out[2];

		assert_int_equal(cs_lg_split(INT64_MAX - 1, w, 2, CS_LG_ZERO_FIRST, out), 0);
		assert_true(out[0] + out[1] == INT64_MAX - 1);
	}
	{
		int64_t w[1] = {-1}, out[1];

		assert_int_equal(cs_lg_split(5, w, 1, CS_LG_ZERO_FIRST, out), CS_EINVAL);
		assert_int_equal(cs_lg_split(-5, w, 1, CS_LG_ZERO_FIRST, out), CS_EINVAL);
	}
}

static void test_pricer(void **state)
{
	static const char csv[] =
	    "provider,instance_type,region,currency,price_per_hour\n"
	    "aws,m5.large,eu-west-1,USD,0.107\naws,m5.large,*,USD,0.096\ngcp,e2-standard-2,*,EUR,0.08\n";
	char why[300], dir[256], url[600];
	cs_lg_prices prices;
	cs_lg_pricer p;
	cs_lg_node_cost c;
	cs_lg_store *s;
	const int64_t h = 1793491200;

	(void)state;
	assert_int_equal(cs_lg_prices_parse(csv, sizeof(csv) - 1, "prices.csv", &prices, why, sizeof(why)), 0);
	cs_lg_pricer_init(&p, &prices, NULL);
	assert_int_equal(cs_lg_price_hour(&p, "aws", "m5.large", "eu-west-1", h, 3600000, &c), 0);
	assert_true(c.has && c.cost_micro == 107000);
	assert_string_equal(c.source, "file:prices.csv");
	assert_string_equal(p.currency, "USD");
	assert_true(p.currency_new);
	assert_int_equal(cs_lg_price_hour(&p, "aws", "m5.large", "ap-south-1", h, 1800000, &c), 0);
	assert_true(c.has && c.cost_micro == 48000);
	assert_int_equal(cs_lg_price_hour(&p, "aws", "m5.large", "", h, 7200000, &c), 0); /* capped at the hour */
	assert_true(c.cost_micro == 96000);
	assert_int_equal(cs_lg_price_hour(&p, "gcp", "e2-standard-2", "europe-west1", h, 3600000, &c), 0);
	assert_false(c.has);
	assert_non_null(strstr(c.reason, "in EUR but the ledger is in USD"));
	assert_int_equal(cs_lg_price_hour(&p, "aws", "c5.large", "eu-west-1", h, 3600000, &c), 0);
	assert_false(c.has);
	assert_non_null(strstr(c.reason, "no price for aws c5.large in eu-west-1"));
	assert_int_equal(cs_lg_price_hour(&p, "", "", "", h, 3600000, &c), 0);
	assert_non_null(strstr(c.reason, "instance type or provider of the node unknown"));
	cs_lg_pricer_free(&p);

	/* billing prices come first */
	lf_fresh_db(url, sizeof(url), dir, sizeof(dir), "ledger_cost");
	assert_int_equal(cs_lg_open(url, CS_LG_WRITE, 5, &s, why, sizeof(why)), 0);
	assert_int_equal(cs_lg_begin(s), 0);
	assert_int_equal(cs_lg_put_unit_price(s, "aws", "m5.large", "eu-west-1", "USD", 0.0612, h - 86400, h + 86400,
	                                      "aws-cur 2026-11"),
	                 0);
	cs_lg_pricer_init(&p, &prices, s);
	assert_int_equal(cs_lg_price_hour(&p, "aws", "m5.large", "eu-west-1", h, 3600000, &c), 0);
	assert_true(c.has && c.cost_micro == 61200);
	assert_string_equal(c.source, "billing:aws-cur 2026-11");
	assert_int_equal(cs_lg_price_hour(&p, "aws", "m5.large", "eu-west-1", h + 2 * 86400, 3600000, &c), 0);
	assert_true(c.has && c.cost_micro == 107000); /* outside the billing period: the file */
	cs_lg_pricer_free(&p);
	cs_lg_rollback(s);
	cs_lg_close(s);
	lf_cleanup(dir);
	cs_lg_prices_free(&prices);

	/* OpenCost weights: m5.large is 2 vCPU, 8 GB */
	{
		double f = cs_lg_cpu_cost_fraction("aws", "m5.large");

		assert_true(fabs(f - 2 * 0.031611 / (2 * 0.031611 + 8 * 0.004237)) < 1e-9);
		assert_true(cs_lg_cpu_cost_fraction("aws", "no-such-type") < 0);
	}
}

/* The write path: cells of one node-hour, priced, written to a real store. */
static void test_agg_write_splits(void **state)
{
	static const char csv[] =
	    "provider,instance_type,region,currency,price_per_hour\naws,m5.large,*,USD,0.1234567\n";
	char why[300], dir[256], url[600];
	cs_lg_prices prices;
	cs_lg_pricer p;
	cs_lg_store *s;
	const int64_t h = 1793491200;

	(void)state;
	assert_int_equal(cs_lg_prices_parse(csv, sizeof(csv) - 1, "p.csv", &prices, why, sizeof(why)), 0);
	for (int mode = 0; mode < 2; mode++) {
		cs_lg_agg a;
		cs_lg_write_stats ws = {0};
		cs_lg_write_opts wo;
		uint32_t nh, cell;
		bool created;
		int64_t src, cost_cells = 0, cost_node, ncost = 0;
		cs_ldb_stmt *st;

		lf_fresh_db(url, sizeof(url), dir, sizeof(dir), "ledger_agg");
		assert_int_equal(cs_lg_open(url, CS_LG_WRITE, 5, &s, why, sizeof(why)), 0);
		assert_int_equal(cs_lg_begin(s), 0);
		assert_int_equal(cs_lg_source(s, "t", "jsonl", &src, NULL), 0);
		cs_lg_pricer_init(&p, &prices, s);
		cs_lg_agg_init(&a);
		assert_int_equal(cs_lg_agg_node_hour(&a, src, h, "c", "n1", &nh, &created), 0);
		assert_int_equal(cs_lg_agg_str(&a, "aws", &a.nh[nh].provider), 0);
		assert_int_equal(cs_lg_agg_str(&a, "m5.large", &a.nh[nh].instance), 0);
		a.nh[nh].covered_ms = 3600000;
		a.nh[nh].samples = 720;
		for (int i = 0; i < 7; i++) {
			char owner[8];

			snprintf(owner, sizeof(owner), "o%d", i);
			assert_int_equal(
			    cs_lg_agg_cell_of(&a, nh, "ns", owner, "Deployment", i % 2 ? "t1" : "t2", &cell), 0);
			a.cells[cell].energy_uj[CS_PART_CPU] = 1000 + 333 * i;
			a.cells[cell].energy_uj[CS_PART_DRAM] = i == 3 ? 0 : 77 * (i + 1);
			a.cells[cell].op_g = 0.0123457 * (i + 1);
			a.cells[cell].emb_g = i == 6 ? 0.5 : 0;
			a.nh[nh].energy_uj[CS_PART_CPU] += a.cells[cell].energy_uj[CS_PART_CPU];
			a.nh[nh].energy_uj[CS_PART_DRAM] += a.cells[cell].energy_uj[CS_PART_DRAM];
		}
		/* a cell with no energy at all still gets its share of the cost (equal, when all are zero: not here) */
		wo.pricer = &p;
		wo.split = mode ? CS_LG_SPLIT_CPU_MEMORY : CS_LG_SPLIT_ENERGY;
		assert_int_equal(cs_lg_agg_write(&a, s, &wo, NULL, &ws), 0);
		assert_int_equal(ws.priced, 1);
		assert_int_equal(cs_lg_commit(s), 0);
		assert_int_equal(cs_lg_begin_read(s), 0);
		assert_int_equal(
		    cs_ldb_prepare(cs_lg_db(s), "SELECT SUM(cost_micro), COUNT(cost_micro) FROM facts", &st), 0);
		assert_int_equal(cs_ldb_step(st), 1);
		cost_cells = cs_ldb_col_int(st, 0);
		ncost = cs_ldb_col_int(st, 1);
		cs_ldb_finalize(st);
		assert_int_equal(cs_ldb_prepare(cs_lg_db(s), "SELECT cost_micro FROM node_hours", &st), 0);
		assert_int_equal(cs_ldb_step(st), 1);
		cost_node = cs_ldb_col_int(st, 0);
		cs_ldb_finalize(st);
		/* the carbon of each cell, rounded once, split exactly over its components */
		assert_int_equal(
		    cs_ldb_prepare(cs_lg_db(s),
		                   "SELECT d.owner, SUM(f.op_ug), SUM(f.emb_ug) FROM facts f JOIN dims d ON "
		                   "d.id = f.dim_id GROUP BY d.owner ORDER BY d.owner",
		                   &st),
		    0);
		for (int i = 0; i < 7; i++) {
			assert_int_equal(cs_ldb_step(st), 1);
			assert_true(cs_ldb_col_int(st, 1) == llround(0.0123457 * (i + 1) * 1e6));
			assert_true(cs_ldb_col_int(st, 2) == (i == 6 ? 500000 : 0));
		}
		cs_ldb_finalize(st);
		cs_lg_end_read(s);
		assert_true(cost_node == 123457);
		assert_true(cost_cells == cost_node);
		assert_int_equal(ncost, 13); /* 7 cpu rows + 6 dram rows */
		cs_lg_agg_free(&a);
		cs_lg_pricer_free(&p);
		cs_lg_close(s);
		lf_cleanup(dir);
	}
	cs_lg_prices_free(&prices);
}

static void test_intern_and_clip(void **state)
{
	cs_lg_intern t = {0};
	char key[16], out[16];
	uint32_t idx;
	bool created;

	(void)state;
	for (uint32_t i = 0; i < 20000; i++) {
		memset(key, 0, sizeof(key));
		memcpy(key, &i, sizeof(i)); /* binary keys, NUL bytes inside */
		assert_int_equal(cs_lg_intern_put(&t, key, sizeof(key), &idx, &created), 0);
		assert_true(created && idx == i);
	}
	for (uint32_t i = 0; i < 20000; i += 997) {
		memset(key, 0, sizeof(key));
		memcpy(key, &i, sizeof(i));
		assert_int_equal(cs_lg_intern_find(&t, key, sizeof(key)), (int64_t)i);
		assert_int_equal(cs_lg_intern_put(&t, key, sizeof(key), &idx, &created), 0);
		assert_false(created);
		assert_int_equal(idx, i);
	}
	assert_int_equal(cs_lg_intern_find(&t, "x", 1), -1);
	assert_int_equal(cs_lg_intern_str(&t, NULL, &idx), 0); /* NULL is "" */
	assert_string_equal(cs_lg_intern_at(&t, idx), "");
	cs_lg_intern_free(&t);
	cs_lg_intern_free(NULL);

	assert_string_equal(cs_lg_clip("a\nb\tc\x7f", 40, out, sizeof(out)), "a?b?c?");
	assert_string_equal(cs_lg_clip("0123456789abcdefghij", 10, out, sizeof(out)), "0123456...");
	assert_string_equal(cs_lg_clip("0123456789abcdefghij", 40, out, sizeof(out)), "0123456789ab...");
	assert_string_equal(cs_lg_clip(NULL, 40, out, sizeof(out)), "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
	    cmocka_unit_test(test_intern_and_clip),
	    cmocka_unit_test(test_split_properties),
	    cmocka_unit_test(test_pricer),
	    cmocka_unit_test(test_agg_write_splits),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
