/*
 * bf16.c - matrix products with bfloat16 inputs and float32 accumulation
 * (AVX512_BF16's vdpbf16ps), and the float32/bfloat16 choice.
 *
 * The kernel follows the usual shape of a BLAS (Goto's): op(B) is packed,
 * NC columns by KC rows at a time, into panels of NR = 32 columns in which
 * every 32-bit word holds the bfloat16 pair (k, k+1) of one column, the
 * layout vdpbf16ps multiplies against; op(A) is packed MR = 8 rows at a
 * time, converted row by row (A) or the MR pairs of one k step adjacent
 * (A^T): the micro-kernel broadcasts each pair from memory, so it reads
 * either layout and A needs no transpose.  The micro-kernel keeps an 8 x 32 tile
 * of C in 16 zmm accumulators: per pair of k it loads two vectors of B,
 * broadcasts one pair of each A row and issues 16 vdpbf16ps (1,024 flops).
 * Rounding to bfloat16 happens while packing (vcvtne2ps2bf16: round to
 * nearest even, as torch.Tensor.to(torch.bfloat16)); the pair products
 * are added to float32 accumulators, and C is only touched once per KC
 * block.  Packing buffers live on the stack (about 150 KB): no allocation,
 * and any thread may call.  The order of every sum depends only on the
 * shapes, so the same call gives the same bits.
 *
 * (Chosen by measurement against oneDNN's bf16 matmul and libxsmm's
 * bsgemm: see bench/bf16_kernels.c and the issue-16 note.)
 */
#include <config.h>

#include <stdint.h>
#include <string.h>

#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"

#if defined(HAVE_AVX512BF16) && defined(__x86_64__)
#include <immintrin.h>
#define BF16_KERNEL 1
#endif

/* ------------------------------------------------------------ conversions */

uint16_t bf16_from_float(float f)
{
	uint32_t u;
	memcpy(&u, &f, sizeof u);
	if ((u & 0x7fffffffu) > 0x7f800000u) /* NaN: keep it a (quiet) NaN */
		return (uint16_t)((u >> 16) | 0x40u);
	u += 0x7fffu + ((u >> 16) & 1u); /* round to nearest, ties to even */
	return (uint16_t)(u >> 16);
}

float bf16_to_float(uint16_t h)
{
	uint32_t u = (uint32_t)h << 16;
	float f;
	memcpy(&f, &u, sizeof f);
	return f;
}

static float bf16_round(float f)
{
	return bf16_to_float(bf16_from_float(f));
}

/* -------------------------------------------------------------- selection */

int bf16_supported(void)
{
#ifdef BF16_KERNEL
	static int known = -1;
	if (known < 0) {
		__builtin_cpu_init();
		known = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
			__builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bf16");
	}
	return known;
#else
	return 0;
#endif
}

nn_precision nn_precision_default(void)
{
	return bf16_supported() ? NN_BF16 : NN_FP32;
}

nn_precision nn_precision_effective(nn_precision p)
{
	return p == NN_BF16 && bf16_supported() ? NN_BF16 : NN_FP32;
}

int nn_precision_parse(const char *name, nn_precision *p)
{
	if (!strcmp(name, "fp32"))
		*p = NN_FP32;
	else if (!strcmp(name, "bf16"))
		*p = NN_BF16;
	else
		return -1;
	return 0;
}

const char *nn_precision_name(nn_precision p)
{
	return p == NN_BF16 ? "bf16" : "fp32";
}

/* -------------------------------------------------------------- reference */

void bf16_gemm_naive(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
		     const float *B, int ldb, float beta, float *C, int ldc)
{
	for (int i = 0; i < M; i++) {
		for (int j = 0; j < N; j++) {
			double acc = 0.0; /* the products of bf16 values are exact in double */
			for (int k = 0; k < K; k++) {
				float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
				float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
				acc += (double)bf16_round(a) * bf16_round(b);
			}
			float *c = &C[(size_t)i * ldc + j];
			*c = beta == 0.0f ? (float)(alpha * acc)
					  : (float)(alpha * acc + (double)beta * *c);
		}
	}
}

