/*
 * view-warnings.c - view 7: the cases with a stored prediction
 * (cases_predictions(): the latest prediction of each case, typically the
 * unlabeled ones after `predict --unlabeled`) whose probability of some
 * category reaches that category's alert threshold, most probable first.
 * Thresholds are per category (0.5 until changed with `t`) and stored in
 * the project (alerts.h), where `yujing predict` finds them too; `p`
 * predicts the unlabeled cases with the latest run.  A column says where
 * each case came from (the snapshot, or a batch of new cases from
 * `predict --source`); Enter opens the Cases inspector on it.
 */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/train/alerts.h"
#include "yujing/train/cases.h"

enum { A_THRESH = ACT_VIEW, A_PREDICT, A_REFRESH };

static const tui_binding keys[] = {
	{ACT_ENTER, {0}, "Enter", N_("inspect the case (of the snapshot or of a batch of new cases)")},
	{A_THRESH, {'t'}, "t", N_("set alert thresholds: P for every category not set one by one, CATEGORY=P for one, CATEGORY= to remove one")},
	{A_PREDICT, {'p'}, "p", N_("predict the unlabeled cases with the latest run")},
	{A_REFRESH, {'r'}, "r", N_("read the predictions again")},
	{ACT_SEARCH, {0}, "/ n N", N_("search by key or category")},
	{ACT_NONE, {0}, NULL, NULL},
};

typedef struct {
	yj_case_predictions data; /* cases_predictions() */
	int busy, loaded, failed;
	yj_error err;
	tui_table tbl;
	yj_thresholds thr;
	int thr_loaded; /* read from the project once; then this view writes them */
	size_t npred;
} warn_state;

typedef struct {
	tui_job base;
	warn_state *s;
	yj_case_predictions data;
	int load_thr;
	yj_thresholds thr;
} warn_job;

static void warn_job_run(tui_job *j, yj_project *p)
{
	warn_job *wj = (warn_job *)j;
	if (wj->load_thr && (j->st = thresholds_load(p, &wj->thr, &j->err)))
		return;
	j->st = cases_predictions(p, &wj->data, &j->err);
}

static double threshold(const warn_state *s, const char *cat)
{
	return thresholds_get(&s->thr, cat);
}

static void fill_table(warn_state *s)
{
	tui_table_clear(&s->tbl);
	s->npred = s->data.n;
	for (size_t i = 0; i < s->data.n; i++) {
		const yj_case_prediction *c = &s->data.v[i];
		/* the most probable category over its threshold */
		const char *best = NULL;
		double bp = -1;
		for (size_t k = 0; k < c->nprobs; k++) {
			double pv = c->probs[k].p;
			if (pv >= threshold(s, c->probs[k].category) && pv > bp) {
				bp = pv;
				best = c->probs[k].category;
			}
		}
		if (!best)
			continue;
		char p[32], thr[32], run[32], from[64];
		snprintf(p, sizeof p, "%.4f", bp);
		snprintf(thr, sizeof thr, "%.2f", threshold(s, best));
		snprintf(run, sizeof run, "%lld", c->run);
		if (c->batch)
			snprintf(from, sizeof from, _("batch %lld"), c->batch);
		else
			snprintf(from, sizeof from, "%s", _("snapshot"));
		const char *row[] = {c->key, best, p, thr, run, from, c->created_at};
		size_t r = tui_table_add(&s->tbl, row);
		tui_table_set_key(&s->tbl, r, 2, bp);
		tui_table_set_attr(&s->tbl, r, 1, tui_attr(bp >= 0.9 ? TUI_C_BAD : TUI_C_WARN));
	}
	tui_table_sort(&s->tbl, 2, 1);
}

static void warn_job_done(tui_job *j, tui_app *a)
{
	(void)a;
	warn_job *wj = (warn_job *)j;
	warn_state *s = wj->s;
	s->busy = 0;
	s->loaded = 1;
	if (j->st) {
		s->failed = 1;
		s->err = j->err;
		return;
	}
	s->failed = 0;
	if (wj->load_thr && !s->thr_loaded) {
		thresholds_free(&s->thr);
		s->thr = wj->thr;
		thresholds_init(&wj->thr);
		s->thr_loaded = 1;
	}
	cases_predictions_free(&s->data);
	s->data = wj->data;
	memset(&wj->data, 0, sizeof wj->data);
	fill_table(s);
}

static void warn_job_destroy(tui_job *j)
{
	warn_job *wj = (warn_job *)j;
	cases_predictions_free(&wj->data);
	thresholds_free(&wj->thr);
	free(wj);
}

