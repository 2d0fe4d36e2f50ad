/*
 * cases.c - a run's test and unlabeled cases with their predictions, one
 * case's rows, and the stored predictions (see cases.h).  Used by the
 * workbench's Cases and Warnings views, off the UI thread.
 */
#include <config.h>

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"
#include "yujing/nn/ops.h"
#include "yujing/store/caselist.h"
#include "yujing/train/cases.h"

#define CASES_BATCH 256

static yj_status oom(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

/* A copy of s, NULL for NULL; *bad is set when the copy fails. */
static char *dup_or_null(const char *s, int *bad)
{
	if (!s)
		return NULL;
	char *d = strdup(s);
	if (!d)
		*bad = 1;
	return d;
}

/* ------------------------------------------------------------ the list */

void case_entry_free(yj_case_entry *e)
{
	free(e->key);
	free(e->label);
	free(e->predicted);
	free(e->text);
	memset(e, 0, sizeof *e);
}

int case_entry_copy(yj_case_entry *dst, const yj_case_entry *e)
{
	int bad = 0;
	*dst = *e;
	dst->key = dup_or_null(e->key, &bad);
	dst->label = dup_or_null(e->label, &bad);
	dst->predicted = dup_or_null(e->predicted, &bad);
	dst->text = dup_or_null(e->text, &bad);
	if (bad)
		case_entry_free(dst);
	return bad ? -1 : 0;
}

void cases_list_free(yj_case_list *l)
{
	for (size_t i = 0; l->cases && i < l->n; i++)
		case_entry_free(&l->cases[i]);
	free(l->cases);
	memset(l, 0, sizeof *l);
}

/* Case c's text fields joined by " | " (empty ones left out), malloc'd. */
static char *case_text(const yj_run_model *rm, size_t c)
{
	size_t len = 1;
	for (size_t t = 0; t < rm->ntx; t++)
		len += strlen(rm->tx[t].text[c]) + 3;
	char *text = malloc(len), *w = text;
	if (!text)
		return NULL;
	*w = 0;
	for (size_t t = 0; t < rm->ntx; t++) {
		if (!*rm->tx[t].text[c])
			continue;
		if (w != text)
			w = stpcpy(w, " | ");
		w = stpcpy(w, rm->tx[t].text[c]);
	}
	return text;
}

/* Fill e for case c from its row pr[0..K) of probabilities. */
static int fill_entry(const yj_run_model *rm, size_t c, const float *pr, int K, yj_case_entry *e)
{
	int best = vec_argmax(pr, K), bad = 0;
	int32_t lab = rm->cases.label[c];
	e->test = rm->cases.part[c] == CASE_TEST;
	e->p = pr[best];
	e->key = dup_or_null(rm->cases.key[c], &bad);
	e->label = lab >= 0 && (size_t)lab < rm->cases.nclasses ? dup_or_null(rm->cases.classes[lab], &bad) : NULL;
	e->predicted = dup_or_null(json_string_value(json_array_get(rm->labels, (size_t)best)), &bad);
	e->text = case_text(rm, c);
	return bad || !e->key || !e->predicted || !e->text ? -1 : 0;
}

yj_status cases_list(yj_run_model *rm, yj_case_list *out, yj_error *err)
{
	memset(out, 0, sizeof *out);
	int K = (int)json_array_size(rm->labels);
	size_t *idx = malloc((rm->cases.n ? rm->cases.n : 1) * sizeof *idx), n = 0;
	yj_status st = YJ_OK;
	if (!idx || K < 1) {
		st = oom(err);
		goto out;
	}
	for (size_t i = 0; i < rm->cases.n; i++)
		if (rm->cases.part[i] == CASE_TEST || rm->cases.part[i] == CASE_UNLABELED)
			idx[n++] = i;
	if (!(out->cases = calloc(n ? n : 1, sizeof *out->cases))) {
		st = oom(err);
		goto out;
	}
	out->run = rm->run;
	for (size_t i = 0; i < n; i += CASES_BATCH) {
		int B = (int)(n - i < CASES_BATCH ? n - i : CASES_BATCH);
		run_model_forward(rm, idx + i, B);
		for (int b = 0; b < B; b++) {
			int bad = fill_entry(rm, idx[i + (size_t)b], rm->m.fu.probs + (size_t)b * (size_t)K, K,
					     &out->cases[out->n]);
			out->n++;
			if (bad) {
				st = oom(err);
				goto out;
			}
		}
	}
out:
	free(idx);
	if (st)
		cases_list_free(out);
	return st;
}

/* ------------------------------------------------------- a case's rows */

static void free_strings(char **v, size_t n)
{
	for (size_t i = 0; v && i < n; i++)
		free(v[i]);
	free(v);
}

void cases_rows_free(yj_case_rows *r)
{
	for (size_t s = 0; r->sources && s < r->nsources; s++) {
		yj_case_source *src = &r->sources[s];
		for (size_t i = 0; src->rows && i < src->nrows; i++) {
			free_strings(src->rows[i].raw, src->nfields);
			free_strings(src->rows[i].cleaned, src->nfields);
			free_strings(src->rows[i].change, src->nfields);
		}
		free(src->rows);
		free_strings(src->fields, src->nfields);
		free(src->source);
	}
	free(r->sources);
	free(r->key);
	memset(r, 0, sizeof *r);
}

/* Is data-table row id `row` among kept[0..n) (ascending)? */
static int is_kept(const int64_t *kept, size_t n, int64_t row)
{
	size_t lo = 0, hi = n;
	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		if (kept[mid] < row)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo < n && kept[lo] == row;
}

/* The snapshot's changes to data-table row `row` of source src into
 * r->cleaned and r->change. */
static yj_status apply_changes(yj_project *p, long long snap, const yj_source_info *src, int64_t row,
			       yj_case_row *r, yj_error *err)
{
	json_t *ch = NULL, *c;
	size_t i;
	yj_status st = clean_row_changes(p, snap, src->id, row, &ch, err);
	if (st)
		return st;
	json_array_foreach(ch, i, c)
	{
		json_t *pos = json_object_get(c, "pos");
		const char *kind = json_string_value(json_object_get(c, "kind"));
		if (!json_is_integer(pos) || json_integer_value(pos) < 0 ||
		    (size_t)json_integer_value(pos) >= src->nfields || !kind) {
			st = error_set(err, YJ_EDATA, _("snapshot %lld: a change to row %lld of '%s' names no cell"), snap,
				       (long long)row, src->name);
			break;
		}
		size_t f = (size_t)json_integer_value(pos);
		int bad = 0;
		free(r->cleaned[f]);
		free(r->change[f]);
		r->cleaned[f] = dup_or_null(json_string_value(json_object_get(c, "value")), &bad);
		r->change[f] = dup_or_null(kind, &bad);
		if (bad) {
			st = oom(err);
			break;
		}
	}
	json_decref(ch);
	return st;
}

/* A stored row (its values move into r) as the snapshot left it. */
static yj_status load_row(yj_project *p, long long snap, const yj_source_info *src, yj_stored_row *sr,
			  const int64_t *kept, size_t nkept, yj_case_row *r, yj_error *err)
{
	int bad = 0;
	size_t nf = src->nfields;
	r->raw = sr->value;
	sr->value = NULL;
	r->cleaned = calloc(nf ? nf : 1, sizeof *r->cleaned);
	r->change = calloc(nf ? nf : 1, sizeof *r->change);
	if (!r->cleaned || !r->change)
		return oom(err);
	for (size_t c = 0; c < nf; c++)
		r->cleaned[c] = dup_or_null(r->raw[c], &bad);
	if (bad)
		return oom(err);
	r->kept = is_kept(kept, nkept, sr->row);
	return r->kept ? apply_changes(p, snap, src, sr->row, r, err) : YJ_OK;
}

/* The rows of case `key` in source src into *out (only those rows are
 * read: caselist_source_rows). */
static yj_status source_rows(yj_project *p, long long snap, const yj_source_info *src, const char *key,
			     yj_case_source *out, yj_error *err)
{
	int64_t *kept = NULL;
	yj_stored_row *rows = NULL;
	size_t nkept = 0, n = 0;
	yj_error e2;
	yj_status st = clean_kept_rows(p, snap, src->id, &kept, &nkept, &e2);
	if (st && st != YJ_ENOTFOUND) {
		*err = e2;
		return st;
	}
	if ((st = caselist_source_rows(p, src, key, &rows, &n, err)))
		goto out;
	int bad = 0;
	out->source = dup_or_null(src->name, &bad);
	out->fields = calloc(src->nfields ? src->nfields : 1, sizeof *out->fields);
	out->rows = calloc(n ? n : 1, sizeof *out->rows);
	if (bad || !out->fields || !out->rows) {
		st = oom(err);
		goto out;
	}
	out->nfields = src->nfields;
	for (size_t c = 0; c < src->nfields; c++)
		out->fields[c] = dup_or_null(src->fields[c].name, &bad);
	if (bad) {
		st = oom(err);
		goto out;
	}
	for (size_t i = 0; i < n && !st; i++)
		st = load_row(p, snap, src, &rows[i], kept, nkept, &out->rows[out->nrows++], err);
out:
	free(kept);
	caselist_rows_free(rows, n, src->nfields);
	return st;
}

yj_status cases_rows(yj_project *p, long long run, const char *key, yj_case_rows *out, yj_error *err)
{
	memset(out, 0, sizeof *out);
	yj_source_info *src = NULL;
	size_t nsrc = 0;
	yj_status st = sources_list(p, &src, &nsrc, err);
	if (st)
		goto out;
	if ((st = clean_run_snapshot(p, run, &out->snapshot, err)))
		goto out;
	out->key = strdup(key);
	out->sources = calloc(nsrc ? nsrc : 1, sizeof *out->sources);
	if (!out->key || !out->sources) {
		st = oom(err);
		goto out;
	}
	for (size_t s = 0; s < nsrc && !st; s++)
		st = source_rows(p, out->snapshot, &src[s], key, &out->sources[out->nsources++], err);
out:
	sources_list_free(src, nsrc);
	if (st)
		cases_rows_free(out);
	return st;
}

/* ------------------------------------------------ stored predictions */

void cases_predictions_free(yj_case_predictions *v)
{
	for (size_t i = 0; v->v && i < v->n; i++) {
		yj_case_prediction *c = &v->v[i];
		free(c->key);
		free(c->source);
		free(c->predicted);
		free(c->created_at);
		for (size_t k = 0; k < c->nprobs; k++)
			free(c->probs[k].category);
		free(c->probs);
	}
	free(v->v);
	memset(v, 0, sizeof *v);
}

/* The stored probabilities text into c->probs. */
static int parse_probs(const char *text, yj_case_prediction *c)
{
	json_t *o = json_loads(text, 0, NULL), *v;
	const char *k;
	int bad = 0;
	if (!json_is_object(o)) {
		json_decref(o);
		return 0;
	}
	c->probs = calloc(json_object_size(o) + 1, sizeof *c->probs);
	if (!c->probs)
		bad = 1;
	json_object_foreach(o, k, v)
	{
		if (bad)
			break;
		c->probs[c->nprobs].p = json_number_value(v);
		c->probs[c->nprobs++].category = dup_or_null(k, &bad);
	}
	json_decref(o);
	return bad ? -1 : 0;
}

yj_status cases_predictions(yj_project *p, yj_case_predictions *out, yj_error *err)
{
	memset(out, 0, sizeof *out);
	yj_stored_prediction *sp = NULL;
	size_t n = 0;
	yj_status st = caselist_predictions(p, &sp, &n, err);
	if (st)
		return st;
	if (!(out->v = calloc(n ? n : 1, sizeof *out->v))) {
		st = oom(err);
		goto out;
	}
	for (size_t i = 0; i < n; i++) {
		yj_case_prediction *c = &out->v[out->n++];
		/* the strings move over; the probabilities are parsed */
		c->key = sp[i].key;
		c->source = sp[i].source;
		c->predicted = sp[i].predicted;
		c->created_at = sp[i].created_at;
		sp[i].key = sp[i].source = sp[i].predicted = sp[i].created_at = NULL;
		c->run = sp[i].run;
		c->batch = sp[i].batch;
		if (parse_probs(sp[i].probabilities, c)) {
			st = oom(err);
			goto out;
		}
	}
out:
	caselist_predictions_free(sp, n);
	if (st)
		cases_predictions_free(out);
	return st;
}
