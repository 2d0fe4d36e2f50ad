/*
 * splits.h - train/test splits of a cleaned snapshot (tables splits and
 * split_cases).  One split is active: the one training reads.
 */
#ifndef YUJING_STORE_SPLITS_H
#define YUJING_STORE_SPLITS_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* One case of a split: its key, its class label and its part. */
typedef struct yj_split_row {
	char *key, *label;
	int test; /* 1: test, 0: train */
} yj_split_row;

/* Store a split of snapshot `snapshot` (settings and report: JSON text)
 * with its n cases, in one transaction, as the only active split.  *id
 * gets the new split's id. */
yj_status splits_store(yj_project *p, long long snapshot, const char *settings, const char *report,
		       const yj_split_row *rows, size_t n, long long *id, yj_error *err);

/* The active split and its snapshot; *found is 0 (and the ids untouched)
 * when there is none. */
yj_status splits_active(yj_project *p, long long *split, long long *snapshot, int *found,
			yj_error *err);

/* The active snapshot (*snapshot, 0 when none) and its latest split
 * (*split, 0 when it has none), whichever split is marked active: what a
 * run trains on (issue 14). */
yj_status splits_of_active_snapshot(yj_project *p, long long *split, long long *snapshot, yj_error *err);

/* The distinct labels of a split in byte order: *labels is a malloc'd
 * array of *n malloc'd strings, freed with splits_labels_free(). */
yj_status splits_labels(yj_project *p, long long split, char ***labels, size_t *n, yj_error *err);
void splits_labels_free(char **labels, size_t n);

/* The cases of a split, train before test, by key within a part: *rows
 * is a malloc'd array of *n, freed with splits_rows_free(). */
yj_status splits_rows(yj_project *p, long long split, yj_split_row **rows, size_t *n, yj_error *err);
void splits_rows_free(yj_split_row *rows, size_t n);

/* The latest split made (of any snapshot): *split its id (0: none) and
 * *settings its settings JSON text (malloc'd, the caller's; NULL when
 * none), for splitting a new snapshot the same way. */
yj_status splits_latest_settings(yj_project *p, long long *split, char **settings, yj_error *err);

#endif
