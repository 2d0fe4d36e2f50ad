/*
 * run.h - the lifecycle of one run, whatever trains in it (the classifier
 * in train.c, the text encoder in pretrain.c): the resume guards, creating
 * or claiming the run, every step's loss logged with a flush twice a
 * second that also polls the cancel flag, checkpoints, epochs, and the
 * status the run ends with.
 *
 * While a run is open its writes wait for another process's write lock
 * (an import) instead of failing after 10 s; the wait ends when the
 * progress's cancel flag is set.  A loss that is not finite stops the run
 * (failed, its last good checkpoint kept).  A run whose process died
 * reads as interrupted (runs.h) and resumes from its checkpoint, or from
 * the start when it had none yet.
 */
#ifndef YUJING_TRAIN_RUN_H
#define YUJING_TRAIN_RUN_H

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/nn/params.h"
#include "yujing/store/project.h"
#include "yujing/store/runs.h"

typedef struct yj_run {
	yj_project *p;
	long long id;        /* 0 until created or resumed */
	int pretraining;     /* the text encoder's run (else a classifier's) */
	yj_progress *progress;
	long long total;     /* steps, for the progress line */
	long long next_step; /* the step after the last one logged */
	yj_step_rec *pending; /* steps not written yet */
	size_t npending, cap;
	double last_flush;
	int cancelled;       /* stop after this step (Ctrl-C or the cancel flag) */
	int finished;        /* the caller wrote the status done itself */
} yj_run;

/* Start using r (caller-allocated) on p; run_free ends it. */
void run_init(yj_run *r, yj_project *p, int pretraining, yj_progress *progress);
void run_free(yj_run *r);

/* The guards of resuming run id: it exists, is of r's kind, has not
 * finished and is not training in a live process.  *config gets its
 * stored configuration (the caller's), *split_id its split (0: none);
 * r->id becomes id. */
yj_status run_check_resume(yj_run *r, long long id, json_t **config, long long *split_id, yj_error *err);

/* A new run (JSON texts; split_id 0: none), or the resumed one claimed
 * for this process.  Either way the steps count from now. */
yj_status run_create(yj_run *r, long long split_id, const char *config, const char *labels, const char *features,
		     yj_error *err);
yj_status run_claim(yj_run *r, yj_error *err);
yj_status run_set_total(yj_run *r, long long total_steps, yj_error *err);

/* One optimiser step's loss: logged (written at most twice a second),
 * the progress reported, the cancel flag and Ctrl-C polled into
 * r->cancelled.  A non-finite loss writes what came before and fails:
 * "the loss became NaN at step N". */
yj_status run_step(yj_run *r, long long step, int epoch, float loss, float lr, yj_error *err);
/* Write the logged steps now (and poll the cancel flag). */
yj_status run_flush(yj_run *r, yj_error *err);
/* An epoch's figures (metrics: see runs_log_epoch), after the steps. */
yj_status run_log_epoch(yj_run *r, const yj_epoch_rec *e, const char *metrics, yj_error *err);

/* The checkpoint: ps's values and AdamW moments and the loop's state
 * (JSON, not consumed).  The previous checkpoint stays until this one is
 * written.  Values that are not finite (the last update diverged) are
 * refused as a NaN loss at the next step. */
yj_status run_save_checkpoint(yj_run *r, const yj_params *ps, const json_t *state, yj_error *err);
/* Load it into ps; *state gets the state (the caller's), NULL when the run
 * has no checkpoint yet (it starts from the beginning, ps untouched).
 * YJ_EDATA when the checkpoint does not fit ps. */
yj_status run_load_checkpoint(yj_run *r, const yj_params *ps, json_t **state, yj_error *err);

/* End the run with st, the work's outcome: failed when st is an error,
 * else cancelled (returned as YJ_EINTR with the command that resumes it)
 * or done (unless r->finished).  Returns the final status; err keeps the
 * first error, with a hint to resume it when the disk was full. */
yj_status run_end(yj_run *r, yj_status st, yj_error *err);

#endif
