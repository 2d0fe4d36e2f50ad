/*
 * runs.h - the runs table family: runs, run_steps and run_epochs.
 *
 * A run is a row of `runs` written by one training or pretraining
 * process (its pid) and followed live by others: every optimiser step in
 * run_steps, every epoch in run_epochs, a cancel flag another process may
 * set, a resumable checkpoint and, for classifier runs, the weights and
 * metrics of the best epoch.  The stored status is one of running, done,
 * cancelled, failed; a run stored as running whose process is gone
 * (killed, or the machine went down) reads as interrupted.
 */
#ifndef YUJING_STORE_RUNS_H
#define YUJING_STORE_RUNS_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

typedef enum yj_run_status {
	RUN_RUNNING = 0,
	RUN_DONE,
	RUN_CANCELLED,
	RUN_FAILED,
	RUN_INTERRUPTED /* read only: stored as running, its process gone */
} yj_run_status;

/* The untranslated name ("running", ..., "interrupted"). */
const char *runs_status_name(yj_run_status s);

/* Whether process pid exists (kill(pid, 0); a process of another user
 * counts).  0 for pid <= 0. */
int runs_pid_alive(long long pid);

/* The training loss of one optimiser step. */
typedef struct yj_step_rec {
	long long step;
	int epoch;
	float loss, lr;
} yj_step_rec;

/* One epoch's figures; NaN stores NULL (a read NULL is 0, as the history
 * has always shown it). */
typedef struct yj_epoch_rec {
	int epoch;
	double train_loss, test_loss, accuracy, macro_f1, seconds;
} yj_epoch_rec;

/* What resuming a run needs to know. */
typedef struct yj_run_row {
	long long id;
	long long split_id; /* 0 when none */
	long long pid;      /* 0 when none */
	yj_run_status status;
	char *config;       /* JSON text, the caller's (runs_row_free) */
} yj_run_row;

/* Read run id.  YJ_ENOTFOUND ("no run N", with a hint) when there is none. */
yj_status runs_get(yj_project *p, long long id, yj_run_row *out, yj_error *err);
void runs_row_free(yj_run_row *r);

/* A new run of this process, status running: split_id 0 stores NULL;
 * config, labels, features are JSON text.  *id gets its id. */
yj_status runs_create(yj_project *p, long long split_id, const char *config, const char *labels,
		      const char *features, long long *id, yj_error *err);
/* Run id continues in this process: running, cancel cleared, our pid. */
yj_status runs_claim(yj_project *p, long long id, yj_error *err);
yj_status runs_set_total(yj_project *p, long long id, long long total_steps, yj_error *err);

/* Append n step records (steps already stored are replaced) and advance
 * steps_done, in one transaction; then read the cancel flag into *cancel
 * (1 when another process asked the run to stop). */
yj_status runs_log_steps(yj_project *p, long long id, const yj_step_rec *v, size_t n, int *cancel,
			 yj_error *err);
/* One epoch into run_epochs and epochs_done = epoch + 1; with metrics
 * (JSON text) also best_epoch = epoch and metrics.  One transaction. */
yj_status runs_log_epoch(yj_project *p, long long id, const yj_epoch_rec *e, const char *metrics,
			 yj_error *err);

/* The checkpoint: an opaque blob and its JSON state text, replaced in one
 * statement (the old one stays when the write fails). */
yj_status runs_save_checkpoint(yj_project *p, long long id, const void *blob, size_t n, const char *state,
			       yj_error *err);
/* *blob and *state (malloc'd, the caller's) get the checkpoint, both NULL
 * when the run has none. */
yj_status runs_load_checkpoint(yj_project *p, long long id, void **blob, size_t *n, char **state,
			       yj_error *err);

/* The best epoch: safetensors bytes, metrics JSON text, its number. */
yj_status runs_save_best(yj_project *p, long long id, const void *weights, size_t n, const char *metrics,
			 int epoch, yj_error *err);
/* Replace the run's metrics (JSON text): its report at the end. */
yj_status runs_set_metrics(yj_project *p, long long id, const char *metrics, yj_error *err);

/* The run ends with status s (done, cancelled or failed), its pid cleared;
 * drop_checkpoint also clears the checkpoint. */
yj_status runs_finish(yj_project *p, long long id, yj_run_status s, int drop_checkpoint, yj_error *err);

/* Ask run id to stop.  YJ_ENOTFOUND when it is not running. */
yj_status runs_request_cancel(yj_project *p, long long id, yj_error *err);

/* Remove run id with its steps, epochs and predictions.  A run still
 * training in a live process is refused (YJ_EUSAGE). */
yj_status runs_delete(yj_project *p, long long id, yj_error *err);

/* One line of the run list. */
typedef struct yj_run_summary {
	long long id;
	char *created_at;
	yj_run_status status;
	char *config;  /* JSON text */
	char *metrics; /* JSON text, NULL before the first epoch */
	long long epochs_done, best_epoch /* -1: none */, steps_done, total_steps;
	long long split_id; /* 0 when none */
} yj_run_summary;

/* Every run, by id.  runs_list_free frees the array. */
yj_status runs_list(yj_project *p, yj_run_summary **out, size_t *n, yj_error *err);
void runs_list_free(yj_run_summary *v, size_t n);

/* The metrics of run id, or (id 0) of the latest run that has some.
 * *run gets the run, *metrics the JSON text (NULL when it has none yet).
 * YJ_ENOTFOUND without a message when id is 0 and no run has metrics. */
yj_status runs_metrics(yj_project *p, long long id, long long *run, char **metrics, yj_error *err);

/* The steps and epochs of run id (malloc'd arrays, the caller's). */
yj_status runs_history(yj_project *p, long long id, yj_step_rec **steps, size_t *nsteps, yj_epoch_rec **epochs,
		       size_t *nepochs, yj_error *err);

/* The snapshot run id was trained on (through its split), else the active
 * split's; 0 when neither is known. */
long long runs_snapshot(yj_project *p, long long id);

/* The model of record: the run pinned with runs_set_model (the project
 * setting "model_run") while it still exists with weights, else the most
 * recent completed (done) classifier run; a running, failed, cancelled or
 * interrupted run never becomes it by itself.  *id gets it (0: none);
 * *pinned (may be NULL) 1 when it is the pinned one. */
yj_status runs_model_of_record(yj_project *p, long long *id, int *pinned, yj_error *err);

/* Pin run id as the model of record; 0 unpins.  A run that is not a
 * completed classifier run with weights is refused (YJ_EUSAGE, naming its
 * status). */
yj_status runs_set_model(yj_project *p, long long id, yj_error *err);

/* What a trained run stored for prediction. */
typedef struct yj_run_stored {
	long long id;
	char *config, *labels, *features; /* JSON text */
	void *weights;                    /* safetensors bytes, NULL before the first epoch */
	size_t nweights;
} yj_run_stored;

/* Run id, or (0) the model of record (runs_model_of_record).
 * YJ_ENOTFOUND without a message when id is 0 and there is none. */
yj_status runs_load_stored(yj_project *p, long long id, yj_run_stored *out, yj_error *err);
void runs_stored_free(yj_run_stored *r);

#endif
