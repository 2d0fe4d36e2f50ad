/*
 * cmd-demo.c - yujing demo [DIR] [--dataset chicago|cail] [--rows N] [--epochs N]
 *              [--no-tui]
 *
 * Builds a demo project, DIR/demo.yj, from the real data installed in
 * $(pkgdatadir)/demo (YUJING_DATADIR overrides the directory): import,
 * profile, clean (k = 0.3), split 7:3, train, predict the unlabeled cases,
 * then the workbench.  Every stage is a library call, the same ones the
 * commands make.  A finished demo is marked in the project's settings; a
 * second run reuses it.  An unfinished one (interrupted) is built again.
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"
#include "yujing/data/import.h"
#include "yujing/data/profile.h"
#include "yujing/data/split.h"
#include "yujing/store/project.h"
#include "yujing/train/predict.h"
#include "yujing/train/pretrain.h"
#include "yujing/train/train.h"


enum { O_DATASET = 256, O_ROWS, O_NO_TUI, O_NO_BERT, O_EPOCHS };

static const cli_option options[] = {
	{"dataset", O_DATASET, N_("NAME"),
	 N_("chicago (default: incidents and places, structured fields and short texts) or cail "
	    "(Chinese case narratives)")},
	{"rows", O_ROWS, N_("N"), N_("read only the first N cases of the demo data (a quick look, tests)")},
	{"epochs", O_EPOCHS, N_("N"), N_("training epochs (default: 30 for chicago, 14 for cail)")},
	{"no-tui", O_NO_TUI, NULL, N_("stop after the predictions instead of opening the workbench")},
	{"no-bert", O_NO_BERT, NULL,
	 N_("cail: leave out the BERT branch (the shipped encoder, frozen) beside the n-gram branch")},
	{0},
};

/* One source of a demo data set. */
typedef struct {
	const char *source, *file, *label, *text;
} demo_source;

typedef struct {
	const char *name;
	const char *dir; /* the default DIR */
	demo_source src[2];
	size_t nsrc;
	const char *branches;
	int epochs, batch;
	float lr;
	unsigned buckets; /* n-gram hash buckets: few, for speed */
	const char *encoder; /* a shipped text encoder (under the data directory) for a frozen BERT
			      * branch beside the n-gram one; NULL: none */
} demo_set;

static const demo_set sets[] = {
	{"chicago",
	 "yujing-demo",
	 {{"incident", "demo/chicago/incident.csv", "primary_type", "location_description"},
	  {"place", "demo/chicago/place.csv", NULL, "block"}},
	 2, "structured,ngram", 30, 256, 0.003f, 16384, NULL},
	{"cail",
	 "yujing-demo-cail",
	 {{"cases", "demo/cail/cases.jsonl", "meta.accusation", "fact"}},
	 1, "ngram", 14, 32, 0.005f, 32768, "encoders/cail-bert-tiny"},
};

typedef struct {
	const cli_command *cmd;
	const demo_set *set;
	long rows, epochs;
	int no_tui, no_bert;
} demo_args;

static int on_opt(void *ctx, int key, const char *arg)
{
	demo_args *a = ctx;
	switch (key) {
	case O_DATASET:
		a->set = NULL;
		for (size_t i = 0; i < sizeof sets / sizeof *sets; i++)
			if (!strcmp(arg, sets[i].name))
				a->set = &sets[i];
		if (!a->set)
			return cli_usage_error(a->cmd, _("--dataset wants chicago or cail, not '%s'"), arg);
		break;
	case O_ROWS:
		if (cli_parse_long(arg, &a->rows) || a->rows < 10)
			return cli_usage_error(a->cmd, _("%s wants a whole number of at least %ld"), "--rows",
					       10L);
		break;
	case O_EPOCHS:
		if (cli_parse_long(arg, &a->epochs) || a->epochs < 1)
			return cli_usage_error(a->cmd, _("%s wants a whole number of at least %ld"),
					       "--epochs", 1L);
		break;
	case O_NO_TUI:
		a->no_tui = 1;
		break;
	case O_NO_BERT:
		a->no_bert = 1;
		break;
	}
	return 0;
}

static void stage(int k, int n, const char *what)
{
	printf("[%d/%d] %s\n", k, n, what);
	fflush(stdout);
}

static void on_epoch(void *ctx, int epoch, double train_loss, double test_loss, double acc, double f1)
{
	(void)ctx;
	(void)test_loss;
	if (isatty(STDERR_FILENO))
		fprintf(stderr, "\r\033[K");
	printf(_("      epoch %3d  train loss %.4f  accuracy %.4f  macro-F1 %.4f\n"), epoch + 1, train_loss,
	       acc, f1);
	fflush(stdout);
}

/* Copy the first `rows` records of `in` (after a CSV header line) to
 * `out`.  Returns 0, or -1 with errno set. */
