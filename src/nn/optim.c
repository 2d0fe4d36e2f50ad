/*
 * optim.c - AdamW, the learning-rate schedule, gradient clipping.
 *
 * Each is one loop over the trainable tensors of a yj_params, whose values,
 * gradients and moments share one layout.  Tensors that are not trainable
 * (BatchNorm running statistics) are never touched.
 */
#include <config.h>

#include <math.h>
#include <string.h>

#include "yujing/nn/ops.h"
#include "yujing/nn/pool.h"
#include "yujing/nn/optim.h"

void adamw_init(yj_adamw *opt)
{
	opt->beta1 = 0.9f;
	opt->beta2 = 0.999f;
	opt->eps = 1e-8f;
	opt->weight_decay = 0.01f;
	opt->t = 0;
}

/* torch.optim.AdamW (_single_tensor_adamw, capturable=False), per element:
 *   p *= 1 - lr wd                              (decoupled weight decay)
 *   m  = b1 m + (1 - b1) g
 *   v  = b2 v + (1 - b2) g^2
 *   p += -(lr / (1 - b1^t)) m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * The step-dependent scalars are computed in double and rounded to float
 * once, as PyTorch computes them in Python and passes them to float
 * kernels.  One difference remains: PyTorch forms 1 - beta2 from the
 * double 0.999, we from the float 0.999f, so (1 - b2) differs by 1.3e-5
 * relative (0.001 vs 0.00099998713); the second moment inherits that,
 * the update about half of it.  Weight decay applies only to tensors
 * declared with decay (PyTorch: a parameter group with weight_decay=0 for
 * biases and norms).  From PARAMS_SPLIT_MIN floats the pass is split
 * across nn_threads() parts of the pool (nn/pool.h): the elements are
 * independent, so the bits do not depend on the split. */
/* Elements per vectorised step of adamw_step (one zmm). */
#define ADAMW_BLOCK 16

/* One step's scalars, shared by the parts of the pass. */
typedef struct {
	yj_params *ps;
	float b1, b2, eps, decay, step_size, bc2_sqrt, one_b1, one_b2;
	int wd; /* weight decay is not 0 */
} adamw_pass;

/* The update of the trainable elements among the flat buffer's [lo, hi).
 * Each element's update reads and writes that element alone, so any split
 * gives every element the bits of one plain loop. */
YJ_SIMD_CLONES
static void adamw_elements(const adamw_pass *a, size_t lo, size_t hi)
{
	yj_params *ps = a->ps;
	const float b1 = a->b1, b2 = a->b2, eps = a->eps, step_size = a->step_size, bc2_sqrt = a->bc2_sqrt;
	const float one_b1 = a->one_b1, one_b2 = a->one_b2;
	for (size_t i = 0; i < ps->n; i++) {
		const yj_param *pi = &ps->v[i];
		size_t from = pi->offset > lo ? pi->offset : lo;
		size_t to = pi->offset + pi->size < hi ? pi->offset + pi->size : hi;
		if (!pi->trainable || from >= to)
			continue;
		float *p = ps->data + from;
		const float *g = ps->grad + from;
		float *m = ps->m + from;
		float *v = ps->v2 + from;
		size_t n = to - from;
		/* x * 1 is x exactly: no test in the loop */
		const float dec = pi->decay && a->wd ? a->decay : 1.0f;
#define ADAMW_ELEM(P, M, V, G)                                                                \
	do {                                                                                  \
		P *= dec;                                                                     \
		M = M * b1 + (G) * one_b1;                                                    \
		V = V * b2 + one_b2 * (G) * (G);                                              \
		float denom = sqrtf(V) / bc2_sqrt + eps;                                      \
		P += -step_size * (M / denom);                                                \
	} while (0)
		/* Blocks of a fixed count through local copies are what gcc -O2
		 * vectorises (with -fno-math-errno for sqrtf, src/nn/local.mk);
		 * the tail runs the same expression, so every element gets the
		 * bits of the plain loop. */
		size_t j = 0;
		for (; j + ADAMW_BLOCK <= n; j += ADAMW_BLOCK) {
			float pb[ADAMW_BLOCK], mb[ADAMW_BLOCK], vb[ADAMW_BLOCK], gb[ADAMW_BLOCK];
			memcpy(pb, p + j, sizeof pb);
			memcpy(mb, m + j, sizeof mb);
			memcpy(vb, v + j, sizeof vb);
			memcpy(gb, g + j, sizeof gb);
			for (int k = 0; k < ADAMW_BLOCK; k++)
				ADAMW_ELEM(pb[k], mb[k], vb[k], gb[k]);
			memcpy(p + j, pb, sizeof pb);
			memcpy(m + j, mb, sizeof mb);
			memcpy(v + j, vb, sizeof vb);
		}
		for (; j < n; j++)
			ADAMW_ELEM(p[j], m[j], v[j], g[j]);
#undef ADAMW_ELEM
	}
}