/* ----------------------------------------------------------------- kernel */

#ifdef BF16_KERNEL

#define MR 8	/* rows of the micro-tile */
#define NR 32	/* columns of the micro-tile: two zmm of float32 */
#define KC 256	/* k per packed block (KC/2 pairs) */
#define NC 256	/* columns per packed block of B */
#define KP (KC / 2)

#define TGT __attribute__((target("avx512f,avx512bw,avx512vl,avx512bf16")))
/* packing and the micro-kernel stay separate functions: a profile then
 * shows what each costs (one call per 8 x 32 tile is noise) */
#define NOINL __attribute__((noinline))

/* n (<= 32) floats from src rounded to bfloat16 into dst (room for an even
 * count: an odd n gets a zero after it). */
TGT static inline void cvt_run(uint16_t *dst, const float *src, int n)
{
	int m = n + (n & 1);
	__mmask16 lo = (__mmask16)(n >= 16 ? 0xffff : (1u << n) - 1);
	__mmask16 hi = (__mmask16)(n >= 32 ? 0xffff : n > 16 ? (1u << (n - 16)) - 1 : 0);
	__m512 a = _mm512_maskz_loadu_ps(lo, src), b = _mm512_maskz_loadu_ps(hi, src + 16);
	__m512bh v = _mm512_cvtne2ps_pbh(b, a); /* a -> the low 16, b -> the high 16 */
	__mmask32 st = (__mmask32)(m >= 32 ? 0xffffffffu : (1u << m) - 1);
	_mm512_mask_storeu_epi16(dst, st, (__m512i)v);
}

/* n rows of kc floats (row r at src + r ld; rows from valid on are zero)
 * rounded into tmp, kp = ceil(kc/2) pairs a row. */
TGT static void cvt_rows(uint32_t *tmp, int n, int valid, const float *src, int ld, int kc)
{
	const int kp = (kc + 1) / 2;
	for (int r = 0; r < n; r++) {
		uint16_t *dst = (uint16_t *)(tmp + (size_t)r * kp);
		if (r >= valid) {
			memset(dst, 0, (size_t)kp * sizeof(uint32_t));
			continue;
		}
		for (int k = 0; k < kc; k += 32)
			cvt_run(dst + k, src + (size_t)r * ld + k, kc - k < 32 ? kc - k : 32);
	}
}

/* op(A) rows [i0, i0+rows) x k [k0, k0+kc) -> ap, rows past M zero, in
 * one of two layouts the micro-kernel reads alike (it broadcasts one pair
 * of a row from memory, so any stride serves):
 *   A itself (!ta): row r's kp pairs contiguous, ap[r kp + p], as the rows
 *     convert (no transpose);
 *   A^T (ta): the MR pairs of one k step adjacent, ap[p MR + r], as rows k
 *     and k+1 of A hold them.
 * Returns the stride between rows (kp or 1); pairs are 1 or MR apart. */
TGT NOINL static int pack_a(uint32_t *ap, int ta, const float *A, int lda, int i0, int rows, int k0,
			     int kc)
{
	const int kp = (kc + 1) / 2;
	if (!ta) {
		cvt_rows(ap, MR, rows, A + (size_t)i0 * lda + k0, lda, kc);
		return kp;
	}
	/* op(A) = A^T: rows k and k+1 of A hold the MR values of a pair step
	 * side by side; round both and interleave them. */
	const __mmask16 mk = (__mmask16)((1u << rows) - 1);
	const __m256i idx = _mm256_set_epi16(15, 7, 14, 6, 13, 5, 12, 4, 11, 3, 10, 2, 9, 1, 8, 0);
	for (int p = 0; p < kp; p++) {
		const float *r0 = A + (size_t)(k0 + 2 * p) * lda + i0;
		__m512 x = _mm512_maskz_loadu_ps(mk, r0);
		if (2 * p + 1 < kc) /* the next row into lanes 8..15 */
			x = _mm512_mask_loadu_ps(x, (__mmask16)(mk << 8), r0 + lda - 8);
		__m256i v = (__m256i)_mm512_cvtneps_pbh(x);
		_mm256_storeu_si256((__m256i *)(ap + (size_t)p * MR), _mm256_permutexvar_epi16(idx, v));
	}
	return 1;
}

