/*
 * cmd-tune.c - yujing tune PROJECT [--minutes N] [--trials N] [--seed S]
 *              [--threads N] [--rescore N] [--json] [--resume TUNE] | --list | --show TUNE
 *              | --cancel TUNE
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
#include "yujing/store/tunes.h"
#include "yujing/train/tune.h"

enum { O_MINUTES = 256, O_TRIALS, O_SEED, O_THREADS, O_JSON, O_LIST, O_SHOW, O_CANCEL, O_RESUME, O_RESCORE };

static const cli_option options[] = {
	{"minutes", O_MINUTES, N_("N"), N_("the time budget in minutes, fractions allowed (default 30)")},
	{"trials", O_TRIALS, N_("N"), N_("stop after N trials (default: as many as the budget allows)")},
	{"seed", O_SEED, N_("N"), N_("seed of the draws and of every trial's training (default 42)")},
	{"threads", O_THREADS, N_("N"), N_("threads of each trial (default: as train)")},
	{"rescore", O_RESCORE, N_("N"),
	 N_("at the end, train the defaults and the N best other trials again with the next seed and choose by the "
	    "mean of the two (default 0: choose on one seed)")},
	{"json", O_JSON, NULL, N_("print a JSON line per trial, then the result")},
	{"list", O_LIST, NULL, N_("list the tunes of the project")},
	{"show", O_SHOW, N_("TUNE"), N_("print a tune's report: its trials ranked by validation macro-F1")},
	{"cancel", O_CANCEL, N_("TUNE"), N_("ask a tune that is searching (in another process) to stop")},
	{"resume", O_RESUME, N_("TUNE"),
	 N_("continue a cancelled or interrupted tune: its trials kept, its seed's draws continued, within what "
	    "is left of its budget (or --minutes more)")},
	{0},
};

typedef struct {
	const cli_command *cmd;
	yj_tune_opts o;
	int json, list, minutes_set;
	long show, cancel;
} tune_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	tune_args *a = ctx;
	long v;
	double d;
	switch (key) {
	case O_MINUTES:
		if (cli_parse_double(arg, &d) || !(d > 0) || d > 1e6)
			return cli_usage_error(a->cmd, _("--minutes wants a number of minutes above 0"));
		a->o.minutes = d;
		a->minutes_set = 1;
		break;
	case O_TRIALS:
	case O_SEED:
	case O_THREADS:
	case O_SHOW:
	case O_CANCEL:
	case O_RESUME:
		if (cli_parse_long(arg, &v) || (v < 1 && key != O_SEED))
			return cli_usage_error(a->cmd, _("--%s wants a whole number of at least %d"),
					       key == O_TRIALS    ? "trials"
					       : key == O_SEED    ? "seed"
					       : key == O_THREADS ? "threads"
					       : key == O_SHOW    ? "show"
					       : key == O_RESUME  ? "resume"
								  : "cancel",
					       key == O_SEED ? 0 : 1);
		if (key == O_TRIALS)
			a->o.max_trials = v > 1000000 ? 1000000 : (int)v;
		else if (key == O_SEED)
			a->o.seed = (uint64_t)v;
		else if (key == O_THREADS)
			a->o.threads = v > 4096 ? 4096 : (int)v;
		else if (key == O_SHOW)
			a->show = v;
		else if (key == O_RESUME)
			a->o.resume = v;
		else
			a->cancel = v;
		break;
	case O_RESCORE:
		if (cli_parse_long(arg, &v) || v < 0)
			return cli_usage_error(a->cmd, _("--%s wants a whole number of at least %d"), "rescore", 0);
		a->o.rescore = v > 1000 ? 1000 : (int)v;
		break;
	case O_JSON:
		a->json = 1;
		break;
	case O_LIST:
		a->list = 1;
		break;
	}
	return 0;
}

/* "1h02m", "3m05s", "12s" */
static const char *span(double s, char *buf, size_t n)
{
	long t = s > 0 ? lround(s) : 0;
	if (t >= 3600)
		snprintf(buf, n, "%ldh%02ldm", t / 3600, t / 60 % 60);
	else if (t >= 60)
		snprintf(buf, n, "%ldm%02lds", t / 60, t % 60);
	else
		snprintf(buf, n, "%lds", t);
	return buf;
}

