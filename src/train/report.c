/*
 * report.c - a run's report at its end: the validation and test figures
 * of the selected weights, the logit adjustment chosen on validation and
 * the temperature that calibrates them (report.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/jtext.h"
#include "yujing/nn/ops.h"
#include "yujing/store/runs.h"
#include "yujing/train/calibrate.h"
#include "yujing/train/metrics.h"
#include "yujing/train/predict.h"
#include "yujing/train/report.h"
#include "yujing/train/settings.h"

#define REPORT_BATCH 256

/* The logits (n, K) and labels of the cases of one part. */
typedef struct {
	size_t n;
	float *logits;
	int32_t *y;
} part_out;

static void part_free(part_out *o)
{
	free(o->logits);
	free(o->y);
}

/* Eval-mode logits of every case of `part` (CASE_*). */
static int forward_part(yj_run_model *rm, int part, int K, part_out *o)
{
	size_t n = 0, *idx = malloc((rm->cases.n ? rm->cases.n : 1) * sizeof *idx);
	memset(o, 0, sizeof *o);
	if (!idx)
		return -1;
	for (size_t i = 0; i < rm->cases.n; i++)
		if (rm->cases.part[i] == part && rm->cases.label[i] >= 0)
			idx[n++] = i;
	o->logits = malloc((n ? n : 1) * (size_t)K * sizeof *o->logits);
	o->y = malloc((n ? n : 1) * sizeof *o->y);
	if (!o->logits || !o->y) {
		free(idx);
		return -1;
	}
	for (size_t i = 0; i < n; i += REPORT_BATCH) {
		int B = (int)(n - i < REPORT_BATCH ? n - i : REPORT_BATCH);
		run_model_forward(rm, idx + i, B);
		memcpy(o->logits + i * (size_t)K, rm->m.fu.logits, (size_t)B * (size_t)K * sizeof(float));
		for (int b = 0; b < B; b++)
			o->y[i + (size_t)b] = rm->cases.label[idx[i + (size_t)b]];
	}
	o->n = n;
	free(idx);
	return 0;
}

/* The metrics of one part (metrics.h's JSON, with "loss": the mean
 * cross-entropy of the unscaled logits, and "cases"); NULL when out of
 * memory. */
static json_t *part_json(const yj_run_model *rm, const part_out *o, int K)
{
	int32_t *pred = malloc((o->n ? o->n : 1) * sizeof *pred);
	yj_metrics mt;
	if (!pred)
		return NULL;
	for (size_t i = 0; i < o->n; i++)
		pred[i] = vec_argmax(o->logits + i * (size_t)K, K);
	json_t *j = NULL;
	if (!metrics_compute(&mt, o->y, pred, o->n, K)) {
		j = metrics_json(&mt, rm->cases.classes);
		metrics_free(&mt);
	}
	free(pred);
	if (j && (json_object_set_new(j, "loss", json_real(calibrate_nll(o->logits, o->y, o->n, K, 1))) ||
		  json_object_set_new(j, "cases", json_integer((json_int_t)o->n)))) {
		json_decref(j);
		j = NULL;
	}
	return j;
}

/* NaN (no case) as null. */
static json_t *num(double x)
{
	return isfinite(x) ? json_real(x) : json_null();
}

/* The logit adjustment: the log priors of the training part's classes,
 * tau as the run's "adjust" setting asks (chosen on the validation logits
 * when "auto"), with the macro-F1 of each tau of the grid when chosen. */
typedef struct {
	double tau, *logprior, f1[CALIBRATE_TAU_GRID];
	int chosen;
} adjustment;

static int adjustment_make(const yj_run_model *rm, const part_out *va, int K, adjustment *a)
{
	const char *how = json_string_value(json_object_get(rm->config, "adjust"));
	size_t *cnt = calloc((size_t)K, sizeof *cnt);
	memset(a, 0, sizeof *a);
	a->logprior = malloc((size_t)K * sizeof *a->logprior);
	if (!cnt || !a->logprior) {
		free(cnt);
		return -1;
	}
	for (size_t i = 0; i < rm->cases.n; i++)
		if (rm->cases.part[i] == CASE_TRAIN && rm->cases.label[i] >= 0 && rm->cases.label[i] < K)
			cnt[rm->cases.label[i]]++;
	calibrate_log_priors(cnt, K, a->logprior);
	free(cnt);
	/* a run without the key (from before it): none; the reader of
	 * the configuration has checked the value */
	if (!how || settings_adjust(how, &a->tau))
		a->tau = 0;
	if (a->tau < 0) {
		a->chosen = 1;
		if (calibrate_choose_tau(va->logits, va->y, va->n, K, a->logprior, &a->tau, a->f1))
			return -1;
	}
	return 0;
}

