/*
 * test-import.c - unit tests of src/data/import.c (with infer.c and
 * datetime.c): what an import stores, the types it infers, roles and type
 * overrides, odd field names, replacing a source, and above all that a
 * failed import (malformed input, a full disk, an interrupt) leaves the
 * project exactly as it was.
 *
 * Expected values come from reading the input text by hand: the fixtures in
 * tests/fixtures ($FIXTURES) and files written here into a mkdtemp
 * directory.  Types follow the rule in include/yujing/data/infer.h.
 */
#include <config.h>

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/import.h"
#include "yujing/store/sources.h"
#include "internal.h" /* src/store: the connection, to look inside */

static char tmpdir[1024];
static const char *fixtures;

static char *path_in(const char *dir, const char *name)
{
	static char buf[8][2048];
	static int k;
	char *p = buf[k++ % 8];
	snprintf(p, 2048, "%s/%s", dir, name);
	return p;
}

static const char *write_tmp(const char *name, const void *data, size_t n)
{
	char *path = path_in(tmpdir, name);
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(99);
	}
	return path;
}

#define L(s) s, sizeof(s) - 1

static yj_project *new_project(const char *name)
{
	yj_project *p = NULL;
	yj_error err;
	if (project_create(path_in(tmpdir, name), &p, &err)) {
		printf("Bail out! cannot create a project: %s\n", err.msg);
		exit(99);
	}
	return p;
}

/* ------------------------------------------------------------- SQL helpers */

/* All rows of a query: columns joined by '|', rows ended by '\n', NULL as
 * "~".  With `typed`, each value is prefixed by its storage class (i, r,
 * t, b, n) so that '' and NULL, 1 and '1' differ. */
static void dump_rows(sqlite3 *db, const char *sql, int typed, strbuf *out)
{
	sqlite3_stmt *st = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) {
		strbuf_addf(out, "SQL error: %s\n", sqlite3_errmsg(db));
		return;
	}
	int rc;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		int n = sqlite3_column_count(st);
		for (int i = 0; i < n; i++) {
			if (i)
				strbuf_addc(out, '|');
			int t = sqlite3_column_type(st, i);
			if (typed)
				strbuf_addc(out, "?irtbn"[t]);
			if (t == SQLITE_NULL)
				strbuf_addc(out, '~');
			else
				strbuf_add(out, sqlite3_column_text(st, i), (size_t)sqlite3_column_bytes(st, i));
		}
		strbuf_addc(out, '\n');
	}
	if (rc != SQLITE_DONE)
		strbuf_addf(out, "SQL error: %s\n", sqlite3_errmsg(db));
	sqlite3_finalize(st);
}

static char *rows_of(sqlite3 *db, const char *sql)
{
	strbuf sb = STRBUF_INIT;
	dump_rows(db, sql, 0, &sb);
	return strbuf_detach(&sb);
}

#define is_rows(db, sql, want, ...)                                                                \
	do {                                                                                       \
		char *r_ = rows_of(db, sql);                                                       \
		is_str(r_, want, __VA_ARGS__);                                                     \
		free(r_);                                                                          \
	} while (0)

/* Everything in the database, typed: the schema, then every table's rows.
 * Two equal snapshots mean nothing was written in between. */
static char *snapshot(yj_project *p)
{
	sqlite3 *db = project_db(p);
	strbuf sb = STRBUF_INIT, names = STRBUF_INIT;
	dump_rows(db, "SELECT type, name, tbl_name, sql FROM sqlite_schema ORDER BY type, name", 1, &sb);
	dump_rows(db, "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name", 0, &names);
	char *s = names.buf, *nl;
	while (s && (nl = strchr(s, '\n'))) {
		*nl = '\0';
		char *q = store_quote_ident(s), sql[600];
		snprintf(sql, sizeof sql, "SELECT * FROM %s", q);
		strbuf_addf(&sb, "== %s\n", s);
		dump_rows(db, sql, 1, &sb);
		free(q);
		s = nl + 1;
	}
	strbuf_free(&names);
	return strbuf_detach(&sb);
}

