/*
 * test-calibrate.c - calibration (src/train/calibrate.c):
 *   temperature   on 300 cases of 6 classes with over-confident logits,
 *                 the fitted T against a numpy reference (golden-section
 *                 search on log T; tests/reference/gen_calibrate.py wrote
 *                 tests/nn/golden/calibrate.txt), the NLL at 1 and at T;
 *                 the bounds: separable data goes to the smallest T,
 *                 labels at random in one constant case to the largest
 *   ECE, Brier    a hand-worked example of five cases
 *   probs         softmax(z / T) by hand
 *   adjustment    logit adjustment a = z - tau log(prior) (Menon et al.
 *                 2021): the log priors of counts 6, 3, 1 (and 6, 3, 0: a
 *                 class without training case counts once); tau chosen on
 *                 six validation rows of 3 classes, the macro-F1 of every
 *                 tau of the grid and the adjusted, temperature-scaled
 *                 probabilities against scikit-learn and numpy
 *                 (tests/reference/gen_logit_adjust.py, its output pasted
 *                 below; tau 0 and 0.75 worked by hand there); the tie
 *                 rule (all equal: tau 0)
 * The golden file's directory comes from $top_srcdir (make check sets it)
 * or the current directory.  Exits non-zero on any mismatch.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>

#include "tap.h"
#include "yujing/train/calibrate.h"

static void test_reference(void)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/tests/nn/golden/calibrate.txt", top ? top : ".");
	FILE *f = fopen(path, "r");
	if (!ok(f != NULL, "open %s", path))
		return;
	int n, K;
	double T, nll1, nllT;
	if (!ok(fscanf(f, "%d %d %lf %lf %lf", &n, &K, &T, &nll1, &nllT) == 5 && n == 300 && K == 6, "header")) {
		fclose(f);
		return;
	}
	float *z = malloc((size_t)n * (size_t)K * sizeof *z);
	int32_t *y = malloc((size_t)n * sizeof *y);
	int good = z && y;
	for (int i = 0; good && i < n; i++) {
		good &= fscanf(f, "%d", &y[i]) == 1;
		for (int k = 0; good && k < K; k++)
			good &= fscanf(f, "%f", &z[i * K + k]) == 1;
	}
	fclose(f);
	if (ok(good, "%d cases read", n)) {
		double t = 0;
		ok(!calibrate_temperature(z, y, (size_t)n, K, &t), "temperature fitted");
		is_near(t, T, 1e-6 * T, "T = %.9f (numpy: %.9f)", t, T);
		is_near(calibrate_nll(z, y, (size_t)n, K, 1), nll1, 1e-9, "NLL at T = 1: %.9f", nll1);
		is_near(calibrate_nll(z, y, (size_t)n, K, t), nllT, 1e-9, "NLL at the fitted T: %.9f", nllT);
		ok(calibrate_nll(z, y, (size_t)n, K, t * 1.01) > nllT && calibrate_nll(z, y, (size_t)n, K, t / 1.01) > nllT,
		   "a minimum: 1%% either side is worse");
	}
	free(z);
	free(y);
}

static void test_bounds(void)
{
	/* every case right by a margin: the NLL falls as T -> 0 */
	float sep[4] = {2, 0, 0, 2};
	int32_t ys[2] = {0, 1};
	double t = 0;
	int rc = calibrate_temperature(sep, ys, 2, 2, &t);
	ok(!rc && t == CALIBRATE_T_MIN, "separable: the smallest T (%g)", t);
	/* one logit vector, labels 0 and 1 once each: p = (1/2, 1/2) is best,
	 * reached only as T -> infinity */
	float same[4] = {1, 0, 1, 0};
	rc = calibrate_temperature(same, ys, 2, 2, &t);
	ok(!rc && t == CALIBRATE_T_MAX, "a coin: the largest T (%g)", t);
	int32_t bad[2] = {0, 2};
	rc = calibrate_temperature(sep, bad, 2, 2, &t);
	ok(rc == -1 && t == 1, "a label out of range is refused");
	ok(calibrate_temperature(sep, ys, 0, 2, &t) == -1, "no case is refused");
	ok(isnan(calibrate_nll(sep, ys, 2, 2, 0)), "NLL at T = 0: NAN");
}

