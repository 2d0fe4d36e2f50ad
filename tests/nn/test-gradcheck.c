/*
 * test-gradcheck.c - every backward pass in src/nn against central finite
 * differences of its forward pass, and nn_sgemm against nn_sgemm_naive.
 *
 * For an op with output `out`, the scalar L = sum(out * R) for a fixed
 * random R makes R the upstream gradient: backward(dout = R) must give
 * dL/dx.  Numerically, dL/dx_i ~ (L(x_i + h) - L(x_i - h)) / (x_i+h - x_i-h)
 * with h = EPS, L summed in double and the denominator taken from the
 * float values actually used.  Tolerance: |analytic - numeric| <= TOL *
 * max(|analytic|, |numeric|, FLOOR); the absolute floor absorbs float32
 * round-off in L for gradients near zero.  Each check prints its max
 * relative error.  Cross-entropy is checked on its scalar loss directly.
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/nn/ops.h"

#define EPS 1e-3f
#define TOL 1e-2
#define FLOOR 1e-1

static yj_rng rng;

/* Uniform in [-a, a). */
static void fill(float *x, size_t n, float a)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)((2.0 * rng_uniform(&rng) - 1.0) * a);
}

/* sum(out * R) in double. */
static double dot(const float *out, const float *R, size_t n)
{
	double s = 0.0;
	for (size_t i = 0; i < n; i++)
		s += (double)out[i] * R[i];
	return s;
}

/* ---------------------------------------------------------------- checker */

typedef double (*loss_fn)(void *ctx);

/* Max relative error of the analytic gradient g of x (n) against central
 * differences of f, which reads x through ctx. */
static double fd_error(float *x, const float *g, size_t n, loss_fn f, void *ctx)
{
	double worst = 0.0;
	for (size_t i = 0; i < n; i++) {
		float save = x[i];
		float xp = save + EPS, xm = save - EPS;
		x[i] = xp;
		double lp = f(ctx);
		x[i] = xm;
		double lm = f(ctx);
		x[i] = save;
		double num = (lp - lm) / ((double)xp - xm);
		double den = fmax(fmax(fabs(num), fabs((double)g[i])), FLOOR);
		double rel = fabs(num - g[i]) / den;
		if (!(rel <= worst)) /* also catches NaN */
			worst = isnan(rel) ? INFINITY : rel;
	}
	f(ctx); /* leave the outputs of the unperturbed inputs behind */
	return worst;
}

static void check(const char *what, float *x, const float *g, size_t n, loss_fn f, void *ctx)
{
	double e = fd_error(x, g, n, f, ctx);
	ok(e <= TOL, "%-34s max rel err %.2e over %zu (tol %.0e)", what, e, n, TOL);
}

/* ------------------------------------------------------------------ linear */

typedef struct {
	int B, IN, OUT;
	float *in, *w, *b, *out, *R;
} lin_ctx;

static double lin_loss(void *p)
{
	lin_ctx *c = p;
	linear_forward(c->out, c->in, c->w, c->b, c->B, c->IN, c->OUT);
	return dot(c->out, c->R, (size_t)c->B * c->OUT);
}

static void test_linear(void)
{
	/* Odd sizes so no dimension is a multiple of a SIMD width. */
	lin_ctx c = {.B = 5, .IN = 7, .OUT = 3};
	size_t ni = (size_t)c.B * c.IN, nw = (size_t)c.OUT * c.IN, no = (size_t)c.B * c.OUT;
	c.in = malloc(ni * 4), c.w = malloc(nw * 4), c.b = malloc(c.OUT * 4);
	c.out = malloc(no * 4), c.R = malloc(no * 4);
	fill(c.in, ni, 1), fill(c.w, nw, 1), fill(c.b, c.OUT, 1), fill(c.R, no, 1);
	float *din = calloc(ni, 4), *dw = calloc(nw, 4), *db = calloc(c.OUT, 4);
	lin_loss(&c);
	linear_backward(din, dw, db, c.R, c.in, c.w, c.B, c.IN, c.OUT);
	check("linear d(input)", c.in, din, ni, lin_loss, &c);
	check("linear d(weight)", c.w, dw, nw, lin_loss, &c);
	check("linear d(bias)", c.b, db, c.OUT, lin_loss, &c);

	/* Backward accumulates: a second call doubles the gradients, and
	 * NULL outputs are skipped. */
	float *din2 = malloc(ni * 4);
	memcpy(din2, din, ni * 4);
	linear_backward(din, NULL, NULL, c.R, c.in, c.w, c.B, c.IN, c.OUT);
	int twice = 1;
	for (size_t i = 0; i < ni; i++)
		twice &= fabsf(din[i] - 2 * din2[i]) <= 1e-6f * (1 + fabsf(din[i]));
	ok(twice, "linear_backward accumulates (+=) into din");

	/* No bias: out = in w^T. */
	float *out2 = malloc(no * 4);
	linear_forward(out2, c.in, c.w, NULL, c.B, c.IN, c.OUT);
	int nob = 1;
	for (int r = 0; r < c.B; r++)
		for (int o = 0; o < c.OUT; o++)
			nob &= fabsf(out2[r * c.OUT + o] + c.b[o] - c.out[r * c.OUT + o]) < 1e-5f;
	ok(nob, "linear_forward without bias");

	/* Same inputs, same bits. */
	linear_forward(out2, c.in, c.w, c.b, c.B, c.IN, c.OUT);
	ok(memcmp(out2, c.out, no * 4) == 0, "linear_forward is deterministic");
	free(c.in), free(c.w), free(c.b), free(c.out), free(c.R), free(din), free(dw), free(db);
	free(din2), free(out2);
}

