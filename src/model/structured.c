/*
 * structured.c - per-source MLP + BatchNorm branch, projection and
 * classifier, with explicit forward and backward passes.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/rng.h"
#include "yujing/model/structured.h"
#include "yujing/nn/direct.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/pool.h"

static int in_of(const yj_mlp *m, int s, int l)
{
	return l == 0 ? m->cfg.in_dim[s] : m->cfg.hidden;
}

/* U(-bound, bound) into n floats. */
static void uniform_init(float *p, size_t n, float bound, yj_rng *rng)
{
	for (size_t i = 0; i < n; i++)
		p[i] = (float)((2 * rng_uniform(rng) - 1) * bound);
}

int mlp_declare(yj_mlp *m, const yj_mlp_cfg *cfg, yj_params *ps)
{
	memset(m, 0, sizeof *m);
	m->cfg = *cfg;
	m->P = ps;
	m->cls_w = m->cls_b = -1;
	if (cfg->nsrc < 1 || cfg->nsrc > MLP_MAX_SOURCES || cfg->depth < 1 ||
	    cfg->depth > MLP_MAX_DEPTH || cfg->hidden < 1 || cfg->proj < 1 || cfg->nclasses < 0)
		return -1;
	if (m->cfg.bn_momentum == 0)
		m->cfg.bn_momentum = 0.1f;
	if (m->cfg.bn_eps == 0)
		m->cfg.bn_eps = 1e-5f;
	char name[PARAM_NAME_MAX];
	int H = cfg->hidden;
	for (int s = 0; s < cfg->nsrc; s++)
		for (int l = 0; l < cfg->depth; l++) {
			int64_t wshape[2] = {H, in_of(m, s, l)}, vshape[1] = {H};
#define ADD(field, suffix, nd, shape, decay, train)                                          \
	do {                                                                                 \
		snprintf(name, sizeof name, "sources.%d.layers.%d.%s", s, l, suffix);        \
		if ((m->field[s][l] = params_add(ps, name, nd, shape, decay, train)) < 0)    \
			return -1;                                                           \
	} while (0)
			ADD(lin_w, "linear.weight", 2, wshape, 1, 1);
			ADD(lin_b, "linear.bias", 1, vshape, 0, 1);
			ADD(bn_w, "bn.weight", 1, vshape, 0, 1);
			ADD(bn_b, "bn.bias", 1, vshape, 0, 1);
			ADD(bn_rm, "bn.running_mean", 1, vshape, 0, 0);
			ADD(bn_rv, "bn.running_var", 1, vshape, 0, 0);
#undef ADD
		}
	int64_t pshape[2] = {cfg->proj, (int64_t)cfg->nsrc * H};
	int64_t cshape[2] = {cfg->nclasses, cfg->proj}, bshape[1] = {cfg->nclasses};
	if ((m->proj_w = params_add(ps, "proj.weight", 2, pshape, 1, 1)) < 0)
		return -1;
	if (cfg->nclasses > 0 && ((m->cls_w = params_add(ps, "classifier.weight", 2, cshape, 1, 1)) < 0 ||
				  (m->cls_b = params_add(ps, "classifier.bias", 1, bshape, 0, 1)) < 0))
		return -1;
	return 0;
}

void mlp_init_values(yj_mlp *m, yj_rng *rng)
{
	const yj_mlp_cfg *cfg = &m->cfg;
	yj_params *ps = m->P;
	int H = cfg->hidden;
	for (int s = 0; s < cfg->nsrc; s++)
		for (int l = 0; l < cfg->depth; l++) {
			float bound = 1.0f / sqrtf((float)in_of(m, s, l));
			uniform_init(params_data(ps, m->lin_w[s][l]), ps->v[m->lin_w[s][l]].size, bound, rng);
			uniform_init(params_data(ps, m->lin_b[s][l]), (size_t)H, bound, rng);
			for (int j = 0; j < H; j++) {
				params_data(ps, m->bn_w[s][l])[j] = 1;
				params_data(ps, m->bn_rv[s][l])[j] = 1;
			}
		}
	float pb = 1.0f / sqrtf((float)(cfg->nsrc * H)), cb = 1.0f / sqrtf((float)cfg->proj);
	uniform_init(params_data(ps, m->proj_w), ps->v[m->proj_w].size, pb, rng);
	if (cfg->nclasses > 0) {
		uniform_init(params_data(ps, m->cls_w), ps->v[m->cls_w].size, cb, rng);
		uniform_init(params_data(ps, m->cls_b), (size_t)cfg->nclasses, cb, rng);
	}
}

