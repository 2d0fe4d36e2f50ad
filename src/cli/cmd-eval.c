/*
 * cmd-eval.c - yujing eval PROJECT [--run N] [--json]
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/train/train.h"

enum { O_RUN = 256, O_JSON };

static const cli_option options[] = {
	{"run", O_RUN, N_("N"), N_("the run to evaluate (default: the latest evaluated run)")},
	{"json", O_JSON, NULL, N_("print as JSON")},
	{0},
};

typedef struct {
	long run;
	int json;
} eval_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	eval_args *a = ctx;
	if (key == O_JSON)
		a->json = 1;
	else if (key == O_RUN && (cli_parse_long(arg, &a->run) || a->run < 1))
		return cli_usage_error(cli_find("eval"), _("--run wants a run number"));
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	eval_args a = {0};
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
	json_t *ev;
	yj_status st = train_eval(p, a.run, &ev, &err);
	project_close(p);
	if (st)
		return cli_fail(&err);
	if (a.json)
		return cli_print_json(ev);
	printf(_("run %lld: accuracy %.4f, macro precision %.4f, macro recall %.4f, macro-F1 %.4f\n"),
	       (long long)json_integer_value(json_object_get(ev, "run")),
	       json_number_value(json_object_get(ev, "accuracy")),
	       json_number_value(json_object_get(ev, "macro_precision")),
	       json_number_value(json_object_get(ev, "macro_recall")),
	       json_number_value(json_object_get(ev, "macro_f1")));
	cli_table *t = cli_table_new(5);
	const char *head[] = {_("class"), _("precision"), _("recall"), _("F1"), _("support")};
	cli_table_row(t, head);
	for (int c = 1; c < 5; c++)
		cli_table_align(t, c, 1);
	size_t k;
	json_t *c;
	json_array_foreach(json_object_get(ev, "classes"), k, c)
	{
		char b[4][32];
		snprintf(b[0], 32, "%.4f", json_number_value(json_object_get(c, "precision")));
		snprintf(b[1], 32, "%.4f", json_number_value(json_object_get(c, "recall")));
		snprintf(b[2], 32, "%.4f", json_number_value(json_object_get(c, "f1")));
		snprintf(b[3], 32, "%lld", (long long)json_integer_value(json_object_get(c, "support")));
		const char *row[] = {json_string_value(json_object_get(c, "label")), b[0], b[1], b[2], b[3]};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	printf("\n%s\n", _("confusion matrix (rows: true class, columns: predicted, in the order above):"));
	json_array_foreach(json_object_get(ev, "confusion"), k, c)
	{
		size_t j;
		json_t *x;
		json_array_foreach(c, j, x) printf("%s%5lld", j ? " " : "  ", (long long)json_integer_value(x));
		putchar('\n');
	}
	json_decref(ev);
	return 0;
}

const cli_command cmd_eval = {
	.name = "eval",
	.synopsis = N_("PROJECT [--run N] [--json]"),
	.summary = N_("Accuracy, macro precision/recall/F1, per-class table and confusion matrix of a run"),
	.options = options,
	.run = run,
};
