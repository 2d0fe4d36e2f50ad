/*
 * project.c - create, open, validate and migrate the project file.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/project.h"
#include "yujing/store/sources.h"
#include "internal.h"

struct yj_project {
	sqlite3 *db;
	char *path;
};

/*
 * Migrations: migrations[i] takes a file from schema version i to i + 1.
 * Never edit a released step; append a new one and bump
 * PROJECT_SCHEMA_VERSION.
 */
static const char *const migrations[] = {
	/* 0 -> 1: sources, their fields and project settings. */
	"CREATE TABLE settings ("
	"  key   TEXT PRIMARY KEY,"
	"  value TEXT NOT NULL);"
	"CREATE TABLE sources ("
	"  id          INTEGER PRIMARY KEY,"
	"  name        TEXT NOT NULL UNIQUE,"
	"  key_field   TEXT NOT NULL,"
	"  label_field TEXT,"
	"  file        TEXT NOT NULL,"
	"  format      TEXT NOT NULL,"
	"  encoding    TEXT NOT NULL,"
	"  rows        INTEGER NOT NULL DEFAULT 0,"
	"  data_table  TEXT NOT NULL UNIQUE,"
	"  imported_at TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
	"CREATE TABLE fields ("
	"  source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
	"  pos       INTEGER NOT NULL,"
	"  name      TEXT NOT NULL,"
	"  col       TEXT NOT NULL,"
	"  type      TEXT NOT NULL CHECK (type IN"
	"              ('integer','real','categorical','text','datetime')),"
	"  inferred  TEXT NOT NULL,"
	"  role      TEXT NOT NULL CHECK (role IN"
	"              ('key','label','text','attribute')),"
	"  PRIMARY KEY (source_id, pos),"
	"  UNIQUE (source_id, name));"
	/* The stored quality profile of each source, with the settings
	 * (sigma, de-duplication, null markers) that produced it. */
	"CREATE TABLE profiles ("
	"  source_id  INTEGER PRIMARY KEY REFERENCES sources(id) ON DELETE CASCADE,"
	"  settings   TEXT NOT NULL,"
	"  result     TEXT NOT NULL,"
	"  created_at TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
	/* Cleaned snapshots: settings, report, training statistics; the
	 * rows kept per source and the cells changed.  The raw rows are never
	 * modified. */
	"CREATE TABLE snapshots ("
	"  id         INTEGER PRIMARY KEY,"
	"  created_at TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  settings   TEXT NOT NULL,"
	"  report     TEXT NOT NULL,"
	"  stats      TEXT NOT NULL,"
	"  active     INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE snapshot_sources ("
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	"  source_id   INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,"
	"  kept        BLOB NOT NULL," /* int64 little-endian row ids, ascending */
	"  PRIMARY KEY (snapshot_id, source_id));"
	"CREATE TABLE snapshot_cells ("
	"  snapshot_id INTEGER NOT NULL,"
	"  source_id   INTEGER NOT NULL,"
	"  row         INTEGER NOT NULL,"
	"  pos         INTEGER NOT NULL," /* field position */
	"  value       TEXT NOT NULL,"
	"  kind        TEXT NOT NULL CHECK (kind IN ('filled','replaced','clipped')),"
	"  PRIMARY KEY (snapshot_id, source_id, row, pos),"
	"  FOREIGN KEY (snapshot_id, source_id)"
	"    REFERENCES snapshot_sources(snapshot_id, source_id) ON DELETE CASCADE"
	") WITHOUT ROWID;"
	/* Train/test splits of a snapshot's labeled cases. */
	"CREATE TABLE splits ("
	"  id          INTEGER PRIMARY KEY,"
	"  snapshot_id INTEGER NOT NULL REFERENCES snapshots(id) ON DELETE CASCADE,"
	"  created_at  TEXT NOT NULL"
	"    DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  settings    TEXT NOT NULL,"
	"  report      TEXT NOT NULL,"
	"  active      INTEGER NOT NULL DEFAULT 0);"
	"CREATE TABLE split_cases ("
	"  split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,"
	"  key      TEXT NOT NULL,"
	"  label    TEXT NOT NULL,"
	"  part     TEXT NOT NULL CHECK (part IN ('train','test')),"
	"  PRIMARY KEY (split_id, key)) WITHOUT ROWID;"
	/* Training runs: configuration, feature layout and statistics, label
	 * list, progress, metrics of the best epoch, its weights
	 * (safetensors) and a resumable checkpoint.  Another process follows a
	 * run through run_steps and run_epochs, and may set cancel. */
	"CREATE TABLE runs ("
	"  id          INTEGER PRIMARY KEY,"
	"  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  updated_at  TEXT,"
	"  status      TEXT NOT NULL CHECK (status IN ('running','done','cancelled','failed')),"
	"  split_id    INTEGER REFERENCES splits(id) ON DELETE SET NULL,"
	"  config      TEXT NOT NULL,"
	"  labels      TEXT NOT NULL,"
	"  features    TEXT NOT NULL,"
	"  total_steps INTEGER NOT NULL DEFAULT 0,"
	"  steps_done  INTEGER NOT NULL DEFAULT 0,"
	"  epochs_done INTEGER NOT NULL DEFAULT 0,"
	"  best_epoch  INTEGER,"
	"  metrics     TEXT,"
	"  weights     BLOB,"
	"  checkpoint  BLOB,"
	"  ckpt_state  TEXT,"
	"  cancel      INTEGER NOT NULL DEFAULT 0,"
	"  pid         INTEGER,"
	"  message     TEXT);"
	"CREATE TABLE run_steps ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  step   INTEGER NOT NULL,"
	"  epoch  INTEGER NOT NULL,"
	"  loss   REAL NOT NULL,"
	"  lr     REAL NOT NULL,"
	"  PRIMARY KEY (run_id, step)) WITHOUT ROWID;"
	"CREATE TABLE run_epochs ("
	"  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  epoch      INTEGER NOT NULL,"
	"  train_loss REAL NOT NULL,"
	"  test_loss  REAL,"
	"  accuracy   REAL,"
	"  macro_f1   REAL,"
	"  seconds    REAL NOT NULL,"
	"  PRIMARY KEY (run_id, epoch)) WITHOUT ROWID;"
	/* Text encoders (BERT with its MLM head) from pretraining runs, as a
	 * Hugging Face directory's three files; one may be active. */
	"CREATE TABLE encoders ("
	"  id         INTEGER PRIMARY KEY,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  run_id     INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
	"  config     TEXT NOT NULL," /* config.json */
	"  vocab      TEXT NOT NULL," /* vocab.txt */
	"  weights    BLOB NOT NULL," /* model.safetensors: bert.* and cls.predictions.* */
	"  active     INTEGER NOT NULL DEFAULT 0);"
	/* Predictions of a run for new or unlabeled cases: every class's
	 * probability as a JSON object {category: p}; source is 'unlabeled'
	 * or the file the case came from. */
	"CREATE TABLE predictions ("
	"  id            INTEGER PRIMARY KEY,"
	"  run_id        INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  key           TEXT NOT NULL,"
	"  source        TEXT NOT NULL,"
	"  predicted     TEXT NOT NULL,"
	"  probabilities TEXT NOT NULL,"
	"  created_at    TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
	"CREATE INDEX predictions_run ON predictions (run_id, key);"
	/* The frozen text branch's cache: encoder `encoder_id`'s pooled
	 * vector (float32, hidden) of one case's text in one field
	 * ("SOURCE.FIELD" for the [CLS] state, "SOURCE.FIELD" 0x1f "mean"
	 * for the mean pooling; textbranch.h), tokenized to max_len; key is the case key, a
	 * 0x1f byte and a 64-bit hash of the token ids in hex, so a changed
	 * text misses. */
	"CREATE TABLE text_cache ("
	"  encoder_id INTEGER NOT NULL REFERENCES encoders(id) ON DELETE CASCADE,"
	"  field      TEXT NOT NULL,"
	"  max_len    INTEGER NOT NULL,"
	"  key        TEXT NOT NULL,"
	"  vector     BLOB NOT NULL,"
	"  PRIMARY KEY (encoder_id, field, max_len, key)) WITHOUT ROWID;",
	/* 1 -> 2: batches of new cases (predict --source, issue 14): the
	 * files as read (so that explain can rebuild a case exactly), each
	 * case's rows as the run cleaned them (JSON {source: [{field:
	 * value}]}), and the batch of each prediction (NULL: the project's
	 * own cases). */
	"CREATE TABLE batches ("
	"  id         INTEGER PRIMARY KEY,"
	"  run_id     INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')));"
	"CREATE TABLE batch_files ("
	"  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,"
	"  pos      INTEGER NOT NULL,"
	"  source   TEXT NOT NULL,"
	"  path     TEXT NOT NULL,"
	"  content  BLOB NOT NULL,"
	"  PRIMARY KEY (batch_id, pos));"
	"CREATE TABLE batch_cases ("
	"  batch_id INTEGER NOT NULL REFERENCES batches(id) ON DELETE CASCADE,"
	"  key      TEXT NOT NULL,"
	"  rows     TEXT NOT NULL,"
	"  PRIMARY KEY (batch_id, key)) WITHOUT ROWID;"
	"CREATE INDEX batch_cases_key ON batch_cases (key);"
	"ALTER TABLE predictions ADD COLUMN batch_id INTEGER REFERENCES batches(id) ON DELETE CASCADE;",
	/* 2 -> 3: a validation part in splits (issue 13: every automatic
	 * choice is made on it, the test part is read once for the report),
	 * and tune groups: the trials of one `yujing tune` search. */
	"CREATE TABLE split_cases_v3 ("
	"  split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,"
	"  key      TEXT NOT NULL,"
	"  label    TEXT NOT NULL,"
	"  part     TEXT NOT NULL CHECK (part IN ('train','valid','test')),"
	"  PRIMARY KEY (split_id, key)) WITHOUT ROWID;"
	"INSERT INTO split_cases_v3 SELECT split_id, key, label, part FROM split_cases;"
	"DROP TABLE split_cases;"
	"ALTER TABLE split_cases_v3 RENAME TO split_cases;"
	"CREATE TABLE tunes ("
	"  id         INTEGER PRIMARY KEY,"
	"  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),"
	"  updated_at TEXT,"
	"  split_id   INTEGER REFERENCES splits(id) ON DELETE SET NULL,"
	"  status     TEXT NOT NULL CHECK (status IN ('running','done','cancelled','failed')),"
	"  budget_s   INTEGER NOT NULL,"
	"  best_run   INTEGER REFERENCES runs(id) ON DELETE SET NULL,"
	"  report     TEXT);"
	"ALTER TABLE runs ADD COLUMN tune_id INTEGER REFERENCES tunes(id) ON DELETE SET NULL;",
	/* 3 -> 4: a run's best weights and resumable checkpoint move out of
	 * runs into their own table.  In runs they came before cancel, pid,
	 * message and tune_id, so every progress update and every poll of
	 * cancel read the blobs' overflow pages (one CAIL run read 77 GB of
	 * a 0.6 GB file). */
	"CREATE TABLE run_blobs ("
	"  run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,"
	"  kind   TEXT NOT NULL CHECK (kind IN ('weights','checkpoint')),"
	"  data   BLOB NOT NULL,"
	"  UNIQUE (run_id, kind));"
	"INSERT INTO run_blobs (run_id, kind, data)"
	"  SELECT id, 'weights', weights FROM runs WHERE weights IS NOT NULL;"
	"INSERT INTO run_blobs (run_id, kind, data)"
	"  SELECT id, 'checkpoint', checkpoint FROM runs WHERE checkpoint IS NOT NULL;"
	"ALTER TABLE runs DROP COLUMN weights;"
	"ALTER TABLE runs DROP COLUMN checkpoint;",
};

