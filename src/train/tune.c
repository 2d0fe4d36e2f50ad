/*
 * tune.c - `yujing tune`: a seeded random search over the training
 * settings, each trial a run scored on the validation part (tune.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/base/rng.h"
#include "yujing/base/strbuf.h"
#include "yujing/store/runs.h"
#include "yujing/store/splits.h"
#include "yujing/store/tunes.h"
#include "yujing/train/settings.h"
#include "yujing/train/train.h"
#include "yujing/train/tune.h"

/* The search space: a few values per setting, drawn uniformly.  The ranges
 * bracket each default by about a factor of ten (three for the widths),
 * where the optimum of these small models lies on data of a few thousand
 * to a few tens of thousands of cases: the learning rate of AdamW
 * (3e-4..1e-2 around 1e-3); weight decay from none to 0.1 (the rare
 * classes want little); widths 32..256 (more over-fits 100 cases a class);
 * the batch 32..256 (more steps for small data, issue 13 §3); the epochs
 * 10..40 (capped by the budget) and the patience of early stopping 3..10
 * epochs without a better validation macro-F1, where train has it; hashed
 * n-gram tables of 2^15..2^18 buckets and orders 2..4 (CJK bigrams and
 * trigrams carry the words); class weighting none or balanced; fusion by
 * concatenation or sum; categorical values one-hot encoded 10..100.  The
 * branch set is drawn from what trial 1 (the defaults) used: all of them
 * (half the draws), or one family alone (structured, ngram, text).  A
 * setting train does not have (settings_find) is left out, so the space
 * follows the table. */
typedef struct dim {
	const char *name;
	const char *const *values;
} dim;

static const char *const v_lr[] = {"0.0003", "0.001", "0.003", "0.01", NULL};
static const char *const v_wd[] = {"0", "0.0001", "0.001", "0.01", "0.1", NULL};
static const char *const v_hidden[] = {"32", "64", "128", "256", NULL};
static const char *const v_depth[] = {"1", "2", NULL};
static const char *const v_batch[] = {"32", "64", "128", "256", NULL};
static const char *const v_epochs[] = {"10", "20", "40", NULL};
static const char *const v_buckets[] = {"32768", "65536", "131072", "262144", NULL};
static const char *const v_ngram_n[] = {"2", "3", "4", NULL};
static const char *const v_weight[] = {"none", "balanced", NULL};
static const char *const v_fusion[] = {"concat", "sum", NULL};
static const char *const v_topk[] = {"10", "30", "100", NULL};
static const char *const v_patience[] = {"3", "5", "10", NULL};

static const dim space[] = {
	{"lr", v_lr},
	{"weight-decay", v_wd},
	{"hidden", v_hidden},
	{"depth", v_depth},
	{"batch", v_batch},
	{"epochs", v_epochs},
	{"ngram-buckets", v_buckets},
	{"ngram-n", v_ngram_n},
	{"class-weight", v_weight},
	{"fusion", v_fusion},
	{"top-k", v_topk},
	{"patience", v_patience},
};
#define NSPACE (sizeof space / sizeof space[0])

/* Draws of one trial that are given up on before the search ends. */
#define MAX_DRAWS 8
/* Trials failing in a row that end the search (the project, not the
 * settings, is the matter then). */
#define MAX_FAILURES 5

/* What one trial cost, for the estimates. */
typedef struct cost {
	double setup;  /* seconds before its first step */
	double epoch;  /* seconds per epoch, normalised by cost_scale */
} cost;

typedef struct tuner {
	yj_project *p;
	const yj_tune_opts *o;
	long long id;
	double t0, budget;
	/* the trial in progress */
	yj_progress pg;
	volatile sig_atomic_t cancel;
	int trial;
	double trial_t0, first_tick, last_poll;
	int epochs_seen;
	int requested;   /* the tune was cancelled (Ctrl-C or tunes_request_cancel) */
	int over_budget; /* the trial ran past the hard limit */
	int failures;    /* trials failed in a row */
	/* the search so far */
	json_t *trials; /* array of the report's trial objects */
	long long best_run;
	double best_f1;
	json_t *best_valid;
	cost *costs;
	size_t ncosts;
	char **branch_sets; /* NULL-terminated: "" (all) and each family */
	size_t nbranch_sets;
} tuner;

