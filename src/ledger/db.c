/* ledger/db.c - the backend-independent half of db.h: choosing the backend
 * from the URL, keeping the one-line error, and routing every call to the
 * backend's method table. */
#include "ledger/db.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "carbonstat/error.h"
#include "core/str.h"
#include "core/why.h"

size_t cs_ldb_col_list(char *sql, size_t cap, const char *head, const char *table, const char *const *cols, int ncols)
{
	size_t o = (size_t)snprintf(sql, cap, "%s %s (", head, table);

	for (int i = 0; i < ncols && o < cap; i++)
		o += (size_t)snprintf(sql + o, cap - o, "%s%s", i ? ", " : "", cols[i]);
	return o;
}

void cs_ldb_mask_url(const char *url, char *out, size_t cap)
{
	const char *auth = strstr(url, "://");
	const char *at = NULL, *colon = NULL, *p = url;
	size_t o = 0;

	if (!cap)
		return;
	if (auth) {
		const char *end = auth + 3 + strcspn(auth + 3, "/?");

		at = memchr(auth + 3, '@', (size_t)(end - auth - 3));
		colon = at ? memchr(auth + 3, ':', (size_t)(at - auth - 3)) : NULL;
	}
	while (*p && o + 1 < cap) {
		const char *skip_to = NULL, *put = "";

		if (colon && p == colon + 1) {
			skip_to = at; /* user:***@host */
			put = "***";
		} else if ((p == url || p[-1] == '?' || p[-1] == '&' || p[-1] == ' ') &&
		           cs_starts_with(p, "password=")) {
			skip_to = p + 9;
			while (*skip_to && *skip_to != '&' && *skip_to != ' ')
				skip_to++;
			put = "password=***";
		}
		if (skip_to) {
			for (; *put && o + 1 < cap; put++)
				out[o++] = *put;
			p = skip_to;
			continue;
		}
		out[o++] = *p++;
	}
	out[o] = '\0';
}

int cs_ldb_fail(cs_ldb *db, int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	cs_vset_why(db->why, sizeof(db->why), fmt, ap);
	va_end(ap);
	return code;
}

int cs_ldb_open(const char *url, int flags, double lock_timeout_s, cs_ldb **out, char *why, size_t whycap)
{
	const cs_ldb_ops *ops;
	const char *target;
	cs_ldb *db;
	int rc;

	*out = NULL;
	if (!url || !*url) {
		cs_set_why(why, whycap, "ledger: no database given; pass --db sqlite:PATH or --db postgresql://...");
		return CS_EINVAL;
	}
	if (cs_starts_with(url, "postgresql://") || cs_starts_with(url, "postgres://")) {
		ops = &cs_ldb_postgresql;
		target = url;
	} else if (cs_starts_with(url, "sqlite://")) {
		ops = &cs_ldb_sqlite;
		target = url + 9;
	} else if (cs_starts_with(url, "sqlite:")) {
		ops = &cs_ldb_sqlite;
		target = url + 7;
	} else if (strstr(url, "://")) {
		cs_set_why(why, whycap,
		           "ledger: database '%s' has an unknown scheme; use sqlite:PATH or postgresql://HOST/DB", url);
		return CS_EINVAL;
	} else {
		ops = &cs_ldb_sqlite;
		target = url;
	}
	if (!*target) {
		cs_set_why(why, whycap, "ledger: database '%s' names no file; use sqlite:PATH", url);
		return CS_EINVAL;
	}
	db = calloc(1, sizeof(*db));
	if (!db) {
		cs_set_why(why, whycap, "ledger: out of memory");
		return CS_ENOMEM;
	}
	db->ops = ops;
	cs_ldb_mask_url(url, db->name, sizeof(db->name));
	rc = ops->open(db, target, flags, lock_timeout_s);
	if (rc) {
		cs_set_why(why, whycap, "%s", db->why);
		ops->close(db); /* what the backend's open made before it failed */
		free(db);
		return rc;
	}
	*out = db;
	return 0;
}

void cs_ldb_close(cs_ldb *db)
{
	if (!db)
		return;
	if (db->in_tx)
		db->ops->rollback(db);
	db->ops->close(db);
	free(db);
}

const char *cs_ldb_why(const cs_ldb *db)
{
	return db ? db->why : "";
}

