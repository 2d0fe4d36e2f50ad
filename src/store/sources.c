/*
 * sources.c - read and drop entries of the source catalogue.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/rawdata.h"
#include "yujing/store/sources.h"
#include "internal.h"

/* A copy of column i, NULL for an SQL NULL; *nomem set when out of
 * memory (so that no allocation failure passes for a NULL). */
static char *dup_col(sqlite3_stmt *st, int i, int *nomem)
{
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return NULL;
	const unsigned char *s = sqlite3_column_text(st, i);
	char *d = s ? strdup((const char *)s) : NULL;
	if (!d)
		*nomem = 1;
	return d;
}

static yj_status load_fields(sqlite3 *db, yj_source_info *s, yj_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT name, col, type, inferred, role FROM fields"
				    " WHERE source_id = ? ORDER BY pos",
				    -1, &st, NULL);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("reading fields"), err);
	sqlite3_bind_int64(st, 1, s->id);
	size_t cap = 0;
	int nomem = 0;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (s->nfields == cap) {
			cap = cap ? cap * 2 : 16;
			yj_field_info *f = realloc(s->fields, cap * sizeof *f);
			if (!f) {
				rc = SQLITE_NOMEM;
				break;
			}
			s->fields = f;
		}
		yj_field_info *f = &s->fields[s->nfields++];
		f->name = dup_col(st, 0, &nomem);
		f->col = dup_col(st, 1, &nomem);
		f->type = dup_col(st, 2, &nomem);
		f->inferred = dup_col(st, 3, &nomem);
		f->role = dup_col(st, 4, &nomem);
		if (nomem) {
			rc = SQLITE_NOMEM;
			break;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading fields"), err);
	return YJ_OK;
}

/* ------------------------------------------------------------ validation */

/* Column index N of a data column name "c<N>" (decimal, no leading zero,
 * below SOURCES_MAX_COLUMNS), or -1. */
static long col_index(const char *col)
{
	if (!col || col[0] != 'c' || !col[1] || (col[1] == '0' && col[2]))
		return -1;
	long n = 0;
	for (const char *s = col + 1; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		n = n * 10 + (*s - '0');
		if (n >= SOURCES_MAX_COLUMNS)
			return -1;
	}
	return n;
}

static int one_of(const char *s, const char *const *accept)
{
	for (; s && *accept; accept++)
		if (!strcmp(s, *accept))
			return 1;
	return 0;
}

/* The catalogue comes from the file, and the file may come from someone
 * else: before any of it is used, every identifier the data layer pastes
 * into SQL (the data table, each field's column) must be one import could
 * have made and must exist, and the texts used as enums must be known.
 * Fails with YJ_ENOTPROJECT naming the source and the field. */
