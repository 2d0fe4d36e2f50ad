/*
 * cmd-eval.c - yujing eval PROJECT [--run N | --ablation ...] [--json]
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/train/settings.h"
#include "yujing/train/train.h"

enum {
	O_RUN = 256, O_JSON, O_ABLATION, O_EPOCHS, O_BATCH, O_HIDDEN, O_LR, O_SEED, O_THREADS, O_FREEZE,
	O_TEXT_MODEL, O_MAX_LEN, O_TEXT_POOL, O_TEXT_LR
};

static const cli_option options[] = {
	{"run", O_RUN, N_("N"), N_("the run to evaluate (default: the latest evaluated run)")},
	{"json", O_JSON, NULL, N_("print as JSON")},
	{"ablation", O_ABLATION, NULL, N_("train one run per branch family (structured, ngram, text) and one with all, and compare them")},
	{"epochs", O_EPOCHS, N_("N"), N_("--ablation: epochs of each run (default 20)")},
	{"batch", O_BATCH, N_("N"), N_("--ablation: cases per step (default 256)")},
	{"hidden", O_HIDDEN, N_("N"), N_("--ablation: branch width (default 64)")},
	{"lr", O_LR, N_("X"), N_("--ablation: peak learning rate (default 0.001)")},
	{"seed", O_SEED, N_("N"), N_("--ablation: seed of every run (default 42)")},
	{"threads", O_THREADS, N_("N"), N_("--ablation: threads")},
	{"freeze-text", O_FREEZE, NULL, N_("--ablation: keep the text encoder fixed (cached text vectors)")},
	{"text-pool", O_TEXT_POOL, N_("HOW"), N_("--ablation: text vector, mean (default) or cls")},
	{"text-lr", O_TEXT_LR, N_("X"), N_("--ablation: peak learning rate of the text encoder (default 0.00002)")},
	{"text-model", O_TEXT_MODEL, N_("DIR"), N_("--ablation: encoder directory of the text branch")},
	{"max-len", O_MAX_LEN, N_("N"), N_("--ablation: tokens per text (default as train)")},
	{0},
};

typedef struct {
	long run;
	int json, ablation;
	yj_train_opts o;
} eval_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	eval_args *a = ctx;
	const cli_command *cmd = cli_find("eval");
	switch (key) {
	case O_JSON:
		a->json = 1;
		break;
	case O_RUN:
		if (cli_parse_long(arg, &a->run) || a->run < 1)
			return cli_usage_error(cmd, _("--run wants a run number"));
		break;
	case O_ABLATION:
		a->ablation = 1;
		break;
	default: {
		/* a setting of train, parsed and checked as train does it
		 * (settings.h) */
		const cli_option *o = options;
		while (o->name && o->key != key)
			o++;
		const yj_setting *s = o->name ? settings_find(settings_train, o->name) : NULL;
		yj_error err;
		error_clear(&err);
		if (s && settings_set(s, &a->o, arg, &err))
			return cli_usage_error(cmd, "%s", err.msg);
		break;
	}
	}
	return 0;
}

