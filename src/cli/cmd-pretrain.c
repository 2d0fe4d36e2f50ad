/*
 * cmd-pretrain.c - yujing pretrain PROJECT [OPTIONS]: masked-LM
 * pretraining of the text encoder on the project's text fields; --export
 * writes a stored encoder as a Hugging Face directory.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/train/pretrain.h"
#include "yujing/train/settings.h"
#include "yujing/train/train.h"

/* cmd-tokenize.c: the shipped data directory. */

enum { O_RESUME = 256, O_CANCEL, O_EXPORT, O_EXPORT_CORPUS, O_USE, O_ENCODER, O_JSON };

/* The settings (settings_pretrain) come first; then these. */
static const cli_option options[] = {
	{"resume", O_RESUME, N_("RUN"), N_("continue a stopped pretraining run from its checkpoint")},
	{"cancel", O_CANCEL, N_("RUN"), N_("ask a run that is pretraining (in another process) to stop")},
	{"export", O_EXPORT, N_("DIR"),
	 N_("write the active encoder (or --encoder ID) as config.json, vocab.txt and model.safetensors "
	    "into DIR, without training")},
	{"export-corpus", O_EXPORT_CORPUS, N_("FILE"),
	 N_("write the texts pretraining reads, tokenized as it tokenizes them (the vocabulary of --from "
	    "DIR or --vocab, --max-len), to FILE as JSON lines {\"text\": ..., \"ids\": [...]}, "
	    "without training (for tools/pretrain_ddp.py)")},
	{"use", O_USE, N_("DIR"),
	 N_("make the Hugging Face directory DIR (e.g. tools/pretrain_ddp.py's result, or an encoder "
	    "installed with yujing) the project's text encoder, without training")},
	{"encoder", O_ENCODER, N_("ID"), N_("the stored encoder --export writes")},
	{"json", O_JSON, NULL, N_("print the result as JSON")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_pretrain_opts o;
	long cancel, encoder;
	const char *export_dir, *export_corpus, *use;
	int json;
	json_t *epochs;
} pretrain_args;

static int want_int(pretrain_args *a, const char *opt, const char *arg, long min, long *out)
{
	if (cli_parse_long(arg, out) || *out < min)
		return cli_usage_error(a->cmd, _("%s wants a whole number of at least %ld"), opt, min);
	return 0;
}

static int on_opt(void *ctx, int key, const char *arg)
{
	pretrain_args *a = ctx;
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
	case O_ENCODER:
		if (want_int(a, "--encoder", arg, 1, &v))
			return 2;
		a->encoder = v;
		break;
	case O_EXPORT:
		a->export_dir = arg;
		break;
	case O_EXPORT_CORPUS:
		a->export_corpus = arg;
		break;
	case O_USE:
		a->use = arg;
		break;
	case O_JSON:
		a->json = 1;
		break;
	}
	return 0;
}

static json_t *num_or_null(double x)
{
	return isnan(x) ? json_null() : json_real(x);
}

