/*
 * run-faults.c - a training run that meets a fault, for tests/cli/run-life.sh
 * (not a test by itself):
 *
 *   run-faults PROJECT kill    the process kills itself (SIGKILL) after the
 *                              first optimiser step, before any checkpoint
 *   run-faults PROJECT full    after the first step the project file may not
 *                              grow (PRAGMA max_page_count) and its free
 *                              pages are filled: a full disk for every write
 *                              that needs a new page
 *
 * It trains as `yujing train PROJECT --epochs 3 --batch 32 --hidden 16
 * --threads 1 --seed 42` would, prints the run on standard output and the
 * error as "status: message (hint)" on standard error, and exits with the
 * CLI's exit code.
 */
#include <config.h>

#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "yujing/store/project.h"
#include "yujing/train/train.h"

static yj_project *proj;
static int mode_kill, faulted;

/* Fill the file's free pages with settings rows until SQLite says full. */
static void fill_disk(sqlite3 *db)
{
	sqlite3_stmt *q = NULL;
	long long pages = 0;
	if (sqlite3_prepare_v2(db, "PRAGMA page_count", -1, &q, NULL) == SQLITE_OK && sqlite3_step(q) == SQLITE_ROW)
		pages = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	char sql[128];
	snprintf(sql, sizeof sql, "PRAGMA max_page_count = %lld", pages);
	sqlite3_exec(db, sql, NULL, NULL, NULL);
	for (int i = 0; i < 100000; i++) {
		snprintf(sql, sizeof sql, "INSERT INTO settings (key, value) VALUES ('filler-%d', zeroblob(512))", i);
		if (sqlite3_exec(db, sql, NULL, NULL, NULL) != SQLITE_OK)
			break;
	}
}

static void report(void *ctx, const yj_progress_event *ev)
{
	(void)ctx;
	if (faulted || strcmp(ev->stage, "train") || ev->done < 1)
		return;
	faulted = 1;
	if (mode_kill)
		raise(SIGKILL);
	fill_disk(project_db(proj));
}

int main(int argc, char **argv)
{
	if (argc == 1) { /* make check runs every check program */
		printf("1..0 # SKIP run by tests/cli/run-life.sh\n");
		return 0;
	}
	if (argc != 3 || (strcmp(argv[2], "kill") && strcmp(argv[2], "full"))) {
		fprintf(stderr, "usage: run-faults PROJECT kill|full\n");
		return 2;
	}
	mode_kill = !strcmp(argv[2], "kill");
	yj_error err;
	error_clear(&err);
	yj_status st = project_open(argv[1], &proj, &err);
	if (!st) {
		yj_progress pr = {.report = report};
		yj_train_opts o;
		train_opts_default(&o);
		o.epochs = 3;
		o.batch = 32;
		o.hidden = 16;
		o.threads = 1;
		o.seed = 42;
		o.progress = &pr;
		long long run = 0;
		st = train_run(proj, &o, &run, &err);
		printf("%lld\n", run);
		project_close(proj);
	}
	if (st)
		fprintf(stderr, "%s: %s (%s)\n", error_status_name(st), err.msg, err.hint);
	return error_exit_code(st);
}
