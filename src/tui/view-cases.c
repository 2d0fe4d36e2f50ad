/*
 * view-cases.c - view 5: the test cases of the active split (and the
 * unlabeled cases) as the latest trained run predicts them (true and
 * predicted category, confidence), computed by cases_predict() in a
 * worker.  `m` keeps only the misclassified ones, `/` searches by key or
 * text.  Enter opens the inspector: the case's rows per source
 * as the run's cleaning left them (cases_rows: filled and replaced cells
 * marked, with their raw values), its text with the characters that mattered most
 * highlighted, the top-5 probabilities as bars, and each branch's Shapley
 * contribution as a signed bar next to the base value: the numbers of
 * `yujing explain --json`, from the same explain_case().
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/train/cases.h"
#include "yujing/train/predict.h"

enum { A_MISS = ACT_VIEW, A_REFRESH };

static const tui_binding keys[] = {
	{ACT_ENTER, {0}, "Enter", N_("inspect the case: its rows, text, probabilities and branch contributions")},
	{A_MISS, {'m'}, "m", N_("show only the misclassified cases (and all again)")},
	{ACT_SEARCH, {0}, "/ n N", N_("search by key or text")},
	{A_REFRESH, {'r'}, "r", N_("predict again with the latest run")},
	{ACT_NONE, {0}, NULL, NULL},
};

typedef struct {
	json_t *data;   /* cases_predict() */
	long long run;  /* its run */
	unsigned gen;   /* a->data_gen it was computed at */
	int busy, loaded, failed, miss_only;
	yj_error err;
	tui_table tbl;
	/* the inspector */
	int insp;
	char *key;
	json_t *ex, *rows, *cas; /* explain_case(), cases_rows(), the case's entry: references the view holds */
	int insp_busy, insp_failed, scroll;
	yj_error insp_err;
} cases_state;

typedef struct {
	tui_job base;
	cases_state *s;
	char *key;   /* NULL: the list, else the inspector of this case */
	long long run;
	json_t *data, *ex, *rows;
} cases_job;

static void cases_job_run(tui_job *j, yj_project *p)
{
	cases_job *cj = (cases_job *)j;
	if (!cj->key) {
		j->st = cases_predict(p, 0, &cj->data, &j->err);
		return;
	}
	if ((j->st = explain_case(p, cj->run, cj->key, &cj->ex, &j->err)))
		return;
	j->st = cases_rows(p, cj->run, cj->key, &cj->rows, &j->err);
}

static void fill_table(cases_state *s)
{
	tui_table_clear(&s->tbl);
	size_t i;
	json_t *c;
	json_array_foreach(json_object_get(s->data, "cases"), i, c)
	{
		const char *label = json_string_value(json_object_get(c, "label"));
		const char *pred = json_string_value(json_object_get(c, "predicted"));
		int wrong = label && pred && strcmp(label, pred);
		if (s->miss_only && !wrong)
			continue;
		char conf[32];
		snprintf(conf, sizeof conf, "%.4f", json_number_value(json_object_get(c, "p")));
		const char *part = json_string_value(json_object_get(c, "part"));
		const char *row[] = {json_string_value(json_object_get(c, "key")),
				     !strcmp(part, "test") ? _("test") : _("unlabeled"),
				     label ? label : "-",
				     pred,
				     conf,
				     json_string_value(json_object_get(c, "text"))};
		size_t k = tui_table_add(&s->tbl, row);
		tui_table_set_key(&s->tbl, k, 4, json_number_value(json_object_get(c, "p")));
		if (wrong)
			tui_table_set_attr(&s->tbl, k, 3, tui_attr(TUI_C_BAD));
		else if (label)
			tui_table_set_attr(&s->tbl, k, 3, tui_attr(TUI_C_GOOD));
	}
	tui_table_sort(&s->tbl, s->tbl.sort_col, s->tbl.sort_desc);
}

static void cases_job_done(tui_job *j, tui_app *a)
{
	cases_job *cj = (cases_job *)j;
	cases_state *s = cj->s;
	if (cj->key) {
		s->insp_busy = 0;
		if (!s->key || strcmp(s->key, cj->key))
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
		cj->ex = cj->rows = NULL;
		return;
	}
	s->busy = 0;
	if (j->st) {
		s->failed = 1;
		s->loaded = 1;
		s->err = j->err;
		json_decref(s->data);
		s->data = NULL;
		tui_table_clear(&s->tbl);
		return;
	}
	s->failed = 0;
	s->loaded = 1;
	json_decref(s->data);
	s->data = cj->data;
	cj->data = NULL;
	s->run = json_integer_value(json_object_get(s->data, "run"));
	fill_table(s);
}

static void cases_job_destroy(tui_job *j)
{
	cases_job *cj = (cases_job *)j;
	free(cj->key);
	json_decref(cj->data);
	json_decref(cj->ex);
	json_decref(cj->rows);
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
	free(s->key);
	s->key = NULL;
	json_decref(s->ex);
	json_decref(s->rows);
	json_decref(s->cas);
	s->ex = s->rows = s->cas = NULL;
	s->scroll = 0;
}

