/*
 * norm.c - BatchNorm1d and LayerNorm, forward and backward.
 *
 * BatchNorm normalises each channel (column) of a (B,C) batch over the
 * rows; LayerNorm normalises each row over its C features.  Statistics are
 * accumulated in double.  BatchNorm walks the batch row by row (contiguous)
 * over blocks of NORM_BLOCK channels whose per-channel sums live on the
 * stack, so nothing is allocated and every sum runs in a fixed order.
 * gamma/beta (or w/b) may be NULL for a layer without affine parameters.
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "yujing/nn/direct.h"
#include "yujing/nn/ops.h"

/* Channels per block: two double accumulators each, 4 KB of stack. */
#define NORM_BLOCK 256

/* --------------------------------------------------------------- BatchNorm */

/* Floats per inner step of the elementwise BatchNorm loops (one zmm): a
 * fixed count gcc -O2 vectorises, the tail running the same expression. */
#define BN_VEC 16

/* v where x > 0, else +0 (NaN included): relu_forward's and
 * relu_backward's select, done on the bits (an AND with the comparison's
 * all-ones or zero mask) so gcc -O2 vectorises it; a ternary compiled to
 * a compare and a jump, mispredicted half the time. */
static inline float bn_keep_if_positive(float v, float x)
{
	union { float f; uint32_t u; } b = {.f = v}; /* C11 6.5.2.3 */
	b.u &= -(uint32_t)(x > 0.0f);
	return b.f;
}

/* ------------------------------------------------ the per-channel sums
 *
 * A channel's sums run over the rows in order, in double.  They are taken
 * by blocks of channels with the rows inside, so that a block's running
 * sums stay in registers: 4 vectors of 8 channels (independent chains,
 * enough to hide the adds' latency), then single vectors, then channels
 * one by one.  Each channel sees the same operations in the same order as
 * the plain loop, so the bits are the plain loop's.  (The loops before,
 * rows outside, kept the sums on the stack: a store and a load per row,
 * 40% of the BatchNorm passes in the mlp benchmark's profile.)  GCC's
 * vector types leave the instructions to each target_clones copy. */
typedef float bn_v8f __attribute__((vector_size(32)));
typedef double bn_v8d __attribute__((vector_size(64)));
typedef int32_t bn_v8i __attribute__((vector_size(32)));

/* 8 floats from p into the vector v (any alignment). */
#define BN_LOAD8(v, p) memcpy(&(v), (p), sizeof(bn_v8f))

static inline void bn_store8d(double *p, bn_v8d v)
{
	memcpy(p, &v, sizeof v);
}

/* Pass 1 of BatchNorm on W (1 or 4) vectors of channels: s1 = sums over
 * the B rows of x + bias (in float, then added in double). */
static inline __attribute__((always_inline)) void bn_sum_block(double *s1, const float *in, int ldi,
							      const float *bi, int B, int W)
{
	bn_v8d a[4] = {0};
	bn_v8f bv[4];
	for (int w = 0; w < W; w++)
		BN_LOAD8(bv[w], bi + 8 * w);
	for (int b = 0; b < B; b++)
#pragma GCC unroll 4
		for (int w = 0; w < W; w++) {
			bn_v8f x;
			BN_LOAD8(x, in + (size_t)b * ldi + 8 * w);
			a[w] += __builtin_convertvector(x + bv[w], bn_v8d);
		}
	for (int w = 0; w < W; w++)
		bn_store8d(s1 + 8 * w, a[w]);
}

/* Pass 2: s2 = sums of ((x + bias) - mean)^2, mean = s1 (double). */
static inline __attribute__((always_inline)) void bn_var_block(double *s2, const double *s1,
							      const float *in, int ldi, const float *bi,
							      int B, int W)
{
	bn_v8d a[4] = {0}, mu[4];
	bn_v8f bv[4];
	for (int w = 0; w < W; w++) {
		BN_LOAD8(bv[w], bi + 8 * w);
		memcpy(&mu[w], s1 + 8 * w, sizeof mu[w]);
	}
	for (int b = 0; b < B; b++)
#pragma GCC unroll 4
		for (int w = 0; w < W; w++) {
			bn_v8f x;
			BN_LOAD8(x, in + (size_t)b * ldi + 8 * w);
			bn_v8d d = __builtin_convertvector(x + bv[w], bn_v8d) - mu[w];
			a[w] += d * d;
		}
	for (int w = 0; w < W; w++)
		bn_store8d(s2 + 8 * w, a[w]);
}

