/*
 * snapshots.c - the snapshots, snapshot_sources and snapshot_cells
 * tables.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/store/snapshots.h"
#include "internal.h"

static char *dup_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

/* ---------------------------------------------------------------- writing */

struct yj_snapshot_writer {
	yj_project *p;
	long long id;
	sqlite3_stmt *cell; /* INSERT INTO snapshot_cells, prepared once */
};

static yj_status write_failed(yj_snapshot_writer *w, int rc, yj_error *err)
{
	/* read the error before the rollback replaces it */
	yj_status st = store_sqlite_error(project_db(w->p), rc, _("storing the cleaned snapshot"), err);
	snapshots_abort(w);
	return st;
}

yj_status snapshots_begin(yj_project *p, const char *settings, const char *report, const char *stats,
			  yj_snapshot_writer **out, long long *id, yj_error *err)
{
	sqlite3 *db = project_db(p);
	*out = NULL;
	yj_snapshot_writer *w = calloc(1, sizeof *w);
	if (!w)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	w->p = p;
	yj_status ret = project_begin(p, err);
	if (ret) {
		free(w);
		return ret;
	}
	int rc = sqlite3_exec(db, "UPDATE snapshots SET active = 0", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = store_exec(db, "INSERT INTO snapshots (settings, report, stats, active) VALUES (?, ?, ?, 1)",
				"ttt", settings, report, stats);
	if (rc != SQLITE_OK)
		return write_failed(w, rc, err);
	w->id = sqlite3_last_insert_rowid(db);
	*id = w->id;
	*out = w;
	return YJ_OK;
}

yj_status snapshots_add_source(yj_snapshot_writer *w, long long source_id, const int64_t *rows,
			       size_t n, yj_error *err)
{
	unsigned char *blob = malloc(n ? n * 8 : 1);
	if (!blob) {
		snapshots_abort(w);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	for (size_t i = 0; i < n; i++) {
		uint64_t v = (uint64_t)rows[i]; /* little-endian int64 */
		for (int j = 0; j < 8; j++)
			blob[i * 8 + (size_t)j] = (unsigned char)(v >> (8 * j));
	}
	int rc = store_exec(project_db(w->p),
			    "INSERT INTO snapshot_sources (snapshot_id, source_id, kept) VALUES (?, ?, ?)", "iib",
			    w->id, source_id, (const void *)blob, n * 8);
	free(blob);
	return rc == SQLITE_OK ? YJ_OK : write_failed(w, rc, err);
}

yj_status snapshots_add_cell(yj_snapshot_writer *w, long long source_id, int64_t row, long long pos,
			     const char *value, const char *kind, yj_error *err)
{
	sqlite3 *db = project_db(w->p);
	int rc = SQLITE_OK;
	if (!w->cell)
		rc = sqlite3_prepare_v2(db, "INSERT INTO snapshot_cells (snapshot_id, source_id, row, pos,"
					    " value, kind) VALUES (?, ?, ?, ?, ?, ?)", -1, &w->cell, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_stmt *st = w->cell;
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, w->id);
		sqlite3_bind_int64(st, 2, source_id);
		sqlite3_bind_int64(st, 3, row);
		sqlite3_bind_int64(st, 4, pos);
		sqlite3_bind_text(st, 5, value, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(st, 6, kind, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	return rc == SQLITE_OK ? YJ_OK : write_failed(w, rc, err);
}

yj_status snapshots_commit(yj_snapshot_writer *w, yj_error *err)
{
	yj_project *p = w->p;
	sqlite3_finalize(w->cell);
	free(w);
	return project_commit(p, err);
}

void snapshots_abort(yj_snapshot_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->cell);
	project_rollback(w->p);
	free(w);
}

/* ---------------------------------------------------------------- reading */

void snapshots_list_free(yj_snapshot_info *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].created_at);
		free(v[i].settings);
		free(v[i].report);
	}
	free(v);
}

yj_status snapshots_list(yj_project *p, yj_snapshot_info **out, size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_snapshot_info *v = NULL;
	size_t cnt = 0, cap = 0;
	*out = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT id, created_at, active, settings, report FROM snapshots"
					" ORDER BY id", -1, &st, NULL);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == cap) {
			cap = cap ? cap * 2 : 8;
			yj_snapshot_info *t = realloc(v, cap * sizeof *t);
			if (!t) {
				sqlite3_finalize(st);
				snapshots_list_free(v, cnt);
				return error_set(err, YJ_ENOMEM, _("out of memory"));
			}
			v = t;
		}
		yj_snapshot_info *s = &v[cnt++];
		s->id = sqlite3_column_int64(st, 0);
		s->created_at = dup_text(st, 1);
		s->active = sqlite3_column_int(st, 2);
		s->settings = dup_text(st, 3);
		s->report = dup_text(st, 4);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snapshots_list_free(v, cnt);
		return store_sqlite_error(db, rc, _("listing snapshots"), err);
	}
	*out = v;
	*n = cnt;
	return YJ_OK;
}