void tune_opts_default(yj_tune_opts *o)
{
	memset(o, 0, sizeof *o);
	o->minutes = 30;
	o->seed = 42;
}

/* The cost of an epoch relative to batch 256 and width 64: more steps
 * cost more (the per-step work of the optimiser), a wider layer more
 * products.  Square roots: the measured trials correct it (the estimate
 * takes the most expensive of them). */
static double cost_scale(int batch, int hidden)
{
	return sqrt(256.0 / (batch > 0 ? batch : 256)) * sqrt((hidden > 0 ? hidden : 64) / 64.0);
}

/* The estimates from the trials measured so far (the most expensive of
 * each, to be safe): seconds before the first step, and seconds per epoch
 * at this batch and width; -1 before any measurement. */
static double est_setup(const tuner *t)
{
	double setup = -1;
	for (size_t i = 0; i < t->ncosts; i++)
		setup = fmax(setup, t->costs[i].setup);
	return setup;
}

static double est_epoch(const tuner *t, int batch, int hidden)
{
	double epoch = -1;
	for (size_t i = 0; i < t->ncosts; i++)
		epoch = fmax(epoch, t->costs[i].epoch);
	return epoch < 0 ? -1 : epoch * cost_scale(batch, hidden);
}

/* The hard limit: the budget plus a tenth of it, at least a minute. */
static double hard_limit(const tuner *t)
{
	return t->budget + fmax(60.0, 0.1 * t->budget);
}

/* Between steps: the caller's cancel flag, the group's status (another
 * process may cancel it), the trial's tag, the hard limit. */
static void poll_trial(tuner *t)
{
	if (progress_cancelled(t->o->progress)) {
		t->requested = 1;
		t->cancel = 1;
	}
	double now = progress_now();
	if (now - t->last_poll < 1.0)
		return;
	t->last_poll = now;
	yj_error e;
	long long run = 0;
	tunes_tag_running(t->p, t->id, (long long)getpid(), &run, &e);
	yj_tune_row row;
	if (!tunes_get(t->p, t->id, &row, &e)) {
		if (row.status == RUN_CANCELLED) {
			t->requested = 1;
			t->cancel = 1;
		}
		tunes_row_free(&row);
	}
	if (t->trial > 1 && now - t->t0 > hard_limit(t)) {
		t->over_budget = 1;
		t->cancel = 1;
	}
}

static void on_report(void *ctx, const yj_progress_event *ev)
{
	tuner *t = ctx;
	if (t->first_tick < 0 && ev->done > 0 && ev->stage && !strcmp(ev->stage, "train"))
		t->first_tick = progress_now(); /* the first step: the features are built */
	const yj_progress *out = t->o->progress;
	if (out && out->report)
		out->report(out->ctx, ev);
	poll_trial(t);
}

static void on_epoch(void *ctx, int epoch, double train_loss, double test_loss, double acc, double f1)
{
	(void)epoch, (void)train_loss, (void)test_loss, (void)acc, (void)f1;
	tuner *t = ctx;
	t->epochs_seen++;
	poll_trial(t);
}

/* The branch sets to draw from: all (""), and each family (structured,
 * ngram, text: the items of that family) of the effective list trial 1
 * stored (the run's config "branches") when it has more than one. */
