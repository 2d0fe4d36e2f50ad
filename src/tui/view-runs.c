/*
 * view-runs.c - view 6: the training runs (status, epochs, best epoch,
 * accuracy, macro-F1) from train_list(), and the selected run's loss
 * curve from train_history(): the training loss of every step and the
 * test loss of every epoch, drawn in braille with axes and labels.  While
 * the view is shown it asks again every second, so a run that another
 * process is training grows on the screen.
 *
 * Enter shows the selected run's confusion matrix (train_eval(), the
 * numbers of `yujing eval --run N --json`) as a heat map: each cell is
 * shaded by its share of the row (the true category's test cases), with
 * a shade character (level ceil(4 * share): light, medium, dark, full
 * block; a centred dot for an empty cell) so that a terminal without
 * colour shows it too, and a background colour where there is one.
 * Space marks a run; d then compares it with the selected run: the
 * settings that differ, the metrics side by side and the F1 of each
 * category with its change, and (on a tall enough screen) both training
 * loss curves in one plot.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/store/runs.h"
#include "yujing/train/compare.h"
#include "yujing/train/train.h"

enum { A_CANCEL = ACT_VIEW, A_REFRESH, A_MARK, A_COMPARE, A_SORT, A_LOG };

static const tui_binding keys[] = {
	{ACT_UP, {0}, "\xe2\x86\x91\xe2\x86\x93 j k", N_("choose a run: its loss curve shows below")},
	{ACT_ENTER, {0}, "Enter", N_("the selected run's confusion matrix as a heat map")},
	{A_MARK, {' '}, "Space", N_("mark the selected run for a comparison (again: unmark)")},
	{A_COMPARE, {'d'}, "d", N_("compare the marked run with the selected one")},
	{A_CANCEL, {'c'}, "c", N_("ask the selected running run to stop (resumable)")},
	{A_SORT, {'s'}, "s", N_("sort by the column chosen with \xe2\x86\x90 \xe2\x86\x92 (again: reverse)")},
	{A_LOG, {'L'}, "L", N_("the selected run's log (PROJECT.run-N.log, runs started in the workbench)")},
	{A_REFRESH, {'r'}, "r", N_("read the runs again now")},
	{ACT_BACK, {0}, "Esc q", N_("from the matrix or the comparison back to the runs")},
	{ACT_NONE, {0}, NULL, NULL},
};

enum { MODE_LIST, MODE_MATRIX, MODE_COMPARE, MODE_LOG };

/* The columns of the run list. */
enum {
	COL_RUN,
	COL_KIND,
	COL_STATUS,
	COL_SNAPSHOT,
	COL_SPLIT,
	COL_EPOCHS,
	COL_BEST,
	COL_VALID_F1,
	COL_TEST_ACC,
	COL_TEST_F1,
	COL_STEPS,
	COL_CREATED,
	NCOLS
};

#define LOG_LINES 200

typedef struct {
	json_t *runs;
	int busy, loaded;
	tui_table tbl;
	long long hist_run;   /* run whose history we hold */
	json_t *hist;
	double *sx, *sy, *ex, *ey;
	size_t ns, ne;
	yj_error err;
	int failed;
	int mode;
	long long mark;       /* run marked for a comparison, 0 none */
	long long ev_run[2];  /* runs of ev (matrix: ev[0]; compare: both) */
	json_t *ev[2];        /* train_eval() (the matrix) */
	json_t *cmpj;         /* compare_runs() (the comparison) */
	int ev_busy;
	int mtop, mleft;      /* matrix scroll: first row and column shown */
	int mrows, mcols;     /* rows and columns the last draw showed */
	tui_table cmp;        /* the comparison */
	double *cx[2], *cy[2]; /* the compared runs' step losses */
	size_t cn[2];
	json_t *hev;          /* the evaluation of hist_run (calibration), or NULL */
	char *log[LOG_LINES]; /* MODE_LOG: the run's log */
	size_t nlog;
	long long log_run;
	int log_top;
} runs_state;

typedef struct {
	tui_job base;
	runs_state *s;
	long long run, cancel;
	json_t *runs, *hist, *ev;
} runs_job;

static void runs_job_run(tui_job *j, yj_project *p)
{
	runs_job *rj = (runs_job *)j;
	if (rj->cancel && (j->st = train_request_cancel(p, rj->cancel, &j->err)))
		return;
	if ((j->st = train_list(p, &rj->runs, &j->err)))
		return;
	/* each run's snapshot (through its split) */
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(rj->runs, "runs"), i, r)
	{
		long long snap = json_is_integer(json_object_get(r, "split_id"))
					 ? runs_snapshot(p, json_integer_value(json_object_get(r, "id")))
					 : 0;
		json_object_set_new(r, "snapshot", snap ? json_integer(snap) : json_null());
	}
	/* The selected run's curve; the latest run when none is selected. */
	long long run = rj->run;
	if (!run) {
		size_t n = json_array_size(json_object_get(rj->runs, "runs"));
		if (n)
			run = json_integer_value(json_object_get(json_array_get(json_object_get(rj->runs, "runs"), n - 1), "id"));
	}
	if (run && !(j->st = train_history(p, run, &rj->hist, &j->err))) {
		/* its evaluation, for the reliability diagram (none yet: fine) */
		yj_error e;
		if (train_eval(p, run, &rj->ev, &e))
			rj->ev = NULL;
	}
}

static long long selected_run(const runs_state *s)
{
	size_t row = tui_table_row(&s->tbl);
	if (row == (size_t)-1)
		return 0;
	return strtoll(s->tbl.cell[row * (size_t)s->tbl.ncols], NULL, 10);
}

/* An epoch's held-out loss: on the validation part when the run had
 * one (train_history's "valid_loss"), else on the test part. */
static json_t *epoch_loss(json_t *e)
{
	json_t *v = json_object_get(e, "valid_loss");
	return v ? v : json_object_get(e, "test_loss");
}

/* Whether a run's epochs were evaluated on its validation part. */
static int on_validation(json_t *hist)
{
	const char *on = json_string_value(json_object_get(hist, "evaluated_on"));
	return on && !strcmp(on, "validation");
}

