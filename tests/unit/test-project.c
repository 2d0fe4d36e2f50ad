/*
 * test-project.c - unit tests of src/store/project.c: creating a project,
 * refusing files that are not projects (and leaving them untouched),
 * settings, transactions and identifier quoting; and whether a run's
 * writer process lives (src/store/runs.c: a zombie does not).
 *
 * All files live in a fresh mkdtemp directory under $TMPDIR (or /tmp) that
 * is removed at the end.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <sqlite3.h>

#include "tap.h"
#include "yujing/store/project.h"
#include "yujing/store/runs.h"
#include "internal.h" /* src/store: the connection, to look inside */

static char tmpdir[1024];

/* A path inside the temporary directory (static buffer per call site is
 * not needed: callers copy what they keep). */
static char *tmp_path(const char *name)
{
	static char buf[8][4096];
	static int k;
	char *p = buf[k++ % 8];
	snprintf(p, 4096, "%s/%s", tmpdir, name);
	return p;
}

static void write_file(const char *path, const void *data, size_t n)
{
	FILE *f = fopen(path, "wb");
	if (!f || fwrite(data, 1, n, f) != n || fclose(f)) {
		perror(path);
		exit(99);
	}
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

static int exists_suffix(const char *path, const char *suffix)
{
	char p[4200];
	snprintf(p, sizeof p, "%s%s", path, suffix);
	return exists(p);
}

/* A file's bytes and its stat data, to prove it was left alone. */
typedef struct {
	char *data;
	size_t size;
	struct stat sb;
} file_snap;

static void snap(const char *path, file_snap *s)
{
	memset(s, 0, sizeof *s);
	if (stat(path, &s->sb)) {
		perror(path);
		exit(99);
	}
	FILE *f = fopen(path, "rb");
	if (!f) {
		perror(path);
		exit(99);
	}
	s->data = malloc((size_t)s->sb.st_size + 1);
	s->size = fread(s->data, 1, (size_t)s->sb.st_size + 1, f);
	fclose(f);
}

/* ok() that the file is byte for byte and stat for stat as in s. */
static void same_file(const char *path, const file_snap *s, const char *what)
{
	file_snap now;
	snap(path, &now);
	is_int(now.size, s->size, "%s: size unchanged", what);
	ok(now.size == s->size && !memcmp(now.data, s->data, s->size), "%s: contents unchanged", what);
	ok(now.sb.st_mtim.tv_sec == s->sb.st_mtim.tv_sec && now.sb.st_mtim.tv_nsec == s->sb.st_mtim.tv_nsec,
	   "%s: mtime unchanged", what);
	ok(now.sb.st_ino == s->sb.st_ino && now.sb.st_mode == s->sb.st_mode, "%s: same inode and mode", what);
	free(now.data);
}

static void no_sidecars(const char *path, const char *what)
{
	ok(!exists_suffix(path, "-wal"), "%s: no -wal file created", what);
	ok(!exists_suffix(path, "-shm"), "%s: no -shm file created", what);
	ok(!exists_suffix(path, "-journal"), "%s: no -journal file created", what);
}

/* Run SQL on a raw connection (not through the project API). */
static void raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *msg = NULL;
	if (sqlite3_open(path, &db) != SQLITE_OK || sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		fprintf(stderr, "%s: %s: %s\n", path, sql, msg ? msg : sqlite3_errmsg(db));
		exit(99);
	}
	sqlite3_close(db);
}

static long long query_int(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	long long v = -999;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW)
		v = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return v;
}

/* First column of the first row as a malloc'd string ("<none>" when no
 * row, "<null>" for NULL). */
static char *query_text(sqlite3 *db, const char *sql)
{
	sqlite3_stmt *st = NULL;
	char *v = NULL;
	if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
		v = strdup(sqlite3_errmsg(db));
	else if (sqlite3_step(st) == SQLITE_ROW) {
		const unsigned char *t = sqlite3_column_text(st, 0);
		v = strdup(t ? (const char *)t : "<null>");
	} else
		v = strdup("<none>");
	sqlite3_finalize(st);
	return v;
}

