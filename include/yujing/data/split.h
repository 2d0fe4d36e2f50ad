/*
 * split.h - group the labeled cases of the active snapshot by crime type
 * and split each class into train and test.
 *
 * For a class of n cases, round(f n) = floor(f n + 1/2) cases go to test,
 * at least 1 and at most n - 1; a class of one case stays in train and is
 * reported.  Which cases go to test is a seeded shuffle per class (the
 * class's own stream, derived from the seed and the label, so adding a
 * class never changes another's split).  A label holding several
 * categories (a JSON array) takes the first listed, or with drop-multi is
 * left out when it lists more than one distinct category.
 */
#ifndef YUJING_DATA_SPLIT_H
#define YUJING_DATA_SPLIT_H

#include <jansson.h>
#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/store/splits.h"

typedef enum { LABEL_PICK_FIRST, LABEL_PICK_DROP_MULTI } yj_label_pick;

typedef struct yj_split_opts {
	double test;    /* fraction of each class for test, in (0, 1) */
	double valid;   /* fraction of each class's training cases for validation, in [0, 1)
			 * (SPLIT_VALID_DEFAULT; 0: no validation part) */
	uint64_t seed;
	yj_label_pick pick;
} yj_split_opts;

#define SPLIT_VALID_DEFAULT 0.15

/* Split and store as the active split, with its settings (test and
 * validation fractions, seed, label pick).  *report gets {"split": id,
 * "train": n, "valid": n, "test": n, "valid_fraction": f, "classes":
 * [{"label", "train", "valid", "test"}...], "singletons": [labels],
 * "no_valid": [labels of classes too small for a validation part, only
 * when one was asked for], "unlabeled": n, "dropped_multi": n}. */
yj_status split_run(yj_project *p, const yj_split_opts *o, json_t **report, yj_error *err);

/* The parts of a split (the store's yj_split_part). */
enum { SPLIT_TRAIN = SPLIT_PART_TRAIN, SPLIT_TEST = SPLIT_PART_TEST, SPLIT_VALID = SPLIT_PART_VALID };

/* Assign the n cases of one class (in their row order) to parts: part[i]
 * gets SPLIT_TRAIN, SPLIT_TEST or SPLIT_VALID.  A pure function of its
 * arguments:
 *   test        k = round(test n) = floor(test n + 1/2), at least 1 and at
 *               most n - 1; a class of one case has no test case;
 *   validation  of the m = n - k training cases, v = round(valid m) =
 *               floor(valid m + 1/2 + 1e-9) (the guard makes a product
 *               that is a half in decimals round up, as 0.15 x 70 =
 *               10.5 -> 11, though 0.15 is not exact in binary), at most
 *               m - 1; v = 0 (a class too small for it, or valid = 0)
 *               keeps every training case in train;
 *   which       a Fisher-Yates shuffle of 0..n-1 from the class's own
 *               stream, rng_hash(label, seed): the first k positions go
 *               to test, the next v to validation.
 * So the test part does not depend on valid, and valid 0 is the split of
 * before.  test in (0, 1), valid in [0, 1).  *ntest and *nvalid (may be
 * NULL) get k and v.  Returns 0, -1 when out of memory. */
int split_assign(const char *label, size_t n, double test, double valid, uint64_t seed, unsigned char *part,
		 size_t *ntest, size_t *nvalid);

/* The label a raw label value stands for under `pick`: a malloc'd string,
 * or NULL when the value has no category (empty array) or is dropped
 * (several categories with drop-multi; *multi is then set to 1).  Out
 * of memory: NULL with *multi set to -1. */
char *split_label(const char *raw, yj_label_pick pick, int *multi);

#endif