#define N_MIGRATIONS (sizeof migrations / sizeof migrations[0])
_Static_assert(N_MIGRATIONS == PROJECT_SCHEMA_VERSION,
	       "one migration per schema version");

yj_status store_sqlite_error(sqlite3 *db, int rc, const char *what,
			     yj_error *err)
{
	yj_status st = YJ_EDB;
	int prim = rc & 0xff;
	if (prim == SQLITE_FULL)
		st = YJ_EFULL;
	else if (prim == SQLITE_INTERRUPT)
		st = YJ_EINTR;
	else if (prim == SQLITE_NOMEM)
		st = YJ_ENOMEM;
	else if (prim == SQLITE_IOERR || prim == SQLITE_CANTOPEN)
		st = YJ_EIO;
	/* the connection's message when it is about this error; a code set
	 * by the caller (SQLITE_NOMEM for its own allocation) has its own
	 * ("not an error" otherwise) */
	const char *detail = db && (sqlite3_errcode(db) & 0xff) == prim ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
	error_set(err, st, _("%s failed: %s"), what, detail);
	if (st == YJ_EFULL)
		error_hint(err, _("free disk space and run the command again; "
				  "nothing was written"));
	else if (prim == SQLITE_BUSY)
		error_hint(err, _("another yujing process is writing to this "
				  "project; try again when it has finished"));
	return st;
}

