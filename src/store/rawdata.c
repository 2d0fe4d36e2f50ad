/*
 * rawdata.c - the raw data tables: a row cursor for reading, a temporary
 * staging table for imports, and the "raw:NAME" views.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/rawdata.h"
#include "internal.h"

/* The staging table, in the connection's temporary schema. */
#define STAGE "temp.yj_import_stage"

int rawdata_valid_col(const char *name)
{
	if (!name || name[0] != 'c' || !name[1] || (name[1] == '0' && name[2]))
		return 0;
	for (const char *s = name + 1; *s; s++)
		if (*s < '0' || *s > '9')
			return 0;
	return strlen(name) < 12;
}

void rawdata_table_name(long long id, char *buf, size_t size)
{
	snprintf(buf, size, "raw_%lld", id);
}

static yj_status exec(sqlite3 *db, const char *sql, const char *what, yj_error *err)
{
	int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	return rc == SQLITE_OK ? YJ_OK : store_sqlite_error(db, rc, what, err);
}

/* ------------------------------------------------------------- reading */

struct yj_raw_cursor {
	sqlite3 *db;
	sqlite3_stmt *st;
};

yj_status rawdata_open(yj_project *p, const yj_source_info *s, yj_raw_cursor **out, yj_error *err)
{
	yj_raw_cursor *c = NULL;
	strbuf sql = STRBUF_INIT;
	char *tq = NULL;
	yj_status st = YJ_OK;
	*out = NULL;
	for (size_t i = 0; i < s->nfields; i++)
		if (!rawdata_valid_col(s->fields[i].col)) {
			st = error_set(err, YJ_EDATA,
				       _("the catalogue gives field '%s' of source %s the column '%s', which is not one yujing makes"),
				       s->fields[i].name, s->name, s->fields[i].col ? s->fields[i].col : "");
			error_at(err, project_path(p), -1, -1, s->fields[i].name);
			error_hint(err, _("the project file was changed outside yujing; import the source again"));
			return st;
		}
	c = calloc(1, sizeof *c);
	tq = store_quote_ident(s->data_table ? s->data_table : "");
	if (!c || !tq) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	c->db = project_db(p);
	strbuf_adds(&sql, "SELECT row, line");
	for (size_t i = 0; i < s->nfields; i++)
		strbuf_addf(&sql, ", %s", s->fields[i].col);
	strbuf_addf(&sql, " FROM %s ORDER BY row", tq);
	if (strbuf_failed(&sql)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_prepare_v2(c->db, strbuf_str(&sql), -1, &c->st, NULL);
	if (rc != SQLITE_OK) {
		st = store_sqlite_error(c->db, rc, _("reading a source"), err);
		goto out;
	}
	*out = c;
	c = NULL;
out:
	rawdata_close(c);
	free(tq);
	strbuf_free(&sql);
	return st;
}

int rawdata_next(yj_raw_cursor *c, int64_t *row, int64_t *line, yj_error *err)
{
	int rc = sqlite3_step(c->st);
	if (rc == SQLITE_ROW) {
		*row = sqlite3_column_int64(c->st, 0);
		*line = sqlite3_column_int64(c->st, 1);
		return 1;
	}
	if (rc == SQLITE_DONE)
		return 0;
	store_sqlite_error(c->db, rc, _("reading a source"), err);
	return -1;
}

const char *rawdata_cell(yj_raw_cursor *c, size_t i, size_t *len)
{
	int k = (int)i + 2;
	if (sqlite3_column_type(c->st, k) == SQLITE_NULL) {
		*len = 0;
		return NULL;
	}
	const char *s = (const char *)sqlite3_column_text(c->st, k);
	*len = s ? (size_t)sqlite3_column_bytes(c->st, k) : 0;
	return s ? s : "";
}

void rawdata_close(yj_raw_cursor *c)
{
	if (!c)
		return;
	sqlite3_finalize(c->st);
	free(c);
}

/* ------------------------------------------------------------- staging */

struct yj_raw_stage {
	sqlite3 *db;
	sqlite3_stmt *ins; /* INSERT for the current column count */
	size_t ncols;
	int in_tx;         /* the staging transaction is open */
};

yj_status rawdata_stage_new(yj_project *p, yj_raw_stage **out, yj_error *err)
{
	*out = NULL;
	yj_raw_stage *s = calloc(1, sizeof *s);
	if (!s)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	s->db = project_db(p);
	yj_status st = exec(s->db,
			    "DROP TABLE IF EXISTS " STAGE ";"
			    "CREATE TABLE " STAGE " (row INTEGER PRIMARY KEY, line INTEGER NOT NULL)",
			    _("creating the staging table"), err);
	/* one transaction of the temporary schema only: no lock on the
	 * project file while the rows are read */
	if (!st && !(st = exec(s->db, "BEGIN", _("starting the staging"), err)))
		s->in_tx = 1;
	if (st) {
		rawdata_stage_free(s);
		return st;
	}
	*out = s;
	return YJ_OK;
}

yj_status rawdata_stage_columns(yj_raw_stage *s, size_t n, yj_error *err)
{
	if (n <= s->ncols && s->ins)
		return YJ_OK;
	strbuf sql = STRBUF_INIT;
	yj_status st = YJ_OK;
	for (size_t i = s->ncols; i < n; i++) {
		strbuf_reset(&sql);
		if (strbuf_addf(&sql, "ALTER TABLE " STAGE " ADD COLUMN c%zu", i) < 0) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		if ((st = exec(s->db, strbuf_str(&sql), _("adding a column"), err)))
			goto out;
	}
	if (n > s->ncols)
		s->ncols = n;
	sqlite3_finalize(s->ins);
	s->ins = NULL;
	strbuf_reset(&sql);
	strbuf_adds(&sql, "INSERT INTO " STAGE " (line");
	for (size_t i = 0; i < s->ncols; i++)
		strbuf_addf(&sql, ", c%zu", i);
	strbuf_adds(&sql, ") VALUES (?");
	for (size_t i = 0; i < s->ncols; i++)
		strbuf_adds(&sql, ", ?");
	strbuf_adds(&sql, ")");
	if (strbuf_failed(&sql)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_prepare_v2(s->db, strbuf_str(&sql), -1, &s->ins, NULL);
	if (rc != SQLITE_OK)
		st = store_sqlite_error(s->db, rc, _("preparing the import"), err);
out:
	strbuf_free(&sql);
	return st;
}

void rawdata_stage_bind(yj_raw_stage *s, size_t i, const char *text, size_t len)
{
	if (text)
		sqlite3_bind_text(s->ins, (int)i + 2, text, (int)len, SQLITE_STATIC);
	else
		sqlite3_bind_null(s->ins, (int)i + 2);
}

yj_status rawdata_stage_row(yj_raw_stage *s, long line, yj_error *err)
{
	sqlite3_bind_int64(s->ins, 1, line);
	int rc = sqlite3_step(s->ins);
	sqlite3_reset(s->ins);
	sqlite3_clear_bindings(s->ins);
	if (rc != SQLITE_DONE)
		return store_sqlite_error(s->db, rc, _("storing a row"), err);
	return YJ_OK;
}

yj_status rawdata_stage_finish(yj_raw_stage *s, yj_error *err)
{
	sqlite3_finalize(s->ins);
	s->ins = NULL;
	if (!s->in_tx)
		return YJ_OK;
	s->in_tx = 0;
	yj_status st = exec(s->db, "COMMIT", _("ending the staging"), err);
	if (st)
		store_rollback(s->db);
	return st;
}

yj_status rawdata_stage_copy(yj_raw_stage *s, long long source_id, int synthetic_key, yj_error *err)
{
	char table[64];
	strbuf sql = STRBUF_INIT, cols = STRBUF_INIT;
	size_t n = s->ncols + (synthetic_key ? 1 : 0);
	rawdata_table_name(source_id, table, sizeof table);
	/* the statement an import used to build column by column, so the
	 * schema text is the same as that of older projects */
	strbuf_addf(&sql, "CREATE TABLE %s (row INTEGER PRIMARY KEY, line INTEGER NOT NULL", table);
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sql, ", c%zu", i);
	strbuf_adds(&sql, ")");
	yj_status st = strbuf_failed(&sql) ? error_set(err, YJ_ENOMEM, _("out of memory"))
					    : exec(s->db, strbuf_str(&sql), _("creating the source table"), err);
	if (st)
		goto out;
	strbuf_reset(&sql);
	if (synthetic_key) {
		for (size_t i = 0; i < s->ncols; i++)
			strbuf_addf(&cols, ", c%zu", i);
		strbuf_addf(&sql, "INSERT INTO %s (row, line%s, c%zu) SELECT row, line%s, CAST(row AS TEXT) FROM " STAGE,
			    table, strbuf_str(&cols), s->ncols, strbuf_str(&cols));
	} else {
		/* the same columns: SQLite copies the records as they are */
		strbuf_addf(&sql, "INSERT INTO %s SELECT * FROM " STAGE, table);
	}
	if (strbuf_failed(&sql) || strbuf_failed(&cols)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	st = exec(s->db, strbuf_str(&sql), _("copying the staged rows"), err);
out:
	strbuf_free(&sql);
	strbuf_free(&cols);
	return st;
}

void rawdata_stage_free(yj_raw_stage *s)
{
	if (!s)
		return;
	sqlite3_finalize(s->ins);
	if (s->in_tx)
		store_rollback(s->db);
	sqlite3_exec(s->db, "DROP TABLE IF EXISTS " STAGE, NULL, NULL, NULL);
	free(s);
}

/* ---------------------------------------------------------------- views */

yj_status rawdata_create_view(yj_project *p, const char *source, long long source_id,
			      const char *const *names, size_t n, yj_error *err)
{
	char table[64];
	rawdata_table_name(source_id, table, sizeof table);
	/* the text the project opener checks views against */
	char *sql = sources_view_sql(source, table, names, n);
	if (!sql)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = exec(project_db(p), sql, _("creating the source view"), err);
	free(sql);
	return st;
}

/* ------------------------------------------------------------ appending */

struct yj_raw_appender {
	sqlite3 *db;
	sqlite3_stmt *ins, *seen;
	long long last_row;
};

yj_status rawdata_append_open(yj_project *p, const yj_source_info *s, long key_field, yj_raw_appender **out,
			      yj_error *err)
{
	*out = NULL;
	if (key_field < 0 || (size_t)key_field >= s->nfields)
		return error_set(err, YJ_EDATA, _("source '%s' has no key field"), s->name);
	for (size_t f = 0; f < s->nfields; f++)
		if (!rawdata_valid_col(s->fields[f].col))
			return error_set(err, YJ_EDATA, _("source '%s': field '%s' has an invalid column"), s->name,
					 s->fields[f].name);
	yj_raw_appender *a = calloc(1, sizeof *a);
	char *tq = store_quote_ident(s->data_table);
	strbuf sql = STRBUF_INIT;
	if (!a || !tq) {
		free(a);
		free(tq);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	a->db = project_db(p);
	sqlite3_stmt *q = NULL;
	strbuf_addf(&sql, "SELECT COALESCE(MAX(row), 0) FROM %s", tq);
	int rc = !strbuf_failed(&sql) ? sqlite3_prepare_v2(a->db, strbuf_str(&sql), -1, &q, NULL) : SQLITE_NOMEM;
	if (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW)
		a->last_row = sqlite3_column_int64(q, 0), rc = SQLITE_OK;
	sqlite3_finalize(q);
	if (rc == SQLITE_OK) {
		strbuf_reset(&sql);
		strbuf_addf(&sql, "INSERT INTO %s (line", tq);
		for (size_t f = 0; f < s->nfields; f++)
			strbuf_addf(&sql, ", %s", s->fields[f].col);
		strbuf_adds(&sql, ") VALUES (?");
		for (size_t f = 0; f < s->nfields; f++)
			strbuf_adds(&sql, ", ?");
		strbuf_adds(&sql, ")");
		rc = !strbuf_failed(&sql) ? sqlite3_prepare_v2(a->db, strbuf_str(&sql), -1, &a->ins, NULL) : SQLITE_NOMEM;
	}
	if (rc == SQLITE_OK) {
		strbuf_reset(&sql);
		strbuf_addf(&sql, "SELECT 1 FROM %s WHERE %s = ? AND row <= ? LIMIT 1", tq, s->fields[key_field].col);
		rc = !strbuf_failed(&sql) ? sqlite3_prepare_v2(a->db, strbuf_str(&sql), -1, &a->seen, NULL) : SQLITE_NOMEM;
	}
	free(tq);
	strbuf_free(&sql);
	if (rc != SQLITE_OK) {
		yj_status st = store_sqlite_error(a->db, rc, _("preparing the import"), err);
		rawdata_append_free(a);
		return st;
	}
	*out = a;
	return YJ_OK;
}

void rawdata_append_row_start(yj_raw_appender *a, long line)
{
	sqlite3_reset(a->ins);
	sqlite3_clear_bindings(a->ins);
	sqlite3_bind_int64(a->ins, 1, line);
}

void rawdata_append_set(yj_raw_appender *a, size_t field, const char *v, size_t len)
{
	sqlite3_bind_text(a->ins, (int)field + 2, v, (int)len, SQLITE_STATIC);
}

yj_status rawdata_append_key_seen(yj_raw_appender *a, const char *key, size_t len, int *seen, yj_error *err)
{
	sqlite3_reset(a->seen);
	sqlite3_bind_text(a->seen, 1, key, (int)len, SQLITE_STATIC);
	sqlite3_bind_int64(a->seen, 2, a->last_row);
	int rc = sqlite3_step(a->seen);
	*seen = rc == SQLITE_ROW;
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? YJ_OK : store_sqlite_error(a->db, rc, _("storing a row"), err);
}

yj_status rawdata_append_insert(yj_raw_appender *a, yj_error *err)
{
	int rc = sqlite3_step(a->ins);
	return rc == SQLITE_DONE ? YJ_OK : store_sqlite_error(a->db, rc, _("storing a row"), err);
}

void rawdata_append_free(yj_raw_appender *a)
{
	if (!a)
		return;
	sqlite3_finalize(a->ins);
	sqlite3_finalize(a->seen);
	free(a);
}
