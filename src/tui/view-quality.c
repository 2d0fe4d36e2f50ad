/*
 * view-quality.c - view 2: the data-quality profile of the selected
 * source, one row per field (type, role, volume, null %, duplicate %, outlier %,
 * distinct, mean, std, min, max), sortable by any column, rates coloured
 * by severity.  Enter drills into a field: its distribution (histogram of
 * a numeric field, top values with bars of a categorical one, the length
 * distribution of a text field and its top values when few distinct
 * values repeat, the hour, weekday and month distributions of a
 * date-time) and sample rows with the null and outlier cells highlighted.
 *
 * The numbers are profile_run()'s, the same as `yujing profile --json`
 * shows; profiling (or loading a stored profile) and the drill-in's table
 * load run on a worker thread.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/data/datetime.h"
#include "yujing/data/profile.h"
#include "yujing/data/retype.h"
#include "yujing/data/sample.h"
#include "yujing/data/stats.h"

enum { A_SORT = ACT_VIEW, A_UNSORT, A_PREV, A_NEXT, A_RECOMPUTE, A_RETYPE };

static const tui_binding keys[] = {
	{ACT_ENTER, {0}, "Enter", N_("drill into the field: distribution and sample rows")},
	{A_SORT, {'s'}, "s", N_("sort by the column under the column cursor (again: reverse)")},
	{A_UNSORT, {'S'}, "S", N_("back to field order")},
	{A_PREV, {'['}, "[", N_("previous source (in a drill-in: previous field)")},
	{A_NEXT, {']'}, "]", N_("next source (in a drill-in: next field)")},
	{A_RECOMPUTE, {'r'}, "r", N_("profile again from the data")},
	{A_RETYPE, {'t'}, "t", N_("change the field's type: auto (infer again), numeric, categorical, datetime or text")},
	{ACT_BACK, {0}, "Esc q", N_("leave the drill-in")},
	{ACT_NONE, {0}, NULL, NULL},
};

enum { C_FIELD, C_TYPE, C_ROLE, C_VOLUME, C_NULL, C_DUP, C_OUT, C_DISTINCT, C_MEAN, C_STD, C_MIN, C_MAX, NCOLS };

#define TOP_MAX 30
#define SAMPLE_MAX 200
/* A text field's top values are shown when it has at most this many
 * distinct values and its most frequent one repeats. */
#define TEXT_TOP_DISTINCT 200

/* What a drill-in shows, computed by a job from the loaded table. */
typedef struct {
	char *source, *field;
	yj_ftype type;
	double sigma;
	long long rows, nulls, outliers;
	yj_moments m;
	yj_histogram hist;    /* numeric values or text lengths */
	int by_chars;
	size_t ntop;          /* most frequent values */
	char *top[TOP_MAX];
	int64_t top_cnt[TOP_MAX];
	int64_t other;        /* non-null rows not in top */
	yj_sample sample;
	char **names;         /* (sample.ncols) field names */
	long focus;           /* column of the field */
	int text_top;         /* a text field whose top values are shown */
	/* a datetime field's values as written (wall clock): rows per hour of
	 * the day (rows with a time only), per weekday (Monday first), per
	 * month */
	int64_t hour[24], wday[7], month[12];
	long long dated, timed;
} drill_data;

typedef struct {
	char *source;
	json_t *prof;         /* the source object of the profile */
} cached;

typedef struct {
	cached *cache;
	size_t ncache;
	unsigned gen;         /* a->data_gen the cache belongs to */
	char *want;           /* source whose profile is on its way */
	int recompute;
	char *failed;         /* source whose profile failed */
	yj_error err;
	tui_table tbl;
	char *tbl_src;        /* source the table shows */
	/* drill-in */
	int drill;
	char *d_field;
	drill_data *dd;
	unsigned d_req;       /* number of the latest drill request */
	int d_loading;
	yj_error d_err;
	int d_failed;
	tui_table samp;
	int last_h;           /* height of the last draw */
	char *retype;         /* field whose new type is being asked for */
} quality_state;

/* ------------------------------------------------------------ drill data */

static void drill_free(drill_data *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->ntop; i++)
		free(d->top[i]);
	if (d->names)
		for (size_t c = 0; c < d->sample.ncols; c++)
			free(d->names[c]);
	free(d->names);
	sample_histogram_free(&d->hist);
	sample_free(&d->sample);
	free(d->source);
	free(d->field);
	free(d);
}

typedef struct {
	tui_job base;
	quality_state *q;
	unsigned req, gen;
	size_t nbins;
	drill_data *d;
} drill_job;