/* The calibration block: tau (when the run adjusts its logits) and T from
 * the validation logits, the rest on the test part; the logits are the
 * adjusted ones. */
static json_t *calibration_json(const part_out *va, const part_out *te, int K, const adjustment *a)
{
	double T = 1;
	if (calibrate_temperature(va->logits, va->y, va->n, K, &T))
		return NULL;
	/* At the lower bound the validation logits separate every case: the
	 * likelihood only grows as T -> 0, so the data say nothing about how
	 * sure the model should be, and the bound would make every
	 * probability 0 or 1.  No scaling then (T = 1), and say so. */
	int separable = T <= CALIBRATE_T_MIN;
	if (separable)
		T = 1;
	json_t *c = json_pack("{s:f, s:b}", "temperature", T, "separable", separable);
	if (!c)
		return NULL;
	/* the adjustment: tau, how it was set, the log priors it used and,
	 * when chosen, the validation macro-F1 of every tau of the grid */
	json_t *lp = json_array(), *grid = a->chosen ? json_array() : NULL;
	int bad = !lp || (a->chosen && !grid);
	for (int k = 0; !bad && k < K; k++)
		bad |= json_array_append_new(lp, json_real(a->logprior[k]));
	for (int g = 0; grid && !bad && g < CALIBRATE_TAU_GRID; g++)
		bad |= json_array_append_new(grid, json_pack("{s:f, s:f}", "tau", g * CALIBRATE_TAU_STEP, "macro_f1",
							     a->f1[g]));
	bad |= json_object_set_new(c, "tau", json_real(a->tau));
	bad |= json_object_set_new(c, "tau_chosen_on", json_string(a->chosen ? "validation" : "fixed"));
	bad |= json_object_set_new(c, "log_priors", lp);
	if (grid)
		bad |= json_object_set_new(c, "tau_grid_f1", grid);
	if (bad) {
		json_decref(c);
		return NULL;
	}
	if (!te->n)
		return c;
	float *pb = malloc(te->n * (size_t)K * sizeof *pb), *pa = malloc(te->n * (size_t)K * sizeof *pa);
	yj_calib_bin bins[CALIBRATE_BINS];
	if (!pb || !pa) {
		free(pb);
		free(pa);
		json_decref(c);
		return NULL;
	}
	calibrate_probs(te->logits, te->n, K, 1, pb);
	calibrate_probs(te->logits, te->n, K, T, pa);
	/* every value checked: a bin missing would draw a wrong diagram */
	bad = json_object_set_new(c, "ece_before", num(calibrate_ece(pb, te->y, te->n, K, CALIBRATE_BINS)));
	bad |= json_object_set_new(c, "ece_after", num(calibrate_ece(pa, te->y, te->n, K, CALIBRATE_BINS)));
	bad |= json_object_set_new(c, "brier_before", num(calibrate_brier(pb, te->y, te->n, K)));
	bad |= json_object_set_new(c, "brier_after", num(calibrate_brier(pa, te->y, te->n, K)));
	calibrate_bins(pa, te->y, te->n, K, CALIBRATE_BINS, bins);
	json_t *arr = json_array();
	bad |= !arr;
	for (int b = 0; !bad && b < CALIBRATE_BINS; b++)
		bad |= json_array_append_new(arr, json_pack("{s:f, s:f, s:I, s:f, s:f}", "lo", bins[b].lo, "hi",
							    bins[b].hi, "count", (json_int_t)bins[b].count,
							    "confidence", bins[b].confidence, "accuracy",
							    bins[b].accuracy));
	if (bad)
		json_decref(arr);
	else
		bad = json_object_set_new(c, "bins", arr);
	free(pb);
	free(pa);
	if (bad) {
		json_decref(c);
		return NULL;
	}
	return c;
}

