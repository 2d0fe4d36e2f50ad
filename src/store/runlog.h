/*
 * runlog.h - statement helpers shared by the store modules: binding
 * parameters from a format, and reporting a failed statement.
 *
 * (The live progress of runs, which this module once held, is in runs.h.)
 */
#ifndef YUJING_STORE_RUNLOG_H
#define YUJING_STORE_RUNLOG_H

#include <stdarg.h>
#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* Run one statement with parameters bound from a format: i = long long,
 * d = double (NaN binds NULL), t = text (NULL binds NULL), b = blob
 * (pointer, size_t).  Returns SQLITE_OK or the SQLite error code. */
int store_exec(sqlite3 *db, const char *sql, const char *fmt, ...);

/* Prepare sql and bind its parameters as store_exec does.  *out is the
 * statement (the caller finalizes it; NULL on failure).  Returns SQLITE_OK
 * or the SQLite error code. */
int store_prepare(sqlite3 *db, sqlite3_stmt **out, const char *sql, const char *fmt, ...);

/* Fill err from a failed statement, reading SQLite's message before
 * anything else runs, then roll back the transaction if one is open.
 * The message names what was being done and the statement (its first
 * words).  Returns the status (as store_sqlite_error). */
yj_status store_stmt_error(sqlite3 *db, int rc, const char *what, const char *sql, yj_error *err);

/* The end of a query for one row, rc being what its sqlite3_step gave
 * (the row's columns already read when SQLITE_ROW; oom: a copy failed):
 * YJ_OK, YJ_ENOMEM, YJ_ENOTFOUND without a message when there was no row,
 * else the failed statement (store_stmt_error).  Finalizes st. */
yj_status store_row_end(sqlite3 *db, sqlite3_stmt *st, int rc, int oom, const char *what, const char *sql,
			yj_error *err);

/* Copies of column i of the current row (malloc'd, the caller's): text
 * NUL-terminated, a blob with its size in *n.  NULL for SQL NULL (and
 * when out of memory: *oom is set when given). */
char *store_column_text(sqlite3_stmt *st, int i, int *oom);
void *store_column_blob(sqlite3_stmt *st, int i, size_t *n, int *oom);

/* The store's one transaction idiom (runlog.c): BEGIN IMMEDIATE, COMMIT
 * (SQLite result codes), and a ROLLBACK that is harmless when nothing is
 * open.  project_begin/commit/rollback are the same for a project. */
int store_begin(sqlite3 *db);
int store_commit(sqlite3 *db);
void store_rollback(sqlite3 *db);

#endif
