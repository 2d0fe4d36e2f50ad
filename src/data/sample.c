/*
 * sample.c - histograms and marked sample rows for drilling into a field
 * (see sample.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/data/sample.h"
#include "yujing/data/stats.h"

void sample_histogram_free(yj_histogram *h)
{
	free(h->count);
	memset(h, 0, sizeof *h);
}

/* The value of entry e the histogram counts, NaN when it counts none. */
static double hist_value(const yj_column *col, size_t e, int by_chars)
{
	if (col->is_null[e])
		return NAN;
	return by_chars ? (double)col->chars[e] : col->num[e];
}

int sample_histogram(const yj_column *col, size_t nbins, int by_chars, yj_histogram *h)
{
	memset(h, 0, sizeof *h);
	double lo = INFINITY, hi = -INFINITY;
	int integral = 1;
	for (size_t e = 1; e < col->ndict; e++) {
		double v = hist_value(col, e, by_chars);
		if (!col->count[e] || isnan(v))
			continue;
		if (v < lo)
			lo = v;
		if (v > hi)
			hi = v;
		if (v != floor(v))
			integral = 0;
	}
	if (lo > hi || nbins == 0)
		return 0;
	h->lo = lo;
	h->hi = hi;
	h->integral = integral;
	if (integral) {
		/* Whole-number bins: each holds width consecutive integers. */
		double span = hi - lo + 1;
		h->width = ceil(span / (double)nbins);
		h->nbins = (size_t)ceil(span / h->width);
	} else {
		h->nbins = nbins;
		h->width = hi > lo ? (hi - lo) / (double)nbins : 1;
	}
	h->count = calloc(h->nbins, sizeof *h->count);
	if (!h->count)
		return -1;
	for (size_t e = 1; e < col->ndict; e++) {
		double v = hist_value(col, e, by_chars);
		if (!col->count[e] || isnan(v))
			continue;
		double pos = (v - lo) / h->width;
		size_t b = pos >= (double)h->nbins ? h->nbins - 1 : (size_t)pos;
		h->count[b] += col->count[e];
		h->total += col->count[e];
	}
	return 0;
}

void sample_free(yj_sample *s)
{
	if (s->cell)
		for (size_t i = 0; i < s->nrows * s->ncols; i++)
			free(s->cell[i]);
	free(s->cell);
	free(s->mark);
	free(s->line);
	memset(s, 0, sizeof *s);
}

int sample_rows(const yj_table *t, size_t focus, double sigma, size_t max, yj_sample *s)
{
	memset(s, 0, sizeof *s);
	size_t nc = t->ncols;
	/* Per column and dictionary entry: its mark. */
	unsigned char **mark = calloc(nc ? nc : 1, sizeof *mark);
	if (!mark)
		return -1;
	int ret = -1;
	for (size_t c = 0; c < nc; c++) {
		const yj_column *col = &t->cols[c];
		mark[c] = calloc(col->ndict, 1);
		if (!mark[c])
			goto out;
		yj_moments m;
		int numeric = ftype_is_numeric(col->type);
		if (numeric)
			stats_moments(col, col->count, &m);
		for (size_t e = 0; e < col->ndict; e++)
			if (col->is_null[e])
				mark[c][e] = SAMPLE_NULL;
			else if (numeric && stats_is_outlier(col, e, &m, sigma))
				mark[c][e] = SAMPLE_OUTLIER;
	}
	/* Which rows: pass 0 looks at the focus cell, pass 1 at any cell,
	 * pass 2 takes every row. */
	size_t *pick = malloc((max ? max : 1) * sizeof *pick), npick = 0;
	if (!pick)
		goto out;
	for (size_t i = 0; i < t->nrows; i++)
		if (focus < nc && mark[focus][t->cols[focus].code[i]]) {
			if (npick < max)
				pick[npick++] = i;
			s->matched++;
		}
	s->focus_only = npick > 0;
	for (int pass = 1; pass <= 2 && npick == 0; pass++)
		for (size_t i = 0; i < t->nrows && npick < max; i++) {
			int any = pass == 2;
			for (size_t c = 0; c < nc && !any; c++)
				any = mark[c][t->cols[c].code[i]] != 0;
			if (any)
				pick[npick++] = i;
		}
	s->ncols = nc;
	s->line = malloc((npick ? npick : 1) * sizeof *s->line);
	size_t ncells = npick * nc;
	s->cell = calloc(ncells ? ncells : 1, sizeof *s->cell);
	s->mark = calloc(ncells ? ncells : 1, 1);
	if (!s->line || !s->cell || !s->mark) {
		free(pick);
		goto out;
	}
	for (size_t k = 0; k < npick; k++) {
		size_t i = pick[k];
		s->line[k] = t->line[i];
		s->nrows = k + 1;
		for (size_t c = 0; c < nc; c++) {
			s->cell[k * nc + c] = strdup(table_text(t, c, i));
			if (!s->cell[k * nc + c]) {
				free(pick);
				goto out;
			}
			s->mark[k * nc + c] = mark[c][t->cols[c].code[i]];
		}
	}
	free(pick);
	ret = 0;
out:
	for (size_t c = 0; c < nc; c++)
		free(mark[c]);
	free(mark);
	if (ret)
		sample_free(s);
	return ret;
}
