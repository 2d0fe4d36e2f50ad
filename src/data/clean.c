/*
 * clean.c - duplicate, missing-value and outlier treatment (see clean.h
 * for the exact order of the steps), and cleaned snapshots.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/data/clean.h"
#include "yujing/data/datetime.h"
#include "yujing/data/jtext.h"
#include "yujing/data/preview.h"
#include "yujing/store/snapshots.h"

void clean_opts_default(yj_clean_opts *o)
{
	memset(o, 0, sizeof *o);
	o->k_missing = o->k_outlier = 0.3;
	o->sigma = 3;
	o->outliers = OUTLIERS_REPLACE;
}

static const char *const fill_names[] = {"default", "mean", "median", "mode", "zero", "const"};
static const char *const outlier_names[] = {"replace", "clip", "drop", "keep"};

const char *clean_fill_name(yj_fill_kind k)
{
	return fill_names[k];
}

const char *clean_outliers_name(yj_outlier_mode m)
{
	return outlier_names[m];
}

int clean_parse_fill(const char *s, yj_fill_kind *kind, const char **value)
{
	*value = NULL;
	if (!strncmp(s, "const:", 6)) {
		*kind = FILL_CONST;
		*value = s + 6;
		return 0;
	}
	for (int k = FILL_MEAN; k <= FILL_ZERO; k++)
		if (!strcmp(s, fill_names[k])) {
			*kind = (yj_fill_kind)k;
			return 0;
		}
	return -1;
}

int clean_parse_outliers(const char *s, yj_outlier_mode *mode)
{
	for (int k = 0; k < 4; k++)
		if (!strcmp(s, outlier_names[k])) {
			*mode = (yj_outlier_mode)k;
			return 0;
		}
	return -1;
}

void clean_format_number(double v, char *out, size_t size)
{
	if (v == 0)
		v = 0; /* no "-0" */
	for (int prec = 1; prec <= 17; prec++) {
		snprintf(out, size, "%.*g", prec, v);
		if (strtod(out, NULL) == v)
			break;
	}
	/* %g writes an exponent when it is >= the precision, so 150 came out
	 * as "1.5e+02" (not even an integer's spelling): such a value is a
	 * whole number, written plainly below 1e16. */
	if (strchr(out, 'e') && fabs(v) >= 1 && fabs(v) < 1e16)
		snprintf(out, size, "%.0f", v);
}

/* Does text parse as a value of type t? */
static int value_fits(yj_ftype t, const char *s)
{
	size_t n = strlen(s);
	yj_datetime dt;
	switch (t) {
	case FTYPE_INTEGER:
		return value_parse_int(s, n, NULL);
	case FTYPE_REAL:
		return value_parse_real(s, n, NULL);
	case FTYPE_DATETIME:
		return datetime_parse(s, n, &dt);
	default:
		return 1;
	}
}

static int is_attribute(const yj_column *c)
{
	return c->role != ROLE_KEY && c->role != ROLE_LABEL;
}

yj_status clean_check(const yj_table *tables, size_t n, const yj_clean_opts *o, yj_error *err)
{
	if (!(o->k_missing >= 0 && o->k_missing <= 1) || !(o->k_outlier >= 0 && o->k_outlier <= 1))
		return error_set(err, YJ_EUSAGE, _("k must be between 0 and 1"));
	if (!(o->sigma > 0))
		return error_set(err, YJ_EUSAGE, _("sigma must be a positive number"));
	for (size_t i = 0; i < o->nfills; i++) {
		const yj_fill_spec *f = &o->fills[i];
		int found = 0;
		for (size_t k = 0; k < n; k++) {
			long c = table_col(&tables[k], f->field);
			if (c < 0)
				continue;
			found = 1;
			const yj_column *col = &tables[k].cols[c];
			if (!is_attribute(col)) {
				error_set(err, YJ_EUSAGE, _("the key and the label are never filled"));
				error_at(err, NULL, -1, -1, f->field);
				return YJ_EUSAGE;
			}
			if ((f->kind == FILL_MEAN || f->kind == FILL_MEDIAN || f->kind == FILL_ZERO) &&
			    !ftype_is_numeric(col->type)) {
				error_set(err, YJ_EUSAGE, _("%s needs a numeric field, this one is %s"),
					  clean_fill_name(f->kind), ftype_name(col->type));
				error_at(err, NULL, -1, -1, f->field);
				return YJ_EUSAGE;
			}
			if (f->kind == FILL_CONST && !value_fits(col->type, f->value)) {
				error_set(err, YJ_EUSAGE, _("the constant '%s' is not a valid %s value"), f->value,
					  ftype_name(col->type));
				error_at(err, NULL, -1, -1, f->field);
				return YJ_EUSAGE;
			}
		}
		if (!found) {
			error_set(err, YJ_EUSAGE, _("--fill names a field no source has"));
			error_at(err, NULL, -1, -1, f->field);
			return YJ_EUSAGE;
		}
	}
	for (size_t i = 0; i < o->nignore; i++) {
		int found = 0;
		for (size_t k = 0; k < n && !found; k++)
			found = table_col(&tables[k], o->dedup_ignore[i]) >= 0;
		if (!found) {
			error_set(err, YJ_EUSAGE, _("--dedup-ignore names a field no source has"));
			error_at(err, NULL, -1, -1, o->dedup_ignore[i]);
			return YJ_EUSAGE;
		}
	}
	return YJ_OK;
}

