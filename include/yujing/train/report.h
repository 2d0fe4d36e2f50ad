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

#endif
