/*
 * test-tui-draw.c - the workbench's drawing primitives (src/tui/draw.c), its
 * plot's y axis (src/tui/plot.c),
 * table widget (src/tui/table.c) and its one-line editor (src/tui/input.c),
 * drawn on a curses screen that is never shown (output to /dev/null) and
 * read back cell by cell.  Every expected
 * line is written out by hand: a CJK character takes two columns, "█" is a
 * whole column of a bar and "▌" half of one, a table column is as wide as
 * its widest cell (or title), columns two blanks apart.
 *
 * tui_message (app.c) is given a stub here, so the test links only draw.o,
 * table.o and input.o of libtui.a; the app is a zeroed tui_app.
 */
#include <config.h>

#include <curses.h>
#include <locale.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>

#include "tap.h"
#include "tui.h"
#include "yujing/base/utf8.h"

/* ------------------------------------------------------------ stubs */

static char last_message[256];

void tui_message(tui_app *a, int kind, const char *fmt, ...)
{
	(void)a;
	(void)kind;
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(last_message, sizeof last_message, fmt, ap);
	va_end(ap);
}

static tui_app app;

/* Type text into the open input line, one character (code point) a key. */
static void type(const char *s)
{
	while (*s) {
		uint32_t cp;
		int k = utf8_decode((const unsigned char *)s, strlen(s), &cp);
		tui_input_key(&app, (int)cp, 0);
		s += k > 0 ? k : 1;
	}
}

static char answer[2048];
static int answered, cancelled;

static void got(void *ctx, tui_app *a, const char *text)
{
	(void)ctx;
	(void)a;
	answered++;
	cancelled = !text;
	snprintf(answer, sizeof answer, "%s", text ? text : "");
}

/* Open the input with initial text, run keys (is_key: curses KEY_ codes). */
static void open_input(const char *initial)
{
	answered = cancelled = 0;
	answer[0] = '\0';
	tui_input_begin(&app, "/", initial, got, NULL);
}

/* ------------------------------------------------------------ screen */

/* Row y from column x, w columns, as UTF-8 (a wide character once). */
static const char *row_text(int y, int x, int w)
{
	static char out[4096];
	size_t o = 0;
	for (int c = x; c < x + w && c < COLS; c++) {
		cchar_t cc;
		wchar_t wc[CCHARW_MAX + 1];
		attr_t at;
		short pair;
		if (mvin_wch(y, c, &cc) == ERR)
			break;
		if (getcchar(&cc, wc, &at, &pair, NULL) == ERR)
			break;
		/* the second column of a wide character repeats it */
		if (c > x && wcwidth(wc[0]) == 2) {
			cchar_t prev;
			wchar_t pw[CCHARW_MAX + 1];
			if (mvin_wch(y, c - 1, &prev) != ERR && getcchar(&prev, pw, &at, &pair, NULL) != ERR &&
			    pw[0] == wc[0] && o >= 3) {
				/* compare with what was written last */
				char mb[8];
				int k = wctomb(mb, wc[0]);
				if (k > 0 && o >= (size_t)k && !memcmp(out + o - k, mb, (size_t)k))
					continue;
			}
		}
		char mb[8];
		int k = wctomb(mb, wc[0]);
		if (k <= 0)
			mb[0] = '?', k = 1;
		if (o + (size_t)k + 1 >= sizeof out)
			break;
		memcpy(out + o, mb, (size_t)k);
		o += (size_t)k;
	}
	out[o] = '\0';
	return out;
}

/* Row y, trailing blanks cut. */
static const char *line(int y)
{
	static char buf[4096];
	snprintf(buf, sizeof buf, "%s", row_text(y, 0, COLS));
	size_t n = strlen(buf);
	while (n && buf[n - 1] == ' ')
		buf[--n] = '\0';
	return buf;
}

static int attr_at(int y, int x)
{
	cchar_t cc;
	wchar_t wc[CCHARW_MAX + 1];
	attr_t at = 0;
	short pair;
	if (mvin_wch(y, x, &cc) != ERR)
		getcchar(&cc, wc, &at, &pair, NULL);
	return (int)(at & (A_BOLD | A_REVERSE | A_UNDERLINE | A_DIM));
}

