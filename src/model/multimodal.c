/*
 * multimodal.c - the structured and n-gram branches fused by one head
 * (see multimodal.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/model/multimodal.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"

int mm_init(yj_mm *m, const yj_mm_cfg *cfg, uint64_t seed)
{
	memset(m, 0, sizeof *m);
	m->cfg = *cfg;
	params_init(&m->ps);
	if (cfg->nngram < 0 || cfg->nngram > MM_MAX_TEXT || cfg->ntext < 0 || cfg->ntext > MM_MAX_TEXT ||
	    cfg->mlp.nsrc + cfg->nngram + cfg->ntext < 1 || cfg->nclasses < 1 ||
	    (cfg->ntext && (cfg->text_in < 1 || cfg->text_dim < 1)))
		return -1;
	int dims[FUSION_MAX], n = 0;
	if (cfg->mlp.nsrc > 0) {
		yj_mlp_cfg mc = cfg->mlp;
		mc.nclasses = 0;
		if (mlp_declare(&m->mlp, &mc, &m->ps))
			return -1;
		dims[n++] = mc.proj;
	}
	for (int t = 0; t < cfg->nngram; t++) {
		if (cfg->ngram_dim < 1 || !cfg->ngram_rows[t] ||
		    ngram_declare(&m->ng[t], t, cfg->ngram_rows[t], cfg->ngram_dim,
				  cfg->ngram_direct ? cfg->nclasses : 0, &m->ps))
			return -1;
		dims[n++] = cfg->ngram_dim;
	}
	for (int t = 0; t < cfg->ntext; t++) {
		char name[64];
		int64_t ws[2] = {cfg->text_dim, cfg->text_in}, bs[1] = {cfg->text_dim};
		snprintf(name, sizeof name, "text.%d.dense.weight", t);
		if ((m->tw[t] = params_add(&m->ps, name, 2, ws, 1, 1)) < 0)
			return -1;
		snprintf(name, sizeof name, "text.%d.dense.bias", t);
		if ((m->tb[t] = params_add(&m->ps, name, 1, bs, 0, 1)) < 0)
			return -1;
		dims[n++] = cfg->text_dim;
	}
	m->nbranch = n;
	if (fusion_declare(&m->fu, cfg->fusion, n, dims, cfg->nclasses, &m->ps) || params_alloc(&m->ps))
		return -1;
	yj_rng rng;
	rng_seed(&rng, seed);
	if (cfg->mlp.nsrc > 0)
		mlp_init_values(&m->mlp, &rng);
	fusion_init_values(&m->fu, &rng);
	/* torch.nn.Linear's default: U(-1/sqrt(in), 1/sqrt(in)) */
	for (int t = 0; t < cfg->ntext; t++) {
		float bound = 1.0f / sqrtf((float)cfg->text_in);
		float *w = params_data(&m->ps, m->tw[t]), *b = params_data(&m->ps, m->tb[t]);
		for (size_t i = 0; i < (size_t)cfg->text_dim * (size_t)cfg->text_in; i++)
			w[i] = (float)((2 * rng_uniform(&rng) - 1) * bound);
		for (int i = 0; i < cfg->text_dim; i++)
			b[i] = (float)((2 * rng_uniform(&rng) - 1) * bound);
	}
	return 0;
}

void mm_free(yj_mm *m)
{
	mlp_free(&m->mlp);
	for (int t = 0; t < MM_MAX_TEXT; t++)
		ngram_free(&m->ng[t]);
	fusion_free(&m->fu);
	params_free(&m->ps);
	free(m->buf);
	memset(m, 0, sizeof *m);
}

int mm_reserve(yj_mm *m, int B)
{
	if (B <= m->bmax)
		return 0;
	if ((m->cfg.mlp.nsrc > 0 && mlp_reserve(&m->mlp, B)) || fusion_reserve(&m->fu, B))
		return -1;
	size_t D = (size_t)m->cfg.ngram_dim, b = (size_t)B, P = (size_t)m->cfg.mlp.proj;
	size_t TI = (size_t)m->cfg.text_in, TD = (size_t)m->cfg.text_dim, NT = (size_t)m->cfg.ntext;
	size_t K = (size_t)m->cfg.nclasses, NG = (size_t)m->cfg.nngram;
	float *p = calloc(NG * b * (3 * D + 2 * K) + b * K + b * P + NT * b * (2 * TI + 2 * TD) + 1, sizeof *p);
	if (!p)
		return -1;
	free(m->buf);
	m->buf = p;
	for (int t = 0; t < m->cfg.nngram; t++) {
		m->ngv[t] = p, p += b * D;
		m->dngv[t] = p, p += b * D;
		m->ngd[t] = p, p += b * K;
		m->ngp[t] = p, p += b * (D + K);
	}
	m->ngsum = p, p += b * K;
	m->dproj = p, p += b * P;
	for (int t = 0; t < m->cfg.ntext; t++) {
		m->tinb[t] = p, p += b * TI;
		m->dtin[t] = p, p += b * TI;
		m->tv[t] = p, p += b * TD;
		m->dtv[t] = p, p += b * TD;
	}
	m->bmax = B;
	return 0;
}