static yj_status validate_source(sqlite3 *db, const char *path, const yj_source_info *s, yj_error *err)
{
	static const char *const types[] = {"integer", "real", "categorical", "text", "datetime", NULL};
	static const char *const roles[] = {"key", "label", "text", "attribute", NULL};
	char want[32];
	unsigned char *have = NULL;
	sqlite3_stmt *st = NULL;
	yj_status ret = YJ_OK;
	snprintf(want, sizeof want, "raw_%lld", s->id);
	if (!s->name || !s->key_field || !s->file || !s->format || !s->encoding || !s->imported_at) {
		ret = error_set(err, YJ_ENOTPROJECT, _("the catalogue entry of source %lld is incomplete"), s->id);
		goto out;
	}
	if (!s->data_table || strcmp(s->data_table, want) != 0) {
		ret = error_set(err, YJ_ENOTPROJECT,
				_("source '%s' names data table '%.64s', not %s as yujing does"), s->name,
				s->data_table ? s->data_table : "", want);
		error_at(err, path, -1, -1, "data_table");
		goto out;
	}
	/* The columns the data table really has. */
	have = calloc(SOURCES_MAX_COLUMNS, 1);
	if (!have) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_prepare_v2(db, "SELECT name FROM pragma_table_info(?)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, want, -1, SQLITE_STATIC);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			long k = col_index((const char *)sqlite3_column_text(st, 0));
			if (k >= 0)
				have[k] = 1;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = store_sqlite_error(db, rc, _("reading a source"), err);
		goto out;
	}
	/* The row count sizes the readers' arrays: no more than the table has. */
	sqlite3_finalize(st);
	char sql[64];
	snprintf(sql, sizeof sql, "SELECT count(*) FROM %s", want);
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		rc = SQLITE_OK;
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("reading a source"), err);
		goto out;
	}
	if (s->rows < 0 || s->rows > sqlite3_column_int64(st, 0)) {
		ret = error_set(err, YJ_ENOTPROJECT, _("source '%s' claims %lld rows, its data table holds %lld"),
				s->name, s->rows, (long long)sqlite3_column_int64(st, 0));
		error_at(err, path, -1, -1, "rows");
		goto out;
	}
	for (size_t i = 0; i < s->nfields; i++) {
		const yj_field_info *f = &s->fields[i];
		long k = col_index(f->col);
		if (!f->name || k < 0 || !have[k]) {
			ret = error_set(err, YJ_ENOTPROJECT,
					_("field %zu of source '%s' names column '%.64s', which is not a column "
					  "of its data table"),
					i + 1, s->name, f->col ? f->col : "");
			error_at(err, path, -1, -1, f->name ? f->name : "col");
			goto out;
		}
		if (!one_of(f->type, types) || !one_of(f->inferred, types) || !one_of(f->role, roles)) {
			ret = error_set(err, YJ_ENOTPROJECT,
					_("field '%s' of source '%s' has an unknown type or role"), f->name,
					s->name);
			error_at(err, path, -1, -1, f->name);
			goto out;
		}
	}
out:
	if (ret) {
		error_at(err, path, -1, -1, NULL);
		if (ret == YJ_ENOTPROJECT) /* not a failure of this process */
			error_hint(err, _("the catalogue was changed outside yujing; the file was left unchanged"));
	}
	sqlite3_finalize(st);
	free(have);
	return ret;
}

char *sources_view_sql(const char *source, const char *table, const char *const *names, size_t n)
{
	strbuf sql = STRBUF_INIT, vname = STRBUF_INIT;
	char *vq = NULL, *ret = NULL;
	int bad = strbuf_addf(&vname, "raw:%s", source) || !(vq = store_quote_ident(strbuf_str(&vname))) ||
		  strbuf_addf(&sql, "CREATE VIEW %s AS SELECT", vq);
	for (size_t i = 0; !bad && i < n; i++) {
		char *q = store_quote_ident(names[i]);
		bad = !q || strbuf_addf(&sql, "%s c%zu AS %s", i ? "," : "", i, q);
		free(q);
	}
	if (!bad && n == 0)
		bad = strbuf_adds(&sql, " row");
	if (!bad && !strbuf_addf(&sql, " FROM %s", table))
		ret = strbuf_detach(&sql);
	free(vq);
	strbuf_free(&sql);
	strbuf_free(&vname);
	return ret;
}

static const char *const source_cols =
	"SELECT id, name, key_field, label_field, file, format, encoding, data_table,"
	" imported_at, rows FROM sources";

/* Fill s from a row of source_cols; -1 when out of memory (s is then
 * partly filled: sources_free it). */
static int fill_source(sqlite3_stmt *st, yj_source_info *s)
{
	int nomem = 0;
	memset(s, 0, sizeof *s);
	s->id = sqlite3_column_int64(st, 0);
	s->name = dup_col(st, 1, &nomem);
	s->key_field = dup_col(st, 2, &nomem);
	s->label_field = dup_col(st, 3, &nomem);
	s->file = dup_col(st, 4, &nomem);
	s->format = dup_col(st, 5, &nomem);
	s->encoding = dup_col(st, 6, &nomem);
	s->data_table = dup_col(st, 7, &nomem);
	s->imported_at = dup_col(st, 8, &nomem);
	s->rows = sqlite3_column_int64(st, 9);
	return nomem ? -1 : 0;
}

