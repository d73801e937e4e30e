/* billing/parquet.h - Parquet bill files through DuckDB, loaded at run time.
 *
 * CUR 2.0 and FOCUS exports are often Parquet. Debian ships no Parquet
 * reader, so carbonstat does not link one: when a file starts with the
 * Parquet magic ("PAR1") it loads DuckDB's C library (libduckdb.so) with
 * dlopen, streams "SELECT COLUMNS(*)::VARCHAR FROM read_parquet(FILE)" chunk
 * by chunk, and hands each row to the same mappers as a CSV record (map
 * columns arrive as DuckDB's {k=v, ...} text, which the tag lookup reads).
 * Where the library is absent the file fails with one line naming it.
 *
 * The library is found at lib_path if given, else $CS_DUCKDB_LIB, else as
 * "libduckdb.so" on the loader's search path.
 */
#ifndef CS_BILLING_PARQUET_H
#define CS_BILLING_PARQUET_H

#include <stdbool.h>

#include "billing/csv.h"

typedef struct cs_parquet cs_parquet;

/* True if the first bytes are Parquet's magic. */
bool cs_parquet_magic(const char *p, size_t n);

/* Opens path through DuckDB. CS_EUNAVAIL with why naming libduckdb.so when
 * the library cannot be loaded. */
int cs_parquet_open(const char *path, const char *lib_path, cs_parquet **out, char *why, size_t cap);
/* Same contract as cs_csv_next; the first record is the header. */
int cs_parquet_next(cs_parquet *q, cs_csv_rec *rec, char *why, size_t cap);
void cs_parquet_free(cs_parquet *q);

#endif