/* ok() that the project's contents equal a snapshot. */
static void unchanged(yj_project *p, const char *before, const char *what)
{
	char *now = snapshot(p);
	ok(!strcmp(now, before), "%s: project unchanged", what);
	if (strcmp(now, before)) {
		/* Show where they part. */
		size_t i = 0;
		while (now[i] && now[i] == before[i])
			i++;
		size_t from = i > 80 ? i - 80 : 0;
		printf("#   differs at byte %zu:\n#   before: %.160s\n#   now:    %.160s\n", i, before + from,
		       now + from);
	}
	free(now);
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

/* "name:type:inferred:role" of every field of a source, joined by ' '. */
static char *fields_of(yj_project *p, const char *source)
{
	yj_source_info s;
	yj_error err;
	strbuf sb = STRBUF_INIT;
	if (sources_get(p, source, &s, &err)) {
		strbuf_addf(&sb, "error: %s", err.msg);
		return strbuf_detach(&sb);
	}
	for (size_t i = 0; i < s.nfields; i++)
		strbuf_addf(&sb, "%s%s:%s:%s:%s", i ? " " : "", s.fields[i].name, s.fields[i].type,
			    s.fields[i].inferred, s.fields[i].role);
	sources_free(&s, 1);
	return strbuf_detach(&sb);
}

#define is_fields(p, source, want, ...)                                                            \
	do {                                                                                       \
		char *f_ = fields_of(p, source);                                                   \
		is_str(f_, want, __VA_ARGS__);                                                     \
		free(f_);                                                                          \
	} while (0)

/* --------------------------------------------------------------- fixtures */

static void test_chicago(void)
{
	yj_project *p = new_project("chicago.yj");
	sqlite3 *db = project_db(p);
	yj_import_opts o = {.source = "chicago", .key = "case_number", .label = "primary_type"};
	yj_import_result res = {0};
	yj_error err;
	const char *path = path_in(fixtures, "chicago_englewood.csv");
	is_int(import_file(p, path, &o, &res, &err), YJ_OK, "chicago: import (%s)", err.msg);
	is_int(res.rows, 20, "chicago: 20 rows");
	is_int(res.nfields, 23, "chicago: 23 fields");
	is_int(res.bytes, 5881, "chicago: 5881 bytes");

	is_rows(db, "SELECT name, key_field, label_field, format, encoding, rows, data_table FROM sources",
		"chicago|case_number|primary_type|csv|utf-8|20|raw_1\n", "chicago: catalogue entry");
	{
		sqlite3_stmt *st = NULL;
		sqlite3_prepare_v2(db, "SELECT file FROM sources WHERE name = 'chicago'", -1, &st, NULL);
		sqlite3_step(st);
		is_str((const char *)sqlite3_column_text(st, 0), path, "chicago: the file is recorded");
		sqlite3_finalize(st);
	}
	/* Types by hand from the fixture: zero-padded beat, district, iucr are
	 * codes; block (mean 16.95 chars) and description (mean 19.55 chars)
	 * stay categorical; location (mean 62.5 chars, 20 distinct) is text;
	 * fbi_code mixes "11" with "04B"; location_description has one empty
	 * value, which is null and ignored; ward is an integer code by its
	 * name (7 distinct values in 20 rows, 7 <= 20/2: infer.h). */
	is_fields(p, "chicago",
		  "arrest:categorical:categorical:attribute beat:categorical:categorical:attribute "
		  "block:categorical:categorical:attribute case_number:categorical:categorical:key "
		  "community_area:integer:integer:attribute date:datetime:datetime:attribute "
		  "description:categorical:categorical:attribute district:categorical:categorical:attribute "
		  "domestic:categorical:categorical:attribute fbi_code:categorical:categorical:attribute "
		  "id:integer:integer:attribute iucr:categorical:categorical:attribute "
		  "latitude:real:real:attribute location:text:text:attribute "
		  "location_description:categorical:categorical:attribute longitude:real:real:attribute "
		  "primary_type:categorical:categorical:label updated_on:datetime:datetime:attribute "
		  "ward:categorical:categorical:attribute x_coordinate:integer:integer:attribute "
		  "y_coordinate:integer:integer:attribute year:integer:integer:attribute "
		  "c_tract:integer:integer:attribute",
		  "chicago: field types and roles");
	is_rows(db, "SELECT group_concat(col, ',') FROM (SELECT col FROM fields ORDER BY pos)",
		"c0,c1,c2,c3,c4,c5,c6,c7,c8,c9,c10,c11,c12,c13,c14,c15,c16,c17,c18,c19,c20,c21,c22\n",
		"chicago: columns c0..c22");

	/* Stored values: exactly the text of the file. */
	is_rows(db, "SELECT group_concat(line, ',') FROM (SELECT line FROM raw_1 ORDER BY row)",
		"2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21\n", "chicago: lines 2..21 in order");
	is_rows(db, "SELECT location, beat, district, iucr, latitude FROM \"raw:chicago\" WHERE case_number = 'JB108409'",
		"{'type': 'Point', 'coordinates': [-87.637177497, 41.766417805]}|0732|007|1150|41.766417805\n",
		"chicago: the quoted location unquoted; codes keep their zeros");
	is_rows(db,
		"SELECT typeof(location_description), length(location_description), description"
		" FROM \"raw:chicago\" WHERE case_number = 'JA138355'",
		"text|0|FINANCIAL IDENTITY THEFT OVER $ 300\n", "chicago: the empty value is stored as ''");
	is_rows(db, "SELECT typeof(c10), c10, typeof(c12) FROM raw_1 WHERE line = 3", "text|11146097|text\n",
		"chicago: numbers are stored as their text");
	is_rows(db, "SELECT count(*), count(DISTINCT case_number) FROM \"raw:chicago\"", "20|20\n",
		"chicago: the view shows every row");
	is_rows(db, "SELECT primary_type, count(*) FROM \"raw:chicago\" GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT 3",
		"BATTERY|8\nHOMICIDE|4\nDECEPTIVE PRACTICE|3\n", "chicago: label counts");
	project_close(p);
}

static void test_cail(void)
{
	yj_project *p = new_project("cail.yj");
	sqlite3 *db = project_db(p);
	const char *text[] = {"fact"};
	yj_import_opts o = {.source = "cail",
			    .key = "meta.criminals",
			    .label = "meta.accusation",
			    .text = text,
			    .ntext = 1};
	yj_import_result res = {0};
	yj_error err;
	const char *path = path_in(fixtures, "cail2018.jsonl");
	is_int(import_file(p, path, &o, &res, &err), YJ_OK, "cail: import (%s)", err.msg);
	is_int(res.rows, 10, "cail: 10 rows");
	is_int(res.nfields, 8, "cail: 8 fields");
	is_rows(db, "SELECT format, key_field, label_field, rows FROM sources WHERE name = 'cail'",
		"jsonl|meta.criminals|meta.accusation|10\n", "cail: catalogue entry");
	is_fields(p, "cail",
		  "fact:text:text:text meta.relevant_articles:categorical:categorical:attribute "
		  "meta.accusation:categorical:categorical:label meta.punish_of_money:integer:integer:attribute "
		  "meta.criminals:categorical:categorical:key "
		  "meta.term_of_imprisonment.death_penalty:categorical:categorical:attribute "
		  "meta.term_of_imprisonment.imprisonment:integer:integer:attribute "
		  "meta.term_of_imprisonment.life_imprisonment:categorical:categorical:attribute",
		  "cail: flattened fields, types and roles");
	is_rows(db,
		"SELECT \"meta.accusation\", \"meta.relevant_articles\", \"meta.punish_of_money\","
		" \"meta.term_of_imprisonment.imprisonment\", \"meta.term_of_imprisonment.death_penalty\""
		" FROM \"raw:cail\" WHERE \"meta.criminals\" = '[\"何某\"]'",
		"[\"放火\",\"盗窃\"]|[264,114]|2000|48|false\n", "cail: values of 何某's case (arrays as compact JSON)");
	is_rows(db, "SELECT line FROM raw_1 WHERE c4 = '[\"何某\"]'", "4\n", "cail: 何某's case is on line 4");
	is_rows(db, "SELECT c0 FROM raw_1 WHERE line = 10",
		"指控意见公诉机关根据深龙检刑诉[2016]3081号起诉书，指控被告人曾某某犯××罪，建议判处一年六个月以下××，"
		"并处罚金。\n",
		"cail: CJK text stored intact");
	is_rows(db, "SELECT group_concat(c6, ',') FROM (SELECT c6 FROM raw_1 ORDER BY line)",
		"6,0,0,48,50,1,12,6,180,16\n", "cail: imprisonment column");

	/* A synthetic key numbers the records. */
	yj_import_opts o2 = {.source = "cail_no", .key = "@no", .label = "meta.accusation"};
	is_int(import_file(p, path, &o2, &res, &err), YJ_OK, "cail --key @no: import (%s)", err.msg);
	is_int(res.nfields, 9, "cail --key @no: 8 fields + the number");
	is_rows(db, "SELECT key_field FROM sources WHERE name = 'cail_no'", "no\n", "cail --key @no: key field");
	is_rows(db, "SELECT f.name, f.type, f.role FROM fields f JOIN sources s ON s.id = f.source_id"
		    " WHERE s.name = 'cail_no' ORDER BY pos DESC LIMIT 1",
		"no|integer|key\n", "cail --key @no: the number is the integer key, last");
	is_rows(db, "SELECT no FROM \"raw:cail_no\" WHERE \"meta.criminals\" = '[\"韩某\"]'", "6\n",
		"cail --key @no: the 6th record is number 6");
	project_close(p);
}

/* ------------------------------------------------------------------ types */

static const char types_csv[] =
	"id,int,code,real,iso_t,iso_date,iso_space,iso_z,iso_off,ymd_slash,ymd_dot,us_date,us_time,"
	"cjk_date,cjk_time,cat,txt,allnull,mixed_dt,int_na,lzreal,zero,bigint\n"
	"1,12,0712,1.5,2017-12-28T00:00:00.000,2017-12-28,2017-12-28 13:05,2017-12-28T13:05:00Z,"
	"2017-12-28T13:05:00+08:00,2017/12/28,2017.12.28,12/28/2017,12/28/2017 1:05 PM,2011年9月8日,"
	"2011年9月8日7时30分,A,The suspect fled on foot toward the park,,2017-12-28,5,0.5,0,1\n"
	"2,-3,0713,2,2018-01-02T13:05:59.123,2018-01-02,2017-12-28 00:00:01,2018-01-02T00:00:00Z,"
	"2017-12-28T13:05:00-0530,2017/1/2,2018.1.2,1/2/2018,1/2/2018 11:59:59 AM,2012年10月1日,"
	"2011年9月8日 07:30,B,A window was broken at the back door,NA,not a date,NA,00.5,-0,"
	"99999999999999999999\n"
	"3,+7,12,-3e2,2018-02-28T23:59:59,2016-02-29,2018-03-01 7:00,2018-03-01T07:00:00Z,"
	"2018-03-01T07:00:00+0100,2018/03/01,2018.03.01,3/1/2018,3/1/2018 23:00,2013年1月31日,"
	"2013年1月31日23时5分10秒,A,Two phones and a wallet were taken,NULL,2018-01-01,,1.25,10,2\n";

static void test_types(void)
{
	yj_project *p = new_project("types.yj");
	sqlite3 *db = project_db(p);
	const char *path = write_tmp("types.csv", L(types_csv));
	const char *text[] = {"txt"};
	yj_import_opts o = {.source = "types", .key = "id", .label = "cat", .text = text, .ntext = 1};
	yj_import_result res = {0};
	yj_error err;
	is_int(import_file(p, path, &o, &res, &err), YJ_OK, "types: import (%s)", err.msg);
	is_int(res.rows, 3, "types: 3 rows");
	is_fields(p, "types",
		  "id:integer:integer:key int:integer:integer:attribute code:categorical:categorical:attribute "
		  "real:real:real:attribute iso_t:datetime:datetime:attribute iso_date:datetime:datetime:attribute "
		  "iso_space:datetime:datetime:attribute iso_z:datetime:datetime:attribute "
		  "iso_off:datetime:datetime:attribute ymd_slash:datetime:datetime:attribute "
		  "ymd_dot:datetime:datetime:attribute us_date:datetime:datetime:attribute "
		  "us_time:datetime:datetime:attribute cjk_date:datetime:datetime:attribute "
		  "cjk_time:datetime:datetime:attribute cat:categorical:categorical:label txt:text:text:text "
		  "allnull:categorical:categorical:attribute mixed_dt:categorical:categorical:attribute "
		  "int_na:integer:integer:attribute lzreal:categorical:categorical:attribute "
		  "zero:integer:integer:attribute bigint:real:real:attribute",
		  "types: inferred per the documented rule");
	is_rows(db, "SELECT \"int\", code, \"real\", allnull, int_na, bigint FROM \"raw:types\" ORDER BY id",
		"12|0712|1.5||5|1\n-3|0713|2|NA|NA|99999999999999999999\n+7|12|-3e2|NULL||2\n",
		"types: values stored as written (null markers too)");
	is_rows(db, "SELECT typeof(allnull), typeof(int_na) FROM \"raw:types\" WHERE id = '3'", "text|text\n",
		"types: CSV values are never SQL NULL");

	/* Text versus categorical at the thresholds (mean length 20 code
	 * points, more than half distinct). */
	strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "k,t20,t19,half,cjk20,cjk19\n");
	static const char *const cjk_last[] = {"一", "二", "三", "四"};
	for (int i = 0; i < 4; i++) {
		strbuf_addf(&sb, "%d,", i + 1);
		for (int j = 0; j < 19; j++)
			strbuf_addc(&sb, 'a');
		strbuf_addf(&sb, "%d,", i); /* 20 chars, distinct */
		for (int j = 0; j < 18; j++)
			strbuf_addc(&sb, 'a');
		strbuf_addf(&sb, "%d,", i); /* 19 chars, distinct */
		for (int j = 0; j < 20; j++)
			strbuf_addc(&sb, i < 2 ? 'a' : 'b'); /* 20 chars, 2 of 4 distinct */
		strbuf_addc(&sb, ',');
		for (int j = 0; j < 19; j++)
			strbuf_adds(&sb, "案");
		strbuf_adds(&sb, cjk_last[i]); /* 20 CJK chars = 60 bytes */
		strbuf_addc(&sb, ',');
		for (int j = 0; j < 18; j++)
			strbuf_adds(&sb, "案");
		strbuf_adds(&sb, cjk_last[i]); /* 19 CJK chars = 57 bytes */
		strbuf_addc(&sb, '\n');
	}
	yj_import_opts o2 = {.source = "thresholds", .key = "k"};
	is_int(import_file(p, write_tmp("thresholds.csv", sb.buf, sb.len), &o2, NULL, &err), YJ_OK,
	       "thresholds: import (%s)", err.msg);
	is_fields(p, "thresholds",
		  "k:integer:integer:key t20:text:text:attribute t19:categorical:categorical:attribute "
		  "half:categorical:categorical:attribute cjk20:text:text:attribute "
		  "cjk19:categorical:categorical:attribute",
		  "thresholds: mean >= 20 and > half distinct is text; code points, not bytes");

	/* One value longer than 200 characters makes a field text. */
	strbuf_reset(&sb);
	strbuf_adds(&sb, "k,v201,v200\n");
	for (int i = 1; i <= 25; i++) {
		strbuf_addf(&sb, "%d,", i);
		for (int j = 0; j < (i == 13 ? 201 : 1); j++)
			strbuf_addc(&sb, 'z');
		strbuf_addc(&sb, ',');
		for (int j = 0; j < (i == 13 ? 200 : 1); j++)
			strbuf_addc(&sb, 'z');
		strbuf_addc(&sb, '\n');
	}
	yj_import_opts o3 = {.source = "long", .key = "k"};
	is_int(import_file(p, write_tmp("long.csv", sb.buf, sb.len), &o3, NULL, &err), YJ_OK, "long: import (%s)",
	       err.msg);
	is_fields(p, "long",
		  "k:integer:integer:key v201:text:text:attribute v200:categorical:categorical:attribute",
		  "long: a 201-character value makes text, 200 does not (mean 9, 2 distinct)");
	strbuf_free(&sb);

	/* JSON lines: keys appearing later add columns; null and absent keys
	 * are SQL NULL; booleans and numbers as text. */
	const char *jpath = write_tmp("late.jsonl", L("{\"k\":1,\"a\":\"x\",\"f\":true}\n"
						     "{\"k\":2,\"b\":0.1,\"a\":null}\n"
						     "{\"k\":3,\"b\":120.0,\"f\":false,\"a\":\"x\"}\n"));
	yj_import_opts o4 = {.source = "late", .key = "k"};
	is_int(import_file(p, jpath, &o4, &res, &err), YJ_OK, "late keys: import (%s)", err.msg);
	is_int(res.nfields, 4, "late keys: 4 fields");
	is_fields(p, "late",
		  "k:integer:integer:key a:categorical:categorical:attribute f:categorical:categorical:attribute "
		  "b:real:real:attribute",
		  "late keys: fields in order of appearance");
	is_rows(db, "SELECT k, a, f, b FROM \"raw:late\" ORDER BY k", "1|x|true|~\n2|~|~|0.1\n3|x|false|120\n",
		"late keys: earlier rows NULL in later columns");

	/* An all-null JSON field. */
	const char *npath = write_tmp("nulls.jsonl", L("{\"k\":1,\"n\":null}\n{\"k\":2}\n"));
	yj_import_opts o5 = {.source = "nulls", .key = "k"};
	is_int(import_file(p, npath, &o5, NULL, &err), YJ_OK, "nulls: import (%s)", err.msg);
	is_fields(p, "nulls", "k:integer:integer:key n:categorical:categorical:attribute",
		  "nulls: a field with no value is categorical");
	project_close(p);
}

