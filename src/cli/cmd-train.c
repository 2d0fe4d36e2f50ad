/*
 * cmd-train.c - yujing train PROJECT [OPTIONS]
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/train/settings.h"
#include "yujing/train/train.h"

enum { O_JSON = 256, O_RESUME, O_CANCEL };

/* The settings (settings_train) come first; then these. */
static const cli_option options[] = {
	{"resume", O_RESUME, N_("RUN"), N_("continue a stopped run from its checkpoint")},
	{"cancel", O_CANCEL, N_("RUN"), N_("ask a run that is training (in another process) to stop")},
	{"json", O_JSON, NULL, N_("print the result as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_train_opts o;
	int json;
	long cancel;
	int on_valid; /* the run chooses its epoch on the validation part */
} train_args;

static int want_int(train_args *a, const char *opt, const char *arg, long min, long *out)
{
	if (cli_parse_long(arg, out) || *out < min)
		return cli_usage_error(a->cmd, _("%s wants a whole number of at least %ld"), opt, min);
	return 0;
}

static int on_opt(void *ctx, int key, const char *arg)
{
	train_args *a = ctx;
	long v;
	if (key >= CLI_SETTING)
		return cli_setting(a->cmd, key, arg, &a->o);
	switch (key) {
	case O_RESUME:
		if (want_int(a, "--resume", arg, 1, &v))
			return 2;
		a->o.resume = v;
		break;
	case O_CANCEL:
		if (want_int(a, "--cancel", arg, 1, &v))
			return 2;
		a->cancel = v;
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}

static void on_epoch(void *ctx, int epoch, double train_loss, double sel_loss, double acc, double f1)
{
	train_args *a = ctx;
	if (a->json)
		return;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	/* the figures of the part the epoch is chosen on */
	printf(a->on_valid ? _("epoch %3d  train loss %.4f  valid loss %.4f  accuracy %.4f  macro-F1 %.4f\n")
			   : _("epoch %3d  train loss %.4f  test loss %.4f  accuracy %.4f  macro-F1 %.4f\n"),
	       epoch + 1, train_loss, sel_loss, acc, f1);
	fflush(stdout);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	train_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	train_opts_default(&a.o);
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	int rc = 0;
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	if (i < 0) {
		rc = -i - 1;
		goto out;
	}
	if (argc - i != 1) {
		rc = cli_usage_error(cmd, _("expected one project file"));
		goto out;
	}
	if (project_open(argv[i], &p, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	if (a.cancel) {
		if (train_request_cancel(p, a.cancel, &err))
			rc = cli_fail(&err);
		else
			printf(_("asked run %ld to stop\n"), a.cancel);
		goto out;
	}
	yj_progress pg;
	cli_progress_init(&pg);
	cli_catch_interrupt();
	a.o.progress = &pg;
	a.o.on_epoch = on_epoch;
	a.o.ctx = &a;
	a.on_valid = train_selects_on_validation(p);
	long long id = 0;
	yj_status st = train_run(p, &a.o, &id, &err);
	cli_progress_done(&pg);
	if (st) {
		rc = cli_fail(&err);
		goto out;
	}
	json_t *ev = NULL;
	if (train_eval(p, id, &ev, &err)) {
		rc = cli_fail(&err);
	} else if (a.json) {
		rc = cli_print_json(ev);
	} else {
		json_t *va = json_object_get(ev, "validation"), *cal = json_object_get(ev, "calibration");
		if (va)
			printf(_("run %lld done: epoch %lld chosen on validation (macro-F1 %.4f); test accuracy %.4f, "
				 "macro-F1 %.4f\n"),
			       id, (long long)json_integer_value(json_object_get(ev, "best_epoch")),
			       json_number_value(json_object_get(va, "macro_f1")),
			       json_number_value(json_object_get(ev, "accuracy")),
			       json_number_value(json_object_get(ev, "macro_f1")));
		else
			printf(_("run %lld done: test accuracy %.4f, macro-F1 %.4f (epoch %lld, chosen on the test part: "
				 "the split has no validation part)\n"),
			       id, json_number_value(json_object_get(ev, "accuracy")),
			       json_number_value(json_object_get(ev, "macro_f1")),
			       (long long)json_integer_value(json_object_get(ev, "best_epoch")));
		if (json_object_get(cal, "tau"))
			printf(_("logit adjustment: tau %.2f (%s)\n"), json_number_value(json_object_get(cal, "tau")),
			       json_object_get(cal, "tau_grid_f1") ? _("chosen on validation") : _("fixed by --adjust"));
		if (json_object_get(cal, "ece_after"))
			printf(_("probabilities calibrated: temperature %.4f; expected calibration error on test %.4f "
				 "-> %.4f\n"),
			       json_number_value(json_object_get(cal, "temperature")),
			       json_number_value(json_object_get(cal, "ece_before")),
			       json_number_value(json_object_get(cal, "ece_after")));
		json_decref(ev);
	}
out:
	project_close(p);
	settings_free(settings_train, &a.o);
	return rc;
}

const cli_command cmd_train = {
	.name = "train",
	.synopsis = N_("PROJECT [OPTIONS]"),
	.summary = N_("Train a model on the train split, choosing its epoch on the validation part and reporting on "
		      "the test part"),
	.description = N_("Trains the multimodal model: the structured branch (one MLP with BatchNorm per "
			  "source, the source vectors concatenated and projected) and one n-gram branch per "
			  "text field (hashed character 1-3-grams averaged through a sparse linear layer), "
			  "and one BERT text branch per text field (the encoder's text vector, the mean of "
			  "its last hidden states over the tokens or the [CLS] state (--text-pool), through a "
			  "Linear layer; one encoder shared by all fields, fine-tuned with its own learning "
			  "rate, or fixed with --freeze-text, its vectors cached in the project so that "
			  "training again takes seconds). The default branches are all the data supports, "
			  "BERT only with --freeze-text and an encoder, since fine-tuning on a CPU is slow; "
			  "ask for it with --branches text. The branch vectors are fused by concatenation or sum into a softmax classifier, with AdamW, "
			  "linear warm-up and decay, and gradient clipping. Every step's loss and every "
			  "epoch's test metrics are written to the project as training goes; the best "
			  "epoch's weights are kept. Ctrl-C stops after the current step, resumable with "
			  "--resume."),
	.options = options,
	.settings = settings_train,
	.run = run,
};