/* op(B) k [k0, k0+kc) x columns [j0, j0+cols), cols <= NR -> one panel bp
 * (kp pairs x NR words); columns past cols are zero.  tmp: NR x KP words. */
TGT NOINL static void pack_b(uint32_t *bp, uint32_t *tmp, int tb, const float *B, int ldb, int k0,
		       int kc, int j0, int cols)
{
	const int kp = (kc + 1) / 2;
	if (!tb) {
		/* rows k and k+1 of B are contiguous in n: interleave them */
		for (int p = 0; p < kp; p++) {
			const float *r0 = B + (size_t)(k0 + 2 * p) * ldb + j0;
			const float *r1 = 2 * p + 1 < kc ? r0 + ldb : NULL;
			for (int h = 0; h < NR; h += 16) {
				int n = cols - h;
				__mmask16 mk = (__mmask16)(n >= 16 ? 0xffff : n > 0 ? (1u << n) - 1 : 0);
				__m512 x0 = _mm512_maskz_loadu_ps(mk, r0 + h);
				__m512 x1 = r1 ? _mm512_maskz_loadu_ps(mk, r1 + h) : _mm512_setzero_ps();
				__m512i v = (__m512i)_mm512_cvtne2ps_pbh(x1, x0); /* x0 low, x1 high */
				/* words: x0's 16 bf16 then x1's; pair them up */
				const __m512i idx = _mm512_set_epi16(
				    31, 15, 30, 14, 29, 13, 28, 12, 27, 11, 26, 10, 25, 9, 24, 8, 23, 7,
				    22, 6, 21, 5, 20, 4, 19, 3, 18, 2, 17, 1, 16, 0);
				_mm512_storeu_si512(bp + (size_t)p * NR + h,
						    _mm512_permutexvar_epi16(idx, v));
			}
		}
		return;
	}
	/* tb: column n of op(B) is row n of B, its pairs contiguous: convert the
	 * rows into tmp (NR x kp), then gather each pair index across rows */
	cvt_rows(tmp, NR, cols, B + (size_t)j0 * ldb + k0, ldb, kc);
	const __m512i stride = _mm512_mullo_epi32(
	    _mm512_set_epi32(15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1, 0), _mm512_set1_epi32(kp));
	const __m512i stride16 = _mm512_add_epi32(stride, _mm512_set1_epi32(16 * kp));
	for (int p = 0; p < kp; p++) {
		_mm512_storeu_si512(bp + (size_t)p * NR, _mm512_i32gather_epi32(stride, tmp + p, 4));
		_mm512_storeu_si512(bp + (size_t)p * NR + 16,
				    _mm512_i32gather_epi32(stride16, tmp + p, 4));
	}
}

/* C tile (rows x cols, within MR x NR) = alpha * ap bp + (first ? beta C : C);
 * with bias (the tile's NR columns of it), first adds bias where it would
 * read beta C (beta is then 1).  Pair p of row r of the A strip is
 * ap[r rs + p ps] (see pack_a); the two layouts are two instances with a
 * constant stride, so the loop's addressing stays simple. */