/* ------------------------------------------------------- overrides, roles */

typedef struct {
	const char *what;
	const char *file, *data;
	size_t n;
	yj_import_opts o;
	yj_status st;
	long line;
	const char *field;
} bad_case;

/* Run a failing import and check its error and that nothing changed. */
static void expect_failure(yj_project *p, const bad_case *c)
{
	char *before = snapshot(p);
	yj_error err;
	const char *path = c->data ? write_tmp(c->file, c->data, c->n) : c->file;
	yj_status st = import_file(p, path, &c->o, NULL, &err);
	ok(st == c->st, "%s: %s (got %s: %s)", c->what, error_status_name(c->st), error_status_name(st), err.msg);
	is_int(err.status, st, "%s: status in the record", c->what);
	if (c->line != -2)
		is_int(err.line, c->line, "%s: line", c->what);
	if (c->field)
		is_str(err.field, c->field, "%s: field", c->what);
	if (st != YJ_EUSAGE)
		is_str(err.file, path, "%s: the error names the file", c->what);
	unchanged(p, before, c->what);
	free(before);
}

static void test_overrides(void)
{
	yj_project *p = new_project("overrides.yj");
	const char *path = write_tmp("types.csv", L(types_csv));
	yj_error err;
	yj_type_override ov[] = {
		{"code", FTYPE_INTEGER}, /* leading zeros, but every value is an integer */
		{"int", FTYPE_REAL},
		{"cat", FTYPE_TEXT},
		{"iso_t", FTYPE_CATEGORICAL},
		{"int_na", FTYPE_INTEGER}, /* null markers do not conflict */
		{"us_time", FTYPE_DATETIME},
	};
	yj_import_opts o = {.source = "ov", .key = "id", .types = ov, .ntypes = 6};
	is_int(import_file(p, path, &o, NULL, &err), YJ_OK, "overrides: import (%s)", err.msg);
	char *f = fields_of(p, "ov");
	ok(strstr(f, "code:integer:categorical:attribute") != NULL, "override: code integer (inferred categorical)");
	ok(strstr(f, " int:real:integer:attribute") != NULL, "override: int real (inferred integer)");
	ok(strstr(f, "cat:text:categorical:attribute") != NULL, "override: cat text (inferred categorical)");
	ok(strstr(f, "iso_t:categorical:datetime:attribute") != NULL, "override: iso_t categorical");
	ok(strstr(f, "int_na:integer:integer:attribute") != NULL, "override: int_na integer");
	ok(strstr(f, "us_time:datetime:datetime:attribute") != NULL, "override: us_time datetime");
	free(f);

	/* Conflicting overrides name the first value that does not fit. */
	yj_type_override c1[] = {{"real", FTYPE_INTEGER}};
	yj_type_override c2[] = {{"mixed_dt", FTYPE_DATETIME}};
	yj_type_override c3[] = {{"cat", FTYPE_REAL}};
	yj_type_override c4[] = {{"bigint", FTYPE_INTEGER}};
	yj_type_override c5[] = {{"cjk_date", FTYPE_INTEGER}};
	yj_type_override c6[] = {{"nope", FTYPE_INTEGER}};
	yj_type_override c7[] = {{"txt", FTYPE_INTEGER}};
	const char *txt[] = {"txt"};
	const char *key_as_text[] = {"id"};
	bad_case cases[] = {
		{"override real=integer", path, NULL, 0, {.source = "c1", .key = "id", .types = c1, .ntypes = 1},
		 YJ_EDATA, 2, "real"},
		{"override mixed_dt=datetime", path, NULL, 0, {.source = "c2", .key = "id", .types = c2, .ntypes = 1},
		 YJ_EDATA, 3, "mixed_dt"},
		{"override cat=real", path, NULL, 0, {.source = "c3", .key = "id", .types = c3, .ntypes = 1},
		 YJ_EDATA, 2, "cat"},
		{"override bigint=integer (out of range)", path, NULL, 0,
		 {.source = "c4", .key = "id", .types = c4, .ntypes = 1}, YJ_EDATA, 3, "bigint"},
		{"override cjk_date=integer", path, NULL, 0, {.source = "c5", .key = "id", .types = c5, .ntypes = 1},
		 YJ_EDATA, 2, "cjk_date"},
		{"override of a field not in the file", path, NULL, 0,
		 {.source = "c6", .key = "id", .types = c6, .ntypes = 1}, YJ_EUSAGE, -1, "nope"},
		{"--text and --type disagree", path, NULL, 0,
		 {.source = "c7", .key = "id", .text = txt, .ntext = 1, .types = c7, .ntypes = 1}, YJ_EUSAGE, -1,
		 "txt"},
		{"--key not in the file", path, NULL, 0, {.source = "c8", .key = "case"}, YJ_EUSAGE, -1, "case"},
		{"--label not in the file", path, NULL, 0, {.source = "c9", .key = "id", .label = "crime"}, YJ_EUSAGE,
		 -1, "crime"},
		{"--label equal to --key", path, NULL, 0, {.source = "c10", .key = "id", .label = "id"}, YJ_EUSAGE, -1,
		 NULL},
		{"--text equal to --key", path, NULL, 0,
		 {.source = "c11", .key = "id", .text = key_as_text, .ntext = 1}, YJ_EUSAGE, -1, "id"},
		{"no source name", path, NULL, 0, {.source = "", .key = "id"}, YJ_EUSAGE, -2, NULL},
		{"no key", path, NULL, 0, {.source = "c12", .key = ""}, YJ_EUSAGE, -2, NULL},
		{"--key @name of an existing field", path, NULL, 0, {.source = "c13", .key = "@id"}, YJ_EUSAGE, -1,
		 "id"},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
		expect_failure(p, &cases[i]);
	is_int(q_int(project_db(p), "SELECT count(*) FROM sources"), 1, "overrides: only the good import stayed");
	project_close(p);
}

/* ------------------------------------------------ duplicates, odd names */

static void test_keys_and_names(void)
{
	yj_project *p = new_project("names.yj");
	sqlite3 *db = project_db(p);
	yj_error err;
	yj_import_result res;

	/* A repeated key and an exact duplicate row are both kept. */
	const char *dups = write_tmp("dups.csv", L("k,v\n1,a\n1,b\n2,c\n2,c\n"));
	yj_import_opts o = {.source = "dups", .key = "k"};
	is_int(import_file(p, dups, &o, &res, &err), YJ_OK, "dups: import (%s)", err.msg);
	is_int(res.rows, 4, "dups: 4 rows");
	is_rows(db, "SELECT c0, c1, line FROM raw_1 ORDER BY row", "1|a|2\n1|b|3\n2|c|4\n2|c|5\n",
		"dups: repeated key and duplicate row kept, in file order");

	/* Field names that are SQL keywords, hold quotes, blanks, CJK, dots,
	 * or differ only in case; a source name with quotes. */
	const char *weird = write_tmp("weird.csv", L("select,\"we\"\"ird\",with space,案号,from,a.b,it's,Name,name\n"
						     "1,2,3,K1,5,6,7,8,9\n"
						     "10,20,30,K2,50,60,70,80,90\n"));
	yj_import_opts ow = {.source = "weird \"src\" 名", .key = "案号", .label = "from"};
	is_int(import_file(p, weird, &ow, &res, &err), YJ_OK, "odd names: import (%s)", err.msg);
	is_fields(p, "weird \"src\" 名",
		  "select:integer:integer:attribute we\"ird:integer:integer:attribute "
		  "with space:integer:integer:attribute 案号:categorical:categorical:key "
		  "from:integer:integer:label a.b:integer:integer:attribute it's:integer:integer:attribute "
		  "Name:integer:integer:attribute name:integer:integer:attribute",
		  "odd names: recorded exactly");
	is_rows(db,
		"SELECT \"select\", \"we\"\"ird\", \"with space\", \"案号\", \"from\", \"a.b\", \"it's\""
		" FROM \"raw:weird \"\"src\"\" 名\" ORDER BY 1",
		"1|2|3|K1|5|6|7\n10|20|30|K2|50|60|70\n", "odd names: the view uses the original names");
	is_rows(db, "SELECT key_field, label_field FROM sources WHERE name = 'weird \"src\" 名'", "案号|from\n",
		"odd names: key and label recorded");
	is_int(q_int(db, "SELECT count(*) FROM pragma_table_info('raw:weird \"src\" 名')"), 9,
	       "odd names: the view has all 9 columns");

	/* GB18030 input (the fixture) and TSV. */
	yj_import_opts og = {.source = "gb", .key = "编号", .label = "罪名", .encoding = "gb18030"};
	is_int(import_file(p, path_in(fixtures, "gb18030.csv"), &og, &res, &err), YJ_OK, "gb18030: import (%s)",
	       err.msg);
	is_rows(db, "SELECT encoding, format, rows FROM sources WHERE name = 'gb'", "gb18030|csv|2\n",
		"gb18030: encoding recorded");
	is_rows(db, "SELECT \"编号\", \"罪名\", \"描述\" FROM \"raw:gb\" ORDER BY 1",
		"1|盗窃|窃得手机一部，价值€500\n2|诈骗|人名𠮷某\n", "gb18030: values stored as UTF-8");
	is_fields(p, "gb", "编号:integer:integer:key 罪名:categorical:categorical:label 描述:categorical:categorical:attribute",
		  "gb18030: fields");
	const char *tsv = write_tmp("t.tsv", L("id\tnote\n1\ta,b\n2\t\"q\"\n"));
	yj_import_opts ot = {.source = "tsv", .key = "id"};
	is_int(import_file(p, tsv, &ot, &res, &err), YJ_OK, "tsv: import (%s)", err.msg);
	is_rows(db, "SELECT format FROM sources WHERE name = 'tsv'", "tsv\n", "tsv: format from the name");
	is_rows(db, "SELECT id, note FROM \"raw:tsv\" ORDER BY 1", "1|a,b\n2|\"q\"\n",
		"tsv: commas and quotes are data");

	/* A second import of the same source. */
	char *before = snapshot(p);
	const char *other = write_tmp("other.csv", L("k,w\n7,x\n"));
	yj_import_opts again = {.source = "dups", .key = "k"};
	is_int(import_file(p, other, &again, NULL, &err), YJ_EEXIST, "same source again: YJ_EEXIST");
	ok(strstr(err.hint, "--append") != NULL && !strstr(err.hint, "--replace"), "same source again: the hint names --append, not --replace");
	unchanged(p, before, "same source again");
	free(before);

	again.replace = 1;
	is_int(import_file(p, other, &again, &res, &err), YJ_OK, "same source with replace (%s)", err.msg);
	is_int(res.rows, 1, "replace: 1 row");
	is_rows(db, "SELECT k, w FROM \"raw:dups\"", "7|x\n", "replace: the new rows");
	is_fields(p, "dups", "k:integer:integer:key w:categorical:categorical:attribute", "replace: the new fields");
	is_int(q_int(db, "SELECT count(*) FROM sources WHERE name = 'dups'"), 1, "replace: one catalogue entry");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'raw_*'"),
	       q_int(db, "SELECT count(*) FROM sources"), "replace: no orphan data table");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'view'"), 4,
	       "replace: one view per source (dups, weird, gb, tsv)");
	is_int(q_int(db, "SELECT count(*) FROM fields WHERE source_id NOT IN (SELECT id FROM sources)"), 0,
	       "replace: no orphan fields");

	/* The catalogue API over what is now in the project. */
	yj_source_info *list = NULL;
	size_t n = 0;
	is_int(sources_list(p, &list, &n, &err), YJ_OK, "sources_list");
	is_int(n, 4, "sources_list: 4 sources");
	strbuf sb = STRBUF_INIT;
	for (size_t i = 0; i < n; i++)
		strbuf_addf(&sb, "%s:%lld:%zu:%s;", list[i].name, list[i].rows, list[i].nfields, list[i].format);
	is_str(strbuf_str(&sb), "dups:1:2:csv;gb:2:3:csv;tsv:2:2:tsv;weird \"src\" 名:2:9:csv;",
	       "sources_list: name order, rows, fields, format");
	if (n == 4) {
		is_int(sources_field_index(&list[3], "案号"), 3, "sources_field_index of a CJK name");
		is_int(sources_field_index(&list[3], "NAME"), -1, "sources_field_index is exact");
		ok(list[0].label_field == NULL, "no label: label_field is NULL");
	}
	sources_list_free(list, n);
	strbuf_free(&sb);
	ok(sources_exists(p, "gb") && !sources_exists(p, "GB"), "sources_exists is exact");
	yj_source_info none;
	is_int(sources_get(p, "nope", &none, &err), YJ_ENOTFOUND, "sources_get of a missing source");
	sources_free(&none, 1);

	is_int(project_begin(p, &err), YJ_OK, "drop: begin");
	is_int(sources_drop(p, "tsv", &err), YJ_OK, "sources_drop (%s)", err.msg);
	is_int(project_commit(p, &err), YJ_OK, "drop: commit");
	ok(!sources_exists(p, "tsv"), "drop: the source is gone");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE name = 'raw:tsv'"), 0, "drop: the view is gone");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name GLOB 'raw_*'"), 3,
	       "drop: its data table is gone");
	is_int(q_int(db, "SELECT count(*) FROM fields WHERE source_id NOT IN (SELECT id FROM sources)"), 0,
	       "drop: its fields are gone");
	is_int(sources_drop(p, "tsv", &err), YJ_ENOTFOUND, "drop of a missing source");
	project_close(p);
}

