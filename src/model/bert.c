/*
 * bert.c - the BERT encoder (Hugging Face BertModel) and its MLM head
 * (BertOnlyMLMHead), forward and backward, over (B, T) batches.
 *
 * Every projection is one nn_sgemm over all B*T rows; attention is two
 * sgemm calls per (batch, head) reading the heads in place from the (B,T,C)
 * projections (head h = columns [h*D, (h+1)*D), leading dimension C), so
 * nothing is transposed or copied.  Activations live in one buffer carved
 * by bert_reserve, the gradient workspace in a second, the MLM head's in a
 * third; no pass allocates.  Formulas follow
 * transformers/models/bert/modeling_bert.py (eager attention) and cite the
 * torch functions they match.
 */
#include <config.h>

#include <float.h>
#include <math.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/model/bert.h"
#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/pool.h"

/* the most threads a pass splits its work between (see par_run) */
#define PAR_MAX NN_POOL_MAX
/* rows of a work item of a dynamic region (see next_item): in float32
 * each item's products pack the whole weight, so 256 rows (128 before:
 * x W^T at 2048 x 256 x 1024 ran 75 GFLOP/s in items of 128, 88 of 256) */
#define ROW_CHUNK 256
/* a bf16 forward layer runs one sequence an item when the batch has at
 * least this many sequences a thread (else three regions over row chunks
 * and attention blocks; see fwd_layer) */
#define LAYER_ITEMS_MIN 4
/* float32 products over at most this many inputs get their bias added
 * after the product (see rest_rows) */
#define EPI_K_MAX 256
/* output rows of a weight-gradient work item: each item packs the whole
 * (N, IN) input, so fewer, larger items (64 before in float32: OpenBLAS
 * at one thread ran 256 x 1024 x 2048 at 80 GFLOP/s in items of 64 rows,
 * 96 in items of 256) */
#define WGRAD_CHUNK 256

/* ------------------------------------------------------------- configuration */

int bert_config_named(const char *name, int vocab_size, yj_bert_cfg *cfg)
{
	static const struct {
		const char *name;
		int layers, hidden;
	} named[] = {{"tiny", 2, 128}, {"mini", 4, 256}, {"small", 4, 512}};
	for (size_t i = 0; i < sizeof named / sizeof named[0]; i++) {
		if (strcmp(name, named[i].name) != 0)
			continue;
		memset(cfg, 0, sizeof *cfg);
		cfg->vocab_size = vocab_size;
		cfg->hidden = named[i].hidden;
		cfg->layers = named[i].layers;
		cfg->heads = named[i].hidden / 64;
		cfg->intermediate = 4 * named[i].hidden;
		cfg->max_pos = 512;
		cfg->type_vocab = 2;
		cfg->pad_token_id = 0;
		cfg->ln_eps = 1e-12f;
		cfg->hidden_drop = 0.1f;
		cfg->attn_drop = 0.1f;
		cfg->init_range = 0.02f;
		return 0;
	}
	return -1;
}

/* Bounds keep every size product (B*T*C, H*T*T, V*C) far from overflow. */
#define CFG_MAX_WIDTH 65536
#define CFG_MAX_VOCAB (1 << 22)
#define CFG_MAX_POS 65536

yj_status bert_config_check(const yj_bert_cfg *c, yj_error *err)
{
#define BAD(field, ...)                                                                     \
	do {                                                                                \
		error_set(err, YJ_EDATA, __VA_ARGS__);                                      \
		error_at(err, NULL, -1, -1, field);                                         \
		return YJ_EDATA;                                                            \
	} while (0)
	if (c->vocab_size < 1 || c->vocab_size > CFG_MAX_VOCAB)
		BAD("vocab_size", "vocab_size %d is not in [1, %d]", c->vocab_size, CFG_MAX_VOCAB);
	if (c->hidden < 1 || c->hidden > CFG_MAX_WIDTH)
		BAD("hidden_size", "hidden_size %d is not in [1, %d]", c->hidden, CFG_MAX_WIDTH);
	if (c->layers < 0 || c->layers > BERT_MAX_LAYERS)
		BAD("num_hidden_layers", "num_hidden_layers %d is not in [0, %d]", c->layers,
		    BERT_MAX_LAYERS);
	if (c->heads < 1 || c->heads > c->hidden || c->hidden % c->heads != 0)
		BAD("num_attention_heads",
		    "hidden_size %d is not a multiple of num_attention_heads %d", c->hidden,
		    c->heads);
	if (c->intermediate < 1 || c->intermediate > 4 * CFG_MAX_WIDTH)
		BAD("intermediate_size", "intermediate_size %d is not in [1, %d]", c->intermediate,
		    4 * CFG_MAX_WIDTH);
	if (c->max_pos < 1 || c->max_pos > CFG_MAX_POS)
		BAD("max_position_embeddings", "max_position_embeddings %d is not in [1, %d]",
		    c->max_pos, CFG_MAX_POS);
	if (c->type_vocab < 1 || c->type_vocab > 1024)
		BAD("type_vocab_size", "type_vocab_size %d is not in [1, 1024]", c->type_vocab);
	if (c->pad_token_id < 0 || c->pad_token_id >= c->vocab_size)
		BAD("pad_token_id", "pad_token_id %d is not a token id (vocab_size %d)",
		    c->pad_token_id, c->vocab_size);
	if (!(c->ln_eps > 0.0f) || !(c->ln_eps < 1.0f))
		BAD("layer_norm_eps", "layer_norm_eps %g is not in (0, 1)", (double)c->ln_eps);
	if (!(c->hidden_drop >= 0.0f && c->hidden_drop < 1.0f))
		BAD("hidden_dropout_prob", "hidden_dropout_prob %g is not in [0, 1)",
		    (double)c->hidden_drop);
	if (!(c->attn_drop >= 0.0f && c->attn_drop < 1.0f))
		BAD("attention_probs_dropout_prob",
		    "attention_probs_dropout_prob %g is not in [0, 1)", (double)c->attn_drop);
	if (!(c->init_range >= 0.0f && c->init_range < 10.0f))
		BAD("initializer_range", "initializer_range %g is not in [0, 10)",
		    (double)c->init_range);
	return YJ_OK;
#undef BAD
}

/* ------------------------------------------------------------------- init */

/* N(0, sd) by Box-Muller from the seeded stream (two uniforms per draw). */
static void normal_init(float *p, size_t n, float sd, yj_rng *rng)
{
	for (size_t i = 0; i < n; i++) {
		double u1 = rng_uniform(rng), u2 = rng_uniform(rng);
		p[i] = (float)(sd * sqrt(-2.0 * log(1.0 - u1)) * cos(6.283185307179586 * u2));
	}
}

void bert_seed(yj_bert *m, uint64_t seed)
{
	rng_seed(&m->rng, seed ^ 0x64726f706f7574ULL); /* "dropout" */
}

yj_status bert_init(yj_bert *m, const yj_bert_cfg *cfg, uint64_t seed, yj_error *err)
{
	memset(m, 0, sizeof *m);
	params_init(&m->ps);
	yj_status st = bert_config_check(cfg, err);
	if (st != YJ_OK)
		return st;
	m->cfg = *cfg;
	int64_t C = cfg->hidden, I = cfg->intermediate, V = cfg->vocab_size;
	yj_params *ps = &m->ps;
	char name[PARAM_NAME_MAX];
	int fail = 0;
	/* weight: decays; bias / LayerNorm: no decay (as transformers' trainers
	 * group them). */
#define ADD2(ix, nm, a, b) fail |= ((ix) = params_add(ps, nm, 2, (int64_t[]){a, b}, 1, 1)) < 0
#define ADD1(ix, nm, a) fail |= ((ix) = params_add(ps, nm, 1, (int64_t[]){a}, 0, 1)) < 0
	ADD2(m->word, "bert.embeddings.word_embeddings.weight", V, C);
	ADD2(m->pos, "bert.embeddings.position_embeddings.weight", cfg->max_pos, C);
	ADD2(m->type, "bert.embeddings.token_type_embeddings.weight", cfg->type_vocab, C);
	ADD1(m->eln_w, "bert.embeddings.LayerNorm.weight", C);
	ADD1(m->eln_b, "bert.embeddings.LayerNorm.bias", C);
	for (int l = 0; l < cfg->layers; l++) {
		yj_bert_layer_ix *x = &m->L[l];
#define LNAME(suffix) (snprintf(name, sizeof name, "bert.encoder.layer.%d.%s", l, suffix), name)
		ADD2(x->q_w, LNAME("attention.self.query.weight"), C, C);
		ADD1(x->q_b, LNAME("attention.self.query.bias"), C);
		ADD2(x->k_w, LNAME("attention.self.key.weight"), C, C);
		ADD1(x->k_b, LNAME("attention.self.key.bias"), C);
		ADD2(x->v_w, LNAME("attention.self.value.weight"), C, C);
		ADD1(x->v_b, LNAME("attention.self.value.bias"), C);
		ADD2(x->ao_w, LNAME("attention.output.dense.weight"), C, C);
		ADD1(x->ao_b, LNAME("attention.output.dense.bias"), C);
		ADD1(x->aln_w, LNAME("attention.output.LayerNorm.weight"), C);
		ADD1(x->aln_b, LNAME("attention.output.LayerNorm.bias"), C);
		ADD2(x->i_w, LNAME("intermediate.dense.weight"), I, C);
		ADD1(x->i_b, LNAME("intermediate.dense.bias"), I);
		ADD2(x->o_w, LNAME("output.dense.weight"), C, I);
		ADD1(x->o_b, LNAME("output.dense.bias"), C);
		ADD1(x->oln_w, LNAME("output.LayerNorm.weight"), C);
		ADD1(x->oln_b, LNAME("output.LayerNorm.bias"), C);
#undef LNAME
	}
	ADD2(m->pool_w, "bert.pooler.dense.weight", C, C);
	ADD1(m->pool_b, "bert.pooler.dense.bias", C);
	ADD2(m->mt_w, "cls.predictions.transform.dense.weight", C, C);
	ADD1(m->mt_b, "cls.predictions.transform.dense.bias", C);
	ADD1(m->mln_w, "cls.predictions.transform.LayerNorm.weight", C);
	ADD1(m->mln_b, "cls.predictions.transform.LayerNorm.bias", C);
	ADD1(m->m_bias, "cls.predictions.bias", V);
#undef ADD1
#undef ADD2
	if (fail || params_alloc(ps)) {
		params_free(ps);
		return error_set(err, YJ_ENOMEM, "out of memory for a BERT of %zu parameters",
				 ps->total);
	}

	/* BertPreTrainedModel._init_weights: Linear and Embedding weights
	 * N(0, initializer_range), biases 0, the padding row 0, LayerNorm
	 * weight 1 and bias 0.  Walk the tensors in declaration order. */
	yj_rng rng;
	rng_seed(&rng, seed);
	for (size_t i = 0; i < ps->n; i++) {
		yj_param *p = &ps->v[i];
		float *d = params_data(ps, (long)i);
		size_t len = strlen(p->name);
		if (len > 16 && strcmp(p->name + len - 16, "LayerNorm.weight") == 0) {
			for (size_t j = 0; j < p->size; j++)
				d[j] = 1.0f;
		} else if (p->ndim == 2) {
			normal_init(d, p->size, cfg->init_range, &rng);
		} /* biases stay 0 */
	}
	memset(params_data(ps, m->word) + (size_t)cfg->pad_token_id * (size_t)C, 0,
	       (size_t)C * sizeof(float));
	m->has_pooler = m->has_mlm = 1;
	bert_seed(m, seed);
	return YJ_OK;
}