const char *cs_ldb_name(const cs_ldb *db)
{
	return db->name;
}

const char *cs_ldb_backend(const cs_ldb *db)
{
	return db->ops->name;
}

int cs_ldb_exec(cs_ldb *db, const char *sql)
{
	return db->ops->run(db, sql, "running the schema");
}

int cs_ldb_begin_write(cs_ldb *db)
{
	int rc = db->ops->begin_write(db);

	db->in_tx = rc == 0;
	return rc;
}

int cs_ldb_begin_read(cs_ldb *db)
{
	int rc = db->ops->run(db, db->ops->begin_read_sql, "starting a read");

	db->in_tx = rc == 0;
	return rc;
}

int cs_ldb_commit(cs_ldb *db)
{
	int rc = db->ops->run(db, "COMMIT", "committing");

	if (rc)
		db->ops->rollback(db);
	db->in_tx = false;
	return rc;
}

void cs_ldb_rollback(cs_ldb *db)
{
	if (db && db->in_tx)
		db->ops->rollback(db);
	if (db)
		db->in_tx = false;
}

int cs_ldb_prepare(cs_ldb *db, const char *sql, cs_ldb_stmt **out)
{
	return db->ops->prepare(db, sql, out);
}

static cs_ldb *stmt_db(cs_ldb_stmt *st)
{
	return ((cs_ldb_stmt_head *)st)->db;
}

int cs_ldb_bind(cs_ldb_stmt *st, int idx, cs_ldb_val v)
{
	return stmt_db(st)->ops->bind(st, idx, &v);
}

int cs_ldb_bind_all(cs_ldb_stmt *st, const cs_ldb_val *vals, int n)
{
	cs_ldb *db = stmt_db(st);
	int rc;

	for (int i = 0; i < n; i++)
		if ((rc = db->ops->bind(st, i + 1, &vals[i])) != 0)
			return rc;
	return 0;
}

int cs_ldb_step(cs_ldb_stmt *st)
{
	return stmt_db(st)->ops->step(st);
}

cs_ldb_type cs_ldb_col_type(cs_ldb_stmt *st, int col)
{
	return stmt_db(st)->ops->col_type(st, col);
}

int64_t cs_ldb_col_int(cs_ldb_stmt *st, int col)
{
	return stmt_db(st)->ops->col_int(st, col);
}

double cs_ldb_col_real(cs_ldb_stmt *st, int col)
{
	return stmt_db(st)->ops->col_real(st, col);
}

const char *cs_ldb_col_text(cs_ldb_stmt *st, int col)
{
	return stmt_db(st)->ops->col_text(st, col);
}

void cs_ldb_reset(cs_ldb_stmt *st)
{
	stmt_db(st)->ops->reset(st);
}

void cs_ldb_finalize(cs_ldb_stmt *st)
{
	if (st)
		stmt_db(st)->ops->finalize(st);
}

int cs_ldb_run(cs_ldb *db, const char *sql, const cs_ldb_val *vals, int n)
{
	cs_ldb_stmt *st;
	int rc = cs_ldb_prepare(db, sql, &st);

	if (rc)
		return rc;
	rc = cs_ldb_bind_all(st, vals, n);
	while (rc == 0 && (rc = cs_ldb_step(st)) == 1)
		rc = 0;
	cs_ldb_finalize(st);
	return rc < 0 ? rc : 0;
}

int cs_ldb_copy_begin(cs_ldb *db, const char *table, const char *const *cols, int ncols)
{
	db->copy_ncols = ncols;
	return db->ops->copy_begin(db, table, cols, ncols);
}

int cs_ldb_copy_row(cs_ldb *db, const cs_ldb_val *vals)
{
	return db->ops->copy_row(db, vals);
}

int cs_ldb_copy_end(cs_ldb *db)
{
	return db->ops->copy_end(db);
}

int cs_ldb_ddl(const cs_ldb *db, const char *sql, char *out, size_t cap)
{
	size_t o = 0;

	for (const char *p = sql; *p; p++) {
		const char *ins = NULL;
		size_t n;

		if (p[0] == '%' && p[1] == 'R') {
			ins = db->ops->without_rowid;
			p++;
		}
		n = ins ? strlen(ins) : 1;
		if (o + n + 1 > cap)
			return CS_ENOMEM;
		memcpy(out + o, ins ? ins : p, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}