static yj_fill_kind fill_for(const yj_column *col, const yj_clean_opts *o, const char **value)
{
	*value = NULL;
	for (size_t i = 0; i < o->nfills; i++)
		if (!strcmp(o->fills[i].field, col->name)) {
			*value = o->fills[i].value;
			return o->fills[i].kind;
		}
	return FILL_DEFAULT;
}

/* The fill value of a column from per-entry counts `cnt` (rows after step
 * 1 whose value is neither null nor an outlier). */
/* strdup(s), setting *oom when it fails (a fill value that could not be
 * made is out of memory, not "no fill value": the rows would be dropped). */
static char *dup_fill(const char *s, int *oom)
{
	char *d = strdup(s);
	if (!d)
		*oom = 1;
	return d;
}

static char *fill_value(const yj_column *col, yj_fill_kind kind, const char *cval, const int64_t *cnt, int *oom)
{
	char buf[64];
	if (kind == FILL_DEFAULT)
		kind = ftype_is_numeric(col->type) ? FILL_MEAN : col->type == FTYPE_TEXT ? FILL_CONST : FILL_MODE;
	switch (kind) {
	case FILL_CONST:
		return dup_fill(cval ? cval : "", oom);
	case FILL_ZERO:
		return dup_fill("0", oom);
	case FILL_MODE: {
		size_t e = stats_mode(col, cnt);
		return e ? dup_fill(col->value[e], oom) : NULL;
	}
	case FILL_MEAN: {
		yj_moments m;
		stats_moments(col, cnt, &m);
		if (!m.n)
			return NULL;
		clean_format_number(m.mean, buf, sizeof buf);
		return dup_fill(buf, oom);
	}
	case FILL_MEDIAN: {
		size_t n;
		size_t *s = stats_sorted_entries(col, cnt, &n);
		double med = s && n ? stats_quantile(col, cnt, s, n, 0.5, 0) : NAN;
		yj_moments m;
		stats_moments(col, cnt, &m);
		if (!s && m.n) /* values to sort, and no list: out of memory */
			*oom = 1;
		free(s);
		if (isnan(med))
			return NULL;
		clean_format_number(med, buf, sizeof buf);
		return dup_fill(buf, oom);
	}
	default:
		return NULL;
	}
}

void clean_result_free(yj_clean_result *r)
{
	if (!r->t)
		return;
	for (size_t c = 0; c < r->t->ncols; c++) {
		if (r->fill)
			free(r->fill[c]);
		if (r->outlier)
			free(r->outlier[c]);
	}
	free(r->fill);
	free(r->outlier);
	free(r->fill_kind);
	free(r->mom);
	free(r->filled);
	free(r->replaced);
	free(r->keep);
	memset(r, 0, sizeof *r);
}

