/*
 * cmd-alerts.c - yujing alerts PROJECT [--run N] [--set EDIT ...] [--all]
 *                [--json | --cases]
 *
 * The project's alert thresholds (alerts.h), set as the Warnings view's
 * `t` sets them, and what each would have flagged on the validation cases
 * of the model of record (or --run N): precision and recall with their
 * counts.
 */
#include <config.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"
#include "yujing/train/alerts.h"

enum { O_RUN = 256, O_SET, O_ALL, O_JSON, O_CASES };

static const cli_option options[] = {
	{"run", O_RUN, N_("N"), N_("measure on the validation cases of run N (default: the model of record, see runs --use)")},
	{"set", O_SET, N_("EDIT"), N_("P: the threshold of every category not set one by one; CATEGORY=P: one category's; CATEGORY=: remove that one (repeatable, in order; stored in the project)")},
	{"all", O_ALL, NULL, N_("list every category at its threshold, not only those set one by one")},
	{"json", O_JSON, NULL, N_("print as JSON (every category)")},
	{"cases", O_CASES, NULL, N_("print each validation case's true category and probabilities, one JSON object a line")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	long run;
	int all, json, cases;
	const char *set[64];
	size_t nset;
} alerts_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	alerts_args *a = ctx;
	switch (key) {
	case O_RUN:
		if (cli_parse_long(arg, &a->run) || a->run < 1)
			return cli_usage_error(a->cmd, _("--run wants a run number"));
		break;
	case O_SET:
		if (a->nset == 64)
			return cli_usage_error(a->cmd, _("too many --set options"));
		a->set[a->nset++] = arg;
		break;
	case O_ALL:
		a->all = 1;
		break;
	case O_JSON:
		a->json = 1;
		break;
	case O_CASES:
		a->cases = 1;
		break;
	}
	return 0;
}

/* A ratio with its counts, "–" when undefined. */
static void ratio_text(char *buf, size_t n, double x)
{
	if (isnan(x))
		snprintf(buf, n, "–");
	else
		snprintf(buf, n, "%.4f", x);
}

static json_t *ratio_json(double x)
{
	return isnan(x) ? json_null() : json_real(x);
}

/* {"threshold", ..., "alerts", "true_alerts", "true_cases", "precision",
 * "recall"}: the counts only when measured (pr not NULL). */
static int add_pr(json_t *o, double thr, const yj_alert_pr *pr)
{
	int bad = json_object_set_new(o, "threshold", json_real(thr));
	if (pr) {
		bad |= json_object_set_new(o, "alerts", json_integer((json_int_t)pr->alerts));
		bad |= json_object_set_new(o, "true_alerts", json_integer((json_int_t)pr->hits));
		bad |= json_object_set_new(o, "true_cases", json_integer((json_int_t)pr->truth));
		bad |= json_object_set_new(o, "precision", ratio_json(pr->precision));
		bad |= json_object_set_new(o, "recall", ratio_json(pr->recall));
	}
	return bad;
}

/* Append category c (NULL when it could not be made) with its figures to
 * cats; c is taken in every case.  Non-zero when out of memory. */
static int add_category(json_t *cats, json_t *c, double thr, const yj_alert_pr *pr)
{
	if (!c)
		return -1;
	if (add_pr(c, thr, pr)) {
		json_decref(c);
		return -1;
	}
	return json_array_append_new(cats, c);
}

/* The thresholds and (when v has validation cases) what they flag, as
 * JSON; NULL when out of memory.  v NULL: no run to measure on. */
