/*
 * table.c - the table widget every list in the workbench uses: columns
 * sized by display width, a row cursor, an optional column cursor,
 * horizontal scrolling past frozen leading columns, sorting by any column
 * and searching.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"

#define NO_ROW ((size_t)-1)

void tui_table_init(tui_table *t, int ncols, const tui_column *cols)
{
	memset(t, 0, sizeof *t);
	t->ncols = ncols;
	t->col = calloc((size_t)ncols, sizeof *t->col);
	if (t->col)
		memcpy(t->col, cols, (size_t)ncols * sizeof *cols);
	t->ccol = -1;
	t->sort_col = -1;
	t->page = 10;
}

void tui_table_clear(tui_table *t)
{
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cell[i]);
	t->nrows = 0;
}

void tui_table_free(tui_table *t)
{
	tui_table_clear(t);
	free(t->cell);
	free(t->key);
	free(t->attr);
	free(t->order);
	free(t->col);
	free(t->search);
	memset(t, 0, sizeof *t);
}

size_t tui_table_add(tui_table *t, const char *const *cells)
{
	size_t nc = (size_t)t->ncols;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? 2 * t->cap : 16;
		char **c = realloc(t->cell, cap * nc * sizeof *c);
		if (c)
			t->cell = c;
		double *k = realloc(t->key, cap * nc * sizeof *k);
		if (k)
			t->key = k;
		int *a = realloc(t->attr, cap * nc * sizeof *a);
		if (a)
			t->attr = a;
		size_t *o = realloc(t->order, cap * sizeof *o);
		if (o)
			t->order = o;
		if (!c || !k || !a || !o)
			return NO_ROW;
		t->cap = cap;
	}
	size_t r = t->nrows++;
	for (size_t c = 0; c < nc; c++) {
		t->cell[r * nc + c] = strdup(cells[c] ? cells[c] : "");
		t->key[r * nc + c] = NAN;
		t->attr[r * nc + c] = 0;
	}
	t->order[r] = r;
	return r;
}

void tui_table_set_key(tui_table *t, size_t row, int col, double key)
{
	if (row < t->nrows && col >= 0 && col < t->ncols)
		t->key[row * (size_t)t->ncols + (size_t)col] = key;
}

void tui_table_set_attr(tui_table *t, size_t row, int col, int attr)
{
	if (row < t->nrows && col >= 0 && col < t->ncols)
		t->attr[row * (size_t)t->ncols + (size_t)col] = attr;
}

static const char *cell(const tui_table *t, size_t row, int col)
{
	const char *s = t->cell[row * (size_t)t->ncols + (size_t)col];
	return s ? s : "";
}

/* qsort_r comparison: numbers before text, NaN keys by text, then row
 * order so equal rows keep their places. */
static int cmp_rows(const void *pa, const void *pb, void *arg)
{
	const tui_table *t = arg;
	size_t a = *(const size_t *)pa, b = *(const size_t *)pb;
	int c = t->sort_col, r = 0;
	double ka = t->key[a * (size_t)t->ncols + (size_t)c], kb = t->key[b * (size_t)t->ncols + (size_t)c];
	if (!isnan(ka) && !isnan(kb))
		r = ka < kb ? -1 : ka > kb;
	else if (isnan(ka) != isnan(kb))
		return isnan(ka) ? 1 : -1; /* "-" cells last either way */
	else
		r = strcmp(cell(t, a, c), cell(t, b, c));
	if (t->sort_desc)
		r = -r;
	return r ? r : (a < b ? -1 : a > b);
}

void tui_table_sort(tui_table *t, int col, int desc)
{
	size_t keep = tui_table_row(t);
	t->sort_col = col < t->ncols ? col : -1;
	t->sort_desc = desc;
	for (size_t i = 0; i < t->nrows; i++)
		t->order[i] = i;
	if (t->sort_col >= 0 && t->nrows > 1)
		qsort_r(t->order, t->nrows, sizeof *t->order, cmp_rows, t);
	if (keep != NO_ROW)
		tui_table_select(t, keep);
	else if (t->cur >= t->nrows)
		t->cur = t->nrows ? t->nrows - 1 : 0;
}

