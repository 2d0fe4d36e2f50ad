/*
 * test-mlp.c - the structured branch (src/model/structured.c) as a whole:
 *
 * 1. Parity with PyTorch.  tests/nn/golden/mlp.json (from
 *    tests/reference/gen_mlp.py, committed) holds fixed weights, one batch
 *    and what torch computed for two training steps: logits and loss,
 *    every gradient, the BatchNorm running statistics, a class-weighted
 *    loss, the clipped gradient norm, every tensor after two AdamW steps
 *    (weights decayed, biases and BatchNorm parameters not) and eval-mode
 *    logits.  Forward values must match within TOL_FWD, gradients and
 *    updated tensors within TOL_GRAD, relative (elements below FLOOR
 *    compared absolutely).  The Linear biases that feed BatchNorm have an
 *    exactly zero gradient: we check ours is zero to rounding, then zero
 *    it as the generator does (see gen_mlp.py for why).
 * 2. Finite differences through the whole branch in training mode (so
 *    through the batch statistics), depth 1 and 2, with and without class
 *    weights: a sample of entries of every parameter tensor and of every
 *    source's input, central differences of the loss against
 *    mlp_backward (the input gradient from the first Linear's output
 *    gradient it leaves in the activation twins).  Entries whose +-h
 *    forwards cross a ReLU kink are retried with h/2, then skipped.
 * 3. Consistency: eval mode is per row (a batch gives the logits of its
 *    rows one by one); weights survive a safetensors round trip.
 * 4. Learning: on generated data whose label is a known function of the
 *    features the branch reaches >= 95% test accuracy, and two runs with
 *    the same seed and thread count are bit-identical.
 *
 * The golden file's directory comes from $top_srcdir (set by make check) or
 * the first argument.  Every check prints its max difference; any mismatch
 * makes the exit status non-zero.
 */
#include <config.h>

#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/progress.h"
#include "yujing/base/rng.h"
#include "yujing/model/structured.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/safetensors.h"

#define TOL_FWD 1e-5
#define TOL_GRAD 1e-4
#define FLOOR 1e-6

static double worst_fwd, worst_grad, worst_fd;

/* ------------------------------------------------------------ helpers */

/* max |got - want| / max(|want|, FLOOR) over n values; NaN when any value
 * is not finite. */
static double maxrel(const float *got, const float *want, size_t n, size_t *at)
{
	double worst = 0.0;
	*at = 0;
	for (size_t i = 0; i < n; i++) {
		double den = fabs((double)want[i]);
		double rel = fabs((double)got[i] - want[i]) / (den > FLOOR ? den : FLOOR);
		if (!isfinite(got[i]) || !isfinite(rel)) {
			*at = i;
			return NAN;
		}
		if (rel > worst)
			worst = rel, *at = i;
	}
	return worst;
}

/* One TAP line: n values against the reference within tol. */
static void compare(const char *what, const float *got, const float *want, size_t n, double tol)
{
	size_t at;
	double rel = maxrel(got, want, n, &at);
	double *worst = tol == TOL_FWD ? &worst_fwd : &worst_grad;
	if (isnan(rel) || rel > *worst)
		*worst = rel;
	if (!ok(rel <= tol, "%-40s n=%-3zu max rel diff %.3e (tol %.0e)", what, n, rel, tol))
		printf("#   element %zu: got %.9g, want %.9g\n", at, (double)got[at], (double)want[at]);
}

static void compare1(const char *what, double got, double want, double tol)
{
	float g = (float)got, w = (float)want;
	compare(what, &g, &w, 1, tol);
}

/* The float array a (malloc'd, *n elements), or NULL. */
static float *floats(json_t *a, size_t *n)
{
	if (!json_is_array(a))
		return NULL;
	size_t len = json_array_size(a);
	float *v = malloc((len ? len : 1) * sizeof *v);
	for (size_t i = 0; v && i < len; i++)
		v[i] = (float)json_number_value(json_array_get(a, i));
	*n = len;
	return v;
}