static yj_status read_branch_sets(tuner *t, long long run, yj_error *err)
{
	yj_run_row row;
	yj_status st = runs_get(t->p, run, &row, err);
	if (st)
		return st;
	json_t *cfg = row.config ? json_loads(row.config, 0, NULL) : NULL;
	runs_row_free(&row);
	const char *b = json_string_value(json_object_get(cfg, "branches"));
	size_t n = 0;
	char **items = b ? settings_split_list(b, &n) : NULL;
	json_decref(cfg);
	if (b && !items)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	/* the families: the items' prefixes before ':' (structured, ngram, text) */
	t->branch_sets = calloc(n + 2, sizeof *t->branch_sets);
	if (!t->branch_sets) {
		free(items);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	t->branch_sets[t->nbranch_sets++] = strdup("");
	size_t nfam = 0;
	for (size_t i = 0; i < n; i++) {
		size_t len = strcspn(items[i], ":"), j;
		for (j = 0; j < i && (strcspn(items[j], ":") != len || strncmp(items[i], items[j], len)); j++)
			;
		if (j < i)
			continue; /* its family has a set already */
		strbuf sb = STRBUF_INIT;
		for (j = i; j < n; j++)
			if (strcspn(items[j], ":") == len && !strncmp(items[i], items[j], len))
				strbuf_addf(&sb, "%s%s", sb.len ? "," : "", items[j]);
		t->branch_sets[t->nbranch_sets++] = sb.len ? strbuf_detach(&sb) : NULL;
		strbuf_free(&sb);
		nfam++;
	}
	free(items);
	for (size_t i = 0; i < t->nbranch_sets; i++)
		if (!t->branch_sets[i])
			return error_set(err, YJ_ENOMEM, _("out of memory"));
	if (nfam < 2) /* one family: nothing to choose */
		while (t->nbranch_sets > 1)
			free(t->branch_sets[--t->nbranch_sets]);
	return YJ_OK;
}

/* Set option name to value in o; its text goes into settings when it
 * differs from the default.  A value the table refuses (its range
 * changed) leaves the default. */
static void apply(yj_train_opts *o, const char *name, const char *value, json_t *settings)
{
	const yj_setting *s = settings_find(settings_train, name);
	yj_error e;
	if (!s || !value || !strcmp(value, s->def) || settings_set(s, o, value, &e))
		return;
	json_object_set_new(settings, name, json_string(value));
}

/* The settings of a trial as options one could type ("" for none). */
static void settings_args(const json_t *settings, strbuf *args)
{
	const char *key;
	json_t *v;
	json_object_foreach((json_t *)settings, key, v)
	{
		const char *s = json_string_value(v);
		strbuf_addf(args, "%s--%s %s", args->len ? " " : "", key, s && *s ? s : "\"\"");
	}
}

/* Draw trial t->trial's settings into o (already the defaults): up to
 * MAX_DRAWS draws, the first whose estimate fits what is left (its epochs
 * capped to fit, down to three).  0 when nothing fits: the search ends.
 * *settings gets what differs from the defaults. */
static int draw(tuner *t, yj_rng *rng, yj_train_opts *o, json_t **settings)
{
	double left = t->budget - (progress_now() - t->t0);
	for (int d = 0; d < MAX_DRAWS; d++) {
		yj_train_opts x = *o;
		json_t *s = json_object();
		for (size_t i = 0; i < NSPACE; i++) {
			size_t n = 0;
			while (space[i].values[n])
				n++;
			apply(&x, space[i].name, space[i].values[rng_below(rng, n)], s);
		}
		/* all the branches half of the time, else one family alone */
		if (t->nbranch_sets > 1 && rng_below(rng, 2))
			apply(&x, "branches", t->branch_sets[1 + rng_below(rng, t->nbranch_sets - 1)], s);
		double setup = est_setup(t), per = est_epoch(t, x.batch, x.hidden);
		if (per >= 0 && setup + x.epochs * per > left) {
			int cap = per > 0 ? (int)floor((left - setup) / per) : 0;
			if (cap < 3) { /* fewer epochs than that learn nothing */
				json_decref(s);
				continue;
			}
			char buf[32];
			snprintf(buf, sizeof buf, "%d", cap);
			x.epochs = cap;
			json_object_set_new(s, "epochs", json_string(buf));
		}
		*o = x;
		*settings = s;
		return 1;
	}
	return 0;
}

/* The validation macro-F1 of a trial object (NaN when it has none). */
static double trial_f1(const json_t *tr)
{
	json_t *f = json_object_get(json_object_get(tr, "validation"), "macro_f1");
	return json_is_number(f) ? json_number_value(f) : NAN;
}

/* Ranked: by validation macro-F1 (descending), trials without it last,
 * ties by trial number. */
static int rank_cmp(const void *a, const void *b)
{
	const json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;
	double fx = trial_f1(x), fy = trial_f1(y);
	if (isnan(fx) != isnan(fy))
		return isnan(fx) ? 1 : -1;
	if (!isnan(fx) && fx != fy)
		return fx > fy ? -1 : 1;
	json_int_t ix = json_integer_value(json_object_get(x, "trial")), iy = json_integer_value(json_object_get(y, "trial"));
	return ix < iy ? -1 : ix > iy;
}

/* A metrics object with the keys a trial keeps (no per-category detail). */
static json_t *brief(const json_t *m)
{
	static const char *const keys[] = {"accuracy", "macro_f1", "macro_precision", "macro_recall", "loss"};
	json_t *b = json_object();
	for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
		json_t *v = json_object_get(m, keys[i]);
		if (v)
			json_object_set(b, keys[i], v);
	}
	return b;
}

