/* tests/support/ledger_fixture.h - what the ledger's unit tests share.
 *
 * Owns:
 *   - the database under test: a new SQLite file in a temp directory, or,
 *     when CS_LEDGER_PG_URL is set (tests/ledger/with_pg.sh starts a real
 *     PostgreSQL server and sets it), that database with every ledger table
 *     dropped first, so the same test runs on both backends;
 *   - agent JSON lines written with exact microjoules: lf_cycle writes one
 *     whole cycle (the node line, then its rows, which add up to it), as
 *     src/exporters/jsonl.c prints them (joules = uJ / 1e6, 15 significant
 *     digits).
 */
#ifndef CS_TESTS_SUPPORT_LEDGER_FIXTURE_H
#define CS_TESTS_SUPPORT_LEDGER_FIXTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

/* A fresh, empty ledger URL for this test; *dir gets the temp directory
 * (removed by lf_cleanup). */
void lf_fresh_db(char *url, size_t cap, char *dir, size_t dircap, const char *tag);
void lf_cleanup(const char *dir);
/* Another empty ledger in the same test: a new SQLite file in dir, or the
 * PostgreSQL database emptied again. */
void lf_reset_db(char *url, size_t cap, const char *dir);
/* True when the tests run against PostgreSQL. */
bool lf_is_pg(void);

/* One agent row. */
typedef struct lf_row {
	const char *type; /* "workload", "system", "idle" */
	const char *ns, *owner, *owner_kind, *team;
	int64_t cpu_uj, dram_uj;
	double op_g, emb_g;
} lf_row;

/* Writes one cycle of node ending at ts_ms (RFC 3339 in the line). The node
 * line's energy is the rows' sum; cluster NULL leaves the member out;
 * provider/instance/region "" leave the node without a price key. */
void lf_cycle(FILE *f, const char *cluster, const char *node, int64_t ts_ms, int64_t seq, double interval_s,
              const lf_row *rows, size_t nrows, double intensity, const char *provider, const char *region,
              const char *instance);

/* A standard cycle: three workloads, system and idle, energies from seq. */
void lf_std_cycle(FILE *f, const char *node, int64_t ts_ms, int64_t seq);
/* The node energy (uJ, cpu + dram) of lf_std_cycle's cycle seq. */
int64_t lf_std_energy(int64_t seq);

/* RFC 3339 with milliseconds. */
void lf_rfc3339(int64_t ms, char out[80]);

#endif
