/*
 * runlog.c - statement helpers shared by the store modules (runlog.h).
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "internal.h"

static void bind_all(sqlite3_stmt *st, const char *fmt, va_list ap)
{
	for (int i = 0; fmt[i]; i++) {
		switch (fmt[i]) {
		case 'i':
			sqlite3_bind_int64(st, i + 1, va_arg(ap, long long));
			break;
		case 'd': {
			double d = va_arg(ap, double);
			if (!isnan(d))
				sqlite3_bind_double(st, i + 1, d);
			break;
		}
		case 't': {
			const char *s = va_arg(ap, const char *);
			if (s)
				sqlite3_bind_text(st, i + 1, s, -1, SQLITE_TRANSIENT);
			break;
		}
		case 'b': {
			const void *b = va_arg(ap, const void *);
			size_t n = va_arg(ap, size_t);
			sqlite3_bind_blob64(st, i + 1, b, n, SQLITE_TRANSIENT);
			break;
		}
		}
	}
}

int store_prepare(sqlite3 *db, sqlite3_stmt **out, const char *sql, const char *fmt, ...)
{
	*out = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, out, NULL);
	if (rc != SQLITE_OK)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	bind_all(*out, fmt, ap);
	va_end(ap);
	return SQLITE_OK;
}

int store_exec(sqlite3 *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	va_list ap;
	va_start(ap, fmt);
	bind_all(st, fmt, ap);
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

yj_status store_stmt_error(sqlite3 *db, int rc, const char *what, const char *sql, yj_error *err)
{
	/* the message first: a ROLLBACK would replace it */
	yj_status st = store_sqlite_error(db, rc, what, err);
	if (sql) {
		size_t n = strlen(err->msg), len = strcspn(sql, "(?");
		while (len && sql[len - 1] == ' ')
			len--;
		if (len > 48)
			len = 48;
		snprintf(err->msg + n, sizeof err->msg - n, _(" (in %.*s)"), (int)len, sql);
	}
	store_rollback(db);
	return st;
}

yj_status store_row_end(sqlite3 *db, sqlite3_stmt *st, int rc, int oom, const char *what, const char *sql,
			yj_error *err)
{
	yj_status ret = YJ_OK;
	if (rc == SQLITE_ROW)
		ret = oom ? error_set(err, YJ_ENOMEM, _("out of memory")) : YJ_OK;
	else if (rc == SQLITE_DONE)
		ret = YJ_ENOTFOUND;
	else
		ret = store_stmt_error(db, rc, what, sql, err);
	sqlite3_finalize(st);
	return ret;
}

char *store_column_text(sqlite3_stmt *st, int i, int *oom)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const unsigned char *s = sqlite3_column_text(st, i);
	size_t n = (size_t)sqlite3_column_bytes(st, i);
	char *c = s ? malloc(n + 1) : NULL;
	if (!c) {
		if (oom)
			*oom = 1;
		return NULL;
	}
	memcpy(c, s, n);
	c[n] = '\0';
	return c;
}

void *store_column_blob(sqlite3_stmt *st, int i, size_t *n, int *oom)
{
	*n = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const void *b = sqlite3_column_blob(st, i);
	size_t len = (size_t)sqlite3_column_bytes(st, i);
	void *c = malloc(len ? len : 1);
	if (!c) {
		if (oom)
			*oom = 1;
		return NULL;
	}
	if (len)
		memcpy(c, b, len);
	*n = len;
	return c;
}

/* The one transaction idiom of the store: BEGIN IMMEDIATE (a writer learns
 * at once that another holds the lock, and waits on the busy handler),
 * COMMIT, and ROLLBACK only when a transaction is open (after an error
 * SQLite may have rolled back already). */
int store_begin(sqlite3 *db)
{
	return sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
}

int store_commit(sqlite3 *db)
{
	return sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
}

void store_rollback(sqlite3 *db)
{
	if (db && !sqlite3_get_autocommit(db))
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
}
