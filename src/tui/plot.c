/*
 * plot.c - line plots in Unicode braille: each character cell holds a 2x4
 * grid of dots (U+2800 + one bit per dot), so a plot of w x h cells
 * resolves 2w x 4h points.  Axes with tick labels and a legend make it
 * readable without colour.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/utf8.h"

/* Bit of dot (dx, dy) in a braille cell (ISO/TR 11548-1 numbering). */
static const unsigned char dot_bit[4][2] = {{0x01, 0x08}, {0x02, 0x10}, {0x04, 0x20}, {0x40, 0x80}};

typedef struct {
	int cw, ch;            /* cells */
	unsigned char *bits;   /* (ch * cw) */
	signed char *owner;    /* (ch * cw) series drawn last into the cell */
} canvas;

static void set_dot(canvas *c, int px, int py, int series)
{
	if (px < 0 || py < 0 || px >= 2 * c->cw || py >= 4 * c->ch)
		return;
	size_t i = (size_t)(py / 4) * (size_t)c->cw + (size_t)(px / 2);
	c->bits[i] |= dot_bit[py % 4][px % 2];
	c->owner[i] = (signed char)series;
}

/* Bresenham from (x0, y0) to (x1, y1). */
static void line(canvas *c, int x0, int y0, int x1, int y1, int series)
{
	int dx = abs(x1 - x0), sx = x0 < x1 ? 1 : -1;
	int dy = -abs(y1 - y0), sy = y0 < y1 ? 1 : -1;
	int e = dx + dy;
	for (;;) {
		set_dot(c, x0, y0, series);
		if (x0 == x1 && y0 == y1)
			break;
		int e2 = 2 * e;
		if (e2 >= dy) {
			e += dy;
			x0 += sx;
		}
		if (e2 <= dx) {
			e += dx;
			y0 += sy;
		}
	}
}

static void fmt_tick(double v, int integral, char *buf, size_t n)
{
	if (integral)
		snprintf(buf, n, "%.0f", v);
	else
		snprintf(buf, n, "%.3g", v);
}

