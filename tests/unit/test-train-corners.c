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

#include <jansson.h>
#include <stdlib.h>

#include "tap.h"
#include "tmpdir.h"
#include "yujing/base/error.h"
#include "yujing/store/project.h"
#include "yujing/train/alerts.h"
#include "yujing/train/calibrate.h"
#include "yujing/train/settings.h"
#include "yujing/train/tune.h"
#include "yujing/train/report.h"
#include "yujing/train/run.h"

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

/* A run's stored calibration is read back within its documented ranges,
 * both ends included (report.h): T in [0.05, 20], tau in [0, 10], each log
 * prior in [-20, 0] (0: one class held every training case). */
static void stored_ranges(void)
{
	static const struct {
		const char *json;
		yj_status want;
	} temp[] = {{"{\"calibration\": {\"temperature\": 0.05}}", YJ_OK},
		    {"{\"calibration\": {\"temperature\": 20}}", YJ_OK},
		    {"{\"calibration\": {\"temperature\": 0.0499}}", YJ_EDATA},
		    {"{\"calibration\": {\"temperature\": 20.001}}", YJ_EDATA}};
	for (size_t i = 0; i < sizeof temp / sizeof temp[0]; i++) {
		json_t *m = json_loads(temp[i].json, 0, NULL);
		yj_error err;
		double T = -1;
		error_clear(&err);
		yj_status st = report_temperature(m, 3, &T, &err);
		ok(st == temp[i].want && (st || T == json_number_value(json_object_get(json_object_get(m, "calibration"),
									       "temperature"))),
		   "%s: %s", temp[i].json, st ? err.msg : "read back");
		json_decref(m);
	}
	static const struct {
		const char *json;
		int K;
		yj_status want;
	} adj[] = {{"{\"calibration\": {\"tau\": 10, \"log_priors\": [0]}}", 1, YJ_OK},
		   {"{\"calibration\": {\"tau\": 0, \"log_priors\": [-20, -1e-9]}}", 2, YJ_OK},
		   {"{\"calibration\": {\"tau\": 10.001, \"log_priors\": [0]}}", 1, YJ_EDATA},
		   {"{\"calibration\": {\"tau\": 1, \"log_priors\": [1e-9]}}", 1, YJ_EDATA},
		   {"{\"calibration\": {\"tau\": 1, \"log_priors\": [-20.001, -1]}}", 2, YJ_EDATA},
		   {"{\"calibration\": {\"tau\": 1, \"log_priors\": [-1, -1]}}", 3, YJ_EDATA}};
	for (size_t i = 0; i < sizeof adj / sizeof adj[0]; i++) {
		json_t *m = json_loads(adj[i].json, 0, NULL);
		yj_error err;
		double tau = -1, *lp = NULL;
		error_clear(&err);
		yj_status st = report_adjustment(m, 3, adj[i].K, &tau, &lp, &err);
		json_t *c = json_object_get(m, "calibration");
		int same = st || (tau == json_number_value(json_object_get(c, "tau")) && lp &&
				  lp[0] == json_number_value(json_array_get(json_object_get(c, "log_priors"), 0)));
		ok(st == adj[i].want && same, "%s (K %d): %s", adj[i].json, adj[i].K, st ? err.msg : "read back");
		free(lp);
		json_decref(m);
	}
}

/* An alert threshold of 1 (alert only on certainty) is a probability:
 * saved and read back, for every category and for one. */
