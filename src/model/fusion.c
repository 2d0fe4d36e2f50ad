/*
 * fusion.c - the fusion head (concatenation or sum, Linear, softmax) and
 * exact Shapley values over branches (see fusion.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/model/fusion.h"
#include "yujing/nn/ops.h"

int fusion_mode_parse(const char *s)
{
	return !strcmp(s, "concat") ? FUSION_CONCAT : !strcmp(s, "sum") ? FUSION_SUM : -1;
}

const char *fusion_mode_name(yj_fusion_mode m)
{
	return m == FUSION_SUM ? "sum" : "concat";
}

int fusion_declare(yj_fusion *f, yj_fusion_mode mode, int n, const int *dims, int nclasses,
		   yj_params *ps)
{
	memset(f, 0, sizeof *f);
	if (n < 1 || n > FUSION_MAX || nclasses < 1)
		return -1;
	f->mode = mode;
	f->n = n;
	f->nclasses = nclasses;
	f->P = ps;
	for (int i = 0; i < n; i++) {
		if (dims[i] < 1 || (mode == FUSION_SUM && dims[i] != dims[0]))
			return -1;
		f->dim[i] = dims[i];
		f->in = mode == FUSION_SUM ? dims[0] : f->in + dims[i];
	}
	int64_t wshape[2] = {nclasses, f->in}, bshape[1] = {nclasses};
	if ((f->w = params_add(ps, "classifier.weight", 2, wshape, 1, 1)) < 0 ||
	    (f->b = params_add(ps, "classifier.bias", 1, bshape, 0, 1)) < 0)
		return -1;
	return 0;
}

void fusion_init_values(yj_fusion *f, yj_rng *rng)
{
	float bound = 1.0f / sqrtf((float)f->in);
	float *w = params_data(f->P, f->w), *b = params_data(f->P, f->b);
	for (size_t i = 0; i < (size_t)f->nclasses * (size_t)f->in; i++)
		w[i] = (float)((2 * rng_uniform(rng) - 1) * bound);
	for (int i = 0; i < f->nclasses; i++)
		b[i] = (float)((2 * rng_uniform(rng) - 1) * bound);
}

int fusion_reserve(yj_fusion *f, int B)
{
	if (B <= f->bmax)
		return 0;
	size_t F = (size_t)f->in, K = (size_t)f->nclasses, b = (size_t)B;
	float *p = calloc(2 * b * F + 3 * b * K, sizeof *p);
	if (!p)
		return -1;
	free(f->fused);
	f->fused = p;
	f->dfused = p + b * F;
	f->logits = p + 2 * b * F;
	f->probs = f->logits + b * K;
	f->dlogits = f->probs + b * K;
	f->bmax = B;
	return 0;
}

void fusion_free(yj_fusion *f)
{
	free(f->fused);
	memset(f, 0, sizeof *f);
}

void fusion_forward(yj_fusion *f, const float *const *v, int B)
{
	fusion_forward_direct(f, v, NULL, B);
}

void fusion_forward_direct(yj_fusion *f, const float *const *v, const float *direct, int B)
{
	size_t F = (size_t)f->in;
	for (int b = 0; b < B; b++) {
		float *o = f->fused + (size_t)b * F;
		size_t at = 0;
		if (f->mode == FUSION_SUM)
			memset(o, 0, F * sizeof *o);
		for (int i = 0; i < f->n; i++) {
			size_t d = (size_t)f->dim[i];
			const float *x = v[i] + (size_t)b * d;
			if (f->mode == FUSION_SUM) {
				for (size_t c = 0; c < d; c++)
					o[c] += x[c];
			} else {
				memcpy(o + at, x, d * sizeof *o);
				at += d;
			}
		}
	}
	linear_forward(f->logits, f->fused, params_data(f->P, f->w), params_data(f->P, f->b), B, f->in,
		       f->nclasses);
	/* the sparse paths straight to the logits (ngram.h) */
	for (size_t i = 0; direct && i < (size_t)B * (size_t)f->nclasses; i++)
		f->logits[i] += direct[i];
	softmax_forward(f->probs, f->logits, B, f->nclasses);
}