static int ablation(eval_args *a, yj_project *p)
{
	yj_error err;
	error_clear(&err);
	yj_progress pg;
	cli_progress_init(&pg);
	cli_catch_interrupt();
	a->o.progress = &pg;
	json_t *res = NULL;
	yj_status st = train_ablation(p, &a->o, &res, &err);
	cli_progress_done(&pg);
	project_close(p);
	if (st)
		return cli_fail(&err);
	if (a->json)
		return cli_print_json(res);
	cli_table *t = cli_table_new(5);
	const char *head[] = {_("configuration"), _("branches"), _("run"), _("accuracy"), _("macro-F1")};
	cli_table_row(t, head);
	for (int c = 2; c < 5; c++)
		cli_table_align(t, c, 1);
	size_t k;
	json_t *c;
	json_array_foreach(json_object_get(res, "configurations"), k, c)
	{
		char b[3][32];
		snprintf(b[0], 32, "%lld", (long long)json_integer_value(json_object_get(c, "run")));
		snprintf(b[1], 32, "%.4f", json_number_value(json_object_get(c, "accuracy")));
		snprintf(b[2], 32, "%.4f", json_number_value(json_object_get(c, "macro_f1")));
		const char *row[] = {json_string_value(json_object_get(c, "configuration")),
				     json_string_value(json_object_get(c, "branches")), b[0], b[1], b[2]};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	json_decref(res);
	return 0;
}

/* One part's line: accuracy, macro precision, recall and F1. */
static void part_line(const char *what, json_t *m)
{
	printf(_("%s: accuracy %.4f, macro precision %.4f, macro recall %.4f, macro-F1 %.4f (%lld cases)\n"), what,
	       json_number_value(json_object_get(m, "accuracy")), json_number_value(json_object_get(m, "macro_precision")),
	       json_number_value(json_object_get(m, "macro_recall")), json_number_value(json_object_get(m, "macro_f1")),
	       (long long)json_integer_value(json_object_get(m, "cases")));
}

/* Which part chose the epoch, the validation and test figures, and the
 * calibration. */
static void print_summary(json_t *ev)
{
	long long run = (long long)json_integer_value(json_object_get(ev, "run"));
	const char *on = json_string_value(json_object_get(ev, "selected_on"));
	json_t *be = json_object_get(ev, "best_epoch"), *va = json_object_get(ev, "validation");
	if (on && !strcmp(on, "validation"))
		printf(_("run %lld: epoch %lld chosen on the validation part; the test part was read once, for this "
			 "report\n"),
		       run, (long long)json_integer_value(be));
	else if (be)
		printf(_("run %lld: epoch %lld chosen on the test part (the split has no validation part): the test "
			 "figures are optimistic\n"),
		       run, (long long)json_integer_value(be));
	else
		printf(_("run %lld\n"), run);
	if (va)
		part_line(_("validation"), va);
	if (json_object_get(ev, "classes"))
		part_line(_("test"), ev);
	else
		printf("%s\n", _("test: not measured yet (the run has not finished)"));
	json_t *cal = json_object_get(ev, "calibration");
	json_t *tau = json_object_get(cal, "tau"), *grid = json_object_get(cal, "tau_grid_f1");
	if (tau && grid)
		printf(_("logit adjustment: tau %.2f chosen on validation (macro-F1 %.4f; %.4f at tau 0); the figures "
			 "above are of the adjusted logits\n"),
		       json_number_value(tau),
		       json_number_value(json_object_get(va, "macro_f1")),
		       json_number_value(json_object_get(json_array_get(grid, 0), "macro_f1")));
	else if (tau)
		printf(_("logit adjustment: tau %.2f fixed by --adjust; the figures above are of the adjusted logits\n"),
		       json_number_value(tau));
	if (cal && json_object_get(cal, "ece_after"))
		printf(_("calibration: temperature %.4f (fitted on validation); on test, expected calibration error "
			 "%.4f -> %.4f, Brier score %.4f -> %.4f\n"),
		       json_number_value(json_object_get(cal, "temperature")),
		       json_number_value(json_object_get(cal, "ece_before")),
		       json_number_value(json_object_get(cal, "ece_after")),
		       json_number_value(json_object_get(cal, "brier_before")),
		       json_number_value(json_object_get(cal, "brier_after")));
	else if (cal)
		printf(_("calibration: temperature %.4f (fitted on validation)\n"),
		       json_number_value(json_object_get(cal, "temperature")));
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	eval_args a;
	memset(&a, 0, sizeof a);
	train_opts_default(&a.o);
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	yj_error err;
	error_clear(&err);
	yj_project *p;
	/* Evaluating reads; the ablation trains runs. */
	if ((a.ablation ? project_open : project_open_readonly)(argv[i], &p, &err))
		return cli_fail(&err);
	if (a.ablation)
		return ablation(&a, p);
	json_t *ev;
	yj_status st = train_eval(p, a.run, &ev, &err);
	project_close(p);
	if (st)
		return cli_fail(&err);
	if (a.json)
		return cli_print_json(ev);
	print_summary(ev);
	if (!json_object_get(ev, "classes")) { /* no test figure yet */
		json_decref(ev);
		return 0;
	}
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
	printf("\n%s\n", _("test confusion matrix (rows: true class, columns: predicted, in the order above):"));
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
	.synopsis = N_("PROJECT [--run N | --ablation [TRAINING OPTIONS]] [--json]"),
	.summary = N_("Validation and test figures of a run: accuracy, macro precision/recall/F1, per-class table, "
		      "confusion matrix and calibration"),
	.options = options,
	.run = run,
};
