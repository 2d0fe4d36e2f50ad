/*
 * cases.h - a run's cases as the workbench lists them: the test and
 * unlabeled cases of the active snapshot with the run's prediction, one
 * case's rows per source, and the stored predictions of new cases.  Typed
 * results: every pointer in them is the result's own, released by its
 * _free function.
 */
#ifndef YUJING_TRAIN_CASES_H
#define YUJING_TRAIN_CASES_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/train/predict.h"

/* One category's probability. */
typedef struct yj_class_prob {
	char *category;
	double p;
} yj_class_prob;

/* A case as the run predicts it. */
typedef struct yj_case_entry {
	char *key;
	int test;        /* 1: a test case, 0: unlabeled */
	char *label;     /* the true category, NULL when unlabeled */
	char *predicted; /* the most probable category */
	double p;        /* its probability */
	char *text;      /* the case's text fields joined by " | " */
} yj_case_entry;

typedef struct yj_case_list {
	long long run;
	size_t n;
	yj_case_entry *cases;
} yj_case_list;

/* Predict the test and unlabeled cases of a loaded run model
 * (run_model_load()) in memory (nothing is stored), in the snapshot's
 * order.  Uses the model's forward buffers: not at the same time as
 * another call on the same model. */
yj_status cases_list(yj_run_model *rm, yj_case_list *out, yj_error *err);
void cases_list_free(yj_case_list *l);

/* A deep copy of e into *dst (0), or -1 when out of memory (*dst empty). */
int case_entry_copy(yj_case_entry *dst, const yj_case_entry *e);
void case_entry_free(yj_case_entry *e);

/* One imported row of a case and what the cleaning made of it: nfields
 * values each (the source's), NULL for SQL NULL. */
typedef struct yj_case_row {
	char **raw;     /* as imported */
	char **cleaned; /* the snapshot's values: a changed cell's new text, else the raw one */
	char **change;  /* NULL, or how the cell was changed: "filled", "replaced", "clipped" ... */
	int kept;       /* the row is in the snapshot */
} yj_case_row;

typedef struct yj_case_source {
	char *source;
	size_t nfields;
	char **fields;
	size_t nrows;
	yj_case_row *rows;
} yj_case_source;

typedef struct yj_case_rows {
	char *key;
	long long snapshot;
	size_t nsources;
	yj_case_source *sources;
} yj_case_rows;

/* The imported rows of case `key` in every source, and what the cleaning
 * of run `run`'s snapshot (0: the active snapshot) made of them.  A
 * source the snapshot does not cover (imported again since) has its rows
 * as imported, none kept.  A stored change naming a cell outside the
 * row is refused (YJ_EDATA). */
yj_status cases_rows(yj_project *p, long long run, const char *key, yj_case_rows *out, yj_error *err);
void cases_rows_free(yj_case_rows *r);

/* The latest stored prediction of a case. */
typedef struct yj_case_prediction {
	char *key;
	long long run;
	long long batch; /* the batch of new cases it came from, 0: the snapshot */
	char *source, *predicted, *created_at;
	size_t nprobs;
	yj_class_prob *probs; /* {category: p} as stored, in its order */
} yj_case_prediction;

typedef struct yj_case_predictions {
	size_t n;
	yj_case_prediction *v;
} yj_case_predictions;

/* The latest stored prediction of each case (predictions table), newest
 * run first.  Stored probabilities that are not a JSON object read as
 * none; a value that is not a number as 0. */
yj_status cases_predictions(yj_project *p, yj_case_predictions *out, yj_error *err);
void cases_predictions_free(yj_case_predictions *v);

#endif
