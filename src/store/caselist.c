/*
 * caselist.c - the latest stored prediction of each case, and one case's
 * rows in a source (see caselist.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/caselist.h"
#include "internal.h"

void caselist_predictions_free(yj_stored_prediction *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].key);
		free(v[i].source);
		free(v[i].predicted);
		free(v[i].probabilities);
		free(v[i].created_at);
	}
	free(v);
}

/* A copy of column c of the current row, `dflt` for NULL. */
static char *column_dup(sqlite3_stmt *q, int c, const char *dflt)
{
	const char *s = (const char *)sqlite3_column_text(q, c);
	return strdup(s ? s : dflt);
}

yj_status caselist_predictions(yj_project *p, yj_stored_prediction **out, size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	yj_stored_prediction *v = NULL;
	size_t cnt = 0, cap = 0;
	yj_status st = YJ_OK;
	*out = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT key, run_id, source, predicted, probabilities, created_at, batch_id FROM predictions"
				    " WHERE id IN (SELECT max(id) FROM predictions GROUP BY key)"
				    " ORDER BY run_id DESC, id",
				    -1, &q, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(q)) {
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 64;
			yj_stored_prediction *g = realloc(v, nc * sizeof *g);
			if (!g) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				goto out;
			}
			v = g;
			cap = nc;
		}
		yj_stored_prediction *e = &v[cnt++];
		e->run = sqlite3_column_int64(q, 1);
		e->batch = sqlite3_column_int64(q, 6); /* NULL reads as 0 */
		e->key = column_dup(q, 0, "");
		e->source = column_dup(q, 2, "");
		e->predicted = column_dup(q, 3, "");
		e->probabilities = column_dup(q, 4, "{}");
		e->created_at = column_dup(q, 5, "");
		if (!e->key || !e->source || !e->predicted || !e->probabilities || !e->created_at) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
	}
	if (rc != SQLITE_DONE)
		st = store_sqlite_error(db, rc, _("reading the predictions"), err);
out:
	sqlite3_finalize(q);
	if (st) {
		caselist_predictions_free(v, cnt);
		return st;
	}
	*out = v;
	*n = cnt;
	return YJ_OK;
}

void caselist_rows_free(yj_stored_row *v, size_t n, size_t nfields)
{
	for (size_t i = 0; v && i < n; i++) {
		for (size_t c = 0; v[i].value && c < nfields; c++)
			free(v[i].value[c]);
		free(v[i].value);
	}
	free(v);
}

/* SELECT row, <every field's column> FROM <data table> WHERE CAST(<key
 * column> AS TEXT) = ?1 ORDER BY row, or NULL when out of memory (*nokey
 * set when the source has no key field).  The columns are the catalogue's
 * (c0, c1, ...), checked when the project was opened. */
static char *rows_query(const yj_source_info *src, int *nokey)
{
	const char *keycol = NULL;
	for (size_t c = 0; c < src->nfields; c++)
		if (!strcmp(src->fields[c].role, "key"))
			keycol = src->fields[c].col;
	*nokey = !keycol;
	if (!keycol)
		return NULL;
	char *tq = store_quote_ident(src->data_table);
	if (!tq)
		return NULL;
	strbuf sql = STRBUF_INIT;
	int bad = strbuf_adds(&sql, "SELECT row");
	for (size_t c = 0; c < src->nfields; c++)
		bad |= strbuf_addf(&sql, ", %s", src->fields[c].col);
	bad |= strbuf_addf(&sql, " FROM %s WHERE CAST(%s AS TEXT) = ?1 ORDER BY row", tq, keycol);
	free(tq);
	if (bad) {
		strbuf_free(&sql);
		return NULL;
	}
	return strbuf_detach(&sql);
}

yj_status caselist_source_rows(yj_project *p, const yj_source_info *src, const char *key, yj_stored_row **out,
			       size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	yj_stored_row *v = NULL;
	size_t cnt = 0, cap = 0;
	int nokey;
	yj_status st = YJ_OK;
	*out = NULL;
	*n = 0;
	char *sql = rows_query(src, &nokey);
	if (!sql)
		return nokey ? YJ_OK : error_set(err, YJ_ENOMEM, _("out of memory"));
	int rc = sqlite3_prepare_v2(db, sql, -1, &q, NULL);
	free(sql);
	if (rc == SQLITE_OK)
		rc = sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(q)) {
		if (cnt == cap) {
			size_t nc = cap ? 2 * cap : 8;
			yj_stored_row *g = realloc(v, nc * sizeof *g);
			if (!g)
				goto nomem;
			v = g;
			cap = nc;
		}
		yj_stored_row *r = &v[cnt++];
		r->row = sqlite3_column_int64(q, 0);
		if (!(r->value = calloc(src->nfields ? src->nfields : 1, sizeof *r->value)))
			goto nomem;
		for (size_t c = 0; c < src->nfields; c++) {
			const char *s = (const char *)sqlite3_column_text(q, (int)c + 1);
			if (s && !(r->value[c] = strdup(s)))
				goto nomem;
		}
	}
	if (rc != SQLITE_DONE)
		st = store_sqlite_error(db, rc, _("reading a source"), err);
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	sqlite3_finalize(q);
	if (st) {
		caselist_rows_free(v, cnt, src->nfields);
		return st;
	}
	*out = v;
	*n = cnt;
	return YJ_OK;
}