#define is_query(db, sql, want, ...)                                                               \
	do {                                                                                       \
		char *q_ = query_text(db, sql);                                                    \
		is_str(q_, want, __VA_ARGS__);                                                     \
		free(q_);                                                                          \
	} while (0)

/* ------------------------------------------------------------------ tests */

static void test_create(void)
{
	const char *path = tmp_path("new.yj");
	yj_project *p = (yj_project *)1;
	yj_error err;
	error_clear(&err);
	is_int(project_create(path, &p, &err), YJ_OK, "project_create of a new file");
	ok(p != NULL, "an open project is returned");
	if (!p)
		return;
	is_str(project_path(p), path, "project_path");
	sqlite3 *db = project_db(p);
	is_int(query_int(db, "PRAGMA application_id"), 0x594A4E47, "application_id is 'YJNG'");
	is_int(query_int(db, "PRAGMA application_id"), PROJECT_APPLICATION_ID, "application_id matches the header");
	is_int(query_int(db, "PRAGMA user_version"), PROJECT_SCHEMA_VERSION, "user_version is the schema version");
	is_query(db, "PRAGMA journal_mode", "wal", "journal_mode is WAL");
	is_int(query_int(db, "PRAGMA foreign_keys"), 1, "foreign keys are enforced");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
			     " ('settings', 'sources', 'fields')"),
	       3, "the catalogue tables exist");
	is_query(db, "SELECT value FROM settings WHERE key = 'null_markers'",
		 "[\"NULL\",\"null\",\"NA\",\"N/A\",\"\\\\N\"]", "default null markers stored");
	is_query(db, "SELECT value FROM settings WHERE key = 'created_by'", PACKAGE_NAME " " PACKAGE_VERSION,
		 "created_by names the program");
	is_query(db, "SELECT value GLOB '[0-9][0-9][0-9][0-9]-[0-9][0-9]-[0-9][0-9]T*Z' FROM settings"
		 " WHERE key = 'created_at'", "1", "created_at is an ISO UTC time");

	/* Settings. */
	char *v = (char *)1;
	is_int(project_setting_get(p, "no such key", &v, &err), YJ_OK, "get of an unset key succeeds");
	ok(v == NULL, "an unset key gives NULL");
	is_int(project_setting_set(p, "seed", "42", &err), YJ_OK, "set a new key");
	is_int(project_setting_get(p, "seed", &v, &err), YJ_OK, "get it back");
	is_str(v, "42", "value round trip");
	free(v);
	is_int(project_setting_set(p, "seed", "7", &err), YJ_OK, "set an existing key");
	project_setting_get(p, "seed", &v, &err);
	is_str(v, "7", "set replaces the value");
	free(v);
	is_int(query_int(db, "SELECT count(*) FROM settings WHERE key = 'seed'"), 1, "no duplicate row");
	project_setting_set(p, "名 \"q\" 'x'", "值 \"引号\" 'y'", &err);
	project_setting_get(p, "名 \"q\" 'x'", &v, &err);
	is_str(v, "值 \"引号\" 'y'", "quotes and CJK in key and value");
	free(v);
	project_setting_set(p, "empty", "", &err);
	v = NULL;
	project_setting_get(p, "empty", &v, &err);
	is_str(v, "", "an empty value is not unset");
	free(v);

	/* Transactions. */
	is_int(project_begin(p, &err), YJ_OK, "begin");
	project_setting_set(p, "tx", "rolled back", &err);
	project_rollback(p);
	project_setting_get(p, "tx", &v, &err);
	ok(v == NULL, "rollback discards the change");
	free(v);
	project_rollback(p); /* outside a transaction: harmless */
	is_int(project_begin(p, &err), YJ_OK, "begin again");
	project_setting_set(p, "tx", "kept", &err);
	is_int(project_commit(p, &err), YJ_OK, "commit");
	error_clear(&err);
	is_int(project_commit(p, &err), YJ_EDB, "commit without a transaction is a database error");
	ok(strstr(err.msg, "committing a transaction") != NULL, "the message says what failed: %s", err.msg);
	project_close(p);
	no_sidecars(path, "closed project");

	/* Reopen: everything persisted. */
	p = NULL;
	error_clear(&err);
	is_int(project_open(path, &p, &err), YJ_OK, "project_open of the new project");
	if (!p)
		return;
	project_setting_get(p, "seed", &v, &err);
	is_str(v, "7", "setting persisted");
	free(v);
	project_setting_get(p, "tx", &v, &err);
	is_str(v, "kept", "committed setting persisted");
	free(v);
	is_query(project_db(p), "PRAGMA journal_mode", "wal", "reopened in WAL mode");
	project_close(p);
	project_close(NULL); /* allowed */

	/* project_create refuses an existing file: a project or anything else. */
	file_snap s;
	snap(path, &s);
	p = (yj_project *)1;
	error_clear(&err);
	is_int(project_create(path, &p, &err), YJ_EEXIST, "create over an existing project: YJ_EEXIST");
	ok(p == NULL, "no project returned");
	is_str(err.file, path, "the error names the file");
	ok(err.hint[0] != '\0', "with a hint");
	same_file(path, &s, "existing project after create");
	free(s.data);

	const char *txt = tmp_path("notes.txt");
	write_file(txt, "my notes\n", 9);
	snap(txt, &s);
	p = (yj_project *)1;
	is_int(project_create(txt, &p, &err), YJ_EEXIST, "create over a text file: YJ_EEXIST");
	ok(p == NULL, "no project returned");
	same_file(txt, &s, "text file after create");
	no_sidecars(txt, "text file after create");
	free(s.data);

	/* A directory that does not exist. */
	const char *nodir = tmp_path("no/such/dir/x.yj");
	p = (yj_project *)1;
	error_clear(&err);
	yj_status st = project_create(nodir, &p, &err);
	ok(st == YJ_EIO, "create in a missing directory: YJ_EIO (got %s)", error_status_name(st));
	ok(p == NULL, "no project returned");
	is_str(err.file, nodir, "the error names the file");
}

