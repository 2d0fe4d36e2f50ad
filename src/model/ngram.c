/*
 * ngram.c - TF-IDF-weighted hashed n-grams, the sparse linear layer over
 * them with its direct path to the logits, and the lazy AdamW of its
 * tables (see ngram.h).
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/utf8.h"
#include "yujing/model/ngram.h"

void ngram_spec_default(yj_ngram_spec *sp)
{
	sp->nmax = NGRAM_DEFAULT_N;
	sp->words = NGRAM_DEFAULT_WORDS;
	sp->buckets = NGRAM_DEFAULT_BUCKETS;
	sp->tfidf = 1;
	sp->min_df = 2;
}

int ngram_char_class(uint32_t c)
{
	if (c < 0x80)
		return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? NGRAM_CH_WORD
												  : NGRAM_CH_SEP;
	if ((c >= 0x2E80 && c <= 0x9FFF) || (c >= 0xAC00 && c <= 0xD7AF) || (c >= 0xF900 && c <= 0xFAFF) ||
	    (c >= 0xFE30 && c <= 0xFE4F) || (c >= 0xFF00 && c <= 0xFFEF) || (c >= 0x20000 && c <= 0x3FFFF))
		return NGRAM_CH_CJK;
	/* Latin-1 punctuation and symbols, general punctuation to the
	 * miscellaneous symbols and arrows */
	if ((c >= 0x80 && c <= 0xBF) || c == 0xD7 || c == 0xF7 || (c >= 0x2000 && c <= 0x2BFF))
		return NGRAM_CH_SEP;
	return NGRAM_CH_WORD;
}

#define FNV_OFFSET 1469598103934665603ULL
#define FNV_PRIME 1099511628211ULL

/* FNV-1a 64 over bytes, then the kind (character n-grams: n; word
 * n-grams: 256 + n) mixed in last, so that grams of different kinds or
 * lengths cannot meet by construction. */
static uint32_t hash_bytes(const char *s, size_t a, size_t b, uint64_t kind, uint32_t buckets)
{
	uint64_t x = FNV_OFFSET;
	for (size_t j = a; j < b; j++) {
		x ^= (unsigned char)s[j];
		x *= FNV_PRIME;
	}
	x ^= kind;
	x *= FNV_PRIME;
	return (uint32_t)(x % buckets);
}

/* The text to hash: TF-IDF lowers ASCII letters and makes every run of
 * white space (ASCII, U+3000) one space, without leading or trailing
 * space; the mean of runs from before hashes the raw bytes.  Returns a
 * malloc'd string, NULL when out of memory. */
static char *normalise(const char *s, int tfidf)
{
	size_t len = s ? strlen(s) : 0;
	char *o = malloc(len + 1);
	if (!o)
		return NULL;
	if (!tfidf) {
		memcpy(o, s ? s : "", len + 1);
		return o;
	}
	size_t k = 0;
	int space = 0;
	for (size_t i = 0; i < len;) {
		unsigned char c = (unsigned char)s[i];
		int ws = c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
		size_t n = ws ? 1 : (c == 0xE3 && i + 2 < len && (unsigned char)s[i + 1] == 0x80 &&
				     (unsigned char)s[i + 2] == 0x80)
					? 3
					: 0; /* U+3000 */
		if (n) {
			space = 1;
			i += n;
			continue;
		}
		if (space && k)
			o[k++] = ' ';
		space = 0;
		n = utf8_step(s + i);
		for (size_t j = 0; j < n; j++, i++)
			o[k++] = s[i] >= 'A' && s[i] <= 'Z' ? (char)(s[i] - 'A' + 'a') : s[i];
	}
	o[k] = '\0';
	return o;
}

