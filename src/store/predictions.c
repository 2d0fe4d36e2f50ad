/*
 * predictions.c - the predictions table (predictions.h).
 */
#include <config.h>

#include "yujing/base/i18n.h"
#include "yujing/store/predictions.h"
#include "internal.h"

yj_status predictions_store(yj_project *p, long long run, const char *source, long long batch,
			    const yj_prediction_rec *v, size_t n, yj_error *err)
{
	static const char ins[] = "INSERT INTO predictions (run_id, key, source, predicted, probabilities, batch_id)"
				  " VALUES (?, ?, ?, ?, ?, ?)";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	int own = sqlite3_get_autocommit(db); /* else the caller's transaction */
	const char *sql = "BEGIN IMMEDIATE";
	int rc = own ? store_begin(db) : SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = store_prepare(db, &q, sql = ins, "i", run);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(q, 3, source, -1, SQLITE_STATIC);
		if (batch)
			sqlite3_bind_int64(q, 6, batch);
	}
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 2, v[i].key, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 4, v[i].predicted, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 5, v[i].probabilities ? v[i].probabilities : "{}", -1, SQLITE_STATIC);
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (rc == SQLITE_OK && own)
		rc = store_commit(db), sql = "COMMIT";
	yj_status st = rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("storing predictions"), sql, err);
	sqlite3_finalize(q);
	return st;
}
