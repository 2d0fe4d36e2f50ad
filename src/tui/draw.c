/*
 * draw.c - text on the screen by display width, colours with monochrome
 * fallbacks, bars and wrapped paragraphs.
 *
 * Everything draws on stdscr, curses' off-screen copy of the screen; the
 * app flushes it once per frame.  Widths come from text/width.h (utf8proc),
 * so a CJK character takes two columns and is never cut in half; control
 * characters in data become spaces, bytes that are not UTF-8 become '?'.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/escape.h"
#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/text/width.h"

static int attrs[TUI_C_COUNT];

void tui_colors_init(int enable)
{
	/* Monochrome first: what a vt100 gets. */
	attrs[TUI_C_NORMAL] = A_NORMAL;
	attrs[TUI_C_TITLE] = A_BOLD;
	attrs[TUI_C_SELECT] = A_REVERSE;
	attrs[TUI_C_GOOD] = A_NORMAL;
	attrs[TUI_C_WARN] = A_BOLD;
	attrs[TUI_C_BAD] = A_BOLD | A_UNDERLINE;
	attrs[TUI_C_DIM] = A_DIM;
	attrs[TUI_C_ACCENT] = A_BOLD;
	attrs[TUI_C_STATUS] = A_REVERSE;
	attrs[TUI_C_NULLCELL] = A_UNDERLINE;
	attrs[TUI_C_OUTCELL] = A_BOLD | A_UNDERLINE;
	attrs[TUI_C_SERIES2] = A_BOLD;
	/* Heat levels: the shade characters carry them on a vt100. */
	attrs[TUI_C_HEAT1] = A_NORMAL;
	attrs[TUI_C_HEAT2] = A_NORMAL;
	attrs[TUI_C_HEAT3] = A_BOLD;
	attrs[TUI_C_HEAT4] = A_BOLD | A_REVERSE;
	if (!enable || !has_colors() || start_color() == ERR)
		return;
	short bg = use_default_colors() == OK ? -1 : COLOR_BLACK;
	init_pair(1, COLOR_CYAN, bg);
	init_pair(2, COLOR_GREEN, bg);
	init_pair(3, COLOR_YELLOW, bg);
	init_pair(4, COLOR_RED, bg);
	init_pair(5, COLOR_BLUE, bg);
	init_pair(6, COLOR_MAGENTA, bg);
	init_pair(7, COLOR_WHITE, COLOR_RED);
	init_pair(8, COLOR_BLACK, COLOR_YELLOW);
	init_pair(9, COLOR_BLACK, COLOR_CYAN);
	init_pair(10, COLOR_WHITE, COLOR_BLUE);
	init_pair(11, COLOR_BLACK, COLOR_CYAN);
	init_pair(12, COLOR_BLACK, COLOR_YELLOW);
	init_pair(13, COLOR_WHITE, COLOR_RED);
	attrs[TUI_C_TITLE] = A_BOLD | COLOR_PAIR(1);
	attrs[TUI_C_GOOD] = COLOR_PAIR(2);
	attrs[TUI_C_WARN] = COLOR_PAIR(3);
	attrs[TUI_C_BAD] = A_BOLD | COLOR_PAIR(4);
	attrs[TUI_C_DIM] = COLOR_PAIR(5);
	attrs[TUI_C_ACCENT] = COLOR_PAIR(6);
	attrs[TUI_C_STATUS] = COLOR_PAIR(9);
	attrs[TUI_C_NULLCELL] = COLOR_PAIR(7);
	attrs[TUI_C_OUTCELL] = COLOR_PAIR(8);
	attrs[TUI_C_SERIES2] = COLOR_PAIR(3);
	attrs[TUI_C_HEAT1] = COLOR_PAIR(10);
	attrs[TUI_C_HEAT2] = COLOR_PAIR(11);
	attrs[TUI_C_HEAT3] = COLOR_PAIR(12);
	attrs[TUI_C_HEAT4] = A_BOLD | COLOR_PAIR(13);
}

int tui_attr(int color)
{
	return color >= 0 && color < TUI_C_COUNT ? attrs[color] : (int)A_NORMAL;
}

/* Copy s into out, controls made spaces and invalid bytes '?', stopping
 * once more than maxw columns are copied.  Returns the bytes written. */
static size_t sanitize(const char *s, int maxw, char *out, size_t size)
{
	size_t o = 0, n = strlen(s), i = 0;
	int w = 0;
	while (i < n && w <= maxw && o + 5 < size) {
		uint32_t cp;
		int k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (k <= 0) {
			out[o++] = '?';
			w++;
			i++;
			continue;
		}
		if (escape_is_control(cp)) {
			out[o++] = ' ';
			w++;
		} else {
			memcpy(out + o, s + i, (size_t)k);
			o += (size_t)k;
			w += width_of(s + i, (size_t)k);
		}
		i += (size_t)k;
	}
	out[o] = '\0';
	return o;
}

int tui_width(const char *s)
{
	char buf[4096];
	sanitize(s, 1000, buf, sizeof buf);
	return width_str(buf);
}

int tui_put(int y, int x, int w, const char *s, int attr)
{
	if (w <= 0 || !s)
		return 0;
	char buf[4096];
	sanitize(s, w, buf, sizeof buf);
	int used;
	size_t k = width_prefix(buf, w, &used);
	if (!k)
		return 0;
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset((attr_t)attr);
	mvaddnstr(y, x, buf, (int)k);
	attr_set(old, pair, NULL);
	return used;
}

