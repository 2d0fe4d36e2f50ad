/*
 * fusion.h - the fusion head of the multimodal model and the exact Shapley
 * values of its branches.
 *
 * The head takes one vector per branch (B, dim_i), fuses them by
 * concatenation (FUSION_CONCAT: F = sum of dims) or element-wise sum
 * (FUSION_SUM: every dim equal, F = dim), and a Linear layer gives the
 * class logits, to which the sparse direct paths of the n-gram branches
 * may add (fusion_forward_direct); softmax and cross-entropy train it.  Parameter names
 * (those of the structured model's classifier, so a structured-only model
 * keeps its names):  classifier.weight (K, F)   classifier.bias (K)
 *
 * Shapley values (Shapley 1953; Lundberg & Lee 2017, eq. 4): for n
 * players and a value v over subsets S of the players present,
 *     phi_i = sum_{S not containing i} |S|! (n-|S|-1)! / n! (v(S u {i}) - v(S))
 * Here a player is a branch, "absent" means its vector is replaced by its
 * baseline (the training-set mean), and v is the predicted class's logit
 * or probability: sum_i phi_i = v(all) - v(none) exactly.
 */
#ifndef YUJING_MODEL_FUSION_H
#define YUJING_MODEL_FUSION_H

#include <stdint.h>

#include "yujing/base/rng.h"
#include "yujing/nn/params.h"

#define FUSION_MAX 32

typedef enum { FUSION_CONCAT, FUSION_SUM } yj_fusion_mode;

typedef struct yj_fusion {
	yj_fusion_mode mode;
	int n, dim[FUSION_MAX], in, nclasses; /* in = F */
	yj_params *P;
	long w, b;
	int bmax;
	float *fused;  /* (B, F) */
	float *dfused; /* (B, F) */
	float *logits, *probs, *dlogits; /* (B, K) */
} yj_fusion;

/* Parse "concat" / "sum"; -1 if neither. */
int fusion_mode_parse(const char *s);
const char *fusion_mode_name(yj_fusion_mode m);

/* Declare the head over n branches of the given dims in ps.  Returns 0, -1
 * (out of memory, n out of range, or FUSION_SUM with unequal dims). */
int fusion_declare(yj_fusion *f, yj_fusion_mode mode, int n, const int *dims, int nclasses,
		   yj_params *ps);
/* torch.nn.Linear's initialisation, U(-1/sqrt(F), 1/sqrt(F)): weight, then bias. */
void fusion_init_values(yj_fusion *f, yj_rng *rng);
int fusion_reserve(yj_fusion *f, int B);
void fusion_free(yj_fusion *f);

/* Forward: v[i] is branch i's (B, dim_i).  Fills logits and probs. */
void fusion_forward(yj_fusion *f, const float *const *v, int B);
/* The same with direct (B, K; NULL: none) added to the logits before the
 * softmax: the n-gram branches' direct paths (ngram.h), whose gradient is
 * dlogits itself. */
void fusion_forward_direct(yj_fusion *f, const float *const *v, const float *direct, int B);
/* Backward from dlogits (B, K): gradients of W and b accumulate, and
 * dv[i] (B, dim_i; may be NULL) gets += d loss / d v[i]. */
void fusion_backward(yj_fusion *f, float *const *dv, const float *dlogits, int B);

/* Logits (K, double) of one case from branch vectors v[i] (dim_i). */
void fusion_logits1(const yj_fusion *f, const double *const *v, double *out);

typedef struct yj_shapley {
	int n;
	double out_logit, out_prob;   /* v(all): the model's output */
	double base_logit, base_prob; /* v(none): every branch at its baseline */
	double phi_logit[FUSION_MAX], phi_prob[FUSION_MAX];
	double loo_logit[FUSION_MAX], loo_prob[FUSION_MAX]; /* v(all) - v(all but i) */
} yj_shapley;

/* Exact Shapley values of n players (n <= 20) for class k: logits(ctx,
 * mask, out) must fill the K logits with player i present when bit i of
 * mask is set.  The 2^n logit vectors are computed once each.  Returns 0,
 * -1 when out of memory or n is out of range. */
int fusion_shapley(int n, int K, int k, void (*logits)(void *ctx, uint32_t mask, double *out),
		   void *ctx, yj_shapley *res);

#endif