static void blank(void)
{
	attrset(A_NORMAL);
	erase();
}

#define is_line(y, want, ...) is_str(line(y), want, __VA_ARGS__)

/* ------------------------------------------------------------ draw.c */

static void test_put_cell(void)
{
	blank();
	int used = tui_put(0, 2, 5, "abcdefg", A_NORMAL);
	is_line(0, "  abcde", "tui_put cuts at the width");
	ok(used == 5, "tui_put returns the columns used (%d)", used);
	blank();
	used = tui_put(1, 0, 5, "中文字", A_NORMAL);
	is_line(1, "中文", "tui_put never cuts a CJK character in half (5 columns: two characters)");
	ok(used == 4, "tui_put: two CJK characters use 4 columns (%d)", used);
	blank();
	tui_put(0, 0, 10, "a\tb\x01" "c", A_NORMAL);
	is_line(0, "a b c", "tui_put: control characters become spaces");
	blank();
	tui_put(0, 0, 10, "a\xff" "b", A_NORMAL);
	is_line(0, "a?b", "tui_put: a byte that is not UTF-8 becomes '?'");
	blank();
	ok(tui_put(0, 0, 0, "abc", A_NORMAL) == 0 && !strcmp(line(0), ""), "tui_put: width 0 draws nothing");

	blank();
	tui_cell(0, 0, 6, "ab", 1, A_NORMAL);
	tui_cell(0, 6, 6, "cd", 0, A_NORMAL);
	tui_cell(0, 12, 4, "中文", 1, A_NORMAL);
	is_line(0, "    abcd    中文", "tui_cell: right-aligned, left-aligned, exactly full");
	blank();
	tui_cell(0, 0, 4, "abcdef", 0, A_NORMAL);
	tui_put(0, 4, 1, "|", A_NORMAL);
	is_line(0, "abc…|", "tui_cell: a cell too long ends in an ellipsis within its width");
	blank();
	tui_cell(0, 0, 5, "中文字", 0, A_NORMAL);
	tui_put(0, 5, 1, "|", A_NORMAL);
	is_line(0, "中文…|", "tui_cell: CJK text cut to 4 columns and the ellipsis");

	blank();
	tui_fill(0, 0, 10, A_REVERSE);
	tui_put(0, 2, 3, "abc", A_BOLD);
	ok(attr_at(0, 0) == (int)A_REVERSE && attr_at(0, 9) == (int)A_REVERSE && attr_at(0, 10) == 0,
	   "tui_fill: exactly its width, in its attribute");
	ok(attr_at(0, 2) == (int)A_BOLD && attr_at(0, 4) == (int)A_BOLD, "tui_put draws in its attribute");
	tui_put(0, 12, 3, "xyz", A_NORMAL);
	ok(attr_at(0, 12) == 0, "tui_put restores the attribute it found");

	blank();
	tui_hline(0, 1, 4, A_NORMAL);
	is_line(0, " ────", "tui_hline: w columns of U+2500");
}

static void test_bar(void)
{
	blank();
	tui_bar(0, 0, 10, 0.5, A_NORMAL);
	tui_put(0, 10, 1, "|", A_NORMAL);
	is_line(0, "█████     |", "tui_bar 0.5 of 10: five whole blocks");
	blank();
	tui_bar(0, 0, 10, 0.25, A_NORMAL);
	is_line(0, "██▌", "tui_bar 0.25 of 10: two blocks and a half (20 eighths)");
	blank();
	tui_bar(0, 0, 4, 0.03125, A_NORMAL);
	is_line(0, "▏", "tui_bar 1/32 of 4: one eighth");
	blank();
	tui_bar(0, 0, 10, 0.001, A_NORMAL);
	is_line(0, "▏", "tui_bar: a tiny fraction still shows one eighth");
	blank();
	tui_bar(0, 0, 10, 0, A_NORMAL);
	is_line(0, "", "tui_bar 0: nothing");
	blank();
	tui_bar(0, 0, 3, 2.0, A_NORMAL);
	is_line(0, "███", "tui_bar above 1: full, never wider");
	blank();
	tui_bar(0, 0, 3, NAN, A_NORMAL);
	is_line(0, "", "tui_bar NaN: nothing");
	blank();
	tui_bar(0, 0, 10, 0.36, A_NORMAL); /* 28.8 eighths round to 29: 3 blocks and 5/8 */
	is_line(0, "███▋", "tui_bar 0.36 of 10: eighths rounded, not cut");
	blank();
	tui_bar(0, 0, 8, 0.9375, A_NORMAL); /* 60 eighths: 7 blocks and 4/8 */
	is_line(0, "███████▌", "tui_bar 15/16 of 8: seven blocks and a half");
	blank();
	tui_bar(0, 0, 8, 0.984375, A_NORMAL); /* 63 eighths: 7 blocks and 7/8 */
	is_line(0, "███████▉", "tui_bar 63/64 of 8: seven blocks and seven eighths");
}