/* The report object (tune.h), test: the winner's test metrics or NULL. */
static json_t *report(const tuner *t, json_t *test)
{
	size_t n = json_array_size(t->trials);
	json_t **v = malloc((n ? n : 1) * sizeof *v), *ranked = json_array();
	for (size_t i = 0; v && i < n; i++)
		v[i] = json_array_get(t->trials, i);
	if (v)
		qsort(v, n, sizeof *v, rank_cmp);
	for (size_t i = 0; v && i < n; i++)
		json_array_append(ranked, v[i]);
	free(v);
	json_t *r = json_pack("{s:I, s:I, s:I, s:f, s:o}", "pid", (json_int_t)getpid(), "seed", (json_int_t)t->o->seed,
			      "budget_s", (json_int_t)llround(t->budget), "elapsed_s", progress_now() - t->t0, "trials",
			      ranked);
	if (!r)
		return NULL;
	json_object_set_new(r, "best_run", t->best_run ? json_integer(t->best_run) : json_null());
	json_object_set_new(r, "validation", t->best_valid ? brief(t->best_valid) : json_null());
	if (test)
		json_object_set(r, "test", test);
	return r;
}

static yj_status write_report(tuner *t, yj_run_status status, json_t *test, int *cancelled, yj_error *err)
{
	json_t *r = report(t, test);
	char *text = r ? json_dumps(r, JSON_COMPACT | JSON_REAL_PRECISION(9)) : NULL;
	json_decref(r);
	if (!text)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = tunes_update(t->p, t->id, status, t->best_run, text, cancelled, err);
	free(text);
	return st;
}

static void report_event(tuner *t, const char *status, long long run, const char *args, double f1)
{
	if (!t->o->on_trial)
		return;
	double now = progress_now() - t->t0, eta = fmax(0, t->budget - now);
	if (t->o->max_trials && t->ncosts) {
		yj_train_opts d;
		train_opts_default(&d);
		double left = (t->o->max_trials - t->trial + (status ? 0 : 1)) *
			      (est_setup(t) + d.epochs * est_epoch(t, d.batch, d.hidden));
		eta = fmin(eta, fmax(0, left));
	}
	yj_tune_event ev = {t->trial, run, status, args, f1, t->best_run, t->best_run ? t->best_f1 : NAN,
			    now, t->budget, eta};
	t->o->on_trial(t->o->ctx, &ev);
}

/* Train trial t->trial with o; its object goes into t->trials.  *stop
 * is set when the search must end (cancelled). */