/* The backward's sums: sd of g and sdx of g xhat (in double), g = dout
 * where out > 0 else +0 with relu, else dout. */
static inline __attribute__((always_inline)) void bn_back_block(double *sd, double *sdx, const float *dout,
							       int ldd, const float *out, int ldo,
							       const float *xhat, int ld, int B, int W, int relu)
{
	bn_v8d a[4] = {0}, c[4] = {0};
	for (int b = 0; b < B; b++)
#pragma GCC unroll 4
		for (int w = 0; w < W; w++) {
			bn_v8f g, o, xh;
			BN_LOAD8(g, dout + (size_t)b * ldd + 8 * w);
			if (relu) {
				BN_LOAD8(o, out + (size_t)b * ldo + 8 * w);
				g = (bn_v8f)((bn_v8i)g & (o > 0.0f));
			}
			BN_LOAD8(xh, xhat + (size_t)b * ld + 8 * w);
			bn_v8d gd = __builtin_convertvector(g, bn_v8d);
			a[w] += gd;
			c[w] += gd * __builtin_convertvector(xh, bn_v8d);
		}
	for (int w = 0; w < W; w++) {
		bn_store8d(sd + 8 * w, a[w]);
		bn_store8d(sdx + 8 * w, c[w]);
	}
}

/* The same three sums on 32 channels in AVX-512 intrinsics: gcc 12
 * lowers __builtin_convertvector of 8 floats to 8 doubles as two halves,
 * an extract and an insert even for avx512f (a third of the BatchNorm
 * passes); vcvtps2pd does it in one.  The same operations in the same
 * order (x + bias in float, then converted; products and sums as separate
 * roundings, never fused), so the bits of the blocks above.  Called only
 * where direct_available() says the processor has AVX-512F. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define BN_AVX512 1
#include <immintrin.h>

#define BN_TGT __attribute__((target("avx512f"), noinline))

/* 16 floats to 8 + 8 doubles */
#define BN_LO(v) _mm512_cvtps_pd(_mm512_castps512_ps256(v))
#define BN_HI(v) _mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1)))

BN_TGT static void bn_sum32_512(double *s1, const float *in, int ldi, const float *bi, int B)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
	__m512 b0 = _mm512_loadu_ps(bi), b1 = _mm512_loadu_ps(bi + 16);
	for (int b = 0; b < B; b++) {
		const float *r = in + (size_t)b * ldi;
		__m512 x0 = _mm512_add_ps(_mm512_loadu_ps(r), b0), x1 = _mm512_add_ps(_mm512_loadu_ps(r + 16), b1);
		a0 = _mm512_add_pd(a0, BN_LO(x0));
		a1 = _mm512_add_pd(a1, BN_HI(x0));
		a2 = _mm512_add_pd(a2, BN_LO(x1));
		a3 = _mm512_add_pd(a3, BN_HI(x1));
	}
	_mm512_storeu_pd(s1, a0);
	_mm512_storeu_pd(s1 + 8, a1);
	_mm512_storeu_pd(s1 + 16, a2);
	_mm512_storeu_pd(s1 + 24, a3);
}