yj_status sources_list(yj_project *p, yj_source_info **out, size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	strbuf sql = STRBUF_INIT;
	yj_source_info *v = NULL;
	size_t cnt = 0, cap = 0;
	yj_status ret = YJ_OK;
	*out = NULL;
	*n = 0;
	if (strbuf_adds(&sql, source_cols) || strbuf_adds(&sql, " ORDER BY name")) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_prepare_v2(db, strbuf_str(&sql), -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("listing sources"), err);
		goto out;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			yj_source_info *t = realloc(v, cap * sizeof *t);
			if (!t) {
				ret = error_set(err, YJ_ENOMEM, _("out of memory"));
				goto out;
			}
			v = t;
		}
		if (fill_source(st, &v[cnt++])) {
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
	}
	if (rc != SQLITE_DONE) {
		ret = store_sqlite_error(db, rc, _("listing sources"), err);
		goto out;
	}
	for (size_t i = 0; i < cnt; i++)
		if ((ret = load_fields(db, &v[i], err)) || (ret = validate_source(db, project_path(p), &v[i], err)))
			goto out;
	*out = v;
	*n = cnt;
	v = NULL;
	cnt = 0;
out:
	sqlite3_finalize(st);
	strbuf_free(&sql);
	sources_list_free(v, cnt);
	return ret;
}

yj_status sources_get(yj_project *p, const char *name, yj_source_info *out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	strbuf sql = STRBUF_INIT;
	yj_status ret = YJ_OK;
	memset(out, 0, sizeof *out);
	if (strbuf_adds(&sql, source_cols) || strbuf_adds(&sql, " WHERE name = ?")) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_prepare_v2(db, strbuf_str(&sql), -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("reading a source"), err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (fill_source(st, out))
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		else if (!(ret = load_fields(db, out, err)))
			ret = validate_source(db, project_path(p), out, err);
	} else if (rc == SQLITE_DONE) {
		ret = error_set(err, YJ_ENOTFOUND, _("no source named '%s'"), name);
		error_hint(err, _("'yujing sources PROJECT' lists the sources"));
	} else {
		ret = store_sqlite_error(db, rc, _("reading a source"), err);
	}
out:
	sqlite3_finalize(st);
	strbuf_free(&sql);
	if (ret) {
		/* Nothing for the caller to free on an error. */
		sources_free(out, 1);
		memset(out, 0, sizeof *out);
	}
	return ret;
}

