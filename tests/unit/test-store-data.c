/*
 * test-store-data.c - unit tests of the data layer's store modules
 * (src/store/rawdata.c, snapshots.c, splits.c, profiles.c and the import
 * writes of sources.c): what they write, read back, and refuse.
 *
 * Expected values are written out by hand: the schema text old projects
 * hold (ALTER TABLE ADD COLUMN used to build it), the little-endian bytes
 * of the kept-rows blob, the order of a split's cases.  One project in a
 * fresh mkdtemp directory, removed at the end.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "yujing/store/profiles.h"
#include "yujing/store/rawdata.h"
#include "yujing/store/snapshots.h"
#include "yujing/store/sources.h"
#include "yujing/store/splits.h"
#include "internal.h" /* src/store: the connection, to look inside */

static char tmpdir[1024], path[1100];

static void cleanup(void)
{
	static const char *const suffix[] = {"", "-wal", "-shm", "-journal"};
	char p[1200];
	for (size_t i = 0; i < 4; i++) {
		snprintf(p, sizeof p, "%s%s", path, suffix[i]);
		unlink(p);
	}
	rmdir(tmpdir);
}

/* The first column of the first row of sql on a second connection, as
 * text ("" when none). */
static const char *query1(const char *sql)
{
	static char buf[4096];
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	buf[0] = '\0';
	if (sqlite3_open(path, &db) == SQLITE_OK && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
		snprintf(buf, sizeof buf, "%s", (const char *)sqlite3_column_text(st, 0));
	sqlite3_finalize(st);
	sqlite3_close(db);
	return buf;
}

static void test_valid_col(void)
{
	ok(rawdata_valid_col("c0"), "c0 is a column");
	ok(rawdata_valid_col("c17"), "c17 is a column");
	static const char *const bad[] = {"", "c", "c01", "C1", "c1 ", "c1||x", "x1", "c-1", "c1x",
					  "c99999999999"};
	for (size_t i = 0; i < sizeof bad / sizeof *bad; i++)
		ok(!rawdata_valid_col(bad[i]), "'%s' is not a column", bad[i]);
	ok(!rawdata_valid_col(NULL), "NULL is not a column");
}

/* Stage rows (widening once), copy them in one transaction, read back. */
static void test_stage(yj_project *p)
{
	yj_error err;
	yj_raw_stage *s = NULL;
	ok(rawdata_stage_new(p, &s, &err) == YJ_OK, "a staging table");
	ok(rawdata_stage_columns(s, 2, &err) == YJ_OK, "two columns");
	rawdata_stage_bind(s, 0, "a", 1);
	rawdata_stage_bind(s, 1, "x,y", 1); /* the length counts: "x" */
	ok(rawdata_stage_row(s, 2, &err) == YJ_OK, "row 1");
	rawdata_stage_bind(s, 0, NULL, 0);
	ok(rawdata_stage_row(s, 3, &err) == YJ_OK, "row 2 (c0 NULL, c1 not bound)");
	ok(rawdata_stage_columns(s, 3, &err) == YJ_OK, "widened to three");
	rawdata_stage_bind(s, 0, "b", 1);
	rawdata_stage_bind(s, 2, "\xe4\xb8\xad", 3);
	ok(rawdata_stage_row(s, 5, &err) == YJ_OK, "row 3");

	/* the staging transaction does not lock the project */
	sqlite3 *other = NULL;
	int rc = sqlite3_open(path, &other);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(other, "BEGIN IMMEDIATE; COMMIT", NULL, NULL, NULL);
	is_int(rc, SQLITE_OK, "while rows are staged another connection can write");
	sqlite3_close(other);
	is_str(query1("SELECT count(*) FROM sqlite_master WHERE name LIKE 'raw%'"), "0",
	       "nothing of the import is in the project yet");

	ok(rawdata_stage_finish(s, &err) == YJ_OK, "staging finished");
	long long id = 0;
	const char *names[] = {"k", "v", "text \"quoted\""};
	ok(project_begin(p, &err) == YJ_OK, "write transaction");
	ok(sources_create(p, "src", "k", NULL, "f.csv", "csv", "utf-8", &id, &err) == YJ_OK, "catalogue entry");
	ok(rawdata_stage_copy(s, id, 0, &err) == YJ_OK, "rows copied");
	for (size_t i = 0; i < 3; i++) {
		char col[8];
		snprintf(col, sizeof col, "c%zu", i);
		ok(sources_add_field(p, id, i, names[i], col, "categorical", "categorical", i ? "attribute" : "key",
				     &err) == YJ_OK, "field %zu", i);
	}
	ok(rawdata_create_view(p, "src", id, names, 3, &err) == YJ_OK, "view");
	ok(sources_set_rows(p, id, 3, &err) == YJ_OK, "row count");
	ok(project_commit(p, &err) == YJ_OK, "committed");
	rawdata_stage_free(s);
	is_int(id, 1, "the first source has id 1");
	is_str(query1("SELECT sql FROM sqlite_master WHERE name = 'raw_1'"),
	       "CREATE TABLE raw_1 (row INTEGER PRIMARY KEY, line INTEGER NOT NULL, c0, c1, c2)",
	       "the data table's schema text is that of older projects");
	is_str(query1("SELECT sql FROM sqlite_master WHERE type = 'view'"),
	       "CREATE VIEW \"raw:src\" AS SELECT c0 AS \"k\", c1 AS \"v\", c2 AS \"text \"\"quoted\"\"\" FROM raw_1",
	       "the view quotes its names");
	is_str(query1("SELECT group_concat(row || ':' || line || ':' || quote(c0) || quote(c1) || quote(c2), ' ')"
		      " FROM raw_1"),
	       "1:2:'a''x'NULL 2:3:NULLNULLNULL 3:5:'b'NULL'\xe4\xb8\xad'", "the rows as staged");
	is_str(query1("SELECT count(*) FROM temp.sqlite_master"), "0", "(a new connection has no staging table)");

	yj_source_info info;
	ok(sources_get(p, "src", &info, &err) == YJ_OK, "sources_get");
	is_str(info.data_table, "raw_1", "data_table");
	is_int(info.rows, 3, "rows");
	yj_raw_cursor *c = NULL;
	ok(rawdata_open(p, &info, &c, &err) == YJ_OK, "a cursor");
	int64_t row, line;
	size_t len;
	int k = rawdata_next(c, &row, &line, &err);
	ok(k == 1 && row == 1 && line == 2, "first row: row 1, line 2");
	const char *v = rawdata_cell(c, 1, &len);
	ok(v && len == 1 && !strcmp(v, "x"), "its second value");
	k = rawdata_next(c, &row, &line, &err);
	ok(k == 1 && !rawdata_cell(c, 0, &len) && len == 0, "a NULL reads as NULL");
	k = rawdata_next(c, &row, &line, &err);
	v = rawdata_cell(c, 2, &len);
	ok(k == 1 && row == 3 && v && len == 3 && !memcmp(v, "\xe4\xb8\xad", 3), "row 3's UTF-8 value");
	is_int(rawdata_next(c, &row, &line, &err), 0, "then the end");
	rawdata_close(c);

	/* a planted table name is only ever an identifier */
	char *table = info.data_table;
	info.data_table = (char *)"raw_1 WHERE 0 UNION SELECT 1, 2, 3, 4, sqlite_version() --";
	c = NULL;
	ok(rawdata_open(p, &info, &c, &err) != YJ_OK && !c, "a planted table expression names no table");
	info.data_table = table;

	/* a column that is not c<N> is refused before any SQL runs */
	free(info.fields[1].col);
	info.fields[1].col = strdup("c0 || sqlite_version()");
	c = NULL;
	error_clear(&err);
	is_int(rawdata_open(p, &info, &c, &err), YJ_EDATA, "a planted column expression: YJ_EDATA");
	is_str(err.field, "v", "the error names the field");
	ok(!c, "no cursor");
	sources_free(&info, 1);

	char *same = sources_same_name(p, "SRC");
	is_str(same, "src", "SRC names the same source as src");
	free(same);
	ok(!sources_same_name(p, "other"), "no source 'other'");
}

/* A synthetic key column holds the row numbers as text. */
static void test_stage_synthetic(yj_project *p)
{
	yj_error err;
	yj_raw_stage *s = NULL;
	long long id = 0;
	ok(rawdata_stage_new(p, &s, &err) == YJ_OK && rawdata_stage_columns(s, 1, &err) == YJ_OK, "staging");
	for (int i = 0; i < 3; i++) {
		rawdata_stage_bind(s, 0, "t", 1);
		rawdata_stage_row(s, i + 1, &err);
	}
	ok(rawdata_stage_finish(s, &err) == YJ_OK && project_begin(p, &err) == YJ_OK &&
	   sources_create(p, "numbered", "@n", NULL, "f.jsonl", "jsonl", "utf-8", &id, &err) == YJ_OK &&
	   rawdata_stage_copy(s, id, 1, &err) == YJ_OK && project_commit(p, &err) == YJ_OK,
	   "copied with a synthetic key");
	rawdata_stage_free(s);
	is_str(query1("SELECT sql FROM sqlite_master WHERE name = 'raw_2'"),
	       "CREATE TABLE raw_2 (row INTEGER PRIMARY KEY, line INTEGER NOT NULL, c0, c1)",
	       "one more column for the key");
	is_str(query1("SELECT group_concat(quote(c1), ' ') FROM raw_2"), "'1' '2' '3'", "the row numbers as text");

	/* an abandoned staging leaves the project alone */
	ok(rawdata_stage_new(p, &s, &err) == YJ_OK && rawdata_stage_columns(s, 1, &err) == YJ_OK, "staging again");
	rawdata_stage_bind(s, 0, "u", 1);
	rawdata_stage_row(s, 1, &err);
	rawdata_stage_free(s);
	is_str(query1("SELECT count(*) FROM sources"), "2", "an abandoned staging adds no source");
}

static void test_snapshots(yj_project *p)
{
	yj_error err;
	yj_snapshot_writer *w = NULL;
	long long id = 0;
	const int64_t rows[] = {1, 258, ((int64_t)1 << 40) + 3};
	ok(snapshots_begin(p, "{\"k\":1}", "{}", "{\"sources\":[]}", &w, &id, &err) == YJ_OK, "snapshot begun");
	is_int(id, 1, "snapshot 1");
	ok(snapshots_add_source(w, 1, rows, 3, &err) == YJ_OK, "kept rows");
	ok(snapshots_add_cell(w, 1, 258, 2, "0.5", "filled", &err) == YJ_OK &&
	   snapshots_add_cell(w, 1, 258, 0, "x", "replaced", &err) == YJ_OK &&
	   snapshots_add_cell(w, 1, 1, 1, "7", "clipped", &err) == YJ_OK, "three cells");
	ok(snapshots_commit(w, &err) == YJ_OK, "committed");
	is_str(query1("SELECT hex(kept) FROM snapshot_sources"),
	       "0100000000000000" "0201000000000000" "0300000000010000", "the kept rows: little-endian int64");

	int64_t *got = NULL;
	size_t n = 0;
	int found = 0;
	ok(snapshots_kept(p, 1, 1, &got, &n, &found, &err) == YJ_OK && found && n == 3, "read back: 3 rows");
	ok(n == 3 && got[0] == 1 && got[1] == 258 && got[2] == rows[2], "the same rows");
	free(got);
	ok(snapshots_kept(p, 1, 9, &got, &n, &found, &err) == YJ_OK && !found && !got, "source 9: not covered");

	yj_snapshot_cell *cells = NULL;
	int64_t r = 258;
	ok(snapshots_cells(p, 1, 1, &r, &cells, &n, &err) == YJ_OK && n == 2, "row 258: two cells");
	if (n == 2) {
		ok(cells[0].pos == 0 && !strcmp(cells[0].value, "x") && !strcmp(cells[0].kind, "replaced"),
		   "by position: pos 0 first");
		ok(cells[1].pos == 2 && !strcmp(cells[1].kind, "filled"), "then pos 2");
	}
	snapshots_cells_free(cells, n);
	ok(snapshots_cells(p, 1, 1, NULL, &cells, &n, &err) == YJ_OK && n == 3, "all cells of the source: 3");
	snapshots_cells_free(cells, n);

	long long act = 0;
	ok(snapshots_active(p, &act, &found, &err) == YJ_OK && found && act == 1, "snapshot 1 is active");
	ok(snapshots_begin(p, "{}", "{}", "{}", &w, &id, &err) == YJ_OK && snapshots_commit(w, &err) == YJ_OK,
	   "snapshot 2");
	ok(snapshots_active(p, &act, &found, &err) == YJ_OK && act == 2, "the new one is active");
	ok(snapshots_begin(p, "{}", "{}", "{}", &w, &id, &err) == YJ_OK, "snapshot 3 begun");
	snapshots_abort(w);
	is_str(query1("SELECT count(*) || ' ' || sum(active) || ' ' || max(id) FROM snapshots"), "2 1 2",
	       "an aborted snapshot leaves nothing, snapshot 2 stays the active one");
	ok(snapshots_activate(p, 1, &err) == YJ_OK, "activate 1");
	is_str(query1("SELECT group_concat(active, ',') FROM (SELECT active FROM snapshots ORDER BY id)"), "1,0",
	       "only 1 is active");
	is_int(snapshots_activate(p, 99, &err), YJ_ENOTFOUND, "snapshot 99: not found");
	is_str(query1("SELECT group_concat(active, ',') FROM (SELECT active FROM snapshots ORDER BY id)"), "1,0",
	       "and nothing changed");

	yj_snapshot_info *v = NULL;
	ok(snapshots_list(p, &v, &n, &err) == YJ_OK && n == 2, "two snapshots listed");
	if (n == 2)
		ok(v[0].id == 1 && v[0].active && !strcmp(v[0].settings, "{\"k\":1}") && v[1].id == 2 && !v[1].active,
		   "in id order with their settings");
	snapshots_list_free(v, n);
	char *stats = NULL, *settings = NULL;
	ok(snapshots_stats(p, 1, &stats, &settings, &found, &err) == YJ_OK && found, "stats of 1");
	is_str(stats, "{\"sources\":[]}", "stats text");
	free(stats);
	free(settings);
	ok(snapshots_stats(p, 7, &stats, &settings, &found, &err) == YJ_OK && !found, "snapshot 7 is gone");
}

static void test_splits(yj_project *p)
{
	yj_error err;
	yj_split_row rows[] = {{"k3", "theft", SPLIT_PART_TEST},  {"k1", "theft", SPLIT_PART_TRAIN},
			       {"k2", "arson", SPLIT_PART_TRAIN}, {"k0", "arson", SPLIT_PART_TEST},
			       {"k4", "arson", SPLIT_PART_VALID}};
	long long id = 0, split = 0, snap = 0;
	int found = 1;
	ok(splits_active(p, &split, &snap, &found, &err) == YJ_OK && !found, "no split yet");
	ok(splits_store(p, 1, "{}", "{}", rows, 5, &id, &err) == YJ_OK && id == 1, "split 1 stored");
	ok(splits_active(p, &split, &snap, &found, &err) == YJ_OK && found && split == 1 && snap == 1,
	   "split 1 of snapshot 1 is active");
	char **labels = NULL;
	size_t n = 0;
	ok(splits_labels(p, 1, &labels, &n, &err) == YJ_OK && n == 2, "two labels");
	if (n == 2)
		ok(!strcmp(labels[0], "arson") && !strcmp(labels[1], "theft"), "sorted");
	splits_labels_free(labels, n);
	yj_split_row *got = NULL;
	ok(splits_rows(p, 1, SPLIT_PARTS_ALL, &got, &n, &err) == YJ_OK && n == 5, "five cases");
	if (n == 5)
		ok(!strcmp(got[0].key, "k1") && got[0].part == SPLIT_PART_TRAIN && !strcmp(got[1].key, "k2") &&
		   got[1].part == SPLIT_PART_TRAIN && !strcmp(got[2].key, "k0") && got[2].part == SPLIT_PART_TEST &&
		   !strcmp(got[3].key, "k3") && got[3].part == SPLIT_PART_TEST && !strcmp(got[3].label, "theft") &&
		   !strcmp(got[4].key, "k4") && got[4].part == SPLIT_PART_VALID,
		   "train, test, then valid, by key within a part");
	splits_rows_free(got, n);
	/* training's read: no test row */
	ok(splits_rows(p, 1, SPLIT_PARTS(SPLIT_PART_TRAIN) | SPLIT_PARTS(SPLIT_PART_VALID), &got, &n, &err) == YJ_OK &&
	   n == 3, "train and valid: three cases");
	if (n == 3)
		ok(!strcmp(got[0].key, "k1") && !strcmp(got[1].key, "k2") && !strcmp(got[2].key, "k4") &&
		   got[2].part == SPLIT_PART_VALID, "no test case among them");
	splits_rows_free(got, n);
	ok(splits_rows(p, 1, SPLIT_PARTS(SPLIT_PART_TEST), &got, &n, &err) == YJ_OK && n == 2 &&
	   got[0].part == SPLIT_PART_TEST && got[1].part == SPLIT_PART_TEST, "the test part alone: two cases");
	splits_rows_free(got, n);
	long long cnt[3] = {0};
	ok(splits_part_counts(p, 1, cnt, &err) == YJ_OK && cnt[SPLIT_PART_TRAIN] == 2 && cnt[SPLIT_PART_TEST] == 2 &&
	   cnt[SPLIT_PART_VALID] == 1, "part counts 2 train, 2 test, 1 valid");
	ok(splits_store(p, 2, "{}", "{}", rows, 1, &id, &err) == YJ_OK && id == 2, "split 2");
	ok(splits_active(p, &split, &snap, &found, &err) == YJ_OK && split == 2 && snap == 2, "split 2 active");
	is_str(query1("SELECT sum(active) FROM splits"), "1", "only one active split");
}

static void test_profiles(yj_project *p)
{
	yj_error err;
	char *s = (char *)"x", *r = (char *)"x";
	ok(profiles_get(p, 1, &s, &r, &err) == YJ_OK && !s && !r, "no profile yet: NULL, NULL");
	ok(profiles_put(p, 1, "{\"sigma\":3}", "[1]", &err) == YJ_OK, "stored");
	ok(profiles_put(p, 1, "{\"sigma\":2}", "[2]", &err) == YJ_OK, "replaced");
	ok(profiles_get(p, 1, &s, &r, &err) == YJ_OK, "read");
	is_str(s, "{\"sigma\":2}", "the settings of the last");
	is_str(r, "[2]", "its result");
	free(s);
	free(r);
	is_str(query1("SELECT count(*) FROM profiles"), "1", "one row per source");
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/yj-test-store-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		return 99;
	}
	snprintf(path, sizeof path, "%s/p.yj", tmpdir);
	atexit(cleanup);
	yj_project *p = NULL;
	yj_error err;
	if (project_create(path, &p, &err)) {
		printf("Bail out! %s\n", err.msg);
		return 99;
	}
	test_valid_col();
	test_stage(p);
	test_stage_synthetic(p);
	test_snapshots(p);
	test_splits(p);
	test_profiles(p);
	project_close(p);
	return tap_done();
}
