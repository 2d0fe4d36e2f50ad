/*
 * ops.c - linear, activations, dropout, embedding and softmax
 * cross-entropy, each with an explicit forward and backward pass
 * (normalisation layers are in norm.c, matrix products in blas.c).
 *
 * Forward passes overwrite their outputs; backward passes ACCUMULATE (+=)
 * into gradient outputs, any of which may be NULL when not needed.  No
 * function allocates: the caller owns every activation buffer.  Each loop
 * runs in a fixed order, so the same inputs give the same bits.
 */
#include <config.h>

#include <math.h>
#include <stdatomic.h>
#include <string.h>

#include "yujing/nn/direct.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/pool.h"

/* ------------------------------------------------------------------ linear */

/* torch.nn.functional.linear: out = in w^T + b.
 * in (B,IN), w (OUT,IN), b (OUT) or NULL, out (B,OUT). */
void linear_forward(float *out, const float *in, const float *w, const float *b, int B, int IN,
		    int OUT)
{
	float beta = 0.0f;
	if (b) {
		/* Seed every row with the bias and let sgemm add the product. */
		for (int r = 0; r < B; r++)
			memcpy(out + (size_t)r * OUT, b, (size_t)OUT * sizeof(float));
		beta = 1.0f;
	}
	nn_sgemm(0, 1, B, OUT, IN, 1.0f, in, IN, w, IN, beta, out, OUT);
}

/* din (B,IN)   += dout (B,OUT) w (OUT,IN)
 * dw  (OUT,IN) += dout^T (OUT,B) in (B,IN)
 * db  (OUT)    += column sums of dout */
void linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
		     const float *w, int B, int IN, int OUT)
{
	if (din)
		nn_sgemm(0, 0, B, IN, OUT, 1.0f, dout, OUT, w, IN, 1.0f, din, IN);
	if (dw)
		nn_sgemm(1, 0, OUT, IN, B, 1.0f, dout, OUT, in, IN, 1.0f, dw, IN);
	if (db) {
		/* Row by row keeps the inner loop contiguous; the order over rows
		 * is fixed, so the sum is reproducible. */
		for (int r = 0; r < B; r++) {
			const float *g = dout + (size_t)r * OUT;
			for (int o = 0; o < OUT; o++)
				db[o] += g[o];
		}
	}
}

/* ------------------------------------------------------------- activations */

/* torch.relu; the gradient at exactly 0 is 0, as in PyTorch's threshold
 * backward.  The select is done on the bits (AND with the comparison's
 * all-ones or zero mask), not with a branch: gcc -O2 compiles the ternary
 * to a compare and a jump, and the signs of a BatchNorm output are a coin
 * toss, so half the jumps were mispredicted.  The values are the same: x
 * where x > 0, else +0 (NaN included); dout where in > 0, else +0. */
static inline float keep_if_positive(float v, float x)
{
	uint32_t u, mask = -(uint32_t)(x > 0.0f);
	memcpy(&u, &v, sizeof u);
	u &= mask;
	memcpy(&v, &u, sizeof v);
	return v;
}

void relu_forward(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = keep_if_positive(in[i], in[i]);
}

void relu_backward(float *din, const float *dout, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] += keep_if_positive(dout[i], in[i]);
}

/* torch.nn.GELU() (approximate='none'): x Phi(x) = x/2 (1 + erf(x/sqrt 2)).
 * Phi(x) = erfc(-x/sqrt 2)/2 is computed from erfc, not as 1 + erf, because
 * 1 + erf(z) cancels catastrophically for negative z (PyTorch's float32
 * kernel loses up to ~2e-4 relative there).  erfc(z), z >= 0, is the
 * Chebyshev fit of Numerical Recipes in C (2nd ed., 6.2, erfcc):
 *   erfc(z) = t exp(-z^2 - 1.26551223 + t (1.00002368 + ...)), t = 1/(1 + z/2),
 * fractional error below 1.2e-7 for every z >= 0; for z < 0,
 * erfc(z) = 2 - erfc(-z).  Everything is branch-free float arithmetic
 * (selects on the bits, an exp of our own), so gcc -O2 vectorises the
 * loops: glibc's scalar erfcf was a tenth of a BERT training step. */

