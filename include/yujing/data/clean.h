/*
 * clean.h - cleaning a project's sources into a snapshot.
 *
 * Per source, in this order (M' = attribute fields, i.e. all but the key
 * and the label):
 *   1. drop duplicate rows, keeping the first (fields named in
 *      dedup_ignore are left out of the comparison);
 *      in the label source a case key still on several rows keeps its
 *      first row; in the other sources rows whose key is not a case of the
 *      label source (after its cleaning) are dropped;
 *   2. on the rows left, each numeric field's mean and population std
 *      define its outliers (|x - mean| > sigma * std) and each field's fill
 *      value comes from its values that are neither null nor outliers
 *      (default: mean for numeric, mode for categorical and datetime, ""
 *      for text);
 *   3. a row with N nulls among its M' attributes is dropped when
 *      N / M' > k_missing, else its nulls are filled;
 *   4. a row with O outlier cells is dropped when O / M' > k_outlier
 *      (with OUTLIERS_DROP: when O > 0), else each outlier is replaced by
 *      the fill value, clipped to mean +- sigma * std, or kept;
 *   5. rows whose label is null stay as unlabeled cases.
 * The raw rows are never modified: a snapshot records the rows kept and
 * the cells changed.
 */
#ifndef YUJING_DATA_CLEAN_H
#define YUJING_DATA_CLEAN_H

#include <jansson.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/data/stats.h"
#include "yujing/data/table.h"

typedef enum { FILL_DEFAULT, FILL_MEAN, FILL_MEDIAN, FILL_MODE, FILL_ZERO, FILL_CONST } yj_fill_kind;
typedef enum { OUTLIERS_REPLACE, OUTLIERS_CLIP, OUTLIERS_DROP, OUTLIERS_KEEP } yj_outlier_mode;

typedef struct yj_fill_spec {
	const char *field;
	yj_fill_kind kind;
	const char *value; /* FILL_CONST only */
} yj_fill_spec;

typedef struct yj_clean_opts {
	double k_missing, k_outlier; /* in [0, 1] */
	double sigma;                /* > 0 */
	const yj_fill_spec *fills;
	size_t nfills;
	yj_outlier_mode outliers;
	const char *const *dedup_ignore;
	size_t nignore;
	yj_progress *progress;
} yj_clean_opts;

/* Default options: k = 0.3, sigma = 3, fill by type, replace outliers. */
void clean_opts_default(yj_clean_opts *o);

/* Parse "mean", "median", "mode", "zero", "const:VALUE".  Returns 0, or -1. */
int clean_parse_fill(const char *s, yj_fill_kind *kind, const char **value);
int clean_parse_outliers(const char *s, yj_outlier_mode *mode);
const char *clean_fill_name(yj_fill_kind k);
const char *clean_outliers_name(yj_outlier_mode m);

typedef struct yj_clean_result {
	const yj_table *t;
	int is_label_source;
	long long rows_in, duplicates_removed, repeated_keys, dropped_repeated_key, dropped_no_case,
		dropped_missing, dropped_outlier, rows_out, unlabeled;
	int64_t *filled, *replaced; /* (ncols) cells changed per field */
	unsigned char *keep;        /* (nrows) 1 when the row is in the output */
	char **fill;                /* (ncols) fill value, NULL when none */
	yj_fill_kind *fill_kind;    /* (ncols) the strategy used */
	yj_moments *mom;            /* (ncols) numeric fields, rows after step 1 */
	unsigned char **outlier;    /* (ncols) per dictionary entry, numeric only */
} yj_clean_result;

/* Check options against the loaded tables (fields exist, a const value
 * parses as its field's type, mean/median only on numeric fields, k in
 * [0, 1], sigma > 0).  YJ_EUSAGE with the field named otherwise. */
yj_status clean_check(const yj_table *tables, size_t n, const yj_clean_opts *o, yj_error *err);

