/*
 * structured.h - the structured branch of the method and its classifier.
 *
 * One small MLP per source: depth x (Linear -> BatchNorm1d -> ReLU), the
 * last layer's output being the source's feature vector (hidden wide).
 * The source vectors are concatenated and linearly projected (v' = W v,
 * no bias), then a Linear layer gives the class logits; softmax and
 * cross-entropy train it.  Parameter names (PyTorch state-dict keys):
 *   sources.S.layers.L.linear.{weight,bias}
 *   sources.S.layers.L.bn.{weight,bias,running_mean,running_var}
 *   proj.weight   classifier.{weight,bias}
 */
#ifndef YUJING_MODEL_STRUCTURED_H
#define YUJING_MODEL_STRUCTURED_H

#include <stdint.h>

#include "yujing/base/rng.h"
#include "yujing/nn/params.h"

#define MLP_MAX_SOURCES 32
#define MLP_MAX_DEPTH 8

typedef struct yj_mlp_cfg {
	int nsrc;
	int in_dim[MLP_MAX_SOURCES];
	int hidden;    /* width of each source MLP (its vector size) */
	int depth;     /* Linear-BN-ReLU blocks per source */
	int proj;      /* size of the projected vector v' */
	int nclasses;  /* 0: headless, no classifier (a branch of a fused model) */
	float bn_momentum, bn_eps; /* 0.1, 1e-5 as PyTorch */
} yj_mlp_cfg;

typedef struct yj_mlp {
	yj_mlp_cfg cfg;
	yj_params ps;  /* own parameters (mlp_init) */
	yj_params *P;  /* where the parameters live: &ps, or a model's (mlp_declare) */
	/* parameter indices */
	long lin_w[MLP_MAX_SOURCES][MLP_MAX_DEPTH], lin_b[MLP_MAX_SOURCES][MLP_MAX_DEPTH];
	long bn_w[MLP_MAX_SOURCES][MLP_MAX_DEPTH], bn_b[MLP_MAX_SOURCES][MLP_MAX_DEPTH];
	long bn_rm[MLP_MAX_SOURCES][MLP_MAX_DEPTH], bn_rv[MLP_MAX_SOURCES][MLP_MAX_DEPTH];
	long proj_w, cls_w, cls_b;
	/* activations for up to bmax rows, one buffer carved into views; act
	 * and dact start on a cache line (nn_zalloc_lines), so two threads
	 * writing channels of one row do not share a line */
	int bmax;
	float *act, *dact;
	float *lin[MLP_MAX_SOURCES][MLP_MAX_DEPTH];  /* (B,H) Linear products, without the bias */
	float *xhat[MLP_MAX_SOURCES][MLP_MAX_DEPTH]; /* (B,H) normalised: lin's buffer, in place */
	/* block outputs, rows mlp_relu_ld apart: (B,H) inside a source, and
	 * for the last block its H columns of the concat */
	float *relu[MLP_MAX_SOURCES][MLP_MAX_DEPTH];
	float *mean[MLP_MAX_SOURCES][MLP_MAX_DEPTH], *rstd[MLP_MAX_SOURCES][MLP_MAX_DEPTH]; /* (H) */
	float *concat;  /* (B, S*H) */
	float *projv;   /* (B, P) */
	float *logits;  /* (B, K) */
	float *probs;   /* (B, K) */
	double *lse;    /* (B) each row's logsumexp, for mlp_loss */
	/* the weights transposed by each forward, for direct_sgemm (B is
	 * read untransposed there): (IN,H) per block, (S*H,P), (P,K) */
	float *wt_lin[MLP_MAX_SOURCES][MLP_MAX_DEPTH], *wt_proj, *wt_cls;
	/* gradient twins (same offsets in dact) */
	float *d_scratch; /* (B, max(H, in)) */
} yj_mlp;

/* Declare and allocate the parameters and initialise them as PyTorch does
 * (Linear: U(-1/sqrt(in), 1/sqrt(in)) for weight and bias; BN: weight 1,
 * bias 0, running mean 0, running var 1) from a seeded stream.  Returns 0,
 * -1 when out of memory or the configuration is invalid. */
int mlp_init(yj_mlp *m, const yj_mlp_cfg *cfg, uint64_t seed);
void mlp_free(yj_mlp *m);

/* As mlp_init, but declare the tensors into ps (shared with other parts of
 * a model) without allocating; after params_alloc(ps), mlp_init_values
 * draws the initial values from rng in declaration order.  With
 * cfg->nclasses == 0 the model is headless: it ends at projv. */
int mlp_declare(yj_mlp *m, const yj_mlp_cfg *cfg, yj_params *ps);
void mlp_init_values(yj_mlp *m, yj_rng *rng);

/* Make room for batches of up to b rows.  Returns 0 or -1. */
int mlp_reserve(yj_mlp *m, int b);

/* The row stride of the outputs of layer l (relu[s][l]): hidden, or
 * nsrc * hidden for the last layer, whose outputs are the concat. */
int mlp_relu_ld(const yj_mlp *m, int l);

/* Forward pass of B rows: x[s] is source s's input (B, in_dim[s]).
 * train selects batch statistics (and updates the running ones).  Fills
 * m->logits and m->probs. */
void mlp_forward(yj_mlp *m, const float *const *x, int B, int train);

/* Cross-entropy of the last forward pass (class weights w may be NULL;
 * B as in that pass). */
float mlp_loss(yj_mlp *m, const int32_t *labels, const float *w, int B);

/* Backward pass of the last (training) forward pass, accumulating into
 * m->ps.grad. */
void mlp_backward(yj_mlp *m, const float *const *x, const int32_t *labels, const float *w, int B);

/* Backward of a headless model from dproj (B, proj), the gradient of the
 * loss with respect to projv of the last training forward pass. */
void mlp_backward_features(yj_mlp *m, const float *const *x, const float *dproj, int B);

#endif
