/*
 * textcache.c - the frozen text branch's cache (textcache.h).
 */
#include <config.h>

#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/store/textcache.h"
#include "internal.h"

yj_status textcache_lookup(yj_project *p, long long encoder, const char *field, int max_len,
			   const char *const *keys, size_t n, size_t dim, float *out, unsigned char *hit,
			   yj_error *err)
{
	static const char sql[] = "SELECT vector FROM text_cache WHERE encoder_id = ? AND field = ? AND max_len = ?"
				  " AND key = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	int rc = store_prepare(db, &q, sql, "iti", encoder, field, (long long)max_len);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("reading the text cache"), sql, err);
	for (size_t i = 0; i < n; i++) {
		sqlite3_reset(q);
		sqlite3_bind_text(q, 4, keys[i], -1, SQLITE_STATIC);
		hit[i] = sqlite3_step(q) == SQLITE_ROW && (size_t)sqlite3_column_bytes(q, 0) == dim * sizeof(float);
		if (hit[i])
			memcpy(out + i * dim, sqlite3_column_blob(q, 0), dim * sizeof(float));
	}
	sqlite3_finalize(q);
	return YJ_OK;
}

yj_status textcache_store(yj_project *p, long long encoder, const char *field, int max_len,
			  const char *const *keys, const size_t *rows, size_t n, size_t dim, const float *vectors,
			  yj_error *err)
{
	static const char ins[] = "INSERT OR REPLACE INTO text_cache (encoder_id, field, max_len, key, vector)"
				  " VALUES (?, ?, ?, ?, ?)";
	sqlite3 *db = project_db(p);
	const char *sql = "BEGIN IMMEDIATE";
	int rc = store_begin(db);
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = store_exec(db, sql = ins, "ititb", encoder, field, (long long)max_len, keys[rows[i]],
				(const void *)(vectors + rows[i] * dim), dim * sizeof(float));
	if (rc == SQLITE_OK)
		rc = store_commit(db), sql = "COMMIT";
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("writing the text cache"), sql, err);
}

int textcache_suggested_len(yj_project *p, const char *source, const char *field)
{
	sqlite3_stmt *st = NULL;
	int n = 128;
	/* the last entry of the field in the profile's "fields" */
	if (store_prepare(project_db(p), &st,
			  "SELECT json_extract(f.value, '$.length.suggested_max_len') FROM profiles p"
			  " JOIN sources s ON s.id = p.source_id, json_each(p.result, '$.fields') f"
			  " WHERE s.name = ? AND json_extract(f.value, '$.name') = ?"
			  " AND json_type(f.value, '$.length.suggested_max_len') = 'integer' ORDER BY f.key DESC LIMIT 1",
			  "tt", source, field) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW) {
		long long v = sqlite3_column_int64(st, 0);
		n = v > 1000 ? 1000 : v < 0 ? 0 : (int)v + 2;
	}
	sqlite3_finalize(st);
	return n < 8 ? 8 : n > 512 ? 512 : n;
}