/* ------------------------------------------------------------- activations */

typedef struct {
	size_t n;
	float *in, *out, *R;
	void (*fwd)(float *, const float *, size_t);
} act_ctx;

static double act_loss(void *p)
{
	act_ctx *c = p;
	c->fwd(c->out, c->in, c->n);
	return dot(c->out, c->R, c->n);
}

static void test_activations(void)
{
	act_ctx c = {.n = 40};
	c.in = malloc(c.n * 4), c.out = malloc(c.n * 4), c.R = malloc(c.n * 4);
	float *g = malloc(c.n * 4);
	fill(c.R, c.n, 1);

	/* relu: inputs kept away from the kink at 0, where the derivative
	 * jumps and differences across it mean nothing. */
	fill(c.in, c.n, 3);
	for (size_t i = 0; i < c.n; i++)
		if (fabsf(c.in[i]) < 0.05f)
			c.in[i] = 0.5f;
	c.fwd = relu_forward;
	act_loss(&c);
	memset(g, 0, c.n * 4);
	relu_backward(g, c.R, c.in, c.n);
	check("relu d(input)", c.in, g, c.n, act_loss, &c);

	/* The checker can fail: a relu gradient scaled by 1.1 is wrong. */
	for (size_t i = 0; i < c.n; i++)
		g[i] *= 1.1f;
	double e = fd_error(c.in, g, c.n, act_loss, &c);
	ok(e > TOL, "a 10%% wrong gradient is caught (max rel err %.2e)", e);

	c.fwd = gelu_forward;
	fill(c.in, c.n, 4);
	act_loss(&c);
	memset(g, 0, c.n * 4);
	gelu_backward(g, c.R, c.in, c.n);
	check("gelu d(input)", c.in, g, c.n, act_loss, &c);

	c.fwd = tanh_forward;
	fill(c.in, c.n, 3);
	act_loss(&c); /* tanh_backward takes the saved output */
	memset(g, 0, c.n * 4);
	tanh_backward(g, c.R, c.out, c.n);
	check("tanh d(input)", c.in, g, c.n, act_loss, &c);

	/* Values from the definitions. */
	float x[3] = {-1.0f, 0.0f, 2.0f}, y[3];
	gelu_forward(y, x, 3);
	ok(fabsf(y[0] - -0.15865525393f) < 1e-6f && y[1] == 0.0f &&
	       fabsf(y[2] - 1.95449973610f) < 1e-6f,
	   "gelu(-1, 0, 2) = x Phi(x)");
	relu_forward(y, x, 3);
	ok(y[0] == 0.0f && y[1] == 0.0f && y[2] == 2.0f, "relu(-1, 0, 2)");
	free(c.in), free(c.out), free(c.R), free(g);
}

/* --------------------------------------------------------------- batchnorm */

typedef struct {
	int B, C;
	float *in, *gamma, *beta, *out, *xhat, *mean, *rstd, *R;
} bn_ctx;

static double bn_loss(void *p)
{
	bn_ctx *c = p;
	/* No running statistics: each evaluation must see the same layer. */
	batchnorm_forward_train(c->out, c->xhat, c->mean, c->rstd, NULL, NULL, c->in, c->gamma,
				c->beta, c->B, c->C, 0.1f, 1e-5f);
	return dot(c->out, c->R, (size_t)c->B * c->C);
}

