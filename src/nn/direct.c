/*
 * direct.c - small matrix products without packing (see direct.h).
 *
 * A tile of C, 8 rows by 32 columns (16 by 16 where N is narrow, or fewer
 * with masks), lives in 16 zmm registers while k runs: each step loads one row of B (two
 * vectors) and broadcasts 8 elements of op(A), then 16 fused multiply-adds.
 * Both operands are read where they lie: a row of B is contiguous, and
 * op(A)'s column is either 8 rows apart (A) or 8 neighbours (A^T).  The
 * structured branch's products (K of 20 to 256, N of 8 to 192) stay in
 * L1/L2, so nothing is gained by packing; OpenBLAS's copies, beta pass and
 * small-matrix dispatch were 7-9% of its step.  At these sizes a tile
 * reaches 55 GMAC/s on one Zen 4 core, OpenBLAS 48 (its copies included).
 * The accumulators are named variables (macros): gcc keeps an array of
 * vectors in memory.
 */
#include <config.h>

#include <stdatomic.h>
#include <stddef.h>

#include "yujing/nn/direct.h"
#include "yujing/nn/ops.h"

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define DIRECT_AVX512 1
#include <immintrin.h>

#define TGT __attribute__((target("avx512f")))

/* op(A)[i, k] */
#define OPA(ta, A, lda, i, k) ((ta) ? (A)[(size_t)(k) * (lda) + (i)] : (A)[(size_t)(i) * (lda) + (k)])

/* 8 rows x (16 + 16 masked by m1) columns at C. */
TGT static inline __attribute__((always_inline)) void tile_8x32(int ta, int K, const float *A, int lda,
								 const float *B, int ldb, float beta, float *C,
								 int ldc, __mmask16 m1)
{
#define Z(i) __m512 c##i##0 = _mm512_setzero_ps(), c##i##1 = _mm512_setzero_ps();
	Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7)
#undef Z
	for (int k = 0; k < K; k++) {
		const float *b = B + (size_t)k * ldb;
		__m512 b0 = _mm512_loadu_ps(b), b1 = _mm512_maskz_loadu_ps(m1, b + 16);
#define S(i)                                                                                  \
	{                                                                                     \
		__m512 av = _mm512_set1_ps(OPA(ta, A, lda, i, k));                             \
		c##i##0 = _mm512_fmadd_ps(av, b0, c##i##0);                                    \
		c##i##1 = _mm512_fmadd_ps(av, b1, c##i##1);                                    \
	}
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
#undef S
	}
#define W(i)                                                                                  \
	{                                                                                     \
		float *cc = C + (size_t)(i) * ldc;                                            \
		if (beta != 0.0f) {                                                           \
			c##i##0 = _mm512_add_ps(_mm512_loadu_ps(cc), c##i##0);                 \
			c##i##1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, cc + 16), c##i##1);  \
		}                                                                             \
		_mm512_storeu_ps(cc, c##i##0);                                                \
		_mm512_mask_storeu_ps(cc + 16, m1, c##i##1);                                  \
	}
	W(0) W(1) W(2) W(3) W(4) W(5) W(6) W(7)
#undef W
}

/* 8 rows x (16 masked by m0) columns. */
TGT static inline __attribute__((always_inline)) void tile_8x16(int ta, int K, const float *A, int lda,
								 const float *B, int ldb, float beta, float *C,
								 int ldc, __mmask16 m0)
{
#define Z(i) __m512 c##i = _mm512_setzero_ps();
	Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7)
#undef Z
	for (int k = 0; k < K; k++) {
		__m512 b0 = _mm512_maskz_loadu_ps(m0, B + (size_t)k * ldb);
#define S(i) c##i = _mm512_fmadd_ps(_mm512_set1_ps(OPA(ta, A, lda, i, k)), b0, c##i);
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7)
#undef S
	}
#define W(i)                                                                                  \
	{                                                                                     \
		float *cc = C + (size_t)(i) * ldc;                                            \
		if (beta != 0.0f)                                                             \
			c##i = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cc), c##i);             \
		_mm512_mask_storeu_ps(cc, m0, c##i);                                          \
	}
	W(0) W(1) W(2) W(3) W(4) W(5) W(6) W(7)
#undef W
}