static void drill_run(tui_job *j, yj_project *p)
{
	drill_job *dj = (drill_job *)j;
	drill_data *d = dj->d;
	yj_nullset ns = {0};
	yj_table t;
	if ((j->st = table_nullset(p, &ns, &j->err)))
		return;
	j->st = table_load(p, d->source, &ns, &j->progress, &t, &j->err);
	nullset_free(&ns);
	if (j->st)
		return;
	long c = table_col(&t, d->field);
	if (c < 0) {
		j->st = error_set(&j->err, YJ_ENOTFOUND, _("source '%s' has no field '%s'"), d->source, d->field);
		table_free(&t);
		return;
	}
	const yj_column *col = &t.cols[c];
	d->focus = c;
	d->type = col->type;
	d->rows = (long long)t.nrows;
	int numeric = ftype_is_numeric(col->type);
	stats_moments(col, col->count, &d->m);
	for (size_t e = 0; e < col->ndict; e++) {
		if (col->is_null[e])
			d->nulls += col->count[e];
		else if (numeric && col->count[e] && stats_is_outlier(col, e, &d->m, d->sigma))
			d->outliers += col->count[e];
	}
	int oom = 0;
	if (numeric || col->type == FTYPE_TEXT) {
		d->by_chars = !numeric;
		oom |= sample_histogram(col, dj->nbins, d->by_chars, &d->hist);
	}
	size_t top[TOP_MAX];
	d->ntop = stats_top(col, col->count, TOP_MAX, top);
	int64_t in_top = 0;
	for (size_t i = 0; i < d->ntop; i++) {
		d->top[i] = strdup(col->value[top[i]]);
		d->top_cnt[i] = col->count[top[i]];
		in_top += d->top_cnt[i];
		oom |= !d->top[i];
	}
	d->other = (int64_t)t.nrows - d->nulls - in_top;
	size_t distinct = 0;
	for (size_t e = 0; e < col->ndict; e++) {
		distinct += col->count[e] && !col->is_null[e];
		yj_datetime dt;
		if (col->type == FTYPE_DATETIME && col->count[e] && !col->is_null[e] &&
		    datetime_parse(col->value[e], col->len[e], &dt)) {
			d->dated += col->count[e];
			d->wday[datetime_weekday(&dt)] += col->count[e];
			d->month[dt.month - 1] += col->count[e];
			if (dt.has_time) {
				d->timed += col->count[e];
				d->hour[dt.hour] += col->count[e];
			}
		}
	}
	d->text_top = col->type == FTYPE_TEXT && d->ntop && distinct <= TEXT_TOP_DISTINCT && d->top_cnt[0] > 1;
	oom |= sample_rows(&t, (size_t)c, d->sigma, SAMPLE_MAX, &d->sample);
	d->names = calloc(t.ncols ? t.ncols : 1, sizeof *d->names);
	for (size_t k = 0; d->names && k < t.ncols; k++)
		oom |= !(d->names[k] = strdup(t.cols[k].name));
	oom |= !d->names;
	table_free(&t);
	if (oom)
		j->st = error_set(&j->err, YJ_ENOMEM, _("out of memory"));
}

static void build_samples(quality_state *q);

static void drill_done(tui_job *j, tui_app *a)
{
	drill_job *dj = (drill_job *)j;
	quality_state *q = dj->q;
	if (dj->req != q->d_req || dj->gen != a->data_gen)
		return; /* overtaken */
	q->d_loading = 0;
	if (j->st) {
		q->d_failed = 1;
		q->d_err = j->err;
		tui_error(a, &j->err);
		return;
	}
	q->d_failed = 0;
	drill_free(q->dd);
	q->dd = dj->d;
	dj->d = NULL;
	build_samples(q);
}

static void drill_destroy(tui_job *j)
{
	drill_job *dj = (drill_job *)j;
	drill_free(dj->d);
	free(dj);
}

static const cached *find_cached(const quality_state *q, const char *source);

static void request_drill(quality_state *q, tui_app *a)
{
	if (!a->cur_source || !q->d_field)
		return;
	drill_job *dj = calloc(1, sizeof *dj);
	drill_data *d = calloc(1, sizeof *d);
	if (!dj || !d || !(d->source = strdup(a->cur_source)) || !(d->field = strdup(q->d_field))) {
		free(dj);
		drill_free(d);
		return;
	}
	const cached *c = find_cached(q, a->cur_source);
	json_t *sg = c ? json_object_get(c->prof, "sigma") : NULL;
	d->sigma = json_is_number(sg) ? json_number_value(sg) : 3;
	tui_job_init(&dj->base, N_("loading the table"), drill_run, drill_done, drill_destroy);
	dj->q = q;
	dj->d = d;
	dj->req = ++q->d_req;
	dj->gen = a->data_gen;
	int bins = q->last_h > 0 ? (q->last_h - 6) / 2 - 1 : 10;
	dj->nbins = (size_t)(bins < 5 ? 5 : bins > 20 ? 20 : bins);
	q->d_loading = 1;
	tui_submit(a, &dj->base);
}

/* ------------------------------------------------------------ profile */

typedef struct {
	tui_job base;
	quality_state *q;
	char *source;
	int recompute;
	unsigned gen;
	json_t *res;
} profile_job;

static void profile_job_run(tui_job *j, yj_project *p)
{
	profile_job *pj = (profile_job *)j;
	yj_profile_opts o = {0};
	o.sigma = 3;
	o.recompute = pj->recompute;
	o.progress = &j->progress;
	json_t *out = NULL;
	j->st = profile_run(p, pj->source, &o, &out, &j->err);
	if (!j->st) {
		pj->res = json_incref(json_array_get(json_object_get(out, "sources"), 0));
		json_decref(out);
	}
}

static void build_table(quality_state *q, tui_app *a);

