/*
 * stats.c - weighted statistics over dictionary entries, and duplicate
 * row detection.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/data/stats.h"

void stats_moments(const yj_column *col, const int64_t *cnt, yj_moments *m)
{
	long double sum = 0;
	int64_t n = 0;
	m->min = m->max = m->mean = m->std = NAN;
	m->min_entry = m->max_entry = 0;
	for (size_t e = 1; e < col->ndict; e++) {
		if (!cnt[e] || col->is_null[e] || isnan(col->num[e]))
			continue;
		double v = col->num[e];
		sum += (long double)v * (long double)cnt[e];
		n += cnt[e];
		if (isnan(m->min) || v < m->min)
			m->min = v, m->min_entry = e;
		if (isnan(m->max) || v > m->max)
			m->max = v, m->max_entry = e;
	}
	m->n = n;
	if (!n)
		return;
	long double mean = sum / (long double)n, ss = 0;
	for (size_t e = 1; e < col->ndict; e++) {
		if (!cnt[e] || col->is_null[e] || isnan(col->num[e]))
			continue;
		long double d = (long double)col->num[e] - mean;
		ss += d * d * (long double)cnt[e];
	}
	m->mean = (double)mean;
	m->std = (double)sqrtl(ss / (long double)n);
}

int stats_is_outlier(const yj_column *col, size_t e, const yj_moments *m, double s)
{
	if (m->n < 2 || !(m->std > 0) || col->is_null[e] || isnan(col->num[e]))
		return 0;
	return fabs(col->num[e] - m->mean) > s * m->std;
}

typedef struct {
	const yj_column *col;
	int by_chars;
} sort_ctx;

static int natural_cmp(const yj_column *col, size_t a, size_t b)
{
	if (ftype_is_numeric(col->type) || col->type == FTYPE_DATETIME) {
		double x = col->num[a], y = col->num[b];
		if (!isnan(x) && !isnan(y) && x != y)
			return x < y ? -1 : 1;
		if (isnan(x) != isnan(y))
			return isnan(x) ? 1 : -1;
	}
	int c = strcmp(col->value[a], col->value[b]);
	return c;
}

/* The order that breaks ties between equally frequent values (mode, top
 * values): numeric for numeric fields, bytes otherwise (a datetime's
 * spelling, not its time). */
static int tie_cmp(const yj_column *col, size_t a, size_t b)
{
	if (ftype_is_numeric(col->type))
		return natural_cmp(col, a, b);
	return strcmp(col->value[a], col->value[b]);
}

static int cmp_entries(const void *pa, const void *pb, void *arg)
{
	const sort_ctx *ctx = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	if (ctx->by_chars && ctx->col->chars[a] != ctx->col->chars[b])
		return ctx->col->chars[a] < ctx->col->chars[b] ? -1 : 1;
	return natural_cmp(ctx->col, a, b);
}

static size_t *sorted(const yj_column *col, const int64_t *cnt, size_t *n, int by_chars)
{
	size_t k = 0;
	size_t *v = malloc((col->ndict ? col->ndict : 1) * sizeof *v);
	*n = 0;
	if (!v)
		return NULL;
	for (size_t e = 1; e < col->ndict; e++)
		if (cnt[e] && !col->is_null[e])
			v[k++] = e;
	sort_ctx ctx = {col, by_chars};
	qsort_r(v, k, sizeof *v, cmp_entries, &ctx);
	*n = k;
	return v;
}

size_t *stats_sorted_entries(const yj_column *col, const int64_t *cnt, size_t *n)
{
	return sorted(col, cnt, n, 0);
}

size_t *stats_sorted_by_chars(const yj_column *col, const int64_t *cnt, size_t *n)
{
	return sorted(col, cnt, n, 1);
}

/* The value of order statistic i (0-based) over sorted weighted entries. */
static double order_stat(const yj_column *col, const int64_t *cnt, const size_t *s, size_t n,
			 int64_t i, int by_chars)
{
	int64_t acc = 0;
	for (size_t k = 0; k < n; k++) {
		acc += cnt[s[k]];
		if (i < acc)
			return by_chars ? (double)col->chars[s[k]] : col->num[s[k]];
	}
	return NAN;
}

