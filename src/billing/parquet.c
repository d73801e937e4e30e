/* billing/parquet.c - Parquet through a run-time loaded libduckdb (see parquet.h).
 *
 * Only the handful of DuckDB C API calls below are used, with the C ABI
 * types they take declared here (DuckDB's duckdb.h is not a Debian
 * package): handles are pointers, duckdb_state an int (0 = success),
 * idx_t a uint64_t, duckdb_result a 48-byte struct passed by value to
 * duckdb_fetch_chunk, and a VARCHAR vector an array of 16-byte
 * duckdb_string_t (inline up to 12 bytes, else length + prefix + pointer).
 */
#include "billing/parquet.h"

#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <carbonstat/error.h>

#include "core/mem.h"
#include "core/why.h"

typedef uint64_t idx_t;
typedef void *duckdb_handle; /* database, connection, prepared, chunk, vector */
typedef struct duckdb_result {
	idx_t column_count, row_count, rows_changed;
	void *columns;
	char *error_message;
	void *internal_data;
} duckdb_result;
typedef struct duckdb_string_t {
	union {
		struct {
			uint32_t length;
			char prefix[4];
			char *ptr;
		} pointer;
		struct {
			uint32_t length;
			char inlined[12];
		} inlined;
	} value;
} duckdb_string_t;

typedef struct duck_api {
	void *so;
	int (*open)(const char *, duckdb_handle *);
	void (*close)(duckdb_handle *);
	int (*connect)(duckdb_handle, duckdb_handle *);
	void (*disconnect)(duckdb_handle *);
	int (*prepare)(duckdb_handle, const char *, duckdb_handle *);
	const char *(*prepare_error)(duckdb_handle);
	void (*destroy_prepare)(duckdb_handle *);
	int (*execute_streaming)(duckdb_handle, duckdb_result *);
	const char *(*result_error)(duckdb_result *);
	void (*destroy_result)(duckdb_result *);
	idx_t (*column_count)(duckdb_result *);
	const char *(*column_name)(duckdb_result *, idx_t);
	duckdb_handle (*fetch_chunk)(duckdb_result);
	idx_t (*chunk_size)(duckdb_handle);
	duckdb_handle (*chunk_vector)(duckdb_handle, idx_t);
	void (*destroy_chunk)(duckdb_handle *);
	void *(*vector_data)(duckdb_handle);
	uint64_t *(*vector_validity)(duckdb_handle);
} duck_api;

struct cs_parquet {
	duck_api api;
	duckdb_handle db, conn, prep;
	duckdb_result res;
	bool have_res;
	idx_t ncols;
	duckdb_handle chunk;
	idx_t chunk_rows, row;
	bool header_done, done;
	uint64_t line;
	char *out;
	size_t outcap;
	char **fptr;
	uint32_t *flen;
	uint8_t *fq;
	char name[256];
};

bool cs_parquet_magic(const char *p, size_t n)
{
	return n >= 4 && !memcmp(p, "PAR1", 4);
}

static int load(duck_api *a, const char *lib_path, char *why, size_t cap)
{
	const char *path = lib_path && *lib_path ? lib_path : getenv("CS_DUCKDB_LIB");

	if (!path || !*path)
		path = "libduckdb.so";
	a->so = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!a->so) {
		cs_set_why(why, cap,
		           "reading Parquet needs DuckDB's C library (%s), which could not be loaded: install "
		           "libduckdb.so or set CS_DUCKDB_LIB to its path, or export the bill as CSV",
		           path);
		return CS_EUNAVAIL;
	}
#define SYM(field, name)                                                                                               \
	do {                                                                                                           \
		*(void **)(&a->field) = dlsym(a->so, name);                                                            \
		if (!a->field) {                                                                                       \
			cs_set_why(why, cap, "%s has no %s: DuckDB 0.10 or newer is needed for Parquet", path, name);  \
			return CS_EUNAVAIL;                                                                            \
		}                                                                                                      \
	} while (0)
	SYM(open, "duckdb_open");
	SYM(close, "duckdb_close");
	SYM(connect, "duckdb_connect");
	SYM(disconnect, "duckdb_disconnect");
	SYM(prepare, "duckdb_prepare");
	SYM(prepare_error, "duckdb_prepare_error");
	SYM(destroy_prepare, "duckdb_destroy_prepare");
	SYM(execute_streaming, "duckdb_execute_prepared_streaming");
	SYM(result_error, "duckdb_result_error");
	SYM(destroy_result, "duckdb_destroy_result");
	SYM(column_count, "duckdb_column_count");
	SYM(column_name, "duckdb_column_name");
	SYM(fetch_chunk, "duckdb_fetch_chunk");
	SYM(chunk_size, "duckdb_data_chunk_get_size");
	SYM(chunk_vector, "duckdb_data_chunk_get_vector");
	SYM(destroy_chunk, "duckdb_destroy_data_chunk");
	SYM(vector_data, "duckdb_vector_get_data");
	SYM(vector_validity, "duckdb_vector_get_validity");
#undef SYM
	return 0;
}