int mlp_init(yj_mlp *m, const yj_mlp_cfg *cfg, uint64_t seed)
{
	yj_params tmp;
	params_init(&tmp);
	if (cfg->nclasses < 1 || mlp_declare(m, cfg, &tmp)) {
		params_free(&tmp);
		return -1;
	}
	m->ps = tmp;
	m->P = &m->ps;
	if (params_alloc(&m->ps))
		return -1;
	/* Initialise in declaration order from one stream. */
	yj_rng rng;
	rng_seed(&rng, seed);
	mlp_init_values(m, &rng);
	return 0;
}

void mlp_free(yj_mlp *m)
{
	if (m->P == &m->ps)
		params_free(&m->ps);
	free(m->act);
	free(m->dact);
	free(m->lse);
	memset(m, 0, sizeof *m);
}

int mlp_reserve(yj_mlp *m, int b)
{
	if (b <= m->bmax)
		return 0;
	const yj_mlp_cfg *c = &m->cfg;
	size_t H = (size_t)c->hidden, B = (size_t)b, S = (size_t)c->nsrc, D = (size_t)c->depth;
	size_t maxin = H;
	for (int s = 0; s < c->nsrc; s++)
		if ((size_t)c->in_dim[s] > maxin)
			maxin = (size_t)c->in_dim[s];
	/* per block: the product (then xhat in place), the output of an inner
	 * block, mean and rstd; the last blocks' outputs are the concat */
	size_t wt = S * H * (size_t)c->proj + (size_t)c->proj * (size_t)c->nclasses;
	for (int s = 0; s < c->nsrc; s++)
		for (int l = 0; l < c->depth; l++)
			wt += H * (size_t)in_of(m, s, l);
	size_t total = S * D * 2 * H + S * (D - 1) * B * H + S * D * B * H + B * S * H +
		       B * (size_t)c->proj + 2 * B * (size_t)c->nclasses + B * maxin + wt;
	/* the views are carved from a line-aligned start (nn_zalloc_lines): with
	 * B rows of H channels (multiples of 16), a region's parts, which split
	 * channels, then write whole lines of their own (a line split between
	 * the two cores of the mlp benchmark ping-ponged on every row: 2-thread
	 * step 265 -> 204 us with the parameters' buffers aligned too) */
	float *a = nn_zalloc_lines(total), *d = nn_zalloc_lines(total);
	double *lse = calloc(B, sizeof *lse);
	if (!a || !d || !lse) {
		free(a);
		free(d);
		free(lse);
		return -1;
	}
	free(m->act);
	free(m->dact);
	free(m->lse);
	m->act = a;
	m->dact = d;
	m->lse = lse;
	m->bmax = b;
	float *p = a;
	m->concat = p, p += B * S * H;
	for (size_t s = 0; s < S; s++)
		for (size_t l = 0; l < D; l++) {
			m->lin[s][l] = m->xhat[s][l] = p, p += B * H;
			if (l + 1 < D)
				m->relu[s][l] = p, p += B * H;
			else
				m->relu[s][l] = m->concat + s * H;
			m->mean[s][l] = p, p += H;
			m->rstd[s][l] = p, p += H;
		}
	m->projv = p, p += B * (size_t)c->proj;
	m->logits = p, p += B * (size_t)c->nclasses;
	m->probs = p, p += B * (size_t)c->nclasses;
	m->d_scratch = p, p += B * maxin;
	for (int s = 0; s < c->nsrc; s++)
		for (int l = 0; l < c->depth; l++)
			m->wt_lin[s][l] = p, p += H * (size_t)in_of(m, s, l);
	m->wt_proj = p, p += S * H * (size_t)c->proj;
	m->wt_cls = p;
	return 0;
}

/* The gradient buffer twin of an activation pointer. */
static float *grad_of(yj_mlp *m, const float *act)
{
	return m->dact + (act - m->act);
}

