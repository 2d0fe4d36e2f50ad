/*
 * alerts.h - the project's alert thresholds: the probability at which a
 * predicted case is flagged for a category.  One threshold for every
 * category (0.5 until set) and optionally one per category.  The
 * workbench's Warnings view edits them; `yujing predict` flags with them
 * when no --alert is given.  They are stored as the project setting
 * "alert_thresholds": {"all": P, "categories": {CATEGORY: P, ...}}.
 *
 * What a threshold would have done is measured on the validation part of
 * the run's split (alerts_valid_load, alerts_pr): the part every
 * automatic choice is made on, never the test part, which is kept for the
 * run's report.  The probabilities are not stored: they are recomputed
 * through run_model_forward (predict.h), the path every probability shown
 * comes from, so that they follow it when it changes.
 */
#ifndef YUJING_TRAIN_ALERTS_H
#define YUJING_TRAIN_ALERTS_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

typedef struct yj_thresholds {
	double all;       /* every category not listed */
	size_t n;
	char **category;  /* (n) owned */
	double *p;        /* (n) */
} yj_thresholds;

/* 0.5 for every category, none set one by one. */
void thresholds_init(yj_thresholds *t);
void thresholds_free(yj_thresholds *t);

/* Set the threshold of category (NULL: of every category not set one by
 * one; those keep theirs).  p in [0, 1].  Returns 0, -1 when out of
 * memory. */
int thresholds_set(yj_thresholds *t, const char *category, double p);

/* Forget category's own threshold (it then has the one for every
 * category).  Returns 1 when it had one, 0 when not. */
int thresholds_remove(yj_thresholds *t, const char *category);

/* YJ_OK when category is one of known (n names); else YJ_EUSAGE naming it,
 * with the closest known names (edit distance over characters, ASCII
 * case folded) as the hint. */
yj_status thresholds_check_category(const char *category, const char *const *known, size_t n, yj_error *err);

/* Edit (Levenshtein) distance between two UTF-8 names in characters,
 * ASCII letters folded; names are compared on their first 128
 * characters. */
size_t thresholds_distance(const char *a, const char *b);

/* What thresholds_edit did. */
typedef enum yj_threshold_edit {
	THRESHOLD_SET_ALL, /* "P": every category not set one by one */
	THRESHOLD_SET_ONE, /* "CATEGORY=P" */
	THRESHOLD_REMOVED, /* "CATEGORY=": its own threshold forgotten */
	THRESHOLD_NOT_OWN  /* "CATEGORY=" for a category without its own */
} yj_threshold_edit;

/* One edit as the workbench's `t` and `alerts --set` take it: "P",
 * "CATEGORY=P" or "CATEGORY=" (the last '=' splits), P in [0, 1].  A
 * category must be one of known (n names; thresholds_check_category).
 * *what gets what was done, *category (may be NULL) a malloc'd copy of
 * the category named (NULL for "P"), the caller's.  YJ_EUSAGE with the
 * forms as the hint when text is none of them; YJ_ENOMEM. */
yj_status thresholds_edit(yj_thresholds *t, const char *text, const char *const *known, size_t n,
			  yj_threshold_edit *what, char **category, yj_error *err);

/* The threshold of category. */
double thresholds_get(const yj_thresholds *t, const char *category);

/* Read the stored thresholds into t (thresholds_init() when the project
 * has none); t is the caller's to free also on failure.  YJ_EDATA when the
 * stored value is not valid, naming the setting. */
yj_status thresholds_load(yj_project *p, yj_thresholds *t, yj_error *err);

/* Store t (replacing the stored thresholds). */
yj_status thresholds_save(yj_project *p, const yj_thresholds *t, yj_error *err);

/* A run's calibrated probabilities on the validation cases of its split. */
typedef struct yj_alert_valid {
	long long run, split;
	size_t K;          /* the run's categories */
	char **category;   /* (K) owned, the run's order */
	size_t n;          /* validation cases; 0 when the split has none */
	char **key;        /* (n) owned case keys */
	int32_t *y;        /* (n) the true category, an index into category */
	float *p;          /* (n, K) probabilities from run_model_forward */
} yj_alert_valid;

/* The probabilities of run `run` (0: the model of record) on the
 * validation part of its split, into v (the caller's to free with
 * alerts_valid_free, also on failure).  v->n is 0 when the split has no
 * validation part (made with `split --valid 0`, or before there was one):
 * the caller says so; the test part is never used instead.  YJ_ENOTFOUND
 * when there is no such run (or no model of record); YJ_EUSAGE when the
 * active snapshot's split is not the one the run was trained on (its
 * validation cases are then not at hand), naming both.  Loading the run
 * reads and encodes every case of the split: seconds on a large project. */
yj_status alerts_valid_load(yj_project *p, long long run, yj_alert_valid *v, yj_error *err);
void alerts_valid_free(yj_alert_valid *v);

/* Index of category in v (-1 when the run has no such category). */
long alerts_valid_category(const yj_alert_valid *v, const char *category);

/* What thresholds would have flagged on the validation cases.  A case is
 * flagged for category c when its probability of c is at least c's
 * threshold (as `predict` flags).  alerts: the flags; hits: those whose
 * case is truly c; truth: the validation cases truly c.  precision = hits
 * / alerts, recall = hits / truth, NaN when the denominator is 0. */
typedef struct yj_alert_pr {
	size_t alerts, hits, truth;
	double precision, recall;
} yj_alert_pr;

/* Category k of v at threshold t. */
void alerts_pr_category(const yj_alert_valid *v, size_t k, double t, yj_alert_pr *out);

/* The threshold for every category not set one by one (t->all): summed
 * over those categories, each (case, category) flag counted (the
 * micro-average of alerts_pr_category at t->all); *ncat (may be NULL)
 * gets how many categories of v use it.  Categories of t that v does not
 * know are ignored. */
void alerts_pr_all(const yj_alert_valid *v, const yj_thresholds *t, yj_alert_pr *out, size_t *ncat);

#endif