/* "--key @" alone names a field called "@": only @NAME (a name after the
 * @) numbers the records into a new field. */
static void test_key_at(void)
{
	yj_project *p = new_project("at.yj");
	sqlite3 *db = project_db(p);
	yj_error err;
	yj_import_result res;
	const char *at = write_tmp("at.csv", L("@,v\nk1,a\nk2,b\n"));
	yj_import_opts o = {.source = "at", .key = "@"};
	is_int(import_file(p, at, &o, &res, &err), YJ_OK, "key @: import (%s)", err.msg);
	is_int(res.nfields, 2, "key @: the file's 2 fields, no number added");
	is_rows(db, "SELECT key_field FROM sources WHERE name = 'at'", "@\n", "key @: the field named @ is the key");
	is_rows(db, "SELECT \"@\" FROM \"raw:at\" ORDER BY 1", "k1\nk2\n", "key @: its values");
	project_close(p);
}

/* Source names that differ only in case: SQLite would take their views
 * ("raw:Cases", "raw:cases") for one name. */
static void test_name_case(void)
{
	yj_project *p = new_project("case.yj");
	sqlite3 *db = project_db(p);
	yj_error err;
	const char *f1 = write_tmp("case1.csv", L("k,v\n1,a\n"));
	yj_import_opts o = {.source = "Cases", .key = "k"};
	is_int(import_file(p, f1, &o, NULL, &err), YJ_OK, "case: import Cases (%s)", err.msg);
	char *before = snapshot(p);
	const char *f2 = write_tmp("case2.csv", L("k,w\n2,b\n3,c\n"));
	yj_import_opts o2 = {.source = "cases", .key = "k"};
	yj_status st = import_file(p, f2, &o2, NULL, &err);
	ok(st == YJ_EEXIST, "case: 'cases' next to 'Cases' is YJ_EEXIST (got %s: %s)", error_status_name(st),
	   err.msg);
	ok(strstr(err.msg, "'Cases'") != NULL, "case: the message names the existing source");
	unchanged(p, before, "case: refused import");
	free(before);
	o2.replace = 1;
	is_int(import_file(p, f2, &o2, NULL, &err), YJ_OK, "case: --replace replaces it (%s)", err.msg);
	is_rows(db, "SELECT name, rows FROM sources", "cases|2\n", "case: one source, the new name");
	is_rows(db, "SELECT k, w FROM \"raw:cases\" ORDER BY k", "2|b\n3|c\n", "case: the new rows");
	is_int(q_int(db, "SELECT count(*) FROM sqlite_schema WHERE type IN ('table', 'view') AND name GLOB 'raw*'"), 2,
	       "case: one table and one view");
	project_close(p);
}

