/*
 * test-train-corners.c - corners of the training layer (src/train) that the
 * larger tests do not reach, each written against a mutant of
 * tests/mutation/mutants.txt that passed every other test.  Expected
 * values are by hand (the reasoning beside each).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>
#include <string.h>

#include "tap.h"
#include "yujing/train/calibrate.h"

/* Reliability bins hold (lo, hi]: a confidence exactly on an edge belongs
 * to the bin below it.  Four bins, two classes, every label 0:
 *   case 0: p (0.5, 0.5)   top 0 (the first of a tie), confidence 0.5  -> bin 1 (0.25, 0.5], right
 *   case 1: p (0.25, 0.75) top 1, confidence 0.75                      -> bin 2 (0.5, 0.75], wrong
 *   case 2: p (1, 0)       top 0, confidence 1                         -> bin 3 (0.75, 1], right
 * (0.25, 0.5, 0.75 and their multiples by 4 are exact in binary.)
 * ECE = 1/3 |1 - 0.5| + 1/3 |0 - 0.75| + 1/3 |1 - 1| = 1.25 / 3. */
static void bin_edges(void)
{
	const float p[3][2] = {{0.5f, 0.5f}, {0.25f, 0.75f}, {1.0f, 0.0f}};
	const int32_t y[3] = {0, 0, 0};
	yj_calib_bin b[4];
	ok(calibrate_bins(&p[0][0], y, 3, 2, 4, b) == 0, "four bins");
	ok(b[0].count == 0 && b[1].count == 1 && b[2].count == 1 && b[3].count == 1,
	   "counts 0 1 1 1: an edge goes to the bin below (%zu %zu %zu %zu)", (size_t)b[0].count,
	   (size_t)b[1].count, (size_t)b[2].count, (size_t)b[3].count);
	is_near(b[1].confidence, 0.5, 0, "bin 1 holds confidence 0.5");
	is_near(b[1].accuracy, 1, 0, "... right");
	is_near(b[2].confidence, 0.75, 0, "bin 2 holds confidence 0.75");
	is_near(b[2].accuracy, 0, 0, "... wrong");
	is_near(b[3].lo, 0.75, 0, "bin 3 starts at 0.75");
	is_near(calibrate_ece(&p[0][0], y, 3, 2, 4), 1.25 / 3, 1e-15, "ECE 1.25/3");
}

int main(void)
{
	bin_edges();
	return tap_done();
}