/* 16 rows x (16 masked by m0) columns: for narrow products (N <= 16, the
 * blocks' weight gradients of 16 or 8 inputs), where 8 rows give too few
 * independent sums to hide the adds' latency. */
TGT static inline __attribute__((always_inline)) void tile_16x16(int ta, int K, const float *A, int lda,
								  const float *B, int ldb, float beta, float *C,
								  int ldc, __mmask16 m0)
{
#define Z(i) __m512 c##i = _mm512_setzero_ps();
	Z(0) Z(1) Z(2) Z(3) Z(4) Z(5) Z(6) Z(7) Z(8) Z(9) Z(10) Z(11) Z(12) Z(13) Z(14) Z(15)
#undef Z
	for (int k = 0; k < K; k++) {
		__m512 b0 = _mm512_maskz_loadu_ps(m0, B + (size_t)k * ldb);
#define S(i) c##i = _mm512_fmadd_ps(_mm512_set1_ps(OPA(ta, A, lda, i, k)), b0, c##i);
		S(0) S(1) S(2) S(3) S(4) S(5) S(6) S(7) S(8) S(9) S(10) S(11) S(12) S(13) S(14) S(15)
#undef S
	}
#define W(i)                                                                                  \
	{                                                                                     \
		float *cc = C + (size_t)(i) * ldc;                                            \
		if (beta != 0.0f)                                                             \
			c##i = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, cc), c##i);             \
		_mm512_mask_storeu_ps(cc, m0, c##i);                                          \
	}
	W(0) W(1) W(2) W(3) W(4) W(5) W(6) W(7) W(8) W(9) W(10) W(11) W(12) W(13) W(14) W(15)
#undef W
}

/* One row x up to 32 columns (the rows below a multiple of 8). */
TGT static inline __attribute__((always_inline)) void row_1x32(int ta, int K, const float *A, int lda, int i,
								const float *B, int ldb, float beta, float *C,
								__mmask16 m0, __mmask16 m1)
{
	__m512 c0 = _mm512_setzero_ps(), c1 = _mm512_setzero_ps();
	for (int k = 0; k < K; k++) {
		const float *b = B + (size_t)k * ldb;
		__m512 av = _mm512_set1_ps(OPA(ta, A, lda, i, k));
		c0 = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m0, b), c0);
		c1 = _mm512_fmadd_ps(av, _mm512_maskz_loadu_ps(m1, b + 16), c1);
	}
	if (beta != 0.0f) {
		c0 = _mm512_add_ps(_mm512_maskz_loadu_ps(m0, C), c0);
		c1 = _mm512_add_ps(_mm512_maskz_loadu_ps(m1, C + 16), c1);
	}
	_mm512_mask_storeu_ps(C, m0, c0);
	_mm512_mask_storeu_ps(C + 16, m1, c1);
}

/* The mask of the first n (0..16) lanes. */
static inline __mmask16 lanes(int n)
{
	return n >= 16 ? (__mmask16)0xffff : n <= 0 ? (__mmask16)0 : (__mmask16)((1u << n) - 1);
}

TGT static void gemm_512(int ta, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
			 float beta, float *C, int ldc)
{
	for (int j = 0; j < N; j += 32) {
		int n = N - j < 32 ? N - j : 32;
		__mmask16 m0 = lanes(n), m1 = lanes(n - 16);
		const float *b = B + j;
		int i = 0;
		if (n <= 16)
			for (; i + 16 <= M; i += 16) {
				const float *a = ta ? A + i : A + (size_t)i * lda;
				float *c = C + (size_t)i * ldc + j;
				if (ta)
					tile_16x16(1, K, a, lda, b, ldb, beta, c, ldc, m0);
				else
					tile_16x16(0, K, a, lda, b, ldb, beta, c, ldc, m0);
			}
		for (; i + 8 <= M; i += 8) {
			const float *a = ta ? A + i : A + (size_t)i * lda;
			float *c = C + (size_t)i * ldc + j;
			if (n > 16) {
				if (ta)
					tile_8x32(1, K, a, lda, b, ldb, beta, c, ldc, m1);
				else
					tile_8x32(0, K, a, lda, b, ldb, beta, c, ldc, m1);
			} else {
				if (ta)
					tile_8x16(1, K, a, lda, b, ldb, beta, c, ldc, m0);
				else
					tile_8x16(0, K, a, lda, b, ldb, beta, c, ldc, m0);
			}
		}
		for (; i < M; i++) {
			if (ta)
				row_1x32(1, K, A, lda, i, b, ldb, beta, C + (size_t)i * ldc + j, m0, m1);
			else
				row_1x32(0, K, A, lda, i, b, ldb, beta, C + (size_t)i * ldc + j, m0, m1);
		}
	}
}

