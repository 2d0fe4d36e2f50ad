/*
 * test-parity-ops.c - src/nn against PyTorch's own numbers.
 *
 * tests/nn/golden/ops.json holds fixed inputs and what PyTorch computed from
 * them (tests/reference/gen_nn_ops.py, Debian's python3-torch; committed so
 * this test needs no torch).  Every comparison prints its maximum absolute
 * and relative difference and FAILS beyond the tolerance:
 *   forward values                      1e-5 relative
 *   gradients, optimizer state, weights 1e-4 relative
 * Relative to max(|torch|, FLOOR): values near zero are held to an absolute
 * FLOOR * tol instead of a meaningless ratio.
 *
 * The golden file's directory comes from $top_srcdir (set by make check) or
 * the first argument.
 */
#include <config.h>

#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/params.h"

#define TOL_FWD 1e-5
#define TOL_GRAD 1e-4
#define FLOOR 1e-2

/* The largest relative difference seen by any comparison, for the summary. */
static double worst_fwd, worst_grad;

/* ------------------------------------------------------------ golden file */

static json_t *golden;

/* The float array at key in obj (malloc'd, *n elements); NULL and a failed
 * assertion when missing, so a broken golden file cannot pass silently. */
static float *farr(json_t *obj, const char *key, size_t *n)
{
	json_t *a = json_object_get(obj, key);
	if (!json_is_array(a)) {
		ok(0, "golden has an array '%s'", key);
		return NULL;
	}
	size_t len = json_array_size(a);
	float *v = malloc((len ? len : 1) * sizeof *v);
	for (size_t i = 0; i < len; i++)
		v[i] = (float)json_number_value(json_array_get(a, i));
	if (n)
		*n = len;
	return v;
}

/* Row i of an array of arrays. */
static float *farr_row(json_t *obj, const char *key, size_t i, size_t *n)
{
	json_t *a = json_object_get(obj, key);
	json_t *row = json_array_get(a, i);
	json_t *tmp = json_object();
	json_object_set(tmp, "row", row);
	float *v = farr(tmp, "row", n);
	json_decref(tmp);
	return v;
}

static int geti(json_t *obj, const char *key)
{
	return (int)json_integer_value(json_object_get(obj, key));
}

static double getf(json_t *obj, const char *key)
{
	return json_number_value(json_object_get(obj, key));
}

/* ------------------------------------------------------------- comparison */

/* Whether n values match torch's within tol; the max differences in
 * *maxabs, *maxrel.  A NaN or infinity never matches. */
static int within(const float *got, const float *want, size_t n, double tol, double *maxabs,
		  double *maxrel)
{
	int good = got && want;
	*maxabs = *maxrel = 0.0;
	for (size_t i = 0; good && i < n; i++) {
		double d = fabs((double)got[i] - want[i]);
		double den = fabs((double)want[i]);
		double rel = d / (den > FLOOR ? den : FLOOR);
		good &= isfinite(got[i]) && isfinite(rel);
		*maxabs = d > *maxabs ? d : *maxabs;
		*maxrel = rel > *maxrel ? rel : *maxrel;
	}
	return good && *maxrel <= tol;
}

/* Compare n values with torch's; one TAP line with the max differences. */
static void compare(const char *what, const float *got, const float *want, size_t n, double tol)
{
	double maxabs, maxrel;
	int good = within(got, want, n, tol, &maxabs, &maxrel);
	double *worst = tol == TOL_FWD ? &worst_fwd : &worst_grad;
	*worst = maxrel > *worst ? maxrel : *worst;
	ok(good, "%-28s n=%-3zu max abs diff %.3e  max rel diff %.3e (tol %.0e)", what, n, maxabs,
	   maxrel, tol);
}

static void compare1(const char *what, double got, double want, double tol)
{
	float g = (float)got, w = (float)want;
	compare(what, &g, &w, 1, tol);
}

/* ----------------------------------------------------------------- layers */