static void open_inspector(cases_state *s, tui_app *a)
{
	size_t row = tui_table_row(&s->tbl);
	if (row == (size_t)-1)
		return;
	const char *key = s->tbl.cell[row * (size_t)s->tbl.ncols];
	json_t *c = NULL, *e;
	size_t i;
	json_array_foreach(json_object_get(s->data, "cases"), i, e)
	{
		if (!strcmp(json_string_value(json_object_get(e, "key")), key)) {
			c = e;
			break;
		}
	}
	if (!c)
		return;
	close_inspector(s);
	cases_job *cj = calloc(1, sizeof *cj);
	if (!cj)
		return;
	s->insp = 1;
	s->cas = json_incref(c); /* the list may be reloaded (and freed) meanwhile */
	s->key = strdup(json_string_value(json_object_get(c, "key")));
	cj->key = s->key ? strdup(s->key) : NULL;
	if (!cj->key) {
		free(cj);
		close_inspector(s);
		return;
	}
	tui_job_init(&cj->base, N_("explaining the case"), cases_job_run, cases_job_done, cases_job_destroy);
	cj->s = s;
	cj->run = s->run;
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
	json_decref(s->data);
	tui_table_free(&s->tbl);
	free(s);
}

/* Lines of the inspector are drawn at y - scroll when inside r. */
#define LINE_OK(y) ((y) >= r.y && (y) < r.y + r.h)

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

/* Is the character at s (n bytes) one of the explanation's top tokens? */
static int is_token(json_t *tokens, const char *s, size_t n)
{
	size_t i;
	json_t *t;
	json_array_foreach(tokens, i, t)
	{
		const char *tx = json_string_value(json_object_get(t, "text"));
		if (i < 5 && tx && strlen(tx) == n && !memcmp(tx, s, n) &&
		    json_number_value(json_object_get(t, "score")) > 0)
			return 1;
	}
	return 0;
}

