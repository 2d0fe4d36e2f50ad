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
 *
 * Above the list, each threshold (the one for every other category, then
 * those set one by one) with the precision and recall it would have had
 * on the validation cases of the model of record (alerts.h).  Their
 * probabilities are computed in a background job ("computing...") when
 * the view is shown and the model of record is not the one measured, and
 * kept while the view lives: a threshold change only counts again.  They
 * are not stored in the project: a run's validation probabilities are
 * cases x categories numbers that only this view and `yujing alerts`
 * read, and they must follow run_model_forward when it changes.
 */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/store/runs.h"
#include "yujing/text/width.h"
#include "yujing/train/alerts.h"
#include "yujing/train/cases.h"

enum { A_THRESH = ACT_VIEW, A_PREDICT, A_REFRESH };

static const tui_binding keys[] = {
	{ACT_ENTER, {0}, "Enter", N_("inspect the case (of the snapshot or of a batch of new cases)")},
	{A_THRESH, {'t'}, "t", N_("set alert thresholds: P for every category not set one by one, CATEGORY=P for one, CATEGORY= to remove one")},
	{A_PREDICT, {'p'}, "p", N_("predict the unlabeled cases with the latest run")},
	{A_REFRESH, {'r'}, "r", N_("read the predictions again (and measure the model of record again if it failed)")},
	{ACT_SEARCH, {0}, "/ n N", N_("search by key or category")},
	{ACT_NONE, {0}, NULL, NULL},
};

/* The validation measure's state. */
enum { PR_NONE, PR_COMPUTING, PR_READY, PR_FAILED };

typedef struct {
	yj_case_predictions data; /* cases_predictions() */
	int busy, loaded, failed;
	yj_error err;
	tui_table tbl;
	yj_thresholds thr;
	int thr_loaded; /* read from the project once; then this view writes them */
	size_t npred;
	yj_alert_valid valid; /* the model of record on validation (PR_READY) */
	int pr_state;
	long long pr_run;     /* the run measured or being measured; 0: none */
	long long pr_want;    /* the model of record last seen */
	yj_error pr_err;      /* PR_FAILED */
} warn_state;

typedef struct {
	tui_job base;
	warn_state *s;
	yj_case_predictions data;
	int load_thr;
	yj_thresholds thr;
	long long model; /* the model of record */
} warn_job;

static void warn_job_run(tui_job *j, yj_project *p)
{
	warn_job *wj = (warn_job *)j;
	if (wj->load_thr && (j->st = thresholds_load(p, &wj->thr, &j->err)))
		return;
	if ((j->st = runs_model_of_record(p, &wj->model, NULL, &j->err)))
		return;
	j->st = cases_predictions(p, &wj->data, &j->err);
}

/* Measuring the model of record on validation. */
typedef struct {
	tui_job base;
	warn_state *s;
	long long run;
	yj_alert_valid valid;
} valid_job;

static void valid_job_run(tui_job *j, yj_project *p)
{
	valid_job *vj = (valid_job *)j;
	j->st = alerts_valid_load(p, vj->run, &vj->valid, &j->err);
}

static void request_valid(warn_state *s, tui_app *a);

static void valid_job_done(tui_job *j, tui_app *a)
{
	valid_job *vj = (valid_job *)j;
	warn_state *s = vj->s;
	alerts_valid_free(&s->valid);
	if (j->st) {
		s->pr_state = PR_FAILED;
		s->pr_err = j->err;
	} else {
		s->pr_state = PR_READY;
		s->valid = vj->valid;
		memset(&vj->valid, 0, sizeof vj->valid);
	}
	a->dirty = 1;
	if (s->pr_want != s->pr_run) /* the model changed meanwhile */
		request_valid(s, a);
}

static void valid_job_destroy(tui_job *j)
{
	alerts_valid_free(&((valid_job *)j)->valid);
	free(j);
}

/* Measure the model of record (s->pr_want) unless it is measured or being
 * measured. */
static void request_valid(warn_state *s, tui_app *a)
{
	if (s->pr_state == PR_COMPUTING || (s->pr_state != PR_NONE && s->pr_run == s->pr_want))
		return;
	alerts_valid_free(&s->valid);
	s->pr_run = s->pr_want;
	if (!s->pr_want) {
		s->pr_state = PR_READY; /* nothing to measure: said so */
		return;
	}
	valid_job *vj = calloc(1, sizeof *vj);
	if (!vj)
		return;
	tui_job_init(&vj->base, N_("measuring the thresholds on validation"), valid_job_run, valid_job_done,
		     valid_job_destroy);
	vj->s = s;
	vj->run = s->pr_want;
	s->pr_state = PR_COMPUTING;
	tui_submit(a, &vj->base);
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
	s->pr_want = wj->model;
	request_valid(s, a);
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
	alerts_valid_free(&s->valid);
	thresholds_free(&s->thr);
	cases_predictions_free(&s->data);
	tui_table_free(&s->tbl);
	free(s);
}

