/* billing/csv.h - the streaming RFC 4180 scanner bill files are read with.
 *
 * Speed is the point: a 1M-row AWS CUR is ~800 MB of text, and the whole
 * ingest has about a microsecond per row. The scanner keeps one buffer
 * (1 MiB, grown only for a record longer than that, up to 64 MiB), finds the
 * structural bytes (',' '"' '\n') 64 at a time with SSE2 bitmasks, and hands
 * out each record as pointers into that buffer: fields are NUL-terminated
 * and unescaped ("" -> ") in place, nothing is allocated per row.
 *
 * Accepted: quoted fields with commas, quotes and newlines; CRLF or LF; a
 * UTF-8 BOM; a last record without a newline; a stray quote inside an
 * unquoted field (kept as text, as every spreadsheet writes it). Rejected
 * (the record is reported with its file:line and skipped, the scan goes
 * on): text after a closing quote ("ab"c). Fatal: a quote still open at the
 * end of the file, a record over 64 MiB. Line numbers are physical lines
 * (a quoted newline counts), so "file:line" opens at the right place.
 */
#ifndef CS_BILLING_CSV_H
#define CS_BILLING_CSV_H

#include <stddef.h>
#include <stdint.h>

#include "billing/source.h"

typedef struct cs_csv cs_csv;

/* One record: valid until the next cs_csv_next call. */
typedef struct cs_csv_rec {
	size_t nf;       /* number of fields (1 for an empty line) */
	char **f;        /* field text, NUL-terminated, unescaped */
	uint32_t *n;     /* field lengths */
	uint8_t *quoted; /* 1 if the field was written in quotes */
	uint64_t line;   /* physical line (1-based) where the record starts */
} cs_csv_rec;

/* Scans src (not owned). */
int cs_csv_new(cs_bill_src *src, cs_csv **out);

/* Next record: 1 = *rec filled, 0 = end of input, CS_EINVAL = this record
 * is malformed (why = "FILE:LINE: reason"; it was skipped and the next call
 * goes on), any other negative = fatal (I/O, corrupt gzip, open quote at
 * the end, record too long). */
int cs_csv_next(cs_csv *c, cs_csv_rec *rec, char *why, size_t cap);

/* Declares the fields the caller will read (column indices; negative ones
 * are ignored; field 0 is always kept). From the next record on, only these
 * are NUL-terminated and unescaped, and a run of other fields is skipped
 * with one popcount of its commas: a bill mapper reads ~20 of a CUR's ~90
 * columns. The others read as "" (length 0, quoted unspecified); nf and the
 * quoting rules (a malformed quote anywhere is still reported) are kept. */
int cs_csv_want(cs_csv *c, const int *cols, size_t n);

/* Bytes of text scanned so far (after inflating). */
uint64_t cs_csv_bytes(const cs_csv *c);

void cs_csv_free(cs_csv *c);

#endif
