/*
 * view-sources.c - view 1: the project's sources with their row counts,
 * key and label, and the fields of the selected one with type and role.
 */
#include <config.h>

#include <curses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"

enum { A_FIELDS = ACT_VIEW, A_QUALITY, A_CLEAN };

static const tui_binding keys[] = {
	{ACT_ENTER, {0}, "Enter", N_("on a source: its fields; on a field: drill into it in Quality")},
	{A_QUALITY, {'p'}, "p", N_("the quality profile of the selected source")},
	{A_CLEAN, {'c'}, "c", N_("the Clean view")},
	{ACT_BACK, {0}, "Esc q", N_("from the fields back to the sources")},
	{ACT_NONE, {0}, NULL, NULL},
};

typedef struct {
	tui_table src, fld;
	int focus;           /* 0 sources, 1 fields */
	unsigned gen;        /* catalogue generation the tables show */
	char *fields_of;     /* source the fields table shows */
} sources_state;

/* A search moved the cursor of the sources table: select that source. */
static void src_moved(tui_table *t, tui_app *a, void *ctx)
{
	(void)ctx;
	size_t row = tui_table_row(t);
	if (row < a->nsrc)
		tui_select_source(a, a->src[row].name);
}

static void *sources_open(tui_app *a)
{
	(void)a;
	sources_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	const tui_column sc[] = {
		{_("source"), 0, 24}, {_("rows"), 1, 12},  {_("fields"), 1, 8},  {_("key"), 0, 16},
		{_("label"), 0, 16},  {_("format"), 0, 8}, {_("imported"), 0, 20}, {_("file"), 0, 60},
	};
	tui_table_init(&s->src, 8, sc);
	s->src.frozen = 1;
	s->src.moved = src_moved;
	const tui_column fc[] = {
		{"#", 1, 4}, {_("field"), 0, 32}, {_("type"), 0, 12}, {_("inferred"), 0, 12}, {_("role"), 0, 10},
	};
	tui_table_init(&s->fld, 5, fc);
	s->fld.frozen = 2;
	s->gen = (unsigned)-1;
	return s;
}

static void sources_close(void *st)
{
	sources_state *s = st;
	tui_table_free(&s->src);
	tui_table_free(&s->fld);
	free(s->fields_of);
	free(s);
}

static void fill_fields(sources_state *s, const yj_source_info *src)
{
	tui_table_clear(&s->fld);
	free(s->fields_of);
	s->fields_of = src ? strdup(src->name) : NULL;
	s->fld.cur = 0;
	for (size_t f = 0; src && f < src->nfields; f++) {
		const yj_field_info *fi = &src->fields[f];
		char num[32];
		snprintf(num, sizeof num, "%zu", f + 1);
		const char *row[] = {num, fi->name, tui_name(fi->type), tui_name(fi->inferred), tui_name(fi->role)};
		size_t r = tui_table_add(&s->fld, row);
		tui_table_set_key(&s->fld, r, 0, (double)f);
		if (strcmp(fi->type, fi->inferred))
			tui_table_set_attr(&s->fld, r, 2, tui_attr(TUI_C_ACCENT));
		if (!strcmp(fi->role, "key") || !strcmp(fi->role, "label"))
			tui_table_set_attr(&s->fld, r, 4, tui_attr(TUI_C_TITLE));
	}
}

/* Bring the tables up to the catalogue and the selection. */
static void sources_show(void *st, tui_app *a)
{
	sources_state *s = st;
	if (s->gen != a->src_gen) {
		s->gen = a->src_gen;
		tui_table_clear(&s->src);
		for (size_t i = 0; i < a->nsrc; i++) {
			const yj_source_info *x = &a->src[i];
			char rows[32], nf[32];
			snprintf(rows, sizeof rows, "%lld", x->rows);
			snprintf(nf, sizeof nf, "%zu", x->nfields);
			const char *row[] = {x->name,   rows,      nf,         x->key_field, x->label_field ? x->label_field : "-",
					     x->format, x->imported_at, x->file};
			size_t r = tui_table_add(&s->src, row);
			tui_table_set_key(&s->src, r, 1, (double)x->rows);
			tui_table_set_key(&s->src, r, 2, (double)x->nfields);
		}
		free(s->fields_of);
		s->fields_of = NULL;
	}
	const yj_source_info *cur = tui_source(a);
	for (size_t i = 0; cur && i < a->nsrc; i++)
		if (&a->src[i] == cur)
			tui_table_select(&s->src, i);
	if (!cur || !s->fields_of || strcmp(s->fields_of, cur->name))
		fill_fields(s, cur);
	if (!cur)
		s->focus = 0;
}

