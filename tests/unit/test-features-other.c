/*
 * test-features-other.c - the categorical shares of a source with several
 * rows per case (features.h: "for each categorical field the frequency of
 * each top-K value and of 'other'"), read from features_build()'s vectors.
 *
 * The data, written here and worked by hand:
 *   cases.csv    20 cases, 10 theft (T01..T10) and 10 fraud (F01..F10),
 *                the label and a number
 *   persons.csv  per theft case 3 rows: victim, victim, suspect;
 *                per fraud case 4 rows: victim, witness, suspect, bystander
 *                (an age that differs per row, so no row is a duplicate);
 *                T10 and F10 have no row at all
 * Split: test 0.2, no validation: 2 test cases per class, 8 train.  With
 * top-K 1 the training rows count victim 2 x (7 or 8) + 1 x (7 or 8),
 * more than suspect (1 + 1 per case) or the others: "victim" is the one
 * value.  So, per case (cat features are not standardised):
 *   theft with rows   victim 2/3, other 1/3
 *   fraud with rows   victim 1/4, other 3/4
 *   no row            victim 0,   other 0
 * whichever cases the split drew.  The count feature is log1p(rows),
 * standardised; not checked here.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tmpdir.h"
#include "yujing/data/clean.h"
#include "yujing/data/features.h"
#include "yujing/data/import.h"
#include "yujing/data/split.h"

static void write_data(void)
{
	FILE *c = fopen(path_in("cases.csv"), "w"), *q = fopen(path_in("persons.csv"), "w");
	if (!c || !q) {
		perror(tmpdir);
		exit(99);
	}
	fputs("case_id,category,x\n", c);
	fputs("case_id,age,role\n", q);
	int age = 20;
	for (int i = 1; i <= 10; i++) {
		fprintf(c, "T%02d,theft,%d\nF%02d,fraud,%d\n", i, i, i, 10 + i);
		if (i == 10)
			continue;
		fprintf(q, "T%02d,%d,victim\nT%02d,%d,victim\nT%02d,%d,suspect\n", i, age, i, age + 1, i, age + 2);
		fprintf(q, "F%02d,%d,victim\nF%02d,%d,witness\nF%02d,%d,suspect\nF%02d,%d,bystander\n", i, age, i,
			age + 1, i, age + 2, i, age + 3);
		age = age == 40 ? 20 : age + 1;
	}
	if (fclose(c) || fclose(q)) {
		perror(tmpdir);
		exit(99);
	}
}

int main(void)
{
	tmpdir_make("test-features-other");
	write_data();

	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	yj_import_opts oc = {.source = "cases", .key = "case_id", .label = "category"};
	yj_import_opts op = {.source = "persons", .key = "case_id"};
	yj_clean_opts co;
	clean_opts_default(&co);
	yj_split_opts so = {.test = 0.2, .valid = 0, .seed = 7};
	json_t *rep = NULL, *srep = NULL;
	if (project_create(path_in("p.yj"), &p, &err) || import_file(p, path_in("cases.csv"), &oc, NULL, &err) ||
	    import_file(p, path_in("persons.csv"), &op, NULL, &err) || clean_run(p, &co, 0, &rep, &err) ||
	    split_run(p, &so, &srep, &err)) {
		printf("Bail out! cannot make the project: %s\n", err.msg);
		return 99;
	}
	json_decref(rep);
	is_int(json_integer_value(json_object_get(srep, "train")), 16, "the split: 16 training cases");
	is_int(json_integer_value(json_object_get(srep, "test")), 4, "the split: 4 test cases");
	json_decref(srep);

	yj_cases cs;
	yj_source_features *f = NULL;
	size_t nf = 0;
	yj_features_opts fo = {.top_k = 1};
	if (cases_load(p, &cs, &err) || features_build(p, &cs, &fo, &f, &nf, &err)) {
		printf("Bail out! cannot build the features: %s\n", err.msg);
		return 99;
	}
	is_int(cs.n, 20, "20 cases");
	const yj_source_features *pf = NULL;
	for (size_t s = 0; s < nf; s++)
		if (!strcmp(f[s].name, "persons"))
			pf = &f[s];
	ok(pf != NULL, "the persons source has features");
	long victim = -1, other = -1;
	size_t j;
	json_t *x;
	json_array_foreach(pf ? json_object_get(pf->layout, "features") : NULL, j, x)
	{
		const char *kind = json_string_value(json_object_get(x, "kind"));
		const char *field = json_string_value(json_object_get(x, "field"));
		const char *value = json_string_value(json_object_get(x, "value"));
		if (!kind || !field || strcmp(field, "role"))
			continue;
		if (!strcmp(kind, "cat")) {
			ok(value && !strcmp(value, "victim"), "top-1 value of role: victim (got %s)", value ? value : "?");
			victim = (long)j;
		} else if (!strcmp(kind, "cat_other")) {
			other = (long)j;
		}
	}
	ok(victim >= 0 && other == victim + 1, "role: one cat feature, then its other share");
	for (size_t i = 0; pf && victim >= 0 && other >= 0 && i < cs.n; i++) {
		const char *k = cs.key[i];
		int none = !strcmp(k + 1, "10"), theft = k[0] == 'T';
		double want_v = none ? 0 : theft ? 2.0 / 3 : 1.0 / 4;
		double want_o = none ? 0 : theft ? 1.0 / 3 : 3.0 / 4;
		const float *row = pf->x + i * pf->dim;
		is_near(row[victim], want_v, 1e-6, "case %s: share of victim", k);
		is_near(row[other], want_o, 1e-6, "case %s: share of other values", k);
	}
	features_free(f, nf);
	cases_free(&cs);
	project_close(p);
	return tap_done();
}
