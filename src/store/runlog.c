/*
 * runlog.c - parameter binding helper and the live progress of runs.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>

#include "yujing/base/i18n.h"
#include "yujing/store/runlog.h"

int store_exec(sqlite3 *db, const char *sql, const char *fmt, ...)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		return rc;
	va_list ap;
	va_start(ap, fmt);
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
	va_end(ap);
	rc = sqlite3_step(st);
	sqlite3_finalize(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? SQLITE_OK : rc;
}

yj_status runlog_write(sqlite3 *db, long long run, const yj_step_rec *v, size_t n, int *cancel,
		       yj_error *err)
{
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
		rc = store_exec(db, "INSERT OR REPLACE INTO run_steps (run_id, step, epoch, loss, lr) VALUES (?,?,?,?,?)",
				"iiidd", run, v[i].step, (long long)v[i].epoch, (double)v[i].loss, (double)v[i].lr);
	if (rc == SQLITE_OK && n)
		rc = store_exec(db,
				"UPDATE runs SET steps_done = ?, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
				" WHERE id = ?",
				"ii", v[n - 1].step + 1, run);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		return store_sqlite_error(db, rc, _("recording training progress"), err);
	}
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, "SELECT cancel FROM runs WHERE id = ?", -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run);
		if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0))
			*cancel = 1;
	}
	sqlite3_finalize(st);
	return YJ_OK;
}