/* The GELU and exp code below (to exp_shift_sum) may fuse a multiply and an add into one
 * rounding (-std=c11 turns that off everywhere else): the AVX-512 and FMA
 * copies then run the polynomials in half the instructions (GELU was 9% of
 * a BERT inference pass), each value within an ulp or so of the unfused one;
 * PyTorch's own kernels fuse them too. */
#pragma GCC push_options
#pragma GCC optimize("fp-contract=fast")

/* a where sel is all ones, b where it is 0 */
static inline float select_bits(uint32_t sel, float a, float b)
{
	union { float f; uint32_t u; } ua = {.f = a}, ub = {.f = b}; /* C11 6.5.2.3 */
	ub.u = (ua.u & sel) | (ub.u & ~sel);
	return ub.f;
}

/* exp(y), y <= 1 (below -87 taken as -87, ~1.6e-38): y = k ln2 + r,
 * |r| <= ln2/2 (Cody-Waite, ln2 in two parts), 2^k from the bits, e^r by
 * its Taylor series to r^7 (truncation < 1e-8 relative). */
static inline float gelu_exp(float y)
{
	const float shift = 12582912.0f; /* 1.5 * 2^23: adding it rounds to an integer */
	y = select_bits(-(uint32_t)(y < -87.0f), -87.0f, y);
	float kf = y * 1.44269504f + shift;
	union { float f; uint32_t u; } kb = {.f = kf};
	kf -= shift;
	float r = (y - kf * 0.693145752f) - kf * 1.42860677e-6f;
	float p = 1.0f / 5040.0f;
	p = p * r + 1.0f / 720.0f;
	p = p * r + 1.0f / 120.0f;
	p = p * r + 1.0f / 24.0f;
	p = p * r + 1.0f / 6.0f;
	p = p * r + 0.5f;
	p = p * r + 1.0f;
	p = p * r + 1.0f;
	union { uint32_t u; float f; } sc = {.u = (kb.u - 0x4B400000u + 127u) << 23}; /* 2^k */
	return p * sc.f;
}

/* Phi(x), the standard normal CDF, = erfc(-x/sqrt 2)/2 (see above). */
static inline float gelu_phi(float x)
{
	float z = fabsf(x) * 0.70710678118654752440f, t = 1.0f / (1.0f + 0.5f * z);
	float q = 0.17087277f;
	q = q * t - 0.82215223f;
	q = q * t + 1.48851587f;
	q = q * t - 1.13520398f;
	q = q * t + 0.27886807f;
	q = q * t - 0.18628806f;
	q = q * t + 0.09678418f;
	q = q * t + 0.37409196f;
	q = q * t + 1.00002368f;
	q = q * t - 1.26551223f;
	float e = 0.5f * t * gelu_exp(q - z * z); /* erfc(|x|/sqrt 2)/2 */
	return select_bits(-(uint32_t)(x > 0.0f), 1.0f - e, e);
}

/* d/dx [x Phi(x)] = Phi(x) + x phi(x), phi the standard normal density
 * exp(-x^2/2)/sqrt(2 pi) (PyTorch's GeluBackward, approximate='none'). */
static inline float gelu_grad(float x)
{
	return gelu_phi(x) + x * 0.39894228040143267794f * gelu_exp(-0.5f * x * x);
}

/* Blocks of a fixed count (not unrolled) are what gcc -O2's very-cheap
 * cost model vectorises; the tail runs the same code, so each element
 * gets the same bits wherever it falls. */
#define GELU_BLOCK 16


YJ_SIMD_CLONES
void gelu_forward(float *out, const float *in, size_t n)
{
	size_t i = 0;
	for (; i + GELU_BLOCK <= n; i += GELU_BLOCK) {
		float x[GELU_BLOCK]; /* a local copy: no aliasing (in == out is fine) */
		memcpy(x, in + i, sizeof x);
#pragma GCC unroll 1
		for (int j = 0; j < GELU_BLOCK; j++)
			x[j] *= gelu_phi(x[j]);
		memcpy(out + i, x, sizeof x);
	}
	for (; i < n; i++)
		out[i] = in[i] * gelu_phi(in[i]);
}

