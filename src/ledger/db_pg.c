/* ledger/db_pg.c - the PostgreSQL backend of db.h (libpq, loaded at run time).
 *
 * libpq.so.5 is dlopen()ed when a postgresql:// URL is opened and its
 * functions are kept in the connection's own table (no process-wide state;
 * dlopen counts references, and the library is never unloaded, see
 * pg_close):
 * linking it would load OpenSSL, Kerberos and LDAP into every carbonstat
 * process, the node agent included. The headers come from libpq-dev at
 * build time; at run time a missing library is one line naming the package.
 *
 * The write lock is a transaction-scoped advisory lock
 * (pg_advisory_xact_lock on one fixed key): every ledger writer of the
 * database takes it right after BEGIN, so imports and syncs run one at a
 * time whatever tables they touch, and the lock goes away with the
 * transaction, or with the connection if the writer is killed. lock_timeout
 * bounds the wait. Reports read in a REPEATABLE READ READ ONLY snapshot.
 *
 * Statements use $1..$n natively. They are prepared on first execution,
 * with the parameter types of the values bound then (int8, float8, text),
 * so the server never has to guess (a bare "$1 + 86400" would be int4).
 * Values travel in text format. The bulk path is COPY ... FROM STDIN in
 * binary format (no number printed or parsed), sent in 256 KiB chunks.
 */
#include "ledger/db.h"

#include <dlfcn.h>
#include <errno.h>
#include <libpq-fe.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"

#define PG_LIB        "libpq.so.5"
#define PG_LOCK_KEY   "4357243117" /* the ledger's advisory lock: "carb" + 1 */
#define PG_MAX_PARAMS 64
#define PG_COPY_CHUNK (256u * 1024u)
#define PG_NUM_MAX    32

#define OID_INT8    20
#define OID_INT2    21
#define OID_INT4    23
#define OID_FLOAT4  700
#define OID_FLOAT8  701
#define OID_TEXT    25
#define OID_NUMERIC 1700

/* The libpq functions used, by name. */
typedef struct pg_api {
	void *dl;
	PGconn *(*connectdb)(const char *);
	ConnStatusType (*status)(const PGconn *);
	char *(*errorMessage)(const PGconn *);
	void (*finish)(PGconn *);
	PGresult *(*exec)(PGconn *, const char *);
	PGresult *(*prepare)(PGconn *, const char *, const char *, int, const Oid *);
	PGresult *(*execPrepared)(PGconn *, const char *, int, const char *const *, const int *, const int *, int);
	ExecStatusType (*resultStatus)(const PGresult *);
	char *(*resultErrorField)(const PGresult *, int);
	char *(*resultErrorMessage)(const PGresult *);
	void (*clear)(PGresult *);
	int (*ntuples)(const PGresult *);
	char *(*getvalue)(const PGresult *, int, int);
	int (*getisnull)(const PGresult *, int, int);
	Oid (*ftype)(const PGresult *, int);
	int (*putCopyData)(PGconn *, const char *, int);
	int (*putCopyEnd)(PGconn *, const char *);
	PGresult *(*getResult)(PGconn *);
	PQnoticeProcessor (*setNoticeProcessor)(PGconn *, PQnoticeProcessor, void *);
} pg_api;

typedef struct pg_state {
	pg_api api;
	PGconn *c;
	unsigned next_stmt; /* prepared statement names s1, s2, ... */
	char *copy;         /* COPY buffer */
	size_t copy_len, copy_cap;
	bool copying;
} pg_state;

struct cs_ldb_stmt {
	cs_ldb_stmt_head head;
	char *sql;
	char name[16];
	bool prepared;
	int nparams;                         /* highest $N bound */
	Oid types[PG_MAX_PARAMS];            /* of the first execution */
	const char *vals[PG_MAX_PARAMS];     /* text form, or NULL for SQL NULL */
	char num[PG_MAX_PARAMS][PG_NUM_MAX]; /* storage for numbers' text */
	PGresult *res;
	int row, nrows;
};

static pg_state *st_of(cs_ldb *db)
{
	return db->be;
}

static void pg_quiet(void *arg, const char *msg)
{
	(void)arg;
	(void)msg; /* NOTICEs ("relation already exists, skipping") are not for users */
}

/* The message of a result or of the connection, on one line. */
static void one_line(char *s)
{
	for (char *p = s; *p; p++)
		if (*p == '\n' || *p == '\r' || *p == '\t')
			*p = ' ';
	for (size_t n = strlen(s); n > 0 && s[n - 1] == ' '; n--)
		s[n - 1] = '\0';
}

