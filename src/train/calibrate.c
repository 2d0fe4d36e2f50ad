/*
 * calibrate.c - temperature scaling, expected calibration error, Brier
 * score, post-hoc logit adjustment (see calibrate.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>

#include "yujing/train/calibrate.h"
#include "yujing/train/metrics.h"

static int labels_ok(const int32_t *labels, size_t n, int K)
{
	for (size_t i = 0; i < n; i++)
		if (labels[i] < 0 || labels[i] >= K)
			return 0;
	return 1;
}

double calibrate_nll(const float *logits, const int32_t *labels, size_t n, int K, double T)
{
	if (!n || K < 1 || !(T > 0) || !labels_ok(labels, n, K))
		return NAN;
	double s = 0;
	for (size_t i = 0; i < n; i++) {
		const float *z = logits + i * (size_t)K;
		double mx = z[0];
		for (int k = 1; k < K; k++)
			mx = z[k] > mx ? z[k] : mx;
		double e = 0;
		for (int k = 0; k < K; k++)
			e += exp((z[k] - mx) / T);
		s += log(e) - (z[labels[i]] - mx) / T;
	}
	return s / (double)n;
}

/* f(beta) = mean(logsumexp(beta z) - beta z_y): its first and second
 * derivatives, mean(E_p[z] - z_y) and mean(Var_p[z]) under p =
 * softmax(beta z). */
static void nll_derivs(const float *logits, const int32_t *labels, size_t n, int K, double beta, double *d1,
		       double *d2)
{
	double g = 0, h = 0;
	for (size_t i = 0; i < n; i++) {
		const float *z = logits + i * (size_t)K;
		double mx = z[0];
		for (int k = 1; k < K; k++)
			mx = z[k] > mx ? z[k] : mx;
		double se = 0, sz = 0, szz = 0;
		for (int k = 0; k < K; k++) {
			double e = exp(beta * (z[k] - mx));
			se += e;
			sz += e * z[k];
			szz += e * (double)z[k] * z[k];
		}
		double mean = sz / se;
		g += mean - z[labels[i]];
		h += fmax(szz / se - mean * mean, 0);
	}
	*d1 = g / (double)n;
	*d2 = h / (double)n;
}

int calibrate_temperature(const float *logits, const int32_t *labels, size_t n, int K, double *T)
{
	*T = 1;
	if (!n || K < 1 || !labels_ok(labels, n, K))
		return -1;
	double lo = 1 / CALIBRATE_T_MAX, hi = 1 / CALIBRATE_T_MIN, g, h;
	nll_derivs(logits, labels, n, K, lo, &g, &h);
	if (g >= 0) { /* rising from the smallest beta: the largest T */
		*T = CALIBRATE_T_MAX;
		return 0;
	}
	nll_derivs(logits, labels, n, K, hi, &g, &h);
	if (g <= 0) { /* still falling at the largest beta: the smallest T */
		*T = CALIBRATE_T_MIN;
		return 0;
	}
	/* f' < 0 at lo, > 0 at hi: the minimum is inside */
	double beta = 1;
	for (int it = 0; it < 200; it++) {
		nll_derivs(logits, labels, n, K, beta, &g, &h);
		if (g < 0)
			lo = beta;
		else
			hi = beta;
		if (fabs(g) < 1e-12 || hi - lo < 1e-12 * hi)
			break;
		double next = h > 0 ? beta - g / h : NAN;
		beta = next > lo && next < hi ? next : 0.5 * (lo + hi);
	}
	*T = 1 / beta;
	return 0;
}

void calibrate_probs(const float *logits, size_t n, int K, double T, float *probs)
{
	for (size_t i = 0; i < n; i++) {
		const float *z = logits + i * (size_t)K;
		float *p = probs + i * (size_t)K;
		double mx = z[0], s = 0;
		for (int k = 1; k < K; k++)
			mx = z[k] > mx ? z[k] : mx;
		for (int k = 0; k < K; k++)
			s += exp((z[k] - mx) / T);
		for (int k = 0; k < K; k++)
			p[k] = (float)(exp((z[k] - mx) / T) / s);
	}
}