static void test_linear(void)
{
	json_t *o = json_object_get(golden, "linear");
	int B = geti(o, "B"), IN = geti(o, "IN"), OUT = geti(o, "OUT");
	float *x = farr(o, "x", NULL), *w = farr(o, "w", NULL), *b = farr(o, "b", NULL);
	float *dout = farr(o, "dout", NULL);
	float *out = calloc((size_t)B * OUT, sizeof *out);
	float *dx = calloc((size_t)B * IN, sizeof *dx), *dw = calloc((size_t)OUT * IN, sizeof *dw);
	float *db = calloc((size_t)OUT, sizeof *db);

	linear_forward(out, x, w, b, B, IN, OUT);
	linear_backward(dx, dw, db, dout, x, w, B, IN, OUT);
	float *want;
	compare("linear out", out, want = farr(o, "out", NULL), (size_t)B * OUT, TOL_FWD);
	free(want);
	compare("linear d(input)", dx, want = farr(o, "dx", NULL), (size_t)B * IN, TOL_GRAD);
	free(want);
	compare("linear d(weight)", dw, want = farr(o, "dw", NULL), (size_t)OUT * IN, TOL_GRAD);
	free(want);
	compare("linear d(bias)", db, want = farr(o, "db", NULL), (size_t)OUT, TOL_GRAD);
	free(want);
	free(x), free(w), free(b), free(dout), free(out), free(dx), free(dw), free(db);
}

static void test_gelu(void)
{
	json_t *o = json_object_get(golden, "gelu");
	size_t n = (size_t)geti(o, "n");
	float *x = farr(o, "x", NULL), *dout = farr(o, "dout", NULL), *want;
	float *out = calloc(n, sizeof *out), *dx = calloc(n, sizeof *dx);
	gelu_forward(out, x, n);
	gelu_backward(dx, dout, x, n);
	compare("gelu out", out, want = farr(o, "out", NULL), n, TOL_FWD);
	free(want);
	compare("gelu d(input)", dx, want = farr(o, "dx", NULL), n, TOL_GRAD);
	free(want);
	free(x), free(dout), free(out), free(dx);
}

static void test_batchnorm(void)
{
	json_t *o = json_object_get(golden, "batchnorm");
	int B = geti(o, "B"), C = geti(o, "C"), Be = geti(o, "B_eval");
	float eps = (float)getf(o, "eps"), mom = (float)getf(o, "momentum");
	float *x = farr(o, "x", NULL), *g = farr(o, "gamma", NULL), *be = farr(o, "beta", NULL);
	float *rm = farr(o, "running_mean0", NULL), *rv = farr(o, "running_var0", NULL);
	float *dout = farr(o, "dout", NULL), *xe = farr(o, "x_eval", NULL), *want;
	size_t n = (size_t)B * C;
	float *out = calloc(n, sizeof *out), *xhat = calloc(n, sizeof *xhat);
	float *mean = calloc((size_t)C, sizeof *mean), *rstd = calloc((size_t)C, sizeof *rstd);
	float *dx = calloc(n, sizeof *dx), *dg = calloc((size_t)C, sizeof *dg);
	float *db = calloc((size_t)C, sizeof *db), *oe = calloc((size_t)Be * C, sizeof *oe);

	batchnorm_forward_train(out, xhat, mean, rstd, rm, rv, x, g, be, B, C, mom, eps);
	batchnorm_backward(dx, dg, db, dout, xhat, rstd, g, B, C);
	batchnorm_forward_eval(oe, xe, rm, rv, g, be, Be, C, eps);
	compare("batchnorm out (train)", out, want = farr(o, "out", NULL), n, TOL_FWD);
	free(want);
	compare("batchnorm running_mean", rm, want = farr(o, "running_mean", NULL), (size_t)C,
		TOL_FWD);
	free(want);
	compare("batchnorm running_var", rv, want = farr(o, "running_var", NULL), (size_t)C,
		TOL_FWD);
	free(want);
	compare("batchnorm out (eval)", oe, want = farr(o, "out_eval", NULL), (size_t)Be * C,
		TOL_FWD);
	free(want);
	compare("batchnorm d(input)", dx, want = farr(o, "dx", NULL), n, TOL_GRAD);
	free(want);
	compare("batchnorm d(gamma)", dg, want = farr(o, "dgamma", NULL), (size_t)C, TOL_GRAD);
	free(want);
	compare("batchnorm d(beta)", db, want = farr(o, "dbeta", NULL), (size_t)C, TOL_GRAD);
	free(want);
	free(x), free(g), free(be), free(rm), free(rv), free(dout), free(xe);
	free(out), free(xhat), free(mean), free(rstd), free(dx), free(dg), free(db), free(oe);
}

