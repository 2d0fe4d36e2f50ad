/*
 * stats.h - statistics over a dictionary-encoded column, weighted by a
 * per-entry count vector (the whole column, or any subset of its rows).
 *
 * Definitions (also in yujing(1)):
 *   mean, std   over non-null numeric values; std is the population
 *               standard deviation (divide by n).
 *   quantile q  linear interpolation between the order statistics at
 *               positions floor(q(n-1)) and ceil(q(n-1)) (numpy's default);
 *               the median is q = 0.5.
 *   mode        the most frequent value; ties go to the smallest value
 *               (numeric order for numeric fields, byte order otherwise).
 *   outlier     |x - mean| > s * std, strictly; none when fewer than two
 *               values or std = 0.
 */
#ifndef YUJING_DATA_STATS_H
#define YUJING_DATA_STATS_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/data/table.h"

typedef struct yj_moments {
	int64_t n;      /* non-null numeric values counted */
	double mean, std, min, max;
	size_t min_entry, max_entry; /* dictionary entries of min and max */
} yj_moments;

/* Mean, population std, min and max of the numeric values of col, each
 * entry e weighted by cnt[e].  n = 0 leaves the other members NaN. */
void stats_moments(const yj_column *col, const int64_t *cnt, yj_moments *m);

/* Entries with cnt > 0 that are not null, sorted by natural order (numeric
 * value for numeric and datetime fields, else bytes).  Returns a malloc'd
 * array of *n entries (NULL with *n = 0 when none or out of memory). */
size_t *stats_sorted_entries(const yj_column *col, const int64_t *cnt, size_t *n);

/* Quantile q of key(entry) over sorted entries (ascending in key) weighted
 * by cnt.  key is the numeric value (by_chars = 0) or the length in code
 * points (by_chars = 1, entries then sorted by length by the caller). */
double stats_quantile(const yj_column *col, const int64_t *cnt, const size_t *sorted, size_t n,
		      double q, int by_chars);

/* Entries sorted by length in code points (ascending), like
 * stats_sorted_entries. */
size_t *stats_sorted_by_chars(const yj_column *col, const int64_t *cnt, size_t *n);

/* The mode entry, or 0 (the NULL entry) when there is no non-null value. */
size_t stats_mode(const yj_column *col, const int64_t *cnt);

/* The k most frequent entries (count descending; ties: numeric order for
 * numeric fields, byte order otherwise).
 * Writes up to k entries to out; returns how many. */
size_t stats_top(const yj_column *col, const int64_t *cnt, size_t k, size_t *out);

/* Is dictionary entry e an outlier under moments m and factor s? */
int stats_is_outlier(const yj_column *col, size_t e, const yj_moments *m, double s);

/* Duplicate rows among the rows with keep[r] != 0 (all rows when keep is
 * NULL): rows equal to an earlier kept row in every column whose
 * ignore[c] is 0 (ignore may be NULL).  Sets dup[r] = 1 for each such row
 * and returns their number, -1 when out of memory. */
long long stats_duplicate_rows(const yj_table *t, const unsigned char *keep,
			       const unsigned char *ignore, unsigned char *dup);

#endif