/* x + bias, then x Phi(x): each element the operations of the two passes
 * (a local block per GELU_BLOCK, as gelu_forward). */
YJ_SIMD_CLONES
void bias_gelu_rows(float *x, const float *bias, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++) {
		float *row = x + r * cols;
		size_t i = 0;
		for (; i + GELU_BLOCK <= cols; i += GELU_BLOCK) {
			float v[GELU_BLOCK], b[GELU_BLOCK];
			memcpy(v, row + i, sizeof v);
			memcpy(b, bias + i, sizeof b);
			for (int j = 0; j < GELU_BLOCK; j++)
				v[j] += b[j];
#pragma GCC unroll 1
			for (int j = 0; j < GELU_BLOCK; j++)
				v[j] *= gelu_phi(v[j]);
			memcpy(row + i, v, sizeof v);
		}
		for (; i < cols; i++) {
			float v = row[i] + bias[i];
			row[i] = v * gelu_phi(v);
		}
	}
}

YJ_SIMD_CLONES
void bias_res_rows(float *x, const float *bias, const float *res, size_t rows, size_t cols)
{
	for (size_t r = 0; r < rows; r++) {
		float *row = x + r * cols;
		const float *q = res + r * cols;
		size_t i = 0;
		for (; i + GELU_BLOCK <= cols; i += GELU_BLOCK) {
			float v[GELU_BLOCK], b[GELU_BLOCK], e[GELU_BLOCK];
			memcpy(v, row + i, sizeof v);
			memcpy(b, bias + i, sizeof b);
			memcpy(e, q + i, sizeof e);
			for (int j = 0; j < GELU_BLOCK; j++)
				v[j] = (v[j] + b[j]) + e[j];
			memcpy(row + i, v, sizeof v);
		}
		for (; i < cols; i++)
			row[i] = (row[i] + bias[i]) + q[i];
	}
}

YJ_SIMD_CLONES
void gelu_backward(float *din, const float *dout, const float *in, size_t n)
{
	size_t i = 0;
	for (; i + GELU_BLOCK <= n; i += GELU_BLOCK) {
		float x[GELU_BLOCK], d[GELU_BLOCK];
		memcpy(x, in + i, sizeof x);
		memcpy(d, dout + i, sizeof d);
#pragma GCC unroll 1
		for (int j = 0; j < GELU_BLOCK; j++)
			d[j] *= gelu_grad(x[j]);
		for (int j = 0; j < GELU_BLOCK; j++)
			din[i + j] += d[j];
	}
	for (; i < n; i++)
		din[i] += dout[i] * gelu_grad(in[i]);
}

/* torch.tanh; the backward uses the saved output: 1 - tanh^2. */
void tanh_forward(float *out, const float *in, size_t n)
{
	for (size_t i = 0; i < n; i++)
		out[i] = tanhf(in[i]);
}

void tanh_backward(float *din, const float *dout, const float *out, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] += dout[i] * (1.0f - out[i] * out[i]);
}

/* ------------------------------------------------------ exp for softmax */

/* x[i] = exp(x[i] - shift), returning the sum in double: the exp of a
 * softmax row after its maximum is subtracted.  gelu_exp's polynomial
 * (relative error ~1e-7, as expf's float result), vectorised in blocks of
 * GELU_BLOCK (glibc's scalar expf was 2-3% of a BERT step); arguments
 * below -87 give exactly 0, so a key masked with -FLT_MAX gets
 * probability 0 as with expf. */