static void threshold_one(void)
{
	yj_project *p = NULL;
	yj_error err;
	yj_thresholds t, u;
	error_clear(&err);
	if (!ok(project_create(path_in("t.yj"), &p, &err) == YJ_OK, "a project"))
		return;
	thresholds_init(&t);
	ok(thresholds_set(&t, NULL, 1) == 0 && thresholds_set(&t, "a", 1) == 0 && thresholds_set(&t, "b", 0) == 0,
	   "every category 1, a 1, b 0");
	ok(thresholds_save(p, &t, &err) == YJ_OK, "saved");
	yj_status st = thresholds_load(p, &u, &err);
	ok(st == YJ_OK && u.all == 1 && u.n == 2 && thresholds_get(&u, "a") == 1 && thresholds_get(&u, "b") == 0,
	   "read back: 1, a 1, b 0 (%s)", st ? err.msg : "ok");
	thresholds_free(&t);
	thresholds_free(&u);
	project_close(p);
}

/* --adjust takes a tau in [0, 10] (CALIBRATE_TAU_MAX), both ends in. */
static void adjust_range(void)
{
	static const struct {
		const char *text;
		int want;
		double tau;
	} v[] = {{"0", 0, 0}, {"10", 0, 10}, {"9.75", 0, 9.75}, {"10.01", -1, 0}, {"-0.25", -1, 0}};
	for (size_t i = 0; i < sizeof v / sizeof v[0]; i++) {
		double tau = -7;
		int r = settings_adjust(v[i].text, &tau);
		ok(r == v[i].want && (r || tau == v[i].tau), "--adjust %s: %s", v[i].text, r ? "refused" : "accepted");
	}
}

/* A training loss that is not finite stops the run, +infinity as NaN
 * (run.h): the step is not logged and the error names it. */
static void infinite_loss(void)
{
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	if (!ok(project_create(path_in("r.yj"), &p, &err) == YJ_OK, "a project for a run"))
		return;
	yj_run r;
	run_init(&r, p, 0, NULL);
	ok(run_create(&r, 0, "{}", "[]", "[]", &err) == YJ_OK, "a run");
	ok(run_step(&r, 0, 0, 1.5f, 0.1f, &err) == YJ_OK, "step 0, loss 1.5: logged");
	error_clear(&err);
	yj_status st = run_step(&r, 1, 0, INFINITY, 0.1f, &err);
	ok(st == YJ_EDATA && strstr(err.msg, "step 1"), "step 1, loss +inf: the run stops (%s)", err.msg);
	error_clear(&err);
	st = run_step(&r, 1, 0, NAN, 0.1f, &err);
	ok(st == YJ_EDATA && strstr(err.msg, "step 1"), "step 1, loss NaN: the same (%s)", err.msg);
	run_end(&r, YJ_EDATA, &err);
	run_free(&r);
	project_close(p);
}

/* tune's two rules, worked by hand.  The margin is 0.01; 0.25 + 0.01 is
 * 0.26 exactly in binary64 (both round to the same double), so a trial
 * exactly the margin above the defaults does not beat them.  The hard
 * limit: 100 s + max(60, 10) = 160; 1800 + max(60, 180) = 1980; 0 -> 60. */
static void tune_rules(void)
{
	ok(tune_keeps_defaults(0.25, 0.25), "tune: a trial equal to the defaults does not beat them");
	ok(tune_keeps_defaults(0.25, 0.26), "tune: a trial exactly the margin (0.01) above does not beat them");
	ok(!tune_keeps_defaults(0.25, 0.2600001), "tune: a trial more than the margin above beats them");
	ok(tune_keeps_defaults(0.5, 0.1), "tune: a worse trial does not beat them");
	is_near(tune_hard_limit(100), 160, 0, "tune: hard limit of a 100 s budget: 160 s (at least a minute)");
	is_near(tune_hard_limit(1800), 1980, 0, "tune: hard limit of a 30 min budget: 1980 s (a tenth more)");
	is_near(tune_hard_limit(0), 60, 0, "tune: hard limit of no budget: 60 s");
}

/* tune's re-scored choice (tune_choose_means) and the trials it re-scores
 * (tune_rescore_set), on figures made up here, worked by hand. */
