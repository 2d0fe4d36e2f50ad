/*
 * test-split.c - the assignment of one class's cases to train, test and
 * validation (split_assign, src/data/split.c), with the fractions
 * (test 0.3 of the class, validation 0.15 of its training part).
 *
 * The rule (split.h): k = round(0.3 n) test cases, at least 1 and at most
 * n - 1 (none for n = 1); of the m = n - k training cases, v = round(0.15 m)
 * go to validation, at most m - 1; v = 0 keeps them all in train.
 *
 *   n = 1    no test (a single case stays in train); m = 1,
 *            0.15 -> 0: train 1, validation 0, test 0
 *   n = 2    0.6 -> 1 test; m = 1, 0.15 -> 0: train 1, validation 0, test 1
 *   n = 3    0.9 -> 1 test; m = 2, 0.3 -> 0: train 2, validation 0, test 1
 *            (too small for validation: its cases stay in train)
 *   n = 7    2.1 -> 2 test; m = 5, 0.75 -> 1: train 4, validation 1, test 2
 *   n = 100  30 test; m = 70, 10.5 -> 11 (half rounds up):
 *            train 59, validation 11, test 30
 *
 * Also: the test cases are the same whatever the validation fraction
 * (validation 0 is the split of before), the three parts are disjoint and
 * cover the class, the same seed gives the same parts and another seed
 * others.  Exits non-zero on any mismatch.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "yujing/data/split.h"

static void count(const unsigned char *part, size_t n, size_t c[3])
{
	c[0] = c[1] = c[2] = 0;
	for (size_t i = 0; i < n; i++)
		c[part[i]]++;
}

static void check(size_t n, size_t train, size_t valid, size_t test)
{
	unsigned char *p = malloc(n), *p0 = malloc(n);
	size_t c[3], k = 99, v = 99;
	int rc = split_assign("盗窃", n, 0.3, 0.15, 1, p, &k, &v);
	count(p, n, c);
	ok(!rc && c[SPLIT_TRAIN] == train && c[SPLIT_VALID] == valid && c[SPLIT_TEST] == test && k == test && v == valid,
	   "a class of %zu: train %zu, validation %zu, test %zu (got %zu, %zu, %zu)", n, train, valid, test,
	   c[SPLIT_TRAIN], c[SPLIT_VALID], c[SPLIT_TEST]);
	split_assign("盗窃", n, 0.3, 0, 1, p0, &k, &v);
	int same = v == 0;
	for (size_t i = 0; i < n; i++)
		same &= (p0[i] == SPLIT_TEST) == (p[i] == SPLIT_TEST) && p0[i] != SPLIT_VALID;
	ok(same, "a class of %zu: the same test cases without validation, and no validation case", n);
	free(p);
	free(p0);
}

int main(void)
{
	check(1, 1, 0, 0);
	check(2, 1, 0, 1);
	check(3, 2, 0, 1);
	check(7, 4, 1, 2);
	check(100, 59, 11, 30);

	unsigned char a[100], b[100], c[100];
	split_assign("抢劫", 100, 0.3, 0.15, 7, a, NULL, NULL);
	split_assign("抢劫", 100, 0.3, 0.15, 7, b, NULL, NULL);
	split_assign("抢劫", 100, 0.3, 0.15, 8, c, NULL, NULL);
	ok(!memcmp(a, b, sizeof a), "the same seed: the same parts");
	ok(memcmp(a, c, sizeof a) != 0, "another seed: other parts");
	split_assign("诈骗", 100, 0.3, 0.15, 7, c, NULL, NULL);
	ok(memcmp(a, c, sizeof a) != 0, "another class: its own stream");
	return tap_done();
}
