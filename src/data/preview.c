/*
 * preview.c - clean in memory, again and again, over tables loaded once
 * (see preview.h).  The order of the sources, the case set that restricts
 * the other sources and the report are those of clean_run().
 */
#include <config.h>

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

yj_status preview_run(const yj_preview *pv, const yj_clean_opts *o, json_t **report, yj_error *err)
{
	yj_status st;
	*report = NULL;
	if ((st = clean_check(pv->tables, pv->n, o, err)))
		return st;
	json_t *arr = json_array();
	case_set cs = {0};
	yj_clean_result res;
	for (size_t j = 0; j < pv->n; j++) {
		const yj_table *t = &pv->tables[j];
		if (clean_table(t, o, j == 0, j > 0 && cs.keys ? is_case : NULL, &cs, &res)) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		if (j == 0 && t->key_col >= 0) {
			const yj_column *kc = &t->cols[t->key_col];
			cs.keys = malloc((t->nrows ? t->nrows : 1) * sizeof *cs.keys);
			if (!cs.keys) {
				clean_result_free(&res);
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				goto out;
			}
			for (size_t i = 0; i < t->nrows; i++)
				if (res.keep[i] && kc->value[kc->code[i]])
					cs.keys[cs.n++] = kc->value[kc->code[i]];
			qsort(cs.keys, cs.n, sizeof *cs.keys, cmp_str);
		}
		json_array_append_new(arr, clean_report(&res));
		clean_result_free(&res);
	}
	*report = json_pack("{s:O}", "sources", arr);
	if (!*report)
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	free(cs.keys);
	json_decref(arr);
	return st;
}