yj_status train_report(yj_project *p, long long run, int best_epoch, yj_error *err)
{
	yj_run_model rm;
	part_out va = {0}, te = {0};
	adjustment adj = {0};
	json_t *rep = NULL, *jv = NULL, *jt = NULL;
	char *text = NULL;
	yj_status st = run_model_load_split(p, run, &rm, err);
	if (st)
		return st;
	/* the report starts from the raw logits, whatever an earlier report
	 * stored */
	rm.temperature = 1;
	rm.tau = 0;
	int K = (int)json_array_size(rm.labels);
	if ((size_t)K != rm.cases.nclasses) {
		st = error_set(err, YJ_EDATA, _("run %lld: its %d categories are not the split's %zu"), run, K,
			       rm.cases.nclasses);
		goto out;
	}
	/* the validation part, then the test part: read once, here */
	if (forward_part(&rm, CASE_VALID, K, &va) || forward_part(&rm, CASE_TEST, K, &te))
		goto nomem;
	int on_valid = va.n > 0;
	/* the adjustment from the validation part, applied to both parts
	 * before their figures: they are the figures of what predict does */
	if (on_valid) {
		if (adjustment_make(&rm, &va, K, &adj))
			goto nomem;
		calibrate_adjust(va.logits, va.n, K, adj.tau, adj.logprior);
		calibrate_adjust(te.logits, te.n, K, adj.tau, adj.logprior);
	}
	if ((on_valid && !(jv = part_json(&rm, &va, K))) || (te.n && !(jt = part_json(&rm, &te, K))))
		goto nomem;
	/* the test figures at the top, as before there was a validation part */
	rep = jt ? json_deep_copy(jt) : json_object();
	if (!rep)
		goto nomem;
	if (json_object_set_new(rep, "selected_on", json_string(on_valid ? "validation" : "test")) ||
	    json_object_set_new(rep, "best_epoch", json_integer(best_epoch + 1)) ||
	    (jv && json_object_set(rep, "validation", jv)) || (jt && json_object_set(rep, "test", jt)))
		goto nomem;
	if (on_valid) {
		json_t *cal = calibration_json(&va, &te, K, &adj);
		if (!cal || json_object_set_new(rep, "calibration", cal))
			goto nomem;
	}
	if (!(text = jtext_dump(rep, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17))))
		goto nomem;
	st = runs_set_metrics(p, run, text, err);
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	free(text);
	json_decref(rep);
	json_decref(jv);
	json_decref(jt);
	part_free(&va);
	part_free(&te);
	free(adj.logprior);
	run_model_free(&rm);
	return st;
}

/* A tampered adjustment, refused naming its key. */
static yj_status bad_adjust(long long run, const char *key, yj_error *err)
{
	error_set(err, YJ_EDATA, _("run %lld: its stored logit adjustment is not valid"), run);
	error_at(err, NULL, -1, -1, key);
	error_hint(err, _("the project file was altered; train the run again"));
	return YJ_EDATA;
}

yj_status report_adjustment(json_t *metrics, long long run, int K, double *tau, double **logprior, yj_error *err)
{
	*tau = 0;
	*logprior = NULL;
	json_t *cal = json_object_get(metrics, "calibration");
	json_t *t = json_object_get(cal, "tau"), *lp = json_object_get(cal, "log_priors");
	if (!t && !lp) /* a run from before it, or without a validation part */
		return YJ_OK;
	double v = json_is_number(t) ? json_number_value(t) : NAN;
	if (!(isfinite(v) && v >= 0 && v <= CALIBRATE_TAU_MAX))
		return bad_adjust(run, "runs.metrics.calibration.tau", err);
	if (!json_is_array(lp) || !json_array_size(lp) || (K >= 0 && json_array_size(lp) != (size_t)K))
		return bad_adjust(run, "runs.metrics.calibration.log_priors", err);
	K = (int)json_array_size(lp);
	double *w = malloc((size_t)K * sizeof *w);
	if (!w)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	for (int k = 0; k < K; k++) {
		json_t *x = json_array_get(lp, (size_t)k);
		w[k] = json_is_number(x) ? json_number_value(x) : NAN;
		if (!(isfinite(w[k]) && w[k] <= 0 && w[k] >= CALIBRATE_LOGPRIOR_MIN)) {
			free(w);
			return bad_adjust(run, "runs.metrics.calibration.log_priors", err);
		}
	}
	*tau = v;
	*logprior = w;
	return YJ_OK;
}

yj_status report_temperature(json_t *metrics, long long run, double *T, yj_error *err)
{
	*T = 1;
	json_t *cal = json_object_get(metrics, "calibration");
	if (!cal)
		return YJ_OK;
	json_t *t = json_object_get(cal, "temperature");
	double v = json_is_number(t) ? json_number_value(t) : NAN;
	if (!(isfinite(v) && v >= CALIBRATE_T_MIN && v <= CALIBRATE_T_MAX)) {
		error_set(err, YJ_EDATA, _("run %lld: its stored temperature is not a number between %g and %g"), run,
			  CALIBRATE_T_MIN, CALIBRATE_T_MAX);
		error_at(err, NULL, -1, -1, "runs.metrics.calibration.temperature");
		error_hint(err, _("the project file was altered; train the run again"));
		return YJ_EDATA;
	}
	*T = v;
	return YJ_OK;
}