static void build_series(runs_state *s)
{
	free(s->sx);
	free(s->sy);
	free(s->ex);
	free(s->ey);
	s->sx = s->sy = s->ex = s->ey = NULL;
	s->ns = s->ne = 0;
	json_t *steps = json_object_get(s->hist, "steps"), *epochs = json_object_get(s->hist, "epochs");
	size_t n = json_array_size(steps), m = json_array_size(epochs);
	s->sx = malloc((n ? n : 1) * sizeof *s->sx);
	s->sy = malloc((n ? n : 1) * sizeof *s->sy);
	s->ex = malloc((m ? m : 1) * sizeof *s->ex);
	s->ey = malloc((m ? m : 1) * sizeof *s->ey);
	if (!s->sx || !s->sy || !s->ex || !s->ey)
		return;
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(steps, i);
		s->sx[i] = json_number_value(json_array_get(st, 0));
		s->sy[i] = json_number_value(json_array_get(st, 1));
	}
	s->ns = n;
	/* An epoch's test loss sits at the epoch's last step. */
	double per = 0;
	size_t k;
	json_t *r;
	json_array_foreach(json_object_get(s->runs, "runs"), k, r)
	{
		if (json_integer_value(json_object_get(r, "id")) != s->hist_run)
			continue;
		double total = json_number_value(json_object_get(r, "total_steps"));
		double ep = json_number_value(json_object_get(json_object_get(r, "config"), "epochs"));
		if (total > 0 && ep > 0)
			per = total / ep;
	}
	if (!(per > 0) && m)
		per = (double)n / (double)m;
	for (size_t i = 0; i < m; i++) {
		json_t *e = json_array_get(epochs, i);
		double epoch = json_number_value(json_object_get(e, "epoch"));
		s->ex[i] = epoch * per - 1; /* epochs are 1-based */
		s->ey[i] = json_number_value(epoch_loss(e));
	}
	s->ne = m;
}

static void runs_job_done(tui_job *j, tui_app *a)
{
	runs_job *rj = (runs_job *)j;
	runs_state *s = rj->s;
	s->busy = 0;
	if (j->st) {
		/* A refresh that fails once the list is on screen keeps the
		 * list and says why on the message line, once per failure. */
		int was_failed = s->failed;
		s->failed = 1;
		s->err = j->err;
		if (rj->cancel || (s->loaded && !was_failed))
			tui_error(a, &j->err);
		return;
	}
	if (rj->cancel)
		tui_message(a, 0, _("run %lld was asked to stop"), rj->cancel);
	s->failed = 0;
	s->loaded = 1;
	long long keep = selected_run(s);
	json_decref(s->runs);
	s->runs = rj->runs;
	rj->runs = NULL;
	tui_table_clear(&s->tbl);
	size_t i;
	json_t *r;
	json_array_foreach(json_object_get(s->runs, "runs"), i, r)
	{
		char b[NCOLS][48];
		const char *row[NCOLS];
		double key[NCOLS];
		for (int c = 0; c < NCOLS; c++) {
			b[c][0] = '\0';
			row[c] = b[c];
			key[c] = NAN;
		}
		long long id = json_integer_value(json_object_get(r, "id"));
		json_t *cfg = json_object_get(r, "config");
		snprintf(b[COL_RUN], 48, id == s->mark ? "%lld*" : "%lld", id);
		key[COL_RUN] = (double)id;
		row[COL_CREATED] = json_string_value(json_object_get(r, "created_at"));
		/* the kind: pretraining, a trial of a tune group, a classifier */
		const char *branches = json_string_value(json_object_get(cfg, "branches"));
		json_t *tune = json_object_get(r, "tune");
		if (branches && !strcmp(branches, "pretrain"))
			snprintf(b[COL_KIND], 48, "%s", _("pretraining"));
		else if (json_is_integer(tune))
			snprintf(b[COL_KIND], 48, _("tune %lld trial"), (long long)json_integer_value(tune));
		else
			snprintf(b[COL_KIND], 48, "%s", _("classifier"));
		const char *status = json_string_value(json_object_get(r, "status"));
		row[COL_STATUS] = tui_name(status);
		json_t *snap = json_object_get(r, "snapshot"), *split = json_object_get(r, "split_id");
		snprintf(b[COL_SNAPSHOT], 48, json_is_integer(snap) ? "%lld" : "-", (long long)json_integer_value(snap));
		snprintf(b[COL_SPLIT], 48, json_is_integer(split) ? "%lld" : "-", (long long)json_integer_value(split));
		if (json_is_integer(snap))
			key[COL_SNAPSHOT] = (double)json_integer_value(snap);
		if (json_is_integer(split))
			key[COL_SPLIT] = (double)json_integer_value(split);
		snprintf(b[COL_EPOCHS], 48, "%lld/%lld", (long long)json_integer_value(json_object_get(r, "epochs_done")),
			 (long long)json_integer_value(json_object_get(cfg, "epochs")));
		key[COL_EPOCHS] = (double)json_integer_value(json_object_get(r, "epochs_done"));
		snprintf(b[COL_STEPS], 48, "%lld/%lld", (long long)json_integer_value(json_object_get(r, "steps_done")),
			 (long long)json_integer_value(json_object_get(r, "total_steps")));
		key[COL_STEPS] = (double)json_integer_value(json_object_get(r, "steps_done"));
		json_t *be = json_object_get(r, "best_epoch");
		snprintf(b[COL_BEST], 48, json_is_integer(be) ? "%lld" : "-", (long long)json_integer_value(be));
		if (json_is_integer(be))
			key[COL_BEST] = (double)json_integer_value(be);
		/* the figures: validation (when the run had a validation part)
		 * and test, labelled as such in the header */
		json_t *vf1 = json_object_get(json_object_get(r, "validation"), "macro_f1");
		json_t *acc = json_object_get(r, "accuracy"), *f1 = json_object_get(r, "macro_f1");
		json_t *num[3] = {vf1, acc, f1};
		for (int c = 0; c < 3; c++) {
			int col = COL_VALID_F1 + c;
			snprintf(b[col], 48, json_is_number(num[c]) ? "%.4f" : "-", json_number_value(num[c]));
			if (json_is_number(num[c]))
				key[col] = json_number_value(num[c]);
		}
		size_t k = tui_table_add(&s->tbl, row);
		for (int c = 0; c < NCOLS; c++)
			if (!isnan(key[c]))
				tui_table_set_key(&s->tbl, k, c, key[c]);
		int attr = !strcmp(status, "done")	  ? TUI_C_GOOD
			   : !strcmp(status, "running")	  ? TUI_C_ACCENT
			   : !strcmp(status, "failed")	  ? TUI_C_BAD
							  : TUI_C_WARN;
		tui_table_set_attr(&s->tbl, k, COL_STATUS, tui_attr(attr));
		if (keep == id)
			tui_table_select(&s->tbl, k);
	}
	tui_table_sort(&s->tbl, s->tbl.sort_col, s->tbl.sort_desc);
	if (keep)
		for (size_t k = 0; k < s->tbl.nrows; k++)
			if (strtoll(s->tbl.cell[k * (size_t)s->tbl.ncols], NULL, 10) == keep)
				tui_table_select(&s->tbl, k);
	if (!keep && s->tbl.nrows)
		tui_table_select(&s->tbl, s->tbl.nrows - 1); /* the latest run */
	if (rj->hist) {
		json_decref(s->hist);
		s->hist = rj->hist;
		rj->hist = NULL;
		json_decref(s->hev);
		s->hev = rj->ev;
		rj->ev = NULL;
		s->hist_run = json_integer_value(json_object_get(s->hist, "run"));
		build_series(s);
	}
	/* The selection moved to a run whose curve we do not have. */
	long long sel = selected_run(s);
	if (sel && sel != s->hist_run && !s->busy) {
		runs_job *nj = calloc(1, sizeof *nj);
		if (nj) {
			tui_job_init(&nj->base, NULL, runs_job_run, runs_job_done, j->destroy);
			nj->s = s;
			nj->run = sel;
			s->busy = 1;
			tui_submit(a, &nj->base);
		}
	}
}