void bert_free(yj_bert *m)
{
	if (!m)
		return;
	params_free(&m->ps);
	free(m->act);
	free(m->iact);
	free(m->grad);
	free(m->mact);
	free(m->mpos);
	free(m->wpack);
	memset(m, 0, sizeof *m);
}

/* --------------------------------------------------------------- reserve */

/* a * b, or SIZE_MAX on overflow (which then fails the allocation). */
static size_t mul(size_t a, size_t b)
{
	size_t r;
	return __builtin_mul_overflow(a, b, &r) ? SIZE_MAX : r;
}

static size_t add(size_t a, size_t b)
{
	size_t r;
	return __builtin_add_overflow(a, b, &r) ? SIZE_MAX : r;
}

/* calloc of n floats, refusing sizes that overflow in bytes. */
static float *falloc(size_t n)
{
	if (n == SIZE_MAX || n > SIZE_MAX / sizeof(float))
		return NULL;
	return calloc(n ? n : 1, sizeof(float));
}

int bert_reserve(yj_bert *m, int B, int T)
{
	const yj_bert_cfg *c = &m->cfg;
	if (B < 1 || T < 1 || T > c->max_pos)
		return -1;
	if (B <= m->bmax && T <= m->tmax)
		return 0;
	/* Grow both to at least what was there. */
	if (B < m->bmax)
		B = m->bmax;
	if (T < m->tmax)
		T = m->tmax;
	size_t BT = mul((size_t)B, (size_t)T), C = (size_t)c->hidden, I = (size_t)c->intermediate;
	size_t H = (size_t)c->heads, L = (size_t)c->layers;
	size_t BTC = mul(BT, C), BTI = mul(BT, I), BHTT = mul(mul(BT, H), (size_t)T);
	size_t BC = mul((size_t)B, C);
	/* per layer: q k v ctx ao_mask res1 ln1 o_mask res2 ln2, ipre iact,
	 * probs probs_drop attn_mask, 4 row statistics */
	size_t per = add(add(add(mul(10, BTC), mul(2, BTI)), mul(3, BHTT)), mul(4, BT));
	size_t nact = add(mul(L, per), add(add(mul(3, BT), mul(4, BTC)), mul(2, BC)));
	/* ... g_cls (2 B C), then bert_backward's g_ao (B,T,C) and LayerNorm
	 * partials (one per ROW_CHUNK rows, 4, C) */
	size_t ngrad = add(add(add(add(mul(9, BTC), mul(2, BTI)), BHTT), mul(2, BC)),
			   mul(mul(4, C), BT / ROW_CHUNK + 1));
	float *a = falloc(nact), *g = falloc(ngrad);
	int32_t *iv = BT < SIZE_MAX / 12 ? calloc(3 * BT, sizeof(int32_t)) : NULL;
	if (!a || !g || !iv) {
		free(a);
		free(g);
		free(iv);
		return -1;
	}
	free(m->act);
	free(m->grad);
	free(m->iact);
	m->act = a;
	m->grad = g;
	m->iact = iv;
	m->bmax = B;
	m->tmax = T;

	m->ids = iv, iv += BT;
	m->types = iv, iv += BT;
	m->posids = iv;
	float *p = a;
#define CARVE(ptr, n) ((ptr) = p, p += (n))
	CARVE(m->maskadd, BT);
	CARVE(m->emb_sum, BTC);
	CARVE(m->emb_mean, BT);
	CARVE(m->emb_rstd, BT);
	CARVE(m->emb_mask, BTC);
	CARVE(m->emb_out, BTC);
	CARVE(m->cls, BC);
	CARVE(m->pooled, BC);
	CARVE(m->scratch, BTC);
	for (size_t l = 0; l < L; l++) {
		yj_bert_layer_act *x = &m->la[l];
		CARVE(x->q, BTC);
		CARVE(x->k, BTC);
		CARVE(x->v, BTC);
		CARVE(x->probs, BHTT);
		CARVE(x->probs_drop, BHTT);
		CARVE(x->attn_mask, BHTT);
		CARVE(x->ctx, BTC);
		CARVE(x->ao_mask, BTC);
		CARVE(x->res1, BTC);
		CARVE(x->ln1, BTC);
		CARVE(x->ln1_mean, BT);
		CARVE(x->ln1_rstd, BT);
		CARVE(x->ipre, BTI);
		CARVE(x->iact, BTI);
		CARVE(x->o_mask, BTC);
		CARVE(x->res2, BTC);
		CARVE(x->ln2, BTC);
		CARVE(x->ln2_mean, BT);
		CARVE(x->ln2_rstd, BT);
	}
	p = g;
	CARVE(m->g_x, BTC);
	CARVE(m->g_res, BTC);
	CARVE(m->g_tmp, BTC);
	CARVE(m->g_ctx, BTC);
	CARVE(m->g_q, BTC);
	CARVE(m->g_k, BTC);
	CARVE(m->g_v, BTC);
	CARVE(m->d_last, BTC);
	CARVE(m->g_i1, BTI);
	CARVE(m->g_i2, BTI);
	CARVE(m->g_att, BHTT);
	CARVE(m->g_cls, 2 * BC);
#undef CARVE
	m->last_hidden = L ? m->la[L - 1].ln2 : m->emb_out;
	m->B = m->T = 0;
	return 0;
}

int bert_mlm_reserve(yj_bert *m, int P)
{
	if (P < 1)
		return -1;
	if (P <= m->pmax)
		return 0;
	size_t C = (size_t)m->cfg.hidden, V = (size_t)m->cfg.vocab_size, n = (size_t)P;
	size_t PC = mul(n, C);
	size_t total = add(add(mul(8, PC), mul(2, n)), mul(n, V));
	float *a = falloc(total);
	int32_t *pos = calloc(n, sizeof *pos);
	if (!a || !pos) {
		free(a);
		free(pos);
		return -1;
	}
	free(m->mact);
	free(m->mpos);
	m->mact = a;
	m->mpos = pos;
	m->pmax = P;
	float *p = a;
#define CARVE(ptr, k) ((ptr) = p, p += (k))
	CARVE(m->m_in, PC);
	CARVE(m->m_pre, PC);
	CARVE(m->m_act, PC);
	CARVE(m->m_ln, PC);
	CARVE(m->m_mean, n);
	CARVE(m->m_rstd, n);
	CARVE(m->mg_ln, PC);
	CARVE(m->mg_act, PC);
	CARVE(m->mg_pre, PC);
	CARVE(m->mg_in, PC);
	CARVE(m->mlm_logits, mul(n, V));
#undef CARVE
	m->P = 0;
	return 0;
}

/* ---------------------------------------------------------------- threads */

/* OpenBLAS's own extension (declared as in blas.c). */
void openblas_set_num_threads(int num_threads);
int openblas_get_num_threads(void);

/* The passes split their work between nn_threads() parts of one region
 * of the persistent pool (nn/pool.h), each running OpenBLAS at one
 * thread.  Each region is a list of fixed work items
 * (ROW_CHUNK rows of the B*T tokens, one (batch, head) attention block,
 * WGRAD_CHUNK output rows of a weight gradient) handed out by a counter;
 * every output element is written by exactly one item, and the LayerNorm
 * weight gradients are summed per item, then over items in order, so the
 * bits depend neither on the thread count nor on which thread ran what.
 * (OpenBLAS's own threads spin while the caller runs serial code and split
 * the 128x128x64 attention products too finely; this keeps both cores busy
 * from one pass to the next.) */