/* Maps a failed result (res may be NULL: connection-level) to a code and
 * the why line. */
static int pg_fail(cs_ldb *db, PGresult *res, const char *what)
{
	pg_state *s = st_of(db);
	const char *state = res ? s->api.resultErrorField(res, PG_DIAG_SQLSTATE) : NULL;
	const char *prim = res ? s->api.resultErrorField(res, PG_DIAG_MESSAGE_PRIMARY) : NULL;
	char msg[300];
	int code = -EIO;

	snprintf(msg, sizeof(msg), "%s", prim ? prim : s->api.errorMessage(s->c));
	one_line(msg);
	if (!state)
		state = "";
	if (!strcmp(state, "55P03") || !strcmp(state, "40P01"))
		return cs_ldb_fail(db, CS_EUNAVAIL,
		                   "ledger: %s is locked by another import or sync (%s); try again when it is done, or "
		                   "raise --lock-timeout",
		                   db->name, msg);
	if (!strcmp(state, "25006") || !strcmp(state, "42501"))
		return cs_ldb_fail(db, CS_EUNAVAIL,
		                   "ledger: %s refuses writes (%s); connect as a user that may write, to the primary, "
		                   "or pass another --db",
		                   db->name, msg);
	if (!strcmp(state, "53100"))
		return cs_ldb_fail(db, -ENOSPC, "ledger: %s: disk full while %s (%s)", db->name, what, msg);
	if (state[0] == '0' && state[1] == '8')
		code = CS_EUNAVAIL;
	else if (state[0] == '2' && (state[1] == '2' || state[1] == '3'))
		code = CS_EINVAL;
	else if (state[0] == '4' && state[1] == '2')
		code = CS_EINVAL;
	else if (!res && s->api.status(s->c) != CONNECTION_OK)
		code = CS_EUNAVAIL;
	return cs_ldb_fail(db, code, "ledger: %s: %s while %s%s%s%s", db->name, msg, what, *state ? " (SQLSTATE " : "",
	                   state, *state ? ")" : "");
}

static int load_api(cs_ldb *db, pg_api *a)
{
	a->dl = dlopen(PG_LIB, RTLD_NOW | RTLD_LOCAL);
	if (!a->dl)
		return cs_ldb_fail(db, CS_EUNAVAIL,
		                   "ledger: %s needs the PostgreSQL client library %s, which cannot be loaded (%s); "
		                   "install the Debian package libpq5",
		                   db->name, PG_LIB, dlerror());
#define PG_SYM(field, sym)                                                                                             \
	do {                                                                                                           \
		*(void **)(&a->field) = dlsym(a->dl, sym);                                                             \
		if (!a->field) {                                                                                       \
			dlclose(a->dl);                                                                                \
			a->dl = NULL;                                                                                  \
			return cs_ldb_fail(db, CS_EUNAVAIL, "ledger: %s lacks %s; install libpq5 from Debian", PG_LIB, \
			                   sym);                                                                       \
		}                                                                                                      \
	} while (0)
	PG_SYM(connectdb, "PQconnectdb");
	PG_SYM(status, "PQstatus");
	PG_SYM(errorMessage, "PQerrorMessage");
	PG_SYM(finish, "PQfinish");
	PG_SYM(exec, "PQexec");
	PG_SYM(prepare, "PQprepare");
	PG_SYM(execPrepared, "PQexecPrepared");
	PG_SYM(resultStatus, "PQresultStatus");
	PG_SYM(resultErrorField, "PQresultErrorField");
	PG_SYM(resultErrorMessage, "PQresultErrorMessage");
	PG_SYM(clear, "PQclear");
	PG_SYM(ntuples, "PQntuples");
	PG_SYM(getvalue, "PQgetvalue");
	PG_SYM(getisnull, "PQgetisnull");
	PG_SYM(ftype, "PQftype");
	PG_SYM(putCopyData, "PQputCopyData");
	PG_SYM(putCopyEnd, "PQputCopyEnd");
	PG_SYM(getResult, "PQgetResult");
	PG_SYM(setNoticeProcessor, "PQsetNoticeProcessor");
#undef PG_SYM
	return 0;
}

/* Result r checked for the status expected, then cleared: 0, or the one
 * line saying what failed. */
