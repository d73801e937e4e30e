/* ledger/db_sqlite.c - the SQLite backend of db.h (libsqlite3, embedded).
 *
 * One file holds the ledger. It is opened in WAL mode so a report reads a
 * consistent snapshot while an import writes; synchronous=FULL so a
 * committed import survives a power cut, and an import killed at any point
 * (kill -9) leaves the file as before it (SQLite's journal is rolled back by
 * the next opener). Writers serialise on BEGIN IMMEDIATE: a second import or
 * sync waits for the first (busy timeout = the lock timeout) instead of
 * interleaving, which is what keeps two of them from double counting.
 *
 * Statements are written with PostgreSQL's $1..$n parameters; SQLite
 * accepts "$1" as a named parameter, and each statement keeps the map from
 * $N to SQLite's own index (assigned in order of first appearance). The bulk
 * path is a prepared INSERT run once per row inside the open transaction.
 */
#include "ledger/db.h"

#include <errno.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "carbonstat/error.h"
#include "core/clock.h"

#define SQ_MAX_PARAMS 64

typedef struct sq_state {
	sqlite3 *h;
	sqlite3_stmt *copy; /* the bulk INSERT while a copy is open */
	double lock_timeout_s;
	bool readonly;
} sq_state;

struct cs_ldb_stmt {
	cs_ldb_stmt_head head;
	sqlite3_stmt *st;
	int map[SQ_MAX_PARAMS + 1]; /* $N -> SQLite index (0 = not in the statement) */
	bool stepped_done;
};

static sq_state *st_of(cs_ldb *db)
{
	return db->be;
}

/* The database file itself is unusable: what is wrong with it, SQLite's
 * words, and the fix, the other being another --db. */
static int sq_fail_file(cs_ldb *db, int code, const char *state, const char *msg, const char *fix)
{
	return cs_ldb_fail(db, code, "ledger: %s %s (%s); %s, or pass another --db", db->name, state, msg, fix);
}

/* The one line for a SQLite error code, with the fix. */
static int sq_fail(cs_ldb *db, int src, const char *what)
{
	sq_state *s = st_of(db);
	const char *msg = s && s->h ? sqlite3_errmsg(s->h) : sqlite3_errstr(src);

	switch (src & 0xff) {
	case SQLITE_BUSY:
	case SQLITE_LOCKED:
		return cs_ldb_fail(db, CS_EUNAVAIL,
		                   "ledger: %s is locked by another import or sync (waited %.0f s); try again when it "
		                   "is done, or raise --lock-timeout",
		                   db->name, s ? s->lock_timeout_s : 0.0);
	case SQLITE_READONLY:
		return sq_fail_file(db, CS_EUNAVAIL, "is read-only", msg, "make the file and its directory writable");
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return sq_fail_file(db, CS_EINVAL, "is not a usable SQLite database", msg, "restore it from a backup");
	case SQLITE_FULL:
		return cs_ldb_fail(db, -ENOSPC, "ledger: %s: disk full while %s; free space and run again", db->name,
		                   what);
	case SQLITE_CANTOPEN:
	case SQLITE_PERM:
	case SQLITE_AUTH:
		return cs_ldb_fail(db, CS_EUNAVAIL, "ledger: cannot open %s (%s); check the path and its permissions",
		                   db->name, msg);
	case SQLITE_NOMEM: return cs_ldb_fail(db, CS_ENOMEM, "ledger: %s: out of memory while %s", db->name, what);
	case SQLITE_CONSTRAINT:
	case SQLITE_MISMATCH:
	case SQLITE_ERROR: return cs_ldb_fail(db, CS_EINVAL, "ledger: %s: %s while %s", db->name, msg, what);
	default: return cs_ldb_fail(db, -EIO, "ledger: %s: %s while %s", db->name, msg, what);
	}
}

/* SQLite answers BUSY without calling the busy handler where waiting could
 * deadlock (a connection holding a read lock that needs the write lock, as
 * PRAGMA journal_mode=WAL does on a new file opened by several imports at
 * once). Outside a transaction nothing is held between statements, so the
 * statement is tried again until the lock timeout has passed. */
static int sq_exec_raw(cs_ldb *db, const char *sql, const char *what)
{
	sq_state *s = st_of(db);
	double t0 = cs_mono_s();
	int rc;

	while ((rc = sqlite3_exec(s->h, sql, NULL, NULL, NULL)) != SQLITE_OK && (rc & 0xff) == SQLITE_BUSY &&
	       sqlite3_get_autocommit(s->h) && cs_mono_s() - t0 < s->lock_timeout_s)
		usleep(20 * 1000);
	return rc == SQLITE_OK ? 0 : sq_fail(db, rc, what);
}

