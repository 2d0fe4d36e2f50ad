/*
 * bert.h - the BERT encoder of the text branch (Hugging Face BertModel) and
 * its masked-language-model head (BertOnlyMLMHead), with explicit forward
 * and backward passes, and the Hugging Face model directory (config.json,
 * vocab.txt, model.safetensors) as the interchange format.
 *
 * Parameters carry Hugging Face's names, "bert."-prefixed as
 * BertForMaskedLM/BertForPreTraining save them, Linear weights [out, in]:
 *   bert.embeddings.{word,position,token_type}_embeddings.weight
 *   bert.embeddings.LayerNorm.{weight,bias}
 *   bert.encoder.layer.N.attention.self.{query,key,value}.{weight,bias}
 *   bert.encoder.layer.N.attention.output.dense.{weight,bias}
 *   bert.encoder.layer.N.attention.output.LayerNorm.{weight,bias}
 *   bert.encoder.layer.N.intermediate.dense.{weight,bias}
 *   bert.encoder.layer.N.output.dense.{weight,bias}
 *   bert.encoder.layer.N.output.LayerNorm.{weight,bias}
 *   bert.pooler.dense.{weight,bias}
 *   cls.predictions.transform.dense.{weight,bias}
 *   cls.predictions.transform.LayerNorm.{weight,bias}
 *   cls.predictions.bias
 * The MLM decoder weight is tied to the word embeddings (not a tensor of
 * its own), as in Hugging Face.
 *
 * Usage: bert_init (random) or bert_load_dir; bert_reserve(B, T); then per
 * batch bert_forward, optionally bert_mlm_forward over masked positions,
 * and for training bert_mlm_backward / bert_backward, which ACCUMULATE
 * into m->ps.grad (params_zero_grad is the caller's).
 */
#ifndef YUJING_MODEL_BERT_H
#define YUJING_MODEL_BERT_H

#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/rng.h"
#include "yujing/nn/params.h"

#define BERT_MAX_LAYERS 48

typedef struct yj_bert_cfg {
	int vocab_size;
	int hidden;       /* C */
	int layers;       /* L */
	int heads;        /* hidden % heads == 0 */
	int intermediate; /* I, the feed-forward width */
	int max_pos;      /* max_position_embeddings */
	int type_vocab;   /* type_vocab_size */
	int pad_token_id;
	float ln_eps;       /* layer_norm_eps, 1e-12 */
	float hidden_drop;  /* hidden_dropout_prob */
	float attn_drop;    /* attention_probs_dropout_prob */
	float init_range;   /* initializer_range, 0.02 */
	/* config.json's "yujing_vocab_sha256": the hex SHA-256 of the
	 * vocab.txt the encoder was trained on ("" when not recorded, as in
	 * checkpoints made elsewhere); written back by bert_config_json. */
	char vocab_sha256[65];
} yj_bert_cfg;

/* One encoder layer's parameter indices into ps. */
typedef struct yj_bert_layer_ix {
	long q_w, q_b, k_w, k_b, v_w, v_b; /* attention.self.{query,key,value} */
	long ao_w, ao_b, aln_w, aln_b;     /* attention.output.{dense,LayerNorm} */
	long i_w, i_b;                     /* intermediate.dense */
	long o_w, o_b, oln_w, oln_b;       /* output.{dense,LayerNorm} */
} yj_bert_layer_ix;

/* One encoder layer's saved activations (views into m->act). */
typedef struct yj_bert_layer_act {
	float *q, *k, *v;      /* (B,T,C) projections; head h = columns [h*D, (h+1)*D) */
	float *probs;          /* (B,H,T,T) attention softmax */
	float *probs_drop;     /* (B,H,T,T) after dropout (== probs when off) */
	float *attn_mask;      /* (B,H,T,T) attention dropout mask */
	float *ctx;            /* (B,T,C) probs @ v, heads side by side */
	float *ao_mask;        /* (B,T,C) dropout mask after attention.output.dense */
	float *res1;           /* (B,T,C) dropout(dense(ctx)) + x: LayerNorm input */
	float *ln1;            /* (B,T,C) attention output */
	float *ln1_mean, *ln1_rstd; /* (B,T) */
	float *ipre, *iact;    /* (B,T,I) intermediate before and after GELU */
	float *o_mask;         /* (B,T,C) dropout mask after output.dense */
	float *res2;           /* (B,T,C) dropout(dense(iact)) + ln1 */
	float *ln2;            /* (B,T,C) the layer's output */
	float *ln2_mean, *ln2_rstd; /* (B,T) */
} yj_bert_layer_act;

