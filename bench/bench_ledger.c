/* bench/bench_ledger.c - the ledger's write and report paths at fleet size.
 *
 *   bench_ledger [--db URL] [--owners 5000] [--hours 730] [--components 2]
 *                [--nodes 100] [--runs 3] [--smoke]
 *
 * Each run starts from an empty ledger (a new SQLite file, or every ledger
 * table dropped on PostgreSQL), then:
 *   import  owners x hours x components ledger rows (5,000 x 730 x 2 = 7.3 M
 *           by default) and nodes x hours node-hours through the store's
 *           write path (cs_lg_dim / cs_lg_put_fact / cs_lg_put_node_hour,
 *           bulk-loaded by COPY or prepared INSERTs in one transaction),
 *           including the daily rollup of every day touched and the COMMIT:
 *           rows/s;
 *   report  the monthly report of the month those hours fall in
 *           (cs_lg_report_build by team, then by owner), and the same
 *           per-owner sums straight from facts, which is what the daily
 *           rollup saves.
 * Prints min / median / max over the runs. Default --db: a SQLite file in
 * $TMPDIR. --smoke: 200 owners x 48 hours, 1 run (make bench-smoke).
 */
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "carbonstat/error.h"
#include "ledger/period.h"
#include "ledger/report.h"
#include "ledger/store.h"

static const char *const tables[] = {"facts", "node_hours", "daily",       "dims",       "sources", "gaps",
                                     "units", "nodes",      "unit_prices", "bill_daily", "meta",    "schema_version"};

static int fresh(const char *url)
{
	char why[600], sql[128];
	cs_ldb *db;

	if (!strncmp(url, "sqlite:", 7)) {
		char wal[1100];

		unlink(url + 7);
		snprintf(wal, sizeof(wal), "%s-wal", url + 7);
		unlink(wal);
		snprintf(wal, sizeof(wal), "%s-shm", url + 7);
		unlink(wal);
		return 0;
	}
	if (cs_ldb_open(url, 0, 10, &db, why, sizeof(why)) != 0) {
		fprintf(stderr, "%s\n", why);
		return -1;
	}
	for (size_t i = 0; i < sizeof(tables) / sizeof(tables[0]); i++) {
		snprintf(sql, sizeof(sql), "DROP TABLE IF EXISTS %s CASCADE", tables[i]);
		if (cs_ldb_exec(db, sql) != 0) {
			fprintf(stderr, "%s\n", cs_ldb_why(db));
			cs_ldb_close(db);
			return -1;
		}
	}
	cs_ldb_close(db);
	return 0;
}

static int die(cs_lg_store *s, const char *what)
{
	fprintf(stderr, "bench_ledger: %s: %s\n", what, cs_lg_why(s));
	return -1;
}

