/* billing/ingest.h - a whole bill in: files read, lines classified, energy,
 * carbon and cost accumulated into daily rows.
 *
 * The grain kept is the daily row: day x provider x account x service x
 * region x currency x tag value (of one tag key given up front) x class,
 * with the exact effective and billed cost, modelled kWh and embodied
 * gCO2e, and (after cs_bill_finish) the estimate for unclassified usage and
 * the region's grid intensity. That is what the ledger (issue 11) will store
 * per billing period; every --by grouping is a roll-up of it. Alongside:
 * unit prices (effective cost per instance-hour by type, region and
 * currency) and the unclassified usage keys by cost ("top causes").
 *
 * No line is lost: every mapped line lands in exactly one daily row, and
 * cs_bill_conserved() compares the per-currency sums of the rows with the
 * sums taken line by line as they were read, exactly (cs_money).
 * Memory is bounded by the number of distinct keys, not by the bill's size.
 */
#ifndef CS_BILLING_INGEST_H
#define CS_BILLING_INGEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "billing/bill.h"
#include "billing/classify.h"
#include "billing/source.h"
#include "billing/util.h"

typedef struct cs_bill_opts {
	cs_bill_format format;  /* AUTO: detect per file */
	const char *tag_key;    /* tag whose value the daily rows keep; NULL: none */
	bool strict;            /* a malformed row is fatal (else reported and skipped) */
	double cpu_util;        /* 0..1; < 0: the model's default (0.5) */
	double pue;             /* > 0: override the providers' PUE */
	const char *duckdb_lib; /* Parquet: path of libduckdb.so, NULL: search */
	/* Measured CPU utilisation by machine and day (the ledger's, --ledger;
	 * billing/util.h): instance- and vCPU-hour lines whose resource id it
	 * knows for their day are priced with it instead of cpu_util. NULL: none.
	 * Borrowed: it must outlive the cs_bill. */
	const cs_bill_util *util;
	/* Each malformed row and warning as one "file:line: reason" line. */
	void (*report)(void *ctx, const char *line);
	void *report_ctx;
	unsigned max_reports; /* per file; the rest are counted (0: 20) */
} cs_bill_opts;

void cs_bill_opts_init(cs_bill_opts *o);

/* Lines whose energy follows a CPU utilisation (instance- and vCPU-hours,
 * serverless GB-seconds): their cost (eff) and kWh (v[CS_CPU_KWH]); of
 * them, those priced with the ledger's measured utilisation (opts.util):
 * cost (meas_eff), kWh, kWh they would have had at the stated default, and
 * their hours (instance- or vCPU-hours) plain and times the measured
 * utilisation (their mean). */
enum { CS_CPU_KWH = 0, CS_CPU_MEAS_KWH, CS_CPU_MEAS_KWH_DEFAULT, CS_CPU_MEAS_HOURS, CS_CPU_MEAS_BUSY_HOURS, CS_CPU_N };

typedef struct cs_bill_cpu {
	cs_money eff, meas_eff;
	double v[CS_CPU_N]; /* v[CS_CPU_KWH] within 48 bytes of eff: one cache line more per CPU-priced line */
} cs_bill_cpu;

static inline void cs_bill_cpu_add(cs_bill_cpu *t, const cs_bill_cpu *r)
{
	t->eff += r->eff;
	t->meas_eff += r->meas_eff;
	for (int i = 0; i < CS_CPU_N; i++)
		t->v[i] += r->v[i];
}

/* The sums a daily row holds and a currency's total adds up over the rows
 * (cs_bill_measures_add), and the groups of rows too. */
typedef struct cs_bill_measures {
	cs_money eff, billed;
	cs_money unknown_eff;      /* eff of unclassified usage (= eff for CS_BC_UNKNOWN rows) */
	double kwh;                /* modelled, PUE included */
	double emb_g;              /* modelled embodied */
	double est_kwh, est_emb_g; /* unclassified usage, by its service's kWh per cost */
	double op_g;               /* (kwh + est_kwh) x the row's intensity */
	cs_bill_cpu cpu;           /* with opts.util only (else 0) */
} cs_bill_measures;