int ngram_hash_text(const char *s, const yj_ngram_spec *sp, uint32_t **out, size_t *n)
{
	*out = NULL;
	*n = 0;
	int rc = -1;
	char *t = normalise(s, sp->tfidf);
	size_t len = t ? strlen(t) : 0, nch = 0, nw = 0;
	size_t *start = t ? malloc((len + 1) * sizeof *start) : NULL;
	/* words: [ws[i], we[i]) bytes; brk[i]: a CJK character or the text's
	 * start comes before word i (no word n-gram spans it) */
	size_t *ws = t ? malloc((len + 1) * sizeof *ws) : NULL, *we = t ? malloc((len + 1) * sizeof *we) : NULL;
	unsigned char *brk = t ? malloc(len + 1) : NULL;
	uint32_t *h = NULL;
	if (!t || !start || !ws || !we || !brk)
		goto out;
	int words = sp->tfidf && sp->words > 0 ? sp->words : 0, cjk_since = 1;
	for (size_t i = 0; i < len;) {
		size_t cl = utf8_step(t + i);
		uint32_t cp = 0;
		int cls = utf8_decode((const unsigned char *)t + i, cl, &cp) ? ngram_char_class(cp) : NGRAM_CH_SEP;
		start[nch++] = i;
		if (cls == NGRAM_CH_WORD) {
			if (!nw || we[nw - 1] != i || cjk_since) {
				brk[nw] = (unsigned char)cjk_since;
				ws[nw++] = i;
			}
			we[nw - 1] = i + cl;
			cjk_since = 0;
		} else if (cls == NGRAM_CH_CJK) {
			cjk_since = 1;
		}
		i += cl;
	}
	start[nch] = len;
	size_t total = 0;
	for (int k = 1; k <= sp->nmax; k++)
		total += nch >= (size_t)k ? nch - (size_t)k + 1 : 0;
	for (int k = 1; k <= words; k++)
		total += nw >= (size_t)k ? nw - (size_t)k + 1 : 0;
	if (!(h = malloc((total ? total : 1) * sizeof *h)))
		goto out;
	size_t m = 0;
	for (size_t i = 0; i < nch; i++)
		for (int k = 1; k <= sp->nmax && i + (size_t)k <= nch; k++)
			h[m++] = hash_bytes(t, start[i], start[i + (size_t)k], (uint64_t)k, sp->buckets);
	/* word n-grams: the words' bytes joined by one space */
	char *buf = malloc(len + 1);
	if (!buf)
		goto out;
	for (size_t i = 0; i < nw; i++)
		for (int k = 1; k <= words && i + (size_t)k <= nw; k++) {
			int broken = 0;
			for (int j = 1; j < k; j++)
				broken |= brk[i + (size_t)j];
			if (broken)
				continue;
			size_t bl = 0;
			for (int j = 0; j < k; j++) {
				size_t a = ws[i + (size_t)j], b = we[i + (size_t)j];
				if (j)
					buf[bl++] = ' ';
				memcpy(buf + bl, t + a, b - a);
				bl += b - a;
			}
			h[m++] = hash_bytes(buf, 0, bl, 256 + (uint64_t)k, sp->buckets);
		}
	free(buf);
	*out = h;
	*n = m;
	h = NULL;
	rc = 0;
out:
	free(h);
	free(t);
	free(start);
	free(ws);
	free(we);
	free(brk);
	return rc;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
	return x < y ? -1 : x > y;
}

/* Sort h[0..n) and make it distinct; counts (may be NULL) get each
 * bucket's occurrences.  Returns the distinct count. */
static size_t sort_count(uint32_t *h, size_t n, uint32_t *counts)
{
	qsort(h, n, sizeof *h, cmp_u32);
	size_t u = 0;
	for (size_t i = 0; i < n; i++) {
		if (u && h[u - 1] == h[i]) {
			if (counts)
				counts[u - 1]++;
			continue;
		}
		if (counts)
			counts[u] = 1;
		h[u++] = h[i];
	}
	return u;
}

void ngram_vocab_free(yj_ngram_vocab *v)
{
	free(v->bucket);
	free(v->df);
	memset(v, 0, sizeof *v);
}

double ngram_idf(const yj_ngram_vocab *v, size_t r)
{
	return log((1.0 + (double)v->ndocs) / (1.0 + (double)v->df[r])) + 1.0;
}

int ngram_vocab_build(const char *const *texts, size_t n, const unsigned char *use, const yj_ngram_spec *sp,
		      yj_ngram_vocab *v)
{
	memset(v, 0, sizeof *v);
	/* every text's distinct buckets, one after another; sorted and
	 * counted, a bucket's count is its document frequency */
	uint32_t *all = NULL, *h = NULL;
	size_t m = 0, cap = 0;
	for (size_t i = 0; i < n; i++) {
		if (use && !use[i])
			continue;
		size_t hn;
		if (ngram_hash_text(texts[i], sp, &h, &hn))
			goto fail;
		hn = sort_count(h, hn, NULL);
		if (m + hn > cap) {
			size_t nc = cap ? cap : 1024;
			while (nc < m + hn)
				nc *= 2;
			uint32_t *a = realloc(all, nc * sizeof *a);
			if (!a)
				goto fail;
			all = a;
			cap = nc;
		}
		memcpy(all + m, h, hn * sizeof *h);
		m += hn;
		free(h);
		h = NULL;
		v->ndocs++;
	}
	v->df = malloc((m ? m : 1) * sizeof *v->df);
	if (!v->df)
		goto fail;
	if (!all && !(all = malloc(sizeof *all)))
		goto fail;
	v->n = sort_count(all, m, v->df);
	size_t keep = 0;
	for (size_t r = 0; r < v->n; r++)
		keep += v->df[r] >= (uint32_t)sp->min_df;
	if (keep) { /* else every bucket: none is in min_df texts */
		size_t u = 0;
		for (size_t r = 0; r < v->n; r++)
			if (v->df[r] >= (uint32_t)sp->min_df) {
				all[u] = all[r];
				v->df[u++] = v->df[r];
			}
		v->n = u;
	}
	uint32_t *b = realloc(all, (v->n ? v->n : 1) * sizeof *b), *d = realloc(v->df, (v->n ? v->n : 1) * sizeof *d);
	if (b)
		all = b;
	if (d)
		v->df = d;
	v->bucket = all;
	return 0;
fail:
	free(h);
	free(all);
	ngram_vocab_free(v);
	return -1;
}

