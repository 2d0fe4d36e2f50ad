/*
 * calibrate.h - calibration of a classifier's probabilities: temperature
 * scaling, expected calibration error and the Brier score.
 *
 * Temperature scaling (Guo et al. 2017, "On Calibration of Modern Neural
 * Networks", section 4.2): one scalar T > 0 divides every logit before the
 * softmax, fitted by minimising the mean negative log-likelihood of the
 * labels of held-out (validation) cases.  It changes no prediction (the
 * arg max is the same) but makes the probabilities honest.
 *
 * Expected calibration error (same paper, eq. 3): the cases are put in
 * M equal-width bins of their top probability, bin b = (b/M, (b+1)/M]
 * (a top probability of 0 goes into bin 0), and
 *     ECE = sum_b (n_b / n) |accuracy_b - mean top probability_b|.
 * Brier score (Brier 1950, the multi-class form):
 *     mean over cases of sum_k (p_k - [k == label])^2, in [0, 2].
 *
 * All functions are pure: no allocation beyond their own, nothing kept.
 * Logits and probabilities are (n, K) row-major; labels in [0, K).
 */
#ifndef YUJING_TRAIN_CALIBRATE_H
#define YUJING_TRAIN_CALIBRATE_H

#include <stddef.h>
#include <stdint.h>

#define CALIBRATE_BINS 15
/* The range of a temperature: what the fit returns and what a run's
 * stored temperature must lie in when read back. */
#define CALIBRATE_T_MIN 0.05
#define CALIBRATE_T_MAX 20.0

/* Mean negative log-likelihood of the labels under softmax(logits / T)
 * (natural log, computed in double with the log-sum-exp shift).  NAN when
 * n == 0, T <= 0 or a label is out of range. */
double calibrate_nll(const float *logits, const int32_t *labels, size_t n, int K, double T);

/* The temperature T in [CALIBRATE_T_MIN, CALIBRATE_T_MAX] minimising
 * calibrate_nll.  The NLL is convex in beta = 1/T (a log-sum-exp of
 * linear functions minus a linear one), so a safeguarded Newton iteration
 * on beta (bisection whenever a step leaves the bracket) finds the
 * minimum; at a bound when the minimum lies beyond it (every case already
 * right with a margin: the NLL keeps falling as T -> 0).  Returns 0, -1
 * when n == 0, K < 1 or a label is out of range (*T then 1). */
int calibrate_temperature(const float *logits, const int32_t *labels, size_t n, int K, double *T);

/* probs (n, K) = softmax(logits / T), row by row. */
void calibrate_probs(const float *logits, size_t n, int K, double T, float *probs);

/* Expected calibration error over `bins` equal-width bins of the top
 * probability (CALIBRATE_BINS in the reports); the top class is the first
 * one with the largest probability.  NAN when n == 0 or bins < 1. */
double calibrate_ece(const float *probs, const int32_t *labels, size_t n, int K, int bins);

/* One bin of a reliability diagram: its range (lo, hi], its cases, their
 * mean top probability and the fraction of them the top class got right
 * (both 0 in an empty bin). */
typedef struct yj_calib_bin {
	double lo, hi;
	size_t count;
	double confidence, accuracy;
} yj_calib_bin;

/* The `bins` equal-width bins of the top probability into out[0..bins),
 * as calibrate_ece() forms them.  Returns 0, -1 when bins < 1. */
int calibrate_bins(const float *probs, const int32_t *labels, size_t n, int K, int bins, yj_calib_bin *out);

/* The multi-class Brier score.  NAN when n == 0. */
double calibrate_brier(const float *probs, const int32_t *labels, size_t n, int K);

#endif
