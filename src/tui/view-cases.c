/*
 * view-cases.c - view 5: the test cases of the active split (and the
 * unlabeled cases) as the latest trained run predicts them (true and
 * predicted category, confidence), computed by cases_predict() in a
 * worker.  `m` keeps only the misclassified ones, `/` searches by key or
 * text.  Enter opens the inspector: the case's rows per source
 * as the run's cleaning left them (cases_rows: filled and replaced cells
 * marked, with their raw values), its text with the words (of Latin text)
 * and characters that mattered most highlighted, the top-5 probabilities as bars, and each branch's Shapley
 * contribution as a signed bar next to the base value: the numbers of
 * `yujing explain --json`, from the same explain_case().
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/text/width.h"
#include "yujing/train/alerts.h"
#include "yujing/train/cases.h"
#include "yujing/train/explain.h"
#include "yujing/train/predict.h"

enum { A_MISS = ACT_VIEW, A_REFRESH, A_SORT_KEY, A_SORT_CONF, A_SORT_CAT, A_FILTER };

static const tui_binding keys[] = {
	{ACT_ENTER, {0}, "Enter", N_("inspect the case: its rows, text, probabilities and branch contributions")},
	{A_MISS, {'m'}, "m", N_("show only the misclassified cases (and all again)")},
	{ACT_SEARCH, {0}, "/ n N", N_("search by key or text")},
	{A_REFRESH, {'r'}, "r", N_("predict again with the latest run")},
	{A_SORT_KEY, {'k'}, "k", N_("sort by key, as numbers when the keys are numbers (again: reverse)")},
	{A_SORT_CONF, {'c'}, "c", N_("sort by confidence, highest first (again: reverse)")},
	{A_SORT_CAT, {'p'}, "p", N_("sort by predicted category (again: reverse)")},
	{A_FILTER, {'f'}, "f", N_("show only the cases predicted as one category (empty: all)")},
	{ACT_NONE, {0}, NULL, NULL},
};

/* A loaded run model shared by the list and the inspectors: loaded once
 * per list, used by the explain jobs of its cases.  Jobs hold references
 * (taken and dropped on the UI thread); `lock` keeps two jobs from using
 * its forward buffers at once. */
typedef struct {
	yj_run_model rm;
	pthread_mutex_t lock;
	int refs;
} cases_model;

static cases_model *model_ref(cases_model *m)
{
	if (m)
		m->refs++;
	return m;
}

static void model_unref(cases_model *m)
{
	if (!m || --m->refs > 0)
		return;
	run_model_free(&m->rm);
	pthread_mutex_destroy(&m->lock);
	free(m);
}

typedef struct {
	yj_case_list list; /* cases_list() */
	cases_model *model; /* the model that computed it */
	long long run;      /* its run */
	unsigned gen;       /* a->data_gen it was computed at */
	int busy, loaded, failed, miss_only;
	char *only;         /* show only the cases predicted as this category, or NULL */
	yj_error err;
	tui_table tbl;
	/* the inspector */
	int insp;
	yj_case_entry cas;  /* the case, a copy: the list may be reloaded meanwhile */
	yj_explanation ex;  /* explain_case_model() */
	yj_case_rows rows;  /* cases_rows() */
	int have_ex, insp_busy, insp_failed, scroll;
	int insp_lines, insp_rows; /* the inspector's lines and the rows it had, last drawn */
	yj_error insp_err;
	/* an inspector opened from another view (tui_cases_inspect): the
	 * case is not in the list; Esc goes back to that view */
	int insp_ext, back_view;
	long long insp_run, insp_batch;
} cases_state;

typedef struct {
	tui_job base;
	cases_state *s;
	char *key;          /* NULL: the list, else the inspector of this case */
	long long run;
	int ext;            /* explain_case() with batch (no list model) */
	long long batch;
	cases_model *model; /* the list's new model, or the one the case is explained with */
	yj_case_list list;
	yj_explanation ex;
	yj_case_rows rows;
} cases_job;