static yj_status one_trial(tuner *t, yj_train_opts *o, json_t *settings, const char *args, int *stop,
			   yj_error *err)
{
	t->cancel = 0;
	t->over_budget = 0;
	t->epochs_seen = 0;
	t->first_tick = -1;
	t->last_poll = 0;
	t->trial_t0 = progress_now();
	t->pg = (yj_progress){.report = on_report, .ctx = t, .cancel = &t->cancel};
	o->progress = &t->pg;
	o->on_epoch = on_epoch;
	o->ctx = t;
	report_event(t, NULL, 0, args, NAN);
	long long run = 0;
	yj_error terr;
	error_clear(&terr);
	yj_status st = train_run(t->p, o, &run, &terr);
	double end = progress_now();
	const char *status = st == YJ_OK ? "done" : st == YJ_EINTR ? "cancelled" : "failed";
	yj_status ret = YJ_OK;
	if (run)
		ret = tunes_tag_run(t->p, t->id, run, err);
	json_t *tr = json_pack("{s:i, s:s, s:O, s:i, s:f}", "trial", t->trial, "status", status, "settings", settings,
			       "epochs", o->epochs, "seconds", end - t->trial_t0);
	if (!tr)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	json_object_set_new(tr, "run", run ? json_integer(run) : json_null());
	if (st && st != YJ_EINTR)
		json_object_set_new(tr, "error", json_string(terr.msg));
	if (st == YJ_EINTR && t->over_budget)
		json_object_set_new(tr, "error", json_string("over the budget"));
	double f1 = NAN;
	if (!ret && st == YJ_OK) {
		json_t *ev = NULL;
		ret = train_eval(t->p, run, &ev, err);
		json_t *valid = json_object_get(ev, "validation");
		if (!ret && !json_is_object(valid))
			ret = error_set(err, YJ_EDATA, _("run %lld has no validation figures"), run);
		if (!ret) {
			json_t *b = brief(valid);
			json_object_set_new(tr, "validation", b);
			f1 = trial_f1(tr);
			if (!isnan(f1) && (!t->best_run || f1 > t->best_f1)) {
				t->best_run = run;
				t->best_f1 = f1;
				json_decref(t->best_valid);
				t->best_valid = brief(valid);
			}
		}
		json_decref(ev);
	}
	/* the cost, for the estimates (a trial stopped over the budget too) */
	if (!ret && t->first_tick > 0 && t->epochs_seen > 0) {
		cost *c = realloc(t->costs, (t->ncosts + 1) * sizeof *c);
		if (c) {
			t->costs = c;
			c[t->ncosts++] = (cost){t->first_tick - t->trial_t0,
						(end - t->first_tick) / t->epochs_seen / cost_scale(o->batch, o->hidden)};
		}
	}
	/* the defaults failing say the data cannot be trained on: stop there */
	if (!ret && st && st != YJ_EINTR && t->trial == 1) {
		*err = terr;
		ret = st;
	}
	t->failures = st && st != YJ_EINTR ? t->failures + 1 : 0;
	if (t->failures >= MAX_FAILURES)
		*stop = 1;
	json_array_append_new(t->trials, tr);
	if (st == YJ_EINTR && !t->over_budget)
		t->requested = 1;
	if (t->requested)
		*stop = 1;
	report_event(t, status, run, args, f1);
	return ret;
}