static void on_trial(void *ctx, const yj_tune_event *ev)
{
	tune_args *a = ctx;
	char el[32], eta[32];
	if (a->json) {
		if (!ev->status)
			return;
		json_t *j = json_pack("{s:i, s:s, s:s, s:f, s:f}", "trial", ev->trial, "status", ev->status,
				      "settings", ev->settings, "elapsed", ev->elapsed, "eta", ev->eta);
		if (!j)
			return;
		json_object_set_new(j, "run", ev->run ? json_integer(ev->run) : json_null());
		json_object_set_new(j, "validation_macro_f1", isnan(ev->valid_f1) ? json_null() : json_real(ev->valid_f1));
		json_object_set_new(j, "best_run", ev->best_run ? json_integer(ev->best_run) : json_null());
		json_object_set_new(j, "stopped", ev->stopped ? json_string(ev->stopped) : json_null());
		if (ev->rescore) {
			json_object_set_new(j, "rescore", json_true());
			json_object_set_new(j, "seed", json_integer((json_int_t)ev->seed));
		}
		json_dumpf(j, stdout, JSON_COMPACT | JSON_REAL_PRECISION(9));
		fputc('\n', stdout);
		fflush(stdout);
		json_decref(j);
		return;
	}
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	if (!ev->status && ev->rescore) {
		printf(_("trial %d again, seed %llu: %s\n"), ev->trial, (unsigned long long)ev->seed,
		       *ev->settings ? ev->settings : _("the defaults"));
	} else if (!ev->status) {
		printf(_("trial %d: %s\n"), ev->trial, *ev->settings ? ev->settings : _("the defaults"));
	} else {
		if (ev->rescore)
			printf(_("trial %d again, seed %llu: "), ev->trial, (unsigned long long)ev->seed);
		if (ev->run)
			printf(_("trial %d: run %lld %s"), ev->trial, ev->run, _(ev->status));
		else
			printf(_("trial %d: %s"), ev->trial, _(ev->status));
		if (ev->stopped && !strcmp(ev->stopped, "deadline"))
			printf(_(" (stopped at its deadline, its best epoch kept)"));
		else if (ev->stopped)
			printf(_(" (stopped by the median rule, its best epoch kept)"));
		if (!isnan(ev->valid_f1))
			printf(_(", validation macro-F1 %.4f"), ev->valid_f1);
		printf(_("; elapsed %s, ETA %s"), span(ev->elapsed, el, sizeof el), span(ev->eta, eta, sizeof eta));
		if (ev->best_run)
			printf(_("; best so far run %lld (%.4f)"), ev->best_run, ev->best_f1);
		printf("\n");
	}
	fflush(stdout);
}

/* The report of a tune as text: its trials ranked, the winner's test
 * figures. */