/* Part `part` of np: its params_share of the flat buffer (the lines the
 * same part of params_zero_grad zeroes). */
static void adamw_part(void *ctx, int part, int np)
{
	const adamw_pass *a = ctx;
	size_t lo, hi;
	params_share(a->ps, part, np, &lo, &hi);
	adamw_elements(a, lo, hi);
}

void adamw_step(yj_adamw *opt, yj_params *ps, float lr)
{
	opt->t++;
	const double t = (double)opt->t;
	adamw_pass a = {.ps = ps, .b1 = opt->beta1, .b2 = opt->beta2, .eps = opt->eps};
	a.decay = (float)(1.0 - (double)lr * opt->weight_decay);
	a.step_size = (float)((double)lr / (1.0 - pow(a.b1, t)));
	a.bc2_sqrt = (float)sqrt(1.0 - pow(a.b2, t));
	a.one_b1 = (float)(1.0 - a.b1);
	a.one_b2 = (float)(1.0 - a.b2);
	a.wd = opt->weight_decay != 0.0f;
	int np = ps->total >= PARAMS_SPLIT_MIN ? nn_threads() : 1;
	if (np > 1)
		nn_pool_run(np, adamw_part, &a);
	else
		adamw_elements(&a, 0, ps->total);
}

/* transformers.get_linear_schedule_with_warmup, whose LambdaLR factor at
 * step s (0-based count of steps already taken) is
 *   s / max(1, warmup)                          for s < warmup
 *   max(0, (total - s) / max(1, total - warmup)) after.
 * So the very first step of a warm-up has lr 0, as in transformers. */
float lr_schedule(long long step, long long warmup, long long total, float base)
{
	double f;
	if (step < warmup) {
		f = (double)step / (double)(warmup > 1 ? warmup : 1);
	} else {
		long long span = total - warmup > 1 ? total - warmup : 1;
		f = (double)(total - step) / (double)span;
		if (f < 0.0)
			f = 0.0;
	}
	return (float)(base * f);
}

/* torch.nn.utils.clip_grad_norm_(norm_type=2): total = ||all gradients||_2,
 * and when total > max_norm every gradient is multiplied by
 * max_norm / (total + 1e-6).  The squares are summed in double in 32
 * lanes (four vectors: independent chains of adds): element j of a tensor
 * adds into lane j % 32 while 32 remain, the rest into one more sum; the
 * lanes are added in order at the end.  A fixed order, so the same
 * gradients give the same norm on every run and thread count.  (One
 * running sum, a chain of dependent adds, was 4% of the MLP's step; the
 * two orders can differ in a double's last bit.)  A non-finite norm is
 * returned without touching the gradients (PyTorch would scale them by 0
 * or NaN): the caller decides. */
typedef float optim_v8f __attribute__((vector_size(32)));
typedef double optim_v8d __attribute__((vector_size(64)));

YJ_SIMD_CLONES
float clip_grad_norm(yj_params *ps, float max_norm)
{
	optim_v8d lane[4] = {0};
	double rest = 0.0;
	for (size_t i = 0; i < ps->n; i++) {
		const yj_param *pi = &ps->v[i];
		if (!pi->trainable)
			continue;
		const float *g = ps->grad + pi->offset;
		size_t j = 0;
		for (; j + 32 <= pi->size; j += 32)
#pragma GCC unroll 4
			for (int w = 0; w < 4; w++) {
				optim_v8f v;
				memcpy(&v, g + j + 8 * w, sizeof v);
				optim_v8d d = __builtin_convertvector(v, optim_v8d);
				lane[w] += d * d;
			}
		for (; j < pi->size; j++)
			rest += (double)g[j] * g[j];
	}
	double ss = 0.0;
	for (int w = 0; w < 4; w++)
		for (int l = 0; l < 8; l++)
			ss += lane[w][l];
	ss += rest;
	double norm = sqrt(ss);
	if (max_norm <= 0.0f || !isfinite(norm))
		return (float)norm;
	double coef = max_norm / (norm + 1e-6);
	if (coef < 1.0) {
		const float c = (float)coef;
		for (size_t i = 0; i < ps->n; i++) {
			const yj_param *pi = &ps->v[i];
			if (!pi->trainable)
				continue;
			float *g = ps->grad + pi->offset;
			for (size_t j = 0; j < pi->size; j++)
				g[j] *= c;
		}
	}
	return (float)norm;
}