static void profile_job_done(tui_job *j, tui_app *a)
{
	profile_job *pj = (profile_job *)j;
	quality_state *q = pj->q;
	if (pj->gen != a->data_gen)
		return;
	if (q->want && !strcmp(q->want, pj->source)) {
		free(q->want);
		q->want = NULL;
	}
	if (j->st) {
		free(q->failed);
		q->failed = strdup(pj->source);
		q->err = j->err;
		tui_error(a, &j->err);
		return;
	}
	cached *v = realloc(q->cache, (q->ncache + 1) * sizeof *v);
	if (!v)
		return;
	q->cache = v;
	/* Replace an older entry of the same source. */
	size_t i;
	for (i = 0; i < q->ncache; i++)
		if (!strcmp(q->cache[i].source, pj->source))
			break;
	if (i < q->ncache) {
		json_decref(q->cache[i].prof);
	} else {
		q->cache[i].source = pj->source;
		pj->source = NULL;
		q->ncache++;
	}
	q->cache[i].prof = pj->res;
	pj->res = NULL;
	if (pj->recompute) {
		free(q->tbl_src);
		q->tbl_src = NULL;
		tui_message(a, 2, _("profiled again"));
	}
	if (a->view == VIEW_QUALITY)
		build_table(q, a);
}

static void profile_job_destroy(tui_job *j)
{
	profile_job *pj = (profile_job *)j;
	free(pj->source);
	json_decref(pj->res);
	free(pj);
}

static const cached *find_cached(const quality_state *q, const char *source)
{
	for (size_t i = 0; source && i < q->ncache; i++)
		if (!strcmp(q->cache[i].source, source))
			return &q->cache[i];
	return NULL;
}

static void request_profile(quality_state *q, tui_app *a, const char *source, int recompute)
{
	profile_job *pj = calloc(1, sizeof *pj);
	if (!pj || !(pj->source = strdup(source))) {
		free(pj);
		return;
	}
	tui_job_init(&pj->base, N_("profiling"), profile_job_run, profile_job_done, profile_job_destroy);
	pj->q = q;
	pj->gen = a->data_gen;
	pj->recompute = recompute;
	free(q->want);
	q->want = strdup(source);
	free(q->failed);
	q->failed = NULL;
	tui_submit(a, &pj->base);
}

static void drop_cache(quality_state *q)
{
	for (size_t i = 0; i < q->ncache; i++) {
		free(q->cache[i].source);
		json_decref(q->cache[i].prof);
	}
	free(q->cache);
	q->cache = NULL;
	q->ncache = 0;
	free(q->want);
	q->want = NULL;
	free(q->tbl_src);
	q->tbl_src = NULL;
}

/* ------------------------------------------------------------ the table */

static double num_of(json_t *v)
{
	return json_is_number(v) ? json_number_value(v) : NAN;
}

/* How severe a rate is: 0 fine, 1 worth a look, 2 severe. */
static int severity(int col, double rate, const char *role, const char *type)
{
	if (isnan(rate) || rate <= 0)
		return 0;
	switch (col) {
	case C_NULL:
		return rate >= 0.2 ? 2 : rate >= 0.05;
	case C_OUT:
		return rate >= 0.05 ? 2 : 1;
	case C_DUP:
		/* Repeats are what a category is; in a key or a narrative
		 * they are suspect. */
		if (!strcmp(role, "key") || !strcmp(type, "text"))
			return rate >= 0.05 ? 2 : 1;
		return 0;
	default:
		return 0;
	}
}

static void build_table(quality_state *q, tui_app *a)
{
	const cached *c = find_cached(q, a->cur_source);
	if (!c)
		return;
	if (q->tbl_src && !strcmp(q->tbl_src, c->source))
		return;
	free(q->tbl_src);
	q->tbl_src = strdup(c->source);
	tui_table_clear(&q->tbl);
	long long rows = json_integer_value(json_object_get(c->prof, "rows"));
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(c->prof, "fields"), i, f)
	{
		char b[NCOLS][64];
		const char *type = json_string_value(json_object_get(f, "type"));
		const char *role = json_string_value(json_object_get(f, "role"));
		long long nulls = json_integer_value(json_object_get(f, "nulls"));
		double vals[NCOLS];
		for (int k = 0; k < NCOLS; k++)
			vals[k] = NAN;
		vals[C_VOLUME] = (double)(rows - nulls);
		vals[C_NULL] = num_of(json_object_get(f, "null_rate"));
		vals[C_DUP] = num_of(json_object_get(f, "duplicate_rate"));
		vals[C_OUT] = num_of(json_object_get(f, "outlier_rate"));
		vals[C_DISTINCT] = num_of(json_object_get(f, "distinct"));
		vals[C_MEAN] = num_of(json_object_get(f, "mean"));
		vals[C_STD] = num_of(json_object_get(f, "std"));
		vals[C_MIN] = num_of(json_object_get(f, "min"));
		vals[C_MAX] = num_of(json_object_get(f, "max"));
		snprintf(b[C_VOLUME], 64, "%lld", rows - nulls);
		tui_fmt_rate(vals[C_NULL], b[C_NULL], 64);
		tui_fmt_rate(vals[C_DUP], b[C_DUP], 64);
		tui_fmt_rate(vals[C_OUT], b[C_OUT], 64);
		snprintf(b[C_DISTINCT], 64, "%lld", (long long)json_integer_value(json_object_get(f, "distinct")));
		for (int k = C_MEAN; k <= C_MAX; k++) {
			static const char *const names[] = {"mean", "std", "min", "max"};
			json_t *v = json_object_get(f, names[k - C_MEAN]);
			if (json_is_string(v)) /* a datetime's earliest and latest */
				snprintf(b[k], 64, "%s", json_string_value(v));
			else
				tui_fmt_num(vals[k], b[k], 64);
		}
		const char *row[NCOLS] = {json_string_value(json_object_get(f, "name")),
					  tui_name(type),
					  tui_name(role ? role : ""),
					  b[C_VOLUME],
					  b[C_NULL],
					  b[C_DUP],
					  b[C_OUT],
					  b[C_DISTINCT],
					  b[C_MEAN],
					  b[C_STD],
					  b[C_MIN],
					  b[C_MAX]};
		size_t r = tui_table_add(&q->tbl, row);
		for (int k = C_VOLUME; k < NCOLS; k++)
			tui_table_set_key(&q->tbl, r, k, vals[k]);
		static const int sev_color[] = {TUI_C_GOOD, TUI_C_WARN, TUI_C_BAD};
		for (int k = C_NULL; k <= C_OUT; k++) {
			int sv = severity(k, vals[k], role ? role : "", type ? type : "");
			if (!isnan(vals[k]) && (sv || vals[k] == 0))
				tui_table_set_attr(&q->tbl, r, k, tui_attr(sev_color[sv]));
		}
		if (role && (!strcmp(role, "key") || !strcmp(role, "label")))
			tui_table_set_attr(&q->tbl, r, C_FIELD, tui_attr(TUI_C_TITLE));
	}
	tui_table_sort(&q->tbl, q->tbl.sort_col, q->tbl.sort_desc);
}