char *store_quote_ident(const char *name)
{
	size_t n = 2;
	for (const char *s = name; *s; s++)
		n += (*s == '"') ? 2 : 1;
	char *q = malloc(n + 1), *d = q;
	if (!q)
		return NULL;
	*d++ = '"';
	for (const char *s = name; *s; s++) {
		if (*s == '"')
			*d++ = '"';
		*d++ = *s;
	}
	*d++ = '"';
	*d = '\0';
	return q;
}

static yj_status exec(sqlite3 *db, const char *sql, const char *what,
		      yj_error *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, what, err);
	return YJ_OK;
}

static yj_status pragma_int(sqlite3 *db, const char *sql, long long *out,
			    yj_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW) {
			*out = sqlite3_column_int64(st, 0);
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, sql, err);
	return YJ_OK;
}

/* Run migrations from version `from` to PROJECT_SCHEMA_VERSION in one
 * transaction. */
static yj_status migrate(sqlite3 *db, long long from, yj_error *err)
{
	if (from >= PROJECT_SCHEMA_VERSION)
		return YJ_OK;
	int rc = store_begin(db);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("starting a migration"), err);
	yj_status st;
	for (long long v = from; v < PROJECT_SCHEMA_VERSION; v++) {
		st = exec(db, migrations[v], _("migrating the project schema"), err);
		if (st)
			goto fail;
	}
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d; PRAGMA application_id = %d",
		 PROJECT_SCHEMA_VERSION, PROJECT_APPLICATION_ID);
	st = exec(db, sql, _("migrating the project schema"), err);
	if (st)
		goto fail;
	if ((rc = store_commit(db)) == SQLITE_OK)
		return YJ_OK;
	st = store_sqlite_error(db, rc, _("migrating the project schema"), err);