static void test_wrap(void)
{
	size_t skip;
	size_t n = tui_wrap("hello world foo", 12, &skip);
	ok(n == 11 && skip == 12, "tui_wrap: \"hello world\" in 12 (%zu, skip %zu)", n, skip);
	n = tui_wrap("hello world foo", 10, &skip);
	ok(n == 5 && skip == 6, "tui_wrap: at 10, breaks after \"hello\" (%zu, skip %zu)", n, skip);
	n = tui_wrap("hello world foo", 11, &skip);
	ok(n == 11 && skip == 12, "tui_wrap: \"hello world\" fills 11 exactly, the blank after it skipped (%zu, skip %zu)", n, skip);
	n = tui_wrap("ab cd", 2, &skip);
	ok(n == 2 && skip == 3, "tui_wrap: \"ab\" fills 2, not cut inside the next word (%zu, skip %zu)", n, skip);
	n = tui_wrap("abcdefghij", 4, &skip);
	ok(n == 4 && skip == 4, "tui_wrap: a word longer than the line is cut (%zu, skip %zu)", n, skip);
	n = tui_wrap("ab\ncd", 10, &skip);
	ok(n == 2 && skip == 3, "tui_wrap: a newline ends the line (%zu, skip %zu)", n, skip);
	n = tui_wrap("中文字", 5, &skip);
	ok(n == 6 && skip == 6, "tui_wrap: two CJK characters (6 bytes) in 5 columns (%zu, skip %zu)", n, skip);
	n = tui_wrap("abc", 10, &skip);
	ok(n == 3 && skip == 3, "tui_wrap: the whole text (%zu, skip %zu)", n, skip);

	/* Paragraphs: 30 columns wide, text 26 wide, centred (x 2), from y 1. */
	blank();
	const char *paras[] = {"Title here", "one two three four five six seven", "last"};
	tui_paragraphs((tui_rect){0, 0, 10, 30}, paras, 3, A_NORMAL);
	is_line(0, "", "tui_paragraphs: the first line is left blank");
	is_line(1, "  Title here", "tui_paragraphs: the title at x 2 (26 of 30 columns, centred)");
	is_line(2, "", "tui_paragraphs: a blank line after a paragraph");
	is_line(3, "  one two three four five", "tui_paragraphs: wrapped at 26 columns");
	is_line(4, "  six seven", "tui_paragraphs: the rest of the paragraph");
	is_line(5, "", "tui_paragraphs: a blank line");
	is_line(6, "  last", "tui_paragraphs: the third paragraph");
	ok(attr_at(1, 2) == tui_attr(TUI_C_TITLE) && attr_at(3, 2) == 0,
	   "tui_paragraphs: the first paragraph in the title attribute, the others in theirs");
	blank();
	tui_paragraphs((tui_rect){0, 0, 4, 30}, paras, 3, A_NORMAL);
	is_line(3, "  one two three four five", "tui_paragraphs: the last row of the rectangle is used");
	is_line(4, "", "tui_paragraphs: nothing below the rectangle");
	/* A blank line inside a paragraph is drawn, and the text after it. */
	const char *gap[] = {"T", "one\n\ntwo"};
	blank();
	tui_paragraphs((tui_rect){0, 0, 10, 30}, gap, 2, A_NORMAL);
	is_line(3, "  one", "tui_paragraphs: the line before a blank line");
	is_line(4, "", "tui_paragraphs: the blank line inside a paragraph");
	is_line(5, "  two", "tui_paragraphs: the text after a blank line inside a paragraph");
	/* A line of more bytes than the paragraph's line buffer (1024): "a"
	 * and 700 combining acute accents (2 bytes, no width each), then "b". */
	static char heavy[1600];
	size_t o = 0;
	heavy[o++] = 'a';
	for (int i = 0; i < 700; i++) {
		heavy[o++] = '\xcc';
		heavy[o++] = '\x81';
	}
	heavy[o++] = 'b';
	heavy[o] = '\0';
	const char *hp[] = {"T", heavy};
	blank();
	tui_paragraphs((tui_rect){0, 0, 6, 30}, hp, 2, A_NORMAL);
	ok(!strncmp(line(3), "  a", 3), "tui_paragraphs: a line longer than its buffer is cut, not overrun");
	blank();
	tui_paragraphs((tui_rect){2, 1, 6, 12}, paras, 2, A_NORMAL);
	/* 12 - 4 is under 10: the whole width, from x 1 */
	is_line(3, " Title here", "tui_paragraphs: a narrow area uses its whole width");
	is_line(4, "", "tui_paragraphs: narrow, the blank line");
	is_line(5, " one two", "tui_paragraphs: narrow, wrapped at 12 columns");
	is_line(6, " three four", "tui_paragraphs: narrow, the next line");
	is_line(7, " five six", "tui_paragraphs: narrow, the last row of the area (y 2 + 6 - 1)");
	is_line(8, "", "tui_paragraphs: narrow, nothing below the area");
}

