/*
 * cmd-explain.c - yujing explain PROJECT [--run N] --case KEY [--batch N] [--json]
 */
#include <config.h>

#include <stdio.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/text/width.h"
#include "yujing/train/explain.h"

enum { O_RUN = 256, O_CASE, O_JSON, O_BATCH };

static const cli_option options[] = {
	{"run", O_RUN, N_("N"), N_("the run to explain (default: the model of record, see runs --use)")},
	{"case", O_CASE, N_("KEY"), N_("the case to explain: of the active snapshot, else of the latest batch of new cases (predict --source) that holds it")},
	{"batch", O_BATCH, N_("N"), N_("look for the case in batch N of new cases only")},
	{"json", O_JSON, NULL, N_("print as JSON")},
	{0},
};

typedef struct {
	long run, batch;
	const char *key;
	int json;
} explain_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	explain_args *a = ctx;
	if (key == O_JSON)
		a->json = 1;
	else if (key == O_CASE)
		a->key = arg;
	else if (key == O_RUN && (cli_parse_long(arg, &a->run) || a->run < 1))
		return cli_usage_error(cli_find("explain"), _("--run wants a run number"));
	else if (key == O_BATCH && (cli_parse_long(arg, &a->batch) || a->batch < 1))
		return cli_usage_error(cli_find("explain"), _("--batch wants a batch number"));
	return 0;
}

/* s, then spaces up to cols display columns (CJK characters take two:
 * printf's %-20s pads by bytes). */
static void put_padded(const char *s, int cols)
{
	fputs(s, stdout);
	for (int w = width_str(s); w < cols; w++)
		putchar(' ');
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	explain_args a = {0};
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	if (!a.key)
		return cli_usage_error(cmd, _("say which case: --case KEY"));
	yj_error err;
	error_clear(&err);
	yj_project *p;
	if (project_open(argv[i], &p, &err))
		return cli_fail(&err);
	yj_explanation e;
	yj_status st = explain_case(p, a.run, a.key, a.batch, &e, &err);
	project_close(p);
	if (st)
		return cli_fail(&err);
	json_t *ex = explanation_json(&e);
	explanation_free(&e);
	if (!ex) {
		error_set(&err, YJ_ENOMEM, _("out of memory"));
		return cli_fail(&err);
	}
	if (a.json)
		return cli_print_json(ex);
	json_t *out = json_object_get(ex, "output"), *base = json_object_get(ex, "base");
	if (json_is_integer(json_object_get(ex, "batch")))
		printf(_("case %s of batch %lld (new cases)\n"), a.key,
		       (long long)json_integer_value(json_object_get(ex, "batch")));
	printf(_("case %s: predicted %s (probability %.4f, logit %.4f)\n"), a.key,
	       json_string_value(json_object_get(ex, "predicted")),
	       json_number_value(json_object_get(out, "probability")), json_number_value(json_object_get(out, "logit")));
	const char *k;
	json_t *v;
	printf("%s\n", _("top probabilities:"));
	json_object_foreach(json_object_get(ex, "probabilities"), k, v)
	{
		fputs("  ", stdout);
		put_padded(k, 20);
		printf(" %.4f\n", json_number_value(v));
	}
	double T = json_number_value(json_object_get(ex, "temperature"));
	double tau = json_number_value(json_object_get(ex, "tau"));
	if (tau != 0)
		printf(_("logits adjusted for rare categories: logit - tau log(prior), tau = %.2f chosen on the "
			 "validation part (or fixed by --adjust); the adjustment is part of the baseline\n"),
		       tau);
	if (T != 1)
		printf(_("probabilities calibrated: softmax(logit / T), temperature T = %.4f fitted on the validation "
			 "part; the logits shown are divided by T\n"),
		       T);
	else
		printf("%s\n", _("probabilities not calibrated (temperature 1: the run has no validation part)"));
	printf(_("baseline (every branch at its training mean): probability %.4f, logit %.4f\n"),
	       json_number_value(json_object_get(base, "probability")), json_number_value(json_object_get(base, "logit")));
	cli_table *t = cli_table_new(5);
	const char *head[] = {_("branch"), _("kind"), _("Shapley logit"), _("Shapley prob."), _("leave-one-out")};
	cli_table_row(t, head);
	for (int c = 2; c < 5; c++)
		cli_table_align(t, c, 1);
	size_t j;
	json_array_foreach(json_object_get(ex, "branches"), j, v)
	{
		char b[3][32];
		snprintf(b[0], 32, "%+.4f", json_number_value(json_object_get(v, "logit")));
		snprintf(b[1], 32, "%+.4f", json_number_value(json_object_get(v, "probability")));
		snprintf(b[2], 32, "%+.4f", json_number_value(json_object_get(v, "leave_one_out")));
		const char *row[] = {json_string_value(json_object_get(v, "name")),
				     json_string_value(json_object_get(v, "kind")), b[0], b[1], b[2]};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 2);
	cli_table_free(t);
	if (json_array_size(json_object_get(ex, "tokens"))) {
		printf("%s\n", _("characters that mattered most (drop in the logit without each):"));
		int tw = 0;
		json_array_foreach(json_object_get(ex, "tokens"), j, v)
		{
			int w = width_str(json_string_value(json_object_get(v, "text")));
			tw = w > tw ? w : tw;
		}
		json_array_foreach(json_object_get(ex, "tokens"), j, v)
		{
			fputs("  ", stdout);
			put_padded(json_string_value(json_object_get(v, "branch")), 14);
			putchar(' ');
			put_padded(json_string_value(json_object_get(v, "text")), tw);
			printf("  %+.4f\n", json_number_value(json_object_get(v, "score")));
		}
	}
	json_array_foreach(json_object_get(ex, "branches"), j, v)
	{
		json_int_t nc = json_integer_value(json_object_get(v, "characters"));
		json_int_t ns = json_integer_value(json_object_get(v, "characters_scored"));
		if (ns < nc)
			printf(_("%s: only the first %lld of its %lld characters were scored (the occlusion work is "
				 "bounded)\n"),
			       json_string_value(json_object_get(v, "name")), (long long)ns, (long long)nc);
	}
	json_decref(ex);
	return 0;
}

const cli_command cmd_explain = {
	.name = "explain",
	.synopsis = N_("PROJECT [--run N] --case KEY [--batch N] [--json]"),
	.summary = N_("Why a run predicts what it does for one case: per-branch Shapley values"),
	.description = N_("Exact Shapley values of every branch (each structured source, each n-gram text "
			  "field) on the predicted category's logit and probability: a branch absent is "
			  "replaced by its mean vector over the training set. The baseline plus the "
			  "branch values equals the model's output. For text branches, the characters "
			  "whose removal lowers the logit most."),
	.options = options,
	.run = run,
};
