/*
 * internal.h - what only src/store sees: the SQLite connection of a
 * project and the statement helpers.  No header under include/ names
 * sqlite3, and `make check` fails when sqlite3_ appears outside src/store
 * (DESIGN.md: the store is the only layer that speaks SQL).  Tests that
 * look inside a project file include this header too.
 */
#ifndef YUJING_STORE_INTERNAL_H
#define YUJING_STORE_INTERNAL_H

#include <sqlite3.h>

#include "yujing/store/project.h"

/* The underlying connection (owned by the project). */
sqlite3 *project_db(yj_project *p);

/* Fill err from an SQLite failure; `what` says what was being done.
 * SQLITE_FULL maps to YJ_EFULL, SQLITE_INTERRUPT to YJ_EINTR. */
yj_status store_sqlite_error(sqlite3 *db, int rc, const char *what,
			     yj_error *err);

#include "runlog.h"

#endif