BN_TGT static void bn_var32_512(double *s2, const double *s1, const float *in, int ldi, const float *bi, int B)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0;
	__m512d m0 = _mm512_loadu_pd(s1), m1 = _mm512_loadu_pd(s1 + 8), m2 = _mm512_loadu_pd(s1 + 16),
		m3 = _mm512_loadu_pd(s1 + 24);
	__m512 b0 = _mm512_loadu_ps(bi), b1 = _mm512_loadu_ps(bi + 16);
	for (int b = 0; b < B; b++) {
		const float *r = in + (size_t)b * ldi;
		__m512 x0 = _mm512_add_ps(_mm512_loadu_ps(r), b0), x1 = _mm512_add_ps(_mm512_loadu_ps(r + 16), b1);
		__m512d d0 = _mm512_sub_pd(BN_LO(x0), m0), d1 = _mm512_sub_pd(BN_HI(x0), m1);
		__m512d d2 = _mm512_sub_pd(BN_LO(x1), m2), d3 = _mm512_sub_pd(BN_HI(x1), m3);
		a0 = _mm512_add_pd(a0, _mm512_mul_pd(d0, d0));
		a1 = _mm512_add_pd(a1, _mm512_mul_pd(d1, d1));
		a2 = _mm512_add_pd(a2, _mm512_mul_pd(d2, d2));
		a3 = _mm512_add_pd(a3, _mm512_mul_pd(d3, d3));
	}
	_mm512_storeu_pd(s2, a0);
	_mm512_storeu_pd(s2 + 8, a1);
	_mm512_storeu_pd(s2 + 16, a2);
	_mm512_storeu_pd(s2 + 24, a3);
}

BN_TGT static void bn_back32_512(double *sd, double *sdx, const float *dout, int ldd, const float *out, int ldo,
				 const float *xhat, int ld, int B, int relu)
{
	__m512d a0 = _mm512_setzero_pd(), a1 = a0, a2 = a0, a3 = a0, c0 = a0, c1 = a0, c2 = a0, c3 = a0;
	for (int b = 0; b < B; b++) {
		const float *gr = dout + (size_t)b * ldd, *xr = xhat + (size_t)b * ld;
		__m512 g0 = _mm512_loadu_ps(gr), g1 = _mm512_loadu_ps(gr + 16);
		if (relu) { /* dout where out > 0, else +0 (NaN included) */
			const float *o = out + (size_t)b * ldo;
			const __m512 zero = _mm512_setzero_ps();
			g0 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(o), zero, _CMP_GT_OQ), g0);
			g1 = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(_mm512_loadu_ps(o + 16), zero, _CMP_GT_OQ), g1);
		}
		__m512 h0 = _mm512_loadu_ps(xr), h1 = _mm512_loadu_ps(xr + 16);
		__m512d e0 = BN_LO(g0), e1 = BN_HI(g0), e2 = BN_LO(g1), e3 = BN_HI(g1);
		a0 = _mm512_add_pd(a0, e0);
		a1 = _mm512_add_pd(a1, e1);
		a2 = _mm512_add_pd(a2, e2);
		a3 = _mm512_add_pd(a3, e3);
		c0 = _mm512_add_pd(c0, _mm512_mul_pd(e0, BN_LO(h0)));
		c1 = _mm512_add_pd(c1, _mm512_mul_pd(e1, BN_HI(h0)));
		c2 = _mm512_add_pd(c2, _mm512_mul_pd(e2, BN_LO(h1)));
		c3 = _mm512_add_pd(c3, _mm512_mul_pd(e3, BN_HI(h1)));
	}
	_mm512_storeu_pd(sd, a0);
	_mm512_storeu_pd(sd + 8, a1);
	_mm512_storeu_pd(sd + 16, a2);
	_mm512_storeu_pd(sd + 24, a3);
	_mm512_storeu_pd(sdx, c0);
	_mm512_storeu_pd(sdx + 8, c1);
	_mm512_storeu_pd(sdx + 16, c2);
	_mm512_storeu_pd(sdx + 24, c3);
}
#undef BN_LO
#undef BN_HI
#define BN_HAVE_512() direct_available()
#else
#define BN_HAVE_512() 0
#endif

/* torch.nn.BatchNorm1d(C, eps, momentum) in training mode on (B,C):
 *   mean = 1/B sum_b x,  var = 1/B sum_b (x - mean)^2     (biased)
 *   xhat = (x - mean) / sqrt(var + eps),  out = gamma xhat + beta
 *   run_mean = (1 - momentum) run_mean + momentum mean
 *   run_var  = (1 - momentum) run_var  + momentum var B/(B-1)  (unbiased)
 * With B == 1 the unbiased variance is undefined (PyTorch refuses such a
 * batch): run_var is then left as it is.  run_mean/run_var may be NULL.
 *
 * The one body of batchnorm_forward_train and batchnorm_relu_forward_train:
 * x = in + bias (bias NULL: in), rows ldi apart; xhat rows ldx apart (it
 * may be in itself: each element is read before it is written); out rows
 * ldo apart, and with relu max(out, 0) as relu_forward (+0 for x <= 0 and
 * NaN). */
