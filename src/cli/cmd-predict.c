/*
 * cmd-predict.c - yujing predict PROJECT [--run N] [--source NAME=FILE ...]
 *                 [--unlabeled] [--alert CATEGORY>=P ...] [--json]
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/train/predict.h"

enum { O_RUN = 256, O_UNLABELED, O_SOURCE, O_ALERT, O_JSON };

static const cli_option options[] = {
	{"run", O_RUN, N_("N"), N_("the run whose model predicts (default: the model of record, see runs --use)")},
	{"unlabeled", O_UNLABELED, NULL, N_("predict the cases of the active snapshot that have no label")},
	{"source", O_SOURCE, N_("NAME=FILE"), N_("new case data for source NAME, with its fields (repeatable; the label source's file defines the cases)")},
	{"alert", O_ALERT, N_("CATEGORY>=P"), N_("flag a case whose probability of CATEGORY reaches P (repeatable; without it: the project's alert thresholds of the Warnings view)")},
	{"json", O_JSON, NULL, N_("print one JSON object per case")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	long run;
	int unlabeled, json;
	yj_case_file files[64];
	size_t nfiles;
	yj_alert alerts[64];
	char *alert_text[64];
	size_t nalerts;
} predict_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	predict_args *a = ctx;
	switch (key) {
	case O_RUN:
		if (cli_parse_long(arg, &a->run) || a->run < 1)
			return cli_usage_error(a->cmd, _("--run wants a run number"));
		break;
	case O_UNLABELED:
		a->unlabeled = 1;
		break;
	case O_SOURCE: {
		const char *eq = strchr(arg, '=');
		if (!eq || eq == arg || !eq[1])
			return cli_usage_error(a->cmd, _("--source wants NAME=FILE, not '%s'"), arg);
		if (a->nfiles == 64)
			return cli_usage_error(a->cmd, _("too many --source options"));
		char *name = strndup(arg, (size_t)(eq - arg));
		if (!name)
			return 1;
		a->files[a->nfiles++] = (yj_case_file){name, eq + 1};
		break;
	}
	case O_JSON:
		a->json = 1;
		break;
	case O_ALERT: {
		const char *ge = strstr(arg, ">=");
		double p;
		if (!ge || ge == arg || cli_parse_double(ge + 2, &p) || p < 0 || p > 1)
			return cli_usage_error(a->cmd, _("--alert wants CATEGORY>=P with P in [0, 1], not '%s'"), arg);
		if (a->nalerts == 64)
			return cli_usage_error(a->cmd, _("too many --alert options"));
		char *c = strndup(arg, (size_t)(ge - arg));
		if (!c)
			return 1;
		a->alert_text[a->nalerts] = c;
		a->alerts[a->nalerts++] = (yj_alert){c, p};
		break;
	}
	}
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	predict_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	int i = cli_parse(cmd, argc, argv, on_opt, &a), rc = 0;
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
	if (a.nfiles && a.unlabeled) {
		rc = cli_usage_error(cmd, _("--source and --unlabeled: say which cases, not both"));
		goto out;
	}
	if (!a.unlabeled && !a.nfiles) {
		rc = cli_usage_error(cmd, _("say which cases: --source NAME=FILE or --unlabeled"));
		goto out;
	}
	if (project_open(argv[i], &p, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	yj_predict_opts o = {.run = a.run, .unlabeled = a.unlabeled, .alerts = a.alerts, .nalerts = a.nalerts,
			     .files = a.nfiles ? a.files : NULL, .nfiles = a.nfiles};
	json_t *res = NULL;
	if (predict_run(p, &o, &res, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	size_t k;
	json_t *c;
	json_array_foreach(json_object_get(res, "predictions"), k, c)
	{
		if (a.json) {
			char *s = json_dumps(c, JSON_COMPACT | JSON_PRESERVE_ORDER |
							JSON_REAL_PRECISION(6));
			if (s)
				puts(s);
			free(s);
			continue;
		}
		const char *pred = json_string_value(json_object_get(c, "predicted"));
		printf("%s\t%s\t%.4f%s\n", cli_esc(json_string_value(json_object_get(c, "key"))), cli_esc(pred),
		       json_number_value(json_object_get(json_object_get(c, "probabilities"), pred)),
		       json_is_true(json_object_get(c, "alert")) ? _("\tALERT") : "");
	}
	if (!a.json)
		fprintf(stderr, _("run %lld: %zu cases predicted and stored\n"),
			(long long)json_integer_value(json_object_get(res, "run")),
			json_array_size(json_object_get(res, "predictions")));
	json_decref(res);
out:
	project_close(p);
	for (size_t j = 0; j < a.nalerts; j++)
		free(a.alert_text[j]);
	for (size_t j = 0; j < a.nfiles; j++)
		free((char *)a.files[j].source);
	return rc;
}

const cli_command cmd_predict = {
	.name = "predict",
	.synopsis = N_("PROJECT [--run N] (--source NAME=FILE ... | --unlabeled) [--alert CATEGORY>=P ...] [--json]"),
	.summary = N_("Predict the crime category of cases with a trained run, and raise warnings"),
	.description = N_("Applies a run's model to new cases: the rows of files given with --source "
			  "(the label source's file defines the cases, the other sources' files join by "
			  "key, a source not given has no rows for them), or with --unlabeled the cases "
			  "of the active snapshot that have no label. New rows go through the run's "
			  "cleaning with its stored training statistics (fill values, mean and std, "
			  "categories, vocabularies), never re-estimated; no case is dropped for nulls. "
			  "A missing field the run uses or a value that does not parse as its field's "
			  "type is an error naming file, line and field. Every class probability is "
			  "stored with the run (table predictions). --alert flags a case whose "
			  "probability of a category reaches the threshold."),
	.options = options,
	.run = run,
};