/* Clean one table.  `cases` (may be NULL) restricts a non-label source to
 * the case keys for which cases(ctx, key) returns non-zero.  Returns 0, -1
 * when out of memory.  Free with clean_result_free(). */
int clean_table(const yj_table *t, const yj_clean_opts *o, int is_label_source,
		int (*cases)(void *ctx, const char *key), void *ctx, yj_clean_result *r);
void clean_result_free(yj_clean_result *r);

/* Clean one table with a snapshot's stored statistics and settings, never
 * re-estimated (new cases at prediction): stats is the source's entry of
 * the snapshot's "stats" ({"fields": [{name, fill, mean, std}]}),
 * settings the snapshot's (sigma, k_outlier, outliers, dedup_ignore).
 * The same steps as clean_table() (no case restriction), except that
 * every case gets a prediction: no row drops for its nulls, and in the
 * label source none for its outliers (drop mode replaces there).  *o gets
 * the options used, for clean_cell() (without dedup_ignore).  Returns 0,
 * -1 when out of memory. */
int clean_table_stored(const yj_table *t, const json_t *stats, const json_t *settings, int is_label_source,
		       yj_clean_opts *o, yj_clean_result *r);

/* The report of one source: {"name", "rows_in", "duplicates_removed", ...};
 * NULL when out of memory. */
json_t *clean_report(const yj_clean_result *r);

/* The value a kept cell takes in the snapshot, and how it changed:
 * returns 0 unchanged, 1 filled, 2 replaced, 3 clipped; *text gets the new
 * value (pointing into r or buf). */
int clean_cell(const yj_clean_result *r, const yj_clean_opts *o, size_t row, size_t col,
	       const char **text, char *buf, size_t size);

/* Clean loaded tables, the label source first (tables[0]): its kept case
 * keys restrict the other sources.  res (n entries) gets each table's
 * result (free each with clean_result_free()); *report {"sources":[...]}.
 * Options are checked first (clean_check()). */
yj_status clean_tables(const yj_table *tables, size_t n, const yj_clean_opts *o,
		       yj_clean_result *res, json_t **report, yj_error *err);

/* Load every source of p, clean them (the label source first) and, unless
 * dry_run, store the result as a new active snapshot.  *report gets
 * {"sources":[...]} (and "snapshot": id when stored). */
yj_status clean_run(yj_project *p, const yj_clean_opts *o, int dry_run, json_t **report,
		    yj_error *err);

/* Snapshots: list ({"snapshots":[{id, created_at, active, settings,
 * report}]}) and make one active. */
yj_status clean_list(yj_project *p, json_t **out, yj_error *err);
yj_status clean_use(yj_project *p, long long id, yj_error *err);

/* The active snapshot's id; YJ_ENOTFOUND (with a hint to run clean) when
 * there is none. */
yj_status clean_active_snapshot(yj_project *p, long long *id, yj_error *err);

/* Rows (data-table row ids, ascending) a snapshot kept of a source.
 * *rows is malloc'd.  YJ_ENOTFOUND when the snapshot does not cover the
 * source (it was imported again since). */
yj_status clean_kept_rows(yj_project *p, long long snapshot, long long source_id, int64_t **rows,
			  size_t *n, yj_error *err);

/* The snapshot run `run` was trained on (through its split); the active
 * snapshot when run is 0 or its split is gone.  YJ_ENOTFOUND when there
 * is none. */
yj_status clean_run_snapshot(yj_project *p, long long run, long long *snapshot, yj_error *err);

/* The cells a snapshot changed in row `row` (a data-table row id) of a
 * source: *out = [{"pos" (field position), "value" (the cleaned text),
 * "kind" ("filled", "replaced" or "clipped")}], the caller's. */
yj_status clean_row_changes(yj_project *p, long long snapshot, long long source_id, int64_t row,
			    json_t **out, yj_error *err);

/* Shortest decimal text that reads back as v. */
void clean_format_number(double v, char *out, size_t size);

#endif
