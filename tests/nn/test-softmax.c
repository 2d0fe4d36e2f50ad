/*
 * test-softmax.c - the softmax of src/nn/ops.c (softmax_forward,
 * softmax_forward_lse, softmax_xent_forward), whose rows run 16 columns at
 * a time with an exp of glibc's algorithm where the processor has AVX-512:
 * the probabilities, each row's logsumexp and the loss must have the bits
 * of the plain definition written here with libm's expf, for
 *
 * 1. random rows of 1 to 100 classes (tails of every length), spreads
 *    below 88 (the vector exp) and past it (the rows left to expf);
 * 2. 1.5 million exponents: rows [0, y1 .. y15] whose y sweep (-88, 0]
 *    in steps of a few ulps near 0 and coarser below, so every
 *    exponent range of the argument is met;
 * 3. rows with a NaN first or later, infinities, equal values, -0 and +0.
 *
 * (Every float in (-88, 88) was checked against expf once, by hand: see
 * the comment on exp32_tab in ops.c.)
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/nn/ops.h"

static yj_rng rng;

/* The definition (torch.softmax with the maximum subtracted): mx the first
 * maximum (x > mx), p = expf(x - mx) / sum in double, lse = mx + log sum. */
static double ref_row(float *p, const float *x, int K)
{
	float mx = x[0];
	for (int k = 1; k < K; k++)
		if (x[k] > mx)
			mx = x[k];
	double sum = 0;
	for (int k = 0; k < K; k++) {
		p[k] = expf(x[k] - mx);
		sum += (double)p[k];
	}
	float inv = (float)(1 / sum);
	for (int k = 0; k < K; k++)
		p[k] = p[k] * inv;
	return (double)mx + log(sum);
}

static int same(const void *a, const void *b, size_t n, int isdouble)
{
	if (!memcmp(a, b, n))
		return 1;
	if (isdouble)
		return isnan(*(const double *)a) && isnan(*(const double *)b);
	return isnan(*(const float *)a) && isnan(*(const float *)b);
}

/* Rows x (B,K) through softmax_forward_lse and softmax_forward against
 * ref_row: the number of values whose bits differ. */
static long differ(const float *x, int B, int K)
{
	size_t n = (size_t)B * K;
	float *p = malloc(n * sizeof *p), *q = malloc(n * sizeof *q), *r = malloc(n * sizeof *r);
	double *lse = malloc((size_t)B * sizeof *lse);
	long bad = 0;
	softmax_forward_lse(p, lse, x, B, K);
	softmax_forward(q, x, B, K);
	for (int b = 0; b < B; b++) {
		double l = ref_row(r + (size_t)b * K, x + (size_t)b * K, K);
		bad += !same(&l, &lse[b], sizeof l, 1);
		for (int k = 0; k < K; k++) {
			size_t i = (size_t)b * K + k;
			bad += !same(&p[i], &r[i], sizeof p[i], 0) + !same(&q[i], &r[i], sizeof q[i], 0);
		}
	}
	free(p), free(q), free(r), free(lse);
	return bad;
}

static void test_random(void)
{
	static const int Ks[] = {1, 2, 7, 15, 16, 17, 20, 31, 32, 33, 100};
	static const double spread[] = {1, 10, 40, 70};
	for (size_t s = 0; s < sizeof spread / sizeof *spread; s++) {
		long bad = 0, rows = 0;
		for (size_t i = 0; i < sizeof Ks / sizeof *Ks; i++) {
			int K = Ks[i], B = 300;
			float *x = malloc((size_t)B * K * sizeof *x);
			for (size_t j = 0; j < (size_t)B * K; j++)
				x[j] = (float)((2 * rng_uniform(&rng) - 1) * spread[s]);
			bad += differ(x, B, K);
			rows += B;
			free(x);
		}
		ok(bad == 0, "%ld random rows of 1 to 100 classes in (-%g, %g): the bits of expf's softmax (%ld differ)",
		   rows, spread[s], spread[s], bad);
	}
}

static void test_sweep(void)
{
	enum { K = 16, B = 100000 };
	float *x = malloc((size_t)B * K * sizeof *x);
	/* y from -0 down: the float bits step by 1 near 0, then by a growing
	 * stride, so that about 1.4 million values reach -88 (the rest are -87.999) */
	uint32_t u = 0x80000000u;
	long n = 0;
	for (int b = 0; b < B; b++) {
		x[(size_t)b * K] = 0;
		for (int k = 1; k < K; k++) {
			float y;
			memcpy(&y, &u, sizeof y);
			x[(size_t)b * K + k] = y > -88.0f ? y : -87.999f;
			u += 1 + (u & 0x7fffffffu) / 150000u;
			n += y > -88.0f;
		}
	}
	float last;
	memcpy(&last, &u, sizeof last);
	long bad = differ(x, B, K);
	ok(bad == 0 && last <= -88.0f, "%ld exponents in (-88, 0]: the bits of expf (%ld values differ)", n, bad);
	free(x);
}

static void test_special(void)
{
	const float inf = INFINITY, nan = NAN;
	const float rows[][5] = {
		{nan, 1, 2, 3, 4},    {1, 2, nan, 3, 4},       {-inf, 0, 1, 2, 3}, {inf, 0, 1, 2, 3},
		{0, 0, 0, 0, 0},      {-0.0f, 0, -0.0f, 0, 0}, {0, -0.0f, 0, 0, -0.0f},
		{1e30f, -1e30f, 0, 1, 2}, {-87.9f, 0, -88.1f, -103.5f, -104},
	};
	int R = (int)(sizeof rows / sizeof *rows);
	long bad = 0;
	for (int r = 0; r < R; r++)
		bad += differ(rows[r], 1, 5);
	ok(bad == 0, "%d rows with NaN, infinities, ties, signed zeros, spreads past 88: as the definition (%ld differ)",
	   R, bad);
	/* the same rows as one batch of 17 columns (a masked tail) */
	float wide[17];
	for (int r = 0; r < R; r++) {
		for (int k = 0; k < 17; k++)
			wide[k] = rows[r][k % 5] + (k >= 5 ? -1.0f : 0.0f);
		bad += differ(wide, 1, 17);
	}
	ok(bad == 0, "the same rows widened to 17 columns (%ld differ)", bad);
}

int main(void)
{
	rng_seed(&rng, 11);
	test_random();
	test_sweep();
	test_special();
	return tap_done();
}
