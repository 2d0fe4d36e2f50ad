/*
 * predictions.h - the predictions table: a run's predicted category and
 * every category's probability for new or unlabeled cases.
 */
#ifndef YUJING_STORE_PREDICTIONS_H
#define YUJING_STORE_PREDICTIONS_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* One prediction: the case key, the predicted category, the
 * probabilities as JSON text {category: p} (NULL stores "{}"). */
typedef struct yj_prediction_rec {
	const char *key, *predicted, *probabilities;
} yj_prediction_rec;

/* Store v[0..n) of run `run` from source ("unlabeled", "project" or the
 * files read) and batch (batches.h; 0: none), in one transaction (the
 * caller's when one is open). */
yj_status predictions_store(yj_project *p, long long run, const char *source, long long batch,
			    const yj_prediction_rec *v, size_t n, yj_error *err);

#endif