static void test_layernorm(void)
{
	json_t *o = json_object_get(golden, "layernorm");
	int B = geti(o, "B"), C = geti(o, "C");
	float eps = (float)getf(o, "eps");
	float *x = farr(o, "x", NULL), *w = farr(o, "w", NULL), *b = farr(o, "b", NULL);
	float *dout = farr(o, "dout", NULL), *want;
	size_t n = (size_t)B * C;
	float *out = calloc(n, sizeof *out), *dx = calloc(n, sizeof *dx);
	float *mean = calloc((size_t)B, sizeof *mean), *rstd = calloc((size_t)B, sizeof *rstd);
	float *dw = calloc((size_t)C, sizeof *dw), *db = calloc((size_t)C, sizeof *db);

	layernorm_forward(out, mean, rstd, x, w, b, B, C, eps);
	layernorm_backward(dx, dw, db, dout, x, mean, rstd, w, B, C);
	compare("layernorm out", out, want = farr(o, "out", NULL), n, TOL_FWD);
	free(want);
	compare("layernorm d(input)", dx, want = farr(o, "dx", NULL), n, TOL_GRAD);
	free(want);
	compare("layernorm d(weight)", dw, want = farr(o, "dw", NULL), (size_t)C, TOL_GRAD);
	free(want);
	compare("layernorm d(bias)", db, want = farr(o, "db", NULL), (size_t)C, TOL_GRAD);
	free(want);
	free(x), free(w), free(b), free(dout), free(out), free(dx), free(mean), free(rstd);
	free(dw), free(db);
}

static void test_xent(void)
{
	json_t *o = json_object_get(golden, "xent");
	int B = geti(o, "B"), K = geti(o, "K");
	float *logits = farr(o, "logits", NULL), *w = farr(o, "weight", NULL), *want;
	json_t *lab = json_object_get(o, "labels");
	int32_t *labels = calloc((size_t)B, sizeof *labels);
	for (int b = 0; b < B; b++)
		labels[b] = (int32_t)json_integer_value(json_array_get(lab, (size_t)b));
	size_t n = (size_t)B * K;
	float *probs = calloc(n, sizeof *probs), *dl = calloc(n, sizeof *dl);

	float loss_w = softmax_xent_forward(probs, logits, labels, w, B, K);
	softmax_xent_backward(dl, probs, labels, w, B, K);
	compare("softmax probs", probs, want = farr(o, "probs", NULL), n, TOL_FWD);
	free(want);
	compare1("cross-entropy loss (weights)", loss_w, getf(o, "loss_w"), TOL_FWD);
	compare("cross-entropy d(logits) (w)", dl, want = farr(o, "dlogits_w", NULL), n, TOL_GRAD);
	free(want);

	memset(dl, 0, n * sizeof *dl);
	float loss = softmax_xent_forward(probs, logits, labels, NULL, B, K);
	softmax_xent_backward(dl, probs, labels, NULL, B, K);
	compare1("cross-entropy loss", loss, getf(o, "loss"), TOL_FWD);
	compare("cross-entropy d(logits)", dl, want = farr(o, "dlogits", NULL), n, TOL_GRAD);
	free(want);

	float *p2 = calloc(n, sizeof *p2);
	softmax_forward(p2, logits, B, K);
	ok(memcmp(p2, probs, n * sizeof *p2) == 0, "softmax_forward = the cross-entropy's softmax");
	free(p2), free(logits), free(w), free(labels), free(probs), free(dl);
}

