/*
 * test-bf16.c - the bfloat16 matrix-product kernel (src/nn/bf16.c) against
 * its plain-loop reference, and the float32 -> bfloat16 rounding against
 * hand-worked values.
 *
 * bf16_gemm_naive rounds both inputs to bfloat16 and sums the (exact)
 * products in double; the kernel sums them in float32, so the two differ
 * by float32 accumulation only: |kernel - naive| <= 2 K u sum_k |a_k b_k|
 * + u |C| (u = 2^-24), the standard bound for a dot product of K terms.
 * A kernel that skipped the rounding (or rounded toward zero) would be off
 * by ~2^-9 of the terms, far above that bound for the small K cases, which
 * are there for that reason.  Shapes cover every transpose combination,
 * edges of the 8 x 32 tile and of the 256 x 256 blocks, odd K and beta.
 * Without AVX512_BF16 (in the build or the processor) the kernel cases are
 * skipped: bf16_gemm is then nn_sgemm.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/base/rng.h"
#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"

static yj_rng rng;

static void fill(float *x, size_t n)
{
	for (size_t i = 0; i < n; i++)
		x[i] = (float)(2.0 * rng_uniform(&rng) - 1.0);
}

/* The worst |got - want| / bound over C, bound as in the header comment. */
static double check(int ta, int tb, int M, int N, int K, float alpha, float beta)
{
	int lda = ta ? M + 3 : K + 1, ldb = tb ? K + 2 : N + 5, ldc = N + 7;
	float *A = malloc(sizeof(float) * (size_t)lda * (ta ? K : M));
	float *B = malloc(sizeof(float) * (size_t)ldb * (tb ? N : K));
	float *C0 = malloc(sizeof(float) * (size_t)ldc * M);
	float *C1 = malloc(sizeof(float) * (size_t)ldc * M);
	float *C2 = malloc(sizeof(float) * (size_t)ldc * M);
	fill(A, (size_t)lda * (ta ? K : M));
	fill(B, (size_t)ldb * (tb ? N : K));
	fill(C0, (size_t)ldc * M);
	for (size_t i = 0; i < (size_t)ldc * M; i++)
		C1[i] = C2[i] = C0[i];
	bf16_gemm(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C1, ldc);
	bf16_gemm_naive(ta, tb, M, N, K, alpha, A, lda, B, ldb, beta, C2, ldc);
	double worst = 0.0;
	const double u = ldexp(1.0, -24);
	for (int i = 0; i < M; i++) {
		for (int j = 0; j < N; j++) {
			double mag = 0.0;
			for (int k = 0; k < K; k++) {
				float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
				float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
				mag += fabs((double)a * b);
			}
			double bound = 2.0 * (K + 2) * u * fabs(alpha) * mag +
				       4 * u * (fabs(C2[(size_t)i * ldc + j]) + fabs(beta * C0[(size_t)i * ldc + j])) + 1e-30;
			double e = fabs((double)C1[(size_t)i * ldc + j] - C2[(size_t)i * ldc + j]) / bound;
			if (!(e <= worst))
				worst = isnan(e) ? INFINITY : e > worst ? e : worst;
		}
		/* the padding columns past N are never written */
		for (int j = N; j < ldc; j++)
			if (C1[(size_t)i * ldc + j] != C0[(size_t)i * ldc + j])
				worst = INFINITY;
	}
	free(A);
	free(B);
	free(C0);
	free(C1);
	free(C2);
	return worst;
}

