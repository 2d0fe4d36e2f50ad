/*
 * test-bn-relu.c - the fused kernels of the structured branch: its block
 * (src/nn/norm.c: batchnorm_relu_forward_train, batchnorm_relu_forward_eval,
 * batchnorm_relu_backward), on strided rows with channel counts that are
 * not a multiple of the vector blocks, and its loss in two steps
 * (src/nn/ops.c: softmax_forward_lse, xent_from_lse):
 *
 * 1. The same bits (a zero's sign aside) as the unfused chain they replace: the Linear's bias
 *    added to the product, batchnorm_forward_train (or _eval), relu_forward;
 *    relu_backward, batchnorm_backward and linear_backward's bias sums.
 * 2. Finite differences of sum(out * R) with respect to the input, the
 *    bias, gamma and beta against batchnorm_relu_backward (entries whose
 *    +-h forwards change the ReLU pattern are skipped).
 * 3. PyTorch: tests/nn/golden/ops.json's "batchnorm" case (from
 *    tests/reference/gen_nn_ops.py, torch.nn.BatchNorm1d): the fused output
 *    is relu of torch's output, the running statistics are torch's, and
 *    with a mask that keeps everything the backward is torch's.
 *
 * 4. The loss in two steps (softmax_forward_lse on row slices, then
 *    xent_from_lse) is softmax_xent_forward's, bit for bit, with and
 *    without class weights and with ignored rows; so is its gradient
 *    (xent_weight_total, then softmax_xent_backward_rows on row slices).
 *
 * 5. The fused kernels have the bits of the plain loops written here from
 *    the formulas (each channel's sums in double over the rows in order):
 *    the statistics, running statistics, xhat, the output, and the
 *    backward's sums, din and the bias gradient, for channel counts that
 *    take every path of the blocked sums (32, 8, single channels).
 *
 * The golden file's directory comes from $top_srcdir or the first argument.
 */
#include <config.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/nn/ops.h"

static yj_rng rng;