static void tune_means(void)
{
	int seed = -1;
	/* the winner's curse: trial 5 tops seed one (0.53) but its mean is
	 * 0.49; trial 9's mean 0.51 clears the defaults' 0.48 by 0.03 */
	yj_tune_cand a[] = {{1, {0.50, 0.46}}, {5, {0.53, 0.45}}, {9, {0.52, 0.50}}};
	is_int(tune_choose_means(a, 3, &seed), 2, "tune means: trial 9 (mean 0.51), not trial 5 (top on one seed)");
	is_int(seed, 0, "tune means: its run with the tune's seed");
	/* 0.5025 is within 0.01 of 0.50: the defaults stay, their first run (a tie) */
	yj_tune_cand b[] = {{1, {0.50, 0.50}}, {3, {0.53, 0.475}}};
	is_int(tune_choose_means(b, 2, &seed), 0, "tune means: a mean within the margin keeps the defaults");
	is_int(seed, 0, "tune means: a tie keeps the first seed's run");
	yj_tune_cand c[] = {{1, {0.40, 0.40}}, {2, {0.45, 0.48}}};
	is_int(tune_choose_means(c, 2, &seed), 1, "tune means: 0.465 beats 0.40");
	is_int(seed, 0, "tune means: the run with the tune's seed, though the other scored higher (0.48)");
	/* a re-score that did not finish: the mean of what did */
	yj_tune_cand d[] = {{1, {0.40, NAN}}, {2, {0.44, NAN}}};
	is_int(tune_choose_means(d, 2, &seed), 1, "tune means: one figure each, 0.44 beats 0.40");
	is_int(seed, 0, "tune means: the missing second run is not chosen");
	yj_tune_cand e[] = {{1, {0.40, 0.40}}, {2, {NAN, 0.44}}};
	is_int(tune_choose_means(e, 2, &seed), 1, "tune means: the second figure alone, 0.44");
	is_int(seed, 1, "tune means: the only run that finished");
	/* equal means 0.4: the earlier trial (4), its better run (0.5, the second) */
	yj_tune_cand f[] = {{1, {0.1, 0.1}}, {7, {0.5, 0.3}}, {4, {0.3, 0.5}}};
	is_int(tune_choose_means(f, 3, &seed), 2, "tune means: a tie goes to the earlier trial");
	is_int(seed, 0, "tune means: and to its run with the tune's seed");
	yj_tune_cand g[] = {{1, {NAN, NAN}}, {2, {NAN, NAN}}};
	is_int(tune_choose_means(g, 2, NULL), -1, "tune means: no figure, no winner");
	yj_tune_cand h[] = {{1, {NAN, NAN}}, {2, {0.2, NAN}}};
	is_int(tune_choose_means(h, 2, NULL), 1, "tune means: defaults without a figure do not keep the place");

	int trial[] = {1, 2, 3, 4, 5}, out[10];
	double f1[] = {0.5, 0.6, NAN, 0.7, 0.6};
	size_t n = tune_rescore_set(trial, f1, 5, 2, out);
	ok(n == 3 && out[0] == 1 && out[1] == 4 && out[2] == 2,
	   "tune rescore set: trial 1, then 4 (0.7), then 2 (0.6, earlier than 5)");
	n = tune_rescore_set(trial, f1, 5, 9, out);
	ok(n == 4 && out[3] == 5, "tune rescore set: k above what there is: the four with figures");
	n = tune_rescore_set(trial, f1, 5, 0, out);
	ok(n == 1 && out[0] == 1, "tune rescore set: k 0: trial 1 alone");
	f1[0] = NAN;
	n = tune_rescore_set(trial, f1, 5, 2, out);
	ok(n == 2 && out[0] == 4 && out[1] == 2, "tune rescore set: trial 1 without a figure is left out");
}

int main(void)
{
	tune_rules();
	tune_means();
	adjust_range();
	tmpdir_make("train-corners");
	threshold_one();
	infinite_loss();
	bin_edges();
	stored_ranges();
	return tap_done();
}
