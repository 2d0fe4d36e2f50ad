/*
 * compare.c - two runs compared: their data, their settings and, on the
 * same test set, McNemar's test and a paired bootstrap of the macro-F1
 * difference (see compare.h).  `yujing runs --compare` and the
 * workbench's Runs view (d) both read compare_runs().
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/rng.h"
#include "yujing/store/runs.h"
#include "yujing/store/snapshots.h"
#include "yujing/store/splits.h"
#include "yujing/train/cases.h"
#include "yujing/train/compare.h"
#include "yujing/train/metrics.h"
#include "yujing/train/predict.h"

#define DEFAULT_RESAMPLES 1000

/* ------------------------------------------------------------ statistics */

void compare_mcnemar(long long b, long long c, yj_mcnemar *out)
{
	out->b = b;
	out->c = c;
	long long n = b + c;
	if (n <= 0) {
		out->p_exact = out->p_chi2 = 1;
		out->chi2 = 0;
		return;
	}
	/* sum_{i <= m} C(n, i) 2^-n, each term in logs (n may be thousands) */
	long long m = b < c ? b : c;
	double sum = 0, lg_n1 = lgamma((double)n + 1), ln2 = log(2.0);
	for (long long i = 0; i <= m; i++)
		sum += exp(lg_n1 - lgamma((double)i + 1) - lgamma((double)(n - i) + 1) - (double)n * ln2);
	out->p_exact = 2 * sum < 1 ? 2 * sum : 1;
	double d = fabs((double)(b - c)) - 1;
	if (d < 0)
		d = 0;
	out->chi2 = d * d / (double)n;
	out->p_chi2 = erfc(sqrt(out->chi2 / 2));
}

/* Macro-F1 of the cases idx[0..n) (all when idx is NULL), as metrics.h
 * defines it: over the classes that occur in y or p.  tp, np, ny are
 * (k) scratch counts. */
static double macro_f1(const int32_t *y, const int32_t *p, const size_t *idx, size_t n, int k, long long *tp,
		       long long *np, long long *ny)
{
	memset(tp, 0, (size_t)k * sizeof *tp);
	memset(np, 0, (size_t)k * sizeof *np);
	memset(ny, 0, (size_t)k * sizeof *ny);
	for (size_t i = 0; i < n; i++) {
		size_t c = idx ? idx[i] : i;
		ny[y[c]]++;
		np[p[c]]++;
		tp[y[c]] += y[c] == p[c];
	}
	double sum = 0;
	int present = 0;
	for (int c = 0; c < k; c++) {
		if (!ny[c] && !np[c])
			continue;
		present++;
		/* F1 = 2 TP / (2 TP + FP + FN) = 2 TP / (|pred c| + |true c|) */
		sum += 2.0 * (double)tp[c] / (double)(np[c] + ny[c]);
	}
	return present ? sum / present : 0;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return (x > y) - (x < y);
}

/* numpy.percentile(v, q) with linear interpolation; v sorted, n > 0. */
static double percentile(const double *v, size_t n, double q)
{
	double pos = q / 100 * (double)(n - 1);
	size_t i = (size_t)floor(pos);
	if (i + 1 >= n)
		return v[n - 1];
	return v[i] + (pos - (double)i) * (v[i + 1] - v[i]);
}

