/*
 * cases-nomem.c - cases_list() (the Cases view's list) when an allocation
 * fails, driven by tests/cli/cases-nomem.sh: cases-nomem PROJECT RUN.
 *
 * The plain build never fails an allocation, so this program is linked
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup
 * (tests/local.mk) and wrapfail.h: its wrappers pass every call of yujing's own code
 * through, except the one they are told to fail.  For k = 1, 2, ... the
 * k-th allocation inside cases_list() fails, until there is no k-th.  Each
 * call must give YJ_ENOMEM or exactly the list of the unfaulted call.
 * Prints, one a line: "cases N" (the unfaulted list's length, with every
 * entry's key and predicted category), "allocations A", "enomem E", "same
 * S", "differ D", "other O"; the script checks them.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/store/project.h"
#include "yujing/train/cases.h"
#include "yujing/train/predict.h"
#include "wrapfail.h"

static int str_same(const char *a, const char *b)
{
	return (!a && !b) || (a && b && !strcmp(a, b));
}

static int same_list(const yj_case_list *a, const yj_case_list *b)
{
	if (a->n != b->n || a->run != b->run)
		return 0;
	for (size_t i = 0; i < a->n; i++) {
		const yj_case_entry *x = &a->cases[i], *y = &b->cases[i];
		if (!str_same(x->key, y->key) || x->test != y->test || !str_same(x->label, y->label) ||
		    !str_same(x->predicted, y->predicted) || x->p != y->p || !str_same(x->text, y->text))
			return 0;
	}
	return 1;
}

int main(int argc, char **argv)
{
	if (argc == 1) { /* make check runs every check program */
		printf("1..0 # SKIP run by tests/cli/cases-nomem.sh\n");
		return 0;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: cases-nomem PROJECT RUN\n");
		return 2;
	}
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	yj_run_model rm;
	memset(&rm, 0, sizeof rm);
	yj_case_list ref;
	memset(&ref, 0, sizeof ref);
	if (project_open(argv[1], &p, &err) || run_model_load(p, atoll(argv[2]), &rm, &err) ||
	    cases_list(&rm, &ref, &err)) {
		fprintf(stderr, "cases-nomem: %s\n", err.msg);
		return 1;
	}
	printf("cases %zu\n", ref.n);
	for (size_t i = 0; i < ref.n; i++)
		printf("%s %s %s\n", ref.cases[i].key, ref.cases[i].label ? ref.cases[i].label : "-",
		       ref.cases[i].predicted);
	long k, enomem = 0, same = 0, differ = 0, other = 0;
	for (k = 1; k < 100000; k++) {
		yj_case_list l;
		error_clear(&err);
		wrapfail_calls = 0;
		wrapfail_at = k;
		yj_status st = cases_list(&rm, &l, &err);
		wrapfail_at = 0;
		if (wrapfail_calls < k) { /* there was no k-th allocation: done */
			if (!st)
				cases_list_free(&l);
			break;
		}
		if (st == YJ_ENOMEM)
			enomem++;
		else if (st)
			other++;
		else if (same_list(&l, &ref))
			same++;
		else
			differ++;
		if (!st)
			cases_list_free(&l);
	}
	printf("allocations %ld\nenomem %ld\nsame %ld\ndiffer %ld\nother %ld\n", k - 1, enomem, same, differ, other);
	cases_list_free(&ref);
	run_model_free(&rm);
	project_close(p);
	return 0;
}