void fusion_backward(yj_fusion *f, float *const *dv, const float *dlogits, int B)
{
	size_t F = (size_t)f->in;
	memset(f->dfused, 0, (size_t)B * F * sizeof(float));
	linear_backward(f->dfused, params_grad(f->P, f->w), params_grad(f->P, f->b), dlogits, f->fused,
			params_data(f->P, f->w), B, f->in, f->nclasses);
	for (int b = 0; b < B; b++) {
		const float *g = f->dfused + (size_t)b * F;
		size_t at = 0;
		for (int i = 0; i < f->n; i++) {
			size_t d = (size_t)f->dim[i];
			if (dv && dv[i]) {
				float *o = dv[i] + (size_t)b * d;
				for (size_t c = 0; c < d; c++)
					o[c] += g[at + c];
			}
			if (f->mode == FUSION_CONCAT)
				at += d;
		}
	}
}

void fusion_logits1(const yj_fusion *f, const double *const *v, double *out)
{
	const float *W = params_data(f->P, f->w), *bias = params_data(f->P, f->b);
	for (int k = 0; k < f->nclasses; k++) {
		const float *row = W + (size_t)k * (size_t)f->in;
		double s = bias[k];
		size_t at = 0;
		for (int i = 0; i < f->n; i++) {
			for (int c = 0; c < f->dim[i]; c++)
				s += (double)row[at + (size_t)c] * v[i][c];
			if (f->mode == FUSION_CONCAT)
				at += (size_t)f->dim[i];
		}
		out[k] = s;
	}
}

/* Probability of class k from K logits (a stable softmax). */
static double prob_of(const double *z, int K, int k)
{
	double mx = z[0], s = 0;
	for (int j = 1; j < K; j++)
		mx = z[j] > mx ? z[j] : mx;
	for (int j = 0; j < K; j++)
		s += exp(z[j] - mx);
	return exp(z[k] - mx) / s;
}

int fusion_shapley(int n, int K, int k, void (*logits)(void *ctx, uint32_t mask, double *out),
		   void *ctx, yj_shapley *res)
{
	memset(res, 0, sizeof *res);
	if (n < 1 || n > 20 || K < 1 || k < 0 || k >= K)
		return -1;
	size_t N = (size_t)1 << n;
	double *vl = malloc(N * sizeof *vl), *vp = malloc(N * sizeof *vp), *z = malloc((size_t)K * sizeof *z);
	if (!vl || !vp || !z) {
		free(vl);
		free(vp);
		free(z);
		return -1;
	}
	for (size_t m = 0; m < N; m++) {
		logits(ctx, (uint32_t)m, z);
		vl[m] = z[k];
		vp[m] = prob_of(z, K, k);
	}
	/* weights |S|! (n-|S|-1)! / n! by |S| */
	double w[21];
	for (int s = 0; s < n; s++) {
		double x = 1;
		for (int j = 1; j <= s; j++) /* s! (n-s-1)! / n! = 1 / (n C(n-1, s)) */
			x = x * j / (double)(n - s - 1 + j);
		w[s] = x / n;
	}
	res->n = n;
	for (int i = 0; i < n; i++) {
		uint32_t bit = (uint32_t)1 << i;
		double pl = 0, pp = 0;
		for (size_t m = 0; m < N; m++) {
			if (m & bit)
				continue;
			int s = __builtin_popcount((unsigned)m);
			pl += w[s] * (vl[m | bit] - vl[m]);
			pp += w[s] * (vp[m | bit] - vp[m]);
		}
		res->phi_logit[i] = pl;
		res->phi_prob[i] = pp;
		res->loo_logit[i] = vl[N - 1] - vl[(N - 1) & ~bit];
		res->loo_prob[i] = vp[N - 1] - vp[(N - 1) & ~bit];
	}
	res->out_logit = vl[N - 1];
	res->out_prob = vp[N - 1];
	res->base_logit = vl[0];
	res->base_prob = vp[0];
	free(vl);
	free(vp);
	free(z);
	return 0;
}