/* ------------------------------------------------------------ samples */

static void build_samples(quality_state *q)
{
	drill_data *d = q->dd;
	tui_table_free(&q->samp);
	if (!d)
		return;
	size_t nc = d->sample.ncols;
	tui_column *cols = calloc(nc + 1, sizeof *cols);
	if (!cols)
		return;
	cols[0] = (tui_column){_("line"), 1, 10};
	for (size_t c = 0; c < nc; c++)
		cols[c + 1] = (tui_column){d->names[c], 0, 24};
	tui_table_init(&q->samp, (int)nc + 1, cols);
	free(cols);
	q->samp.frozen = 1;
	q->samp.ccol = (int)d->focus + 1;
	const char **row = calloc(nc + 1, sizeof *row);
	if (!row)
		return;
	for (size_t r = 0; r < d->sample.nrows; r++) {
		char line[32];
		snprintf(line, sizeof line, "%lld", (long long)d->sample.line[r]);
		row[0] = line;
		for (size_t c = 0; c < nc; c++) {
			const char *v = d->sample.cell[r * nc + c];
			/* An empty cell shows as a dot so a highlight has room. */
			row[c + 1] = v && *v ? v : "\xc2\xb7";
		}
		size_t k = tui_table_add(&q->samp, row);
		for (size_t c = 0; c < nc; c++) {
			int m = d->sample.mark[r * nc + c];
			if (m)
				tui_table_set_attr(&q->samp, k, (int)c + 1,
						   tui_attr(m == SAMPLE_NULL ? TUI_C_NULLCELL : TUI_C_OUTCELL));
		}
	}
	free(row);
}

/* ------------------------------------------------------------ retype */

typedef struct {
	tui_job base;
	char *source, *field, *type;
	yj_retype_result res;
} retype_job;

static void retype_run(tui_job *j, yj_project *p)
{
	retype_job *rj = (retype_job *)j;
	j->st = retype_field(p, rj->source, rj->field, rj->type, &rj->res, &j->err);
}

static void retype_done(tui_job *j, tui_app *a)
{
	retype_job *rj = (retype_job *)j;
	if (j->st) {
		tui_error(a, &j->err);
		return;
	}
	tui_project_changed(a); /* catalogue and profile again */
	if (!strcmp(rj->res.old_type, rj->res.new_type) && !strcmp(rj->res.old_role, rj->res.new_role))
		tui_message(a, 0, _("%s stays %s"), rj->field, tui_name(rj->res.new_type));
	else
		tui_message(a, 2, _("%s: %s (%s) \xe2\x86\x92 %s (%s); profiled again"), rj->field,
			    tui_name(rj->res.old_type), tui_name(rj->res.old_role), tui_name(rj->res.new_type),
			    tui_name(rj->res.new_role));
}

static void retype_destroy(tui_job *j)
{
	retype_job *rj = (retype_job *)j;
	free(rj->source);
	free(rj->field);
	free(rj->type);
	free(rj);
}

static void retype_input_done(void *ctx, tui_app *a, const char *text)
{
	quality_state *q = ctx;
	if (!text || !*text || !a->cur_source || !q->retype)
		return;
	retype_job *rj = calloc(1, sizeof *rj);
	if (!rj || !(rj->source = strdup(a->cur_source)) || !(rj->type = strdup(text)) ||
	    !(rj->field = strdup(q->retype))) {
		if (rj)
			retype_destroy(&rj->base);
		return;
	}
	tui_job_init(&rj->base, N_("changing the type"), retype_run, retype_done, retype_destroy);
	tui_submit(a, &rj->base);
}