yj_status tune_run(yj_project *p, const yj_tune_opts *o, long long *tune_id, json_t **result, yj_error *err)
{
	tuner t = {.p = p, .o = o, .best_f1 = -1};
	json_t *test = NULL;
	yj_rng rng;
	long long split = 0, snapshot = 0, nvalid = 0;
	yj_status st;
	if (result)
		*result = NULL;
	*tune_id = 0;
	if (!(o->minutes > 0))
		return error_set(err, YJ_EUSAGE, _("the time budget must be more than 0 minutes"));
	if ((st = splits_of_active_snapshot(p, &split, &snapshot, err)))
		return st;
	if (!split) {
		error_set(err, YJ_EUSAGE, _("there is no split to tune on"));
		error_hint(err, _("make one with: yujing split PROJECT"));
		return YJ_EUSAGE;
	}
	if ((st = tunes_split_valid_count(p, split, &nvalid, err)))
		return st;
	if (!nvalid) {
		error_set(err, YJ_EUSAGE, _("split %lld has no validation part: tune chooses on validation only"), split);
		error_hint(err, _("split again with a validation part: yujing split PROJECT --valid 0.15"));
		return YJ_EUSAGE;
	}
	t.budget = o->minutes * 60.0;
	t.t0 = progress_now();
	t.trials = json_array();
	if (!t.trials)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	if ((st = tunes_create(p, split, llround(t.budget), &t.id, err)))
		goto out;
	*tune_id = t.id;
	rng_seed(&rng, o->seed);
	int stop = 0;
	for (t.trial = 1; !stop && !t.requested; t.trial++) {
		if (o->max_trials && t.trial > o->max_trials)
			break;
		if (t.trial > 1 && progress_now() - t.t0 >= t.budget)
			break;
		if (progress_cancelled(o->progress)) {
			t.requested = 1; /* Ctrl-C between two trials */
			break;
		}
		yj_train_opts to;
		train_opts_default(&to);
		to.seed = o->seed;
		to.threads = o->threads;
		json_t *settings = NULL;
		strbuf args = STRBUF_INIT;
		if (t.trial == 1)
			settings = json_object();
		else if (!draw(&t, &rng, &to, &settings))
			break; /* nothing fits in what is left */
		if (settings)
			settings_args(settings, &args);
		if (!settings) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		st = one_trial(&t, &to, settings, args.len ? strbuf_str(&args) : "", &stop, err);
		json_decref(settings);
		strbuf_free(&args);
		if (!st && t.trial == 1 && t.best_run)
			st = read_branch_sets(&t, t.best_run, err);
		if (!st && !stop) {
			int cancelled = 0;
			st = write_report(&t, RUN_RUNNING, NULL, &cancelled, err);
			if (cancelled)
				t.requested = 1;
		}
		if (st)
			goto out;
	}
	if (t.best_run) {
		json_t *ev = NULL;
		if ((st = train_eval(p, t.best_run, &ev, err)))
			goto out;
		/* the test figures of the winner only: its "test" object, else
		 * (a run of the old shape) its top-level metrics */
		json_t *tv = json_object_get(ev, "test");
		test = json_is_object(tv) ? brief(tv) : json_null();
		json_decref(ev);
	}
	if (!t.best_run && !t.requested) {
		st = error_set(err, YJ_EDATA, _("no trial of tune %lld finished"), t.id);
		error_hint(err, _("'yujing runs PROJECT' shows the trials and why they failed"));
	}
out:;
	yj_run_status end = st ? RUN_FAILED : t.requested ? RUN_CANCELLED : RUN_DONE;
	if (t.id) {
		yj_error tmp;
		yj_status wst = write_report(&t, end, test, NULL, st ? &tmp : err);
		if (!st && wst)
			st = wst, end = RUN_FAILED;
	}
	if (!st && end == RUN_DONE && t.best_run)
		st = runs_set_model(p, t.best_run, err);
	if (!st && result) {
		*result = json_pack("{s:I, s:s, s:o?, s:O?, s:O?, s:I}", "tune", (json_int_t)t.id, "status",
				    runs_status_name(end), "best_run", t.best_run ? json_integer(t.best_run) : NULL,
				    "validation", t.best_valid, "test", test, "trials",
				    (json_int_t)json_array_size(t.trials));
	}
	if (!st && end == RUN_CANCELLED && t.best_run)
		st = error_set(err, YJ_EINTR, _("tune %lld stopped after %zu trials; the best so far is run %lld"), t.id,
			       json_array_size(t.trials), t.best_run);
	else if (!st && end == RUN_CANCELLED)
		st = error_set(err, YJ_EINTR, _("tune %lld stopped before a trial finished"), t.id);
	json_decref(test);
	json_decref(t.trials);
	json_decref(t.best_valid);
	free(t.costs);
	for (size_t i = 0; i < t.nbranch_sets; i++)
		free(t.branch_sets[i]);
	free(t.branch_sets);
	return st;
}
