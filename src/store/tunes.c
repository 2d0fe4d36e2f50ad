/*
 * tunes.c - the tunes table: tune groups and their trials (tunes.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/store/tunes.h"
#include "internal.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* The stored statuses, in yj_run_status order (runs.h's names). */
static const char *const stored[] = {"running", "done", "cancelled", "failed"};

static yj_status nomem(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

/* A stored status and the searching process as a reader sees them: running
 * only while that process lives (this one always does). */
static yj_run_status read_status(const unsigned char *text, long long pid)
{
	const char *s = (const char *)text;
	for (int i = RUN_DONE; s && i <= RUN_FAILED; i++)
		if (!strcmp(s, stored[i]))
			return (yj_run_status)i;
	if (s && !strcmp(s, "running"))
		return pid == (long long)getpid() || runs_pid_alive(pid) ? RUN_RUNNING : RUN_INTERRUPTED;
	return RUN_FAILED; /* the schema allows nothing else */
}

yj_status tunes_create(yj_project *p, long long split_id, long long budget_s, long long *id, yj_error *err)
{
	static const char sql[] = "INSERT INTO tunes (split_id, status, budget_s, report)"
				  " VALUES (?, 'running', ?, json_object('pid', ?))";
	sqlite3 *db = project_db(p);
	int rc = split_id ? store_exec(db, sql, "iii", split_id, budget_s, (long long)getpid())
			  : store_exec(db, sql, "tii", NULL, budget_s, (long long)getpid());
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("starting the tune"), sql, err);
	*id = sqlite3_last_insert_rowid(db);
	return YJ_OK;
}

yj_status tunes_update(yj_project *p, long long id, yj_run_status status, long long best_run, const char *report,
		       int *cancelled, yj_error *err)
{
	/* a group asked to stop keeps "cancelled" whatever the searcher says */
	static const char sql[] = "UPDATE tunes SET status = CASE WHEN status = 'cancelled' THEN status ELSE ? END,"
				  " best_run = ?, report = COALESCE(?, report), updated_at = " NOW " WHERE id = ?",
			  q_status[] = "SELECT status FROM tunes WHERE id = ?";
	sqlite3 *db = project_db(p);
	if ((unsigned)status > RUN_FAILED)
		status = RUN_FAILED;
	int rc = best_run ? store_exec(db, sql, "titi", stored[status], best_run, report, id)
			  : store_exec(db, sql, "ttti", stored[status], NULL, report, id);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("updating the tune"), sql, err);
	if (sqlite3_changes(db) != 1)
		return error_set(err, YJ_ENOTFOUND, _("no tune %lld"), id);
	if (!cancelled)
		return YJ_OK;
	sqlite3_stmt *st = NULL;
	rc = store_prepare(db, &st, q_status, "i", id);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*cancelled = !strcmp((const char *)sqlite3_column_text(st, 0), "cancelled");
	return store_row_end(db, st, rc, 0, _("reading the tune"), q_status, err);
}

yj_status tunes_reopen(yj_project *p, long long id, yj_error *err)
{
	static const char sql[] = "UPDATE tunes SET status = 'running', updated_at = " NOW ","
				  " report = CASE WHEN json_valid(report) THEN json_set(report, '$.pid', ?)"
				  " ELSE json_object('pid', ?) END WHERE id = ?";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "iii", (long long)getpid(), (long long)getpid(), id);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("resuming the tune"), sql, err);
	return YJ_OK;
}

yj_status tunes_tag_run(yj_project *p, long long id, long long run, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET tune_id = ? WHERE id = ?";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "ii", id, run);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("tagging the trial"), sql, err);
	if (sqlite3_changes(db) != 1)
		return error_set(err, YJ_ENOTFOUND, _("no run %lld"), run);
	return YJ_OK;
}

yj_status tunes_tag_running(yj_project *p, long long id, long long pid, long long *run, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET tune_id = ? WHERE pid = ? AND status = 'running'"
				  " AND tune_id IS NULL RETURNING id";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*run = 0;
	int rc = store_prepare(db, &st, sql, "ii", id, pid);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		*run = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	}
	sqlite3_finalize(st);
	return rc == SQLITE_DONE ? YJ_OK : store_stmt_error(db, rc, _("tagging the trial"), sql, err);
}

yj_status tunes_request_cancel(yj_project *p, long long id, yj_error *err)
{
	static const char stop[] = "UPDATE tunes SET status = 'cancelled', updated_at = " NOW
				   " WHERE id = ? AND status = 'running'",
			  trial[] = "UPDATE runs SET cancel = 1 WHERE tune_id = ? AND status = 'running'";
	sqlite3 *db = project_db(p);
	const char *failed = "BEGIN IMMEDIATE";
	int rc = store_begin(db);
	if (rc == SQLITE_OK && (rc = store_exec(db, failed = stop, "i", id)) == SQLITE_OK) {
		if (sqlite3_changes(db) != 1) {
			store_rollback(db);
			error_set(err, YJ_ENOTFOUND, _("tune %lld is not running"), id);
			error_hint(err, _("'yujing tune PROJECT --list' lists the tunes"));
			return YJ_ENOTFOUND;
		}
		if ((rc = store_exec(db, failed = trial, "i", id)) == SQLITE_OK)
			rc = store_commit(db), failed = "COMMIT";
	}
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("cancelling the tune"), failed, err);
}