/* Compare n values with golden[key] (an array; one of a dict when name). */
static void compare_golden(json_t *g, const char *key, const char *name, const float *got, size_t n,
			   double tol)
{
	json_t *a = json_object_get(g, key);
	if (name)
		a = json_object_get(a, name);
	size_t len = 0;
	float *want = floats(a, &len);
	char what[160];
	snprintf(what, sizeof what, "%s%s%s", key, name ? " " : "", name ? name : "");
	if (!want || len != n) {
		ok(0, "%s: golden has %zu values, we have %zu", what, len, n);
	} else {
		compare(what, got, want, n, tol);
	}
	free(want);
}

/* Gradient twin of an activation pointer (the layout of structured.h). */
static float *dact_of(yj_mlp *m, const float *act)
{
	return m->dact + (act - m->act);
}

/* Whether golden lists name under "zero_grad" (a Linear bias feeding
 * BatchNorm). */
static int is_zero_grad(json_t *g, const char *name)
{
	json_t *list = json_object_get(g, "zero_grad");
	for (size_t i = 0; i < json_array_size(list); i++)
		if (!strcmp(json_string_value(json_array_get(list, i)), name))
			return 1;
	return 0;
}

/* ------------------------------------------------------------- parity */

static void test_parity(json_t *g)
{
	yj_mlp_cfg cfg = {0};
	cfg.nsrc = (int)json_integer_value(json_object_get(g, "S"));
	for (int s = 0; s < cfg.nsrc; s++)
		cfg.in_dim[s] = (int)json_integer_value(json_array_get(json_object_get(g, "in_dim"), (size_t)s));
	cfg.hidden = (int)json_integer_value(json_object_get(g, "hidden"));
	cfg.depth = (int)json_integer_value(json_object_get(g, "depth"));
	cfg.proj = (int)json_integer_value(json_object_get(g, "proj"));
	cfg.nclasses = (int)json_integer_value(json_object_get(g, "nclasses"));
	cfg.bn_momentum = (float)json_number_value(json_object_get(g, "bn_momentum"));
	cfg.bn_eps = (float)json_number_value(json_object_get(g, "bn_eps"));
	int B = (int)json_integer_value(json_object_get(g, "B")), K = cfg.nclasses;
	float lr = (float)json_number_value(json_object_get(g, "lr"));

	yj_mlp m;
	if (!ok(!mlp_init(&m, &cfg, 1) && !mlp_reserve(&m, B), "parity: model %d sources, depth %d, B %d",
		cfg.nsrc, cfg.depth, B))
		return;
	yj_params *ps = &m.ps;

	/* the weights: every tensor by its PyTorch name, and no other */
	json_t *init = json_object_get(g, "init");
	int loaded = 1;
	for (size_t i = 0; i < ps->n; i++) {
		size_t n = 0;
		float *v = floats(json_object_get(init, ps->v[i].name), &n);
		if (!v || n != ps->v[i].size) {
			ok(0, "golden init has %s with %zu values (got %zu)", ps->v[i].name, ps->v[i].size, n);
			loaded = 0;
		} else {
			memcpy(params_data(ps, (long)i), v, n * sizeof *v);
		}
		free(v);
	}
	is_int(json_object_size(init), ps->n, "parity: the state dict has our %zu tensors, same names", ps->n);
	if (!loaded) {
		mlp_free(&m);
		return;
	}
	float *x[MLP_MAX_SOURCES] = {0};
	for (int s = 0; s < cfg.nsrc; s++) {
		size_t n = 0;
		x[s] = floats(json_array_get(json_object_get(g, "x"), (size_t)s), &n);
		if (!x[s] || n != (size_t)B * (size_t)cfg.in_dim[s])
			loaded = ok(0, "golden x[%d] has %zu values", s, n);
	}
	int32_t labels[64];
	float cw[64];
	if (B > 64 || K > 64 || (int)json_array_size(json_object_get(g, "labels")) != B ||
	    (int)json_array_size(json_object_get(g, "class_weight")) != K)
		loaded = ok(0, "golden has B labels and K class weights (at most 64)");
	for (int b = 0; loaded && b < B; b++)
		labels[b] = (int32_t)json_integer_value(json_array_get(json_object_get(g, "labels"), (size_t)b));
	for (int k = 0; loaded && k < K; k++)
		cw[k] = (float)json_number_value(json_array_get(json_object_get(g, "class_weight"), (size_t)k));
	if (!loaded) {
		for (int s = 0; s < cfg.nsrc; s++)
			free(x[s]);
		mlp_free(&m);
		return;
	}
	const float *const *xs = (const float *const *)x;

	yj_adamw opt;
	adamw_init(&opt);
	opt.weight_decay = (float)json_number_value(json_object_get(g, "weight_decay"));

	/* step 1: forward, backward, AdamW */
	mlp_forward(&m, xs, B, 1);
	float loss = mlp_loss(&m, labels, NULL, B);
	compare_golden(g, "logits", NULL, m.logits, (size_t)B * (size_t)K, TOL_FWD);
	compare1("loss", loss, json_number_value(json_object_get(g, "loss")), TOL_FWD);
	params_zero_grad(ps);
	mlp_backward(&m, xs, labels, NULL, B);
	double gmax = 0.0, zmax = 0.0;
	for (size_t i = 0; i < ps->n; i++)
		for (size_t j = 0; ps->v[i].trainable && j < ps->v[i].size; j++) {
			double a = fabs(params_grad(ps, (long)i)[j]);
			if (is_zero_grad(g, ps->v[i].name))
				zmax = a > zmax ? a : zmax;
			else
				gmax = a > gmax ? a : gmax;
		}
	ok(zmax <= 1e-5 * gmax, "Linear biases before BatchNorm: gradient zero to rounding (max %.2e, "
				"largest gradient %.2e)", zmax, gmax);
	for (size_t i = 0; i < ps->n; i++) {
		if (is_zero_grad(g, ps->v[i].name))
			memset(params_grad(ps, (long)i), 0, ps->v[i].size * sizeof(float));
		else if (ps->v[i].trainable)
			compare_golden(g, "grad", ps->v[i].name, params_grad(ps, (long)i), ps->v[i].size, TOL_GRAD);
		else
			compare_golden(g, "running1", ps->v[i].name, params_data(ps, (long)i), ps->v[i].size,
				       TOL_FWD);
	}
	adamw_step(&opt, ps, lr);

	/* step 2: class-weighted loss, clipping, AdamW */
	mlp_forward(&m, xs, B, 1);
	float loss2 = mlp_loss(&m, labels, cw, B);
	compare1("loss2 (class weights)", loss2, json_number_value(json_object_get(g, "loss2")), TOL_FWD);
	params_zero_grad(ps);
	mlp_backward(&m, xs, labels, cw, B);
	for (size_t i = 0; i < ps->n; i++)
		if (is_zero_grad(g, ps->v[i].name))
			memset(params_grad(ps, (long)i), 0, ps->v[i].size * sizeof(float));
	float norm2 = clip_grad_norm(ps, (float)json_number_value(json_object_get(g, "max_norm")));
	compare1("norm2 (before clipping)", norm2, json_number_value(json_object_get(g, "norm2")), TOL_GRAD);
	adamw_step(&opt, ps, lr);
	for (size_t i = 0; i < ps->n; i++)
		compare_golden(g, "after", ps->v[i].name, params_data(ps, (long)i), ps->v[i].size, TOL_GRAD);

	/* eval mode: the running statistics */
	mlp_forward(&m, xs, B, 0);
	compare_golden(g, "logits_eval", NULL, m.logits, (size_t)B * (size_t)K, TOL_FWD);

	/* the comparison itself can fail */
	size_t n = (size_t)B * (size_t)K, at;
	float *moved = malloc(n * sizeof *moved);
	memcpy(moved, m.logits, n * sizeof *moved);
	moved[n / 2] *= 1.0f + 3 * (float)TOL_FWD;
	double rel = maxrel(moved, m.logits, n, &at);
	ok(rel > TOL_FWD && at == n / 2, "a 3e-5 relative change fails the forward tolerance (%.2e)", rel);
	moved[0] = NAN;
	ok(isnan(maxrel(moved, m.logits, n, &at)), "a NaN fails");
	free(moved);

	for (int s = 0; s < cfg.nsrc; s++)
		free(x[s]);
	mlp_free(&m);
}