TGT static inline __attribute__((always_inline)) void
micro_body(int kp, const uint32_t *ap, int rs, int ps, const uint32_t *bp, float *C, int ldc, int rows,
	   int cols, float alpha, float beta, int first, const float *bias)
{
	__m512 c0[MR], c1[MR];
#pragma GCC unroll 8
	for (int r = 0; r < MR; r++)
		c0[r] = c1[r] = _mm512_setzero_ps();
	for (int p = 0; p < kp; p++) {
		__m512bh b0 = (__m512bh)_mm512_loadu_si512(bp + (size_t)p * NR);
		__m512bh b1 = (__m512bh)_mm512_loadu_si512(bp + (size_t)p * NR + 16);
#pragma GCC unroll 8
		for (int r = 0; r < MR; r++) {
			__m512bh a = (__m512bh)_mm512_set1_epi32((int)ap[(size_t)r * rs + (size_t)p * ps]);
			c0[r] = _mm512_dpbf16_ps(c0[r], a, b0);
			c1[r] = _mm512_dpbf16_ps(c1[r], a, b1);
		}
	}
	const __mmask16 m0 = (__mmask16)(cols >= 16 ? 0xffff : (1u << cols) - 1);
	const __mmask16 m1 = (__mmask16)(cols >= 32 ? 0xffff : cols > 16 ? (1u << (cols - 16)) - 1 : 0);
	const __m512 va = _mm512_set1_ps(alpha), vb = _mm512_set1_ps(first ? beta : 1.0f);
	const int readc = !first || beta != 0.0f, addb = first && bias;
	const __m512 b0 = addb ? _mm512_maskz_loadu_ps(m0, bias) : va,
		     b1 = addb ? _mm512_maskz_loadu_ps(m1, bias + 16) : va;
#pragma GCC unroll 8
	for (int r = 0; r < MR; r++) {
		if (r >= rows)
			break;
		float *c = C + (size_t)r * ldc;
		__m512 x0 = _mm512_mul_ps(va, c0[r]), x1 = _mm512_mul_ps(va, c1[r]);
		if (addb) {
			x0 = _mm512_fmadd_ps(vb, b0, x0);
			x1 = _mm512_fmadd_ps(vb, b1, x1);
		} else if (readc) {
			x0 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m0, c), x0);
			x1 = _mm512_fmadd_ps(vb, _mm512_maskz_loadu_ps(m1, c + 16), x1);
		}
		_mm512_mask_storeu_ps(c, m0, x0);
		_mm512_mask_storeu_ps(c + 16, m1, x1);
	}
}

/* A strips of rows (!ta: pairs contiguous, rs = kp) */
TGT NOINL static void micro(int kp, const uint32_t *ap, const uint32_t *bp, float *C, int ldc, int rows,
			    int cols, float alpha, float beta, int first, const float *bias)
{
	micro_body(kp, ap, kp, 1, bp, C, ldc, rows, cols, alpha, beta, first, bias);
}

/* A strips of pair steps (ta: rows adjacent, ps = MR) */
TGT NOINL static void micro_t(int kp, const uint32_t *ap, const uint32_t *bp, float *C, int ldc,
			      int rows, int cols, float alpha, float beta, int first, const float *bias)
{
	micro_body(kp, ap, 1, MR, bp, C, ldc, rows, cols, alpha, beta, first, bias);
}

/* The micro-kernel for the layout pack_a chose (rs: its return). */
TGT static inline void micro_any(int rs, int kp, const uint32_t *ap, const uint32_t *bp, float *C,
				 int ldc, int rows, int cols, float alpha, float beta, int first,
				 const float *bias)
{
	if (rs == 1)
		micro_t(kp, ap, bp, C, ldc, rows, cols, alpha, beta, first, bias);
	else
		micro(kp, ap, bp, C, ldc, rows, cols, alpha, beta, first, bias);
}

/* Rows of op(A) whose strips one K block of gemm_bf16 packs once for all
 * of N, when N spans several NC blocks (the MLM decoder's 304 rows against
 * 21,128 columns packed A 83 times over; a weight gradient's 256 rows
 * against 1,024 columns 4 times).  The buffer is per thread (256 KB). */
#define AMAX 512

static _Thread_local _Alignas(64) uint32_t abuf[AMAX * KP];