/* ------------------------------------------------------------- optimizer */

static void test_adamw(void)
{
	json_t *o = json_object_get(golden, "adamw");
	int steps = geti(o, "steps"), warmup = geti(o, "warmup"), total = geti(o, "total");
	float base = (float)getf(o, "lr");
	char name[64];
	float *want;

	/* The schedule, against transformers' lambda times the base rate. */
	size_t ns;
	float *sched = farr(o, "schedule", &ns);
	float *mine = calloc(ns, sizeof *mine);
	for (size_t s = 0; s < ns; s++)
		mine[s] = lr_schedule((long long)s, warmup, total, base);
	compare("lr_schedule (warm-up 2/5)", mine, sched, ns, TOL_FWD);
	free(sched), free(mine);

	/* A weight with decay and a bias without, as the two torch groups. */
	yj_params ps;
	params_init(&ps);
	long iw = params_add(&ps, "fc.weight", 2, (int64_t[]){3, 4}, 1, 1);
	long ib = params_add(&ps, "fc.bias", 1, (int64_t[]){3}, 0, 1);
	/* A buffer the optimizer must leave alone. */
	long ir = params_add(&ps, "bn.running_var", 1, (int64_t[]){2}, 1, 0);
	ok(iw == 0 && ib == 1 && ir == 2 && params_alloc(&ps) == 0, "params for AdamW");
	float *w0 = farr(o, "w0", NULL), *b0 = farr(o, "b0", NULL);
	memcpy(params_data(&ps, iw), w0, 12 * sizeof(float));
	memcpy(params_data(&ps, ib), b0, 3 * sizeof(float));
	params_data(&ps, ir)[0] = 1.0f;
	params_data(&ps, ir)[1] = 2.0f;
	free(w0), free(b0);

	yj_adamw opt;
	adamw_init(&opt);
	opt.weight_decay = (float)getf(o, "weight_decay");
	float *lrs = farr(o, "lrs", NULL);
	for (int s = 0; s < steps; s++) {
		float *gw = farr_row(o, "grad_w", (size_t)s, NULL);
		float *gb = farr_row(o, "grad_b", (size_t)s, NULL);
		params_zero_grad(&ps);
		memcpy(params_grad(&ps, iw), gw, 12 * sizeof(float));
		memcpy(params_grad(&ps, ib), gb, 3 * sizeof(float));
		params_grad(&ps, ir)[0] = 5.0f; /* must be ignored */
		float lr = lr_schedule(s, warmup, total, base);
		snprintf(name, sizeof name, "AdamW step %d lr", s + 1);
		compare1(name, lr, lrs[s], TOL_FWD);
		adamw_step(&opt, &ps, lr);
		snprintf(name, sizeof name, "AdamW step %d weight", s + 1);
		compare(name, params_data(&ps, iw), want = farr_row(o, "w", (size_t)s, NULL), 12,
			TOL_GRAD);
		free(want);
		snprintf(name, sizeof name, "AdamW step %d bias", s + 1);
		compare(name, params_data(&ps, ib), want = farr_row(o, "b", (size_t)s, NULL), 3,
			TOL_GRAD);
		free(want);
		free(gw), free(gb);
	}
	compare("AdamW exp_avg (weight)", ps.m + ps.v[iw].offset, want = farr(o, "m_w", NULL), 12,
		TOL_GRAD);
	free(want);
	compare("AdamW exp_avg_sq (weight)", ps.v2 + ps.v[iw].offset, want = farr(o, "v_w", NULL),
		12, TOL_GRAD);
	free(want);
	compare("AdamW exp_avg (bias)", ps.m + ps.v[ib].offset, want = farr(o, "m_b", NULL), 3,
		TOL_GRAD);
	free(want);
	compare("AdamW exp_avg_sq (bias)", ps.v2 + ps.v[ib].offset, want = farr(o, "v_b", NULL), 3,
		TOL_GRAD);
	free(want);
	is_int(opt.t, steps, "AdamW counted its steps");
	ok(params_data(&ps, ir)[0] == 1.0f && params_data(&ps, ir)[1] == 2.0f &&
	       ps.m[ps.v[ir].offset] == 0.0f,
	   "AdamW leaves a non-trainable buffer untouched");
	free(lrs);
	params_free(&ps);
}