static void print_report(const yj_tune_row *r)
{
	json_t *rep = r->report ? json_loads(r->report, 0, NULL) : NULL;
	char b[32];
	printf(_("tune %lld: %s, %lld trials, budget %s\n"), r->id, _(runs_status_name(r->status)), r->trials,
	       span((double)r->budget_s, b, sizeof b));
	json_t *trials = json_object_get(rep, "trials"), *tr;
	size_t k;
	if (!json_array_size(trials)) {
		json_decref(rep);
		return;
	}
	cli_table *t = cli_table_new(7);
	const char *head[] = {_("rank"), _("trial"), _("run"), _("status"), _("valid. acc."), _("valid. macro-F1"),
			      _("settings")};
	cli_table_row(t, head);
	for (int c = 0; c < 6; c++)
		cli_table_align(t, c, c != 3);
	json_array_foreach(trials, k, tr)
	{
		char c[5][32];
		json_t *v = json_object_get(tr, "validation"), *acc = json_object_get(v, "accuracy"),
		       *f1 = json_object_get(v, "macro_f1"), *run = json_object_get(tr, "run");
		snprintf(c[0], 32, "%zu", k + 1);
		snprintf(c[1], 32, "%lld", (long long)json_integer_value(json_object_get(tr, "trial")));
		snprintf(c[2], 32, json_is_integer(run) ? "%lld" : "-", (long long)json_integer_value(run));
		snprintf(c[3], 32, json_is_number(acc) ? "%.4f" : "-", json_number_value(acc));
		snprintf(c[4], 32, json_is_number(f1) ? "%.4f" : "-", json_number_value(f1));
		/* the settings as typed */
		char set[512] = "";
		size_t n = 0;
		const char *key;
		json_t *val;
		json_object_foreach(json_object_get(tr, "settings"), key, val)
		{
			int w = snprintf(set + n, sizeof set - n, "%s--%s %s", n ? " " : "", key, json_string_value(val));
			if (w < 0 || (size_t)w >= sizeof set - n)
				break;
			n += (size_t)w;
		}
		const char *st = json_string_value(json_object_get(tr, "status"));
		const char *stopped = json_string_value(json_object_get(tr, "stopped"));
		char stc[96];
		snprintf(stc, sizeof stc, "%s (%s)", st ? _(st) : "-",
			 stopped && !strcmp(stopped, "deadline") ? _("deadline") : _("median"));
		const char *row[] = {c[0], c[1], c[2], stopped ? stc : st ? _(st) : "-", c[3], c[4],
				     n ? set : _("the defaults")};
		cli_table_row(t, row);
	}
	cli_table_print(t, stdout, 0);
	cli_table_free(t);
	json_t *margin = json_object_get(rep, "defaults_margin");
	if (json_is_number(margin))
		printf(_("the winner: the defaults (trial 1) unless a trial's validation macro-F1 beats theirs by more "
			 "than %.3f; a trial below the median of the earlier ones at epoch 2, 4, 8, ... stops there "
			 "(median), a trial at its deadline too (deadline), each keeping its best epoch\n"),
		       json_number_value(margin));
	json_t *rsd = json_object_get(rep, "rescored"), *c;
	json_array_foreach(rsd, k, c)
	{
		json_t *f = json_object_get(c, "macro_f1"), *s = json_object_get(c, "seeds"), *m = json_object_get(c, "mean");
		char a[32], b2[32];
		snprintf(a, sizeof a, json_is_number(json_array_get(f, 0)) ? "%.4f" : "-", json_number_value(json_array_get(f, 0)));
		snprintf(b2, sizeof b2, json_is_number(json_array_get(f, 1)) ? "%.4f" : "-", json_number_value(json_array_get(f, 1)));
		printf(_("re-scored: trial %lld, validation macro-F1 %s (seed %lld), %s (seed %lld), mean %.4f\n"),
		       (long long)json_integer_value(json_object_get(c, "trial")), a,
		       (long long)json_integer_value(json_array_get(s, 0)), b2, (long long)json_integer_value(json_array_get(s, 1)),
		       json_is_number(m) ? json_number_value(m) : NAN);
	}
	if (json_array_size(rsd))
		printf(_("the winner chosen by the mean over the two seeds, by the same margin; the model of record its "
			 "run with the tune's seed\n"));
	json_t *test = json_object_get(rep, "test");
	if (r->best_run && json_is_object(test))
		printf(_("the winner, run %lld: validation macro-F1 %.4f; test accuracy %.4f, macro-F1 %.4f (the test "
			 "figures of the winner only)\n"),
		       r->best_run, json_number_value(json_object_get(json_object_get(rep, "validation"), "macro_f1")),
		       json_number_value(json_object_get(test, "accuracy")),
		       json_number_value(json_object_get(test, "macro_f1")));
	json_decref(rep);
}

static json_t *row_json(const yj_tune_row *r)
{
	json_t *j = json_pack("{s:I, s:s, s:s?, s:s}", "id", (json_int_t)r->id, "created_at", r->created_at,
			      "updated_at", r->updated_at, "status", runs_status_name(r->status));
	if (!j)
		return NULL;
	json_object_set_new(j, "split_id", r->split_id ? json_integer(r->split_id) : json_null());
	json_object_set_new(j, "budget_s", json_integer(r->budget_s));
	json_object_set_new(j, "best_run", r->best_run ? json_integer(r->best_run) : json_null());
	json_object_set_new(j, "trials", json_integer(r->trials));
	json_t *rep = r->report ? json_loads(r->report, 0, NULL) : NULL;
	json_object_set_new(j, "report", rep ? rep : json_null());
	return j;
}

