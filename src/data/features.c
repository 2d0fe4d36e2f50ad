/*
 * features.c - cases of the active split and their structured feature
 * vectors (see features.h for the encoding).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"
#include "yujing/data/datetime.h"
#include "yujing/data/features.h"
#include "yujing/data/stats.h"
#include "yujing/data/table.h"
#include "yujing/store/snapshots.h"
#include "yujing/store/splits.h"

/* ------------------------------------------------------------------ cases */

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void cases_free(yj_cases *c)
{
	for (size_t i = 0; i < c->n; i++)
		free(c->key[i]);
	for (size_t i = 0; i < c->nclasses; i++)
		free(c->classes[i]);
	free(c->key);
	free(c->label);
	free(c->part);
	free(c->classes);
	memset(c, 0, sizeof *c);
}

yj_status cases_load(yj_project *p, yj_cases *c, yj_error *err)
{
	return cases_load_parts(p, SPLIT_PARTS_ALL, c, err);
}

yj_status cases_load_parts(yj_project *p, unsigned parts, yj_cases *c, yj_error *err)
{
	yj_split_row *rows = NULL;
	size_t nrows = 0;
	int found;
	memset(c, 0, sizeof *c);
	/* The latest split of the active snapshot (issue 14: never a split of
	 * another snapshot, whichever split was made last). */
	long long snap = 0;
	yj_status st = splits_of_active_snapshot(p, &c->split_id, &snap, err);
	if (st)
		return st;
	found = c->split_id != 0;
	c->snapshot_id = snap;
	if (snap && !found) {
		error_set(err, YJ_EUSAGE, _("snapshot %lld, the active one, has no train/test split"), snap);
		error_hint(err, _("run 'yujing split PROJECT' to split it"));
		return YJ_EUSAGE;
	}
	if (!found) {
		error_set(err, YJ_ENOTFOUND, _("the project has no train/test split yet"));
		error_hint(err, _("run 'yujing clean PROJECT' and 'yujing split PROJECT' first"));
		return YJ_ENOTFOUND;
	}
	/* Class names: the distinct labels, sorted. */
	if ((st = splits_labels(p, c->split_id, &c->classes, &c->nclasses, err)) ||
	    (st = splits_rows(p, c->split_id, parts, &rows, &nrows, err)))
		goto fail;
	c->key = malloc((nrows ? nrows : 1) * sizeof *c->key);
	c->label = malloc((nrows ? nrows : 1) * sizeof *c->label);
	c->part = malloc(nrows ? nrows : 1);
	if (!c->key || !c->label || !c->part) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto fail;
	}
	for (size_t i = 0; i < nrows; i++) {
		const char *label = rows[i].label;
		char **hit = bsearch(&label, c->classes, c->nclasses, sizeof *c->classes, cmp_str);
		c->key[i] = rows[i].key; /* taken over */
		rows[i].key = NULL;
		c->label[i] = hit ? (int32_t)(hit - c->classes) : -1;
		c->part[i] = rows[i].part == SPLIT_PART_TEST    ? CASE_TEST
			     : rows[i].part == SPLIT_PART_VALID ? CASE_VALID
								: CASE_TRAIN;
		c->n++;
	}
	splits_rows_free(rows, nrows);
	return YJ_OK;
fail:
	splits_rows_free(rows, nrows);
	cases_free(c);
	return st;
}

/* -------------------------------------------------------- cleaned values */

/* A source as the snapshot left it: the table, the rows kept and the cells
 * the cleaning changed. */
typedef struct {
	yj_table t;
	unsigned char *kept;   /* (nrows) */
	char ***over;          /* (ncols) NULL or (nrows) changed text */
} clean_view;

static void view_free(clean_view *v)
{
	for (size_t c = 0; v->over && c < v->t.ncols; c++) {
		if (!v->over[c])
			continue;
		for (size_t r = 0; r < v->t.nrows; r++)
			free(v->over[c][r]);
		free(v->over[c]);
	}
	free(v->over);
	free(v->kept);
	table_free(&v->t);
}