/* The list: load the latest run's model and predict the cases with it. */
static void list_job_run(cases_job *cj, yj_project *p)
{
	tui_job *j = &cj->base;
	cases_model *m = calloc(1, sizeof *m);
	if (!m) {
		j->st = error_set(&j->err, YJ_ENOMEM, _("out of memory"));
		return;
	}
	if ((j->st = run_model_load(p, 0, &m->rm, &j->err))) {
		free(m);
		return;
	}
	pthread_mutex_init(&m->lock, NULL);
	m->refs = 1;
	cj->model = m;
	j->st = cases_list(&m->rm, &cj->list, &j->err);
}

static void cases_job_run(tui_job *j, yj_project *p)
{
	cases_job *cj = (cases_job *)j;
	if (!cj->key) {
		list_job_run(cj, p);
		return;
	}
	if (cj->ext) {
		/* A case of the Warnings view: of the snapshot or of a batch of
		 * new cases, with the run that predicted it. */
		j->st = explain_case(p, cj->run, cj->key, cj->batch, &cj->ex, &j->err);
		if (!j->st && !cj->batch)
			j->st = cases_rows(p, cj->run, cj->key, &cj->rows, &j->err);
		return;
	}
	pthread_mutex_lock(&cj->model->lock);
	j->st = explain_case_model(&cj->model->rm, cj->key, &cj->ex, &j->err);
	pthread_mutex_unlock(&cj->model->lock);
	if (!j->st)
		j->st = cases_rows(p, cj->run, cj->key, &cj->rows, &j->err);
}

static void fill_table(cases_state *s)
{
	tui_table_clear(&s->tbl);
	for (size_t i = 0; i < s->list.n; i++) {
		const yj_case_entry *c = &s->list.cases[i];
		int wrong = c->label && strcmp(c->label, c->predicted);
		if ((s->miss_only && !wrong) || (s->only && strcmp(c->predicted, s->only)))
			continue;
		char conf[32];
		snprintf(conf, sizeof conf, "%.4f", c->p);
		const char *row[] = {c->key, c->test ? _("test") : _("unlabeled"), c->label ? c->label : "-",
				     c->predicted, conf, c->text};
		size_t k = tui_table_add(&s->tbl, row);
		tui_table_set_key(&s->tbl, k, 4, c->p);
		char *end;
		double num = strtod(c->key, &end);
		if (end != c->key && !*end && isfinite(num)) /* a key that is a number sorts as one */
			tui_table_set_key(&s->tbl, k, 0, num);
		if (wrong)
			tui_table_set_attr(&s->tbl, k, 3, tui_attr(TUI_C_BAD));
		else if (c->label)
			tui_table_set_attr(&s->tbl, k, 3, tui_attr(TUI_C_GOOD));
	}
	tui_table_sort(&s->tbl, s->tbl.sort_col, s->tbl.sort_desc);
}

static void inspector_done(cases_job *cj, tui_app *a)
{
	cases_state *s = cj->s;
	tui_job *j = &cj->base;
	s->insp_busy = 0;
	if (!s->insp || !s->cas.key || strcmp(s->cas.key, cj->key))
		return; /* another case by now */
	if (j->st) {
		s->insp_failed = 1;
		s->insp_err = j->err;
		tui_error(a, &j->err);
		return;
	}
	s->insp_failed = 0;
	s->ex = cj->ex;
	s->rows = cj->rows;
	s->have_ex = 1;
	if (cj->ext && !s->cas.predicted) {
		/* what the run predicted, from the explanation */
		s->cas.predicted = s->ex.predicted ? strdup(s->ex.predicted) : NULL;
		s->cas.p = s->ex.out_prob;
	}
	memset(&cj->ex, 0, sizeof cj->ex);
	memset(&cj->rows, 0, sizeof cj->rows);
}