static void test_batchnorm(void)
{
	bn_ctx c = {.B = 6, .C = 5};
	size_t n = (size_t)c.B * c.C;
	c.in = malloc(n * 4), c.out = malloc(n * 4), c.xhat = malloc(n * 4), c.R = malloc(n * 4);
	c.gamma = malloc(c.C * 4), c.beta = malloc(c.C * 4);
	c.mean = malloc(c.C * 4), c.rstd = malloc(c.C * 4);
	fill(c.in, n, 2), fill(c.R, n, 1), fill(c.beta, c.C, 1);
	for (int i = 0; i < c.C; i++)
		c.gamma[i] = 0.5f + (float)rng_uniform(&rng);
	float *din = calloc(n, 4), *dg = calloc(c.C, 4), *db = calloc(c.C, 4);
	bn_loss(&c);
	batchnorm_backward(din, dg, db, c.R, c.xhat, c.rstd, c.gamma, c.B, c.C);
	check("batchnorm (train) d(input)", c.in, din, n, bn_loss, &c);
	check("batchnorm d(gamma)", c.gamma, dg, c.C, bn_loss, &c);
	check("batchnorm d(beta)", c.beta, db, c.C, bn_loss, &c);

	/* Wider than one 256-channel block of the implementation. */
	bn_ctx w = {.B = 3, .C = 300};
	size_t nw = (size_t)w.B * w.C;
	w.in = malloc(nw * 4), w.out = malloc(nw * 4), w.xhat = malloc(nw * 4),
	w.R = malloc(nw * 4);
	w.gamma = malloc(w.C * 4), w.beta = malloc(w.C * 4);
	w.mean = malloc(w.C * 4), w.rstd = malloc(w.C * 4);
	fill(w.in, nw, 2), fill(w.R, nw, 1), fill(w.beta, w.C, 1), fill(w.gamma, w.C, 1);
	float *dinw = calloc(nw, 4);
	bn_loss(&w);
	batchnorm_backward(dinw, NULL, NULL, w.R, w.xhat, w.rstd, w.gamma, w.B, w.C);
	check("batchnorm d(input), 300 channels", w.in, dinw, nw, bn_loss, &w);

	/* Training-mode output has batch mean 0 and biased variance 1 per
	 * channel before the affine step (gamma 1, beta 0). */
	int good = 1;
	for (int ch = 0; ch < c.C; ch++) {
		double m = 0, v = 0;
		for (int r = 0; r < c.B; r++)
			m += c.xhat[r * c.C + ch];
		m /= c.B;
		for (int r = 0; r < c.B; r++)
			v += (c.xhat[r * c.C + ch] - m) * (c.xhat[r * c.C + ch] - m);
		v /= c.B;
		good &= fabs(m) < 1e-5 && fabs(v - 1.0) < 1e-3;
	}
	ok(good, "batchnorm xhat has mean 0 and variance 1 per channel");
	free(c.in), free(c.out), free(c.xhat), free(c.R), free(c.gamma), free(c.beta);
	free(c.mean), free(c.rstd), free(din), free(dg), free(db);
	free(w.in), free(w.out), free(w.xhat), free(w.R), free(w.gamma), free(w.beta);
	free(w.mean), free(w.rstd), free(dinw);
}

/* --------------------------------------------------------------- layernorm */

typedef struct {
	int B, C;
	float *in, *w, *b, *out, *mean, *rstd, *R;
} ln_ctx;

static double ln_loss(void *p)
{
	ln_ctx *c = p;
	layernorm_forward(c->out, c->mean, c->rstd, c->in, c->w, c->b, c->B, c->C, 1e-5f);
	return dot(c->out, c->R, (size_t)c->B * c->C);
}

