/*
 * view-runs.c - view 6: the training runs (status, epochs, best epoch,
 * accuracy, macro-F1) from train_list(), and the selected run's loss
 * curve from train_history(): the training loss of every step and the
 * test loss of every epoch, drawn in braille with axes and labels.  While
 * the view is shown it asks again every second, so a run that another
 * process is training grows on the screen.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/train/train.h"

enum { A_CANCEL = ACT_VIEW, A_REFRESH };

static const tui_binding keys[] = {
	{ACT_UP, {0}, "\xe2\x86\x91\xe2\x86\x93 j k", N_("choose a run: its loss curve shows below")},
	{A_CANCEL, {'c'}, "c", N_("ask the selected running run to stop (resumable)")},
	{A_REFRESH, {'r'}, "r", N_("read the runs again now")},
	{ACT_NONE, {0}, NULL, NULL},
};

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
} runs_state;

typedef struct {
	tui_job base;
	runs_state *s;
	long long run, cancel;
	json_t *runs, *hist;
} runs_job;

static void runs_job_run(tui_job *j, yj_project *p)
{
	runs_job *rj = (runs_job *)j;
	if (rj->cancel && (j->st = train_request_cancel(p, rj->cancel, &j->err)))
		return;
	if ((j->st = train_list(p, &rj->runs, &j->err)))
		return;
	/* The selected run's curve; the latest run when none is selected. */
	long long run = rj->run;
	if (!run) {
		size_t n = json_array_size(json_object_get(rj->runs, "runs"));
		if (n)
			run = json_integer_value(json_object_get(json_array_get(json_object_get(rj->runs, "runs"), n - 1), "id"));
	}
	if (run)
		j->st = train_history(p, run, &rj->hist, &j->err);
}

static long long selected_run(const runs_state *s)
{
	size_t row = tui_table_row(&s->tbl);
	if (row == (size_t)-1)
		return 0;
	return strtoll(s->tbl.cell[row * (size_t)s->tbl.ncols], NULL, 10);
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
		s->ex[i] = (epoch + 1) * per - 1;
		s->ey[i] = json_number_value(json_object_get(e, "test_loss"));
	}
	s->ne = m;
}

static void runs_job_done(tui_job *j, tui_app *a)
{
	runs_job *rj = (runs_job *)j;
	runs_state *s = rj->s;
	s->busy = 0;
	if (j->st) {
		s->failed = 1;
		s->err = j->err;
		if (rj->cancel)
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
		char b[6][48];
		long long id = json_integer_value(json_object_get(r, "id"));
		snprintf(b[0], 48, "%lld", id);
		snprintf(b[1], 48, "%lld/%lld", (long long)json_integer_value(json_object_get(r, "epochs_done")),
			 (long long)json_integer_value(json_object_get(json_object_get(r, "config"), "epochs")));
		json_t *be = json_object_get(r, "best_epoch");
		if (json_is_integer(be))
			snprintf(b[2], 48, "%lld", (long long)json_integer_value(be) + 1);
		else
			snprintf(b[2], 48, "-");
		json_t *acc = json_object_get(r, "accuracy"), *f1 = json_object_get(r, "macro_f1");
		snprintf(b[3], 48, json_is_number(acc) ? "%.4f" : "-", json_number_value(acc));
		snprintf(b[4], 48, json_is_number(f1) ? "%.4f" : "-", json_number_value(f1));
		snprintf(b[5], 48, "%lld/%lld", (long long)json_integer_value(json_object_get(r, "steps_done")),
			 (long long)json_integer_value(json_object_get(r, "total_steps")));
		const char *status = json_string_value(json_object_get(r, "status"));
		const char *row[] = {b[0], json_string_value(json_object_get(r, "created_at")), tui_name(status), b[1], b[5], b[2],
				     b[3], b[4]};
		size_t k = tui_table_add(&s->tbl, row);
		tui_table_set_key(&s->tbl, k, 0, (double)id);
		int attr = !strcmp(status, "done")	  ? TUI_C_GOOD
			   : !strcmp(status, "running")	  ? TUI_C_ACCENT
			   : !strcmp(status, "failed")	  ? TUI_C_BAD
							  : TUI_C_WARN;
		tui_table_set_attr(&s->tbl, k, 2, tui_attr(attr));
		if (keep == id)
			tui_table_select(&s->tbl, k);
	}
	if (!keep && s->tbl.nrows)
		s->tbl.cur = s->tbl.nrows - 1; /* the latest run */
	if (rj->hist) {
		json_decref(s->hist);
		s->hist = rj->hist;
		rj->hist = NULL;
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

static void *runs_open(tui_app *a)
{
	(void)a;
	runs_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const tui_column cols[] = {
		{_("run"), 1, 6},     {_("created"), 0, 20}, {_("status"), 0, 10},   {_("epochs"), 1, 9},
		{_("steps"), 1, 13},  {_("best"), 1, 5},     {_("accuracy"), 1, 9},  {_("macro-F1"), 1, 9},
	};
	tui_table_init(&s->tbl, 8, cols);
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
	free(s);
}

static void runs_show(void *st, tui_app *a)
{
	request(st, a, 0);
}

static void runs_draw(void *st, tui_app *a, tui_rect r)
{
	(void)a;
	runs_state *s = st;
	char title[128];
	snprintf(title, sizeof title, _("Runs (%zu)"), s->tbl.nrows);
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("\xe2\x86\x91\xe2\x86\x93 choose · c cancel · r refresh"));
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
		snprintf(info, sizeof info, _("epoch %lld: train %.4f · test %.4f · accuracy %.4f · macro-F1 %.4f"),
			 (long long)json_integer_value(json_object_get(e, "epoch")) + 1,
			 json_number_value(json_object_get(e, "train_loss")),
			 json_number_value(json_object_get(e, "test_loss")),
			 json_number_value(json_object_get(e, "accuracy")),
			 json_number_value(json_object_get(e, "macro_f1")));
	}
	tui_heading(y, r.x + 1, r.w - 2, title, info);
	tui_series series[2] = {
		{s->sx, s->sy, s->ns, tui_attr(TUI_C_ACCENT), _("training loss (step)")},
		{s->ex, s->ey, s->ne, tui_attr(TUI_C_SERIES2), _("test loss (epoch)")},
	};
	tui_plot((tui_rect){y + 1, r.x + 1, ph, r.w - 2}, series, 2, _("step"), _("loss"));
}

static int runs_key(void *st, tui_app *a, int action)
{
	runs_state *s = st;
	switch (action) {
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
	.about = N_("The training runs with their status and test metrics (accuracy and macro-F1 of "
		    "the best epoch), and the loss curve of the selected run: the training loss of "
		    "every step and the test loss of every epoch. The view follows a run that is "
		    "training, in this workbench or in another process."),
	.keys = keys,
	.open = runs_open,
	.close = runs_close,
	.draw = runs_draw,
	.key = runs_key,
	.show = runs_show,
	.reload = runs_show,
	.tick = runs_tick,
};