/* The arrays of r for table t (keep is set by step_rows()). */
static int result_init(yj_clean_result *r, const yj_table *t, int is_label_source)
{
	size_t n = t->nrows, nc = t->ncols;
	memset(r, 0, sizeof *r);
	r->t = t;
	r->is_label_source = is_label_source;
	r->rows_in = (long long)n;
	r->keep = malloc(n ? n : 1);
	r->filled = calloc(nc ? nc : 1, sizeof *r->filled);
	r->replaced = calloc(nc ? nc : 1, sizeof *r->replaced);
	r->fill = calloc(nc ? nc : 1, sizeof *r->fill);
	r->fill_kind = calloc(nc ? nc : 1, sizeof *r->fill_kind);
	r->mom = calloc(nc ? nc : 1, sizeof *r->mom);
	r->outlier = calloc(nc ? nc : 1, sizeof *r->outlier);
	if (!r->keep || !r->filled || !r->replaced || !r->fill || !r->fill_kind || !r->mom || !r->outlier) {
		clean_result_free(r);
		return -1;
	}
	return 0;
}

/* Step 1: duplicates, repeated keys in the label source, rows of no case
 * (when cases is given) into r->keep. */
static int step_rows(const yj_table *t, const yj_clean_opts *o, int (*cases)(void *ctx, const char *key),
		     void *ctx, yj_clean_result *r)
{
	size_t n = t->nrows, nc = t->ncols;
	unsigned char *ignore = calloc(nc ? nc : 1, 1), *dup = malloc(n ? n : 1), *mark = NULL;
	int rc = -1;
	if (!ignore || !dup)
		goto out;
	for (size_t i = 0; i < o->nignore; i++) {
		long c = table_col(t, o->dedup_ignore[i]);
		if (c >= 0)
			ignore[c] = 1;
	}
	long long d = stats_duplicate_rows(t, NULL, ignore, dup);
	if (d < 0)
		goto out;
	r->duplicates_removed = d;
	for (size_t i = 0; i < n; i++)
		r->keep[i] = !dup[i];
	if (t->key_col >= 0) {
		const yj_column *kc = &t->cols[t->key_col];
		if (r->is_label_source) {
			unsigned char *seen = mark = calloc(kc->ndict, 1);
			if (!seen)
				goto out;
			for (size_t i = 0; i < n; i++) {
				if (!r->keep[i])
					continue;
				uint32_t k = kc->code[i];
				if (seen[k]) {
					if (seen[k] == 1)
						r->repeated_keys++;
					seen[k] = 2;
					r->keep[i] = 0;
					r->dropped_repeated_key++;
				} else {
					seen[k] = 1;
				}
			}
		} else if (cases) {
			unsigned char *is_case = mark = malloc(kc->ndict);
			if (!is_case)
				goto out;
			for (size_t e = 0; e < kc->ndict; e++)
				is_case[e] = kc->value[e] && cases(ctx, kc->value[e]);
			for (size_t i = 0; i < n; i++)
				if (r->keep[i] && !is_case[kc->code[i]]) {
					r->keep[i] = 0;
					r->dropped_no_case++;
				}
		}
	}
	rc = 0;
out:
	free(ignore);
	free(dup);
	free(mark);
	return rc;
}

/* Outliers of every numeric column by its moments r->mom: r->outlier[c]
 * per dictionary entry.  cnt (may be NULL): counts per entry of column c
 * to clear the outliers in (they are not used for the fill value). */
static int mark_outliers(const yj_table *t, size_t c, double sigma, yj_clean_result *r, int64_t *cnt)
{
	const yj_column *col = &t->cols[c];
	if (!ftype_is_numeric(col->type))
		return 0;
	if (!(r->outlier[c] = calloc(col->ndict, 1)))
		return -1;
	for (size_t e = 1; e < col->ndict; e++)
		if (stats_is_outlier(col, e, &r->mom[c], sigma)) {
			r->outlier[c][e] = 1;
			if (cnt)
				cnt[e] = 0;
		}
	return 0;
}

