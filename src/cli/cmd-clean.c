/*
 * cmd-clean.c - yujing clean PROJECT [--k K] ... [--dry-run] [--json]
 *               yujing clean PROJECT --list | --use N
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"

enum { O_K = 256, O_KMISS, O_KOUT, O_SIGMA, O_FILL, O_OUTLIERS, O_IGNORE, O_DRY, O_JSON, O_LIST, O_USE };

static const cli_option options[] = {
	{"k", O_K, N_("K"), N_("drop a row when its share of nulls (or outliers) exceeds K (default 0.3)")},
	{"k-missing", O_KMISS, N_("K"), N_("threshold for nulls only")},
	{"k-outlier", O_KOUT, N_("K"), N_("threshold for outliers only")},
	{"sigma", O_SIGMA, N_("S"), N_("outliers lie more than S standard deviations from the mean (default 3)")},
	{"fill", O_FILL, N_("FIELD=HOW"),
	 N_("fill strategy of a field: mean, median, mode, zero or const:VALUE (repeatable)")},
	{"outliers", O_OUTLIERS, N_("HOW"), N_("replace (default), clip, drop or keep outliers")},
	{"dedup-ignore", O_IGNORE, N_("F1,F2,..."), N_("fields left out when comparing rows for duplicates")},
	{"dry-run", O_DRY, NULL, N_("compute and report, write nothing")},
	{"json", O_JSON, NULL, N_("print the report as JSON")},
	{"list", O_LIST, NULL, N_("list the cleaned snapshots")},
	{"use", O_USE, N_("N"), N_("make snapshot N the active one again (undo)")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_clean_opts o;
	yj_fill_spec *fills;
	char **ignore;
	int dry, json, list;
	long use;
} clean_args;

static int parse_k(clean_args *a, const char *arg, double *k)
{
	if (cli_parse_double(arg, k) || *k < 0 || *k > 1)
		return cli_usage_error(a->cmd, _("k must be a number between 0 and 1 (got '%s')"), arg);
	return 0;
}

static int on_opt(void *ctx, int key, const char *arg)
{
	clean_args *a = ctx;
	double k;
	switch (key) {
	case O_K:
		if (parse_k(a, arg, &k))
			return 2;
		a->o.k_missing = a->o.k_outlier = k;
		break;
	case O_KMISS:
		return parse_k(a, arg, &a->o.k_missing) ? 2 : 0;
	case O_KOUT:
		return parse_k(a, arg, &a->o.k_outlier) ? 2 : 0;
	case O_SIGMA:
		if (cli_parse_double(arg, &a->o.sigma) || !(a->o.sigma > 0))
			return cli_usage_error(a->cmd, _("--sigma wants a positive number"));
		break;
	case O_FILL: {
		const char *eq = strchr(arg, '=');
		yj_fill_kind kind;
		const char *value;
		if (!eq || eq == arg || clean_parse_fill(eq + 1, &kind, &value))
			return cli_usage_error(a->cmd,
					       _("--fill wants FIELD=mean|median|mode|zero|const:VALUE (got '%s')"),
					       arg);
		yj_fill_spec *v = realloc(a->fills, (a->o.nfills + 1) * sizeof *v);
		if (!v)
			return 1;
		a->fills = v;
		v[a->o.nfills].field = strndup(arg, (size_t)(eq - arg));
		v[a->o.nfills].kind = kind;
		v[a->o.nfills].value = value;
		a->o.nfills++;
		a->o.fills = a->fills;
		break;
	}
	case O_OUTLIERS:
		if (clean_parse_outliers(arg, &a->o.outliers))
			return cli_usage_error(a->cmd, _("--outliers wants replace, clip, drop or keep"));
		break;
	case O_IGNORE:
		free(a->ignore);
		a->ignore = cli_split_list(arg, &a->o.nignore);
		a->o.dedup_ignore = (const char *const *)a->ignore;
		break;
	case O_DRY:
		a->dry = 1;
		break;
	case O_JSON:
		a->json = 1;
		break;
	case O_LIST:
		a->list = 1;
		break;
	case O_USE:
		if (cli_parse_long(arg, &a->use) || a->use < 1)
			return cli_usage_error(a->cmd, _("--use wants a snapshot number"));
		break;
	}
	return 0;
}

static void print_report(json_t *rep, int dry)
{
	size_t i;
	json_t *s;
	json_array_foreach(json_object_get(rep, "sources"), i, s)
	{
		if (i)
			putchar('\n');
		printf(_("%s: %lld rows in, %lld out\n"), json_string_value(json_object_get(s, "name")),
		       (long long)json_integer_value(json_object_get(s, "rows_in")),
		       (long long)json_integer_value(json_object_get(s, "rows_out")));
		printf(_("  duplicates removed:      %lld\n"),
		       (long long)json_integer_value(json_object_get(s, "duplicates_removed")));
		if (json_integer_value(json_object_get(s, "dropped_repeated_key")))
			printf(_("  repeated keys:           %lld (%lld later rows dropped, first kept)\n"),
			       (long long)json_integer_value(json_object_get(s, "repeated_keys")),
			       (long long)json_integer_value(json_object_get(s, "dropped_repeated_key")));
		if (json_integer_value(json_object_get(s, "dropped_no_case")))
			printf(_("  rows of no case dropped: %lld\n"),
			       (long long)json_integer_value(json_object_get(s, "dropped_no_case")));
		printf(_("  dropped for nulls:       %lld\n"),
		       (long long)json_integer_value(json_object_get(s, "dropped_missing")));
		printf(_("  dropped for outliers:    %lld\n"),
		       (long long)json_integer_value(json_object_get(s, "dropped_outlier")));
		if (json_is_integer(json_object_get(s, "unlabeled")))
			printf(_("  unlabeled cases kept:    %lld\n"),
			       (long long)json_integer_value(json_object_get(s, "unlabeled")));
		cli_table *t = cli_table_new(3);
		const char *head[] = {_("field"), _("filled"), _("replaced")};
		cli_table_row(t, head);
		cli_table_align(t, 1, 1);
		cli_table_align(t, 2, 1);
		const char *name;
		json_t *val;
		int any = 0;
		json_object_foreach(json_object_get(s, "filled"), name, val)
		{
			long long f = json_integer_value(val);
			long long r = json_integer_value(json_object_get(json_object_get(s, "replaced"), name));
			if (!f && !r)
				continue;
			char b1[32], b2[32];
			snprintf(b1, sizeof b1, "%lld", f);
			snprintf(b2, sizeof b2, "%lld", r);
			const char *row[] = {name, b1, b2};
			cli_table_row(t, row);
			any = 1;
		}
		if (any)
			cli_table_print(t, stdout, 2);
		cli_table_free(t);
	}
	if (dry)
		printf(_("dry run: nothing was written\n"));
	else
		printf(_("stored as snapshot %lld (now active)\n"),
		       (long long)json_integer_value(json_object_get(rep, "snapshot")));
}

static int do_list(yj_project *p, int json)
{
	yj_error err;
	error_clear(&err);
	json_t *out;
	if (clean_list(p, &out, &err))
		return cli_fail(&err);
	if (json)
		return cli_print_json(out);
	size_t i;
	json_t *s;
	cli_table *t = cli_table_new(6);
	const char *head[] = {_("snapshot"), _("created"), _("active"), _("k missing/outlier"), _("sigma"),
			      _("rows out")};
	cli_table_row(t, head);
	json_array_foreach(json_object_get(out, "snapshots"), i, s)
	{
		json_t *set = json_object_get(s, "settings");
		long long rows = 0;
		size_t j;
		json_t *src;
		json_array_foreach(json_object_get(json_object_get(s, "report"), "sources"), j, src)
		{
			if (json_is_integer(json_object_get(src, "unlabeled")))
				rows = json_integer_value(json_object_get(src, "rows_out"));
		}
		char b0[32], b3[64], b4[32], b5[32];
		snprintf(b0, sizeof b0, "%lld", (long long)json_integer_value(json_object_get(s, "id")));
		snprintf(b3, sizeof b3, "%g/%g", json_number_value(json_object_get(set, "k_missing")),
			 json_number_value(json_object_get(set, "k_outlier")));
		snprintf(b4, sizeof b4, "%g", json_number_value(json_object_get(set, "sigma")));
		snprintf(b5, sizeof b5, "%lld", rows);
		const char *row[] = {b0, json_string_value(json_object_get(s, "created_at")),
				     json_is_true(json_object_get(s, "active")) ? "*" : "", b3, b4, b5};
		cli_table_row(t, row);
	}
	if (json_array_size(json_object_get(out, "snapshots")))
		cli_table_print(t, stdout, 0);
	else
		printf(_("no snapshots yet\n"));
	cli_table_free(t);
	json_decref(out);
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	clean_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	clean_opts_default(&a.o);
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
	if (a.list) {
		rc = do_list(p, a.json);
		goto out;
	}
	if (a.use) {
		if (clean_use(p, a.use, &err))
			rc = cli_fail(&err);
		else
			printf(_("snapshot %ld is now active\n"), a.use);
		goto out;
	}
	yj_progress pg;
	cli_progress_init(&pg);
	cli_catch_interrupt();
	a.o.progress = &pg;
	json_t *rep;
	yj_status st = clean_run(p, &a.o, a.dry, &rep, &err);
	cli_progress_done(&pg);
	if (st) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.json) {
		rc = cli_print_json(rep);
	} else {
		print_report(rep, a.dry);
		json_decref(rep);
	}
out:
	project_close(p);
	for (size_t k = 0; k < a.o.nfills; k++)
		free((char *)a.fills[k].field);
	free(a.fills);
	free(a.ignore);
	return rc;
}

const cli_command cmd_clean = {
	.name = "clean",
	.synopsis = N_("PROJECT [--k K] [--fill FIELD=HOW]... [--dry-run] [--json] | --list | --use N"),
	.summary = N_("Remove duplicates, treat nulls and outliers; store a cleaned snapshot"),
	.description = N_("Per source: 1. drop duplicate rows (first kept); 2. outliers (|x - mean| > "
			  "sigma * std) and fill values from the remaining rows; 3. drop a row whose "
			  "share of nulls among its attributes exceeds k-missing, else fill them; "
			  "4. the same for outliers with k-outlier (replace, clip, drop or keep); "
			  "5. rows without a label stay as unlabeled cases. The raw data is never "
			  "changed; each run stores a new snapshot."),
	.options = options,
	.run = run,
};