static void test_heading(void)
{
	blank();
	tui_heading(0, 0, 20, "Title", "extra");
	is_line(0, "Title          extra", "tui_heading: the extra right-aligned at the end of the width");
	ok(attr_at(0, 15) == tui_attr(TUI_C_DIM), "tui_heading: the extra dim");
	blank();
	tui_heading(0, 0, 12, "Title", "long extra");
	is_line(0, "Title  long…", "tui_heading: the extra shortened to keep two columns after the title");
	blank();
	tui_heading(0, 0, 7, "Title", "x");
	is_line(0, "Title", "tui_heading: no room for the extra");

	char b[32];
	tui_fmt_num(NAN, b, sizeof b);
	is_str(b, "-", "tui_fmt_num NaN");
	tui_fmt_num(0.1234567, b, sizeof b);
	is_str(b, "0.123457", "tui_fmt_num: six significant digits");
	tui_fmt_rate(0.125, b, sizeof b);
	is_str(b, "12.50%", "tui_fmt_rate 0.125");
	tui_fmt_rate(NAN, b, sizeof b);
	is_str(b, "-", "tui_fmt_rate NaN");
	is_str(tui_name("median"), "median", "tui_name: a known name (C locale)");
	is_str(tui_name("whatever"), "whatever", "tui_name: an unknown name as it is");
	is_str(tui_name(NULL), "", "tui_name NULL");
	ok(tui_width("中文ab") == 6, "tui_width: CJK two columns each");
}

/* ------------------------------------------------------------ table.c */

static void fill3(tui_table *t)
{
	const char *r0[] = {"b", "10", "x"}, *r1[] = {"a", "9", "yy"}, *r2[] = {"c", "-", "zzz"};
	size_t i = tui_table_add(t, r0);
	tui_table_set_key(t, i, 1, 10);
	i = tui_table_add(t, r1);
	tui_table_set_key(t, i, 1, 9);
	tui_table_add(t, r2);
}