static void cases_job_done(tui_job *j, tui_app *a)
{
	cases_job *cj = (cases_job *)j;
	cases_state *s = cj->s;
	if (cj->key) {
		inspector_done(cj, a);
		return;
	}
	s->busy = 0;
	s->loaded = 1;
	cases_list_free(&s->list);
	model_unref(s->model);
	s->model = NULL;
	if (j->st) {
		s->failed = 1;
		s->err = j->err;
		tui_table_clear(&s->tbl);
		return;
	}
	s->failed = 0;
	s->list = cj->list;
	memset(&cj->list, 0, sizeof cj->list);
	s->model = cj->model;
	cj->model = NULL;
	s->run = s->list.run;
	fill_table(s);
}

static void cases_job_destroy(tui_job *j)
{
	cases_job *cj = (cases_job *)j;
	free(cj->key);
	model_unref(cj->model);
	cases_list_free(&cj->list);
	explanation_free(&cj->ex);
	cases_rows_free(&cj->rows);
	free(cj);
}

static void request(cases_state *s, tui_app *a)
{
	if (s->busy)
		return;
	cases_job *cj = calloc(1, sizeof *cj);
	if (!cj)
		return;
	tui_job_init(&cj->base, N_("predicting the test cases"), cases_job_run, cases_job_done, cases_job_destroy);
	cj->s = s;
	s->busy = 1;
	s->gen = a->data_gen;
	tui_submit(a, &cj->base);
}

static void close_inspector(cases_state *s)
{
	s->insp = 0;
	s->insp_ext = 0;
	case_entry_free(&s->cas);
	explanation_free(&s->ex);
	cases_rows_free(&s->rows);
	s->have_ex = 0;
	s->scroll = 0;
}

static void open_inspector(cases_state *s, tui_app *a)
{
	size_t row = tui_table_row(&s->tbl);
	if (row == (size_t)-1 || !s->model)
		return;
	const char *key = s->tbl.cell[row * (size_t)s->tbl.ncols];
	const yj_case_entry *c = NULL;
	for (size_t i = 0; i < s->list.n && !c; i++)
		if (!strcmp(s->list.cases[i].key, key))
			c = &s->list.cases[i];
	if (!c)
		return;
	close_inspector(s);
	cases_job *cj = calloc(1, sizeof *cj);
	if (!cj || case_entry_copy(&s->cas, c) || !(cj->key = strdup(c->key))) {
		free(cj);
		tui_message(a, 1, "%s", _("out of memory"));
		return;
	}
	s->insp = 1;
	tui_job_init(&cj->base, N_("explaining the case"), cases_job_run, cases_job_done, cases_job_destroy);
	cj->s = s;
	cj->run = s->run;
	cj->model = model_ref(s->model);
	s->insp_busy = 1;
	s->insp_failed = 0;
	tui_submit(a, &cj->base);
}

void tui_cases_inspect(tui_app *a, const char *key, long long run, long long batch)
{
	int back = a->view;
	tui_goto_view(a, VIEW_CASES);
	cases_state *s = a->vstate[VIEW_CASES];
	if (!s)
		return;
	close_inspector(s);
	cases_job *cj = calloc(1, sizeof *cj);
	if (!cj || !(s->cas.key = strdup(key)) || !(cj->key = strdup(key))) {
		free(cj);
		tui_message(a, 1, "%s", _("out of memory"));
		return;
	}
	s->cas.text = strdup("");
	s->insp = 1;
	s->insp_ext = 1;
	s->back_view = back;
	s->insp_run = run;
	s->insp_batch = batch;
	tui_job_init(&cj->base, N_("explaining the case"), cases_job_run, cases_job_done, cases_job_destroy);
	cj->s = s;
	cj->run = run;
	cj->ext = 1;
	cj->batch = batch;
	s->insp_busy = 1;
	s->insp_failed = 0;
	tui_submit(a, &cj->base);
}