/* --------------------------------------------------- finite differences */

/* The loss is float32: central differences with step FD_H (5e-3 balances
 * the O(h^2) truncation against loss rounding of ~1e-7 / h); a gradient is
 * right when |analytic - numeric| <= FD_TOL max(|analytic|, |numeric|,
 * FD_FLOOR), i.e. 1% relative, or 1e-4 absolute for gradients under 1e-2.
 * FD_SAMPLES entries per tensor: the first, the last and random ones. */
#define FD_H 5e-3f
#define FD_TOL 1e-2
#define FD_FLOOR 1e-2
#define FD_SAMPLES 6

static yj_rng rng;

static double normal(void)
{
	double u = rng_uniform(&rng), v = rng_uniform(&rng);
	return sqrt(-2.0 * log(1.0 - u)) * cos(6.283185307179586 * v);
}

/* The ReLU pattern of the last forward: bit i of pattern[] tells whether
 * BatchNorm output i (over every source and layer) was positive, that is
 * whether the block's output (rows mlp_relu_ld apart) is. */
static size_t relu_pattern(const yj_mlp *m, int B, unsigned char *pattern)
{
	size_t k = 0;
	int H = m->cfg.hidden;
	for (int s = 0; s < m->cfg.nsrc; s++)
		for (int l = 0; l < m->cfg.depth; l++)
			for (int b = 0; b < B; b++)
				for (int j = 0; j < H; j++, k++)
					if (pattern)
						pattern[k] = m->relu[s][l][(size_t)b * (size_t)mlp_relu_ld(m, l) + (size_t)j] > 0;
	return k;
}