static void test_layernorm(void)
{
	ln_ctx c = {.B = 4, .C = 7};
	size_t n = (size_t)c.B * c.C;
	c.in = malloc(n * 4), c.out = malloc(n * 4), c.R = malloc(n * 4);
	c.w = malloc(c.C * 4), c.b = malloc(c.C * 4), c.mean = malloc(c.B * 4),
	c.rstd = malloc(c.B * 4);
	fill(c.in, n, 2), fill(c.R, n, 1), fill(c.b, c.C, 1);
	for (int i = 0; i < c.C; i++)
		c.w[i] = 0.5f + (float)rng_uniform(&rng);
	float *din = calloc(n, 4), *dw = calloc(c.C, 4), *db = calloc(c.C, 4);
	ln_loss(&c);
	layernorm_backward(din, dw, db, c.R, c.in, c.mean, c.rstd, c.w, c.B, c.C);
	check("layernorm d(input)", c.in, din, n, ln_loss, &c);
	check("layernorm d(weight)", c.w, dw, c.C, ln_loss, &c);
	check("layernorm d(bias)", c.b, db, c.C, ln_loss, &c);
	free(c.in), free(c.out), free(c.R), free(c.w), free(c.b), free(c.mean), free(c.rstd);
	free(din), free(dw), free(db);
}

/* ----------------------------------------------------------------- dropout */

typedef struct {
	size_t n;
	float p;
	uint64_t seed;
	float *in, *out, *mask, *R;
} do_ctx;

static double do_loss(void *p)
{
	do_ctx *c = p;
	/* Re-seeded on every call: the mask is fixed by the seed. */
	yj_rng r;
	rng_seed(&r, c->seed);
	dropout_forward(c->out, c->mask, c->in, c->n, c->p, &r);
	return dot(c->out, c->R, c->n);
}

static void test_dropout(void)
{
	do_ctx c = {.n = 50, .p = 0.3f, .seed = 7};
	c.in = malloc(c.n * 4), c.out = malloc(c.n * 4), c.mask = malloc(c.n * 4);
	c.R = malloc(c.n * 4);
	fill(c.in, c.n, 2), fill(c.R, c.n, 1);
	float *din = calloc(c.n, 4);
	do_loss(&c);
	dropout_backward(din, c.R, c.mask, c.n);
	check("dropout d(input), fixed mask", c.in, din, c.n, do_loss, &c);

	int values = 1;
	size_t dropped = 0;
	for (size_t i = 0; i < c.n; i++) {
		values &= c.mask[i] == 0.0f || c.mask[i] == 1.0f / 0.7f;
		dropped += c.mask[i] == 0.0f;
	}
	ok(values && dropped > 0 && dropped < c.n, "mask is 0 or 1/(1-p) (%zu of %zu dropped)",
	   dropped, c.n);

	/* Rate over many draws, and the same seed gives the same mask. */
	size_t big = 100000, zeros = 0;
	float *bi = malloc(big * 4), *bo = malloc(big * 4), *bm = malloc(big * 4),
	      *bm2 = malloc(big * 4);
	for (size_t i = 0; i < big; i++)
		bi[i] = 1.0f;
	yj_rng r;
	rng_seed(&r, 99);
	dropout_forward(bo, bm, bi, big, 0.3f, &r);
	for (size_t i = 0; i < big; i++)
		zeros += bm[i] == 0.0f;
	ok(fabs((double)zeros / big - 0.3) < 0.01, "dropout rate %.4f ~ p = 0.3",
	   (double)zeros / big);
	rng_seed(&r, 99);
	dropout_forward(bo, bm2, bi, big, 0.3f, &r);
	ok(memcmp(bm, bm2, big * 4) == 0, "same seed, same mask");
	dropout_forward(bo, bm2, bi, 10, 0.0f, &r);
	ok(bm2[0] == 1.0f && bo[9] == 1.0f, "p = 0 keeps everything");
	dropout_forward(bo, bm2, bi, 10, 1.0f, &r);
	ok(bm2[0] == 0.0f && bo[9] == 0.0f, "p = 1 drops everything");
	free(c.in), free(c.out), free(c.mask), free(c.R), free(din);
	free(bi), free(bo), free(bm), free(bm2);
}

/* --------------------------------------------------------------- embedding */

typedef struct {
	int B, C;
	const int32_t *ids;
	float *table, *out, *R;
} emb_ctx;

static double emb_loss(void *p)
{
	emb_ctx *c = p;
	embedding_forward(c->out, c->ids, c->table, c->B, c->C);
	return dot(c->out, c->R, (size_t)c->B * c->C);
}