static void sources_draw(void *st, tui_app *a, tui_rect r)
{
	sources_state *s = st;
	char extra[128];
	if (a->src_state == 0 && !a->nsrc) {
		tui_heading(r.y, r.x + 1, r.w - 2, _("Sources"), NULL);
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	if (!a->nsrc) {
		const char *p[] = {_("No sources yet"),
				   _("Import a file with the prompt, for example:"),
				   ":import --source cases --key id --label crime cases.csv"};
		tui_paragraphs(r, p, 3, 0);
		return;
	}
	snprintf(extra, sizeof extra, "%s", _("Enter fields · p quality · / search"));
	char title[128];
	snprintf(title, sizeof title, _("Sources (%zu)"), a->nsrc);
	tui_heading(r.y, r.x + 1, r.w - 2, title, extra);
	int top_h = (int)a->nsrc + 1;
	if (top_h > (r.h - 2) / 2)
		top_h = (r.h - 2) / 2;
	if (top_h < 2)
		top_h = 2;
	tui_table_draw(&s->src, (tui_rect){r.y + 1, r.x + 1, top_h, r.w - 2}, s->focus == 0);
	const yj_source_info *cur = tui_source(a);
	int y = r.y + 1 + top_h + 1;
	if (cur && y < r.y + r.h) {
		snprintf(title, sizeof title, _("Fields of %s (%zu)"), cur->name, cur->nfields);
		tui_heading(y, r.x + 1, r.w - 2, title,
			    s->focus == 1 ? _("Enter drill in · Esc back") : _("Enter to move here"));
		tui_table_draw(&s->fld, (tui_rect){y + 1, r.x + 1, r.y + r.h - y - 1, r.w - 2}, s->focus == 1);
	}
}

static int sources_key(void *st, tui_app *a, int action)
{
	sources_state *s = st;
	tui_table *t = s->focus ? &s->fld : &s->src;
	switch (action) {
	case ACT_ENTER:
		if (s->focus == 0) {
			if (tui_source(a))
				s->focus = 1;
			return TUI_REDRAW;
		} else {
			size_t row = tui_table_row(&s->fld);
			const yj_source_info *cur = tui_source(a);
			if (row == (size_t)-1 || !cur || row >= cur->nfields)
				return TUI_KEEP;
			free(a->drill_field);
			a->drill_field = strdup(cur->fields[row].name);
			tui_goto_view(a, VIEW_QUALITY);
			return TUI_REDRAW;
		}
	case ACT_BACK:
	case ACT_QUIT:
		if (s->focus == 1) {
			s->focus = 0;
			return TUI_REDRAW;
		}
		return TUI_UNHANDLED;
	case A_QUALITY:
		tui_goto_view(a, VIEW_QUALITY);
		return TUI_REDRAW;
	case A_CLEAN:
		tui_goto_view(a, VIEW_CLEAN);
		return TUI_REDRAW;
	case ACT_SEARCH:
		tui_table_search(a, t);
		return TUI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		tui_table_search_again(a, t, action == ACT_SEARCH_NEXT ? 1 : -1);
		break;
	default: {
		int r = tui_table_move(t, action);
		if (r == TUI_UNHANDLED)
			return r;
		break;
	}
	}
	/* The source under the cursor is the selected one. */
	if (s->focus == 0) {
		size_t row = tui_table_row(&s->src);
		if (row < a->nsrc)
			tui_select_source(a, a->src[row].name);
	}
	return TUI_REDRAW;
}

const tui_view_ops tui_view_sources = {
	.title = N_("Sources"),
	.about = N_("The sources of the project with their row counts, key and label fields; "
		    "below, the fields of the selected source with their type (as inferred, "
		    "or overridden at import) and role."),
	.keys = keys,
	.open = sources_open,
	.close = sources_close,
	.draw = sources_draw,
	.key = sources_key,
	.show = sources_show,
};
