/*
 * run-faults.c - a training run that meets a fault, for tests/cli/run-life.sh
 * (not a test by itself):
 *
 *   run-faults PROJECT kill    the process kills itself (SIGKILL) after the
 *                              first optimiser step, before any checkpoint
 *   run-faults PROJECT lock    after the first step another process takes
 *                              the write lock (BEGIN IMMEDIATE) for 12 s,
 *                              longer than the 10 s busy timeout, and
 *                              writes the setting lock = held
 *   run-faults PROJECT nan     a run (of its own, through run.h) whose
 *                              weights overflowed after step 4 although
 *                              its loss was finite: the checkpoint is
 *                              refused, the run fails
 *   run-faults PROJECT inf     a run (of its own) whose loss is +infinity
 *                              at step 3: the run fails, saying so
 *   run-faults PROJECT kill2   kills itself once its second epoch is
 *                              recorded, with a checkpoint after every epoch
 *                              (the one after the second is the last)
 *   run-faults PROJECT kill2-late   the same with the default checkpoint
 *                              interval (no epoch of this run is that long:
 *                              no checkpoint), after two epochs and their
 *                              best weights were recorded
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

#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "yujing/store/project.h"
#include "yujing/train/run.h"
#include "yujing/train/train.h"
#include "internal.h" /* src/store: the connection, to look inside */

static yj_project *proj;
static const char *path, *mode;
static int faulted;
static pid_t holder;

/* A child process that holds the write lock for 12 s; returns once it
 * holds it. */
static void hold_lock(void)
{
	int fd[2];
	char c = 0;
	if (pipe(fd))
		return;
	holder = fork();
	if (holder == 0) {
		sqlite3 *db = NULL;
		close(fd[0]);
		int rc = sqlite3_open(path, &db);
		if (rc == SQLITE_OK)
			rc = sqlite3_exec(db, "BEGIN IMMEDIATE; INSERT OR REPLACE INTO settings (key, value) VALUES ('lock', 'held')",
					  NULL, NULL, NULL);
		if (write(fd[1], "x", 1) != 1 || rc != SQLITE_OK)
			_exit(1);
		sleep(12);
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
		sqlite3_close(db);
		_exit(rc == SQLITE_OK ? 0 : 1);
	}
	close(fd[1]);
	if (holder > 0 && read(fd[0], &c, 1) != 1)
		fprintf(stderr, "run-faults: the lock holder did not start\n");
	close(fd[0]);
}

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
	if (faulted || strcmp(ev->stage, "train") || ev->done < 1 || !strncmp(mode, "kill2", 5))
		return;
	faulted = 1;
	if (!strncmp(mode, "kill", 4))
		raise(SIGKILL);
	else if (!strcmp(mode, "lock"))
		hold_lock();
	else
		fill_disk(project_db(proj));
}

/* kill2: after the second epoch's record (and checkpoint, if any). */
static void on_epoch(void *ctx, int epoch, double train_loss, double test_loss, double acc, double f1)
{
	(void)ctx, (void)train_loss, (void)test_loss, (void)acc, (void)f1;
	if (epoch == 1)
		raise(SIGKILL);
}

/* The lifecycle with weights that became infinite: run_save_checkpoint
 * must refuse them. */
static yj_status nan_weights(yj_project *p, long long *run, int inf_loss, yj_error *err)
{
	float data[3] = {1.0f, INFINITY, 2.0f}, m[3] = {0}, v2[3] = {0};
	yj_params ps = {.total = 3, .data = data, .m = m, .v2 = v2};
	yj_run r;
	run_init(&r, p, 0, NULL);
	yj_status st = run_create(&r, 0, "{}", "[]", "[]", err);
	for (long long step = 0; !st && step < 5; step++)
		st = run_step(&r, step, 0, inf_loss && step == 3 ? INFINITY : 1.0f, 0.1f, err);
	json_t *state = json_object();
	if (!st)
		st = run_save_checkpoint(&r, &ps, state, err);
	json_decref(state);
	*run = r.id;
	st = run_end(&r, st, err);
	run_free(&r);
	return st;
}

int main(int argc, char **argv)
{
	if (argc == 1) { /* make check runs every check program */
		printf("1..0 # SKIP run by tests/cli/run-life.sh\n");
		return 0;
	}
	if (argc != 3 || (strcmp(argv[2], "kill") && strcmp(argv[2], "kill2") && strcmp(argv[2], "kill2-late") &&
			  strcmp(argv[2], "lock") && strcmp(argv[2], "full") && strcmp(argv[2], "nan") &&
			  strcmp(argv[2], "inf"))) {
		fprintf(stderr, "usage: run-faults PROJECT kill|kill2|kill2-late|lock|full|nan|inf\n");
		return 2;
	}
	path = argv[1];
	mode = argv[2];
	yj_error err;
	error_clear(&err);
	yj_status st = project_open(argv[1], &proj, &err);
	if (!st && (!strcmp(mode, "nan") || !strcmp(mode, "inf"))) {
		long long run = 0;
		st = nan_weights(proj, &run, !strcmp(mode, "inf"), &err);
		printf("%lld\n", run);
		project_close(proj);
	} else if (!st) {
		yj_progress pr = {.report = report};
		yj_train_opts o;
		train_opts_default(&o);
		o.epochs = 3;
		o.batch = 32;
		o.hidden = 16;
		o.threads = 1;
		o.seed = 42;
		o.progress = &pr;
		if (!strcmp(mode, "kill2"))
			o.checkpoint_seconds = -1;
		if (!strncmp(mode, "kill2", 5))
			o.on_epoch = on_epoch;
		long long run = 0;
		st = train_run(proj, &o, &run, &err);
		printf("%lld\n", run);
		project_close(proj);
	}
	int ws = 0;
	if (holder > 0 && (waitpid(holder, &ws, 0) != holder || !WIFEXITED(ws) || WEXITSTATUS(ws))) {
		fprintf(stderr, "run-faults: the lock holder failed\n");
		return 1;
	}
	if (st)
		fprintf(stderr, "%s: %s (%s)\n", error_status_name(st), err.msg, err.hint);
	return error_exit_code(st);
}