double stats_quantile(const yj_column *col, const int64_t *cnt, const size_t *s, size_t n, double q,
		      int by_chars)
{
	int64_t total = 0;
	for (size_t k = 0; k < n; k++)
		if (by_chars || !isnan(col->num[s[k]]))
			total += cnt[s[k]];
	if (!total)
		return NAN;
	double pos = q * (double)(total - 1);
	int64_t lo = (int64_t)floor(pos), hi = (int64_t)ceil(pos);
	double a = order_stat(col, cnt, s, n, lo, by_chars);
	if (hi == lo)
		return a;
	double b = order_stat(col, cnt, s, n, hi, by_chars);
	/* numpy's linear interpolation: a + (b - a) * fraction */
	return a + (b - a) * (pos - (double)lo);
}

size_t stats_mode(const yj_column *col, const int64_t *cnt)
{
	size_t best = 0;
	for (size_t e = 1; e < col->ndict; e++) {
		if (!cnt[e] || col->is_null[e])
			continue;
		if (!best || cnt[e] > cnt[best] || (cnt[e] == cnt[best] && tie_cmp(col, e, best) < 0))
			best = e;
	}
	return best;
}

size_t stats_top(const yj_column *col, const int64_t *cnt, size_t k, size_t *out)
{
	size_t m = 0;
	for (size_t e = 1; e < col->ndict; e++) {
		if (!cnt[e] || col->is_null[e])
			continue;
		/* insertion into the top-k list */
		size_t pos = m;
		while (pos > 0) {
			size_t o = out[pos - 1];
			if (cnt[e] > cnt[o] || (cnt[e] == cnt[o] && tie_cmp(col, e, o) < 0))
				pos--;
			else
				break;
		}
		if (pos >= k)
			continue;
		size_t end = m < k ? m : k - 1;
		memmove(out + pos + 1, out + pos, (end - pos) * sizeof *out);
		out[pos] = e;
		if (m < k)
			m++;
	}
	return m;
}

static uint64_t mix(uint64_t h, uint64_t v)
{
	h ^= v + 0x9E3779B97F4A7C15ULL + (h << 6) + (h >> 2);
	return h * 0xff51afd7ed558ccdULL;
}

long long stats_duplicate_rows(const yj_table *t, const unsigned char *keep,
			       const unsigned char *ignore, unsigned char *dup)
{
	size_t n = t->nrows, nslots = 16;
	while (nslots < n * 2)
		nslots *= 2;
	uint64_t *hash = malloc((n ? n : 1) * sizeof *hash);
	uint32_t *slot = malloc(nslots * sizeof *slot);
	if (!hash || !slot) {
		free(hash);
		free(slot);
		return -1;
	}
	memset(slot, 0xff, nslots * sizeof *slot);
	memset(hash, 0, (n ? n : 1) * sizeof *hash);
	/* Column-major hashing keeps each column's codes in cache. */
	for (size_t c = 0; c < t->ncols; c++) {
		if (ignore && ignore[c])
			continue;
		const uint32_t *code = t->cols[c].code;
		for (size_t r = 0; r < n; r++)
			hash[r] = mix(hash[r], code[r]);
	}
	long long dups = 0;
	for (size_t r = 0; r < n; r++) {
		dup[r] = 0;
		if (keep && !keep[r])
			continue;
		size_t i = hash[r] & (nslots - 1);
		for (;;) {
			uint32_t o = slot[i];
			if (o == UINT32_MAX) {
				slot[i] = (uint32_t)r;
				break;
			}
			if (hash[o] == hash[r]) {
				size_t c = 0;
				for (; c < t->ncols; c++) {
					if (ignore && ignore[c])
						continue;
					if (t->cols[c].code[o] != t->cols[c].code[r])
						break;
				}
				if (c == t->ncols) {
					dup[r] = 1;
					dups++;
					break;
				}
			}
			i = (i + 1) & (nslots - 1);
		}
	}
	free(hash);
	free(slot);
	return dups;
}
