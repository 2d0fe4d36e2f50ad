/*
 * splits.h - train/test splits of a cleaned snapshot (tables splits and
 * split_cases).  One split is active: the one training reads.
 */
#ifndef YUJING_STORE_SPLITS_H
#define YUJING_STORE_SPLITS_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* The parts of a split (split_cases.part: 'train', 'test', 'valid'). */
typedef enum { SPLIT_PART_TRAIN = 0, SPLIT_PART_TEST = 1, SPLIT_PART_VALID = 2 } yj_split_part;
/* Masks of parts for splits_rows(). */
#define SPLIT_PARTS(x) (1u << (x))
#define SPLIT_PARTS_ALL (SPLIT_PARTS(SPLIT_PART_TRAIN) | SPLIT_PARTS(SPLIT_PART_TEST) | SPLIT_PARTS(SPLIT_PART_VALID))

/* One case of a split: its key, its class label and its part. */
typedef struct yj_split_row {
	char *key, *label;
	int part; /* yj_split_part */
} yj_split_row;

/* Store a split of snapshot `snapshot` (settings and report: JSON text;
 * the settings hold the test and validation fractions and the seed)
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

/* The cases of a split in the parts of mask `parts` (SPLIT_PARTS_ALL, or
 * an or of SPLIT_PARTS(part)), in the order train, test, valid and by key
 * within a part: *rows is a malloc'd array of *n, freed with
 * splits_rows_free().  Training asks for train and valid only: the test
 * rows are not read until its report (issue 13). */
yj_status splits_rows(yj_project *p, long long split, unsigned parts, yj_split_row **rows, size_t *n,
		      yj_error *err);
void splits_rows_free(yj_split_row *rows, size_t n);

/* The latest split made (of any snapshot): *split its id (0: none) and
 * *settings its settings JSON text (malloc'd, the caller's; NULL when
 * none), for splitting a new snapshot the same way. */
yj_status splits_latest_settings(yj_project *p, long long *split, char **settings, yj_error *err);
/* How many cases split `split` has in each part (counts indexed by
 * yj_split_part). */
yj_status splits_part_counts(yj_project *p, long long split, long long counts[3], yj_error *err);

#endif
