/*
 * test-edges.c - the small constants and bounds of src/nn and the BERT
 * initialisation that the parity and gradient tests do not pin down (issue
 * 18: each of these changed once by hand passed every other test):
 *
 *   BatchNorm (eval) and LayerNorm with their epsilon, on inputs where the
 *   epsilon is as large as the variance; a softmax whose row maximum
 *   includes the last logit; cross-entropy skipping a label equal to K;
 *   gradient clipping with its 1e-6; an argmax that reaches the last
 *   element; BERT biases initialised to 0 and
 *   LayerNorm weights to 1 (BertPreTrainedModel._init_weights).
 *
 * Every expected value is worked out by hand in the comment beside it.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/model/bert.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/params.h"

/* BatchNorm1d eval, one channel: run_mean 1, run_var 3, eps 1, gamma 2,
 * beta 0.5: alpha = 2 / sqrt(3 + 1) = 1, out = (x - 1) * 1 + 0.5.
 * x = 5 -> 4.5, x = -1 -> -1.5.  Without eps alpha = 2/sqrt 3 and
 * out(5) = 5.1188. */
static void test_batchnorm_eval_eps(void)
{
	const float in[2] = {5, -1}, rm = 1, rv = 3, g = 2, b = 0.5f;
	float out[2];
	batchnorm_forward_eval(out, in, &rm, &rv, &g, &b, 2, 1, 1.0f);
	is_near(out[0], 4.5, 1e-6, "BatchNorm eval: (5 - 1) * 2/sqrt(3 + eps 1) + 0.5 = 4.5");
	is_near(out[1], -1.5, 1e-6, "BatchNorm eval: (-1 - 1) * 1 + 0.5 = -1.5");
	/* run_var 0: only eps keeps it finite, 1/sqrt(1e-5) = 316.227766 */
	const float z = 0, one = 1;
	batchnorm_forward_eval(out, &one, &z, &z, NULL, NULL, 1, 1, 1e-5f);
	is_near(out[0], 316.227766, 1e-2, "BatchNorm eval, variance 0: x / sqrt(eps) stays finite");
}

/* LayerNorm of the row (1, 3): mean 2, biased variance 1; eps 3 gives
 * rstd 1/sqrt(4) = 0.5, out (-0.5, 0.5) (without eps: (-1, 1)).  A
 * constant row (7, 7) with eps 1e-5 gives 0 and rstd 1/sqrt(1e-5). */
static void test_layernorm_eps(void)
{
	const float in[2] = {1, 3};
	float out[2], mean, rstd;
	layernorm_forward(out, &mean, &rstd, in, NULL, NULL, 1, 2, 3.0f);
	is_near(mean, 2, 1e-7, "LayerNorm: mean 2");
	is_near(rstd, 0.5, 1e-7, "LayerNorm: rstd 1/sqrt(var 1 + eps 3) = 0.5");
	ok(fabs(out[0] + 0.5) < 1e-7 && fabs(out[1] - 0.5) < 1e-7, "LayerNorm: (-0.5, 0.5) with eps 3 (got %g %g)",
	   out[0], out[1]);
	const float c[2] = {7, 7};
	layernorm_forward(out, &mean, &rstd, c, NULL, NULL, 1, 2, 1e-5f);
	ok(isfinite(rstd) && fabs(rstd - 316.227766) < 1e-2 && out[0] == 0 && out[1] == 0,
	   "LayerNorm of a constant row: 0, rstd 1/sqrt(eps) (got rstd %g)", rstd);
}

/* softmax(0, 1000) = (e^-1000 / (1 + e^-1000), ...) = (0, 1) in float;
 * a row maximum that left out the last logit would overflow exp(1000).
 * The largest logit anywhere else: (1000, 0, 999) -> (1/(1+e^-1), 0,
 * e^-1/(1+e^-1)) = (0.7310586, 0, 0.2689414). */
