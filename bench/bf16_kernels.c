/*
 * bf16_kernels.c - the measurement behind the choice of yujing's bfloat16
 * matrix-product kernel: GFLOP/s on the BERT encoder's product shapes, one
 * thread, of OpenBLAS's sgemm (float32, whatever kernel it runs), yujing's
 * bf16_gemm (src/nn/bf16.c), oneDNN's bf16 matmul primitive (Debian's
 * libdnnl-dev 2.6, the library PyTorch's bf16 path uses) and libxsmm's
 * bsgemm (libxsmm-dev 1.17).  The inputs are float32 (what yujing holds);
 * the oneDNN and libxsmm figures are given twice: with the conversion of
 * the inputs to bf16 included (what yujing would pay) and without.
 *
 *   bench/bf16_kernels.sh [BUILD_DIR]     (builds and runs this file)
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>
#include <libxsmm.h>

#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"

void omp_set_num_threads(int n);

static double now(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + 1e-9 * ts.tv_nsec;
}

static void to_bf16(uint16_t *d, const float *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		d[i] = bf16_from_float(s[i]);
}

typedef struct {
	const char *what;
	int ta, tb, M, N, K;
} shape;

#define CHECK(x) do { if ((x) != dnnl_success) { fprintf(stderr, "dnnl: %s failed\n", #x); exit(1); } } while (0)

int main(int argc, char **argv)
{
	double secs = argc > 1 ? atof(argv[1]) : 0.3;
	omp_set_num_threads(1);
	openblas_set_num_threads(1);
	static const shape shapes[] = {
	    {"q/k/v/attn-out forward x W^T (128 rows)", 0, 1, 128, 256, 256},
	    {"intermediate forward (128 rows)", 0, 1, 128, 1024, 256},
	    {"output forward (128 rows)", 0, 1, 128, 256, 1024},
	    {"dx = dy W (128 rows)", 0, 0, 128, 256, 1024},
	    {"dW += dy^T x (64 rows of W, 2048 tokens)", 1, 0, 64, 256, 2048},
	    {"attention Q K^T (one head)", 0, 1, 128, 128, 64},
	    {"attention P V (one head)", 0, 0, 128, 64, 128},
	    {"MLM decoder (304 x 21128 x 256)", 0, 1, 304, 21128, 256},
	};
	dnnl_engine_t eng;
	dnnl_stream_t st;
	CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
	CHECK(dnnl_stream_create(&st, eng, dnnl_stream_default_flags));
	libxsmm_init();
	printf("OpenBLAS kernel %s; GFLOP/s, one thread\n", nn_blas_corename());
	printf("%-44s %8s %8s %8s %8s %8s %8s\n", "shape (M x N x K)", "sgemm", "yujing", "onednn+c",
	       "onednn", "xsmm+c", "xsmm");
	for (size_t s = 0; s < sizeof shapes / sizeof shapes[0]; s++) {
		const shape *h = &shapes[s];
		int M = h->M, N = h->N, K = h->K;
		int lda = h->ta ? M : K, ldb = h->tb ? K : N;
		size_t na = (size_t)M * K, nb = (size_t)K * N, nc = (size_t)M * N;
		float *A = malloc(na * 4), *B = malloc(nb * 4), *C = calloc(nc, 4);
		uint16_t *A16 = malloc(na * 2), *B16 = malloc(nb * 2);
		for (size_t i = 0; i < na; i++)
			A[i] = (float)((i * 7919) % 1000) / 1000.0f - 0.5f;
		for (size_t i = 0; i < nb; i++)
			B[i] = (float)((i * 104729) % 1000) / 1000.0f - 0.5f;
		double flop = 2.0 * M * N * K, r[6];
		/* oneDNN: src (M,K), weights (K,N), dst (M,N), strides say the transposes */
		dnnl_memory_desc_t smd, wmd, dmd;
		dnnl_dims_t sd = {M, K}, wd = {K, N}, dd = {M, N};
		dnnl_dims_t ss = {h->ta ? 1 : K, h->ta ? M : 1}, ws = {h->tb ? 1 : N, h->tb ? K : 1},
			    ds = {N, 1};
		CHECK(dnnl_memory_desc_init_by_strides(&smd, 2, sd, dnnl_bf16, ss));
		CHECK(dnnl_memory_desc_init_by_strides(&wmd, 2, wd, dnnl_bf16, ws));
		CHECK(dnnl_memory_desc_init_by_strides(&dmd, 2, dd, dnnl_f32, ds));
		dnnl_matmul_desc_t md;
		CHECK(dnnl_matmul_desc_init(&md, &smd, &wmd, NULL, &dmd));
		dnnl_primitive_desc_t pd;
		dnnl_primitive_t prim;
		CHECK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
		CHECK(dnnl_primitive_create(&prim, pd));
		dnnl_memory_t ms, mw, mdst;
		CHECK(dnnl_memory_create(&ms, &smd, eng, A16));
		CHECK(dnnl_memory_create(&mw, &wmd, eng, B16));
		CHECK(dnnl_memory_create(&mdst, &dmd, eng, C));
		dnnl_exec_arg_t args[3] = {{DNNL_ARG_SRC, ms}, {DNNL_ARG_WEIGHTS, mw}, {DNNL_ARG_DST, mdst}};
		/* libxsmm's JIT kernel for the whole product, column-major: C^T
		 * (N,M) = B^T A^T; its kernels take no transposes, so only the
		 * (N, N) shapes run (and its libxsmm_bsgemm crashed on these
		 * sizes: it has no bf16 fallback for matrices past its small
		 * limit). */
		const libxsmm_blasint xlda = N, xldb = K, xldc = N;
		const float one = 1.0f, zero = 0.0f;
		const int flags = 0;
		libxsmm_bsmmfunction xk = !h->ta && !h->tb ? libxsmm_bsmmdispatch(N, M, K, &xlda, &xldb, &xldc,
										      &one, &zero, &flags, NULL)
							   : NULL;
		for (int v = 0; v < 6; v++) {
			if (v >= 4 && !xk) {
				r[v] = 0;
				continue;
			}
			long n = 0;
			double t0 = now(), dt;
			do {
				switch (v) {
				case 0:
					nn_sgemm(h->ta, h->tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
					break;
				case 1:
					bf16_gemm(h->ta, h->tb, M, N, K, 1.0f, A, lda, B, ldb, 0.0f, C, N);
					break;
				case 2:
				case 4:
					to_bf16(A16, A, na);
					to_bf16(B16, B, nb);
					/* fall through */
				case 3:
				case 5:
					if (v <= 3)
						CHECK(dnnl_primitive_execute(prim, st, 3, args));
					else
						xk((const libxsmm_bfloat16 *)B16, (const libxsmm_bfloat16 *)A16, C);
					break;
				}
				n++;
				dt = now() - t0;
			} while (dt < secs);
			if (v <= 3 && v >= 2)
				dnnl_stream_wait(st);
			r[v] = flop * n / dt / 1e9;
		}
		char label[96];
		snprintf(label, sizeof label, "%s %dx%dx%d", h->what, M, N, K);
		printf("%-44.44s %8.1f %8.1f %8.1f %8.1f %8.1f %8.1f\n", label, r[0], r[1], r[2], r[3], r[4], r[5]);
		dnnl_primitive_destroy(prim);
		dnnl_primitive_desc_destroy(pd);
		dnnl_memory_destroy(ms);
		dnnl_memory_destroy(mw);
		dnnl_memory_destroy(mdst);
		free(A); free(B); free(C); free(A16); free(B16);
	}
	libxsmm_finalize();
	dnnl_stream_destroy(st);
	dnnl_engine_destroy(eng);
	return 0;
}
