/*
 * sample.h - what a front end shows when it drills into one field: the
 * distribution (histogram of a numeric field or of text lengths, the most
 * frequent values of any field) and sample rows with their null and
 * outlier cells marked.
 *
 * Nulls and outliers mean what they mean in profile.h: a cell is null when
 * its value is SQL NULL, blank or a null marker; a numeric cell is an
 * outlier when |x - mean| > sigma * std over the whole column (stats.h).
 */
#ifndef YUJING_DATA_SAMPLE_H
#define YUJING_DATA_SAMPLE_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/data/table.h"

/* Equal-width bins over [lo, hi]: bin i holds lo + i*width <= x <
 * lo + (i+1)*width, the last bin includes hi.  When every value is an
 * integer the bins hold whole numbers: width = ceil((hi - lo + 1) / nbins)
 * integers each (1 when the range is no wider than the bins asked for),
 * and as many bins as that takes (at most the number asked for). */
typedef struct yj_histogram {
	double lo, hi, width;
	size_t nbins;
	int64_t *count; /* (nbins) */
	int64_t total;  /* values counted (non-null, numeric) */
	int integral;   /* all values are integers */
} yj_histogram;

/* Histogram of column col over nbins (>= 1) bins: of the numeric values
 * (by_chars = 0) or of the lengths in code points of the non-null values
 * (by_chars = 1).  A column with no such value gives nbins = 0.  Returns 0,
 * -1 when out of memory.  Free with sample_histogram_free(). */
int sample_histogram(const yj_column *col, size_t nbins, int by_chars, yj_histogram *h);
void sample_histogram_free(yj_histogram *h);

/* Cell marks of a sample. */
enum { SAMPLE_NULL = 1, SAMPLE_OUTLIER = 2 };

typedef struct yj_sample {
	size_t nrows, ncols;
	int64_t *line;        /* (nrows) line in the imported file */
	char **cell;          /* (nrows * ncols) malloc'd copies of the values */
	unsigned char *mark;  /* (nrows * ncols) SAMPLE_NULL or SAMPLE_OUTLIER */
	size_t matched;       /* rows of the table whose focus cell is marked */
	int focus_only;       /* 1: the rows all have a marked focus cell */
} yj_sample;

/* Up to max rows of t, in table order: the rows whose cell in column focus
 * is null or an outlier; when there are none, the rows with any marked
 * cell; when there are none either, the first rows.  sigma > 0 defines the
 * outliers.  Returns 0, -1 when out of memory.  Free with sample_free(). */
int sample_rows(const yj_table *t, size_t focus, double sigma, size_t max, yj_sample *s);
void sample_free(yj_sample *s);

#endif
