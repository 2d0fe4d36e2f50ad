/*
 * params.h - a model's parameters in one contiguous buffer with named
 * views, and the same layout for gradients and the AdamW moments.
 *
 * Names follow PyTorch/Hugging Face state-dict keys ("sources.0.fc.0.weight")
 * so a checkpoint maps 1:1 to safetensors tensors; Linear weights are
 * stored [out, in] like torch.nn.Linear.
 */
#ifndef YUJING_NN_PARAMS_H
#define YUJING_NN_PARAMS_H

#include <stddef.h>
#include <stdint.h>

#define PARAM_NAME_MAX 128
#define PARAM_MAXDIM 4

typedef struct yj_param {
	char name[PARAM_NAME_MAX];
	int ndim;
	int64_t shape[PARAM_MAXDIM];
	size_t offset; /* in floats, into every buffer */
	size_t size;   /* number of floats */
	int decay;     /* AdamW weight decay applies (weights, not biases/norms) */
	int trainable; /* 0: a buffer such as BatchNorm running statistics */
} yj_param;

typedef struct yj_params {
	yj_param *v;
	size_t n, cap;
	size_t total;  /* floats in each buffer */
	float *data;   /* (total) values */
	float *grad;   /* (total) gradients, accumulated by backward passes */
	float *m, *v2; /* (total) AdamW first and second moments */
} yj_params;

void params_init(yj_params *ps);
void params_free(yj_params *ps);

/* Declare a tensor before params_alloc().  Returns its index, -1 when out
 * of memory or the name is taken. */
long params_add(yj_params *ps, const char *name, int ndim, const int64_t *shape, int decay,
		int trainable);

/* Allocate the four buffers (zeroed).  Returns 0, -1 when out of memory. */
int params_alloc(yj_params *ps);

/* Index of a name, -1 if none. */
long params_find(const yj_params *ps, const char *name);

static inline float *params_data(yj_params *ps, long i)
{
	return ps->data + ps->v[i].offset;
}

static inline float *params_grad(yj_params *ps, long i)
{
	return ps->grad + ps->v[i].offset;
}

/* n zeroed floats starting on a cache line (64 bytes): the threads of a
 * region write columns of their own, and a line shared at the border
 * ping-pongs between the cores (the mlp benchmark's 2-thread step: about
 * 8% slower with calloc's 16-byte alignment).  NULL when out of memory;
 * free() releases it. */
float *nn_zalloc_lines(size_t n);

/* Zero all gradients.  From PARAMS_SPLIT_MIN floats the pass is split
 * across nn_threads() parts of the pool, each zeroing its params_share. */
void params_zero_grad(yj_params *ps);

/* Floats of the flat buffers from which a pass over them (the gradients'
 * zeroing, AdamW) is split across the pool's threads: below, waking a
 * thread costs more than it saves. */
#define PARAMS_SPLIT_MIN 8192

/* Part `part` of np's share [*lo, *hi) of the flat buffers, cut on 16
 * floats (64-byte lines of the aligned buffers), so no line has two
 * writers and the passes that use it leave each line on one core. */
void params_share(const yj_params *ps, int part, int np, size_t *lo, size_t *hi);

#endif