#define ROW_COLUMNS                                                                                             \
	"id, created_at, updated_at, split_id, status, budget_s, best_run, report,"                             \
	" (SELECT count(*) FROM runs WHERE runs.tune_id = tunes.id),"                                          \
	" CASE WHEN json_valid(report) THEN json_extract(report, '$.pid') END"

/* Columns ROW_COLUMNS of st into *r (zeroed first). */
static void read_row(sqlite3_stmt *st, yj_tune_row *r, int *oom)
{
	memset(r, 0, sizeof *r);
	r->id = sqlite3_column_int64(st, 0);
	r->created_at = store_column_text(st, 1, oom);
	r->updated_at = store_column_text(st, 2, oom);
	r->split_id = sqlite3_column_int64(st, 3);
	r->budget_s = sqlite3_column_int64(st, 5);
	r->best_run = sqlite3_column_int64(st, 6);
	r->report = store_column_text(st, 7, oom);
	r->trials = sqlite3_column_int64(st, 8);
	r->status = read_status(sqlite3_column_text(st, 4), sqlite3_column_int64(st, 9));
}

yj_status tunes_get(yj_project *p, long long id, yj_tune_row *out, yj_error *err)
{
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM tunes WHERE id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	int oom = 0;
	memset(out, 0, sizeof *out);
	int rc = store_prepare(db, &st, sql, "i", id);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		read_row(st, out, &oom);
	yj_status ret = store_row_end(db, st, rc, oom, _("reading the tune"), sql, err);
	if (ret == YJ_ENOTFOUND) {
		error_set(err, YJ_ENOTFOUND, _("no tune %lld"), id);
		error_hint(err, _("'yujing tune PROJECT --list' lists the tunes"));
	}
	if (ret)
		tunes_row_free(out);
	return ret;
}

void tunes_row_free(yj_tune_row *r)
{
	free(r->created_at);
	free(r->updated_at);
	free(r->report);
	memset(r, 0, sizeof *r);
}

yj_status tunes_list(yj_project *p, yj_tune_row **out, size_t *n, yj_error *err)
{
	static const char sql[] = "SELECT " ROW_COLUMNS " FROM tunes ORDER BY id";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_tune_row *v = NULL;
	size_t cap = 0, k = 0;
	int oom = 0;
	*out = NULL;
	*n = 0;
	int rc = store_prepare(db, &st, sql, "");
	while (rc == SQLITE_OK && !oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (k == cap) {
			yj_tune_row *w = realloc(v, (cap = cap ? 2 * cap : 8) * sizeof *w);
			if (!w) {
				oom = 1;
				break;
			}
			v = w;
		}
		read_row(st, &v[k++], &oom);
	}
	sqlite3_finalize(st);
	yj_status ret = oom ? nomem(err) : YJ_OK;
	if (!ret && rc != SQLITE_DONE)
		ret = store_stmt_error(db, rc, _("listing the tunes"), sql, err);
	if (ret) {
		tunes_list_free(v, k);
		return ret;
	}
	*out = v;
	*n = k;
	return YJ_OK;
}

void tunes_list_free(yj_tune_row *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		tunes_row_free(&v[i]);
	free(v);
}

yj_status tunes_run_groups(yj_project *p, long long **runs, long long **tunes, size_t *n, yj_error *err)
{
	static const char sql[] = "SELECT id, tune_id FROM runs WHERE tune_id IS NOT NULL ORDER BY id";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	long long *r = NULL, *t = NULL;
	size_t cap = 0, k = 0;
	int oom = 0;
	*runs = *tunes = NULL;
	*n = 0;
	int rc = store_prepare(db, &st, sql, "");
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (k == cap) {
			cap = cap ? 2 * cap : 16;
			long long *r2 = realloc(r, cap * sizeof *r2);
			if (r2)
				r = r2;
			long long *t2 = realloc(t, cap * sizeof *t2);
			if (t2)
				t = t2;
			if (!r2 || !t2) {
				oom = 1;
				break;
			}
		}
		r[k] = sqlite3_column_int64(st, 0);
		t[k++] = sqlite3_column_int64(st, 1);
	}
	sqlite3_finalize(st);
	yj_status ret = oom ? nomem(err) : YJ_OK;
	if (!ret && rc != SQLITE_DONE)
		ret = store_stmt_error(db, rc, _("reading the tune groups"), sql, err);
	if (ret) {
		free(r);
		free(t);
		return ret;
	}
	*runs = r;
	*tunes = t;
	*n = k;
	return YJ_OK;
}

yj_status tunes_split_valid_count(yj_project *p, long long split, long long *count, yj_error *err)
{
	static const char sql[] = "SELECT count(*) FROM split_cases WHERE split_id = ? AND part = 'valid'";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*count = 0;
	int rc = store_prepare(db, &st, sql, "i", split);
	if (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW)
		*count = sqlite3_column_int64(st, 0);
	return store_row_end(db, st, rc, 0, _("counting the validation cases"), sql, err);
}
