/*
 * metrics.h - classification metrics as scikit-learn computes them:
 * accuracy; per class precision = TP / (TP + FP), recall = TP / (TP + FN),
 * F1 = 2PR / (P + R), each 0 when its denominator is 0; macro averages over
 * the classes that occur in the true or the predicted labels; the
 * confusion matrix with true labels as rows and predictions as columns.
 */
#ifndef YUJING_TRAIN_METRICS_H
#define YUJING_TRAIN_METRICS_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct yj_metrics {
	int k;
	size_t n;
	double accuracy, macro_precision, macro_recall, macro_f1;
	double *precision, *recall, *f1; /* (k) */
	int64_t *support;                /* (k) */
	int64_t *confusion;              /* (k, k) */
} yj_metrics;

/* Compute over n pairs (true y, predicted p), classes 0..k-1.  Returns 0,
 * -1 when out of memory. */
int metrics_compute(yj_metrics *m, const int32_t *y, const int32_t *p, size_t n, int k);
void metrics_free(yj_metrics *m);

/* The eval JSON: {"accuracy", "macro_precision", "macro_recall",
 * "macro_f1", "labels", "classes": [{label, precision, recall, f1,
 * support}], "confusion"}. */
json_t *metrics_json(const yj_metrics *m, char *const *labels);

#endif