YJ_SIMD_CLONES
double exp_shift_sum(float *x, size_t n, float shift)
{
	/* the sum in GELU_BLOCK double lanes, each adding its own position of
	 * every block, then the lanes in order: no chain of dependent adds
	 * (a float sum across each block was half this loop's time) */
	double lane[GELU_BLOCK] = {0}, sum = 0.0;
	size_t i = 0;
	for (; i + GELU_BLOCK <= n; i += GELU_BLOCK) {
		float v[GELU_BLOCK];
		memcpy(v, x + i, sizeof v);
#pragma GCC unroll 1
		for (int j = 0; j < GELU_BLOCK; j++) {
			float y = v[j] - shift;
			v[j] = select_bits(-(uint32_t)(y < -87.0f), 0.0f, gelu_exp(y));
		}
		for (int j = 0; j < GELU_BLOCK; j++)
			lane[j] += v[j];
		memcpy(x + i, v, sizeof v);
	}
	for (int j = 0; j < GELU_BLOCK; j++)
		sum += lane[j];
	for (; i < n; i++) {
		float y = x[i] - shift;
		x[i] = y < -87.0f ? 0.0f : gelu_exp(y);
		sum += x[i];
	}
	return sum;
}

#pragma GCC pop_options

/* ----------------------------------------------------------------- dropout */

/* torch.nn.functional.dropout(training=True): an element survives with
 * probability 1-p and is scaled by 1/(1-p) (inverted dropout), so eval
 * needs no rescaling.  One uniform draw per element, in order, from the
 * caller's seeded rng: the mask is a function of the seed.  p <= 0 keeps
 * everything (mask 1, no draws); p >= 1 drops everything (mask 0). */
void dropout_forward(float *out, float *mask, const float *in, size_t n, float p, yj_rng *rng)
{
	if (p <= 0.0f || p >= 1.0f) {
		float keep = p <= 0.0f ? 1.0f : 0.0f;
		for (size_t i = 0; i < n; i++) {
			mask[i] = keep;
			out[i] = in[i] * keep;
		}
		return;
	}
	const float scale = 1.0f / (1.0f - p);
	for (size_t i = 0; i < n; i++) {
		mask[i] = rng_uniform(rng) < (double)p ? 0.0f : scale;
		out[i] = in[i] * mask[i];
	}
}

void dropout_backward(float *din, const float *dout, const float *mask, size_t n)
{
	for (size_t i = 0; i < n; i++)
		din[i] += dout[i] * mask[i];
}

/* --------------------------------------------------------------- embedding */

/* torch.nn.functional.embedding: out (B,C) row b = table[ids[b]] (C).
 * ids must lie in [0, rows of table); the caller validates token ids. */
void embedding_forward(float *out, const int32_t *ids, const float *table, int B, int C)
{
	for (int b = 0; b < B; b++)
		memcpy(out + (size_t)b * C, table + (size_t)ids[b] * C, (size_t)C * sizeof(float));
}

/* dtable[ids[b]] += dout[b]; a repeated id accumulates, in row order. */
void embedding_backward(float *dtable, const float *dout, const int32_t *ids, int B, int C)
{
	for (int b = 0; b < B; b++) {
		float *g = dtable + (size_t)ids[b] * C;
		const float *d = dout + (size_t)b * C;
		for (int c = 0; c < C; c++)
			g[c] += d[c];
	}
}

/* ----------------------------------------------------- softmax, cross-entropy */

/* One row of torch.softmax: subtract the row maximum before exp so no
 * term overflows (the largest is exp(0) = 1).  Returns logsumexp(x) =
 * max + log sum exp(x - max), in double, for the cross-entropy. */
static double softmax_row_scalar(float *p, const float *x, int K)
{
	float mx = x[0];
	for (int k = 1; k < K; k++)
		mx = x[k] > mx ? x[k] : mx;
	double sum = 0.0;
	for (int k = 0; k < K; k++) {
		p[k] = expf(x[k] - mx);
		sum += p[k];
	}
	float inv = (float)(1.0 / sum);
	for (int k = 0; k < K; k++)
		p[k] *= inv;
	return (double)mx + log(sum);
}

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define SOFTMAX_AVX512 1
#include <immintrin.h>

/* expf by glibc's algorithm (since 2.28; ARM's optimized-routines): for
 * |y| < 88, in double, k = round(y 32/ln2), r = y 32/ln2 - k (both from
 * one fused multiply-add, as gcc compiles glibc's __expf_fma), 2^(k/32)
 * from a 32-entry table of 2^(i/32) and the exponent bits, 2^(r/32) by a
 * cubic; the product rounded to float.  The same operations, fused where
 * glibc's are, give expf's bits for every such y (checked against expf
 * over every float in (-88, 88): tests/nn/test-softmax-exp.c samples it).
 * The table: 2^(i/32) rounded to double, less i << 47 (so that adding
 * k << 47 puts k / 32 in the exponent), computed afresh, not copied. */
