/*
 * runlog.h - writing a training run's progress so that another process
 * (the TUI, `yujing runs --history`) can follow it live.
 */
#ifndef YUJING_STORE_RUNLOG_H
#define YUJING_STORE_RUNLOG_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* The training loss of one optimiser step. */
typedef struct yj_step_rec {
	long long step;
	int epoch;
	float loss, lr;
} yj_step_rec;

/* Run one statement with parameters bound from a format: i = long long,
 * d = double (NaN binds NULL), t = text (NULL binds NULL), b = blob
 * (pointer, size_t).  Returns SQLITE_OK or the SQLite error code. */
int store_exec(sqlite3 *db, const char *sql, const char *fmt, ...);

/* Append n step records of run `run` to run_steps and advance its
 * steps_done, in one transaction; then read the run's cancel flag into
 * *cancel (set to 1 when another process asked the run to stop). */
yj_status runlog_write(sqlite3 *db, long long run, const yj_step_rec *v, size_t n, int *cancel,
		       yj_error *err);

#endif
