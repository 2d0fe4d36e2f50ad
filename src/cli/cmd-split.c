/*
 * cmd-split.c - yujing split PROJECT [--test 0.3] [--valid 0.15] [--seed N]
 * [--label-pick first|drop-multi]
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/split.h"

enum { O_TEST = 256, O_VALID, O_SEED, O_PICK, O_JSON };

static const cli_option options[] = {
	{"test", O_TEST, N_("F"), N_("fraction of each class for the test set (default 0.3)")},
	{"valid", O_VALID, N_("F"),
	 N_("fraction of each class's training cases set aside for validation (default 0.15; 0: none)")},
	{"seed", O_SEED, N_("N"), N_("seed of the shuffle (default 42)")},
	{"label-pick", O_PICK, N_("HOW"),
	 N_("a label listing several categories: first (default) takes the first, drop-multi leaves the case out")},
	{"json", O_JSON, NULL, N_("print the split as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_split_opts o;
	int json;
} split_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	split_args *a = ctx;
	long v;
	switch (key) {
	case O_TEST:
		if (cli_parse_double(arg, &a->o.test) || !(a->o.test > 0 && a->o.test < 1))
			return cli_usage_error(a->cmd, _("--test wants a fraction between 0 and 1"));
		break;
	case O_VALID:
		if (cli_parse_double(arg, &a->o.valid) || !(a->o.valid >= 0 && a->o.valid < 1))
			return cli_usage_error(a->cmd, _("--valid wants a fraction of at least 0 and below 1"));
		break;
	case O_SEED:
		if (cli_parse_long(arg, &v))
			return cli_usage_error(a->cmd, _("--seed wants a non-negative whole number"));
		a->o.seed = (uint64_t)v;
		break;
	case O_PICK:
		if (!strcmp(arg, "first"))
			a->o.pick = LABEL_PICK_FIRST;
		else if (!strcmp(arg, "drop-multi"))
			a->o.pick = LABEL_PICK_DROP_MULTI;
		else
			return cli_usage_error(a->cmd, _("--label-pick wants first or drop-multi"));
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}

/* A row of the table: train, validation and test counts of o. */
static void count_row(cli_table *t, const char *label, json_t *o)
{
	char b[3][32];
	static const char *const keys[] = {"train", "valid", "test"};
	for (int i = 0; i < 3; i++)
		snprintf(b[i], sizeof b[i], "%lld", (long long)json_integer_value(json_object_get(o, keys[i])));
	const char *row[] = {label, b[0], b[1], b[2]};
	cli_table_row(t, row);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	split_args a = {.cmd = cmd, .o = {.test = 0.3, .valid = SPLIT_VALID_DEFAULT, .seed = 42, .pick = LABEL_PICK_FIRST}};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	yj_error err;
	error_clear(&err);
	yj_project *p;
	if (project_open(argv[i], &p, &err))
		return cli_fail(&err);
	json_t *rep;
	if (split_run(p, &a.o, &rep, &err)) {
		project_close(p);
		return cli_fail(&err);
	}
	project_close(p);
	if (a.json)
		return cli_print_json(rep);
	cli_table *t = cli_table_new(4);
	const char *head[] = {_("class"), _("train"), _("validation"), _("test")};
	cli_table_row(t, head);
	for (int col = 1; col < 4; col++)
		cli_table_align(t, col, 1);
	size_t k;
	json_t *c;
	json_array_foreach(json_object_get(rep, "classes"), k, c)
		count_row(t, json_string_value(json_object_get(c, "label")), c);
	count_row(t, _("total"), rep);
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	size_t ns = json_array_size(json_object_get(rep, "singletons"));
	if (ns)
		printf(P_("%zu class has a single case; it stays in train\n",
			  "%zu classes have a single case; they stay in train\n", (unsigned long)ns),
		       ns);
	size_t nv = json_array_size(json_object_get(rep, "no_valid"));
	if (nv)
		printf(P_("%zu class is too small for a validation part; its training cases stay in train\n",
			  "%zu classes are too small for a validation part; their training cases stay in train\n",
			  (unsigned long)nv),
		       nv);
	if (json_integer_value(json_object_get(rep, "unlabeled")))
		printf(_("%lld unlabeled cases are not in the split\n"),
		       (long long)json_integer_value(json_object_get(rep, "unlabeled")));
	if (json_integer_value(json_object_get(rep, "dropped_multi")))
		printf(_("%lld cases with several categories left out\n"),
		       (long long)json_integer_value(json_object_get(rep, "dropped_multi")));
	printf(_("stored as split %lld of snapshot %lld (now active)\n"),
	       (long long)json_integer_value(json_object_get(rep, "split")),
	       (long long)json_integer_value(json_object_get(rep, "snapshot")));
	json_decref(rep);
	return 0;
}

const cli_command cmd_split = {
	.name = "split",
	.synopsis = N_("PROJECT [--test F] [--valid F] [--seed N] [--label-pick first|drop-multi] [--json]"),
	.summary = N_("Group labeled cases by crime type and split each class into train, validation and test"),
	.description = N_("For a class of n cases, floor(F n + 1/2) go to test (at least 1, at most "
			  "n - 1), chosen by a seeded shuffle; classes with one case stay in train. Of the m "
			  "training cases, floor(V m + 1/2) (at most m - 1) go to validation, on which training "
			  "chooses its epoch and calibrates; the test part is read only for the report."),
	.options = options,
	.run = run,
};