int main(void)
{
	rng_seed(&rng, 16);

	/* Rounding, by hand: 1 + 2^-8 is a tie between 1 and 1 + 2^-7 and goes
	 * to the even one (1); 1 + 3 * 2^-8 ties between 1 + 2^-7 and
	 * 1 + 2^-6 and goes to 1 + 2^-6 (even mantissa); just above a tie
	 * rounds up; -0.1f's bits 0xbdcccccd round to 0xbdcd. */
	ok(bf16_from_float(1.0f) == 0x3f80, "1.0 -> 0x3f80");
	ok(bf16_from_float(1.0f + 0x1p-8f) == 0x3f80, "a tie goes to even (down)");
	ok(bf16_from_float(1.0f + 3 * 0x1p-8f) == 0x3f82, "a tie goes to even (up)");
	ok(bf16_from_float(1.0f + 0x1p-8f + 0x1p-20f) == 0x3f81, "above a tie rounds up");
	ok(bf16_from_float(-0.1f) == 0xbdcd, "-0.1 -> 0xbdcd");
	ok(bf16_from_float(INFINITY) == 0x7f80, "inf stays inf");
	ok(isnan(bf16_to_float(bf16_from_float(NAN))), "NaN stays NaN");
	ok(bf16_to_float(0x4049) == 3.140625f, "0x4049 -> 3.140625");

	/* the kernel-widening rule of main.c */
	ok(nn_blas_wider_for("Haswell", 1) && !strcmp(nn_blas_wider_for("Haswell", 1), "SkylakeX"),
	   "Haswell on an AVX-512 processor: SkylakeX");
	ok(nn_blas_wider_for("ZEN", 1) != NULL, "Zen (any case) on AVX-512: widened");
	ok(!nn_blas_wider_for("Haswell", 0), "Haswell without AVX-512: left alone");
	ok(!nn_blas_wider_for("Cooperlake", 1) && !nn_blas_wider_for("SkylakeX", 1),
	   "an AVX-512 kernel is left alone");
	printf("# OpenBLAS runs %s here\n", nn_blas_corename());

	nn_precision p;
	ok(nn_precision_parse("bf16", &p) == 0 && p == NN_BF16, "parse bf16");
	ok(nn_precision_parse("fp32", &p) == 0 && p == NN_FP32, "parse fp32");
	ok(nn_precision_parse("fp16", &p) == -1, "fp16 is refused");
	ok(nn_precision_effective(NN_BF16) == (bf16_supported() ? NN_BF16 : NN_FP32),
	   "bf16 runs only where supported");

	if (!bf16_supported()) {
		printf("# no AVX512_BF16 here (build or processor): kernel cases skipped\n");
		return tap_done();
	}
	static const struct { int M, N, K; } shapes[] = {
	    {1, 1, 1},   {8, 32, 2},   {7, 31, 3},   {9, 33, 5},	{17, 65, 8},
	    {128, 256, 256}, {130, 270, 257}, {64, 128, 520}, {3, 300, 600}, {40, 20, 7},
	    {520, 300, 40}};
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++)
		for (int t = 0; t < 4; t++) {
			int M = shapes[s].M, N = shapes[s].N, K = shapes[s].K;
			float beta = s % 3 == 0 ? 0.0f : s % 3 == 1 ? 1.0f : 0.5f;
			double e = check(t >> 1, t & 1, M, N, K, s & 1 ? 0.125f : 1.0f, beta);
			ok(e <= 1.0, "bf16_gemm ta=%d tb=%d %dx%dx%d beta %g: worst error %.3g of the bound",
			   t >> 1, t & 1, M, N, K, (double)beta, e);
		}
	/* a packed op(B) gives the same bits as the unpacked one (K 301: a half-filled last pair) */
	static const struct { int M, N, K; } ps[] = {{128, 256, 256}, {37, 70, 600}, {9, 1024, 300}, {5, 40, 301}};
	for (size_t s = 0; s < sizeof ps / sizeof ps[0]; s++)
		for (int t = 0; t < 4; t++) {
			int ta = t >> 1, tb = t & 1, M = ps[s].M, N = ps[s].N, K = ps[s].K;
			int lda = ta ? M : K, ldb = tb ? K : N;
			float *A = malloc(sizeof(float) * (size_t)M * K), *B = malloc(sizeof(float) * (size_t)K * N);
			float *C1 = malloc(sizeof(float) * (size_t)M * N), *C2 = malloc(sizeof(float) * (size_t)M * N);
			uint32_t *Bp = malloc(sizeof(uint32_t) * bf16_packed_words(K, N));
			fill(A, (size_t)M * K);
			fill(B, (size_t)K * N);
			fill(C1, (size_t)M * N);
			memcpy(C2, C1, sizeof(float) * (size_t)M * N);
			bf16_gemm(ta, tb, M, N, K, 0.5f, A, lda, B, ldb, 1.0f, C1, N);
			bf16_pack_b(Bp, tb, K, N, B, ldb);
			bf16_gemm_packed(ta, M, N, K, 0.5f, A, lda, Bp, 1.0f, C2, N);
			ok(!memcmp(C1, C2, sizeof(float) * (size_t)M * N),
			   "bf16_gemm_packed ta=%d tb=%d %dx%dx%d: the same bits as bf16_gemm", ta, tb, M, N, K);
			/* the bias variant: C2 (not read: NaN) = op(A) op(B) + bias, the
			 * same bits as bias copied into C1's rows and beta = 1 */
			float *bias = malloc(sizeof(float) * (size_t)N);
			fill(bias, (size_t)N);
			for (int i = 0; i < M; i++)
				memcpy(C1 + (size_t)i * N, bias, sizeof(float) * (size_t)N);
			for (size_t i = 0; i < (size_t)M * N; i++)
				C2[i] = NAN;
			bf16_gemm(ta, tb, M, N, K, 1.0f, A, lda, B, ldb, 1.0f, C1, N);
			bf16_gemm_packed_bias(ta, M, N, K, A, lda, Bp, bias, C2, N);
			ok(!memcmp(C1, C2, sizeof(float) * (size_t)M * N),
			   "bf16_gemm_packed_bias ta=%d tb=%d %dx%dx%d: the same bits as the bias copied in", ta,
			   tb, M, N, K);
			if (!ta) {
				/* two products sharing A: each the bits of its own call */
				float *B2 = malloc(sizeof(float) * (size_t)K * N), *bias2 = malloc(sizeof(float) * (size_t)N);
				float *C3 = malloc(sizeof(float) * (size_t)M * N), *C4 = malloc(sizeof(float) * (size_t)M * N);
				float *C5 = malloc(sizeof(float) * (size_t)M * N);
				uint32_t *Bp2 = malloc(sizeof(uint32_t) * bf16_packed_words(K, N));
				fill(B2, (size_t)K * N);
				fill(bias2, (size_t)N);
				bf16_pack_b(Bp2, tb, K, N, B2, ldb);
				bf16_gemm_packed_bias(0, M, N, K, A, lda, Bp2, bias2, C5, N);
				const uint32_t *bps[2] = {Bp, Bp2};
				const float *bis[2] = {bias, bias2};
				float *cs[2] = {C3, C4};
				bf16_gemm_packed_bias_n(2, M, N, K, A, lda, bps, bis, cs, N);
				ok(!memcmp(C2, C3, sizeof(float) * (size_t)M * N) &&
				       !memcmp(C5, C4, sizeof(float) * (size_t)M * N),
				   "bf16_gemm_packed_bias_n tb=%d %dx%dx%d: each product the bits of its own call", tb,
				   M, N, K);
				free(B2), free(bias2), free(C3), free(C4), free(C5), free(Bp2);
			}
			free(bias);
			free(A), free(B), free(C1), free(C2), free(Bp);
		}
	/* inference's feed-forward block: GELU(A W1^T + b1) kept as bfloat16,
	 * then that times W2^T + b2, against the float32 path (product, then
	 * gelu_forward, then the product that rounds its A): the same bits
	 * (K 600: three K blocks; N 301: an odd width, a zero after each row) */
	static const struct { int M, N, K; } fs[] = {{37, 1024, 256}, {8, 301, 600}, {13, 64, 33}};
	for (size_t s = 0; s < sizeof fs / sizeof fs[0]; s++) {
		int M = fs[s].M, N = fs[s].N, K = fs[s].K, ld16 = N + (N & 1) + 2, N2 = 40;
		float *A = malloc(sizeof(float) * (size_t)M * K), *W1 = malloc(sizeof(float) * (size_t)N * K);
		float *W2 = malloc(sizeof(float) * (size_t)N2 * N), *b1 = malloc(sizeof(float) * (size_t)N);
		float *b2 = malloc(sizeof(float) * (size_t)N2), *H = malloc(sizeof(float) * (size_t)M * N);
		float *C1 = malloc(sizeof(float) * (size_t)M * N2), *C2 = malloc(sizeof(float) * (size_t)M * N2);
		uint16_t *H16 = malloc(sizeof(uint16_t) * (size_t)M * ld16);
		uint32_t *P1 = malloc(sizeof(uint32_t) * bf16_packed_words(K, N));
		uint32_t *P2 = malloc(sizeof(uint32_t) * bf16_packed_words(N, N2));
		fill(A, (size_t)M * K), fill(W1, (size_t)N * K), fill(W2, (size_t)N2 * N);
		fill(b1, (size_t)N), fill(b2, (size_t)N2);
		for (size_t i = 0; i < (size_t)M * K; i++)
			A[i] *= 4.0f; /* pre-activations past +-3: both tails of GELU */
		bf16_pack_b(P1, 1, K, N, W1, K);
		bf16_pack_b(P2, 1, N, N2, W2, N);
		for (size_t i = 0; i < (size_t)M * ld16; i++)
			H16[i] = 0xffff;
		bf16_gemm_packed_bias(0, M, N, K, A, K, P1, b1, H, N);
		gelu_forward(H, H, (size_t)M * N);
		int r1 = bf16_gemm_packed_bias_gelu16(M, N, K, A, K, P1, b1, H16, ld16);
		size_t bad = 0;
		for (int i = 0; i < M; i++) {
			for (int j = 0; j < N; j++)
				bad += H16[(size_t)i * ld16 + j] != bf16_from_float(H[(size_t)i * N + j]);
			bad += (N & 1) && H16[(size_t)i * ld16 + N] != 0;
			bad += H16[(size_t)i * ld16 + ld16 - 1] != 0xffff; /* past the row: untouched */
		}
		ok(r1 == 0 && bad == 0,
		   "bf16_gemm_packed_bias_gelu16 %dx%dx%d: bf16(gelu(product + bias)) of the float32 path, "
		   "%zu values differ", M, N, K, bad);
		bf16_gemm_packed_bias(0, M, N2, N, H, N, P2, b2, C1, N2);
		for (size_t i = 0; i < (size_t)M * N2; i++)
			C2[i] = NAN;
		int r2 = bf16_gemm_packed_bias_a16(M, N2, N, H16, ld16, P2, b2, NULL, 0, C2, N2);
		ok(r2 == 0 && !memcmp(C1, C2, sizeof(float) * (size_t)M * N2),
		   "bf16_gemm_packed_bias_a16 %dx%dx%d: the bits of the product on the float32 GELU", M, N2, N);
		/* with a residual (rows 3 apart from the output's): the product, then + R */
		float *Rs = malloc(sizeof(float) * (size_t)M * (N2 + 3));
		fill(Rs, (size_t)M * (N2 + 3));
		for (int i = 0; i < M; i++)
			for (int j = 0; j < N2; j++)
				C1[(size_t)i * N2 + j] += Rs[(size_t)i * (N2 + 3) + j];
		for (size_t i = 0; i < (size_t)M * N2; i++)
			C2[i] = NAN;
		r2 = bf16_gemm_packed_bias_a16(M, N2, N, H16, ld16, P2, b2, Rs, N2 + 3, C2, N2);
		ok(r2 == 0 && !memcmp(C1, C2, sizeof(float) * (size_t)M * N2),
		   "bf16_gemm_packed_bias_a16 %dx%dx%d with a residual: the product, then + R", M, N2, N);
		/* and on the float32 input: (A W1^T + b1) + R */
		float *Rw = malloc(sizeof(float) * (size_t)M * N), *H2 = malloc(sizeof(float) * (size_t)M * N);
		fill(Rw, (size_t)M * N);
		bf16_gemm_packed_bias(0, M, N, K, A, K, P1, b1, H, N);
		for (size_t i = 0; i < (size_t)M * N; i++)
			H[i] += Rw[i], H2[i] = NAN;
		int r3 = bf16_gemm_packed_bias_res(M, N, K, A, K, P1, b1, Rw, N, H2, N);
		ok(r3 == 0 && !memcmp(H, H2, sizeof(float) * (size_t)M * N),
		   "bf16_gemm_packed_bias_res %dx%dx%d: the product, then + R", M, N, K);
		free(Rs), free(Rw), free(H2);
		free(A), free(W1), free(W2), free(b1), free(b2), free(H), free(C1), free(C2), free(H16);
		free(P1), free(P2);
	}
	ok(bf16_gemm_packed_bias_gelu16(1, 4097, 8, NULL, 8, NULL, NULL, NULL, 4098) == -1 &&
	       bf16_gemm_packed_bias_a16(1, 8, 8, NULL, 7, NULL, NULL, NULL, 0, NULL, 8) == -1,
	   "the fused calls refuse what they cannot do (N past 4096, an odd lda16)");
	return tap_done();
}
