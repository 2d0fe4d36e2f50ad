/*
 * test-compare.c - the statistics of compare.c: McNemar's test on 2x2
 * tables worked by hand, and the paired bootstrap of the macro-F1
 * difference against an independent computation
 * (tests/reference/compare_ref.py: the same generator written again in
 * Python, scikit-learn's f1_score, numpy's percentile).
 */
#include <config.h>

#include <math.h>
#include <stdint.h>

#include "tap.h"
#include "yujing/train/compare.h"

#define EPS 1e-12

static void near(double got, double want, const char *what)
{
	ok(fabs(got - want) <= EPS * (1 + fabs(want)), "%s: %.17g (want %.17g)", what, got, want);
}

/* b = 3, c = 0: n = 3, exact p = 2 C(3,0) / 2^3 = 1/4;
 * chi2 = (3 - 1)^2 / 3 = 4/3, p = erfc(sqrt(2/3)).
 * b = 10, c = 2: exact p = 2 (C(12,0) + C(12,1) + C(12,2)) / 2^12
 * = 2 (1 + 12 + 66) / 4096 = 158 / 4096; chi2 = (8 - 1)^2 / 12 = 49/12.
 * b = 5, c = 5: 2 (1 + 10 + 45 + 120 + 210 + 252) / 1024 > 1, so 1; the
 * corrected |b - c| - 1 is negative: chi2 0, p 1.
 * b = c = 0: nothing differs, p 1. */
static void test_mcnemar(void)
{
	yj_mcnemar m;
	compare_mcnemar(3, 0, &m);
	near(m.p_exact, 0.25, "McNemar 3/0 exact p");
	near(m.chi2, 4.0 / 3, "McNemar 3/0 chi2");
	near(m.p_chi2, 0.24821307898992362, "McNemar 3/0 chi2 p");
	compare_mcnemar(10, 2, &m);
	near(m.p_exact, 158.0 / 4096, "McNemar 10/2 exact p");
	near(m.chi2, 49.0 / 12, "McNemar 10/2 chi2");
	near(m.p_chi2, 0.043308142810791983, "McNemar 10/2 chi2 p");
	compare_mcnemar(2, 10, &m);
	near(m.p_exact, 158.0 / 4096, "McNemar is symmetric in b and c");
	compare_mcnemar(5, 5, &m);
	near(m.p_exact, 1, "McNemar 5/5 exact p capped at 1");
	near(m.chi2, 0, "McNemar 5/5 chi2");
	near(m.p_chi2, 1, "McNemar 5/5 chi2 p");
	compare_mcnemar(0, 0, &m);
	near(m.p_exact, 1, "McNemar 0/0 exact p");
	near(m.p_chi2, 1, "McNemar 0/0 chi2 p");
	/* larger counts (the log-space sum): compare_ref.py with math.comb */
	compare_mcnemar(40, 61, &m);
	ok(fabs(m.p_exact - 0.046044066929342806) < 1e-10, "McNemar 40/61 exact p %.17g", m.p_exact);
	near(m.chi2, 400.0 / 101, "McNemar 40/61 chi2 = 20^2/101");
}

/* y = 0 0 1 1 2 2 0 1, A = 0 1 1 1 2 0 0 2, B = 0 0 1 2 2 2 0 1.
 * A: F1 of class 0 = 2 TP / (|pred| + |true|) = 4/6, class 1 = 4/6,
 * class 2 = 2/4: macro 11/18.  B: 6/6, 4/5, 4/5: macro 13/15.
 * delta = 13/15 - 11/18 = 23/90.  The interval: compare_ref.py. */
static void test_bootstrap(void)
{
	const int32_t y[] = {0, 0, 1, 1, 2, 2, 0, 1}, pa[] = {0, 1, 1, 1, 2, 0, 0, 2},
		      pb[] = {0, 0, 1, 2, 2, 2, 0, 1};
	double d = 0, lo = 0, hi = 0;
	ok(!compare_bootstrap_f1(y, pa, pb, 8, 3, 200, 7, &d, &lo, &hi), "bootstrap runs");
	near(d, 23.0 / 90, "macro-F1 difference on all cases");
	near(lo, -0.32250000000000006, "2.5% percentile, 200 resamples, seed 7");
	near(hi, 0.757922077922078, "97.5% percentile, 200 resamples, seed 7");
	ok(!compare_bootstrap_f1(y, pa, pb, 8, 3, 1000, 1, &d, &lo, &hi), "bootstrap runs (1000)");
	near(lo, -0.25202020202020192, "2.5% percentile, 1000 resamples, seed 1");
	near(hi, 0.77791666666666659, "97.5% percentile, 1000 resamples, seed 1");
	double d2, lo2, hi2;
	compare_bootstrap_f1(y, pb, pa, 8, 3, 1000, 1, &d2, &lo2, &hi2);
	near(d2, -d, "swapping the runs negates the difference");
	near(lo2, -hi, "and mirrors the interval");
	const int32_t bad[] = {0, 0, 1, 3, 2, 2, 0, 1};
	ok(compare_bootstrap_f1(y, pa, bad, 8, 3, 10, 1, &d, &lo, &hi) == -1, "a class out of range is refused");
	ok(compare_bootstrap_f1(y, pa, pb, 0, 3, 10, 1, &d, &lo, &hi) == -1, "no cases is refused");
}

int main(void)
{
	test_mcnemar();
	test_bootstrap();
	return tap_done();
}