fail:
	store_rollback(db);
	return st;
}

/* The test suite's one way to make a write fail where it wants (a trigger
 * that raises): with YUJING_TEST_TRUST_TRIGGERS=1 in the environment,
 * triggers stay enabled and the schema check lets them through.  Only the
 * environment can say so, never a file; never set it for a file from
 * someone else. */
static int test_triggers(void)
{
	const char *v = getenv("YUJING_TEST_TRUST_TRIGGERS");
	return v && !strcmp(v, "1");
}

/*
 * A project file may come from someone else: nothing stored in it may run
 * as code in this connection.  DEFENSIVE forbids writable_schema and
 * other ways to corrupt the file through SQL; with TRUSTED_SCHEMA off,
 * functions with side effects (fts3_tokenizer, load_extension, ...) cannot
 * be called from views, triggers, CHECK or DEFAULT expressions or indexes;
 * the two-argument fts3_tokenizer (which hands out pointers) is off; and
 * triggers never fire (yujing creates none; the schema check below refuses
 * a file that holds one).  Set before the first statement on the file.
 */
static yj_status harden_connection(sqlite3 *db, yj_error *err)
{
	static const int off[] = {SQLITE_DBCONFIG_TRUSTED_SCHEMA, SQLITE_DBCONFIG_ENABLE_FTS3_TOKENIZER,
				  SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, SQLITE_DBCONFIG_ENABLE_TRIGGER};
	size_t n = sizeof off / sizeof off[0] - (test_triggers() ? 1 : 0);
	int rc = sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, (int *)NULL);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = sqlite3_db_config(db, off[i], 0, (int *)NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("configuring the project connection"), err);
	return YJ_OK;
}

static yj_status configure_connection(sqlite3 *db, yj_error *err)
{
	sqlite3_busy_timeout(db, 10000);
	/* WAL lets a training process write while the TUI reads;
	 * synchronous=NORMAL is durable across application crashes. */
	return exec(db,
		    "PRAGMA journal_mode = WAL;"
		    "PRAGMA synchronous = NORMAL;"
		    "PRAGMA foreign_keys = ON;",
		    _("configuring the project connection"), err);
}

/* ------------------------------------------------------------ schema check */

/* The schema yujing makes at `version`: the migrations run in a private
 * in-memory database (*out, closed by the caller). */
static int reference_schema(long long version, sqlite3 **out)
{
	int rc = sqlite3_open_v2(":memory:", out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL);
	for (long long v = 0; rc == SQLITE_OK && v < version; v++)
		rc = sqlite3_exec(*out, migrations[v], NULL, NULL, NULL);
	return rc;
}

/* 1 when (type, name, sql) is the data table or the "raw:NAME" view that
 * import made for a source of the catalogue, 0 when not, -1 on an SQLite
 * failure (*rc).  A data table may only be named raw_<id> (its columns are
 * checked where they are read: sources.c); a view's SQL must be exactly
 * what import writes for the source's fields. */
