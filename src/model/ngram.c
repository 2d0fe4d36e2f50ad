/*
 * ngram.c - hashed character n-grams and the sparse linear layer over them
 * (see ngram.h).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/utf8.h"
#include "yujing/model/ngram.h"

int ngram_hash_text(const char *s, int nmax, uint32_t buckets, uint32_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	size_t len = s ? strlen(s) : 0, nch = 0;
	size_t *start = malloc((len + 1) * sizeof *start);
	if (!start)
		return -1;
	for (size_t i = 0; i < len; i += utf8_step(s + i))
		start[nch++] = i;
	start[nch] = len;
	size_t total = 0;
	for (int k = 1; k <= nmax; k++)
		total += nch >= (size_t)k ? nch - (size_t)k + 1 : 0;
	uint32_t *h = malloc((total ? total : 1) * sizeof *h);
	if (!h) {
		free(start);
		return -1;
	}
	size_t m = 0;
	for (size_t i = 0; i < nch; i++)
		for (int k = 1; k <= nmax && i + (size_t)k <= nch; k++) {
			/* FNV-1a 64 over the n-gram's bytes, with its length
			 * mixed in last so "ab" as a 2-gram and "ab" inside a
			 * longer gram cannot meet by construction */
			uint64_t x = 1469598103934665603ULL;
			for (size_t j = start[i]; j < start[i + (size_t)k]; j++) {
				x ^= (unsigned char)s[j];
				x *= 1099511628211ULL;
			}
			x ^= (uint64_t)k;
			x *= 1099511628211ULL;
			h[m++] = (uint32_t)(x % buckets);
		}
	free(start);
	*out = h;
	*n = m;
	return 0;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

void ngram_data_free(yj_ngram_data *d)
{
	free(d->off);
	free(d->ids);
	free(d->count);
	memset(d, 0, sizeof *d);
}

int ngram_data_build(const char *const *texts, size_t n, const unsigned char *use, int nmax,
		     uint32_t buckets, uint32_t **vocab, size_t *nvocab, int vocab_given,
		     yj_ngram_data *out)
{
	memset(out, 0, sizeof *out);
	uint32_t **h = calloc(n ? n : 1, sizeof *h);
	size_t *hn = calloc(n ? n : 1, sizeof *hn);
	uint32_t *all = NULL;
	int rc = -1;
	if (!h || !hn)
		goto out;
	size_t total = 0;
	for (size_t i = 0; i < n; i++) {
		if (ngram_hash_text(texts[i], nmax, buckets, &h[i], &hn[i]))
			goto out;
		total += hn[i];
	}
	if (!vocab_given) {
		/* the sorted distinct buckets of the texts in use */
		size_t m = 0;
		all = malloc((total ? total : 1) * sizeof *all);
		if (!all)
			goto out;
		for (size_t i = 0; i < n; i++)
			if (!use || use[i]) {
				memcpy(all + m, h[i], hn[i] * sizeof *all);
				m += hn[i];
			}
		qsort(all, m, sizeof *all, cmp_u32);
		size_t u = 0;
		for (size_t i = 0; i < m; i++)
			if (!u || all[u - 1] != all[i])
				all[u++] = all[i];
		uint32_t *v = realloc(all, (u ? u : 1) * sizeof *v);
		if (!v)
			goto out;
		*vocab = v;
		*nvocab = u;
		all = NULL;
	}
	out->n = n;
	out->off = malloc((n + 1) * sizeof *out->off);
	out->ids = malloc((total ? total : 1) * sizeof *out->ids);
	out->count = malloc((n ? n : 1) * sizeof *out->count);
	if (!out->off || !out->ids || !out->count)
		goto out;
	size_t k = 0;
	for (size_t i = 0; i < n; i++) {
		out->off[i] = k;
		out->count[i] = (uint32_t)hn[i];
		for (size_t j = 0; j < hn[i]; j++) {
			uint32_t *hit = bsearch(&h[i][j], *vocab, *nvocab, sizeof **vocab, cmp_u32);
			if (hit)
				out->ids[k++] = (int32_t)(hit - *vocab);
		}
	}
	out->off[n] = k;
	rc = 0;
out:
	for (size_t i = 0; h && i < n; i++)
		free(h[i]);
	free(h);
	free(hn);
	free(all);
	if (rc)
		ngram_data_free(out);
	return rc;
}

int ngram_declare(yj_ngram *g, int index, size_t rows, int dim, yj_params *ps)
{
	char name[PARAM_NAME_MAX];
	memset(g, 0, sizeof *g);
	g->dim = dim;
	g->rows = rows;
	g->P = ps;
	int64_t wshape[2] = {(int64_t)rows, dim}, bshape[1] = {dim};
	snprintf(name, sizeof name, "ngram.%d.weight", index);
	if ((g->w = params_add(ps, name, 2, wshape, 0, 1)) < 0)
		return -1;
	snprintf(name, sizeof name, "ngram.%d.bias", index);
	if ((g->b = params_add(ps, name, 1, bshape, 0, 1)) < 0)
		return -1;
	return 0;
}

void ngram_forward(const yj_ngram *g, float *out, const yj_ngram_data *d, const size_t *idx, int B)
{
	size_t D = (size_t)g->dim;
	const float *W = params_data(g->P, g->w), *bias = params_data(g->P, g->b);
	for (int b = 0; b < B; b++) {
		size_t i = idx[b];
		float *o = out + (size_t)b * D;
		memset(o, 0, D * sizeof *o);
		for (size_t j = d->off[i]; j < d->off[i + 1]; j++) {
			const float *row = W + (size_t)d->ids[j] * D;
			for (size_t c = 0; c < D; c++)
				o[c] += row[c];
		}
		float inv = d->count[i] ? 1.0f / (float)d->count[i] : 0.0f;
		for (size_t c = 0; c < D; c++)
			o[c] = o[c] * inv + bias[c];
	}
}

void ngram_backward(yj_ngram *g, const float *dout, const yj_ngram_data *d, const size_t *idx, int B)
{
	size_t D = (size_t)g->dim;
	float *dW = params_grad(g->P, g->w), *db = params_grad(g->P, g->b);
	for (int b = 0; b < B; b++) {
		size_t i = idx[b];
		const float *go = dout + (size_t)b * D;
		float inv = d->count[i] ? 1.0f / (float)d->count[i] : 0.0f;
		for (size_t c = 0; c < D; c++)
			db[c] += go[c];
		for (size_t j = d->off[i]; j < d->off[i + 1]; j++) {
			float *row = dW + (size_t)d->ids[j] * D;
			for (size_t c = 0; c < D; c++)
				row[c] += go[c] * inv;
		}
	}
}