/* Open a file that must be refused with `want`, and check it was left
 * exactly as it was. */
static void refuse(const char *path, yj_status want, const char *what, int sidecars)
{
	file_snap s;
	snap(path, &s);
	yj_project *p = (yj_project *)1;
	yj_error err;
	error_clear(&err);
	yj_status st = project_open(path, &p, &err);
	ok(st == want, "%s: refused with %s (got %s: %s)", what, error_status_name(want), error_status_name(st),
	   err.msg);
	ok(p == NULL, "%s: no project returned", what);
	project_close(st == YJ_OK ? p : NULL);
	is_int(err.status, want, "%s: status in the record", what);
	is_str(err.file, path, "%s: the error names the file", what);
	ok(err.msg[0] != '\0', "%s: with a message", what);
	same_file(path, &s, what);
	if (sidecars)
		no_sidecars(path, what);
	free(s.data);
}

static void test_open_refusals(void)
{
	yj_project *p = (yj_project *)1;
	yj_error err;

	/* Missing file: not created. */
	const char *missing = tmp_path("missing.yj");
	error_clear(&err);
	is_int(project_open(missing, &p, &err), YJ_ENOTFOUND, "missing file: YJ_ENOTFOUND");
	ok(p == NULL, "missing file: no project");
	is_str(err.file, missing, "missing file: the error names it");
	ok(strstr(err.hint, "yujing init") != NULL, "missing file: the hint says how to create one");
	ok(!exists(missing), "missing file: not created");
	no_sidecars(missing, "missing file");

	/* A text file. */
	const char *txt = tmp_path("cases.csv");
	const char csv[] = "id,category\n1,theft\n2,fraud\n";
	write_file(txt, csv, sizeof csv - 1);
	refuse(txt, YJ_ENOTPROJECT, "text file", 1);

	/* A longer text file (more than one SQLite page). */
	const char *big = tmp_path("big.txt");
	char *data = malloc(10000);
	for (int i = 0; i < 10000; i++)
		data[i] = (char)('a' + i % 26);
	write_file(big, data, 10000);
	free(data);
	refuse(big, YJ_ENOTPROJECT, "10 kB text file", 1);

	/* A file whose first bytes look like SQLite but the rest is not. */
	const char *fake = tmp_path("fake.db");
	char hdr[512];
	memset(hdr, 0xAB, sizeof hdr);
	memcpy(hdr, "SQLite format 3", 16);
	write_file(fake, hdr, sizeof hdr);
	refuse(fake, YJ_ENOTPROJECT, "file with an SQLite magic and garbage", 1);

	/* An empty file: SQLite would treat it as an empty database. */
	const char *empty = tmp_path("empty.yj");
	write_file(empty, "", 0);
	refuse(empty, YJ_ENOTPROJECT, "empty file", 1);

	/* A directory. */
	const char *dir = tmp_path("adir.yj");
	mkdir(dir, 0700);
	error_clear(&err);
	p = (yj_project *)1;
	is_int(project_open(dir, &p, &err), YJ_ENOTPROJECT, "directory: YJ_ENOTPROJECT");
	ok(p == NULL, "directory: no project");
	rmdir(dir);

	/* An SQLite database of another program: application_id 0, a table. */
	const char *foreign = tmp_path("other.sqlite");
	raw_exec(foreign, "CREATE TABLE cases (id INTEGER PRIMARY KEY, name TEXT);"
			  "INSERT INTO cases (name) VALUES ('a'), ('b');");
	refuse(foreign, YJ_ENOTPROJECT, "SQLite file with application_id 0", 1);
	{
		sqlite3 *db = NULL;
		sqlite3_open(foreign, &db);
		is_int(query_int(db, "SELECT count(*) FROM sqlite_schema"), 1, "foreign file: still one table");
		is_int(query_int(db, "PRAGMA user_version"), 0, "foreign file: user_version untouched");
		is_query(db, "PRAGMA journal_mode", "delete", "foreign file: journal mode untouched");
		sqlite3_close(db);
	}

	/* Another program's application_id, with our schema version. */
	const char *other_id = tmp_path("other-id.sqlite");
	raw_exec(other_id, "PRAGMA application_id = 1129270354; PRAGMA user_version = 1;"
			   "CREATE TABLE settings (key TEXT PRIMARY KEY, value TEXT NOT NULL);");
	refuse(other_id, YJ_ENOTPROJECT, "SQLite file with another application_id", 1);

	/* A project written by a newer yujing. */
	const char *newer = tmp_path("newer.yj");
	error_clear(&err);
	p = NULL;
	is_int(project_create(newer, &p, &err), YJ_OK, "create a project to age");
	project_setting_set(p, "marker", "before", &err);
	project_close(p);
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", PROJECT_SCHEMA_VERSION + 1);
	raw_exec(newer, sql);
	ok(!exists_suffix(newer, "-wal") && !exists_suffix(newer, "-shm"),
	   "newer project: no WAL sidecars before the open (precondition)");
	refuse(newer, YJ_EVERSION, "project with a newer user_version", 1);
	{
		sqlite3 *db = NULL;
		sqlite3_open(newer, &db);
		is_int(query_int(db, "PRAGMA user_version"), PROJECT_SCHEMA_VERSION + 1,
		       "newer project: user_version untouched");
		is_query(db, "SELECT value FROM settings WHERE key = 'marker'", "before",
			 "newer project: data untouched");
		sqlite3_close(db);
	}
	/* Same with a much newer version. */
	raw_exec(newer, "PRAGMA user_version = 1000");
	refuse(newer, YJ_EVERSION, "project with user_version 1000", 1);
}