/* Step 2, fitted: moments, outliers and fill values on the rows left. */
static int step_fit(const yj_table *t, const yj_clean_opts *o, yj_clean_result *r)
{
	size_t n = t->nrows, nc = t->ncols, maxdict = 1;
	for (size_t c = 0; c < nc; c++)
		if (t->cols[c].ndict > maxdict)
			maxdict = t->cols[c].ndict;
	int64_t *cnt = malloc(maxdict * sizeof *cnt);
	if (!cnt)
		return -1;
	for (size_t c = 0; c < nc; c++) {
		const yj_column *col = &t->cols[c];
		memset(cnt, 0, col->ndict * sizeof *cnt);
		for (size_t i = 0; i < n; i++)
			if (r->keep[i])
				cnt[col->code[i]]++;
		stats_moments(col, cnt, &r->mom[c]);
		if (mark_outliers(t, c, o->sigma, r, cnt)) {
			free(cnt);
			return -1;
		}
		if (!is_attribute(col))
			continue;
		const char *cval;
		yj_fill_kind kind = fill_for(col, o, &cval);
		r->fill_kind[c] = kind;
		int oom = 0;
		r->fill[c] = fill_value(col, kind, cval, cnt, &oom);
		if (oom) {
			free(cnt);
			return -1;
		}
	}
	free(cnt);
	return 0;
}

/* Steps 3 to 5: per row, nulls then outliers, then what is left. */
static int step_rows_decide(const yj_table *t, const yj_clean_opts *o, yj_clean_result *r)
{
	size_t n = t->nrows, nc = t->ncols, na = 0;
	uint32_t *attr = malloc((nc ? nc : 1) * sizeof *attr);
	if (!attr)
		return -1;
	for (size_t c = 0; c < nc; c++)
		if (is_attribute(&t->cols[c]))
			attr[na++] = (uint32_t)c;
	for (size_t i = 0; i < n; i++) {
		if (!r->keep[i])
			continue;
		size_t nulls = 0, outs = 0;
		for (size_t a = 0; a < na; a++) {
			const yj_column *col = &t->cols[attr[a]];
			uint32_t e = col->code[i];
			if (col->is_null[e])
				nulls++;
			else if (r->outlier[attr[a]] && r->outlier[attr[a]][e])
				outs++;
		}
		if (na && (double)nulls / (double)na > o->k_missing) {
			r->keep[i] = 0;
			r->dropped_missing++;
			continue;
		}
		int drop_out = o->outliers == OUTLIERS_DROP ? outs > 0
							   : na && (double)outs / (double)na > o->k_outlier;
		if (drop_out) {
			r->keep[i] = 0;
			r->dropped_outlier++;
			continue;
		}
		for (size_t a = 0; a < na; a++) {
			size_t c = attr[a];
			const yj_column *col = &t->cols[c];
			uint32_t e = col->code[i];
			if (col->is_null[e]) {
				if (r->fill[c])
					r->filled[c]++;
			} else if (r->outlier[c] && r->outlier[c][e]) {
				if (o->outliers == OUTLIERS_CLIP || (o->outliers == OUTLIERS_REPLACE && r->fill[c]))
					r->replaced[c]++;
			}
		}
	}
	for (size_t i = 0; i < n; i++) {
		if (!r->keep[i])
			continue;
		r->rows_out++;
		if (r->is_label_source && t->label_col >= 0 && table_is_null(t, (size_t)t->label_col, i))
			r->unlabeled++;
	}
	free(attr);
	return 0;
}

int clean_table(const yj_table *t, const yj_clean_opts *o, int is_label_source,
		int (*cases)(void *ctx, const char *key), void *ctx, yj_clean_result *r)
{
	if (result_init(r, t, is_label_source))
		return -1;
	if (step_rows(t, o, cases, ctx, r) || step_fit(t, o, r) || step_rows_decide(t, o, r)) {
		clean_result_free(r);
		return -1;
	}
	return 0;
}

/* Step 2, stored: the moments and fill values of a snapshot's statistics
 * of the source ({"fields": [{name, fill, mean, std}]}). */
static int step_stored(const yj_table *t, const json_t *stats, double sigma, yj_clean_result *r)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(stats, "fields"), i, x)
	{
		const char *name = json_string_value(json_object_get(x, "name"));
		long c = name ? table_col(t, name) : -1;
		if (c < 0)
			continue;
		const char *fill = json_string_value(json_object_get(x, "fill"));
		free(r->fill[c]);
		r->fill[c] = NULL;
		if (fill && !(r->fill[c] = strdup(fill)))
			return -1;
		json_t *m = json_object_get(x, "mean"), *sd = json_object_get(x, "std");
		if (json_is_number(m) && json_is_number(sd)) {
			r->mom[c].n = 2; /* enough for stats_is_outlier() */
			r->mom[c].mean = json_number_value(m);
			r->mom[c].std = json_number_value(sd);
		}
	}
	for (size_t c = 0; c < t->ncols; c++)
		if (!r->outlier[c] && mark_outliers(t, c, sigma, r, NULL))
			return -1;
	return 0;
}