void ngram_data_free(yj_ngram_data *d)
{
	free(d->off);
	free(d->ids);
	free(d->w);
	memset(d, 0, sizeof *d);
}

int ngram_data_build(const char *const *texts, size_t n, const yj_ngram_spec *sp, const yj_ngram_vocab *v,
		     yj_ngram_data *out)
{
	memset(out, 0, sizeof *out);
	uint32_t *h = NULL, *cnt = NULL;
	size_t cap = 0, k = 0;
	int tfidf = sp->tfidf && v->df;
	out->n = n;
	if (!(out->off = malloc((n + 1) * sizeof *out->off)))
		goto fail;
	for (size_t i = 0; i < n; i++) {
		size_t hn;
		out->off[i] = k;
		if (ngram_hash_text(texts[i], sp, &h, &hn))
			goto fail;
		size_t all = hn;
		if (tfidf) {
			free(cnt);
			if (!(cnt = malloc((hn ? hn : 1) * sizeof *cnt)))
				goto fail;
			hn = sort_count(h, hn, cnt);
		}
		if (k + hn > cap) {
			size_t nc = cap ? cap : 1024;
			while (nc < k + hn)
				nc *= 2;
			int32_t *ids = realloc(out->ids, nc * sizeof *ids);
			if (ids)
				out->ids = ids;
			float *w = realloc(out->w, nc * sizeof *w);
			if (w)
				out->w = w;
			if (!ids || !w)
				goto fail;
			cap = nc;
		}
		double ss = 0;
		size_t k0 = k;
		for (size_t j = 0; j < hn; j++) {
			uint32_t *hit = bsearch(&h[j], v->bucket, v->n, sizeof *v->bucket, cmp_u32);
			if (!hit)
				continue;
			size_t r = (size_t)(hit - v->bucket);
			double x = tfidf ? (1.0 + log((double)cnt[j])) * ngram_idf(v, r) : 1.0 / (double)all;
			out->ids[k] = (int32_t)r;
			out->w[k++] = (float)x;
			ss += x * x;
		}
		if (tfidf && ss > 0) {
			/* x / ||x||_2, the norm in double over the text's entries */
			double inv = 1.0 / sqrt(ss);
			for (size_t j = k0; j < k; j++)
				out->w[j] = (float)((double)out->w[j] * inv);
		}
		free(h);
		h = NULL;
	}
	out->off[n] = k;
	if (!out->ids && (!(out->ids = malloc(sizeof *out->ids)) || !(out->w = malloc(sizeof *out->w))))
		goto fail;
	free(cnt);
	return 0;
fail:
	free(h);
	free(cnt);
	ngram_data_free(out);
	return -1;
}

int ngram_declare(yj_ngram *g, int index, size_t rows, int dim, int nclasses, yj_params *ps)
{
	char name[PARAM_NAME_MAX];
	memset(g, 0, sizeof *g);
	g->dim = dim;
	g->nclasses = nclasses > 0 ? nclasses : 0;
	g->rows = rows;
	g->P = ps;
	g->u = -1;
	g->lr_scale = 1.0f;
	int64_t wshape[2] = {(int64_t)rows, dim}, bshape[1] = {dim}, ushape[2] = {(int64_t)rows, nclasses};
	/* the tables: not trainable for the dense optimizer (ngram_step) */
	snprintf(name, sizeof name, "ngram.%d.weight", index);
	if ((g->w = params_add(ps, name, 2, wshape, 0, 0)) < 0)
		return -1;
	snprintf(name, sizeof name, "ngram.%d.bias", index);
	if ((g->b = params_add(ps, name, 1, bshape, 0, 1)) < 0)
		return -1;
	if (g->nclasses) {
		snprintf(name, sizeof name, "ngram.%d.direct", index);
		if ((g->u = params_add(ps, name, 2, ushape, 1, 0)) < 0)
			return -1;
	}
	g->mark = calloc(rows ? rows : 1, 1);
	g->touched = malloc((rows ? rows : 1) * sizeof *g->touched);
	if (g->nclasses)
		g->decayed = calloc(rows ? rows : 1, sizeof *g->decayed);
	if (!g->mark || !g->touched || (g->nclasses && !g->decayed)) {
		ngram_free(g);
		return -1;
	}
	return 0;
}

