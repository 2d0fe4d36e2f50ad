/*
 * caselist.h - the reads behind the workbench's case lists: the latest
 * stored prediction of each case (predictions table), for the Warnings
 * view.  The case inspector's other reads go through the data layer
 * (tables, cleaning changes) and the run model (train/predict.h).
 */
#ifndef YUJING_STORE_CASELIST_H
#define YUJING_STORE_CASELIST_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* One stored prediction, as the file holds it.  Every string is the
 * struct's own; probabilities is the stored JSON text ({category: p}), to
 * be checked by whoever parses it (the file may come from someone else). */
typedef struct yj_stored_prediction {
	char *key;
	long long run;
	char *source, *predicted, *probabilities, *created_at;
} yj_stored_prediction;

/* The latest stored prediction of each case key, newest run first (then
 * in the order they were stored): *out is a malloc'd array of *n (NULL
 * with *n = 0 when there are none), freed with caselist_predictions_free().
 * A NULL column reads as "" (probabilities as "{}"). */
yj_status caselist_predictions(yj_project *p, yj_stored_prediction **out, size_t *n, yj_error *err);

void caselist_predictions_free(yj_stored_prediction *v, size_t n);

#endif