static void runs_job_destroy(tui_job *j)
{
	runs_job *rj = (runs_job *)j;
	json_decref(rj->runs);
	json_decref(rj->hist);
	json_decref(rj->ev);
	free(rj);
}

static void request(runs_state *s, tui_app *a, long long cancel)
{
	if (s->busy && !cancel)
		return;
	runs_job *rj = calloc(1, sizeof *rj);
	if (!rj)
		return;
	tui_job_init(&rj->base, NULL, runs_job_run, runs_job_done, runs_job_destroy);
	rj->s = s;
	rj->run = selected_run(s);
	rj->cancel = cancel;
	s->busy = 1;
	tui_submit(a, &rj->base);
}

/* ------------------------------------------------------------ evaluations */

typedef struct {
	tui_job base;
	runs_state *s;
	long long run[2]; /* run[1] 0: one run */
	json_t *ev[2];
	json_t *cmp;      /* a comparison: compare_runs() */
	json_t *hist[2];  /* a comparison: both loss curves */
} eval_job;

static void eval_job_run(tui_job *j, yj_project *p)
{
	eval_job *ej = (eval_job *)j;
	if (!ej->run[1]) {
		j->st = train_eval(p, ej->run[0], &ej->ev[0], &j->err);
		return;
	}
	yj_compare_opts co = {.resamples = 1000, .seed = 0};
	if ((j->st = compare_runs(p, ej->run[0], ej->run[1], &co, &ej->cmp, &j->err)))
		return;
	for (int i = 0; i < 2; i++)
		if ((j->st = train_history(p, ej->run[i], &ej->hist[i], &j->err)))
			return;
}

/* The step losses of a run's history into s->cx[i], s->cy[i]. */
static void compare_curve(runs_state *s, int i, json_t *hist)
{
	free(s->cx[i]);
	free(s->cy[i]);
	s->cn[i] = 0;
	json_t *steps = json_object_get(hist, "steps");
	size_t n = json_array_size(steps);
	s->cx[i] = malloc((n ? n : 1) * sizeof *s->cx[i]);
	s->cy[i] = malloc((n ? n : 1) * sizeof *s->cy[i]);
	if (!s->cx[i] || !s->cy[i])
		return;
	for (size_t k = 0; k < n; k++) {
		json_t *st = json_array_get(steps, k);
		s->cx[i][k] = json_number_value(json_array_get(st, 0));
		s->cy[i][k] = json_number_value(json_array_get(st, 1));
	}
	s->cn[i] = n;
}

static void cmp_row(tui_table *t, const char *a, const char *b, const char *c, const char *d, int attr)
{
	const char *row[] = {a, b, c, d};
	size_t k = tui_table_add(t, row);
	if (attr)
		for (int i = 0; i < 4; i++)
			tui_table_set_attr(t, k, i, attr);
}

/* A row "what a b b-a" of two numbers; the change coloured by its sign. */
static void cmp_num(tui_table *t, const char *what, json_t *a, json_t *b)
{
	char x[32] = "-", y[32] = "-", d[32] = "";
	if (json_is_number(a))
		snprintf(x, sizeof x, "%.4f", json_number_value(a));
	if (json_is_number(b))
		snprintf(y, sizeof y, "%.4f", json_number_value(b));
	if (json_is_number(a) && json_is_number(b))
		snprintf(d, sizeof d, "%+.4f", json_number_value(b) - json_number_value(a));
	size_t k = t->nrows;
	cmp_row(t, what, x, y, d, 0);
	if (d[0] && strcmp(d, "+0.0000") && strcmp(d, "-0.0000"))
		tui_table_set_attr(t, k, 3, tui_attr(d[0] == '-' ? TUI_C_BAD : TUI_C_GOOD));
}

/* The comparison (compare_runs(): the marked run is "a") as table rows:
 * the data first, the settings, then the statistics on the same test set
 * or why there are none. */
