/*
 * runs.c - the runs table family (runs.h): runs, run_steps, run_epochs.
 */
#include <config.h>

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/types.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/store/runs.h"
#include "internal.h"

#define NOW "strftime('%Y-%m-%dT%H:%M:%SZ','now')"

/* marked for the catalogue: the CLI and the TUI show them translated */
static const char *const status_names[] = {N_("running"), N_("done"), N_("cancelled"), N_("failed"),
					   N_("interrupted")};

const char *runs_status_name(yj_run_status s)
{
	return (unsigned)s < sizeof status_names / sizeof status_names[0] ? status_names[s] : "failed";
}

/* Whether /proc says pid is a zombie: it has ended and waits for a parent
 * (or an init that never reaps, as in some containers) to collect it. */
static int is_zombie(long long pid)
{
	char path[64], buf[512];
	snprintf(path, sizeof path, "/proc/%lld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return 0;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	const char *p = strrchr(buf, ')'); /* the command name may hold blanks */
	return p && p[1] == ' ' && p[2] == 'Z';
}

int runs_pid_alive(long long pid)
{
	if (pid <= 0 || pid != (long long)(pid_t)pid)
		return 0;
	if (kill((pid_t)pid, 0) != 0 && errno != EPERM)
		return 0;
	return !is_zombie(pid);
}

/* When process pid started, in seconds since the epoch (Linux /proc:
 * field 22 of /proc/PID/stat in clock ticks since boot, plus btime of
 * /proc/stat); -1 when unknown. */
static double process_start(long long pid)
{
	char path[64], buf[1024];
	snprintf(path, sizeof path, "/proc/%lld/stat", pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	size_t n = fread(buf, 1, sizeof buf - 1, f);
	fclose(f);
	buf[n] = '\0';
	char *p = strrchr(buf, ')'); /* the command name may hold blanks */
	for (int field = 2; p && field < 22; field++)
		if ((p = strchr(p + 1, ' ')))
			p++;
	long ticks = sysconf(_SC_CLK_TCK);
	if (!p || ticks <= 0 || !(f = fopen("/proc/stat", "r")))
		return -1;
	unsigned long long start = strtoull(p, NULL, 10), btime = 0;
	char line[256];
	while (fgets(line, sizeof line, f) && sscanf(line, "btime %llu", &btime) != 1)
		;
	fclose(f);
	return btime ? (double)btime + (double)start / (double)ticks : -1;
}

/* Whether the process that writes a run still does: pid lives and (where
 * /proc says when it started) started before the run's last write, at
 * last_write (seconds since the epoch; 0: unknown), with two seconds'
 * slack for the timestamps' resolution and clock adjustments.  A pid reused by a later process, after
 * a reboot say, is not the writer.  This process always is. */
static int writer_alive(long long pid, long long last_write)
{
	if (pid == (long long)getpid())
		return 1;
	if (!runs_pid_alive(pid))
		return 0;
	double started = last_write > 0 ? process_start(pid) : -1;
	return started < 0 || started <= (double)last_write + 2.0;
}

/* The status a reader sees: a stored status, running only while the
 * process that writes the run lives. */
static yj_run_status read_status(const unsigned char *text, long long pid, long long last_write)
{
	const char *s = (const char *)text;
	for (int i = RUN_DONE; s && i <= RUN_FAILED; i++)
		if (!strcmp(s, status_names[i]))
			return (yj_run_status)i;
	if (s && !strcmp(s, "running"))
		return writer_alive(pid, last_write) ? RUN_RUNNING : RUN_INTERRUPTED;
	return RUN_FAILED; /* the schema allows nothing else */
}

/* The run's last write in seconds since the epoch, as a column. */
#define LAST_WRITE "CAST(strftime('%s', COALESCE(updated_at, created_at)) AS INTEGER)"

static yj_status no_run(long long id, yj_error *err)
{
	error_set(err, YJ_ENOTFOUND, _("no run %lld"), id);
	error_hint(err, _("'yujing runs PROJECT' lists the runs"));
	return YJ_ENOTFOUND;
}

static yj_status nomem(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

yj_status runs_get(yj_project *p, long long id, yj_run_row *out, yj_error *err)
{
	static const char sql[] = "SELECT config, split_id, status, pid, " LAST_WRITE " FROM runs WHERE id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	int rc = store_prepare(db, &st, sql, "i", id), oom = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = id;
		out->config = store_column_text(st, 0, &oom);
		out->split_id = sqlite3_column_int64(st, 1);
		out->pid = sqlite3_column_int64(st, 3);
		out->status = read_status(sqlite3_column_text(st, 2), out->pid, sqlite3_column_int64(st, 4));
	}
	yj_status ret = store_row_end(db, st, rc, oom, _("reading the run"), sql, err);
	if (ret == YJ_ENOTFOUND)
		no_run(id, err);
	if (ret)
		runs_row_free(out);
	return ret;
}

void runs_row_free(yj_run_row *r)
{
	free(r->config);
	memset(r, 0, sizeof *r);
}

yj_status runs_create(yj_project *p, long long split_id, const char *config, const char *labels,
		      const char *features, long long *id, yj_error *err)
{
	static const char sql[] = "INSERT INTO runs (status, split_id, config, labels, features, pid)"
				  " VALUES ('running', NULLIF(?, 0), ?, ?, ?, ?)";
	/* Blobs left by a run removed without its cascade (a file edited
	 * with foreign keys off) would pass for the new run's, which may get
	 * the same id: they go in the same transaction. */
	static const char orphans[] = "DELETE FROM run_blobs WHERE run_id = ?";
	sqlite3 *db = project_db(p);
	int own = sqlite3_get_autocommit(db); /* else the caller's transaction */
	const char *failed = "BEGIN IMMEDIATE";
	int rc = own ? store_begin(db) : SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = store_exec(db, failed = sql, "ittti", split_id, config, labels, features, (long long)getpid());
	long long run = sqlite3_last_insert_rowid(db);
	if (rc == SQLITE_OK)
		rc = store_exec(db, failed = orphans, "i", run);
	if (rc == SQLITE_OK && own)
		rc = store_commit(db), failed = "COMMIT";
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("creating the run"), failed, err);
	*id = run;
	return YJ_OK;
}

yj_status runs_claim(yj_project *p, long long id, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET status = 'running', cancel = 0, pid = ?, updated_at = " NOW " WHERE id = ?";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "ii", (long long)getpid(), id);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("resuming the run"), sql, err);
}

yj_status runs_set_total(yj_project *p, long long id, long long total_steps, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET total_steps = ? WHERE id = ?";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "ii", total_steps, id);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("recording training progress"), sql, err);
}

yj_status runs_log_steps(yj_project *p, long long id, const yj_step_rec *v, size_t n, int *cancel,
			 yj_error *err)
{
	static const char ins[] = "INSERT OR REPLACE INTO run_steps (run_id, step, epoch, loss, lr) VALUES (?,?,?,?,?)";
	static const char upd[] = "UPDATE runs SET steps_done = ?, updated_at = " NOW " WHERE id = ?";
	sqlite3 *db = project_db(p);
	const char *sql = "BEGIN IMMEDIATE";
	int rc = store_begin(db);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i++)
		rc = store_exec(db, sql = ins, "iiidd", id, v[i].step, (long long)v[i].epoch, (double)v[i].loss,
				(double)v[i].lr);
	if (rc == SQLITE_OK && n)
		rc = store_exec(db, sql = upd, "ii", v[n - 1].step + 1, id);
	if (rc == SQLITE_OK)
		rc = store_commit(db), sql = "COMMIT";
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("recording training progress"), sql, err);
	sqlite3_stmt *st = NULL;
	if (store_prepare(db, &st, "SELECT cancel FROM runs WHERE id = ?", "i", id) == SQLITE_OK &&
	    sqlite3_step(st) == SQLITE_ROW && sqlite3_column_int(st, 0))
		*cancel = 1;
	sqlite3_finalize(st);
	return YJ_OK;
}