static int copy_rows(const char *in, const char *out, long rows, int header)
{
	FILE *fi = fopen(in, "rb"), *fo = fi ? fopen(out, "wb") : NULL;
	int rc = fi && fo ? 0 : -1;
	char *line = NULL;
	size_t cap = 0;
	long n = -header;
	while (!rc && n < rows && getline(&line, &cap, fi) > 0) {
		if (fputs(line, fo) == EOF)
			rc = -1;
		n++;
	}
	if (fi && ferror(fi))
		rc = -1;
	free(line);
	if (fi)
		fclose(fi);
	if (fo && fclose(fo))
		rc = -1;
	return rc;
}

/* Build the demo into project p.  Returns the exit status. */
static int build(const demo_args *a, yj_project *p, const char *dir)
{
	const demo_set *s = a->set;
	yj_error err;
	error_clear(&err);
	yj_progress pg;
	json_t *rep = NULL;
	char data[4096], tmp[4096];
	char enc[4096];
	const char *encoder = s->encoder && !a->no_bert ? cli_data_path(s->encoder, enc, sizeof enc) : NULL;
	const int N = encoder ? 7 : 6;
	int k = 0;

	stage(++k, N, _("importing the demo data"));
	for (size_t i = 0; i < s->nsrc; i++) {
		const demo_source *ds = &s->src[i];
		const char *path = cli_data_path(ds->file, data, sizeof data);
		if (access(path, R_OK)) {
			fprintf(stderr, _("%s: cannot read the demo data %s: %s\n"), PACKAGE, path,
				strerror(errno));
			fprintf(stderr, _("hint: install yujing, or set YUJING_DATADIR to the source tree's "
					  "share/yujing\n"));
			return 1;
		}
		if (a->rows) {
			snprintf(tmp, sizeof tmp, "%s/.rows-%s%s", dir, ds->source, strrchr(ds->file, '.'));
			if (copy_rows(path, tmp, a->rows, strstr(ds->file, ".csv") != NULL)) {
				fprintf(stderr, "%s: %s: %s\n", PACKAGE, tmp, strerror(errno));
				return 1;
			}
			path = tmp;
		}
		const char *text[] = {ds->text};
		yj_import_opts o = {.source = ds->source,
				    .key = ds->label && !strcmp(s->name, "cail") ? "@id" : "id",
				    .label = ds->label,
				    .text = text,
				    .ntext = 1,
				    .progress = &pg};
		yj_import_result res;
		cli_progress_init(&pg);
		yj_status st = import_file(p, path, &o, &res, &err);
		cli_progress_done(&pg);
		if (a->rows)
			unlink(tmp);
		if (st)
			return cli_fail(&err);
		printf(_("      source '%s': %lld rows from %s\n"), ds->source, res.rows, ds->file);
	}

	stage(++k, N, _("profiling the data quality"));
	yj_profile_opts po = {.sigma = 3, .progress = &pg};
	cli_progress_init(&pg);
	yj_status st = profile_run(p, NULL, &po, &rep, &err);
	cli_progress_done(&pg);
	if (st)
		return cli_fail(&err);
	json_decref(rep);
	rep = NULL;

	stage(++k, N, _("cleaning with k = 0.3 and 3 sigma"));
	yj_clean_opts co;
	clean_opts_default(&co);
	co.k_missing = co.k_outlier = 0.3;
	co.progress = &pg;
	cli_progress_init(&pg);
	st = clean_run(p, &co, 0, &rep, &err);
	cli_progress_done(&pg);
	if (st)
		return cli_fail(&err);
	printf(_("      snapshot %lld\n"), (long long)json_integer_value(json_object_get(rep, "snapshot")));
	json_decref(rep);
	rep = NULL;

	stage(++k, N, _("splitting each category 7:3 (seed 42)"));
	yj_split_opts so = {.test = 0.3, .valid = SPLIT_VALID_DEFAULT, .seed = 42, .pick = LABEL_PICK_FIRST};
	if ((st = split_run(p, &so, &rep, &err)))
		return cli_fail(&err);
	printf(_("      %lld training cases, %lld test cases, %lld unlabeled\n"),
	       (long long)json_integer_value(json_object_get(rep, "train")),
	       (long long)json_integer_value(json_object_get(rep, "test")),
	       (long long)json_integer_value(json_object_get(rep, "unlabeled")));
	json_decref(rep);
	rep = NULL;

	if (encoder) {
		stage(++k, N, _("taking the shipped text encoder for a frozen BERT branch"));
		long long prun = 0, penc = 0;
		if ((st = pretrain_use(p, encoder, &prun, &penc, &err)))
			return cli_fail(&err);
		printf(_("      encoder %lld from %s\n"), penc, encoder);
	}

	stage(++k, N, _("training the model"));
	yj_train_opts to;
	train_opts_default(&to);
	to.branches = s->branches;
	if (encoder) {
		/* the n-gram branch and a BERT branch on the same text: the encoder
		 * frozen, so every case is encoded once and cached in the project */
		to.branches = "ngram,text";
		to.freeze_text = 1;
	}
	to.epochs = a->epochs ? (int)a->epochs : s->epochs;
	to.batch = s->batch;
	to.lr = s->lr;
	to.ngram_buckets = s->buckets;
	to.threads = 2;
	to.progress = &pg;
	to.on_epoch = on_epoch;
	long long run = 0;
	cli_progress_init(&pg);
	st = train_run(p, &to, &run, &err);
	cli_progress_done(&pg);
	if (st)
		return cli_fail(&err);
	if (!train_eval(p, run, &rep, &err)) {
		printf(_("      run %lld: test accuracy %.4f, macro-F1 %.4f\n"), run,
		       json_number_value(json_object_get(rep, "accuracy")),
		       json_number_value(json_object_get(rep, "macro_f1")));
		json_decref(rep);
		rep = NULL;
	}

	stage(++k, N, _("predicting the unlabeled cases"));
	yj_predict_opts pr = {.run = run, .unlabeled = 1};
	if ((st = predict_run(p, &pr, &rep, &err)))
		return cli_fail(&err);
	printf(_("      %zu cases predicted and stored with run %lld\n"),
	       json_array_size(json_object_get(rep, "predictions")), run);
	json_decref(rep);
	if ((st = project_setting_set(p, "demo", s->name, &err)))
		return cli_fail(&err);
	return 0;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	demo_args a;
	memset(&a, 0, sizeof a);
	a.cmd = cmd;
	a.set = &sets[0];
	int i = cli_parse(cmd, argc, argv, on_opt, &a);
	if (i < 0)
		return -i - 1;
	if (argc - i > 1)
		return cli_usage_error(cmd, _("expected at most one directory"));
	const char *dir = argc - i == 1 ? argv[i] : a.set->dir;
	if (mkdir(dir, 0777) && errno != EEXIST) {
		fprintf(stderr, "%s: %s: %s\n", PACKAGE, dir, strerror(errno));
		return 1;
	}
	char path[4096];
	snprintf(path, sizeof path, "%s/demo.yj", dir);
	yj_error err;
	error_clear(&err);
	yj_project *p = NULL;
	char *done = NULL;
	int rc = 0;
	if (access(path, F_OK) == 0) {
		if (project_open(path, &p, &err))
			return cli_fail(&err);
		if (project_setting_get(p, "demo", &done, &err)) {
			project_close(p);
			return cli_fail(&err);
		}
		if (done) {
			printf(_("reusing the finished %s demo in %s\n"), done, path);
			if (strcmp(done, a.set->name))
				printf(_("(for the %s demo, name another directory)\n"), a.set->name);
		} else {
			/* An interrupted build: start again from nothing. */
			project_close(p);
			p = NULL;
			printf(_("%s is unfinished; building it again\n"), path);
			char side[4200];
			unlink(path);
			snprintf(side, sizeof side, "%s-wal", path);
			unlink(side);
			snprintf(side, sizeof side, "%s-shm", path);
			unlink(side);
		}
	}
	if (!done) {
		printf(_("building the %s demo in %s\n"), a.set->name, path);
		if (project_create(path, &p, &err))
			return cli_fail(&err);
		cli_catch_interrupt();
		double t0 = progress_now();
		rc = build(&a, p, dir);
		if (!rc)
			printf(_("demo ready in %.1f s\n"), progress_now() - t0);
	}
	project_close(p);
	free(done);
	if (rc)
		return rc;
	if (a.no_tui) {
		printf(_("open it with: %s %s\n"), cli_argv0, path);
		return 0;
	}
	extern const cli_command cmd_tui;
	char *targv[] = {(char *)"tui", path, NULL};
	fflush(stdout);
	return cmd_tui.run(&cmd_tui, 2, targv);
}

const cli_command cmd_demo = {
	.name = "demo",
	.synopsis = N_("[DIR] [--dataset chicago|cail] [--rows N] [--epochs N] [--no-bert] [--no-tui]"),
	.summary = N_("Build a demo project from real data and open the workbench on it"),
	.description = N_("Creates DIR/demo.yj (DIR defaults to yujing-demo, or yujing-demo-cail for "
			  "cail) from the data installed with yujing (YUJING_DATADIR overrides where it "
			  "is looked for): imports it, profiles it, cleans it with k = 0.3, splits it "
			  "7:3, trains a model, predicts the unlabeled cases and opens the workbench. "
			  "chicago, the default, is Chicago "
			  "police incidents in two sources (what happened, where) with short text fields, "
			  "the category fields that give the label away left out; cail is Chinese case "
			  "narratives from CAIL2018, whose model has a BERT branch (the encoder shipped in "
			  "encoders/cail-bert-tiny, frozen; --no-bert leaves it out) beside the n-gram branch. "
			  "A finished demo is reused by the next run."),
	.options = options,
	.run = run,
};