/* A ratio for the threshold rows, "–" when undefined. */
static void fmt_ratio(double x, char *buf, size_t n)
{
	if (x != x)
		snprintf(buf, n, "–");
	else
		snprintf(buf, n, "%.4f", x);
}

/* Whether category has a threshold of its own. */
static int has_own(const yj_thresholds *t, const char *category)
{
	for (size_t j = 0; j < t->n; j++)
		if (!strcmp(t->category[j], category))
			return 1;
	return 0;
}

/* What each threshold would have flagged on validation: a title line,
 * then (when measured) a header and one row per threshold, the one for
 * every other category first, at most half of r's height.  Returns the
 * lines drawn. */
static int draw_pr(const warn_state *s, tui_rect r)
{
	char line[512];
	int dim = tui_attr(TUI_C_DIM);
	if (r.h < 1)
		return 0;
	switch (s->pr_state) {
	case PR_NONE:
		return 0;
	case PR_COMPUTING:
		snprintf(line, sizeof line, _("precision and recall on validation: computing... (run %lld)"), s->pr_run);
		tui_put(r.y, r.x, r.w, line, dim);
		return 1;
	case PR_FAILED: {
		char buf[1024];
		snprintf(line, sizeof line, _("precision and recall on validation: %s"),
			 error_format(&s->pr_err, buf, sizeof buf));
		tui_put(r.y, r.x, r.w, line, tui_attr(TUI_C_BAD));
		return 1;
	}
	}
	if (!s->pr_run) {
		tui_put(r.y, r.x, r.w, _("precision and recall on validation: no model of record yet (train a run)"), dim);
		return 1;
	}
	const yj_alert_valid *v = &s->valid;
	if (!v->n) {
		snprintf(line, sizeof line,
			 _("run %lld: its split %lld has no validation part, so no precision or recall is measured (the "
			   "test part is kept for the run's report)"),
			 v->run, v->split);
		tui_put(r.y, r.x, r.w, line, dim);
		return 1;
	}
	snprintf(line, sizeof line, _("what each threshold would have flagged among the %zu validation cases of run %lld:"),
		 v->n, v->run);
	tui_put(r.y, r.x, r.w, line, dim);
	if (r.h < 6)
		return 1;
	/* the rows: every other category, then the run's categories set one
	 * by one */
	enum { NC = 7 };
	const char *head[NC] = {_("threshold"), _("category"), _("precision"), _("recall"),
				_("alerts"),    _("true"),     _("in validation")};
	int w[NC];
	for (int c = 0; c < NC; c++)
		w[c] = width_str(head[c]);
	size_t nrow = 1, ncat = 0;
	for (size_t j = 0; j < s->thr.n; j++)
		nrow += alerts_valid_category(v, s->thr.category[j]) >= 0;
	int room = r.h / 2 - 2 > 1 ? r.h / 2 - 2 : 1, more = (int)nrow > room;
	size_t shown = more ? (size_t)(room > 1 ? room - 1 : 1) : nrow;
	yj_alert_pr all;
	alerts_pr_all(v, &s->thr, &all, &ncat);
	char other[128];
	snprintf(other, sizeof other, s->thr.n ? _("every other category (%zu)") : _("every category (%zu)"), ncat);
	int cw = width_str(other);
	for (size_t j = 0; j < s->thr.n; j++)
		if (alerts_valid_category(v, s->thr.category[j]) >= 0 && width_str(s->thr.category[j]) > cw)
			cw = width_str(s->thr.category[j]);
	if (cw > w[1])
		w[1] = cw < 24 ? cw : 24;
	for (int c = 2; c < NC; c++)
		if (w[c] < 6)
			w[c] = 6;
	int x[NC], y = r.y + 1;
	x[0] = r.x;
	for (int c = 1; c < NC; c++)
		x[c] = x[c - 1] + w[c - 1] + 2;
	for (int c = 0; c < NC && x[c] < r.x + r.w; c++) {
		int cwid = x[c] + w[c] > r.x + r.w ? r.x + r.w - x[c] : w[c];
		tui_cell(y, x[c], cwid, head[c], c == 1 ? -1 : 1, tui_attr(TUI_C_TITLE));
	}
	size_t done = 0, k = 0;
	for (size_t j = 0; done < shown; j++) {
		yj_alert_pr pr = all;
		const char *name = other;
		double thr = s->thr.all;
		if (j) {
			/* the next category of the run (in its order, as `alerts`
			 * lists them) that has a threshold of its own */
			while (k < v->K && !has_own(&s->thr, v->category[k]))
				k++;
			if (k == v->K)
				break;
			name = v->category[k];
			thr = thresholds_get(&s->thr, name);
			alerts_pr_category(v, k, thr, &pr);
			k++;
		}
		char cell[NC][64];
		snprintf(cell[0], sizeof cell[0], "%.2f", thr);
		fmt_ratio(pr.precision, cell[2], sizeof cell[2]);
		fmt_ratio(pr.recall, cell[3], sizeof cell[3]);
		snprintf(cell[4], sizeof cell[4], "%zu", pr.alerts);
		snprintf(cell[5], sizeof cell[5], "%zu", pr.hits);
		snprintf(cell[6], sizeof cell[6], "%zu", pr.truth);
		y++;
		for (int c = 0; c < NC && x[c] < r.x + r.w; c++) {
			int cwid = x[c] + w[c] > r.x + r.w ? r.x + r.w - x[c] : w[c];
			tui_cell(y, x[c], cwid, c == 1 ? name : cell[c], c == 1 ? -1 : 1, 0);
		}
		done++;
	}
	if (more) {
		snprintf(line, sizeof line, _("... and %zu more (yujing alerts PROJECT --all lists them)"), nrow - done);
		tui_put(++y, r.x, r.w, line, dim);
	}
	return y - r.y + 1;
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
	int used = 2 + draw_pr(s, (tui_rect){r.y + 2, r.x + 2, r.h - 2, r.w - 3});
	if (!s->npred) {
		const char *p[] = {_("No predictions yet"),
				   _("Press p to predict the unlabeled cases with the latest run (or ':predict "
				     "--unlabeled'); the cases over their thresholds then show here.")};
		tui_paragraphs((tui_rect){r.y + used, r.x, r.h - used, r.w}, p, 2, 0);
		return;
	}
	tui_table_draw(&s->tbl, (tui_rect){r.y + used, r.x + 1, r.h - used, r.w - 2}, 1);
}