static void *cases_open(tui_app *a)
{
	(void)a;
	cases_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const tui_column cols[] = {
		{_("case"), 0, 12},	 {_("part"), 0, 9},	   {_("true"), 0, 10}, {_("predicted"), 0, 10},
		{_("confidence"), 1, 10}, {_("text"), 0, 60},
	};
	tui_table_init(&s->tbl, 6, cols);
	s->tbl.ccol = -1;
	return s;
}

static void cases_close(void *st)
{
	cases_state *s = st;
	close_inspector(s);
	cases_list_free(&s->list);
	model_unref(s->model);
	tui_table_free(&s->tbl);
	free(s->only);
	free(s);
}

/* A signed bar: from the middle of w columns, right for v > 0, left for
 * v < 0, scaled so that |v| = max fills half. */
static void signed_bar(int y, int x, int w, double v, double max)
{
	int half = w / 2;
	tui_put(y, x + half, 1, "\xe2\x94\x82", tui_attr(TUI_C_DIM)); /* │ */
	if (!(max > 0) || !isfinite(v))
		return;
	double f = fabs(v) / max;
	if (f > 1)
		f = 1;
	int n = (int)lround(f * (half - 1));
	if (n == 0 && v != 0)
		n = 1;
	char buf[512];
	size_t o = 0;
	for (int i = 0; i < n && o + 4 < sizeof buf; i++) {
		memcpy(buf + o, "\xe2\x96\x88", 3);
		o += 3;
	}
	buf[o] = 0;
	if (v > 0)
		tui_put(y, x + half + 1, n, buf, tui_attr(TUI_C_GOOD));
	else
		tui_put(y, x + half - n, n, buf, tui_attr(TUI_C_BAD));
}

/* Is the unit at s (n bytes: a word or a character, explain_unit()) one
 * of the five that rank first in an n-gram branch, and one that raises
 * the prediction? */
static int is_top_unit(const yj_explanation *ex, const char *s, size_t n)
{
	int rank = 0;
	for (size_t i = 0; i < ex->nunits; i++) {
		const yj_unit_score *u = &ex->units[i];
		rank = i && !strcmp(u->branch, ex->units[i - 1].branch) ? rank + 1 : 1;
		if (rank <= 5 && u->score > 0 && strlen(u->text) == n && !memcmp(u->text, s, n))
			return 1;
	}
	return 0;
}

/* Where the inspector draws: the area, and the next line (y, before
 * scrolling is applied: a line shows when it falls inside r). */
typedef struct {
	tui_rect r;
	int y, x, w;
} pen;

static int line_ok(const pen *p)
{
	return p->y >= p->r.y && p->y < p->r.y + p->r.h;
}

/* One row's cells as pieces "name=value", wrapped by display width; a
 * changed cell shows how, with its raw value. */
static void draw_row(pen *p, const yj_case_source *src, const yj_case_row *row)
{
	int cx = p->x + 2;
	if (!row->kept) {
		const char *d = _("[dropped by the cleaning]");
		if (line_ok(p))
			tui_put(p->y, cx, p->w - 2, d, tui_attr(TUI_C_DIM));
		cx += tui_width(d) + 2;
	}
	for (size_t f = 0; f < src->nfields; f++) {
		const char *raw = row->raw[f], *v = row->cleaned[f], *kind = row->change[f];
		char piece[1024];
		int attr = 0;
		if (kind) {
			snprintf(piece, sizeof piece, _("%s=%s (%s; raw %s)"), src->fields[f], v ? v : "NULL",
				 tui_name(kind), raw ? raw : "NULL");
			attr = tui_attr(!strcmp(kind, "filled") ? TUI_C_NULLCELL : TUI_C_OUTCELL);
		} else {
			snprintf(piece, sizeof piece, "%s=%s", src->fields[f], v ? v : "NULL");
		}
		int pw = tui_width(piece);
		if (cx > p->x + 2 && cx + pw > p->x + p->w) {
			p->y++;
			cx = p->x + 4;
		}
		if (line_ok(p))
			tui_put(p->y, cx, p->x + p->w - cx, piece, attr);
		cx += pw + 2;
	}
	p->y++;
}