/* The training-mode loss at the current weights (the running statistics
 * are restored: they move with every training forward); *same tells
 * whether the ReLU pattern is the reference one. */
static double fd_loss(yj_mlp *m, const float *const *x, const int32_t *y, const float *w, int B, float *keep,
		      const unsigned char *ref, unsigned char *pat, int *same)
{
	memcpy(keep, m->ps.data, m->ps.total * sizeof *keep);
	mlp_forward(m, x, B, 1);
	double l = mlp_loss(m, y, w, B);
	size_t n = relu_pattern(m, B, pat);
	*same &= !memcmp(pat, ref, n);
	memcpy(m->ps.data, keep, m->ps.total * sizeof *keep);
	return l;
}

/* Central difference at *p against the analytic value; returns the
 * relative error |a - n| / max(|a|, |n|, FD_FLOOR).  The loss is piecewise
 * smooth: when x +- h changes the ReLU pattern (a kink between them), h
 * is halved (smaller steps would drown in float32 rounding); when
 * that still crosses a kink the entry is skipped (returns -1). */
static double fd_check(yj_mlp *m, const float *const *x, const int32_t *y, const float *w, int B, float *p,
		       double analytic, float *keep, const unsigned char *ref, unsigned char *pat)
{
	float p0 = *p;
	for (float h = FD_H; h >= FD_H / 2; h /= 2) {
		int same = 1;
		*p = p0 + h;
		float hi = *p;
		double lp = fd_loss(m, x, y, w, B, keep, ref, pat, &same);
		*p = p0 - h;
		float lo = *p;
		double lm = fd_loss(m, x, y, w, B, keep, ref, pat, &same);
		*p = p0;
		if (!same)
			continue;
		double num = (lp - lm) / ((double)hi - lo);
		double den = fmax(fmax(fabs(analytic), fabs(num)), FD_FLOOR);
		return fabs(analytic - num) / den;
	}
	return -1;
}