int cs_parquet_open(const char *path, const char *lib_path, cs_parquet **out, char *why, size_t cap)
{
	cs_parquet *q = calloc(1, sizeof *q);
	char *sql = NULL;
	size_t k = 0;
	int rc;

	if (!q)
		return CS_ENOMEM;
	cs_set_why(q->name, sizeof q->name, "%s", path);
	if ((rc = load(&q->api, lib_path, why, cap)))
		goto fail;
	rc = CS_EINVAL;
	if (q->api.open(NULL, &q->db) || q->api.connect(q->db, &q->conn)) {
		cs_set_why(why, cap, "%s: DuckDB could not start an in-memory database", path);
		goto fail;
	}
	/* read_parquet('path'), quotes doubled */
	sql = malloc(strlen(path) * 2 + 80);
	if (!sql) {
		rc = CS_ENOMEM;
		goto fail;
	}
	k = (size_t)sprintf(sql, "SELECT COLUMNS(*)::VARCHAR FROM read_parquet('");
	for (const char *p = path; *p; p++) {
		if (*p == '\'')
			sql[k++] = '\'';
		sql[k++] = *p;
	}
	strcpy(sql + k, "')");
	if (q->api.prepare(q->conn, sql, &q->prep)) {
		cs_set_why(why, cap, "%s: not a readable Parquet file: %s", path,
		           q->prep ? q->api.prepare_error(q->prep) : "prepare failed");
		goto fail;
	}
	if (q->api.execute_streaming(q->prep, &q->res)) {
		q->have_res = true;
		cs_set_why(why, cap, "%s: %s", path, q->api.result_error(&q->res));
		goto fail;
	}
	q->have_res = true;
	q->ncols = q->api.column_count(&q->res);
	q->fptr = calloc(q->ncols ? q->ncols : 1, sizeof *q->fptr);
	q->flen = calloc(q->ncols ? q->ncols : 1, sizeof *q->flen);
	q->fq = calloc(q->ncols ? q->ncols : 1, 1);
	q->outcap = 1u << 16;
	q->out = malloc(q->outcap);
	if (!q->fptr || !q->flen || !q->fq || !q->out) {
		rc = CS_ENOMEM;
		goto fail;
	}
	free(sql);
	*out = q;
	return 0;
fail:
	free(sql);
	cs_parquet_free(q);
	return rc;
}

/* Copies the row's values, NUL-terminated, into q->out. */
static int emit(cs_parquet *q, cs_csv_rec *rec, bool header)
{
	size_t need = 0, off = 0;
	idx_t c;

	for (c = 0; c < q->ncols; c++) {
		if (header) {
			need += strlen(q->api.column_name(&q->res, c)) + 1;
		} else {
			duckdb_handle v = q->api.chunk_vector(q->chunk, c);
			uint64_t *valid = q->api.vector_validity(v);
			duckdb_string_t *s = (duckdb_string_t *)q->api.vector_data(v) + q->row;
			bool ok = !valid || (valid[q->row / 64] >> (q->row % 64) & 1);
			need += (ok ? s->value.inlined.length : 0) + 1;
		}
	}
	if (cs_grow(&q->out, &q->outcap, need, 1, 1u << 16))
		return CS_ENOMEM;
	for (c = 0; c < q->ncols; c++) {
		const char *p = "";
		uint32_t n = 0;

		if (header) {
			p = q->api.column_name(&q->res, c);
			n = (uint32_t)strlen(p);
		} else {
			duckdb_handle v = q->api.chunk_vector(q->chunk, c);
			uint64_t *valid = q->api.vector_validity(v);
			duckdb_string_t *s = (duckdb_string_t *)q->api.vector_data(v) + q->row;
			if (!valid || (valid[q->row / 64] >> (q->row % 64) & 1)) {
				n = s->value.inlined.length;
				p = n <= 12 ? s->value.inlined.inlined : s->value.pointer.ptr;
			}
		}
		if (n)
			memcpy(q->out + off, p, n);
		q->out[off + n] = '\0';
		q->fptr[c] = q->out + off;
		q->flen[c] = n;
		q->fq[c] = 1;
		off += n + 1;
	}
	rec->nf = q->ncols;
	rec->f = q->fptr;
	rec->n = q->flen;
	rec->quoted = q->fq;
	rec->line = ++q->line;
	return 1;
}

int cs_parquet_next(cs_parquet *q, cs_csv_rec *rec, char *why, size_t cap)
{
	(void)why;
	(void)cap;
	if (!q->header_done) {
		q->header_done = true;
		return emit(q, rec, true);
	}
	while (!q->done) {
		if (q->chunk && q->row + 1 < q->chunk_rows) {
			q->row++;
			return emit(q, rec, false);
		}
		if (q->chunk)
			q->api.destroy_chunk(&q->chunk);
		q->chunk = q->api.fetch_chunk(q->res);
		if (!q->chunk) {
			q->done = true;
			break;
		}
		q->chunk_rows = q->api.chunk_size(q->chunk);
		if (!q->chunk_rows)
			continue;
		q->row = 0;
		return emit(q, rec, false);
	}
	return 0;
}

void cs_parquet_free(cs_parquet *q)
{
	if (!q)
		return;
	if (q->api.so) {
		if (q->chunk)
			q->api.destroy_chunk(&q->chunk);
		if (q->have_res)
			q->api.destroy_result(&q->res);
		if (q->prep)
			q->api.destroy_prepare(&q->prep);
		if (q->conn)
			q->api.disconnect(&q->conn);
		if (q->db)
			q->api.close(&q->db);
		dlclose(q->api.so);
	}
	free(q->out);
	free(q->fptr);
	free(q->flen);
	free(q->fq);
	free(q);
}