static const uint64_t exp32_tab[32] = {
	0x3ff0000000000000ull, 0x3fefd9b0d3158574ull, 0x3fefb5586cf9890full, 0x3fef9301d0125b51ull,
	0x3fef72b83c7d517bull, 0x3fef54873168b9aaull, 0x3fef387a6e756238ull, 0x3fef1e9df51fdee1ull,
	0x3fef06fe0a31b715ull, 0x3feef1a7373aa9cbull, 0x3feedea64c123422ull, 0x3feece086061892dull,
	0x3feebfdad5362a27ull, 0x3feeb42b569d4f82ull, 0x3feeab07dd485429ull, 0x3feea47eb03a5585ull,
	0x3feea09e667f3bcdull, 0x3fee9f75e8ec5f74ull, 0x3feea11473eb0187ull, 0x3feea589994cce13ull,
	0x3feeace5422aa0dbull, 0x3feeb737b0cdc5e5ull, 0x3feec49182a3f090ull, 0x3feed503b23e255dull,
	0x3feee89f995ad3adull, 0x3feeff76f2fb5e47ull, 0x3fef199bdd85529cull, 0x3fef3720dcef9069ull,
	0x3fef5818dcfba487ull, 0x3fef7c97337b9b5full, 0x3fefa4afa2a490daull, 0x3fefd0765b6e4540ull,
};

#define TGT512 __attribute__((target("avx512f")))

/* exp of 8 doubles (floats widened, |y| < 88), rounded to 8 floats; tab
 * holds exp32_tab in 4 registers. */
TGT512 static inline __m256 exp8(__m512d y, const __m512d tab[4])
{
	const __m512d inv = _mm512_set1_pd(0x1.71547652b82fep+5), shift = _mm512_set1_pd(0x1.8p+52);
	__m512d kd = _mm512_fmadd_pd(inv, y, shift);
	__m512i ki = _mm512_castpd_si512(kd);
	kd = _mm512_sub_pd(kd, shift);
	__m512d r = _mm512_fmsub_pd(inv, y, kd);
	/* tab[k % 32]: bits 0-3 pick within a pair of registers, bit 4 the pair */
	__m512d t0 = _mm512_permutex2var_pd(tab[0], ki, tab[1]);
	__m512d t1 = _mm512_permutex2var_pd(tab[2], ki, tab[3]);
	__m512d tt = _mm512_mask_blend_pd(_mm512_test_epi64_mask(ki, _mm512_set1_epi64(16)), t0, t1);
	__m512d s = _mm512_castsi512_pd(_mm512_add_epi64(_mm512_castpd_si512(tt), _mm512_slli_epi64(ki, 47)));
	__m512d z = _mm512_fmadd_pd(r, _mm512_set1_pd(0x1.c6af84b912394p-5 / 32768),
				    _mm512_set1_pd(0x1.ebfce50fac4f3p-3 / 1024));
	__m512d r2 = _mm512_mul_pd(r, r);
	__m512d q = _mm512_fmadd_pd(r, _mm512_set1_pd(0x1.62e42ff0c52d6p-1 / 32), _mm512_set1_pd(1.0));
	q = _mm512_fmadd_pd(z, r2, q);
	return _mm512_cvtpd_ps(_mm512_mul_pd(q, s));
}

/* exp of 16 floats, |y| < 88. */
TGT512 static inline __m512 exp16(__m512 y, const __m512d tab[4])
{
	__m256 lo = exp8(_mm512_cvtps_pd(_mm512_castps512_ps256(y)), tab);
	__m256 hi = exp8(_mm512_cvtps_pd(_mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(y), 1))), tab);
	return _mm512_castpd_ps(_mm512_insertf64x4(_mm512_castps_pd(_mm512_castps256_ps512(lo)),
						   _mm256_castps_pd(hi), 1));
}

