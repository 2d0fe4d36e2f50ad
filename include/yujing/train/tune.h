/*
 * tune.h - `yujing tune`: a search over the training settings that matter,
 * each trial a run chosen on the validation part of the active split,
 * within a time budget.
 *
 * Trial 1 is the defaults (train_opts_default, the tune's seed); later
 * trials draw every searched setting independently and uniformly from a
 * few values around its default (a seeded random search; tune.c says why
 * the ranges).  Every trial is a run tagged with the tune group
 * (tunes.h), trained by train_run with the same training seed, and is
 * scored by its validation macro-F1 (the eval's "validation" object): the
 * test part is read by train_run once at each run's end, and the tune
 * never looks at it, except to report the winner's.  The winner becomes
 * the model of record (runs_set_model) when the search ends as done.
 *
 * The budget: a trial's cost is estimated from the trials that ended
 * (seconds before the first step, then seconds per epoch, scaled to the
 * batch and width the run resolved: "auto" settings read from its stored
 * config); a draw that cannot finish in what is left has its epochs
 * capped, or is drawn again, and the search ends when nothing fits.
 * Every trial has a deadline, a third of the budget for trial 1 and the
 * budget's end for the others: at it the trial stops as early stopping
 * does (train's stop_early), done with its best epoch so far, and is
 * reported "stopped": "deadline".  The median stopping rule stops a trial
 * at a rung (the end of epoch floor(f E) >= 2 of its E epochs, f in
 * "median_shares": 1/8, 1/4, 1/2 of its schedule) whose best validation
 * macro-F1 so far is below the median of the earlier trials' best so far
 * at the same share of their own schedules (at least three of them):
 * "stopped": "median".  A trial with no epoch scored
 * by the budget plus a tenth (at least a minute) is cancelled and does
 * not count (trial 1 excepted: the defaults always give a result).
 *
 * The winner: the trial with the highest validation macro-F1 ("top_run"),
 * unless trial 1 (the defaults) is within DEFAULTS_MARGIN (0.01) of it;
 * then trial 1 stays ("defaults_margin" in the report and the result).
 *
 * Resuming (opts.resume): a cancelled or interrupted group continues on
 * the same split with its stored seed, trials and costs; each trial's
 * draws come from a stream seeded by the tune's seed and the trial's
 * number, so the resumed search draws what the uninterrupted one would
 * have.  The trial that was training (stored "running" before it
 * trained) reads "interrupted".
 *
 * The group's report (tunes.report, JSON), rewritten before and after
 * every trial:
 * {"pid", "seed", "budget_s", "elapsed_s", "defaults_margin", "stopping":
 * "median", "median_min", "median_shares", "trials": [{"trial", "run", "status",
 * "settings": {option: value, ...}, "epochs" (planned, resolved),
 * "seconds", "validation": {"accuracy", "macro_f1", ...}, "curve": [the
 * validation macro-F1 of each epoch], "cost": [setup s, epoch s], and
 * "stopped", "stopped_at_epoch" when stopped early} ranked by validation
 * macro-F1, trials without validation figures (failed, stopped, running)
 * last], "best_run", "defaults_run", "top_run", "validation": the winner's
 * validation metrics, and at the end "test": the winner's test metrics
 * (no other trial's)}.
 */
#ifndef YUJING_TRAIN_TUNE_H
#define YUJING_TRAIN_TUNE_H

#include <jansson.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/store/project.h"

/* What the search reports as it goes: before a trial trains (run 0,
 * status NULL) and after it ended. */
typedef struct yj_tune_event {
	int trial;            /* 1-based */
	long long run;        /* 0 before it trains */
	const char *status;   /* "done", "failed", "cancelled" (untranslated); NULL before */
	const char *settings; /* the options that differ from the defaults, as typed ("" for none) */
	double valid_f1;      /* the trial's validation macro-F1, NaN when none */
	long long best_run;   /* best so far, 0 when none */
	double best_f1;       /* its validation macro-F1, NaN when none */
	double elapsed;       /* seconds since the search started */
	double budget;        /* seconds */
	double eta;           /* estimated seconds until the search ends */
	const char *stopped;  /* a done trial stopped early: "deadline" or "median"; else NULL */
} yj_tune_event;

typedef struct yj_tune_opts {
	double minutes;  /* the time budget (default 30) */
	int max_trials;  /* 0: as many as the budget allows */
	uint64_t seed;   /* the draws and every trial's training seed (default 42) */
	int threads;     /* each trial's threads (0: train's default) */
	long long resume; /* continue this cancelled or interrupted tune (its seed, its trials);
			   * minutes then adds to its elapsed time (0: what is left of its budget) */
	yj_progress *progress; /* each trial's progress; its cancel flag ends the search */
	void (*on_trial)(void *ctx, const yj_tune_event *ev); /* may be NULL */
	void *ctx;
} yj_tune_opts;

void tune_opts_default(yj_tune_opts *o);

/* The winner's rule: the defaults (trial 1, validation macro-F1 def_f1)
 * stay the winner (1) unless the best other trial's top_f1 is more than
 * the margin (the report's "defaults_margin", 0.01) above them (0). */
int tune_keeps_defaults(double def_f1, double top_f1);

/* The hard limit, in seconds from the start, of a search with a budget of
 * `budget` seconds: the budget plus a tenth of it, at least a minute. */
double tune_hard_limit(double budget);

/* Search on the active split (which must have a validation part).
 * *tune_id gets the group's id as soon as it exists; *result (may be
 * NULL) {"tune", "status", "best_run", "validation", "test", "trials": K,
 * "defaults_margin"}.
 * Stopped by the progress's cancel flag or tunes_request_cancel: YJ_EINTR,
 * the group cancelled, its trials and report kept, *result still set.
 * Fails (the group failed) when a trial's evaluation is unreadable or
 * no trial finished. */
yj_status tune_run(yj_project *p, const yj_tune_opts *o, long long *tune_id, json_t **result, yj_error *err);

#endif
