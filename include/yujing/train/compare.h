/*
 * compare.h - two runs side by side, with the statistics that say whether
 * a difference is more than chance (issue 14).
 *
 * The data first: each run's snapshot (and its cleaning settings) and
 * split.  Only when both runs were tested on the same cases (the same
 * test keys with the same labels) are their per-case test predictions
 * compared: McNemar's test on the cases one run gets right and the other
 * wrong (accuracy), a paired bootstrap 95% interval of the macro-F1
 * difference (B minus A), and each category's F1 change with its
 * support.  On different test sets no delta is given.
 */
#ifndef YUJING_TRAIN_COMPARE_H
#define YUJING_TRAIN_COMPARE_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* McNemar's test of two classifiers on the same cases: b cases only the
 * first gets right, c cases only the second.  p_exact is the two-sided
 * exact binomial p, min(1, 2 sum_{i<=min(b,c)} C(b+c, i) / 2^(b+c));
 * chi2 = (|b - c| - 1)^2 / (b + c) with Edwards' continuity correction
 * and p_chi2 its upper tail with one degree of freedom, erfc(sqrt(chi2 /
 * 2)).  With b + c = 0 both p are 1 and chi2 0.  (Dietterich 1998,
 * "Approximate statistical tests for comparing supervised classification
 * learning algorithms", section 3.2.) */
typedef struct yj_mcnemar {
	long long b, c;
	double p_exact, chi2, p_chi2;
} yj_mcnemar;
void compare_mcnemar(long long b, long long c, yj_mcnemar *out);

/* The paired bootstrap of macro-F1(B) - macro-F1(A) (metrics.h's macro
 * F1) over n cases with true labels y and predictions pa, pb (classes
 * 0..k-1): `resamples` resamples of n case indices drawn with
 * replacement by rng_below() from a generator seeded with seed, the
 * same indices for both runs; *lo and *hi are the 2.5% and 97.5%
 * percentiles of the differences (linear interpolation between order
 * statistics, numpy.percentile's default).  *delta is the difference on
 * all n cases.  Returns 0, -1 when out of memory or n, k or resamples
 * is 0. */
int compare_bootstrap_f1(const int32_t *y, const int32_t *pa, const int32_t *pb, size_t n, int k, int resamples,
			 uint64_t seed, double *delta, double *lo, double *hi);

typedef struct yj_compare_opts {
	int resamples; /* 0: 1000 */
	uint64_t seed; /* of the bootstrap */
} yj_compare_opts;

/* Compare run a with run b (classifier runs).  *out:
 * {"a", "b", "runs": [{"run", "snapshot", "split", "train_cases", "valid_cases",
 *   "test_cases"} x2], "data": [{"what", "a", "b"}] (the snapshot, its
 *   cleaning settings that differ, the split, the cases),
 *  "settings": [{"name", "a", "b"}] (the run settings that differ),
 *  "same_test_set": bool, "note": why there is no delta (when none),
 *  with the same test set also
 *  "test_cases", "accuracy": {"a", "b", "delta"},
 *  "macro_f1": {"a", "b", "delta", "ci_low", "ci_high", "resamples", "seed"},
 *  "mcnemar": {"a_only", "b_only", "p_exact", "chi2", "p_chi2"},
 *  "per_category": [{"category", "support", "f1_a", "f1_b", "delta"}]
 *   sorted by |delta|, largest first}.
 * The per-case predictions are computed again from the runs' stored
 * weights on the active snapshot's split: when the runs share a test
 * set that is not the active split's, "note" says so and there is no
 * delta.  Fails (YJ_ENOTFOUND) when a run does not exist. */
yj_status compare_runs(yj_project *p, long long a, long long b, const yj_compare_opts *o, json_t **out,
		       yj_error *err);

/* The name of a data row of compare_runs() ("snapshot", "split",
 * "train_cases", ...) as a reader reads it, translated; other names
 * ("cleaning.KEY", a setting's) as they are. */
const char *compare_data_name(const char *what);

#endif
