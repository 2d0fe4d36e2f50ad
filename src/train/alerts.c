/*
 * alerts.c - the project's alert thresholds (alerts.h), kept as one JSON
 * project setting through the store's settings table, and what they would
 * have flagged on a run's validation cases.
 */
#include <config.h>

#include <jansson.h>
#include <math.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/store/runs.h"
#include "yujing/train/alerts.h"
#include "yujing/train/predict.h"

#define SETTING "alert_thresholds"

void thresholds_init(yj_thresholds *t)
{
	memset(t, 0, sizeof *t);
	t->all = 0.5;
}

void thresholds_free(yj_thresholds *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->category[i]);
	free(t->category);
	free(t->p);
	thresholds_init(t);
}

int thresholds_set(yj_thresholds *t, const char *category, double p)
{
	if (!category) {
		t->all = p;
		return 0;
	}
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->category[i], category)) {
			t->p[i] = p;
			return 0;
		}
	char **c = realloc(t->category, (t->n + 1) * sizeof *c);
	if (!c)
		return -1;
	t->category = c;
	double *v = realloc(t->p, (t->n + 1) * sizeof *v);
	if (!v)
		return -1;
	t->p = v;
	if (!(c[t->n] = strdup(category)))
		return -1;
	v[t->n++] = p;
	return 0;
}

int thresholds_remove(yj_thresholds *t, const char *category)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->category[i], category)) {
			free(t->category[i]);
			memmove(t->category + i, t->category + i + 1, (t->n - i - 1) * sizeof *t->category);
			memmove(t->p + i, t->p + i + 1, (t->n - i - 1) * sizeof *t->p);
			t->n--;
			return 1;
		}
	return 0;
}

/* The code points of s, ASCII letters folded to lower case, into cp (room
 * for max); returns how many (at most max). */
static size_t code_points(const char *s, uint32_t *cp, size_t max)
{
	size_t n = 0;
	while (*s && n < max) {
		size_t len = utf8_step(s);
		uint32_t c = (unsigned char)*s;
		if (len > 1 && utf8_decode((const unsigned char *)s, len, &c) != (int)len)
			c = (unsigned char)*s;
		if (c >= 'A' && c <= 'Z')
			c += 'a' - 'A';
		cp[n++] = c;
		s += len;
	}
	return n;
}

#define NAME_MAX_CP 128

