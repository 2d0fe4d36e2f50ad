/*
 * cmd-train.c - yujing train PROJECT [OPTIONS]
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/nn/bf16.h"
#include "yujing/base/i18n.h"
#include "yujing/model/fusion.h"
#include "yujing/store/project.h"
#include "yujing/train/textbranch.h"
#include "yujing/train/train.h"

enum {
	O_BRANCHES = 256, O_EPOCHS, O_BATCH, O_LR, O_HIDDEN, O_DEPTH, O_CW, O_SEED, O_THREADS, O_JSON,
	O_RESUME, O_WD, O_TOPK, O_CANCEL, O_EXCLUDE, O_FUSION, O_BUCKETS, O_TEXT_MODEL, O_TEXT_LR,
	O_FREEZE, O_MAX_LEN, O_TEXT_POOL, O_PRECISION
};

static const cli_option options[] = {
	{"branches", O_BRANCHES, N_("LIST"), N_("branches to train: structured, ngram, ngram:FIELD, text, text:FIELD (default: all the data supports; text only with --freeze-text and an encoder)")},
	{"text-model", O_TEXT_MODEL, N_("DIR"), N_("encoder of the text branches: a Hugging Face directory (default: the project's active encoder)")},
	{"text-lr", O_TEXT_LR, N_("X"), N_("peak learning rate of the text encoder (default 0.00002)")},
	{"freeze-text", O_FREEZE, NULL, N_("keep the text encoder fixed and cache each case's text vectors in the project")},
	{"text-pool", O_TEXT_POOL, N_("HOW"), N_("text vector of the text branches: mean (of the last hidden states over the text's tokens, the default) or cls (the [CLS] hidden state)")},
	{"max-len", O_MAX_LEN, N_("N"), N_("tokens per text for the text branches (default: the profile's suggested length, else 128)")},
	{"fusion", O_FUSION, N_("HOW"), N_("concat (default) or sum of the branch vectors")},
	{"ngram-buckets", O_BUCKETS, N_("N"), N_("hash buckets of the n-gram branches (default 262144)")},
	{"epochs", O_EPOCHS, N_("N"), N_("passes over the training cases (default 20)")},
	{"batch", O_BATCH, N_("N"), N_("cases per step (default 256)")},
	{"lr", O_LR, N_("X"), N_("peak learning rate of AdamW (default 0.001)")},
	{"weight-decay", O_WD, N_("X"), N_("AdamW decoupled weight decay (default 0.01)")},
	{"hidden", O_HIDDEN, N_("N"), N_("width of each source's MLP (default 64)")},
	{"depth", O_DEPTH, N_("N"), N_("Linear-BatchNorm-ReLU blocks per source (default 1)")},
	{"exclude", O_EXCLUDE, N_("F1,F2,..."), N_("fields left out of the features (e.g. ones that give the label away)")},
	{"top-k", O_TOPK, N_("N"), N_("categorical values one-hot encoded per field (default 10)")},
	{"class-weight", O_CW, N_("HOW"), N_("none (default) or balanced")},
	{"seed", O_SEED, N_("N"), N_("seed of initialisation and shuffling (default 42)")},
	{"threads", O_THREADS, N_("N"), N_("threads (default: OPENBLAS_NUM_THREADS, else all cores)")},
	{"precision", O_PRECISION, N_("P"), N_("matrix products of the BERT encoder in fp32 or bf16 (default bf16 where the CPU has AVX512_BF16)")},
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
	char **exclude;
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
	double d;
	nn_precision p;
	switch (key) {
	case O_BRANCHES: {
		size_t n = 0;
		char **bl = cli_split_list(arg, &n);
		for (size_t k = 0; bl && k < n; k++)
			if (strcmp(bl[k], "structured") && strcmp(bl[k], "ngram") && strncmp(bl[k], "ngram:", 6) &&
			    strcmp(bl[k], "text") && strncmp(bl[k], "text:", 5)) {
				cli_usage_error(a->cmd, _("--branches: '%s' is not a branch "
							  "(structured, ngram, ngram:FIELD, text, text:FIELD)"),
						bl[k]);
				free(bl);
				return 2;
			}
		free(bl);
		a->o.branches = arg;
		break;
	}
	case O_FUSION:
		if (!strcmp(arg, "concat"))
			a->o.fusion = FUSION_CONCAT;
		else if (!strcmp(arg, "sum"))
			a->o.fusion = FUSION_SUM;
		else
			return cli_usage_error(a->cmd, _("--fusion wants concat or sum"));
		break;
	case O_BUCKETS:
		if (want_int(a, "--ngram-buckets", arg, 1, &v))
			return 2;
		a->o.ngram_buckets = (unsigned)v;
		break;
	case O_EPOCHS:
		if (want_int(a, "--epochs", arg, 1, &v))
			return 2;
		a->o.epochs = (int)v;
		break;
	case O_BATCH:
		if (want_int(a, "--batch", arg, 2, &v))
			return 2;
		a->o.batch = (int)v;
		break;
	case O_HIDDEN:
		if (want_int(a, "--hidden", arg, 1, &v))
			return 2;
		a->o.hidden = (int)v;
		break;
	case O_DEPTH:
		if (want_int(a, "--depth", arg, 1, &v))
			return 2;
		a->o.depth = (int)v;
		break;
	case O_TOPK:
		if (want_int(a, "--top-k", arg, 1, &v))
			return 2;
		a->o.top_k = (int)v;
		break;
	case O_SEED:
		if (want_int(a, "--seed", arg, 0, &v))
			return 2;
		a->o.seed = (uint64_t)v;
		break;
	case O_PRECISION:
		if (nn_precision_parse(arg, &p))
			return cli_usage_error(a->cmd, _("--precision wants fp32 or bf16"));
		a->o.precision = (int)p;
		break;
	case O_THREADS:
		if (want_int(a, "--threads", arg, 1, &v))
			return 2;
		a->o.threads = (int)v;
		break;
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
	case O_LR:
		if (cli_parse_double(arg, &d) || !(d > 0))
			return cli_usage_error(a->cmd, _("--lr wants a positive number"));
		a->o.lr = (float)d;
		break;
	case O_WD:
		if (cli_parse_double(arg, &d) || d < 0)
			return cli_usage_error(a->cmd, _("--weight-decay wants a non-negative number"));
		a->o.weight_decay = (float)d;
		break;
	case O_CW:
		if (!strcmp(arg, "balanced"))
			a->o.balanced = 1;
		else if (!strcmp(arg, "none"))
			a->o.balanced = 0;
		else
			return cli_usage_error(a->cmd, _("--class-weight wants none or balanced"));
		break;
	case O_EXCLUDE:
		free(a->exclude);
		a->exclude = cli_split_list(arg, &a->o.nexclude);
		a->o.exclude = (const char *const *)a->exclude;
		break;
	case O_JSON:
		a->json = 1;
		break;
	case O_TEXT_MODEL:
		a->o.text_model = arg;
		break;
	case O_TEXT_LR:
		if (cli_parse_double(arg, &d) || !(d > 0))
			return cli_usage_error(a->cmd, _("--text-lr wants a positive number"));
		a->o.text_lr = (float)d;
		break;
	case O_FREEZE:
		a->o.freeze_text = 1;
		break;
	case O_TEXT_POOL:
		if ((a->o.text_pool = text_pool_parse(arg)) < 0)
			return cli_usage_error(a->cmd, _("--text-pool wants mean or cls, not '%s'"), arg);
		break;
	case O_MAX_LEN:
		if (want_int(a, "--max-len", arg, 2, &v))
			return 2;
		a->o.max_len = (int)v;
		break;
	}
	return 0;
}

static void on_epoch(void *ctx, int epoch, double train_loss, double test_loss, double acc, double f1)
{
	train_args *a = ctx;
	if (a->json)
		return;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	printf(_("epoch %3d  train loss %.4f  test loss %.4f  accuracy %.4f  macro-F1 %.4f\n"), epoch + 1,
	       train_loss, test_loss, acc, f1);
	fflush(stdout);
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	train_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	train_opts_default(&a.o);
	a.o.precision = (int)nn_precision_default();
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
		printf(_("run %lld done: test accuracy %.4f, macro-F1 %.4f (best epoch)\n"), id,
		       json_number_value(json_object_get(ev, "accuracy")),
		       json_number_value(json_object_get(ev, "macro_f1")));
		json_decref(ev);
	}
out:
	project_close(p);
	free(a.exclude);
	return rc;
}

const cli_command cmd_train = {
	.name = "train",
	.synopsis = N_("PROJECT [OPTIONS]"),
	.summary = N_("Train a model on the train split, evaluating on the test split each epoch"),
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
	.run = run,
};