static int pg_take(cs_ldb *db, PGresult *r, ExecStatusType want, const char *what)
{
	pg_state *s = st_of(db);
	int rc = 0;

	if (!r || s->api.resultStatus(r) != want)
		rc = pg_fail(db, r, what);
	s->api.clear(r);
	return rc;
}

/* Runs sql with no parameters; a result other than ok is an error. */
static int pg_simple(cs_ldb *db, const char *sql, const char *what)
{
	pg_state *s = st_of(db);
	PGresult *r = s->api.exec(s->c, sql);
	ExecStatusType st = r ? s->api.resultStatus(r) : PGRES_FATAL_ERROR;
	int rc = 0;

	if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK)
		rc = pg_fail(db, r, what);
	s->api.clear(r);
	return rc;
}

static int pg_open(cs_ldb *db, const char *url, int flags, double lock_timeout_s)
{
	pg_state *s = calloc(1, sizeof(*s));
	char sql[128];
	int rc;

	(void)flags;
	if (!s)
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: out of memory");
	db->be = s;
	if ((rc = load_api(db, &s->api)) != 0)
		return rc;
	s->c = s->api.connectdb(url);
	if (!s->c || s->api.status(s->c) != CONNECTION_OK) {
		char msg[300];

		snprintf(msg, sizeof(msg), "%s", s->c ? s->api.errorMessage(s->c) : "out of memory");
		one_line(msg);
		return cs_ldb_fail(db, CS_EUNAVAIL,
		                   "ledger: cannot connect to %s (%s); check the URL, that the server runs and lets "
		                   "this user in",
		                   db->name, msg);
	}
	s->api.setNoticeProcessor(s->c, pg_quiet, NULL);
	snprintf(sql, sizeof(sql), "SET lock_timeout = %ld; SET client_min_messages = warning",
	         lock_timeout_s <= 0 ? 1L : (long)(lock_timeout_s * 1000));
	return pg_simple(db, sql, "setting up the session");
}

static void pg_close(cs_ldb *db)
{
	pg_state *s = st_of(db);

	if (!s)
		return;
	if (s->c) /* NULL when open failed before connecting, maybe before libpq was loaded */
		s->api.finish(s->c);
	/* libpq stays mapped (no dlclose): what it initialised in OpenSSL and
	 * GSSAPI on first use lives in their globals for the process; unloading
	 * would strand it, and the next connection reuses the mapping anyway */
	free(s->copy);
	free(s);
	db->be = NULL;
}

static int pg_begin_write(cs_ldb *db)
{
	int rc = pg_simple(db, "BEGIN", "starting a transaction");

	if (rc)
		return rc;
	rc = pg_simple(db, "SELECT pg_advisory_xact_lock(" PG_LOCK_KEY ")", "taking the write lock");
	if (rc)
		(void)pg_simple(db, "ROLLBACK", "rolling back");
	return rc;
}

static void pg_rollback(cs_ldb *db)
{
	pg_state *s = st_of(db);
	PGresult *r;

	if (s->copying) {
		s->api.putCopyEnd(s->c, "rolled back");
		while ((r = s->api.getResult(s->c)) != NULL)
			s->api.clear(r);
		s->copying = false;
	}
	r = s->api.exec(s->c, "ROLLBACK");
	s->api.clear(r);
}

static int pg_prepare(cs_ldb *db, const char *sql, cs_ldb_stmt **out)
{
	pg_state *s = st_of(db);
	cs_ldb_stmt *st = calloc(1, sizeof(*st));

	*out = NULL;
	if (!st || !(st->sql = strdup(sql))) {
		free(st);
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: out of memory");
	}
	st->head.db = db;
	snprintf(st->name, sizeof(st->name), "cs%u", ++s->next_stmt);
	*out = st;
	return 0;
}

static int pg_bind(cs_ldb_stmt *st, int idx, const cs_ldb_val *v)
{
	int i = idx - 1;
	Oid t = 0;

	if (idx < 1 || idx > PG_MAX_PARAMS)
		return cs_ldb_fail(st->head.db, CS_EINVAL, "ledger: internal: parameter $%d out of range", idx);
	switch (v->type) {
	case CS_LDB_INT:
		snprintf(st->num[i], PG_NUM_MAX, "%lld", (long long)v->v.i);
		st->vals[i] = st->num[i];
		t = OID_INT8;
		break;
	case CS_LDB_REAL:
		snprintf(st->num[i], PG_NUM_MAX, "%.17g", v->v.d);
		st->vals[i] = st->num[i];
		t = OID_FLOAT8;
		break;
	case CS_LDB_TEXT:
		st->vals[i] = v->v.s;
		t = OID_TEXT;
		break;
	default: st->vals[i] = NULL; break;
	}
	if (!st->prepared)
		st->types[i] = t;
	if (idx > st->nparams)
		st->nparams = idx;
	return 0;
}