/* The case's rows per source, as the run's cleaning left them (eight at
 * most per source). */
static void draw_rows(pen *p, const yj_case_rows *rows)
{
	for (size_t si = 0; si < rows->nsources; si++) {
		const yj_case_source *src = &rows->sources[si];
		if (!src->nrows)
			continue;
		if (line_ok(p))
			tui_putf(p->y, p->x, p->w, tui_attr(TUI_C_TITLE),
				 P_("Source %s: %zu row, as snapshot %lld cleaned it",
				    "Source %s: %zu rows, as snapshot %lld cleaned them", (unsigned long)src->nrows),
				 src->source, src->nrows, rows->snapshot);
		p->y++;
		for (size_t ri = 0; ri < src->nrows; ri++) {
			if (ri == 8) {
				if (line_ok(p))
					tui_putf(p->y, p->x + 2, p->w - 2, tui_attr(TUI_C_DIM), _("... %zu more rows"),
						 src->nrows - 8);
				p->y++;
				break;
			}
			draw_row(p, src, &rows->sources[si].rows[ri]);
		}
	}
}

/* The case's text, wrapped, with the words and characters that raise
 * the prediction most highlighted. */
static void draw_text(pen *p, const char *text, const yj_explanation *ex)
{
	if (!text || !*text)
		return;
	if (line_ok(p))
		tui_put(p->y, p->x, p->w,
			_("Text (highlighted: the words and characters that raise the prediction most)"),
			tui_attr(TUI_C_TITLE));
	p->y++;
	int cx = 2, kind;
	for (const char *u = text, *end; *u; u = end) {
		end = u + explain_unit(u, &kind);
		int top = kind != EXPLAIN_SPACE && is_top_unit(ex, u, (size_t)(end - u));
		int attr = top ? tui_attr(TUI_C_ACCENT) | A_BOLD : 0;
		for (const char *t = u; t < end;) {
			size_t n = utf8_step(t);
			char ch[8];
			memcpy(ch, t, n);
			ch[n] = 0;
			int cw = tui_width(ch);
			if (cx + cw > p->w && cx > 2) {
				p->y++;
				cx = 2;
			}
			if (line_ok(p))
				tui_put(p->y, p->x + cx, p->w - cx, ch, attr);
			cx += cw;
			t += n;
		}
	}
	p->y++;
}

/* Each n-gram branch's scored units (words, characters) with their rank,
 * as `explain` lists them: the drop in the logit without each.  A long
 * word is cut to 24 columns. */
static void draw_units(pen *p, const yj_explanation *ex)
{
	const char *branch = NULL;
	int rank = 0, cx = p->w;
	for (size_t i = 0; i < ex->nunits; i++) {
		const yj_unit_score *c = &ex->units[i];
		if (!branch || strcmp(branch, c->branch)) {
			branch = c->branch;
			rank = 0;
			if (cx > 2)
				p->y++;
			if (line_ok(p))
				tui_putf(p->y, p->x + 2, p->w - 2, tui_attr(TUI_C_DIM),
					 _("%s, rank: word or character, drop in the logit without it"), branch);
			p->y++;
			cx = 2;
		}
		char item[160], cut[128];
		const char *text = c->text;
		if (tui_width(text) > 24)
			text = width_fit(text, 24, -1, cut, sizeof cut);
		snprintf(item, sizeof item, "%d. %s %+.4f", ++rank, text, c->score);
		int w = tui_width(item) + 3;
		if (cx + w > p->w && cx > 2) {
			p->y++;
			cx = 2;
		}
		if (line_ok(p))
			tui_put(p->y, p->x + cx, p->w - cx, item, c->score > 0 && rank <= 5 ? tui_attr(TUI_C_ACCENT) : 0);
		cx += w;
	}
	if (ex->nunits)
		p->y++;
}