/* t: ask for the new type of the field under the cursor (or drilled into). */
static void ask_type(quality_state *q, tui_app *a)
{
	const char *field = NULL;
	if (q->drill)
		field = q->d_field;
	else if (tui_table_row(&q->tbl) != (size_t)-1)
		field = q->tbl.cell[tui_table_row(&q->tbl) * (size_t)q->tbl.ncols];
	const yj_source_info *s = tui_source(a);
	long i = s && field ? sources_field_index(s, field) : -1;
	if (i < 0)
		return;
	char prompt[512];
	snprintf(prompt, sizeof prompt, _("type of %s (auto, numeric, categorical, datetime, text): "), field);
	free(q->retype);
	if ((q->retype = strdup(field)))
		tui_input_begin(a, prompt, s->fields[i].type, retype_input_done, q);
}

/* ------------------------------------------------------------ view */

static void *quality_open(tui_app *a)
{
	quality_state *q = calloc(1, sizeof *q);
	if (!q)
		return NULL;
	const tui_column cols[NCOLS] = {
		{_("field"), 0, 24},  {_("type"), 0, 12},    {_("role"), 0, 10},   {_("volume"), 1, 12}, {_("null%"), 1, 8},
		{_("dup%"), 1, 8},    {_("out%"), 1, 8},     {_("distinct"), 1, 10}, {_("mean"), 1, 12},
		{_("std"), 1, 12},    {_("min"), 1, 20},     {_("max"), 1, 20},
	};
	tui_table_init(&q->tbl, NCOLS, cols);
	q->tbl.frozen = 1;
	q->tbl.ccol = 0;
	q->gen = a->data_gen;
	return q;
}

static void quality_close(void *st)
{
	quality_state *q = st;
	drop_cache(q);
	free(q->failed);
	tui_table_free(&q->tbl);
	tui_table_free(&q->samp);
	drill_free(q->dd);
	free(q->d_field);
	free(q->retype);
	free(q);
}

static void start_drill(quality_state *q, tui_app *a, const char *field)
{
	q->drill = 1;
	free(q->d_field);
	q->d_field = strdup(field);
	if (!q->dd || strcmp(q->dd->field, field) || !a->cur_source || strcmp(q->dd->source, a->cur_source)) {
		drill_free(q->dd);
		q->dd = NULL;
		tui_table_free(&q->samp);
	}
	q->d_failed = 0;
	request_drill(q, a);
}

static void quality_show(void *st, tui_app *a)
{
	quality_state *q = st;
	if (q->gen != a->data_gen) {
		q->gen = a->data_gen;
		drop_cache(q);
		if (q->drill) {
			drill_free(q->dd);
			q->dd = NULL;
			tui_table_free(&q->samp);
			request_drill(q, a);
		}
	}
	if (!a->cur_source)
		return;
	if (a->drill_field) {
		char *f = a->drill_field;
		a->drill_field = NULL;
		start_drill(q, a, f);
		free(f);
	}
	if (q->drill && q->dd && strcmp(q->dd->source, a->cur_source))
		q->drill = 0; /* another source was chosen */
	if (find_cached(q, a->cur_source))
		build_table(q, a);
	else if ((!q->want || strcmp(q->want, a->cur_source)) &&
		 (!q->failed || strcmp(q->failed, a->cur_source)))
		request_profile(q, a, a->cur_source, 0);
}

/* Bins of a histogram as label (range) and count. */
static void bin_label(const drill_data *d, size_t b, char *buf, size_t n)
{
	const yj_histogram *h = &d->hist;
	double lo = h->lo + (double)b * h->width, hi = lo + h->width;
	if (h->integral && h->width == 1)
		snprintf(buf, n, "%.0f", lo);
	else if (h->integral)
		snprintf(buf, n, "%.0f\xe2\x80\x93%.0f", lo, hi - 1 < h->hi ? hi - 1 : h->hi); /* en dash */
	else if (b + 1 == h->nbins)
		snprintf(buf, n, "[%.4g, %.4g]", lo, h->hi);
	else
		snprintf(buf, n, "[%.4g, %.4g)", lo, hi);
}

/* Vertical bars: one column group of cw cells per count, the label under
 * it, a title above; h rows of bars. */
static void vbars(tui_rect r, const char *title, const int64_t *cnt, const char *const *labels, size_t n, int cw)
{
	tui_put(r.y, r.x, r.w, title, tui_attr(TUI_C_TITLE));
	int64_t mx = 1;
	for (size_t i = 0; i < n; i++)
		mx = cnt[i] > mx ? cnt[i] : mx;
	int h = r.h - 2;
	static const char *const eighths[] = {" ", "\xe2\x96\x81", "\xe2\x96\x82", "\xe2\x96\x83", "\xe2\x96\x84",
					      "\xe2\x96\x85", "\xe2\x96\x86", "\xe2\x96\x87", "\xe2\x96\x88"};
	for (size_t i = 0; h > 0 && i < n && (int)(i + 1) * cw <= r.w; i++) {
		int x = r.x + (int)i * cw;
		/* height in eighths of a row; a non-zero count shows at least one */
		long e8 = cnt[i] ? (long)((double)cnt[i] / (double)mx * h * 8 + 0.5) : 0;
		if (cnt[i] && e8 < 1)
			e8 = 1;
		for (int row = 0; row < h; row++) {
			long here = e8 - (long)(h - 1 - row) * 8;
			const char *b = eighths[here <= 0 ? 0 : here >= 8 ? 8 : here];
			for (int k = 0; k < cw - 1; k++)
				tui_put(r.y + 1 + row, x + k, 1, b, tui_attr(TUI_C_ACCENT));
		}
		tui_put(r.y + 1 + h, x, cw, labels[i], tui_attr(TUI_C_DIM));
	}
}