void tui_cell(int y, int x, int w, const char *s, int align, int attr)
{
	if (w <= 0)
		return;
	char buf[4096], out[4096];
	sanitize(s ? s : "", w + 1, buf, sizeof buf);
	width_fit(buf, w, align > 0 ? 1 : -1, out, sizeof out);
	tui_put(y, x, w, out, attr);
}

void tui_fill(int y, int x, int w, int attr)
{
	if (w <= 0)
		return;
	attr_t old;
	short pair;
	attr_get(&old, &pair, NULL);
	attrset((attr_t)attr);
	mvhline(y, x, ' ', w);
	attr_set(old, pair, NULL);
}

void tui_hline(int y, int x, int w, int attr)
{
	char buf[1024];
	size_t o = 0;
	for (int i = 0; i < w && o + 4 < sizeof buf; i++) {
		memcpy(buf + o, "\xe2\x94\x80", 3); /* U+2500 ─ */
		o += 3;
	}
	buf[o] = '\0';
	tui_put(y, x, w, buf, attr);
}

int tui_putf(int y, int x, int w, int attr, const char *fmt, ...)
{
	char buf[2048];
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof buf, fmt, ap);
	va_end(ap);
	return tui_put(y, x, w, buf, attr);
}

void tui_bar(int y, int x, int w, double frac, int attr)
{
	static const char *const part[] = {"", "\xe2\x96\x8f", "\xe2\x96\x8e", "\xe2\x96\x8d",
					   "\xe2\x96\x8c", "\xe2\x96\x8b", "\xe2\x96\x8a", "\xe2\x96\x89"};
	if (w <= 0)
		return;
	if (!(frac > 0))
		frac = 0;
	if (frac > 1)
		frac = 1;
	int eighths = (int)lround(frac * w * 8);
	if (frac > 0 && eighths == 0)
		eighths = 1; /* something is there: show it */
	char buf[2048];
	size_t o = 0;
	for (int i = 0; i < eighths / 8 && o + 4 < sizeof buf; i++) {
		memcpy(buf + o, "\xe2\x96\x88", 3); /* U+2588 █ */
		o += 3;
	}
	const char *p = part[eighths % 8];
	memcpy(buf + o, p, strlen(p));
	o += strlen(p);
	buf[o] = '\0';
	tui_put(y, x, w, buf, attr);
}

size_t tui_wrap(const char *s, int w, size_t *skip)
{
	size_t n = strlen(s), i = 0, last_space = 0;
	int cw = 0;
	while (i < n && s[i] != '\n') {
		uint32_t cp;
		int k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (k <= 0)
			k = 1;
		int chw = width_of(s + i, (size_t)k);
		if (cw + chw > w) {
			if (s[i] == ' ') { /* the line ends exactly at a blank */
				*skip = i + 1;
				return i;
			}
			if (last_space) {
				*skip = last_space + 1;
				return last_space;
			}
			*skip = i;
			return i ? i : (size_t)k;
		}
		if (s[i] == ' ')
			last_space = i;
		cw += chw;
		i += (size_t)k;
	}
	*skip = i < n ? i + 1 : i;
	return i;
}

void tui_paragraphs(tui_rect r, const char *const *paras, size_t n, int attr)
{
	int w = r.w - 4 > 72 ? 72 : r.w - 4;
	if (w < 10)
		w = r.w;
	int x = r.x + (r.w - w) / 2, y = r.y + 1;
	for (size_t p = 0; p < n && y < r.y + r.h; p++) {
		const char *s = paras[p];
		while (*s && y < r.y + r.h) {
			size_t skip, len = tui_wrap(s, w, &skip);
			char line[1024];
			if (len >= sizeof line)
				len = sizeof line - 1;
			memcpy(line, s, len);
			line[len] = '\0';
			tui_put(y++, x, w, line, p == 0 ? tui_attr(TUI_C_TITLE) : attr);
			s += skip ? skip : len;
			if (!skip && !len)
				break;
		}
		y++;
	}
}

void tui_heading(int y, int x, int w, const char *title, const char *extra)
{
	int used = tui_put(y, x, w, title, tui_attr(TUI_C_TITLE));
	if (extra && *extra) {
		int ew = tui_width(extra);
		if (ew > w - used - 2)
			ew = w - used - 2;
		if (ew > 0)
			tui_cell(y, x + w - ew, ew, extra, 1, tui_attr(TUI_C_DIM));
	}
}

void tui_fmt_num(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.6g", v);
}

void tui_fmt_rate(double v, char *buf, size_t n)
{
	if (isnan(v))
		snprintf(buf, n, "-");
	else
		snprintf(buf, n, "%.2f%%", 100 * v);
}

/* Names the library keeps untranslated (field types, roles, run statuses,
 * cleaning strategies), marked here for extraction. */
static const char *const names[] = {
	N_("integer"),   N_("real"),   N_("categorical"), N_("text"),    N_("datetime"),
	N_("key"),       N_("label"),  N_("attribute"),   N_("running"), N_("done"),
	N_("cancelled"), N_("failed"), N_("replace"),     N_("clip"),    N_("drop"),
	N_("keep"),      N_("default"), N_("mean"),       N_("median"),  N_("mode"),
	N_("zero"),      N_("const"),   N_("filled"),      N_("replaced"), N_("clipped"),
	N_("interrupted"),
};

const char *tui_name(const char *s)
{
	if (!s)
		return "";
	for (size_t i = 0; i < sizeof names / sizeof names[0]; i++)
		if (!strcmp(names[i], s))
			return _(names[i]);
	return s;
}