/* Storing the thresholds (a copy of them: the view may change again). */
typedef struct {
	tui_job base;
	yj_thresholds thr;
} save_job;

static void save_job_run(tui_job *j, yj_project *p)
{
	j->st = thresholds_save(p, &((save_job *)j)->thr, &j->err);
}

static void save_job_done(tui_job *j, tui_app *a)
{
	if (j->st)
		tui_error(a, &j->err);
}

static void save_job_destroy(tui_job *j)
{
	thresholds_free(&((save_job *)j)->thr);
	free(j);
}

static void save_thresholds(warn_state *s, tui_app *a)
{
	save_job *sj = calloc(1, sizeof *sj);
	if (!sj)
		return;
	tui_job_init(&sj->base, N_("storing the thresholds"), save_job_run, save_job_done, save_job_destroy);
	thresholds_init(&sj->thr);
	int bad = thresholds_set(&sj->thr, NULL, s->thr.all);
	for (size_t i = 0; !bad && i < s->thr.n; i++)
		bad = thresholds_set(&sj->thr, s->thr.category[i], s->thr.p[i]);
	if (bad) {
		save_job_destroy(&sj->base);
		tui_message(a, 1, _("out of memory"));
		return;
	}
	tui_submit(a, &sj->base);
}

static void request(warn_state *s, tui_app *a)
{
	if (s->busy)
		return;
	warn_job *wj = calloc(1, sizeof *wj);
	if (!wj)
		return;
	tui_job_init(&wj->base, NULL, warn_job_run, warn_job_done, warn_job_destroy);
	wj->s = s;
	wj->load_thr = !s->thr_loaded;
	thresholds_init(&wj->thr);
	s->busy = 1;
	tui_submit(a, &wj->base);
}

static void *warn_open(tui_app *a)
{
	(void)a;
	warn_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const tui_column cols[] = {
		{_("case"), 0, 16},	{_("category"), 0, 14}, {_("probability"), 1, 12},
		{_("threshold"), 1, 9}, {_("run"), 1, 5},	{_("origin"), 0, 12}, {_("predicted at"), 0, 20},
	};
	tui_table_init(&s->tbl, 7, cols);
	thresholds_init(&s->thr);
	return s;
}

static void warn_close(void *st)
{
	warn_state *s = st;
	thresholds_free(&s->thr);
	cases_predictions_free(&s->data);
	tui_table_free(&s->tbl);
	free(s);
}

