/*
 * preview.c - load a project's sources once (label source first) and clean
 * them in memory as often as wanted (see preview.h); clean_run() is the
 * same load and clean_tables() plus storing the snapshot.  The preview's
 * report adds, per field, a few of the values the cleaning changes and
 * what they become (clean_cell(), the same function the snapshot's cells
 * come from).
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/preview.h"

struct yj_preview {
	yj_table *tables; /* (n) label source first, then the others by name */
	size_t n;
};

void preview_free(yj_preview *pv)
{
	if (!pv)
		return;
	for (size_t i = 0; i < pv->n; i++)
		table_free(&pv->tables[i]);
	free(pv->tables);
	free(pv);
}

yj_status preview_open(yj_project *p, yj_progress *progress, yj_preview **out, yj_error *err)
{
	yj_source_info *v = NULL;
	size_t n = 0;
	yj_nullset ns = {0};
	yj_preview *pv = NULL;
	yj_status st;
	*out = NULL;
	if ((st = sources_list(p, &v, &n, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	long label_src = -1;
	for (size_t k = 0; k < n; k++)
		if (v[k].label_field) {
			if (label_src >= 0) {
				st = error_set(err, YJ_EUSAGE, _("sources '%s' and '%s' both have a label field"),
					       v[label_src].name, v[k].name);
				error_hint(err, _("one source holds the crime category; re-import the other without --label"));
				goto out;
			}
			label_src = (long)k;
		}
	if (label_src < 0) {
		st = error_set(err, YJ_EUSAGE, n ? _("no source has a label field") : _("the project has no sources"));
		error_hint(err, _("import the source holding the crime category with --label FIELD"));
		goto out;
	}
	pv = calloc(1, sizeof *pv);
	if (pv)
		pv->tables = calloc(n, sizeof *pv->tables);
	if (!pv || !pv->tables) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t j = 0; j < n; j++) {
		size_t k = j == 0 ? (size_t)label_src : (j <= (size_t)label_src ? j - 1 : j);
		if ((st = table_load(p, v[k].name, &ns, progress, &pv->tables[j], err)))
			goto out;
		pv->n++;
	}
	*out = pv;
	pv = NULL;
out:
	preview_free(pv);
	nullset_free(&ns);
	sources_list_free(v, n);
	return st;
}

size_t preview_ntables(const yj_preview *pv)
{
	return pv->n;
}

const yj_table *preview_table(const yj_preview *pv, size_t i)
{
	return i < pv->n ? &pv->tables[i] : NULL;
}

/* {"FIELD": [{"line", "before" (null: SQL NULL), "after", "kind"}, ...]}:
 * per attribute field, the first PREVIEW_SAMPLES distinct values (in row
 * order) that the cleaning changes in a kept row. */
static json_t *changes_json(const yj_clean_result *r, const yj_clean_opts *o)
{
	static const char *const kinds[] = {NULL, "filled", "replaced", "clipped"};
	const yj_table *t = r->t;
	json_t *out = json_object();
	for (size_t c = 0; out && c < t->ncols; c++) {
		const yj_column *col = &t->cols[c];
		if (col->role == ROLE_KEY || col->role == ROLE_LABEL)
			continue;
		json_t *arr = json_array();
		uint32_t seen[PREVIEW_SAMPLES];
		size_t n = 0;
		for (size_t row = 0; arr && row < t->nrows && n < PREVIEW_SAMPLES; row++) {
			if (!r->keep[row])
				continue;
			char buf[64];
			const char *text;
			int kind = clean_cell(r, o, row, c, &text, buf, sizeof buf);
			uint32_t e = col->code[row];
			size_t k;
			for (k = 0; k < n && seen[k] != e; k++)
				;
			if (!kind || kind > 3 || k < n)
				continue;
			seen[n++] = e;
			json_array_append_new(arr, json_pack("{s:I, s:s?, s:s, s:s}", "line", (json_int_t)t->line[row],
							     "before", col->value[e], "after", text, "kind",
							     kinds[kind]));
		}
		if (json_array_size(arr))
			json_object_set_new(out, col->name, arr);
		else
			json_decref(arr);
	}
	return out;
}

yj_status preview_run(const yj_preview *pv, const yj_clean_opts *o, json_t **report, yj_error *err)
{
	yj_clean_result *res = calloc(pv->n ? pv->n : 1, sizeof *res);
	if (!res)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = clean_tables(pv->tables, pv->n, o, res, report, err);
	size_t i;
	json_t *src;
	json_array_foreach(st ? NULL : json_object_get(*report, "sources"), i, src)
	{
		const char *name = json_string_value(json_object_get(src, "name"));
		for (size_t j = 0; name && j < pv->n; j++)
			if (!strcmp(pv->tables[j].info.name, name))
				json_object_set_new(src, "changes", changes_json(&res[j], o));
	}
	for (size_t j = 0; j < pv->n; j++)
		clean_result_free(&res[j]);
	free(res);
	return st;
}