/* adamw_step and params_zero_grad split a pass of at least 8192 floats
 * across the pool's threads: each element must get the bits of the plain
 * formula (written out here, as the comment of adamw_step states it),
 * once, at 1, 2 and 3 threads, and the shares' borders (cut on 16 floats)
 * must fall inside tensors of odd sizes and next to a non-trainable
 * buffer; every gradient is then zeroed. */
static void test_adamw_split(void)
{
	const int64_t shapes[4][2] = {{97, 100}, {33, 1}, {1001, 1}, {7, 1}};
	const int train[4] = {1, 0, 1, 1}, decay[4] = {1, 1, 0, 1};
	for (int threads = 1; threads <= 3; threads++) {
		yj_params ps;
		params_init(&ps);
		for (int i = 0; i < 4; i++) {
			char name[16];
			snprintf(name, sizeof name, "t%d", i);
			params_add(&ps, name, shapes[i][1] > 1 ? 2 : 1, shapes[i], decay[i], train[i]);
		}
		if (!ok(params_alloc(&ps) == 0 && ps.total > 8192, "AdamW split: %zu floats", ps.total))
			return;
		size_t n = ps.total;
		float *p = malloc(n * sizeof *p), *m = calloc(n, sizeof *m), *v = calloc(n, sizeof *v);
		for (size_t j = 0; j < n; j++) /* values of every sign and size */
			ps.data[j] = p[j] = (float)((double)((j * 2654435761u) % 2001) / 1000.0 - 1.0);
		yj_adamw opt;
		adamw_init(&opt);
		opt.weight_decay = 0.05f;
		nn_set_threads(threads);
		for (int step = 1; step <= 3; step++) {
			for (size_t j = 0; j < n; j++)
				ps.grad[j] =
				    (float)((double)((j * 40503u + (unsigned)step * 977u) % 1999) / 999.0 - 1.0);
			float lr = 0.01f / (float)step;
			adamw_step(&opt, &ps, lr);
			const float b1 = 0.9f, b2 = 0.999f, eps = 1e-8f;
			const float dk = (float)(1.0 - (double)lr * 0.05f);
			const float ss = (float)((double)lr / (1.0 - pow(b1, step)));
			const float bc = (float)sqrt(1.0 - pow(b2, step));
			const float o1 = (float)(1.0 - b1), o2 = (float)(1.0 - b2);
			for (int i = 0; i < 4; i++) {
				if (!train[i])
					continue;
				for (size_t j = ps.v[i].offset; j < ps.v[i].offset + ps.v[i].size; j++) {
					float g = ps.grad[j];
					p[j] *= decay[i] ? dk : 1.0f;
					m[j] = m[j] * b1 + g * o1;
					v[j] = v[j] * b2 + o2 * g * g;
					float den = sqrtf(v[j]) / bc + eps;
					p[j] += -ss * (m[j] / den);
				}
			}
		}
		params_zero_grad(&ps); /* split the same way */
		size_t nonzero = 0;
		for (size_t j = 0; j < n; j++)
			nonzero += ps.grad[j] != 0.0f || signbit(ps.grad[j]);
		ok(nonzero == 0, "params_zero_grad at %d thread%s: every gradient +0 (%zu not)", threads,
		   threads > 1 ? "s" : "", nonzero);
		nn_set_threads(1);
		ok(!memcmp(p, ps.data, n * sizeof *p) && !memcmp(m, ps.m, n * sizeof *m) &&
			   !memcmp(v, ps.v2, n * sizeof *v),
		   "AdamW at %d thread%s: every value and moment the plain formula's bits", threads,
		   threads > 1 ? "s" : "");
		free(p), free(m), free(v);
		params_free(&ps);
	}
}

