/*
 * test-profile-nomem.c - profile_table() when an allocation fails: it must
 * return NULL (out of memory) or, when the failed allocation was not
 * needed, exactly the profile it gives without a fault; never crash or
 * give a different profile.
 *
 * The plain build never fails an allocation, so this program is linked
 * with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=strdup (tests/local.mk):
 * the wrappers of wrapfail.h pass every call of yujing's own code through, except
 * the one they are told to fail.  Allocations inside shared libraries
 * (jansson, SQLite) are not wrapped.  The table, worked by hand:
 *
 *   id,x,t          4 rows; row 2 repeats row 1 exactly: 1 duplicate row;
 *   A,1,a           after it is set aside every key is on one row: no
 *   A,1,a           repeated key.  x: 3 non-null of 4 (1 null), values
 *   B,2,b           1, 1, 2: mean 4/3.
 *   C,,c
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tap.h"
#include "tmpdir.h"
#include "yujing/data/import.h"
#include "yujing/data/profile.h"
#include "yujing/data/table.h"
#include "wrapfail.h"

static double num(const json_t *o, const char *key)
{
	return json_number_value(json_object_get(o, key));
}

int main(void)
{
	tmpdir_make("test-profile-nomem");
	FILE *f = fopen(path_in("s.csv"), "w");
	if (!f || fputs("id,x,t\nA,1,a\nA,1,a\nB,2,b\nC,,c\n", f) < 0 || fclose(f)) {
		perror("s.csv");
		return 99;
	}
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	yj_import_opts io = {.source = "s", .key = "id"};
	yj_nullset ns = {0};
	yj_table t;
	memset(&t, 0, sizeof t);
	if (project_create(path_in("p.yj"), &p, &err) || import_file(p, path_in("s.csv"), &io, NULL, &err) ||
	    table_load(p, "s", &ns, NULL, &t, &err)) {
		printf("Bail out! cannot make the table: %s\n", err.msg);
		return 99;
	}
	yj_profile_opts o = {.sigma = 3};
	json_t *ref = profile_table(&t, &o);
	ok(ref != NULL, "without a fault there is a profile");
	is_int((long long)num(ref, "rows"), 4, "4 rows");
	is_int((long long)num(ref, "duplicate_rows"), 1, "1 duplicate row");
	is_int((long long)num(ref, "repeated_keys"), 0, "no key on several rows once the duplicate is set aside");
	json_t *x = json_array_get(json_object_get(ref, "fields"), 1);
	is_int((long long)num(x, "nulls"), 1, "x: 1 null");
	is_near(num(x, "mean"), 4.0 / 3, 1e-12, "x: mean 4/3");
	char *want = ref ? json_dumps(ref, JSON_SORT_KEYS | JSON_COMPACT) : NULL;
	long k, failed = 0, same = 0;
	for (k = 1; k < 10000; k++) {
		wrapfail_calls = 0;
		wrapfail_at = k;
		json_t *r = profile_table(&t, &o);
		wrapfail_at = 0;
		if (wrapfail_calls < k) { /* there was no k-th allocation: done */
			json_decref(r);
			break;
		}
		if (!r) {
			failed++;
			continue;
		}
		char *got = json_dumps(r, JSON_SORT_KEYS | JSON_COMPACT);
		if (got && want && !strcmp(got, want))
			same++;
		else
			ok(0, "allocation %ld failed: the profile differs from the unfaulted one", k);
		free(got);
		json_decref(r);
	}
	ok(k > 2, "profile_table allocates at least twice (%ld allocations)", k - 1);
	ok(failed > 0, "some failed allocation makes it return NULL (%ld)", failed);
	is_int(failed + same, k - 1, "every one of the %ld failed allocations gives NULL or the same profile", k - 1);
	free(want);
	json_decref(ref);
	table_free(&t);
	project_close(p);
	return tap_done();
}