void mm_forward(yj_mm *m, const float *const *x, const yj_ngram_data *nd, const size_t *idx, int B,
		int train)
{
	const float *v[FUSION_MAX];
	int n = 0;
	if (m->cfg.mlp.nsrc > 0) {
		mlp_forward(&m->mlp, x, B, train);
		v[n++] = m->mlp.projv;
	}
	size_t D = (size_t)m->cfg.ngram_dim, K = (size_t)m->cfg.nclasses;
	int direct = m->cfg.ngram_direct && m->cfg.nngram;
	if (direct)
		memset(m->ngsum, 0, (size_t)B * K * sizeof(float));
	for (int t = 0; t < m->cfg.nngram; t++) {
		if (direct)
			memset(m->ngd[t], 0, (size_t)B * K * sizeof(float));
		ngram_forward(&m->ng[t], m->ngv[t], direct ? m->ngd[t] : NULL, &nd[t], idx, B);
		v[n++] = m->ngv[t];
		for (int b = 0; direct && b < B; b++) {
			const float *z = m->ngd[t] + (size_t)b * K;
			memcpy(m->ngp[t] + (size_t)b * (D + K), m->ngv[t] + (size_t)b * D, D * sizeof(float));
			memcpy(m->ngp[t] + (size_t)b * (D + K) + D, z, K * sizeof(float));
			for (size_t c = 0; c < K; c++)
				m->ngsum[(size_t)b * K + c] += z[c];
		}
	}
	size_t TI = (size_t)m->cfg.text_in;
	for (int t = 0; t < m->cfg.ntext; t++) {
		for (int b = 0; b < B; b++)
			memcpy(m->tinb[t] + (size_t)b * TI, m->tin[t] + idx[b] * TI, TI * sizeof(float));
		linear_forward(m->tv[t], m->tinb[t], params_data(&m->ps, m->tw[t]), params_data(&m->ps, m->tb[t]),
			       B, m->cfg.text_in, m->cfg.text_dim);
		v[n++] = m->tv[t];
	}
	fusion_forward_direct(&m->fu, v, direct ? m->ngsum : NULL, B);
}

float mm_loss(yj_mm *m, const int32_t *labels, const float *w, int B)
{
	return softmax_xent_forward(m->fu.probs, m->fu.logits, labels, w, B, m->cfg.nclasses);
}

void mm_backward(yj_mm *m, const float *const *x, const yj_ngram_data *nd, const size_t *idx,
		 const int32_t *labels, const float *w, int B)
{
	int K = m->cfg.nclasses, n = 0;
	float *dv[FUSION_MAX];
	memset(m->fu.dlogits, 0, (size_t)B * (size_t)K * sizeof(float));
	softmax_xent_backward(m->fu.dlogits, m->fu.probs, labels, w, B, K);
	if (m->cfg.mlp.nsrc > 0) {
		memset(m->dproj, 0, (size_t)B * (size_t)m->cfg.mlp.proj * sizeof(float));
		dv[n++] = m->dproj;
	}
	for (int t = 0; t < m->cfg.nngram; t++) {
		memset(m->dngv[t], 0, (size_t)B * (size_t)m->cfg.ngram_dim * sizeof(float));
		dv[n++] = m->dngv[t];
	}
	for (int t = 0; t < m->cfg.ntext; t++) {
		memset(m->dtv[t], 0, (size_t)B * (size_t)m->cfg.text_dim * sizeof(float));
		dv[n++] = m->dtv[t];
	}
	fusion_backward(&m->fu, dv, m->fu.dlogits, B);
	if (m->cfg.mlp.nsrc > 0)
		mlp_backward_features(&m->mlp, x, m->dproj, B);
	for (int t = 0; t < m->cfg.nngram; t++)
		ngram_backward(&m->ng[t], m->dngv[t], m->fu.dlogits, &nd[t], idx, B);
	for (int t = 0; t < m->cfg.ntext; t++) {
		memset(m->dtin[t], 0, (size_t)B * (size_t)m->cfg.text_in * sizeof(float));
		linear_backward(m->dtin[t], params_grad(&m->ps, m->tw[t]), params_grad(&m->ps, m->tb[t]), m->dtv[t],
				m->tinb[t], params_data(&m->ps, m->tw[t]), B, m->cfg.text_in, m->cfg.text_dim);
	}
}

