/*
 * direct.h - small matrix products without packing, for the structured
 * branch's step (products of a few million multiply-adds, where OpenBLAS
 * spends a tenth of its time copying its operands into panels).
 */
#ifndef YUJING_NN_DIRECT_H
#define YUJING_NN_DIRECT_H

/* C (M,N) = op(A) B + beta C, row-major; op(A) = A (M,K; ta 0) or A^T
 * (A stored K,M; ta 1); B is (K,N), never transposed; beta 0 (C is not
 * read) or 1.  Each element is one running sum over k = 0 .. K-1 in
 * order, a fused multiply-add at each k, from 0; then C + sum when beta
 * is 1: the order of OpenBLAS's own kernels when K fits one of their
 * blocks, so the bits are those of nn_sgemm there (checked on this
 * machine's Cooperlake kernel; tests/nn/test-direct.c checks the order
 * against fmaf).  Uses AVX-512 where the processor has it, else calls
 * nn_sgemm (the same values up to OpenBLAS's kernel).  Never fails. */
void direct_sgemm(int ta, int M, int N, int K, const float *A, int lda, const float *B, int ldb,
		  float beta, float *C, int ldc);

/* dst (cols, rows), rows ldd apart, = src (rows, cols)^T, rows lds
 * apart: 16 x 16 blocks in AVX-512 registers where the processor has it,
 * the rest element by element.  A copy: the values are src's bits.  dst
 * and src must not overlap. */
void direct_transpose(float *dst, int ldd, const float *src, int lds, int rows, int cols);

/* Whether direct_sgemm runs its own kernel here: the processor has
 * AVX-512F (the softmax of ops.c asks too). */
int direct_available(void);

#endif
