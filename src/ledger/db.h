/* ledger/db.h - the ledger's storage backends behind one method table.
 *
 * The ledger writes the same schema into SQLite (an embedded file, the
 * default) or PostgreSQL (a fleet's shared database). What differs between
 * them is small and lives here, one file per backend (db_sqlite.c,
 * db_pg.c), as redis keeps ae_epoll.c beside ae_kqueue.c:
 *   - connecting, and what a URL looks like ("sqlite:PATH", a bare path,
 *     "postgresql://..." / "postgres://...");
 *   - the write lock: BEGIN IMMEDIATE on SQLite (one writer per file, others
 *     wait up to the lock timeout), BEGIN + pg_advisory_xact_lock on
 *     PostgreSQL (one ledger writer per database, released at COMMIT or
 *     ROLLBACK, or when the connection dies);
 *   - a consistent read snapshot for reports;
 *   - statements with $1..$n parameters and typed column reads;
 *   - the bulk path: prepared INSERTs in the open transaction on SQLite,
 *     COPY ... FROM STDIN (text format) on PostgreSQL;
 *   - the few DDL words that differ (WITHOUT ROWID), filled into the shared
 *     schema by cs_ldb_ddl().
 * Everything else (the schema, migrations, the ledger's queries) is written
 * once, in portable SQL, by store.c.
 *
 * libpq is loaded with dlopen() when a postgresql:// URL is opened, not
 * linked: it brings OpenSSL, Kerberos and LDAP with it, and the agent, which
 * is the same binary, must not pay their memory on every node. A missing
 * libpq.so.5 is then one clear error naming the package.
 *
 * Errors: every call returns 0 or a negative code (CS_EINVAL for what the
 * database refused as malformed, CS_EUNAVAIL for "cannot connect / locked /
 * read-only", CS_ERANGE, CS_ENOMEM, -EIO for the rest) and writes one line
 * into the handle's why buffer (cs_ldb_why) naming the database and the fix.
 * Credentials in a URL are never echoed: cs_ldb_name() is the URL with the
 * password masked.
 */
#ifndef CS_LEDGER_DB_H
#define CS_LEDGER_DB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CS_LDB_WHY_MAX  512
#define CS_LDB_NAME_MAX 512

/* A value bound to a parameter or read from a column. */
typedef enum cs_ldb_type {
	CS_LDB_NULL = 0,
	CS_LDB_INT,  /* int64 */
	CS_LDB_REAL, /* double */
	CS_LDB_TEXT, /* NUL-terminated UTF-8 */
} cs_ldb_type;

typedef struct cs_ldb_val {
	cs_ldb_type type;
	union {
		int64_t i;
		double d;
		const char *s; /* borrowed: valid while the caller keeps it */
	} v;
} cs_ldb_val;

static inline cs_ldb_val cs_ldb_int(int64_t i)
{
	cs_ldb_val v = {.type = CS_LDB_INT, .v.i = i};
	return v;
}
static inline cs_ldb_val cs_ldb_real(double d)
{
	cs_ldb_val v = {.type = CS_LDB_REAL, .v.d = d};
	return v;
}
static inline cs_ldb_val cs_ldb_text(const char *s)
{
	cs_ldb_val v = {.type = CS_LDB_TEXT, .v.s = s};
	return v;
}
static inline cs_ldb_val cs_ldb_null(void)
{
	cs_ldb_val v = {.type = CS_LDB_NULL};
	return v;
}

typedef struct cs_ldb cs_ldb;           /* a connection */
typedef struct cs_ldb_stmt cs_ldb_stmt; /* a prepared statement of one connection */

/* Open flags. */
enum {
	CS_LDB_CREATE = 1 << 0,   /* SQLite: create the file (and nothing else) if absent */
	CS_LDB_READONLY = 1 << 1, /* reports: never write */
};

/* What a backend implements. State is the backend's own; the generic
 * functions below route to it and keep the why line. */