static void draw_inspector(cases_state *s, tui_rect r)
{
	json_t *c = s->cas;
	char title[256], info[256];
	const char *label = json_string_value(json_object_get(c, "label"));
	snprintf(title, sizeof title, _("Case %s"), s->key ? s->key : "");
	snprintf(info, sizeof info, _("true %s · predicted %s (%.4f) · run %lld"), label ? label : "-",
		 json_string_value(json_object_get(c, "predicted")), json_number_value(json_object_get(c, "p")),
		 s->run);
	tui_heading(r.y, r.x + 1, r.w - 2, title, info);
	r.y++;
	r.h--;
	if (s->insp_failed) {
		char buf[1024];
		tui_put(r.y + 1, r.x + 2, r.w - 3, error_format(&s->insp_err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		return;
	}
	if (!s->ex) {
		tui_put(r.y + 1, r.x + 2, r.w - 3, _("explaining..."), tui_attr(TUI_C_DIM));
		return;
	}
	int y = r.y - s->scroll, x = r.x + 1, w = r.w - 2;
	/* rows per source, as the run's cleaning left them */
	size_t si;
	json_t *src;
	json_array_foreach(json_object_get(s->rows, "sources"), si, src)
	{
		json_t *rows = json_object_get(src, "rows"), *fields = json_object_get(src, "fields");
		json_t *cleaned = json_object_get(src, "cleaned"), *changes = json_object_get(src, "changes");
		if (!json_array_size(rows))
			continue;
		if (LINE_OK(y))
			tui_putf(y, x, w, tui_attr(TUI_C_TITLE),
				 P_("Source %s: %zu row, as snapshot %lld cleaned it",
				    "Source %s: %zu rows, as snapshot %lld cleaned them",
				    (unsigned long)json_array_size(rows)),
				 json_string_value(json_object_get(src, "source")), json_array_size(rows),
				 (long long)json_integer_value(json_object_get(s->rows, "snapshot")));
		y++;
		size_t ri;
		json_t *row;
		json_array_foreach(rows, ri, row)
		{
			if (ri == 8) {
				if (LINE_OK(y))
					tui_putf(y, x + 2, w - 2, tui_attr(TUI_C_DIM), _("... %zu more rows"),
						 json_array_size(rows) - 8);
				y++;
				break;
			}
			/* fields as pieces "name=value", wrapped by display width */
			int cx = x + 2;
			if (!json_is_true(json_array_get(json_object_get(src, "kept"), ri))) {
				const char *d = _("[dropped by the cleaning]");
				if (LINE_OK(y))
					tui_put(y, cx, w - 2, d, tui_attr(TUI_C_DIM));
				cx += tui_width(d) + 2;
			}
			for (size_t f = 0; f < json_array_size(row); f++) {
				const char *raw = json_string_value(json_array_get(row, f));
				const char *v = json_string_value(json_array_get(json_array_get(cleaned, ri), f));
				const char *kind = json_string_value(json_array_get(json_array_get(changes, ri), f));
				char piece[1024];
				int attr = 0;
				if (kind) {
					snprintf(piece, sizeof piece, _("%s=%s (%s; raw %s)"),
						 json_string_value(json_array_get(fields, f)), v ? v : "NULL", tui_name(kind),
						 raw ? raw : "NULL");
					attr = tui_attr(!strcmp(kind, "filled") ? TUI_C_NULLCELL : TUI_C_OUTCELL);
				} else {
					snprintf(piece, sizeof piece, "%s=%s", json_string_value(json_array_get(fields, f)),
						 v ? v : "NULL");
				}
				int pw = tui_width(piece);
				if (cx > x + 2 && cx + pw > x + w) {
					y++;
					cx = x + 4;
				}
				if (LINE_OK(y))
					tui_put(y, cx, x + w - cx, piece, attr);
				cx += pw + 2;
			}
			y++;
		}
	}
	/* the text with the top characters highlighted */
	const char *text = json_string_value(json_object_get(c, "text"));
	json_t *tokens = json_object_get(s->ex, "tokens");
	if (text && *text) {
		if (LINE_OK(y))
			tui_put(y, x, w, _("Text (highlighted: the characters that raise the prediction most)"),
				tui_attr(TUI_C_TITLE));
		y++;
		int cx = 2;
		for (const char *p = text; *p;) {
			size_t n = utf8_step(p);
			char ch[8];
			memcpy(ch, p, n);
			ch[n] = 0;
			int cw = tui_width(ch);
			if (cx + cw > w) {
				y++;
				cx = 2;
			}
			if (LINE_OK(y))
				tui_put(y, x + cx, cw, ch, is_token(tokens, p, n) ? tui_attr(TUI_C_ACCENT) | A_BOLD : 0);
			cx += cw;
			p += n;
		}
		y++;
	}
	/* top-5 probabilities */
	if (LINE_OK(y))
		tui_put(y, x, w, _("Probabilities (top 5)"), tui_attr(TUI_C_TITLE));
	y++;
	const char *k;
	json_t *v;
	int shown = 0;
	json_object_foreach(json_object_get(s->ex, "probabilities"), k, v)
	{
		if (shown++ == 5)
			break;
		if (LINE_OK(y)) {
			tui_cell(y, x + 2, 12, k, -1, 0);
			tui_putf(y, x + 15, 7, 0, "%.4f", json_number_value(v));
			tui_bar(y, x + 23, w - 24, json_number_value(v), tui_attr(TUI_C_ACCENT));
		}
		y++;
	}
	/* branch contributions */
	json_t *out = json_object_get(s->ex, "output"), *base = json_object_get(s->ex, "base");
	if (LINE_OK(y))
		tui_putf(y, x, w, tui_attr(TUI_C_TITLE), _("Branches (Shapley, %s): base logit %.4f prob %.4f → %.4f %.4f"),
			 json_string_value(json_object_get(s->ex, "predicted")),
			 json_number_value(json_object_get(base, "logit")),
			 json_number_value(json_object_get(base, "probability")),
			 json_number_value(json_object_get(out, "logit")),
			 json_number_value(json_object_get(out, "probability")));
	y++;
	double max = 0;
	size_t bi;
	json_t *b;
	json_array_foreach(json_object_get(s->ex, "branches"), bi, b)
	{
		double l = fabs(json_number_value(json_object_get(b, "logit")));
		if (l > max)
			max = l;
	}
	json_array_foreach(json_object_get(s->ex, "branches"), bi, b)
	{
		if (LINE_OK(y)) {
			tui_cell(y, x + 2, 16, json_string_value(json_object_get(b, "name")), -1, 0);
			tui_putf(y, x + 19, 20, 0, "%+.4f %+.4f", json_number_value(json_object_get(b, "logit")),
				 json_number_value(json_object_get(b, "probability")));
			signed_bar(y, x + 36, w - 36, json_number_value(json_object_get(b, "logit")), max);
		}
		y++;
	}
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
	tui_table_draw(&s->tbl, (tui_rect){r.y + 1, r.x + 1, r.h - 1, r.w - 2}, 1);
}

static int cases_key(void *st, tui_app *a, int action)
{
	cases_state *s = st;
	if (s->insp) {
		switch (action) {
		case ACT_BACK:
		case ACT_QUIT:
			close_inspector(s);
			return TUI_REDRAW;
		case ACT_UP:
			s->scroll = s->scroll > 0 ? s->scroll - 1 : 0;
			return TUI_REDRAW;
		case ACT_DOWN:
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
		    "Enter inspects one case: its rows per source, its text with the characters that "
		    "mattered most highlighted, the top-5 probabilities, and each branch's Shapley "
		    "contribution with the base value (as `yujing explain` reports them)."),
	.keys = keys,
	.open = cases_open,
	.close = cases_close,
	.draw = cases_draw,
	.key = cases_key,
	.show = cases_show,
	.reload = cases_show,
};
