/*
 * profiles.c - the profiles table: one stored profile per source.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/store/profiles.h"
#include "internal.h"

static char *dup_text(sqlite3_stmt *st, int i)
{
	const unsigned char *s = sqlite3_column_text(st, i);
	return s ? strdup((const char *)s) : NULL;
}

yj_status profiles_get(yj_project *p, long long source_id, char **settings, char **result,
		       yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_status ret = YJ_OK;
	*settings = *result = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT settings, result FROM profiles WHERE source_id = ?", -1,
				    &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, source_id);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		*settings = dup_text(st, 0);
		*result = dup_text(st, 1);
		if ((sqlite3_column_type(st, 0) != SQLITE_NULL && !*settings) ||
		    (sqlite3_column_type(st, 1) != SQLITE_NULL && !*result)) {
			free(*settings);
			free(*result);
			*settings = *result = NULL;
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		}
	} else if (rc != SQLITE_DONE) {
		ret = store_sqlite_error(db, rc, _("reading the profile"), err);
	}
	sqlite3_finalize(st);
	return ret;
}

yj_status profiles_put(yj_project *p, long long source_id, const char *settings, const char *result,
		       yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, "INSERT OR REPLACE INTO profiles (source_id, settings, result) VALUES (?, ?, ?)",
			    "itt", source_id, settings, result);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("storing the profile"), err);
	return YJ_OK;
}