/* Rows softmax_row_512 takes together: their sums in double, each in
 * column order, interleave (one row's sum is a chain of dependent adds). */
#define SOFTMAX_GROUP 8

/* softmax_row_scalar's bits, 16 columns at a time, SOFTMAX_GROUP rows at
 * a time: the maximum by lanes (x > m ? x : m, so a NaN never wins and
 * one at x[0] stays; lanes can only disagree on which of -0 and +0 is the
 * maximum, which changes no result), the exponentials as expf's, each
 * row's sum in double in column order as before.  A row with some
 * |x - max| >= 88 (or NaN) is left to softmax_row_scalar, expf's special
 * cases.  lse may be NULL. */
TGT512 static void softmax_rows_512(float *p, double *lse, const float *x, int B, int K)
{
	__m512d tab[4];
	for (int i = 0; i < 4; i++)
		tab[i] = _mm512_castsi512_pd(_mm512_loadu_si512(exp32_tab + 8 * i));
	const __m512i top = _mm512_set1_epi32(0x7ff), big = _mm512_set1_epi32(0x42b); /* 88.0f >> 20 */
	for (int b0 = 0; b0 < B; b0 += SOFTMAX_GROUP) {
		int n = B - b0 < SOFTMAX_GROUP ? B - b0 : SOFTMAX_GROUP, plain[SOFTMAX_GROUP];
		float mxs[SOFTMAX_GROUP];
		double sum[SOFTMAX_GROUP] = {0};
		for (int i = 0; i < n; i++) {
			const float *xr = x + (size_t)(b0 + i) * K;
			float *pr = p + (size_t)(b0 + i) * K;
			const __m512 first = _mm512_set1_ps(xr[0]);
			__m512 acc = first;
			for (int k = 0; k < K; k += 16) {
				__mmask16 m = K - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (K - k)) - 1);
				acc = _mm512_max_ps(_mm512_mask_loadu_ps(first, m, xr + k), acc);
			}
			float lane[16];
			_mm512_storeu_ps(lane, acc);
			float mx = lane[0];
			for (int l = 1; l < 16; l++)
				mx = lane[l] > mx ? lane[l] : mx;
			mxs[i] = mx;
			plain[i] = 0;
			const __m512 vmx = _mm512_set1_ps(mx);
			for (int k = 0; k < K; k += 16) {
				__mmask16 m = K - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (K - k)) - 1);
				__m512 y = _mm512_sub_ps(_mm512_mask_loadu_ps(vmx, m, xr + k), vmx);
				__m512i abstop = _mm512_and_si512(_mm512_srli_epi32(_mm512_castps_si512(y), 20), top);
				if (_mm512_mask_cmpge_epi32_mask(m, abstop, big)) {
					plain[i] = 1;
					break;
				}
				_mm512_mask_storeu_ps(pr + k, m, exp16(y, tab));
			}
		}
		for (int k = 0; k < K; k++)
			for (int i = 0; i < n; i++)
				sum[i] += p[(size_t)(b0 + i) * K + k]; /* a plain row's is not used */
		for (int i = 0; i < n; i++) {
			float *pr = p + (size_t)(b0 + i) * K;
			double l;
			if (plain[i]) {
				l = softmax_row_scalar(pr, x + (size_t)(b0 + i) * K, K);
			} else {
				const __m512 inv = _mm512_set1_ps((float)(1.0 / sum[i]));
				for (int k = 0; k < K; k += 16) {
					__mmask16 m = K - k >= 16 ? (__mmask16)0xffff : (__mmask16)((1u << (K - k)) - 1);
					_mm512_mask_storeu_ps(pr + k, m, _mm512_mul_ps(_mm512_maskz_loadu_ps(m, pr + k), inv));
				}
				l = (double)mxs[i] + log(sum[i]);
			}
			if (lse)
				lse[b0 + i] = l;
		}
	}
}
#endif

/* B rows of probabilities, and their logsumexp in lse (or NULL):
 * softmax_rows_512 where the processor has AVX-512 (the same bits, about
 * 3x faster on the MLP's 20 classes), else softmax_row_scalar. */