int mlp_relu_ld(const yj_mlp *m, int l)
{
	return l == m->cfg.depth - 1 ? m->cfg.nsrc * m->cfg.hidden : m->cfg.hidden;
}

/* ---------------------------------------------------------------- threads
 *
 * A step is a few regions of the persistent pool (nn/pool.h), each part
 * running OpenBLAS at one thread:
 *   forward   per layer: the blocks of every source, split by channels
 *             (a channel's product column, batch statistics and ReLU
 *             depend on that channel alone); then the head (projection,
 *             classifier, softmax), split by rows;
 *   backward  the loss's gradient and dproj, split by rows; then per
 *             layer, top down, everything else split by channels (dconcat's
 *             columns, weight-gradient columns, BatchNorm, block weight
 *             rows), so an activation's gradient is read by the part that
 *             wrote it.
 * Every output element is written by one part, and no sum is split (the
 * products split M or N, never K), so the bits do not depend on which
 * part ran what.  At 2 threads each region is a few tens of microseconds:
 * OpenBLAS's own threads lose at these sizes (see nn_sgemm).  What costs
 * at 2 threads beyond the work is lines moving between the cores: the
 * buffers start on a line (mlp_reserve), and each split keeps what a part
 * writes for the part that reads it where the products allow. */

/* OpenBLAS's own extension (as in blas.c). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

typedef struct {
	yj_mlp *m;
	const float *const *x;
	int B, train, l;
	int backward, head; /* head: the classifier's gradients too */
	const int32_t *labels; /* with head: dlogits from the loss first */
	const float *w;
	double total; /* xent_weight_total of the batch */
} mlp_job;

/* The parts' share [*a, *b) of n items. */
static void share(int n, int part, int np, int *a, int *b)
{
	*a = (int)((long long)n * part / np);
	*b = (int)((long long)n * (part + 1) / np);
}

static int mlp_parts(const yj_mlp *m, int B)
{
	int np = nn_threads();
	if (np > NN_POOL_MAX)
		np = NN_POOL_MAX;
	if (np > m->cfg.hidden)
		np = m->cfg.hidden;
	if (np > B)
		np = B;
	return np < 1 ? 1 : np;
}

/* fn over np parts, OpenBLAS at one thread meanwhile. */
static void mlp_region(int np, nn_pool_fn fn, mlp_job *j)
{
	int saved = np > 1 ? openblas_get_num_threads() : 1;
	if (saved != 1)
		openblas_set_num_threads(1);
	nn_pool_run(np, fn, j);
	if (saved != 1)
		openblas_set_num_threads(saved);
}

/* Layer l of every source on channels [c0, c1): one product (without the
 * bias) and one fused pass (bias, BatchNorm, ReLU) written straight into
 * the block's output, the concat's columns for a source's last block. */
static void fwd_blocks(void *ctx, int part, int np)
{
	mlp_job *j = ctx;
	yj_mlp *m = j->m;
	const yj_mlp_cfg *c = &m->cfg;
	yj_params *ps = m->P;
	int H = c->hidden, l = j->l, B = j->B, c0, c1;
	share(H, part, np, &c0, &c1);
	int nc = c1 - c0, ld = mlp_relu_ld(m, l);
	if (nc < 1)
		return;
	int top = l == c->depth - 1, SH = c->nsrc * H, P = c->proj, K = c->nclasses;
	for (int s = 0; s < c->nsrc; s++) {
		int IN = in_of(m, s, l);
		const float *in = l == 0 ? j->x[s] : m->relu[s][l - 1];
		float *lin = m->lin[s][l] + c0;
		direct_transpose(m->wt_lin[s][l] + c0, H, params_data(ps, m->lin_w[s][l]) + (size_t)c0 * IN, IN, nc,
				 IN);
		direct_sgemm(0, B, nc, IN, in, IN, m->wt_lin[s][l] + c0, H, 0.0f, lin, H);
		if (top) /* the projection's rows of these channels, for head_rows */
			direct_transpose(m->wt_proj + ((size_t)s * H + (size_t)c0) * P, P,
					 params_data(ps, m->proj_w) + (size_t)s * H + c0, SH, P, nc);
		const float *bias = params_data(ps, m->lin_b[s][l]) + c0;
		float *rm = params_data(ps, m->bn_rm[s][l]) + c0, *rv = params_data(ps, m->bn_rv[s][l]) + c0;
		const float *ga = params_data(ps, m->bn_w[s][l]) + c0, *be = params_data(ps, m->bn_b[s][l]) + c0;
		if (j->train)
			batchnorm_relu_forward_train(m->relu[s][l] + c0, ld, lin, m->mean[s][l] + c0,
						     m->rstd[s][l] + c0, rm, rv, lin, H, bias, ga, be, B, nc,
						     c->bn_momentum, c->bn_eps);
		else
			batchnorm_relu_forward_eval(m->relu[s][l] + c0, ld, lin, H, bias, rm, rv, ga, be, B, nc,
						    c->bn_eps);
	}
	if (top && K > 0) { /* the classifier's rows of this part's share of P */
		int q0, q1;
		share(P, part, np, &q0, &q1);
		if (q1 > q0)
			direct_transpose(m->wt_cls + (size_t)q0 * K, K, params_data(ps, m->cls_w) + q0, P, K, q1 - q0);
	}
}

