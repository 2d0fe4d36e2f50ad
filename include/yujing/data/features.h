/*
 * features.h - the cases of a split and their structured feature vectors.
 *
 * Cases are the labeled cases of the active split (train, test) and the
 * unlabeled cases of its snapshot.  Each source gives every case one vector
 * (the layout is fitted on the training cases only, then applied to all):
 *   numeric fields     standardised with the training mean and std; a null
 *                      becomes the training mean (0 after standardising);
 *   categorical        one-hot over the top-K training values, + "other";
 *   datetime           hour, weekday, month as (sin, cos) pairs;
 *   text               not used here (the text branches read it).
 * A source holding several rows per case (checkpoint passes, persons) is
 * aggregated per case key: the row count (log1p, standardised); for each
 * numeric field the mean, min and max over the case's rows (standardised);
 * for each categorical field the frequency of each top-K value and of
 * "other"; datetime encodings averaged.  A case with no row in a source
 * has count 0 and its numeric aggregates at the training mean.
 */
#ifndef YUJING_DATA_FEATURES_H
#define YUJING_DATA_FEATURES_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

enum { CASE_TRAIN = 0, CASE_TEST = 1, CASE_UNLABELED = 2, CASE_VALID = 3 };

typedef struct yj_cases {
	size_t n;
	char **key;       /* (n) case keys */
	int32_t *label;   /* (n) class index, -1 when unlabeled */
	unsigned char *part; /* (n) CASE_TRAIN / CASE_TEST / CASE_VALID / CASE_UNLABELED */
	char **classes;   /* class names, sorted (byte order) */
	size_t nclasses;
	long long split_id, snapshot_id;
} yj_cases;

/* The cases of the active snapshot's latest split (train and test in
 * split order, then the unlabeled ones).  YJ_EUSAGE, naming the snapshot,
 * when the active snapshot has no split. */
yj_status cases_load(yj_project *p, yj_cases *c, yj_error *err);
/* The same with only the split's cases in the parts of mask `parts`
 * (splits.h: SPLIT_PARTS_ALL or an or of SPLIT_PARTS(part)): training
 * reads train and valid, and the test part only for its report. */
yj_status cases_load_parts(yj_project *p, unsigned parts, yj_cases *c, yj_error *err);
void cases_free(yj_cases *c);

typedef struct yj_source_features {
	char *name;
	size_t dim;    /* features per case */
	float *x;      /* (ncases, dim) */
	json_t *layout; /* how each feature is computed, with training stats */
} yj_source_features;

typedef struct yj_features_opts {
	int top_k;      /* categorical values one-hot encoded (default 10) */
	const char *const *exclude; /* fields left out (e.g. ones that leak the label) */
	size_t nexclude;
} yj_features_opts;

/* Build every source's features for the cases c.  Sources without any
 * structured field give no features and are left out.  *out is an array
 * of *n entries; free with features_free(), which frees the array too (as
 * texts_free() does). */
yj_status features_build(yj_project *p, const yj_cases *c, const yj_features_opts *o,
			 yj_source_features **out, size_t *n, yj_error *err);
void features_free(yj_source_features *f, size_t n);

/* The same vectors under a run's stored layouts (the JSON array of
 * features_build's layouts; entries with a "branch" key, a text branch's,
 * are skipped): the stored training statistics are applied, never
 * re-estimated.  YJ_EDATA naming the field when a source lost a field
 * the layout uses. */
yj_status features_apply(yj_project *p, const yj_cases *c, const json_t *layouts,
			 yj_source_features **out, size_t *n, yj_error *err);

/* Append the unlabeled cases of c's snapshot: the label source's kept
 * rows whose label is null (part CASE_UNLABELED, label -1). */
yj_status cases_add_unlabeled(yj_project *p, yj_cases *c, yj_error *err);

/* The text fields of every source (role text, or an attribute of type
 * text) as each case's text: the cleaned values of the case's rows in row
 * order joined with a space, a null adding nothing; "" when the case has
 * none.  *out is an array of *n entries in source, then field order;
 * free with texts_free(). */
typedef struct yj_text_field {
	char *source, *field;
	char **text; /* (ncases) malloc'd strings */
	size_t ncases;
} yj_text_field;

yj_status texts_build(yj_project *p, const yj_cases *c, yj_text_field **out, size_t *n,
		      yj_error *err);
void texts_free(yj_text_field *t, size_t n);

/* New cases read from files (predict --source NAME=FILE). */
typedef struct yj_case_file {
	const char *source, *path;
} yj_case_file;
typedef struct yj_file_cases yj_file_cases;

/* Read the files (table_from_file(): each must hold the fields the run's
 * layouts read) and clean them with snapshot `snapshot`'s stored
 * statistics and settings, never re-estimated: duplicates drop, a
 * repeated key in the label source keeps its first row, nulls take the
 * stored fill values (no row is dropped for nulls: every case gets a
 * prediction), outliers by the stored mean and std with the snapshot's
 * sigma and mode (in the label source mode drop replaces by the fill
 * value; other sources drop rows as the training cleaning did).  The
 * label source's file is required and defines the cases c (its kept
 * keys in file order, part CASE_UNLABELED, no classes); a source the run
 * reads but no file gives has no rows.  Free with file_cases_free() and
 * cases_free(). */
yj_status file_cases_load(yj_project *p, long long snapshot, const yj_case_file *files, size_t nfiles,
			  const json_t *layouts, yj_cases *c, yj_file_cases **out, yj_error *err);
void file_cases_free(yj_file_cases *fc);
/* The files' rows of each case of c as the cleaning left them (kept rows
 * only, a changed cell's new text): {key: {source: [{field: value or
 * null}, ...]}}; NULL when out of memory. */
json_t *file_cases_rows_json(const yj_file_cases *fc, const yj_cases *c);

/* features_apply() and texts_build() over the files' cleaned rows. */
yj_status features_apply_files(const yj_file_cases *fc, const yj_cases *c, const json_t *layouts,
			       yj_source_features **out, size_t *n, yj_error *err);
yj_status texts_build_files(const yj_file_cases *fc, const yj_cases *c, yj_text_field **out, size_t *n,
			    yj_error *err);

#endif
