/*
 * alerts.c - the project's alert thresholds (alerts.h), kept as one JSON
 * project setting through the store's settings table.
 */
#include <config.h>

#include <jansson.h>
#include <stdlib.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/train/alerts.h"

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