void tui_plot(tui_rect r, const tui_series *s, size_t ns, const char *xlabel, const char *ylabel)
{
	double xmin = INFINITY, xmax = -INFINITY, ymin = INFINITY, ymax = -INFINITY;
	int xint = 1;
	for (size_t k = 0; k < ns; k++)
		for (size_t i = 0; i < s[k].n; i++) {
			double x = s[k].x[i], y = s[k].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			xmin = x < xmin ? x : xmin;
			xmax = x > xmax ? x : xmax;
			ymin = y < ymin ? y : ymin;
			ymax = y > ymax ? y : ymax;
			if (x != floor(x))
				xint = 0;
		}
	int dim = tui_attr(TUI_C_DIM);
	/* Legend: the y label, then each series' mark and label. */
	int lx = r.x + tui_put(r.y, r.x, r.w, ylabel, tui_attr(TUI_C_TITLE)) + 3;
	for (size_t k = 0; k < ns && lx < r.x + r.w; k++) {
		lx += tui_put(r.y, lx, r.x + r.w - lx, "\xe2\xa3\x80\xe2\xa3\x80 ", s[k].attr);
		lx += tui_put(r.y, lx, r.x + r.w - lx, s[k].label, 0) + 3;
	}
	if (r.h < 5 || r.w < 16)
		return;
	if (xmin > xmax) {
		tui_put(r.y + r.h / 2, r.x + 2, r.w - 2, "-", dim);
		return;
	}
	if (ymin == ymax) {
		double pad = fabs(ymin) > 0 ? fabs(ymin) * 0.1 : 0.5;
		ymin -= pad;
		ymax += pad;
	}
	if (xmin == xmax) {
		xmin -= 1;
		xmax += 1;
	}
	/* Y tick labels decide the left margin. */
	int ph = r.h - 3; /* plot rows: legend above, axis and labels below */
	char lab[8][32];
	int ntick = ph >= 12 ? 5 : ph >= 6 ? 3 : 2, lw = 0;
	for (int i = 0; i < ntick; i++) {
		double v = ymax - (ymax - ymin) * i / (ntick - 1);
		fmt_tick(v, 0, lab[i], sizeof lab[i]);
		int w = (int)strlen(lab[i]);
		lw = w > lw ? w : lw;
	}
	int px0 = r.x + lw + 1; /* the y axis */
	int pw = r.x + r.w - px0 - 1;
	if (pw < 4)
		return;
	canvas c = {pw, ph, calloc((size_t)(pw * ph), 1), calloc((size_t)(pw * ph), 1)};
	if (!c.bits || !c.owner) {
		free(c.bits);
		free(c.owner);
		return;
	}
	int W = 2 * pw, H = 4 * ph;
	for (size_t k = 0; k < ns; k++) {
		/* Points falling into the dot column of the previous one only
		 * widen that column's span (the segments between them are
		 * vertical there): the same dots as a line through every point,
		 * in time independent of the height, so that a run's tens of
		 * thousands of steps draw as fast as a few hundred. */
		int have = 0, lxp = 0, lyp = 0, cmin = 0, cmax = 0;
		for (size_t i = 0; i < s[k].n; i++) {
			double x = s[k].x[i], y = s[k].y[i];
			if (!isfinite(x) || !isfinite(y))
				continue;
			int px = (int)lround((x - xmin) / (xmax - xmin) * (W - 1));
			int py = (int)lround((ymax - y) / (ymax - ymin) * (H - 1));
			if (have && px == lxp) {
				cmin = py < cmin ? py : cmin;
				cmax = py > cmax ? py : cmax;
				lyp = py;
				continue;
			}
			if (have) {
				line(&c, lxp, cmin, lxp, cmax, (int)k);
				line(&c, lxp, lyp, px, py, (int)k);
			} else {
				set_dot(&c, px, py, (int)k);
			}
			have = 1;
			lxp = px;
			lyp = cmin = cmax = py;
		}
		if (have)
			line(&c, lxp, cmin, lxp, cmax, (int)k);
	}
	/* Axes and tick labels. */
	for (int row = 0; row < ph; row++) {
		int y = r.y + 1 + row;
		tui_put(y, px0, 1, "\xe2\x94\x82", dim); /* │ */
		for (int i = 0; i < ntick; i++)
			if (row == (ph - 1) * i / (ntick - 1)) {
				tui_cell(y, r.x, lw, lab[i], 1, dim);
				tui_put(y, px0, 1, "\xe2\x94\xa4", dim); /* ┤ */
			}
	}
	int ay = r.y + 1 + ph;
	tui_put(ay, px0, 1, "\xe2\x94\x94", dim); /* └ */
	tui_hline(ay, px0 + 1, pw, dim);
	char x0[32], x1[32], xm[32];
	fmt_tick(xmin, xint, x0, sizeof x0);
	fmt_tick(xmax, xint, x1, sizeof x1);
	fmt_tick((xmin + xmax) / 2, xint && fmod(xmin + xmax, 2) == 0, xm, sizeof xm);
	tui_put(ay + 1, px0 + 1, pw, x0, dim);
	int w1 = (int)strlen(x1);
	tui_put(ay + 1, px0 + 1 + pw - w1, w1, x1, dim);
	int wm = (int)strlen(xm), xl = tui_width(xlabel);
	int mid = px0 + 1 + pw / 2;
	if (pw > 2 * (w1 + wm) + xl + 8) {
		tui_put(ay + 1, mid - wm / 2, wm, xm, dim);
		tui_put(ay + 1, px0 + 1 + pw / 4 - xl / 2, xl, xlabel, tui_attr(TUI_C_TITLE));
	} else {
		tui_put(ay + 1, mid - xl / 2, xl, xlabel, tui_attr(TUI_C_TITLE));
	}
	/* The dots. */
	for (int row = 0; row < ph; row++)
		for (int col = 0; col < pw; col++) {
			size_t i = (size_t)row * (size_t)pw + (size_t)col;
			if (!c.bits[i])
				continue;
			char ch[8];
			int k = utf8_encode(0x2800u + c.bits[i], ch);
			ch[k] = '\0';
			tui_put(r.y + 1 + row, px0 + 1 + col, 1, ch, s[c.owner[i]].attr);
		}
	free(c.bits);
	free(c.owner);
}