int compare_bootstrap_f1(const int32_t *y, const int32_t *pa, const int32_t *pb, size_t n, int k, int resamples,
			 uint64_t seed, double *delta, double *lo, double *hi)
{
	if (!n || k < 1 || resamples < 1)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (y[i] < 0 || y[i] >= k || pa[i] < 0 || pa[i] >= k || pb[i] < 0 || pb[i] >= k)
			return -1;
	int ret = -1;
	long long *cnt = malloc(3 * (size_t)k * sizeof *cnt);
	size_t *idx = malloc(n * sizeof *idx);
	double *d = malloc((size_t)resamples * sizeof *d);
	if (!cnt || !idx || !d)
		goto out;
	long long *tp = cnt, *np = cnt + k, *ny = cnt + 2 * k;
	*delta = macro_f1(y, pb, NULL, n, k, tp, np, ny) - macro_f1(y, pa, NULL, n, k, tp, np, ny);
	yj_rng r;
	rng_seed(&r, seed);
	for (int s = 0; s < resamples; s++) {
		for (size_t i = 0; i < n; i++)
			idx[i] = (size_t)rng_below(&r, n);
		d[s] = macro_f1(y, pb, idx, n, k, tp, np, ny) - macro_f1(y, pa, idx, n, k, tp, np, ny);
	}
	qsort(d, (size_t)resamples, sizeof *d, cmp_double);
	*lo = percentile(d, (size_t)resamples, 2.5);
	*hi = percentile(d, (size_t)resamples, 97.5);
	ret = 0;
out:
	free(cnt);
	free(idx);
	free(d);
	return ret;
}

/* ------------------------------------------------------------ the runs */

static yj_status oom(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

/* A setting's value as text (NULL: "-"), malloc'd. */
static char *value_text(json_t *v)
{
	if (!v)
		return strdup("-");
	if (json_is_string(v))
		return strdup(json_string_value(v));
	if (json_is_real(v)) {
		char buf[64];
		snprintf(buf, sizeof buf, "%.6g", json_real_value(v));
		return strdup(buf);
	}
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_SORT_KEYS);
}

/* Rows {"name"/"what": prefix+key, "a", "b"} into arr for each key whose
 * values differ between the objects ca and cb. */
static int diff_objects(json_t *arr, const char *label, const char *prefix, json_t *ca, json_t *cb)
{
	const char *key;
	json_t *v;
	for (int pass = 0; pass < 2; pass++) {
		json_object_foreach(pass ? cb : ca, key, v)
		{
			if (pass && json_object_get(ca, key))
				continue; /* seen in the first pass */
			json_t *other = json_object_get(pass ? ca : cb, key);
			char *x = value_text(pass ? other : v), *y = value_text(pass ? v : other);
			int bad = !x || !y;
			if (!bad && strcmp(x, y)) {
				size_t len = strlen(prefix) + strlen(key) + 1;
				char *name = malloc(len);
				if (name)
					snprintf(name, len, "%s%s", prefix, key);
				bad = !name || json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", label, name, "a", x,
										   "b", y));
				free(name);
			}
			free(x);
			free(y);
			if (bad)
				return -1;
		}
	}
	return 0;
}

/* What the comparison knows of one run. */
typedef struct {
	long long id, snapshot, split;
	json_t *config, *snap_settings;
	yj_split_row *rows;
	size_t nrows, ntest, nvalid; /* rows in all parts, in the test and the validation part */
} run_side;

static void side_free(run_side *s)
{
	json_decref(s->config);
	json_decref(s->snap_settings);
	splits_rows_free(s->rows, s->nrows);
}

static yj_status side_load(yj_project *p, long long id, run_side *s, yj_error *err)
{
	yj_run_row row;
	yj_status st = runs_get(p, id, &row, err);
	if (st)
		return st;
	s->id = id;
	s->split = row.split_id;
	s->config = row.config ? json_loads(row.config, 0, NULL) : NULL;
	runs_row_free(&row);
	s->snapshot = runs_snapshot(p, id);
	if (s->snapshot) {
		char *stats = NULL, *settings = NULL;
		int found = 0;
		if ((st = snapshots_stats(p, s->snapshot, &stats, &settings, &found, err)))
			return st;
		s->snap_settings = settings ? json_loads(settings, 0, NULL) : NULL;
		free(stats);
		free(settings);
	}
	if (s->split && (st = splits_rows(p, s->split, SPLIT_PARTS_ALL, &s->rows, &s->nrows, err)))
		return st;
	for (size_t i = 0; i < s->nrows; i++) {
		s->ntest += s->rows[i].part == SPLIT_PART_TEST;
		s->nvalid += s->rows[i].part == SPLIT_PART_VALID;
	}
	return YJ_OK;
}

