/*
 * project.h - the project file: one SQLite database holding everything.
 *
 * A project is recognised by its application_id; PRAGMA user_version holds
 * the schema version, and older files are migrated forward when opened.
 * The file runs in WAL mode so a training process can write while the TUI
 * reads.  Every multi-row change happens inside one transaction.
 */
#ifndef YUJING_STORE_PROJECT_H
#define YUJING_STORE_PROJECT_H

#include <signal.h>
#include "yujing/base/error.h"

/* "YJNG" - written to PRAGMA application_id of every project file. */
#define PROJECT_APPLICATION_ID 0x594A4E47
/* Schema version this build writes; migrations bring older files here. */
#define PROJECT_SCHEMA_VERSION 4

typedef struct yj_project yj_project;

/* Create a new project file at path (which must not exist).  On success
 * *out is an open project the caller closes with project_close(). */
yj_status project_create(const char *path, yj_project **out, yj_error *err);

/* Open an existing project, refusing (and changing nothing in) a file that
 * is not SQLite, an SQLite file that is not a project, a project written
 * by a newer schema (or with a negative version), or one whose schema
 * holds what yujing did not create (a trigger, a view other than a
 * source's, a virtual table, an index; a changed or missing yujing
 * table).  The connection runs nothing stored in the file as code
 * (SQLITE_DBCONFIG_DEFENSIVE, no trusted schema, no fts3_tokenizer, no
 * triggers).  Runs pending migrations forward and switches to WAL.
 * (A test hook: YUJING_TEST_TRUST_TRIGGERS=1 in the environment lets
 * triggers through, for tests that make a write fail on purpose.) */
yj_status project_open(const char *path, yj_project **out, yj_error *err);

/* The same checks, for commands that only read: the file is opened
 * read-only (a read-only file opens), left in its journal mode and never
 * migrated (an older schema is an error). */
yj_status project_open_readonly(const char *path, yj_project **out, yj_error *err);

/* Close and free (NULL is fine). */
void project_close(yj_project *p);

/* The file's path.  (The connection itself is the store's alone:
 * src/store/internal.h.) */
const char *project_path(const yj_project *p);

/* Transactions.  begin uses BEGIN IMMEDIATE so a writer fails early. */
yj_status project_begin(yj_project *p, yj_error *err);
yj_status project_commit(yj_project *p, yj_error *err);
void project_rollback(yj_project *p);

/* Project settings (key/value text).  get returns a malloc'd copy in *value,
 * or NULL when the key is unset. */
yj_status project_setting_get(yj_project *p, const char *key, char **value,
			      yj_error *err);
yj_status project_setting_set(yj_project *p, const char *key,
			      const char *value, yj_error *err);

/* Quote an SQL identifier: wrap in double quotes, doubling any inside.
 * Returns a malloc'd string, NULL when out of memory. */
char *store_quote_ident(const char *name);

/* How a write waits for another process's write lock.  By default it
 * fails with "database is locked" after 10 s (project_wait_default).
 * project_wait_patiently makes it wait as long as the lock is held, until
 * *stop (may be NULL: never) becomes non-zero: long work (training) whose
 * progress writes must not fail because an import holds the lock. */
void project_wait_patiently(yj_project *p, volatile sig_atomic_t *stop);
void project_wait_default(yj_project *p);

/* Default null markers, as stored in the "null_markers" setting (a JSON
 * array of strings). */
#define PROJECT_DEFAULT_NULL_MARKERS "[\"NULL\",\"null\",\"NA\",\"N/A\",\"\\\\N\"]"

#endif