static void build_compare(runs_state *s)
{
	tui_table *t = &s->cmp;
	tui_table_clear(t);
	t->cur = t->top = 0;
	json_t *c = s->cmpj;
	int head = tui_attr(TUI_C_TITLE), dim = tui_attr(TUI_C_DIM);
	size_t i;
	json_t *r;
	cmp_row(t, _("data"), "", "", "", head);
	json_array_foreach(json_object_get(c, "data"), i, r)
	{
		const char *a = json_string_value(json_object_get(r, "a")), *b = json_string_value(json_object_get(r, "b"));
		size_t k = t->nrows;
		cmp_row(t, compare_data_name(json_string_value(json_object_get(r, "what"))), a ? a : "", b ? b : "", "", 0);
		if (a && b && strcmp(a, b))
			tui_table_set_attr(t, k, 2, tui_attr(TUI_C_WARN));
	}
	cmp_row(t, _("settings that differ"), "", "", "", head);
	json_array_foreach(json_object_get(c, "settings"), i, r)
	{
		const char *a = json_string_value(json_object_get(r, "a")), *b = json_string_value(json_object_get(r, "b"));
		cmp_row(t, json_string_value(json_object_get(r, "name")), a ? a : "", b ? b : "", "", 0);
	}
	if (!json_array_size(json_object_get(c, "settings")))
		cmp_row(t, _("(none)"), "", "", "", dim);
	const char *note = json_string_value(json_object_get(c, "note"));
	if (note) {
		/* no delta: draw_compare() shows the note under the table */
		cmp_row(t, _("no comparison of the figures"), "", "", "", head);
		return;
	}
	char h[128], x[64], y[64], d[64];
	snprintf(h, sizeof h, _("test: the same %lld cases"), (long long)json_integer_value(json_object_get(c, "test_cases")));
	cmp_row(t, h, "", "", "", head);
	json_t *acc = json_object_get(c, "accuracy"), *f1 = json_object_get(c, "macro_f1"), *mc = json_object_get(c, "mcnemar");
	cmp_num(t, _("accuracy"), json_object_get(acc, "a"), json_object_get(acc, "b"));
	snprintf(x, sizeof x, _("%lld only this one"), (long long)json_integer_value(json_object_get(mc, "a_only")));
	snprintf(y, sizeof y, _("%lld only this one"), (long long)json_integer_value(json_object_get(mc, "b_only")));
	snprintf(d, sizeof d, "%.4g", json_number_value(json_object_get(mc, "p_exact")));
	size_t k = t->nrows;
	cmp_row(t, _("McNemar p (exact)"), x, y, d, 0);
	if (json_number_value(json_object_get(mc, "p_exact")) < 0.05)
		tui_table_set_attr(t, k, 3, tui_attr(TUI_C_ACCENT));
	cmp_num(t, _("macro-F1"), json_object_get(f1, "a"), json_object_get(f1, "b"));
	snprintf(y, sizeof y, "[%+.4f, %+.4f]", json_number_value(json_object_get(f1, "ci_low")),
		 json_number_value(json_object_get(f1, "ci_high")));
	snprintf(x, sizeof x, _("%lld resamples"), (long long)json_integer_value(json_object_get(f1, "resamples")));
	k = t->nrows;
	cmp_row(t, _("macro-F1 change, bootstrap interval"), x, y, "", 0);
	tui_table_set_attr(t, k, 1, dim);
	cmp_row(t, _("F1 per category, by change"), "", "", "", head);
	json_array_foreach(json_object_get(c, "per_category"), i, r)
	{
		char label[256];
		snprintf(label, sizeof label, _("%s (%lld cases)"), json_string_value(json_object_get(r, "category")),
			 (long long)json_integer_value(json_object_get(r, "support")));
		cmp_num(t, label, json_object_get(r, "f1_a"), json_object_get(r, "f1_b"));
	}
}

static void eval_job_done(tui_job *j, tui_app *a)
{
	eval_job *ej = (eval_job *)j;
	runs_state *s = ej->s;
	s->ev_busy = 0;
	if (j->st) {
		tui_error(a, &j->err);
		s->mode = MODE_LIST;
		return;
	}
	for (int i = 0; i < 2; i++) {
		json_decref(s->ev[i]);
		s->ev[i] = ej->ev[i];
		ej->ev[i] = NULL;
		s->ev_run[i] = ej->run[i];
		compare_curve(s, i, ej->hist[i]);
	}
	json_decref(s->cmpj);
	s->cmpj = ej->cmp;
	ej->cmp = NULL;
	s->mtop = s->mleft = 0;
	if (s->mode == MODE_COMPARE)
		build_compare(s);
}

static void eval_job_destroy(tui_job *j)
{
	eval_job *ej = (eval_job *)j;
	json_decref(ej->ev[0]);
	json_decref(ej->ev[1]);
	json_decref(ej->cmp);
	json_decref(ej->hist[0]);
	json_decref(ej->hist[1]);
	free(ej);
}

/* Show the matrix of run a (b 0) or the comparison of a and b. */
static void open_eval(runs_state *s, tui_app *a, long long ra, long long rb)
{
	if (s->ev_busy)
		return;
	eval_job *ej = calloc(1, sizeof *ej);
	if (!ej)
		return;
	tui_job_init(&ej->base, N_("reading the evaluation"), eval_job_run, eval_job_done, eval_job_destroy);
	ej->s = s;
	ej->run[0] = ra;
	ej->run[1] = rb;
	s->ev_busy = 1;
	s->mode = rb ? MODE_COMPARE : MODE_MATRIX;
	for (int i = 0; i < 2; i++) {
		json_decref(s->ev[i]);
		s->ev[i] = NULL;
		s->ev_run[i] = ej->run[i]; /* the headings while it loads */
	}
	json_decref(s->cmpj);
	s->cmpj = NULL;
	tui_submit(a, &ej->base);
}

/* ------------------------------------------------------------ heat map */

static int digits(long long v)
{
	int d = 1;
	while (v >= 10) {
		v /= 10;
		d++;
	}
	return d;
}

/* The shade of a cell holding share of its row (count > 0): ceil(4 share)
 * in 1..4; 0 for an empty cell. */