static void test_table_draw(void)
{
	tui_column cols[] = {{"name", 0, 0}, {"n", 1, 0}, {"note", 0, 0}};
	tui_table t;
	tui_table_init(&t, 3, cols);
	fill3(&t);
	/* widths: name 4, n 2 ("10"), note 4 */
	blank();
	tui_table_draw(&t, (tui_rect){1, 1, 5, 40}, 1);
	is_line(1, " name   n  note", "table: the header, columns as wide as their widest, two blanks apart");
	is_line(2, " b     10  x", "table: row 1, numbers right-aligned");
	is_line(3, " a      9  yy", "table: row 2");
	is_line(4, " c      -  zzz", "table: row 3");
	is_line(5, "", "table: nothing after the rows");
	ok(attr_at(1, 1) == tui_attr(TUI_C_TITLE), "table: the header in the title attribute");
	ok(attr_at(2, 1) == tui_attr(TUI_C_SELECT) && attr_at(2, 40) == tui_attr(TUI_C_SELECT) &&
	       attr_at(2, 41) == 0,
	   "table: the cursor row highlighted across the table's width");
	ok(attr_at(3, 1) == 0, "table: other rows plain");
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 40}, 0);
	ok(attr_at(1, 0) == (int)A_BOLD && attr_at(1, 10) == (int)A_BOLD && attr_at(1, 4) == 0 && attr_at(1, 20) == 0,
	   "table: unfocused, the cursor row's cells bold, not the gaps nor the rest of the line");

	/* A cell's attribute. */
	tui_table_set_attr(&t, 1, 2, A_UNDERLINE);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 40}, 1);
	ok(attr_at(2, 12) == (int)A_UNDERLINE && attr_at(2, 0) == 0 && attr_at(1, 12) != (int)A_UNDERLINE,
	   "table: a cell's attribute on that cell only (row 2, column 3)");

	/* Sorting: by n ascending, "-" last; descending, "-" still last. */
	tui_table_sort(&t, 1, 0);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 40}, 1);
	is_line(0, "name  n↑  note", "table: the sort column marked ↑ (\"n↑\" as wide as \"10\")");
	is_line(1, "a      9  yy", "table sorted by n: 9 first");
	is_line(2, "b     10  x", "table sorted by n: 10 (a number, not text: \"10\" < \"9\")");
	is_line(3, "c      -  zzz", "table sorted by n: no number last");
	ok(tui_table_row(&t) == 0 && attr_at(2, 0) == tui_attr(TUI_C_SELECT),
	   "table: the cursor stays on its row (b) through the sort");
	/* The cursor on a (position 0 of the ascending order, row 1): the
	 * descending sort keeps it on a (now position 1). */
	t.cur = 0;
	tui_table_sort(&t, 1, 1);
	ok(tui_table_row(&t) == 1 && t.cur == 1, "table: the cursor follows its row (a) through a re-sort (%zu)",
	   t.cur);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 40}, 1);
	is_line(0, "name  n↓  note", "table: descending marked ↓");
	is_line(1, "b     10  x", "table descending: 10 first");
	is_line(2, "a      9  yy", "table descending: 9 second");
	is_line(3, "c      -  zzz", "table descending: no number still last");
	tui_table_sort(&t, 0, 1);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 40}, 1);
	is_line(0, "name↓   n  note", "table by name: \"name↓\" makes the column one wider");
	is_line(1, "c       -  zzz", "table by name descending (text): c first");
	is_line(2, "b      10  x", "table by name descending: b");
	is_line(3, "a       9  yy", "table by name descending: a last");
	tui_table_sort(&t, -1, 0);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 40}, 1);
	is_line(1, "b     10  x", "table unsorted: the order rows were added");

	/* Movement. */
	t.cur = 0;
	ok(tui_table_move(&t, ACT_UP) == TUI_KEEP && t.cur == 0, "table: up at the top keeps");
	ok(tui_table_move(&t, ACT_DOWN) == TUI_REDRAW && t.cur == 1, "table: down");
	ok(tui_table_move(&t, ACT_END) == TUI_REDRAW && t.cur == 2, "table: end, the last row");
	ok(tui_table_move(&t, ACT_DOWN) == TUI_KEEP && t.cur == 2, "table: down at the bottom keeps");
	ok(tui_table_move(&t, ACT_HOME) == TUI_REDRAW && t.cur == 0, "table: home");
	ok(tui_table_move(&t, ACT_ENTER) == TUI_UNHANDLED, "table: enter is not a movement");

	/* Search, case-insensitive, wrapping. */
	ok(tui_table_find(&t, "YY", 1) == 1 && t.cur == 1, "table: find YY (row 2)");
	ok(tui_table_find(&t, "z", 1) == 1 && t.cur == 2, "table: find z forward");
	ok(tui_table_find(&t, "x", 1) == 1 && t.cur == 0, "table: find forward wraps to the top");
	ok(tui_table_find(&t, "zzz", -1) == 1 && t.cur == 2, "table: find backward wraps to the bottom");
	ok(tui_table_find(&t, "q", 1) == 0 && t.cur == 2, "table: not found leaves the cursor");
	/* "/" search: the cursor row counts. */
	t.cur = 1;
	tui_table_search(&app, &t);
	ok(app.input != NULL, "table: / asks for the text");
	last_message[0] = '\0';
	type("yy");
	tui_input_key(&app, '\r', 0);
	ok(t.cur == 1 && !last_message[0], "table: / finds the cursor row itself");
	tui_table_search(&app, &t);
	type("nope");
	tui_input_key(&app, '\r', 0);
	ok(t.cur == 1 && !strcmp(last_message, "not found: nope"), "table: / not found: cursor kept, said so");
	t.cur = 0;
	tui_table_search_again(&app, &t, 1);
	ok(t.cur == 0 && !strcmp(last_message, "not found: nope"), "table: n repeats the last search");
	tui_table_free(&t);
}

