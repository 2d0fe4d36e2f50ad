/*
 * splits.c - the splits and split_cases tables.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/store/splits.h"
#include "internal.h"

static const char *const part_names[] = {"train", "test", "valid"}; /* yj_split_part */

static const char *part_name(int part)
{
	return part >= 0 && part < 3 ? part_names[part] : "train";
}

/* The part a stored name stands for; -1 for a name of none (the schema's
 * CHECK admits only the three, so only a tampered file has one). */
static int part_of(const char *name)
{
	for (int i = 0; name && i < 3; i++)
		if (!strcmp(name, part_names[i]))
			return i;
	return -1;
}

yj_status splits_store(yj_project *p, long long snapshot, const char *settings, const char *report,
		       const yj_split_row *rows, size_t n, long long *id_out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_status ret = project_begin(p, err);
	if (ret)
		return ret;
	int rc = sqlite3_exec(db, "UPDATE splits SET active = 0", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = store_exec(db, "INSERT INTO splits (snapshot_id, settings, report, active) VALUES (?, ?, ?, 1)",
				"itt", snapshot, settings, report);
	long long id = sqlite3_last_insert_rowid(db);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "INSERT INTO split_cases (split_id, key, label, part) VALUES (?, ?, ?, ?)",
					-1, &st, NULL);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++) {
		sqlite3_reset(st);
		sqlite3_bind_int64(st, 1, id);
		sqlite3_bind_text(st, 2, rows[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, rows[i].label, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 4, part_name(rows[i].part), -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		ret = store_sqlite_error(db, rc, _("storing the split"), err);
		project_rollback(p);
		return ret;
	}
	if ((ret = project_commit(p, err)))
		return ret;
	*id_out = id;
	return YJ_OK;
}

yj_status splits_active(yj_project *p, long long *split, long long *snapshot, int *found,
			yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*found = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT id, snapshot_id FROM splits WHERE active = 1", -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*split = sqlite3_column_int64(st, 0);
		*snapshot = sqlite3_column_int64(st, 1);
		*found = 1;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading the split"), err);
	return YJ_OK;
}

yj_status splits_of_active_snapshot(yj_project *p, long long *split, long long *snapshot, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*split = *snapshot = 0;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT n.id, (SELECT s.id FROM splits s WHERE s.snapshot_id = n.id"
				    " ORDER BY s.id DESC LIMIT 1) FROM snapshots n WHERE n.active = 1",
				    -1, &st, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*snapshot = sqlite3_column_int64(st, 0);
		*split = sqlite3_column_int64(st, 1); /* NULL reads 0 */
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading the split"), err);
	return YJ_OK;
}

void splits_labels_free(char **labels, size_t n)
{
	for (size_t i = 0; labels && i < n; i++)
		free(labels[i]);
	free(labels);
}

yj_status splits_labels(yj_project *p, long long split, char ***labels, size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	char **v = NULL;
	size_t cnt = 0, cap = 0;
	*labels = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT DISTINCT label FROM split_cases WHERE split_id = ? ORDER BY label",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, split);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 16;
				char **t = realloc(v, cap * sizeof *t);
				if (!t)
					goto nomem;
				v = t;
			}
			const char *s = (const char *)sqlite3_column_text(st, 0);
			if (!(v[cnt] = strdup(s ? s : "")))
				goto nomem;
			cnt++;
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		splits_labels_free(v, cnt);
		return store_sqlite_error(db, rc, _("reading the split"), err);
	}
	*labels = v;
	*n = cnt;
	return YJ_OK;
nomem:
	sqlite3_finalize(st);
	splits_labels_free(v, cnt);
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

void splits_rows_free(yj_split_row *rows, size_t n)
{
	for (size_t i = 0; rows && i < n; i++) {
		free(rows[i].key);
		free(rows[i].label);
	}
	free(rows);
}

yj_status splits_rows(yj_project *p, long long split, unsigned parts, yj_split_row **rows, size_t *n,
		      yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_split_row *v = NULL;
	size_t cnt = 0, cap = 0;
	*rows = NULL;
	*n = 0;
	/* train, test, valid: the order of the parts before there was a
	 * validation part ('train' > 'test' descending), then valid */
	int rc = sqlite3_prepare_v2(db, "SELECT key, label, part FROM split_cases WHERE split_id = ?1"
					" AND ((part = 'train' AND ?2 & 1) OR (part = 'test' AND ?2 & 2)"
					" OR (part = 'valid' AND ?2 & 4))"
					" ORDER BY CASE part WHEN 'train' THEN 0 WHEN 'test' THEN 1 ELSE 2 END, key",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, split);
		sqlite3_bind_int64(st, 2, (sqlite3_int64)parts);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			if (cnt == cap) {
				cap = cap ? cap * 2 : 1024;
				yj_split_row *t = realloc(v, cap * sizeof *t);
				if (!t)
					goto nomem;
				v = t;
			}
			const char *k = (const char *)sqlite3_column_text(st, 0);
			const char *l = (const char *)sqlite3_column_text(st, 1);
			const char *part = (const char *)sqlite3_column_text(st, 2);
			yj_split_row *r = &v[cnt];
			r->key = strdup(k ? k : "");
			r->label = strdup(l ? l : "");
			r->part = part_of(part);
			cnt++;
			if (!r->key || !r->label)
				goto nomem;
			if (r->part < 0) {
				error_set(err, YJ_EDATA, _("split %lld: case %s has an unknown part"), split, r->key);
				error_at(err, NULL, -1, -1, "split_cases.part");
				sqlite3_finalize(st);
				splits_rows_free(v, cnt);
				return YJ_EDATA;
			}
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		splits_rows_free(v, cnt);
		return store_sqlite_error(db, rc, _("reading the split"), err);
	}
	*rows = v;
	*n = cnt;
	return YJ_OK;
nomem:
	sqlite3_finalize(st);
	splits_rows_free(v, cnt);
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

yj_status splits_part_counts(yj_project *p, long long split, long long counts[3], yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	counts[0] = counts[1] = counts[2] = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT part, count(*) FROM split_cases WHERE split_id = ? GROUP BY part", -1,
				    &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, split);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			int k = part_of((const char *)sqlite3_column_text(st, 0));
			if (k >= 0)
				counts[k] = sqlite3_column_int64(st, 1);
		}
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading the split"), err);
	return YJ_OK;
}

yj_status splits_latest_settings(yj_project *p, long long *split, char **settings, yj_error *err)
{
	static const char sql[] = "SELECT id, settings FROM splits ORDER BY id DESC LIMIT 1";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*split = 0;
	*settings = NULL;
	int oom = 0;
	int rc = store_prepare(db, &st, sql, "");
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*split = sqlite3_column_int64(st, 0);
		const char *t = (const char *)sqlite3_column_text(st, 1);
		oom = t && !(*settings = strdup(t));
	}
	yj_status ret = store_row_end(db, st, rc, oom, _("reading the latest split"), sql, err);
	return ret == YJ_ENOTFOUND ? YJ_OK : ret;
}