static json_t *report_json(const yj_thresholds *t, const yj_alert_valid *v, const char *note)
{
	int measured = v && v->n;
	yj_alert_pr pr;
	size_t m = 0;
	json_t *o = json_object(), *all = json_object(), *cats = json_array();
	int bad = !o || !all || !cats;
	bad |= json_object_set_new(o, "run", v ? json_integer(v->run) : json_null());
	bad |= json_object_set_new(o, "split", v && v->split ? json_integer(v->split) : json_null());
	bad |= json_object_set_new(o, "measured_on", measured ? json_string("validation") : json_null());
	bad |= json_object_set_new(o, "validation_cases", json_integer(v ? (json_int_t)v->n : 0));
	if (note)
		bad |= json_object_set_new(o, "note", json_string(note));
	if (measured)
		alerts_pr_all(v, t, &pr, &m);
	bad |= add_pr(all, t->all, measured ? &pr : NULL);
	if (v)
		bad |= json_object_set_new(all, "categories", json_integer((json_int_t)(measured ? m : 0)));
	/* every category of the run, then those set one by one that the run
	 * does not know */
	for (size_t k = 0; v && k < v->K && !bad; k++) {
		int own = 0;
		for (size_t j = 0; j < t->n; j++)
			own |= !strcmp(t->category[j], v->category[k]);
		json_t *c = json_pack("{s:s, s:b}", "category", v->category[k], "own", own);
		if (measured)
			alerts_pr_category(v, k, thresholds_get(t, v->category[k]), &pr);
		bad |= add_category(cats, c, thresholds_get(t, v->category[k]), measured ? &pr : NULL);
	}
	for (size_t j = 0; j < t->n && !bad; j++) {
		if (v && alerts_valid_category(v, t->category[j]) >= 0)
			continue;
		json_t *c = json_pack("{s:s, s:b}", "category", t->category[j], "own", 1);
		bad |= add_category(cats, c, t->p[j], NULL);
	}
	bad |= json_object_set(o, "all", all) || json_object_set(o, "categories", cats);
	json_decref(all);
	json_decref(cats);
	if (bad) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* The report as a table: the threshold for every other category, then
 * the categories set one by one (--all: every category). */
static void report_text(json_t *r, int every)
{
	json_t *run = json_object_get(r, "run"), *note = json_object_get(r, "note");
	int measured = json_is_string(json_object_get(r, "measured_on"));
	if (measured)
		printf(_("run %lld: what each threshold would have flagged among the %lld validation cases of split "
			 "%lld\n"),
		       (long long)json_integer_value(run), (long long)json_integer_value(json_object_get(r, "validation_cases")),
		       (long long)json_integer_value(json_object_get(r, "split")));
	if (note)
		printf("%s\n", json_string_value(note));
	cli_table *t = cli_table_new(7);
	const char *head[] = {_("threshold"), _("category"), _("precision"), _("recall"),
			      _("alerts"),    _("true"),     _("in validation")};
	cli_table_row(t, head);
	cli_table_align(t, 0, 1);
	for (int c = 2; c < 7; c++)
		cli_table_align(t, c, 1);
	size_t i;
	json_t *c, *cats = json_object_get(r, "categories");
	int any_own = 0;
	json_array_foreach(cats, i, c) any_own |= json_is_true(json_object_get(c, "own"));
	for (size_t k = 0;; k++) {
		c = k ? json_array_get(cats, k - 1) : json_object_get(r, "all");
		if (!c)
			break;
		if (k && !every && !json_is_true(json_object_get(c, "own")))
			continue;
		char b[6][64], name[256];
		snprintf(b[0], sizeof b[0], "%.2f", json_number_value(json_object_get(c, "threshold")));
		if (k)
			snprintf(name, sizeof name, "%s", cli_esc(json_string_value(json_object_get(c, "category"))));
		else if (json_object_get(c, "categories"))
			snprintf(name, sizeof name, any_own ? _("every other category (%zu)") : _("every category (%zu)"),
				 (size_t)json_integer_value(json_object_get(c, "categories")));
		else
			snprintf(name, sizeof name, "%s", any_own ? _("every other category") : _("every category"));
		const char *keys[] = {"precision", "recall", "alerts", "true_alerts", "true_cases"};
		for (int j = 0; j < 5; j++) {
			json_t *x = json_object_get(c, keys[j]);
			if (json_is_integer(x))
				snprintf(b[1 + j], sizeof b[1 + j], "%lld", (long long)json_integer_value(x));
			else
				ratio_text(b[1 + j], sizeof b[1 + j], json_is_real(x) ? json_real_value(x) : NAN);
		}
		const char *row[] = {b[0], name, b[1], b[2], b[3], b[4], b[5]};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	if (measured)
		printf("%s\n", _("precision = true / alerts; recall = true / in validation; – where there is nothing to "
				 "divide by"));
}

/* --cases: one line per validation case. */
static int print_cases(const yj_alert_valid *v)
{
	for (size_t i = 0; i < v->n; i++) {
		json_t *pr = json_object();
		for (size_t k = 0; pr && k < v->K; k++)
			if (json_object_set_new(pr, v->category[k], json_real(v->p[i * v->K + k]))) {
				json_decref(pr);
				pr = NULL;
			}
		json_t *o = pr ? json_pack("{s:s, s:s, s:o}", "key", v->key[i], "category", v->category[v->y[i]],
					   "probabilities", pr)
			       : NULL;
		/* 9 digits: each float probability read back exactly */
		char *s = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) : NULL;
		json_decref(o);
		if (!s)
			return -1;
		puts(s);
		free(s);
	}
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	alerts_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	int i = cli_parse(cmd, argc, argv, on_opt, &a), rc = 0;
	yj_project *p = NULL;
	yj_thresholds t;
	yj_alert_valid v;
	yj_error err, verr;
	error_clear(&err);
	error_clear(&verr);
	thresholds_init(&t);
	memset(&v, 0, sizeof v);
	char note[1024] = "";
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	if (a.cases && (a.json || a.nset || a.all))
		return cli_usage_error(cmd, _("--cases prints the validation cases only: not with --json, --set or --all"));
	/* read-write also without --set: loading the run may store text
	 * vectors its frozen encoder had not cached (textbranch.h), as explain */
	if (project_open(argv[i], &p, &err) || thresholds_load(p, &t, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	yj_status vst = alerts_valid_load(p, a.run, &v, &verr);
	int have_run = !vst;
	/* No run at all: the thresholds can still be shown and set for every
	 * category; a run asked for, a split that is not the run's or a
	 * broken run is an error. */
	if (vst && !(vst == YJ_ENOTFOUND && !a.run)) {
		rc = cli_fail(&verr);
		goto out;
	}
	if (!have_run)
		snprintf(note, sizeof note, "%s", _("no trained run to measure the thresholds on (train one)"));
	else if (!v.n)
		snprintf(note, sizeof note,
			 _("run %lld: its split %lld has no validation part, so no precision or recall is measured (the "
			   "test part is kept for the run's report)"),
			 v.run, v.split);
	if (a.cases) {
		if (!v.n) {
			fprintf(stderr, "%s\n", note);
			rc = 1;
		} else if (print_cases(&v)) {
			error_set(&err, YJ_ENOMEM, _("out of memory"));
			rc = cli_fail(&err);
		}
		goto out;
	}
	for (size_t k = 0; k < a.nset; k++) {
		yj_threshold_edit what;
		char *cat = NULL;
		if (thresholds_edit(&t, a.set[k], (const char *const *)v.category, v.K, &what, &cat, &err)) {
			rc = cli_fail(&err);
			goto out;
		}
		if (what == THRESHOLD_NOT_OWN) {
			fprintf(stderr, _("%s had no threshold of its own"), cli_esc(cat));
			fputc('\n', stderr);
		}
		free(cat);
	}
	if (a.nset && thresholds_save(p, &t, &err)) {
		rc = cli_fail(&err);
		goto out;
	}
	json_t *r = report_json(&t, have_run ? &v : NULL, *note ? note : NULL);
	if (!r) {
		error_set(&err, YJ_ENOMEM, _("out of memory"));
		rc = cli_fail(&err);
		goto out;
	}
	if (a.json) {
		rc = cli_print_json(r);
		goto out;
	}
	report_text(r, a.all);
	json_decref(r);
out:
	alerts_valid_free(&v);
	thresholds_free(&t);
	project_close(p);
	return rc;
}

const cli_command cmd_alerts = {
	.name = "alerts",
	.synopsis = N_("PROJECT [--run N] [--set P | --set CATEGORY=P | --set CATEGORY= ...] [--all] [--json | --cases]"),
	.summary = N_("Show and set the alert thresholds, with the precision and recall each had on validation"),
	.description = N_("The project's alert thresholds, which predict flags with when no --alert is given "
			  "and the workbench's Warnings view shows and sets (t): one for every category (0.5 "
			  "until set) and one per category. --set changes them as t does: P for every category "
			  "not set one by one (those keep theirs), CATEGORY=P for one (a category the run "
			  "knows; a misspelt one is refused with the closest names), CATEGORY= to remove one. "
			  "Beside each threshold: what it would have flagged among the validation cases of the "
			  "model of record (or --run N), with the probabilities predict would give them. For "
			  "category C at threshold T a case is flagged when its probability of C reaches T; "
			  "precision is the flagged cases truly C over the flagged cases, recall the same over "
			  "the validation cases truly C, with the counts beside; the threshold for every other "
			  "category counts each (case, category) flag of the categories that use it. A split "
			  "without a validation part is said so: the test part is never used instead. --cases "
			  "prints the validation probabilities themselves."),
	.options = options,
	.run = run,
};