size_t tui_table_row(const tui_table *t)
{
	return t->cur < t->nrows ? t->order[t->cur] : NO_ROW;
}

void tui_table_select(tui_table *t, size_t row)
{
	for (size_t i = 0; i < t->nrows; i++)
		if (t->order[i] == row) {
			t->cur = i;
			return;
		}
}

int tui_table_move(tui_table *t, int action)
{
	size_t old = t->cur;
	int oldc = t->ccol, oldl = t->left;
	size_t page = t->page > 1 ? (size_t)t->page - 1 : 1;
	switch (action) {
	case ACT_UP:
		if (t->cur > 0)
			t->cur--;
		break;
	case ACT_DOWN:
		if (t->cur + 1 < t->nrows)
			t->cur++;
		break;
	case ACT_PGUP:
		t->cur = t->cur > page ? t->cur - page : 0;
		break;
	case ACT_PGDN:
		t->cur = t->cur + page < t->nrows ? t->cur + page : (t->nrows ? t->nrows - 1 : 0);
		break;
	case ACT_HOME:
		t->cur = 0;
		break;
	case ACT_END:
		t->cur = t->nrows ? t->nrows - 1 : 0;
		break;
	case ACT_LEFT:
		if (t->ccol >= 0) {
			if (t->ccol > 0)
				t->ccol--;
		} else if (t->left > 0) {
			t->left--;
		}
		break;
	case ACT_RIGHT:
		if (t->ccol >= 0) {
			if (t->ccol + 1 < t->ncols)
				t->ccol++;
		} else if (t->left + 1 < t->ncols - t->frozen) {
			t->left++;
		}
		break;
	default:
		return TUI_UNHANDLED;
	}
	return old != t->cur || oldc != t->ccol || oldl != t->left ? TUI_REDRAW : TUI_KEEP;
}

/* Case-insensitive (ASCII) substring test. */
static int contains(const char *hay, const char *needle)
{
	return strcasestr(hay, needle) != NULL;
}

int tui_table_find(tui_table *t, const char *needle, int dir)
{
	if (!needle || !*needle || !t->nrows)
		return 0;
	for (size_t step = 1; step <= t->nrows; step++) {
		size_t pos = dir > 0 ? (t->cur + step) % t->nrows : (t->cur + t->nrows - step % t->nrows) % t->nrows;
		size_t row = t->order[pos];
		for (int c = 0; c < t->ncols; c++)
			if (contains(cell(t, row, c), needle)) {
				t->cur = pos;
				return 1;
			}
	}
	return 0;
}

static void search_done(void *ctx, tui_app *a, const char *text)
{
	tui_table *t = ctx;
	if (!text || !*text)
		return;
	free(t->search);
	t->search = strdup(text);
	/* Search from the row before the cursor so the cursor row counts. */
	if (t->nrows)
		t->cur = (t->cur + t->nrows - 1) % t->nrows;
	if (!tui_table_find(t, text, 1)) {
		if (t->nrows)
			t->cur = (t->cur + 1) % t->nrows;
		tui_message(a, 1, _("not found: %s"), text);
	}
	if (t->moved)
		t->moved(t, a, t->moved_ctx);
}

void tui_table_search(tui_app *a, tui_table *t)
{
	tui_input_begin(a, "/", NULL, search_done, t);
}

int tui_table_search_again(tui_app *a, tui_table *t, int dir)
{
	if (!t->search) {
		tui_message(a, 0, _("no search yet: press / first"));
		return TUI_REDRAW;
	}
	if (!tui_table_find(t, t->search, dir))
		tui_message(a, 1, _("not found: %s"), t->search);
	if (t->moved)
		t->moved(t, a, t->moved_ctx);
	return TUI_REDRAW;
}