typedef nn_pool_fn par_fn;

static int par_parts(void)
{
	int n = nn_threads();
	return n < 1 ? 1 : n > PAR_MAX ? PAR_MAX : n;
}

static void par_run(int n, par_fn fn, void *ctx)
{
	nn_pool_run(n, fn, ctx);
}

/* OpenBLAS at one thread for the duration of a pass when the pass makes
 * its own threads; returns what to restore. */
static int blas_enter(int np)
{
	int saved = openblas_get_num_threads();
	if (np > 1 && saved != 1)
		openblas_set_num_threads(1);
	return saved;
}

static void blas_leave(int np, int saved)
{
	if (np > 1 && saved != 1)
		openblas_set_num_threads(saved);
}

/* -------------------------------------------------------------- products */

/* Every matrix product of the model goes through gemm, in the precision
 * the model asks for (bf16: inputs rounded to bfloat16, float32 sums, as
 * torch.autocast(dtype=torch.bfloat16) runs Linear and matmul; float32
 * where the processor has no AVX512_BF16).  LayerNorm, softmax, GELU, the
 * loss and the optimiser stay float32 whatever the precision. */
static void gemm(const yj_bert *m, int ta, int tb, int M, int N, int K, float alpha,
		 const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc)
{
	nn_gemm(nn_precision_effective(m->precision), ta, tb, M, N, K, alpha, A, lda, B, ldb, beta,
		C, ldc);
}

/* linear_forward (torch.nn.functional.linear) in the model's precision:
 * out (B,OUT) = in (B,IN) w^T + b, the bias added in float32. */
static void lin_fwd(const yj_bert *m, float *out, const float *in, const float *w, const float *b,
		    int B, int IN, int OUT, const uint32_t *wp)
{
	if (wp && b) { /* w^T packed (bf16), the bias added as the tiles are stored */
		bf16_gemm_packed_bias(0, B, OUT, IN, in, IN, wp, b, out, OUT);
		return;
	}
	float beta = 0.0f;
	if (b) {
		for (int r = 0; r < B; r++)
			memcpy(out + (size_t)r * OUT, b, (size_t)OUT * sizeof(float));
		beta = 1.0f;
	}
	if (wp) /* w^T packed (bf16) */
		bf16_gemm_packed(0, B, OUT, IN, 1.0f, in, IN, wp, beta, out, OUT);
	else
		gemm(m, 0, 1, B, OUT, IN, 1.0f, in, IN, w, IN, beta, out, OUT);
}

/* The input half of linear_backward: din (B,IN) += dout (B,OUT) w (OUT,IN). */
static void lin_bwd_in(const yj_bert *m, float *din, const float *dout, const float *w, int B,
		       int IN, int OUT, const uint32_t *wp)
{
	if (wp) /* w packed (bf16) */
		bf16_gemm_packed(0, B, IN, OUT, 1.0f, dout, OUT, wp, 1.0f, din, IN);
	else
		gemm(m, 0, 0, B, IN, OUT, 1.0f, dout, OUT, w, IN, 1.0f, din, IN);
}

/* One product split between our threads by rows or columns, OpenBLAS at
 * one thread (the bf16 kernel runs on one thread anyway; in float32 this
 * keeps OpenBLAS's own pool idle through a whole step, so its threads no
 * longer spin in sched_yield between passes).  The split is into
 * WIDE_ITEMS items of rows or columns (a multiple of the bf16 tile),
 * handed out by a counter: a part the loaded machine preempts holds no one
 * up, and every element is summed by one call whose shape depends on the
 * product's shape only.  Each item packs the whole of the operand the
 * split does not cut; when that is large (the decoder's input gradient
 * packs all V x C of the word embeddings) there is one item a part, as
 * before (8 items there took pack_b from 2% to 6% of a pretraining step). */
#define WIDE_ITEMS 8

struct wide {
	const yj_bert *m;
	int ta, tb, M, N, K, lda, ldb, ldc;
	float alpha, beta;
	const float *A, *B;
	float *C;
	int rows, cols; /* of an item */
	atomic_int next;
};

static void wide_part(void *ctx, int part, int np)
{
	struct wide *g = ctx;
	for (int it; (it = atomic_fetch_add_explicit(&g->next, 1, memory_order_relaxed)) >= 0;) {
		if (g->M >= g->N) {
			int i0 = it * g->rows, i1 = i0 + g->rows < g->M ? i0 + g->rows : g->M;
			if (i0 >= g->M)
				return;
			gemm(g->m, g->ta, g->tb, i1 - i0, g->N, g->K, g->alpha,
			     g->ta ? g->A + i0 : g->A + (size_t)i0 * g->lda, g->lda, g->B, g->ldb,
			     g->beta, g->C + (size_t)i0 * g->ldc, g->ldc);
		} else {
			int j0 = it * g->cols, j1 = j0 + g->cols < g->N ? j0 + g->cols : g->N;
			if (j0 >= g->N)
				return;
			gemm(g->m, g->ta, g->tb, g->M, j1 - j0, g->K, g->alpha, g->A, g->lda,
			     g->tb ? g->B + (size_t)j0 * g->ldb : g->B + j0, g->ldb, g->beta,
			     g->C + j0, g->ldc);
		}
	}
}

static void gemm_wide(const yj_bert *m, int ta, int tb, int M, int N, int K, float alpha,
		      const float *A, int lda, const float *B, int ldb, float beta, float *C,
		      int ldc)
{
	int np = par_parts();
	struct wide g = {m, ta, tb, M, N, K, lda, ldb, ldc, alpha, beta, A, B, C, 0, 0, 0};
	/* every item packs the operand the split does not cut: past 2^20
	 * values (the decoder's d m_ln = d_logits W, K = V) one item a part */
	double shared = M >= N ? (double)K * N : (double)M * K;
	int items = shared > (double)(1 << 20) ? np : WIDE_ITEMS;
	g.rows = ((M + items - 1) / items + 15) / 16 * 16;
	g.cols = ((N + items - 1) / items + 31) / 32 * 32;
	atomic_store(&g.next, 0);
	int saved = blas_enter(np);
	par_run(np, wide_part, &g);
	blas_leave(np, saved);
}

/* ------------------------------------------------- elementwise, vectorised */

/* The loops below run in blocks of VB through local copies (no aliasing),
 * which gcc -O2 vectorises, one copy per instruction set (YJ_SIMD_CLONES);
 * every element gets the same operations as the plain loop, so the bits
 * are those of the scalar code, whatever the block or copy. */
#define VB 16

/* dst[i] = a[i] * b[i] (mul) or a[i] + b[i]; dst may be a or b */
YJ_SIMD_CLONES
static void vec_op(float *dst, const float *a, const float *b, size_t n, int mul)
{
	size_t i = 0;
	for (; i + VB <= n; i += VB) {
		float x[VB], y[VB];
		memcpy(x, a + i, sizeof x);
		memcpy(y, b + i, sizeof y);
		if (mul)
			for (int l = 0; l < VB; l++)
				x[l] *= y[l];
		else
			for (int l = 0; l < VB; l++)
				x[l] += y[l];
		memcpy(dst + i, x, sizeof x);
	}
	for (; i < n; i++)
		dst[i] = mul ? a[i] * b[i] : a[i] + b[i];
}

static void vec_add(float *dst, const float *a, const float *b, size_t n)
{
	vec_op(dst, a, b, n, 0);
}

static void vec_mul(float *dst, const float *a, const float *b, size_t n)
{
	vec_op(dst, a, b, n, 1);
}

/* torch.softmax(row + madd, dim=-1) in place over n keys: the scores
 * plus the mask, their maximum (16 lanes, then across: a maximum does not
 * depend on the order), exp_shift_sum, the scaling by 1/sum. */
YJ_SIMD_CLONES
static void softmax_masked_row(float *row, const float *madd, int n)
{
	float mx = -INFINITY;
	int j = 0;
	if (n >= VB) {
		float m[VB];
		for (int l = 0; l < VB; l++)
			m[l] = -INFINITY;
		for (; j + VB <= n; j += VB) {
			float x[VB], y[VB];
			memcpy(x, row + j, sizeof x);
			memcpy(y, madd + j, sizeof y);
			for (int l = 0; l < VB; l++) {
				x[l] += y[l];
				m[l] = x[l] > m[l] ? x[l] : m[l];
			}
			memcpy(row + j, x, sizeof x);
		}
		for (int l = 0; l < VB; l++)
			mx = m[l] > mx ? m[l] : mx;
	}
	for (; j < n; j++) {
		row[j] += madd[j];
		mx = row[j] > mx ? row[j] : mx;
	}
	double sum = exp_shift_sum(row, (size_t)n, mx);
	float inv = (float)(1.0 / sum);
	j = 0;
	for (; j + VB <= n; j += VB) {
		float x[VB];
		memcpy(x, row + j, sizeof x);
		for (int l = 0; l < VB; l++)
			x[l] *= inv;
		memcpy(row + j, x, sizeof x);
	}
	for (; j < n; j++)
		row[j] *= inv;
}

