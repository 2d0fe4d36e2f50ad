/*
 * view-cases.c - view 5: the case inspector (a later issue); for now it
 * says what it will show.
 */
#include <config.h>

#include "tui.h"
#include "yujing/base/i18n.h"

static const tui_binding keys[] = {
	{ACT_NONE, {0}, NULL, NULL},
};

static void *cases_open(tui_app *a)
{
	(void)a;
	static int dummy;
	return &dummy;
}

static void cases_close(void *st)
{
	(void)st;
}

static void cases_draw(void *st, tui_app *a, tui_rect r)
{
	(void)st;
	(void)a;
	const char *p[] = {
		_("Cases (coming)"),
		_("This view will inspect one case at a time: its rows in every source after "
		  "cleaning, its narrative text, the crime category a run predicts with its "
		  "probability, and how much each branch (each source, each text field) "
		  "contributed to that prediction."),
	};
	tui_paragraphs(r, p, 2, 0);
}

static int cases_key(void *st, tui_app *a, int action)
{
	(void)st;
	(void)a;
	(void)action;
	return TUI_UNHANDLED;
}

const tui_view_ops tui_view_cases = {
	.title = N_("Cases"),
	.about = N_("A placeholder: the case inspector comes in a later version."),
	.keys = keys,
	.open = cases_open,
	.close = cases_close,
	.draw = cases_draw,
	.key = cases_key,
};
