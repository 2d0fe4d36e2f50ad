/*
 * params.c - a model's parameters in one contiguous buffer with named
 * views (llm.c's layout).
 *
 * Tensors are declared first (params_add) and laid out back to back in
 * declaration order; params_alloc then allocates four buffers of the same
 * length -- values, gradients, AdamW first and second moments -- so a
 * tensor's offset is valid in each of them.  The optimizer and gradient
 * clipping are one loop over a buffer, and a checkpoint is the values
 * buffer plus the table of names and shapes.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/nn/ops.h"
#include "yujing/nn/params.h"
#include "yujing/nn/pool.h"

void params_init(yj_params *ps)
{
	memset(ps, 0, sizeof *ps);
}

void params_free(yj_params *ps)
{
	if (!ps)
		return;
	free(ps->v);
	free(ps->data);
	free(ps->grad);
	free(ps->m);
	free(ps->v2);
	params_init(ps);
}

long params_find(const yj_params *ps, const char *name)
{
	for (size_t i = 0; i < ps->n; i++)
		if (strcmp(ps->v[i].name, name) == 0)
			return (long)i;
	return -1;
}

long params_add(yj_params *ps, const char *name, int ndim, const int64_t *shape, int decay,
		int trainable)
{
	/* The layout is fixed once the buffers exist. */
	if (ps->data || !name || ndim < 0 || ndim > PARAM_MAXDIM || (ndim > 0 && !shape))
		return -1;
	size_t len = strlen(name);
	if (len == 0 || len >= PARAM_NAME_MAX || params_find(ps, name) >= 0)
		return -1;

	/* numel, refusing negative dimensions and size_t overflow of the
	 * running total (in bytes, since each buffer is total * 4 bytes). */
	size_t size = 1;
	for (int d = 0; d < ndim; d++) {
		if (shape[d] < 0 || (uint64_t)shape[d] > SIZE_MAX)
			return -1;
		if (__builtin_mul_overflow(size, (size_t)shape[d], &size))
			return -1;
	}
	size_t total;
	if (__builtin_add_overflow(ps->total, size, &total) || total > SIZE_MAX / sizeof(float))
		return -1;

	if (ps->n == ps->cap) {
		size_t cap = ps->cap ? 2 * ps->cap : 16;
		yj_param *v = realloc(ps->v, cap * sizeof *v);
		if (!v)
			return -1;
		ps->v = v;
		ps->cap = cap;
	}
	yj_param *p = &ps->v[ps->n];
	memset(p, 0, sizeof *p);
	memcpy(p->name, name, len + 1);
	p->ndim = ndim;
	for (int d = 0; d < ndim; d++)
		p->shape[d] = shape[d];
	p->offset = ps->total;
	p->size = size;
	p->decay = !!decay;
	p->trainable = !!trainable;
	ps->total = total;
	return (long)ps->n++;
}

float *nn_zalloc_lines(size_t n)
{
	size_t bytes = n * sizeof(float);
	if (n > SIZE_MAX / sizeof(float) - 64)
		return NULL;
	float *p = aligned_alloc(64, bytes ? (bytes + 63) / 64 * 64 : 64);
	if (p)
		memset(p, 0, bytes);
	return p;
}

int params_alloc(yj_params *ps)
{
	if (ps->data)
		return -1;
	/* At least one float each so an empty model still has valid
	 * (non-NULL) buffers. */
	size_t n = ps->total ? ps->total : 1;
	ps->data = nn_zalloc_lines(n);
	ps->grad = nn_zalloc_lines(n);
	ps->m = nn_zalloc_lines(n);
	ps->v2 = nn_zalloc_lines(n);
	if (!ps->data || !ps->grad || !ps->m || !ps->v2) {
		free(ps->data);
		free(ps->grad);
		free(ps->m);
		free(ps->v2);
		ps->data = ps->grad = ps->m = ps->v2 = NULL;
		return -1;
	}
	return 0;
}

void params_share(const yj_params *ps, int part, int np, size_t *lo, size_t *hi)
{
	size_t lines = (ps->total + 15) / 16;
	*lo = lines * (size_t)part / (size_t)np * 16;
	*hi = part + 1 == np ? ps->total : lines * (size_t)(part + 1) / (size_t)np * 16;
}

static void zero_part(void *ctx, int part, int np)
{
	yj_params *ps = ctx;
	size_t lo, hi;
	params_share(ps, part, np, &lo, &hi);
	if (hi > lo)
		memset(ps->grad + lo, 0, (hi - lo) * sizeof(float));
}

void params_zero_grad(yj_params *ps)
{
	if (!ps->grad)
		return;
	int np = ps->total >= PARAMS_SPLIT_MIN ? nn_threads() : 1;
	if (np > 1)
		nn_pool_run(np, zero_part, ps);
	else
		memset(ps->grad, 0, ps->total * sizeof(float));
}