void mm_zero_grad(yj_mm *m)
{
	for (size_t i = 0; i < m->ps.n; i++)
		if (m->ps.v[i].trainable)
			memset(params_grad(&m->ps, (long)i), 0, m->ps.v[i].size * sizeof(float));
	for (int t = 0; t < m->cfg.nngram; t++)
		ngram_zero_grad(&m->ng[t]);
}

float mm_clip_grad_norm(yj_mm *m, float max_norm)
{
	double dense = clip_grad_norm(&m->ps, 0), ss = dense * dense;
	for (int t = 0; t < m->cfg.nngram; t++)
		ss += ngram_grad_sumsq(&m->ng[t]);
	double norm = sqrt(ss), coef = max_norm / (norm + 1e-6);
	if (max_norm <= 0.0f || !isfinite(norm) || coef >= 1.0)
		return (float)norm;
	const float c = (float)coef;
	for (size_t i = 0; i < m->ps.n; i++) {
		float *g = params_grad(&m->ps, (long)i);
		for (size_t j = 0; m->ps.v[i].trainable && j < m->ps.v[i].size; j++)
			g[j] *= c;
	}
	for (int t = 0; t < m->cfg.nngram; t++)
		ngram_scale_grad(&m->ng[t], c);
	return (float)norm;
}

void mm_step(yj_mm *m, yj_adamw *opt, float lr)
{
	adamw_step(opt, &m->ps, lr);
	for (int t = 0; t < m->cfg.nngram; t++)
		ngram_step(&m->ng[t], opt, lr);
}

int mm_ngram_player(const yj_mm *m, int t, const yj_ngram_data *d, size_t i, double *out)
{
	size_t D = (size_t)m->cfg.ngram_dim, K = m->cfg.ngram_direct ? (size_t)m->cfg.nclasses : 0;
	float *v = calloc(D + K, sizeof *v);
	if (!v)
		return -1;
	ngram_forward(&m->ng[t], v, K ? v + D : NULL, d, &i, 1);
	for (size_t c = 0; c < D + K; c++)
		out[c] = v[c];
	free(v);
	return 0;
}

int mm_nplayers(const yj_mm *m)
{
	return m->cfg.mlp.nsrc + m->cfg.nngram + m->cfg.ntext;
}

int mm_player_dim(const yj_mm *m, int i)
{
	if (i < m->cfg.mlp.nsrc)
		return m->cfg.mlp.hidden;
	if (i < m->cfg.mlp.nsrc + m->cfg.nngram)
		return m->cfg.ngram_dim + (m->cfg.ngram_direct ? m->cfg.nclasses : 0);
	return m->cfg.text_dim;
}

const float *mm_player_vec(const yj_mm *m, int i, int b)
{
	int S = m->cfg.mlp.nsrc;
	if (i < S)
		return m->mlp.relu[i][m->cfg.mlp.depth - 1] +
		       (size_t)b * (size_t)mlp_relu_ld(&m->mlp, m->cfg.mlp.depth - 1);
	if (i < S + m->cfg.nngram)
		return m->cfg.ngram_direct ? m->ngp[i - S] + (size_t)b * (size_t)(m->cfg.ngram_dim + m->cfg.nclasses)
					   : m->ngv[i - S] + (size_t)b * (size_t)m->cfg.ngram_dim;
	return m->tv[i - S - m->cfg.nngram] + (size_t)b * (size_t)m->cfg.text_dim;
}

int mm_head_logits(const yj_mm *m, const double *const *u, double *out)
{
	int S = m->cfg.mlp.nsrc, H = m->cfg.mlp.hidden, P = m->cfg.mlp.proj, n = 0;
	const double *v[FUSION_MAX];
	double *z = NULL;
	if (S > 0) {
		/* v' = W concat(h_s), no bias (structured.h) */
		z = calloc((size_t)P, sizeof *z);
		if (!z)
			return -1;
		const float *W = params_data((yj_params *)&m->ps, m->mlp.proj_w);
		for (int r = 0; r < P; r++) {
			const float *row = W + (size_t)r * (size_t)(S * H);
			double s = 0;
			for (int k = 0; k < S; k++)
				for (int c = 0; c < H; c++)
					s += (double)row[k * H + c] * u[k][c];
			z[r] = s;
		}
		v[n++] = z;
	}
	for (int t = 0; t < m->cfg.nngram + m->cfg.ntext; t++)
		v[n++] = u[S + t];
	fusion_logits1(&m->fu, v, out);
	/* the direct paths: the tail of each n-gram player */
	for (int t = 0; m->cfg.ngram_direct && t < m->cfg.nngram; t++)
		for (int k = 0; k < m->cfg.nclasses; k++)
			out[k] += u[S + t][m->cfg.ngram_dim + k];
	free(z);
	return 0;
}
