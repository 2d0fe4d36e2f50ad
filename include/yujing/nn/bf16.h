/*
 * bf16.h - mixed-precision matrix products: bfloat16 inputs, float32
 * accumulation and output, on AVX512_BF16 (vdpbf16ps), and the choice
 * between them and float32 (nn_sgemm).
 *
 * Arrays stay float32 everywhere (master weights, activations, gradients);
 * a bf16 product rounds its two inputs to bfloat16 (round to nearest even,
 * as torch's autocast does when it casts to torch.bfloat16) while it packs
 * them, multiplies pairs exactly and adds them in float32.  The kernel is
 * compiled when the compiler knows AVX512_BF16 (configure says so) and
 * used when the processor has it; otherwise NN_BF16 falls back to float32.
 */
#ifndef YUJING_NN_BF16_H
#define YUJING_NN_BF16_H

#include <stddef.h>
#include <stdint.h>

/* Precision of a model's matrix products. */
typedef enum { NN_FP32 = 0, NN_BF16 = 1 } nn_precision;

/* 1 when the bf16 kernel is compiled in and this processor runs it
 * (AVX-512 F, BW, VL and BF16). */
int bf16_supported(void);

/* NN_BF16 when bf16_supported(), else NN_FP32. */
nn_precision nn_precision_default(void);

/* "fp32" / "bf16" -> *p; returns 0, or -1 for another name. */
int nn_precision_parse(const char *name, nn_precision *p);
const char *nn_precision_name(nn_precision p);

/* The precision a model asked for, as it will run: NN_BF16 only when
 * bf16_supported(). */
nn_precision nn_precision_effective(nn_precision p);

/* float32 -> bfloat16 bits, round to nearest even (a NaN stays a quiet
 * NaN), as torch's c10::BFloat16; and back (exact). */
uint16_t bf16_from_float(float f);
float bf16_to_float(uint16_t h);

/* C (M,N) = alpha * op(A) op(B) + beta * C, with the same arguments as
 * nn_sgemm (row-major, op = transpose when ta/tb), op(A) and op(B) rounded
 * to bfloat16, the products summed in float32.  beta == 0 does not read C.
 * One thread.  Requires bf16_supported(); otherwise it is nn_sgemm. */
void bf16_gemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
	       const float *B, int ldb, float beta, float *C, int ldc);

/* op(B) (K,N) packed once for bf16_gemm_packed, when one B meets many A
 * (a weight matrix across the row blocks of a batch): the number of 32-bit
 * words it takes, and the packing (tb and ldb as for bf16_gemm).  Requires
 * bf16_supported() (else 0 words, nothing packed). */
size_t bf16_packed_words(int K, int N);
void bf16_pack_b(uint32_t *dst, int tb, int K, int N, const float *B, int ldb);
/* bf16_gemm with op(B) from bf16_pack_b: the same bits as bf16_gemm on the
 * unpacked B.  Requires bf16_supported() and M, N, K > 0 (else nothing). */
void bf16_gemm_packed(int ta, int M, int N, int K, float alpha, const float *A, int lda,
		      const uint32_t *Bp, float beta, float *C, int ldc);
/* C (M,N) = op(A) op(B) + bias, bias (N) added to every row: the same bits
 * as copying bias into each row of C and calling bf16_gemm_packed with
 * alpha = beta = 1, without the pass that copies it (torch's linear). */
void bf16_gemm_packed_bias(int ta, int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
			   const float *bias, float *C, int ldc);
/* nb of those products sharing A (the query, key and value projections of
 * one input): C[b] = A op(B_b) + bias[b], A rounded once for all of them;
 * each C[b] the same bits as bf16_gemm_packed_bias(0, ...) alone. */
void bf16_gemm_packed_bias_n(int nb, int M, int N, int K, const float *A, int lda, const uint32_t *const *Bp,
			     const float *const *bias, float *const *C, int ldc);

/* Inference's feed-forward block without float32 intermediates.
 * C16 (M,N), bfloat16 bits, row i at C16 + i ldc16 (ldc16 >= N rounded up
 * to even; an odd N gets a zero after each row) = bf16(GELU(A op(B) +
 * bias)), op(B) from bf16_pack_b: the same bits as bf16_gemm_packed_bias
 * into float32, gelu_forward, then the rounding a bf16 product gives its
 * A.  Returns 0, or -1 when it cannot (no kernel, N > 4096): then nothing
 * is written and the caller takes the unfused path. */
int bf16_gemm_packed_bias_gelu16(int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
				 const float *bias, uint16_t *C16, int ldc16);
/* C (M,N) = A16 op(B) + bias (+ R) with A16 (M,K) already bfloat16 (as
 * the call above writes it; lda16 even and >= K rounded up to even): the
 * same bits as bf16_gemm_packed_bias on the float32 A the bfloat16 values
 * came from, then (R not NULL: a residual, row i at R + i ldr) C + R as
 * a separate add would give it.  Returns 0, or -1 (nothing written) as
 * above. */
int bf16_gemm_packed_bias_a16(int M, int N, int K, const uint16_t *A16, int lda16, const uint32_t *Bp,
			      const float *bias, const float *R, int ldr, float *C, int ldc);
/* C = (A op(B) + bias) + R, the residual added strip by strip as the
 * product is stored: the bits of bf16_gemm_packed_bias(0, ...) then C[i]
 * + R[i].  Returns 0, or -1 when there is no kernel (nothing written). */
int bf16_gemm_packed_bias_res(int M, int N, int K, const float *A, int lda, const uint32_t *Bp,
			      const float *bias, const float *R, int ldr, float *C, int ldc);

/* The same with plain loops and a double accumulator: the test reference
 * (runs anywhere). */
void bf16_gemm_naive(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
		     const float *B, int ldb, float beta, float *C, int ldc);

/* bf16_gemm when p is NN_BF16 and supported, else nn_sgemm. */
void nn_gemm(nn_precision p, int ta, int tb, int M, int N, int K, float alpha, const float *A,
	     int lda, const float *B, int ldb, float beta, float *C, int ldc);

#endif
