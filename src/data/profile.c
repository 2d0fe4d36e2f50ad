/*
 * profile.c - per-source and per-field quality statistics (see profile.h
 * and stats.h for the definitions).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/jtext.h"
#include "yujing/data/profile.h"
#include "yujing/data/stats.h"
#include "yujing/store/profiles.h"

/* A number, or null when it is NaN (statistics that do not apply). */
static json_t *num_or_null(double v)
{
	return isnan(v) ? json_null() : json_real(v);
}

static json_t *rate(int64_t k, size_t m)
{
	return m ? json_real((double)k / (double)m) : json_null();
}

/* The JSON of field c, or NULL when out of memory.  Every value is made
 * and set checked (json_object_set_new fails on a NULL value), so that a
 * failed allocation is an error, never a result with a value missing. */
static json_t *field_profile(const yj_table *t, size_t c, double sigma)
{
	const yj_column *col = &t->cols[c];
	const int64_t *cnt = col->count;
	size_t m = t->nrows;
	int64_t nulls = 0, nonnull = 0, distinct = 0;
	for (size_t e = 0; e < col->ndict; e++) {
		if (col->is_null[e])
			nulls += cnt[e];
		else if (cnt[e]) {
			nonnull += cnt[e];
			distinct++;
		}
	}
	json_t *f = json_object();
	int bad = !f;
	bad |= json_object_set_new(f, "name", json_string(col->name));
	bad |= json_object_set_new(f, "type", json_string(ftype_name(col->type)));
	bad |= json_object_set_new(f, "role", json_string(role_name(col->role)));
	bad |= json_object_set_new(f, "nulls", json_integer(nulls));
	bad |= json_object_set_new(f, "null_rate", rate(nulls, m));
	bad |= json_object_set_new(f, "duplicates", json_integer(nonnull - distinct));
	bad |= json_object_set_new(f, "duplicate_rate", rate(nonnull - distinct, m));

	int numeric = ftype_is_numeric(col->type);
	yj_moments mo;
	stats_moments(col, cnt, &mo);
	if (numeric && col->role != ROLE_KEY) { /* a key is no measurement: no outliers */
		int64_t out = 0;
		for (size_t e = 1; e < col->ndict; e++)
			if (cnt[e] && stats_is_outlier(col, e, &mo, sigma))
				out += cnt[e];
		bad |= json_object_set_new(f, "outliers", json_integer(out));
		bad |= json_object_set_new(f, "outlier_rate", rate(out, m));
	} else {
		bad |= json_object_set_new(f, "outliers", json_null());
		bad |= json_object_set_new(f, "outlier_rate", json_null());
	}
	bad |= json_object_set_new(f, "distinct", json_integer(distinct));
	if (numeric) {
		bad |= json_object_set_new(f, "min", num_or_null(mo.min));
		bad |= json_object_set_new(f, "max", num_or_null(mo.max));
		bad |= json_object_set_new(f, "mean", num_or_null(mo.mean));
		bad |= json_object_set_new(f, "std", num_or_null(mo.std));
		size_t n;
		size_t *s = stats_sorted_entries(col, cnt, &n);
		/* no sorted entries for a column with values: out of memory */
		bad |= !s && mo.n;
		bad |= json_object_set_new(f, "median", num_or_null(s ? stats_quantile(col, cnt, s, n, 0.5, 0) : NAN));
		free(s);
	} else if (col->type == FTYPE_DATETIME && mo.n) {
		bad |= json_object_set_new(f, "min", json_string(col->value[mo.min_entry]));
		bad |= json_object_set_new(f, "max", json_string(col->value[mo.max_entry]));
		bad |= json_object_set_new(f, "mean", json_null());
		bad |= json_object_set_new(f, "std", json_null());
		bad |= json_object_set_new(f, "median", json_null());
	} else {
		bad |= json_object_set_new(f, "min", json_null());
		bad |= json_object_set_new(f, "max", json_null());
		bad |= json_object_set_new(f, "mean", json_null());
		bad |= json_object_set_new(f, "std", json_null());
		bad |= json_object_set_new(f, "median", json_null());
	}
	size_t top[5];
	size_t nt = stats_top(col, cnt, 5, top);
	json_t *tv = json_array();
	bad |= !tv;
	for (size_t i = 0; i < nt; i++)
		bad |= json_array_append_new(tv, json_pack("[s, I]", col->value[top[i]], (json_int_t)cnt[top[i]]));
	bad |= json_object_set_new(f, "top", tv);
	if (col->type == FTYPE_TEXT && nonnull) {
		size_t n;
		size_t *s = stats_sorted_by_chars(col, cnt, &n);
		bad |= !s;
		if (s && n) {
			double p95 = stats_quantile(col, cnt, s, n, 0.95, 1);
			double suggested = ceil(p95);
			if (suggested > 512)
				suggested = 512;
			bad |= json_object_set_new(f, "length",
						   json_pack("{s:I, s:f, s:f, s:I, s:I}", "min",
							     (json_int_t)col->chars[s[0]], "median",
							     stats_quantile(col, cnt, s, n, 0.5, 1), "p95", p95, "max",
							     (json_int_t)col->chars[s[n - 1]], "suggested_max_len",
							     (json_int_t)suggested));
		} else {
			bad |= json_object_set_new(f, "length", json_null());
		}
		free(s);
	} else {
		bad |= json_object_set_new(f, "length", json_null());
	}
	if (bad) {
		json_decref(f);
		return NULL;
	}
	return f;
}

