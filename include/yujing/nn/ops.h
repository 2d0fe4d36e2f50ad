/*
 * ops.h - the layers, each with an explicit forward and backward pass.
 *
 * Conventions (llm.c's, with PyTorch's layouts): float32, row-major; B is
 * the number of rows (batch), C/IN/OUT feature sizes.  Backward passes
 * ACCUMULATE into their gradient outputs (+=); zeroing is the caller's
 * (params_zero_grad).  A gradient output may be NULL when not needed.
 * Every formula cites the PyTorch function it matches.
 */
#ifndef YUJING_NN_OPS_H
#define YUJING_NN_OPS_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/rng.h"

/* One copy of a function per instruction set, picked once at load time by
 * the dynamic linker (gcc's target_clones, an ifunc): the elementwise loops
 * get 8-lane AVX with FMA or 16-lane AVX-512 where the processor has them, and a
 * distribution build still runs on any x86-64.  Within one machine every
 * call takes the same copy, so a seeded run stays reproducible. */
#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__) && !defined(__SANITIZE_ADDRESS__)
#define YJ_SIMD_CLONES __attribute__((target_clones("default", "fma", "avx512f")))
#else
#define YJ_SIMD_CLONES
#endif

/* ---- matrix products (the one wrapper over cblas_sgemm) ---- */

/* C (M,N) = alpha * op(A) op(B) + beta * C, row-major; op = transpose when
 * ta/tb.  lda/ldb/ldc are the row strides of A, B, C as stored. */
void nn_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
	      const float *B, int ldb, float beta, float *C, int ldc);
/* The same with plain loops: the test reference. */
void nn_sgemm_naive(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
		    const float *B, int ldb, float beta, float *C, int ldc);

/* Threads for OpenBLAS (and our own loops); 0 = from OPENBLAS_NUM_THREADS,
 * else the number of cores. */
void nn_set_threads(int n);
int nn_threads(void);

/* The name of the kernel set OpenBLAS runs ("Haswell", "SkylakeX", ...). */
const char *nn_blas_corename(void);
/* "SkylakeX" when this processor has AVX-512 (F, CD, BW, DQ, VL) but
 * OpenBLAS picked a narrower kernel set (Debian's 0.3.21 picks Haswell on
 * AMD's Zen 4 and later), else NULL.  OpenBLAS reads OPENBLAS_CORETYPE
 * only when it loads, so acting on this is the program's (see main.c). */
const char *nn_blas_wider_coretype(void);
/* The rule behind it: "SkylakeX" for OpenBLAS core names narrower than
 * AVX-512 (Haswell, Zen, Sandybridge, ...; any case) when avx512, else
 * NULL (SkylakeX, Cooperlake, SapphireRapids are left alone). */
const char *nn_blas_wider_for(const char *core, int avx512);

/* ---- linear: torch.nn.functional.linear ---- */
/* out (B,OUT) = in (B,IN) w^T + b;  w (OUT,IN), b (OUT) or NULL */
void linear_forward(float *out, const float *in, const float *w, const float *b, int B, int IN,
		    int OUT);
void linear_backward(float *din, float *dw, float *db, const float *dout, const float *in,
		     const float *w, int B, int IN, int OUT);

/* ---- activations (elementwise over n) ---- */
void relu_forward(float *out, const float *in, size_t n);
void relu_backward(float *din, const float *dout, const float *in, size_t n);
/* GELU, erf form: x/2 (1 + erf(x/sqrt 2))  (torch.nn.GELU()) */
void gelu_forward(float *out, const float *in, size_t n);
void gelu_backward(float *din, const float *dout, const float *in, size_t n);
/* The epilogue of a product x (rows,cols), row by row while it is in cache:
 * x[r] += bias, then GELU of it, in place: the bits of the bias added
 * first (as a product into a C holding the bias rows, when its sum over K
 * is not split) and gelu_forward after. */
void bias_gelu_rows(float *x, const float *bias, size_t rows, size_t cols);
/* x[r] = (x[r] + bias) + res[r] over rows of width cols (the residual of a
 * product stored without its bias): the bits of the two adds apart. */
void bias_res_rows(float *x, const float *bias, const float *res, size_t rows, size_t cols);
void tanh_forward(float *out, const float *in, size_t n);
void tanh_backward(float *din, const float *dout, const float *out, size_t n);

/* ---- BatchNorm1d over (B,C): torch.nn.BatchNorm1d(C, eps, momentum) ----
 * Training: batch mean and biased variance normalise; the running
 * averages move by momentum with the UNBIASED batch variance (as PyTorch).
 * xhat (B,C), mean (C), rstd (C) are saved for backward.  gamma/beta may
 * be NULL (affine=False); run_mean/run_var may be NULL (no update).  With
 * B == 1 run_var is left unchanged (PyTorch refuses such a batch). */
void batchnorm_forward_train(float *out, float *xhat, float *mean, float *rstd, float *run_mean,
			     float *run_var, const float *in, const float *gamma, const float *beta,
			     int B, int C, float momentum, float eps);
void batchnorm_forward_eval(float *out, const float *in, const float *run_mean, const float *run_var,
			    const float *gamma, const float *beta, int B, int C, float eps);
void batchnorm_backward(float *din, float *dgamma, float *dbeta, const float *dout,
			const float *xhat, const float *rstd, const float *gamma, int B, int C);