/* g[j] = p[j] (g[j] - d): softmax's backward once the row's dot d is known */
YJ_SIMD_CLONES
static void softmax_back_row(float *g, const float *p, float d, int n)
{
	int j = 0;
	for (; j + VB <= n; j += VB) {
		float x[VB], y[VB];
		memcpy(x, g + j, sizeof x);
		memcpy(y, p + j, sizeof y);
		for (int l = 0; l < VB; l++)
			x[l] = y[l] * (x[l] - d);
		memcpy(g + j, x, sizeof x);
	}
	for (; j < n; j++)
		g[j] = p[j] * (g[j] - d);
}

/* An independent dropout stream per row (or per attention block) idx of
 * one call: seeded from one draw of the model's stream and the index, so
 * the masks do not depend on which thread draws them. */
static void sub_rng(yj_rng *r, uint64_t s, size_t idx)
{
	rng_seed(r, s ^ ((uint64_t)idx * 0x9E3779B97F4A7C15ULL + 0x632BE59BD9B4E019ULL));
}

/* dropout_forward, the same draws and bits, faster: the numbers come in
 * blocks (rng_fill_u64) and the test rng_uniform < p is done on the
 * integers: u = (x >> 11) 2^-53 < p  <=>  x >> 11 < ceil(p 2^53), both
 * sides exact in double. */
#define DROP_BLOCK 64

YJ_SIMD_CLONES
static void drop_fast(float *out, float *mask, const float *in, size_t n, float p, yj_rng *rng)
{
	if (!(p > 0.0f && p < 1.0f)) {
		dropout_forward(out, mask, in, n, p, rng);
		return;
	}
	const float scale = 1.0f / (1.0f - p);
	const uint64_t thr = (uint64_t)ceil((double)p * 0x1p53);
	uint32_t sb; /* the mask is scale's bits where kept, +0 where dropped */
	memcpy(&sb, &scale, sizeof sb);
	uint64_t x[DROP_BLOCK];
	size_t i = 0;
	/* whole blocks: no branch on the draws (a tenth of them mispredicted) */
	for (; i + DROP_BLOCK <= n; i += DROP_BLOCK) {
		rng_fill_u64(rng, x, DROP_BLOCK);
		uint32_t mb[DROP_BLOCK];
		float v[DROP_BLOCK], mk[DROP_BLOCK];
		for (int j = 0; j < DROP_BLOCK; j++)
			mb[j] = sb & ((uint32_t)0 - (uint32_t)((x[j] >> 11) >= thr));
		memcpy(mk, mb, sizeof mk);
		memcpy(v, in + i, sizeof v);
		for (int j = 0; j < DROP_BLOCK; j++)
			v[j] *= mk[j];
		memcpy(mask + i, mk, sizeof mk);
		memcpy(out + i, v, sizeof v);
	}
	size_t k = n - i;
	rng_fill_u64(rng, x, k);
	for (size_t j = 0; j < k; j++) {
		float mk = (x[j] >> 11) < thr ? 0.0f : scale;
		mask[i + j] = mk;
		out[i + j] = in[i + j] * mk;
	}
}

/* dropout_forward over rows [lo, hi) of width C, in place, one stream per row. */
static void drop_rows(float *x, float *mask, size_t lo, size_t hi, size_t C, float p,
		      uint64_t s)
{
	for (size_t r = lo; r < hi; r++) {
		yj_rng lr;
		sub_rng(&lr, s, r);
		drop_fast(x + r * C, mask + r * C, x + r * C, C, p, &lr);
	}
}

/* The weight half of linear_backward for output rows [o0, o1):
 * dw (OUT,IN) += dout^T in, db += column sums of dout; dout (N,OUT), in (N,IN). */
static void wgrad_rows(const yj_bert *m, float *dw, float *db, const float *dout, const float *in,
		       int N, int IN, int OUT, size_t o0, size_t o1)
{
	if (o1 <= o0)
		return;
	gemm(m, 1, 0, (int)(o1 - o0), IN, N, 1.0f, dout + o0, OUT, in, IN, 1.0f, dw + o0 * IN,
		 IN);
	/* blocks of 16 read into a local first: the update loop then reads
	 * nothing db may alias, and gcc vectorises it (the same sums, in row
	 * order; a scalar loop here was 3% of a bf16 training step) */
	for (int r = 0; r < N; r++) {
		const float *g = dout + (size_t)r * OUT;
		size_t o = o0;
		for (; o + 16 <= o1; o += 16) {
			float t[16];
			memcpy(t, g + o, sizeof t);
			for (int l = 0; l < 16; l++)
				db[o + l] += t[l];
		}
		for (; o < o1; o++)
			db[o] += g[o];
	}
}

/* -------------------------------------------------------------- attention */

/* Multi-head scaled dot-product attention of one layer (BertSelfAttention,
 * eager):  for every batch b and head h, with Q, K, V the head's (T,D)
 * columns of q, k, v,
 *   S = Q K^T / sqrt(D) + maskadd[b]        (the extended attention mask,
 *                                            (1 - mask) * finfo.min, per key)
 *   P = softmax(S) (torch.softmax, dim=-1), Pd = dropout(P)
 *   ctx = Pd V.
 * maskadd holds exactly 0 or -FLT_MAX: a masked score rounds to -FLT_MAX
 * and its probability to exactly 0, unless every key of the row is masked,
 * when all are equal and the row is uniform, as in PyTorch.
 * One (batch, head) block blk = b*H + h; its dropout stream is sub_rng(s, blk). */
static void attention_forward_block(yj_bert *m, yj_bert_layer_act *a, int T, size_t blk,
				    int drop, uint64_t s)
{
	const int C = m->cfg.hidden, H = m->cfg.heads, D = C / H;
	const float scale = 1.0f / sqrtf((float)D);
	const size_t TT = (size_t)T * (size_t)T;
	const size_t b = blk / (size_t)H, h = blk % (size_t)H;
	const float *madd = m->maskadd + b * T;
	size_t off = b * T * C + h * D;
	float *P = a->probs + blk * TT;
	gemm(m, 0, 1, T, T, D, scale, a->q + off, C, a->k + off, C, 0.0f, P, T);
	for (int i = 0; i < T; i++)
		softmax_masked_row(P + (size_t)i * T, madd, T);
	const float *Pd = P;
	if (drop) {
		yj_rng lr;
		sub_rng(&lr, s, blk);
		float *pd = a->probs_drop + blk * TT;
		drop_fast(pd, a->attn_mask + blk * TT, P, TT, m->cfg.attn_drop, &lr);
		Pd = pd;
	}
	gemm(m, 0, 0, T, D, T, 1.0f, Pd, T, a->v + off, C, 0.0f, a->ctx + off, C);
}

/* Its backward for one block, given dctx (B,T,C); accumulates into dq, dk,
 * dv (B,T,C):
 *   dPd = dctx V^T,  dV += Pd^T dctx,  dP = dPd * dropout mask
 *   dS = P (dP - rowsum(dP P))              (softmax backward)
 *   dQ += dS K / sqrt(D),  dK += dS^T Q / sqrt(D). */
static void attention_backward_block(yj_bert *m, const yj_bert_layer_act *a, const float *dctx,
				     float *dq, float *dk, float *dv, int T, size_t blk, int drop)
{
	const int C = m->cfg.hidden, H = m->cfg.heads, D = C / H;
	const float scale = 1.0f / sqrtf((float)D);
	const size_t TT = (size_t)T * (size_t)T;
	const size_t b = blk / (size_t)H, h = blk % (size_t)H;
	size_t off = b * T * C + h * D, o = blk * TT;
	const float *P = a->probs + o;
	const float *Pd = drop ? a->probs_drop + o : P;
	float *dP = m->g_att + o;
	gemm(m, 0, 1, T, T, D, 1.0f, dctx + off, C, a->v + off, C, 0.0f, dP, T);
	gemm(m, 1, 0, T, D, T, 1.0f, Pd, T, dctx + off, C, 1.0f, dv + off, C);
	if (drop)
		vec_mul(dP, dP, a->attn_mask + o, TT);
	for (int i = 0; i < T; i++) {
		float *g = dP + (size_t)i * T;
		const float *p = P + (size_t)i * T;
		double dot = 0.0;
		for (int j = 0; j < T; j++)
			dot += (double)g[j] * p[j];
		softmax_back_row(g, p, (float)dot, T);
	}
	gemm(m, 0, 0, T, D, T, scale, dP, T, a->k + off, C, 1.0f, dq + off, C);
	gemm(m, 1, 0, T, D, T, scale, dP, T, a->q + off, C, 1.0f, dk + off, C);
}

/* ---------------------------------------------------------------- forward */

/* One pass's shared state for its parallel parts. */
struct pass {
	yj_bert *m;
	int B, T, l;
	int hdrop, adrop;
	const float *x;		  /* the layer's input (B,T,C) */
	uint64_t s0, s1, s2;	  /* dropout streams of this call */
	float *g_ao, *lnpart;	  /* backward: d(ao dense out) (B,T,C); LN partials */
	size_t rows;		  /* rows of an item of fwd_qkv and fwd_rest (fwd_rows) */
	atomic_size_t next;	  /* the next work item of a dynamic region */
};

/* Dynamic regions hand out fixed work items (ROW_CHUNK rows, one (batch,
 * head) block, WGRAD_CHUNK rows of a weight gradient) from a counter:
 * which thread computes an item does not change its bits, and a thread the
 * shared machine preempts holds no one up. */

static size_t next_item(struct pass *c)
{
	return atomic_fetch_add_explicit(&c->next, 1, memory_order_relaxed);
}