static void test_embedding(void)
{
	/* Row 1 appears twice (its gradient sums), row 3 never (zero). */
	static const int32_t ids[5] = {1, 0, 4, 1, 2};
	emb_ctx c = {.B = 5, .C = 3, .ids = ids};
	size_t nt = 5 * 3, no = (size_t)c.B * c.C;
	c.table = malloc(nt * 4), c.out = malloc(no * 4), c.R = malloc(no * 4);
	fill(c.table, nt, 1), fill(c.R, no, 1);
	float *dt = calloc(nt, 4);
	emb_loss(&c);
	embedding_backward(dt, c.R, ids, c.B, c.C);
	check("embedding d(table)", c.table, dt, nt, emb_loss, &c);
	ok(dt[9] == 0.0f && dt[10] == 0.0f && dt[11] == 0.0f, "an unused row gets no gradient");
	ok(memcmp(c.out + 3, c.table, 12) == 0, "embedding row 1 = table[0]");
	free(c.table), free(c.out), free(c.R), free(dt);
}

/* ----------------------------------------------------------- cross-entropy */

typedef struct {
	int B, K;
	const int32_t *labels;
	const float *w;
	float *logits, *probs;
} ce_ctx;

static double ce_loss(void *p)
{
	ce_ctx *c = p;
	return softmax_xent_forward(c->probs, c->logits, c->labels, c->w, c->B, c->K);
}

static void test_xent(void)
{
	/* Row 2 is ignored (negative label). */
	static const int32_t labels[5] = {0, 3, -1, 2, 3};
	static const float w[4] = {0.5f, 2.0f, 1.0f, 3.0f};
	ce_ctx c = {.B = 5, .K = 4, .labels = labels};
	size_t n = (size_t)c.B * c.K;
	c.logits = malloc(n * 4), c.probs = malloc(n * 4);
	fill(c.logits, n, 3);
	float *g = calloc(n, 4);

	ce_loss(&c);
	softmax_xent_backward(g, c.probs, labels, NULL, c.B, c.K);
	check("cross-entropy d(logits)", c.logits, g, n, ce_loss, &c);
	ok(g[8] == 0 && g[9] == 0 && g[10] == 0 && g[11] == 0, "an ignored row gets no gradient");

	c.w = w;
	ce_loss(&c);
	memset(g, 0, n * 4);
	softmax_xent_backward(g, c.probs, labels, w, c.B, c.K);
	check("cross-entropy d(logits), class weights", c.logits, g, n, ce_loss, &c);

	/* Stability: logits of 1e4 do not overflow exp. */
	float big[3] = {1e4f, 1e4f - 2.0f, -1e4f}, pb[3];
	int32_t y = 1;
	float l = softmax_xent_forward(pb, big, &y, NULL, 1, 3);
	double want = 2.0 + log(1.0 + exp(-2.0));
	ok(isfinite(l) && fabs(l - want) < 1e-5, "loss at logits 1e4 = %.6f (want %.6f)", l, want);

	/* Every row ignored: 0 and no gradient instead of PyTorch's NaN. */
	int32_t none[2] = {-1, -100};
	float lg[6] = {1, 2, 3, 4, 5, 6}, pr[6], gr[6] = {0};
	float l0 = softmax_xent_forward(pr, lg, none, NULL, 2, 3);
	softmax_xent_backward(gr, pr, none, NULL, 2, 3);
	ok(l0 == 0.0f && gr[0] == 0.0f && gr[5] == 0.0f, "all rows ignored: loss 0, no gradient");
	free(c.logits), free(c.probs), free(g);
}

/* ------------------------------------------------------------------- sgemm */

/* nn_sgemm (OpenBLAS) vs nn_sgemm_naive for op(A) (M,K), op(B) (K,N),
 * with row strides wider than the rows (lda > cols) to catch stride
 * mix-ups, alpha/beta other than 1/0, and beta = 0 over a NaN-filled C. */
