/*
 * blas.c - the one wrapper over cblas_sgemm, its plain-loop reference, and
 * the thread count.
 *
 * Every matrix product in yujing goes through nn_sgemm, so there is one
 * place to change the BLAS and one reference (nn_sgemm_naive) that tests
 * compare it with.  OpenBLAS splits the M and N dimensions between threads
 * and never the K (reduction) dimension, so a given thread count gives the
 * same bits run after run.
 */
#include <config.h>

#include <stdlib.h>
#include <strings.h>
#include <unistd.h>

#include <cblas.h>

#include "yujing/nn/ops.h"

/* OpenBLAS's own extension; Debian's cblas.h declares it, other cblas.h
 * headers may not (a repeated compatible declaration is harmless). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);
char *openblas_get_corename(void);

/* 0 until nn_set_threads is called: then OpenBLAS's own choice stands. */
static int nn_nthreads;

/* Products of fewer multiply-adds (M N K) than this run OpenBLAS at one
 * thread.  OpenBLAS itself threads anything past 2^18; below about 2^23
 * (the MLP's 256 x 64 x 192) waking its pool costs more than the second
 * core gives back, and the woken threads then spin in sched_yield after
 * the call, taking the core from the caller (the mlp benchmark's profile:
 * 12% do_sched_yield against 8% in the sgemm kernel). */
#define SMALL_MNK ((double)(1 << 23))

void nn_sgemm(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
	      const float *B, int ldb, float beta, float *C, int ldc)
{
	if (M <= 0 || N <= 0)
		return;
	int saved = 0;
	if ((double)M * N * K < SMALL_MNK && (saved = openblas_get_num_threads()) > 1)
		openblas_set_num_threads(1);
	cblas_sgemm(CblasRowMajor, ta ? CblasTrans : CblasNoTrans, tb ? CblasTrans : CblasNoTrans,
		    M, N, K, alpha, A, lda, B, ldb, beta, C, ldc);
	if (saved > 1)
		openblas_set_num_threads(saved);
}

void nn_sgemm_naive(int ta, int tb, int M, int N, int K, float alpha, const float *A, int lda,
		    const float *B, int ldb, float beta, float *C, int ldc)
{
	for (int i = 0; i < M; i++) {
		for (int j = 0; j < N; j++) {
			/* op(A)[i,k] is A[i,k] or A[k,i]; accumulate in double
			 * so the reference is more accurate than what it checks. */
			double acc = 0.0;
			for (int k = 0; k < K; k++) {
				float a = ta ? A[(size_t)k * lda + i] : A[(size_t)i * lda + k];
				float b = tb ? B[(size_t)j * ldb + k] : B[(size_t)k * ldb + j];
				acc += (double)a * b;
			}
			float *c = &C[(size_t)i * ldc + j];
			/* BLAS semantics: beta == 0 means C is not read (may hold NaN). */
			*c = beta == 0.0f ? (float)(alpha * acc)
					  : (float)(alpha * acc + (double)beta * *c);
		}
	}
}

void nn_set_threads(int n)
{
	if (n <= 0) {
		const char *env = getenv("OPENBLAS_NUM_THREADS");
		n = env ? atoi(env) : 0;
		if (n <= 0) {
			long cores = sysconf(_SC_NPROCESSORS_ONLN);
			n = cores > 0 ? (int)cores : 1;
		}
	}
	nn_nthreads = n;
	openblas_set_num_threads(n);
}

int nn_threads(void)
{
	return nn_nthreads > 0 ? nn_nthreads : openblas_get_num_threads();
}

const char *nn_blas_corename(void)
{
	const char *n = openblas_get_corename();
	return n ? n : "unknown";
}

/* OpenBLAS's x86-64 kernels narrower than AVX-512 (its core names, any
 * case): a processor with AVX-512 given one of these runs at about half
 * the width it could. */
static int narrow_core(const char *name)
{
	static const char *const narrow[] = {"haswell", "zen", "sandybridge", "nehalem",
					     "prescott", "core2", "barcelona", "bulldozer",
					     "piledriver", "steamroller", "excavator"};
	for (size_t i = 0; i < sizeof narrow / sizeof narrow[0]; i++)
		if (!strcasecmp(name, narrow[i]))
			return 1;
	return 0;
}

const char *nn_blas_wider_for(const char *core, int avx512)
{
	return avx512 && core && narrow_core(core) ? "SkylakeX" : NULL;
}

const char *nn_blas_wider_coretype(void)
{
#if defined(__GNUC__) && defined(__x86_64__)
	/* SkylakeX's kernels use AVX-512 F, CD, BW, DQ and VL. */
	__builtin_cpu_init();
	int avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512cd") &&
		     __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512dq") &&
		     __builtin_cpu_supports("avx512vl");
	return nn_blas_wider_for(nn_blas_corename(), avx512);
#else
	return NULL;
#endif
}
