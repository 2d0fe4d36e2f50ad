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
 * Post-hoc logit adjustment (Menon et al. 2021, "Long-tail learning via
 * logit adjustment", section 4): the logits z of a model trained on
 * imbalanced classes become a_k = z_k - tau log pi_k, pi the classes'
 * priors in the training part, which moves the arg max towards the rare
 * classes (tau = 1 is the Bayes-optimal rule for the balanced error when
 * the softmax estimates p(y|x)).  tau is chosen from a fixed grid by the
 * macro-F1 of the adjusted arg max on validation cases, the smallest tau
 * on a tie and 0 unless another is strictly better; the temperature is
 * then fitted on the adjusted logits.
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

/* The grid tau is chosen from: 0, 0.25, ..., 2 (CALIBRATE_TAU_GRID
 * values), and the bound of a stored or given tau. */
#define CALIBRATE_TAU_GRID 9
#define CALIBRATE_TAU_STEP 0.25
#define CALIBRATE_TAU_MAX 10.0
/* The bound of a stored log prior: a class seen once in a billion
 * training cases. */
#define CALIBRATE_LOGPRIOR_MIN (-20.0)
/* logprior[k] = log(counts[k] / sum(counts)) for the K classes' training
 * counts; a class without training case counts as one (the log stays
 * finite).  Returns 0, -1 when K < 1. */
int calibrate_log_priors(const size_t *counts, int K, double *logprior);
/* In place: logits[i, k] -= tau logprior[k] for the n rows. */
void calibrate_adjust(float *logits, size_t n, int K, double tau, const double *logprior);
/* The tau of the grid whose adjusted arg max has the best macro-F1
 * (metrics.h) on the n labelled rows, the smallest on a tie; f1[g] (may
 * be NULL) the macro-F1 of grid value g (g CALIBRATE_TAU_STEP).  Returns
 * 0, -1 when out of memory, n == 0 or a label is out of range (*tau
 * then 0). */
int calibrate_choose_tau(const float *logits, const int32_t *labels, size_t n, int K, const double *logprior,
			 double *tau, double f1[CALIBRATE_TAU_GRID]);
#endif