static inline __attribute__((always_inline)) void
bn_train_body(float *out, int ldo, float *xhat, int ldx, float *mean, float *rstd, float *run_mean,
	      float *run_var, const float *in, int ldi, const float *bias, const float *gamma,
	      const float *beta, int B, int C, float momentum, float eps, int relu)
{
	double s1[NORM_BLOCK], s2[NORM_BLOCK];
	float bi[NORM_BLOCK];
	for (int c0 = 0; c0 < C; c0 += NORM_BLOCK) {
		int nc = C - c0 < NORM_BLOCK ? C - c0 : NORM_BLOCK;
		for (int j = 0; j < nc; j++)
			bi[j] = bias ? bias[c0 + j] : 0.0f;

		/* Pass 1: the mean.  Pass 2: the biased variance around that
		 * mean (two passes are stable where E[x^2] - E[x]^2 is not). */
		int jb = 0, wide = BN_HAVE_512();
#ifdef BN_AVX512
		for (; wide && jb + 32 <= nc; jb += 32)
			bn_sum32_512(s1 + jb, in + c0 + jb, ldi, bi + jb, B);
#endif
		for (; jb + 32 <= nc; jb += 32)
			bn_sum_block(s1 + jb, in + c0 + jb, ldi, bi + jb, B, 4);
		for (; jb + 8 <= nc; jb += 8)
			bn_sum_block(s1 + jb, in + c0 + jb, ldi, bi + jb, B, 1);
		for (; jb < nc; jb++) {
			double a = 0.0;
			for (int b = 0; b < B; b++)
				a += in[(size_t)b * ldi + c0 + jb] + bi[jb];
			s1[jb] = a;
		}
		for (jb = 0; jb < nc; jb++)
			s1[jb] /= B;
		jb = 0;
#ifdef BN_AVX512
		for (; wide && jb + 32 <= nc; jb += 32)
			bn_var32_512(s2 + jb, s1 + jb, in + c0 + jb, ldi, bi + jb, B);
#endif
		for (; jb + 32 <= nc; jb += 32)
			bn_var_block(s2 + jb, s1 + jb, in + c0 + jb, ldi, bi + jb, B, 4);
		for (; jb + 8 <= nc; jb += 8)
			bn_var_block(s2 + jb, s1 + jb, in + c0 + jb, ldi, bi + jb, B, 1);
		for (; jb < nc; jb++) {
			double a = 0.0;
			for (int b = 0; b < B; b++) {
				double d = (in[(size_t)b * ldi + c0 + jb] + bi[jb]) - s1[jb];
				a += d * d;
			}
			s2[jb] = a;
		}
		for (int j = 0; j < nc; j++) {
			int c = c0 + j;
			double var = s2[j] / B;
			mean[c] = (float)s1[j];
			rstd[c] = (float)(1.0 / sqrt(var + eps));
			if (run_mean)
				run_mean[c] =
				    (1.0f - momentum) * run_mean[c] + momentum * (float)s1[j];
			if (run_var && B > 1)
				run_var[c] = (1.0f - momentum) * run_var[c] +
					     momentum * (float)(s2[j] / (B - 1));
		}

		/* Pass 3: normalise, scale, shift (and clamp).  gamma/beta (or
		 * 1/0) are copied to the stack first so the inner loop has no
		 * test. */
		float ga[NORM_BLOCK], be[NORM_BLOCK], mu[NORM_BLOCK], rs[NORM_BLOCK];
		for (int j = 0; j < nc; j++) {
			ga[j] = gamma ? gamma[c0 + j] : 1.0f;
			be[j] = beta ? beta[c0 + j] : 0.0f;
			mu[j] = mean[c0 + j];
			rs[j] = rstd[c0 + j];
		}
		for (int b = 0; b < B; b++) {
			const float *x = in + (size_t)b * ldi + c0;
			float *xh = xhat + (size_t)b * ldx + c0;
			float *y = out + (size_t)b * ldo + c0;
			int j = 0;
#define BN_TRAIN_OUT(X, H, Y, J)                                                              \
	do {                                                                                  \
		float h = ((X) + bi[J] - mu[J]) * rs[J], v = ga[J] * h + be[J];                \
		H = h;                                                                        \
		Y = relu ? bn_keep_if_positive(v, v) : v;                                     \
	} while (0)
			/* blocks through local copies: xhat may be in, and the
			 * copies tell gcc nothing overlaps */
			for (; j + BN_VEC <= nc; j += BN_VEC) {
				float xv[BN_VEC], hv[BN_VEC], yv[BN_VEC];
				memcpy(xv, x + j, sizeof xv);
				for (int l = 0; l < BN_VEC; l++)
					BN_TRAIN_OUT(xv[l], hv[l], yv[l], j + l);
				memcpy(xh + j, hv, sizeof hv);
				memcpy(y + j, yv, sizeof yv);
			}
			for (; j < nc; j++)
				BN_TRAIN_OUT(x[j], xh[j], y[j], j);
#undef BN_TRAIN_OUT
		}
	}
}