size_t thresholds_distance(const char *a, const char *b)
{
	uint32_t x[NAME_MAX_CP], y[NAME_MAX_CP];
	size_t m = code_points(a, x, NAME_MAX_CP), n = code_points(b, y, NAME_MAX_CP);
	size_t row[NAME_MAX_CP + 1];
	for (size_t j = 0; j <= n; j++)
		row[j] = j;
	for (size_t i = 1; i <= m; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (size_t j = 1; j <= n; j++) {
			size_t up = row[j];
			size_t best = diag + (x[i - 1] != y[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[n];
}

yj_status thresholds_check_category(const char *category, const char *const *known, size_t n, yj_error *err)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(known[i], category))
			return YJ_OK;
	error_set(err, YJ_EUSAGE, _("no category '%s'"), category);
	/* the (up to) three names nearest by edit distance, nearest first,
	 * ties in the given order */
	enum { NEAR = 3 };
	size_t best[NEAR], dist[NEAR], nb = 0;
	for (size_t i = 0; i < n; i++) {
		size_t d = thresholds_distance(category, known[i]), k = nb < NEAR ? nb++ : NEAR;
		if (k == NEAR && d >= dist[NEAR - 1])
			continue;
		if (k == NEAR)
			k = NEAR - 1;
		while (k > 0 && dist[k - 1] > d) {
			best[k] = best[k - 1];
			dist[k] = dist[k - 1];
			k--;
		}
		best[k] = i;
		dist[k] = d;
	}
	if (!nb) {
		error_hint(err, _("there are no categories yet: train a run and predict first"));
		return YJ_EUSAGE;
	}
	char names[512];
	size_t o = 0;
	names[0] = 0;
	for (size_t i = 0; i < nb && o < sizeof names; i++)
		o += (size_t)snprintf(names + o, sizeof names - o, "%s%s", i ? ", " : "", known[best[i]]);
	error_hint(err, _("the closest categories: %s"), names);
	return YJ_EUSAGE;
}

yj_status thresholds_edit(yj_thresholds *t, const char *text, const char *const *known, size_t n,
			  yj_threshold_edit *what, char **category, yj_error *err)
{
	const char *eq = strrchr(text, '='), *num = eq ? eq + 1 : text;
	char *cat = eq ? strndup(text, (size_t)(eq - text)) : NULL;
	yj_status st = YJ_OK;
	if (category)
		*category = NULL;
	if (eq && !cat)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	if (cat && (st = thresholds_check_category(cat, known, n, err)))
		goto out;
	if (cat && !*num) {
		*what = thresholds_remove(t, cat) ? THRESHOLD_REMOVED : THRESHOLD_NOT_OWN;
		goto out;
	}
	char *end;
	double v = strtod(num, &end);
	if (end == num || *end || !(v >= 0 && v <= 1)) {
		st = error_set(err, YJ_EUSAGE,
			       _("a threshold is a probability in [0, 1]: P, CATEGORY=P, or CATEGORY= to remove one"));
		goto out;
	}
	if (thresholds_set(t, cat, v)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	*what = cat ? THRESHOLD_SET_ONE : THRESHOLD_SET_ALL;
out:
	if (!st && category) {
		*category = cat;
		cat = NULL;
	}
	free(cat);
	return st;
}

double thresholds_get(const yj_thresholds *t, const char *category)
{
	for (size_t i = 0; i < t->n; i++)
		if (!strcmp(t->category[i], category))
			return t->p[i];
	return t->all;
}

static int is_prob(json_t *v)
{
	return json_is_number(v) && json_number_value(v) >= 0 && json_number_value(v) <= 1;
}

yj_status thresholds_load(yj_project *p, yj_thresholds *t, yj_error *err)
{
	thresholds_init(t);
	char *text = NULL;
	yj_status st = project_setting_get(p, SETTING, &text, err);
	if (st || !text)
		return st;
	json_error_t je;
	json_t *o = json_loads(text, 0, &je), *cats = json_object_get(o, "categories");
	free(text);
	if (!json_is_object(o) || !is_prob(json_object_get(o, "all")) || (cats && !json_is_object(cats))) {
		json_decref(o);
		error_set(err, YJ_EDATA, _("the project setting '%s' is not valid"), SETTING);
		error_hint(err, _("set the thresholds again in the workbench's Warnings view (t)"));
		return YJ_EDATA;
	}
	t->all = json_number_value(json_object_get(o, "all"));
	const char *k;
	json_t *v;
	json_object_foreach(cats, k, v)
	{
		if (!is_prob(v)) {
			json_decref(o);
			error_set(err, YJ_EDATA, _("the project setting '%s' is not valid"), SETTING);
			return YJ_EDATA;
		}
		if (thresholds_set(t, k, json_number_value(v))) {
			json_decref(o);
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
	}
	json_decref(o);
	return YJ_OK;
}

yj_status thresholds_save(yj_project *p, const yj_thresholds *t, yj_error *err)
{
	json_t *cats = json_object();
	for (size_t i = 0; i < t->n; i++)
		json_object_set_new(cats, t->category[i], json_real(t->p[i]));
	json_t *o = json_pack("{s:f, s:o}", "all", t->all, "categories", cats);
	char *text = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!text)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = project_setting_set(p, SETTING, text, err);
	free(text);
	return st;
}

/* ------------------------------------------------ the validation part */

#define VALID_BATCH 256

void alerts_valid_free(yj_alert_valid *v)
{
	for (size_t k = 0; k < v->K && v->category; k++)
		free(v->category[k]);
	for (size_t i = 0; i < v->n && v->key; i++)
		free(v->key[i]);
	free(v->category);
	free(v->key);
	free(v->y);
	free(v->p);
	memset(v, 0, sizeof *v);
}

long alerts_valid_category(const yj_alert_valid *v, const char *category)
{
	for (size_t k = 0; k < v->K; k++)
		if (!strcmp(v->category[k], category))
			return (long)k;
	return -1;
}

/* The run's categories (its labels) into v. */
static int valid_categories(yj_alert_valid *v, const yj_run_model *rm)
{
	size_t K = json_array_size(rm->labels);
	if (!(v->category = calloc(K ? K : 1, sizeof *v->category)))
		return -1;
	for (; v->K < K; v->K++) {
		const char *c = json_string_value(json_array_get(rm->labels, v->K));
		if (!(v->category[v->K] = strdup(c ? c : "")))
			return -1;
	}
	return 0;
}

yj_status alerts_valid_load(yj_project *p, long long run, yj_alert_valid *v, yj_error *err)
{
	yj_run_model rm;
	yj_run_row row = {0};
	size_t *idx = NULL;
	memset(v, 0, sizeof *v);
	yj_status st = run_model_load_split(p, run, &rm, err);
	if (st)
		return st;
	v->run = rm.run;
	if ((st = runs_get(p, rm.run, &row, err)))
		goto out;
	v->split = row.split_id;
	/* predict.h loads the active snapshot's latest split: another split's
	 * validation cases may be the run's training cases */
	if (row.split_id != rm.cases.split_id) {
		error_set(err, YJ_EUSAGE, _("run %lld was trained on split %lld, not on the active split %lld"), rm.run,
			  row.split_id, rm.cases.split_id);
		error_hint(err, _("its validation cases are those of split %lld: make its snapshot active, or "
				  "measure a run trained on the active split"),
			   row.split_id);
		st = YJ_EUSAGE;
		goto out;
	}
	size_t K = json_array_size(rm.labels), n = 0;
	if (valid_categories(v, &rm) || !(idx = malloc((rm.cases.n ? rm.cases.n : 1) * sizeof *idx)))
		goto nomem;
	for (size_t i = 0; i < rm.cases.n; i++)
		if (rm.cases.part[i] == CASE_VALID && rm.cases.label[i] >= 0)
			idx[n++] = i;
	v->key = calloc(n ? n : 1, sizeof *v->key);
	v->y = malloc((n ? n : 1) * sizeof *v->y);
	v->p = malloc((n ? n : 1) * (K ? K : 1) * sizeof *v->p);
	if (!v->key || !v->y || !v->p)
		goto nomem;
	v->n = n; /* the keys NULL until set: alerts_valid_free frees them */
	for (size_t i = 0; i < n; i++) {
		long k = alerts_valid_category(v, rm.cases.classes[rm.cases.label[idx[i]]]);
		if (k < 0) {
			error_set(err, YJ_EDATA, _("run %lld has no category '%s', the label of validation case '%s'"),
				  rm.run, rm.cases.classes[rm.cases.label[idx[i]]], rm.cases.key[idx[i]]);
			error_at(err, NULL, -1, -1, "runs.labels");
			st = YJ_EDATA;
			goto out;
		}
		v->y[i] = (int32_t)k;
		if (!(v->key[i] = strdup(rm.cases.key[idx[i]])))
			goto nomem;
	}
	for (size_t i = 0; i < n; i += VALID_BATCH) {
		int B = (int)(n - i < VALID_BATCH ? n - i : VALID_BATCH);
		run_model_forward(&rm, idx + i, B);
		memcpy(v->p + i * K, rm.m.fu.probs, (size_t)B * K * sizeof *v->p);
	}
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	free(idx);
	runs_row_free(&row);
	run_model_free(&rm);
	return st;
}

/* The flags of category k at threshold t, added into out's counts. */
static void count_category(const yj_alert_valid *v, size_t k, double t, yj_alert_pr *out)
{
	for (size_t i = 0; i < v->n; i++) {
		int flagged = v->p[i * v->K + k] >= t, truly = v->y[i] == (int32_t)k;
		out->alerts += flagged;
		out->hits += flagged && truly;
		out->truth += truly;
	}
}

static void ratios(yj_alert_pr *out)
{
	out->precision = out->alerts ? (double)out->hits / (double)out->alerts : NAN;
	out->recall = out->truth ? (double)out->hits / (double)out->truth : NAN;
}

void alerts_pr_category(const yj_alert_valid *v, size_t k, double t, yj_alert_pr *out)
{
	memset(out, 0, sizeof *out);
	if (k < v->K)
		count_category(v, k, t, out);
	ratios(out);
}

void alerts_pr_all(const yj_alert_valid *v, const yj_thresholds *t, yj_alert_pr *out, size_t *ncat)
{
	size_t m = 0;
	memset(out, 0, sizeof *out);
	for (size_t k = 0; k < v->K; k++) {
		size_t j = 0;
		while (j < t->n && strcmp(t->category[j], v->category[k]))
			j++;
		if (j < t->n)
			continue; /* it has its own */
		count_category(v, k, t->all, out);
		m++;
	}
	ratios(out);
	if (ncat)
		*ncat = m;
}