/* A file stamped as a project at schema 0 (nothing created yet) is
 * migrated forward when opened. */
static void test_migrate(void)
{
	const char *path = tmp_path("v0.yj");
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA application_id = %d; CREATE TABLE keep (x); INSERT INTO keep VALUES (5);",
		 PROJECT_APPLICATION_ID);
	raw_exec(path, sql);
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	is_int(project_open(path, &p, &err), YJ_OK, "open a schema-0 project");
	if (!p)
		return;
	sqlite3 *db = project_db(p);
	is_int(query_int(db, "PRAGMA user_version"), PROJECT_SCHEMA_VERSION, "migrated to the current version");
	is_int(query_int(db, "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name IN"
			     " ('settings', 'sources', 'fields')"),
	       3, "migration created the tables");
	is_int(query_int(db, "SELECT x FROM keep"), 5, "existing data kept");
	is_query(db, "PRAGMA journal_mode", "wal", "switched to WAL");
	project_close(p);
}

/* Opening a project already at the current version writes nothing: a
 * migration of no steps would still commit a transaction (rewriting the
 * user_version), which every other connection sees as a change.  A raw
 * connection's data_version moves only when another connection commits. */
static void test_open_current_writes_nothing(void)
{
	const char *path = tmp_path("current.yj");
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	if (project_create(path, &p, &err) != YJ_OK || !p) {
		ok(0, "project_create for the up-to-date open");
		return;
	}
	project_close(p);
	sqlite3 *raw = NULL;
	if (sqlite3_open(path, &raw) != SQLITE_OK) {
		ok(0, "raw open of %s", path);
		sqlite3_close(raw);
		return;
	}
	long long v0 = query_int(raw, "PRAGMA data_version");
	p = NULL;
	is_int(project_open(path, &p, &err), YJ_OK, "open an up-to-date project");
	project_close(p);
	is_int(query_int(raw, "PRAGMA data_version"), v0, "opening an up-to-date project commits nothing");
	/* the probe itself: a commit by another connection does move it */
	char sql[64];
	snprintf(sql, sizeof sql, "PRAGMA user_version = %d", PROJECT_SCHEMA_VERSION);
	raw_exec(path, sql);
	ok(query_int(raw, "PRAGMA data_version") != v0, "a commit by another connection is seen");
	sqlite3_close(raw);
}