/* gemm_bf16 for M <= AMAX: K blocks outside, every strip of A packed once
 * per block, then the column blocks.  Each element of C gets the same sums
 * in the same order as in gemm_bf16's loop (K blocks in order, each by one
 * micro-kernel call on the same packed data), so the same bits. */
TGT static void gemm_bf16_short(int ta, int tb, int M, int N, int K, float alpha, const float *A,
				int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
	_Alignas(64) uint32_t bp[(NC / NR) * KP * NR];
	_Alignas(64) uint32_t tmp[NR * KP];
	int rs[AMAX / MR];
	for (int pc = 0; pc < K; pc += KC) {
		int kc = K - pc < KC ? K - pc : KC, kp = (kc + 1) / 2;
		for (int ic = 0; ic < M; ic += MR)
			rs[ic / MR] = pack_a(abuf + (size_t)ic * KP, ta, A, lda, ic,
					     M - ic < MR ? M - ic : MR, pc, kc);
		for (int jc = 0; jc < N; jc += NC) {
			int nc = N - jc < NC ? N - jc : NC;
			for (int jr = 0; jr < nc; jr += NR)
				pack_b(bp + (size_t)(jr / NR) * kp * NR, tmp, tb, B, ldb, pc, kc,
				       jc + jr, nc - jr < NR ? nc - jr : NR);
			for (int ic = 0; ic < M; ic += MR)
				for (int jr = 0; jr < nc; jr += NR)
					micro_any(rs[ic / MR], kp, abuf + (size_t)ic * KP,
						  bp + (size_t)(jr / NR) * kp * NR,
						  C + (size_t)ic * ldc + jc + jr, ldc,
						  M - ic < MR ? M - ic : MR, nc - jr < NR ? nc - jr : NR,
						  alpha, beta, pc == 0, NULL);
		}
	}
}

