/*
 * sources.c - read and drop entries of the source catalogue.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/rawdata.h"
#include "yujing/store/runlog.h"
#include "yujing/store/sources.h"

static char *dup_col(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
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
		f->name = dup_col(st, 0);
		f->col = dup_col(st, 1);
		f->type = dup_col(st, 2);
		f->inferred = dup_col(st, 3);
		f->role = dup_col(st, 4);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading fields"), err);
	return YJ_OK;
}

static const char *const source_cols =
	"SELECT id, name, key_field, label_field, file, format, encoding, data_table,"
	" imported_at, rows FROM sources";

static void fill_source(sqlite3_stmt *st, yj_source_info *s)
{
	memset(s, 0, sizeof *s);
	s->id = sqlite3_column_int64(st, 0);
	s->name = dup_col(st, 1);
	s->key_field = dup_col(st, 2);
	s->label_field = dup_col(st, 3);
	s->file = dup_col(st, 4);
	s->format = dup_col(st, 5);
	s->encoding = dup_col(st, 6);
	s->data_table = dup_col(st, 7);
	s->imported_at = dup_col(st, 8);
	s->rows = sqlite3_column_int64(st, 9);
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
	strbuf_adds(&sql, source_cols);
	strbuf_adds(&sql, " ORDER BY name");
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
		fill_source(st, &v[cnt++]);
	}
	if (rc != SQLITE_DONE) {
		ret = store_sqlite_error(db, rc, _("listing sources"), err);
		goto out;
	}
	for (size_t i = 0; i < cnt; i++)
		if ((ret = load_fields(db, &v[i], err)))
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
	strbuf_adds(&sql, source_cols);
	strbuf_adds(&sql, " WHERE name = ?");
	int rc = sqlite3_prepare_v2(db, strbuf_str(&sql), -1, &st, NULL);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("reading a source"), err);
		goto out;
	}
	sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		fill_source(st, out);
		ret = load_fields(db, out, err);
	} else if (rc == SQLITE_DONE) {
		ret = error_set(err, YJ_ENOTFOUND, _("no source named '%s'"), name);
		error_hint(err, _("'yujing sources PROJECT' lists the sources"));
	} else {
		ret = store_sqlite_error(db, rc, _("reading a source"), err);
	}
out:
	sqlite3_finalize(st);
	strbuf_free(&sql);
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
	strbuf_addf(&view, "raw:%s", s.name);
	char *vq = store_quote_ident(strbuf_str(&view));
	if (!table || !vq) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	strbuf_addf(&sql, "DROP VIEW IF EXISTS %s; DROP TABLE IF EXISTS %s;", vq, table);
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
		if (sqlite3_step(st) == SQLITE_ROW)
			found = dup_col(st, 0);
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