/* Sample indices of a tensor of n: the first, the last, and random ones. */
static size_t sample(size_t n, int k)
{
	if (k == 0 || n == 1)
		return 0;
	if (k == 1)
		return n - 1;
	return (size_t)rng_below(&rng, n);
}

static void test_finite_differences(int depth, int weighted)
{
	yj_mlp_cfg cfg = {.nsrc = 3, .in_dim = {5, 2, 7}, .hidden = 6, .depth = depth, .proj = 4, .nclasses = 4};
	int B = 10, K = cfg.nclasses;
	rng_seed(&rng, 7 + (uint64_t)depth);
	yj_mlp m;
	if (!ok(!mlp_init(&m, &cfg, 11) && !mlp_reserve(&m, B), "finite differences: model of depth %d", depth))
		return;
	yj_params *ps = &m.ps;
	/* BatchNorm affine parameters away from their initial 1 and 0 */
	for (int s = 0; s < cfg.nsrc; s++)
		for (int l = 0; l < depth; l++)
			for (int j = 0; j < cfg.hidden; j++) {
				params_data(ps, m.bn_w[s][l])[j] = (float)(1.0 + 0.3 * normal());
				params_data(ps, m.bn_b[s][l])[j] = (float)(0.2 * normal());
			}
	float *x[MLP_MAX_SOURCES] = {0}, *dx[MLP_MAX_SOURCES] = {0};
	for (int s = 0; s < cfg.nsrc; s++) {
		size_t n = (size_t)B * (size_t)cfg.in_dim[s];
		x[s] = malloc(n * sizeof(float));
		dx[s] = calloc(n, sizeof(float));
		for (size_t i = 0; i < n; i++)
			x[s][i] = (float)normal();
	}
	int32_t y[10];
	for (int b = 0; b < B; b++)
		y[b] = b % K;
	float w[4] = {1.0f, 0.5f, 2.0f, 1.5f};
	const float *wp = weighted ? w : NULL;
	const float *const *xs = (const float *const *)x;
	float *keep = malloc(ps->total * sizeof *keep);

	/* analytic gradients; the input gradient from the first Linear's
	 * output gradient that mlp_backward leaves in the activation twins */
	memcpy(keep, ps->data, ps->total * sizeof *keep);
	mlp_forward(&m, xs, B, 1);
	mlp_loss(&m, y, wp, B);
	params_zero_grad(ps);
	mlp_backward(&m, xs, y, wp, B);
	memcpy(ps->data, keep, ps->total * sizeof *keep);
	size_t np = relu_pattern(&m, B, NULL);
	unsigned char *ref = malloc(np), *pat = malloc(np);
	relu_pattern(&m, B, ref);
	for (int s = 0; s < cfg.nsrc; s++)
		linear_backward(dx[s], NULL, NULL, dact_of(&m, m.lin[s][0]), x[s], params_data(ps, m.lin_w[s][0]), B,
				cfg.in_dim[s], cfg.hidden);

	double worst = 0.0;
	int checked = 0, skipped = 0;
	for (size_t i = 0; i < ps->n; i++) {
		if (!ps->v[i].trainable)
			continue;
		double tw = 0.0;
		for (int k = 0; k < FD_SAMPLES; k++) {
			size_t j = sample(ps->v[i].size, k);
			double e = fd_check(&m, xs, y, wp, B, params_data(ps, (long)i) + j, params_grad(ps, (long)i)[j],
					    keep, ref, pat);
			if (e < 0) {
				skipped++;
				continue;
			}
			tw = e > tw || isnan(e) ? e : tw;
			checked++;
		}
		if (!ok(tw <= FD_TOL, "fd depth %d%s %-32s max rel err %.2e", depth, weighted ? " weighted" : "",
			ps->v[i].name, tw))
			printf("#   tolerance %.0e\n", FD_TOL);
		worst = tw > worst || isnan(tw) ? tw : worst;
	}
	for (int s = 0; s < cfg.nsrc; s++) {
		size_t n = (size_t)B * (size_t)cfg.in_dim[s];
		double tw = 0.0;
		for (int k = 0; k < FD_SAMPLES; k++) {
			size_t j = sample(n, k);
			double e = fd_check(&m, xs, y, wp, B, x[s] + j, dx[s][j], keep, ref, pat);
			if (e < 0) {
				skipped++;
				continue;
			}
			tw = e > tw || isnan(e) ? e : tw;
			checked++;
		}
		ok(tw <= FD_TOL, "fd depth %d%s input of source %d%*s max rel err %.2e", depth,
		   weighted ? " weighted" : "", s, 17, "", tw);
		worst = tw > worst || isnan(tw) ? tw : worst;
	}
	printf("# finite differences, depth %d%s: %d entries, max rel err %.3e (tol %.0e)\n", depth,
	       weighted ? ", class weights" : "", checked, worst, FD_TOL);
	ok(skipped * 5 <= checked + skipped, "at most a fifth of the entries skipped at a ReLU kink (%d of %d)",
	   skipped, checked + skipped);
	worst_fd = worst > worst_fd || isnan(worst) ? worst : worst_fd;
	/* the check can fail: the largest classifier gradient off by 10% */
	size_t big = 0;
	for (size_t j = 1; j < ps->v[m.cls_w].size; j++)
		if (fabsf(params_grad(ps, m.cls_w)[j]) > fabsf(params_grad(ps, m.cls_w)[big]))
			big = j;
	double e = fd_check(&m, xs, y, wp, B, params_data(ps, m.cls_w) + big, 1.1 * params_grad(ps, m.cls_w)[big],
			    keep, ref, pat);
	ok(e > FD_TOL, "a gradient 10%% off fails the check (rel err %.2e)", e);

	free(keep);
	free(ref);
	free(pat);
	for (int s = 0; s < cfg.nsrc; s++) {
		free(x[s]);
		free(dx[s]);
	}
	mlp_free(&m);
}

