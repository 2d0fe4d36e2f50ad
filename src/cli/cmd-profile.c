/*
 * cmd-profile.c - yujing profile PROJECT [--source S] [--sigma s] [--json]
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/profile.h"

enum { O_SIGMA = 256, O_IGNORE, O_RECOMPUTE, O_JSON };

static const cli_option options[] = {
	{"source", 's', N_("NAME"), N_("profile only this source")},
	{"sigma", O_SIGMA, N_("S"), N_("outlier threshold in standard deviations (default 3)")},
	{"dedup-ignore", O_IGNORE, N_("F1,F2,..."), N_("fields left out when comparing rows for duplicates")},
	{"recompute", O_RECOMPUTE, NULL, N_("recompute even when a stored profile is up to date")},
	{"json", O_JSON, NULL, N_("print the profile as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_profile_opts o;
	const char *source;
	char **ignore;
	int json;
} profile_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	profile_args *a = ctx;
	switch (key) {
	case 's':
		a->source = arg;
		break;
	case O_SIGMA:
		if (cli_parse_double(arg, &a->o.sigma) || !(a->o.sigma > 0))
			return cli_usage_error(a->cmd, _("--sigma wants a positive number"));
		break;
	case O_IGNORE:
		free(a->ignore);
		a->ignore = cli_split_list(arg, &a->o.nignore);
		a->o.dedup_ignore = (const char *const *)a->ignore;
		break;
	case O_RECOMPUTE:
		a->o.recompute = 1;
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}

/* A statistic for the table: "-" when it does not apply. */
static const char *fmt_num(json_t *v, char *buf, size_t n)
{
	if (json_is_integer(v))
		snprintf(buf, n, "%lld", (long long)json_integer_value(v));
	else if (json_is_real(v))
		snprintf(buf, n, "%.6g", json_real_value(v));
	else if (json_is_string(v))
		snprintf(buf, n, "%s", json_string_value(v));
	else
		snprintf(buf, n, "-");
	return buf;
}

static const char *fmt_rate(json_t *v, char *buf, size_t n)
{
	if (json_is_number(v))
		snprintf(buf, n, "%.2f%%", 100 * json_number_value(v));
	else
		snprintf(buf, n, "-");
	return buf;
}

static void print_source(json_t *s)
{
	char b1[64];
	json_int_t rows = json_integer_value(json_object_get(s, "rows"));
	printf(_("%s: %lld rows, %lld duplicate rows (%s), %lld keys on several rows\n"),
	       cli_esc(json_string_value(json_object_get(s, "name"))), (long long)rows,
	       (long long)json_integer_value(json_object_get(s, "duplicate_rows")),
	       fmt_rate(json_object_get(s, "duplicate_row_rate"), b1, sizeof b1),
	       (long long)json_integer_value(json_object_get(s, "repeated_keys")));
	cli_table *t = cli_table_new(14);
	const char *head[] = {_("field"), _("type"), _("nulls"), _("null%"), _("dups"), _("dup%"),
			      _("outliers"), _("out%"), _("distinct"), _("min"), _("max"), _("mean"),
			      _("std"), _("median")};
	cli_table_row(t, head);
	for (int c = 2; c < 14; c++)
		cli_table_align(t, c, 1);
	size_t i;
	json_t *f;
	json_array_foreach(json_object_get(s, "fields"), i, f)
	{
		char b[12][64];
		const char *row[14] = {
			json_string_value(json_object_get(f, "name")),
			_(json_string_value(json_object_get(f, "type"))),
			fmt_num(json_object_get(f, "nulls"), b[0], 64),
			fmt_rate(json_object_get(f, "null_rate"), b[1], 64),
			fmt_num(json_object_get(f, "duplicates"), b[2], 64),
			fmt_rate(json_object_get(f, "duplicate_rate"), b[3], 64),
			fmt_num(json_object_get(f, "outliers"), b[4], 64),
			fmt_rate(json_object_get(f, "outlier_rate"), b[5], 64),
			fmt_num(json_object_get(f, "distinct"), b[6], 64),
			fmt_num(json_object_get(f, "min"), b[7], 64),
			fmt_num(json_object_get(f, "max"), b[8], 64),
			fmt_num(json_object_get(f, "mean"), b[9], 64),
			fmt_num(json_object_get(f, "std"), b[10], 64),
			fmt_num(json_object_get(f, "median"), b[11], 64),
		};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
	json_array_foreach(json_object_get(s, "fields"), i, f)
	{
		json_t *len = json_object_get(f, "length");
		if (!json_is_object(len))
			continue;
		printf(_("  text length of %s (characters): min %lld, median %g, p95 %g, max %lld; "
			 "suggested max length %lld\n"),
		       cli_esc(json_string_value(json_object_get(f, "name"))),
		       (long long)json_integer_value(json_object_get(len, "min")),
		       json_number_value(json_object_get(len, "median")),
		       json_number_value(json_object_get(len, "p95")),
		       (long long)json_integer_value(json_object_get(len, "max")),
		       (long long)json_integer_value(json_object_get(len, "suggested_max_len")));
	}
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	profile_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	a.o.sigma = 3;
	int rc = 0;
	yj_project *p = NULL;
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0) {
		rc = -i - 1;
		goto out;
	}
	if (argc - i != 1) {
		rc = cli_usage_error(cmd, _("expected one project file"));
		goto out;
	}
	yj_error err;
	error_clear(&err);
	if (project_open(argv[i], &p, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	yj_progress pg;
	cli_progress_init(&pg);
	cli_catch_interrupt();
	a.o.progress = &pg;
	json_t *res;
	yj_status st = profile_run(p, a.source, &a.o, &res, &err);
	cli_progress_done(&pg);
	if (st) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.json) {
		rc = cli_print_json(res);
	} else {
		size_t k;
		json_t *s;
		json_array_foreach(json_object_get(res, "sources"), k, s)
		{
			if (k)
				putchar('\n');
			print_source(s);
		}
		json_decref(res);
	}
out:
	project_close(p);
	free(a.ignore);
	return rc;
}

const cli_command cmd_profile = {
	.name = "profile",
	.synopsis = N_("PROJECT [--source NAME] [--sigma S] [--json]"),
	.summary = N_("Profile data quality: nulls, duplicates, outliers, distributions"),
	.description = N_("Per source: rows M and duplicate rows R. Per field: nulls (empty, blank or a "
			  "null marker), duplicates (non-null minus distinct values), outliers "
			  "(|x - mean| > sigma * std, numeric fields), distinct, min, max, mean, "
			  "population std, median, the five most frequent values, and for text fields "
			  "the length distribution with a suggested maximum sequence length. "
			  "The result is stored in the project and reused until the data or settings change."),
	.options = options,
	.run = run,
};