int clean_table_stored(const yj_table *t, const json_t *stats, const json_t *settings, int is_label_source,
		       yj_clean_opts *o, yj_clean_result *r)
{
	clean_opts_default(o);
	o->sigma = json_number_value(json_object_get(settings, "sigma"));
	if (!(o->sigma > 0))
		o->sigma = 3;
	o->k_outlier = json_number_value(json_object_get(settings, "k_outlier"));
	const char *mode = json_string_value(json_object_get(settings, "outliers"));
	if (mode)
		clean_parse_outliers(mode, &o->outliers);
	/* every case gets a prediction: no row drops for nulls, and none of
	 * the label source for outliers (drop mode replaces there) */
	o->k_missing = 1;
	if (is_label_source) {
		o->k_outlier = 1;
		if (o->outliers == OUTLIERS_DROP)
			o->outliers = OUTLIERS_REPLACE;
	}
	const json_t *ign = json_object_get(settings, "dedup_ignore");
	const char **names = malloc((json_array_size(ign) ? json_array_size(ign) : 1) * sizeof *names);
	if (!names || result_init(r, t, is_label_source)) {
		free(names);
		return -1;
	}
	size_t i;
	json_t *x;
	json_array_foreach(ign, i, x)
		if (json_string_value(x))
			names[o->nignore++] = json_string_value(x);
	o->dedup_ignore = names;
	int rc = step_rows(t, o, NULL, NULL, r) || step_stored(t, stats, o->sigma, r) ||
		 step_rows_decide(t, o, r);
	o->dedup_ignore = NULL; /* borrowed from settings, gone with names */
	o->nignore = 0;
	free(names);
	if (rc) {
		clean_result_free(r);
		return -1;
	}
	return 0;
}

int clean_cell(const yj_clean_result *r, const yj_clean_opts *o, size_t row, size_t c,
	       const char **text, char *buf, size_t size)
{
	const yj_table *t = r->t;
	const yj_column *col = &t->cols[c];
	uint32_t e = col->code[row];
	*text = col->value[e] ? col->value[e] : "";
	if (!is_attribute(col))
		return 0;
	if (col->is_null[e]) {
		if (!r->fill[c])
			return 0;
		*text = r->fill[c];
		return 1;
	}
	if (!r->outlier[c] || !r->outlier[c][e])
		return 0;
	if (o->outliers == OUTLIERS_CLIP) {
		const yj_moments *m = &r->mom[c];
		double lo = m->mean - o->sigma * m->std, hi = m->mean + o->sigma * m->std;
		double v = col->num[e] < lo ? lo : hi;
		clean_format_number(v, buf, size);
		*text = buf;
		return 3;
	}
	if (o->outliers == OUTLIERS_REPLACE && r->fill[c]) {
		*text = r->fill[c];
		return 2;
	}
	return 0;
}

/* Every value below is made and set checked (json_object_set_new and
 * json_array_append_new fail on a NULL value): a failed allocation is an
 * error, never a report with a value missing. */