yj_status runs_log_epoch(yj_project *p, long long id, const yj_epoch_rec *e, const char *metrics,
			 yj_error *err)
{
	static const char ins[] = "INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, test_loss, accuracy,"
				  " macro_f1, seconds) VALUES (?,?,?,?,?,?,?)";
	sqlite3 *db = project_db(p);
	const char *sql = "BEGIN IMMEDIATE";
	int rc = store_begin(db);
	if (rc == SQLITE_OK)
		rc = store_exec(db, sql = ins, "iiddddd", id, (long long)e->epoch, e->train_loss, e->test_loss,
				e->accuracy, e->macro_f1, e->seconds);
	if (rc == SQLITE_OK)
		rc = metrics ? store_exec(db, sql = "UPDATE runs SET epochs_done = ?, best_epoch = ?, metrics = ? WHERE id = ?",
					  "iiti", (long long)e->epoch + 1, (long long)e->epoch, metrics, id)
			     : store_exec(db, sql = "UPDATE runs SET epochs_done = ? WHERE id = ?", "ii",
					  (long long)e->epoch + 1, id);
	if (rc == SQLITE_OK)
		rc = store_commit(db), sql = "COMMIT";
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("recording an epoch"), sql, err);
}

/* A run's blob of `kind` ('weights' or 'checkpoint') in run_blobs: set to
 * blob[0..n) (NULL: removed), then `then` (the rest of the change, in
 * runs: prepared and bound by the caller, finalized here) stepped in the
 * same transaction: the caller's, else one of its own.  Like the UPDATE
 * of runs it stands for, a run that does not exist is no error and gets
 * no blob.  Returns the SQLite code; *failed is the statement that
 * failed (the caller sets it to then's SQL). */
