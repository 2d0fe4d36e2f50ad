/*
 * cases.h - a run's cases as the workbench lists them: the test and
 * unlabeled cases of the active snapshot with the run's prediction, one
 * case's rows per source, and the stored predictions of new cases.
 */
#ifndef YUJING_TRAIN_CASES_H
#define YUJING_TRAIN_CASES_H

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* Predict the test and unlabeled cases of the active snapshot with run
 * `run` (0: the latest with weights), in memory (nothing is stored).
 * *out = {"run", "classes": [...], "cases": [{"key", "part" ("test" or
 * "unlabeled"), "label" (string or null), "predicted", "p" (its
 * probability), "text" (the case's text fields joined by " | ")}]}, the
 * caller's.  YJ_ENOTFOUND when there is no trained run. */
yj_status cases_predict(yj_project *p, long long run, json_t **out, yj_error *err);

/* The imported rows of case `key` in every source, and what the cleaning
 * of run `run`'s snapshot (0: the active snapshot) made of them: *out =
 * {"key", "snapshot", "sources": [{"source", "fields": [...], "rows":
 * [[text...]] (values as imported, null for SQL NULL), "cleaned": [[text
 * ...]] (the snapshot's values: a changed cell's new text, else the raw
 * one), "changes": [[null | "filled" | "replaced" | "clipped" ...]],
 * "kept": [bool] (the row is in the snapshot)}]}.  A source the snapshot
 * does not cover (imported again since) has its rows as imported, none
 * kept. */
yj_status cases_rows(yj_project *p, long long run, const char *key, json_t **out, yj_error *err);

/* The latest stored prediction of each case (predictions table), newest
 * run first: *out = {"predictions": [{"key", "run", "source",
 * "predicted", "probabilities": {category: p}, "created_at"}]}. */
yj_status cases_predictions(yj_project *p, json_t **out, yj_error *err);

#endif
