/*
 * profile.h - data-quality profile of source tables.
 *
 * Per source (M = its row count): duplicate rows R = M - distinct rows
 * (all fields compared as exact text, except those ignored for
 * de-duplication) and the number of case keys still on several rows once
 * duplicates are set aside.  Per field: nulls N (SQL NULL, blank, or a
 * null marker) and N/M; duplicates D = non-null - distinct non-null and
 * D/M; for numeric fields outliers O (|x - mean| > sigma * std, see
 * stats.h) and O/M, min, max, mean, std, median; for datetime fields the
 * earliest and latest value; the five most frequent values; for text
 * fields the length in code points (min, median, p95, max) and the
 * suggested maximum sequence length for the text model, min(512,
 * ceil(p95)).  Statistics that do not apply are JSON null.
 */
#ifndef YUJING_DATA_PROFILE_H
#define YUJING_DATA_PROFILE_H

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/data/table.h"

typedef struct yj_profile_opts {
	double sigma;                     /* outlier factor, > 0 (default 3) */
	const char *const *dedup_ignore;  /* fields left out of row comparison */
	size_t nignore;
	int recompute;                    /* ignore a stored profile */
	yj_progress *progress;
} yj_profile_opts;

/* Profile one loaded table.  Returns the source object of the profile's
 * JSON shape (the caller owns it), NULL when out of memory. */
json_t *profile_table(const yj_table *t, const yj_profile_opts *o);

/* Profile `source` (NULL: every source) of project p, reusing a stored
 * profile computed with the same settings on the same data unless
 * o->recompute, and storing what it computes.  *out gets
 * {"sources":[...]}. */
yj_status profile_run(yj_project *p, const char *source, const yj_profile_opts *o, json_t **out,
		      yj_error *err);

#endif