/* The profile of table t, or NULL when out of memory. */
json_t *profile_table(const yj_table *t, const yj_profile_opts *o)
{
	json_t *src = NULL;
	unsigned char *ignore = calloc(t->ncols ? t->ncols : 1, 1);
	unsigned char *dup = malloc(t->nrows ? t->nrows : 1);
	if (!ignore || !dup)
		goto out;
	for (size_t i = 0; i < o->nignore; i++) {
		long c = table_col(t, o->dedup_ignore[i]);
		if (c >= 0)
			ignore[c] = 1;
	}
	long long r = stats_duplicate_rows(t, NULL, ignore, dup);
	if (r < 0)
		goto out;
	/* Keys on several rows among the rows that are not duplicates. */
	long long repeated = 0;
	if (t->key_col >= 0) {
		const yj_column *kc = &t->cols[t->key_col];
		int64_t *seen = calloc(kc->ndict ? kc->ndict : 1, sizeof *seen);
		if (!seen)
			goto out;
		for (size_t i = 0; i < t->nrows; i++)
			if (!dup[i] && ++seen[kc->code[i]] == 2)
				repeated++;
		free(seen);
	}
	src = json_object();
	int bad = !src;
	bad |= json_object_set_new(src, "name", json_string(t->info.name));
	bad |= json_object_set_new(src, "rows", json_integer((json_int_t)t->nrows));
	bad |= json_object_set_new(src, "duplicate_rows", json_integer(r));
	bad |= json_object_set_new(src, "duplicate_row_rate", rate(r, t->nrows));
	bad |= json_object_set_new(src, "key", json_string(t->info.key_field));
	bad |= json_object_set_new(src, "label",
				   t->info.label_field ? json_string(t->info.label_field) : json_null());
	bad |= json_object_set_new(src, "repeated_keys", json_integer(repeated));
	bad |= json_object_set_new(src, "sigma", json_real(o->sigma));
	json_t *fields = json_array();
	bad |= !fields;
	for (size_t c = 0; c < t->ncols; c++)
		bad |= json_array_append_new(fields, field_profile(t, c, o->sigma));
	bad |= json_object_set_new(src, "fields", fields);
	if (bad) {
		json_decref(src);
		src = NULL;
	}
out:
	free(ignore);
	free(dup);
	return src;
}

