/*
 * cmd-runs.c - yujing runs PROJECT [--history RUN] [--delete RUN] [--use RUN] [--json]
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/store/runs.h"
#include "yujing/train/train.h"

enum { O_JSON = 256, O_HISTORY, O_DELETE, O_USE };

static const cli_option options[] = {
	{"delete", O_DELETE, N_("RUN"), N_("remove a run that is not training, with its steps and predictions")},
	{"history", O_HISTORY, N_("RUN"), N_("print a run's loss curve: a table of its epochs (with --json also every step's loss)")},
	{"use", O_USE, N_("RUN"), N_("make a completed classifier run the model of record (predict, explain, Cases and Warnings use it; 0 unpins)")},
	{"json", O_JSON, NULL, N_("print as JSON")},
	{0},
};

typedef struct {
	int json;
	long history, del, use;
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

static int run(const cli_command *cmd, int argc, char **argv)
{
	runs_args a = {0};
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
	.synopsis = N_("PROJECT [--history RUN] [--delete RUN] [--use RUN] [--json]"),
	.summary = N_("List training runs with their status and metrics"),
	.options = options,
	.run = run,
};