static float *randv(size_t n, double scale)
{
	float *v = malloc(n * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (float)((2 * rng_uniform(&rng) - 1) * scale);
	return v;
}

/* Whether the B x C blocks at a (rows lda apart) and b (ldb) hold the same
 * bits, a zero's sign aside: where a channel's ReLU drops every row, the
 * fused backward writes k * -0 where batchnorm_backward adds it to +0. */
static int same_bits(const float *a, int lda, const float *b, int ldb, int B, int C)
{
	for (int r = 0; r < B; r++)
		for (int j = 0; j < C; j++) {
			float x = a[(size_t)r * lda + j], y = b[(size_t)r * ldb + j];
			if (memcmp(&x, &y, sizeof x) && !(x == 0 && y == 0))
				return 0;
		}
	return 1;
}

/* ------------------------------------------------------ 1. the same bits */

static void test_same_as_unfused(int B, int C)
{
	int ldi = C + 5, ldo = C + 3;
	size_t n = (size_t)B * C;
	float *in = randv((size_t)B * ldi, 2.0), *bias = randv((size_t)C, 1.0);
	float *ga = randv((size_t)C, 1.0), *be = randv((size_t)C, 0.5), *dout = randv((size_t)B * ldo, 1.0);
	float *rm1 = randv((size_t)C, 1.0), *rv1 = malloc((size_t)C * sizeof(float));
	float *rm2 = malloc((size_t)C * sizeof(float)), *rv2 = malloc((size_t)C * sizeof(float));
	for (int c = 0; c < C; c++)
		rv1[c] = 1.0f + 0.5f * (float)rng_uniform(&rng);
	memcpy(rm2, rm1, (size_t)C * sizeof(float));
	memcpy(rv2, rv1, (size_t)C * sizeof(float));

	/* unfused, contiguous */
	float *lin = malloc(n * 4), *bn = malloc(n * 4), *xhat = malloc(n * 4), *relu = malloc(n * 4);
	float *mean = malloc((size_t)C * 4), *rstd = malloc((size_t)C * 4), *g = malloc(n * 4);
	float *dbn = calloc(n, 4), *din = calloc(n, 4), *dga = calloc((size_t)C, 4), *dbe = calloc((size_t)C, 4);
	float *dbias = calloc((size_t)C, 4), *oe = malloc(n * 4), *re = malloc(n * 4);
	for (int r = 0; r < B; r++)
		for (int c = 0; c < C; c++) {
			lin[(size_t)r * C + c] = in[(size_t)r * ldi + c] + bias[c];
			g[(size_t)r * C + c] = dout[(size_t)r * ldo + c];
		}
	batchnorm_forward_train(bn, xhat, mean, rstd, rm1, rv1, lin, ga, be, B, C, 0.1f, 1e-5f);
	relu_forward(relu, bn, n);
	relu_backward(dbn, g, bn, n);
	batchnorm_backward(din, dga, dbe, dbn, xhat, rstd, ga, B, C);
	linear_backward(NULL, NULL, dbias, din, NULL, NULL, B, 0, C);
	batchnorm_forward_eval(oe, lin, rm1, rv1, ga, be, B, C, 1e-5f);
	relu_forward(re, oe, n);

	/* fused, strided, xhat in place over the input */
	float *x2 = malloc((size_t)B * ldi * 4), *out2 = malloc((size_t)B * ldo * 4);
	float *mean2 = malloc((size_t)C * 4), *rstd2 = malloc((size_t)C * 4);
	float *din2 = malloc((size_t)B * ldi * 4), *dga2 = calloc((size_t)C, 4), *dbe2 = calloc((size_t)C, 4);
	float *dbias2 = calloc((size_t)C, 4), *oe2 = malloc((size_t)B * ldo * 4);
	memcpy(x2, in, (size_t)B * ldi * 4);
	batchnorm_relu_forward_train(out2, ldo, x2, mean2, rstd2, rm2, rv2, x2, ldi, bias, ga, be, B, C, 0.1f,
				     1e-5f);
	batchnorm_relu_backward(din2, dbias2, dga2, dbe2, dout, ldo, out2, ldo, x2, ldi, rstd2, ga, B, C);
	batchnorm_relu_forward_eval(oe2, ldo, in, ldi, bias, rm2, rv2, ga, be, B, C, 1e-5f);

	ok(same_bits(out2, ldo, relu, C, B, C) && same_bits(x2, ldi, xhat, C, B, C) &&
		   same_bits(mean2, C, mean, C, 1, C) && same_bits(rstd2, C, rstd, C, 1, C),
	   "B %d, C %d: forward (train) = bias, batchnorm_forward_train, relu_forward, bit for bit", B, C);
	ok(same_bits(rm2, C, rm1, C, 1, C) && same_bits(rv2, C, rv1, C, 1, C),
	   "B %d, C %d: running statistics bit for bit", B, C);
	ok(same_bits(din2, ldi, din, C, B, C) && same_bits(dga2, C, dga, C, 1, C) &&
		   same_bits(dbe2, C, dbe, C, 1, C) && same_bits(dbias2, C, dbias, C, 1, C),
	   "B %d, C %d: backward = relu_backward, batchnorm_backward, bias sums, bit for bit", B, C);
	ok(same_bits(oe2, ldo, re, C, B, C), "B %d, C %d: forward (eval) = batchnorm_forward_eval, relu_forward",
	   B, C);
	size_t pos = 0;
	for (size_t i = 0; i < n; i++)
		pos += relu[i] > 0;
	ok(pos > n / 4 && pos < 3 * n / 4, "B %d, C %d: the ReLU keeps %zu of %zu (both sides exercised)", B, C,
	   pos, n);
	free(in), free(bias), free(ga), free(be), free(dout), free(rm1), free(rv1), free(rm2), free(rv2);
	free(lin), free(bn), free(xhat), free(relu), free(mean), free(rstd), free(g), free(dbn), free(din);
	free(dga), free(dbe), free(dbias), free(oe), free(re), free(x2), free(out2), free(mean2), free(rstd2);
	free(din2), free(dga2), free(dbe2), free(dbias2), free(oe2);
}

/* ------------------------------------------------ 2. finite differences */

typedef struct {
	int B, C, ldi, ldo;
	float *in, *bias, *ga, *be, *R, *x, *out, *mean, *rstd;
	unsigned char *pat;
} fd_ctx;

/* sum(out * R) in double; the ReLU pattern into pat. */
static double fd_loss(fd_ctx *c, unsigned char *pat)
{
	memcpy(c->x, c->in, (size_t)c->B * c->ldi * sizeof(float));
	batchnorm_relu_forward_train(c->out, c->ldo, c->x, c->mean, c->rstd, NULL, NULL, c->x, c->ldi, c->bias,
				     c->ga, c->be, c->B, c->C, 0.1f, 1e-5f);
	double l = 0;
	for (int r = 0; r < c->B; r++)
		for (int j = 0; j < c->C; j++) {
			float o = c->out[(size_t)r * c->ldo + j];
			l += (double)o * c->R[(size_t)r * c->ldo + j];
			pat[(size_t)r * c->C + j] = o > 0;
		}
	return l;
}

/* The worst relative error of n analytic entries grad[i*gs] of the
 * parameter at p[i*ps]; *checked counts those compared. */
static double fd_worst(fd_ctx *c, float *p, size_t n, size_t ps, const float *grad, size_t gs, int *checked)
{
	size_t np = (size_t)c->B * c->C;
	unsigned char *ref = malloc(np), *pa = malloc(np), *pb = malloc(np);
	fd_loss(c, ref);
	double worst = 0;
	for (size_t i = 0; i < n; i++) {
		float p0 = p[i * ps], h = 1e-2f * (fabsf(p0) > 1 ? fabsf(p0) : 1);
		p[i * ps] = p0 + h;
		double lp = fd_loss(c, pa);
		p[i * ps] = p0 - h;
		double lm = fd_loss(c, pb);
		p[i * ps] = p0;
		if (memcmp(pa, ref, np) || memcmp(pb, ref, np))
			continue; /* a kink between the two */
		double num = (lp - lm) / (2.0 * h), an = grad[i * gs];
		double den = fmax(fmax(fabs(num), fabs(an)), 1e-2);
		worst = fmax(worst, fabs(num - an) / den);
		(*checked)++;
	}
	free(ref), free(pa), free(pb);
	return worst;
}

static void test_finite_differences(void)
{
	fd_ctx c = {.B = 9, .C = 21, .ldi = 24, .ldo = 26};
	size_t ni = (size_t)c.B * c.ldi, no = (size_t)c.B * c.ldo;
	c.in = randv(ni, 2.0), c.bias = randv((size_t)c.C, 1.0), c.ga = randv((size_t)c.C, 1.5);
	c.be = randv((size_t)c.C, 0.5), c.R = randv(no, 1.0);
	c.x = malloc(ni * 4), c.out = malloc(no * 4), c.mean = malloc((size_t)c.C * 4), c.rstd = malloc((size_t)c.C * 4);
	unsigned char *pat = malloc((size_t)c.B * c.C);
	fd_loss(&c, pat);
	float *din = malloc(ni * 4), *dbias = calloc((size_t)c.C, 4), *dga = calloc((size_t)c.C, 4);
	float *dbe = calloc((size_t)c.C, 4);
	batchnorm_relu_backward(din, dbias, dga, dbe, c.R, c.ldo, c.out, c.ldo, c.x, c.ldi, c.rstd, c.ga, c.B, c.C);
	const double tol = 2e-2;
	int k = 0;
	double e = 0;
	for (int r = 0; r < c.B; r++)
		e = fmax(e, fd_worst(&c, c.in + (size_t)r * c.ldi, (size_t)c.C, 1, din + (size_t)r * c.ldi, 1, &k));
	ok(e < tol && k > c.B * c.C / 2, "d(input): %d entries, max rel err %.2e (tol %.0e)", k, e, tol);
	k = 0;
	e = fd_worst(&c, c.ga, (size_t)c.C, 1, dga, 1, &k);
	ok(e < tol && k > c.C / 2, "d(gamma): %d entries, max rel err %.2e", k, e);
	k = 0;
	e = fd_worst(&c, c.be, (size_t)c.C, 1, dbe, 1, &k);
	ok(e < tol && k > c.C / 2, "d(beta): %d entries, max rel err %.2e", k, e);
	/* The bias before BatchNorm cancels: its gradient is zero to rounding,
	 * as the finite differences say. */
	k = 0;
	e = fd_worst(&c, c.bias, (size_t)c.C, 1, dbias, 1, &k);
	float big = 0;
	for (int j = 0; j < c.C; j++)
		big = fmaxf(big, fabsf(dbias[j]));
	ok(e < tol && k > c.C / 2 && big < 1e-5f, "d(bias): %d entries, max rel err %.2e, largest |d| %.1e", k, e,
	   (double)big);
	/* The check can fail: gamma's gradient 10% off is caught. */
	for (int j = 0; j < c.C; j++)
		dga[j] *= 1.1f;
	k = 0;
	e = fd_worst(&c, c.ga, (size_t)c.C, 1, dga, 1, &k);
	ok(e > tol, "a 10%% wrong d(gamma) is caught (max rel err %.2e)", e);
	free(c.in), free(c.bias), free(c.ga), free(c.be), free(c.R), free(c.x), free(c.out), free(c.mean);
	free(c.rstd), free(pat), free(din), free(dbias), free(dga), free(dbe);
}

/* ---------------------------------------------------------- 3. PyTorch */

static float *farr(json_t *o, const char *key, size_t *n)
{
	json_t *a = json_object_get(o, key);
	size_t len = json_array_size(a);
	float *v = calloc(len ? len : 1, sizeof *v);
	for (size_t i = 0; i < len; i++)
		v[i] = (float)json_number_value(json_array_get(a, i));
	if (n)
		*n = len;
	return v;
}

/* max |got - want| / max(|want|, 1e-2) */
static double maxrel(const float *got, const float *want, size_t n)
{
	double w = 0;
	for (size_t i = 0; i < n; i++) {
		double d = fabs((double)got[i] - want[i]) / fmax(fabs((double)want[i]), 1e-2);
		w = isfinite(got[i]) ? fmax(w, d) : INFINITY;
	}
	return w;
}

static void test_pytorch(const char *path)
{
	json_error_t je;
	json_t *g = json_load_file(path, 0, &je), *o = json_object_get(g, "batchnorm");
	if (!ok(o != NULL, "golden %s has a batchnorm case", path))
		return;
	int B = (int)json_integer_value(json_object_get(o, "B")), C = (int)json_integer_value(json_object_get(o, "C"));
	int Be = (int)json_integer_value(json_object_get(o, "B_eval"));
	size_t n = (size_t)B * C, nx;
	float *x = farr(o, "x", &nx), *ga = farr(o, "gamma", NULL), *be = farr(o, "beta", NULL);
	float *rm = farr(o, "running_mean0", NULL), *rv = farr(o, "running_var0", NULL);
	float *dout = farr(o, "dout", NULL), *want = farr(o, "out", NULL), *xe = farr(o, "x_eval", NULL);
	float *wante = farr(o, "out_eval", NULL), *wrm = farr(o, "running_mean", NULL);
	float *wrv = farr(o, "running_var", NULL), *wdx = farr(o, "dx", NULL), *wdg = farr(o, "dgamma", NULL);
	float *wdb = farr(o, "dbeta", NULL);
	if (!ok(nx == n && n > 0, "golden batchnorm is %d x %d", B, C))
		goto out;
	float *out = malloc(n * 4), *mean = malloc((size_t)C * 4), *rstd = malloc((size_t)C * 4);
	float *xh = malloc(n * 4), *ones = malloc(n * 4), *din = malloc(n * 4), *oe = malloc((size_t)Be * C * 4);
	float *dg = calloc((size_t)C, 4), *db = calloc((size_t)C, 4);
	memcpy(xh, x, n * 4);
	batchnorm_relu_forward_train(out, C, xh, mean, rstd, rm, rv, xh, C, NULL, ga, be, B, C, 0.1f, 1e-5f);
	for (size_t i = 0; i < n; i++)
		want[i] = want[i] > 0 ? want[i] : 0, ones[i] = 1;
	double e = maxrel(out, want, n);
	ok(e < 1e-5, "forward (train) = relu(torch BatchNorm1d): max rel diff %.2e", e);
	e = fmax(maxrel(rm, wrm, (size_t)C), maxrel(rv, wrv, (size_t)C));
	ok(e < 1e-5, "running statistics = torch's: max rel diff %.2e", e);
	/* a mask source that keeps everything: the BatchNorm part alone */
	batchnorm_relu_backward(din, NULL, dg, db, dout, C, ones, C, xh, C, rstd, ga, B, C);
	e = fmax(maxrel(din, wdx, n), fmax(maxrel(dg, wdg, (size_t)C), maxrel(db, wdb, (size_t)C)));
	ok(e < 1e-4, "backward (mask all kept) = torch's dx, dgamma, dbeta: max rel diff %.2e", e);
	batchnorm_relu_forward_eval(oe, C, xe, C, NULL, rm, rv, ga, be, Be, C, 1e-5f);
	for (size_t i = 0; i < (size_t)Be * C; i++)
		wante[i] = wante[i] > 0 ? wante[i] : 0;
	e = maxrel(oe, wante, (size_t)Be * C);
	ok(e < 1e-5, "forward (eval) = relu(torch BatchNorm1d.eval()): max rel diff %.2e", e);
	free(out), free(mean), free(rstd), free(xh), free(ones), free(din), free(oe), free(dg), free(db);
out:
	free(x), free(ga), free(be), free(rm), free(rv), free(dout), free(want), free(xe), free(wante);
	free(wrm), free(wrv), free(wdx), free(wdg), free(wdb);
	json_decref(g);
}

/* ------------------------------------------------ 4. the loss in two steps */

static void test_xent_two_steps(void)
{
	enum { B = 13, K = 7 };
	float *logits = randv((size_t)B * K, 4.0), *w = randv(K, 1.0), p1[B * K], p2[B * K];
	double lse[B];
	int32_t y[B];
	for (int b = 0; b < B; b++)
		y[b] = b == 3 ? -100 : (int32_t)rng_below(&rng, K); /* row 3 ignored */
	for (int k = 0; k < K; k++)
		w[k] = 0.5f + fabsf(w[k]);
	for (int wt = 0; wt < 2; wt++) {
		const float *cw = wt ? w : NULL;
		float l1 = softmax_xent_forward(p1, logits, y, cw, B, K);
		softmax_forward_lse(p2, lse, logits, 5, K); /* rows 0-4, then 5-12 */
		softmax_forward_lse(p2 + 5 * K, lse + 5, logits + 5 * K, B - 5, K);
		float l2 = xent_from_lse(lse, logits, y, cw, B, K);
		ok(!memcmp(&l1, &l2, sizeof l1) && !memcmp(p1, p2, sizeof p1),
		   "loss in two steps = softmax_xent_forward bit for bit (%s): %.9g", wt ? "class weights" : "no weights",
		   (double)l2);
		/* and its gradient in two steps, on row slices, written over garbage */
		float g1[B * K], g2[B * K];
		memset(g1, 0, sizeof g1);
		softmax_xent_backward(g1, p1, y, cw, B, K);
		for (int i = 0; i < B * K; i++)
			g2[i] = 1e30f;
		double tot = xent_weight_total(y, cw, B, K);
		softmax_xent_backward_rows(g2, p1, y, cw, 5, K, tot);
		softmax_xent_backward_rows(g2 + 5 * K, p1 + 5 * K, y + 5, cw, B - 5, K, tot);
		ok(!memcmp(g1, g2, sizeof g1), "gradient in two steps = softmax_xent_backward bit for bit (%s)",
		   wt ? "class weights" : "no weights");
	}
	free(logits), free(w);
}


/* ------------------------------------------- 5. the bits of plain loops */

/* The training forward and the backward of the fused block, as plain
 * loops: x = in + bias, mean and biased variance in double over the rows
 * in order, xhat = (x - mean) rstd, out = relu(gamma xhat + beta); the
 * backward's g = dout where out > 0, sums of g and g xhat in double, din
 * = gamma rstd (g - sum g / B - xhat sum g xhat / B), dbias the column
 * sums of din in float, in row order. */
static void plain_block(float *out, float *xhat, float *mean, float *rstd, float *rm, float *rv, float *din,
			float *dbias, float *dga, float *dbe, const float *in, int ldi, const float *bias,
			const float *ga, const float *be, const float *dout, int B, int C, float mom, float eps)
{
	for (int c = 0; c < C; c++) {
		double s = 0, v = 0;
		for (int b = 0; b < B; b++)
			s += in[(size_t)b * ldi + c] + bias[c];
		s /= B;
		for (int b = 0; b < B; b++) {
			double d = (in[(size_t)b * ldi + c] + bias[c]) - s;
			v += d * d;
		}
		mean[c] = (float)s;
		rstd[c] = (float)(1.0 / sqrt(v / B + eps));
		rm[c] = (1.0f - mom) * rm[c] + mom * (float)s;
		if (B > 1)
			rv[c] = (1.0f - mom) * rv[c] + mom * (float)(v / (B - 1));
		for (int b = 0; b < B; b++) {
			float h = (in[(size_t)b * ldi + c] + bias[c] - mean[c]) * rstd[c], y = ga[c] * h + be[c];
			xhat[(size_t)b * C + c] = h;
			out[(size_t)b * C + c] = y > 0 ? y : 0.0f;
		}
		double sd = 0, sdx = 0;
		for (int b = 0; b < B; b++) {
			float g = out[(size_t)b * C + c] > 0 ? dout[(size_t)b * C + c] : 0.0f;
			sd += g;
			sdx += (double)g * xhat[(size_t)b * C + c];
		}
		dga[c] += (float)sdx;
		dbe[c] += (float)sd;
		float k = ga[c] * rstd[c], md = (float)(sd / B), mdx = (float)(sdx / B), bs = 0;
		for (int b = 0; b < B; b++) {
			float g = out[(size_t)b * C + c] > 0 ? dout[(size_t)b * C + c] : 0.0f;
			float d = k * (g - md - xhat[(size_t)b * C + c] * mdx);
			din[(size_t)b * C + c] = d;
			bs += d;
		}
		dbias[c] += bs;
	}
}

/* Values of a (n) and b equal bit for bit, a zero's sign aside (the fused
 * kernels mask with an AND, giving +0 where the plain select gives 0.0f). */
static long count_differ(const float *a, const float *b, size_t n)
{
	long bad = 0;
	for (size_t i = 0; i < n; i++)
		bad += memcmp(&a[i], &b[i], sizeof a[i]) && !(a[i] == 0 && b[i] == 0);
	return bad;
}

static void test_plain_bits(int B, int C)
{
	int ldi = C; /* xhat and din share the input's stride (strides: test 1) */
	size_t n = (size_t)B * C;
	float *in = randv((size_t)B * ldi, 3.0), *bias = randv((size_t)C, 1.0), *ga = randv((size_t)C, 1.0);
	float *be = randv((size_t)C, 0.5), *dout = randv(n, 1.0);
	float *f[2][11]; /* [fused or plain][out xhat mean rstd rm rv din dbias dga dbe spare] */
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < 11; i++)
			f[v][i] = calloc(n > (size_t)C ? n : (size_t)C, sizeof(float));
	for (int c = 0; c < C; c++)
		f[0][5][c] = f[1][5][c] = 1.0f, f[0][4][c] = f[1][4][c] = 0.25f;
	batchnorm_relu_forward_train(f[0][0], C, f[0][1], f[0][2], f[0][3], f[0][4], f[0][5], in, ldi, bias, ga,
				     be, B, C, 0.1f, 1e-5f);
	batchnorm_relu_backward(f[0][6], f[0][7], f[0][8], f[0][9], dout, C, f[0][0], C, f[0][1], C, f[0][3], ga,
				B, C);
	plain_block(f[1][0], f[1][1], f[1][2], f[1][3], f[1][4], f[1][5], f[1][6], f[1][7], f[1][8], f[1][9], in,
		    ldi, bias, ga, be, dout, B, C, 0.1f, 1e-5f);
	long bad = count_differ(f[0][0], f[1][0], n) + count_differ(f[0][1], f[1][1], n) +
		   count_differ(f[0][6], f[1][6], n);
	for (int i = 2; i <= 9; i++)
		if (i != 6)
			bad += count_differ(f[0][i], f[1][i], (size_t)C);
	ok(bad == 0, "B=%d C=%d: statistics, output, xhat, din and every sum have the plain loops' bits (%ld differ)",
	   B, C, bad);
	for (int v = 0; v < 2; v++)
		for (int i = 0; i < 11; i++)
			free(f[v][i]);
	free(in), free(bias), free(ga), free(be), free(dout);
}

int main(int argc, char **argv)
{
	const char *top = getenv("top_srcdir");
	char path[4096];
	if (argc > 1)
		snprintf(path, sizeof path, "%s/ops.json", argv[1]);
	else
		snprintf(path, sizeof path, "%s/tests/nn/golden/ops.json", top ? top : ".");
	rng_seed(&rng, 7);
	test_same_as_unfused(8, 64);
	test_same_as_unfused(5, 37);  /* a vector block and a tail */
	test_same_as_unfused(3, 300); /* past one 256-channel block */
	test_finite_differences();
	test_pytorch(path);
	test_xent_two_steps();
	test_plain_bits(256, 64);  /* two blocks of 32 */
	test_plain_bits(7, 45);	   /* 32, 8, then 5 single channels */
	test_plain_bits(1, 13);	   /* one row: the running variance kept */
	test_plain_bits(300, 300); /* past one 256-channel block */
	return tap_done();
}