YJ_SIMD_CLONES
void batchnorm_forward_train(float *out, float *xhat, float *mean, float *rstd, float *run_mean,
			     float *run_var, const float *in, const float *gamma, const float *beta,
			     int B, int C, float momentum, float eps)
{
	bn_train_body(out, C, xhat, C, mean, rstd, run_mean, run_var, in, C, NULL, gamma, beta, B, C,
		      momentum, eps, 0);
}

YJ_SIMD_CLONES
void batchnorm_relu_forward_train(float *out, int ldo, float *xhat, float *mean, float *rstd,
				  float *run_mean, float *run_var, const float *in, int ldi,
				  const float *bias, const float *gamma, const float *beta, int B, int C,
				  float momentum, float eps)
{
	bn_train_body(out, ldo, xhat, ldi, mean, rstd, run_mean, run_var, in, ldi, bias, gamma, beta, B,
		      C, momentum, eps, 1);
}

/* Evaluation mode uses the running statistics, folded as PyTorch's CPU
 * kernel does (batch_norm_cpu_transform_input):
 *   alpha = gamma / sqrt(run_var + eps),  out = x alpha + (beta - run_mean alpha)
 * The one body of batchnorm_forward_eval and batchnorm_relu_forward_eval
 * (x = in + bias, strides and relu as bn_train_body). */
static inline __attribute__((always_inline)) void
bn_eval_body(float *out, int ldo, const float *in, int ldi, const float *bias, const float *run_mean,
	     const float *run_var, const float *gamma, const float *beta, int B, int C, float eps,
	     int relu)
{
	float alpha[NORM_BLOCK], shift[NORM_BLOCK], bi[NORM_BLOCK];
	for (int c0 = 0; c0 < C; c0 += NORM_BLOCK) {
		int nc = C - c0 < NORM_BLOCK ? C - c0 : NORM_BLOCK;
		for (int j = 0; j < nc; j++) {
			int c = c0 + j;
			float inv = (float)(1.0 / sqrt((double)run_var[c] + eps));
			alpha[j] = (gamma ? gamma[c] : 1.0f) * inv;
			shift[j] = (beta ? beta[c] : 0.0f) - run_mean[c] * alpha[j];
			bi[j] = bias ? bias[c] : 0.0f;
		}
		for (int b = 0; b < B; b++) {
			const float *x = in + (size_t)b * ldi + c0;
			float *y = out + (size_t)b * ldo + c0;
			int j = 0;
#define BN_EVAL_OUT(X, Y, J)                                                                  \
	do {                                                                                  \
		float v = ((X) + bi[J]) * alpha[J] + shift[J];                                \
		Y = relu ? bn_keep_if_positive(v, v) : v;                                     \
	} while (0)
			for (; j + BN_VEC <= nc; j += BN_VEC) {
				float xv[BN_VEC], yv[BN_VEC];
				memcpy(xv, x + j, sizeof xv);
				for (int l = 0; l < BN_VEC; l++)
					BN_EVAL_OUT(xv[l], yv[l], j + l);
				memcpy(y + j, yv, sizeof yv);
			}
			for (; j < nc; j++)
				BN_EVAL_OUT(x[j], y[j], j);
#undef BN_EVAL_OUT
		}
	}
}