/* The categories the stored predictions know (each prediction gives every
 * category of its run's model) and those of the model of record, each once: into *out (malloc'd array of
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
	/* and the model of record's, measured on validation */
	for (size_t k = 0; k < s->valid.K; k++) {
		size_t j = 0;
		while (j < n && strcmp(v[j], s->valid.category[k]))
			j++;
		if (j < n)
			continue;
		const char **w = n == cap ? realloc(v, (cap = cap ? 2 * cap : 16) * sizeof *w) : v;
		if (!w) {
			free(v);
			return (size_t)-1;
		}
		v = w;
		v[n++] = s->valid.category[k];
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
	const char **known = NULL;
	size_t n = known_categories(s, &known);
	yj_error err;
	error_clear(&err);
	yj_threshold_edit what;
	char *cat = NULL;
	yj_status st = n == (size_t)-1 ? error_set(&err, YJ_ENOMEM, _("out of memory"))
				       : thresholds_edit(&s->thr, text, known, n, &what, &cat, &err);
	free(known);
	if (st) {
		tui_error(a, &err);
		return;
	}
	if (what == THRESHOLD_REMOVED)
		tui_message(a, 0, _("%s: its own threshold removed; it has the one for every category (%.2f)"), cat,
			    s->thr.all);
	else if (what == THRESHOLD_NOT_OWN)
		tui_message(a, 0, _("%s had no threshold of its own"), cat);
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
		if (s->pr_state == PR_FAILED)
			s->pr_state = PR_NONE; /* measure again */
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
		    "with when no --alert is given. Above the list, each threshold with the precision "
		    "and recall it would have had on the validation cases of the model of record "
		    "(flagged cases truly of the category over those flagged, and over those of the "
		    "category), with the counts; `yujing alerts` gives the same."),
	.keys = keys,
	.open = warn_open,
	.close = warn_close,
	.draw = warn_draw,
	.key = warn_key,
	.show = warn_show,
	.reload = warn_show,
};
