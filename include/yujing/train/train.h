/*
 * train.h - the training loop every model uses, and the runs it stores.
 *
 * A run trains on the train split and evaluates on the test split after
 * each epoch, keeping the weights of the best epoch (test macro-F1).  It
 * writes every step's training loss and every epoch's test loss, accuracy
 * and macro-F1 into the project as it goes, so another process (the TUI)
 * can follow it live.  A cancel request (Ctrl-C, or the run's cancel flag
 * set by another process) stops it after the current step with a
 * resumable checkpoint.  The run's lifecycle (creating, logging, waiting
 * for another writer's lock, checkpoints, a diverging loss, its end) is
 * run.h's, shared with pretraining.
 */
#ifndef YUJING_TRAIN_TRAIN_H
#define YUJING_TRAIN_TRAIN_H

#include <jansson.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/store/project.h"
#include "yujing/train/settings.h"

/* yj_train_opts, its defaults (train_opts_default) and the stored
 * configuration: settings.h. */

/* Train (or resume) a run of the multimodal model (structured, n-gram and
 * BERT text branches fused by one head; multimodal.h, textbranch.h).  *run_id gets the run's id
 * even when it stops early (status "cancelled", or "failed" with its last
 * good checkpoint kept: both resumable; a run resumed before its first
 * checkpoint starts again from the beginning). */
yj_status train_run(yj_project *p, const yj_train_opts *o, long long *run_id, yj_error *err);

/* Ablation: one run per branch family the data supports (structured,
 * ngram, text: the last only with an encoder) and one with all of them,
 * each from o (branches replaced) on the active split with o->seed.
 * *out: {"seed", "configurations": [{"configuration" (a family or
 * "all"), "branches", "run", "accuracy", "macro_f1"}]}; with a single
 * family "all" is that family's run and not repeated. */
yj_status train_ablation(yj_project *p, const yj_train_opts *o, json_t **out, yj_error *err);

/* Ask a running run to stop (sets its cancel flag). */
yj_status train_request_cancel(yj_project *p, long long run, yj_error *err);

/* Remove a run (training or pretraining) with its steps, epochs and
 * predictions; one still training in a live process is refused. */
yj_status train_delete(yj_project *p, long long run, yj_error *err);

/* {"runs": [{id, created_at, status, config, epochs_done, best_epoch,
 * accuracy, macro_f1 (the test figures of the run's report, null before
 * it), validation: {accuracy, macro_f1} (the figures the epoch was chosen
 * on), selected_on, steps_done, total_steps, tune (its tune group, or
 * null)}], "tunes": [{id, status, trials, best_run, best_f1 (validation
 * macro-F1 of the best trial so far)}]}; status is running, done,
 * cancelled, failed or interrupted (runs.h: its process is gone). */
yj_status train_list(yj_project *p, json_t **out, yj_error *err);

/* Whether a run trained now chooses its epoch on a validation part: 1
 * when the active snapshot's split has one, 0 when it has none (the run
 * then chooses on the test part) or cannot be read. */
int train_selects_on_validation(yj_project *p);

/* The stored evaluation of a run (0: the latest finished or cancelled
 * run): {"run", the test metrics "accuracy", ..., "confusion",
 * "selected_on", "best_epoch", "validation", "test", "calibration"}
 * (report.h; a run still training has no test figure).  A stored
 * temperature out of its range is refused (YJ_EDATA). */
yj_status train_eval(yj_project *p, long long run, json_t **out, yj_error *err);

/* A run's loss curve: {"run", "evaluated_on": "validation" or "test",
 * "steps": [[step, loss], ...], "epochs": [{epoch, train_loss,
 * valid_loss (test_loss when evaluated on test), accuracy, macro_f1,
 * seconds}]}: the loss, accuracy and macro-F1 on the part the epochs were
 * evaluated on. */
yj_status train_history(yj_project *p, long long run, json_t **out, yj_error *err);

#endif