/* Writes the synthetic ledger; returns the rows written, < 0 on error. */
static int64_t fill(const char *url, int owners, int hours, int comps, int nodes, int64_t t0, double *secs)
{
	cs_lg_store *s;
	char why[600], node[32], ns[32], owner[32], team[32];
	int64_t src, *dim = malloc((size_t)owners * sizeof(int64_t)), rows = 0;
	uint64_t start;

	if (!dim || cs_lg_open(url, CS_LG_WRITE, 60, &s, why, sizeof(why)) != 0) {
		fprintf(stderr, "bench_ledger: %s\n", dim ? why : "out of memory");
		free(dim);
		return -1;
	}
	start = bench_now_ns();
	if (cs_lg_begin(s) != 0 || cs_lg_source(s, "bench", "bench", &src, NULL) != 0)
		goto err;
	for (int o = 0; o < owners; o++) {
		cs_lg_dims d;

		snprintf(node, sizeof(node), "node-%d", o % nodes);
		snprintf(ns, sizeof(ns), "ns-%d", o % 300);
		snprintf(owner, sizeof(owner), "owner-%d", o);
		snprintf(team, sizeof(team), "team-%d", o % 40);
		d = (cs_lg_dims){"bench", node, ns, owner, "Deployment", team};
		if (cs_lg_dim(s, &d, &dim[o]) != 0)
			goto err;
	}
	for (int h = 0; h < hours; h++) {
		int64_t hour = t0 + (int64_t)h * CS_LG_HOUR_S;

		for (int o = 0; o < owners; o++)
			for (int c = 0; c < comps; c++) {
				cs_lg_fact f = {
				    .hour = hour,
				    .source_id = src,
				    .dim_id = dim[o],
				    .component = c,
				    .energy_uj = 3600000000LL + (o % 97) * 1000003LL + h * 7 + c,
				    .op_ug = 400000 + o % 1000,
				    .emb_ug = 50000 + h % 100,
				    .intensity_g_per_kwh = 350.0 + h % 24,
				    .has_cost = true,
				    .cost_micro = 10000 + o % 500,
				};

				if (cs_lg_put_fact(s, &f, false) != 0)
					goto err;
				rows++;
			}
		for (int n = 0; n < nodes; n++) {
			cs_lg_node_hour nh;

			snprintf(node, sizeof(node), "node-%d", n);
			memset(&nh, 0, sizeof(nh));
			nh = (cs_lg_node_hour){.hour = hour,
			                       .source_id = src,
			                       .cluster = "bench",
			                       .node = node,
			                       .provider = "aws",
			                       .region = "eu-west-1",
			                       .instance = "m5.xlarge",
			                       .intensity_g_per_kwh = 350,
			                       .intensity_source = "static-region",
			                       .pue = 1.135,
			                       .first_ms = hour * 1000 + 5000,
			                       .last_ms = hour * 1000 + 3600000,
			                       .samples = 720,
			                       .covered_ms = 3600000,
			                       .has_cost = true,
			                       .cost_micro = 192000,
			                       .currency = "USD",
			                       .price_source = "file:bench",
			                       .cost_reason = ""};
			nh.energy_uj[0] = 100;
			if (cs_lg_put_node_hour(s, &nh, false) != 0)
				goto err;
		}
	}
	if (getenv("BENCH_LEDGER_VERBOSE"))
		fprintf(stderr, "  rows queued/sent: %.2f s\n", (double)(bench_now_ns() - start) / 1e9);
	if (cs_lg_set_currency(s, "USD") != 0 || cs_lg_commit(s) != 0)
		goto err;
	*secs = (double)(bench_now_ns() - start) / 1e9;
	cs_lg_close(s);
	free(dim);
	return rows;
err:
	die(s, "write");
	cs_lg_close(s);
	free(dim);
	return -1;
}

typedef struct sums_ctx {
	int64_t rows;
	__int128 e;
} sums_ctx;