/* ---------------------------------------------------------- consistency */

static void test_consistency(void)
{
	yj_mlp_cfg cfg = {.nsrc = 2, .in_dim = {3, 4}, .hidden = 5, .depth = 2, .proj = 3, .nclasses = 3};
	int B = 8, K = cfg.nclasses;
	rng_seed(&rng, 99);
	yj_mlp m, r;
	if (!ok(!mlp_init(&m, &cfg, 5) && !mlp_reserve(&m, B), "consistency: model"))
		return;
	/* the parts of a region write whole cache lines of their own only
	 * from line-aligned buffers (params.c nn_zalloc_lines) */
	ok((uintptr_t)m.act % 64 == 0 && (uintptr_t)m.dact % 64 == 0 && (uintptr_t)m.ps.data % 64 == 0 &&
		   (uintptr_t)m.ps.grad % 64 == 0 && (uintptr_t)m.ps.m % 64 == 0 && (uintptr_t)m.ps.v2 % 64 == 0,
	   "activations, gradients and parameters start on a 64-byte line");
	float *x[2], row[2][4];
	for (int s = 0; s < 2; s++) {
		x[s] = malloc((size_t)B * (size_t)cfg.in_dim[s] * sizeof(float));
		for (int i = 0; i < B * cfg.in_dim[s]; i++)
			x[s][i] = (float)normal();
	}
	/* move the running statistics away from 0 and 1 */
	for (int i = 0; i < 3; i++)
		mlp_forward(&m, (const float *const *)x, B, 1);
	mlp_forward(&m, (const float *const *)x, B, 0);
	float *batch = malloc((size_t)B * (size_t)K * sizeof *batch);
	memcpy(batch, m.logits, (size_t)B * (size_t)K * sizeof *batch);
	int same = 1;
	for (int b = 0; b < B; b++) {
		const float *xr[2] = {row[0], row[1]};
		for (int s = 0; s < 2; s++)
			memcpy(row[s], x[s] + (size_t)b * (size_t)cfg.in_dim[s], (size_t)cfg.in_dim[s] * sizeof(float));
		mlp_forward(&m, xr, 1, 0);
		for (int k = 0; k < K; k++)
			same &= fabsf(m.logits[k] - batch[(size_t)b * (size_t)K + (size_t)k]) <=
				1e-6f * fmaxf(1.0f, fabsf(m.logits[k]));
	}
	ok(same, "eval mode: a batch gives the logits of its rows one by one");

	/* safetensors round trip into a fresh model (other seed) */
	unsigned char *buf = NULL;
	size_t len = 0;
	yj_safetensors st;
	yj_error err;
	error_clear(&err);
	int good = !safetensors_write(&m.ps, NULL, &buf, &len) &&
		   !safetensors_parse(buf, len, "test", &st, &err);
	ok(good, "weights written and parsed as safetensors (%zu bytes)", len);
	if (good && ok(!mlp_init(&r, &cfg, 6) && !mlp_reserve(&r, B), "a second model")) {
		ok(!safetensors_load_params(&st, &r.ps, 0, &err), "loaded by name (%s)",
		   err.msg[0] ? err.msg : "no error");
		ok(!memcmp(r.ps.data, m.ps.data, m.ps.total * sizeof(float)),
		   "every tensor, running statistics included, is bit-identical");
		mlp_forward(&r, (const float *const *)x, B, 0);
		ok(!memcmp(r.logits, batch, (size_t)B * (size_t)K * sizeof *batch), "and gives the same logits");
		mlp_free(&r);
	}
	if (good)
		safetensors_free(&st);
	free(buf);
	free(batch);
	free(x[0]);
	free(x[1]);
	mlp_free(&m);
}