static void on_epoch(void *ctx, int epoch, double train_loss, double test_loss, double acc)
{
	pretrain_args *a = ctx;
	json_array_append_new(a->epochs, json_pack("{s:i, s:f, s:o, s:o}", "epoch", epoch + 1, "train_loss",
						   train_loss, "test_loss", num_or_null(test_loss), "accuracy",
						   num_or_null(acc)));
	if (a->json)
		return;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	printf(_("epoch %3d  MLM loss %.4f  held-out loss %.4f  masked-token accuracy %.4f\n"), epoch + 1,
	       train_loss, test_loss, acc);
	fflush(stdout);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	pretrain_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	pretrain_opts_default(&a.o);
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	int rc = 0;
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	char vpath[4096];
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	if (a.encoder && !a.export_dir)
		return cli_usage_error(cmd, _("--encoder goes with --export DIR"));
	if (!!a.export_dir + !!a.export_corpus + !!a.use > 1)
		return cli_usage_error(cmd, _("--export, --export-corpus and --use are separate commands: give one"));
	if (a.o.from && a.o.vocab)
		return cli_usage_error(cmd, _("--from DIR brings its own vocabulary; leave out --vocab"));
	if (project_open(argv[i], &p, &err))
		return cli_fail(&err);
	if (a.cancel) {
		if (train_request_cancel(p, a.cancel, &err))
			rc = cli_fail(&err);
		else
			printf(_("asked run %ld to stop\n"), a.cancel);
		goto out;
	}
	if (a.export_dir) {
		long long id = 0;
		if (pretrain_export(p, a.encoder, a.export_dir, &id, &err)) {
			rc = cli_fail(&err);
		} else if (a.json) {
			rc = cli_print_json(json_pack("{s:I, s:s}", "encoder", (json_int_t)id, "dir", a.export_dir));
		} else {
			printf(_("wrote encoder %lld to %s (config.json, vocab.txt, model.safetensors)\n"), id,
			       a.export_dir);
		}
		goto out;
	}
	if (a.use) {
		long long run = 0, enc = 0;
		if (pretrain_use(p, a.use, &run, &enc, &err))
			rc = cli_fail(&err);
		else if (a.json)
			rc = cli_print_json(json_pack("{s:I, s:I}", "run", (json_int_t)run, "encoder", (json_int_t)enc));
		else
			printf(_("run %lld: encoder %lld (from %s) is the project's text encoder\n"), run, enc, a.use);
		goto out;
	}
	if (!a.o.from && !a.o.vocab)
		a.o.vocab = cli_data_path("bert-base-chinese-vocab.txt", vpath, sizeof vpath);
	if (a.export_corpus) {
		size_t n = 0;
		if (pretrain_export_corpus(p, &a.o, a.export_corpus, &n, &err))
			rc = cli_fail(&err);
		else if (a.json)
			rc = cli_print_json(json_pack("{s:I, s:s}", "texts", (json_int_t)n, "file", a.export_corpus));
		else
			printf(_("wrote %zu texts to %s\n"), n, a.export_corpus);
		goto out;
	}
	a.epochs = json_array();
	yj_progress pg;
	cli_progress_init(&pg);
	cli_catch_interrupt();
	a.o.progress = &pg;
	a.o.on_epoch = on_epoch;
	a.o.ctx = &a;
	long long id = 0, enc = 0;
	yj_status st = pretrain_run(p, &a.o, &id, &enc, &err);
	cli_progress_done(&pg);
	if (st) {
		rc = cli_fail(&err);
	} else if (a.json) {
		rc = cli_print_json(json_pack("{s:I, s:I, s:O}", "run", (json_int_t)id, "encoder", (json_int_t)enc,
					      "epochs", a.epochs));
	} else {
		printf(_("run %lld done: encoder %lld is the project's text encoder (export it with --export DIR)\n"),
		       id, enc);
	}
out:
	json_decref(a.epochs);
	project_close(p);
	return rc;
}

const cli_command cmd_pretrain = {
	.name = "pretrain",
	.synopsis = N_("PROJECT [OPTIONS]"),
	.summary = N_("Pretrain the text encoder (masked-language model) on the project's text fields"),
	.description = N_("Masked-language-model pretraining of a BERT encoder on every distinct text of "
			  "every text field, from random initialisation (--config) or from a Hugging Face "
			  "directory (--from). Of each text's tokens 15% are predicted, of those 80% "
			  "replaced by [MASK], 10% by a random token and 10% kept, drawn again every "
			  "epoch; AdamW with linear warm-up and decay, gradient clipping and dropout. "
			  "Every step's loss and every epoch's held-out loss (5% of the texts, a fixed "
			  "mask) and masked-token accuracy are written to the project as it goes. The "
			  "result is stored in the project as its active text encoder. Ctrl-C stops after "
			  "the current step, resumable with --resume."),
	.options = options,
	.settings = settings_pretrain,
	.run = run,
};