static int source_object(sqlite3 *db, const char *type, const char *name, const char *sql, int *rc)
{
	sqlite3_stmt *st = NULL;
	char *want = NULL;
	const char **names = NULL;
	size_t n = 0, cap = 0;
	int found = 0;
	if (!strcmp(type, "table")) {
		if (strncmp(sql, "CREATE TABLE ", 13) != 0)
			return 0;
		*rc = sqlite3_prepare_v2(db, "SELECT 1 FROM sources WHERE data_table = ?1 AND ?1 = 'raw_' || id",
					 -1, &st, NULL);
		if (*rc == SQLITE_OK) {
			sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
			*rc = sqlite3_step(st);
			found = *rc == SQLITE_ROW;
			*rc = *rc == SQLITE_ROW || *rc == SQLITE_DONE ? SQLITE_OK : *rc;
		}
		sqlite3_finalize(st);
		return *rc == SQLITE_OK ? found : -1;
	}
	if (strcmp(type, "view") != 0 || strncmp(name, "raw:", 4) != 0)
		return 0;
	/* The source's field names in column order, then its name and id. */
	*rc = sqlite3_prepare_v2(db,
				 "SELECT f.name, s.id FROM sources s LEFT JOIN fields f ON f.source_id = s.id"
				 " WHERE s.name = ? ORDER BY f.pos",
				 -1, &st, NULL);
	if (*rc != SQLITE_OK)
		goto out;
	sqlite3_bind_text(st, 1, name + 4, -1, SQLITE_STATIC);
	long long id = 0;
	int any = 0;
	while ((*rc = sqlite3_step(st)) == SQLITE_ROW) {
		any = 1;
		id = sqlite3_column_int64(st, 1);
		if (sqlite3_column_type(st, 0) == SQLITE_NULL)
			continue; /* a source without fields */
		if (n == cap) {
			cap = cap ? 2 * cap : 16;
			const char **v = realloc(names, cap * sizeof *v);
			if (!v) {
				*rc = SQLITE_NOMEM;
				goto out;
			}
			names = v;
		}
		names[n] = strdup((const char *)sqlite3_column_text(st, 0));
		if (!names[n]) {
			*rc = SQLITE_NOMEM;
			goto out;
		}
		n++;
	}
	if (*rc != SQLITE_DONE)
		goto out;
	*rc = SQLITE_OK;
	if (!any)
		goto out;
	char table[32];
	snprintf(table, sizeof table, "raw_%lld", id);
	want = sources_view_sql(name + 4, table, names, n);
	if (!want) {
		*rc = SQLITE_NOMEM;
		goto out;
	}
	found = !strcmp(want, sql);
out:
	sqlite3_finalize(st);
	for (size_t i = 0; i < n; i++)
		free((char *)names[i]);
	free(names);
	free(want);
	return *rc == SQLITE_OK ? found : -1;
}

/* Refuse a file whose schema holds what yujing did not make: compare
 * every object of sqlite_schema with the schema the migrations make at
 * `version`.  Allowed besides: the data tables and views of the
 * catalogue's sources, SQLite's own objects (sqlite_stat tables,
 * automatic indexes) and plain tables (inert data).  Refused: any other
 * trigger, view, virtual table or index, a yujing object whose SQL
 * differs, and a missing one.  Reads only. */