static int heat_level(long long count, long long row_total)
{
	if (count <= 0 || row_total <= 0)
		return 0;
	int l = (int)ceil(4.0 * (double)count / (double)row_total - 1e-9);
	return l < 1 ? 1 : l > 4 ? 4 : l;
}

static const char *const shade[] = {"\xc2\xb7", "\xe2\x96\x91", "\xe2\x96\x92", "\xe2\x96\x93", "\xe2\x96\x88"};

static void draw_matrix(runs_state *s, tui_rect r)
{
	char title[256], info[256];
	snprintf(title, sizeof title, _("Confusion matrix of run %lld (test)"), s->ev_run[0]);
	if (!s->ev[0]) {
		tui_heading(r.y, r.x + 1, r.w - 2, title, _("Esc back"));
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	json_t *ev = s->ev[0], *conf = json_object_get(ev, "confusion"), *labels = json_object_get(ev, "labels");
	snprintf(info, sizeof info, _("accuracy %.4f · macro-F1 %.4f · Esc back"),
		 json_number_value(json_object_get(ev, "accuracy")), json_number_value(json_object_get(ev, "macro_f1")));
	tui_heading(r.y, r.x + 1, r.w - 2, title, info);
	int k = (int)json_array_size(labels);
	/* legend: what the rows and columns are; the shades under the matrix */
	tui_put(r.y + 1, r.x + 2, r.w - 3, _("rows: true category · columns: predicted, numbered as the rows"),
		tui_attr(TUI_C_DIM));
	if (!k)
		return;
	long long most = 0;
	for (int i = 0; i < k; i++)
		for (int j = 0; j < k; j++) {
			long long v = json_integer_value(json_array_get(json_array_get(conf, (size_t)i), (size_t)j));
			most = v > most ? v : most;
		}
	int nd = digits(most) > digits(k) ? digits(most) : digits(k);
	int cw = nd + 3;      /* " ▓ 12" */
	int iw = digits(k);   /* the row's number */
	int lw = 0;           /* "12 label" by display width, or the header's */
	const char *corner = _("true \\ predicted");
	for (int i = 0; i < k; i++) {
		int w = tui_width(json_string_value(json_array_get(labels, (size_t)i)));
		lw = w > lw ? w : lw;
	}
	lw += iw + 1;
	if (lw < tui_width(corner))
		lw = tui_width(corner);
	int nw = 1 + (digits(most * k) > 1 ? digits(most * k) : 1), rw = 8; /* " n", " recall" */
	if (nw < 3)
		nw = 3;
	if (nw < tui_width(_("n")) + 1)
		nw = tui_width(_("n")) + 1;
	int avail = r.w - 2 - nw - rw;
	if (lw > 24)
		lw = 24;
	if (lw > avail - cw) /* keep at least one column */
		lw = avail - cw > iw + 2 ? avail - cw : iw + 2;
	int ncol = (avail - lw) / cw;
	if (ncol < 1)
		ncol = 1;
	if (ncol > k)
		ncol = k;
	int nrow = r.h - 5; /* heading, legend, header, shades, position */
	if (nrow < 1)
		nrow = 1;
	if (nrow > k)
		nrow = k;
	if (s->mtop > k - nrow)
		s->mtop = k - nrow;
	if (s->mleft > k - ncol)
		s->mleft = k - ncol;
	if (s->mtop < 0)
		s->mtop = 0;
	if (s->mleft < 0)
		s->mleft = 0;
	s->mrows = nrow;
	s->mcols = ncol;
	int y = r.y + 2, x0 = r.x + 1;
	int head = tui_attr(TUI_C_TITLE);
	char b[64];
	tui_fill(y, x0, r.w - 2, head);
	tui_cell(y, x0, lw, corner, 0, head);
	for (int j = 0; j < ncol; j++) {
		snprintf(b, sizeof b, "%d", s->mleft + j + 1);
		tui_cell(y, x0 + lw + j * cw, cw, b, 1, head);
	}
	int xr = x0 + lw + ncol * cw;
	tui_cell(y, xr, nw, _("n"), 1, head);
	tui_cell(y, xr + nw, rw, _("recall"), 1, head);
	for (int i = 0; i < nrow; i++) {
		int ri = s->mtop + i;
		json_t *row = json_array_get(conf, (size_t)ri);
		long long total = 0;
		for (int j = 0; j < k; j++)
			total += json_integer_value(json_array_get(row, (size_t)j));
		y = r.y + 3 + i;
		char lab[512];
		if (snprintf(lab, sizeof lab, "%*d %s", iw, ri + 1,
			     json_string_value(json_array_get(labels, (size_t)ri))) < 0)
			lab[0] = '\0';
		tui_cell(y, x0, lw, lab, 0, 0);
		for (int j = 0; j < ncol; j++) {
			int cj = s->mleft + j;
			long long v = json_integer_value(json_array_get(row, (size_t)cj));
			int l = heat_level(v, total);
			if (snprintf(b, sizeof b, " %s %*lld", shade[l], nd, v) < 0)
				b[0] = '\0';
			int attr = l ? tui_attr(TUI_C_HEAT1 + l - 1) : tui_attr(TUI_C_DIM);
			if (cj == ri)
				attr |= A_UNDERLINE; /* the diagonal: right answers */
			tui_put(y, x0 + lw + j * cw, cw, b, attr);
		}
		snprintf(b, sizeof b, "%lld", total);
		tui_cell(y, xr, nw, b, 1, 0);
		json_t *rec = json_object_get(json_array_get(json_object_get(ev, "classes"), (size_t)ri), "recall");
		snprintf(b, sizeof b, json_is_number(rec) && total ? "%.4f" : "-", json_number_value(rec));
		tui_cell(y, xr + nw, rw, b, 1, 0);
	}
	snprintf(info, sizeof info, _("shade: share of the row  %s ≤25%%  %s ≤50%%  %s ≤75%%  %s >75%%  %s none"),
		 shade[1], shade[2], shade[3], shade[4], shade[0]);
	tui_put(r.y + 3 + nrow, x0 + 1, r.w - 3, info, tui_attr(TUI_C_DIM));
	if (nrow < k || ncol < k) {
		snprintf(info, sizeof info, _("rows %d-%d and columns %d-%d of %d · arrows scroll"), s->mtop + 1,
			 s->mtop + nrow, s->mleft + 1, s->mleft + ncol, k);
		tui_put(r.y + 4 + nrow, x0 + 1, r.w - 3, info, tui_attr(TUI_C_DIM));
	}
}

static int matrix_key(runs_state *s, int action)
{
	int k = (int)json_array_size(json_object_get(s->ev[0], "labels"));
	switch (action) {
	case ACT_UP:
		s->mtop--;
		break;
	case ACT_DOWN:
		s->mtop++;
		break;
	case ACT_LEFT:
		s->mleft--;
		break;
	case ACT_RIGHT:
		s->mleft++;
		break;
	case ACT_PGUP:
		s->mtop -= s->mrows > 1 ? s->mrows : 1;
		break;
	case ACT_PGDN:
		s->mtop += s->mrows > 1 ? s->mrows : 1;
		break;
	case ACT_HOME:
		s->mtop = s->mleft = 0;
		break;
	case ACT_END:
		s->mtop = k;
		break;
	default:
		return TUI_UNHANDLED;
	}
	return TUI_REDRAW; /* draw_matrix clamps */
}

static void draw_compare(runs_state *s, tui_rect r)
{
	char title[256];
	snprintf(title, sizeof title, _("Run %lld (marked) and run %lld"), s->ev_run[0], s->ev_run[1]);
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("Esc back"));
	if (!s->cmpj) {
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	char a[32], b[32];
	snprintf(a, sizeof a, _("run %lld"), s->ev_run[0]);
	snprintf(b, sizeof b, _("run %lld"), s->ev_run[1]);
	/* the column titles name the runs */
	s->cmp.col[1].title = a;
	s->cmp.col[2].title = b;
	/* Both training-loss curves under the table when there is room. */
	int th = r.h - 1, ph = 0;
	if (r.h >= 30) {
		th = (int)s->cmp.nrows + 1 < r.h - 13 ? (int)s->cmp.nrows + 1 : r.h - 13;
		ph = r.h - 1 - th - 1;
	}
	const char *note = json_string_value(json_object_get(s->cmpj, "note"));
	if (note) {
		/* why there is no delta, in words under the table */
		int nh = (int)s->cmp.nrows + 1 < r.h - 4 ? (int)s->cmp.nrows + 1 : r.h - 4;
		th = nh > 1 ? nh : 1;
		ph = 0;
		tui_paragraphs((tui_rect){r.y + 1 + th, r.x + 2, r.h - 1 - th, r.w - 4}, &note, 1, tui_attr(TUI_C_WARN));
	}
	tui_table_draw(&s->cmp, (tui_rect){r.y + 1, r.x + 1, th, r.w - 2}, 1);
	s->cmp.col[1].title = s->cmp.col[2].title = "";
	if (ph >= 8) {
		char la[64], lb[64];
		snprintf(la, sizeof la, _("run %lld: training loss (step)"), s->ev_run[0]);
		snprintf(lb, sizeof lb, _("run %lld: training loss (step)"), s->ev_run[1]);
		tui_series series[2] = {
			{s->cx[0], s->cy[0], s->cn[0], tui_attr(TUI_C_ACCENT), la},
			{s->cx[1], s->cy[1], s->cn[1], tui_attr(TUI_C_SERIES2), lb},
		};
		tui_plot((tui_rect){r.y + 2 + th, r.x + 1, ph, r.w - 2}, series, 2, _("step"), _("loss"));
	}
}

static void *runs_open(tui_app *a)
{
	(void)a;
	runs_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const tui_column cols[NCOLS] = {
		[COL_RUN] = {_("run"), 1, 6},
		[COL_CREATED] = {_("created"), 0, 20},
		[COL_KIND] = {_("kind"), 0, 16},
		[COL_STATUS] = {_("status"), 0, 10},
		[COL_SNAPSHOT] = {_("snap."), 1, 8},
		[COL_SPLIT] = {_("split"), 1, 5},
		[COL_EPOCHS] = {_("epochs"), 1, 9},
		[COL_STEPS] = {_("steps"), 1, 13},
		[COL_BEST] = {_("best"), 1, 5},
		[COL_VALID_F1] = {_("val. F1"), 1, 9},
		[COL_TEST_ACC] = {_("test acc"), 1, 9},
		[COL_TEST_F1] = {_("test F1"), 1, 9},
	};
	tui_table_init(&s->tbl, NCOLS, cols);
	s->tbl.frozen = 1;
	s->tbl.ccol = 0; /* a column cursor: s sorts by it */
	const tui_column ccols[] = {{"", 0, 30}, {"", 1, 20}, {"", 1, 20}, {"\xce\x94", 1, 8}};
	tui_table_init(&s->cmp, 4, ccols);
	return s;
}

static void runs_close(void *st)
{
	runs_state *s = st;
	json_decref(s->runs);
	json_decref(s->hist);
	free(s->sx);
	free(s->sy);
	free(s->ex);
	free(s->ey);
	tui_table_free(&s->tbl);
	tui_table_free(&s->cmp);
	json_decref(s->ev[0]);
	json_decref(s->ev[1]);
	json_decref(s->cmpj);
	json_decref(s->hev);
	for (size_t i = 0; i < s->nlog; i++)
		free(s->log[i]);
	for (int i = 0; i < 2; i++) {
		free(s->cx[i]);
		free(s->cy[i]);
	}
	free(s);
}

static void runs_show(void *st, tui_app *a)
{
	request(st, a, 0);
}

/* The reliability diagram of the selected run (eval JSON's
 * calibration.bins, on the test split after temperature scaling): the
 * accuracy of each non-empty bin against its mean confidence, and the
 * diagonal a calibrated model follows. */
static void draw_reliability(runs_state *s, tui_rect r)
{
	json_t *cal = json_object_get(s->hev, "calibration"), *bins = json_object_get(cal, "bins");
	size_t n = json_array_size(bins), m = 0, i;
	double *x = malloc((n ? n : 1) * sizeof *x), *y = malloc((n ? n : 1) * sizeof *y);
	json_t *b;
	if (!x || !y)
		goto out;
	json_array_foreach(bins, i, b)
	{
		if (json_integer_value(json_object_get(b, "count")) <= 0)
			continue;
		x[m] = json_number_value(json_object_get(b, "confidence"));
		y[m] = json_number_value(json_object_get(b, "accuracy"));
		m++;
	}
	char title[160];
	snprintf(title, sizeof title, _("Reliability (test) ECE %.4f, was %.4f"),
		 json_number_value(json_object_get(cal, "ece_after")), json_number_value(json_object_get(cal, "ece_before")));
	tui_put(r.y, r.x, r.w, title, tui_attr(TUI_C_TITLE));
	static const double dx[2] = {0, 1}, dy[2] = {0, 1};
	tui_series series[2] = {
		{x, y, m, tui_attr(TUI_C_ACCENT), _("bins")},
		{dx, dy, 2, tui_attr(TUI_C_DIM), _("ideal")},
	};
	tui_plot((tui_rect){r.y + 1, r.x, r.h - 1, r.w}, series, 2, _("confidence"), _("accuracy"));
out:
	free(x);
	free(y);
}

/* Read the log of run into s (MODE_LOG). */
static void open_log(runs_state *s, tui_app *a, long long run)
{
	for (size_t i = 0; i < s->nlog; i++)
		free(s->log[i]);
	s->nlog = 0;
	char *path = tui_run_log(a, run);
	s->nlog = tui_read_tail(path, s->log, LOG_LINES);
	if (!s->nlog) {
		tui_message(a, 1, _("run %lld has no log here (%s): runs started from the CLI log to their terminal"),
			    run, path ? path : "?");
		free(path);
		return;
	}
	free(path);
	s->log_run = run;
	s->log_top = s->nlog > 0 ? (int)s->nlog : 0; /* from the end */
	s->mode = MODE_LOG;
}

static void draw_log(runs_state *s, tui_app *a, tui_rect r)
{
	char title[256];
	char *path = tui_run_log(a, s->log_run);
	snprintf(title, sizeof title, _("Log of run %lld"), s->log_run);
	tui_heading(r.y, r.x + 1, r.w - 2, title, path ? path : "");
	free(path);
	int rows = r.h - 1;
	if (rows < 1)
		return;
	if (s->log_top > (int)s->nlog - rows)
		s->log_top = (int)s->nlog - rows;
	if (s->log_top < 0)
		s->log_top = 0;
	for (int k = 0; k < rows && s->log_top + k < (int)s->nlog; k++)
		tui_put(r.y + 1 + k, r.x + 1, r.w - 2, s->log[s->log_top + k] ? s->log[s->log_top + k] : "", 0);
}

static void runs_draw(void *st, tui_app *a, tui_rect r)
{
	runs_state *s = st;
	if (s->mode == MODE_LOG) {
		draw_log(s, a, r);
		return;
	}
	if (s->mode == MODE_MATRIX) {
		draw_matrix(s, r);
		return;
	}
	if (s->mode == MODE_COMPARE) {
		draw_compare(s, r);
		return;
	}
	char title[128];
	if (s->mark)
		snprintf(title, sizeof title, _("Runs (%zu, run %lld marked)"), s->tbl.nrows, s->mark);
	else
		snprintf(title, sizeof title, _("Runs (%zu)"), s->tbl.nrows);
	/* the latest tune group and its best so far (tune.h) */
	json_t *tunes = json_object_get(s->runs, "tunes"), *tg = json_array_get(tunes, json_array_size(tunes) - 1);
	if (tg && json_is_integer(json_object_get(tg, "best_run")))
		snprintf(title + strlen(title), sizeof title - strlen(title), _(" · tune %lld %s: best run %lld (%.4f)"),
			 (long long)json_integer_value(json_object_get(tg, "id")),
			 tui_name(json_string_value(json_object_get(tg, "status"))),
			 (long long)json_integer_value(json_object_get(tg, "best_run")),
			 json_number_value(json_object_get(tg, "best_f1")));
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("Enter matrix · Space mark · d compare · s sort · L log"));
	if (s->failed && !s->loaded) {
		char buf[1024];
		tui_put(r.y + 2, r.x + 2, r.w - 3, error_format(&s->err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		return;
	}
	if (!s->loaded) {
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	if (!s->tbl.nrows) {
		const char *p[] = {_("No runs yet"),
				   _("Train one from the prompt once the data is cleaned and split:"),
				   ":split   then   :train --epochs 20"};
		tui_paragraphs((tui_rect){r.y + 1, r.x, r.h - 1, r.w}, p, 3, 0);
		return;
	}
	int th = (int)s->tbl.nrows + 1;
	if (th > r.h / 3)
		th = r.h / 3;
	if (th < 2)
		th = 2;
	tui_table_draw(&s->tbl, (tui_rect){r.y + 1, r.x + 1, th, r.w - 2}, 1);
	int y = r.y + 1 + th + 1;
	int ph = r.y + r.h - y - 1;
	if (!s->hist_run || ph < 4)
		return;
	snprintf(title, sizeof title, _("Loss of run %lld"), s->hist_run);
	char info[256] = "";
	size_t m = json_array_size(json_object_get(s->hist, "epochs"));
	if (m) {
		json_t *e = json_array_get(json_object_get(s->hist, "epochs"), m - 1);
		snprintf(info, sizeof info,
			 on_validation(s->hist) ? _("epoch %lld: train %.4f · validation %.4f · accuracy %.4f · macro-F1 %.4f")
						: _("epoch %lld: train %.4f · test %.4f · accuracy %.4f · macro-F1 %.4f"),
			 (long long)json_integer_value(json_object_get(e, "epoch")),
			 json_number_value(json_object_get(e, "train_loss")),
			 json_number_value(epoch_loss(e)),
			 json_number_value(json_object_get(e, "accuracy")),
			 json_number_value(json_object_get(e, "macro_f1")));
	}
	tui_heading(y, r.x + 1, r.w - 2, title, info);
	tui_series series[2] = {
		{s->sx, s->sy, s->ns, tui_attr(TUI_C_ACCENT), _("training loss (step)")},
		{s->ex, s->ey, s->ne, tui_attr(TUI_C_SERIES2),
		 on_validation(s->hist) ? _("validation loss (epoch)") : _("test loss (epoch)")},
	};
	/* the reliability diagram beside the curve (wide), under it (tall), or
	 * not at all */
	int have_rel = json_array_size(json_object_get(json_object_get(s->hev, "calibration"), "bins")) > 0;
	tui_rect lr = {y + 1, r.x + 1, ph, r.w - 2}, rr = {0, 0, 0, 0};
	if (have_rel && r.w >= 100) {
		rr = (tui_rect){y + 1, r.x + r.w - 47, ph, 46};
		lr.w = r.w - 50;
	} else if (have_rel && ph >= 18) {
		lr.h = ph / 2;
		rr = (tui_rect){y + 1 + lr.h, r.x + 1, ph - lr.h, r.w - 2};
	}
	tui_plot(lr, series, 2, _("step"), _("loss"));
	if (rr.h >= 8)
		draw_reliability(s, rr);
}

static int runs_key(void *st, tui_app *a, int action)
{
	runs_state *s = st;
	if (s->mode != MODE_LIST) {
		if (action == ACT_BACK || action == ACT_QUIT) {
			s->mode = MODE_LIST;
			return TUI_REDRAW;
		}
		if (s->mode == MODE_MATRIX)
			return matrix_key(s, action);
		if (s->mode == MODE_LOG) {
			int step = action == ACT_UP ? -1 : action == ACT_DOWN ? 1 : action == ACT_PGUP ? -10
				   : action == ACT_PGDN ? 10 : action == ACT_HOME ? -1000000 : action == ACT_END ? 1000000 : 0;
			if (!step)
				return TUI_UNHANDLED;
			s->log_top += step; /* draw_log clamps */
			return TUI_REDRAW;
		}
		if (action == ACT_SEARCH) {
			tui_table_search(a, &s->cmp);
			return TUI_REDRAW;
		}
		if (action == ACT_SEARCH_NEXT || action == ACT_SEARCH_PREV)
			return tui_table_search_again(a, &s->cmp, action == ACT_SEARCH_NEXT ? 1 : -1);
		return tui_table_move(&s->cmp, action);
	}
	switch (action) {
	case ACT_ENTER: {
		long long run = selected_run(s);
		if (!run)
			return TUI_UNHANDLED;
		open_eval(s, a, run, 0);
		return TUI_REDRAW;
	}
	case A_MARK: {
		long long run = selected_run(s);
		if (!run)
			return TUI_KEEP;
		s->mark = s->mark == run ? 0 : run;
		for (size_t i = 0; i < s->tbl.nrows; i++) {
			char **c = &s->tbl.cell[i * (size_t)s->tbl.ncols], b[48];
			long long id = strtoll(*c, NULL, 10);
			snprintf(b, sizeof b, id == s->mark ? "%lld*" : "%lld", id);
			char *d = strdup(b);
			if (d) {
				free(*c);
				*c = d;
			}
		}
		if (s->mark)
			tui_message(a, 0, _("run %lld marked: choose another run and press d to compare"), s->mark);
		return TUI_REDRAW;
	}
	case A_COMPARE: {
		long long run = selected_run(s);
		if (!s->mark) {
			tui_message(a, 1, _("mark a run with Space first, then choose another and press d"));
			return TUI_REDRAW;
		}
		if (!run || run == s->mark) {
			tui_message(a, 1, _("choose a run other than the marked one (%lld)"), s->mark);
			return TUI_REDRAW;
		}
		open_eval(s, a, s->mark, run);
		return TUI_REDRAW;
	}
	case A_CANCEL: {
		long long run = selected_run(s);
		size_t row = tui_table_row(&s->tbl);
		json_t *r = json_array_get(json_object_get(s->runs, "runs"), row);
		const char *status = json_string_value(json_object_get(r, "status"));
		if (!run || !status || strcmp(status, "running")) {
			tui_message(a, 1, _("the selected run is not running"));
			return TUI_REDRAW;
		}
		request(s, a, run);
		return TUI_REDRAW;
	}
	case A_REFRESH:
		request(s, a, 0);
		return TUI_REDRAW;
	case A_SORT: {
		int c = s->tbl.ccol >= 0 ? s->tbl.ccol : 0;
		/* figures sort best first; ids, dates and names ascending */
		int desc_first = c >= COL_VALID_F1 && c <= COL_TEST_F1;
		tui_table_sort(&s->tbl, c, s->tbl.sort_col == c ? !s->tbl.sort_desc : desc_first);
		return TUI_REDRAW;
	}
	case A_LOG: {
		long long run = selected_run(s);
		if (run)
			open_log(s, a, run);
		return TUI_REDRAW;
	}
	case ACT_SEARCH:
		tui_table_search(a, &s->tbl);
		return TUI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		return tui_table_search_again(a, &s->tbl, action == ACT_SEARCH_NEXT ? 1 : -1);
	default: {
		int r = tui_table_move(&s->tbl, action);
		if (r == TUI_REDRAW && selected_run(s) != s->hist_run)
			request(s, a, 0);
		return r;
	}
	}
}

static void runs_tick(void *st, tui_app *a)
{
	request(st, a, 0);
}

const tui_view_ops tui_view_runs = {
	.title = N_("Runs"),
	.about = N_("The runs (kind, snapshot, split, validation and test figures), followed live, "
		    "with the selected run's loss curve and reliability diagram. Enter: its confusion "
		    "matrix; Space, then d: compare two runs; L: its log."),
	.keys = keys,
	.open = runs_open,
	.close = runs_close,
	.draw = runs_draw,
	.key = runs_key,
	.show = runs_show,
	.reload = runs_show,
	.tick = runs_tick,
};