static void test_sgemm_case(int ta, int tb, int M, int N, int K)
{
	int ar = ta ? K : M, ac = ta ? M : K, br = tb ? N : K, bc = tb ? K : N;
	int lda = ac + 3, ldb = bc + 2, ldc = N + 1;
	float *A = malloc((size_t)ar * lda * 4), *B = malloc((size_t)br * ldb * 4);
	float *C1 = malloc((size_t)M * ldc * 4), *C2 = malloc((size_t)M * ldc * 4);
	fill(A, (size_t)ar * lda, 1), fill(B, (size_t)br * ldb, 1), fill(C1, (size_t)M * ldc, 1);
	memcpy(C2, C1, (size_t)M * ldc * 4);
	nn_sgemm(ta, tb, M, N, K, 0.75f, A, lda, B, ldb, 0.5f, C1, ldc);
	nn_sgemm_naive(ta, tb, M, N, K, 0.75f, A, lda, B, ldb, 0.5f, C2, ldc);
	double worst = 0.0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double d = fabs((double)C1[i * ldc + j] - C2[i * ldc + j]);
			double rel = d / fmax(fabs((double)C2[i * ldc + j]), 1.0);
			worst = rel > worst ? rel : worst;
		}
	/* The padding column of C must be untouched. */
	int pad = 1;
	for (int i = 0; i < M; i++)
		pad &= C1[i * ldc + N] == C2[i * ldc + N];

	for (int i = 0; i < M * ldc; i++)
		C1[i] = C2[i] = NAN;
	nn_sgemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C1, ldc);
	nn_sgemm_naive(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C2, ldc);
	double worst0 = 0.0;
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			double d = fabs((double)C1[i * ldc + j] - C2[i * ldc + j]);
			double rel = d / fmax(fabs((double)C2[i * ldc + j]), 1.0);
			worst0 = !(rel <= worst0) ? (isnan(rel) ? INFINITY : rel) : worst0;
		}
	ok(worst <= 1e-5 && worst0 <= 1e-5 && pad,
	   "sgemm %c%c M=%d N=%d K=%d vs naive: max rel diff %.2e (beta 0 over NaN: %.2e)",
	   ta ? 'T' : 'N', tb ? 'T' : 'N', M, N, K, worst, worst0);
	free(A), free(B), free(C1), free(C2);
}

static void test_sgemm(void)
{
	for (int ta = 0; ta < 2; ta++)
		for (int tb = 0; tb < 2; tb++) {
			test_sgemm_case(ta, tb, 7, 5, 13);
			test_sgemm_case(ta, tb, 33, 17, 65);
			test_sgemm_case(ta, tb, 1, 129, 3);
		}
	/* Threads: 0 resolves to a positive count; the product does not
	 * depend on the call. */
	nn_set_threads(0);
	ok(nn_threads() > 0, "nn_set_threads(0) picks %d thread(s)", nn_threads());
	nn_set_threads(2);
	is_int(nn_threads(), 2, "nn_set_threads(2)");
	int M = 64, N = 48, K = 96;
	float *A = malloc((size_t)M * K * 4), *B = malloc((size_t)K * N * 4);
	float *C1 = malloc((size_t)M * N * 4), *C2 = malloc((size_t)M * N * 4);
	fill(A, (size_t)M * K, 1), fill(B, (size_t)K * N, 1);
	nn_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C1, N);
	nn_sgemm(0, 0, M, N, K, 1.0f, A, K, B, N, 0.0f, C2, N);
	ok(memcmp(C1, C2, (size_t)M * N * 4) == 0, "sgemm with 2 threads: same inputs, same bits");
	nn_set_threads(1);
	free(A), free(B), free(C1), free(C2);
}

/* exp_shift_sum (softmax's exponentials) against libm's exp in double:
 * 37 values (two blocks of 16 and a tail) spanning [-100, 0] after the
 * shift, the masked -FLT_MAX among them. */
static void test_exp(void)
{
	float x[37];
	double want[37], wsum = 0.0;
	for (int i = 0; i < 37; i++) {
		x[i] = i == 5 ? -FLT_MAX : 3.0f - 103.0f * (float)i / 36.0f; /* shift 3 */
		double y = (double)x[i] - 3.0;
		want[i] = y < -87.0 ? 0.0 : exp(y);
		wsum += want[i];
	}
	double sum = exp_shift_sum(x, 37, 3.0f), worst = 0.0;
	int zeros = 1;
	for (int i = 0; i < 37; i++) {
		if (want[i] == 0.0)
			zeros &= x[i] == 0.0f;
		else
			worst = fmax(worst, fabs(x[i] - want[i]) / want[i]);
	}
	ok(worst < 4e-7, "exp_shift_sum: max rel err %.2e against exp (tol 4e-7)", worst);
	ok(zeros, "exp_shift_sum: below -87 (and -FLT_MAX) exactly 0");
	ok(fabs(sum - wsum) <= 4e-7 * wsum, "exp_shift_sum: the sum %.9g (exp: %.9g)", sum, wsum);
}

/* xent_rows (the MLM head's loss) against the definition in double:
 * loss_p = log sum_v exp(x_v) - x_y, gradient (softmax - onehot) * scale,
 * over rows of a small and of the MLM's vocabulary width; a row count
 * past its 256-row regions; the same bits with 1 and 2 threads. */
