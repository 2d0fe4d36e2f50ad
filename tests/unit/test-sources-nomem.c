/*
 * test-sources-nomem.c - removing a source when the quoting of its names
 * runs out of memory: sources_drop() must fail with "out of memory" and
 * leave the source, its view and its data table exactly as they were.
 *
 * The plain build never fails an allocation, so this program is linked
 * with -Wl,--wrap=store_quote_ident (tests/local.mk): __wrap_ below passes
 * every call through to the real function except the one it is told to
 * fail.  sources_drop() quotes two names, the data table's and the view's
 * ("raw:NAME"); each is failed in turn.  The expected state is read from
 * sqlite_schema and the catalogue, not from yujing's own report.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "tmpdir.h"
#include "yujing/data/import.h"
#include "yujing/store/sources.h"
#include "internal.h" /* src/store: store_quote_ident, the connection */

char *__real_store_quote_ident(const char *name);
char *__wrap_store_quote_ident(const char *name);

static int calls, fail_at; /* fail_at: the call (from 1) that returns NULL; 0: none */

char *__wrap_store_quote_ident(const char *name)
{
	if (fail_at && ++calls == fail_at)
		return NULL;
	return __real_store_quote_ident(name);
}

static long long q_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

int main(void)
{
	tmpdir_make("test-sources-nomem");
	char pp[1300], csv[1300];
	snprintf(pp, sizeof pp, "%s", path_in("p.yj"));
	snprintf(csv, sizeof csv, "%s", path_in("s.csv"));
	FILE *f = fopen(csv, "w");
	if (!f || fputs("id,x\nA,1\nB,2\n", f) < 0 || fclose(f)) {
		perror(csv);
		return 99;
	}
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	yj_import_opts o = {.source = "s", .key = "id"};
	if (project_create(pp, &p, &err) || import_file(p, csv, &o, NULL, &err)) {
		printf("Bail out! cannot make the project: %s\n", err.msg);
		return 99;
	}
	sqlite3 *db = project_db(p);
	for (int k = 1; k <= 2; k++) {
		const char *which = k == 1 ? "the data table's name" : "the view's name";
		calls = 0;
		fail_at = k;
		error_clear(&err);
		is_int(sources_drop(p, "s", &err), YJ_ENOMEM, "quoting %s fails: out of memory", which);
		fail_at = 0;
		is_str(err.msg, "out of memory", "quoting %s fails: the message", which);
		ok(sources_exists(p, "s"), "quoting %s fails: the source is still catalogued", which);
		is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view' AND name = 'raw:s'"), 1,
		       "quoting %s fails: its view is still there", which);
		is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'raw_1'"), 1,
		       "quoting %s fails: its data table is still there", which);
		is_int(q_int(db, "SELECT count(*) FROM raw_1"), 2, "quoting %s fails: its 2 rows are still there",
		       which);
	}
	/* the same call without a fault does remove it (the wrapper passes
	 * through) */
	error_clear(&err);
	is_int(sources_drop(p, "s", &err), YJ_OK, "without a fault the source is removed (%s)", err.msg);
	is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name IN ('raw:s', 'raw_1')"), 0,
	       "without a fault its view and table are gone");
	project_close(p);
	return tap_done();
}