/* The test rows of a split, sorted by key (splits_rows sorts by key
 * within a part; sorted again here so as not to depend on it). */
static int cmp_row_key(const void *a, const void *b)
{
	return strcmp(((const yj_split_row *)a)->key, ((const yj_split_row *)b)->key);
}

static int same_tests(run_side *a, run_side *b)
{
	if (!a->split || !b->split || a->ntest != b->ntest)
		return 0;
	if (a->split == b->split)
		return 1;
	qsort(a->rows, a->nrows, sizeof *a->rows, cmp_row_key);
	qsort(b->rows, b->nrows, sizeof *b->rows, cmp_row_key);
	size_t i = 0, j = 0;
	while (1) {
		while (i < a->nrows && a->rows[i].part != SPLIT_PART_TEST)
			i++;
		while (j < b->nrows && b->rows[j].part != SPLIT_PART_TEST)
			j++;
		if (i == a->nrows || j == b->nrows)
			return i == a->nrows && j == b->nrows;
		if (strcmp(a->rows[i].key, b->rows[j].key) || strcmp(a->rows[i].label, b->rows[j].label))
			return 0;
		i++;
		j++;
	}
}

/* The test cases run id predicts on the active split: their keys (sorted),
 * true and predicted labels, as *out (a case list holding only them). */
static int cmp_entry_key(const void *a, const void *b)
{
	return strcmp(((const yj_case_entry *)a)->key, ((const yj_case_entry *)b)->key);
}

static yj_status test_predictions(yj_project *p, long long id, yj_case_list *out, yj_error *err)
{
	yj_run_model rm;
	yj_status st = run_model_load(p, id, &rm, err);
	if (st)
		return st;
	st = cases_list(&rm, out, err);
	run_model_free(&rm);
	if (st)
		return st;
	size_t m = 0;
	for (size_t i = 0; i < out->n; i++) {
		if (out->cases[i].test && out->cases[i].label)
			out->cases[m++] = out->cases[i];
		else
			case_entry_free(&out->cases[i]);
	}
	out->n = m;
	qsort(out->cases, m, sizeof *out->cases, cmp_entry_key);
	return YJ_OK;
}

static int label_index(char **labels, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(labels[i], s))
			return (int)i;
	return (int)n; /* not among the split's: one extra class */
}

static int cmp_category(const void *x, const void *y)
{
	double a = fabs(json_number_value(json_object_get(*(json_t *const *)x, "delta")));
	double b = fabs(json_number_value(json_object_get(*(json_t *const *)y, "delta")));
	return (a < b) - (a > b);
}

/* The statistics of the two runs' predictions on their shared test set
 * into out; a note instead when they cannot be computed. */
