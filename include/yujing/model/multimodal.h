/*
 * multimodal.h - the model of the method: branches fused by one head.
 *
 * Branches, in this order: the structured branch (one MLP per source, the
 * source vectors concatenated and projected: structured.h, headless), then
 * one n-gram branch per text field (ngram.h), then one BERT text branch
 * per text field: the encoder's [CLS] vector (computed by the caller,
 * see tin below) -> Linear(text_in -> text_dim).  Their vectors are fused
 * (fusion.h) into class logits.  All parameters live in one yj_params:
 * a structured-only model has exactly the tensors (and, from the same
 * seed, the values) of the structured model of structured.h.
 *
 * For explanations the "players" are finer: each structured source's
 * vector (before the projection, which is linear) and each text branch's
 * vector; mm_head_logits maps them through projection and head.
 */
#ifndef YUJING_MODEL_MULTIMODAL_H
#define YUJING_MODEL_MULTIMODAL_H

#include <stdint.h>

#include "yujing/model/fusion.h"
#include "yujing/model/ngram.h"
#include "yujing/model/structured.h"

#define MM_MAX_TEXT 16

typedef struct yj_mm_cfg {
	yj_mlp_cfg mlp;   /* mlp.nsrc == 0: no structured branch */
	int nngram;
	size_t ngram_rows[MM_MAX_TEXT]; /* vocabulary sizes */
	int ngram_dim;
	int ngram_direct; /* 1: each n-gram branch also has its direct path to the logits */
	int ntext;        /* BERT text branches */
	int text_in;      /* the encoder's hidden size H */
	int text_dim;     /* d, the branch vector */
	int nclasses;
	yj_fusion_mode fusion;
} yj_mm_cfg;

typedef struct yj_mm {
	yj_mm_cfg cfg;
	yj_params ps;
	yj_mlp mlp;
	yj_ngram ng[MM_MAX_TEXT];
	yj_fusion fu;
	int nbranch;       /* fused branches: structured (if any) + nngram */
	int bmax;
	float *buf;
	float *ngv[MM_MAX_TEXT], *dngv[MM_MAX_TEXT]; /* (B, ngram_dim) */
	float *ngd[MM_MAX_TEXT]; /* (B, K) each n-gram branch's direct logits */
	float *ngsum;            /* (B, K) their sum, added to the head's logits */
	float *ngp[MM_MAX_TEXT]; /* (B, ngram_dim + K) the explanation player: [v, direct] */
	float *dproj;      /* (B, proj) */
	/* BERT text branches: "text.T.dense.{weight,bias}" (d, H), (d) */
	long tw[MM_MAX_TEXT], tb[MM_MAX_TEXT];
	/* Set by the caller before mm_forward: (N, text_in) [CLS] vectors of
	 * every case, row idx[b] read for batch row b. */
	const float *tin[MM_MAX_TEXT];
	float *tinb[MM_MAX_TEXT];  /* (B, text_in) gathered inputs */
	float *tv[MM_MAX_TEXT], *dtv[MM_MAX_TEXT]; /* (B, text_dim) */
	float *dtin[MM_MAX_TEXT];  /* (B, text_in) after mm_backward: d loss / d [CLS] */
} yj_mm;

/* Declare, allocate and initialise (one seeded stream: the structured
 * MLPs and projection, then the head, then the text projections; n-gram
 * tables start at zero).
 * Returns 0, -1 (out of memory or an invalid configuration). */
int mm_init(yj_mm *m, const yj_mm_cfg *cfg, uint64_t seed);
void mm_free(yj_mm *m);
int mm_reserve(yj_mm *m, int B);

/* Forward B cases: x[s] (B, in_dim[s]) the structured inputs, nd[t] the
 * n-gram data of text branch t and idx the cases' indices into it.
 * Fills m->fu.logits and m->fu.probs. */
void mm_forward(yj_mm *m, const float *const *x, const yj_ngram_data *nd, const size_t *idx, int B,
		int train);
float mm_loss(yj_mm *m, const int32_t *labels, const float *w, int B);
void mm_backward(yj_mm *m, const float *const *x, const yj_ngram_data *nd, const size_t *idx,
		 const int32_t *labels, const float *w, int B);

/* The optimiser step in three parts, so that the n-gram tables cost time
 * in proportion to the rows a batch touches (ngram.h): zero the dense
 * trainable gradients and the touched rows; clip the global L2 norm of
 * both to max_norm (clip_grad_norm's rule; max_norm <= 0 only measures;
 * returns the norm); dense AdamW (adamw_step) then the lazy AdamW of the
 * touched rows with the same step count. */
void mm_zero_grad(yj_mm *m);
float mm_clip_grad_norm(yj_mm *m, float max_norm);
void mm_step(yj_mm *m, yj_adamw *opt, float lr);

/* Explanation players: nsrc structured sources, then the n-gram
 * branches, then the BERT text branches.  An n-gram branch with a direct
 * path plays with [v, z]: its vector (ngram_dim) then its direct logits
 * (K), which mm_head_logits adds to the logits (so the logits stay linear
 * in every player and its baseline is again a mean). */
int mm_nplayers(const yj_mm *m);
int mm_player_dim(const yj_mm *m, int i);
/* After an eval forward pass, the vector of player i for row b of the
 * batch (pointer into the activations). */
const float *mm_player_vec(const yj_mm *m, int i, int b);
/* Logits (K, double) from the players' vectors u[i] (mm_player_dim).
 * Returns 0, or -1 when out of memory (out is then not set). */
int mm_head_logits(const yj_mm *m, const double *const *u, double *out);
/* The player vector (mm_player_dim) of n-gram branch t for text i of d. */
int mm_ngram_player(const yj_mm *m, int t, const yj_ngram_data *d, size_t i, double *out);

#endif