static void softmax_rows(float *p, double *lse, const float *x, int B, int K)
{
#ifdef SOFTMAX_AVX512
	if (direct_available()) { /* AVX-512F here */
		softmax_rows_512(p, lse, x, B, K);
		return;
	}
#endif
	for (int b = 0; b < B; b++) {
		double l = softmax_row_scalar(p + (size_t)b * K, x + (size_t)b * K, K);
		if (lse)
			lse[b] = l;
	}
}

void softmax_forward(float *probs, const float *logits, int B, int K)
{
	softmax_rows(probs, NULL, logits, B, K);
}

/* The first index of the maximum, as the plain loop
 *   best = 0; for k: if (x[k] > x[best]) best = k;
 * answers (a NaN never wins, and a NaN at x[0] stays the answer), in two
 * passes: the maximum by lanes of a fixed block (what gcc -O2 vectorises;
 * the branchy loop was 11% of a tiny encoder's pretraining step, over the
 * MLM's 21,128 logits a row), then the first index holding it. */
YJ_SIMD_CLONES
int vec_argmax(const float *x, int n)
{
	float m = x[0];
	if (m != m)
		return 0;
	float lane[GELU_BLOCK];
	for (int j = 0; j < GELU_BLOCK; j++)
		lane[j] = m;
	int k = 1;
	for (; k + GELU_BLOCK <= n; k += GELU_BLOCK)
		for (int j = 0; j < GELU_BLOCK; j++)
			lane[j] = x[k + j] > lane[j] ? x[k + j] : lane[j];
	for (; k < n; k++)
		m = x[k] > m ? x[k] : m;
	for (int j = 0; j < GELU_BLOCK; j++)
		m = lane[j] > m ? lane[j] : m;
	for (k = 0; k < n; k++)
		if (x[k] == m)
			break;
	return k;
}

/* ------------------------------------- cross-entropy over a wide vocabulary */

/* Rows per region of xent_rows (their results live in the job). */
#define XENT_ROWS 256

struct xent_job {
	float *logits; /* (P, V), rows [r0, r0 + n) this region */
	const int32_t *labels;
	int V, grad, r0, n;
	float scale;
	atomic_int next; /* the next row of the region */
	double loss[XENT_ROWS];
	int hit[XENT_ROWS];
};

/* One row: its loss (double), whether its argmax is the label, and with
 * grad the row turned into (softmax - onehot) * scale. */
static void xent_part(void *ctx, int part, int np)
{
	struct xent_job *j = ctx;
	(void)part, (void)np;
	for (int i; (i = atomic_fetch_add_explicit(&j->next, 1, memory_order_relaxed)) < j->n;) {
		int r = j->r0 + i, y = j->labels[r];
		float *x = j->logits + (size_t)r * j->V;
		int arg = vec_argmax(x, j->V);
		float mx = x[arg], xy = x[y];
		double sum = exp_shift_sum(x, (size_t)j->V, mx); /* x = exp(x - mx) */
		j->loss[i] = log(sum) - (double)(xy - mx);
		j->hit[i] = arg == y;
		if (j->grad) {
			float k = (float)(1.0 / sum) * j->scale;
			for (int v = 0; v < j->V; v++)
				x[v] *= k;
			x[y] -= j->scale;
		}
	}
}

double xent_rows(float *logits, const int32_t *labels, int P, int V, float scale, int grad,
		 long *correct)
{
	double total = 0.0;
	int np = nn_threads();
	struct xent_job j = {.logits = logits, .labels = labels, .V = V, .grad = grad, .scale = scale};
	for (int r0 = 0; r0 < P; r0 += XENT_ROWS) {
		j.r0 = r0;
		j.n = P - r0 < XENT_ROWS ? P - r0 : XENT_ROWS;
		atomic_store(&j.next, 0);
		nn_pool_run(np < j.n ? np : j.n, xent_part, &j);
		for (int i = 0; i < j.n; i++) { /* in row order: the same bits whoever ran a row */
			total += j.loss[i];
			*correct += j.hit[i];
		}
	}
	return total;
}

/* A label counts when it is in [0, K): negative labels are PyTorch's
 * ignore_index; labels >= K are a caller bug, skipped rather than read
 * out of bounds. */