typedef struct yj_bert {
	yj_bert_cfg cfg;
	yj_params ps;
	int has_pooler, has_mlm; /* 1 when the weights came with them (or bert_init) */
	/* nn_precision of the matrix products: NN_FP32 (0, what bert_init
	 * and bert_load_dir leave) or NN_BF16 (bfloat16 inputs, float32 sums;
	 * float32 where the processor lacks AVX512_BF16).  The caller's to set. */
	int precision;
	/* 1: a forward pass with train == 0 keeps only what the passes after
	 * it read (inference: in bf16 the feed-forward intermediate stays
	 * bfloat16, ipre and iact are not written), so bert_backward must not
	 * follow it.  0 (what bert_init and bert_load_dir leave): every
	 * activation kept.  The caller's to set. */
	int no_grad;

	/* parameter indices */
	long word, pos, type, eln_w, eln_b;
	yj_bert_layer_ix L[BERT_MAX_LAYERS];
	long pool_w, pool_b;
	long mt_w, mt_b, mln_w, mln_b, m_bias; /* cls.predictions.* */

	/* the last forward pass */
	int B, T, train;
	yj_rng rng; /* dropout draws; seeded by bert_init / bert_seed */

	/* activations for up to bmax x tmax tokens: one buffer, carved */
	int bmax, tmax;
	float *act;
	int32_t *iact;       /* the integer views below */
	int32_t *ids, *types, *posids; /* (B,T) copies for the backward pass */
	float *maskadd;      /* (B,T) 0 or finfo(float32).min per key */
	float *emb_sum;      /* (B,T,C) word + type + position */
	float *emb_mean, *emb_rstd; /* (B,T) */
	float *emb_mask;     /* (B,T,C) embedding dropout mask */
	float *emb_out;      /* (B,T,C) the first layer's input */
	yj_bert_layer_act la[BERT_MAX_LAYERS];
	float *last_hidden;  /* (B,T,C) = la[L-1].ln2 (or emb_out) */
	float *cls;          /* (B,C) last_hidden[:, 0] */
	float *pooled;       /* (B,C) tanh(dense(cls)) */
	float *scratch;      /* (B,T,C) dense outputs before dropout */

	/* gradient workspace (same capacity), reused layer after layer */
	float *grad;
	float *g_x, *g_res, *g_tmp, *g_ctx, *g_q, *g_k, *g_v; /* (B,T,C) */
	float *g_i1, *g_i2;  /* (B,T,I) */
	float *g_att;        /* (B,H,T,T) per (batch, head) blocks */
	float *g_cls;        /* (B,C) */
	float *d_last;       /* (B,T,C) for callers: the gradient of last_hidden */

	/* MLM head over up to pmax positions: one buffer */
	int pmax, P;
	float *mact;
	int32_t *mpos;       /* (P) flat positions b*T + t */
	float *m_in;         /* (P,C) gathered hidden states */
	float *m_pre, *m_act;/* (P,C) dense output, GELU */
	float *m_ln;         /* (P,C) LayerNorm output */
	float *m_mean, *m_rstd; /* (P) */
	float *mlm_logits;   /* (P,V) */
	float *mg_ln, *mg_act, *mg_pre, *mg_in; /* (P,C) gradient workspace */

	/* bf16: the encoder layers' six weight matrices (q, k, v, attention
	 * output, intermediate, output) packed for bf16_gemm_packed, as W^T
	 * (forward, slots 0-5) and W (backward, 6-11), at word offsets wpk;
	 * repacked by every bert_forward / bert_backward (the optimiser moves
	 * the weights in between), live only within that pass. */
	uint32_t *wpack;
	size_t wpack_n;
	size_t wpk[BERT_MAX_LAYERS][12];
	int wpack_fwd, wpack_bwd;
} yj_bert;

/* The named shapes of the UER miniature family: "tiny" (2 layers, 128
 * wide), "mini" (4, 256), "small" (4, 512); heads = hidden/64,
 * intermediate = 4 hidden, 512 positions, 2 token types, dropout 0.1,
 * eps 1e-12.  Returns 0, -1 for an unknown name. */
int bert_config_named(const char *name, int vocab_size, yj_bert_cfg *cfg);

/* Check a configuration (positive sizes within sane bounds, hidden a
 * multiple of heads, probabilities in [0, 1)).  Fills err naming the
 * field. */
yj_status bert_config_check(const yj_bert_cfg *cfg, yj_error *err);

