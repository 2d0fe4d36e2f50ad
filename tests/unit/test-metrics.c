/*
 * test-metrics.c - metrics_compute and metrics_json (src/train/metrics.c)
 * against values worked out by hand from scikit-learn's definitions
 * (precision_recall_fscore_support with zero_division=0; macro averages
 * over the labels present in y_true or y_pred; confusion_matrix with true
 * labels as rows).  The working is in the comments next to each case.
 */
#include <config.h>

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/train/metrics.h"

#define EPS 1e-12

/* Five classes:
 *   0, 1  true and predicted
 *   2     true (3 cases) but never predicted
 *   3     predicted (twice) but absent from y_true
 *   4     absent from both: not part of the macro averages
 *
 *   y = 0 0 0 1 1 2 2 0 1 2
 *   p = 0 0 1 1 3 0 1 0 1 3
 *
 * confusion (rows true):   support   predicted
 *   0: 3 1 0 0 0            4         col sums: 4 4 0 2 0
 *   1: 0 2 0 1 0            3
 *   2: 1 1 0 1 0            3
 *   3: 0 0 0 0 0            0
 *   4: 0 0 0 0 0            0
 * accuracy 5/10
 * precision 3/4, 2/4, 0 (0/0), 0/2, 0     recall 3/4, 2/3, 0/3, 0 (0/0), 0
 * F1 3/4, 2 (1/2)(2/3) / (1/2 + 2/3) = 4/7, 0, 0, 0
 * macro over {0,1,2,3}: P (3/4 + 1/2) / 4 = 5/16, R (3/4 + 2/3) / 4 = 17/48,
 * F1 (3/4 + 4/7) / 4 = 37/112 */