static int put_blob(sqlite3 *db, long long id, const char *kind, const void *blob, size_t n, sqlite3_stmt *then,
		    const char **failed)
{
	static const char del[] = "DELETE FROM run_blobs WHERE run_id = ? AND kind = ?",
			  ins[] = "INSERT INTO run_blobs (run_id, kind, data) SELECT id, ?, ? FROM runs WHERE id = ?"
				  " ON CONFLICT (run_id, kind) DO UPDATE SET data = excluded.data";
	const char *then_sql = *failed;
	int own = sqlite3_get_autocommit(db); /* else the caller's transaction */
	*failed = "BEGIN IMMEDIATE";
	int rc = own ? store_begin(db) : SQLITE_OK;
	if (rc == SQLITE_OK)
		rc = blob ? store_exec(db, *failed = ins, "tbi", kind, blob, n, id)
			  : store_exec(db, *failed = del, "it", id, kind);
	if (rc == SQLITE_OK) {
		*failed = then_sql;
		rc = sqlite3_step(then);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(then);
	if (rc == SQLITE_OK && own)
		rc = store_commit(db), *failed = "COMMIT";
	if (rc != SQLITE_OK && own)
		store_rollback(db);
	return rc;
}

yj_status runs_save_checkpoint(yj_project *p, long long id, const void *blob, size_t n, const char *state,
			       yj_error *err)
{
	static const char sql[] = "UPDATE runs SET ckpt_state = ? WHERE id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	const char *failed = sql;
	int rc = store_prepare(db, &q, sql, "ti", state, id);
	if (rc == SQLITE_OK)
		rc = put_blob(db, id, "checkpoint", blob, n, q, &failed);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("saving a checkpoint"), failed, err);
}

yj_status runs_load_checkpoint(yj_project *p, long long id, void **blob, size_t *n, char **state,
			       yj_error *err)
{
	static const char sql[] = "SELECT b.data, r.ckpt_state FROM runs r"
				  " LEFT JOIN run_blobs b ON b.run_id = r.id AND b.kind = 'checkpoint' WHERE r.id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*blob = NULL;
	*state = NULL;
	*n = 0;
	int rc = store_prepare(db, &st, sql, "i", id), oom = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*blob = store_column_blob(st, 0, n, &oom);
		*state = store_column_text(st, 1, &oom);
	}
	yj_status ret = store_row_end(db, st, rc, oom, _("reading a checkpoint"), sql, err);
	if (ret == YJ_ENOTFOUND)
		no_run(id, err);
	if (ret) {
		free(*blob);
		free(*state);
		*blob = NULL;
		*state = NULL;
		*n = 0;
	}
	return ret;
}

yj_status runs_save_best(yj_project *p, long long id, const void *weights, size_t n, const char *metrics,
			 int epoch, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET metrics = ?, best_epoch = ? WHERE id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	const char *failed = sql;
	int rc = store_prepare(db, &q, sql, "tii", metrics, (long long)epoch, id);
	if (rc == SQLITE_OK)
		rc = put_blob(db, id, "weights", weights, n, q, &failed);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("saving the best weights"), failed, err);
}

