/*
 * encoders.c - the encoders table (encoders.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/store/encoders.h"
#include "yujing/store/runs.h"
#include "internal.h"

int encoders_have_active(yj_project *p)
{
	sqlite3_stmt *st = NULL;
	int yes = store_prepare(project_db(p), &st, "SELECT 1 FROM encoders WHERE active", "") == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
}

yj_status encoders_get(yj_project *p, long long id, yj_encoder_row *out, yj_error *err)
{
	const char *sql = id ? "SELECT id, config, vocab, weights FROM encoders WHERE id = ?"
			     : "SELECT id, config, vocab, weights FROM encoders WHERE active ORDER BY id DESC LIMIT 1";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int rc = id ? store_prepare(db, &st, sql, "i", id) : store_prepare(db, &st, sql, ""), oom = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->config = store_column_blob(st, 1, &out->nconfig, &oom);
		out->vocab = store_column_blob(st, 2, &out->nvocab, &oom);
		out->weights = store_column_blob(st, 3, &out->nweights, &oom);
	}
	yj_status ret = store_row_end(db, st, rc, oom, _("reading the encoder"), sql, err);
	if (ret)
		encoders_row_free(out);
	return ret;
}

void encoders_row_free(yj_encoder_row *e)
{
	free(e->config);
	free(e->vocab);
	free(e->weights);
	memset(e, 0, sizeof *e);
}

yj_status encoders_put(yj_project *p, long long run, const char *config, const char *vocab, const void *weights,
		       size_t nweights, long long *id, yj_error *err)
{
	static const char upd[] = "UPDATE encoders SET config = ?, vocab = ?, weights = ?, run_id = NULLIF(?, 0) WHERE id = ?";
	static const char ins[] = "INSERT INTO encoders (run_id, config, vocab, weights, active) VALUES (NULLIF(?, 0),?,?,?,0)";
	sqlite3 *db = project_db(p);
	int rc = *id ? store_exec(db, upd, "ttbii", config, vocab, weights, nweights, run, *id)
		     : store_exec(db, ins, "ittb", run, config, vocab, weights, nweights);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("storing the fine-tuned encoder"), *id ? upd : ins, err);
	if (!*id)
		*id = sqlite3_last_insert_rowid(db);
	return YJ_OK;
}

yj_status encoders_set_run(yj_project *p, long long id, long long run, yj_error *err)
{
	static const char sql[] = "UPDATE encoders SET run_id = ? WHERE id = ?";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "ii", run, id);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("creating the run"), sql, err);
}

yj_status encoders_add_active(yj_project *p, long long run, const char *config, const char *vocab,
			      const void *weights, size_t nweights, long long *id, yj_error *err)
{
	static const char off[] = "UPDATE encoders SET active = 0 WHERE active";
	static const char ins[] = "INSERT INTO encoders (run_id, config, vocab, weights, active) VALUES (?,?,?,?,1)";
	sqlite3 *db = project_db(p);
	const char *sql = off;
	int rc = store_exec(db, sql, "");
	if (rc == SQLITE_OK)
		rc = store_exec(db, sql = ins, "ittb", run, config, vocab, weights, nweights);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("storing the encoder"), sql, err);
	*id = sqlite3_last_insert_rowid(db);
	return YJ_OK;
}

void encoders_drop_unused(yj_project *p, long long id, long long run)
{
	store_exec(project_db(p),
		   "DELETE FROM encoders WHERE id = ? AND NOT active AND run_id = ?"
		   " AND NOT EXISTS (SELECT 1 FROM run_blobs WHERE run_id = ? AND kind = 'weights')",
		   "iii", id, run, run);
}

yj_status encoders_prune(yj_project *p, yj_error *err)
{
	static const char sql[] =
		"SELECT e.id, r.status, r.pid FROM encoders e LEFT JOIN runs r ON r.id = e.run_id"
		" WHERE NOT e.active AND ((e.run_id IS NULL AND NOT EXISTS (SELECT 1 FROM runs x, json_each(x.features) f"
		"   WHERE json_extract(f.value, '$.encoder_id') = e.id))"
		" OR (r.id IS NOT NULL AND NOT EXISTS (SELECT 1 FROM run_blobs b WHERE b.run_id = r.id AND b.kind = 'weights')"
		"   AND json_extract(r.config, '$.branches') IS NOT 'pretrain'"
		"   AND NOT EXISTS (SELECT 1 FROM runs x, json_each(x.features) f"
		"     WHERE x.id <> r.id AND json_extract(f.value, '$.encoder_id') = e.id)))";
	static const char del[] = "DELETE FROM encoders WHERE id = ? AND NOT active";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	const char *what = sql;
	int rc = store_prepare(db, &q, sql, "");
	long long *drop = NULL;
	size_t n = 0, cap = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const char *status = (const char *)sqlite3_column_text(q, 1);
		/* a run still training in a live process keeps its encoder */
		if (status && !strcmp(status, "running") && runs_pid_alive(sqlite3_column_int64(q, 2)))
			continue;
		if (n == cap) {
			long long *v = realloc(drop, (cap = cap ? 2 * cap : 8) * sizeof *v);
			if (!v) {
				rc = SQLITE_NOMEM;
				break;
			}
			drop = v;
		}
		drop[n++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = store_exec(db, what = del, "i", drop[i]);
	free(drop);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("removing unused text encoders"), what, err);
}
