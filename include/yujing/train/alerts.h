/*
 * alerts.h - the project's alert thresholds: the probability at which a
 * predicted case is flagged for a category.  One threshold for every
 * category (0.5 until set) and optionally one per category.  The
 * workbench's Warnings view edits them; `yujing predict` flags with them
 * when no --alert is given.  They are stored as the project setting
 * "alert_thresholds": {"all": P, "categories": {CATEGORY: P, ...}}.
 */
#ifndef YUJING_TRAIN_ALERTS_H
#define YUJING_TRAIN_ALERTS_H

#include <stddef.h>

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

/* The threshold of category. */
double thresholds_get(const yj_thresholds *t, const char *category);

/* Read the stored thresholds into t (thresholds_init() when the project
 * has none); t is the caller's to free also on failure.  YJ_EDATA when the
 * stored value is not valid, naming the setting. */
yj_status thresholds_load(yj_project *p, yj_thresholds *t, yj_error *err);

/* Store t (replacing the stored thresholds). */
yj_status thresholds_save(yj_project *p, const yj_thresholds *t, yj_error *err);

#endif
