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
#include "yujing/data/preview.h"

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
static char *fill_value(const yj_column *col, yj_fill_kind kind, const char *cval, const int64_t *cnt)
{
	char buf[64];
	if (kind == FILL_DEFAULT)
		kind = ftype_is_numeric(col->type) ? FILL_MEAN : col->type == FTYPE_TEXT ? FILL_CONST : FILL_MODE;
	switch (kind) {
	case FILL_CONST:
		return strdup(cval ? cval : "");
	case FILL_ZERO:
		return strdup("0");
	case FILL_MODE: {
		size_t e = stats_mode(col, cnt);
		return e ? strdup(col->value[e]) : NULL;
	}
	case FILL_MEAN: {
		yj_moments m;
		stats_moments(col, cnt, &m);
		if (!m.n)
			return NULL;
		clean_format_number(m.mean, buf, sizeof buf);
		return strdup(buf);
	}
	case FILL_MEDIAN: {
		size_t n;
		size_t *s = stats_sorted_entries(col, cnt, &n);
		double med = s && n ? stats_quantile(col, cnt, s, n, 0.5, 0) : NAN;
		free(s);
		if (isnan(med))
			return NULL;
		clean_format_number(med, buf, sizeof buf);
		return strdup(buf);
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

int clean_table(const yj_table *t, const yj_clean_opts *o, int is_label_source,
		int (*cases)(void *ctx, const char *key), void *ctx, yj_clean_result *r)
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
	unsigned char *ignore = calloc(nc ? nc : 1, 1), *dup = malloc(n ? n : 1);
	int64_t *cnt = NULL;
	uint32_t *attr = NULL;
	if (!r->keep || !r->filled || !r->replaced || !r->fill || !r->fill_kind || !r->mom ||
	    !r->outlier || !ignore || !dup)
		goto nomem;

	/* 1. duplicates, repeated keys, rows of no case */
	for (size_t i = 0; i < o->nignore; i++) {
		long c = table_col(t, o->dedup_ignore[i]);
		if (c >= 0)
			ignore[c] = 1;
	}
	long long d = stats_duplicate_rows(t, NULL, ignore, dup);
	if (d < 0)
		goto nomem;
	r->duplicates_removed = d;
	for (size_t i = 0; i < n; i++)
		r->keep[i] = !dup[i];
	if (t->key_col >= 0) {
		const yj_column *kc = &t->cols[t->key_col];
		if (is_label_source) {
			unsigned char *seen = calloc(kc->ndict, 1);
			if (!seen)
				goto nomem;
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
			free(seen);
		} else if (cases) {
			unsigned char *is_case = malloc(kc->ndict);
			if (!is_case)
				goto nomem;
			for (size_t e = 0; e < kc->ndict; e++)
				is_case[e] = kc->value[e] && cases(ctx, kc->value[e]);
			for (size_t i = 0; i < n; i++)
				if (r->keep[i] && !is_case[kc->code[i]]) {
					r->keep[i] = 0;
					r->dropped_no_case++;
				}
			free(is_case);
		}
	}

	/* 2. moments, outliers and fill values on the rows left */
	size_t maxdict = 1;
	for (size_t c = 0; c < nc; c++)
		if (t->cols[c].ndict > maxdict)
			maxdict = t->cols[c].ndict;
	cnt = malloc(maxdict * sizeof *cnt);
	if (!cnt)
		goto nomem;
	for (size_t c = 0; c < nc; c++) {
		const yj_column *col = &t->cols[c];
		memset(cnt, 0, col->ndict * sizeof *cnt);
		for (size_t i = 0; i < n; i++)
			if (r->keep[i])
				cnt[col->code[i]]++;
		stats_moments(col, cnt, &r->mom[c]);
		if (ftype_is_numeric(col->type)) {
			r->outlier[c] = calloc(col->ndict, 1);
			if (!r->outlier[c])
				goto nomem;
			for (size_t e = 1; e < col->ndict; e++)
				if (stats_is_outlier(col, e, &r->mom[c], o->sigma)) {
					r->outlier[c][e] = 1;
					cnt[e] = 0; /* not used for the fill value */
				}
		}
		if (!is_attribute(col))
			continue;
		const char *cval;
		yj_fill_kind kind = fill_for(col, o, &cval);
		r->fill_kind[c] = kind;
		r->fill[c] = fill_value(col, kind, cval, cnt);
	}

	/* 3 and 4: per row, nulls then outliers */
	size_t na = 0;
	attr = malloc((nc ? nc : 1) * sizeof *attr);
	if (!attr)
		goto nomem;
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

	/* 5. what is left */
	for (size_t i = 0; i < n; i++) {
		if (!r->keep[i])
			continue;
		r->rows_out++;
		if (is_label_source && t->label_col >= 0 && table_is_null(t, (size_t)t->label_col, i))
			r->unlabeled++;
	}
	free(ignore);
	free(dup);
	free(cnt);
	free(attr);
	return 0;
nomem:
	free(ignore);
	free(dup);
	free(cnt);
	free(attr);
	clean_result_free(r);
	return -1;
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

json_t *clean_report(const yj_clean_result *r)
{
	const yj_table *t = r->t;
	json_t *filled = json_object(), *replaced = json_object();
	for (size_t c = 0; c < t->ncols; c++) {
		if (!is_attribute(&t->cols[c]))
			continue;
		json_object_set_new(filled, t->cols[c].name, json_integer(r->filled[c]));
		json_object_set_new(replaced, t->cols[c].name, json_integer(r->replaced[c]));
	}
	json_t *o = json_object();
	json_object_set_new(o, "name", json_string(t->info.name));
	json_object_set_new(o, "rows_in", json_integer(r->rows_in));
	json_object_set_new(o, "duplicates_removed", json_integer(r->duplicates_removed));
	json_object_set_new(o, "dropped_missing", json_integer(r->dropped_missing));
	json_object_set_new(o, "dropped_outlier", json_integer(r->dropped_outlier));
	json_object_set_new(o, "filled", filled);
	json_object_set_new(o, "replaced", replaced);
	json_object_set_new(o, "rows_out", json_integer(r->rows_out));
	json_object_set_new(o, "unlabeled", r->is_label_source ? json_integer(r->unlabeled) : json_null());
	json_object_set_new(o, "repeated_keys", json_integer(r->repeated_keys));
	json_object_set_new(o, "dropped_repeated_key", json_integer(r->dropped_repeated_key));
	json_object_set_new(o, "dropped_no_case", json_integer(r->dropped_no_case));
	if (r->is_label_source && t->label_col >= 0) {
		/* Rows left per class (raw label text), most frequent first. */
		const yj_column *lc = &t->cols[t->label_col];
		int64_t *cnt = calloc(lc->ndict, sizeof *cnt);
		size_t *top = malloc(lc->ndict * sizeof *top);
		json_t *classes = json_array();
		if (cnt && top) {
			for (size_t i = 0; i < t->nrows; i++)
				if (r->keep[i])
					cnt[lc->code[i]]++;
			size_t k = stats_top(lc, cnt, lc->ndict, top);
			for (size_t j = 0; j < k; j++)
				json_array_append_new(classes, json_pack("[s, I]", lc->value[top[j]],
									 (json_int_t)cnt[top[j]]));
		}
		free(cnt);
		free(top);
		json_object_set_new(o, "classes", classes);
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

static json_t *settings_json(const yj_clean_opts *o)
{
	json_t *fills = json_object();
	for (size_t i = 0; i < o->nfills; i++) {
		const yj_fill_spec *f = &o->fills[i];
		if (f->kind == FILL_CONST) {
			char *s = malloc(strlen(f->value) + 7);
			if (s) {
				sprintf(s, "const:%s", f->value);
				json_object_set_new(fills, f->field, json_string(s));
				free(s);
			}
		} else {
			json_object_set_new(fills, f->field, json_string(clean_fill_name(f->kind)));
		}
	}
	json_t *ign = json_array();
	for (size_t i = 0; i < o->nignore; i++)
		json_array_append_new(ign, json_string(o->dedup_ignore[i]));
	return json_pack("{s:f, s:f, s:f, s:o, s:s, s:o}", "k_missing", o->k_missing, "k_outlier",
			 o->k_outlier, "sigma", o->sigma, "fill", fills, "outliers",
			 clean_outliers_name(o->outliers), "dedup_ignore", ign);
}

/* Training statistics of a source: per field fill value, mean, std. */
static json_t *stats_json(const yj_clean_result *r)
{
	const yj_table *t = r->t;
	json_t *fields = json_array();
	for (size_t c = 0; c < t->ncols; c++) {
		const yj_column *col = &t->cols[c];
		json_t *f = json_pack("{s:s, s:s, s:s}", "name", col->name, "type", ftype_name(col->type),
				      "role", role_name(col->role));
		json_object_set_new(f, "fill", r->fill[c] ? json_string(r->fill[c]) : json_null());
		json_object_set_new(f, "fill_strategy",
				    json_string(is_attribute(col) ? clean_fill_name(r->fill_kind[c]) : "none"));
		if (ftype_is_numeric(col->type) && r->mom[c].n) {
			json_object_set_new(f, "mean", json_real(r->mom[c].mean));
			json_object_set_new(f, "std", json_real(r->mom[c].std));
		}
		json_array_append_new(fields, f);
	}
	return json_pack("{s:s, s:o}", "name", t->info.name, "fields", fields);
}

static yj_status store_snapshot(yj_project *p, const yj_clean_opts *o, yj_clean_result *res,
				size_t n, json_t *report, long long *id_out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	yj_status ret;
	json_t *settings = settings_json(o), *stats = json_array();
	for (size_t k = 0; k < n; k++)
		json_array_append_new(stats, stats_json(&res[k]));
	json_t *statso = json_pack("{s:o}", "sources", stats);
	char *s_settings = json_dumps(settings, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *s_report = json_dumps(report, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *s_stats = json_dumps(statso, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	int64_t *kept = NULL;
	int rc;
	if (!s_settings || !s_report || !s_stats) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	if ((ret = project_begin(p, err)))
		goto out;
	rc = sqlite3_exec(db, "UPDATE snapshots SET active = 0", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "INSERT INTO snapshots (settings, report, stats, active)"
					    " VALUES (?, ?, ?, 1)", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_text(st, 1, s_settings, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, s_report, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 3, s_stats, -1, SQLITE_STATIC);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_OK)
		goto dberr;
	long long id = sqlite3_last_insert_rowid(db);
	for (size_t k = 0; k < n && rc == SQLITE_OK; k++) {
		const yj_table *t = res[k].t;
		size_t m = 0;
		free(kept);
		kept = malloc((t->nrows ? t->nrows : 1) * sizeof *kept);
		if (!kept) {
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
			project_rollback(p);
			goto out;
		}
		for (size_t i = 0; i < t->nrows; i++)
			if (res[k].keep[i]) {
				/* little-endian int64 */
				uint64_t v = (uint64_t)t->row[i];
				unsigned char *b = (unsigned char *)&kept[m++];
				for (int j = 0; j < 8; j++)
					b[j] = (unsigned char)(v >> (8 * j));
			}
		rc = sqlite3_prepare_v2(db, "INSERT INTO snapshot_sources (snapshot_id, source_id, kept)"
					    " VALUES (?, ?, ?)", -1, &st, NULL);
		if (rc == SQLITE_OK) {
			sqlite3_bind_int64(st, 1, id);
			sqlite3_bind_int64(st, 2, t->info.id);
			sqlite3_bind_blob64(st, 3, kept, m * sizeof *kept, SQLITE_STATIC);
			rc = sqlite3_step(st);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
		}
		sqlite3_finalize(st);
		st = NULL;
		if (rc != SQLITE_OK)
			break;
		rc = sqlite3_prepare_v2(db, "INSERT INTO snapshot_cells (snapshot_id, source_id, row, pos,"
					    " value, kind) VALUES (?, ?, ?, ?, ?, ?)", -1, &st, NULL);
		static const char *const kinds[] = {"", "filled", "replaced", "clipped"};
		for (size_t i = 0; i < t->nrows && rc == SQLITE_OK; i++) {
			if (!res[k].keep[i])
				continue;
			for (size_t c = 0; c < t->ncols && rc == SQLITE_OK; c++) {
				const char *text;
				char buf[64];
				int how = clean_cell(&res[k], o, i, c, &text, buf, sizeof buf);
				if (!how)
					continue;
				sqlite3_reset(st);
				sqlite3_bind_int64(st, 1, id);
				sqlite3_bind_int64(st, 2, t->info.id);
				sqlite3_bind_int64(st, 3, t->row[i]);
				sqlite3_bind_int64(st, 4, (sqlite3_int64)c);
				sqlite3_bind_text(st, 5, text, -1, SQLITE_TRANSIENT);
				sqlite3_bind_text(st, 6, kinds[how], -1, SQLITE_STATIC);
				rc = sqlite3_step(st);
				rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			}
		}
		sqlite3_finalize(st);
		st = NULL;
	}
	if (rc != SQLITE_OK)
		goto dberr;
	if ((ret = project_commit(p, err)))
		goto out;
	*id_out = id;
	goto out;
dberr:
	ret = store_sqlite_error(db, rc, _("storing the cleaned snapshot"), err);
	project_rollback(p);
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
		json_array_append_new(arr, clean_report(&res[j]));
	}
	free(cs.keys);
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
		json_object_set_new(*report, "snapshot", json_integer(id));
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
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT id, created_at, active, settings, report FROM snapshots"
					" ORDER BY id", -1, &st, NULL);
	json_t *arr = json_array();
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		json_t *s = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
		json_t *r = json_loads((const char *)sqlite3_column_text(st, 4), 0, NULL);
		json_array_append_new(arr, json_pack("{s:I, s:s, s:b, s:o*, s:o*}", "id",
						     (json_int_t)sqlite3_column_int64(st, 0), "created_at",
						     (const char *)sqlite3_column_text(st, 1), "active",
						     sqlite3_column_int(st, 2), "settings", s, "report", r));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_sqlite_error(db, rc, _("listing snapshots"), err);
	}
	*out = json_pack("{s:o}", "snapshots", arr);
	return YJ_OK;
}

yj_status clean_use(yj_project *p, long long id, yj_error *err)
{
	sqlite3 *db = project_db(p);
	yj_status ret = project_begin(p, err);
	if (ret)
		return ret;
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_exec(db, "UPDATE snapshots SET active = 0", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "UPDATE snapshots SET active = 1 WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
		rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_OK) {
		project_rollback(p);
		return store_sqlite_error(db, rc, _("activating a snapshot"), err);
	}
	if (sqlite3_changes(db) != 1) {
		project_rollback(p);
		error_set(err, YJ_ENOTFOUND, _("no snapshot %lld"), id);
		error_hint(err, _("'yujing clean PROJECT --list' lists the snapshots"));
		return YJ_ENOTFOUND;
	}
	return project_commit(p, err);
}

/* The first column of the first row of sql (bound to arg when arg >= 0)
 * into *id: SQLITE_ROW when there was one, SQLITE_DONE when not, else the
 * SQLite error. */
static int first_id(sqlite3 *db, const char *sql, long long arg, long long *id)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc == SQLITE_OK) {
		if (arg >= 0)
			sqlite3_bind_int64(st, 1, arg);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW)
		*id = sqlite3_column_int64(st, 0);
	sqlite3_finalize(st);
	return rc;
}

yj_status clean_active_snapshot(yj_project *p, long long *id, yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = first_id(db, "SELECT id FROM snapshots WHERE active = 1", -1, id);
	if (rc == SQLITE_ROW)
		return YJ_OK;
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading snapshots"), err);
	error_set(err, YJ_ENOTFOUND, _("the project has no cleaned snapshot yet"));
	error_hint(err, _("run 'yujing clean PROJECT' first"));
	return YJ_ENOTFOUND;
}

yj_status clean_run_snapshot(yj_project *p, long long run, long long *snapshot, yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = first_id(db, "SELECT s.snapshot_id FROM runs r JOIN splits s ON s.id = r.split_id WHERE r.id = ?",
			  run, snapshot);
	if (rc == SQLITE_ROW)
		return YJ_OK;
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading snapshots"), err);
	return clean_active_snapshot(p, snapshot, err);
}

yj_status clean_row_changes(yj_project *p, long long snapshot, long long source_id, int64_t row,
			    json_t **out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	json_t *arr = json_array();
	int rc = sqlite3_prepare_v2(db, "SELECT pos, value, kind FROM snapshot_cells"
					" WHERE snapshot_id = ? AND source_id = ? AND row = ? ORDER BY pos",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snapshot);
		sqlite3_bind_int64(st, 2, source_id);
		sqlite3_bind_int64(st, 3, row);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(arr, json_pack("{s:I, s:s, s:s}", "pos",
							     (json_int_t)sqlite3_column_int64(st, 0), "value",
							     (const char *)sqlite3_column_text(st, 1), "kind",
							     (const char *)sqlite3_column_text(st, 2)));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_sqlite_error(db, rc, _("reading a snapshot"), err);
	}
	*out = arr;
	return YJ_OK;
}

yj_status clean_kept_rows(yj_project *p, long long snapshot, long long source_id, int64_t **rows,
			  size_t *n, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	*rows = NULL;
	*n = 0;
	int rc = sqlite3_prepare_v2(db, "SELECT kept FROM snapshot_sources WHERE snapshot_id = ? AND source_id = ?",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, snapshot);
		sqlite3_bind_int64(st, 2, source_id);
		rc = sqlite3_step(st);
	}
	if (rc == SQLITE_ROW) {
		const unsigned char *b = sqlite3_column_blob(st, 0);
		size_t bytes = (size_t)sqlite3_column_bytes(st, 0), m = bytes / 8;
		int64_t *v = malloc((m ? m : 1) * sizeof *v);
		if (!v) {
			sqlite3_finalize(st);
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		for (size_t i = 0; i < m; i++) {
			uint64_t x = 0;
			for (int j = 7; j >= 0; j--)
				x = (x << 8) | b[i * 8 + (size_t)j];
			v[i] = (int64_t)x;
		}
		sqlite3_finalize(st);
		*rows = v;
		*n = m;
		return YJ_OK;
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE)
		return store_sqlite_error(db, rc, _("reading a snapshot"), err);
	error_set(err, YJ_ENOTFOUND, _("snapshot %lld does not cover this source (imported again since?)"),
		  snapshot);
	error_hint(err, _("run 'yujing clean PROJECT' again"));
	return YJ_ENOTFOUND;
}
