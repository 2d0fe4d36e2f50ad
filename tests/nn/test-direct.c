/*
 * test-direct.c - direct_sgemm (src/nn/direct.c), the structured branch's
 * products without packing:
 *
 * 1. Its order: each element is the running sum over k in order, one
 *    fmaf at each k from 0, then C + sum when beta is 1 -- the reference
 *    below -- bit for bit, for op(A) = A and A^T, beta 0 and 1, strided
 *    rows, and shapes that take every tile (8 x 32, 8 x 16, masked
 *    columns, the rows below a multiple of 8, K of 0 and 1).
 * 2. Its values: within 1e-5 of nn_sgemm_naive's (sums in double).
 * 3. beta 0 does not read C: NaN there does not leak.
 * On a processor without AVX-512 it is nn_sgemm: 1 is then skipped.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/nn/direct.h"
#include "yujing/nn/ops.h"

static yj_rng rng;

static float *randv(size_t n)
{
	float *v = malloc((n ? n : 1) * sizeof *v);
	for (size_t i = 0; i < n; i++)
		v[i] = (float)(2 * rng_uniform(&rng) - 1);
	return v;
}

/* The order direct_sgemm promises. */
static void ref_fma(int ta, int M, int N, int K, const float *A, int lda, const float *B, int ldb, float beta,
		    float *C, int ldc)
{
	for (int i = 0; i < M; i++)
		for (int j = 0; j < N; j++) {
			float acc = 0.0f;
			for (int k = 0; k < K; k++) {
				float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
				acc = fmaf(a, B[(size_t)k * ldb + j], acc);
			}
			float *c = &C[(size_t)i * ldc + j];
			*c = beta != 0.0f ? *c + acc : acc;
		}
}

int main(void)
{
	static const int Ms[] = {1, 7, 8, 9, 20, 64};
	static const int Ns[] = {1, 8, 15, 16, 17, 31, 32, 33, 64, 192};
	static const int Ks[] = {0, 1, 5, 64, 256};
	rng_seed(&rng, 3);
	long shapes = 0, bits = 0, far = 0, leak = 0;
	double worst = 0;
	for (size_t a = 0; a < sizeof Ms / sizeof *Ms; a++)
		for (size_t b = 0; b < sizeof Ns / sizeof *Ns; b++)
			for (size_t c = 0; c < sizeof Ks / sizeof *Ks; c++)
				for (int ta = 0; ta < 2; ta++)
					for (int beta = 0; beta < 2; beta++) {
						int M = Ms[a], N = Ns[b], K = Ks[c];
						int lda = (ta ? M : K) + 3, ldb = N + 5, ldc = N + 2;
						size_t na = (size_t)(ta ? K : M) * lda, nb = (size_t)K * ldb,
						       nc = (size_t)M * ldc;
						float *A = randv(na), *B = randv(nb), *C0 = randv(nc);
						float *C1 = malloc(nc * sizeof *C1), *C2 = malloc(nc * sizeof *C2),
						      *C3 = malloc(nc * sizeof *C3);
						if (!beta) /* not read: NaN must not leak */
							for (size_t i = 0; i < nc; i++)
								C0[i] = NAN;
						memcpy(C1, C0, nc * sizeof *C1);
						memcpy(C2, C0, nc * sizeof *C2);
						memcpy(C3, C0, nc * sizeof *C3);
						direct_sgemm(ta, M, N, K, A, lda, B, ldb, (float)beta, C1, ldc);
						ref_fma(ta, M, N, K, A, lda, B, ldb, (float)beta, C2, ldc);
						nn_sgemm_naive(ta, 0, M, N, K, 1.0f, A, lda, B, ldb, (float)beta, C3, ldc);
						for (int i = 0; i < M; i++)
							for (int j = 0; j < N; j++) {
								size_t o = (size_t)i * ldc + j;
								bits += memcmp(&C1[o], &C2[o], sizeof C1[o]) != 0;
								leak += isnan(C1[o]);
								double d = fabs((double)C1[o] - C3[o]);
								if (!(d <= 1e-5 * (1 + fabs((double)C3[o]))))
									far++;
								if (d > worst)
									worst = d;
							}
						for (int i = 0; i < M; i++) /* the gaps between rows untouched */
							for (int j = N; j < ldc && i + 1 < M; j++) {
								size_t o = (size_t)i * ldc + j;
								bits += memcmp(&C1[o], &C0[o], sizeof C1[o]) != 0;
							}
						shapes++;
						free(A), free(B), free(C0), free(C1), free(C2), free(C3);
					}
	if (direct_available())
		ok(bits == 0, "%ld shapes (ta, beta, tails): the bits of the running fmaf sum, gaps untouched (%ld differ)",
		   shapes, bits);
	else
		ok(1, "# SKIP no AVX-512 here: direct_sgemm is nn_sgemm");
	ok(far == 0, "%ld shapes: within 1e-5 of the double-precision reference (max difference %.3g)", shapes,
	   worst);
	ok(leak == 0, "beta 0: C is not read (%ld NaN leaked)", leak);

	/* direct_transpose: every dst[k][r] is src[r][k], element by element
	 * (blocks of 16, the columns and rows past them), and the gaps of
	 * dst's rows (past `rows`) keep their NaN */
	static const int Rs[] = {1, 15, 16, 17, 20, 32, 64}, Cs[] = {1, 8, 16, 31, 32, 33, 64};
	long tshapes = 0, tbad = 0;
	for (size_t a = 0; a < sizeof Rs / sizeof *Rs; a++)
		for (size_t b = 0; b < sizeof Cs / sizeof *Cs; b++) {
			int rows = Rs[a], cols = Cs[b], lds = cols + 7, ldd = rows + 3;
			float *src = randv((size_t)rows * lds), *dst = malloc((size_t)cols * ldd * sizeof *dst);
			for (size_t i = 0; i < (size_t)cols * ldd; i++)
				dst[i] = NAN;
			direct_transpose(dst, ldd, src, lds, rows, cols);
			for (int k = 0; k < cols; k++)
				for (int r = 0; r < ldd; r++) {
					float got = dst[(size_t)k * ldd + r];
					if (r < rows)
						tbad += memcmp(&got, &src[(size_t)r * lds + k], sizeof got) != 0;
					else
						tbad += !isnan(got);
				}
			tshapes++;
			free(src), free(dst);
		}
	ok(tbad == 0, "direct_transpose: %ld shapes, every element in its place, the gaps untouched (%ld wrong)",
	   tshapes, tbad);
	return tap_done();
}