/* ------------------------------------------------------------- learning */

/* Two sources; the label is the argmax of (a, b, c) where a, b are the
 * first two features of source 0 and c the first of source 1; the other
 * features are noise.  Cases with a margin under 0.05 are left out. */
#define LN 1500
#define LTRAIN 1050

typedef struct {
	float *x0, *x1; /* (LN, 4), (LN, 3) */
	int32_t y[LN];
} learn_data;

static void make_data(learn_data *d)
{
	rng_seed(&rng, 2024);
	d->x0 = malloc(LN * 4 * sizeof(float));
	d->x1 = malloc(LN * 3 * sizeof(float));
	for (int i = 0; i < LN;) {
		float v[7];
		for (int j = 0; j < 7; j++)
			v[j] = (float)normal();
		float a = v[0], b = v[1], c = v[4];
		int y = a >= b && a >= c ? 0 : b >= c ? 1 : 2;
		float top = y == 0 ? a : y == 1 ? b : c;
		float second = y == 0 ? fmaxf(b, c) : y == 1 ? fmaxf(a, c) : fmaxf(a, b);
		if (top - second < 0.05f)
			continue;
		memcpy(d->x0 + i * 4, v, 4 * sizeof(float));
		memcpy(d->x1 + i * 3, v + 4, 3 * sizeof(float));
		d->y[i++] = y;
	}
}

/* Train with AdamW (batches of 50, the schedule and clipping of the
 * training loop); returns the test accuracy; the final weights and the
 * loss of every step in *weights, *losses (malloc'd). */
