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
 * follows the table.  The logit adjustment is not a dimension: every
 * trial keeps --adjust auto, which picks tau on the same validation
 * macro-F1 the trials are ranked by (its grid 0, 0.25, ..., 2), so a
 * trial with a fixed tau of that grid could never rank above the same
 * trial with auto (the adjustment comes after training). */
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

/* The trials after the defaults that are not drawn: each the defaults
 * with the settings of one row (NULL-terminated name/value pairs), tried
 * first because they are the likeliest to pay on the data this program
 * is for.  Trial 2 is the defaults with weight decay 0.1: on both issue-13
 * data sets the n-gram tables memorise the training cases (CAIL's
 * training loss 0.007 by epoch 2), and on validation wd 0.1 against the
 * default 0.01 gave +0.02 and +0.06 on CAIL (seeds 1, 2) and -0.005 on
 * average on Chicago (seeds 1-3, within its noise of +-0.012).  Drawn
 * once at random it came too late, or with other settings that hid it.
 * The winner is still chosen by the same rule on validation
 * (DEFAULTS_MARGIN).  A fixed trial that does not fit what is left of the
 * budget (its epochs capped to three or more) gives way to random
 * draws. */
static const char *const fixed_trials[][3] = {
	{"weight-decay", "0.1", NULL},
};
#define NFIXED (sizeof fixed_trials / sizeof fixed_trials[0])

/* Draws of one trial that are given up on before the search ends. */
#define MAX_DRAWS 8
/* Trials failing in a row that end the search (the project, not the
 * settings, is the matter then). */
#define MAX_FAILURES 5

/* Trial 1 (the defaults) stops, keeping its best epoch so far, after
 * this share of the budget: the search needs room for other trials. */
#define TRIAL1_SHARE (1.0 / 3.0)
/* The median stopping rule: at a rung, a trial whose best validation
 * macro-F1 so far is below the median of the best so far of the earlier
 * trials at the same point stops there, keeping its best epoch; only with
 * at least MEDIAN_MIN earlier trials to compare with.  Trials differ in
 * their schedules (epochs 10..40, the learning rate falling linearly to 0
 * over them), so the point is a share of the trial's own schedule, not an
 * epoch number: the rungs are the ends of epochs floor(f E), f in
 * rung_shares, of a trial of E epochs (those from epoch 2 on), and an
 * earlier trial of E' epochs is taken over its first floor(f E') epochs
 * (at least one; a trial that ended sooner: its best). */
#define MEDIAN_MIN 3
static const double rung_shares[] = {0.125, 0.25, 0.5};
#define NRUNGS (sizeof rung_shares / sizeof rung_shares[0])
/* The robust winner: the defaults (trial 1) stay the model unless a trial
 * beats their validation macro-F1 by more than this (a validation part of
 * a few thousand cases cannot separate smaller differences: issue 13). */
#define DEFAULTS_MARGIN 0.01

enum { STOP_NONE, STOP_DEADLINE, STOP_MEDIAN };

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
	int epochs;      /* its schedule's epochs (trial 1's resolved "auto": def_epochs) */
	int requested;   /* the tune was cancelled (Ctrl-C or tunes_request_cancel) */
	int over_budget; /* the trial ran past the hard limit */
	int failures;    /* trials failed in a row */
	double deadline; /* the trial's: it stops there, keeping its best epoch */
	int stopped;     /* STOP_*: why the trial in progress stops early */
	int stop_said;   /* stop_early told train to stop */
	int lost;        /* an allocation for the median rule failed: the trial fails */
	json_t *curve;   /* its validation macro-F1 per epoch */
	/* the search so far */
	json_t *trials; /* array of the report's trial objects */
	long long best_run; /* the winner (robust rule) */
	double best_f1;
	json_t *best_valid;
	long long def_run, top_run; /* trial 1's run; the highest validation macro-F1 */
	double def_f1, top_f1;
	json_t *def_valid, *top_valid;
	int def_epochs, def_batch; /* trial 1's resolved epochs and batch ("auto") */
	cost *costs;
	size_t ncosts;
	char **branch_sets; /* NULL-terminated: "" (all) and each family */
	size_t nbranch_sets;
	/* re-scoring (tune.h) */
	int rescoring;      /* the trial in progress is a re-score of trial t->trial */
	int phase;          /* the re-scores have begun: no more search trials */
	json_t *rescore;    /* {"seed", "trials": [...]} once they have begun */
	json_t *rescores;   /* array of the re-scores' trial objects */
	int chosen_by_mean; /* the winner was chosen by tune_choose_means */
	double win_mean;    /* the mean of the winner's figures (then) */
} tuner;

void tune_opts_default(yj_tune_opts *o)
{
	memset(o, 0, sizeof *o);
	o->minutes = 30;
	o->seed = 42;
	o->rescore = 0; /* measured not to pay on Chicago (tune.h) */
}

static json_t *trial_of(const tuner *t, json_int_t k);
static int rescore_ended(const tuner *t, json_int_t k);

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

double tune_hard_limit(double budget)
{
	return budget + fmax(60.0, 0.1 * budget);
}