static void row_chunk(size_t BT, size_t it, size_t *lo, size_t *hi)
{
	*lo = it * ROW_CHUNK;
	*hi = *lo + ROW_CHUNK < BT ? *lo + ROW_CHUNK : BT;
}

/* Rows of an item of the forward's q, k, v and rest regions: in float32
 * each item's products pack the whole of every weight they use (OpenBLAS
 * repacks its M operand, here W^T, for every call: sgemm_incopy went from
 * 7.9% to 1.5% of an inference pass at 1 thread), so the fewest items that
 * still give every part FWD_ITEMS_PER_PART of them (whole multiples of 16
 * rows, at least ROW_CHUNK); two a part, as one left a part the loaded
 * machine preempted holding the other up (2 threads: 5.8-8.2k tokens/s
 * against 9.2-11.2k).  An item's rows are computed as by any other split:
 * row by row, the same bits. */
#define FWD_ITEMS_PER_PART 2

static size_t fwd_rows(size_t BT, int np)
{
	size_t k = (size_t)np * FWD_ITEMS_PER_PART;
	size_t r = ((BT + k - 1) / k + 15) / 16 * 16;
	return r < ROW_CHUNK ? ROW_CHUNK : r;
}

static void par_run_dyn(int n, par_fn fn, struct pass *c)
{
	atomic_store(&c->next, 0);
	par_run(n, fn, c);
}

/* ------------------------------------------------------ packed weights */

/* The six weight matrices of a layer, in slot order, and their sizes. */
static long slot_ix(const yj_bert_layer_ix *x, int s)
{
	const long v[6] = {x->q_w, x->k_w, x->v_w, x->ao_w, x->i_w, x->o_w};
	return v[s];
}

static void slot_dims(const yj_bert *m, int s, int *IN, int *OUT)
{
	*IN = s == 5 ? m->cfg.intermediate : m->cfg.hidden;
	*OUT = s == 4 ? m->cfg.intermediate : m->cfg.hidden;
}

/* Room for both packed forms of every layer; 0, or -1 (then the passes
 * run unpacked). */
static int wpack_reserve(yj_bert *m)
{
	size_t n = 0;
	for (int l = 0; l < m->cfg.layers; l++)
		for (int s = 0; s < 12; s++) {
			int IN, OUT;
			slot_dims(m, s % 6, &IN, &OUT);
			m->wpk[l][s] = n;
			n += s < 6 ? bf16_packed_words(IN, OUT) : bf16_packed_words(OUT, IN);
		}
	if (n <= m->wpack_n)
		return 0;
	uint32_t *w = n < SIZE_MAX / sizeof *w ? malloc(n * sizeof *w) : NULL;
	if (!w)
		return -1;
	free(m->wpack);
	m->wpack = w;
	m->wpack_n = n;
	return 0;
}

/* Items: (layer, slot) pairs; c->l = 0 packs the forward forms (op(B) =
 * W^T: K = IN, N = OUT), 1 the backward ones (op(B) = W: K = OUT, N = IN). */
static void pack_part(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const size_t n = (size_t)m->cfg.layers * 6;
	for (size_t it; (it = next_item(c)) < n;) {
		int l = (int)(it / 6), s = (int)(it % 6), IN, OUT;
		slot_dims(m, s, &IN, &OUT);
		const float *w = params_data(&m->ps, slot_ix(&m->L[l], s));
		if (!c->l)
			bf16_pack_b(m->wpack + m->wpk[l][s], 1, IN, OUT, w, IN);
		else
			bf16_pack_b(m->wpack + m->wpk[l][6 + s], 0, OUT, IN, w, IN);
	}
}

/* Pack one form of every layer's weights when the model runs bf16; sets
 * wpack_fwd / wpack_bwd. */
static void wpack_now(yj_bert *m, int np, int back)
{
	int *live = back ? &m->wpack_bwd : &m->wpack_fwd;
	*live = 0;
	if (nn_precision_effective(m->precision) != NN_BF16 || !m->cfg.layers || wpack_reserve(m))
		return;
	struct pass pc = {.m = m, .l = back};
	par_run_dyn(np, pack_part, &pc);
	*live = 1;
}

/* Layer l's packed slot s (0-5) in the forward or backward form, or NULL. */
static const uint32_t *wpk(const yj_bert *m, int l, int s, int back)
{
	if (back ? !m->wpack_bwd : !m->wpack_fwd)
		return NULL;
	return m->wpack + m->wpk[l][back ? 6 + s : s];
}

#define PD(i) params_data(&m->ps, ix->i)
#define PG(i) params_grad(&m->ps, ix->i)

/* Embeddings over rows: word + token_type, then + position; LayerNorm;
 * dropout. */
static void fwd_embed(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const int C = m->cfg.hidden;
	yj_params *ps = &m->ps;
	const float *W = params_data(ps, m->word), *Pe = params_data(ps, m->pos),
		    *Te = params_data(ps, m->type);
	size_t lo, hi, BT = (size_t)c->B * c->T;
	for (size_t it; (it = next_item(c)) * ROW_CHUNK < BT;) {
		row_chunk(BT, it, &lo, &hi);
		for (size_t r = lo; r < hi; r++) {
			const float *w = W + (size_t)m->ids[r] * C,
				    *t = Te + (size_t)m->types[r] * C,
				    *p = Pe + (size_t)m->posids[r] * C;
			float *e = m->emb_sum + r * C; /* (w + t) + p, vectorised */
			vec_add(e, w, t, (size_t)C);
			vec_add(e, e, p, (size_t)C);
		}
		layernorm_forward(m->emb_out + lo * C, m->emb_mean + lo, m->emb_rstd + lo,
				  m->emb_sum + lo * C, params_data(ps, m->eln_w),
				  params_data(ps, m->eln_b), (int)(hi - lo), C, m->cfg.ln_eps);
		if (c->hdrop)
			drop_rows(m->emb_out, m->emb_mask, lo, hi, C, m->cfg.hidden_drop, c->s0);
	}
}

/* BertSelfAttention's q, k, v projections of rows [lo, hi). */
static void qkv_rows(struct pass *c, size_t lo, size_t hi)
{
	yj_bert *m = c->m;
	const yj_bert_layer_ix *ix = &m->L[c->l];
	yj_bert_layer_act *a = &m->la[c->l];
	const int C = m->cfg.hidden, n = (int)(hi - lo);
	const float *x = c->x + lo * C;
	if (wpk(m, c->l, 0, 0)) { /* bf16: x rounded once for the three */
		const uint32_t *wp[3] = {wpk(m, c->l, 0, 0), wpk(m, c->l, 1, 0), wpk(m, c->l, 2, 0)};
		const float *bs[3] = {PD(q_b), PD(k_b), PD(v_b)};
		float *out[3] = {a->q + lo * C, a->k + lo * C, a->v + lo * C};
		bf16_gemm_packed_bias_n(3, n, C, C, x, C, wp, bs, out, C);
		return;
	}
	lin_fwd(m, a->q + lo * C, x, PD(q_w), PD(q_b), n, C, C, NULL);
	lin_fwd(m, a->k + lo * C, x, PD(k_w), PD(k_b), n, C, C, NULL);
	lin_fwd(m, a->v + lo * C, x, PD(v_w), PD(v_b), n, C, C, NULL);
}

/* The items of a forward region over rows: c->rows of them at a time. */
static void rows_items(struct pass *c, void (*fn)(struct pass *, size_t, size_t))
{
	size_t BT = (size_t)c->B * c->T;
	for (size_t lo; (lo = next_item(c) * c->rows) < BT;)
		fn(c, lo, lo + c->rows < BT ? lo + c->rows : BT);
}

static void fwd_qkv(void *ctx, int part, int np)
{
	(void)part, (void)np;
	rows_items(ctx, qkv_rows);
}

static void fwd_attn(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	size_t nblk = (size_t)c->B * m->cfg.heads;
	for (size_t blk; (blk = next_item(c)) < nblk;)
		attention_forward_block(m, &m->la[c->l], c->T, blk, c->adrop, c->s0);
}

/* The rest of the layer over rows:
 *   res1 = dropout(dense(ctx)) + x, ln1 = LayerNorm(res1)    (BertSelfOutput)
 *   iact = GELU(dense(ln1))      (BertIntermediate; torch.nn.functional.gelu, erf)
 *   res2 = dropout(dense(iact)) + ln1, ln2 = LayerNorm(res2) (BertOutput) */
