/*
 * split.c - stratified, seeded train/test split of the labeled cases,
 * with a validation part carved out of each class's training cases.
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/base/rng.h"
#include "yujing/data/clean.h"
#include "yujing/data/jtext.h"
#include "yujing/data/split.h"
#include "yujing/data/table.h"
#include "yujing/store/splits.h"

/* A copy of the raw label; out of memory sets *multi to -1. */
static char *label_dup(const char *raw, int *multi)
{
	char *d = strdup(raw);
	if (!d)
		*multi = -1;
	return d;
}

char *split_label(const char *raw, yj_label_pick pick, int *multi)
{
	*multi = 0;
	const char *s = raw;
	while (*s == ' ' || *s == '\t')
		s++;
	if (*s != '[')
		return label_dup(raw, multi);
	json_error_t je;
	json_t *a = json_loads(raw, JSON_DECODE_ANY, &je);
	if (!a && json_error_code(&je) == json_error_out_of_memory) {
		*multi = -1;
		return NULL;
	}
	if (!json_is_array(a)) {
		json_decref(a);
		return label_dup(raw, multi); /* a label that merely starts with '[' */
	}
	char *out = NULL;
	size_t n = json_array_size(a), distinct = 0;
	const char *first = NULL;
	char numbuf[64];
	for (size_t i = 0; i < n; i++) {
		json_t *x = json_array_get(a, i);
		const char *v = json_string_value(x);
		if (!v && json_is_integer(x)) {
			snprintf(numbuf, sizeof numbuf, "%" JSON_INTEGER_FORMAT, json_integer_value(x));
			v = numbuf;
		}
		if (!v)
			continue;
		if (!first) {
			first = v;
			out = strdup(v);
			if (!out) {
				json_decref(a);
				*multi = -1;
				return NULL;
			}
			distinct = 1;
		} else if (strcmp(out, v)) {
			distinct++;
		}
	}
	json_decref(a);
	if (distinct > 1 && pick == LABEL_PICK_DROP_MULTI) {
		*multi = 1;
		free(out);
		return NULL;
	}
	return out;
}

int split_assign(const char *label, size_t n, double test, double valid, uint64_t seed, unsigned char *part,
		 size_t *ntest, size_t *nvalid)
{
	size_t k = 0, v = 0;
	for (size_t i = 0; i < n; i++)
		part[i] = SPLIT_TRAIN;
	if (n >= 2) {
		k = (size_t)floor(test * (double)n + 0.5);
		k = k < 1 ? 1 : k > n - 1 ? n - 1 : k;
		size_t m = n - k;
		if (valid > 0) {
			v = (size_t)floor(valid * (double)m + 0.5 + 1e-9);
			v = v > m - 1 ? m - 1 : v;
		}
		/* Fisher-Yates over the class, its own stream */
		yj_rng rng;
		rng_seed(&rng, rng_hash(label, strlen(label), seed));
		size_t *perm = malloc(n * sizeof *perm);
		if (!perm)
			return -1;
		for (size_t i = 0; i < n; i++)
			perm[i] = i;
		for (size_t i = n - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&rng, i + 1), tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		for (size_t i = 0; i < k + v; i++)
			part[perm[i]] = i < k ? SPLIT_TEST : SPLIT_VALID;
		free(perm);
	}
	if (ntest)
		*ntest = k;
	if (nvalid)
		*nvalid = v;
	return 0;
}

typedef struct {
	char *key;
	char *label;
	size_t pos; /* row order, the tie-break that makes grouping stable */
} split_case;

typedef struct {
	const char *label;
	size_t first, n; /* range in the sorted case array */
	size_t test, valid;
} split_class;

static int cmp_case(const void *a, const void *b)
{
	const split_case *x = a, *y = b;
	int c = strcmp(x->label, y->label);
	if (c)
		return c;
	return x->pos < y->pos ? -1 : x->pos > y->pos;
}

static int cmp_class(const void *a, const void *b)
{
	const split_class *x = a, *y = b;
	if (x->n != y->n)
		return x->n > y->n ? -1 : 1;
	return strcmp(x->label, y->label);
}

