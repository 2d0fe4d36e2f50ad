/*
 * test-sample.c - which rows sample_rows() shows (sample.h: up to max rows
 * in table order; those whose focus cell is null or an outlier; when there
 * are none, those with any marked cell; when there are none either, the
 * first rows), on files written here and read by hand:
 *
 *   clean.csv   id,x,y with x 1..6 and y a..f: nothing is null, and with
 *               six values no x is 3 standard deviations from the mean:
 *               no cell is marked, so the first rows (lines 2, 3) show
 *   nulls.csv   id,x,y with x empty on lines 3, 5 and 6 and y empty on
 *               line 2: focus x, max 2: lines 3 and 5 (3 rows matched);
 *               focus id (never null): the rows with any marked cell,
 *               lines 2 and 3
 *
 * And the Clean view's preview (preview_open, src/data/preview.c) refuses
 * a project whose two sources both have a label field, whichever comes
 * first, as clean does.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "tap.h"
#include "tmpdir.h"
#include "yujing/data/import.h"
#include "yujing/data/infer.h"
#include "yujing/data/preview.h"
#include "yujing/data/sample.h"
#include "yujing/data/table.h"

static void write_file(const char *name, const char *text)
{
	FILE *f = fopen(path_in(name), "w");
	if (!f || fputs(text, f) < 0 || fclose(f)) {
		perror(name);
		exit(99);
	}
}

/* The lines of s joined by ',', then "/matched/focus_only". */
static void shown(const yj_sample *s, char *out, size_t n)
{
	out[0] = '\0';
	for (size_t i = 0; i < s->nrows; i++)
		snprintf(out + strlen(out), n - strlen(out), "%s%lld", i ? "," : "", (long long)s->line[i]);
	snprintf(out + strlen(out), n - strlen(out), "/%zu/%d", s->matched, s->focus_only);
}

static void check(yj_project *p, const char *source, size_t focus, const char *want, const char *what)
{
	yj_error err;
	yj_nullset ns = {0};
	yj_table t;
	memset(&t, 0, sizeof t);
	error_clear(&err);
	if (table_nullset(p, &ns, &err) || table_load(p, source, &ns, NULL, &t, &err)) {
		ok(0, "%s: load (%s)", what, err.msg);
		nullset_free(&ns);
		return;
	}
	yj_sample s;
	memset(&s, 0, sizeof s);
	char got[256];
	is_int(sample_rows(&t, focus, 3.0, 2, &s), 0, "%s: sample_rows", what);
	shown(&s, got, sizeof got);
	is_str(got, want, "%s: lines/matched/focus_only", what);
	sample_free(&s);
	table_free(&t);
	nullset_free(&ns);
}

int main(void)
{
	tmpdir_make("test-sample");
	write_file("clean.csv", "id,x,y\nA,1,a\nB,2,b\nC,3,c\nD,4,d\nE,5,e\nF,6,f\n");
	write_file("nulls.csv", "id,x,y\nA,1,\nB,,b\nC,3,c\nD,,d\nE,,e\nF,6,f\n");
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	yj_import_opts oc = {.source = "clean", .key = "id"}, on = {.source = "nulls", .key = "id"};
	if (project_create(path_in("p.yj"), &p, &err) || import_file(p, path_in("clean.csv"), &oc, NULL, &err) ||
	    import_file(p, path_in("nulls.csv"), &on, NULL, &err)) {
		printf("Bail out! cannot make the project: %s\n", err.msg);
		return 99;
	}
	check(p, "clean", 1, "2,3/0/0", "no marked cell: the first rows");
	check(p, "nulls", 1, "3,5/3/1", "focus x: its first 2 null rows of 3");
	check(p, "nulls", 0, "2,3/0/0", "focus id (never null): the rows with any marked cell");

	/* two label sources: "clean" (listed first) and "nulls" */
	yj_import_opts ol = {.source = "clean", .key = "id", .label = "y", .replace = 1};
	yj_import_opts ol2 = {.source = "nulls", .key = "id", .label = "y", .replace = 1};
	if (import_file(p, path_in("clean.csv"), &ol, NULL, &err) || import_file(p, path_in("nulls.csv"), &ol2, NULL, &err)) {
		printf("Bail out! cannot re-import with labels: %s\n", err.msg);
		return 99;
	}
	yj_preview *pv = NULL;
	error_clear(&err);
	is_int(preview_open(p, NULL, &pv, &err), YJ_EUSAGE, "two label sources: the preview is refused");
	is_str(err.msg, "sources 'clean' and 'nulls' both have a label field", "  naming both");
	ok(pv == NULL, "  and no preview");
	project_close(p);
	return tap_done();
}