static void rest_rows(struct pass *c, size_t lo, size_t hi)
{
	yj_bert *m = c->m;
	const yj_bert_cfg *cf = &m->cfg;
	const yj_bert_layer_ix *ix = &m->L[c->l];
	yj_bert_layer_act *a = &m->la[c->l];
	const size_t C = (size_t)cf->hidden, I = (size_t)cf->intermediate;
	int n = (int)(hi - lo);
	size_t R = lo * C, nC = (size_t)n * C;
	float *tmp = m->scratch + R;
	const uint32_t *w3 = wpk(m, c->l, 3, 0);
	/* float32 inference: the products x W^T over C inputs stored without
	 * their bias, then bias (and GELU, or the residual) added row by row
	 * while the rows are in cache: the bits of the bias rows copied into
	 * the product's C first, as OpenBLAS sums K <= EPI_K_MAX in one block
	 * (every x86-64 kernel: 320 or more), instead of three passes */
	const int infer = !m->train && m->no_grad; /* no dropout, no backward after */
	int epi = infer && !w3 && C <= EPI_K_MAX && nn_precision_effective(m->precision) == NN_FP32;
	if (epi) {
		gemm(m, 0, 1, n, (int)C, (int)C, 1.0f, a->ctx + R, (int)C, PD(ao_w), (int)C, 0.0f,
		     a->res1 + R, (int)C);
		bias_res_rows(a->res1 + R, PD(ao_b), c->x + R, (size_t)n, C);
	} else if (c->hdrop || !w3 ||
	    bf16_gemm_packed_bias_res(n, (int)C, (int)C, a->ctx + R, (int)C, w3, PD(ao_b), c->x + R, (int)C,
				      a->res1 + R, (int)C)) {
		lin_fwd(m, tmp, a->ctx + R, PD(ao_w), PD(ao_b), n, (int)C, (int)C, w3);
		if (c->hdrop)
			drop_rows(m->scratch, a->ao_mask, lo, hi, C, cf->hidden_drop, c->s1);
		vec_add(a->res1 + R, tmp, c->x + R, nC);
	}
	layernorm_forward(a->ln1 + R, a->ln1_mean + lo, a->ln1_rstd + lo, a->res1 + R,
			  PD(aln_w), PD(aln_b), n, (int)C, cf->ln_eps);
	const uint32_t *w4 = wpk(m, c->l, 4, 0), *w5 = wpk(m, c->l, 5, 0);
	/* inference in bf16: GELU(dense(ln1)) kept only as the bfloat16
	 * values the next product reads, in ipre's room (same bits) */
	uint16_t *i16 = (uint16_t *)(void *)(a->ipre + lo * I);
	int ld16 = (int)(I + (I & 1));
	/* (no dropout there: the residual added as the product is stored) */
	if (!(infer && w4 && w5 &&
	      !bf16_gemm_packed_bias_gelu16(n, (int)I, (int)C, a->ln1 + R, (int)C, w4, PD(i_b), i16,
					    ld16) &&
	      !bf16_gemm_packed_bias_a16(n, (int)C, (int)I, i16, ld16, w5, PD(o_b), a->ln1 + R, (int)C,
					 a->res2 + R, (int)C))) {
		float *act = a->iact + lo * I;
		if (epi) { /* GELU in place: no backward reads ipre */
			act = a->ipre + lo * I;
			gemm(m, 0, 1, n, (int)I, (int)C, 1.0f, a->ln1 + R, (int)C, PD(i_w), (int)C,
			     0.0f, act, (int)I);
			bias_gelu_rows(act, PD(i_b), (size_t)n, I);
		} else {
			lin_fwd(m, a->ipre + lo * I, a->ln1 + R, PD(i_w), PD(i_b), n, (int)C, (int)I,
				w4);
			gelu_forward(act, a->ipre + lo * I, (size_t)n * I);
		}
		lin_fwd(m, tmp, act, PD(o_w), PD(o_b), n, (int)I, (int)C, w5);
		if (c->hdrop)
			drop_rows(m->scratch, a->o_mask, lo, hi, C, cf->hidden_drop, c->s2);
		vec_add(a->res2 + R, tmp, a->ln1 + R, nC);
	}
	layernorm_forward(a->ln2 + R, a->ln2_mean + lo, a->ln2_rstd + lo, a->res2 + R,
			  PD(oln_w), PD(oln_b), n, (int)C, cf->ln_eps);
}

static void fwd_rest(void *ctx, int part, int np)
{
	(void)part, (void)np;
	rows_items(ctx, rest_rows);
}

/* A whole layer, one sequence an item (when there are enough of them):
 * its q, k, v, the attention of its heads and the rest, while its rows
 * are in cache, with one fork and join a layer instead of three.  Every
 * row and (batch, head) block gets the computation of the three regions
 * above (products row by row, dropout streams by row and block): the
 * same bits. */
static void fwd_layer(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const size_t T = (size_t)c->T, H = (size_t)m->cfg.heads;
	for (size_t b; (b = next_item(c)) < (size_t)c->B;) {
		qkv_rows(c, b * T, (b + 1) * T);
		for (size_t h = 0; h < H; h++)
			attention_forward_block(m, &m->la[c->l], c->T, b * H + h, c->adrop, c->s0);
		rest_rows(c, b * T, (b + 1) * T);
	}
}

yj_status bert_forward(yj_bert *m, const int32_t *ids, const int32_t *types, const int32_t *mask,
		       int B, int T, int train, yj_error *err)
{
	const yj_bert_cfg *c = &m->cfg;
	if (B < 1 || T < 1 || B > m->bmax || T > m->tmax)
		return error_set(err, YJ_EUSAGE,
				 "a batch of %d x %d tokens does not fit the %d x %d reserved", B,
				 T, m->bmax, m->tmax);
	/* Validate every id before anything is computed. */
	size_t BT = (size_t)B * (size_t)T;
	for (size_t r = 0; r < BT; r++) {
		if (ids[r] < 0 || ids[r] >= c->vocab_size) {
			error_set(err, YJ_EDATA,
				  "token id %d at row %zu, position %zu is not in [0, %d)", ids[r],
				  r / (size_t)T, r % (size_t)T, c->vocab_size);
			return YJ_EDATA;
		}
		if (types && (types[r] < 0 || types[r] >= c->type_vocab)) {
			error_set(err, YJ_EDATA,
				  "token type %d at row %zu, position %zu is not in [0, %d)",
				  types[r], r / (size_t)T, r % (size_t)T, c->type_vocab);
			return YJ_EDATA;
		}
	}
	const int C = c->hidden;
	yj_params *ps = &m->ps;
	m->B = B;
	m->T = T;
	m->train = train;
	int hdrop = train && c->hidden_drop > 0.0f, adrop = train && c->attn_drop > 0.0f;
	int np = par_parts(), saved = blas_enter(np);

	/* The saved ids feed the backward pass. */
	for (size_t r = 0; r < BT; r++) {
		m->ids[r] = ids[r];
		m->types[r] = types ? types[r] : 0;
		m->posids[r] = (int32_t)(r % (size_t)T);
		m->maskadd[r] = (!mask || mask[r]) ? 0.0f : -FLT_MAX;
	}
	wpack_now(m, np, 0);
	struct pass pc = {.m = m, .B = B, .T = T, .hdrop = hdrop, .adrop = adrop,
			  .rows = fwd_rows(BT, np)};
	pc.s0 = hdrop ? rng_u64(&m->rng) : 0;
	par_run_dyn(np, fwd_embed, &pc);

	const float *x = m->emb_out;
	/* bf16 (float32 products ran slower on 128 rows than on 256), enough
	 * sequences, whole strips of the kernel's 8 rows */
	int by_seq = m->wpack_fwd && B >= LAYER_ITEMS_MIN * np && T >= 32 && T % 8 == 0;
	for (int l = 0; l < c->layers; l++) {
		pc.l = l;
		pc.x = x;
		if (by_seq) { /* one region: the streams drawn first, in the same order */
			pc.s0 = adrop ? rng_u64(&m->rng) : 0;
			pc.s1 = hdrop ? rng_u64(&m->rng) : 0;
			pc.s2 = hdrop ? rng_u64(&m->rng) : 0;
			par_run_dyn(np, fwd_layer, &pc);
		} else {
			par_run_dyn(np, fwd_qkv, &pc);
			pc.s0 = adrop ? rng_u64(&m->rng) : 0;
			par_run_dyn(np, fwd_attn, &pc);
			pc.s1 = hdrop ? rng_u64(&m->rng) : 0;
			pc.s2 = hdrop ? rng_u64(&m->rng) : 0;
			par_run_dyn(np, fwd_rest, &pc);
		}
		x = m->la[l].ln2;
	}
	m->last_hidden = (float *)x;

	/* BertPooler: tanh(dense(h[:, 0])) */
	for (int b = 0; b < B; b++)
		memcpy(m->cls + (size_t)b * C, x + (size_t)b * T * C, (size_t)C * sizeof(float));
	lin_fwd(m, m->pooled, m->cls, params_data(ps, m->pool_w), params_data(ps, m->pool_b),
		       B, C, C, NULL);
	tanh_forward(m->pooled, m->pooled, (size_t)B * C);
	blas_leave(np, saved);
	return YJ_OK;
}

/* --------------------------------------------------------------- backward */

/* dst = src * mask when dropout was on, else a copy. */
static void drop_back(float *dst, const float *src, const float *mask, size_t n, int drop)
{
	if (drop)
		vec_mul(dst, src, mask, n);
	else
		memcpy(dst, src, n * sizeof(float));
}

/* Everything of a layer's backward that is row-local, by items of rows:
 * g_x = d ln2 in, g_x = d x (the residual part) out, plus g_tmp = d(o
 * dense out), g_i2 = d ipre, g_ao = d(ao dense out), g_ctx; g_q, g_k, g_v
 * zeroed.  The LayerNorm weight gradients go to the item's partials
 * (4 C: oln_w, oln_b, aln_w, aln_b), summed in item order by the caller. */
