/*
 * alerts.c - the project's alert thresholds (alerts.h), kept as one JSON
 * project setting through the store's settings table.
 */
#include <config.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
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
		thresholds_free(t);
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