int sources_exists(yj_project *p, const char *name)
{
	sqlite3_stmt *st = NULL;
	int found = 0;
	if (sqlite3_prepare_v2(project_db(p), "SELECT 1 FROM sources WHERE name = ?", -1, &st,
			       NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		found = sqlite3_step(st) == SQLITE_ROW;
	}
	sqlite3_finalize(st);
	return found;
}

yj_status sources_drop(yj_project *p, const char *name, yj_error *err)
{
	yj_source_info s;
	yj_status ret = sources_get(p, name, &s, err);
	if (ret)
		return ret;
	sqlite3 *db = project_db(p);
	strbuf sql = STRBUF_INIT;
	char *table = store_quote_ident(s.data_table);
	strbuf view = STRBUF_INIT;
	int oom = strbuf_addf(&view, "raw:%s", s.name) < 0;
	char *vq = oom ? NULL : store_quote_ident(strbuf_str(&view));
	/* a statement left empty by an allocation failure would "succeed"
	 * and the catalogue row go with the table and view left behind */
	if (!table || !vq || strbuf_addf(&sql, "DROP VIEW IF EXISTS %s; DROP TABLE IF EXISTS %s;", vq, table) < 0) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_exec(db, strbuf_str(&sql), NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("removing a source"), err);
		goto out;
	}
	sqlite3_stmt *st = NULL;
	rc = sqlite3_prepare_v2(db, "DELETE FROM sources WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, s.id);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK)
		ret = store_sqlite_error(db, rc, _("removing a source"), err);
out:
	free(table);
	free(vq);
	strbuf_free(&sql);
	strbuf_free(&view);
	sources_free(&s, 1);
	return ret;
}

void sources_free(yj_source_info *s, size_t n)
{
	if (!s)
		return;
	for (size_t i = 0; i < n; i++) {
		yj_source_info *x = &s[i];
		free(x->name);
		free(x->key_field);
		free(x->label_field);
		free(x->file);
		free(x->format);
		free(x->encoding);
		free(x->data_table);
		free(x->imported_at);
		for (size_t j = 0; j < x->nfields; j++) {
			free(x->fields[j].name);
			free(x->fields[j].col);
			free(x->fields[j].type);
			free(x->fields[j].inferred);
			free(x->fields[j].role);
		}
		free(x->fields);
		x->fields = NULL;
		x->nfields = 0;
	}
}

void sources_list_free(yj_source_info *v, size_t n)
{
	sources_free(v, n);
	free(v);
}

long sources_field_index(const yj_source_info *s, const char *name)
{
	for (size_t i = 0; i < s->nfields; i++)
		if (!strcmp(s->fields[i].name, name))
			return (long)i;
	return -1;
}

/* ------------------------------------------------- writing (imports) */

char *sources_same_name(yj_project *p, const char *name)
{
	sqlite3_stmt *st = NULL;
	char *found = NULL;
	if (sqlite3_prepare_v2(project_db(p),
			       "SELECT name FROM sources WHERE name = ?1 COLLATE NOCASE ORDER BY name <> ?1 LIMIT 1",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
		int nomem = 0;
		if (sqlite3_step(st) == SQLITE_ROW)
			found = dup_col(st, 0, &nomem);
	}
	sqlite3_finalize(st);
	return found;
}

yj_status sources_create(yj_project *p, const char *name, const char *key, const char *label,
			 const char *file, const char *format, const char *encoding, long long *id,
			 yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = store_exec(db,
			    "INSERT INTO sources (name, key_field, label_field, file, format, encoding, data_table)"
			    " VALUES (?, ?, ?, ?, ?, ?, 'raw_new')",
			    "tttttt", name, key, label, file, format, encoding);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("recording the source"), err);
	*id = sqlite3_last_insert_rowid(db);
	char table[64];
	rawdata_table_name(*id, table, sizeof table);
	rc = store_exec(db, "UPDATE sources SET data_table = ? WHERE id = ?", "ti", table, *id);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("recording the source"), err);
	return YJ_OK;
}

yj_status sources_add_field(yj_project *p, long long id, size_t pos, const char *name, const char *col,
			    const char *type, const char *inferred, const char *role, yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = store_exec(db,
			    "INSERT INTO fields (source_id, pos, name, col, type, inferred, role)"
			    " VALUES (?, ?, ?, ?, ?, ?, ?)",
			    "iitttt" "t", id, (long long)pos, name, col, type, inferred, role);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("recording fields"), err);
	return YJ_OK;
}

yj_status sources_set_rows(yj_project *p, long long id, long long rows, yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, "UPDATE sources SET rows = ? WHERE id = ?", "ii", rows, id);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("recording the source"), err);
	return YJ_OK;
}

yj_status sources_set_type(yj_project *p, long long id, const char *field, const char *type, const char *role,
			   yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, "UPDATE fields SET type = ?, role = ? WHERE source_id = ? AND name = ?", "ttit", type,
			    role, id, field);
	if (rc == SQLITE_OK && sqlite3_changes(db) != 1)
		return error_set(err, YJ_ENOTFOUND, _("no field '%s' in source %lld"), field, id);
	/* The stored profile was computed with the old type. */
	if (rc == SQLITE_OK)
		rc = store_exec(db, "DELETE FROM profiles WHERE source_id = ?", "i", id);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("recording the field's type"), err);
	return YJ_OK;
}