static yj_status check_schema(sqlite3 *db, long long version, yj_error *err)
{
	sqlite3 *ref = NULL;
	sqlite3_stmt *st = NULL, *rs = NULL;
	yj_status ret = YJ_OK;
	long long matched = 0, expected = 0;
	int rc = reference_schema(version, &ref);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(ref, "SELECT sql FROM sqlite_schema WHERE type = ? AND name = ?", -1,
					&rs, NULL);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(ref, rc, _("checking the project schema"), err);
		goto out;
	}
	/* Before the first migration there is no catalogue, hence no source. */
	int catalogue = version >= 1;
	rc = sqlite3_prepare_v2(db, "SELECT type, name, coalesce(sql, '') FROM sqlite_schema", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const char *type = (const char *)sqlite3_column_text(st, 0);
		const char *name = (const char *)sqlite3_column_text(st, 1);
		const char *sql = (const char *)sqlite3_column_text(st, 2);
		if (!type || !name || !sql) {
			rc = SQLITE_NOMEM;
			break;
		}
		sqlite3_reset(rs);
		sqlite3_bind_text(rs, 1, type, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(rs, 2, name, -1, SQLITE_TRANSIENT);
		int in_ref = sqlite3_step(rs);
		if (in_ref == SQLITE_ROW) {
			const char *want = (const char *)sqlite3_column_text(rs, 0);
			if (strcmp(want ? want : "", sql) != 0) {
				ret = error_set(err, YJ_ENOTPROJECT,
						_("the project file's %s '%s' is not the one yujing created"), type,
						name);
				break;
			}
			matched++;
			continue;
		}
		if (in_ref != SQLITE_DONE) {
			rc = in_ref;
			break;
		}
		int ok = (!strcmp(type, "trigger") && test_triggers()) ||
			 (!strcmp(type, "table") && !strncmp(name, "sqlite_stat", 11)) ||
			 (!strcmp(type, "index") && !*sql && !strncmp(name, "sqlite_autoindex_", 17));
		if (!ok && catalogue && (ok = source_object(db, type, name, sql, &rc)) < 0)
			break;
		if (!ok && !strcmp(type, "table") && !strncmp(sql, "CREATE TABLE ", 13))
			ok = 1;
		if (ok)
			continue;
		if (!strcmp(type, "trigger"))
			ret = error_set(err, YJ_ENOTPROJECT,
					_("the project file holds a trigger, '%s', that yujing did not create"), name);
		else if (!strcmp(type, "view"))
			ret = error_set(err, YJ_ENOTPROJECT,
					_("the project file holds a view, '%s', that yujing did not create"), name);
		else if (!strcmp(type, "table"))
			ret = error_set(err, YJ_ENOTPROJECT,
					_("the project file holds a virtual table, '%s', that yujing did not create"),
					name);
		else
			ret = error_set(err, YJ_ENOTPROJECT,
					_("the project file holds an index, '%s', that yujing did not create"), name);
		break;
	}
	if (!ret && rc != SQLITE_DONE) {
		ret = store_sqlite_error(db, rc == SQLITE_OK ? SQLITE_ERROR : rc, _("checking the project schema"), err);
		goto out;
	}
	if (ret) {
		error_hint(err, _("a project file is data: objects that run SQL on yujing's writes are "
				  "refused, and the file was left unchanged; if you trust it, drop the object "
				  "with sqlite3 first"));
		goto out;
	}
	sqlite3_finalize(rs);
	rs = NULL;
	if ((rc = sqlite3_prepare_v2(ref, "SELECT count(*) FROM sqlite_schema", -1, &rs, NULL)) != SQLITE_OK ||
	    (rc = sqlite3_step(rs)) != SQLITE_ROW) {
		ret = store_sqlite_error(ref, rc, _("checking the project schema"), err);
		goto out;
	}
	expected = sqlite3_column_int64(rs, 0);
	if (matched != expected) {
		ret = error_set(err, YJ_ENOTPROJECT,
				_("the project file lacks %lld of the tables and indexes yujing created"),
				expected - matched);
		error_hint(err, _("the file was changed outside yujing; it was left unchanged"));
	}
out:
	sqlite3_finalize(st);
	sqlite3_finalize(rs);
	sqlite3_close(ref);
	return ret;
}

static yj_project *project_wrap(sqlite3 *db, const char *path)
{
	yj_project *p = calloc(1, sizeof *p);
	if (!p)
		return NULL;
	p->db = db;
	p->path = strdup(path);
	if (!p->path) {
		free(p);
		return NULL;
	}
	return p;
}