static void test_xent_rows(void)
{
	enum { Vs = 7 };
	const int V = 21128, P = 300;
	float *x = malloc(sizeof(float) * (size_t)P * V), *x2 = malloc(sizeof(float) * (size_t)P * V);
	int32_t *y = malloc(sizeof(int32_t) * P);
	double want = 0.0, worst_g = 0.0;
	long want_hit = 0;
	fill(x, (size_t)P * V, 8.0f);
	for (int p = 0; p < P; p++) {
		y[p] = (int32_t)rng_below(&rng, (uint64_t)V);
		if (p % 3 == 0) /* some rows predict their label */
			x[(size_t)p * V + y[p]] = 30.0f;
	}
	memcpy(x2, x, sizeof(float) * (size_t)P * V);
	for (int p = 0; p < P; p++) {
		const float *r = x + (size_t)p * V;
		double mx = r[0], sum = 0.0;
		int arg = 0;
		for (int v = 1; v < V; v++)
			if (r[v] > mx)
				mx = r[v], arg = v;
		for (int v = 0; v < V; v++)
			sum += exp((double)r[v] - mx);
		want += log(sum) - ((double)r[y[p]] - mx);
		want_hit += arg == y[p];
	}
	nn_set_threads(2);
	long hit = 0;
	double got = xent_rows(x, y, P, V, 1.0f / (float)P, 1, &hit);
	ok(fabs(got - want) <= 1e-6 * fabs(want), "xent_rows: the loss %.9g (double: %.9g)", got, want);
	is_int((int)hit, (int)want_hit, "xent_rows: rows whose argmax is the label");
	for (int p = 0; p < 4; p++) {
		const float *r = x2 + (size_t)p * V;
		double mx = r[0], sum = 0.0;
		for (int v = 1; v < V; v++)
			mx = r[v] > mx ? r[v] : mx;
		for (int v = 0; v < V; v++)
			sum += exp((double)r[v] - mx);
		for (int v = 0; v < V; v++) {
			double g = (exp((double)r[v] - mx) / sum - (v == y[p])) / P;
			/* relative where the entry is not tiny; absolute (in units
			 * of the scale 1/P) everywhere: the label's entry, p - 1
			 * with p near 1, cancels in float as in PyTorch */
			double d = fabs(x[(size_t)p * V + v] - g);
			double e = fabs(g) * P > 1e-4 ? d / fabs(g) : d * P * 10.0;
			worst_g = e > worst_g ? e : worst_g;
		}
	}
	/* rows 0-3's gradient against the definition, from the saved logits */
	ok(worst_g < 1e-5, "xent_rows: gradient rows max rel diff %.3e (tol 1e-5; entries below 1e-4/P: 1e-6/P absolute)", worst_g);
	/* one thread: the same bits (rows are independent, summed in order) */
	float *x3 = malloc(sizeof(float) * (size_t)P * V);
	memcpy(x3, x2, sizeof(float) * (size_t)P * V);
	nn_set_threads(1);
	long hit1 = 0;
	double got1 = xent_rows(x3, y, P, V, 1.0f / (float)P, 1, &hit1);
	ok(got1 == got && hit1 == hit && !memcmp(x3, x, sizeof(float) * (size_t)P * V),
	   "xent_rows: 1 and 2 threads give the same bits");
	/* a narrow row without grad: the loss only */
	float s[Vs] = {1, 2, 3, 4, 5, 6, 7};
	int32_t ys = 2;
	long h = 0;
	double ls = xent_rows(s, &ys, 1, Vs, 1.0f, 0, &h), ws = 0;
	for (int v = 0; v < Vs; v++)
		ws += exp(v + 1.0 - 7.0);
	ws = log(ws) - (3.0 - 7.0);
	ok(fabs(ls - ws) <= 1e-6 * ws && h == 0, "xent_rows: (1..7), label 2: %.9g (%.9g)", ls, ws);
	free(x);
	free(x2);
	free(x3);
	free(y);
}

int main(void)
{
	rng_seed(&rng, 20240611);
	nn_set_threads(1);
	test_sgemm();
	test_exp();
	test_linear();
	test_activations();
	test_batchnorm();
	test_layernorm();
	test_dropout();
	test_embedding();
	test_xent();
	test_xent_rows();
	return tap_done();
}