static yj_status paired(yj_project *p, run_side *a, run_side *b, const yj_compare_opts *o, json_t *out,
			yj_error *err)
{
	long long active = 0, snap = 0;
	yj_case_list la = {0}, lb = {0};
	char **labels = NULL;
	size_t nl = 0;
	int32_t *y = NULL, *pa = NULL, *pb = NULL;
	yj_metrics ma = {0}, mb = {0};
	yj_status st = splits_of_active_snapshot(p, &active, &snap, err);
	if (st)
		return st;
	run_side act = {0};
	int usable = 0;
	if (active) {
		act.split = active;
		if ((st = splits_rows(p, active, SPLIT_PARTS_ALL, &act.rows, &act.nrows, err)))
			return st;
		for (size_t i = 0; i < act.nrows; i++)
			act.ntest += act.rows[i].part == SPLIT_PART_TEST;
		usable = same_tests(a, &act);
		side_free(&act);
	}
	if (!usable) {
		char note[256];
		snprintf(note, sizeof note,
			 _("the runs share a test set, but not the active snapshot's split: activate snapshot %lld "
			   "to compare their predictions case by case"),
			 a->snapshot);
		json_object_set_new(out, "note", json_string(note));
		return YJ_OK;
	}
	if ((st = test_predictions(p, a->id, &la, err)) || (st = test_predictions(p, b->id, &lb, err)) ||
	    (st = splits_labels(p, a->split, &labels, &nl, err)))
		goto out;
	if (la.n != lb.n || la.n != a->ntest) {
		st = error_set(err, YJ_EDATA, _("runs %lld and %lld predict %zu and %zu of the %zu test cases"), a->id,
			       b->id, la.n, lb.n, a->ntest);
		goto out;
	}
	size_t n = la.n;
	int k = (int)nl + 1;
	y = malloc((n ? n : 1) * sizeof *y);
	pa = malloc((n ? n : 1) * sizeof *pa);
	pb = malloc((n ? n : 1) * sizeof *pb);
	if (!y || !pa || !pb) {
		st = oom(err);
		goto out;
	}
	long long only_a = 0, only_b = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(la.cases[i].key, lb.cases[i].key)) {
			st = error_set(err, YJ_EDATA, _("runs %lld and %lld predict different test cases (%s, %s)"),
				       a->id, b->id, la.cases[i].key, lb.cases[i].key);
			goto out;
		}
		y[i] = label_index(labels, nl, la.cases[i].label);
		pa[i] = label_index(labels, nl, la.cases[i].predicted);
		pb[i] = label_index(labels, nl, lb.cases[i].predicted);
		only_a += pa[i] == y[i] && pb[i] != y[i];
		only_b += pb[i] == y[i] && pa[i] != y[i];
	}
	int resamples = o && o->resamples > 0 ? o->resamples : DEFAULT_RESAMPLES;
	uint64_t seed = o ? o->seed : 0;
	double delta = 0, lo = 0, hi = 0;
	if (!n) {
		json_object_set_new(out, "note", json_string(_("the test set is empty")));
		goto out;
	}
	if (compare_bootstrap_f1(y, pa, pb, n, k, resamples, seed, &delta, &lo, &hi) ||
	    metrics_compute(&ma, y, pa, n, k) || metrics_compute(&mb, y, pb, n, k)) {
		st = oom(err);
		goto out;
	}
	yj_mcnemar mc;
	compare_mcnemar(only_a, only_b, &mc);
	json_object_set_new(out, "test_cases", json_integer((json_int_t)n));
	json_object_set_new(out, "accuracy", json_pack("{s:f, s:f, s:f}", "a", ma.accuracy, "b", mb.accuracy, "delta",
						     mb.accuracy - ma.accuracy));
	json_object_set_new(out, "macro_f1",
			    json_pack("{s:f, s:f, s:f, s:f, s:f, s:i, s:I}", "a", ma.macro_f1, "b", mb.macro_f1, "delta",
				      delta, "ci_low", lo, "ci_high", hi, "resamples", resamples, "seed",
				      (json_int_t)seed));
	json_object_set_new(out, "mcnemar", json_pack("{s:I, s:I, s:f, s:f, s:f}", "a_only", (json_int_t)only_a,
						    "b_only", (json_int_t)only_b, "p_exact", mc.p_exact, "chi2",
						    mc.chi2, "p_chi2", mc.p_chi2));
	json_t *cats = json_array();
	for (int c = 0; c < (int)nl; c++) {
		if (!ma.support[c] && !mb.support[c])
			continue;
		json_array_append_new(cats, json_pack("{s:s, s:I, s:f, s:f, s:f}", "category", labels[c], "support",
						      (json_int_t)ma.support[c], "f1_a", ma.f1[c], "f1_b", mb.f1[c],
						      "delta", mb.f1[c] - ma.f1[c]));
	}
	/* sorted by the size of the change, largest first (stable enough:
	 * ties keep no promised order) */
	size_t nc = json_array_size(cats);
	json_t **v = malloc((nc ? nc : 1) * sizeof *v);
	if (!v) {
		json_decref(cats);
		st = oom(err);
		goto out;
	}
	for (size_t i = 0; i < nc; i++)
		v[i] = json_incref(json_array_get(cats, i));
	qsort(v, nc, sizeof *v, cmp_category);
	json_array_clear(cats);
	for (size_t i = 0; i < nc; i++)
		json_array_append_new(cats, v[i]);
	free(v);
	json_object_set_new(out, "per_category", cats);