yj_status runs_set_metrics(yj_project *p, long long id, const char *metrics, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET metrics = ? WHERE id = ?";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "ti", metrics, id);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("saving the run's report"), sql, err);
}

yj_status runs_finish(yj_project *p, long long id, yj_run_status s, int drop_checkpoint, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET status = ?, pid = NULL, updated_at = " NOW " WHERE id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	const char *failed = sql;
	int rc = store_prepare(db, &q, sql, "ti", runs_status_name(s), id);
	if (rc == SQLITE_OK && drop_checkpoint)
		rc = put_blob(db, id, "checkpoint", NULL, 0, q, &failed);
	else if (rc == SQLITE_OK) {
		rc = sqlite3_step(q);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	if (!drop_checkpoint)
		sqlite3_finalize(q);
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("recording the run's end"), failed, err);
}

yj_status runs_request_cancel(yj_project *p, long long id, yj_error *err)
{
	static const char sql[] = "UPDATE runs SET cancel = 1 WHERE id = ? AND status = 'running'";
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, sql, "i", id);
	if (rc != SQLITE_OK)
		return store_stmt_error(db, rc, _("cancelling the run"), sql, err);
	if (sqlite3_changes(db) != 1)
		return error_set(err, YJ_ENOTFOUND, _("run %lld is not running"), id);
	return YJ_OK;
}

yj_status runs_delete(yj_project *p, long long id, yj_error *err)
{
	yj_run_row r;
	yj_status st = runs_get(p, id, &r, err);
	if (st)
		return st;
	int live = r.status == RUN_RUNNING;
	long long pid = r.pid;
	runs_row_free(&r);
	if (live) {
		error_set(err, YJ_EUSAGE, _("run %lld is still training (process %lld)"), id, pid);
		error_hint(err, _("stop it first with: yujing train PROJECT --cancel %lld"), id);
		return YJ_EUSAGE;
	}
	/* a pinned run removed unpins it: a later run may get its id */
	static const char sql[] = "DELETE FROM runs WHERE id = ?",
			  unpin[] = "DELETE FROM settings WHERE key = 'model_run' AND CAST(value AS INTEGER) = ?";
	sqlite3 *db = project_db(p);
	const char *failed = sql;
	int rc = store_exec(db, "BEGIN IMMEDIATE", "");
	if (rc == SQLITE_OK && (rc = store_exec(db, sql, "i", id)) == SQLITE_OK &&
	    (rc = store_exec(db, failed = unpin, "i", id)) == SQLITE_OK)
		rc = store_exec(db, failed = "COMMIT", "");
	return rc == SQLITE_OK ? YJ_OK : store_stmt_error(db, rc, _("removing the run"), failed, err);
}

yj_status runs_list(yj_project *p, yj_run_summary **out, size_t *n, yj_error *err)
{
	static const char sql[] = "SELECT id, created_at, status, config, epochs_done, best_epoch, metrics,"
				  " steps_done, total_steps, pid, " LAST_WRITE ", split_id FROM runs ORDER BY id";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_run_summary *v = NULL;
	size_t cap = 0, k = 0;
	int oom = 0;
	int rc = store_prepare(db, &st, sql, "");
	while (rc == SQLITE_OK && !oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (k == cap) {
			yj_run_summary *w = realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *w);
			if (!w) {
				oom = 1;
				break;
			}
			v = w;
		}
		yj_run_summary *r = &v[k++];
		memset(r, 0, sizeof *r);
		r->id = sqlite3_column_int64(st, 0);
		r->created_at = store_column_text(st, 1, &oom);
		r->status = read_status(sqlite3_column_text(st, 2), sqlite3_column_int64(st, 9), sqlite3_column_int64(st, 10));
		r->config = store_column_text(st, 3, &oom);
		r->epochs_done = sqlite3_column_int64(st, 4);
		r->best_epoch = sqlite3_column_type(st, 5) == SQLITE_NULL ? -1 : sqlite3_column_int64(st, 5);
		r->metrics = store_column_text(st, 6, &oom);
		r->steps_done = sqlite3_column_int64(st, 7);
		r->total_steps = sqlite3_column_int64(st, 8);
		r->split_id = sqlite3_column_int64(st, 11);
	}
	sqlite3_finalize(st);
	yj_status ret = oom ? nomem(err) : YJ_OK;
	if (!ret && rc != SQLITE_DONE)
		ret = store_stmt_error(db, rc, _("listing runs"), sql, err);
	if (ret) {
		runs_list_free(v, k);
		return ret;
	}
	*out = v;
	*n = k;
	return YJ_OK;
}