static void test_table_scroll(void)
{
	/* 30 rows, 5 shown (a header and 4 rows). */
	tui_column cols[] = {{"i", 1, 0}};
	tui_table t;
	tui_table_init(&t, 1, cols);
	for (int i = 0; i < 30; i++) {
		char b[8];
		snprintf(b, sizeof b, "%d", i);
		const char *r[] = {b};
		tui_table_add(&t, r);
	}
	/* Two directions: from row "0", the next row holding a 1 is "1", the
	 * previous one (wrapping to the end) is "21". */
	int found = tui_table_find(&t, "1", 1);
	ok(found && t.cur == 1, "table: n finds the next match (%zu)", t.cur);
	t.cur = 0;
	found = tui_table_find(&t, "1", -1);
	ok(found && t.cur == 21, "table: N finds the previous match, wrapping (%zu)", t.cur);
	t.cur = 0;
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 10}, 1);
	ok(t.page == 4, "table: 4 rows on a page of 5 lines (%d)", t.page);
	is_line(4, " 3", "table: the fourth row on the last line");
	ok(tui_table_move(&t, ACT_PGDN) == TUI_REDRAW && t.cur == 3, "table: page down moves a page less one (%zu)",
	   t.cur);
	tui_table_move(&t, ACT_DOWN);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 10}, 1);
	is_line(1, " 1", "table: the cursor past the page scrolls by one");
	is_line(4, " 4", "table: the cursor row last");
	ok(attr_at(4, 1) == tui_attr(TUI_C_SELECT), "table: ... highlighted");
	tui_table_move(&t, ACT_PGUP);
	ok(t.cur == 1, "table: page up (%zu)", t.cur);
	tui_table_move(&t, ACT_PGUP);
	ok(t.cur == 0, "table: page up stops at the top (%zu)", t.cur);
	tui_table_move(&t, ACT_END);
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 10}, 1);
	is_line(1, "26", "table: at the end, the last four rows");
	is_line(4, "29", "table: the last row on the last line");
	tui_table_move(&t, ACT_PGDN);
	ok(t.cur == 29, "table: page down at the end stays");
	/* Rows removed: the cursor and the top come back into range. */
	tui_table_clear(&t);
	for (int i = 0; i < 6; i++) {
		const char *r[] = {"r"};
		tui_table_add(&t, r);
	}
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 10}, 1);
	ok(t.cur == 5 && t.top == 2, "table: fewer rows: cursor on the last, the last page shown (%zu, %zu)", t.cur,
	   t.top);
	/* Exactly a page of rows: all shown from the top. */
	tui_table_clear(&t);
	for (int i = 0; i < 4; i++) {
		const char *r[] = {"s"};
		tui_table_add(&t, r);
	}
	t.cur = 0;
	t.top = 3;
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 5, 10}, 1);
	ok(t.top == 0, "table: four rows on four lines start at the top (%zu)", t.top);
	tui_table_free(&t);
}