/* The hour, weekday and month distributions of a datetime field, each
 * titled with its peak. */
static void draw_datetime(const drill_data *d, tui_rect r)
{
	static const char *const wd[] = {N_("Mon"), N_("Tue"), N_("Wed"), N_("Thu"), N_("Fri"), N_("Sat"), N_("Sun")};
	static const char *const mo[] = {N_("Jan"), N_("Feb"), N_("Mar"), N_("Apr"), N_("May"), N_("Jun"),
					 N_("Jul"), N_("Aug"), N_("Sep"), N_("Oct"), N_("Nov"), N_("Dec")};
	char hl[24][4];
	const char *hp[24], *wp[7], *mp[12];
	for (int i = 0; i < 24; i++) {
		snprintf(hl[i], sizeof hl[i], "%02d", i);
		hp[i] = hl[i];
	}
	for (int i = 0; i < 7; i++)
		wp[i] = _(wd[i]);
	for (int i = 0; i < 12; i++)
		mp[i] = _(mo[i]);
	size_t ph = 0, pw = 0, pm = 0;
	for (size_t i = 1; i < 24; i++)
		ph = d->hour[i] > d->hour[ph] ? i : ph;
	for (size_t i = 1; i < 7; i++)
		pw = d->wday[i] > d->wday[pw] ? i : pw;
	for (size_t i = 1; i < 12; i++)
		pm = d->month[i] > d->month[pm] ? i : pm;
	char t1[256], t2[256], t3[256];
	if (d->timed)
		snprintf(t1, sizeof t1, _("Hour of day (%lld rows with a time; peak %s:00, %lld)"), d->timed, hp[ph],
			 (long long)d->hour[ph]);
	else
		snprintf(t1, sizeof t1, "%s", _("Hour of day: no value has a time"));
	snprintf(t2, sizeof t2, _("Weekday (peak %s, %lld)"), wp[pw], (long long)d->wday[pw]);
	snprintf(t3, sizeof t3, _("Month (peak %s, %lld)"), mp[pm], (long long)d->month[pm]);
	/* Hours above; weekdays and months side by side below. */
	int h1 = r.h / 2, ww = 7 * 4 + 16;
	vbars((tui_rect){r.y, r.x, h1, r.w}, t1, d->hour, hp, 24, 3);
	if (ww > r.w / 2)
		ww = r.w / 2;
	vbars((tui_rect){r.y + h1, r.x, r.h - h1, ww}, t2, d->wday, wp, 7, 4);
	vbars((tui_rect){r.y + h1, r.x + ww + 2, r.h - h1, r.w - ww - 2}, t3, d->month, mp, 12, 4);
}

static void draw_top(const drill_data *d, tui_rect r);

static void draw_chart(quality_state *q, tui_rect r)
{
	drill_data *d = q->dd;
	int numeric = ftype_is_numeric(d->type);
	char title[256];
	if (d->type == FTYPE_DATETIME && d->dated) {
		draw_datetime(d, r);
		return;
	}
	if (d->hist.nbins && d->text_top && r.w >= 60) {
		/* Lengths on the left, the values that repeat on the right. */
		int lw = r.w / 2;
		draw_top(d, (tui_rect){r.y, r.x + lw + 2, r.h, r.w - lw - 2});
		r.w = lw;
	}
	if (d->hist.nbins) {
		snprintf(title, sizeof title, d->by_chars ? _("Text length in characters (%zu bins)")
							  : _("Histogram (%zu bins)"),
			 d->hist.nbins);
		tui_put(r.y, r.x, r.w, title, tui_attr(TUI_C_TITLE));
		int64_t mx = 1;
		for (size_t b = 0; b < d->hist.nbins; b++)
			mx = d->hist.count[b] > mx ? d->hist.count[b] : mx;
		int lw = 0;
		char lab[64];
		for (size_t b = 0; b < d->hist.nbins; b++) {
			bin_label(d, b, lab, sizeof lab);
			int w = tui_width(lab);
			lw = w > lw ? w : lw;
		}
		double lo = d->m.mean - d->sigma * d->m.std, hi = d->m.mean + d->sigma * d->m.std;
		for (size_t b = 0; b < d->hist.nbins && (int)b < r.h - 1; b++) {
			int y = r.y + 1 + (int)b;
			bin_label(d, b, lab, sizeof lab);
			tui_cell(y, r.x, lw, lab, 1, tui_attr(TUI_C_DIM));
			char cnt[32];
			snprintf(cnt, sizeof cnt, "%lld", (long long)d->hist.count[b]);
			tui_cell(y, r.x + lw + 1, 8, cnt, 1, 0);
			/* Bins beyond mean +- sigma std hold outliers. */
			double blo = d->hist.lo + (double)b * d->hist.width, bhi = blo + d->hist.width;
			int out = numeric && d->m.std > 0 && (bhi <= lo || blo > hi);
			tui_bar(y, r.x + lw + 10, r.w - lw - 10 > 60 ? 60 : r.w - lw - 10, (double)d->hist.count[b] / (double)mx,
				tui_attr(out ? TUI_C_WARN : TUI_C_ACCENT));
		}
		return;
	}
	draw_top(d, r);
}

