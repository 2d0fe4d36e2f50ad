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
#include "yujing/nn/ops.h"

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
	size_t total = S * D * 2 * H + S * (D - 1) * B * H + S * D * B * H + B * S * H +
		       B * (size_t)c->proj + 2 * B * (size_t)c->nclasses + B * maxin;
	float *a = calloc(total, sizeof *a), *d = calloc(total, sizeof *d);
	if (!a || !d) {
		free(a);
		free(d);
		return -1;
	}
	free(m->act);
	free(m->dact);
	m->act = a;
	m->dact = d;
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
	m->d_scratch = p;
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

/* Each block is one product (without its bias) and one fused pass:
 * bias, BatchNorm, ReLU, written straight into the block's output (the
 * concat's columns for a source's last block). */
void mlp_forward(yj_mlp *m, const float *const *x, int B, int train)
{
	const yj_mlp_cfg *c = &m->cfg;
	int H = c->hidden, SH = c->nsrc * H;
	yj_params *ps = m->P;
	for (int s = 0; s < c->nsrc; s++) {
		const float *in = x[s];
		for (int l = 0; l < c->depth; l++) {
			int IN = in_of(m, s, l), ld = mlp_relu_ld(m, l);
			float *lin = m->lin[s][l];
			nn_sgemm(0, 1, B, H, IN, 1.0f, in, IN, params_data(ps, m->lin_w[s][l]), IN, 0.0f, lin, H);
			if (train)
				batchnorm_relu_forward_train(m->relu[s][l], ld, m->xhat[s][l], m->mean[s][l],
							     m->rstd[s][l], params_data(ps, m->bn_rm[s][l]),
							     params_data(ps, m->bn_rv[s][l]), lin, H,
							     params_data(ps, m->lin_b[s][l]),
							     params_data(ps, m->bn_w[s][l]),
							     params_data(ps, m->bn_b[s][l]), B, H, c->bn_momentum,
							     c->bn_eps);
			else
				batchnorm_relu_forward_eval(m->relu[s][l], ld, lin, H, params_data(ps, m->lin_b[s][l]),
							    params_data(ps, m->bn_rm[s][l]),
							    params_data(ps, m->bn_rv[s][l]),
							    params_data(ps, m->bn_w[s][l]),
							    params_data(ps, m->bn_b[s][l]), B, H, c->bn_eps);
			in = m->relu[s][l];
		}
	}
	nn_sgemm(0, 1, B, c->proj, SH, 1.0f, m->concat, SH, params_data(ps, m->proj_w), SH, 0.0f, m->projv,
		 c->proj);
	if (c->nclasses == 0)
		return; /* headless: the fusion head takes projv */
	linear_forward(m->logits, m->projv, params_data(ps, m->cls_w), params_data(ps, m->cls_b), B, c->proj,
		       c->nclasses);
	if (!train) /* training: mlp_loss computes them with the loss */
		softmax_forward(m->probs, m->logits, B, c->nclasses);
}

float mlp_loss(yj_mlp *m, const int32_t *labels, const float *w, int B)
{
	return softmax_xent_forward(m->probs, m->logits, labels, w, B, m->cfg.nclasses);
}

/* Backward from the gradient already in projv's twin.  Every gradient of
 * an activation is written (products with beta 0, the fused backward),
 * so nothing is cleared first; parameter gradients accumulate. */
static void backward_from_proj(yj_mlp *m, const float *const *x, int B)
{
	const yj_mlp_cfg *c = &m->cfg;
	int H = c->hidden, SH = c->nsrc * H;
	yj_params *ps = m->P;
	const float *dproj = grad_of(m, m->projv), *wp = params_data(ps, m->proj_w);
	nn_sgemm(0, 0, B, SH, c->proj, 1.0f, dproj, c->proj, wp, SH, 0.0f, grad_of(m, m->concat), SH);
	nn_sgemm(1, 0, c->proj, SH, B, 1.0f, dproj, c->proj, m->concat, SH, 1.0f, params_grad(ps, m->proj_w),
		 SH);
	for (int s = 0; s < c->nsrc; s++)
		for (int l = c->depth - 1; l >= 0; l--) {
			int IN = in_of(m, s, l), ld = mlp_relu_ld(m, l);
			float *dlin = grad_of(m, m->lin[s][l]);
			batchnorm_relu_backward(dlin, params_grad(ps, m->lin_b[s][l]), params_grad(ps, m->bn_w[s][l]),
						params_grad(ps, m->bn_b[s][l]), grad_of(m, m->relu[s][l]), ld,
						m->relu[s][l], ld, m->xhat[s][l], H, m->rstd[s][l],
						params_data(ps, m->bn_w[s][l]), B, H);
			const float *in = l == 0 ? x[s] : m->relu[s][l - 1];
			const float *w = params_data(ps, m->lin_w[s][l]);
			nn_sgemm(1, 0, H, IN, B, 1.0f, dlin, H, in, IN, 1.0f, params_grad(ps, m->lin_w[s][l]), IN);
			if (l > 0)
				nn_sgemm(0, 0, B, IN, H, 1.0f, dlin, H, w, IN, 0.0f, grad_of(m, m->relu[s][l - 1]), IN);
		}
}

void mlp_backward(yj_mlp *m, const float *const *x, const int32_t *labels, const float *w, int B)
{
	const yj_mlp_cfg *c = &m->cfg;
	int K = c->nclasses;
	yj_params *ps = m->P;
	float *dlogits = grad_of(m, m->logits), *dproj = grad_of(m, m->projv);
	memset(dlogits, 0, (size_t)B * (size_t)K * sizeof(float));
	softmax_xent_backward(dlogits, m->probs, labels, w, B, K);
	nn_sgemm(0, 0, B, c->proj, K, 1.0f, dlogits, K, params_data(ps, m->cls_w), c->proj, 0.0f, dproj,
		 c->proj);
	linear_backward(NULL, params_grad(ps, m->cls_w), params_grad(ps, m->cls_b), dlogits, m->projv,
			params_data(ps, m->cls_w), B, c->proj, K);
	backward_from_proj(m, x, B);
}

void mlp_backward_features(yj_mlp *m, const float *const *x, const float *dproj, int B)
{
	memcpy(grad_of(m, m->projv), dproj, (size_t)B * (size_t)m->cfg.proj * sizeof(float));
	backward_from_proj(m, x, B);
}