/* Natural width of each column (header and cells, capped). */
static void widths(const tui_table *t, int *w)
{
	for (int c = 0; c < t->ncols; c++) {
		int cap = t->col[c].maxw > 0 ? t->col[c].maxw : 40;
		int hw = tui_width(t->col[c].title) + (t->sort_col == c ? 1 : 0);
		w[c] = hw;
		for (size_t r = 0; r < t->nrows && w[c] < cap; r++) {
			int cw = tui_width(cell(t, r, c));
			if (cw > w[c])
				w[c] = cw;
		}
		if (w[c] > cap)
			w[c] = cap;
	}
}

void tui_table_draw(tui_table *t, tui_rect r, int focused)
{
	if (r.h < 1 || r.w < 1 || t->ncols < 1)
		return;
	int nc = t->ncols;
	int *w = malloc(3 * (size_t)nc * sizeof *w);
	if (!w)
		return;
	int *xs = w + nc, *shown = w + 2 * nc, ns = 0, x = r.x;
	widths(t, w);
	int frozen = t->frozen < nc ? t->frozen : nc;
	/* Keep the column cursor visible. */
	int avail = r.w;
	for (int c = 0; c < frozen; c++)
		avail -= w[c] + 2;
	if (t->left < 0)
		t->left = 0;
	if (t->left > nc - frozen - 1)
		t->left = nc - frozen - 1 > 0 ? nc - frozen - 1 : 0;
	if (t->ccol >= frozen) {
		int rel = t->ccol - frozen;
		if (rel < t->left)
			t->left = rel;
		for (;;) {
			int used = 0;
			for (int c = frozen + t->left; c <= t->ccol; c++)
				used += w[c] + 2;
			if (used - 2 <= avail || t->left >= rel)
				break;
			t->left++;
		}
	}
	/* Columns to draw and their x. */
	for (int c = 0; c < nc && x < r.x + r.w; c++) {
		if (c >= frozen && c < frozen + t->left)
			continue;
		xs[ns] = x;
		shown[ns++] = c;
		x += w[c] + 2;
	}
	/* Header. */
	int head = tui_attr(TUI_C_TITLE);
	tui_fill(r.y, r.x, r.w, head);
	for (int i = 0; i < ns; i++) {
		int c = shown[i];
		char title[256];
		snprintf(title, sizeof title, "%s%s", t->col[c].title,
			 t->sort_col == c ? (t->sort_desc ? "\xe2\x86\x93" : "\xe2\x86\x91") : "");
		int cw = w[c] < r.x + r.w - xs[i] ? w[c] : r.x + r.w - xs[i];
		int attr = head | (focused && c == t->ccol ? A_REVERSE : 0);
		tui_cell(r.y, xs[i], cw, title, t->col[c].align, attr);
	}
	/* Rows. */
	int rows = r.h - 1;
	t->page = rows > 0 ? rows : 1;
	if (t->cur >= t->nrows)
		t->cur = t->nrows ? t->nrows - 1 : 0;
	if (t->cur < t->top)
		t->top = t->cur;
	if (rows > 0 && t->cur >= t->top + (size_t)rows)
		t->top = t->cur - (size_t)rows + 1;
	if (t->top + (size_t)rows > t->nrows)
		t->top = t->nrows > (size_t)rows ? t->nrows - (size_t)rows : 0;
	for (int k = 0; k < rows && t->top + (size_t)k < t->nrows; k++) {
		size_t pos = t->top + (size_t)k, row = t->order[pos];
		int y = r.y + 1 + k;
		/* The cursor row: highlighted when the table has the focus,
		 * bold when another part of the view has it. */
		int sel = pos == t->cur;
		int base = sel ? (focused ? tui_attr(TUI_C_SELECT) : (int)A_BOLD) : 0;
		if (sel && focused)
			tui_fill(y, r.x, r.w, base);
		for (int i = 0; i < ns; i++) {
			int c = shown[i];
			int cw = w[c] < r.x + r.w - xs[i] ? w[c] : r.x + r.w - xs[i];
			int attr = t->attr[row * (size_t)t->ncols + (size_t)c];
			if (sel)
				attr |= base;
			tui_cell(y, xs[i], cw, cell(t, row, c), t->col[c].align, attr);
		}
	}
	free(w);
}