YJ_SIMD_CLONES
void batchnorm_forward_eval(float *out, const float *in, const float *run_mean,
			    const float *run_var, const float *gamma, const float *beta, int B,
			    int C, float eps)
{
	bn_eval_body(out, C, in, C, NULL, run_mean, run_var, gamma, beta, B, C, eps, 0);
}

YJ_SIMD_CLONES
void batchnorm_relu_forward_eval(float *out, int ldo, const float *in, int ldi, const float *bias,
				 const float *run_mean, const float *run_var, const float *gamma,
				 const float *beta, int B, int C, float eps)
{
	bn_eval_body(out, ldo, in, ldi, bias, run_mean, run_var, gamma, beta, B, C, eps, 1);
}

/* Training-mode backward (the batch statistics depend on every row):
 *   dgamma += sum_b dout xhat,   dbeta += sum_b dout
 *   din    += gamma rstd / B (B dout - sum_b dout - xhat sum_b dout xhat)
 * which is PyTorch's batch_norm_backward with train=True.
 *
 * The one body of batchnorm_backward and batchnorm_relu_backward.  With
 * relu, dout is first masked by the saved ReLU output (dout where out > 0,
 * else 0: relu_backward), din is WRITTEN rather than accumulated, and dbias
 * (or NULL) gets the column sums of din in row order (the gradient of the
 * bias of the Linear below, as linear_backward sums it).  Strides: dout
 * ldd, out ldo, xhat and din ld. */
static inline __attribute__((always_inline)) void
bn_backward_body(float *din, float *dbias, float *dgamma, float *dbeta, const float *dout, int ldd,
		 const float *out, int ldo, const float *xhat, int ld, const float *rstd,
		 const float *gamma, int B, int C, int relu)
{
	double sd[NORM_BLOCK], sdx[NORM_BLOCK];
	for (int c0 = 0; c0 < C; c0 += NORM_BLOCK) {
		int nc = C - c0 < NORM_BLOCK ? C - c0 : NORM_BLOCK;
		int jb = 0;
#ifdef BN_AVX512
		for (; BN_HAVE_512() && jb + 32 <= nc; jb += 32)
			bn_back32_512(sd + jb, sdx + jb, dout + c0 + jb, ldd, relu ? out + c0 + jb : NULL, ldo,
				      xhat + c0 + jb, ld, B, relu);
#endif
		for (; jb + 32 <= nc; jb += 32)
			bn_back_block(sd + jb, sdx + jb, dout + c0 + jb, ldd, relu ? out + c0 + jb : NULL, ldo,
				      xhat + c0 + jb, ld, B, 4, relu);
		for (; jb + 8 <= nc; jb += 8)
			bn_back_block(sd + jb, sdx + jb, dout + c0 + jb, ldd, relu ? out + c0 + jb : NULL, ldo,
				      xhat + c0 + jb, ld, B, 1, relu);
		for (; jb < nc; jb++) {
			double a = 0.0, c = 0.0;
			for (int b = 0; b < B; b++) {
				float g = dout[(size_t)b * ldd + c0 + jb];
				if (relu)
					g = bn_keep_if_positive(g, out[(size_t)b * ldo + c0 + jb]);
				a += g;
				c += (double)g * xhat[(size_t)b * ld + c0 + jb];
			}
			sd[jb] = a;
			sdx[jb] = c;
		}
		for (int j = 0; j < nc; j++) {
			if (dgamma)
				dgamma[c0 + j] += (float)sdx[j];
			if (dbeta)
				dbeta[c0 + j] += (float)sd[j];
		}
		if (!din)
			continue;
		/* Turn the sums into per-channel means for the din formula, and
		 * everything per channel into floats on the stack, so the inner
		 * loop is three multiplies and three adds without a test. */
		float k[NORM_BLOCK], md[NORM_BLOCK], mdx[NORM_BLOCK], bsum[NORM_BLOCK];
		for (int j = 0; j < nc; j++) {
			k[j] = (gamma ? gamma[c0 + j] : 1.0f) * rstd[c0 + j];
			md[j] = (float)(sd[j] / B);
			mdx[j] = (float)(sdx[j] / B);
			bsum[j] = 0.0f;
		}
		for (int b = 0; b < B; b++) {
			const float *g = dout + (size_t)b * ldd + c0;
			const float *r = relu ? out + (size_t)b * ldo + c0 : NULL;
			const float *xh = xhat + (size_t)b * ld + c0;
			float *d = din + (size_t)b * ld + c0;
			int j = 0;
#define BN_BACK_DIN(G, R, XH, D, J)                                                           \
	do {                                                                                  \
		if (relu) {                                                                   \
			float gj = bn_keep_if_positive(G, R);                                  \
			D = k[J] * (gj - md[J] - (XH) * mdx[J]);                               \
			bsum[J] += D;                                                         \
		} else {                                                                      \
			D += k[J] * ((G) - md[J] - (XH) * mdx[J]);                             \
		}                                                                             \
	} while (0)
			for (; j + BN_VEC <= nc; j += BN_VEC) {
				float gv[BN_VEC], rv[BN_VEC] = {0}, xv[BN_VEC], dv[BN_VEC];
				memcpy(gv, g + j, sizeof gv);
				if (relu)
					memcpy(rv, r + j, sizeof rv);
				memcpy(xv, xh + j, sizeof xv);
				if (!relu) /* with relu din is written, not read */
					memcpy(dv, d + j, sizeof dv);
				for (int l = 0; l < BN_VEC; l++)
					BN_BACK_DIN(gv[l], rv[l], xv[l], dv[l], j + l);
				memcpy(d + j, dv, sizeof dv);
			}
			for (; j < nc; j++)
				BN_BACK_DIN(g[j], relu ? r[j] : 0.0f, xh[j], d[j], j);
#undef BN_BACK_DIN
		}
		if (relu && dbias)
			for (int j = 0; j < nc; j++)
				dbias[c0 + j] += bsum[j];
	}
}

