/*
 * caselist.h - the reads behind the workbench's case lists: the latest
 * stored prediction of each case (predictions table), for the Warnings
 * view, and one case's imported rows in a source, for the Cases
 * inspector (which reads the cleaning's changes through the data layer).
 */
#ifndef YUJING_STORE_CASELIST_H
#define YUJING_STORE_CASELIST_H

#include <stddef.h>

#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/store/sources.h"

/* One stored prediction, as the file holds it.  Every string is the
 * struct's own; probabilities is the stored JSON text ({category: p}), to
 * be checked by whoever parses it (the file may come from someone else). */
typedef struct yj_stored_prediction {
	char *key;
	long long run;
	long long batch; /* the batch of new cases it was made for, 0: none */
	char *source, *predicted, *probabilities, *created_at;
} yj_stored_prediction;

/* The latest stored prediction of each case key, newest run first (then
 * in the order they were stored): *out is a malloc'd array of *n (NULL
 * with *n = 0 when there are none), freed with caselist_predictions_free().
 * A NULL column reads as "" (probabilities as "{}"). */
yj_status caselist_predictions(yj_project *p, yj_stored_prediction **out, size_t *n, yj_error *err);

void caselist_predictions_free(yj_stored_prediction *v, size_t n);

/* One imported row: its id in the source's data table and the values of
 * the source's fields in field order, as text (NULL for SQL NULL). */
typedef struct yj_stored_row {
	int64_t row;
	char **value; /* (nfields) */
} yj_stored_row;

/* The rows of source src (its catalogue entry) whose key field is `key`
 * (compared as text), in row order: *out is a malloc'd array of *n (NULL
 * with *n = 0 when none, or when the source has no key field), freed with
 * caselist_rows_free(out, n, src->nfields).  Only those rows are read. */
yj_status caselist_source_rows(yj_project *p, const yj_source_info *src, const char *key, yj_stored_row **out,
			       size_t *n, yj_error *err);

void caselist_rows_free(yj_stored_row *v, size_t n, size_t nfields);

#endif