static int pg_step(cs_ldb_stmt *st)
{
	cs_ldb *db = st->head.db;
	pg_state *s = st_of(db);
	ExecStatusType es;

	if (!st->res) {
		if (!st->prepared) {
			int rc = pg_take(db, s->api.prepare(s->c, st->name, st->sql, st->nparams, st->types),
			                 PGRES_COMMAND_OK, "preparing a query");

			if (rc)
				return rc;
			st->prepared = true;
		}
		st->res = s->api.execPrepared(s->c, st->name, st->nparams, st->vals, NULL, NULL, 0);
		es = st->res ? s->api.resultStatus(st->res) : PGRES_FATAL_ERROR;
		if (es != PGRES_TUPLES_OK && es != PGRES_COMMAND_OK) {
			int rc = pg_fail(db, st->res, "running a query");

			s->api.clear(st->res);
			st->res = NULL;
			return rc;
		}
		st->row = -1;
		st->nrows = es == PGRES_TUPLES_OK ? s->api.ntuples(st->res) : 0;
	}
	if (st->row + 1 >= st->nrows) {
		st->row = st->nrows;
		return 0;
	}
	st->row++;
	return 1;
}

static const char *cell(cs_ldb_stmt *st, int col)
{
	pg_state *s = st_of(st->head.db);

	if (!st->res || st->row < 0 || st->row >= st->nrows || s->api.getisnull(st->res, st->row, col))
		return NULL;
	return s->api.getvalue(st->res, st->row, col);
}

static cs_ldb_type pg_col_type(cs_ldb_stmt *st, int col)
{
	pg_state *s = st_of(st->head.db);

	if (!cell(st, col))
		return CS_LDB_NULL;
	switch (s->api.ftype(st->res, col)) {
	case OID_INT8:
	case OID_INT4:
	case OID_INT2: return CS_LDB_INT;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC: return CS_LDB_REAL;
	default: return CS_LDB_TEXT;
	}
}

static int64_t pg_col_int(cs_ldb_stmt *st, int col)
{
	const char *v = cell(st, col);

	return v ? strtoll(v, NULL, 10) : 0;
}

static double pg_col_real(cs_ldb_stmt *st, int col)
{
	const char *v = cell(st, col);

	return v ? strtod(v, NULL) : 0.0;
}

static const char *pg_col_text(cs_ldb_stmt *st, int col)
{
	const char *v = cell(st, col);

	return v ? v : "";
}

static void pg_reset(cs_ldb_stmt *st)
{
	pg_state *s = st_of(st->head.db);

	s->api.clear(st->res);
	st->res = NULL;
	st->row = -1;
	st->nrows = 0;
	for (int i = 0; i < PG_MAX_PARAMS; i++)
		st->vals[i] = NULL;
}

static void pg_finalize(cs_ldb_stmt *st)
{
	cs_ldb *db = st->head.db;
	pg_state *s = st_of(db);

	s->api.clear(st->res);
	if (st->prepared) {
		char sql[48];
		PGresult *r;

		snprintf(sql, sizeof(sql), "DEALLOCATE %s", st->name);
		r = s->api.exec(s->c, sql);
		s->api.clear(r);
	}
	free(st->sql);
	free(st);
}

/* ---- COPY ------------------------------------------------------------------------- */

static int copy_reserve(cs_ldb *db, size_t more)
{
	pg_state *s = st_of(db);

	if (s->copy_len + more <= s->copy_cap)
		return 0;
	size_t nc = s->copy_cap ? s->copy_cap : PG_COPY_CHUNK * 2;
	char *p;

	while (nc < s->copy_len + more)
		nc *= 2;
	p = realloc(s->copy, nc);
	if (!p)
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: out of memory");
	s->copy = p;
	s->copy_cap = nc;
	return 0;
}

static int copy_flush(cs_ldb *db)
{
	pg_state *s = st_of(db);

	if (!s->copy_len)
		return 0;
	if (s->api.putCopyData(s->c, s->copy, (int)s->copy_len) != 1)
		return pg_fail(db, NULL, "sending rows");
	s->copy_len = 0;
	return 0;
}