static void test_quote_ident(void)
{
	static const struct {
		const char *in, *want;
	} cases[] = {
		{"plain", "\"plain\""},
		{"", "\"\""},
		{"a\"b", "\"a\"\"b\""},
		{"\"", "\"\"\"\""},
		{"\"\"", "\"\"\"\"\"\""},
		{"select", "\"select\""},
		{"with space", "\"with space\""},
		{"案号", "\"案号\""},
		{"it's", "\"it's\""},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		char *q = store_quote_ident(cases[i].in);
		is_str(q, cases[i].want, "quote_ident(%s)", cases[i].in);
		free(q);
	}

	/* The quoted names work in SQL. */
	const char *path = tmp_path("quote.yj");
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	project_create(path, &p, &err);
	if (!p)
		return;
	const char *tname = "we\"ird \"\"table\"", *cname = "select \"col\" 名";
	char *tq = store_quote_ident(tname), *cq = store_quote_ident(cname);
	char sql[512];
	snprintf(sql, sizeof sql, "CREATE TABLE %s (%s TEXT); INSERT INTO %s VALUES ('v');", tq, cq, tq);
	is_int(sqlite3_exec(project_db(p), sql, NULL, NULL, NULL), SQLITE_OK, "quoted names in CREATE/INSERT");
	snprintf(sql, sizeof sql, "SELECT %s FROM %s", cq, tq);
	is_query(project_db(p), sql, "v", "quoted names in SELECT");
	snprintf(sql, sizeof sql, "SELECT name FROM sqlite_schema WHERE type = 'table' AND name LIKE 'we%%'");
	is_query(project_db(p), sql, tname, "the table has exactly the requested name");
	free(tq);
	free(cq);
	project_close(p);
}