/* The most frequent values with bars. */
static void draw_top(const drill_data *d, tui_rect r)
{
	char title[256];
	if (d->other > 0)
		snprintf(title, sizeof title, _("Most frequent values (top %zu)"), d->ntop);
	else
		snprintf(title, sizeof title, _("All %zu values"), d->ntop);
	tui_put(r.y, r.x, r.w, title, tui_attr(TUI_C_TITLE));
	int64_t mx = 1;
	for (size_t i = 0; i < d->ntop; i++)
		mx = d->top_cnt[i] > mx ? d->top_cnt[i] : mx;
	int lw = 0;
	for (size_t i = 0; i < d->ntop; i++) {
		int w = tui_width(d->top[i]);
		lw = w > lw ? w : lw;
	}
	lw = lw > r.w * 3 / 5 ? r.w * 3 / 5 : lw;
	int y = r.y + 1;
	for (size_t i = 0; i < d->ntop && y < r.y + r.h; i++, y++) {
		tui_cell(y, r.x, lw, d->top[i], -1, 0);
		char cnt[64];
		snprintf(cnt, sizeof cnt, "%lld %5.1f%%", (long long)d->top_cnt[i],
			 d->rows ? 100.0 * (double)d->top_cnt[i] / (double)d->rows : 0);
		tui_cell(y, r.x + lw + 1, 14, cnt, 1, 0);
		tui_bar(y, r.x + lw + 16, r.w - lw - 16 > 60 ? 60 : r.w - lw - 16, (double)d->top_cnt[i] / (double)mx,
			tui_attr(TUI_C_ACCENT));
	}
	if (y < r.y + r.h && (d->other > 0 || d->nulls > 0)) {
		char rest[128];
		snprintf(rest, sizeof rest, _("others: %lld   nulls: %lld"), (long long)d->other, d->nulls);
		tui_put(y, r.x, r.w, rest, tui_attr(TUI_C_DIM));
	}
}