static int sq_open(cs_ldb *db, const char *path, int flags, double lock_timeout_s)
{
	sq_state *s;
	struct stat sb;
	int oflags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE, rc;
	long ms;

	if (stat(path, &sb) != 0) {
		if (errno != ENOENT || !(flags & CS_LDB_CREATE) || (flags & CS_LDB_READONLY))
			return cs_ldb_fail(db, CS_EUNAVAIL,
			                   "ledger: no ledger at %s (%s); run 'carbonstat ledger import' or 'sync' "
			                   "first, or pass the right --db",
			                   db->name, strerror(errno));
	} else if (!S_ISREG(sb.st_mode)) {
		return cs_ldb_fail(db, CS_EINVAL, "ledger: %s is not a regular file; pass --db sqlite:PATH of a file",
		                   db->name);
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: out of memory");
	db->be = s;
	s->lock_timeout_s = lock_timeout_s;
	oflags |= (flags & CS_LDB_READONLY)
	              ? SQLITE_OPEN_READONLY
	              : SQLITE_OPEN_READWRITE | ((flags & CS_LDB_CREATE) ? SQLITE_OPEN_CREATE : 0);
	rc = sqlite3_open_v2(path, &s->h, oflags, NULL);
	if (rc != SQLITE_OK)
		return sq_fail(db, rc, "opening");
	ms = lock_timeout_s <= 0 ? 0 : lock_timeout_s >= INT_MAX / 1000.0 ? INT_MAX : (long)(lock_timeout_s * 1000);
	sqlite3_busy_timeout(s->h, (int)ms);
	s->readonly = (flags & CS_LDB_READONLY) || sqlite3_db_readonly(s->h, "main") == 1;
	if (!(flags & CS_LDB_READONLY) && s->readonly)
		return cs_ldb_fail(db, CS_EUNAVAIL,
		                   "ledger: %s is read-only; make the file and its directory writable, or pass another "
		                   "--db",
		                   db->name);
	/* Reads the header: a file that is not a database fails here, not in
	 * the middle of an import. */
	if ((rc = sq_exec_raw(db, "SELECT count(*) FROM sqlite_master", "reading its header")) != 0)
		return rc;
	if (!s->readonly) {
		int persist = 1;

		if ((rc = sq_exec_raw(db, "PRAGMA journal_mode=WAL", "switching to WAL")) != 0 ||
		    (rc = sq_exec_raw(db, "PRAGMA synchronous=FULL", "setting synchronous")) != 0)
			return rc;
		/* keep -wal and -shm after the last writer closes: a reader that
		 * may not write the directory (a report as another user) can then
		 * still open the WAL database read-only */
		(void)sqlite3_file_control(s->h, "main", SQLITE_FCNTL_PERSIST_WAL, &persist);
	}
	return sq_exec_raw(db, "PRAGMA cache_size=-65536; PRAGMA temp_store=MEMORY", "setting the cache");
}

static void sq_close(cs_ldb *db)
{
	sq_state *s = st_of(db);

	if (!s)
		return;
	if (s->copy)
		sqlite3_finalize(s->copy);
	sqlite3_close_v2(s->h);
	free(s);
	db->be = NULL;
}

static int sq_begin_write(cs_ldb *db)
{
	return sq_exec_raw(db, "BEGIN IMMEDIATE", "taking the write lock");
}

static void sq_rollback(cs_ldb *db)
{
	sq_state *s = st_of(db);

	if (s->copy) {
		sqlite3_finalize(s->copy);
		s->copy = NULL;
	}
	if (!sqlite3_get_autocommit(s->h))
		(void)sqlite3_exec(s->h, "ROLLBACK", NULL, NULL, NULL);
}

static int sq_prepare(cs_ldb *db, const char *sql, cs_ldb_stmt **out)
{
	cs_ldb_stmt *st = calloc(1, sizeof(*st));
	int rc, n;

	*out = NULL;
	if (!st)
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: out of memory");
	st->head.db = db;
	rc = sqlite3_prepare_v3(st_of(db)->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &st->st, NULL);
	if (rc != SQLITE_OK) {
		free(st);
		return sq_fail(db, rc, "preparing a query");
	}
	n = sqlite3_bind_parameter_count(st->st);
	for (int i = 1; i <= n; i++) {
		const char *name = sqlite3_bind_parameter_name(st->st, i);
		long k = name && (name[0] == '$' || name[0] == '?') ? strtol(name + 1, NULL, 10) : 0;

		if (k >= 1 && k <= SQ_MAX_PARAMS)
			st->map[k] = i;
	}
	*out = st;
	return 0;
}

static int sq_bind(cs_ldb_stmt *st, int idx, const cs_ldb_val *v)
{
	int i = idx >= 1 && idx <= SQ_MAX_PARAMS ? st->map[idx] : 0, rc;

	if (!i)
		return cs_ldb_fail(st->head.db, CS_EINVAL, "ledger: internal: no parameter $%d in the query", idx);
	switch (v->type) {
	case CS_LDB_INT: rc = sqlite3_bind_int64(st->st, i, v->v.i); break;
	case CS_LDB_REAL: rc = sqlite3_bind_double(st->st, i, v->v.d); break;
	case CS_LDB_TEXT: rc = sqlite3_bind_text(st->st, i, v->v.s, -1, SQLITE_STATIC); break;
	default: rc = sqlite3_bind_null(st->st, i); break;
	}
	return rc == SQLITE_OK ? 0 : sq_fail(st->head.db, rc, "binding a value");
}

static int sq_step(cs_ldb_stmt *st)
{
	int rc;

	if (st->stepped_done)
		return 0;
	rc = sqlite3_step(st->st);
	if (rc == SQLITE_ROW)
		return 1;
	if (rc == SQLITE_DONE) {
		st->stepped_done = true;
		return 0;
	}
	return sq_fail(st->head.db, rc, "running a query");
}

static cs_ldb_type sq_col_type(cs_ldb_stmt *st, int col)
{
	switch (sqlite3_column_type(st->st, col)) {
	case SQLITE_INTEGER: return CS_LDB_INT;
	case SQLITE_FLOAT: return CS_LDB_REAL;
	case SQLITE_NULL: return CS_LDB_NULL;
	default: return CS_LDB_TEXT;
	}
}

static int64_t sq_col_int(cs_ldb_stmt *st, int col)
{
	return sqlite3_column_int64(st->st, col);
}

static double sq_col_real(cs_ldb_stmt *st, int col)
{
	return sqlite3_column_double(st->st, col);
}

static const char *sq_col_text(cs_ldb_stmt *st, int col)
{
	const unsigned char *t = sqlite3_column_text(st->st, col);

	return t ? (const char *)t : "";
}

static void sq_reset(cs_ldb_stmt *st)
{
	sqlite3_reset(st->st);
	sqlite3_clear_bindings(st->st);
	st->stepped_done = false;
}

static void sq_finalize(cs_ldb_stmt *st)
{
	sqlite3_finalize(st->st);
	free(st);
}

static int sq_copy_begin(cs_ldb *db, const char *table, const char *const *cols, int ncols)
{
	sq_state *s = st_of(db);
	char sql[1024];
	size_t o;
	int rc;

	o = cs_ldb_col_list(sql, sizeof(sql), "INSERT INTO", table, cols, ncols);
	if (o < sizeof(sql))
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, ") VALUES (");
	for (int i = 0; i < ncols && o < sizeof(sql); i++)
		o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%s?%d", i ? ", " : "", i + 1);
	if (o + 2 >= sizeof(sql))
		return cs_ldb_fail(db, CS_ENOMEM, "ledger: internal: bulk insert into %s too wide", table);
	strcat(sql, ")");
	rc = sqlite3_prepare_v3(s->h, sql, -1, SQLITE_PREPARE_PERSISTENT, &s->copy, NULL);
	return rc == SQLITE_OK ? 0 : sq_fail(db, rc, "preparing a bulk insert");
}