static void bwd_rows(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const yj_bert_layer_ix *ix = &m->L[c->l];
	const yj_bert_layer_act *a = &m->la[c->l];
	const size_t C = (size_t)m->cfg.hidden, I = (size_t)m->cfg.intermediate;
	size_t lo, hi, BT = (size_t)c->B * c->T;
	for (size_t it; (it = next_item(c)) * ROW_CHUNK < BT;) {
		row_chunk(BT, it, &lo, &hi);
		float *lw = c->lnpart + it * 4 * C;
		memset(lw, 0, 4 * C * sizeof(float));
		int n = (int)(hi - lo);
		size_t R = lo * C, nC = (size_t)n * C, RI = lo * I, nI = (size_t)n * I;
		/* output LayerNorm: g_x = d ln2 -> g_res = d res2 */
		memset(m->g_res + R, 0, nC * sizeof(float));
		layernorm_backward(m->g_res + R, lw, lw + C, m->g_x + R, a->res2 + R,
				   a->ln2_mean + lo, a->ln2_rstd + lo, PD(oln_w), n, (int)C);
		/* res2 = dropout(dense(iact)) + ln1: the residual goes to d ln1 */
		memcpy(m->g_x + R, m->g_res + R, nC * sizeof(float));
		drop_back(m->g_tmp + R, m->g_res + R, a->o_mask + R, nC, c->hdrop);
		memset(m->g_i1 + RI, 0, nI * sizeof(float));
		lin_bwd_in(m, m->g_i1 + RI, m->g_tmp + R, PD(o_w), n, (int)I, (int)C, wpk(m, c->l, 5, 1));
		memset(m->g_i2 + RI, 0, nI * sizeof(float));
		gelu_backward(m->g_i2 + RI, m->g_i1 + RI, a->ipre + RI, nI);
		lin_bwd_in(m, m->g_x + R, m->g_i2 + RI, PD(i_w), n, (int)C, (int)I, wpk(m, c->l, 4, 1));
		/* attention output LayerNorm: g_x = d ln1 -> g_res = d res1 */
		memset(m->g_res + R, 0, nC * sizeof(float));
		layernorm_backward(m->g_res + R, lw + 2 * C, lw + 3 * C, m->g_x + R, a->res1 + R,
				   a->ln1_mean + lo, a->ln1_rstd + lo, PD(aln_w), n, (int)C);
		/* res1 = dropout(dense(ctx)) + x */
		memcpy(m->g_x + R, m->g_res + R, nC * sizeof(float));
		drop_back(c->g_ao + R, m->g_res + R, a->ao_mask + R, nC, c->hdrop);
		memset(m->g_ctx + R, 0, nC * sizeof(float));
		lin_bwd_in(m, m->g_ctx + R, c->g_ao + R, PD(ao_w), n, (int)C, (int)C, wpk(m, c->l, 3, 1));
		memset(m->g_q + R, 0, nC * sizeof(float));
		memset(m->g_k + R, 0, nC * sizeof(float));
		memset(m->g_v + R, 0, nC * sizeof(float));
	}
}

/* The dense weights' gradients (items of output rows) and the attention
 * backward (items of (batch, head) blocks): independent of one another. */
static void bwd_weights_attn(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const yj_bert_layer_ix *ix = &m->L[c->l];
	const yj_bert_layer_act *a = &m->la[c->l];
	const int C = m->cfg.hidden, I = m->cfg.intermediate, BT = c->B * c->T;
	/* items: o_w's output rows, i_w's, ao_w's (the big ones first), then
	 * the (batch, head) blocks */
	const size_t WG = WGRAD_CHUNK;
	const size_t wc = ((size_t)C + WG - 1) / WG, wi = ((size_t)I + WG - 1) / WG,
		     nblk = (size_t)c->B * m->cfg.heads;
	for (size_t it; (it = next_item(c)) < wc + wi + wc + nblk;) {
		size_t o0 = it * WG;
		if (it < wc) {
			wgrad_rows(m, PG(o_w), PG(o_b), m->g_tmp, a->iact, BT, I, C, o0,
				   o0 + WG < (size_t)C ? o0 + WG : (size_t)C);
		} else if ((it -= wc) < wi) {
			o0 = it * WG;
			wgrad_rows(m, PG(i_w), PG(i_b), m->g_i2, a->ln1, BT, C, I, o0,
				   o0 + WG < (size_t)I ? o0 + WG : (size_t)I);
		} else if ((it -= wi) < wc) {
			o0 = it * WG;
			wgrad_rows(m, PG(ao_w), PG(ao_b), c->g_ao, a->ctx, BT, C, C, o0,
				   o0 + WG < (size_t)C ? o0 + WG : (size_t)C);
		} else {
			attention_backward_block(m, a, m->g_ctx, m->g_q, m->g_k, m->g_v, c->T,
						 it - wc, c->adrop);
		}
	}
}

/* d x += dq Wq + dk Wk + dv Wv over rows, and the q, k, v weight gradients. */
static void bwd_qkv(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const yj_bert_layer_ix *ix = &m->L[c->l];
	const int C = m->cfg.hidden, BT = c->B * c->T;
	/* items: the weight gradients of q, k, v by output rows, then rows */
	const size_t WG = WGRAD_CHUNK;
	const size_t wc = ((size_t)C + WG - 1) / WG,
		     nrow = ((size_t)BT + ROW_CHUNK - 1) / ROW_CHUNK;
	for (size_t it; (it = next_item(c)) < 3 * wc + nrow;) {
		if (it < 3 * wc) {
			size_t o0 = (it % wc) * WG,
			       o1 = o0 + WG < (size_t)C ? o0 + WG : (size_t)C;
			if (it < wc)
				wgrad_rows(m, PG(q_w), PG(q_b), m->g_q, c->x, BT, C, C, o0, o1);
			else if (it < 2 * wc)
				wgrad_rows(m, PG(k_w), PG(k_b), m->g_k, c->x, BT, C, C, o0, o1);
			else
				wgrad_rows(m, PG(v_w), PG(v_b), m->g_v, c->x, BT, C, C, o0, o1);
			continue;
		}
		size_t lo, hi;
		row_chunk((size_t)BT, it - 3 * wc, &lo, &hi);
		int n = (int)(hi - lo);
		size_t R = lo * C;
		lin_bwd_in(m, m->g_x + R, m->g_q + R, PD(q_w), n, C, C, wpk(m, c->l, 0, 1));
		lin_bwd_in(m, m->g_x + R, m->g_k + R, PD(k_w), n, C, C, wpk(m, c->l, 1, 1));
		lin_bwd_in(m, m->g_x + R, m->g_v + R, PD(v_w), n, C, C, wpk(m, c->l, 2, 1));
	}
}

/* Embeddings: dropout, LayerNorm (partials oln slots) over rows. */
static void bwd_embed(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const size_t C = (size_t)m->cfg.hidden;
	size_t lo, hi, BT = (size_t)c->B * c->T;
	for (size_t it; (it = next_item(c)) * ROW_CHUNK < BT;) {
		row_chunk(BT, it, &lo, &hi);
		float *lw = c->lnpart + it * 4 * C;
		memset(lw, 0, 2 * C * sizeof(float));
		int n = (int)(hi - lo);
		size_t R = lo * C, nC = (size_t)n * C;
		drop_back(m->g_tmp + R, m->g_x + R, m->emb_mask + R, nC, c->hdrop);
		memset(m->g_res + R, 0, nC * sizeof(float));
		layernorm_backward(m->g_res + R, lw, lw + C, m->g_tmp + R, m->emb_sum + R,
				   m->emb_mean + lo, m->emb_rstd + lo,
				   params_data(&m->ps, m->eln_w), n, (int)C);
	}
}

/* The three lookups' gradients by items of LOOKUP_COLS columns: every
 * row's d(embedding sum) added to its word (not [PAD]: nn.Embedding's
 * padding_idx gets no gradient), token type and position rows; each
 * element sums its rows in order, whichever part runs the item. */
#define LOOKUP_COLS 32

static void bwd_lookup(void *ctx, int part, int np)
{
	struct pass *c = ctx;
	yj_bert *m = c->m;
	const size_t C = (size_t)m->cfg.hidden, BT = (size_t)c->B * c->T;
	float *gw = params_grad(&m->ps, m->word), *gt = params_grad(&m->ps, m->type),
	      *gp = params_grad(&m->ps, m->pos);
	for (size_t it; (it = next_item(c)) * LOOKUP_COLS < C;) {
		size_t j0 = it * LOOKUP_COLS, j1 = j0 + LOOKUP_COLS < C ? j0 + LOOKUP_COLS : C;
		for (size_t r = 0; r < BT; r++) {
			const float *d = m->g_res + r * C;
			float *w = gw + (size_t)m->ids[r] * C, *t = gt + (size_t)m->types[r] * C,
			      *p = gp + (size_t)m->posids[r] * C;
			if (m->ids[r] != m->cfg.pad_token_id)
				for (size_t j = j0; j < j1; j++)
					w[j] += d[j];
			for (size_t j = j0; j < j1; j++)
				t[j] += d[j];
			for (size_t j = j0; j < j1; j++)
				p[j] += d[j];
		}
	}
}

/* dst[j] += sum over items p of part[p * stride + j], in item order. */
static void sum_parts(float *dst, const float *part, int np, size_t stride, size_t n)
{
	for (int p = 0; p < np; p++)
		for (size_t j = 0; j < n; j++)
			dst[j] += part[(size_t)p * stride + j];
}