static void warn_draw(void *st, tui_app *a, tui_rect r)
{
	(void)a;
	warn_state *s = st;
	char title[128];
	snprintf(title, sizeof title, _("Warnings (%zu of %zu predicted)"), s->tbl.nrows, s->npred);
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("t thresholds · p predict · r refresh"));
	if (!s->loaded) {
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	if (s->failed) {
		char buf[1024];
		tui_put(r.y + 2, r.x + 2, r.w - 3, error_format(&s->err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		return;
	}
	/* the thresholds */
	char line[1024];
	int o = snprintf(line, sizeof line, _("thresholds: %.2f"), s->thr.all);
	for (size_t i = 0; i < s->thr.n && o > 0 && (size_t)o < sizeof line; i++)
		o += snprintf(line + o, sizeof line - (size_t)o, " · %s %.2f", s->thr.category[i], s->thr.p[i]);
	tui_put(r.y + 1, r.x + 2, r.w - 3, line, tui_attr(TUI_C_DIM));
	if (!s->npred) {
		const char *p[] = {_("No predictions yet"),
				   _("Press p to predict the unlabeled cases with the latest run (or ':predict "
				     "--unlabeled'); the cases over their thresholds then show here.")};
		tui_paragraphs((tui_rect){r.y + 2, r.x, r.h - 2, r.w}, p, 2, 0);
		return;
	}
	tui_table_draw(&s->tbl, (tui_rect){r.y + 2, r.x + 1, r.h - 2, r.w - 2}, 1);
}

/* The categories the stored predictions know (each prediction gives every
 * category of its run's model), each once: into *out (malloc'd array of
 * borrowed names); returns how many, (size_t)-1 when out of memory. */
static size_t known_categories(const warn_state *s, const char ***out)
{
	const char **v = NULL;
	size_t n = 0, cap = 0;
	for (size_t i = 0; i < s->data.n; i++)
		for (size_t k = 0; k < s->data.v[i].nprobs; k++) {
			const char *c = s->data.v[i].probs[k].category;
			size_t j = 0;
			while (j < n && strcmp(v[j], c))
				j++;
			if (j < n)
				continue;
			if (n == cap) {
				cap = cap ? 2 * cap : 16;
				const char **w = realloc(v, cap * sizeof *w);
				if (!w) {
					free(v);
					return (size_t)-1;
				}
				v = w;
			}
			v[n++] = c;
		}
	*out = v;
	return n;
}

/* P: every category not set one by one; CATEGORY=P: that one, which must
 * be a category of the predictions; CATEGORY= : forget its own. */
static void thresh_done(void *ctx, tui_app *a, const char *text)
{
	warn_state *s = ctx;
	if (!text)
		return;
	const char *eq = strrchr(text, '=');
	char *cat = eq ? strndup(text, (size_t)(eq - text)) : NULL;
	if (eq && !cat) {
		tui_message(a, 1, _("out of memory"));
		return;
	}
	if (cat) {
		const char **known = NULL;
		size_t n = known_categories(s, &known);
		yj_error err;
		error_clear(&err);
		yj_status st = n == (size_t)-1 ? error_set(&err, YJ_ENOMEM, _("out of memory"))
					       : thresholds_check_category(cat, known, n, &err);
		free(known);
		if (st) {
			free(cat);
			tui_error(a, &err);
			return;
		}
	}
	if (cat && !eq[1]) {
		if (thresholds_remove(&s->thr, cat))
			tui_message(a, 0, _("%s: its own threshold removed; it has the one for every category (%.2f)"),
				    cat, s->thr.all);
		else
			tui_message(a, 0, _("%s had no threshold of its own"), cat);
	} else {
		char *end;
		double v = strtod(eq ? eq + 1 : text, &end);
		if (end == (eq ? eq + 1 : text) || *end || !(v >= 0 && v <= 1)) {
			free(cat);
			tui_message(a, 1, _("a threshold is a probability in [0, 1]: P, CATEGORY=P, or CATEGORY= to remove one"));
			return;
		}
		if (thresholds_set(&s->thr, cat, v)) {
			free(cat);
			tui_message(a, 1, _("out of memory"));
			return;
		}
	}
	free(cat);
	s->thr_loaded = 1; /* what the user set wins over a load under way */
	save_thresholds(s, a);
	fill_table(s);
	a->dirty = 1;
}

static int warn_key(void *st, tui_app *a, int action)
{
	warn_state *s = st;
	switch (action) {
	case A_THRESH: {
		char init[32];
		snprintf(init, sizeof init, "%.2f", s->thr.all);
		tui_input_begin(a, _("threshold (P, CATEGORY=P or CATEGORY=): "), init, thresh_done, s);
		return TUI_REDRAW;
	}
	case A_PREDICT:
		tui_run_line(a, "predict --unlabeled");
		return TUI_REDRAW;
	case ACT_ENTER: {
		size_t row = tui_table_row(&s->tbl);
		if (row == (size_t)-1)
			return TUI_KEEP;
		const char *key = s->tbl.cell[row * (size_t)s->tbl.ncols];
		for (size_t i = 0; i < s->data.n; i++)
			if (!strcmp(s->data.v[i].key, key)) {
				tui_cases_inspect(a, key, s->data.v[i].run, s->data.v[i].batch);
				break;
			}
		return TUI_REDRAW;
	}
	case A_REFRESH:
		request(s, a);
		return TUI_REDRAW;
	case ACT_SEARCH:
		tui_table_search(a, &s->tbl);
		return TUI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		return tui_table_search_again(a, &s->tbl, action == ACT_SEARCH_NEXT ? 1 : -1);
	default:
		return tui_table_move(&s->tbl, action);
	}
}

static void warn_show(void *st, tui_app *a)
{
	request(st, a);
}

const tui_view_ops tui_view_warnings = {
	.title = N_("Warnings"),
	.about = N_("Cases with a stored prediction (the unlabeled cases after `predict --unlabeled`) "
		    "whose probability of some category reaches its alert threshold, most probable "
		    "first. Thresholds are 0.5 until set with t: a probability for every category not "
		    "set one by one, CATEGORY=P for one (a category the predictions know), or CATEGORY= "
		    "to remove one. They are stored in the project and are what `predict` flags "
		    "with when no --alert is given."),
	.keys = keys,
	.open = warn_open,
	.close = warn_close,
	.draw = warn_draw,
	.key = warn_key,
	.show = warn_show,
	.reload = warn_show,
};