static void draw_drill(quality_state *q, tui_app *a, tui_rect r)
{
	char title[512];
	snprintf(title, sizeof title, "%s \xe2\x80\xba %s", a->cur_source ? a->cur_source : "", q->d_field);
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("Esc back · [ ] field · \xe2\x86\x90\xe2\x86\x92\xe2\x86\x91\xe2\x86\x93 rows"));
	drill_data *d = q->dd;
	if (!d) {
		if (q->d_failed) {
			char buf[1024];
			tui_put(r.y + 2, r.x + 2, r.w - 3, error_format(&q->d_err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		} else {
			tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		}
		return;
	}
	char sum[512], b1[32], b2[32], b3[32];
	tui_fmt_rate(d->rows ? (double)d->nulls / (double)d->rows : NAN, b1, sizeof b1);
	int n = snprintf(sum, sizeof sum, _("%s · %lld rows · %lld nulls (%s)"), tui_name(ftype_name(d->type)), d->rows,
			 d->nulls, b1);
	if (ftype_is_numeric(d->type) && n < (int)sizeof sum) {
		tui_fmt_rate(d->rows ? (double)d->outliers / (double)d->rows : NAN, b1, sizeof b1);
		tui_fmt_num(d->m.mean, b2, sizeof b2);
		tui_fmt_num(d->m.std, b3, sizeof b3);
		n += snprintf(sum + n, sizeof sum - (size_t)n, _(" · %lld outliers (%s) beyond %g σ · mean %s · std %s"),
			      d->outliers, b1, d->sigma, b2, b3);
	}
	tui_put(r.y + 1, r.x + 1, r.w - 2, sum, 0);
	if (q->d_loading)
		tui_put(r.y + 1, r.x + r.w - 12, 11, _("updating..."), tui_attr(TUI_C_DIM));
	/* Chart above, samples below. */
	int rest = r.h - 3;
	int chart_h = d->hist.nbins ? (int)d->hist.nbins + 1 : (int)d->ntop + 2;
	if (d->text_top && chart_h < (int)d->ntop + 2)
		chart_h = (int)d->ntop + 2;
	if (d->type == FTYPE_DATETIME && d->dated)
		chart_h = 16; /* two bands of bars */
	if (chart_h > rest / 2)
		chart_h = rest / 2;
	draw_chart(q, (tui_rect){r.y + 3, r.x + 2, chart_h, r.w - 4});
	int y = r.y + 3 + chart_h + 1;
	char st[512];
	if (d->sample.focus_only)
		snprintf(st, sizeof st, _("Sample rows where %s is null or an outlier (%zu of %zu)"), d->field,
			 d->sample.nrows, d->sample.matched);
	else
		snprintf(st, sizeof st, _("Sample rows (%s has no null or outlier; marked cells are other fields')"),
			 d->field);
	tui_put(y, r.x + 1, r.w - 2, st, tui_attr(TUI_C_TITLE));
	tui_table_draw(&q->samp, (tui_rect){y + 1, r.x + 1, r.y + r.h - y - 1, r.w - 2}, 1);
}

static void quality_draw(void *st, tui_app *a, tui_rect r)
{
	quality_state *q = st;
	q->last_h = r.h;
	if (!a->cur_source) {
		tui_heading(r.y, r.x + 1, r.w - 2, _("Quality"), NULL);
		tui_put(r.y + 2, r.x + 2, r.w - 3, a->src_state ? _("No sources yet.") : _("loading..."),
			tui_attr(TUI_C_DIM));
		return;
	}
	if (q->drill) {
		draw_drill(q, a, r);
		return;
	}
	const cached *c = find_cached(q, a->cur_source);
	char title[512];
	snprintf(title, sizeof title, _("Quality: %s"), a->cur_source);
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("[ ] source · s sort · Enter drill in"));
	if (!c || !q->tbl_src || strcmp(q->tbl_src, a->cur_source)) {
		if (q->failed && !strcmp(q->failed, a->cur_source)) {
			char buf[1024];
			tui_put(r.y + 2, r.x + 2, r.w - 3, error_format(&q->err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		} else {
			tui_put(r.y + 2, r.x + 2, r.w - 3, _("profiling..."), tui_attr(TUI_C_DIM));
		}
		return;
	}
	char sum[512], rate[32];
	tui_fmt_rate(num_of(json_object_get(c->prof, "duplicate_row_rate")), rate, sizeof rate);
	snprintf(sum, sizeof sum, _("%lld rows · %lld duplicate rows (%s) · %lld keys on several rows · σ %g"),
		 (long long)json_integer_value(json_object_get(c->prof, "rows")),
		 (long long)json_integer_value(json_object_get(c->prof, "duplicate_rows")), rate,
		 (long long)json_integer_value(json_object_get(c->prof, "repeated_keys")),
		 num_of(json_object_get(c->prof, "sigma")));
	tui_put(r.y + 1, r.x + 1, r.w - 2, sum, 0);
	if (q->want)
		tui_put(r.y + 1, r.x + r.w - 12, 11, _("updating..."), tui_attr(TUI_C_DIM));
	tui_table_draw(&q->tbl, (tui_rect){r.y + 3, r.x + 1, r.h - 3, r.w - 2}, 1);
}

static int drill_key(quality_state *q, tui_app *a, int action)
{
	switch (action) {
	case ACT_BACK:
	case ACT_QUIT:
		q->drill = 0;
		/* Leave the cursor on the field drilled into. */
		for (size_t i = 0; i < q->tbl.nrows; i++)
			if (q->d_field && !strcmp(q->tbl.cell[i * (size_t)q->tbl.ncols], q->d_field))
				tui_table_select(&q->tbl, i);
		return TUI_REDRAW;
	case A_PREV:
	case A_NEXT: {
		const yj_source_info *s = tui_source(a);
		if (!s || !s->nfields)
			return TUI_KEEP;
		long cur = sources_field_index(s, q->d_field);
		long n = (long)s->nfields, next = ((cur < 0 ? 0 : cur) + (action == A_NEXT ? 1 : -1) + n) % n;
		start_drill(q, a, s->fields[next].name);
		return TUI_REDRAW;
	}
	case ACT_SEARCH:
		tui_table_search(a, &q->samp);
		return TUI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		return tui_table_search_again(a, &q->samp, action == ACT_SEARCH_NEXT ? 1 : -1);
	case ACT_ENTER:
		return TUI_KEEP;
	case A_RETYPE:
		ask_type(q, a);
		return TUI_REDRAW;
	default:
		return tui_table_move(&q->samp, action);
	}
}

static int quality_key(void *st, tui_app *a, int action)
{
	quality_state *q = st;
	if (q->drill)
		return drill_key(q, a, action);
	switch (action) {
	case ACT_ENTER: {
		size_t row = tui_table_row(&q->tbl);
		if (row == (size_t)-1)
			return TUI_KEEP;
		start_drill(q, a, q->tbl.cell[row * (size_t)q->tbl.ncols]);
		return TUI_REDRAW;
	}
	case A_SORT:
		if (q->tbl.sort_col == q->tbl.ccol)
			tui_table_sort(&q->tbl, q->tbl.ccol, !q->tbl.sort_desc);
		else
			tui_table_sort(&q->tbl, q->tbl.ccol, 0);
		return TUI_REDRAW;
	case A_UNSORT:
		tui_table_sort(&q->tbl, -1, 0);
		return TUI_REDRAW;
	case A_PREV:
	case A_NEXT:
		tui_step_source(a, action == A_NEXT ? 1 : -1);
		return TUI_REDRAW;
	case A_RECOMPUTE:
		if (a->cur_source)
			request_profile(q, a, a->cur_source, 1);
		return TUI_REDRAW;
	case A_RETYPE:
		ask_type(q, a);
		return TUI_REDRAW;
	case ACT_SEARCH:
		tui_table_search(a, &q->tbl);
		return TUI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		return tui_table_search_again(a, &q->tbl, action == ACT_SEARCH_NEXT ? 1 : -1);
	default:
		return tui_table_move(&q->tbl, action);
	}
}

const tui_view_ops tui_view_quality = {
	.title = N_("Quality"),
	.about = N_("Per field of the selected source: type; role (key, label, text or attribute); volume (non-null values); the shares of "
		    "nulls, duplicates (non-null values repeating an earlier one) and outliers (beyond "
		    "3 standard deviations); distinct values; mean, std, min and max. Rates are green "
		    "at zero, yellow when worth a look, red when severe."),
	.keys = keys,
	.open = quality_open,
	.close = quality_close,
	.draw = quality_draw,
	.key = quality_key,
	.show = quality_show,
};