void bert_backward(yj_bert *m, const float *d_last_hidden, const float *d_pooled)
{
	const yj_bert_cfg *c = &m->cfg;
	const int B = m->B, T = m->T, C = c->hidden;
	if (B < 1)
		return;
	const size_t BT = (size_t)B * T, BTC = BT * C;
	yj_params *ps = &m->ps;
	int hdrop = m->train && c->hidden_drop > 0.0f, adrop = m->train && c->attn_drop > 0.0f;
	int np = par_parts(), saved = blas_enter(np);
	wpack_now(m, np, 1);
	struct pass pc = {.m = m, .B = B, .T = T, .hdrop = hdrop, .adrop = adrop};
	/* past g_cls (2 B C) in the gradient buffer: g_ao (B,T,C), then the
	 * LayerNorm partials (one per ROW_CHUNK rows, 4, C); see bert_reserve */
	pc.g_ao = m->g_cls + 2 * (size_t)m->bmax * C;
	pc.lnpart = pc.g_ao + (size_t)m->bmax * (size_t)m->tmax * C;
	const int nch = (int)((BT + ROW_CHUNK - 1) / ROW_CHUNK);

	/* g_x: the gradient of the last hidden states. */
	if (d_last_hidden)
		memmove(m->g_x, d_last_hidden, BTC * sizeof(float));
	else
		memset(m->g_x, 0, BTC * sizeof(float));
	if (d_pooled) {
		/* pooled = tanh(cls W^T + b), cls = h[:, 0] */
		float *dpre = m->g_cls, *dcls = m->g_cls + (size_t)B * C;
		memset(m->g_cls, 0, 2 * (size_t)B * C * sizeof(float));
		tanh_backward(dpre, d_pooled, m->pooled, (size_t)B * C);
		lin_bwd_in(m, dcls, dpre, params_data(ps, m->pool_w), B, C, C, NULL);
		wgrad_rows(m, params_grad(ps, m->pool_w), params_grad(ps, m->pool_b), dpre, m->cls,
			   B, C, C, 0, (size_t)C);
		for (int b = 0; b < B; b++) {
			float *g = m->g_x + (size_t)b * T * C;
			for (int j = 0; j < C; j++)
				g[j] += dcls[(size_t)b * C + j];
		}
	}

	for (int l = c->layers - 1; l >= 0; l--) {
		const yj_bert_layer_ix *ix = &m->L[l];
		pc.l = l;
		pc.x = l ? m->la[l - 1].ln2 : m->emb_out;
		par_run_dyn(np, bwd_rows, &pc);
		sum_parts(PG(oln_w), pc.lnpart, nch, 4 * (size_t)C, (size_t)C);
		sum_parts(PG(oln_b), pc.lnpart + C, nch, 4 * (size_t)C, (size_t)C);
		sum_parts(PG(aln_w), pc.lnpart + 2 * C, nch, 4 * (size_t)C, (size_t)C);
		sum_parts(PG(aln_b), pc.lnpart + 3 * C, nch, 4 * (size_t)C, (size_t)C);
		par_run_dyn(np, bwd_weights_attn, &pc);
		par_run_dyn(np, bwd_qkv, &pc);
	}

	/* Embeddings: dropout, LayerNorm, then the three lookups.  The word
	 * lookup skips [PAD] (nn.Embedding(padding_idx=pad_token_id) gives
	 * that row no gradient). */
	par_run_dyn(np, bwd_embed, &pc);
	sum_parts(params_grad(ps, m->eln_w), pc.lnpart, nch, 4 * (size_t)C, (size_t)C);
	sum_parts(params_grad(ps, m->eln_b), pc.lnpart + C, nch, 4 * (size_t)C, (size_t)C);
	par_run_dyn(np, bwd_lookup, &pc);
	blas_leave(np, saved);
}

#undef PD
#undef PG

/* ----------------------------------------------------------- mean pooling */

/* The tokens row b averages over: its mask's ones (all T without one). */
static int pool_count(const int32_t *mask, int b, int T)
{
	if (!mask)
		return T;
	int n = 0;
	for (int t = 0; t < T; t++)
		n += mask[(size_t)b * T + t] != 0;
	return n;
}

/* torch: (h * m[..., None]).sum(1) / m.sum(1, keepdim=True).clamp(min=1),
 * summed in double */
void bert_mean_pool_forward(float *out, const float *hidden, const int32_t *mask, int B, int T, int C)
{
	for (int b = 0; b < B; b++) {
		int n = pool_count(mask, b, T);
		const float *h = hidden + (size_t)b * T * C;
		for (int c = 0; c < C; c++) {
			double s = 0.0;
			for (int t = 0; t < T; t++)
				if (!mask || mask[(size_t)b * T + t])
					s += h[(size_t)t * C + c];
			out[(size_t)b * C + c] = n ? (float)(s / n) : 0.0f;
		}
	}
}

void bert_mean_pool_backward(float *d_hidden, const float *d_out, const int32_t *mask, int B, int T,
			     int C)
{
	for (int b = 0; b < B; b++) {
		int n = pool_count(mask, b, T);
		if (!n)
			continue;
		float inv = 1.0f / (float)n;
		const float *g = d_out + (size_t)b * C;
		for (int t = 0; t < T; t++) {
			if (mask && !mask[(size_t)b * T + t])
				continue;
			float *d = d_hidden + ((size_t)b * T + t) * C;
			for (int c = 0; c < C; c++)
				d[c] += g[c] * inv;
		}
	}
}

/* -------------------------------------------------------------- MLM head */

/* BertOnlyMLMHead on the gathered rows:
 *   t = LayerNorm(GELU(dense(h)))             (BertPredictionHeadTransform)
 *   logits = t word_embeddings^T + bias       (the tied decoder) */
yj_status bert_mlm_forward(yj_bert *m, const int32_t *pos, int P, yj_error *err)
{
	const int C = m->cfg.hidden, V = m->cfg.vocab_size;
	size_t BT = (size_t)m->B * (size_t)m->T;
	if (P < 1 || P > m->pmax)
		return error_set(err, YJ_EUSAGE, "%d MLM positions do not fit the %d reserved", P,
				 m->pmax);
	for (int p = 0; p < P; p++)
		if (pos[p] < 0 || (size_t)pos[p] >= BT)
			return error_set(err, YJ_EDATA,
					 "MLM position %d is not in the last batch's [0, %zu)",
					 pos[p], BT);
	yj_params *ps = &m->ps;
	m->P = P;
	for (int p = 0; p < P; p++) {
		m->mpos[p] = pos[p];
		memcpy(m->m_in + (size_t)p * C, m->last_hidden + (size_t)pos[p] * C,
		       (size_t)C * sizeof(float));
	}
	lin_fwd(m, m->m_pre, m->m_in, params_data(ps, m->mt_w), params_data(ps, m->mt_b), P, C, C, NULL);
	gelu_forward(m->m_act, m->m_pre, (size_t)P * C);
	layernorm_forward(m->m_ln, m->m_mean, m->m_rstd, m->m_act, params_data(ps, m->mln_w),
			  params_data(ps, m->mln_b), P, C, m->cfg.ln_eps);
	/* the tied decoder, (P,C) x (C,V): the biggest product of a step,
	 * split between threads in bf16 */
	const float *mb = params_data(ps, m->m_bias);
	for (int p = 0; p < P; p++)
		memcpy(m->mlm_logits + (size_t)p * V, mb, (size_t)V * sizeof(float));
	gemm_wide(m, 0, 1, P, V, C, 1.0f, m->m_ln, C, params_data(ps, m->word), C, 1.0f,
		  m->mlm_logits, V);
	return YJ_OK;
}

void bert_mlm_backward(yj_bert *m, const float *d_logits, float *d_last_hidden)
{
	const int C = m->cfg.hidden, V = m->cfg.vocab_size, P = m->P;
	if (P < 1)
		return;
	size_t PC = (size_t)P * C;
	yj_params *ps = &m->ps;
	/* each holds pmax rows, of which this batch uses P: zero the P of each
	 * (one memset of 4 P C from mg_ln left rows of mg_in holding the last
	 * step's gradient whenever P < pmax, and lin_bwd_in adds to them) */
	float *const mg[4] = {m->mg_ln, m->mg_act, m->mg_pre, m->mg_in};
	for (int i = 0; i < 4; i++)
		memset(mg[i], 0, PC * sizeof(float));
	/* the decoder's linear_backward: d m_ln, d word, d bias */
	gemm_wide(m, 0, 0, P, C, V, 1.0f, d_logits, V, params_data(ps, m->word), C, 1.0f, m->mg_ln,
		  C);
	gemm_wide(m, 1, 0, V, C, P, 1.0f, d_logits, V, m->m_ln, C, 1.0f, params_grad(ps, m->word),
		  C);
	float *gb = params_grad(ps, m->m_bias);
	for (int p = 0; p < P; p++) {
		const float *g = d_logits + (size_t)p * V;
		for (int v = 0; v < V; v++)
			gb[v] += g[v];
	}
	layernorm_backward(m->mg_act, params_grad(ps, m->mln_w), params_grad(ps, m->mln_b),
			   m->mg_ln, m->m_act, m->m_mean, m->m_rstd, params_data(ps, m->mln_w), P,
			   C);
	gelu_backward(m->mg_pre, m->mg_act, m->m_pre, PC);
	lin_bwd_in(m, m->mg_in, m->mg_pre, params_data(ps, m->mt_w), P, C, C, NULL);
	wgrad_rows(m, params_grad(ps, m->mt_w), params_grad(ps, m->mt_b), m->mg_pre, m->m_in, P, C,
		   C, 0, (size_t)C);
	for (int p = 0; p < P; p++) {
		float *g = d_last_hidden + (size_t)m->mpos[p] * C;
		const float *d = m->mg_in + (size_t)p * C;
		for (int j = 0; j < C; j++)
			g[j] += d[j];
	}
}
