/*
 * report.h - a trained run's report, made once at its end (issue 13):
 * the selected (best-epoch) weights applied, through the same code as
 * predict (predict.h: run_model_load), to the validation and test parts.
 * This is the only place training reads the test part of a split that
 * has a validation part.
 *
 * The run's metrics become the shared eval shape: the test metrics at the
 * top (accuracy, macro_f1, macro_precision, macro_recall, classes,
 * confusion, loss, cases), "selected_on" ("validation", or "test" on a
 * split without a validation part), "best_epoch" (1-based),
 * "validation": {same keys}, "test": {same keys} and, with a validation
 * part, "calibration": {"temperature", "ece_before", "ece_after",
 * "brier_before", "brier_after", "bins": [{lo, hi, count, confidence,
 * accuracy} x 15]} where the temperature is fitted on the validation
 * logits (calibrate.h) and the rest is measured on the test part, the
 * bins after scaling.  When the fit ends at the lower bound (the model
 * gets every validation case right by a margin, so the likelihood keeps
 * growing as T -> 0) the temperature is 1 and "separable" is true: the
 * validation part cannot tell how sure the model should be.
 *
 * Before the temperature, the logit adjustment (calibrate.h): the run's
 * "adjust" setting gives tau or asks for it to be chosen on the
 * validation logits; the validation and test figures, the temperature
 * and the calibration figures are all those of the adjusted logits, as
 * predict computes them.  "calibration" gains "tau", "tau_chosen_on"
 * ("validation" or "fixed"), "log_priors" (K: log of each class's share
 * of the training part, a class without training case counted once) and,
 * when chosen, "tau_grid_f1": [{tau, macro_f1} x CALIBRATE_TAU_GRID] on
 * validation.
 */
#ifndef YUJING_TRAIN_REPORT_H
#define YUJING_TRAIN_REPORT_H

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* Make and store the report of run `run`, whose best epoch (0-based) is
 * best_epoch.  Fails when the run's weights cannot be loaded. */
yj_status train_report(yj_project *p, long long run, int best_epoch, yj_error *err);

/* The temperature a run's metrics (parsed JSON, may be NULL) hold: 1 when
 * they hold none (a run before calibration, or one without a validation
 * part).  A stored one must be a finite number in [CALIBRATE_T_MIN,
 * CALIBRATE_T_MAX]: a project file may come from someone else, and a
 * wild temperature would make every probability shown a lie.  YJ_EDATA
 * naming the run otherwise. */
yj_status report_temperature(json_t *metrics, long long run, double *T, yj_error *err);
/* The logit adjustment a run's metrics hold (calibrate.h): tau and the K
 * log priors of the training part (*logprior malloc'd, the caller frees
 * it); tau 0 and NULL when they hold none (a run from before it, or one
 * without a validation part).  Stored ones must be a tau in [0,
 * CALIBRATE_TAU_MAX] and K finite log priors in [CALIBRATE_LOGPRIOR_MIN,
 * 0] (K < 0: any number but none); YJ_EDATA naming the run and the key
 * otherwise. */
yj_status report_adjustment(json_t *metrics, long long run, int K, double *tau, double **logprior, yj_error *err);

#endif