static void test_table_columns(void)
{
	/* Five columns 6 wide; one frozen; 20 columns of screen. */
	tui_column cols[] = {{"key", 0, 0}, {"c1", 0, 0}, {"c2", 0, 0}, {"c3", 0, 0}, {"c4", 0, 0}};
	tui_table t;
	tui_table_init(&t, 5, cols);
	const char *r[] = {"kkkkkk", "aaaaaa", "bbbbbb", "cccccc", "dddddd"};
	tui_table_add(&t, r);
	t.frozen = 1;
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 3, 40}, 1);
	is_line(1, "kkkkkk  aaaaaa  bbbbbb  cccccc  dddddd", "table: five columns at 0, 8, 16, 24, 32");
	ok(tui_table_move(&t, ACT_RIGHT) == TUI_REDRAW && t.left == 1, "table: right scrolls one column");
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 3, 40}, 1);
	is_line(0, "key     c2      c3      c4", "table: scrolled, the frozen column stays");
	is_line(1, "kkkkkk  bbbbbb  cccccc  dddddd", "table: scrolled rows");
	tui_table_move(&t, ACT_RIGHT);
	tui_table_move(&t, ACT_RIGHT);
	ok(t.left == 3, "table: right up to the last scrollable column (%d)", t.left);
	ok(tui_table_move(&t, ACT_RIGHT) == TUI_KEEP && t.left == 3, "table: no further right");
	tui_table_move(&t, ACT_LEFT);
	ok(t.left == 2, "table: left");
	/* A column cursor: kept visible on a narrow screen. */
	t.left = 0;
	t.ccol = 4;
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 3, 20}, 1);
	is_line(1, "kkkkkk  dddddd", "table: the column cursor's column shown after the frozen one");
	ok(attr_at(0, 8) == (tui_attr(TUI_C_TITLE) | (int)A_REVERSE), "table: the chosen column's title reversed");
	ok(tui_table_move(&t, ACT_RIGHT) == TUI_KEEP && t.ccol == 4, "table: column cursor stops at the last");
	tui_table_move(&t, ACT_LEFT);
	ok(t.ccol == 3, "table: column cursor left");
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 3, 20}, 1);
	is_line(1, "kkkkkk  cccccc  ddd…", "table: scrolled back by one; the last column cut at the edge");
	/* 22 columns: after the frozen one (8) 14 are left, exactly c3 and c4
	 * with the gap between them (6 + 2 + 6): both show. */
	t.left = 0;
	t.ccol = 4;
	blank();
	tui_table_draw(&t, (tui_rect){0, 0, 3, 22}, 1);
	is_line(1, "kkkkkk  cccccc  dddddd", "table: the column cursor's column and the one before it, when they fit");
	/* A cap on a column's width. */
	tui_column capped[] = {{"t", 0, 4}, {"u", 0, 0}};
	tui_table t2;
	tui_table_init(&t2, 2, capped);
	const char *r2[] = {"abcdefgh", "z"};
	tui_table_add(&t2, r2);
	blank();
	tui_table_draw(&t2, (tui_rect){0, 0, 3, 20}, 1);
	is_line(1, "abc…  z", "table: a column capped at 4 columns");
	tui_table_free(&t2);
	tui_table_free(&t);
}

/* ------------------------------------------------------------ plot.c */

static void test_plot_axis(void)
{
	/* 9 lines: the legend, 6 plot rows (3 ticks: at the top, the middle
	 * row (6 - 1) / 2 = 2 and the bottom), the x axis, its labels.  y from
	 * 0 to 4: labels 4, 2, 0, one column wide, the axis at x 2 (the
	 * labels' width and one blank). */
	static const double x[] = {0, 1, 2, 3, 4}, y[] = {0, 1, 2, 3, 4};
	tui_series sr = {x, y, 5, A_NORMAL, "s"};
	blank();
	tui_plot((tui_rect){0, 0, 9, 30}, &sr, 1, "step", "loss");
	const char *want[] = {"4 ┤", "  │", "2 ┤", "  │", "  │", "0 ┤", "  └"};
	for (int i = 0; i < 7; i++)
		is_str(row_text(1 + i, 0, 3), want[i], "plot: line %d of the y axis", 1 + i);
}

/* ------------------------------------------------------------ input.c */