static inline void cs_bill_measures_add(cs_bill_measures *t, const cs_bill_measures *r)
{
	t->eff += r->eff;
	t->billed += r->billed;
	t->unknown_eff += r->unknown_eff;
	t->kwh += r->kwh;
	t->emb_g += r->emb_g;
	t->est_kwh += r->est_kwh;
	t->est_emb_g += r->est_emb_g;
	t->op_g += r->op_g;
	cs_bill_cpu_add(&t->cpu, &r->cpu);
}

/* One daily row. Strings are ids for cs_bill_str(). */
typedef struct cs_bill_row {
	uint32_t provider, account, service, region, currency, tag;
	int day;               /* yyyymmdd, 0 = not given */
	uint8_t cls;           /* cs_bill_class */
	uint8_t intensity_src; /* 0 region table, 1 provider mean (region unknown) */
	uint64_t lines;
	double intensity_g_per_kwh; /* location-based, of the region */
	cs_bill_measures sum;
} cs_bill_row;

/* Effective cost per instance-hour of one type in one region. */
typedef struct cs_bill_price {
	const cs_instance *inst;
	uint32_t provider, region, currency;
	double hours;
	cs_money eff;
} cs_bill_price;

/* One unclassified usage key, with what it cost. */
typedef struct cs_bill_cause {
	uint32_t provider, service, usage, currency;
	const char *note;
	cs_money eff;
	uint64_t lines;
} cs_bill_cause;

/* Sums of one currency. */
typedef struct cs_bill_total {
	uint32_t currency;
	cs_money in_eff, in_billed; /* summed line by line while reading */
	cs_bill_measures out;       /* summed over the daily rows */
	cs_money nonusage_eff;
} cs_bill_total;

typedef struct cs_bill_stats {
	uint64_t files, records, lines, blank, malformed, unreported;
	uint64_t money_rounded; /* lines with a cost below 1e-18 rounded */
	uint64_t no_region;     /* usage lines whose region is not in the tables */
	uint64_t no_day;
	uint64_t keys;        /* distinct classification keys */
	uint64_t util_lines;  /* lines priced with the measured utilisation */
	uint64_t util_missed; /* CPU-priced lines with a resource id the ledger does not know for their day */
	bool no_amortisation; /* an AWS file without reservation/savings plan columns */
	cs_bill_format formats_seen[8];
	unsigned nformats;
	int focus_minor;
} cs_bill_stats;

typedef struct cs_bill cs_bill;

int cs_bill_new(const cs_bill_opts *o, cs_bill **out);
void cs_bill_free(cs_bill *b);

/* Reads one file ("-" = stdin): CSV, CSV.gz, GCP JSON lines (.gz too), or
 * Parquet through libduckdb. Returns 0, or a negative code with why
 * ("FILE: ..." or "FILE:LINE: ..." under --strict). */
int cs_bill_add_file(cs_bill *b, const char *path, char *why, size_t cap);

/* The same over a source the caller opened (tests, fuzzing). */
int cs_bill_add_src(cs_bill *b, cs_bill_src *src, char *why, size_t cap);

/* Adds one mapped line (tests, and the readers above). */
int cs_bill_add_line(cs_bill *b, const cs_bill_line *l);

/* Estimates unclassified usage by cost, sets intensities and totals. Call
 * once after the last file. */
int cs_bill_finish(cs_bill *b);

const char *cs_bill_str(const cs_bill *b, uint32_t id);
const cs_bill_row *cs_bill_rows(const cs_bill *b, size_t *n);
const cs_bill_price *cs_bill_prices(const cs_bill *b, size_t *n);
/* Unclassified keys, most costly first (after finish). */
const cs_bill_cause *cs_bill_causes(const cs_bill *b, size_t *n);
const cs_bill_total *cs_bill_totals(const cs_bill *b, size_t *n);
const cs_bill_stats *cs_bill_get_stats(const cs_bill *b);
const cs_bill_model *cs_bill_get_model(const cs_bill *b);
/* True when, for every currency, the rows' sums equal the lines' sums. */
bool cs_bill_conserved(const cs_bill *b);

#endif