/* The settings a profile depends on, as canonical JSON text. */
static char *settings_text(yj_project *p, const yj_table *t, const yj_profile_opts *o,
			   yj_error *err)
{
	char *markers = NULL;
	if (project_setting_get(p, "null_markers", &markers, err))
		return NULL;
	json_t *ign = json_array();
	int bad = !ign;
	for (size_t i = 0; i < o->nignore; i++)
		if (table_col(t, o->dedup_ignore[i]) >= 0)
			bad |= json_array_append_new(ign, json_string(o->dedup_ignore[i]));
	if (bad) {
		free(markers);
		json_decref(ign);
		return NULL;
	}
	json_t *s = json_pack("{s:f, s:o, s:s, s:s}", "sigma", o->sigma, "dedup_ignore", ign,
			      "null_markers", markers ? markers : PROJECT_DEFAULT_NULL_MARKERS,
			      "imported_at", t->info.imported_at);
	free(markers);
	char *text = jtext_dump(s, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(17));
	json_decref(s);
	return text;
}

static json_t *stored_profile(yj_project *p, long long source_id, const char *settings)
{
	char *s = NULL, *r = NULL;
	yj_error ignored;
	json_t *res = NULL;
	/* an unreadable stored profile is computed again */
	if (profiles_get(p, source_id, &s, &r, &ignored) == YJ_OK && s && r && !strcmp(s, settings))
		res = json_loads(r, 0, NULL);
	free(s);
	free(r);
	return res;
}

static yj_status store_profile(yj_project *p, long long source_id, const char *settings,
			       const json_t *result, yj_error *err)
{
	char *text = jtext_dump(result, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	if (!text)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = profiles_put(p, source_id, settings, text, err);
	free(text);
	return st;
}

yj_status profile_run(yj_project *p, const char *source, const yj_profile_opts *o, json_t **out,
		      yj_error *err)
{
	yj_source_info *v = NULL;
	size_t n = 0;
	yj_nullset ns = {0};
	json_t *arr = json_array();
	yj_status st = YJ_OK;
	*out = NULL;
	if (!(o->sigma > 0)) {
		st = error_set(err, YJ_EUSAGE, _("sigma must be a positive number"));
		goto out;
	}
	if ((st = sources_list(p, &v, &n, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	if (source && !sources_exists(p, source)) {
		st = error_set(err, YJ_ENOTFOUND, _("no source named '%s'"), source);
		error_hint(err, _("'yujing sources PROJECT' lists the sources"));
		goto out;
	}
	for (size_t i = 0; i < o->nignore; i++) {
		int found = 0;
		for (size_t k = 0; k < n && !found; k++)
			found = sources_field_index(&v[k], o->dedup_ignore[i]) >= 0;
		if (!found) {
			st = error_set(err, YJ_EUSAGE, _("--dedup-ignore names a field no source has"));
			error_at(err, NULL, -1, -1, o->dedup_ignore[i]);
			goto out;
		}
	}
	for (size_t k = 0; k < n; k++) {
		if (source && strcmp(source, v[k].name))
			continue;
		yj_table t;
		if ((st = table_load(p, v[k].name, &ns, o->progress, &t, err)))
			goto out;
		char *settings = settings_text(p, &t, o, err);
		if (!settings) {
			table_free(&t);
			st = err->status ? err->status : error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		json_t *res = o->recompute ? NULL : stored_profile(p, t.info.id, settings);
		if (!res) {
			res = profile_table(&t, o);
			if (!res)
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
			else
				st = store_profile(p, t.info.id, settings, res, err);
		}
		free(settings);
		table_free(&t);
		if (!st && json_array_append_new(arr, res))
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
		else if (st)
			json_decref(res);
		if (st)
			goto out;
	}
	if (!arr || !(*out = json_pack("{s:O}", "sources", arr)))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	json_decref(arr);
	nullset_free(&ns);
	sources_list_free(v, n);
	return st;
}