out:
	metrics_free(&ma);
	metrics_free(&mb);
	free(y);
	free(pa);
	free(pb);
	splits_labels_free(labels, nl);
	cases_list_free(&la);
	cases_list_free(&lb);
	return st;
}

static json_t *side_json(const run_side *s)
{
	json_t *o = json_pack("{s:I}", "run", (json_int_t)s->id);
	json_object_set_new(o, "snapshot", s->snapshot ? json_integer(s->snapshot) : json_null());
	json_object_set_new(o, "split", s->split ? json_integer(s->split) : json_null());
	json_object_set_new(o, "train_cases", json_integer((json_int_t)(s->nrows - s->ntest - s->nvalid)));
	json_object_set_new(o, "valid_cases", json_integer((json_int_t)s->nvalid));
	json_object_set_new(o, "test_cases", json_integer((json_int_t)s->ntest));
	return o;
}

static void data_row(json_t *arr, const char *what, long long a, long long b)
{
	char x[32] = "-", y[32] = "-";
	if (a)
		snprintf(x, sizeof x, "%lld", a);
	if (b)
		snprintf(y, sizeof y, "%lld", b);
	json_array_append_new(arr, json_pack("{s:s, s:s, s:s}", "what", what, "a", x, "b", y));
}

yj_status compare_runs(yj_project *p, long long a, long long b, const yj_compare_opts *o, json_t **out,
		       yj_error *err)
{
	run_side sa = {0}, sb = {0};
	json_t *res = NULL;
	*out = NULL;
	yj_status st;
	if ((st = side_load(p, a, &sa, err)) || (st = side_load(p, b, &sb, err)))
		goto out;
	res = json_pack("{s:I, s:I, s:[oo]}", "a", (json_int_t)a, "b", (json_int_t)b, "runs", side_json(&sa),
			side_json(&sb));
	json_t *data = json_array(), *settings = json_array();
	json_object_set_new(res, "data", data);
	json_object_set_new(res, "settings", settings);
	if (!res || !data || !settings) {
		st = oom(err);
		goto out;
	}
	/* the data first: the snapshot and what cleaned it, the split */
	data_row(data, "snapshot", sa.snapshot, sb.snapshot);
	if (sa.snapshot != sb.snapshot && diff_objects(data, "what", "cleaning.", sa.snap_settings, sb.snap_settings)) {
		st = oom(err);
		goto out;
	}
	data_row(data, "split", sa.split, sb.split);
	data_row(data, "train_cases", (long long)(sa.nrows - sa.ntest - sa.nvalid), (long long)(sb.nrows - sb.ntest - sb.nvalid));
	data_row(data, "valid_cases", (long long)sa.nvalid, (long long)sb.nvalid);
	data_row(data, "test_cases", (long long)sa.ntest, (long long)sb.ntest);
	if (diff_objects(settings, "name", "", sa.config, sb.config)) {
		st = oom(err);
		goto out;
	}
	int same = same_tests(&sa, &sb);
	json_object_set_new(res, "same_test_set", json_boolean(same));
	if (!same) {
		json_object_set_new(res, "note", json_string(_("the runs were tested on different cases: their "
								 "figures are not comparable, and no difference is given")));
		goto out;
	}
	st = paired(p, &sa, &sb, o, res, err);
out:
	side_free(&sa);
	side_free(&sb);
	if (st) {
		json_decref(res);
		return st;
	}
	*out = res;
	return YJ_OK;
}

const char *compare_data_name(const char *what)
{
	if (!what)
		return "";
	if (!strcmp(what, "snapshot"))
		return _("snapshot");
	if (!strcmp(what, "split"))
		return _("split");
	if (!strcmp(what, "train_cases"))
		return _("training cases");
	if (!strcmp(what, "test_cases"))
		return _("test cases");
	if (!strcmp(what, "valid_cases"))
		return _("validation cases");
	return what; /* "cleaning.KEY", a setting's name */
}