static void test_five_classes(void)
{
	const int32_t y[] = {0, 0, 0, 1, 1, 2, 2, 0, 1, 2}, p[] = {0, 0, 1, 1, 3, 0, 1, 0, 1, 3};
	const int64_t conf[25] = {3, 1, 0, 0, 0, 0, 2, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
	const double prec[5] = {0.75, 0.5, 0, 0, 0}, rec[5] = {0.75, 2.0 / 3, 0, 0, 0},
		     f1[5] = {0.75, 4.0 / 7, 0, 0, 0};
	const int64_t support[5] = {4, 3, 3, 0, 0};
	yj_metrics m;
	if (!ok(metrics_compute(&m, y, p, 10, 5) == 0, "five classes: computed"))
		return;
	is_int(m.k, 5, "k");
	is_int(m.n, 10, "n");
	is_near(m.accuracy, 0.5, EPS, "accuracy 5/10");
	int same = 1;
	for (int i = 0; i < 25; i++)
		same &= m.confusion[i] == conf[i];
	ok(same, "confusion matrix, rows true, columns predicted");
	for (int c = 0; c < 5; c++) {
		is_near(m.precision[c], prec[c], EPS, "class %d precision %.4f", c, prec[c]);
		is_near(m.recall[c], rec[c], EPS, "class %d recall %.4f", c, rec[c]);
		is_near(m.f1[c], f1[c], EPS, "class %d F1 %.4f", c, f1[c]);
		is_int(m.support[c], support[c], "class %d support %lld", c, (long long)support[c]);
	}
	is_near(m.macro_precision, 5.0 / 16, EPS, "macro precision 5/16 (class 4 left out)");
	is_near(m.macro_recall, 17.0 / 48, EPS, "macro recall 17/48");
	is_near(m.macro_f1, 37.0 / 112, EPS, "macro F1 37/112");

	/* the JSON of `yujing eval --json` (without "run") */
	char *const labels[] = {"theft", "fraud", "assault", "arson", "burglary"};
	json_t *j = metrics_json(&m, labels);
	const char *keys[] = {"accuracy", "macro_precision", "macro_recall", "macro_f1", "labels", "classes",
			      "confusion"};
	int order = json_object_size(j) == 7;
	size_t i = 0;
	const char *key;
	json_t *v;
	json_object_foreach(j, key, v) order &= i < 7 && !strcmp(key, keys[i++]);
	ok(order, "JSON keys: accuracy, macro_precision, macro_recall, macro_f1, labels, classes, confusion");
	is_near(json_real_value(json_object_get(j, "macro_f1")), 37.0 / 112, EPS, "JSON macro_f1");
	is_near(json_real_value(json_object_get(j, "macro_precision")), 5.0 / 16, EPS, "JSON macro_precision 5/16");
	is_near(json_real_value(json_object_get(j, "macro_recall")), 17.0 / 48, EPS, "JSON macro_recall 17/48");
	is_near(json_real_value(json_object_get(j, "accuracy")), 0.5, EPS, "JSON accuracy 1/2");
	is_str(json_string_value(json_array_get(json_object_get(j, "labels"), 2)), "assault",
	       "JSON labels in order");
	json_t *c2 = json_array_get(json_object_get(j, "classes"), 1);
	is_str(json_string_value(json_object_get(c2, "label")), "fraud", "JSON classes[1].label");
	is_near(json_real_value(json_object_get(c2, "f1")), 4.0 / 7, EPS, "JSON classes[1].f1");
	is_int(json_integer_value(json_object_get(c2, "support")), 3, "JSON classes[1].support");
	ok(json_object_size(c2) == 5 && json_is_real(json_object_get(c2, "precision")) &&
		   json_is_real(json_object_get(c2, "recall")),
	   "JSON class entry: label, precision, recall, f1, support");
	json_t *conf_j = json_object_get(j, "confusion");
	int rows_ok = json_array_size(conf_j) == 5;
	for (size_t r = 0; rows_ok && r < 5; r++) {
		json_t *row = json_array_get(conf_j, r);
		int64_t sum = 0;
		rows_ok &= json_array_size(row) == 5;
		for (size_t c = 0; rows_ok && c < 5; c++) {
			rows_ok &= json_integer_value(json_array_get(row, c)) == conf[r * 5 + c];
			sum += json_integer_value(json_array_get(row, c));
		}
		rows_ok &= sum == support[r];
	}
	ok(rows_ok, "JSON confusion: 5 x 5, rows sum to the support");
	json_decref(j);
	metrics_free(&m);
	ok(m.precision == NULL && m.confusion == NULL, "metrics_free clears the record");
}

/* Binary, one class only true: y = 1 1 1 1, p = 1 1 1 0.
 * class 0: predicted once, never true: precision 0/1, recall 0 (0/0), F1 0
 * class 1: precision 3/3, recall 3/4, F1 2 (3/4) / (7/4) = 6/7
 * both are present (0 in y_pred): macro P 1/2, R 3/8, F1 3/7. */
static void test_predicted_only(void)
{
	const int32_t y[] = {1, 1, 1, 1}, p[] = {1, 1, 1, 0};
	yj_metrics m;
	if (!ok(metrics_compute(&m, y, p, 4, 2) == 0, "binary: computed"))
		return;
	is_near(m.accuracy, 0.75, EPS, "accuracy 3/4");
	is_near(m.precision[0], 0, EPS, "a class never true: precision 0");
	is_near(m.recall[0], 0, EPS, "and recall 0 (zero_division)");
	is_near(m.f1[1], 6.0 / 7, EPS, "class 1 F1 6/7");
	is_near(m.macro_precision, 0.5, EPS, "macro precision 1/2");
	is_near(m.macro_recall, 0.375, EPS, "macro recall 3/8");
	is_near(m.macro_f1, 3.0 / 7, EPS, "macro F1 3/7");
	is_int(m.confusion[1 * 2 + 0], 1, "confusion[1][0] = 1");
	metrics_free(&m);
}

/* Every prediction right, one class of three absent from both: the macro
 * averages over the two present classes are 1 (a class absent from both
 * would pull them to 2/3 if counted). */
static void test_perfect(void)
{
	const int32_t y[] = {2, 0, 2, 0, 2}, p[] = {2, 0, 2, 0, 2};
	yj_metrics m;
	if (!ok(metrics_compute(&m, y, p, 5, 3) == 0, "perfect: computed"))
		return;
	is_near(m.accuracy, 1, EPS, "accuracy 1");
	is_near(m.macro_precision, 1, EPS, "macro precision 1");
	is_near(m.macro_recall, 1, EPS, "macro recall 1");
	is_near(m.macro_f1, 1, EPS, "macro F1 1 (the absent class 1 left out)");
	is_int(m.support[1], 0, "class 1 support 0");
	is_int(m.support[2], 3, "class 2 support 3");
	metrics_free(&m);
}

/* No cases: everything 0, nothing divided by zero. */
static void test_empty(void)
{
	yj_metrics m;
	if (!ok(metrics_compute(&m, NULL, NULL, 0, 3) == 0, "empty: computed"))
		return;
	ok(m.accuracy == 0 && m.macro_precision == 0 && m.macro_recall == 0 && m.macro_f1 == 0,
	   "no cases: accuracy and macro averages 0");
	metrics_free(&m);
}

/* Out-of-range entries are not counted (issue 18: a prediction equal to
 * the class count was): y = 0 1 1, p = 2 1 0 with k = 2.  Case 0 has no
 * valid prediction: left out of the confusion matrix and the supports,
 * but in n, so accuracy is 1/3.  Counted: (1,1) and (1,0).
 *   class 0: predicted once, never true (of those counted): P 0, R 0
 *   class 1: support 2, predicted once, right once: P 1, R 1/2, F1 2/3
 * macro over both: P 1/2, R 1/4, F1 1/3.  A true label equal to k, or
 * negative, is left out the same way. */
static void test_out_of_range(void)
{
	const int32_t y[] = {0, 1, 1}, p[] = {2, 1, 0};
	yj_metrics m;
	if (!ok(metrics_compute(&m, y, p, 3, 2) == 0, "out of range: computed"))
		return;
	is_near(m.accuracy, 1.0 / 3, EPS, "accuracy 1/3 (the case predicted 2 is wrong)");
	is_int(m.confusion[0], 0, "confusion[0][0] = 0");
	is_int(m.confusion[1], 0, "confusion[0][1] = 0");
	is_int(m.confusion[2], 1, "confusion[1][0] = 1 (nothing spilled from row 0)");
	is_int(m.confusion[3], 1, "confusion[1][1] = 1");
	is_int(m.support[0], 0, "class 0 support 0: its only case has no valid prediction");
	is_near(m.precision[0], 0, EPS, "class 0 precision 0/1");
	is_near(m.recall[1], 0.5, EPS, "class 1 recall 1/2");
	is_near(m.macro_precision, 0.5, EPS, "macro precision 1/2");
	is_near(m.macro_recall, 0.25, EPS, "macro recall 1/4");
	is_near(m.macro_f1, 1.0 / 3, EPS, "macro F1 1/3");
	metrics_free(&m);
	const int32_t y2[] = {2, -1, 1}, p2[] = {1, 1, 1};
	if (!ok(metrics_compute(&m, y2, p2, 3, 2) == 0, "true labels out of range: computed"))
		return;
	is_int(m.support[0] + m.support[1], 1, "true labels 2 and -1 are left out: one case counted");
	is_near(m.accuracy, 1.0 / 3, EPS, "accuracy 1/3");
	is_int(m.confusion[3], 1, "confusion[1][1] = 1");
	metrics_free(&m);
}

int main(void)
{
	test_five_classes();
	test_predicted_only();
	test_perfect();
	test_empty();
	test_out_of_range();
	return tap_done();
}