/* The same fused with the Linear's bias before it and a ReLU after it, on
 * strided rows (the structured branch's block: Linear -> BatchNorm1d ->
 * ReLU, its output written straight into a column slice of the concat):
 * x = in + bias (bias (C) or NULL), rows ldi apart; xhat has the layout of
 * in and may be in itself; out = relu(gamma xhat + beta), rows ldo apart.
 * The same values as linear's bias, batchnorm_forward_train and
 * relu_forward in turn. */
void batchnorm_relu_forward_train(float *out, int ldo, float *xhat, float *mean, float *rstd,
				  float *run_mean, float *run_var, const float *in, int ldi,
				  const float *bias, const float *gamma, const float *beta, int B, int C,
				  float momentum, float eps);
void batchnorm_relu_forward_eval(float *out, int ldo, const float *in, int ldi, const float *bias,
				 const float *run_mean, const float *run_var, const float *gamma,
				 const float *beta, int B, int C, float eps);
/* Its backward: dout (rows ldd apart) masked by the saved ReLU output out
 * (rows ldo apart) as relu_backward, then batchnorm_backward; din (rows ld
 * apart, as xhat) is WRITTEN, not accumulated, and dbias (or NULL) +=
 * the column sums of din, in row order (the Linear bias's gradient, as
 * linear_backward).  dgamma/dbeta accumulate. */
void batchnorm_relu_backward(float *din, float *dbias, float *dgamma, float *dbeta, const float *dout,
			     int ldd, const float *out, int ldo, const float *xhat, int ld,
			     const float *rstd, const float *gamma, int B, int C);

/* ---- LayerNorm over the last dim C of (B,C): torch.nn.LayerNorm ----
 * mean (B), rstd (B) are saved for backward; w/b may be NULL. */
void layernorm_forward(float *out, float *mean, float *rstd, const float *in, const float *w,
		       const float *b, int B, int C, float eps);
void layernorm_backward(float *din, float *dw, float *db, const float *dout, const float *in,
			const float *mean, const float *rstd, const float *w, int B, int C);

/* ---- softmax's exponentials ----
 * x[i] = exp(x[i] - shift) (0 below -87), returning their sum: a softmax
 * row is then x / sum.  Vectorised; relative error about 1e-7. */
double exp_shift_sum(float *x, size_t n, float shift);

/* ---- dropout (inverted, seeded): torch.nn.functional.dropout ----
 * mask (n) gets 0 or 1/(1-p), one rng draw per element in order; p <= 0
 * keeps all (no draws), p >= 1 drops all. */
void dropout_forward(float *out, float *mask, const float *in, size_t n, float p, yj_rng *rng);
void dropout_backward(float *din, const float *dout, const float *mask, size_t n);

/* ---- embedding lookup: out (B,C) = table[ids[b]] ----
 * ids must be valid rows of table: the caller checks token ids. */
void embedding_forward(float *out, const int32_t *ids, const float *table, int B, int C);
void embedding_backward(float *dtable, const float *dout, const int32_t *ids, int B, int C);

/* ---- softmax cross-entropy: torch.nn.functional.cross_entropy ----
 * probs (B,K) gets the softmax of logits; returns the mean loss, weighted
 * by class weights w (K, or NULL) as PyTorch: sum_b w[y_b] l_b / sum_b
 * w[y_b].  Rows with label < 0 are ignored (ignore_index); so are labels
 * >= K (a caller bug, never read out of bounds).  When every row is
 * ignored the loss is 0 and the gradient nothing (PyTorch: NaN). */
float softmax_xent_forward(float *probs, const float *logits, const int32_t *labels,
			   const float *w, int B, int K);
/* The same in two steps: the softmax of each row with its logsumexp
 * (lse, B doubles), then the loss from them, bit for bit
 * softmax_xent_forward's (rows may go through the first step apart). */
void softmax_forward_lse(float *probs, double *lse, const float *logits, int B, int K);
float xent_from_lse(const double *lse, const float *logits, const int32_t *labels, const float *w, int B,
		    int K);
/* dlogits (B,K) += d(mean loss)/d(logits) */
void softmax_xent_backward(float *dlogits, const float *probs, const int32_t *labels,
			   const float *w, int B, int K);
/* The same in two steps, for rows taken apart (the structured branch's
 * parallel head): the weight total W of all B rows, then on any rows the
 * gradient WRITTEN (not accumulated: ignored rows get 0), the bits of a
 * zeroed dlogits given softmax_xent_backward. */
double xent_weight_total(const int32_t *labels, const float *w, int B, int K);
void softmax_xent_backward_rows(float *dlogits, const float *probs, const int32_t *labels,
				const float *w, int B, int K, double total);
/* Cross-entropy of P rows of logits (P, V) against labels in [0, V) (the
 * MLM head over its vocabulary): returns sum_p (logsumexp(x_p) - x_p[y_p])
 * in double, added in row order, and adds to *correct the rows whose
 * first argmax is the label.  The rows are overwritten: with grad by
 * (softmax(x_p) - onehot(y_p)) * scale (the gradient of scale * the sum),
 * else by exp(x_p - max x_p).  Rows are split between nn_threads() parts
 * of the pool; the exp is exp_shift_sum's.  Labels are not checked. */
double xent_rows(float *logits, const int32_t *labels, int P, int V, float scale, int grad,
		 long *correct);
/* Row-wise softmax only (prediction). */
void softmax_forward(float *probs, const float *logits, int B, int K);
/* Index of the largest of x[0..n) (n >= 1), the first one on a tie
 * (torch.argmax picks the first too): the predicted class of a row of
 * probabilities or logits.  The one argmax of the tree. */
int vec_argmax(const float *x, int n);

#endif