YJ_SIMD_CLONES
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			const float *xhat, const float *rstd, const float *gamma, int B, int C)
{
	bn_backward_body(din, NULL, dgamma, dbeta, dout, C, NULL, C, xhat, C, rstd, gamma, B, C, 0);
}

YJ_SIMD_CLONES
void batchnorm_relu_backward(float *din, float *dbias, float *dgamma, float *dbeta, const float *dout,
			     int ldd, const float *out, int ldo, const float *xhat, int ld,
			     const float *rstd, const float *gamma, int B, int C)
{
	bn_backward_body(din, dbias, dgamma, dbeta, dout, ldd, out, ldo, xhat, ld, rstd, gamma, B, C, 1);
}

/* --------------------------------------------------------------- LayerNorm */

/* Lanes of a LayerNorm row's sums: each lane sums every LN_LANES-th
 * feature in order, then the lanes are added in a fixed order, so the
 * bits depend on C only (a single chain of dependent double adds ran
 * near 3 ns a feature: 8% of the encoder's inference). */
#define LN_LANES 8

/* The lanes added pairwise, always in the same order. */
static inline double lanes_total(const double *s)
{
	return ((s[0] + s[1]) + (s[2] + s[3])) + ((s[4] + s[5]) + (s[6] + s[7]));
}

/* torch.nn.LayerNorm(C, eps) on each row of (B,C):
 *   mean, var (biased) over the row,  rstd = 1/sqrt(var + eps)
 *   out = (x - mean) rstd w + b.   mean (B), rstd (B) are saved. */