/* Binary COPY: no number is formatted or parsed on either side. Every
 * integer column of the ledger is BIGINT (8 bytes), every real DOUBLE
 * PRECISION, so a value's wire form follows from its cs_ldb_type alone. */
static int pg_copy_begin(cs_ldb *db, const char *table, const char *const *cols, int ncols)
{
	static const char header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";
	pg_state *s = st_of(db);
	char sql[1024];
	size_t o;
	int rc;

	o = cs_ldb_col_list(sql, sizeof(sql), "COPY", table, cols, ncols);
	if (o + 32 >= sizeof(sql))
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: internal: COPY into %s too wide", table);
	strcat(sql, ") FROM STDIN (FORMAT binary)");
	if ((rc = pg_take(db, s->api.exec(s->c, sql), PGRES_COPY_IN, "starting a COPY")) != 0)
		return rc;
	s->copying = true;
	s->copy_len = 0;
	if ((rc = copy_reserve(db, sizeof(header))) != 0)
		return rc;
	memcpy(s->copy, header, sizeof(header));
	s->copy_len = sizeof(header);
	return 0;
}

static void put_be(char *p, uint64_t v, int n)
{
	for (int i = n - 1; i >= 0; i--) {
		p[i] = (char)(v & 0xff);
		v >>= 8;
	}
}

static int pg_copy_row(cs_ldb *db, const cs_ldb_val *vals)
{
	pg_state *s = st_of(db);
	int rc;

	if ((rc = copy_reserve(db, 2 + (size_t)db->copy_ncols * 12)) != 0)
		return rc;
	put_be(s->copy + s->copy_len, (uint64_t)db->copy_ncols, 2);
	s->copy_len += 2;
	for (int i = 0; i < db->copy_ncols; i++) {
		const cs_ldb_val *v = &vals[i];
		char *p;

		if (v->type == CS_LDB_TEXT) {
			size_t n = strlen(v->v.s);

			if ((rc = copy_reserve(db, 4 + n + (size_t)(db->copy_ncols - i) * 12)) != 0)
				return rc;
			put_be(s->copy + s->copy_len, (uint64_t)n, 4);
			memcpy(s->copy + s->copy_len + 4, v->v.s, n);
			s->copy_len += 4 + n;
			continue;
		}
		p = s->copy + s->copy_len;
		if (v->type == CS_LDB_INT) {
			put_be(p, 8, 4);
			put_be(p + 4, (uint64_t)v->v.i, 8);
			s->copy_len += 12;
		} else if (v->type == CS_LDB_REAL) {
			uint64_t bits;

			memcpy(&bits, &v->v.d, 8);
			put_be(p, 8, 4);
			put_be(p + 4, bits, 8);
			s->copy_len += 12;
		} else {
			put_be(p, 0xffffffffu, 4);
			s->copy_len += 4;
		}
	}
	return s->copy_len >= PG_COPY_CHUNK ? copy_flush(db) : 0;
}

static int pg_copy_end(cs_ldb *db)
{
	pg_state *s = st_of(db);
	PGresult *r;
	int rc = copy_reserve(db, 2);

	if (!rc) {
		put_be(s->copy + s->copy_len, 0xffff, 2); /* the file trailer */
		s->copy_len += 2;
		rc = copy_flush(db);
	}

	if (s->api.putCopyEnd(s->c, rc ? "aborted" : NULL) != 1 && !rc)
		rc = pg_fail(db, NULL, "ending a COPY");
	s->copying = false;
	while ((r = s->api.getResult(s->c)) != NULL) {
		if (!rc && s->api.resultStatus(r) != PGRES_COMMAND_OK)
			rc = pg_fail(db, r, "loading rows");
		s->api.clear(r);
	}
	return rc;
}

const cs_ldb_ops cs_ldb_postgresql = {
    .name = "postgresql",
    .open = pg_open,
    .close = pg_close,
    .run = pg_simple,
    .begin_write = pg_begin_write,
    .begin_read_sql = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY",
    .rollback = pg_rollback,
    .prepare = pg_prepare,
    .bind = pg_bind,
    .step = pg_step,
    .col_type = pg_col_type,
    .col_int = pg_col_int,
    .col_real = pg_col_real,
    .col_text = pg_col_text,
    .reset = pg_reset,
    .finalize = pg_finalize,
    .copy_begin = pg_copy_begin,
    .copy_row = pg_copy_row,
    .copy_end = pg_copy_end,
    .without_rowid = "",
};
