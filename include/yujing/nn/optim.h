/*
 * optim.h - AdamW (torch.optim.AdamW: decoupled weight decay, bias
 * correction), the learning-rate schedule and gradient clipping.
 */
#ifndef YUJING_NN_OPTIM_H
#define YUJING_NN_OPTIM_H

#include "yujing/nn/params.h"

typedef struct yj_adamw {
	float beta1, beta2, eps, weight_decay;
	long long t; /* steps taken */
} yj_adamw;

/* torch defaults: betas (0.9, 0.999), eps 1e-8, weight_decay 0.01. */
void adamw_init(yj_adamw *opt);

/* One step over every trainable parameter with learning rate lr:
 *   p -= lr * wd * p            (when the parameter decays)
 *   m = b1 m + (1-b1) g;  v = b2 v + (1-b2) g^2
 *   p -= lr * (m / (1-b1^t)) / (sqrt(v / (1-b2^t)) + eps) */
void adamw_step(yj_adamw *opt, yj_params *ps, float lr);

/* Linear warm-up over `warmup` steps to base, then linear decay to 0 at
 * `total` steps (transformers' get_linear_schedule_with_warmup).  step is
 * the number of steps already taken (0 for the first), so with warm-up the
 * first step has lr 0, exactly as transformers + LambdaLR. */
float lr_schedule(long long step, long long warmup, long long total, float base);

/* Scale all trainable gradients so their global L2 norm is at most
 * max_norm (torch.nn.utils.clip_grad_norm_).  Returns the norm before
 * clipping.  max_norm <= 0 only measures; a non-finite norm is returned
 * with the gradients left as they are. */
float clip_grad_norm(yj_params *ps, float max_norm);

#endif