/* dst (16 x 16, rows ldd apart) = src (16 x 16, rows lds apart)^T, in
 * registers: 64 shuffles for 256 floats instead of 256 strided stores. */
TGT static void transpose_16x16(float *dst, int ldd, const float *src, int lds)
{
	__m512 r[16], t[16];
	for (int i = 0; i < 16; i++)
		r[i] = _mm512_loadu_ps(src + (size_t)i * lds);
	/* pairs of rows: 2x2 blocks of single floats */
	for (int i = 0; i < 16; i += 2) {
		t[i] = _mm512_unpacklo_ps(r[i], r[i + 1]);
		t[i + 1] = _mm512_unpackhi_ps(r[i], r[i + 1]);
	}
	/* 4 rows: 2x2 blocks of float pairs */
	for (int i = 0; i < 16; i += 4) {
		r[i] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
		r[i + 1] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i]), _mm512_castps_pd(t[i + 2])));
		r[i + 2] = _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
		r[i + 3] = _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(t[i + 1]), _mm512_castps_pd(t[i + 3])));
	}
	/* 8 rows: 128-bit lanes; then 16 rows: 256-bit halves */
	for (int i = 0; i < 4; i++) {
		t[i] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0x88);
		t[i + 4] = _mm512_shuffle_f32x4(r[i], r[i + 4], 0xdd);
		t[i + 8] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0x88);
		t[i + 12] = _mm512_shuffle_f32x4(r[i + 8], r[i + 12], 0xdd);
	}
	for (int i = 0; i < 8; i++) {
		r[i] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0x88);
		r[i + 8] = _mm512_shuffle_f32x4(t[i], t[i + 8], 0xdd);
	}
	/* r[j] now holds column j of src */
	for (int j = 0; j < 16; j++)
		_mm512_storeu_ps(dst + (size_t)j * ldd, r[j]);
}
#endif

void direct_transpose(float *dst, int ldd, const float *src, int lds, int rows, int cols)
{
	int r0 = 0, k0 = 0;
#ifdef DIRECT_AVX512
	if (direct_available()) {
		for (r0 = 0; r0 + 16 <= rows; r0 += 16)
			for (k0 = 0; k0 + 16 <= cols; k0 += 16)
				transpose_16x16(dst + (size_t)k0 * ldd + r0, ldd, src + (size_t)r0 * lds + k0, lds);
		k0 = cols - cols % 16;
	}
#endif
	/* what the blocks left: the columns past the last block of their
	 * rows, then the rows below */
	for (int r = 0; r < r0; r++)
		for (int k = k0; k < cols; k++)
			dst[(size_t)k * ldd + r] = src[(size_t)r * lds + k];
	for (int r = r0; r < rows; r++)
		for (int k = 0; k < cols; k++)
			dst[(size_t)k * ldd + r] = src[(size_t)r * lds + k];
}

int direct_available(void)
{
#ifdef DIRECT_AVX512
	static atomic_int known = -1;
	int h = atomic_load_explicit(&known, memory_order_relaxed);
	if (h < 0) {
		__builtin_cpu_init();
		h = __builtin_cpu_supports("avx512f") ? 1 : 0;
		atomic_store_explicit(&known, h, memory_order_relaxed);
	}
	return h;
#else
	return 0;
#endif
}

void direct_sgemm(int ta, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
		  float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
#ifdef DIRECT_AVX512
	if (direct_available() && (beta == 0.0f || beta == 1.0f)) {
		gemm_512(ta, M, N, K, A, lda, B, ldb, beta, C, ldc);
		return;
	}
#endif
	nn_sgemm(ta, 0, M, N, K, 1.0f, A, lda, B, ldb, beta, C, ldc);
}