void runs_list_free(yj_run_summary *v, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		free(v[i].created_at);
		free(v[i].config);
		free(v[i].metrics);
	}
	free(v);
}

yj_status runs_metrics(yj_project *p, long long id, long long *run, char **metrics, yj_error *err)
{
	const char *sql = id ? "SELECT id, metrics FROM runs WHERE id = ?"
			     : "SELECT id, metrics FROM runs WHERE metrics IS NOT NULL ORDER BY id DESC LIMIT 1";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*metrics = NULL;
	int rc = id ? store_prepare(db, &st, sql, "i", id) : store_prepare(db, &st, sql, ""), oom = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*run = sqlite3_column_int64(st, 0);
		*metrics = store_column_text(st, 1, &oom);
	}
	yj_status ret = store_row_end(db, st, rc, oom, _("reading the run"), sql, err);
	if (ret == YJ_ENOTFOUND && id)
		no_run(id, err);
	return ret;
}

yj_status runs_history(yj_project *p, long long id, yj_step_rec **steps, size_t *nsteps, yj_epoch_rec **epochs,
		       size_t *nepochs, yj_error *err)
{
	static const char q_run[] = "SELECT 1 FROM runs WHERE id = ?";
	static const char q_steps[] = "SELECT step, loss FROM run_steps WHERE run_id = ? ORDER BY step";
	static const char q_epochs[] = "SELECT epoch, train_loss, test_loss, accuracy, macro_f1, seconds FROM run_epochs"
				       " WHERE run_id = ? ORDER BY epoch";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	const char *sql = q_run;
	yj_step_rec *sv = NULL;
	yj_epoch_rec *ev = NULL;
	size_t ns = 0, ne = 0, cap = 0;
	int oom = 0;
	*steps = NULL;
	*epochs = NULL;
	*nsteps = *nepochs = 0;
	int rc = store_prepare(db, &st, sql, "i", id);
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_DONE)
		return no_run(id, err);
	if (rc == SQLITE_ROW)
		rc = store_prepare(db, &st, sql = q_steps, "i", id);
	while (rc == SQLITE_OK && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (ns == cap) {
			yj_step_rec *w = realloc(sv, (cap = cap ? 2 * cap : 256) * sizeof *w);
			if (!w) {
				oom = 1;
				break;
			}
			sv = w;
		}
		/* the loss as stored (a double), kept in the record's float */
		sv[ns++] = (yj_step_rec){.step = sqlite3_column_int64(st, 0), .loss = (float)sqlite3_column_double(st, 1)};
	}
	sqlite3_finalize(st);
	st = NULL;
	cap = 0;
	if (rc == SQLITE_DONE && !oom)
		rc = store_prepare(db, &st, sql = q_epochs, "i", id);
	while (rc == SQLITE_OK && !oom && (rc = sqlite3_step(st)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		if (ne == cap) {
			yj_epoch_rec *w = realloc(ev, (cap = cap ? 2 * cap : 16) * sizeof *w);
			if (!w) {
				oom = 1;
				break;
			}
			ev = w;
		}
		ev[ne++] = (yj_epoch_rec){(int)sqlite3_column_int64(st, 0), sqlite3_column_double(st, 1),
					  sqlite3_column_double(st, 2), sqlite3_column_double(st, 3),
					  sqlite3_column_double(st, 4), sqlite3_column_double(st, 5)};
	}
	sqlite3_finalize(st);
	yj_status ret = oom ? nomem(err) : rc == SQLITE_DONE ? YJ_OK
				   : store_stmt_error(db, rc, _("reading the run history"), sql, err);
	if (ret) {
		free(sv);
		free(ev);
		return ret;
	}
	*steps = sv;
	*nsteps = ns;
	*epochs = ev;
	*nepochs = ne;
	return YJ_OK;
}