/* Declare and allocate the parameters and initialise them as Hugging
 * Face's BertPreTrainedModel._init_weights does (normal(0, init_range)
 * weights and embeddings, the padding row zero, zero biases, LayerNorm 1
 * and 0) from a seeded stream, which also seeds dropout.  Returns YJ_OK,
 * or an error for an invalid configuration / no memory. */
yj_status bert_init(yj_bert *m, const yj_bert_cfg *cfg, uint64_t seed, yj_error *err);
void bert_free(yj_bert *m);

/* Reseed the dropout stream. */
void bert_seed(yj_bert *m, uint64_t seed);

/* Make room for batches of B sequences of T tokens (no-op when they fit).
 * Returns 0, -1 when out of memory or T > max_pos. */
int bert_reserve(yj_bert *m, int B, int T);

/* Forward pass of B sequences of T tokens: ids (B,T), token types (B,T)
 * or NULL (all 0), attention mask (B,T) of 0/1 or NULL (all 1).  train
 * turns dropout on.  Fills m->last_hidden and m->pooled.  Fails (nothing
 * computed) for a token id or type out of range, or B/T beyond what
 * bert_reserve made room for. */
yj_status bert_forward(yj_bert *m, const int32_t *ids, const int32_t *types, const int32_t *mask,
		       int B, int T, int train, yj_error *err);

/* Backward pass of the last forward pass: d_last_hidden (B,T,C) and
 * d_pooled (B,C), either may be NULL (no gradient from there).  d_last_hidden
 * may be m->d_last.  Accumulates into m->ps.grad. */
void bert_backward(yj_bert *m, const float *d_last_hidden, const float *d_pooled);

/* Masked mean pooling of hidden states (B,T,C), as sentence-transformers'
 * mean pooling: out[b] = sum over t with mask[b,t] of hidden[b,t] / n_b,
 * n_b the number of such t ([CLS] and [SEP] included; padding left out);
 * a row with n_b = 0 gives 0.  mask (B,T) of 0/1, or NULL (all 1).
 * out is (B,C). */
void bert_mean_pool_forward(float *out, const float *hidden, const int32_t *mask, int B, int T, int C);

/* Its backward: d_hidden[b,t] += d_out[b] / n_b for every t with
 * mask[b,t] (padded positions get nothing).  Accumulates. */
void bert_mean_pool_backward(float *d_hidden, const float *d_out, const int32_t *mask, int B, int T,
			     int C);

/* Room for MLM over up to P positions.  Returns 0 or -1. */
int bert_mlm_reserve(yj_bert *m, int P);

/* MLM logits (P,V) into m->mlm_logits at the flat positions pos[p] =
 * b*T + t of the last forward pass; nothing else is computed.  Fails for
 * a position out of range or P beyond bert_mlm_reserve. */
yj_status bert_mlm_forward(yj_bert *m, const int32_t *pos, int P, yj_error *err);

/* Backward of the MLM head: accumulates into m->ps.grad (the tied word
 * embeddings included) and adds the gradient of the hidden states at the
 * positions into d_last_hidden (B,T,C), to pass on to bert_backward. */
void bert_mlm_backward(yj_bert *m, const float *d_logits, float *d_last_hidden);

/* ---- Hugging Face model directories ---- */

/* Load DIR/config.json and DIR/model.safetensors (F32, F16 or BF16
 * tensors; keys with or without "bert."; LayerNorm gamma/beta accepted
 * for weight/bias; cls.predictions.* and the pooler when present, else
 * initialised and has_mlm/has_pooler 0).  The configuration and every
 * tensor's shape are validated before use.  A directory with only
 * pytorch_model.bin is refused with a hint on converting it.  seed seeds
 * what the file lacks and dropout.  On failure m is left freed. */
yj_status bert_load_dir(yj_bert *m, const char *dir, uint64_t seed, yj_error *err);

/* The config.json text of m (transformers' BertConfig fields, ending in a
 * newline), malloc'd; NULL when out of memory. */
char *bert_config_json(const yj_bert *m);

/* Write DIR/config.json and DIR/model.safetensors (F32, "bert." keys and
 * cls.predictions.*, metadata format "pt": loadable by transformers'
 * BertForMaskedLM / BertModel) and copy vocab_path (may be NULL) to
 * DIR/vocab.txt.  DIR is created when missing.  Files are written to a
 * temporary name and renamed. */
yj_status bert_save_dir(const yj_bert *m, const char *dir, const char *vocab_path, yj_error *err);

#endif