static yj_status store_split(yj_project *p, long long snapshot, const yj_split_opts *o,
			     const split_case *cases, const unsigned char *part, size_t n,
			     json_t *report, long long *id_out, yj_error *err)
{
	json_t *settings = json_pack("{s:f, s:f, s:I, s:s}", "test", o->test, "valid", o->valid, "seed", (json_int_t)o->seed,
				     "label_pick", o->pick == LABEL_PICK_FIRST ? "first" : "drop-multi");
	char *s_settings = jtext_dump(settings, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *s_report = jtext_dump(report, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	yj_split_row *rows = malloc((n ? n : 1) * sizeof *rows);
	json_decref(settings);
	yj_status ret;
	if (!s_settings || !s_report || !rows) {
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < n; i++)
		rows[i] = (yj_split_row){.key = cases[i].key, .label = cases[i].label, .part = part[i]};
	ret = splits_store(p, snapshot, s_settings, s_report, rows, n, id_out, err);
out:
	free(rows);
	free(s_settings);
	free(s_report);
	return ret;
}

yj_status split_run(yj_project *p, const yj_split_opts *o, json_t **report, yj_error *err)
{
	yj_source_info *v = NULL;
	size_t nsrc = 0, ncases = 0, nclasses = 0, nkept = 0;
	yj_nullset ns = {0};
	yj_table t;
	int loaded = 0;
	int64_t *kept = NULL;
	split_case *cases = NULL;
	split_class *classes = NULL;
	unsigned char *part = NULL;
	long long unlabeled = 0, dropped_multi = 0, snapshot;
	yj_status st;
	*report = NULL;
	if (!(o->test > 0 && o->test < 1))
		return error_set(err, YJ_EUSAGE, _("the test fraction must be between 0 and 1"));
	if (!(o->valid >= 0 && o->valid < 1))
		return error_set(err, YJ_EUSAGE, _("the validation fraction must be at least 0 and below 1"));
	if ((st = sources_list(p, &v, &nsrc, err)) || (st = table_nullset(p, &ns, err)))
		goto out;
	long ls = -1;
	for (size_t k = 0; k < nsrc; k++)
		if (v[k].label_field)
			ls = (long)k;
	if (ls < 0) {
		st = error_set(err, YJ_EUSAGE, _("no source has a label field"));
		error_hint(err, _("import the source holding the crime category with --label FIELD"));
		goto out;
	}
	if ((st = clean_active_snapshot(p, &snapshot, err)) ||
	    (st = table_load(p, v[ls].name, &ns, NULL, &t, err)))
		goto out;
	loaded = 1;
	if ((st = clean_kept_rows(p, snapshot, t.info.id, &kept, &nkept, err)))
		goto out;
	cases = calloc(nkept ? nkept : 1, sizeof *cases);
	if (!cases)
		goto nomem;
	/* Kept row ids and table rows are both ascending: merge. */
	size_t r = 0;
	for (size_t i = 0; i < nkept; i++) {
		while (r < t.nrows && t.row[r] < kept[i])
			r++;
		if (r == t.nrows || t.row[r] != kept[i])
			continue;
		if (t.label_col < 0 || table_is_null(&t, (size_t)t.label_col, r)) {
			unlabeled++;
			continue;
		}
		int multi;
		char *label = split_label(table_text(&t, (size_t)t.label_col, r), o->pick, &multi);
		if (!label) {
			if (multi < 0)
				goto nomem;
			if (multi)
				dropped_multi++;
			else
				unlabeled++;
			continue;
		}
		cases[ncases].label = label;
		cases[ncases].pos = ncases;
		cases[ncases].key = strdup(table_text(&t, (size_t)t.key_col, r));
		if (!cases[ncases++].key)
			goto nomem;
	}
	/* Group by label, keeping row order within a class. */
	qsort(cases, ncases, sizeof *cases, cmp_case);
	classes = calloc(ncases ? ncases : 1, sizeof *classes);
	part = calloc(ncases ? ncases : 1, 1);
	if (!classes || !part)
		goto nomem;
	for (size_t a = 0; a < ncases;) {
		size_t b = a;
		while (b < ncases && !strcmp(cases[b].label, cases[a].label))
			b++;
		split_class *c = &classes[nclasses++];
		c->label = cases[a].label;
		c->first = a;
		c->n = b - a;
		if (split_assign(c->label, c->n, o->test, o->valid, o->seed, part + a, &c->test, &c->valid))
			goto nomem;
		a = b;
	}
	qsort(classes, nclasses, sizeof *classes, cmp_class);
	json_t *carr = json_array(), *single = json_array(), *novalid = json_array();
	int bad = !carr || !single || !novalid; /* a value not made (out of memory) fails its append */
	long long ntrain = 0, ntest = 0, nvalid = 0;
	for (size_t i = 0; i < nclasses; i++) {
		const split_class *c = &classes[i];
		size_t tr = c->n - c->test - c->valid;
		bad |= json_array_append_new(carr, json_pack("{s:s, s:I, s:I, s:I}", "label", c->label, "train",
							     (json_int_t)tr, "valid", (json_int_t)c->valid, "test",
							     (json_int_t)c->test));
		if (c->n == 1)
			bad |= json_array_append_new(single, json_string(c->label));
		if (o->valid > 0 && !c->valid)
			bad |= json_array_append_new(novalid, json_string(c->label));
		ntrain += (long long)tr;
		nvalid += (long long)c->valid;
		ntest += (long long)c->test;
	}
	*report = json_pack("{s:I, s:I, s:I, s:I, s:f, s:o, s:o, s:o, s:I, s:I}", "snapshot", (json_int_t)snapshot,
			    "train", (json_int_t)ntrain, "valid", (json_int_t)nvalid, "test", (json_int_t)ntest,
			    "valid_fraction", o->valid, "classes", carr, "singletons", single, "no_valid", novalid,
			    "unlabeled", (json_int_t)unlabeled, "dropped_multi", (json_int_t)dropped_multi);
	if (bad) {
		json_decref(*report);
		*report = NULL;
		goto nomem;
	}
	long long id = 0;
	if ((st = store_split(p, snapshot, o, cases, part, ncases, *report, &id, err))) {
		json_decref(*report);
		*report = NULL;
		goto out;
	}
	if (json_object_set_new(*report, "split", json_integer(id))) {
		json_decref(*report);
		*report = NULL;
		goto nomem;
	}
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	for (size_t i = 0; i < ncases; i++) {
		free(cases[i].key);
		free(cases[i].label);
	}
	free(cases);
	free(classes);
	free(part);
	free(kept);
	if (loaded)
		table_free(&t);
	nullset_free(&ns);
	sources_list_free(v, nsrc);
	return st;
}