/* The top-5 probabilities as bars. */
static void draw_probabilities(pen *p, const yj_explanation *ex)
{
	if (line_ok(p))
		tui_put(p->y, p->x, p->w, _("Probabilities (top 5)"), tui_attr(TUI_C_TITLE));
	p->y++;
	/* the names as wide as the longest, up to a third of the screen */
	int lw = 12;
	for (int k = 0; k < ex->ntop; k++) {
		int w = tui_width(ex->top[k].category);
		lw = w > lw ? w : lw;
	}
	if (lw > p->w / 3)
		lw = p->w / 3 > 12 ? p->w / 3 : 12;
	for (int k = 0; k < ex->ntop; k++) {
		if (line_ok(p)) {
			tui_cell(p->y, p->x + 2, lw, ex->top[k].category, -1, 0);
			tui_putf(p->y, p->x + lw + 3, 7, 0, "%.4f", ex->top[k].p);
			tui_bar(p->y, p->x + lw + 11, p->w - lw - 12, ex->top[k].p, tui_attr(TUI_C_ACCENT));
		}
		p->y++;
	}
}

/* Each branch's Shapley contribution as a signed bar, after the base
 * value and the output they add up to. */
static void draw_branches(pen *p, const yj_explanation *ex)
{
	if (line_ok(p))
		tui_putf(p->y, p->x, p->w, tui_attr(TUI_C_TITLE),
			 _("Branches (Shapley, %s): base logit %.4f prob %.4f → %.4f %.4f"), ex->predicted, ex->base_logit,
			 ex->base_prob, ex->out_logit, ex->out_prob);
	p->y++;
	if (line_ok(p)) {
		tui_put(p->y, p->x + 19, 7, _("logit"), tui_attr(TUI_C_DIM));
		tui_put(p->y, p->x + 27, 9, _("prob."), tui_attr(TUI_C_DIM));
	}
	p->y++;
	double max = 0;
	for (size_t i = 0; i < ex->nbranches; i++)
		if (fabs(ex->branches[i].logit) > max)
			max = fabs(ex->branches[i].logit);
	for (size_t i = 0; i < ex->nbranches; i++) {
		const yj_branch_share *b = &ex->branches[i];
		if (line_ok(p)) {
			tui_cell(p->y, p->x + 2, 16, b->name, -1, 0);
			tui_putf(p->y, p->x + 19, 20, 0, "%+.4f %+.4f", b->logit, b->probability);
			signed_bar(p->y, p->x + 36, p->w - 36, b->logit, max);
		}
		p->y++;
	}
}

/* Each structured source's value split into its fields' shares (with
 * the source's row count and the gap between its baseline and its vector
 * at the mean inputs: they add up to the source's value), standard
 * errors when sampled. */
static void draw_fields(pen *p, const yj_explanation *ex)
{
	if (!ex->nfields)
		return;
	if (line_ok(p))
		tui_put(p->y, p->x, p->w, _("Fields (each source's Shapley value split into its fields' shares)"),
			tui_attr(TUI_C_TITLE));
	p->y++;
	int sampled = 0;
	double max = 0;
	for (size_t i = 0; i < ex->nfields; i++) {
		sampled |= ex->fields[i].sampled;
		if (fabs(ex->fields[i].logit) > max)
			max = fabs(ex->fields[i].logit);
	}
	int bx = sampled ? 52 : 44;
	if (line_ok(p)) {
		tui_put(p->y, p->x + 27, 7, _("logit"), tui_attr(TUI_C_DIM));
		tui_put(p->y, p->x + 35, 9, _("prob."), tui_attr(TUI_C_DIM));
		if (sampled)
			tui_put(p->y, p->x + 43, 8, _("± s.e."), tui_attr(TUI_C_DIM));
	}
	p->y++;
	for (size_t i = 0; i < ex->nfields; i++) {
		const yj_field_share *f = &ex->fields[i];
		if (line_ok(p)) {
			char label[512];
			const char *name = f->part == FIELD_ROWS  ? _("(row count)")
					   : f->part == FIELD_GAP ? _("(baseline gap)")
								  : f->field;
			snprintf(label, sizeof label, "%s \xe2\x80\xba %s", f->branch, name); /* › */
			tui_cell(p->y, p->x + 2, 24, label, -1, 0);
			tui_putf(p->y, p->x + 27, 16, 0, "%+.4f %+.4f", f->logit, f->probability);
			if (f->sampled)
				tui_putf(p->y, p->x + 43, 8, 0, "\xc2\xb1%.4f", f->se_logit);
			if (p->w > bx + 4)
				signed_bar(p->y, p->x + bx, p->w - bx, f->logit, max);
		}
		p->y++;
	}
}

