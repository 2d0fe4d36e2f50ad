/*
 * view-warnings.c - view 7: warnings for new cases (a later issue); for
 * now it says what it will show.
 */
#include <config.h>

#include "tui.h"
#include "yujing/base/i18n.h"

static const tui_binding keys[] = {
	{ACT_NONE, {0}, NULL, NULL},
};

static void *warnings_open(tui_app *a)
{
	(void)a;
	static int dummy;
	return &dummy;
}

static void warnings_close(void *st)
{
	(void)st;
}

static void warnings_draw(void *st, tui_app *a, tui_rect r)
{
	(void)st;
	(void)a;
	const char *p[] = {
		_("Warnings (coming)"),
		_("This view will list new cases scored by a trained run, most likely crime "
		  "category first, with the predicted probability and the branch that weighed most; "
		  "Enter will open a case in the inspector."),
	};
	tui_paragraphs(r, p, 2, 0);
}

static int warnings_key(void *st, tui_app *a, int action)
{
	(void)st;
	(void)a;
	(void)action;
	return TUI_UNHANDLED;
}

const tui_view_ops tui_view_warnings = {
	.title = N_("Warnings"),
	.about = N_("A placeholder: warnings for new cases come in a later version."),
	.keys = keys,
	.open = warnings_open,
	.close = warnings_close,
	.draw = warnings_draw,
	.key = warnings_key,
};