long long runs_snapshot(yj_project *p, long long id)
{
	sqlite3_stmt *q = NULL;
	long long snap = 0;
	if (store_prepare(project_db(p), &q,
			  "SELECT COALESCE((SELECT s.snapshot_id FROM runs r JOIN splits s ON s.id = r.split_id"
			  " WHERE r.id = ?), (SELECT snapshot_id FROM splits WHERE active = 1))",
			  "i", id) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		snap = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	return snap;
}

/* A classifier run (not pretraining: that one has no labels) whose best
 * epoch's weights are stored. */
#define CLASSIFIER_WITH_WEIGHTS(r)                                                                      \
	r ".labels <> '[]' AND EXISTS (SELECT 1 FROM run_blobs b WHERE b.run_id = " r ".id AND b.kind = 'weights')"

yj_status runs_model_of_record(yj_project *p, long long *id, int *pinned, yj_error *err)
{
	static const char sql[] =
		"SELECT COALESCE((SELECT r.id FROM runs r JOIN settings s ON s.key = 'model_run'"
		" AND r.id = CAST(s.value AS INTEGER) WHERE " CLASSIFIER_WITH_WEIGHTS("r") "), 0),"
		" COALESCE((SELECT r.id FROM runs r WHERE r.status = 'done' AND " CLASSIFIER_WITH_WEIGHTS("r")
		" ORDER BY r.id DESC LIMIT 1), 0)";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*id = 0;
	int rc = store_prepare(db, &st, sql, "");
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		long long pin = sqlite3_column_int64(st, 0);
		*id = pin ? pin : sqlite3_column_int64(st, 1);
		if (pinned)
			*pinned = pin != 0;
	}
	yj_status ret = store_row_end(db, st, rc, 0, _("reading the model of record"), sql, err);
	if (ret == YJ_ENOTFOUND) /* cannot happen: the query always has a row */
		ret = YJ_OK;
	return ret;
}

yj_status runs_set_model(yj_project *p, long long id, yj_error *err)
{
	if (!id)
		return project_setting_set(p, "model_run", "0", err);
	yj_run_row r;
	yj_status st = runs_get(p, id, &r, err);
	if (st)
		return st;
	yj_run_status s = r.status;
	runs_row_free(&r);
	sqlite3_stmt *q = NULL;
	int ok = 0;
	if (store_prepare(project_db(p), &q, "SELECT 1 FROM runs r WHERE r.id = ? AND " CLASSIFIER_WITH_WEIGHTS("r"), "i",
			  id) == SQLITE_OK)
		ok = sqlite3_step(q) == SQLITE_ROW;
	sqlite3_finalize(q);
	if (s != RUN_DONE || !ok) {
		error_set(err, YJ_EUSAGE, _("run %lld is not a completed classifier run (it is %s)"), id,
			  ok ? _(runs_status_name(s)) : _("pretraining or without weights"));
		error_hint(err, _("'yujing runs PROJECT' lists the runs and their status"));
		return YJ_EUSAGE;
	}
	char v[32];
	snprintf(v, sizeof v, "%lld", id);
	return project_setting_set(p, "model_run", v, err);
}

yj_status runs_load_stored(yj_project *p, long long id, yj_run_stored *out, yj_error *err)
{
	static const char sql[] = "SELECT r.id, r.config, r.labels, r.features, b.data FROM runs r"
				  " LEFT JOIN run_blobs b ON b.run_id = r.id AND b.kind = 'weights' WHERE r.id = ?";
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	memset(out, 0, sizeof *out);
	long long want = id;
	if (!want) {
		yj_status ms = runs_model_of_record(p, &want, NULL, err);
		if (ms)
			return ms;
		if (!want)
			return YJ_ENOTFOUND;
	}
	int rc = store_prepare(db, &st, sql, "i", want), oom = 0;
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		out->id = sqlite3_column_int64(st, 0);
		out->config = store_column_text(st, 1, &oom);
		out->labels = store_column_text(st, 2, &oom);
		out->features = store_column_text(st, 3, &oom);
		out->weights = store_column_blob(st, 4, &out->nweights, &oom);
	}
	yj_status ret = store_row_end(db, st, rc, oom, _("reading the run"), sql, err);
	if (ret == YJ_ENOTFOUND && id)
		no_run(id, err);
	if (ret)
		runs_stored_free(out);
	return ret;
}

void runs_stored_free(yj_run_stored *r)
{
	free(r->config);
	free(r->labels);
	free(r->features);
	free(r->weights);
	memset(r, 0, sizeof *r);
}
