/*
 * cmd-runs.c - yujing runs PROJECT [--history RUN] [--delete RUN] [--use RUN]
 * [--compare A B [--resamples N] [--seed N]] [--json]
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/store/runs.h"
#include "yujing/train/compare.h"
#include "yujing/train/train.h"

enum { O_JSON = 256, O_HISTORY, O_DELETE, O_USE, O_COMPARE, O_RESAMPLES, O_SEED };

static const cli_option options[] = {
	{"delete", O_DELETE, N_("RUN"), N_("remove a run that is not training, with its steps and predictions")},
	{"history", O_HISTORY, N_("RUN"), N_("print a run's loss curve: a table of its epochs (with --json also every step's loss)")},
	{"use", O_USE, N_("RUN"), N_("make a completed classifier run the model of record (predict, explain, Cases and Warnings use it; 0 unpins)")},
	{"compare", O_COMPARE, N_("A"), N_("compare run A with run B (the operand after PROJECT): their data and settings first; "
					   "on the same test set McNemar's p for accuracy and a paired bootstrap interval "
					   "(95 percent) of the macro-F1 difference, with each category's change")},
	{"resamples", O_RESAMPLES, N_("N"), N_("bootstrap resamples of --compare (default 1000)")},
	{"seed", O_SEED, N_("N"), N_("seed of --compare's bootstrap (default 0)")},
	{"json", O_JSON, NULL, N_("print as JSON")},
	{0},
};

typedef struct {
	int json;
	long history, del, use, compare, resamples, seed;
	int have_use;
} runs_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	runs_args *a = ctx;
	if (key == O_JSON)
		a->json = 1;
	else if (key == O_HISTORY && (cli_parse_long(arg, &a->history) || a->history < 1))
		return cli_usage_error(cli_find("runs"), _("--history wants a run number"));
	else if (key == O_DELETE && (cli_parse_long(arg, &a->del) || a->del < 1))
		return cli_usage_error(cli_find("runs"), _("--delete wants a run number"));
	else if (key == O_USE && (cli_parse_long(arg, &a->use) || a->use < 0))
		return cli_usage_error(cli_find("runs"), _("--use wants a run number"));
	else if (key == O_COMPARE && (cli_parse_long(arg, &a->compare) || a->compare < 1))
		return cli_usage_error(cli_find("runs"), _("--compare wants a run number"));
	else if (key == O_RESAMPLES && (cli_parse_long(arg, &a->resamples) || a->resamples < 1 || a->resamples > 1000000))
		return cli_usage_error(cli_find("runs"), _("--resamples wants a number from 1 to 1000000"));
	else if (key == O_SEED && cli_parse_long(arg, &a->seed))
		return cli_usage_error(cli_find("runs"), _("--seed wants a non-negative number"));
	if (key == O_USE)
		a->have_use = 1;
	return 0;
}

/* runs --history as text: the steps in one line, a table of the epochs. */
static int print_history(json_t *h)
{
	json_t *steps = json_object_get(h, "steps"), *epochs = json_object_get(h, "epochs");
	size_t ns = json_array_size(steps), k;
	printf(_("run %lld: %zu steps"), (long long)json_integer_value(json_object_get(h, "run")), ns);
	if (ns)
		printf(_(", training loss %.4f at the first step and %.4f at the last"),
		       json_number_value(json_array_get(json_array_get(steps, 0), 1)),
		       json_number_value(json_array_get(json_array_get(steps, ns - 1), 1)));
	printf("\n");
	if (!json_array_size(epochs)) {
		printf(_("no epoch finished yet\n"));
		json_decref(h);
		return 0;
	}
	/* the figures of the part the run chose its epoch on */
	const char *on = json_string_value(json_object_get(h, "evaluated_on"));
	int valid = on && !strcmp(on, "validation");
	printf(valid ? _("loss, accuracy and macro-F1 of each epoch on the validation part\n")
		     : _("loss, accuracy and macro-F1 of each epoch on the test part (no validation part)\n"));
	cli_table *t = cli_table_new(6);
	const char *head[] = {_("epoch"),
			      _("train loss"),
			      valid ? _("valid loss") : _("test loss"),
			      valid ? _("valid accuracy") : _("test accuracy"),
			      valid ? _("valid macro-F1") : _("test macro-F1"),
			      _("seconds")};
	cli_table_row(t, head);
	for (int c = 0; c < 6; c++)
		cli_table_align(t, c, 1);
	json_t *e;
	json_array_foreach(epochs, k, e)
	{
		char b[6][32];
		snprintf(b[0], 32, "%lld", (long long)json_integer_value(json_object_get(e, "epoch")));
		snprintf(b[1], 32, "%.4f", json_number_value(json_object_get(e, "train_loss")));
		snprintf(b[2], 32, "%.4f", json_number_value(json_object_get(e, valid ? "valid_loss" : "test_loss")));
		snprintf(b[3], 32, "%.4f", json_number_value(json_object_get(e, "accuracy")));
		snprintf(b[4], 32, "%.4f", json_number_value(json_object_get(e, "macro_f1")));
		snprintf(b[5], 32, "%.2f", json_number_value(json_object_get(e, "seconds")));
		const char *row[] = {b[0], b[1], b[2], b[3], b[4], b[5]};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	json_decref(h);
	return 0;
}

/* One "a b" row of the comparison's data or settings. */
static void compare_rows(cli_table *t, json_t *rows, const char *name_key)
{
	size_t k;
	json_t *r;
	json_array_foreach(rows, k, r)
	{
		const char *name = json_string_value(json_object_get(r, name_key));
		const char *row[] = {cli_esc(compare_data_name(name)), cli_esc(json_string_value(json_object_get(r, "a"))),
				     cli_esc(json_string_value(json_object_get(r, "b"))), ""};
		cli_table_row(t, row);
	}
}

/* runs --compare as text: the data, the settings, then the statistics. */
static int print_compare(json_t *c)
{
	long long ra = (long long)json_integer_value(json_object_get(c, "a"));
	long long rb = (long long)json_integer_value(json_object_get(c, "b"));
	char ha[32], hb[32];
	snprintf(ha, sizeof ha, _("run %lld"), ra);
	snprintf(hb, sizeof hb, _("run %lld"), rb);
	cli_table *t = cli_table_new(4);
	const char *head[] = {_("data"), ha, hb, ""};
	cli_table_row(t, head);
	compare_rows(t, json_object_get(c, "data"), "what");
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	json_t *settings = json_object_get(c, "settings");
	if (json_array_size(settings)) {
		t = cli_table_new(4);
		const char *h2[] = {_("settings that differ"), ha, hb, ""};
		cli_table_row(t, h2);
		compare_rows(t, settings, "name");
		printf("\n");
		cli_table_print(t, stdout, 0);
		cli_table_free(t);
	} else
		printf(_("\nthe runs' settings are the same\n"));
	const char *note = json_string_value(json_object_get(c, "note"));
	if (note) {
		printf("\n%s\n", note);
		json_decref(c);
		return 0;
	}
	json_t *acc = json_object_get(c, "accuracy"), *f1 = json_object_get(c, "macro_f1");
	json_t *mc = json_object_get(c, "mcnemar");
	printf(_("\nthe same %lld test cases\n"), (long long)json_integer_value(json_object_get(c, "test_cases")));
	printf(_("accuracy  %.4f  %.4f  %+.4f   McNemar: %lld cases only run %lld gets right, %lld only run %lld; "
		 "exact p %.4g, chi2 %.4g (p %.4g)\n"),
	       json_number_value(json_object_get(acc, "a")), json_number_value(json_object_get(acc, "b")),
	       json_number_value(json_object_get(acc, "delta")), (long long)json_integer_value(json_object_get(mc, "a_only")),
	       ra, (long long)json_integer_value(json_object_get(mc, "b_only")), rb,
	       json_number_value(json_object_get(mc, "p_exact")), json_number_value(json_object_get(mc, "chi2")),
	       json_number_value(json_object_get(mc, "p_chi2")));
	printf(_("macro-F1  %.4f  %.4f  %+.4f   95%% interval [%+.4f, %+.4f] (paired bootstrap, %lld resamples, seed %lld)\n"),
	       json_number_value(json_object_get(f1, "a")), json_number_value(json_object_get(f1, "b")),
	       json_number_value(json_object_get(f1, "delta")), json_number_value(json_object_get(f1, "ci_low")),
	       json_number_value(json_object_get(f1, "ci_high")),
	       (long long)json_integer_value(json_object_get(f1, "resamples")),
	       (long long)json_integer_value(json_object_get(f1, "seed")));
	t = cli_table_new(5);
	const char *h3[] = {_("category (largest change first)"), _("support"), ha, hb, _("change")};
	cli_table_row(t, h3);
	for (int i = 1; i < 5; i++)
		cli_table_align(t, i, 1);
	size_t k;
	json_t *r;
	json_array_foreach(json_object_get(c, "per_category"), k, r)
	{
		char b[4][32];
		snprintf(b[0], 32, "%lld", (long long)json_integer_value(json_object_get(r, "support")));
		snprintf(b[1], 32, "%.4f", json_number_value(json_object_get(r, "f1_a")));
		snprintf(b[2], 32, "%.4f", json_number_value(json_object_get(r, "f1_b")));
		snprintf(b[3], 32, "%+.4f", json_number_value(json_object_get(r, "delta")));
		const char *row[] = {cli_esc(json_string_value(json_object_get(r, "category"))), b[0], b[1], b[2], b[3]};
		cli_table_row(t, row);
	}
	printf(_("\nF1 per category\n"));
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	json_decref(c);
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	runs_args a = {0};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (a.compare && argc - i != 2)
		return cli_usage_error(cmd, _("--compare A wants run B after the project file"));
	if (!a.compare && argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	long other = 0;
	if (a.compare && (cli_parse_long(argv[i + 1], &other) || other < 1))
		return cli_usage_error(cmd, _("--compare A wants run B after the project file"));
	yj_error err;
	error_clear(&err);
	yj_project *p;
	if (project_open(argv[i], &p, &err))
		return cli_fail(&err);
	if (a.del) {
		yj_status st = train_delete(p, a.del, &err);
		project_close(p);
		if (st)
			return cli_fail(&err);
		printf(_("removed run %ld\n"), a.del);
		return 0;
	}
	if (a.have_use) {
		yj_status st = runs_set_model(p, a.use, &err);
		project_close(p);
		if (st)
			return cli_fail(&err);
		if (a.use)
			printf(_("run %ld is the model of record\n"), a.use);
		else
			printf(_("no run pinned: the model of record is the latest completed classifier run\n"));
		return 0;
	}
	if (a.compare) {
		json_t *c = NULL;
		yj_compare_opts co = {.resamples = (int)a.resamples, .seed = (uint64_t)a.seed};
		yj_status st = compare_runs(p, a.compare, other, &co, &c, &err);
		project_close(p);
		if (st)
			return cli_fail(&err);
		return a.json ? cli_print_json(c) : print_compare(c);
	}
	json_t *out;
	yj_status st = a.history ? train_history(p, a.history, &out, &err) : train_list(p, &out, &err);
	project_close(p);
	if (st)
		return cli_fail(&err);
	if (a.json)
		return cli_print_json(out);
	if (a.history)
		return print_history(out);
	size_t k;
	json_t *r;
	cli_table *t = cli_table_new(9);
	const char *head[] = {_("run"),	       _("created"),	   _("status"),	       _("epochs"), _("best"),
			      _("valid macro-F1"), _("test accuracy"), _("test macro-F1"), _("tune")};
	cli_table_row(t, head);
	json_array_foreach(json_object_get(out, "runs"), k, r)
	{
		char b[7][48];
		snprintf(b[0], 48, "%lld", (long long)json_integer_value(json_object_get(r, "id")));
		snprintf(b[1], 48, "%lld/%lld", (long long)json_integer_value(json_object_get(r, "epochs_done")),
			 (long long)json_integer_value(json_object_get(json_object_get(r, "config"), "epochs")));
		json_t *be = json_object_get(r, "best_epoch");
		snprintf(b[2], 48, "%s", json_is_integer(be) ? "" : "-");
		if (json_is_integer(be))
			snprintf(b[2], 48, "%lld", (long long)json_integer_value(be));
		json_t *acc = json_object_get(r, "accuracy"), *f1 = json_object_get(r, "macro_f1");
		json_t *vf1 = json_object_get(json_object_get(r, "validation"), "macro_f1");
		snprintf(b[3], 48, json_is_number(vf1) ? "%.4f" : "-", json_number_value(vf1));
		snprintf(b[4], 48, json_is_number(acc) ? "%.4f" : "-", json_number_value(acc));
		snprintf(b[5], 48, json_is_number(f1) ? "%.4f" : "-", json_number_value(f1));
		json_t *tu = json_object_get(r, "tune");
		snprintf(b[6], 48, json_is_integer(tu) ? "%lld" : "-", (long long)json_integer_value(tu));
		const char *row[] = {b[0], json_string_value(json_object_get(r, "created_at")),
				     _(json_string_value(json_object_get(r, "status"))), b[1], b[2], b[3], b[4], b[5], b[6]};
		cli_table_row(t, row);
	}
	if (json_array_size(json_object_get(out, "runs")))
		cli_table_print(t, stdout, 0);
	else
		printf(_("no runs yet; train one with 'yujing train'\n"));
	cli_table_free(t);
	json_decref(out);
	return 0;
}

const cli_command cmd_runs = {
	.name = "runs",
	.synopsis = N_("PROJECT [--history RUN] [--delete RUN] [--use RUN] [--compare A B] [--json]"),
	.summary = N_("List training runs with their status and metrics"),
	.options = options,
	.run = run,
};
