/* plan/csvin.h - the planner's small CSV inputs: the inventory, the
 * throughput override and the price file.
 *
 * They are read through billing's scanner (billing/csv.h: RFC 4180, quoted
 * fields, CRLF, BOM, gzip, "-" for stdin), so the planner has no CSV code
 * of its own. On top of it this module does what the three inputs share: a
 * header naming the columns (any order, any case; a required column missing,
 * a column named twice or, when strict, an unknown column is an error),
 * '#' comment lines and blank lines skipped, fields with surrounding blanks
 * trimmed, and every complaint worded "FILE:LINE:COLUMN: what; the fix",
 * COLUMN being the 1-based character column of the field in its line, so
 * an editor opens at the right place.
 */
#ifndef CS_PLAN_CSVIN_H
#define CS_PLAN_CSVIN_H

#include <stdbool.h>
#include <stddef.h>

#include "billing/csv.h"
#include "billing/source.h"

#define PLAN_CSV_MAX_COLS 16

/* One column the caller reads. */
typedef struct plan_col {
	const char *name; /* as the header spells it, lower case */
	bool required;
} plan_col;

typedef struct plan_csv {
	cs_bill_src *src;
	cs_csv *csv;
	const plan_col *cols;
	size_t ncols;
	int idx[PLAN_CSV_MAX_COLS];   /* field index of each column in a record, -1 = not in the header */
	size_t header_nf;             /* fields of the header line */
	cs_csv_rec rec;               /* the current record */
	char *val[PLAN_CSV_MAX_COLS]; /* each column's trimmed value in it */
	const char *header;           /* the expected header, for messages */
} plan_csv;

/* Opens path ("-" = stdin), or len bytes of memory when buf is not NULL
 * (name is then what messages call it), and reads the header. header is
 * the expected header line, quoted in messages. strict: an unknown column
 * is an error (else ignored). 0 or a negative code with why. */
int plan_csv_open(plan_csv *c, const char *path, const char *buf, size_t len, const plan_col *cols, size_t ncols,
                  const char *header, bool strict, char *why, size_t cap);

/* Next data row: 1, 0 at the end, or a negative code with why. */
int plan_csv_next(plan_csv *c, char *why, size_t cap);

/* Column col of the current row, trimmed; "" when absent from the header. */
const char *plan_csv_field(const plan_csv *c, size_t col);

/* Whether the header has column col. */
bool plan_csv_has(const plan_csv *c, size_t col);

/* Line of the current row and the character column of field col in it. */
unsigned long plan_csv_line(const plan_csv *c);
unsigned plan_csv_column(const plan_csv *c, size_t col);

/* Writes "NAME:LINE:COLUMN: <fmt>" into why and returns CS_EINVAL. */
int plan_csv_error(const plan_csv *c, size_t col, char *why, size_t cap, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

/* The name messages use for the input. */
const char *plan_csv_name(const plan_csv *c);

/* NULL-safe on a zeroed or half-opened struct. */
void plan_csv_close(plan_csv *c);

#endif