yj_status project_create(const char *path, yj_project **out, yj_error *err)
{
	struct stat sb;
	*out = NULL;
	if (stat(path, &sb) == 0) {
		error_set(err, YJ_EEXIST, _("file already exists"));
		error_at(err, path, -1, -1, NULL);
		error_hint(err, _("choose another name, or remove the file first"));
		return YJ_EEXIST;
	}
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db,
				 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE |
					 SQLITE_OPEN_EXRESCODE,
				 NULL);
	yj_status st;
	if (rc != SQLITE_OK) {
		st = store_sqlite_error(db, rc, _("creating the project file"), err);
		error_at(err, path, -1, -1, NULL);
		sqlite3_close(db);
		return st;
	}
	st = harden_connection(db, err);
	if (!st)
		st = configure_connection(db, err);
	if (!st)
		st = migrate(db, 0, err);
	if (!st) {
		char sql[256];
		snprintf(sql, sizeof sql,
			 "INSERT INTO settings(key, value) VALUES"
			 " ('created_by', '%s %s'),"
			 " ('created_at', strftime('%%Y-%%m-%%dT%%H:%%M:%%SZ', 'now'))",
			 PACKAGE_NAME, PACKAGE_VERSION);
		st = exec(db, sql, _("writing project settings"), err);
	}
	if (!st) {
		sqlite3_stmt *s = NULL;
		rc = sqlite3_prepare_v2(db, "INSERT INTO settings(key, value) VALUES ('null_markers', ?)",
					-1, &s, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_text(s, 1, PROJECT_DEFAULT_NULL_MARKERS, -1, SQLITE_STATIC);
			rc = sqlite3_step(s);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		sqlite3_finalize(s);
		if (rc != SQLITE_OK)
			st = store_sqlite_error(db, rc, _("writing project settings"), err);
	}
	if (st) {
		error_at(err, path, -1, -1, NULL);
		sqlite3_close(db);
		remove(path);
		return st;
	}
	*out = project_wrap(db, path);
	if (!*out) {
		sqlite3_close(db);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	return YJ_OK;
}

/* Open path for reading and writing, or (readonly) for reading only: then
 * nothing in the file changes (no migration, no switch to WAL), and a
 * read-only file opens. */
static yj_status open_project(const char *path, int readonly, yj_project **out, yj_error *err)
{
	struct stat sb;
	*out = NULL;
	if (stat(path, &sb) != 0) {
		error_set(err, YJ_ENOTFOUND, _("cannot open project: %s"), strerror(errno));
		error_at(err, path, -1, -1, NULL);
		if (errno == ENOENT)
			error_hint(err, _("create a project with: yujing init %s"), path);
		return YJ_ENOTFOUND;
	}
	if (!S_ISREG(sb.st_mode)) {
		error_set(err, YJ_ENOTPROJECT, _("not a regular file"));
		error_at(err, path, -1, -1, NULL);
		return YJ_ENOTPROJECT;
	}
	/* Reading only: a file we may write is still opened for writing, so
	 * that closing the last connection of a WAL file checkpoints it and
	 * removes its -wal and -shm files, but with query_only set below
	 * nothing is written; a file we may not write is opened read-only. */
	int ro = readonly && access(path, W_OK) != 0;
	sqlite3 *db = NULL;
	int rc = sqlite3_open_v2(path, &db, (ro ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE) | SQLITE_OPEN_EXRESCODE,
				 NULL);
	yj_status st;
	if (rc != SQLITE_OK) {
		st = store_sqlite_error(db, rc, _("opening the project file"), err);
		goto fail;
	}
	if ((st = harden_connection(db, err)))
		goto fail;
	long long appid = 0, version = 0;
	/* Another process (a training run, the TUI's workers) may be writing:
	 * wait for its lock rather than fail, from the very first read. */
	sqlite3_busy_timeout(db, 10000);
	/* Reading the header changes nothing; a non-SQLite file fails here. */
	rc = sqlite3_exec(db, "SELECT count(*) FROM sqlite_schema", NULL, NULL, NULL);
	if ((rc & 0xff) == SQLITE_NOTADB) {
		st = error_set(err, YJ_ENOTPROJECT, _("not a yujing project: the file is not an SQLite database"));
		goto fail;
	} else if (rc != SQLITE_OK) {
		st = store_sqlite_error(db, rc, _("reading the project file"), err);
		goto fail;
	}
	if ((st = pragma_int(db, "PRAGMA application_id", &appid, err)) ||
	    (st = pragma_int(db, "PRAGMA user_version", &version, err)))
		goto fail;
	if (appid != PROJECT_APPLICATION_ID && sb.st_size == 0) {
		st = error_set(err, YJ_ENOTPROJECT, _("not a yujing project: the file is empty"));
		error_hint(err, _("create a project with 'yujing init' and import your data into it"));
		goto fail;
	}
	if (appid != PROJECT_APPLICATION_ID) {
		st = error_set(err, YJ_ENOTPROJECT,
			       _("not a yujing project: an SQLite database with application_id %lld "
				 "(a project has %d)"),
			       appid, PROJECT_APPLICATION_ID);
		error_hint(err, _("create a project with 'yujing init' and import your data into it"));
		goto fail;
	}
	if (version > PROJECT_SCHEMA_VERSION) {
		st = error_set(err, YJ_EVERSION,
			       _("project schema version %lld is newer than this yujing supports (%d)"),
			       version, PROJECT_SCHEMA_VERSION);
		error_hint(err, _("upgrade yujing to open this project; it was left unchanged"));
		goto fail;
	}
	if (version < 0) {
		st = error_set(err, YJ_ENOTPROJECT,
			       _("not a yujing project: its schema version is %lld (a project has 0 to %d)"),
			       version, PROJECT_SCHEMA_VERSION);
		error_hint(err, _("the file was changed outside yujing; it was left unchanged"));
		goto fail;
	}
	if ((st = check_schema(db, version, err)))
		goto fail;
	if (readonly && version < PROJECT_SCHEMA_VERSION) {
		st = error_set(err, YJ_EVERSION,
			       _("project schema version %lld needs an upgrade to %d, which this command "
				 "cannot write"),
			       version, PROJECT_SCHEMA_VERSION);
		error_hint(err, _("run a command that writes, such as 'yujing import', once"));
		goto fail;
	}
	if (readonly)
		st = exec(db, "PRAGMA foreign_keys = ON; PRAGMA query_only = ON",
			  _("configuring the project connection"), err);
	else if (!(st = configure_connection(db, err)))
		st = migrate(db, version, err);
	if (st)
		goto fail;
	*out = project_wrap(db, path);
	if (!*out) {
		sqlite3_close(db);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	return YJ_OK;
fail:
	error_at(err, path, -1, -1, NULL);
	sqlite3_close(db);
	return st;
}

yj_status project_open(const char *path, yj_project **out, yj_error *err)
{
	return open_project(path, 0, out, err);
}

yj_status project_open_readonly(const char *path, yj_project **out, yj_error *err)
{
	return open_project(path, 1, out, err);
}

void project_close(yj_project *p)
{
	if (!p)
		return;
	sqlite3_close(p->db);
	free(p->path);
	free(p);
}

sqlite3 *project_db(yj_project *p)
{
	return p->db;
}

const char *project_path(const yj_project *p)
{
	return p->path;
}

yj_status project_begin(yj_project *p, yj_error *err)
{
	int rc = store_begin(p->db);
	return rc == SQLITE_OK ? YJ_OK : store_sqlite_error(p->db, rc, _("starting a transaction"), err);
}

yj_status project_commit(yj_project *p, yj_error *err)
{
	int rc = store_commit(p->db);
	return rc == SQLITE_OK ? YJ_OK : store_sqlite_error(p->db, rc, _("committing a transaction"), err);
}

void project_rollback(yj_project *p)
{
	store_rollback(p->db);
}

yj_status project_setting_get(yj_project *p, const char *key, char **value,
			      yj_error *err)
{
	sqlite3_stmt *s = NULL;
	*value = NULL;
	int rc = sqlite3_prepare_v2(p->db, "SELECT value FROM settings WHERE key = ?", -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		if (rc == SQLITE_ROW) {
			const char *v = (const char *)sqlite3_column_text(s, 0);
			*value = strdup(v ? v : "");
			rc = *value ? SQLITE_OK : SQLITE_NOMEM;
		} else if (rc == SQLITE_DONE) {
			rc = SQLITE_OK;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_sqlite_error(p->db, rc, _("reading a project setting"), err);
	return YJ_OK;
}

yj_status project_setting_set(yj_project *p, const char *key,
			      const char *value, yj_error *err)
{
	sqlite3_stmt *s = NULL;
	int rc = sqlite3_prepare_v2(p->db,
				    "INSERT INTO settings(key, value) VALUES (?, ?)"
				    " ON CONFLICT(key) DO UPDATE SET value = excluded.value",
				    -1, &s, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(s, 1, key, -1, SQLITE_STATIC);
		sqlite3_bind_text(s, 2, value, -1, SQLITE_STATIC);
		rc = sqlite3_step(s);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_OK)
		return store_sqlite_error(p->db, rc, _("writing a project setting"), err);
	return YJ_OK;
}

/* The busy handler of project_wait_patiently: sleep 1, 2, 4 ... up to
 * 100 ms between tries, until the stop flag (if any) is set. */
static int wait_patiently(void *arg, int tries)
{
	volatile sig_atomic_t *stop = arg;
	if (stop && *stop)
		return 0;
	int ms = tries < 7 ? 1 << tries : 100;
	sqlite3_sleep(ms);
	return 1;
}

void project_wait_patiently(yj_project *p, volatile sig_atomic_t *stop)
{
	sqlite3_busy_handler(p->db, wait_patiently, (void *)stop);
}

void project_wait_default(yj_project *p)
{
	sqlite3_busy_timeout(p->db, 10000);
}