static void test_softmax_last(void)
{
	const float x[2] = {0, 1000};
	float p[2];
	softmax_forward(p, x, 1, 2);
	ok(p[0] == 0 && p[1] == 1, "softmax(0, 1000) = (0, 1): the last logit is the row maximum (got %g %g)", p[0],
	   p[1]);
	const float y[3] = {1000, 0, 999};
	float q[3];
	softmax_forward(q, y, 1, 3);
	ok(fabs(q[0] - 0.7310586) < 1e-6 && q[1] == 0 && fabs(q[2] - 0.2689414) < 1e-6,
	   "softmax(1000, 0, 999) = (0.7310586, 0, 0.2689414) (got %g %g %g)", q[0], q[1], q[2]);
	/* and the first logit as the only maximum: (1000, 0) -> (1, 0); a row
	 * maximum that began at the second logit would overflow exp(1000) */
	const float z[2] = {1000, 0};
	softmax_forward(p, z, 1, 2);
	ok(p[0] == 1 && p[1] == 0, "softmax(1000, 0) = (1, 0): the first logit is the row maximum (got %g %g)", p[0],
	   p[1]);
	/* cross-entropy through the same row: label 1 of (0, 1000) costs
	 * logsumexp - 1000 = log(1 + e^-1000) = 0 */
	const int32_t lab = 1;
	float pr[2];
	float l = softmax_xent_forward(pr, x, &lab, NULL, 1, 2);
	ok(l == 0.0f, "cross-entropy of the largest, last logit: 0 (got %g)", l);
}

/* Labels equal to K are skipped (a caller bug, never read): rows (0, 0)
 * with label 0 cost ln 2; the second row's label 2 with K = 2 does not
 * count, so the mean is ln 2 = 0.693147.  The buffer holds a 5 after the
 * two rows where x[2] of the second row would be read. */
static void test_xent_label_k(void)
{
	const float x[5] = {0, 0, 0, 0, 5};
	const int32_t lab[2] = {0, 2};
	float p[4];
	float l = softmax_xent_forward(p, x, lab, NULL, 2, 2);
	is_near(l, log(2.0), 1e-6, "cross-entropy skips a label equal to K: ln 2");
	float g[5] = {0, 0, 0, 0, 0};
	softmax_xent_backward(g, p, lab, NULL, 2, 2);
	/* row 0 alone, weight 1: (0.5 - 1, 0.5); row 1 untouched, and
	 * nothing written past the rows */
	ok(fabs(g[0] + 0.5) < 1e-7 && fabs(g[1] - 0.5) < 1e-7 && g[2] == 0 && g[3] == 0 && g[4] == 0,
	   "its gradient: row 0 (-0.5, 0.5), row 1 and past it untouched (got %g %g %g %g %g)", g[0], g[1], g[2],
	   g[3], g[4]);
}

/* vec_argmax picks the last element when it is the largest, and the
 * earlier one on a tie (explain, predict and the metrics rely on both). */
static void test_argmax_last(void)
{
	const float a[3] = {0, 1, 5}, b[3] = {2, 7, 7}, c[1] = {-3};
	is_int(vec_argmax(a, 3), 2, "argmax of (0, 1, 5) is the last, 2");
	is_int(vec_argmax(b, 3), 1, "argmax of (2, 7, 7) is the earlier of the tie, 1");
	is_int(vec_argmax(c, 1), 0, "argmax of one element is 0");
}

/* The plain loop vec_argmax once was (its contract, including NaN: one
 * never wins, and one at x[0] stays the answer). */
static int argmax_loop(const float *x, int n)
{
	int best = 0;
	for (int k = 1; k < n; k++)
		if (x[k] > x[best])
			best = k;
	return best;
}

/* The blocked vec_argmax against that loop: every length to 70 (the
 * blocks of 16 and their tails), a row of the MLM's 21,128, values drawn
 * from a few so ties are common, signed zeros, NaNs and infinities. */
static void test_argmax_blocked(void)
{
	static const float pool[8] = {-1.0f, 0.0f, -0.0f, 2.5f, 2.5f, -INFINITY, INFINITY, NAN};
	static float x[21128];
	uint64_t s = 12345;
	int bad = 0, cases = 0;
	for (int n = 1; n <= 21128; n = n < 70 ? n + 1 : n * 2 < 21128 ? n * 2 : n == 21128 ? 21129 : 21128) {
		for (int rep = 0; rep < 40; rep++, cases++) {
			int kinds = rep % 4 == 0 ? 8 : rep % 4 == 1 ? 7 : rep % 4 == 2 ? 6 : 5;
			for (int i = 0; i < n; i++) {
				s = s * 6364136223846793005ULL + 1442695040888963407ULL;
				x[i] = rep % 5 == 4 ? (float)(s >> 40) : pool[(s >> 33) % (uint64_t)kinds];
			}
			bad += vec_argmax(x, n) != argmax_loop(x, n);
		}
	}
	ok(bad == 0, "blocked argmax = the plain loop on %d rows with ties, +-0, NaN, inf (%d differ)", cases, bad);
}

