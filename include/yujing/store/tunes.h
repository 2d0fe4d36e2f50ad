/*
 * tunes.h - the tunes table: tune groups, the trials of one `yujing tune`
 * search (each trial a run whose runs.tune_id names the group).
 *
 * A tune row is written by the one process that searches (its pid is kept
 * in the report JSON, "pid") and read live by others (the workbench's Runs
 * view, `yujing runs`).  Its stored status is running, done, cancelled or
 * failed; a row stored as running whose process is gone reads as
 * interrupted, as runs do (runs.h).  The report is JSON text written by
 * tune.c (tune.h says its keys); the store keeps it as it is given.
 */
#ifndef YUJING_STORE_TUNES_H
#define YUJING_STORE_TUNES_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/store/runs.h"

/* One tune group as stored (statuses: yj_run_status, the same names). */
typedef struct yj_tune_row {
	long long id;
	char *created_at, *updated_at; /* ISO 8601 UTC; updated_at NULL before the first trial ends */
	long long split_id;            /* 0 when none (its split was removed) */
	yj_run_status status;          /* RUN_RUNNING, _DONE, _CANCELLED, _FAILED or _INTERRUPTED */
	long long budget_s;            /* the time budget in seconds */
	long long best_run;            /* the best trial so far, 0 when none */
	long long trials;              /* runs tagged with this group */
	char *report;                  /* JSON text, NULL before the first write */
} yj_tune_row;

/* A new group of this process, status running, report {"pid": getpid()}.
 * *id gets its id. */
yj_status tunes_create(yj_project *p, long long split_id, long long budget_s, long long *id, yj_error *err);

/* Write the group's state after a trial: status, best_run (0 stores
 * NULL), report (JSON text; NULL keeps the stored one), updated_at now.
 * A group another process asked to stop (tunes_request_cancel) stays
 * cancelled: *cancelled (may be NULL) gets 1 then.  YJ_ENOTFOUND when the
 * group is gone. */
yj_status tunes_update(yj_project *p, long long id, yj_run_status status, long long best_run, const char *report,
		       int *cancelled, yj_error *err);

/* Group id searches again (tune --resume): status running, the report's
 * "pid" this process.  The caller has checked that no process searches it. */
yj_status tunes_reopen(yj_project *p, long long id, yj_error *err);

/* Tag run `run` as a trial of group id. */
yj_status tunes_tag_run(yj_project *p, long long id, long long run, yj_error *err);

/* Tag the run process pid is training now (status running, not yet in a
 * group) as a trial of group id: the trial's run is tagged while it
 * trains, before train_run returns its id.  *run gets it (0: none yet). */
yj_status tunes_tag_running(yj_project *p, long long id, long long pid, long long *run, yj_error *err);

/* Ask group id to stop: its stored status becomes cancelled and the
 * cancel flag of its trial that is training is set (the searching process
 * ends that trial and starts no other).  YJ_ENOTFOUND when the group is
 * not running. */
yj_status tunes_request_cancel(yj_project *p, long long id, yj_error *err);

/* Group id.  YJ_ENOTFOUND ("no tune N", with a hint) when there is none. */
yj_status tunes_get(yj_project *p, long long id, yj_tune_row *out, yj_error *err);
void tunes_row_free(yj_tune_row *r);

/* Every group, by id (an array of *n, tunes_list_free frees it). */
yj_status tunes_list(yj_project *p, yj_tune_row **out, size_t *n, yj_error *err);
void tunes_list_free(yj_tune_row *v, size_t n);

/* The group of every run that has one: parallel arrays of *n run ids and
 * tune ids, by run id (malloc'd, the caller's; both NULL when none). */
yj_status tunes_run_groups(yj_project *p, long long **runs, long long **tunes, size_t *n, yj_error *err);

/* The number of validation cases of split `split` (the part 'valid'). */
yj_status tunes_split_valid_count(yj_project *p, long long split, long long *count, yj_error *err);

#endif