static void draw_inspector(cases_state *s, tui_rect r)
{
	s->insp_lines = 0; /* until an explanation is drawn: no scrolling */
	const yj_case_entry *c = &s->cas;
	char title[256], info[256];
	if (s->insp_ext && s->insp_batch)
		snprintf(title, sizeof title, _("Case %s (new, batch %lld)"), c->key ? c->key : "", s->insp_batch);
	else
		snprintf(title, sizeof title, _("Case %s"), c->key ? c->key : "");
	snprintf(info, sizeof info, _("true %s · predicted %s (%.4f) · run %lld"), c->label ? c->label : "-",
		 c->predicted ? c->predicted : "-", c->p, s->insp_ext ? s->insp_run : s->run);
	tui_heading(r.y, r.x + 1, r.w - 2, title, info);
	r.y++;
	r.h--;
	if (s->insp_failed) {
		char buf[1024];
		tui_put(r.y + 1, r.x + 2, r.w - 3, error_format(&s->insp_err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		return;
	}
	if (!s->have_ex) {
		tui_put(r.y + 1, r.x + 2, r.w - 3, _("explaining..."), tui_attr(TUI_C_DIM));
		return;
	}
	pen p = {r, r.y - s->scroll, r.x + 1, r.w - 2};
	draw_rows(&p, &s->rows);
	draw_text(&p, c->text, &s->ex);
	draw_probabilities(&p, &s->ex);
	draw_branches(&p, &s->ex);
	draw_fields(&p, &s->ex);
	draw_units(&p, &s->ex);
	s->insp_lines = p.y - (r.y - s->scroll);
	s->insp_rows = r.h;
}

static void cases_draw(void *st, tui_app *a, tui_rect r)
{
	cases_state *s = st;
	if (s->insp) {
		draw_inspector(s, r);
		return;
	}
	char title[128];
	if (s->miss_only)
		snprintf(title, sizeof title, _("Cases: %zu misclassified (run %lld)"), s->tbl.nrows, s->run);
	else if (s->only)
		snprintf(title, sizeof title, _("Cases (%zu predicted %s, run %lld)"), s->tbl.nrows, s->only, s->run);
	else
		snprintf(title, sizeof title, _("Cases (%zu, run %lld)"), s->tbl.nrows, s->run);
	tui_heading(r.y, r.x + 1, r.w - 2, s->loaded && !s->failed ? title : _("Cases"),
		    _("Enter inspect · m misclassified · / search"));
	if (!s->loaded) {
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("predicting the test cases..."), tui_attr(TUI_C_DIM));
		return;
	}
	if (s->failed) {
		if (s->err.status == YJ_ENOTFOUND || !a->run) {
			const char *p[] = {_("No trained run yet"),
					   _("Train one in view 4; the test cases then show here with the predicted category.")};
			tui_paragraphs((tui_rect){r.y + 1, r.x, r.h - 1, r.w}, p, 2, 0);
		} else {
			char buf[1024];
			tui_put(r.y + 2, r.x + 2, r.w - 3, error_format(&s->err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		}
		return;
	}
	/* Category names as wide as the screen allows (a fifth each). */
	int cw = r.w / 5 < 10 ? 10 : r.w / 5 > 40 ? 40 : r.w / 5;
	s->tbl.col[2].maxw = s->tbl.col[3].maxw = cw;
	tui_table_draw(&s->tbl, (tui_rect){r.y + 1, r.x + 1, r.h - 1, r.w - 2}, 1);
}

/* Sort by column col, descending first when desc_first; the same column
 * again reverses. */
static void sort_by(cases_state *s, int col, int desc_first)
{
	tui_table_sort(&s->tbl, col, s->tbl.sort_col == col ? !s->tbl.sort_desc : desc_first);
}

static void filter_done(void *ctx, tui_app *a, const char *text)
{
	cases_state *s = ctx;
	if (!text)
		return;
	if (!*text) {
		free(s->only);
		s->only = NULL;
		fill_table(s);
		a->dirty = 1;
		return;
	}
	/* the categories the run predicts */
	const json_t *labels = s->model ? s->model->rm.labels : NULL;
	size_t n = json_array_size(labels);
	const char **known = malloc((n ? n : 1) * sizeof *known);
	char *dup = strdup(text);
	if (!known || !dup) {
		free(known);
		free(dup);
		tui_message(a, 1, _("out of memory"));
		return;
	}
	for (size_t i = 0; i < n; i++)
		known[i] = json_string_value(json_array_get(labels, i));
	yj_error err;
	error_clear(&err);
	if (thresholds_check_category(text, known, n, &err)) {
		free(known);
		free(dup);
		tui_error(a, &err);
		return;
	}
	free(known);
	free(s->only);
	s->only = dup;
	fill_table(s);
	a->dirty = 1;
}

static int cases_key(void *st, tui_app *a, int action)
{
	cases_state *s = st;
	if (s->insp) {
		switch (action) {
		case ACT_BACK:
		case ACT_QUIT: {
			int ext = s->insp_ext, back = s->back_view;
			close_inspector(s);
			if (ext)
				tui_goto_view(a, back);
			return TUI_REDRAW;
		}
		case ACT_UP:
			s->scroll = s->scroll > 0 ? s->scroll - 1 : 0;
			return TUI_REDRAW;
		case ACT_DOWN:
			if (s->scroll + s->insp_rows < s->insp_lines) /* not past the last line */
				s->scroll++;
			return TUI_REDRAW;
		case ACT_HOME:
			s->scroll = 0;
			return TUI_REDRAW;
		}
		return TUI_UNHANDLED;
	}
	switch (action) {
	case ACT_ENTER:
		open_inspector(s, a);
		return TUI_REDRAW;
	case A_MISS:
		s->miss_only = !s->miss_only;
		fill_table(s);
		return TUI_REDRAW;
	case A_REFRESH:
		request(s, a);
		return TUI_REDRAW;
	case A_SORT_KEY:
		sort_by(s, 0, 0);
		return TUI_REDRAW;
	case A_SORT_CONF:
		sort_by(s, 4, 1);
		return TUI_REDRAW;
	case A_SORT_CAT:
		sort_by(s, 3, 0);
		return TUI_REDRAW;
	case A_FILTER:
		tui_input_begin(a, _("only the cases predicted as (empty: all): "), s->only ? s->only : "", filter_done,
				s);
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

static void cases_show(void *st, tui_app *a)
{
	cases_state *s = st;
	if (!s->loaded || s->gen != a->data_gen || s->run != a->run)
		request(s, a);
}

const tui_view_ops tui_view_cases = {
	.title = N_("Cases"),
	.about = N_("The test cases of the active split (and the unlabeled ones) with their true and "
		    "predicted category and the confidence, as the latest trained run predicts them. "
		    "Enter inspects one case: its rows per source, its text with the words and characters "
		    "that mattered most highlighted, the top-5 probabilities, each branch's Shapley "
		    "contribution with the base value, and the units ranked with their scores (as "
		    "`yujing explain` reports them)."),
	.keys = keys,
	.open = cases_open,
	.close = cases_close,
	.draw = cases_draw,
	.key = cases_key,
	.show = cases_show,
	.reload = cases_show,
};