void ngram_free(yj_ngram *g)
{
	free(g->mark);
	free(g->touched);
	free(g->decayed);
	g->mark = NULL;
	g->touched = NULL;
	g->decayed = NULL;
	g->ntouched = 0;
}

void ngram_forward(const yj_ngram *g, float *out, float *direct, const yj_ngram_data *d, const size_t *idx,
		   int B)
{
	size_t D = (size_t)g->dim, K = (size_t)g->nclasses;
	const float *W = params_data(g->P, g->w), *bias = params_data(g->P, g->b);
	const float *U = g->nclasses ? params_data(g->P, g->u) : NULL;
	for (int b = 0; b < B; b++) {
		size_t i = idx[b];
		float *o = out + (size_t)b * D, *z = direct && U ? direct + (size_t)b * K : NULL;
		memcpy(o, bias, D * sizeof *o);
		for (size_t j = d->off[i]; j < d->off[i + 1]; j++) {
			const float x = d->w[j];
			const float *row = W + (size_t)d->ids[j] * D;
			for (size_t c = 0; c < D; c++)
				o[c] += x * row[c];
			if (z) {
				const float *ur = U + (size_t)d->ids[j] * K;
				for (size_t c = 0; c < K; c++)
					z[c] += x * ur[c];
			}
		}
	}
}

void ngram_backward(yj_ngram *g, const float *dout, const float *dlogits, const yj_ngram_data *d,
		    const size_t *idx, int B)
{
	size_t D = (size_t)g->dim, K = (size_t)g->nclasses;
	float *dW = params_grad(g->P, g->w), *db = params_grad(g->P, g->b);
	float *dU = g->nclasses ? params_grad(g->P, g->u) : NULL;
	for (int b = 0; b < B; b++) {
		size_t i = idx[b];
		const float *go = dout + (size_t)b * D, *gz = dlogits && dU ? dlogits + (size_t)b * K : NULL;
		for (size_t c = 0; c < D; c++)
			db[c] += go[c];
		for (size_t j = d->off[i]; j < d->off[i + 1]; j++) {
			size_t r = (size_t)d->ids[j];
			const float x = d->w[j];
			float *row = dW + r * D;
			for (size_t c = 0; c < D; c++)
				row[c] += x * go[c];
			if (gz) {
				float *ur = dU + r * K;
				for (size_t c = 0; c < K; c++)
					ur[c] += x * gz[c];
			}
			if (!g->mark[r]) {
				g->mark[r] = 1;
				g->touched[g->ntouched++] = r;
			}
		}
	}
}

void ngram_zero_grad(yj_ngram *g)
{
	size_t D = (size_t)g->dim, K = (size_t)g->nclasses;
	float *dW = params_grad(g->P, g->w), *dU = K ? params_grad(g->P, g->u) : NULL;
	for (size_t t = 0; t < g->ntouched; t++) {
		size_t r = g->touched[t];
		memset(dW + r * D, 0, D * sizeof *dW);
		if (dU)
			memset(dU + r * K, 0, K * sizeof *dU);
		g->mark[r] = 0;
	}
	g->ntouched = 0;
}

double ngram_grad_sumsq(const yj_ngram *g)
{
	size_t D = (size_t)g->dim, K = (size_t)g->nclasses;
	const float *dW = params_grad(g->P, g->w), *dU = K ? params_grad(g->P, g->u) : NULL;
	double ss = 0;
	for (size_t t = 0; t < g->ntouched; t++) {
		size_t r = g->touched[t];
		for (size_t c = 0; c < D; c++)
			ss += (double)dW[r * D + c] * dW[r * D + c];
		for (size_t c = 0; dU && c < K; c++)
			ss += (double)dU[r * K + c] * dU[r * K + c];
	}
	return ss;
}