/* ----------------------------------------------------------- transactions */

static void test_malformed(void)
{
	yj_project *p = new_project("tx.yj");
	yj_error err;
	yj_import_opts oc = {.source = "chicago", .key = "case_number", .label = "primary_type"};
	is_int(import_file(p, path_in(fixtures, "chicago_englewood.csv"), &oc, NULL, &err), YJ_OK,
	       "tx: chicago imported first (%s)", err.msg);
	yj_import_opts oj = {.source = "cail", .key = "meta.criminals"};
	is_int(import_file(p, path_in(fixtures, "cail2018.jsonl"), &oj, NULL, &err), YJ_OK,
	       "tx: cail imported first (%s)", err.msg);

	yj_type_override ovb[] = {{"b", FTYPE_INTEGER}};
	char missing[2048]; /* path_in() reuses its buffers: keep a copy */
	snprintf(missing, sizeof missing, "%s", path_in(tmpdir, "no-such-file.csv"));
#define BAD(what, name, lit, st, line, field, ...)                                                 \
	{what, name, lit, sizeof(lit) - 1, {.source = "bad", .key = "a", __VA_ARGS__}, st, line, field}
	bad_case cases[] = {
		BAD("header with an empty name", "b1.csv", "a,,c\n1,2,3\n", YJ_EDATA, 1, NULL),
		BAD("header with a duplicate name", "b2.csv", "a,b,a\n1,2,3\n", YJ_EDATA, 1, "a"),
		BAD("empty file", "b3.csv", "", YJ_EDATA, 1, NULL),
		BAD("too many fields on line 4", "b4.csv", "a,b\n1,2\n3,4\n5,6,7\n", YJ_EDATA, 4, NULL),
		BAD("too few fields on line 3", "b5.csv", "a,b\n1,2\n3\n", YJ_EDATA, 3, "b"),
		BAD("unterminated quote on line 3", "b6.csv", "a,b\n1,2\n3,\"x\n4,5\n", YJ_EDATA, 3, "b"),
		BAD("stray quote on line 3", "b7.csv", "a,b\n1,2\n3,x\"y\n", YJ_EDATA, 3, "b"),
		BAD("character after a closing quote on line 2", "b8.csv", "a,b\n1,\"x\"y\n", YJ_EDATA, 2, "b"),
		BAD("invalid UTF-8 on line 5", "b9.csv", "a,b\n1,2\n3,4\n5,6\n7,\xFF\n", YJ_EDATA, 5, NULL),
		BAD("invalid GB18030 on line 3", "b10.csv", "a,b\n1,2\n3,\xFF\n", YJ_EDATA, 3, NULL,
		    .encoding = "gb18030"),
		BAD("empty key on line 3", "b11.csv", "a,b\n1,2\n,4\n", YJ_EDATA, 3, "a"),
		BAD("blank key on line 2", "b12.csv", "a,b\n  ,2\n", YJ_EDATA, 2, "a"),
		BAD("override conflicting on line 3", "b13.csv", "a,b\n1,2\n3,x\n", YJ_EDATA, 3, "b", .types = ovb,
		    .ntypes = 1),
		BAD("invalid JSON on line 3", "b14.jsonl", "{\"a\":1}\n{\"a\":2}\n{\"a\":\n", YJ_EDATA, 3, NULL),
		BAD("JSON line 2 not an object", "b15.jsonl", "{\"a\":1}\n[2]\n", YJ_EDATA, 2, NULL),
		BAD("JSON duplicate key on line 2", "b16.jsonl", "{\"a\":1}\n{\"a\":2,\"a\":3}\n", YJ_EDATA, 2, NULL),
		BAD("JSON without the key on line 2", "b17.jsonl", "{\"a\":1}\n{\"b\":2}\n", YJ_EDATA, 2, "a"),
		BAD("JSON null key on line 1", "b18.jsonl", "{\"a\":null}\n", YJ_EDATA, 1, "a"),
		BAD("JSON --label not in the file", "b19.jsonl", "{\"a\":1}\n{\"a\":2}\n", YJ_EUSAGE, -1, "crime",
		    .label = "crime"),
		BAD("JSON invalid UTF-8 on line 2", "b20.jsonl", "{\"a\":1}\n{\"a\":\"\xC0\xAF\"}\n", YJ_EDATA, 2,
		    NULL),
		{"missing file", missing, NULL, 0, {.source = "bad", .key = "a"}, YJ_ENOTFOUND, -1, NULL},
	};
#undef BAD
	size_t n = sizeof cases / sizeof cases[0];
	for (size_t i = 0; i < n; i++)
		expect_failure(p, &cases[i]);
	/* The same failures replacing an existing source: the old one stays. */
	for (size_t i = 0; i < n; i++) {
		bad_case c = cases[i];
		char what[200];
		snprintf(what, sizeof what, "replacing chicago: %s", c.what);
		c.what = what;
		c.o.source = "chicago";
		c.o.replace = 1;
		expect_failure(p, &c);
	}
	is_int(q_int(project_db(p), "SELECT count(*) FROM \"raw:chicago\""), 20, "tx: chicago still has 20 rows");
	project_close(p);
}