static double hard_limit(const tuner *t)
{
	return tune_hard_limit(t->budget);
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
	if ((t->trial > 1 || t->rescoring) && now - t->t0 > hard_limit(t)) { /* no epoch scored to stop at */
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

/* The best of the first e values of a curve (all of them when it is
 * shorter); NaN when it is empty. */
static double best_at(const json_t *curve, size_t e)
{
	double best = NAN;
	for (size_t i = 0; i < e && i < json_array_size(curve); i++) {
		double v = json_number_value(json_array_get(curve, i));
		if (isnan(best) || v > best)
			best = v;
	}
	return best;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

/* The share of the schedule whose rung epoch e (1-based) of a trial of
 * epochs epochs is, or 0 when e is not a rung. */
static double rung_share(int e, int epochs)
{
	for (size_t i = 0; e >= 2 && i < NRUNGS; i++)
		if (e == (int)floor(rung_shares[i] * epochs))
			return rung_shares[i];
	return 0;
}

/* The median stopping rule (MEDIAN_MIN): whether best, the trial's best so
 * far at epoch e (1-based) of its t->epochs, is below the median of the
 * earlier trials' at the same share of their schedules. */
static int below_median(const tuner *t, int e, double best)
{
	double f = rung_share(e, t->epochs);
	if (f == 0)
		return 0; /* not a rung */
	size_t n = json_array_size(t->trials), k = 0;
	double *v = malloc((n ? n : 1) * sizeof *v);
	if (!v) {
		((tuner *)t)->lost = 1; /* the rule could not be applied: the trial fails */
		return 0;
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *tr = json_array_get(t->trials, i);
		json_int_t ep = json_integer_value(json_object_get(tr, "epochs"));
		size_t upto = (size_t)floor(f * (double)ep);
		double b = best_at(json_object_get(tr, "curve"), upto > 1 ? upto : 1);
		if (!isnan(b))
			v[k++] = b;
	}
	int below = 0;
	if (k >= MEDIAN_MIN) {
		qsort(v, k, sizeof *v, cmp_double);
		double med = k % 2 ? v[k / 2] : (v[k / 2 - 1] + v[k / 2]) / 2;
		below = best < med;
	}
	free(v);
	return below;
}

static void on_epoch(void *ctx, int epoch, double train_loss, double test_loss, double acc, double f1)
{
	(void)train_loss, (void)test_loss, (void)acc;
	tuner *t = ctx;
	t->epochs_seen++;
	if (json_array_append_new(t->curve, json_real(f1)))
		t->lost = 1; /* a curve with a hole would mislead the rule */
	if (!t->lost && !t->stopped && !t->rescoring && below_median(t, epoch + 1, best_at(t->curve, (size_t)epoch + 1)))
		t->stopped = STOP_MEDIAN;
	poll_trial(t);
}

/* train's stop_early: the median rule said so, or the trial's deadline
 * has come. */
static int stop_early(void *ctx)
{
	tuner *t = ctx;
	if (!t->stopped && progress_now() >= t->deadline)
		t->stopped = STOP_DEADLINE;
	if (t->stopped)
		t->stop_said = 1;
	return t->stopped != STOP_NONE;
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

/* Draw trial t->trial's settings into o (already the defaults): the
 * fixed trial's settings first (fixed_trials), then random draws, up
 * to MAX_DRAWS in all, the first whose estimate fits what is left (its epochs
 * capped to fit, down to three).  0 when nothing fits: the search ends.
 * *settings gets what differs from the defaults. */
static int draw(tuner *t, yj_rng *rng, yj_train_opts *o, json_t **settings, double reserve)
{
	double left = t->budget - (progress_now() - t->t0) - reserve;
	for (int d = 0; d < MAX_DRAWS; d++) {
		yj_train_opts x = *o;
		json_t *s = json_object();
		size_t fixed = (size_t)t->trial - 2;
		if (d == 0 && t->trial >= 2 && fixed < NFIXED) {
			for (const char *const *kv = fixed_trials[fixed]; kv[0]; kv += 2)
				apply(&x, kv[0], kv[1], s);
		} else {
			for (size_t i = 0; i < NSPACE; i++) {
				size_t n = 0;
				while (space[i].values[n])
					n++;
				apply(&x, space[i].name, space[i].values[rng_below(rng, n)], s);
			}
			/* all the branches half of the time, else one family alone */
			if (t->nbranch_sets > 1 && rng_below(rng, 2))
				apply(&x, "branches", t->branch_sets[1 + rng_below(rng, t->nbranch_sets - 1)], s);
		}
		/* an "auto" epochs or batch: what the defaults resolved to */
		int epochs = x.epochs ? x.epochs : t->def_epochs, batch = x.batch ? x.batch : t->def_batch;
		double setup = est_setup(t), per = est_epoch(t, batch, x.hidden);
		if (per >= 0 && setup + epochs * per > left) {
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
/* The winner by the robust rule (DEFAULTS_MARGIN): the highest validation
 * macro-F1, unless trial 1 (the defaults) is within the margin of it. */
int tune_keeps_defaults(double def_f1, double top_f1)
{
	return top_f1 <= def_f1 + DEFAULTS_MARGIN;
}

static void choose_winner(tuner *t)
{
	int keep = t->def_run && (!t->top_run || tune_keeps_defaults(t->def_f1, t->top_f1));
	t->best_run = keep ? t->def_run : t->top_run;
	t->best_f1 = keep ? t->def_f1 : t->top_f1;
	json_decref(t->best_valid);
	t->best_valid = json_incref(keep ? t->def_valid : t->top_valid);
}

/* Trial object tr (with validation figures, of run `run`) enters the
 * winner's race. */
static void consider(tuner *t, const json_t *tr, long long run)
{
	double f1 = trial_f1(tr);
	json_t *valid = json_object_get(tr, "validation");
	if (isnan(f1) || !run)
		return;
	if (json_integer_value(json_object_get(tr, "trial")) == 1) {
		t->def_run = run;
		t->def_f1 = f1;
		json_decref(t->def_valid);
		t->def_valid = json_incref(valid);
	}
	if (!t->top_run || f1 > t->top_f1) {
		t->top_run = run;
		t->top_f1 = f1;
		json_decref(t->top_valid);
		t->top_valid = json_incref(valid);
	}
	choose_winner(t);
}

/* The mean of a candidate's finished figures (NaN: none). */
static double cand_mean(const yj_tune_cand *c)
{
	double sum = 0;
	int k = 0;
	for (int i = 0; i < 2; i++)
		if (!isnan(c->f1[i]))
			sum += c->f1[i], k++;
	return k ? sum / k : NAN;
}

int tune_choose_means(const yj_tune_cand *c, size_t n, int *seed)
{
	int top = -1;
	double top_m = NAN;
	for (size_t i = 1; i < n; i++) {
		double m = cand_mean(&c[i]);
		if (!isnan(m) && (top < 0 || m > top_m || (m == top_m && c[i].trial < c[top].trial)))
			top = (int)i, top_m = m;
	}
	double def_m = n ? cand_mean(&c[0]) : NAN;
	int win = top;
	if (!isnan(def_m) && (top < 0 || tune_keeps_defaults(def_m, top_m)))
		win = 0;
	if (seed) /* the run with the tune's seed: the better of the two on
		   * validation did worse on held-out cases (tune.h) */
		*seed = win >= 0 && isnan(c[win].f1[0]);
	return win;
}

size_t tune_rescore_set(const int *trial, const double *f1, size_t n, int k, int *out)
{
	size_t m = 0;
	for (size_t i = 0; i < n; i++)
		if (trial[i] == 1 && !isnan(f1[i]))
			out[m++] = 1;
	for (int r = 0; r < k; r++) {
		size_t best = n;
		for (size_t i = 0; i < n; i++) {
			int taken = trial[i] == 1 || isnan(f1[i]);
			for (size_t j = 0; j < m && !taken; j++)
				taken = out[j] == trial[i];
			if (!taken && (best == n || f1[i] > f1[best] || (f1[i] == f1[best] && trial[i] < trial[best])))
				best = i;
		}
		if (best == n)
			break;
		out[m++] = trial[best];
	}
	return m;
}

/* The search trial numbered k (NULL when none). */
static json_t *trial_of(const tuner *t, json_int_t k)
{
	size_t i;
	json_t *tr;
	json_array_foreach(t->trials, i, tr) if (json_integer_value(json_object_get(tr, "trial")) == k) return tr;
	return NULL;
}

/* The trials to re-score from the search so far (tune_rescore_set over
 * the done trials with figures): their numbers into a new array *out. */
static yj_status current_set(const tuner *t, int **out, size_t *nout, yj_error *err)
{
	size_t n = json_array_size(t->trials), k = 0;
	int *num = malloc((n + 1) * sizeof *num), *set = malloc(((size_t)t->o->rescore + 1) * sizeof *set);
	double *f1 = malloc((n + 1) * sizeof *f1);
	if (!num || !set || !f1) {
		free(num), free(set), free(f1);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *tr = json_array_get(t->trials, i);
		const char *s = json_string_value(json_object_get(tr, "status"));
		if (!s || strcmp(s, "done") || !json_is_integer(json_object_get(tr, "run")))
			continue;
		num[k] = (int)json_integer_value(json_object_get(tr, "trial"));
		f1[k++] = trial_f1(tr);
	}
	*nout = tune_rescore_set(num, f1, k, t->o->rescore, set);
	*out = set;
	free(num), free(f1);
	return YJ_OK;
}

/* The seconds the re-scores of the best so far would take (their
 * measured seconds): kept from the search's budget. */
static yj_status rescore_reserve(const tuner *t, double *reserve, yj_error *err)
{
	*reserve = 0;
	if (t->o->rescore <= 0)
		return YJ_OK;
	int *set = NULL;
	size_t n = 0;
	yj_status st = current_set(t, &set, &n, err);
	for (size_t i = 0; !st && i < n; i++)
		*reserve += fmax(0, json_number_value(json_object_get(trial_of(t, set[i]), "seconds")));
	free(set);
	return st;
}

/* The re-score of trial k with the re-scores' seed that finished (NULL
 * when none did). */
static json_t *rescore_of(const tuner *t, json_int_t k)
{
	size_t i;
	json_t *r;
	json_array_foreach(t->rescores, i, r)
	{
		const char *s = json_string_value(json_object_get(r, "status"));
		if (json_integer_value(json_object_get(r, "trial")) == k && s && !strcmp(s, "done") &&
		    !isnan(trial_f1(r)))
			return r;
	}
	return NULL;
}

/* The winner once re-scoring has begun (tune_choose_means over the
 * trials of "rescore"), and the summary of the figures ("rescored").
 * NULL summary: out of memory. */
static json_t *choose_rescored(tuner *t)
{
	json_t *set = json_object_get(t->rescore, "trials"), *sum = json_array();
	size_t n = json_array_size(set);
	yj_tune_cand *c = calloc(n ? n : 1, sizeof *c);
	if (!c || !sum) {
		free(c);
		json_decref(sum);
		return NULL;
	}
	uint64_t seed2 = (uint64_t)json_integer_value(json_object_get(t->rescore, "seed"));
	for (size_t i = 0; i < n; i++) {
		c[i].trial = (int)json_integer_value(json_array_get(set, i));
		const json_t *a = trial_of(t, c[i].trial), *b = rescore_of(t, c[i].trial);
		c[i].f1[0] = a ? trial_f1(a) : NAN;
		c[i].f1[1] = b ? trial_f1(b) : NAN;
		json_t *o = json_pack("{s:i, s:[I, I], s:[O, O], s:[O, O], s:o}", "trial", c[i].trial, "seeds",
				      (json_int_t)t->o->seed, (json_int_t)seed2, "runs", a ? json_object_get(a, "run") : json_null(),
				      b ? json_object_get(b, "run") : json_null(), "macro_f1",
				      isnan(c[i].f1[0]) ? json_null() : json_object_get(json_object_get(a, "validation"), "macro_f1"),
				      isnan(c[i].f1[1]) ? json_null() : json_object_get(json_object_get(b, "validation"), "macro_f1"),
				      "mean", isnan(cand_mean(&c[i])) ? json_null() : json_real(cand_mean(&c[i])));
		if (!o || json_array_append_new(sum, o)) {
			free(c);
			json_decref(sum);
			return NULL;
		}
	}
	int which = 0, w = tune_choose_means(c, n, &which);
	if (w >= 0) {
		const json_t *tr = which ? rescore_of(t, c[w].trial) : trial_of(t, c[w].trial);
		t->best_run = json_integer_value(json_object_get(tr, "run"));
		t->best_f1 = trial_f1(tr);
		json_decref(t->best_valid);
		t->best_valid = json_incref(json_object_get(tr, "validation"));
		t->chosen_by_mean = 1;
		t->win_mean = cand_mean(&c[w]);
	}
	free(c);
	return sum;
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
	json_t *r = json_pack("{s:I, s:I, s:I, s:f, s:o, s:f, s:s, s:i}", "pid", (json_int_t)getpid(), "seed",
			      (json_int_t)t->o->seed, "budget_s", (json_int_t)llround(t->budget), "elapsed_s",
			      progress_now() - t->t0, "trials", ranked, "defaults_margin", DEFAULTS_MARGIN, "stopping",
			      "median", "median_min", MEDIAN_MIN);
	if (!r || !v)
		return json_decref(r), NULL;
	json_t *shares = json_array();
	for (size_t i = 0; shares && i < NRUNGS; i++)
		json_array_append_new(shares, json_real(rung_shares[i]));
	json_object_set_new(r, "median_shares", shares ? shares : json_null());
	json_object_set_new(r, "best_run", t->best_run ? json_integer(t->best_run) : json_null());
	json_object_set_new(r, "validation", t->best_valid ? brief(t->best_valid) : json_null());
	json_object_set_new(r, "defaults_run", t->def_run ? json_integer(t->def_run) : json_null());
	json_object_set_new(r, "top_run", t->top_run ? json_integer(t->top_run) : json_null());
	if (t->rescore) {
		json_t *sum = choose_rescored((tuner *)t);
		if (!sum)
			return json_decref(r), NULL;
		json_object_set(r, "rescore", t->rescore);
		json_object_set(r, "rescores", t->rescores);
		json_object_set_new(r, "rescored", sum);
	}
	json_object_set_new(r, "chosen_by", json_string(t->chosen_by_mean ? "mean" : "validation"));
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

static void report_event(tuner *t, const char *status, const char *stopped, long long run, const char *args,
			 double f1)
{
	if (!t->o->on_trial)
		return;
	double now = progress_now() - t->t0, eta = fmax(0, t->budget - now);
	if (t->o->max_trials && t->ncosts && !t->rescoring) {
		/* the defaults' resolved epochs and batch (trial 1's config) */
		yj_train_opts d;
		train_opts_default(&d);
		double left = (t->o->max_trials - t->trial + (status ? 0 : 1)) *
			      (est_setup(t) + t->def_epochs * est_epoch(t, t->def_batch, d.hidden));
		eta = fmin(eta, fmax(0, left));
	}
	if (t->phase) { /* the re-scores left: their trials' measured seconds */
		double left = 0;
		json_t *set = json_object_get(t->rescore, "trials");
		for (size_t i = 0; i < json_array_size(set); i++) {
			json_int_t k = json_integer_value(json_array_get(set, i));
			if (!rescore_ended(t, k) && !(status && k == t->trial))
				left += fmax(0, json_number_value(json_object_get(trial_of(t, k), "seconds")));
		}
		eta = fmin(eta, left);
	}
	yj_tune_event ev = {t->trial, run, status, args, f1, t->best_run, t->best_run ? t->best_f1 : NAN,
			    now, t->budget, eta, stopped, t->rescoring, t->rescoring ? t->o->seed + 1 : t->o->seed};
	t->o->on_trial(t->o->ctx, &ev);
}

/* The epochs, batch and width run `run` resolved ("auto" settings have
 * their values in its stored config); 0 where it has none. */
static yj_status run_shape(yj_project *p, long long run, int *epochs, int *batch, int *hidden, yj_error *err)
{
	yj_run_row row;
	*epochs = *batch = *hidden = 0;
	yj_status st = runs_get(p, run, &row, err);
	if (st)
		return st;
	json_t *cfg = row.config ? json_loads(row.config, 0, NULL) : NULL;
	runs_row_free(&row);
	*epochs = (int)json_integer_value(json_object_get(cfg, "epochs"));
	*batch = (int)json_integer_value(json_object_get(cfg, "batch"));
	*hidden = (int)json_integer_value(json_object_get(cfg, "hidden"));
	json_decref(cfg);
	return YJ_OK;
}

static const char *stop_name(int stopped)
{
	return stopped == STOP_DEADLINE ? "deadline" : stopped == STOP_MEDIAN ? "median" : NULL;
}

/* Train trial t->trial with o; its object replaces t->trials' last one
 * (the trial in progress).  *stop is set when the search must end
 * (cancelled). */
static yj_status one_trial(tuner *t, yj_train_opts *o, json_t *settings, const char *args, int *stop,
			   yj_error *err)
{
	t->cancel = 0;
	t->over_budget = 0;
	t->epochs_seen = 0;
	t->epochs = o->epochs > 0 ? o->epochs : t->def_epochs;
	t->first_tick = -1;
	t->last_poll = 0;
	t->stopped = STOP_NONE;
	t->stop_said = 0;
	t->lost = 0;
	t->curve = json_array();
	if (!t->curve)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	t->trial_t0 = progress_now();
	/* its deadline: a share of the budget for the defaults, else what is left */
	t->deadline = t->t0 + (t->trial == 1 && !t->rescoring ? TRIAL1_SHARE : 1.0) * t->budget;
	if (t->rescoring) /* past the budget's end, short of the hard limit */
		t->deadline = t->t0 + (t->budget + hard_limit(t)) / 2;
	t->pg = (yj_progress){.report = on_report, .ctx = t, .cancel = &t->cancel};
	o->progress = &t->pg;
	o->on_epoch = on_epoch;
	o->stop_early = stop_early;
	o->ctx = t;
	report_event(t, NULL, NULL, 0, args, NAN);
	long long run = 0;
	yj_error terr;
	error_clear(&terr);
	yj_status st = train_run(t->p, o, &run, &terr);
	double end = progress_now();
	const char *status = st == YJ_OK ? "done" : st == YJ_EINTR ? "cancelled" : "failed";
	const char *stopped = st == YJ_OK && t->stop_said ? stop_name(t->stopped) : NULL;
	yj_status ret = YJ_OK;
	if (run)
		ret = tunes_tag_run(t->p, t->id, run, err);
	int epochs = o->epochs, batch = o->batch, hidden = o->hidden;
	if (run && !ret)
		ret = run_shape(t->p, run, &epochs, &batch, &hidden, err);
	if (!ret && t->lost)
		ret = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (run && t->trial == 1 && !t->rescoring) {
		t->def_epochs = epochs;
		t->def_batch = batch;
	}
	json_t *tr = json_pack("{s:i, s:s, s:O, s:i, s:f}", "trial", t->trial, "status", status, "settings", settings,
			       "epochs", epochs, "seconds", end - t->trial_t0);
	if (!tr)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	json_object_set_new(tr, "run", run ? json_integer(run) : json_null());
	if (t->rescoring)
		json_object_set_new(tr, "seed", json_integer((json_int_t)o->seed));
	if (st && st != YJ_EINTR)
		json_object_set_new(tr, "error", json_string(terr.msg));
	if (st == YJ_EINTR && t->over_budget)
		json_object_set_new(tr, "error", json_string("over the budget"));
	if (stopped) {
		json_object_set_new(tr, "stopped", json_string(stopped));
		json_object_set_new(tr, "stopped_at_epoch", json_integer(t->epochs_seen));
	}
	double f1 = NAN;
	if (!ret && st == YJ_OK) {
		json_t *ev = NULL;
		ret = train_eval(t->p, run, &ev, err);
		json_t *valid = json_object_get(ev, "validation");
		if (!ret && !json_is_object(valid))
			ret = error_set(err, YJ_EDATA, _("run %lld has no validation figures"), run);
		if (!ret) {
			json_object_set_new(tr, "validation", brief(valid));
			json_object_set(tr, "curve", t->curve);
			f1 = trial_f1(tr);
			if (!t->rescoring)
				consider(t, tr, run);
		}
		json_decref(ev);
	}
	json_decref(t->curve);
	t->curve = NULL;
	/* the cost, for the estimates (a trial stopped over the budget too) */
	if (!ret && t->first_tick > 0 && t->epochs_seen > 0) {
		cost *c = realloc(t->costs, (t->ncosts + 1) * sizeof *c);
		if (c) {
			t->costs = c;
			c[t->ncosts++] = (cost){t->first_tick - t->trial_t0,
						(end - t->first_tick) / t->epochs_seen / cost_scale(batch, hidden)};
			json_object_set_new(tr, "cost", json_pack("[f, f]", c[t->ncosts - 1].setup, c[t->ncosts - 1].epoch));
		}
	}
	/* the defaults failing say the data cannot be trained on: stop there */
	if (!ret && st && st != YJ_EINTR && t->trial == 1 && !t->rescoring) {
		*err = terr;
		ret = st;
	}
	t->failures = st && st != YJ_EINTR ? t->failures + 1 : 0;
	if (t->failures >= MAX_FAILURES)
		*stop = 1;
	json_t *list = t->rescoring ? t->rescores : t->trials;
	size_t last = json_array_size(list);
	if (last && json_array_set_new(list, last - 1, tr))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	if (t->rescoring) {
		json_t *sum = choose_rescored(t); /* the winner by the means so far */
		if (!sum && !ret)
			ret = error_set(err, YJ_ENOMEM, _("out of memory"));
		json_decref(sum);
	}
	if (st == YJ_EINTR && !t->over_budget)
		t->requested = 1;
	if (t->requested)
		*stop = 1;
	report_event(t, status, stopped, run, args, f1);
	return ret;
}

/* Resuming tune t->id: its report's trials, seed and elapsed time, the
 * winner so far and the costs.  A trial that was training when the tune
 * stopped (stored as running) reads as interrupted; its run, tagged while
 * it trained, is named when it can be found. */
static yj_status load_resumed(tuner *t, const yj_tune_row *row, uint64_t *seed, double *elapsed, int *next,
			      yj_error *err)
{
	json_t *rep = row->report ? json_loads(row->report, 0, NULL) : NULL;
	json_t *trials = json_object_get(rep, "trials"), *tr;
	yj_status st = YJ_OK;
	size_t i;
	if (!json_is_array(trials) || !json_is_integer(json_object_get(rep, "seed"))) {
		json_decref(rep);
		error_set(err, YJ_EDATA, _("tune %lld: its report has no trials to continue (field tunes.report)"),
			  row->id);
		error_hint(err, _("start a new tune: yujing tune PROJECT"));
		return YJ_EDATA;
	}
	*seed = (uint64_t)json_integer_value(json_object_get(rep, "seed"));
	*elapsed = fmax(0, json_number_value(json_object_get(rep, "elapsed_s")));
	*next = 1;
	long long *runs = NULL, *groups = NULL;
	size_t nr = 0;
	st = tunes_run_groups(t->p, &runs, &groups, &nr, err); /* to name an interrupted trial's run */
	json_array_foreach(trials, i, tr)
	{
		if (st)
			break;
		json_int_t k = json_integer_value(json_object_get(tr, "trial"));
		json_t *c = json_deep_copy(tr);
		if (!c || json_array_append_new(t->trials, c)) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			break;
		}
		if (k >= *next)
			*next = (int)k + 1;
		const char *s = json_string_value(json_object_get(c, "status"));
		if (s && !strcmp(s, "running")) {
			json_object_set_new(c, "status", json_string("interrupted"));
			s = NULL; /* freed with the old value */
			for (size_t j = 0; j < nr; j++) {
				int named = 0;
				for (size_t m = 0; m < json_array_size(trials) && !named; m++)
					named = json_integer_value(json_object_get(json_array_get(trials, m), "run")) ==
						runs[j];
				if (groups[j] == row->id && !named)
					json_object_set_new(c, "run", json_integer(runs[j]));
			}
		}
		int h;
		if (k == 1 && json_is_integer(json_object_get(c, "run")) &&
		    (st = run_shape(t->p, json_integer_value(json_object_get(c, "run")), &t->def_epochs, &t->def_batch,
				    &h, err)))
			break;
		json_t *jc = json_object_get(c, "cost");
		if (json_array_size(jc) == 2) {
			cost *v = realloc(t->costs, (t->ncosts + 1) * sizeof *v);
			if (!v) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				break;
			}
			t->costs = v;
			v[t->ncosts++] = (cost){json_number_value(json_array_get(jc, 0)),
						json_number_value(json_array_get(jc, 1))};
		}
		if (s && !strcmp(s, "done"))
			consider(t, c, json_integer_value(json_object_get(c, "run")));
	}
	/* the re-scores begun: the same trials, their ended re-scores kept */
	json_t *rs = json_object_get(rep, "rescore");
	if (!st && json_is_object(rs)) {
		t->rescore = json_deep_copy(rs);
		json_array_foreach(json_object_get(rep, "rescores"), i, tr)
		{
			json_t *c = json_deep_copy(tr);
			const char *s = json_string_value(json_object_get(c, "status"));
			if (c && s && !strcmp(s, "running"))
				json_object_set_new(c, "status", json_string("interrupted"));
			if (!c || json_array_append_new(t->rescores, c)) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				break;
			}
		}
		if (!t->rescore && !st)
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
		t->phase = 1;
	}
	free(runs);
	free(groups);
	json_decref(rep);
	return st;
}

/* Whether trial k has a re-score that ended (done or failed: it is not
 * tried again). */
static int rescore_ended(const tuner *t, json_int_t k)
{
	size_t i;
	json_t *r;
	json_array_foreach(t->rescores, i, r)
	{
		const char *s = json_string_value(json_object_get(r, "status"));
		if (json_integer_value(json_object_get(r, "trial")) == k && s &&
		    (!strcmp(s, "done") || !strcmp(s, "failed")))
			return 1;
	}
	return 0;
}

/* The re-scores (tune.h): begun when the search has ended (the set
 * chosen then, kept in the report), or continued on a resumed tune. */
static yj_status rescore_phase(tuner *t, int *stop, yj_error *err)
{
	yj_status st = YJ_OK;
	if (!t->phase && t->o->rescore > 0) {
		int *set = NULL;
		size_t n = 0;
		if ((st = current_set(t, &set, &n, err)))
			return st;
		if (n >= 2 && set[0] == 1) { /* trial 1 and at least one other */
			json_t *a = json_array();
			for (size_t i = 0; a && i < n; i++)
				if (json_array_append_new(a, json_integer(set[i])))
					json_decref(a), a = NULL;
			t->rescore = a ? json_pack("{s:I, s:o}", "seed", (json_int_t)(t->o->seed + 1), "trials", a) : NULL;
			if (!t->rescore)
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
			t->phase = 1;
		}
		free(set);
	}
	json_t *set = json_object_get(t->rescore, "trials");
	for (size_t i = 0; !st && t->phase && i < json_array_size(set) && !*stop && !t->requested; i++) {
		json_int_t k = json_integer_value(json_array_get(set, i));
		json_t *tr = trial_of(t, k);
		if (rescore_ended(t, k) || !tr)
			continue;
		json_t *settings = json_object_get(tr, "settings"), *scratch = json_object(), *cur;
		yj_train_opts to;
		train_opts_default(&to);
		to.seed = t->o->seed + 1;
		to.threads = t->o->threads;
		const char *key;
		json_t *v;
		json_object_foreach(settings, key, v) apply(&to, key, json_string_value(v), scratch);
		json_decref(scratch);
		strbuf args = STRBUF_INIT;
		settings_args(settings, &args);
		cur = json_pack("{s:I, s:s, s:O, s:I}", "trial", k, "status", "running", "settings", settings, "seed",
				(json_int_t)to.seed);
		int cancelled = 0;
		if (!cur || json_array_append_new(t->rescores, cur))
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
		if (!st)
			st = write_report(t, RUN_RUNNING, NULL, &cancelled, err);
		if (!st && cancelled) {
			json_array_remove(t->rescores, json_array_size(t->rescores) - 1);
			t->requested = 1;
		} else if (!st) {
			t->trial = (int)k;
			t->rescoring = 1;
			st = one_trial(t, &to, settings, args.len ? strbuf_str(&args) : "", stop, err);
			t->rescoring = 0;
		}
		strbuf_free(&args);
		if (!st && !*stop && !t->requested) {
			st = write_report(t, RUN_RUNNING, NULL, &cancelled, err);
			if (cancelled)
				t->requested = 1;
		}
	}
	return st;
}

yj_status tune_run(yj_project *p, const yj_tune_opts *o, long long *tune_id, json_t **result, yj_error *err)
{
	yj_tune_opts ro = *o; /* a resumed tune: its own seed */
	tuner t = {.p = p, .o = &ro, .best_f1 = -1};
	json_t *test = NULL;
	yj_rng rng;
	long long split = 0, snapshot = 0, nvalid = 0;
	yj_status st;
	double elapsed = 0;
	int first = 1;
	if (result)
		*result = NULL;
	*tune_id = 0;
	if (!(o->minutes > 0) && !o->resume)
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
	t.trials = json_array();
	t.rescores = json_array();
	if (!t.trials || !t.rescores) {
		json_decref(t.trials);
		json_decref(t.rescores);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	t.budget = o->minutes * 60.0;
	if (o->resume) {
		yj_tune_row row;
		if ((st = tunes_get(p, o->resume, &row, err)))
			goto out;
		if (row.status != RUN_CANCELLED && row.status != RUN_INTERRUPTED) {
			st = error_set(err, YJ_EUSAGE, _("tune %lld is %s: only a cancelled or interrupted tune resumes"),
				       row.id, _(runs_status_name(row.status)));
		} else if (row.split_id != split) {
			st = error_set(err, YJ_EUSAGE, _("tune %lld searched split %lld; the active split is %lld"), row.id,
				       row.split_id, split);
			error_hint(err, _("start a new tune on this split: yujing tune PROJECT"));
		} else {
			t.id = row.id;
			st = load_resumed(&t, &row, &ro.seed, &elapsed, &first, err);
			/* without --minutes: what was left of its budget */
			t.budget = o->minutes > 0 ? elapsed + o->minutes * 60.0 : (double)row.budget_s;
			if (!st && t.budget - elapsed <= 0) {
				st = error_set(err, YJ_EUSAGE, _("tune %lld has used its budget"), row.id);
				error_hint(err, _("give it more time: yujing tune PROJECT --resume %lld --minutes N"), row.id);
			}
		}
		tunes_row_free(&row);
		if (st) {
			t.id = 0;
			goto out;
		}
		if ((st = tunes_reopen(p, t.id, err))) {
			t.id = 0;
			goto out;
		}
		if (t.def_run && (st = read_branch_sets(&t, t.def_run, err)))
			goto out;
	} else if ((st = tunes_create(p, split, llround(t.budget), &t.id, err)))
		goto out;
	t.t0 = progress_now() - elapsed;
	*tune_id = t.id;
	int stop = 0;
	for (t.trial = first; !t.phase && !stop && !t.requested; t.trial++) {
		if (o->max_trials && t.trial > o->max_trials)
			break;
		/* what the re-scores of the best so far will take is kept */
		double reserve = 0;
		if (t.trial > 1 && (st = rescore_reserve(&t, &reserve, err)))
			goto out;
		if (t.trial > 1 && progress_now() - t.t0 >= t.budget - reserve)
			break;
		if (progress_cancelled(o->progress)) {
			t.requested = 1; /* Ctrl-C between two trials */
			break;
		}
		/* each trial's draws: their own seeded stream, so that a
		 * resumed tune draws what it would have drawn */
		rng_seed(&rng, t.o->seed ^ (0xD1B54A32D192ED03ULL * (uint64_t)t.trial));
		yj_train_opts to;
		train_opts_default(&to);
		to.seed = t.o->seed;
		to.threads = o->threads;
		json_t *settings = NULL;
		strbuf args = STRBUF_INIT;
		if (t.trial == 1)
			settings = json_object();
		else if (!draw(&t, &rng, &to, &settings, reserve))
			break; /* nothing fits in what is left */
		if (settings)
			settings_args(settings, &args);
		/* the trial in progress, in the report before it trains */
		json_t *cur = settings ? json_pack("{s:i, s:s, s:O}", "trial", t.trial, "status", "running", "settings",
						   settings)
				       : NULL;
		if (!cur || json_array_append_new(t.trials, cur)) {
			json_decref(settings);
			strbuf_free(&args);
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		int cancelled = 0;
		st = write_report(&t, RUN_RUNNING, NULL, &cancelled, err);
		if (!st && cancelled) {
			json_array_remove(t.trials, json_array_size(t.trials) - 1);
			t.requested = 1;
		} else if (!st) {
			st = one_trial(&t, &to, settings, args.len ? strbuf_str(&args) : "", &stop, err);
		}
		json_decref(settings);
		strbuf_free(&args);
		if (!st && t.trial == 1 && t.def_run)
			st = read_branch_sets(&t, t.def_run, err);
		if (!st && !stop && !t.requested) {
			st = write_report(&t, RUN_RUNNING, NULL, &cancelled, err);
			if (cancelled)
				t.requested = 1;
		}
		if (st)
			goto out;
	}
	if (!stop && !t.requested && (st = rescore_phase(&t, &stop, err)))
		goto out;
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
		json_t *sum = t.rescore ? choose_rescored(&t) : NULL;
		*result = json_pack("{s:I, s:s, s:o?, s:O?, s:O?, s:I, s:f, s:s}", "tune", (json_int_t)t.id, "status",
				    runs_status_name(end), "best_run", t.best_run ? json_integer(t.best_run) : NULL,
				    "validation", t.best_valid, "test", test, "trials",
				    (json_int_t)json_array_size(t.trials), "defaults_margin", DEFAULTS_MARGIN, "chosen_by",
				    t.chosen_by_mean ? "mean" : "validation");
		if (*result && sum)
			json_object_set_new(*result, "rescored", sum);
		else
			json_decref(sum);
	}
	if (!st && end == RUN_CANCELLED && t.best_run)
		st = error_set(err, YJ_EINTR, _("tune %lld stopped after %zu trials; the best so far is run %lld"), t.id,
			       json_array_size(t.trials), t.best_run);
	else if (!st && end == RUN_CANCELLED)
		st = error_set(err, YJ_EINTR, _("tune %lld stopped before a trial finished"), t.id);
	json_decref(test);
	json_decref(t.trials);
	json_decref(t.rescore);
	json_decref(t.rescores);
	json_decref(t.best_valid);
	json_decref(t.def_valid);
	json_decref(t.top_valid);
	json_decref(t.curve);
	free(t.costs);
	for (size_t i = 0; i < t.nbranch_sets; i++)
		free(t.branch_sets[i]);
	free(t.branch_sets);
	return st;
}