/* Row index of row id `row` (table rows ascend by id), or -1. */
static long row_index(const yj_table *t, int64_t row)
{
	size_t lo = 0, hi = t->nrows;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (t->row[mid] < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < t->nrows && t->row[lo] == row ? (long)lo : -1;
}

static yj_status view_open(yj_project *p, long long snapshot, const char *source,
			   const yj_nullset *ns, clean_view *v, yj_error *err)
{
	memset(v, 0, sizeof *v);
	yj_status st = table_load(p, source, ns, NULL, &v->t, err);
	if (st)
		return st;
	int64_t *rows = NULL;
	size_t n = 0;
	if ((st = clean_kept_rows(p, snapshot, v->t.info.id, &rows, &n, err))) {
		table_free(&v->t);
		return st;
	}
	v->kept = calloc(v->t.nrows ? v->t.nrows : 1, 1);
	v->over = calloc(v->t.ncols ? v->t.ncols : 1, sizeof *v->over);
	if (!v->kept || !v->over) {
		free(rows);
		view_free(v);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	for (size_t i = 0; i < n; i++) {
		long r = row_index(&v->t, rows[i]);
		if (r >= 0)
			v->kept[r] = 1;
	}
	free(rows);
	yj_snapshot_cell *cells = NULL;
	size_t ncells = 0;
	if ((st = snapshots_cells(p, snapshot, v->t.info.id, NULL, &cells, &ncells, err))) {
		view_free(v);
		return st;
	}
	for (size_t i = 0; i < ncells; i++) {
		long r = row_index(&v->t, cells[i].row);
		long long c = cells[i].pos;
		if (r < 0 || c < 0 || (size_t)c >= v->t.ncols)
			continue;
		if (!v->over[c] && !(v->over[c] = calloc(v->t.nrows, sizeof(char *)))) {
			snapshots_cells_free(cells, ncells);
			view_free(v);
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		free(v->over[c][r]);
		v->over[c][r] = cells[i].value; /* taken over */
		cells[i].value = NULL;
	}
	snapshots_cells_free(cells, ncells);
	return YJ_OK;
}

/* The cleaned text of a cell, or NULL when it is null. */
static const char *view_text(const clean_view *v, size_t c, size_t r)
{
	if (v->over[c] && v->over[c][r])
		return v->over[c][r];
	return table_is_null(&v->t, c, r) ? NULL : table_text(&v->t, c, r);
}

/* ------------------------------------------------------------- features */

enum { K_NUM, K_NUM_MEAN, K_NUM_MIN, K_NUM_MAX, K_CAT, K_CAT_OTHER, K_CYC, K_COUNT };
static const char *const kind_names[] = {"num", "num_mean", "num_min", "num_max",
					 "cat", "cat_other", "cyclic", "count"};
static const char *const cyc_names[] = {"hour_sin", "hour_cos", "weekday_sin", "weekday_cos",
					"month_sin", "month_cos"};

typedef struct {
	int kind;
	size_t col;
	const char *value; /* K_CAT: the category */
	int cyc;           /* K_CYC: 0..5 */
	double mean, std;  /* standardisation (numeric kinds, count) */
} feat;

static int standardised(int kind)
{
	return kind == K_NUM || kind == K_NUM_MEAN || kind == K_NUM_MIN || kind == K_NUM_MAX ||
	       kind == K_COUNT;
}

static void cyclic(const yj_datetime *dt, double out[6])
{
	const double tau = 6.283185307179586;
	double h = dt->hour + dt->minute / 60.0, w = datetime_weekday(dt), m = dt->month - 1;
	out[0] = sin(tau * h / 24), out[1] = cos(tau * h / 24);
	out[2] = sin(tau * w / 7), out[3] = cos(tau * w / 7);
	out[4] = sin(tau * m / 12), out[5] = cos(tau * m / 12);
}

/* Top-K categories of column c over the kept rows of training cases. */
static size_t top_categories(const clean_view *v, size_t c, const long *case_of, const yj_cases *cs,
			     int k, const char ***out)
{
	/* Count cleaned values through a private dictionary copy: the raw
	 * dictionary plus overrides (rare: fills are a mode, i.e. an existing
	 * value, except for const fills, which are counted as themselves). */
	const yj_column *col = &v->t.cols[c];
	int64_t *cnt = calloc(col->ndict, sizeof *cnt);
	size_t *top = malloc((size_t)k * sizeof *top);
	size_t m = 0;
	*out = NULL;
	if (!cnt || !top)
		goto out;
	for (size_t r = 0; r < v->t.nrows; r++) {
		if (!v->kept[r] || case_of[r] < 0 || cs->part[case_of[r]] != CASE_TRAIN)
			continue;
		const char *s = view_text(v, c, r);
		if (!s)
			continue;
		uint32_t e = col->code[r];
		if (v->over[c] && v->over[c][r]) {
			/* find the overriding value in the dictionary, if there */
			e = 0;
			for (size_t d = 1; d < col->ndict; d++)
				if (!strcmp(col->value[d], s)) {
					e = (uint32_t)d;
					break;
				}
			if (!e)
				continue;
		}
		cnt[e]++;
	}
	m = stats_top(col, cnt, (size_t)k, top);
	*out = malloc((m ? m : 1) * sizeof **out);
	if (!*out) {
		m = 0;
		goto out;
	}
	for (size_t i = 0; i < m; i++)
		(*out)[i] = col->value[top[i]];
out:
	free(cnt);
	free(top);
	return m;
}

typedef struct {
	feat *f;
	size_t n, cap;
	const char **cats_owned[256];
	size_t ncats_owned;
} feat_list;

static int feat_add(feat_list *fl, feat f)
{
	if (fl->n == fl->cap) {
		size_t cap = fl->cap ? fl->cap * 2 : 32;
		feat *v = realloc(fl->f, cap * sizeof *v);
		if (!v)
			return -1;
		fl->f = v;
		fl->cap = cap;
	}
	fl->f[fl->n++] = f;
	return 0;
}

/* Raw value of feature f for case i from its rows (NaN when missing). */
static double raw_feature(const clean_view *v, const feat *f, const size_t *rows, size_t nrows)
{
	const yj_column *col = &v->t.cols[f->col];
	switch (f->kind) {
	case K_COUNT:
		return log1p((double)nrows);
	case K_NUM:
	case K_NUM_MEAN:
	case K_NUM_MIN:
	case K_NUM_MAX: {
		double sum = 0, lo = INFINITY, hi = -INFINITY, x;
		size_t k = 0;
		for (size_t j = 0; j < nrows; j++) {
			const char *s = view_text(v, f->col, rows[j]);
			if (!s || !value_parse_real(s, strlen(s), &x))
				continue;
			sum += x, k++;
			lo = x < lo ? x : lo;
			hi = x > hi ? x : hi;
		}
		if (!k)
			return NAN;
		return f->kind == K_NUM_MIN ? lo : f->kind == K_NUM_MAX ? hi : sum / (double)k;
	}
	case K_CAT:
	case K_CAT_OTHER: {
		size_t hit = 0, any = 0;
		for (size_t j = 0; j < nrows; j++) {
			const char *s = view_text(v, f->col, rows[j]);
			if (!s)
				continue;
			any++;
			if (f->kind == K_CAT ? !strcmp(s, f->value) : 1)
				hit++;
		}
		(void)any;
		return nrows ? (double)hit / (double)nrows : 0;
	}
	case K_CYC: {
		double sum = 0, enc[6];
		size_t k = 0;
		for (size_t j = 0; j < nrows; j++) {
			const char *s = view_text(v, f->col, rows[j]);
			yj_datetime dt;
			if (!s || !datetime_parse(s, strlen(s), &dt))
				continue;
			cyclic(&dt, enc);
			sum += enc[f->cyc];
			k++;
		}
		return k ? sum / (double)k : NAN;
	}
	}
	(void)col;
	return NAN;
}

/* The rows of each case in a cleaned source: the kept rows whose key is
 * a case of cs, grouped by case (rows[start[i] .. start[i + 1]) are case
 * i's, in row order). */
typedef struct {
	long *case_of;   /* (nrows) case index of each row, -1 if none */
	size_t *start;   /* (ncases + 1) */
	size_t *rows;    /* (start[ncases]) row indices */
	int multi;       /* some case has several rows */
} case_rows;

static void case_rows_free(case_rows *cr)
{
	free(cr->case_of);
	free(cr->start);
	free(cr->rows);
	memset(cr, 0, sizeof *cr);
}

/* Returns 0, -1 when out of memory. */
static int case_rows_build(const clean_view *v, const yj_cases *cs, case_rows *cr)
{
	const yj_table *t = &v->t;
	const char **sorted = malloc((cs->n ? cs->n : 1) * sizeof *sorted);
	size_t *order = malloc((cs->n ? cs->n : 1) * sizeof *order);
	size_t *nrows_of = calloc(cs->n ? cs->n : 1, sizeof *nrows_of);
	memset(cr, 0, sizeof *cr);
	cr->case_of = malloc((t->nrows ? t->nrows : 1) * sizeof *cr->case_of);
	cr->start = calloc(cs->n + 1, sizeof *cr->start);
	int rc = -1;
	if (!sorted || !order || !nrows_of || !cr->case_of || !cr->start)
		goto out;
	/* case index of every kept row, through the sorted case keys */
	for (size_t i = 0; i < cs->n; i++)
		sorted[i] = cs->key[i];
	qsort(sorted, cs->n, sizeof *sorted, cmp_str);
	for (size_t i = 0; i < cs->n; i++) {
		const char **hit = bsearch(&cs->key[i], sorted, cs->n, sizeof *sorted, cmp_str);
		order[hit - sorted] = i;
	}
	for (size_t r = 0; r < t->nrows; r++) {
		cr->case_of[r] = -1;
		if (!v->kept[r] || t->key_col < 0)
			continue;
		const char *k = table_text(t, (size_t)t->key_col, r);
		const char **hit = bsearch(&k, sorted, cs->n, sizeof *sorted, cmp_str);
		if (!hit)
			continue;
		cr->case_of[r] = (long)order[hit - sorted];
		if (++nrows_of[cr->case_of[r]] > 1)
			cr->multi = 1;
	}
	/* rows of each case, contiguous */
	for (size_t i = 0; i < cs->n; i++)
		cr->start[i + 1] = cr->start[i] + nrows_of[i];
	cr->rows = malloc((cr->start[cs->n] ? cr->start[cs->n] : 1) * sizeof *cr->rows);
	if (!cr->rows)
		goto out;
	memset(nrows_of, 0, cs->n * sizeof *nrows_of);
	for (size_t r = 0; r < t->nrows; r++)
		if (cr->case_of[r] >= 0)
			cr->rows[cr->start[cr->case_of[r]] + nrows_of[cr->case_of[r]]++] = r;
	rc = 0;
out:
	free(sorted);
	free(order);
	free(nrows_of);
	if (rc)
		case_rows_free(cr);
	return rc;
}

/* Fit: the layout of a source on the training cases (the row count when
 * cases have several rows; per attribute field by its type). */
static int layout_fit(const clean_view *v, const yj_cases *cs, const case_rows *cr, const yj_features_opts *o,
		      feat_list *fl)
{
	const yj_table *t = &v->t;
	if (cr->multi && feat_add(fl, (feat){.kind = K_COUNT}))
		return -1;
	for (size_t c = 0; c < t->ncols; c++) {
		const yj_column *col = &t->cols[c];
		if (col->role != ROLE_ATTRIBUTE)
			continue;
		int skip = 0;
		for (size_t e = 0; e < o->nexclude && !skip; e++)
			skip = !strcmp(o->exclude[e], col->name);
		if (skip)
			continue;
		if (ftype_is_numeric(col->type)) {
			if (!cr->multi) {
				if (feat_add(fl, (feat){.kind = K_NUM, .col = c}))
					return -1;
			} else if (feat_add(fl, (feat){.kind = K_NUM_MEAN, .col = c}) ||
				   feat_add(fl, (feat){.kind = K_NUM_MIN, .col = c}) ||
				   feat_add(fl, (feat){.kind = K_NUM_MAX, .col = c})) {
				return -1;
			}
		} else if (col->type == FTYPE_CATEGORICAL) {
			const char **cats;
			size_t m = top_categories(v, c, cr->case_of, cs, o->top_k > 0 ? o->top_k : 10, &cats);
			if (!cats || fl->ncats_owned == 256)
				return -1;
			fl->cats_owned[fl->ncats_owned++] = cats;
			for (size_t j = 0; j < m; j++)
				if (feat_add(fl, (feat){.kind = K_CAT, .col = c, .value = cats[j]}))
					return -1;
			if (feat_add(fl, (feat){.kind = K_CAT_OTHER, .col = c}))
				return -1;
		} else if (col->type == FTYPE_DATETIME) {
			for (int j = 0; j < 6; j++)
				if (feat_add(fl, (feat){.kind = K_CYC, .col = c, .cyc = j}))
					return -1;
		}
	}
	return 0;
}

/* Apply: a run's stored layout of a source, with its statistics.
 * YJ_EDATA when the source lost a field the layout uses. */
static yj_status layout_read(const clean_view *v, const char *source, const json_t *given, feat_list *fl,
			     int *multi, yj_error *err)
{
	const char *mode = json_string_value(json_object_get(given, "mode"));
	*multi = !strcmp(mode ? mode : "", "aggregate");
	size_t j;
	json_t *jf;
	json_array_foreach(json_object_get(given, "features"), j, jf)
	{
		const char *kn = json_string_value(json_object_get(jf, "kind"));
		const char *field = json_string_value(json_object_get(jf, "field"));
		feat f = {.kind = -1};
		for (int k = 0; kn && k <= K_COUNT; k++)
			if (!strcmp(kn, kind_names[k]))
				f.kind = k;
		long col = field && *field ? table_col(&v->t, field) : -1;
		if (f.kind < 0 || (f.kind != K_COUNT && col < 0)) {
			error_set(err, YJ_EDATA, _("the run's features use field '%s', which source %s no longer has"),
				  field ? field : "?", source);
			error_hint(err, _("the sources were imported again since the run; train a new run"));
			return YJ_EDATA;
		}
		f.col = col < 0 ? 0 : (size_t)col;
		f.value = json_string_value(json_object_get(jf, "value"));
		const char *part = json_string_value(json_object_get(jf, "part"));
		for (int k = 0; part && k < 6; k++)
			if (!strcmp(part, cyc_names[k]))
				f.cyc = k;
		f.mean = json_number_value(json_object_get(jf, "mean"));
		f.std = json_number_value(json_object_get(jf, "std"));
		if (f.kind == K_CAT && !f.value)
			f.value = "";
		if (feat_add(fl, f))
			return error_set(err, YJ_ENOMEM, _("out of memory building features"));
	}
	return YJ_OK;
}

/* The raw values (ncases, d) of the features of fl for every case (NaN
 * when missing); NULL when out of memory. */
static double *raw_values(const clean_view *v, const yj_cases *cs, const case_rows *cr, const feat_list *fl)
{
	size_t d = fl->n, nd = cs->n * d;
	double *raw = malloc((nd ? nd : 1) * sizeof *raw);
	if (!raw)
		return NULL;
	for (size_t i = 0; i < cs->n; i++) {
		const size_t *rows = cr->rows + cr->start[i], nr = cr->start[i + 1] - cr->start[i];
		for (size_t j = 0; j < d; j++) {
			const feat *f = &fl->f[j];
			double x = raw_feature(v, f, rows, nr);
			if (f->kind == K_CAT_OTHER) {
				/* share of rows whose value is none of the top-K */
				/* (the top-K features of the field come just before) */
				double known = 0;
				for (size_t q = j; q-- > 0 && fl->f[q].kind == K_CAT && fl->f[q].col == f->col;)
					known += raw[i * d + q];
				size_t nonnull = 0;
				for (size_t q = 0; q < nr; q++)
					nonnull += view_text(v, f->col, rows[q]) != NULL;
				x = nr ? (double)nonnull / (double)nr - known : 0;
				if (x < 1e-12)
					x = 0;
			}
			raw[i * d + j] = x;
		}
	}
	return raw;
}

/* Fit: the mean and std of each standardised feature over the training
 * cases (std 1 when it would be 0). */
static void standardisation_fit(feat_list *fl, const yj_cases *cs, const double *raw)
{
	size_t d = fl->n;
	for (size_t j = 0; j < d; j++) {
		feat *f = &fl->f[j];
		if (!standardised(f->kind))
			continue;
		double s = 0, ss = 0;
		size_t k = 0;
		for (size_t i = 0; i < cs->n; i++)
			if (cs->part[i] == CASE_TRAIN && !isnan(raw[i * d + j]))
				s += raw[i * d + j], k++;
		f->mean = k ? s / (double)k : 0;
		for (size_t i = 0; i < cs->n; i++)
			if (cs->part[i] == CASE_TRAIN && !isnan(raw[i * d + j])) {
				double dd = raw[i * d + j] - f->mean;
				ss += dd * dd;
			}
		f->std = k ? sqrt(ss / (double)k) : 0;
		if (!(f->std > 0))
			f->std = 1;
	}
}

/* Release what one source's features hold, leaving it empty. */
static void source_features_clear(yj_source_features *f)
{
	free(f->name);
	free(f->x);
	json_decref(f->layout);
	memset(f, 0, sizeof *f);
}

/* The vectors (standardised with the layout's statistics) and the layout
 * JSON of a source into out. */
static yj_status encode(const clean_view *v, const yj_cases *cs, const feat_list *fl, const double *raw,
			int multi, const char *source, yj_source_features *out, yj_error *err)
{
	size_t d = fl->n, nd = cs->n * d;
	memset(out, 0, sizeof *out);
	out->x = malloc((nd ? nd : 1) * sizeof *out->x);
	json_t *feats = json_array();
	if (!out->x)
		goto nomem;
	for (size_t j = 0; j < d; j++) {
		const feat *f = &fl->f[j];
		for (size_t i = 0; i < cs->n; i++) {
			double x = raw[i * d + j];
			if (standardised(f->kind))
				x = isnan(x) ? 0 : (x - f->mean) / f->std;
			else if (isnan(x))
				x = 0;
			out->x[i * d + j] = (float)x;
		}
		/* The layout holds the statistics that predict standardises
		 * with: a value missing would change the model silently. */
		json_t *jf = json_pack("{s:s, s:s}", "kind", kind_names[f->kind], "field",
				       f->kind == K_COUNT ? "" : v->t.cols[f->col].name);
		int bad = !jf;
		if (!bad && f->kind == K_CAT)
			bad |= json_object_set_new(jf, "value", json_string(f->value));
		if (!bad && f->kind == K_CYC)
			bad |= json_object_set_new(jf, "part", json_string(cyc_names[f->cyc]));
		if (!bad && standardised(f->kind)) {
			bad |= json_object_set_new(jf, "mean", json_real(f->mean));
			bad |= json_object_set_new(jf, "std", json_real(f->std));
		}
		if (bad) {
			json_decref(jf);
			goto nomem;
		}
		if (json_array_append_new(feats, jf))
			goto nomem;
	}
	out->name = strdup(source);
	out->dim = d;
	out->layout = json_pack("{s:s, s:s, s:o}", "source", source, "mode", multi ? "aggregate" : "direct",
				"features", feats);
	feats = NULL;
	if (!out->name || !out->layout)
		goto nomem;
	return YJ_OK;
nomem:
	json_decref(feats);
	source_features_clear(out); /* one entry of the caller's array */
	return error_set(err, YJ_ENOMEM, _("out of memory building features"));
}

static void feat_list_free(feat_list *fl)
{
	for (size_t i = 0; i < fl->ncats_owned; i++)
		free(fl->cats_owned[i]);
	free(fl->f);
}

/* Fit one source's features: the layout and its statistics on the
 * training cases of cs, then the vectors of every case. */
static yj_status source_features_fit(yj_project *p, const yj_cases *cs, const yj_features_opts *o,
				     const char *source, const yj_nullset *ns, yj_source_features *out,
				     yj_error *err)
{
	clean_view v;
	case_rows cr = {0};
	feat_list fl = {0};
	double *raw = NULL;
	yj_status st = view_open(p, cs->snapshot_id, source, ns, &v, err);
	memset(out, 0, sizeof *out);
	if (st)
		return st;
	if (case_rows_build(&v, cs, &cr) || layout_fit(&v, cs, &cr, o, &fl) ||
	    !(raw = raw_values(&v, cs, &cr, &fl))) {
		st = error_set(err, YJ_ENOMEM, _("out of memory building features"));
		goto out;
	}
	standardisation_fit(&fl, cs, raw);
	st = encode(&v, cs, &fl, raw, cr.multi, source, out, err);
out:
	free(raw);
	feat_list_free(&fl);
	case_rows_free(&cr);
	view_free(&v);
	return st;
}

/* Apply a run's stored layout `given` of one source to the cases cs: the
 * source as snapshot cs->snapshot_id left it, or (pre != NULL, read only)
 * new cases' cleaned rows. */
static yj_status source_features_apply(yj_project *p, const yj_cases *cs, const char *source,
				       const yj_nullset *ns, const json_t *given, const clean_view *pre,
				       yj_source_features *out, yj_error *err)
{
	clean_view v;
	case_rows cr = {0};
	feat_list fl = {0};
	double *raw = NULL;
	int multi = 0;
	yj_status st = YJ_OK;
	memset(out, 0, sizeof *out);
	if (pre)
		v = *pre; /* read only, and not freed here */
	else if ((st = view_open(p, cs->snapshot_id, source, ns, &v, err)))
		return st;
	if (case_rows_build(&v, cs, &cr)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory building features"));
		goto out;
	}
	if ((st = layout_read(&v, source, given, &fl, &multi, err)))
		goto out;
	if (!(raw = raw_values(&v, cs, &cr, &fl))) {
		st = error_set(err, YJ_ENOMEM, _("out of memory building features"));
		goto out;
	}
	st = encode(&v, cs, &fl, raw, multi, source, out, err);
out:
	free(raw);
	feat_list_free(&fl);
	case_rows_free(&cr);
	if (!pre)
		view_free(&v);
	return st;
}

yj_status features_build(yj_project *p, const yj_cases *c, const yj_features_opts *o,
			 yj_source_features **out, size_t *n, yj_error *err)
{
	yj_source_info *v = NULL;
	size_t nsrc = 0, k = 0;
	yj_nullset ns = {0};
	yj_source_features *f = NULL;
	yj_status st;
	*out = NULL;
	*n = 0;
	if ((st = sources_list(p, &v, &nsrc, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	f = calloc(nsrc ? nsrc : 1, sizeof *f);
	if (!f) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < nsrc; i++) {
		if ((st = source_features_fit(p, c, o, v[i].name, &ns, &f[k], err))) {
			error_at(err, NULL, -1, -1, NULL);
			goto out;
		}
		if (f[k].dim == 0) {
			source_features_clear(&f[k]);
			continue;
		}
		k++;
	}
	*out = f;
	*n = k;
	f = NULL;
out:
	features_free(f, k);
	nullset_free(&ns);
	sources_list_free(v, nsrc);
	return st;
}

void features_free(yj_source_features *f, size_t n)
{
	for (size_t i = 0; f && i < n; i++)
		source_features_clear(&f[i]);
	free(f);
}

/* --------------------------------------------------------------- texts */

static int is_text_col(const yj_column *col)
{
	return col->role == ROLE_TEXT || (col->role == ROLE_ATTRIBUTE && col->type == FTYPE_TEXT);
}

static yj_status source_texts(yj_project *p, const yj_cases *cs, const char *source, const yj_nullset *ns,
			      const clean_view *pre, yj_text_field **out, size_t *n, size_t *cap, yj_error *err)
{
	clean_view v;
	yj_status st = YJ_OK;
	if (pre)
		v = *pre; /* read only, and not freed here */
	else if ((st = view_open(p, cs->snapshot_id, source, ns, &v, err)))
		return st;
	const yj_table *t = &v.t;
	case_rows cr = {0};
	size_t *len = NULL;
	if (case_rows_build(&v, cs, &cr))
		goto nomem;
	const long *case_of = cr.case_of;
	len = malloc((cs->n ? cs->n : 1) * sizeof *len);
	if (!len)
		goto nomem;
	for (size_t c = 0; c < t->ncols; c++) {
		if (!is_text_col(&t->cols[c]))
			continue;
		if (*n == *cap) {
			size_t nc = *cap ? *cap * 2 : 4;
			yj_text_field *nv = realloc(*out, nc * sizeof *nv);
			if (!nv)
				goto nomem;
			*out = nv;
			*cap = nc;
		}
		yj_text_field *f = &(*out)[*n];
		memset(f, 0, sizeof *f);
		f->source = strdup(source);
		f->field = strdup(t->cols[c].name);
		f->text = calloc(cs->n ? cs->n : 1, sizeof *f->text);
		f->ncases = cs->n;
		(*n)++;
		if (!f->source || !f->field || !f->text)
			goto nomem;
		/* two passes: lengths, then the joined texts */
		memset(len, 0, cs->n * sizeof *len);
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = case_of[r] >= 0 ? view_text(&v, c, r) : NULL;
			if (s && *s)
				len[case_of[r]] += strlen(s) + 1;
		}
		for (size_t i = 0; i < cs->n; i++) {
			if (!(f->text[i] = malloc(len[i] + 1)))
				goto nomem;
			f->text[i][0] = '\0';
			len[i] = 0;
		}
		for (size_t r = 0; r < t->nrows; r++) {
			const char *s = case_of[r] >= 0 ? view_text(&v, c, r) : NULL;
			if (!s || !*s)
				continue;
			size_t i = (size_t)case_of[r], k = strlen(s);
			if (len[i])
				f->text[i][len[i]++] = ' ';
			memcpy(f->text[i] + len[i], s, k + 1);
			len[i] += k;
		}
	}
	goto done;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory reading texts"));
done:
	case_rows_free(&cr);
	free(len);
	if (!pre)
		view_free(&v);
	return st;
}

yj_status texts_build(yj_project *p, const yj_cases *c, yj_text_field **out, size_t *n, yj_error *err)
{
	yj_source_info *v = NULL;
	size_t nsrc = 0, cap = 0;
	yj_nullset ns = {0};
	yj_status st;
	*out = NULL;
	*n = 0;
	if ((st = sources_list(p, &v, &nsrc, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	for (size_t i = 0; i < nsrc && !st; i++) {
		int any = 0;
		for (size_t f = 0; f < v[i].nfields; f++)
			any |= !strcmp(v[i].fields[f].role, "text") ||
			       (!strcmp(v[i].fields[f].role, "attribute") && !strcmp(v[i].fields[f].type, "text"));
		if (any)
			st = source_texts(p, c, v[i].name, &ns, NULL, out, n, &cap, err);
	}
	if (st) {
		texts_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
out:
	nullset_free(&ns);
	sources_list_free(v, nsrc);
	return st;
}

void texts_free(yj_text_field *t, size_t n)
{
	for (size_t i = 0; t && i < n; i++) {
		for (size_t k = 0; t[i].text && k < t[i].ncases; k++)
			free(t[i].text[k]);
		free(t[i].text);
		free(t[i].source);
		free(t[i].field);
	}
	free(t);
}

/* ------------------------------------------------- a run's stored layout */

yj_status features_apply(yj_project *p, const yj_cases *c, const json_t *layouts,
			 yj_source_features **out, size_t *n, yj_error *err)
{
	yj_nullset ns = {0};
	yj_source_features *f = NULL;
	size_t k = 0, m = json_array_size(layouts);
	yj_status st;
	*out = NULL;
	*n = 0;
	if ((st = table_nullset(p, &ns, err)))
		return st;
	f = calloc(m ? m : 1, sizeof *f);
	if (!f) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < m; i++) {
		const json_t *l = json_array_get(layouts, i);
		if (json_object_get(l, "branch"))
			continue; /* a text branch's layout */
		const char *src = json_string_value(json_object_get(l, "source"));
		if (!src) {
			st = error_set(err, YJ_EDATA, _("the run's feature layout is unreadable"));
			goto out;
		}
		if ((st = source_features_apply(p, c, src, &ns, l, NULL, &f[k], err)))
			goto out;
		k++;
	}
	*out = f;
	*n = k;
	f = NULL;
out:
	features_free(f, k);
	nullset_free(&ns);
	return st;
}

yj_status cases_add_unlabeled(yj_project *p, yj_cases *c, yj_error *err)
{
	yj_source_info *v = NULL;
	size_t nsrc = 0;
	yj_nullset ns = {0};
	clean_view cv;
	int open = 0;
	yj_status st;
	if ((st = sources_list(p, &v, &nsrc, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	size_t ls = 0;
	while (ls < nsrc && !v[ls].label_field)
		ls++;
	if (ls == nsrc)
		goto out;
	if ((st = view_open(p, c->snapshot_id, v[ls].name, &ns, &cv, err)))
		goto out;
	open = 1;
	const char **sorted = malloc((c->n ? c->n : 1) * sizeof *sorted);
	if (!sorted)
		goto nomem;
	for (size_t i = 0; i < c->n; i++)
		sorted[i] = c->key[i];
	qsort(sorted, c->n, sizeof *sorted, cmp_str);
	size_t n0 = c->n;
	for (size_t r = 0; r < cv.t.nrows; r++) {
		if (!cv.kept[r] || cv.t.key_col < 0 || cv.t.label_col < 0 ||
		    view_text(&cv, (size_t)cv.t.label_col, r))
			continue;
		const char *k = table_text(&cv.t, (size_t)cv.t.key_col, r);
		if (bsearch(&k, sorted, n0, sizeof *sorted, cmp_str))
			continue;
		/* keys repeat rarely (cleaning keeps one row per key): a
		 * linear check over the unlabeled ones added so far */
		int dup = 0;
		for (size_t i = n0; i < c->n && !dup; i++)
			dup = !strcmp(c->key[i], k);
		if (dup)
			continue;
		char **nk = realloc(c->key, (c->n + 1) * sizeof *nk);
		if (nk)
			c->key = nk;
		int32_t *nl = realloc(c->label, (c->n + 1) * sizeof *nl);
		if (nl)
			c->label = nl;
		unsigned char *np = realloc(c->part, c->n + 1);
		if (np)
			c->part = np;
		if (!nk || !nl || !np || !(c->key[c->n] = strdup(k))) {
			free(sorted);
			goto nomem;
		}
		c->label[c->n] = -1;
		c->part[c->n] = CASE_UNLABELED;
		c->n++;
	}
	free(sorted);
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	if (open)
		view_free(&cv);
	nullset_free(&ns);
	sources_list_free(v, nsrc);
	return st;
}

/* ------------------------------------------------ new cases from files */

struct yj_file_cases {
	char **source; /* (n) every source the run reads, and the label source */
	clean_view *v; /* (n) the rows read and cleaned; no rows when not given */
	size_t n;
};

void file_cases_free(yj_file_cases *fc)
{
	if (!fc)
		return;
	for (size_t i = 0; i < fc->n; i++) {
		free(fc->source[i]);
		view_free(&fc->v[i]);
	}
	free(fc->source);
	free(fc->v);
	free(fc);
}

/* Fields of source `name` that the run's layouts read. */
static size_t needed_fields(const json_t *layouts, const char *name, const char **out, size_t cap)
{
	size_t n = 0, i, j;
	json_t *l, *f;
	json_array_foreach(layouts, i, l)
	{
		const char *src = json_string_value(json_object_get(l, "source"));
		if (!src || strcmp(src, name))
			continue;
		const char *fld = json_string_value(json_object_get(l, "field"));
		if (fld && *fld && n < cap)
			out[n++] = fld;
		json_array_foreach(json_object_get(l, "features"), j, f)
		{
			fld = json_string_value(json_object_get(f, "field"));
			if (fld && *fld && n < cap)
				out[n++] = fld;
		}
	}
	return n;
}

/* Clean a file's rows with a snapshot's stored statistics (the one
 * cleaning engine, clean_table_stored()) into the view's kept rows and
 * changed cells. */
static int clean_file_view(clean_view *v, const json_t *stats, const json_t *settings, int is_label)
{
	yj_table *t = &v->t;
	yj_clean_opts o;
	yj_clean_result r;
	if (clean_table_stored(t, stats, settings, is_label, &o, &r))
		return -1;
	int rc = -1;
	v->over = calloc(t->ncols ? t->ncols : 1, sizeof *v->over);
	if (!v->over)
		goto out;
	v->kept = r.keep; /* taken over */
	r.keep = NULL;
	for (size_t i = 0; i < t->nrows; i++) {
		if (!v->kept[i])
			continue;
		for (size_t c = 0; c < t->ncols; c++) {
			const char *text;
			char buf[64];
			if (!clean_cell(&r, &o, i, c, &text, buf, sizeof buf))
				continue;
			if (!v->over[c] && !(v->over[c] = calloc(t->nrows, sizeof(char *))))
				goto out;
			if (!(v->over[c][i] = strdup(text)))
				goto out;
		}
	}
	rc = 0;
out:
	clean_result_free(&r);
	return rc;
}

yj_status file_cases_load(yj_project *p, long long snapshot, const yj_case_file *files, size_t nfiles,
			  const json_t *layouts, yj_cases *c, yj_file_cases **out, yj_error *err)
{
	yj_source_info *src = NULL;
	size_t nsrc = 0;
	yj_nullset ns = {0};
	yj_file_cases *fc = NULL;
	json_t *stats = NULL, *settings = NULL;
	yj_status st;
	memset(c, 0, sizeof *c);
	*out = NULL;
	if ((st = sources_list(p, &src, &nsrc, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	for (size_t f = 0; f < nfiles; f++) {
		size_t s = 0;
		while (s < nsrc && strcmp(src[s].name, files[f].source))
			s++;
		if (s == nsrc) {
			st = error_set(err, YJ_EUSAGE, _("the project has no source '%s'"), files[f].source);
			error_hint(err, _("'yujing sources PROJECT' lists them"));
			goto out;
		}
	}
	char *s_stats = NULL, *s_settings = NULL;
	int found;
	if ((st = snapshots_stats(p, snapshot, &s_stats, &s_settings, &found, err)))
		goto out;
	if (!found) {
		st = error_set(err, YJ_ENOTFOUND, _("snapshot %lld is gone"), snapshot);
		goto out;
	}
	stats = s_stats ? json_loads(s_stats, 0, NULL) : NULL;
	settings = s_settings ? json_loads(s_settings, 0, NULL) : NULL;
	free(s_stats);
	free(s_settings);
	if (!stats || !settings) {
		st = error_set(err, YJ_EDATA, _("snapshot %lld has unreadable statistics"), snapshot);
		goto out;
	}
	fc = calloc(1, sizeof *fc);
	if (!fc || !(fc->source = calloc(nsrc ? nsrc : 1, sizeof *fc->source)) ||
	    !(fc->v = calloc(nsrc ? nsrc : 1, sizeof *fc->v)))
		goto nomem;
	long label = -1;
	for (size_t s = 0; s < nsrc; s++) {
		const char *need[256];
		size_t nneed = needed_fields(layouts, src[s].name, need, 256);
		int is_label = src[s].label_field != NULL;
		if (!nneed && !is_label)
			continue; /* the run does not read it */
		const char *path = NULL;
		for (size_t f = 0; f < nfiles; f++)
			if (!strcmp(files[f].source, src[s].name))
				path = files[f].path; /* the last one given */
		if (is_label && !path) {
			st = error_set(err, YJ_EUSAGE, _("the cases come from the label source: give --source %s=FILE"),
				       src[s].name);
			goto out;
		}
		clean_view *v = &fc->v[fc->n];
		if ((st = table_from_file(p, src[s].name, path, &ns, need, nneed, &v->t, err)))
			goto out;
		if (!(fc->source[fc->n] = strdup(src[s].name))) {
			table_free(&v->t);
			goto nomem;
		}
		fc->n++;
		const json_t *sst = NULL;
		size_t i;
		json_t *x;
		json_array_foreach(json_object_get(stats, "sources"), i, x)
		{
			const char *nm = json_string_value(json_object_get(x, "name"));
			if (nm && !strcmp(nm, src[s].name))
				sst = x;
		}
		if (clean_file_view(v, sst, settings, is_label))
			goto nomem;
		if (is_label)
			label = (long)fc->n - 1;
	}
	if (label < 0) {
		st = error_set(err, YJ_EDATA, _("the project has no label source"));
		goto out;
	}
	/* the cases: the label source file's kept keys, in file order */
	const clean_view *lv = &fc->v[label];
	if (lv->t.key_col < 0) {
		st = error_set(err, YJ_EDATA, _("the label source has no key field"));
		goto out;
	}
	c->key = malloc((lv->t.nrows ? lv->t.nrows : 1) * sizeof *c->key);
	c->label = malloc((lv->t.nrows ? lv->t.nrows : 1) * sizeof *c->label);
	c->part = malloc(lv->t.nrows ? lv->t.nrows : 1);
	if (!c->key || !c->label || !c->part)
		goto nomem;
	for (size_t r = 0; r < lv->t.nrows; r++) {
		if (!lv->kept[r])
			continue;
		if (!(c->key[c->n] = strdup(table_text(&lv->t, (size_t)lv->t.key_col, r))))
			goto nomem;
		c->label[c->n] = -1;
		c->part[c->n++] = CASE_UNLABELED;
	}
	c->snapshot_id = snapshot;
	*out = fc;
	fc = NULL;
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	if (st)
		cases_free(c);
	file_cases_free(fc);
	json_decref(stats);
	json_decref(settings);
	nullset_free(&ns);
	sources_list_free(src, nsrc);
	return st;
}

json_t *file_cases_rows_json(const yj_file_cases *fc, const yj_cases *c)
{
	json_t *all = json_object();
	for (size_t i = 0; all && i < c->n; i++)
		if (json_object_set_new(all, c->key[i], json_object())) {
			json_decref(all);
			return NULL;
		}
	for (size_t i = 0; all && i < fc->n; i++) {
		const clean_view *v = &fc->v[i];
		for (size_t r = 0; v->t.key_col >= 0 && r < v->t.nrows; r++) {
			json_t *cs = v->kept[r] ? json_object_get(all, table_text(&v->t, (size_t)v->t.key_col, r)) : NULL;
			if (!cs)
				continue;
			json_t *rows = json_object_get(cs, fc->source[i]), *row = json_object();
			if (!rows && json_object_set_new(cs, fc->source[i], rows = json_array()))
				rows = NULL;
			for (size_t k = 0; row && k < v->t.ncols; k++) {
				const char *o = v->over && v->over[k] ? v->over[k][r] : NULL;
				json_t *x = o ? json_string(o)
					      : table_is_null(&v->t, k, r) ? json_null()
									   : json_string(table_text(&v->t, k, r));
				if (json_object_set_new(row, v->t.cols[k].name, x)) {
					json_decref(row);
					row = NULL;
				}
			}
			if (!rows || !row || json_array_append_new(rows, row)) {
				json_decref(all);
				return NULL;
			}
		}
	}
	return all;
}

static const clean_view *file_view(const yj_file_cases *fc, const char *source)
{
	for (size_t i = 0; i < fc->n; i++)
		if (!strcmp(fc->source[i], source))
			return &fc->v[i];
	return NULL;
}

yj_status features_apply_files(const yj_file_cases *fc, const yj_cases *c, const json_t *layouts,
			       yj_source_features **out, size_t *n, yj_error *err)
{
	size_t k = 0, m = json_array_size(layouts);
	yj_status st = YJ_OK;
	yj_source_features *f = calloc(m ? m : 1, sizeof *f);
	*out = NULL;
	*n = 0;
	if (!f)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	for (size_t i = 0; i < m; i++) {
		const json_t *l = json_array_get(layouts, i);
		if (json_object_get(l, "branch"))
			continue;
		const char *src = json_string_value(json_object_get(l, "source"));
		const clean_view *v = src ? file_view(fc, src) : NULL;
		if (!v) {
			st = error_set(err, YJ_EDATA, _("the run's feature layout is unreadable"));
			break;
		}
		if ((st = source_features_apply(NULL, c, src, NULL, l, v, &f[k], err)))
			break;
		k++;
	}
	if (st) {
		features_free(f, k);
		return st;
	}
	*out = f;
	*n = k;
	return YJ_OK;
}

yj_status texts_build_files(const yj_file_cases *fc, const yj_cases *c, yj_text_field **out, size_t *n,
			    yj_error *err)
{
	size_t cap = 0;
	yj_status st = YJ_OK;
	*out = NULL;
	*n = 0;
	for (size_t i = 0; i < fc->n && !st; i++)
		st = source_texts(NULL, c, fc->source[i], NULL, &fc->v[i], out, n, &cap, err);
	if (st) {
		texts_free(*out, *n);
		*out = NULL;
		*n = 0;
	}
	return st;
}