/* Rows [r0, r1) of the head.  Forward: the projection, the classifier,
 * the softmax with each row's logsumexp (for mlp_loss).  Backward (with
 * the head only): dlogits from the loss (with labels), dproj from dlogits.
 * dconcat is taken by the top blocks' channel parts, each the columns it
 * then reads (the row split made half of it cross between the cores).
 * Every gradient of an activation is written (products with beta 0, the
 * fused backward), so nothing is cleared first; parameter gradients
 * accumulate. */
static void head_rows(void *ctx, int part, int np)
{
	mlp_job *j = ctx;
	yj_mlp *m = j->m;
	const yj_mlp_cfg *c = &m->cfg;
	yj_params *ps = m->P;
	int SH = c->nsrc * c->hidden, P = c->proj, K = c->nclasses, r0, r1;
	share(j->B, part, np, &r0, &r1);
	int nr = r1 - r0;
	if (nr < 1)
		return;
	const float *wc = K ? params_data(ps, m->cls_w) : NULL;
	if (j->backward) {
		float *dproj = grad_of(m, m->projv) + (size_t)r0 * P;
		if (j->labels) /* the loss's gradient, on these rows */
			softmax_xent_backward_rows(grad_of(m, m->logits) + (size_t)r0 * K, m->probs + (size_t)r0 * K,
						   j->labels + r0, j->w, nr, K, j->total);
		direct_sgemm(0, nr, P, K, grad_of(m, m->logits) + (size_t)r0 * K, K, wc, P, 0.0f, dproj, P);
		return;
	}
	float *projv = m->projv + (size_t)r0 * P;
	direct_sgemm(0, nr, P, SH, m->concat + (size_t)r0 * SH, SH, m->wt_proj, P, 0.0f, projv, P);
	if (K == 0)
		return; /* headless: the fusion head takes projv */
	float *logits = m->logits + (size_t)r0 * K;
	const float *cb = params_data(ps, m->cls_b);
	for (int r = 0; r < nr; r++) /* the bias, then the product added (linear_forward) */
		memcpy(logits + (size_t)r * K, cb, (size_t)K * sizeof(float));
	direct_sgemm(0, nr, K, P, projv, P, m->wt_cls, K, 1.0f, logits, K);
	softmax_forward_lse(m->probs + (size_t)r0 * K, m->lse + r0, logits, nr, K);
}

void mlp_forward(yj_mlp *m, const float *const *x, int B, int train)
{
	mlp_job j = {.m = m, .x = x, .B = B, .train = train};
	int np = mlp_parts(m, B);
	for (j.l = 0; j.l < m->cfg.depth; j.l++)
		mlp_region(np, fwd_blocks, &j);
	mlp_region(np, head_rows, &j);
}

float mlp_loss(yj_mlp *m, const int32_t *labels, const float *w, int B)
{
	return xent_from_lse(m->lse, m->logits, labels, w, B, m->cfg.nclasses);
}

/* Layer l of every source on channels [c0, c1), top down: the gradient
 * of the block's output (from the layer above, or for the last layer
 * dconcat's columns of those channels, from dproj, and the projection's
 * weight-gradient columns),
 * the fused ReLU + BatchNorm backward (with the Linear bias), the block's
 * weight rows.  The last layer's region also takes the classifier's
 * weight-gradient columns (the same share of its proj inputs) and, in
 * part 0, its bias. */