static double learn(const learn_data *d, float **weights, size_t *nweights, float **losses, int *nsteps)
{
	yj_mlp_cfg cfg = {.nsrc = 2, .in_dim = {4, 3}, .hidden = 16, .depth = 1, .proj = 16, .nclasses = 3};
	const int BS = 50, EPOCHS = 12, steps = LTRAIN / BS;
	yj_mlp m;
	yj_adamw opt;
	if (mlp_init(&m, &cfg, 42) || mlp_reserve(&m, BS))
		return -1;
	adamw_init(&opt);
	float x0[50 * 4], x1[50 * 3];
	int32_t y[50];
	const float *xs[2] = {x0, x1};
	size_t perm[LTRAIN];
	yj_rng shuf;
	rng_seed(&shuf, 1);
	*losses = malloc((size_t)(EPOCHS * steps) * sizeof **losses);
	*nsteps = 0;
	for (int e = 0; e < EPOCHS; e++) {
		for (size_t i = 0; i < LTRAIN; i++)
			perm[i] = i;
		for (size_t i = LTRAIN - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&shuf, i + 1), t = perm[i];
			perm[i] = perm[j];
			perm[j] = t;
		}
		for (int s = 0; s < steps; s++) {
			for (int b = 0; b < BS; b++) {
				size_t r = perm[s * BS + b];
				memcpy(x0 + b * 4, d->x0 + r * 4, 4 * sizeof(float));
				memcpy(x1 + b * 3, d->x1 + r * 3, 3 * sizeof(float));
				y[b] = d->y[r];
			}
			mlp_forward(&m, xs, BS, 1);
			(*losses)[(*nsteps)++] = mlp_loss(&m, y, NULL, BS);
			params_zero_grad(&m.ps);
			mlp_backward(&m, xs, y, NULL, BS);
			clip_grad_norm(&m.ps, 1.0f);
			adamw_step(&opt, &m.ps, lr_schedule(opt.t, steps, EPOCHS * steps, 1e-2f));
		}
	}
	int correct = 0;
	for (int i = LTRAIN; i < LN; i += BS) {
		int n = LN - i < BS ? LN - i : BS;
		const float *xt[2] = {d->x0 + i * 4, d->x1 + i * 3};
		mlp_forward(&m, xt, n, 0);
		for (int b = 0; b < n; b++) {
			const float *pr = m.probs + b * 3;
			int best = pr[1] > pr[0] ? 1 : 0;
			best = pr[2] > pr[best] ? 2 : best;
			correct += best == d->y[i + b];
		}
	}
	*nweights = m.ps.total;
	*weights = malloc(m.ps.total * sizeof **weights);
	memcpy(*weights, m.ps.data, m.ps.total * sizeof **weights);
	mlp_free(&m);
	return (double)correct / (LN - LTRAIN);
}

static void test_learning(void)
{
	learn_data d;
	make_data(&d);
	float *w1, *w2, *l1, *l2;
	int n1, n2;
	size_t nw1, nw2;
	double t0 = progress_now();
	double acc1 = learn(&d, &w1, &nw1, &l1, &n1);
	double secs = progress_now() - t0;
	double acc2 = learn(&d, &w2, &nw2, &l2, &n2);
	ok(acc1 >= 0.95, "learning: test accuracy %.4f >= 0.95 (%.2f s)", acc1, secs);
	ok(l1[n1 - 1] < 0.5 * l1[0], "the loss falls (%.4f -> %.4f)", (double)l1[0], (double)l1[n1 - 1]);
	ok(acc1 == acc2 && n1 == n2 && !memcmp(l1, l2, (size_t)n1 * sizeof *l1),
	   "the same seed and thread count give the same losses");
	ok(nw1 == nw2 && !memcmp(w1, w2, nw1 * sizeof *w1), "and bit-identical weights");
	free(w1), free(w2), free(l1), free(l2);
	free(d.x0), free(d.x1);
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	if (argc > 1)
		snprintf(path, sizeof path, "%s/mlp.json", argv[1]);
	else
		snprintf(path, sizeof path, "%s/tests/nn/golden/mlp.json", top ? top : ".");
	json_error_t je;
	json_t *golden = json_load_file(path, 0, &je);
	if (!golden) {
		printf("Bail out! cannot read %s: %s\n", path, je.text);
		return 1;
	}
	printf("# golden: %s (%s)\n", path, json_string_value(json_object_get(golden, "generator")));
	nn_set_threads(1);

	test_parity(golden);
	printf("# parity: max relative difference forward %.3e (tol %.0e), gradients and updated "
	       "tensors %.3e (tol %.0e)\n",
	       worst_fwd, TOL_FWD, worst_grad, TOL_GRAD);
	test_finite_differences(1, 0);
	test_finite_differences(2, 0);
	test_finite_differences(2, 1);
	printf("# finite differences: max relative error %.3e (tol %.0e)\n", worst_fd, FD_TOL);
	test_consistency();
	nn_set_threads(2);
	test_learning();
	json_decref(golden);
	return tap_done();
}