static void test_sqlite_error(void)
{
	yj_error err;
	static const struct {
		int rc;
		yj_status want;
	} cases[] = {
		{SQLITE_FULL, YJ_EFULL},       {SQLITE_INTERRUPT, YJ_EINTR},
		{SQLITE_NOMEM, YJ_ENOMEM},     {SQLITE_IOERR, YJ_EIO},
		{SQLITE_IOERR_WRITE, YJ_EIO},  {SQLITE_CANTOPEN, YJ_EIO},
		{SQLITE_BUSY, YJ_EDB},	       {SQLITE_CONSTRAINT_UNIQUE, YJ_EDB},
		{SQLITE_CORRUPT, YJ_EDB},
	};
	for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		error_clear(&err);
		yj_status st = store_sqlite_error(NULL, cases[i].rc, "testing", &err);
		ok(st == cases[i].want && err.status == cases[i].want, "sqlite rc %d maps to %s (got %s)",
		   cases[i].rc, error_status_name(cases[i].want), error_status_name(st));
	}
	error_clear(&err);
	store_sqlite_error(NULL, SQLITE_FULL, "storing a row", &err);
	char want[256];
	snprintf(want, sizeof want, "storing a row failed: %s", sqlite3_errstr(SQLITE_FULL));
	is_str(err.msg, want, "message: what failed, then SQLite's reason");
	ok(strstr(err.hint, "nothing was written") != NULL, "disk full: the hint says nothing was written");
	error_clear(&err);
	store_sqlite_error(NULL, SQLITE_BUSY, "x", &err);
	ok(strstr(err.hint, "another yujing process") != NULL, "busy: the hint names the other writer");
}

/* ------------------------------------------------------------------ setup */

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

/* The state letter /proc gives pid ('?' when it cannot be read). */
static char proc_state(pid_t pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%ld/stat", (long)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return '?';
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')');
	return p && p[1] == ' ' ? p[2] : '?';
}

/* A run's writer that has exited but was not collected yet (a zombie: an
 * init that never reaps, in some containers, leaves detached runs so) is
 * not alive; a sleeping one is; a collected one is not. */
static void test_pid_alive(void)
{
	ok(runs_pid_alive((long long)getpid()), "this process is alive");
	ok(!runs_pid_alive(0) && !runs_pid_alive(-5), "pids 0 and below are not");
	pid_t sleeper = fork();
	if (sleeper == 0) {
		pause();
		_exit(0);
	}
	ok(sleeper > 0 && runs_pid_alive(sleeper), "a sleeping child is alive");
	pid_t z = fork();
	if (z == 0)
		_exit(0);
	/* until the kernel has made it a zombie (we do not wait for it yet) */
	char st = '?';
	for (int i = 0; i < 500 && (st = proc_state(z)) != 'Z'; i++) {
		struct timespec ts = {0, 10000000};
		nanosleep(&ts, NULL);
	}
	is_int(st, 'Z', "/proc shows the exited, uncollected child as a zombie");
	ok(!runs_pid_alive(z), "an exited child not yet collected (a zombie) is not alive");
	waitpid(z, NULL, 0);
	ok(!runs_pid_alive(z), "once collected it is not alive either");
	kill(sleeper, SIGKILL);
	waitpid(sleeper, NULL, 0);
}

int main(void)
{
	const char *base = getenv("TMPDIR");
	snprintf(tmpdir, sizeof tmpdir, "%s/yj-test-project-XXXXXX", base && *base ? base : "/tmp");
	if (!mkdtemp(tmpdir)) {
		perror(tmpdir);
		return 99;
	}
	atexit(cleanup); /* also when a test bails out */
	test_create();
	test_open_refusals();
	test_migrate();
	test_open_current_writes_nothing();
	test_quote_ident();
	test_sqlite_error();
	test_pid_alive();
	return tap_done();
}