static void test_hand(void)
{
	/* Five cases, two classes; top probability, its bin of 15
	 * ((b/15, (b+1)/15], b = ceil(15 p) - 1) and whether it is right:
	 *   (0.90, 0.10) label 0   0.90  15 p = 13.5  bin 13  right
	 *   (0.95, 0.05) label 1   0.95  14.25        bin 14  wrong
	 *   (0.55, 0.45) label 0   0.55   8.25        bin 8   right
	 *   (0.30, 0.70) label 1   0.70  10.5         bin 10  right
	 *   (0.88, 0.12) label 1   0.88  13.2         bin 13  wrong
	 * ECE = 2/5 |1/2 - 0.89| + 1/5 |0 - 0.95| + 1/5 |1 - 0.55| + 1/5 |1 - 0.70|
	 *     = 0.156 + 0.19 + 0.09 + 0.06 = 0.496
	 * Brier = (2 0.1^2 + 2 0.95^2 + 2 0.45^2 + 2 0.3^2 + 2 0.88^2) / 5
	 *       = (0.02 + 1.805 + 0.405 + 0.18 + 1.5488) / 5 = 0.79176 */
	float p[10] = {0.90f, 0.10f, 0.95f, 0.05f, 0.55f, 0.45f, 0.30f, 0.70f, 0.88f, 0.12f};
	int32_t y[5] = {0, 1, 0, 1, 1};
	is_near(calibrate_ece(p, y, 5, 2, 15), 0.496, 1e-6, "ECE of the hand example: %.6f", calibrate_ece(p, y, 5, 2, 15));
	is_near(calibrate_brier(p, y, 5, 2), 0.79176, 1e-6, "Brier of the hand example: %.6f", calibrate_brier(p, y, 5, 2));
	/* one bin: |3/5 - mean(0.9, 0.95, 0.55, 0.7, 0.88)| = |0.6 - 0.796| */
	is_near(calibrate_ece(p, y, 5, 2, 1), 0.196, 1e-6, "ECE with one bin: |accuracy - confidence| = 0.196");
	ok(isnan(calibrate_ece(p, y, 0, 2, 15)) && isnan(calibrate_brier(p, y, 0, 2)), "no case: NAN");
	/* the reliability bins of the same example: bin 13 holds 2 cases,
	 * confidence (0.90 + 0.88) / 2 = 0.89, accuracy 1/2; bins 8, 10, 14
	 * one each (0.55 right, 0.70 right, 0.95 wrong); the rest empty */
	yj_calib_bin bins[CALIBRATE_BINS];
	ok(!calibrate_bins(p, y, 5, 2, CALIBRATE_BINS, bins), "bins");
	size_t total = 0;
	int empty_ok = 1;
	for (int b = 0; b < CALIBRATE_BINS; b++) {
		total += bins[b].count;
		if (b != 8 && b != 10 && b != 13 && b != 14)
			empty_ok &= bins[b].count == 0 && bins[b].confidence == 0 && bins[b].accuracy == 0;
	}
	ok(total == 5 && empty_ok, "five cases in bins 8, 10, 13 and 14, the others empty");
	ok(bins[13].count == 2 && fabs(bins[13].confidence - 0.89) < 1e-6 && bins[13].accuracy == 0.5,
	   "bin 13: 2 cases, confidence 0.89, accuracy 1/2 (got %zu, %g, %g)", bins[13].count, bins[13].confidence,
	   bins[13].accuracy);
	ok(bins[8].count == 1 && fabs(bins[8].confidence - 0.55) < 1e-6 && bins[8].accuracy == 1 &&
	   bins[10].count == 1 && fabs(bins[10].confidence - 0.70) < 1e-6 && bins[10].accuracy == 1 &&
	   bins[14].count == 1 && fabs(bins[14].confidence - 0.95) < 1e-6 && bins[14].accuracy == 0,
	   "bins 8, 10, 14: one case each, right, right, wrong");
	ok(fabs(bins[13].lo - 13.0 / 15) < 1e-12 && fabs(bins[13].hi - 14.0 / 15) < 1e-12, "bin 13 is (13/15, 14/15]");
	/* softmax((ln 3, 0) / 2) = (sqrt 3, 1) / (sqrt 3 + 1) */
	float z[2] = {(float)log(3.0), 0}, q[2];
	calibrate_probs(z, 1, 2, 2.0, q);
	is_near(q[0], sqrt(3.0) / (sqrt(3.0) + 1), 1e-7, "softmax(z / 2) = (0.634, 0.366)");
}