int calibrate_bins(const float *probs, const int32_t *labels, size_t n, int K, int bins, yj_calib_bin *out)
{
	if (bins < 1)
		return -1;
	for (int b = 0; b < bins; b++)
		out[b] = (yj_calib_bin){.lo = (double)b / bins, .hi = (double)(b + 1) / bins};
	for (size_t i = 0; i < n; i++) {
		const float *p = probs + i * (size_t)K;
		int top = 0;
		for (int k = 1; k < K; k++)
			if (p[k] > p[top])
				top = k;
		/* bin b holds (b/M, (b+1)/M]: ceil(p M) - 1, clamped */
		double c = p[top];
		int b = (int)ceil(c * bins) - 1;
		b = b < 0 ? 0 : b >= bins ? bins - 1 : b;
		out[b].confidence += c;
		out[b].accuracy += top == labels[i];
		out[b].count++;
	}
	for (int b = 0; b < bins; b++)
		if (out[b].count) {
			out[b].confidence /= (double)out[b].count;
			out[b].accuracy /= (double)out[b].count;
		}
	return 0;
}

double calibrate_ece(const float *probs, const int32_t *labels, size_t n, int K, int bins)
{
	if (!n || bins < 1 || bins > 1000)
		return NAN;
	yj_calib_bin v[1000];
	calibrate_bins(probs, labels, n, K, bins, v);
	double e = 0;
	for (int b = 0; b < bins; b++)
		if (v[b].count)
			e += (double)v[b].count / (double)n * fabs(v[b].accuracy - v[b].confidence);
	return e;
}

double calibrate_brier(const float *probs, const int32_t *labels, size_t n, int K)
{
	if (!n)
		return NAN;
	double s = 0;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < K; k++) {
			double d = probs[i * (size_t)K + (size_t)k] - (k == labels[i]);
			s += d * d;
		}
	return s / (double)n;
}

int calibrate_log_priors(const size_t *counts, int K, double *logprior)
{
	if (K < 1)
		return -1;
	double total = 0;
	for (int k = 0; k < K; k++)
		total += counts[k] ? (double)counts[k] : 1;
	for (int k = 0; k < K; k++)
		logprior[k] = log((counts[k] ? (double)counts[k] : 1) / total);
	return 0;
}

void calibrate_adjust(float *logits, size_t n, int K, double tau, const double *logprior)
{
	if (tau == 0)
		return;
	for (size_t i = 0; i < n; i++)
		for (int k = 0; k < K; k++)
			logits[i * (size_t)K + (size_t)k] = (float)(logits[i * (size_t)K + (size_t)k] - tau * logprior[k]);
}

int calibrate_choose_tau(const float *logits, const int32_t *labels, size_t n, int K, const double *logprior,
			 double *tau, double f1[CALIBRATE_TAU_GRID])
{
	*tau = 0;
	if (!n || K < 1 || !labels_ok(labels, n, K))
		return -1;
	int32_t *pred = malloc(n * sizeof *pred);
	if (!pred)
		return -1;
	double best = -1;
	for (int g = 0; g < CALIBRATE_TAU_GRID; g++) {
		double t = g * CALIBRATE_TAU_STEP;
		for (size_t i = 0; i < n; i++) {
			/* the first largest adjusted logit, in double as predict's
			 * float logits would round the same way */
			const float *z = logits + i * (size_t)K;
			int top = 0;
			double mx = 0;
			for (int k = 0; k < K; k++) {
				double a = (double)(float)(z[k] - t * logprior[k]);
				if (!k || a > mx) {
					mx = a;
					top = k;
				}
			}
			pred[i] = top;
		}
		yj_metrics m;
		if (metrics_compute(&m, labels, pred, n, K)) {
			free(pred);
			*tau = 0;
			return -1;
		}
		if (f1)
			f1[g] = m.macro_f1;
		if (m.macro_f1 > best) { /* strictly: the smallest tau on a tie */
			best = m.macro_f1;
			*tau = t;
		}
		metrics_free(&m);
	}
	free(pred);
	return 0;
}