static void test_clip(void)
{
	json_t *o = json_object_get(golden, "clip");
	yj_params ps;
	params_init(&ps);
	long ia = params_add(&ps, "a", 2, (int64_t[]){2, 3}, 1, 1);
	long ir = params_add(&ps, "running", 1, (int64_t[]){2}, 0, 0);
	long ib = params_add(&ps, "b", 1, (int64_t[]){4}, 0, 1);
	ok(ia >= 0 && ib >= 0 && ir >= 0 && params_alloc(&ps) == 0, "params for clipping");
	float *ga = farr(o, "grad_a", NULL), *gb = farr(o, "grad_b", NULL), *want;
	memcpy(params_grad(&ps, ia), ga, 6 * sizeof(float));
	memcpy(params_grad(&ps, ib), gb, 4 * sizeof(float));
	params_grad(&ps, ir)[0] = 100.0f; /* not trainable: not in the norm */

	float measured = clip_grad_norm(&ps, 0.0f);
	compare1("clip_grad_norm measures", measured, getf(o, "norm"), TOL_FWD);
	ok(memcmp(params_grad(&ps, ia), ga, 6 * sizeof(float)) == 0, "max_norm 0 only measures");

	float norm = clip_grad_norm(&ps, (float)getf(o, "max_norm"));
	compare1("clip_grad_norm norm", norm, getf(o, "norm"), TOL_FWD);
	compare("clip_grad_norm grads (a)", params_grad(&ps, ia), want = farr(o, "clipped_a", NULL),
		6, TOL_GRAD);
	free(want);
	compare("clip_grad_norm grads (b)", params_grad(&ps, ib), want = farr(o, "clipped_b", NULL),
		4, TOL_GRAD);
	free(want);
	ok(params_grad(&ps, ir)[0] == 100.0f, "clip_grad_norm leaves a buffer's grad alone");
	free(ga), free(gb);
	params_free(&ps);
}

/* The comparison can say no: torch's linear output with one element moved
 * by 2e-5 relative, or a NaN, must not pass at the forward tolerance. */
static void test_compare_can_fail(void)
{
	json_t *o = json_object_get(golden, "linear");
	size_t n;
	float *want = farr(o, "out", &n);
	float *got = malloc(n * sizeof *got);
	double maxabs, maxrel;
	memcpy(got, want, n * sizeof *got);
	int same = within(got, want, n, TOL_FWD, &maxabs, &maxrel);
	ok(same && maxrel == 0.0, "identical values match");
	size_t i = 0;
	for (size_t j = 1; j < n; j++)
		i = fabsf(want[j]) > fabsf(want[i]) ? j : i;
	got[i] = want[i] * (1.0f + 2e-5f);
	int moved = within(got, want, n, TOL_FWD, &maxabs, &maxrel);
	ok(!moved, "a 2e-5 relative change fails the forward tolerance (rel %.2e)", maxrel);
	got[i] = NAN;
	int nan = within(got, want, n, TOL_GRAD, &maxabs, &maxrel);
	ok(!nan, "a NaN fails");
	free(got), free(want);
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	if (argc > 1)
		snprintf(path, sizeof path, "%s/ops.json", argv[1]);
	else
		snprintf(path, sizeof path, "%s/tests/nn/golden/ops.json", top ? top : ".");
	json_error_t je;
	golden = json_load_file(path, 0, &je);
	if (!golden) {
		printf("Bail out! cannot read %s: %s\n", path, je.text);
		return 1;
	}
	printf("# golden: %s (%s)\n", path,
	       json_string_value(json_object_get(golden, "generator")));
	nn_set_threads(1);

	test_linear();
	test_gelu();
	test_batchnorm();
	test_layernorm();
	test_xent();
	test_adamw();
	test_adamw_split();
	test_clip();
	test_compare_can_fail();

	printf("# max relative difference: forward %.3e (tol %.0e), gradients/weights %.3e "
	       "(tol %.0e)\n",
	       worst_fwd, TOL_FWD, worst_grad, TOL_GRAD);
	json_decref(golden);
	return tap_done();
}