void ngram_scale_grad(yj_ngram *g, float c)
{
	size_t D = (size_t)g->dim, K = (size_t)g->nclasses;
	float *dW = params_grad(g->P, g->w), *dU = K ? params_grad(g->P, g->u) : NULL;
	for (size_t t = 0; t < g->ntouched; t++) {
		size_t r = g->touched[t];
		for (size_t j = 0; j < D; j++)
			dW[r * D + j] *= c;
		for (size_t j = 0; dU && j < K; j++)
			dU[r * K + j] *= c;
	}
}

/* The scalars are those of adamw_step (optim.c) for the same t, so a row
 * present in every step gets bit for bit the dense update. */
void ngram_adamw_rows(const yj_adamw *opt, yj_params *ps, long i, const size_t *rows, size_t n, size_t rowlen,
		      float lr)
{
	const yj_param *pi = &ps->v[i];
	const double t = (double)opt->t;
	const float b1 = opt->beta1, b2 = opt->beta2, eps = opt->eps;
	const float decay = (float)(1.0 - (double)lr * opt->weight_decay);
	const float step_size = (float)((double)lr / (1.0 - pow(b1, t)));
	const float bc2_sqrt = (float)sqrt(1.0 - pow(b2, t));
	const float one_b1 = (float)(1.0 - b1), one_b2 = (float)(1.0 - b2);
	const float dec = pi->decay && opt->weight_decay != 0.0f ? decay : 1.0f;
	for (size_t k = 0; k < n; k++) {
		size_t at = pi->offset + rows[k] * rowlen;
		float *p = ps->data + at, *m = ps->m + at, *v = ps->v2 + at;
		const float *g = ps->grad + at;
		for (size_t j = 0; j < rowlen; j++) {
			p[j] *= dec;
			m[j] = m[j] * b1 + g[j] * one_b1;
			v[j] = v[j] * b2 + one_b2 * g[j] * g[j];
			float denom = sqrtf(v[j]) / bc2_sqrt + eps;
			p[j] += -step_size * (m[j] / denom);
		}
	}
}

float ngram_lr_scale(const yj_ngram_data *d, const size_t *idx, size_t n)
{
	double s = 0;
	for (size_t k = 0; k < n; k++)
		s += (double)(d->off[idx[k] + 1] - d->off[idx[k]]);
	return n && s > 0 ? (float)sqrt(s / (double)n) : 1.0f;
}

/* Row r of U brought up to date: times exp(decay_log - decayed[r]). */
static void decay_row(yj_ngram *g, size_t r)
{
	double gap = g->decay_log - g->decayed[r];
	if (gap == 0.0)
		return;
	size_t K = (size_t)g->nclasses;
	float *row = params_data(g->P, g->u) + r * K;
	const float f = (float)exp(gap);
	for (size_t c = 0; c < K; c++)
		row[c] *= f;
	g->decayed[r] = g->decay_log;
}

void ngram_decay_catch_up(yj_ngram *g, const yj_ngram_data *d, const size_t *idx, int B)
{
	if (!g->decayed || g->decay_log == 0.0)
		return;
	for (int b = 0; b < B; b++)
		for (size_t j = d->off[idx[b]]; j < d->off[idx[b] + 1]; j++)
			decay_row(g, (size_t)d->ids[j]);
}

void ngram_decay_flush(yj_ngram *g)
{
	if (!g->decayed || g->decay_log == 0.0)
		return;
	for (size_t r = 0; r < g->rows; r++)
		decay_row(g, r);
	memset(g->decayed, 0, g->rows * sizeof *g->decayed);
	g->decay_log = 0.0;
}

int ngram_decay_pending(const yj_ngram *g)
{
	return g->decayed && g->decay_log != 0.0;
}

void ngram_step(yj_ngram *g, const yj_adamw *opt, float lr)
{
	lr *= g->lr_scale;
	ngram_adamw_rows(opt, g->P, g->w, g->touched, g->ntouched, (size_t)g->dim, lr);
	if (!g->nclasses)
		return;
	/* the factor of adamw_step and ngram_adamw_rows, as they round it */
	const float decay = (float)(1.0 - (double)lr * opt->weight_decay);
	const int lazy = g->decayed && g->P->v[g->u].decay && opt->weight_decay != 0.0f && decay > 0.0f;
	for (size_t k = 0; lazy && k < g->ntouched; k++)
		decay_row(g, g->touched[k]);
	ngram_adamw_rows(opt, g->P, g->u, g->touched, g->ntouched, (size_t)g->nclasses, lr);
	if (!lazy)
		return;
	g->decay_log += log((double)decay);
	for (size_t k = 0; k < g->ntouched; k++)
		g->decayed[g->touched[k]] = g->decay_log;
}
