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
 * Re-scoring (opts.rescore, default 0: off; against the winner's curse: the
 * top of many trials on a small validation part is partly luck): the end
 * of the budget is kept (the measured seconds of the trials concerned)
 * for training trial 1 and the rescore best other trials by validation
 * macro-F1 (ties: the earlier) once more, with the seed after the tune's
 * (seed + 1).  The search ends when only that is left (or at --trials),
 * then the re-scores run; the winner is then chosen among those trials by
 * the mean of their validation macro-F1 over the two seeds (of those
 * finished), by the same margin rule against trial 1's mean
 * (tune_choose_means); the model of record is the winning settings' run
 * with the tune's seed.  Measured nested (the top trials of a real tune
 * and the defaults, trained on pseudo-validation parts drawn from train,
 * scored on the real validation part): on Chicago (6 parts, 36 pairs of
 * seeds) choosing by the means gave 0.1675 macro-F1 against 0.1684 on
 * one seed (the better of the winner's two runs: 0.1655); on CAIL (2
 * parts, 12 pairs) 0.6560 against 0.6514 (better run: 0.6573).  Within
 * the noise both ways and it costs search time, so it is off by
 * default.  The report's "rescore":
 * {"seed", "trials": [the trials re-scored, trial 1 first]}, "rescores":
 * [trial objects as below, "trial" the trial re-scored, with "seed"], and
 * "rescored": [{"trial", "seeds", "runs", "macro_f1", "mean"}],
 * "chosen_by": "mean" (else "validation").  A resumed tune that had begun
 * re-scoring re-scores what is left of the same trials.
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
	int rescore;          /* a re-score of trial `trial` with seed `seed` (1), a search trial (0) */
	uint64_t seed;        /* the run's training seed */
} yj_tune_event;

typedef struct yj_tune_opts {
	double minutes;  /* the time budget (default 30) */
	int max_trials;  /* 0: as many as the budget allows */
	uint64_t seed;   /* the draws and every trial's training seed (default 42) */
	int threads;     /* each trial's threads (0: train's default) */
	int rescore;     /* the best trials besides trial 1 re-scored with seed + 1 (default 0: none) */
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

/* A trial in the re-scored choice: its number and its validation
 * macro-F1 with the tune's seed and with the next (NaN: not finished). */
typedef struct yj_tune_cand {
	int trial;
	double f1[2];
} yj_tune_cand;

/* The winner among c[0..n) (c[0] trial 1, the defaults) by the mean of
 * each one's finished figures: the highest mean (the earliest on a tie),
 * unless c[0]'s mean is within the margin of it (tune_keeps_defaults),
 * then c[0].  Its index, -1 when no candidate has a figure; *seed (may
 * be NULL) gets which of its runs is the model of record: 0 (the tune's
 * seed), 1 only when that one has no figure. */
int tune_choose_means(const yj_tune_cand *c, size_t n, int *seed);

/* The trials to re-score: trial 1 (when it has a figure) and then the k
 * trials with the highest figures among the others (the earlier trial on a
 * tie; NaN: none), given their numbers trial[] and figures f1[]; their
 * numbers into out[] (room for k + 1), their count returned. */
size_t tune_rescore_set(const int *trial, const double *f1, size_t n, int k, int *out);

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