static int sq_copy_row(cs_ldb *db, const cs_ldb_val *vals)
{
	sq_state *s = st_of(db);
	int rc = SQLITE_OK;

	for (int i = 0; i < db->copy_ncols && rc == SQLITE_OK; i++) {
		const cs_ldb_val *v = &vals[i];

		switch (v->type) {
		case CS_LDB_INT: rc = sqlite3_bind_int64(s->copy, i + 1, v->v.i); break;
		case CS_LDB_REAL: rc = sqlite3_bind_double(s->copy, i + 1, v->v.d); break;
		case CS_LDB_TEXT: rc = sqlite3_bind_text(s->copy, i + 1, v->v.s, -1, SQLITE_STATIC); break;
		default: rc = sqlite3_bind_null(s->copy, i + 1); break;
		}
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_step(s->copy);
	sqlite3_reset(s->copy);
	return rc == SQLITE_DONE ? 0 : sq_fail(db, rc, "inserting rows");
}

static int sq_copy_end(cs_ldb *db)
{
	sq_state *s = st_of(db);

	sqlite3_finalize(s->copy);
	s->copy = NULL;
	return 0;
}

const cs_ldb_ops cs_ldb_sqlite = {
    .name = "sqlite",
    .open = sq_open,
    .close = sq_close,
    .run = sq_exec_raw,
    .begin_write = sq_begin_write,
    .begin_read_sql = "BEGIN", /* WAL: the snapshot is taken at the first read and held to the end */
    .rollback = sq_rollback,
    .prepare = sq_prepare,
    .bind = sq_bind,
    .step = sq_step,
    .col_type = sq_col_type,
    .col_int = sq_col_int,
    .col_real = sq_col_real,
    .col_text = sq_col_text,
    .reset = sq_reset,
    .finalize = sq_finalize,
    .copy_begin = sq_copy_begin,
    .copy_row = sq_copy_row,
    .copy_end = sq_copy_end,
    .without_rowid = " WITHOUT ROWID",
};