static void test_input(void)
{
	open_input("abc");
	type("d");
	tui_input_key(&app, '\r', 0);
	ok(answered == 1 && !cancelled && app.input == NULL, "input: Enter accepts and closes");
	is_str(answer, "abcd", "input: typing appends to the initial text");

	open_input("中文");
	tui_input_key(&app, KEY_LEFT, 1);
	tui_input_key(&app, KEY_BACKSPACE, 1);
	tui_input_key(&app, KEY_ENTER, 1);
	is_str(answer, "文", "input: left steps over a whole CJK character; backspace deletes the one before");

	open_input("中文");
	tui_input_key(&app, KEY_HOME, 1);
	tui_input_key(&app, KEY_DC, 1);
	type("x");
	tui_input_key(&app, '\n', 0);
	is_str(answer, "x文", "input: Home, Delete removes the character under the cursor, typing inserts there");

	open_input("abc");
	tui_input_key(&app, KEY_HOME, 1);
	tui_input_key(&app, KEY_RIGHT, 1);
	tui_input_key(&app, KEY_DC, 1);
	tui_input_key(&app, '\r', 0);
	is_str(answer, "ac", "input: Delete in the middle");

	open_input("abcdef");
	tui_input_key(&app, KEY_LEFT, 1);
	tui_input_key(&app, KEY_LEFT, 1);
	tui_input_key(&app, 21, 0); /* ^U */
	type("z");
	tui_input_key(&app, '\r', 0);
	is_str(answer, "zef", "input: ^U deletes what is before the cursor, the rest stays");

	open_input("bc");
	tui_input_key(&app, 1, 0); /* ^A */
	type("a");
	tui_input_key(&app, 5, 0); /* ^E */
	type("d");
	tui_input_key(&app, 2, 0); /* ^B: not an editing key, ignored */
	tui_input_key(&app, '\r', 0);
	is_str(answer, "abcd", "input: ^A and ^E go to the ends; other control keys are ignored");

	open_input("a");
	tui_input_key(&app, 127, 0);
	ok(app.input != NULL && !answered, "input: backspace deletes the last character, the input stays open");
	tui_input_key(&app, 127, 0);
	ok(answered == 1 && cancelled && app.input == NULL, "input: backspace on an empty line cancels");

	open_input("abc");
	tui_input_key(&app, 27, 0);
	ok(answered == 1 && cancelled, "input: Esc cancels");

	open_input(NULL);
	for (int i = 0; i < 1100; i++)
		tui_input_key(&app, 'a', 0);
	tui_input_key(&app, '\r', 0);
	ok(strlen(answer) == 1023, "input: 1023 bytes fit, no more (%zu)", strlen(answer));

	/* Drawing: the prompt, then the text scrolled so that the cursor has
	 * a column: 10 columns, "/" takes 1, 8 for the text, the cursor on
	 * the last, so 7 characters show. */
	open_input("abcdefghijklmnopqrst");
	blank();
	int x = tui_input_draw(&app, 0, 10);
	is_line(0, "/nopqrst", "input drawn: the prompt and the last 7 characters");
	ok(x == 8, "input drawn: the cursor after them (%d)", x);
	tui_input_key(&app, KEY_HOME, 1);
	blank();
	x = tui_input_draw(&app, 0, 10);
	is_line(0, "/abcdefgh", "input drawn: Home shows the start");
	ok(x == 1, "input drawn: the cursor at the start (%d)", x);
	tui_input_free(&app);
}

int main(void)
{
	setlocale(LC_ALL, "C.UTF-8");
	setenv("LINES", "40", 1);
	setenv("COLUMNS", "132", 1);
	FILE *out = fopen("/dev/null", "w"), *in = fopen("/dev/null", "r");
	SCREEN *sc = out && in ? newterm("vt100", out, in) : NULL;
	if (!sc) {
		printf("1..0 # SKIP no curses screen (vt100 terminfo)\n");
		return 0;
	}
	tui_colors_init(0);
	test_put_cell();
	test_bar();
	test_wrap();
	test_heading();
	test_table_draw();
	test_table_scroll();
	test_table_columns();
	test_input();
	test_plot_axis();
	endwin();
	delscreen(sc);
	fclose(out);
	fclose(in);
	return tap_done();
}