yj_status snapshots_activate(yj_project *p, long long id, yj_error *err)
{
	sqlite3 *db = project_db(p);
	yj_status ret = project_begin(p, err);
	if (ret)
		return ret;
	int rc = sqlite3_exec(db, "UPDATE snapshots SET active = 0", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = store_exec(db, "UPDATE snapshots SET active = 1 WHERE id = ?", "i", id);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("activating a snapshot"), err);
		project_rollback(p);
		return ret;
	}
	if (sqlite3_changes(db) != 1) {
		project_rollback(p);
		error_set(err, YJ_ENOTFOUND, _("no snapshot %lld"), id);
		error_hint(err, _("'yujing clean PROJECT --list' lists the snapshots"));
		return YJ_ENOTFOUND;
	}
	return project_commit(p, err);
}

/* The first column of the first row of sql (bound to arg when arg >= 0)
 * into *id, *found 1; *found 0 when there is no row. */
static yj_status first_id(sqlite3 *db, const char *sql, long long arg, long long *id, int *found,
			  yj_error *err)
{
	sqlite3_stmt *st = NULL;
	*found = 0;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		if (arg >= 0)
			sqlite3_bind_int64(st, 1, arg);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		*id = sqlite3_column_int64(st, 0);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading snapshots"), err);
	return YJ_OK;
}

yj_status snapshots_active(yj_project *p, long long *id, int *found, yj_error *err)
{
	return first_id(project_db(p), "SELECT id FROM snapshots WHERE active = 1", -1, id, found, err);
}

yj_status snapshots_of_run(yj_project *p, long long run, long long *id, int *found, yj_error *err)
{
	return first_id(project_db(p),
			"SELECT s.snapshot_id FROM runs r JOIN splits s ON s.id = r.split_id WHERE r.id = ?", run,
			id, found, err);
}

yj_status snapshots_kept(yj_project *p, long long snapshot, long long source_id, int64_t **rows,
			 size_t *n, int *found, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_status ret = YJ_OK;
	*rows = NULL;
	*n = 0;
	*found = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT kept FROM snapshot_sources WHERE snapshot_id = ? AND source_id = ?",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snapshot);
		sqlite3_bind_int64(st, 2, source_id);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(st, 0);
		size_t m = (size_t)sqlite3_column_bytes(st, 0) / 8;
		int64_t *v = malloc((m ? m : 1) * sizeof *v);
		if (!v) {
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		for (size_t i = 0; i < m; i++) {
			uint64_t x = 0;
			for (int j = 7; j >= 0; j--)
				x = (x << 8) | b[i * 8 + (size_t)j];
			v[i] = (int64_t)x;
		}
		*rows = v;
		*n = m;
		*found = 1;
	} else if (rc != SQLITE_DONE) {
		ret = store_sqlite_error(db, rc, _("reading a snapshot"), err);
	}
out:
	sqlite3_finalize(st);
	return ret;
}

void snapshots_cells_free(yj_snapshot_cell *v, size_t n)
{
	for (size_t i = 0; v && i < n; i++) {
		free(v[i].value);
		free(v[i].kind);
	}
	free(v);
}

yj_status snapshots_cells(yj_project *p, long long snapshot, long long source_id, const int64_t *row,
			  yj_snapshot_cell **out, size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_snapshot_cell *v = NULL;
	size_t cnt = 0, cap = 0;
	*out = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(db, row ? "SELECT row, pos, value, kind FROM snapshot_cells"
					      " WHERE snapshot_id = ? AND source_id = ? AND row = ? ORDER BY pos"
					    : "SELECT row, pos, value, kind FROM snapshot_cells"
					      " WHERE snapshot_id = ? AND source_id = ?",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snapshot);
		sqlite3_bind_int64(st, 2, source_id);
		if (row)
			sqlite3_bind_int64(st, 3, *row);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 64;
				yj_snapshot_cell *t = realloc(v, cap * sizeof *t);
				if (!t)
					goto nomem;
				v = t;
			}
			yj_snapshot_cell *c = &v[cnt++];
			c->row = sqlite3_column_int64(st, 0);
			c->pos = sqlite3_column_int64(st, 1);
			c->value = dup_text(st, 2);
			c->kind = dup_text(st, 3);
			if (!c->value || !c->kind)
				goto nomem;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		snapshots_cells_free(v, cnt);
		return store_sqlite_error(db, rc, _("reading a snapshot"), err);
	}
	*out = v;
	*n = cnt;
	return YJ_OK;
nomem:
	sqlite3_finalize(st);
	snapshots_cells_free(v, cnt);
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

yj_status snapshots_stats(yj_project *p, long long snapshot, char **stats, char **settings, int *found,
			  yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*stats = *settings = NULL;
	*found = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT stats, settings FROM snapshots WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snapshot);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		*stats = dup_text(st, 0);
		*settings = dup_text(st, 1);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading a snapshot"), err);
	return YJ_OK;
}