/* Generated CSV of n rows: "id,text\n" then "i,<60 chars>\n". */
static const char *big_csv(const char *name, long n)
{
	strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "id,text\n");
	for (long i = 1; i <= n; i++)
		strbuf_addf(&sb, "%ld,row %07ld of a generated file with some filler text\n", i, i);
	const char *path = write_tmp(name, sb.buf, sb.len);
	strbuf_free(&sb);
	return path;
}

static void test_disk_full(void)
{
	yj_project *p = new_project("full.yj");
	sqlite3 *db = project_db(p);
	yj_error err;
	yj_import_opts oc = {.source = "chicago", .key = "case_number"};
	is_int(import_file(p, path_in(fixtures, "chicago_englewood.csv"), &oc, NULL, &err), YJ_OK,
	       "full: chicago imported first");
	long long pages = q_int(db, "PRAGMA page_count");
	char sql[100];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages + 2);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	is_int(q_int(db, "PRAGMA max_page_count"), pages + 2, "full: the database may grow by 2 pages");

	const char *big = big_csv("big.csv", 3000); /* about 200 kB: far more than 2 pages */
	char *before = snapshot(p);
	yj_import_opts o = {.source = "big", .key = "id"};
	yj_status st = import_file(p, big, &o, NULL, &err);
	ok(st == YJ_EFULL, "full: YJ_EFULL (got %s: %s)", error_status_name(st), err.msg);
	ok(strstr(err.hint, "nothing was written") != NULL, "full: the hint says nothing was written");
	is_str(err.file, big, "full: the error names the file");
	unchanged(p, before, "full: after YJ_EFULL");
	is_int(q_int(db, "PRAGMA page_count") <= pages + 2, 1, "full: the file did not grow past the limit");

	/* The same replacing chicago: the old source must survive. */
	yj_import_opts r = {.source = "chicago", .key = "id", .replace = 1};
	st = import_file(p, big, &r, NULL, &err);
	ok(st == YJ_EFULL, "full, replacing: YJ_EFULL (got %s)", error_status_name(st));
	unchanged(p, before, "full, replacing: after YJ_EFULL");

	/* With room again the connection works and the import succeeds. */
	sqlite3_exec(db, "PRAGMA max_page_count = 1000000000", NULL, NULL, NULL);
	yj_import_result res = {0};
	is_int(import_file(p, big, &o, &res, &err), YJ_OK, "full: the import succeeds with room (%s)", err.msg);
	is_int(res.rows, 3000, "full: all rows then");
	char *after = snapshot(p);
	ok(strcmp(after, before) != 0, "full: a successful import does change the snapshot");
	free(after);
	free(before);
	project_close(p);
}