static void bwd_blocks(void *ctx, int part, int np)
{
	mlp_job *j = ctx;
	yj_mlp *m = j->m;
	const yj_mlp_cfg *c = &m->cfg;
	yj_params *ps = m->P;
	int H = c->hidden, SH = c->nsrc * H, P = c->proj, K = c->nclasses, l = j->l, B = j->B, c0, c1;
	int top = l == c->depth - 1, ld = mlp_relu_ld(m, l);
	const float *dproj = grad_of(m, m->projv);
	if (top && j->head) {
		int q0, q1;
		share(P, part, np, &q0, &q1);
		const float *dlogits = grad_of(m, m->logits);
		if (q1 > q0)
			direct_sgemm(1, K, q1 - q0, B, dlogits, K, m->projv + q0, P, 1.0f,
				     params_grad(ps, m->cls_w) + q0, P);
		if (part == 0)
			linear_backward(NULL, NULL, params_grad(ps, m->cls_b), dlogits, NULL, NULL, B, P, K);
	}
	share(H, part, np, &c0, &c1);
	int nc = c1 - c0;
	if (nc < 1)
		return;
	for (int s = 0; s < c->nsrc; s++) {
		float *dout = grad_of(m, m->relu[s][l]) + c0;
		if (top) {
			size_t col = (size_t)s * H + (size_t)c0;
			direct_sgemm(0, B, nc, P, dproj, P, params_data(ps, m->proj_w) + col, SH, 0.0f, dout, SH);
			direct_sgemm(1, P, nc, B, dproj, P, m->concat + col, SH, 1.0f,
				     params_grad(ps, m->proj_w) + col, SH);
		} else { /* from the layer above, whose dlin is complete */
			direct_sgemm(0, B, nc, H, grad_of(m, m->lin[s][l + 1]), H,
				     params_data(ps, m->lin_w[s][l + 1]) + c0, H, 0.0f, dout, H);
		}
		float *dlin = grad_of(m, m->lin[s][l]) + c0;
		batchnorm_relu_backward(dlin, params_grad(ps, m->lin_b[s][l]) + c0, params_grad(ps, m->bn_w[s][l]) + c0,
					params_grad(ps, m->bn_b[s][l]) + c0, dout, ld, m->relu[s][l] + c0, ld,
					m->xhat[s][l] + c0, H, m->rstd[s][l] + c0, params_data(ps, m->bn_w[s][l]) + c0,
					B, nc);
		int IN = in_of(m, s, l);
		const float *in = l == 0 ? j->x[s] : m->relu[s][l - 1];
		direct_sgemm(1, nc, IN, B, dlin, H, in, IN, 1.0f, params_grad(ps, m->lin_w[s][l]) + (size_t)c0 * IN,
			     IN);
	}
}

/* Backward from the gradient already in projv's twin; with head, from
 * dlogits in the logits' twin, which with labels the head's row region
 * first writes from the loss (softmax_xent_backward's bits, row by row). */
static void backward_from_proj(yj_mlp *m, const float *const *x, int B, int head, const int32_t *labels,
			       const float *w)
{
	mlp_job j = {.m = m, .x = x, .B = B, .head = head, .backward = 1, .labels = labels, .w = w};
	if (labels)
		j.total = xent_weight_total(labels, w, B, m->cfg.nclasses);
	int np = mlp_parts(m, B);
	if (head)
		mlp_region(np, head_rows, &j);
	for (j.l = m->cfg.depth - 1; j.l >= 0; j.l--)
		mlp_region(np, bwd_blocks, &j);
}

void mlp_backward(yj_mlp *m, const float *const *x, const int32_t *labels, const float *w, int B)
{
	backward_from_proj(m, x, B, 1, labels, w); /* the loss's gradient in the head's rows */
}

void mlp_backward_features(yj_mlp *m, const float *const *x, const float *dproj, int B)
{
	memcpy(grad_of(m, m->projv), dproj, (size_t)B * (size_t)m->cfg.proj * sizeof(float));
	backward_from_proj(m, x, B, 0, NULL, NULL);
}