json_t *clean_report(const yj_clean_result *r)
{
	const yj_table *t = r->t;
	json_t *filled = json_object(), *replaced = json_object(), *o = json_object();
	int bad = !filled || !replaced || !o;
	for (size_t c = 0; !bad && c < t->ncols; c++) {
		if (!is_attribute(&t->cols[c]))
			continue;
		bad |= json_object_set_new(filled, t->cols[c].name, json_integer(r->filled[c]));
		bad |= json_object_set_new(replaced, t->cols[c].name, json_integer(r->replaced[c]));
	}
	bad |= json_object_set_new(o, "name", json_string(t->info.name));
	bad |= json_object_set_new(o, "rows_in", json_integer(r->rows_in));
	bad |= json_object_set_new(o, "duplicates_removed", json_integer(r->duplicates_removed));
	bad |= json_object_set_new(o, "dropped_missing", json_integer(r->dropped_missing));
	bad |= json_object_set_new(o, "dropped_outlier", json_integer(r->dropped_outlier));
	bad |= json_object_set_new(o, "filled", filled);
	bad |= json_object_set_new(o, "replaced", replaced);
	bad |= json_object_set_new(o, "rows_out", json_integer(r->rows_out));
	bad |= json_object_set_new(o, "unlabeled", r->is_label_source ? json_integer(r->unlabeled) : json_null());
	bad |= json_object_set_new(o, "repeated_keys", json_integer(r->repeated_keys));
	bad |= json_object_set_new(o, "dropped_repeated_key", json_integer(r->dropped_repeated_key));
	bad |= json_object_set_new(o, "dropped_no_case", json_integer(r->dropped_no_case));
	if (r->is_label_source && t->label_col >= 0) {
		/* Rows left per class (raw label text), most frequent first. */
		const yj_column *lc = &t->cols[t->label_col];
		int64_t *cnt = calloc(lc->ndict ? lc->ndict : 1, sizeof *cnt);
		size_t *top = malloc((lc->ndict ? lc->ndict : 1) * sizeof *top);
		json_t *classes = json_array();
		bad |= !cnt || !top || !classes;
		if (!bad) {
			for (size_t i = 0; i < t->nrows; i++)
				if (r->keep[i])
					cnt[lc->code[i]]++;
			size_t k = stats_top(lc, cnt, lc->ndict, top);
			for (size_t j = 0; j < k; j++)
				bad |= json_array_append_new(classes, json_pack("[s, I]", lc->value[top[j]],
										(json_int_t)cnt[top[j]]));
		}
		free(cnt);
		free(top);
		bad |= json_object_set_new(o, "classes", classes);
	}
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* ---------------------------------------------------------------- project */

/* The case keys of the label source, sorted for binary search. */
typedef struct {
	const char **keys;
	size_t n;
} case_set;

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int is_case(void *ctx, const char *key)
{
	const case_set *cs = ctx;
	return bsearch(&key, cs->keys, cs->n, sizeof *cs->keys, cmp_str) != NULL;
}

/* The settings of a snapshot, NULL when out of memory (json_pack fails
 * on a NULL "o" and releases the other). */
static json_t *settings_json(const yj_clean_opts *o)
{
	json_t *fills = json_object(), *ign = json_array();
	int bad = !fills || !ign;
	for (size_t i = 0; !bad && i < o->nfills; i++) {
		const yj_fill_spec *f = &o->fills[i];
		if (f->kind == FILL_CONST) {
			char *s = malloc(strlen(f->value) + 7);
			if (s)
				sprintf(s, "const:%s", f->value);
			bad |= json_object_set_new(fills, f->field, s ? json_string(s) : NULL);
			free(s);
		} else {
			bad |= json_object_set_new(fills, f->field, json_string(clean_fill_name(f->kind)));
		}
	}
	for (size_t i = 0; !bad && i < o->nignore; i++)
		bad |= json_array_append_new(ign, json_string(o->dedup_ignore[i]));
	if (bad) {
		json_decref(fills);
		json_decref(ign);
		return NULL;
	}
	return json_pack("{s:f, s:f, s:f, s:o, s:s, s:o}", "k_missing", o->k_missing, "k_outlier",
			 o->k_outlier, "sigma", o->sigma, "fill", fills, "outliers",
			 clean_outliers_name(o->outliers), "dedup_ignore", ign);
}

/* Training statistics of a source: per field fill value, mean, std. */
static json_t *stats_json(const yj_clean_result *r)
{
	const yj_table *t = r->t;
	json_t *fields = json_array();
	int bad = !fields;
	for (size_t c = 0; !bad && c < t->ncols; c++) {
		const yj_column *col = &t->cols[c];
		json_t *f = json_pack("{s:s, s:s, s:s}", "name", col->name, "type", ftype_name(col->type),
				      "role", role_name(col->role));
		bad |= !f;
		bad |= json_object_set_new(f, "fill", r->fill[c] ? json_string(r->fill[c]) : json_null());
		bad |= json_object_set_new(f, "fill_strategy",
					   json_string(is_attribute(col) ? clean_fill_name(r->fill_kind[c]) : "none"));
		if (ftype_is_numeric(col->type) && r->mom[c].n) {
			bad |= json_object_set_new(f, "mean", json_real(r->mom[c].mean));
			bad |= json_object_set_new(f, "std", json_real(r->mom[c].std));
		}
		bad |= json_array_append_new(fields, f);
	}
	if (bad) {
		json_decref(fields);
		return NULL;
	}
	return json_pack("{s:s, s:o}", "name", t->info.name, "fields", fields);
}

static yj_status store_snapshot(yj_project *p, const yj_clean_opts *o, yj_clean_result *res,
				size_t n, json_t *report, long long *id_out, yj_error *err)
{
	static const char *const kinds[] = {"", "filled", "replaced", "clipped"};
	yj_snapshot_writer *w = NULL;
	yj_status ret;
	json_t *settings = settings_json(o), *stats = json_array();
	int bad = !stats;
	for (size_t k = 0; !bad && k < n; k++)
		bad |= json_array_append_new(stats, stats_json(&res[k]));
	if (bad) {
		json_decref(stats);
		stats = NULL;
	}
	/* NULL when stats is: then s_stats is NULL, out of memory below */
	json_t *statso = json_pack("{s:o}", "sources", stats);
	char *s_settings = jtext_dump(settings, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *s_report = jtext_dump(report, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *s_stats = jtext_dump(statso, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	int64_t *kept = NULL;
	long long id = 0;
	if (!s_settings || !s_report || !s_stats) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((ret = snapshots_begin(p, s_settings, s_report, s_stats, &w, &id, err)))
		goto out;
	for (size_t k = 0; k < n; k++) {
		const yj_table *t = res[k].t;
		size_t m = 0;
		free(kept);
		kept = malloc((t->nrows ? t->nrows : 1) * sizeof *kept);
		if (!kept) {
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
			snapshots_abort(w);
			goto out;
		}
		for (size_t i = 0; i < t->nrows; i++)
			if (res[k].keep[i])
				kept[m++] = t->row[i];
		/* the writer is freed when a step fails */
		if ((ret = snapshots_add_source(w, t->info.id, kept, m, err)))
			goto out;
		for (size_t i = 0; i < t->nrows; i++) {
			if (!res[k].keep[i])
				continue;
			for (size_t c = 0; c < t->ncols; c++) {
				const char *text;
				char buf[64];
				int how = clean_cell(&res[k], o, i, c, &text, buf, sizeof buf);
				if (how && (ret = snapshots_add_cell(w, t->info.id, t->row[i], (long long)c, text,
								     kinds[how], err)))
					goto out;
			}
		}
	}
	if ((ret = snapshots_commit(w, err)))
		goto out;
	*id_out = id;
out:
	free(kept);
	free(s_settings);
	free(s_report);
	free(s_stats);
	json_decref(settings);
	json_decref(statso);
	return ret;
}

yj_status clean_tables(const yj_table *tables, size_t n, const yj_clean_opts *o,
			yj_clean_result *res, json_t **report, yj_error *err)
{
	yj_status st;
	*report = NULL;
	memset(res, 0, n * sizeof *res);
	if ((st = clean_check(tables, n, o, err)))
		return st;
	json_t *arr = json_array();
	case_set cs = {0};
	for (size_t j = 0; j < n; j++) {
		const yj_table *t = &tables[j];
		/* The label source (first) decides which keys are cases. */
		if (clean_table(t, o, j == 0, j > 0 && cs.keys ? is_case : NULL, &cs, &res[j]))
			goto nomem;
		if (j == 0 && t->key_col >= 0) {
			const yj_column *kc = &t->cols[t->key_col];
			cs.keys = malloc((t->nrows ? t->nrows : 1) * sizeof *cs.keys);
			if (!cs.keys)
				goto nomem;
			for (size_t i = 0; i < t->nrows; i++)
				if (res[0].keep[i] && kc->value[kc->code[i]])
					cs.keys[cs.n++] = kc->value[kc->code[i]];
			qsort(cs.keys, cs.n, sizeof *cs.keys, cmp_str);
		}
		if (json_array_append_new(arr, clean_report(&res[j])))
			goto nomem;
	}
	free(cs.keys);
	/* NULL when arr is NULL (json_pack fails on it) */
	*report = json_pack("{s:o}", "sources", arr);
	if (!*report)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	return YJ_OK;
nomem:
	free(cs.keys);
	json_decref(arr);
	for (size_t j = 0; j < n; j++)
		clean_result_free(&res[j]);
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

yj_status clean_run(yj_project *p, const yj_clean_opts *o, int dry_run, json_t **report,
		    yj_error *err)
{
	yj_preview *pv = NULL;
	yj_clean_result *res = NULL;
	size_t n = 0;
	yj_status st;
	*report = NULL;
	if ((st = preview_open(p, o->progress, &pv, err)))
		return st;
	n = preview_ntables(pv);
	res = calloc(n ? n : 1, sizeof *res);
	if (!res) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((st = clean_tables(preview_table(pv, 0), n, o, res, report, err)))
		goto out;
	if (!dry_run) {
		long long id = 0;
		if ((st = store_snapshot(p, o, res, n, *report, &id, err))) {
			json_decref(*report);
			*report = NULL;
			goto out;
		}
		/* the snapshot is stored; only its report could not be made */
		if (json_object_set_new(*report, "snapshot", json_integer(id))) {
			json_decref(*report);
			*report = NULL;
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
		}
	}
out:
	for (size_t j = 0; res && j < n; j++)
		clean_result_free(&res[j]);
	free(res);
	preview_free(pv);
	return st;
}

yj_status clean_list(yj_project *p, json_t **out, yj_error *err)
{
	yj_snapshot_info *v = NULL;
	size_t n = 0;
	yj_status st = snapshots_list(p, &v, &n, err);
	if (st)
		return st;
	json_t *arr = json_array();
	int bad = !arr;
	for (size_t i = 0; !bad && i < n; i++) {
		json_error_t je;
		json_t *s = v[i].settings ? json_loads(v[i].settings, 0, &je) : NULL;
		/* a stored text that does not parse is shown as null ("o*"), but
		 * one that failed for want of memory is an error */
		bad |= v[i].settings && !s && json_error_code(&je) == json_error_out_of_memory;
		json_t *r = v[i].report ? json_loads(v[i].report, 0, &je) : NULL;
		bad |= v[i].report && !r && json_error_code(&je) == json_error_out_of_memory;
		bad |= json_array_append_new(arr, json_pack("{s:I, s:s, s:b, s:o*, s:o*}", "id", (json_int_t)v[i].id,
							    "created_at", v[i].created_at, "active", v[i].active,
							    "settings", s, "report", r));
	}
	snapshots_list_free(v, n);
	if (bad) {
		json_decref(arr);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	if (!(*out = json_pack("{s:o}", "snapshots", arr)))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	return YJ_OK;
}

yj_status clean_use(yj_project *p, long long id, yj_error *err)
{
	return snapshots_activate(p, id, err);
}

yj_status clean_active_snapshot(yj_project *p, long long *id, yj_error *err)
{
	int found;
	yj_status st = snapshots_active(p, id, &found, err);
	if (st || found)
		return st;
	error_set(err, YJ_ENOTFOUND, _("the project has no cleaned snapshot yet"));
	error_hint(err, _("run 'yujing clean PROJECT' first"));
	return YJ_ENOTFOUND;
}

yj_status clean_run_snapshot(yj_project *p, long long run, long long *snapshot, yj_error *err)
{
	int found;
	yj_status st = snapshots_of_run(p, run, snapshot, &found, err);
	if (st || found)
		return st;
	return clean_active_snapshot(p, snapshot, err);
}

yj_status clean_row_changes(yj_project *p, long long snapshot, long long source_id, int64_t row,
			    json_t **out, yj_error *err)
{
	yj_snapshot_cell *v = NULL;
	size_t n = 0;
	yj_status st = snapshots_cells(p, snapshot, source_id, &row, &v, &n, err);
	if (st)
		return st;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(arr, json_pack("{s:I, s:s, s:s}", "pos", (json_int_t)v[i].pos, "value",
						     v[i].value, "kind", v[i].kind));
	snapshots_cells_free(v, n);
	*out = arr;
	return YJ_OK;
}

yj_status clean_kept_rows(yj_project *p, long long snapshot, long long source_id, int64_t **rows,
			  size_t *n, yj_error *err)
{
	int found;
	yj_status st = snapshots_kept(p, snapshot, source_id, rows, n, &found, err);
	if (st || found)
		return st;
	error_set(err, YJ_ENOTFOUND, _("snapshot %lld does not cover this source (imported again since?)"),
		  snapshot);
	error_hint(err, _("run 'yujing clean PROJECT' again"));
	return YJ_ENOTFOUND;
}
