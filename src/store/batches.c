/*
 * batches.c - batches of new cases (batches.h).
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/store/batches.h"
#include "internal.h"

yj_status batches_create(yj_project *p, long long run, const yj_batch_file *files, size_t nfiles,
			 const char *const *keys, const char *const *rows, size_t ncases, long long *id,
			 yj_error *err)
{
	static const char ins_file[] = "INSERT INTO batch_files (batch_id, pos, source, path, content)"
				       " VALUES (?, ?, ?, ?, ?)",
			  ins_case[] = "INSERT OR REPLACE INTO batch_cases (batch_id, key, rows) VALUES (?, ?, ?)";
	sqlite3 *db = project_db(p);
	const char *sql = "INSERT INTO batches (run_id) VALUES (?)";
	int rc = store_exec(db, sql, "i", run);
	*id = rc == SQLITE_OK ? sqlite3_last_insert_rowid(db) : 0;
	for (size_t f = 0; rc == SQLITE_OK && f < nfiles; f++)
		rc = store_exec(db, sql = ins_file, "iittb", *id, (long long)f, files[f].source, files[f].path,
				files[f].content ? files[f].content : "", files[f].size);
	for (size_t c = 0; rc == SQLITE_OK && c < ncases; c++)
		rc = store_exec(db, sql = ins_case, "itt", *id, keys[c], rows[c]);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("storing the batch"), sql, err);
}

yj_status batches_find(yj_project *p, const char *key, long long batch, long long *out, yj_error *err)
{
	const char *sql = batch ? "SELECT batch_id FROM batch_cases WHERE batch_id = ? AND key = ?"
				: "SELECT batch_id FROM batch_cases WHERE key = ? ORDER BY batch_id DESC LIMIT 1";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*out = 0;
	int rc = batch ? store_prepare(db, &st, sql, "it", batch, key) : store_prepare(db, &st, sql, "t", key);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = sqlite3_column_int64(st, 0);
	yj_status ret = store_row_end(db, st, rc, 0, _("finding the case's batch"), sql, err);
	if (ret == YJ_ENOTFOUND && batch) {
		error_set(err, YJ_ENOTFOUND, _("batch %lld holds no case '%s'"), batch, key);
		error_hint(err, _("leave out --batch to search the latest batch that holds it"));
	}
	return ret;
}

yj_status batches_files(yj_project *p, long long id, yj_batch_file **out, size_t *n, yj_error *err)
{
	static const char sql[] = "SELECT source, path, content FROM batch_files WHERE batch_id = ? ORDER BY pos";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_batch_file *v = NULL;
	size_t k = 0, cap = 0;
	int oom = 0;
	*out = NULL;
	*n = 0;
	int rc = store_prepare(db, &st, sql, "i", id);
	while (rc == SQLITE_OK && !oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (k == cap) {
			yj_batch_file *w = realloc(v, (cap = cap ? 2 * cap : 4) * sizeof *w);
			if (!w) {
				oom = 1;
				break;
			}
			v = w;
		}
		yj_batch_file *f = &v[k++];
		f->source = store_column_text(st, 0, &oom);
		f->path = store_column_text(st, 1, &oom);
		f->content = store_column_blob(st, 2, &f->size, &oom);
	}
	sqlite3_finalize(st);
	yj_status ret = oom ? error_set(err, YJ_ENOMEM, _("out of memory")) : YJ_OK;
	if (!ret && rc != SQLITE_DONE)
		ret = store_stmt_error(db, rc, _("reading the batch"), sql, err);
	if (ret) {
		batches_files_free(v, k);
		return ret;
	}
	*out = v;
	*n = k;
	return YJ_OK;
}

void batches_files_free(yj_batch_file *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].source);
		free(v[i].path);
		free(v[i].content);
	}
	free(v);
}