/* clip_grad_norm on gradients (3e-6, 4e-6): norm 5e-6; max 1e-6 gives
 * coef 1e-6 / (5e-6 + 1e-6) = 1/6, so (5e-7, 6.6667e-7).  Without the
 * 1e-6 the coefficient would be 1/5: (6e-7, 8e-7). */
static void test_clip_eps(void)
{
	yj_params ps;
	params_init(&ps);
	const int64_t shape[1] = {2};
	long i = params_add(&ps, "w", 1, shape, 1, 1);
	if (!ok(i >= 0 && params_alloc(&ps) == 0, "clip: a 2-element parameter"))
		return;
	float *g = params_grad(&ps, i);
	g[0] = 3e-6f;
	g[1] = 4e-6f;
	float n = clip_grad_norm(&ps, 1e-6f);
	is_near(n, 5e-6, 1e-12, "clip returns the norm before clipping, 5e-6");
	is_near(g[0], 3e-6 / 6, 1e-12, "clipped by 1e-6 / (5e-6 + 1e-6): 5e-7");
	is_near(g[1], 4e-6 / 6, 1e-12, "clipped by 1e-6 / (5e-6 + 1e-6): 6.6667e-7");
	/* below the limit nothing changes: norm 5e-6 < 1 */
	g[0] = 3e-6f;
	g[1] = 4e-6f;
	clip_grad_norm(&ps, 1.0f);
	ok(g[0] == 3e-6f && g[1] == 4e-6f, "a norm under max_norm: gradients untouched");
	params_free(&ps);
}

/* bert_init: every ".bias" 0, every "LayerNorm.weight" 1, the
 * weights N(0, 0.02): their standard deviation within 10% of 0.02 over
 * the (many) embedding values, the padding row 0. */
static void test_bert_init(void)
{
	yj_bert_cfg cfg = {.vocab_size = 200, .hidden = 16, .layers = 2, .heads = 2, .intermediate = 32,
			   .max_pos = 32, .type_vocab = 2, .pad_token_id = 0, .ln_eps = 1e-12f,
			   .hidden_drop = 0.1f, .attn_drop = 0.1f, .init_range = 0.02f};
	yj_bert m;
	yj_error err;
	memset(&m, 0, sizeof m);
	if (!ok(bert_init(&m, &cfg, 7, &err) == YJ_OK, "bert_init: a 2-layer, 16-wide model"))
		return;
	int nbias = 0, bias_zero = 1, nln = 0, ln_one = 1, nweights = 0;
	double ss = 0;
	size_t nw = 0;
	for (size_t i = 0; i < m.ps.n; i++) {
		const yj_param *p = &m.ps.v[i];
		const float *d = params_data(&m.ps, (long)i);
		size_t len = strlen(p->name);
		if (len >= 5 && !strcmp(p->name + len - 5, ".bias")) {
			nbias++;
			for (size_t j = 0; j < p->size; j++)
				bias_zero &= d[j] == 0.0f;
		} else if (len >= 16 && !strcmp(p->name + len - 16, "LayerNorm.weight")) {
			nln++;
			for (size_t j = 0; j < p->size; j++)
				ln_one &= d[j] == 1.0f;
		} else if (p->ndim == 2) {
			nweights++;
			for (size_t j = 0; j < p->size; j++) {
				ss += (double)d[j] * d[j];
				nw++;
			}
		}
	}
	/* per layer q k v ao i o + aln oln biases = 8, embeddings LN 1,
	 * pooler 1, MLM transform dense + LN + decoder bias: at least 17 */
	ok(nbias >= 17 && bias_zero, "bert_init: all %d biases are 0", nbias);
	ok(nln >= 5 && ln_one, "bert_init: all %d LayerNorm weights are 1", nln);
	double sd = sqrt(ss / (double)nw);
	ok(nweights > 0 && fabs(sd - 0.02) < 0.002, "bert_init: weights N(0, 0.02) (sd %.5f over %zu values)", sd, nw);
	long w = params_find(&m.ps, "bert.embeddings.word_embeddings.weight");
	int pad0 = w >= 0;
	for (int j = 0; pad0 && j < cfg.hidden; j++)
		pad0 &= params_data(&m.ps, w)[j] == 0.0f;
	ok(pad0, "bert_init: the padding row of the word embeddings is 0");
	bert_free(&m);
}

int main(void)
{
	test_batchnorm_eval_eps();
	test_layernorm_eps();
	test_softmax_last();
	test_xent_label_k();
	test_argmax_last();
	test_argmax_blocked();
	test_clip_eps();
	test_bert_init();
	return tap_done();
}