static int count_cb(void *ud, int64_t day, int64_t dim, const cs_lg_sums *v)
{
	sums_ctx *c = ud;

	(void)day;
	(void)dim;
	c->rows++;
	for (int k = 0; k < CS_PART_COUNT; k++)
		c->e += v->energy_uj[k];
	return 0;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static void line(const char *what, double *v, int n, const char *unit, double scale)
{
	qsort(v, (size_t)n, sizeof(double), cmp_d);
	printf("%-44s min %10.3f  median %10.3f  max %10.3f %s\n", what, v[0] * scale, v[n / 2] * scale,
	       v[n - 1] * scale, unit);
}

int main(int argc, char **argv)
{
	char defdb[600], why[600];
	const char *url = NULL;
	int owners = 5000, hours = 730, comps = 2, nodes = 100, runs = 3;
	double imp[8], rate[8], rep_team[8], rep_owner[8], facts_q[8];
	cs_lg_period p;
	int64_t t0;

	for (int i = 1; i < argc; i++) {
		if (!strcmp(argv[i], "--db") && i + 1 < argc)
			url = argv[++i];
		else if (!strcmp(argv[i], "--owners") && i + 1 < argc)
			owners = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--hours") && i + 1 < argc)
			hours = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--components") && i + 1 < argc)
			comps = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--nodes") && i + 1 < argc)
			nodes = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--runs") && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (!strcmp(argv[i], "--smoke")) {
			owners = 200;
			hours = 48;
			runs = 1;
		} else {
			fprintf(stderr, "usage: bench_ledger [--db URL] [--owners N] [--hours N] [--components N] "
			                "[--nodes N] [--runs N] [--smoke]\n");
			return 2;
		}
	}
	if (runs < 1 || runs > 8 || owners < 1 || hours < 1 || hours > 744 || comps < 1 || comps > 4 || nodes < 1) {
		fprintf(stderr, "bench_ledger: out of range (runs 1..8, hours 1..744, components 1..4)\n");
		return 2;
	}
	if (!url) {
		snprintf(defdb, sizeof(defdb), "sqlite:%s/bench_ledger.%d.db",
		         getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", (int)getpid());
		url = defdb;
	}
	cs_lg_parse_period("2026-01", &p);
	t0 = p.start;
	printf("bench_ledger: %s, %d owners x %d hours x %d components = %lld rows, %d nodes, %d runs\n", url, owners,
	       hours, comps, (long long)owners * hours * comps, nodes, runs);
	for (int r = 0; r < runs; r++) {
		cs_lg_store *s;
		cs_lg_report rep;
		sums_ctx sc = {0};
		uint64_t a;
		int64_t rows;

		if (fresh(url) != 0)
			return 1;
		rows = fill(url, owners, hours, comps, nodes, t0, &imp[r]);
		if (rows < 0)
			return 1;
		rate[r] = (double)rows / imp[r];
		if (cs_lg_open(url, CS_LG_READ, 60, &s, why, sizeof(why)) != 0) {
			fprintf(stderr, "%s\n", why);
			return 1;
		}
		a = bench_now_ns();
		if (cs_lg_report_build(s, &p, CS_LG_BY_TEAM, NULL, t0 + 40 * 86400, &rep) != 0)
			return die(s, "report") ? 1 : 1;
		rep_team[r] = (double)(bench_now_ns() - a) / 1e9;
		if (r == 0)
			printf("  report by team: %zu rows, total %.3f kWh %.3f kgCO2e, node totals %.3f kWh\n",
			       rep.nrows, cs_lg_kwh(&rep.total), cs_lg_total_kg(&rep.total), cs_lg_kwh(&rep.nodes));
		cs_lg_report_free(&rep);
		a = bench_now_ns();
		if (cs_lg_report_build(s, &p, CS_LG_BY_OWNER, NULL, t0 + 40 * 86400, &rep) != 0)
			return die(s, "report") ? 1 : 1;
		rep_owner[r] = (double)(bench_now_ns() - a) / 1e9;
		cs_lg_report_free(&rep);
		a = bench_now_ns();
		if (cs_lg_begin_read(s) != 0 || cs_lg_read_dim_totals_facts(s, p.start, p.end, count_cb, &sc) != 0)
			return die(s, "facts query") ? 1 : 1;
		cs_lg_end_read(s);
		facts_q[r] = (double)(bench_now_ns() - a) / 1e9;
		cs_lg_close(s);
		printf("  run %d: import %.2f s (%.0f rows/s), report by team %.3f s, by owner %.3f s, per-owner sums "
		       "from facts %.3f s (%lld groups)\n",
		       r + 1, imp[r], rate[r], rep_team[r], rep_owner[r], facts_q[r], (long long)sc.rows);
	}
	line("import (rows/s)", rate, runs, "rows/s", 1);
	line("import (s)", imp, runs, "s", 1);
	line("monthly report by team (s)", rep_team, runs, "s", 1);
	line("monthly report by owner (s)", rep_owner, runs, "s", 1);
	line("per-owner month sums from facts, no rollup (s)", facts_q, runs, "s", 1);
	fresh(url);
	return 0;
}
