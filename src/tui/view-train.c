/*
 * view-train.c - view 4: training (a later issue); for now it says what
 * it will show and how to train from the prompt meanwhile.
 */
#include <config.h>

#include "tui.h"
#include "yujing/base/i18n.h"

static const tui_binding keys[] = {
	{ACT_NONE, {0}, NULL, NULL},
};

static void *train_open(tui_app *a)
{
	(void)a;
	static int dummy;
	return &dummy;
}

static void train_close(void *st)
{
	(void)st;
}

static void train_draw(void *st, tui_app *a, tui_rect r)
{
	(void)st;
	(void)a;
	const char *p[] = {
		_("Train (coming)"),
		_("This view will set up a training run: the split (test share, seed), the model "
		  "branches (structured sources, text fields), their sizes and the optimiser, then "
		  "start it in the background and follow its loss and test metrics live."),
		_("Meanwhile, train from the prompt, e.g. ':split' then ':train --epochs 20', and "
		  "follow the run in view 6 (Runs)."),
	};
	tui_paragraphs(r, p, 3, 0);
}

static int train_key(void *st, tui_app *a, int action)
{
	(void)st;
	(void)a;
	(void)action;
	return TUI_UNHANDLED;
}

const tui_view_ops tui_view_train = {
	.title = N_("Train"),
	.about = N_("A placeholder: training runs are set up here in a later version."),
	.keys = keys,
	.open = train_open,
	.close = train_close,
	.draw = train_draw,
	.key = train_key,
};