static inline int label_counts(int32_t y, int K)
{
	return y >= 0 && y < K;
}

/* torch.nn.functional.cross_entropy(logits, labels, weight=w,
 * reduction='mean'): l_b = -log softmax(x_b)[y_b], and the mean is
 * weighted, sum_b w[y_b] l_b / sum_b w[y_b], over rows not ignored.
 * -log softmax(x)[y] = logsumexp(x) - x[y], with the max subtracted
 * inside logsumexp, so it stays finite for any finite logits.  When every row is ignored PyTorch
 * returns NaN (0/0); we return 0 so one empty batch cannot poison a run. */
/* One row's share of the weighted mean: row x (K) of label y whose
 * logsumexp is lse. */
static inline void xent_add(double *num, double *den, double lse, const float *x, int32_t y,
			    const float *w, int K)
{
	if (!label_counts(y, K))
		return;
	double wy = w ? w[y] : 1.0;
	*num += wy * (lse - x[y]);
	*den += wy;
}

float softmax_xent_forward(float *probs, const float *logits, const int32_t *labels, const float *w,
			   int B, int K)
{
	double num = 0.0, den = 0.0, lse[64];
	for (int b0 = 0; b0 < B; b0 += 64) {
		int n = B - b0 < 64 ? B - b0 : 64;
		softmax_rows(probs + (size_t)b0 * K, lse, logits + (size_t)b0 * K, n, K);
		for (int i = 0; i < n; i++)
			xent_add(&num, &den, lse[i], logits + (size_t)(b0 + i) * K, labels[b0 + i], w, K);
	}
	return den > 0.0 ? (float)(num / den) : 0.0f;
}

/* softmax_forward keeping each row's logsumexp (the structured branch
 * runs it on its own rows in parallel), and the loss from those: the
 * same sums in the same order as softmax_xent_forward, so the same bits. */
void softmax_forward_lse(float *probs, double *lse, const float *logits, int B, int K)
{
	softmax_rows(probs, lse, logits, B, K);
}

float xent_from_lse(const double *lse, const float *logits, const int32_t *labels, const float *w, int B,
		    int K)
{
	double num = 0.0, den = 0.0;
	for (int b = 0; b < B; b++)
		xent_add(&num, &den, lse[b], logits + (size_t)b * K, labels[b], w, K);
	return den > 0.0 ? (float)(num / den) : 0.0f;
}

/* d(mean loss)/d x_b = w[y_b] / W (softmax(x_b) - onehot(y_b)), with
 * W = sum_b w[y_b] over the rows that count; ignored rows get nothing. */
double xent_weight_total(const int32_t *labels, const float *w, int B, int K)
{
	double den = 0.0;
	for (int b = 0; b < B; b++)
		if (label_counts(labels[b], K))
			den += w ? w[labels[b]] : 1.0;
	return den;
}

void softmax_xent_backward_rows(float *dlogits, const float *probs, const int32_t *labels,
				const float *w, int B, int K, double den)
{
	for (int b = 0; b < B; b++) {
		int32_t y = labels[b];
		float *g = dlogits + (size_t)b * K;
		if (den <= 0.0 || !label_counts(y, K)) {
			memset(g, 0, (size_t)K * sizeof *g);
			continue;
		}
		float s = (float)((w ? w[y] : 1.0) / den);
		const float *p = probs + (size_t)b * K;
		for (int k = 0; k < K; k++)
			g[k] = 0.0f + s * p[k]; /* as += on a zeroed row, -0 included */
		g[y] -= s;
	}
}

void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *labels,
			   const float *w, int B, int K)
{
	double den = xent_weight_total(labels, w, B, K);
	if (den <= 0.0)
		return;
	for (int b = 0; b < B; b++) {
		int32_t y = labels[b];
		if (!label_counts(y, K))
			continue;
		float s = (float)((w ? w[y] : 1.0) / den);
		const float *p = probs + (size_t)b * K;
		float *g = dlogits + (size_t)b * K;
		for (int k = 0; k < K; k++)
			g[k] += s * p[k];
		g[y] -= s;
	}
}