typedef struct {
	volatile sig_atomic_t *cancel;
	int calls, finals;
	long long last_done;
} cancel_ctx;

static void cancel_on_report(void *ctx, const yj_progress_event *ev)
{
	cancel_ctx *c = ctx;
	c->calls++;
	c->finals += ev->final;
	c->last_done = ev->done;
	if (c->cancel)
		*c->cancel = 1;
}

static void test_interrupt(void)
{
	yj_project *p = new_project("intr.yj");
	yj_error err;
	yj_import_opts oc = {.source = "chicago", .key = "case_number"};
	is_int(import_file(p, path_in(fixtures, "chicago_englewood.csv"), &oc, NULL, &err), YJ_OK,
	       "interrupt: chicago imported first");
	const char *big = big_csv("rows5000.csv", 5000);
	char *before = snapshot(p);

	/* Ctrl-C before the import starts: it stops at its first check (after
	 * 4096 rows) and writes nothing. */
	volatile sig_atomic_t cancel = 1;
	yj_progress pg = {.cancel = &cancel};
	yj_import_opts o = {.source = "big", .key = "id", .progress = &pg};
	yj_status st = import_file(p, big, &o, NULL, &err);
	ok(st == YJ_EINTR, "cancel set before: YJ_EINTR (got %s: %s)", error_status_name(st), err.msg);
	is_str(err.file, big, "cancel set before: the error names the file");
	unchanged(p, before, "cancel set before");

	/* Ctrl-C while importing: the first progress report sets the flag. */
	cancel = 0;
	cancel_ctx ctx = {.cancel = &cancel};
	yj_progress pg2 = {.report = cancel_on_report, .ctx = &ctx, .cancel = &cancel};
	o.progress = &pg2;
	st = import_file(p, big, &o, NULL, &err);
	ok(st == YJ_EINTR, "cancel while importing: YJ_EINTR (got %s: %s)", error_status_name(st), err.msg);
	ok(ctx.calls >= 1, "cancel while importing: progress was reported");
	unchanged(p, before, "cancel while importing");

	/* The same replacing chicago. */
	cancel = 1;
	yj_import_opts r = {.source = "chicago", .key = "id", .replace = 1, .progress = &pg};
	st = import_file(p, big, &r, NULL, &err);
	ok(st == YJ_EINTR, "cancel while replacing: YJ_EINTR (got %s)", error_status_name(st));
	unchanged(p, before, "cancel while replacing");

	/* Without a cancel the same import succeeds and reports its end. */
	cancel = 0;
	cancel_ctx ctx3 = {0};
	yj_progress pg3 = {.report = cancel_on_report, .ctx = &ctx3, .cancel = &cancel};
	o.progress = &pg3;
	yj_import_result res = {0};
	is_int(import_file(p, big, &o, &res, &err), YJ_OK, "no cancel: import (%s)", err.msg);
	is_int(res.rows, 5000, "no cancel: 5000 rows");
	is_int(ctx3.finals, 1, "no cancel: one final progress event");
	is_int(ctx3.last_done, 5000, "no cancel: the final event counts 5000 rows");
	free(before);
	project_close(p);
}

/* ------------------------------------------------------------------- main */

static void rm_rf(const char *path)
{
	DIR *d = opendir(path);
	if (d) {
		struct dirent *e;
		while ((e = readdir(d))) {
			if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, ".."))
				continue;
			char sub[4200];
			snprintf(sub, sizeof sub, "%s/%s", path, e->d_name);
			rm_rf(sub);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static void cleanup(void)
{
	rm_rf(tmpdir);
}

int main(void)
{
	fixtures = getenv("FIXTURES");
	if (!fixtures || !*fixtures) {
		printf("Bail out! FIXTURES is not set (run through make check)\n");
		return 99;
	}
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/yj-test-import-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		return 99;
	}
	atexit(cleanup); /* also when a test bails out */
	test_chicago();
	test_cail();
	test_types();
	test_overrides();
	test_keys_and_names();
	test_key_at();
	test_name_case();
	test_malformed();
	test_disk_full();
	test_interrupt();
	return tap_done();
}