typedef struct cs_ldb_ops {
	const char *name; /* "sqlite", "postgresql" */
	/* target: what follows the scheme for SQLite (a path), the whole URL
	 * for PostgreSQL (libpq parses it). lock_timeout_s: how long a writer
	 * waits for another one. On failure close is called next, for what
	 * open made (db->be, NULL or partly set up). */
	int (*open)(cs_ldb *db, const char *target, int flags, double lock_timeout_s);
	void (*close)(cs_ldb *db);
	/* One or more statements, no result; what: the why line's "while ...". */
	int (*run)(cs_ldb *db, const char *sql, const char *what);
	int (*begin_write)(cs_ldb *db); /* transaction + the ledger's write lock */
	const char *begin_read_sql;     /* a consistent snapshot, in this dialect */
	void (*rollback)(cs_ldb *db);   /* no-op outside a transaction */
	int (*prepare)(cs_ldb *db, const char *sql, cs_ldb_stmt **out);
	int (*bind)(cs_ldb_stmt *st, int idx, const cs_ldb_val *v); /* idx: 1 for $1 */
	int (*step)(cs_ldb_stmt *st);                               /* 1 a row, 0 done, < 0 error */
	cs_ldb_type (*col_type)(cs_ldb_stmt *st, int col);
	int64_t (*col_int)(cs_ldb_stmt *st, int col);
	double (*col_real)(cs_ldb_stmt *st, int col);
	const char *(*col_text)(cs_ldb_stmt *st, int col); /* "" for NULL; valid until the next step */
	void (*reset)(cs_ldb_stmt *st);                    /* ready to bind and run again */
	void (*finalize)(cs_ldb_stmt *st);
	/* Bulk load of ncols columns into table (rows are appended; the caller
	 * deleted what they replace). */
	int (*copy_begin)(cs_ldb *db, const char *table, const char *const *cols, int ncols);
	int (*copy_row)(cs_ldb *db, const cs_ldb_val *vals);
	int (*copy_end)(cs_ldb *db);
	const char *without_rowid; /* DDL suffix for clustered tables: " WITHOUT ROWID" or "" */
} cs_ldb_ops;

extern const cs_ldb_ops cs_ldb_sqlite;
extern const cs_ldb_ops cs_ldb_postgresql;

/* The connection, as the backends see it. */
struct cs_ldb {
	const cs_ldb_ops *ops;
	void *be;                   /* the backend's state */
	char name[CS_LDB_NAME_MAX]; /* the URL, password masked: what messages say */
	char why[CS_LDB_WHY_MAX];   /* the last error, one line */
	bool in_tx;
	int copy_ncols;
};

/* Opens url: "sqlite:PATH", "sqlite://PATH", a path (SQLite), or
 * "postgresql://..." / "postgres://..." (libpq URI). On failure *out is NULL
 * and why holds the line. */
int cs_ldb_open(const char *url, int flags, double lock_timeout_s, cs_ldb **out, char *why, size_t whycap);
void cs_ldb_close(cs_ldb *db); /* rolls back an open transaction; NULL is a no-op */

/* The last error line of db ("" if none). */
const char *cs_ldb_why(const cs_ldb *db);
const char *cs_ldb_name(const cs_ldb *db);
const char *cs_ldb_backend(const cs_ldb *db);

int cs_ldb_exec(cs_ldb *db, const char *sql);
int cs_ldb_begin_write(cs_ldb *db);
int cs_ldb_begin_read(cs_ldb *db);
int cs_ldb_commit(cs_ldb *db);
void cs_ldb_rollback(cs_ldb *db);

int cs_ldb_prepare(cs_ldb *db, const char *sql, cs_ldb_stmt **out);
int cs_ldb_bind(cs_ldb_stmt *st, int idx, cs_ldb_val v);
/* Binds vals[0..n) to $1..$n. */
int cs_ldb_bind_all(cs_ldb_stmt *st, const cs_ldb_val *vals, int n);
int cs_ldb_step(cs_ldb_stmt *st);
cs_ldb_type cs_ldb_col_type(cs_ldb_stmt *st, int col);
int64_t cs_ldb_col_int(cs_ldb_stmt *st, int col);
double cs_ldb_col_real(cs_ldb_stmt *st, int col);
const char *cs_ldb_col_text(cs_ldb_stmt *st, int col);
void cs_ldb_reset(cs_ldb_stmt *st);
void cs_ldb_finalize(cs_ldb_stmt *st); /* NULL is a no-op */

/* Runs sql with vals bound and no result rows expected. */
int cs_ldb_run(cs_ldb *db, const char *sql, const cs_ldb_val *vals, int n);

int cs_ldb_copy_begin(cs_ldb *db, const char *table, const char *const *cols, int ncols);
int cs_ldb_copy_row(cs_ldb *db, const cs_ldb_val *vals);
int cs_ldb_copy_end(cs_ldb *db);

/* sql with every "%R" replaced by the backend's WITHOUT ROWID suffix, into
 * out[cap]; CS_ENOMEM if it does not fit. */
int cs_ldb_ddl(const cs_ldb *db, const char *sql, char *out, size_t cap);

/* For backends: set db's why line; returns code. */
int cs_ldb_fail(cs_ldb *db, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* For backends' bulk loads: "HEAD table (col, col, ...", the column list
 * open, into sql[cap]. Its length; cap or more when it does not fit. */
size_t cs_ldb_col_list(char *sql, size_t cap, const char *head, const char *table, const char *const *cols, int ncols);

/* For backends: the statement's connection (each backend's cs_ldb_stmt
 * begins with this header). */
typedef struct cs_ldb_stmt_head {
	cs_ldb *db;
} cs_ldb_stmt_head;

/* "postgresql://user:secret@h/db" -> "postgresql://user:***@h/db" (also
 * password=... in a query string). */
void cs_ldb_mask_url(const char *url, char *out, size_t cap);

#endif