YJ_SIMD_CLONES
void layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *w,
		       const float *b, int B, int C, float eps)
{
	for (int r = 0; r < B; r++) {
		const float *x = in + (size_t)r * C;
		float *y = out + (size_t)r * C;
		double s[LN_LANES] = {0}, q[LN_LANES] = {0};
		int c = 0;
		for (; c + LN_LANES <= C; c += LN_LANES)
			for (int l = 0; l < LN_LANES; l++)
				s[l] += x[c + l];
		for (; c < C; c++)
			s[c % LN_LANES] += x[c];
		double m = lanes_total(s) / C;
		for (c = 0; c + LN_LANES <= C; c += LN_LANES)
			for (int l = 0; l < LN_LANES; l++) {
				double d = x[c + l] - m;
				q[l] += d * d;
			}
		for (; c < C; c++) {
			double d = x[c] - m;
			q[c % LN_LANES] += d * d;
		}
		double v = lanes_total(q);
		float fm = (float)m;
		float rs = (float)(1.0 / sqrt(v / C + eps));
		mean[r] = fm;
		rstd[r] = rs;
		for (c = 0; c + LN_LANES <= C; c += LN_LANES) {
			float t[LN_LANES], wv[LN_LANES], bv[LN_LANES];
			for (int l = 0; l < LN_LANES; l++)
				wv[l] = 1.0f, bv[l] = 0.0f;
			if (w)
				memcpy(wv, w + c, sizeof wv);
			if (b)
				memcpy(bv, b + c, sizeof bv);
			for (int l = 0; l < LN_LANES; l++)
				t[l] = (x[c + l] - fm) * rs * wv[l] + bv[l];
			memcpy(y + c, t, sizeof t);
		}
		for (; c < C; c++) {
			float xh = (x[c] - fm) * rs;
			y[c] = xh * (w ? w[c] : 1.0f) + (b ? b[c] : 0.0f);
		}
	}
}

/* With xhat = (x - mean) rstd and g = dout w:
 *   dw += sum_r dout xhat,   db += sum_r dout
 *   din += rstd (g - mean_c(g) - xhat mean_c(g xhat))
 * (PyTorch's layer_norm_backward). */
YJ_SIMD_CLONES
void layernorm_backward(float *din, float *dw, float *db, const float *dout, const float *in,
			const float *mean, const float *rstd, const float *w, int B, int C)
{
	for (int r = 0; r < B; r++) {
		const float *x = in + (size_t)r * C;
		const float *d = dout + (size_t)r * C;
		float m = mean[r], rs = rstd[r];
		double sg[LN_LANES] = {0}, sgx[LN_LANES] = {0};
		int c = 0;
		/* blocks of LN_LANES read into locals first, so each loop
		 * either only reads the arrays or only updates one (gcc then
		 * vectorises them without alias checks) */
		for (; c + LN_LANES <= C; c += LN_LANES) {
			float xh[LN_LANES], dd[LN_LANES], g[LN_LANES], wv[LN_LANES];
			for (int l = 0; l < LN_LANES; l++)
				wv[l] = 1.0f;
			if (w)
				memcpy(wv, w + c, sizeof wv);
			memcpy(dd, d + c, sizeof dd);
			for (int l = 0; l < LN_LANES; l++) {
				xh[l] = (x[c + l] - m) * rs;
				g[l] = dd[l] * wv[l];
				sg[l] += g[l];
				sgx[l] += (double)g[l] * xh[l];
			}
			if (dw)
				for (int l = 0; l < LN_LANES; l++)
					dw[c + l] += dd[l] * xh[l];
			if (db)
				for (int l = 0; l < LN_LANES; l++)
					db[c + l] += dd[l];
		}
		for (; c < C; c++) {
			float xh = (x[c] - m) * rs;
			float g = d[c] * (w ? w[c] : 1.0f);
			sg[c % LN_LANES] += g;
			sgx[c % LN_LANES] += (double)g * xh;
			if (dw)
				dw[c] += d[c] * xh;
			if (db)
				db[c] += d[c];
		}
		if (!din)
			continue;
		float mg = (float)(lanes_total(sg) / C), mgx = (float)(lanes_total(sgx) / C);
		float *di = din + (size_t)r * C;
		for (c = 0; c + LN_LANES <= C; c += LN_LANES) {
			float t[LN_LANES], wv[LN_LANES];
			for (int l = 0; l < LN_LANES; l++)
				wv[l] = 1.0f;
			if (w)
				memcpy(wv, w + c, sizeof wv);
			for (int l = 0; l < LN_LANES; l++)
				t[l] = rs * (d[c + l] * wv[l] - mg - (x[c + l] - m) * rs * mgx);
			for (int l = 0; l < LN_LANES; l++)
				di[c + l] += t[l];
		}
		for (; c < C; c++) {
			float xh = (x[c] - m) * rs;
			float g = d[c] * (w ? w[c] : 1.0f);
			di[c] += rs * (g - mg - xh * mgx);
		}
	}
}