TGT static void gemm_bf16(int ta, int tb, int M, int N, int K, float alpha, const float *A,
			  int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
	if (N > NC && M <= AMAX) {
		gemm_bf16_short(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
		return;
	}
	_Alignas(64) uint32_t bp[(NC / NR) * KP * NR];
	_Alignas(64) uint32_t ap[MR * KP];
	_Alignas(64) uint32_t tmp[NR * KP]; /* NR >= MR */
	for (int jc = 0; jc < N; jc += NC) {
		int nc = N - jc < NC ? N - jc : NC;
		for (int pc = 0; pc < K; pc += KC) {
			int kc = K - pc < KC ? K - pc : KC, kp = (kc + 1) / 2;
			for (int jr = 0; jr < nc; jr += NR)
				pack_b(bp + (size_t)(jr / NR) * kp * NR, tmp, tb, B, ldb, pc, kc,
				       jc + jr, nc - jr < NR ? nc - jr : NR);
			for (int ic = 0; ic < M; ic += MR) {
				int rows = M - ic < MR ? M - ic : MR;
				int rs = pack_a(ap, ta, A, lda, ic, rows, pc, kc);
				for (int jr = 0; jr < nc; jr += NR)
					micro_any(rs, kp, ap, bp + (size_t)(jr / NR) * kp * NR,
					      C + (size_t)ic * ldc + jc + jr, ldc, rows,
					      nc - jr < NR ? nc - jr : NR, alpha, beta, pc == 0, NULL);
			}
		}
	}
}

/* Where block q (k from q*KC) of a packed op(B) with npan panels starts. */
static size_t block_at(int q, int npan)
{
	return (size_t)q * KP * NR * (size_t)npan;
}

TGT static void pack_all(uint32_t *dst, int tb, int K, int N, const float *B, int ldb)
{
	_Alignas(64) uint32_t tmp[NR * KP];
	const int npan = (N + NR - 1) / NR;
	for (int pc = 0; pc < K; pc += KC) {
		int kc = K - pc < KC ? K - pc : KC, kp = (kc + 1) / 2;
		uint32_t *base = dst + block_at(pc / KC, npan);
		for (int jr = 0; jr < N; jr += NR)
			pack_b(base + (size_t)(jr / NR) * kp * NR, tmp, tb, B, ldb, pc, kc, jr,
			       N - jr < NR ? N - jr : NR);
	}
}

/* rows x n of C += R (row r at C + r ldc, R + r ldr): a residual added to
 * a strip of a product just stored, while it is in L1. */
TGT static void add_rows(float *C, int ldc, const float *R, int ldr, int rows, int n)
{
	for (int r = 0; r < rows; r++)
		for (int j = 0; j < n; j += 16) {
			__mmask16 mk = (__mmask16)(n - j >= 16 ? 0xffff : (1u << (n - j)) - 1);
			float *c = C + (size_t)r * ldc + j;
			__m512 x = _mm512_add_ps(_mm512_maskz_loadu_ps(mk, c),
						 _mm512_maskz_loadu_ps(mk, R + (size_t)r * ldr + j));
			_mm512_mask_storeu_ps(c, mk, x);
		}
}

/* nb products of one op(A) with packed op(B)s Bp[b] into C[b] (bias[b]
 * or none): each strip of A is packed once for all of them, and every C
 * gets the same sums in the same order as alone, so the same bits. */
TGT static void gemm_packed(int ta, int M, int N, int K, float alpha, const float *A, int lda, int nb,
			    const uint32_t *const *Bp, float beta, const float *const *bias, float *const *C,
			    int ldc, const float *res, int ldr)
{
	_Alignas(64) uint32_t ap[MR * KP];
	const int npan = (N + NR - 1) / NR;
	for (int pc = 0; pc < K; pc += KC) {
		int kc = K - pc < KC ? K - pc : KC, kp = (kc + 1) / 2;
		for (int ic = 0; ic < M; ic += MR) {
			int rows = M - ic < MR ? M - ic : MR;
			int rs = pack_a(ap, ta, A, lda, ic, rows, pc, kc);
			for (int b = 0; b < nb; b++) {
				const uint32_t *base = Bp[b] + block_at(pc / KC, npan);
				const float *bi = bias ? bias[b] : NULL;
				for (int jr = 0; jr < N; jr += NR)
					micro_any(rs, kp, ap, base + (size_t)(jr / NR) * kp * NR,
						  C[b] + (size_t)ic * ldc + jr, ldc, rows,
						  N - jr < NR ? N - jr : NR, alpha, beta, pc == 0,
						  bi ? bi + jr : NULL);
			}
			if (res && pc + KC >= K) /* the strip's last K block: + its residual */
				add_rows(C[0] + (size_t)ic * ldc, ldc, res + (size_t)ic * ldr, ldr, rows, N);
		}
	}
}


/* ------------------------------------------- bfloat16 activations (inference) */

/* rows x n floats (row r at src + r ld) rounded to bfloat16 rows of dst
 * (ldd apart; an odd n gets a zero after it), as pack_a rounds them. */
TGT static void cvt_rows16(uint16_t *dst, int ldd, const float *src, int ld, int rows, int n)
{
	for (int r = 0; r < rows; r++)
		for (int k = 0; k < n; k += 32)
			cvt_run(dst + (size_t)r * ldd + k, src + (size_t)r * ld + k, n - k < 32 ? n - k : 32);
}

/* One strip of MR rows of the product in float32, per thread: the
 * epilogue (bias, GELU, rounding) runs on it while it is in cache. */
#define GELU_NMAX 4096
static _Thread_local _Alignas(64) float sbuf[MR * GELU_NMAX];

/* C16 = bf16(GELU(A op(B) + bias)), strip by strip: each element gets
 * gemm_packed's sums in gemm_packed's order (K blocks in order, one
 * micro-kernel call each on the same packed data), then gelu_forward, then
 * pack_a's rounding: the bits of the unfused path. */
TGT static void gemm_packed_gelu16(int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
				   const float *bias, uint16_t *C16, int ldc16)
{
	_Alignas(64) uint32_t ap[MR * KP];
	const int npan = (N + NR - 1) / NR;
	for (int ic = 0; ic < M; ic += MR) {
		int rows = M - ic < MR ? M - ic : MR;
		for (int pc = 0; pc < K; pc += KC) {
			int kc = K - pc < KC ? K - pc : KC, kp = (kc + 1) / 2;
			int rs = pack_a(ap, 0, A, lda, ic, rows, pc, kc);
			const uint32_t *base = Bp + block_at(pc / KC, npan);
			for (int jr = 0; jr < N; jr += NR)
				micro_any(rs, kp, ap, base + (size_t)(jr / NR) * kp * NR, sbuf + jr, N, rows,
					  N - jr < NR ? N - jr : NR, 1.0f, 1.0f, pc == 0, bias + jr);
		}
		gelu_forward(sbuf, sbuf, (size_t)rows * N);
		cvt_rows16(C16 + (size_t)ic * ldc16, ldc16, sbuf, N, rows, N);
	}
}

/* C = A16 op(B) + bias with A16 bfloat16 rows (lda16 even): each strip
 * copied into pack_a's layout (a copy, no rounding; zero rows below a
 * last partial strip, as pack_a leaves them), then the micro-kernel: the
 * same sums in the same order as gemm_packed.  (Read in place, 2 KB apart,
 * the rows took longer than the copy saves.) */
TGT static void gemm_packed_a16(int M, int N, int K, const uint16_t *A16, int lda16, const uint32_t *Bp,
				const float *bias, const float *res, int ldr, float *C, int ldc)
{
	_Alignas(64) uint32_t ap[MR * KP];
	const int npan = (N + NR - 1) / NR;
	for (int pc = 0; pc < K; pc += KC) {
		int kc = K - pc < KC ? K - pc : KC, kp = (kc + 1) / 2;
		const uint32_t *base = Bp + block_at(pc / KC, npan);
		for (int ic = 0; ic < M; ic += MR) {
			int rows = M - ic < MR ? M - ic : MR;
			const uint16_t *a = A16 + (size_t)ic * lda16 + pc;
			for (int r = 0; r < MR; r++)
				if (r < rows)
					memcpy(ap + (size_t)r * kp, a + (size_t)r * lda16, (size_t)kp * sizeof *ap);
				else
					memset(ap + (size_t)r * kp, 0, (size_t)kp * sizeof *ap);
			for (int jr = 0; jr < N; jr += NR)
				micro(kp, ap, base + (size_t)(jr / NR) * kp * NR, C + (size_t)ic * ldc + jr, ldc,
				      rows, N - jr < NR ? N - jr : NR, 1.0f, 1.0f, pc == 0, bias + jr);
			if (res && pc + KC >= K)
				add_rows(C + (size_t)ic * ldc, ldc, res + (size_t)ic * ldr, ldr, rows, N);
		}
	}
}

#endif /* BF16_KERNEL */

void bf16_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
	       const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
#ifdef BF16_KERNEL
	if (K > 0 && bf16_supported()) {
		gemm_bf16(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
		return;
	}
#endif
	nn_sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

size_t bf16_packed_words(int K, int N)
{
#ifdef BF16_KERNEL
	if (K <= 0 || N <= 0)
		return 0;
	int nfull = (K - 1) / KC, last = K - nfull * KC;
	return (size_t)((N + NR - 1) / NR) * NR * ((size_t)nfull * KP + (size_t)(last + 1) / 2);
#else
	(void)K, (void)N;
	return 0;
#endif
}

void bf16_pack_b(uint32_t *dst, int tb, int K, int N, const float *B, int ldb)
{
#ifdef BF16_KERNEL
	if (K > 0 && N > 0 && bf16_supported())
		pack_all(dst, tb, K, N, B, ldb);
#else
	(void)dst, (void)tb, (void)K, (void)N, (void)B, (void)ldb;
#endif
}

void bf16_gemm_packed(int ta, int M, int N, int K, float alpha, const float *A, int lda,
		      const uint32_t *Bp, float beta, float *C, int ldc)
{
#ifdef BF16_KERNEL
	if (M > 0 && N > 0 && K > 0 && bf16_supported())
		gemm_packed(ta, M, N, K, alpha, A, lda, 1, &Bp, beta, NULL, &C, ldc, NULL, 0);
#else
	(void)ta, (void)M, (void)N, (void)K, (void)alpha, (void)A, (void)lda, (void)Bp;
	(void)beta, (void)C, (void)ldc;
#endif
}

void bf16_gemm_packed_bias(int ta, int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
			   const float *bias, float *C, int ldc)
{
#ifdef BF16_KERNEL
	if (M > 0 && N > 0 && K > 0 && bf16_supported())
		gemm_packed(ta, M, N, K, 1.0f, A, lda, 1, &Bp, 1.0f, &bias, &C, ldc, NULL, 0);
#else
	(void)ta, (void)M, (void)N, (void)K, (void)A, (void)lda, (void)Bp, (void)bias, (void)C, (void)ldc;
#endif
}

void bf16_gemm_packed_bias_n(int nb, int M, int N, int K, const float *A, int lda, const uint32_t *const *Bp,
			     const float *const *bias, float *const *C, int ldc)
{
#ifdef BF16_KERNEL
	if (nb > 0 && M > 0 && N > 0 && K > 0 && bf16_supported())
		gemm_packed(0, M, N, K, 1.0f, A, lda, nb, Bp, 1.0f, bias, C, ldc, NULL, 0);
#else
	(void)nb, (void)M, (void)N, (void)K, (void)A, (void)lda, (void)Bp, (void)bias, (void)C, (void)ldc;
#endif
}

void nn_gemm(nn_precision p, int ta, int tb, int M, int N, int K, float alpha, const float *A,
	     int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
	if (p == NN_BF16)
		bf16_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	else
		nn_sgemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
}

int bf16_gemm_packed_bias_gelu16(int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
				 const float *bias, uint16_t *C16, int ldc16)
{
#ifdef BF16_KERNEL
	if (M > 0 && N > 0 && K > 0 && N <= GELU_NMAX && ldc16 >= N + (N & 1) && bf16_supported()) {
		gemm_packed_gelu16(M, N, K, A, lda, Bp, bias, C16, ldc16);
		return 0;
	}
#else
	(void)M, (void)N, (void)K, (void)A, (void)lda, (void)Bp, (void)bias, (void)C16, (void)ldc16;
#endif
	return -1;
}

int bf16_gemm_packed_bias_a16(int M, int N, int K, const uint16_t *A16, int lda16, const uint32_t *Bp,
			      const float *bias, const float *R, int ldr, float *C, int ldc)
{
#ifdef BF16_KERNEL
	if (M > 0 && N > 0 && K > 0 && !(lda16 & 1) && lda16 >= K + (K & 1) && bf16_supported()) {
		gemm_packed_a16(M, N, K, A16, lda16, Bp, bias, R, ldr, C, ldc);
		return 0;
	}
#else
	(void)M, (void)N, (void)K, (void)A16, (void)lda16, (void)Bp, (void)bias, (void)R, (void)ldr, (void)C;
	(void)ldc;
#endif
	return -1;
}

int bf16_gemm_packed_bias_res(int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
			      const float *bias, const float *R, int ldr, float *C, int ldc)
{
#ifdef BF16_KERNEL
	if (M > 0 && N > 0 && K > 0 && bf16_supported()) {
		gemm_packed(0, M, N, K, 1.0f, A, lda, 1, &Bp, 1.0f, &bias, &C, ldc, R, ldr);
		return 0;
	}
#else
	(void)M, (void)N, (void)K, (void)A, (void)lda, (void)Bp, (void)bias, (void)R, (void)ldr, (void)C;
	(void)ldc;
#endif
	return -1;
}
