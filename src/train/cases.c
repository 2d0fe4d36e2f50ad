/*
 * cases.c - a run's test and unlabeled cases with their predictions, one
 * case's rows, and the stored predictions (see cases.h).  Used by the
 * workbench's Cases and Warnings views, off the UI thread.
 */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"
#include "yujing/data/table.h"
#include "yujing/nn/ops.h"
#include "yujing/train/cases.h"
#include "yujing/train/predict.h"

#define CASES_BATCH 256

yj_status cases_predict(yj_project *p, long long run, json_t **out, yj_error *err)
{
	yj_run_model rm;
	yj_status st = run_model_load(p, run, &rm, err);
	if (st)
		return st;
	int K = (int)json_array_size(rm.labels);
	size_t *idx = malloc((rm.cases.n ? rm.cases.n : 1) * sizeof *idx), n = 0;
	json_t *arr = json_array();
	if (!idx || !arr || K < 1) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < rm.cases.n; i++)
		if (rm.cases.part[i] == CASE_TEST || rm.cases.part[i] == CASE_UNLABELED)
			idx[n++] = i;
	for (size_t i = 0; i < n; i += CASES_BATCH) {
		int B = (int)(n - i < CASES_BATCH ? n - i : CASES_BATCH);
		run_model_forward(&rm, idx + i, B);
		for (int b = 0; b < B; b++) {
			size_t c = idx[i + (size_t)b];
			const float *pr = rm.m.fu.probs + (size_t)b * (size_t)K;
			int best = vec_argmax(pr, K);
			/* The case's texts, for searching by text. */
			size_t len = 1;
			for (size_t t = 0; t < rm.ntx; t++)
				len += strlen(rm.tx[t].text[c]) + 3;
			char *text = malloc(len), *w = text;
			if (!text) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				goto out;
			}
			*w = 0;
			for (size_t t = 0; t < rm.ntx; t++) {
				if (!*rm.tx[t].text[c])
					continue;
				if (w != text)
					w = stpcpy(w, " | ");
				w = stpcpy(w, rm.tx[t].text[c]);
			}
			int32_t lab = rm.cases.label[c];
			json_t *label = lab >= 0 && (size_t)lab < rm.cases.nclasses
						? json_string(rm.cases.classes[lab])
						: json_null();
			json_array_append_new(
				arr, json_pack("{s:s, s:s, s:o, s:O, s:f, s:s}", "key", rm.cases.key[c], "part",
					       rm.cases.part[c] == CASE_TEST ? "test" : "unlabeled", "label", label,
					       "predicted", json_array_get(rm.labels, (size_t)best), "p", (double)pr[best],
					       "text", text));
			free(text);
		}
	}
	*out = json_pack("{s:I, s:O, s:O}", "run", (json_int_t)rm.run, "classes", rm.labels, "cases", arr);
out:
	json_decref(arr);
	free(idx);
	run_model_free(&rm);
	return st;
}

yj_status cases_rows(yj_project *p, long long run, const char *key, json_t **out, yj_error *err)
{
	yj_source_info *src = NULL;
	size_t nsrc = 0;
	yj_nullset ns;
	int have_ns = 0;
	json_t *arr = json_array();
	long long snap = 0;
	yj_status st = sources_list(p, &src, &nsrc, err);
	if (st)
		goto out;
	if ((st = clean_run_snapshot(p, run, &snap, err)))
		goto out;
	if ((st = table_nullset(p, &ns, err)))
		goto out;
	have_ns = 1;
	for (size_t s = 0; s < nsrc; s++) {
		yj_table t;
		if ((st = table_load(p, src[s].name, &ns, NULL, &t, err)))
			goto out;
		int64_t *kept = NULL;
		size_t nkept = 0;
		yj_error e2;
		yj_status ks = clean_kept_rows(p, snap, t.info.id, &kept, &nkept, &e2);
		if (ks && ks != YJ_ENOTFOUND) {
			*err = e2;
			st = ks;
			table_free(&t);
			goto out;
		}
		json_t *fields = json_array(), *rows = json_array(), *cleaned = json_array(), *changes = json_array(),
		       *kept_arr = json_array();
		for (size_t c = 0; c < t.ncols; c++)
			json_array_append_new(fields, json_string(t.cols[c].name));
		for (size_t r = 0; t.key_col >= 0 && r < t.nrows && !st; r++) {
			if (strcmp(table_text(&t, (size_t)t.key_col, r), key))
				continue;
			json_t *row = json_array(), *crow = json_array(), *kind = json_array(), *ch = NULL;
			for (size_t c = 0; c < t.ncols; c++) {
				const char *v = t.cols[c].value[t.cols[c].code[r]];
				json_array_append_new(row, v ? json_string(v) : json_null());
				json_array_append_new(crow, v ? json_string(v) : json_null());
				json_array_append_new(kind, json_null());
			}
			/* kept: the ids are ascending */
			size_t lo = 0, hi = nkept;
			while (lo < hi) {
				size_t mid = (lo + hi) / 2;
				if (kept[mid] < t.row[r])
					lo = mid + 1;
				else
					hi = mid;
			}
			int is_kept = lo < nkept && kept[lo] == t.row[r];
			if (is_kept && !(st = clean_row_changes(p, snap, t.info.id, t.row[r], &ch, err))) {
				size_t i;
				json_t *c;
				json_array_foreach(ch, i, c)
				{
					size_t pos = (size_t)json_integer_value(json_object_get(c, "pos"));
					json_array_set(crow, pos, json_object_get(c, "value"));
					json_array_set(kind, pos, json_object_get(c, "kind"));
				}
				json_decref(ch);
			}
			json_array_append_new(rows, row);
			json_array_append_new(cleaned, crow);
			json_array_append_new(changes, kind);
			json_array_append_new(kept_arr, json_boolean(is_kept));
		}
		free(kept);
		json_array_append_new(arr, json_pack("{s:s, s:o, s:o, s:o, s:o, s:o}", "source", src[s].name, "fields",
						     fields, "rows", rows, "cleaned", cleaned, "changes", changes,
						     "kept", kept_arr));
		table_free(&t);
		if (st)
			goto out;
	}
	*out = json_pack("{s:s, s:I, s:O}", "key", key, "snapshot", (json_int_t)snap, "sources", arr);
out:
	if (have_ns)
		nullset_free(&ns);
	json_decref(arr);
	sources_list_free(src, nsrc);
	return st;
}

yj_status cases_predictions(yj_project *p, json_t **out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT key, run_id, source, predicted, probabilities, created_at FROM predictions"
				    " WHERE id IN (SELECT max(id) FROM predictions GROUP BY key)"
				    " ORDER BY run_id DESC, id",
				    -1, &q, NULL);
	json_t *arr = json_array();
	if (rc == SQLITE_OK)
		rc = sqlite3_step(q);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(q)) {
		json_t *probs = json_loads((const char *)sqlite3_column_text(q, 4), 0, NULL);
		json_array_append_new(
			arr, json_pack("{s:s, s:I, s:s, s:s, s:o, s:s}", "key", (const char *)sqlite3_column_text(q, 0),
				       "run", (json_int_t)sqlite3_column_int64(q, 1), "source",
				       (const char *)sqlite3_column_text(q, 2), "predicted",
				       (const char *)sqlite3_column_text(q, 3), "probabilities",
				       probs ? probs : json_object(), "created_at",
				       (const char *)sqlite3_column_text(q, 5)));
	}
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_sqlite_error(db, rc, _("reading the predictions"), err);
	}
	*out = json_pack("{s:o}", "predictions", arr);
	return YJ_OK;
}
