/* ledger/render.h - the report written out: a table for people, CSV and JSON
 * for programs, one self-contained HTML page for sharing.
 *
 * Every format carries the same figures from cs_lg_report (report.h): per
 * row kWh, operational, embodied and total kgCO2e, cost, gCO2e per currency
 * unit, share of the total and change against the previous period; the
 * total row (the sum of the rows) beside the node totals; top movers;
 * missing hours and gaps; why costs are missing; SCI; budgets. JSON also
 * has the exact integers (microjoules, micrograms, micro-currency) so a
 * program can check the sums itself. HTML is one file with inline CSS and
 * inline SVG charts (daily kgCO2e stacked by team, carbon vs cost per
 * team, top owners): no script, no font, no URL, so it opens offline and
 * in a mail client.
 */
#ifndef CS_LEDGER_RENDER_H
#define CS_LEDGER_RENDER_H

#include <stdio.h>

#include "ledger/report.h"

typedef enum cs_lg_fmt {
	CS_LG_FMT_TABLE = 0,
	CS_LG_FMT_CSV,
	CS_LG_FMT_JSON,
	CS_LG_FMT_HTML,
} cs_lg_fmt;

int cs_lg_fmt_parse(const char *s, cs_lg_fmt *out);

/* Writes r to f; 0, or -errno when writing failed. */
int cs_lg_render(const cs_lg_report *r, cs_lg_fmt fmt, FILE *f);
int cs_lg_render_html(const cs_lg_report *r, FILE *f);

/* Shared by the renderers. */
/* v for people: `decimals` decimals from 1 up (and for 0), three
 * significant digits below 1 (0.00412, not 0.004), into buf. */
const char *cs_lg_num(double v, int decimals, char buf[40]);
/* v in decimal into buf[48]. */
const char *cs_lg_i128_str(cs_lg_i128 v, char buf[48]);
/* The missing hours as ranges: cb(first hour, last hour ("2026-11-05T13:00Z"),
 * hours) per range. */
typedef void (*cs_lg_range_cb)(void *ud, const char *from, const char *to, int64_t n);
void cs_lg_missing_ranges(const cs_lg_report *r, cs_lg_range_cb cb, void *ud);
/* A bill line's figures (kWh with the by-cost estimate; operational +
 * embodied kgCO2e) and what the agents measured beside it: the team's row
 * when the report is by team (NULL: no such team), else the total. */
double cs_lg_bill_kwh(const cs_lg_bill_line *b);
double cs_lg_bill_kg(const cs_lg_bill_line *b);
const cs_lg_amounts *cs_lg_bill_measured(const cs_lg_report *r, const cs_lg_bill_line *b);
/* Total kgCO2e per currency unit of a row: grams per unit, NAN without cost. */
double cs_lg_g_per_currency(const cs_lg_amounts *a);
/* Share of the total carbon, 0..1 (NAN when the total is 0). */
double cs_lg_share(const cs_lg_report *r, const cs_lg_amounts *a);

#endif