static int list_tunes(yj_project *p, int json)
{
	yj_error err;
	yj_tune_row *v = NULL;
	size_t n = 0;
	error_clear(&err);
	if (tunes_list(p, &v, &n, &err))
		return cli_fail(&err);
	if (json) {
		json_t *arr = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(arr, row_json(&v[i]));
		tunes_list_free(v, n);
		return cli_print_json(json_pack("{s:o}", "tunes", arr));
	}
	if (!n)
		printf(_("no tunes yet; start one with 'yujing tune PROJECT'\n"));
	cli_table *t = cli_table_new(6);
	const char *head[] = {_("tune"), _("created"), _("status"), _("trials"), _("best run"), _("valid. macro-F1")};
	cli_table_row(t, head);
	for (size_t i = 0; i < n; i++) {
		char c[4][32];
		json_t *rep = v[i].report ? json_loads(v[i].report, 0, NULL) : NULL;
		json_t *f1 = json_object_get(json_object_get(rep, "validation"), "macro_f1");
		snprintf(c[0], 32, "%lld", v[i].id);
		snprintf(c[1], 32, "%lld", v[i].trials);
		snprintf(c[2], 32, v[i].best_run ? "%lld" : "-", v[i].best_run);
		snprintf(c[3], 32, json_is_number(f1) ? "%.4f" : "-", json_number_value(f1));
		json_decref(rep);
		const char *row[] = {c[0], v[i].created_at, _(runs_status_name(v[i].status)), c[1], c[2], c[3]};
		cli_table_row(t, row);
	}
	if (n)
		cli_table_print(t, stdout, 0);
	cli_table_free(t);
	tunes_list_free(v, n);
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	tune_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	tune_opts_default(&a.o);
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	int rc = 0;
	yj_project *p = NULL;
	yj_error err;
	error_clear(&err);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	if (project_open(argv[i], &p, &err))
		return cli_fail(&err);
	if (a.list) {
		rc = list_tunes(p, a.json);
		goto out;
	}
	if (a.show || a.cancel) {
		yj_tune_row r;
		if (a.cancel ? tunes_request_cancel(p, a.cancel, &err) : tunes_get(p, a.show, &r, &err)) {
			rc = cli_fail(&err);
		} else if (a.cancel) {
			printf(_("asked tune %ld to stop\n"), a.cancel);
		} else {
			if (a.json)
				rc = cli_print_json(row_json(&r));
			else
				print_report(&r);
			tunes_row_free(&r);
		}
		goto out;
	}
	yj_progress pg;
	cli_progress_init(&pg);
	cli_catch_interrupt();
	a.o.progress = &pg;
	if (a.o.resume && !a.minutes_set)
		a.o.minutes = 0; /* what is left of its budget */
	a.o.on_trial = on_trial;
	a.o.ctx = &a;
	long long id = 0;
	json_t *res = NULL;
	yj_status st = tune_run(p, &a.o, &id, &res, &err);
	cli_progress_done(&pg);
	if (res && a.json) {
		json_dumpf(res, stdout, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
		fputc('\n', stdout);
		fflush(stdout);
	} else if (id && (!st || st == YJ_EINTR)) {
		yj_tune_row r;
		yj_error e2;
		if (!tunes_get(p, id, &r, &e2)) {
			print_report(&r);
			if (!st && r.best_run)
				printf(_("run %lld is the model of record\n"), r.best_run);
			tunes_row_free(&r);
		}
	}
	json_decref(res);
	if (st)
		rc = cli_fail(&err);
out:
	project_close(p);
	return rc;
}

const cli_command cmd_tune = {
	.name = "tune",
	.synopsis = N_("PROJECT [--minutes N] [--trials N] [--seed S] [--json] [--resume TUNE] | --list | --show TUNE | "
		       "--cancel TUNE"),
	.summary = N_("Search the training settings on the validation part within a time budget"),
	.description = N_("Trains one run per trial, all in one tune group: trial 1 with the defaults, then settings "
			  "drawn at random (seeded, each trial its own stream) from a few values of the learning "
			  "rate, weight decay, widths, depth, batch, epochs, n-gram buckets and order, class "
			  "weighting, fusion, categorical values and branch set. Each trial is scored by its "
			  "validation macro-F1 (the validation part of the active split; the test part is not used "
			  "to choose). Every trial has a deadline: a third of the budget for trial 1, the end of "
			  "the budget for the others; a trial at its deadline stops and keeps its best epoch so far "
			  "(reported as stopped at its deadline). The median stopping rule: at epochs 2, 4, 8, "
			  "16, ..., a trial whose best validation macro-F1 so far is below the median of the best "
			  "so far of the earlier trials at that epoch (at least three of them; a trial that ended "
			  "sooner counts with its best) stops there, keeping its best epoch. A trial's epochs are "
			  "capped so that it ends within the budget, and the search stops when none fits. The "
			  "winner, by a rule on validation only: the defaults stay unless a trial beats their "
			  "validation macro-F1 by more than 0.01; it becomes the model of record. The report ranks "
			  "the trials by validation macro-F1 and gives the test figures of the winner only. Ctrl-C "
			  "(or --cancel from another process) stops the search after the current step, keeping "
			  "the trials done; --resume TUNE continues it (or one whose process was killed) with the "
			  "same seed, the trial that was training counted as cancelled or interrupted."),
	.options = options,
	.run = run,
};