static void test_adjust(void)
{
	/* tests/reference/gen_logit_adjust.py */
	static const double lp_ref[3] = {-0.51082562376599072, -1.2039728043259359, -2.3025850929940455};
	static const double f1_ref[CALIBRATE_TAU_GRID] = {
		0.47222222222222215, 0.47222222222222215, 0.47222222222222215,
		0.66666666666666663, 0.52222222222222214, 0.33333333333333331,
		0.095238095238095233, 0.095238095238095233, 0.095238095238095233};
	static const double prob_ref[6][3] = {
		{0.421627811, 0.306136158, 0.272236031}, {0.376080254, 0.381092794, 0.242826951},
		{0.359988051, 0.187287418, 0.45272453},  {0.335155301, 0.243350048, 0.421494651},
		{0.180037336, 0.434011566, 0.385951098}, {0.365487223, 0.232247794, 0.402264983}};
	size_t c1[3] = {6, 3, 1}, c0[3] = {6, 3, 0};
	double lp[3], lq[3];
	ok(!calibrate_log_priors(c1, 3, lp) && !calibrate_log_priors(c0, 3, lq), "log priors made");
	for (int k = 0; k < 3; k++) {
		is_near(lp[k], lp_ref[k], 1e-15, "log prior %d = %.6f", k, lp_ref[k]);
		is_near(lq[k], lp_ref[k], 1e-15, "a class without training case counts once: %d", k);
	}
	float z[6 * 3] = {2, 1, 0, 2, 1.5f, 0, 1.5f, 0, 0.5f, 1, 0, 0, 0.2f, 1, 0, 1.2f, 0, 0};
	int32_t y[6] = {0, 1, 2, 0, 1, 0};
	double tau = -1, f1[CALIBRATE_TAU_GRID];
	ok(!calibrate_choose_tau(z, y, 6, 3, lp, &tau, f1), "tau chosen");
	is_near(tau, 0.75, 0, "tau 0.75 (macro-F1 2/3, against 0.4722 at tau 0)");
	for (int g = 0; g < CALIBRATE_TAU_GRID; g++)
		is_near(f1[g], f1_ref[g], 1e-12, "tau %.2f: macro-F1 %.4f", g * CALIBRATE_TAU_STEP, f1_ref[g]);
	/* rows 1 and 5 alone are right up to tau 1: a tie from 0, so 0 */
	float z2[2 * 3] = {2, 1, 0, 0.2f, 1, 0};
	int32_t y2[2] = {0, 1};
	int r = calibrate_choose_tau(z2, y2, 2, 3, lp, &tau, NULL);
	ok(!r && tau == 0, "every tau as good: tau 0 (got %g)", tau);
	/* (2, 1, 0) labelled 0 and (0.4, 0, 0) labelled 2: the second turns
	 * to class 2 once tau (2.3026 - 0.5108) > 0.4, the first only past
	 * tau 2 / 1.7918 = 1.116, so macro-F1 1 from 0.25 to 1 (1/3 at 0):
	 * the smallest of the best, 0.25 */
	int32_t y3[2] = {0, 2};
	float z3[2 * 3] = {2, 1, 0, 0.4f, 0, 0};
	r = calibrate_choose_tau(z3, y3, 2, 3, lp, &tau, f1);
	ok(!r && tau == 0.25, "the smallest of the best: tau 0.25 (got %g)", tau);
	ok(calibrate_choose_tau(z, y, 0, 3, lp, &tau, NULL) == -1 && tau == 0, "no case: -1, tau 0");
	y[2] = 3;
	ok(calibrate_choose_tau(z, y, 6, 3, lp, &tau, NULL) == -1, "a label out of range: -1");
	/* the adjusted, scaled probabilities of predict: softmax((z - 0.75 lp) / 1.5) */
	float q[6 * 3];
	calibrate_adjust(z, 6, 3, 0.75, lp);
	calibrate_probs(z, 6, 3, 1.5, q);
	for (int i = 0; i < 6; i++)
		for (int k = 0; k < 3; k++)
			is_near(q[i * 3 + k], prob_ref[i][k], 2e-7, "adjusted probability [%d][%d] = %.6f", i, k,
				prob_ref[i][k]);
	float w[3] = {1, 2, 3};
	calibrate_adjust(w, 1, 3, 0, lp);
	ok(w[0] == 1 && w[1] == 2 && w[2] == 3, "tau 0 changes nothing");
}

int main(void)
{
	test_reference();
	test_bounds();
	test_hand();
	test_adjust();
	return tap_done();
}
