/*
 * view-clean.c - view 3: the cleaning settings, edited in place, and their
 * impact.
 *
 * Left, the form: k (the share of nulls or outliers above which a row is
 * dropped; one value for both, or each on its own), sigma, what happens to
 * outliers, and each attribute field's fill strategy.  Right, the dry run
 * of those settings: duplicates removed, rows dropped by reason, cells
 * filled and replaced per field, a sample of the values changed and what
 * they become, rows left and the classes left, per source, with the
 * change from the active snapshot.  Every edit re-runs the dry run on a
 * worker thread (over tables loaded once, see data/preview.h) so the
 * numbers follow the keys.  `a` applies the settings (a new snapshot, as
 * `yujing clean` stores), `u` goes back to the snapshot that was active
 * before (this session's history of active snapshots, however they became
 * active), `s` lists the snapshots to choose from.
 */
#include <config.h>

#include <curses.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"
#include "yujing/data/preview.h"

enum { A_DEC = ACT_VIEW, A_INC, A_APPLY, A_UNDO, A_SNAPSHOTS, A_RESET, A_IMPACT_UP, A_IMPACT_DOWN };

static const tui_binding keys[] = {
	{A_DEC, {'-'}, "- \xe2\x86\x90 h", N_("smaller k or sigma, previous choice")},
	{A_INC, {'+', '='}, "+ \xe2\x86\x92 l", N_("larger k or sigma, next choice")},
	{ACT_ENTER, {0}, "Enter", N_("type a value (k, sigma, a fill strategy such as const:0)")},
	{A_APPLY, {'a'}, "a", N_("apply: clean and store a new snapshot")},
	{A_UNDO, {'u'}, "u", N_("undo: make the snapshot that was active before active again")},
	{A_SNAPSHOTS, {'s'}, "s", N_("the snapshots; Enter makes one active")},
	{A_RESET, {'r'}, "r", N_("back to the default settings")},
	{A_IMPACT_UP, {'K'}, "K", N_("scroll the impact up")},
	{A_IMPACT_DOWN, {'J'}, "J", N_("scroll the impact down")},
	{ACT_NONE, {0}, NULL, NULL},
};

enum { ROW_K, ROW_KMISS, ROW_KOUT, ROW_SIGMA, ROW_OUTLIERS, ROW_FILL };

typedef struct {
	char *name;
	int numeric;         /* numeric in every source that has it */
	int text;            /* text in every source that has it */
	yj_fill_kind kind;
	char *value;         /* FILL_CONST */
} fill_row;

/* The loaded tables, shared by the preview jobs. */
typedef struct {
	pthread_mutex_t mu;
	int refs;
	yj_preview *pv;
	int tried;
	yj_status st;
	yj_error err;
	_Atomic unsigned latest; /* the newest request: older ones skip */
} shared_pv;

#define UNDO_MAX 64

typedef struct {
	double k_missing, k_outlier, sigma;
	yj_outlier_mode outliers;
	fill_row *fills;
	size_t nfills;
	char **ignore;           /* dedup_ignore of the loaded settings */
	size_t nignore;
	int cur, top;
	int edit_row;            /* the row a typed value goes to */
	int settings_loaded;
	unsigned src_gen;        /* catalogue the fill rows come from */
	unsigned gen;            /* a->data_gen of pv */
	shared_pv *pv;
	unsigned req;
	json_t *report;          /* the latest dry run */
	int busy, failed;
	yj_error err;
	json_t *snaps;           /* clean_list() */
	int snap_mode, snaps_busy, applying;
	tui_table snap_tbl;
	int iscroll;
	long long seen_active;   /* the active snapshot the list showed last */
	long long undo[UNDO_MAX]; /* snapshots active before, the latest last */
	int nundo, undoing;
} clean_state;

/* ------------------------------------------------------------ shared tables */

static shared_pv *spv_new(void)
{
	shared_pv *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	pthread_mutex_init(&s->mu, NULL);
	s->refs = 1;
	return s;
}

static shared_pv *spv_ref(shared_pv *s)
{
	pthread_mutex_lock(&s->mu);
	s->refs++;
	pthread_mutex_unlock(&s->mu);
	return s;
}

static void spv_unref(shared_pv *s)
{
	if (!s)
		return;
	pthread_mutex_lock(&s->mu);
	int left = --s->refs;
	pthread_mutex_unlock(&s->mu);
	if (left)
		return;
	preview_free(s->pv);
	pthread_mutex_destroy(&s->mu);
	free(s);
}

/* ------------------------------------------------------------ options */

/* A copy of the settings a job owns. */
typedef struct {
	yj_clean_opts o;
	yj_fill_spec *fills;
	char **ignore;
} opts_copy;

static void opts_free(opts_copy *c)
{
	for (size_t i = 0; i < c->o.nfills; i++) {
		free((char *)c->fills[i].field);
		free((char *)c->fills[i].value);
	}
	free(c->fills);
	for (size_t i = 0; i < c->o.nignore; i++)
		free(c->ignore[i]);
	free(c->ignore);
}

static int opts_make(const clean_state *s, opts_copy *c)
{
	memset(c, 0, sizeof *c);
	clean_opts_default(&c->o);
	c->o.k_missing = s->k_missing;
	c->o.k_outlier = s->k_outlier;
	c->o.sigma = s->sigma;
	c->o.outliers = s->outliers;
	c->fills = calloc(s->nfills ? s->nfills : 1, sizeof *c->fills);
	c->ignore = calloc(s->nignore ? s->nignore : 1, sizeof *c->ignore);
	if (!c->fills || !c->ignore)
		goto nomem;
	for (size_t i = 0; i < s->nfills; i++) {
		const fill_row *f = &s->fills[i];
		if (f->kind == FILL_DEFAULT)
			continue;
		yj_fill_spec *sp = &c->fills[c->o.nfills++];
		sp->field = strdup(f->name);
		sp->kind = f->kind;
		sp->value = f->kind == FILL_CONST ? strdup(f->value ? f->value : "") : NULL;
		if (!sp->field || (f->kind == FILL_CONST && !sp->value))
			goto nomem;
	}
	for (size_t i = 0; i < s->nignore; i++) {
		c->ignore[i] = strdup(s->ignore[i]);
		c->o.nignore++;
		if (!c->ignore[i])
			goto nomem;
	}
	c->o.fills = c->fills;
	c->o.dedup_ignore = (const char *const *)c->ignore;
	return 0;
nomem:
	opts_free(c);
	return -1;
}

/* ------------------------------------------------------------ jobs */

typedef struct {
	tui_job base;
	clean_state *s;
	shared_pv *spv;
	unsigned req, gen;
	opts_copy oc;
	json_t *report;
	int skipped;
} preview_job;

static void preview_job_run(tui_job *j, yj_project *p)
{
	preview_job *pj = (preview_job *)j;
	shared_pv *spv = pj->spv;
	pthread_mutex_lock(&spv->mu);
	if (atomic_load(&spv->latest) != pj->req) {
		pj->skipped = 1;
	} else {
		if (!spv->tried) {
			spv->tried = 1;
			error_clear(&spv->err);
			spv->st = preview_open(p, &j->progress, &spv->pv, &spv->err);
		}
		if (spv->st) {
			j->st = spv->st;
			j->err = spv->err;
			if (spv->st == YJ_EINTR)
				spv->tried = 0;
		} else {
			j->st = preview_run(spv->pv, &pj->oc.o, &pj->report, &j->err);
		}
	}
	pthread_mutex_unlock(&spv->mu);
}

static void preview_job_done(tui_job *j, tui_app *a)
{
	preview_job *pj = (preview_job *)j;
	clean_state *s = pj->s;
	if (pj->skipped || pj->req != s->req || pj->gen != a->data_gen)
		return;
	s->busy = 0;
	if (j->st) {
		s->failed = 1;
		s->err = j->err;
		return;
	}
	s->failed = 0;
	json_decref(s->report);
	s->report = pj->report;
	pj->report = NULL;
}

static void preview_job_destroy(tui_job *j)
{
	preview_job *pj = (preview_job *)j;
	spv_unref(pj->spv);
	opts_free(&pj->oc);
	json_decref(pj->report);
	free(pj);
}

static void request_preview(clean_state *s, tui_app *a)
{
	if (!s->pv || s->gen != a->data_gen) {
		spv_unref(s->pv);
		s->pv = spv_new();
		s->gen = a->data_gen;
		json_decref(s->report);
		s->report = NULL;
	}
	preview_job *pj = calloc(1, sizeof *pj);
	if (!pj || !s->pv)
		return;
	if (opts_make(s, &pj->oc)) {
		free(pj);
		return;
	}
	tui_job_init(&pj->base, N_("cleaning preview"), preview_job_run, preview_job_done, preview_job_destroy);
	pj->s = s;
	pj->spv = spv_ref(s->pv);
	pj->req = ++s->req;
	pj->gen = a->data_gen;
	atomic_store(&s->pv->latest, pj->req);
	s->busy = 1;
	tui_submit(a, &pj->base);
}

/* Snapshots: list, use, apply. */
typedef struct {
	tui_job base;
	clean_state *s;
	int kind;            /* 0 list, 1 use, 2 apply */
	long long id;
	opts_copy oc;
	json_t *out;
} snap_job;

static void snap_job_run(tui_job *j, yj_project *p)
{
	snap_job *sj = (snap_job *)j;
	if (sj->kind == 1)
		j->st = clean_use(p, sj->id, &j->err);
	else if (sj->kind == 2) {
		j->st = clean_run(p, &sj->oc.o, 0, &sj->out, &j->err);
		if (!j->st)
			sj->id = json_integer_value(json_object_get(sj->out, "snapshot"));
		json_decref(sj->out);
		sj->out = NULL;
	}
	if (!j->st)
		j->st = clean_list(p, &sj->out, &j->err);
}

static void load_settings(clean_state *s, json_t *settings);
static void build_snap_table(clean_state *s);

/* The active snapshot of the list, or NULL. */
static json_t *active_snapshot(const clean_state *s)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(s->snaps, "snapshots"), i, x)
	{
		if (json_is_true(json_object_get(x, "active")))
			return x;
	}
	return NULL;
}

/* A snapshot's settings in a few words: "k 0.3/0.3 · σ 3 · replace · 1 fill". */
static void settings_text(json_t *set, char *buf, size_t n)
{
	size_t nf = json_object_size(json_object_get(set, "fill"));
	snprintf(buf, n, "k %g/%g \xc2\xb7 \xcf\x83 %g \xc2\xb7 %s", json_number_value(json_object_get(set, "k_missing")),
		 json_number_value(json_object_get(set, "k_outlier")), json_number_value(json_object_get(set, "sigma")),
		 tui_name(json_string_value(json_object_get(set, "outliers"))));
	size_t len = strlen(buf);
	if (nf && len < n)
		snprintf(buf + len, n - len, P_(" \xc2\xb7 %zu fill strategy", " \xc2\xb7 %zu fill strategies", nf), nf);
}

static void snap_job_done(tui_job *j, tui_app *a)
{
	snap_job *sj = (snap_job *)j;
	clean_state *s = sj->s;
	s->snaps_busy = 0;
	if (sj->kind == 2)
		s->applying = 0;
	if (sj->kind == 1 && j->st)
		s->undoing = 0;
	if (j->st) {
		tui_error(a, &j->err);
		if (!s->settings_loaded) {
			/* No snapshots to start from: the defaults then. */
			s->settings_loaded = 1;
			request_preview(s, a);
		}
		return;
	}
	json_decref(s->snaps);
	s->snaps = sj->out;
	sj->out = NULL;
	build_snap_table(s);
	json_t *active = active_snapshot(s);
	long long active_id = json_integer_value(json_object_get(active, "id"));
	/* However the active snapshot changed (here, or a command), the one
	 * active before goes on the undo history; an undo does not. */
	if (active_id != s->seen_active) {
		if (s->seen_active && !(sj->kind == 1 && s->undoing)) {
			if (s->nundo == UNDO_MAX)
				memmove(s->undo, s->undo + 1, (UNDO_MAX - 1) * sizeof *s->undo);
			else
				s->nundo++;
			s->undo[s->nundo - 1] = s->seen_active;
		}
		s->seen_active = active_id;
	}
	if (sj->kind == 1 && s->undoing) {
		char set[256];
		settings_text(json_object_get(active, "settings"), set, sizeof set);
		tui_message(a, 2, _("undo: snapshot %lld is active again (%s)"), sj->id, set);
		load_settings(s, json_object_get(active, "settings"));
		request_preview(s, a);
	} else if (sj->kind == 1) {
		tui_message(a, 2, _("snapshot %lld is active"), sj->id);
		/* Its settings come back into the form. */
		if (active)
			load_settings(s, json_object_get(active, "settings"));
		request_preview(s, a);
	} else if (sj->kind == 2) {
		tui_message(a, 2, _("stored as snapshot %lld (now active)"), sj->id);
	} else if (!s->settings_loaded) {
		s->settings_loaded = 1;
		if (active)
			load_settings(s, json_object_get(active, "settings"));
		request_preview(s, a);
	}
	if (sj->kind == 1)
		s->undoing = 0;
	if (sj->kind)
		tui_refresh_status(a);
}

static void snap_job_destroy(tui_job *j)
{
	snap_job *sj = (snap_job *)j;
	opts_free(&sj->oc);
	json_decref(sj->out);
	free(sj);
}

static void snap_request(clean_state *s, tui_app *a, int kind, long long id)
{
	snap_job *sj = calloc(1, sizeof *sj);
	if (!sj)
		return;
	if (kind == 2 && opts_make(s, &sj->oc)) {
		free(sj);
		return;
	}
	static const char *const what[] = {NULL, N_("activating a snapshot"), N_("cleaning")};
	tui_job_init(&sj->base, what[kind], snap_job_run, snap_job_done, snap_job_destroy);
	sj->s = s;
	sj->kind = kind;
	sj->id = id;
	s->snaps_busy = 1;
	if (kind == 2)
		s->applying = 1;
	tui_submit(a, &sj->base);
}

/* ------------------------------------------------------------ state */

static void free_fills(clean_state *s)
{
	for (size_t i = 0; i < s->nfills; i++) {
		free(s->fills[i].name);
		free(s->fills[i].value);
	}
	free(s->fills);
	s->fills = NULL;
	s->nfills = 0;
}

/* One form row per attribute field name over all sources (clean matches
 * fill settings by name). */
static void build_fills(clean_state *s, tui_app *a)
{
	/* Keep the strategies already chosen. */
	fill_row *old = s->fills;
	size_t nold = s->nfills;
	s->fills = NULL;
	s->nfills = 0;
	for (size_t i = 0; i < a->nsrc; i++)
		for (size_t f = 0; f < a->src[i].nfields; f++) {
			const yj_field_info *fi = &a->src[i].fields[f];
			if (!strcmp(fi->role, "key") || !strcmp(fi->role, "label"))
				continue;
			int numeric = !strcmp(fi->type, "integer") || !strcmp(fi->type, "real");
			size_t k;
			for (k = 0; k < s->nfills; k++)
				if (!strcmp(s->fills[k].name, fi->name))
					break;
			if (k < s->nfills) {
				s->fills[k].numeric &= numeric;
				s->fills[k].text &= !strcmp(fi->type, "text");
				continue;
			}
			fill_row *v = realloc(s->fills, (s->nfills + 1) * sizeof *v);
			if (!v)
				continue;
			s->fills = v;
			fill_row *r = &s->fills[s->nfills];
			memset(r, 0, sizeof *r);
			r->name = strdup(fi->name);
			r->numeric = numeric;
			r->text = !strcmp(fi->type, "text");
			if (!r->name)
				continue;
			for (size_t o = 0; o < nold; o++)
				if (!strcmp(old[o].name, r->name)) {
					r->kind = old[o].kind;
					r->value = old[o].value ? strdup(old[o].value) : NULL;
				}
			s->nfills++;
		}
	for (size_t o = 0; o < nold; o++) {
		free(old[o].name);
		free(old[o].value);
	}
	free(old);
}

static void reset_settings(clean_state *s)
{
	yj_clean_opts d;
	clean_opts_default(&d);
	s->k_missing = d.k_missing;
	s->k_outlier = d.k_outlier;
	s->sigma = d.sigma;
	s->outliers = d.outliers;
	for (size_t i = 0; i < s->nfills; i++) {
		s->fills[i].kind = FILL_DEFAULT;
		free(s->fills[i].value);
		s->fills[i].value = NULL;
	}
	for (size_t i = 0; i < s->nignore; i++)
		free(s->ignore[i]);
	free(s->ignore);
	s->ignore = NULL;
	s->nignore = 0;
}

/* The settings of a snapshot ({k_missing, k_outlier, sigma, fill,
 * outliers, dedup_ignore}) into the form. */
static void load_settings(clean_state *s, json_t *set)
{
	if (!json_is_object(set))
		return;
	reset_settings(s);
	json_t *v;
	if (json_is_number(v = json_object_get(set, "k_missing")))
		s->k_missing = json_number_value(v);
	if (json_is_number(v = json_object_get(set, "k_outlier")))
		s->k_outlier = json_number_value(v);
	if (json_is_number(v = json_object_get(set, "sigma")))
		s->sigma = json_number_value(v);
	if (json_is_string(v = json_object_get(set, "outliers")))
		clean_parse_outliers(json_string_value(v), &s->outliers);
	const char *name;
	json_object_foreach(json_object_get(set, "fill"), name, v)
	{
		yj_fill_kind kind;
		const char *value;
		if (!json_is_string(v) || clean_parse_fill(json_string_value(v), &kind, &value))
			continue;
		for (size_t i = 0; i < s->nfills; i++)
			if (!strcmp(s->fills[i].name, name)) {
				s->fills[i].kind = kind;
				free(s->fills[i].value);
				s->fills[i].value = value ? strdup(value) : NULL;
			}
	}
	json_t *ign = json_object_get(set, "dedup_ignore");
	size_t n = json_array_size(ign), i;
	s->ignore = calloc(n ? n : 1, sizeof *s->ignore);
	json_array_foreach(ign, i, v)
	{
		if (s->ignore && json_is_string(v) && (s->ignore[s->nignore] = strdup(json_string_value(v))))
			s->nignore++;
	}
}

static void build_snap_table(clean_state *s)
{
	tui_table_clear(&s->snap_tbl);
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(s->snaps, "snapshots"), i, x)
	{
		json_t *set = json_object_get(x, "settings");
		long long rows = 0;
		size_t k;
		json_t *src;
		json_array_foreach(json_object_get(json_object_get(x, "report"), "sources"), k, src)
		{
			if (json_is_integer(json_object_get(src, "unlabeled")))
				rows = json_integer_value(json_object_get(src, "rows_out"));
		}
		char b[5][64];
		snprintf(b[0], 64, "%lld", (long long)json_integer_value(json_object_get(x, "id")));
		snprintf(b[1], 64, "%g/%g", json_number_value(json_object_get(set, "k_missing")),
			 json_number_value(json_object_get(set, "k_outlier")));
		snprintf(b[2], 64, "%g", json_number_value(json_object_get(set, "sigma")));
		snprintf(b[3], 64, "%lld", rows);
		const char *row[] = {b[0], json_string_value(json_object_get(x, "created_at")),
				     json_is_true(json_object_get(x, "active")) ? "*" : "", b[1], b[2],
				     json_string_value(json_object_get(set, "outliers")), b[3]};
		size_t r = tui_table_add(&s->snap_tbl, row);
		if (json_is_true(json_object_get(x, "active"))) {
			for (int c = 0; c < 7; c++)
				tui_table_set_attr(&s->snap_tbl, r, c, tui_attr(TUI_C_GOOD));
			tui_table_select(&s->snap_tbl, r);
		}
	}
}

static void *clean_open(tui_app *a)
{
	clean_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	reset_settings(s);
	s->src_gen = (unsigned)-1;
	s->gen = a->data_gen;
	const tui_column cols[] = {
		{_("snapshot"), 1, 10}, {_("created"), 0, 20}, {_("active"), 0, 6},    {_("k missing/outlier"), 1, 20},
		{_("sigma"), 1, 8},     {_("outliers"), 0, 10}, {_("rows out"), 1, 10},
	};
	tui_table_init(&s->snap_tbl, 7, cols);
	return s;
}

static void clean_close(void *st)
{
	clean_state *s = st;
	free_fills(s);
	for (size_t i = 0; i < s->nignore; i++)
		free(s->ignore[i]);
	free(s->ignore);
	spv_unref(s->pv);
	json_decref(s->report);
	json_decref(s->snaps);
	tui_table_free(&s->snap_tbl);
	free(s);
}

static void clean_show(void *st, tui_app *a)
{
	clean_state *s = st;
	if (a->src_state != 1)
		return;
	int changed = s->gen != a->data_gen;
	if (s->src_gen != a->src_gen) {
		s->src_gen = a->src_gen;
		build_fills(s, a);
	}
	if (!s->settings_loaded) {
		if (!s->snaps_busy)
			snap_request(s, a, 0, 0); /* then the first preview */
		return;
	}
	if (changed || (!s->report && !s->busy && !s->failed))
		request_preview(s, a);
}

static void clean_reload(void *st, tui_app *a)
{
	clean_state *s = st;
	/* A command may have cleaned: list the snapshots again. */
	if (s->settings_loaded && !s->snaps_busy)
		snap_request(s, a, 0, 0);
}

/* ------------------------------------------------------------ drawing */

static int nrows_form(const clean_state *s)
{
	return ROW_FILL + (int)s->nfills;
}

static const char *fill_text(const fill_row *f, char *buf, size_t n)
{
	if (f->kind == FILL_DEFAULT)
		snprintf(buf, n, _("default (%s)"),
			 f->numeric ? _("mean") : f->text ? _("empty text") : _("mode"));
	else if (f->kind == FILL_CONST)
		snprintf(buf, n, "const:%s", f->value ? f->value : "");
	else
		snprintf(buf, n, "%s", tui_name(clean_fill_name(f->kind)));
	return buf;
}

static void draw_form(clean_state *s, tui_rect r)
{
	tui_put(r.y, r.x, r.w, _("Settings"), tui_attr(TUI_C_TITLE));
	int lw = r.w - 16 > r.w / 2 ? r.w - 16 : r.w / 2;
	int rows = r.h - 4;
	if (s->cur < s->top)
		s->top = s->cur;
	if (s->cur >= s->top + rows)
		s->top = s->cur - rows + 1;
	int y = r.y + 1;
	for (int i = s->top; i < nrows_form(s) && y < r.y + 1 + rows; i++, y++) {
		char label[256], value[256];
		switch (i) {
		case ROW_K:
			snprintf(label, sizeof label, "%s", _("k"));
			if (s->k_missing == s->k_outlier)
				snprintf(value, sizeof value, "%.2f", s->k_missing);
			else
				snprintf(value, sizeof value, "%.2f/%.2f", s->k_missing, s->k_outlier);
			break;
		case ROW_KMISS:
			snprintf(label, sizeof label, "  %s", _("k: nulls"));
			snprintf(value, sizeof value, "%.2f", s->k_missing);
			break;
		case ROW_KOUT:
			snprintf(label, sizeof label, "  %s", _("k: outliers"));
			snprintf(value, sizeof value, "%.2f", s->k_outlier);
			break;
		case ROW_SIGMA:
			snprintf(label, sizeof label, "%s", _("\xcf\x83 (sigma)"));
			snprintf(value, sizeof value, "%g", s->sigma);
			break;
		case ROW_OUTLIERS:
			snprintf(label, sizeof label, "%s", _("outliers"));
			snprintf(value, sizeof value, "%s", tui_name(clean_outliers_name(s->outliers)));
			break;
		default: {
			const fill_row *f = &s->fills[i - ROW_FILL];
			snprintf(label, sizeof label, _("fill %s"), f->name);
			fill_text(f, value, sizeof value);
			break;
		}
		}
		int sel = i == s->cur;
		int attr = sel ? tui_attr(TUI_C_SELECT) : 0;
		if (sel)
			tui_fill(y, r.x, r.w, attr);
		tui_cell(y, r.x + 1, lw - 1, label, -1, attr);
		tui_cell(y, r.x + lw, r.w - lw, value, -1,
			 attr | (i >= ROW_FILL && s->fills[i - ROW_FILL].kind == FILL_DEFAULT ? 0 : A_BOLD));
	}
	tui_put(r.y + r.h - 2, r.x, r.w, _("a apply · u undo"), tui_attr(TUI_C_DIM));
	tui_put(r.y + r.h - 1, r.x, r.w, _("s snapshots · r reset"), tui_attr(TUI_C_DIM));
}

/* Rows of the impact panel. */
typedef struct {
	char label[256];
	long long value, delta;
	int has_value, has_delta, head;
} impact_line;

/* The active snapshot's report of source name: what the change column
 * compares with. */
static json_t *prev_source(const clean_state *s, const char *name)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(json_object_get(active_snapshot(s), "report"), "sources"), i, x)
	{
		if (!strcmp(json_string_value(json_object_get(x, "name")), name))
			return x;
	}
	return NULL;
}

/* A value of the changes sample as shown: null for an SQL NULL, a blank
 * text in quotes, others as they are. */
static void shown_value(json_t *v, char *buf, size_t n)
{
	const char *t = json_string_value(v);
	if (!t)
		snprintf(buf, n, "%s", _("null"));
	else if (!t[strspn(t, " \t")])
		snprintf(buf, n, "\"%s\"", t);
	else
		snprintf(buf, n, "%s", t);
}

static size_t impact_lines(const clean_state *s, impact_line *out, size_t max)
{
	size_t n = 0, i;
	json_t *src;
	json_array_foreach(json_object_get(s->report, "sources"), i, src)
	{
		const char *name = json_string_value(json_object_get(src, "name"));
		json_t *prev = prev_source(s, name);
		int label = json_is_integer(json_object_get(src, "unlabeled"));
		if (n + 16 > max)
			break;
		if (i)
			out[n++] = (impact_line){"", 0, 0, 0, 0, 0};
		impact_line *h = &out[n++];
		memset(h, 0, sizeof *h);
		snprintf(h->label, sizeof h->label, label ? _("%s (label source)") : "%s", name);
		h->head = 1;
		static const struct {
			const char *key, *label;
			int when; /* 0 always, 1 label source only, 2 other sources only */
		} rows[] = {
			{"rows_in", N_("rows in"), 0},
			{"duplicates_removed", N_("duplicates removed"), 0},
			{"dropped_repeated_key", N_("dropped: repeated key"), 1},
			{"dropped_no_case", N_("dropped: no case"), 2},
			{"dropped_missing", N_("dropped: nulls"), 0},
			{"dropped_outlier", N_("dropped: outliers"), 0},
			{"rows_out", N_("rows left"), 0},
			{"unlabeled", N_("unlabeled cases"), 1},
		};
		for (size_t k = 0; k < sizeof rows / sizeof rows[0]; k++) {
			if ((rows[k].when == 1 && !label) || (rows[k].when == 2 && label))
				continue;
			impact_line *l = &out[n++];
			memset(l, 0, sizeof *l);
			snprintf(l->label, sizeof l->label, "%s", _(rows[k].label));
			l->value = json_integer_value(json_object_get(src, rows[k].key));
			l->has_value = 1;
			if (prev) {
				l->delta = l->value - json_integer_value(json_object_get(prev, rows[k].key));
				l->has_delta = l->delta != 0;
			}
		}
		/* Cells changed per field, then classes left. */
		static const char *const per[] = {"filled", "replaced"};
		static const char *const per_label[] = {N_("filled %s"), N_("replaced %s")};
		for (int k = 0; k < 2; k++) {
			const char *field;
			json_t *v;
			json_object_foreach(json_object_get(src, per[k]), field, v)
			{
				long long c = json_integer_value(v);
				long long pc = prev ? json_integer_value(json_object_get(json_object_get(prev, per[k]), field))
						    : c;
				if ((!c && !pc) || n >= max - 1)
					continue;
				impact_line *l = &out[n++];
				memset(l, 0, sizeof *l);
				snprintf(l->label, sizeof l->label, _(per_label[k]), field);
				l->value = c;
				l->has_value = 1;
				l->delta = c - pc;
				l->has_delta = prev && l->delta != 0;
			}
		}
		/* A sample of the values changed, per field: before -> after. */
		const char *field;
		json_t *ch;
		int said = 0;
		json_object_foreach(json_object_get(src, "changes"), field, ch)
		{
			if (n >= max - 2)
				break;
			if (!said++) {
				impact_line *l = &out[n++];
				memset(l, 0, sizeof *l);
				snprintf(l->label, sizeof l->label, "%s", _("values changed (sample)"));
				l->head = 2;
			}
			impact_line *l = &out[n++];
			memset(l, 0, sizeof *l);
			l->head = 3;
			size_t len = (size_t)snprintf(l->label, sizeof l->label, "  %s:", field);
			size_t c;
			json_t *x;
			json_array_foreach(ch, c, x)
			{
				char before[64], after[64];
				shown_value(json_object_get(x, "before"), before, sizeof before);
				shown_value(json_object_get(x, "after"), after, sizeof after);
				if (len < sizeof l->label)
					len += (size_t)snprintf(l->label + len, sizeof l->label - len, "%s %s \xe2\x86\x92 %s",
								c ? "," : "", before, after);
			}
		}
		json_t *classes = json_object_get(src, "classes");
		if (json_array_size(classes) && n < max - 1) {
			impact_line *l = &out[n++];
			memset(l, 0, sizeof *l);
			snprintf(l->label, sizeof l->label, "%s", _("classes left"));
			l->head = 2;
			size_t c;
			json_t *cl;
			json_array_foreach(classes, c, cl)
			{
				if (n >= max)
					break;
				impact_line *m = &out[n++];
				memset(m, 0, sizeof *m);
				snprintf(m->label, sizeof m->label, "  %s", json_string_value(json_array_get(cl, 0)));
				m->value = json_integer_value(json_array_get(cl, 1));
				m->has_value = 1;
				long long pv = m->value;
				size_t pi;
				json_t *pcl;
				json_array_foreach(json_object_get(prev, "classes"), pi, pcl)
				{
					if (!strcmp(json_string_value(json_array_get(pcl, 0)), json_string_value(json_array_get(cl, 0))))
						pv = json_integer_value(json_array_get(pcl, 1));
				}
				m->delta = m->value - pv;
				m->has_delta = prev && m->delta != 0;
			}
		}
		/* Classes the previous settings kept and these lose. */
		size_t pi;
		json_t *pcl;
		json_array_foreach(prev ? json_object_get(prev, "classes") : NULL, pi, pcl)
		{
			const char *gone = json_string_value(json_array_get(pcl, 0));
			int found = 0;
			size_t c;
			json_t *cl;
			json_array_foreach(classes, c, cl)
			{
				found |= !strcmp(json_string_value(json_array_get(cl, 0)), gone);
			}
			if (found || n >= max)
				continue;
			impact_line *m = &out[n++];
			memset(m, 0, sizeof *m);
			snprintf(m->label, sizeof m->label, "  %s", gone);
			m->has_value = 1;
			m->delta = -json_integer_value(json_array_get(pcl, 1));
			m->has_delta = 1;
		}
	}
	return n;
}

static void draw_impact(clean_state *s, tui_rect r)
{
	long long vs = json_integer_value(json_object_get(active_snapshot(s), "id"));
	int tw = tui_put(r.y, r.x, r.w, _("Impact (dry run)"), tui_attr(TUI_C_TITLE));
	if (vs && r.w - tw - 13 > 0) {
		char t[128];
		snprintf(t, sizeof t, _(" \xc2\xb7 (\xc2\xb1 from snapshot %lld)"), vs);
		tui_put(r.y, r.x + tw, r.w - tw - 13, t, tui_attr(TUI_C_DIM));
	}
	if (s->busy || s->applying)
		tui_put(r.y, r.x + r.w - 12, 12, s->applying ? _("applying...") : _("computing..."),
			tui_attr(TUI_C_DIM));
	if (s->failed) {
		char buf[1024];
		const char *p[] = {"", error_format(&s->err, buf, sizeof buf)};
		tui_paragraphs((tui_rect){r.y + 1, r.x, r.h - 1, r.w}, p, 2, tui_attr(TUI_C_BAD));
		return;
	}
	if (!s->report) {
		tui_put(r.y + 2, r.x + 1, r.w - 1, _("loading the tables..."), tui_attr(TUI_C_DIM));
		return;
	}
	impact_line lines[512];
	size_t n = impact_lines(s, lines, 512);
	int rows = r.h - 1;
	if (s->iscroll > (int)n - rows)
		s->iscroll = (int)n - rows > 0 ? (int)n - rows : 0;
	if (s->iscroll < 0)
		s->iscroll = 0;
	int vw = 8, lw = r.w - vw - 10;
	if (lw > 30)
		lw = 30;
	for (int k = 0; k < rows && s->iscroll + k < (int)n; k++) {
		impact_line *l = &lines[s->iscroll + k];
		int y = r.y + 1 + k;
		if (l->head == 3) {
			tui_put(y, r.x + 1, r.w - 1, l->label, tui_attr(TUI_C_DIM));
			continue;
		}
		if (l->head) {
			tui_put(y, r.x + (l->head == 2 ? 1 : 0), r.w, l->label, l->head == 1 ? tui_attr(TUI_C_ACCENT) | A_BOLD : 0);
			continue;
		}
		tui_cell(y, r.x + 1, lw, l->label, -1, 0);
		if (l->has_value) {
			char v[32];
			snprintf(v, sizeof v, "%lld", l->value);
			tui_cell(y, r.x + 1 + lw, vw, v, 1, A_BOLD);
		}
		if (l->has_delta) {
			char d[32];
			snprintf(d, sizeof d, " (%+lld)", l->delta);
			tui_put(y, r.x + 1 + lw + vw, 9, d, tui_attr(TUI_C_WARN));
		}
	}
}

static void clean_draw(void *st, tui_app *a, tui_rect r)
{
	clean_state *s = st;
	char extra[256];
	if (a->snapshot)
		snprintf(extra, sizeof extra, _("active snapshot %lld"), a->snapshot);
	else
		snprintf(extra, sizeof extra, "%s", _("no snapshot yet"));
	if (s->snap_mode) {
		tui_heading(r.y, r.x + 1, r.w - 2, _("Snapshots (Enter makes one active, Esc back)"), extra);
		if (!s->snap_tbl.nrows)
			tui_put(r.y + 2, r.x + 2, r.w - 3, s->snaps_busy ? _("loading...") : _("no snapshots yet"),
				tui_attr(TUI_C_DIM));
		else
			tui_table_draw(&s->snap_tbl, (tui_rect){r.y + 2, r.x + 1, r.h - 2, r.w - 2}, 1);
		return;
	}
	tui_heading(r.y, r.x + 1, r.w - 2, _("Clean"), extra);
	if (a->src_state != 1) {
		tui_put(r.y + 2, r.x + 2, r.w - 3, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	int fw = r.w * 9 / 20;
	if (fw < 30)
		fw = 30;
	if (fw > 56)
		fw = 56;
	draw_form(s, (tui_rect){r.y + 2, r.x + 1, r.h - 2, fw});
	draw_impact(s, (tui_rect){r.y + 2, r.x + fw + 3, r.h - 2, r.w - fw - 4});
}

/* ------------------------------------------------------------ keys */

static double clamp01(double k)
{
	k = round(k * 100) / 100;
	return k < 0 ? 0 : k > 1 ? 1 : k;
}

/* Step the value of row `row` by dir (-1, +1). */
static void step_value(clean_state *s, int row, int dir)
{
	switch (row) {
	case ROW_K:
		s->k_missing = s->k_outlier = clamp01(s->k_missing + 0.05 * dir);
		break;
	case ROW_KMISS:
		s->k_missing = clamp01(s->k_missing + 0.05 * dir);
		break;
	case ROW_KOUT:
		s->k_outlier = clamp01(s->k_outlier + 0.05 * dir);
		break;
	case ROW_SIGMA:
		s->sigma = round((s->sigma + 0.5 * dir) * 2) / 2;
		if (s->sigma < 0.5)
			s->sigma = 0.5;
		break;
	case ROW_OUTLIERS:
		s->outliers = (yj_outlier_mode)(((int)s->outliers + 4 + dir) % 4);
		break;
	default: {
		fill_row *f = &s->fills[row - ROW_FILL];
		static const yj_fill_kind num[] = {FILL_DEFAULT, FILL_MEAN, FILL_MEDIAN, FILL_MODE, FILL_ZERO, FILL_CONST};
		static const yj_fill_kind other[] = {FILL_DEFAULT, FILL_MODE, FILL_CONST};
		const yj_fill_kind *v = f->numeric ? num : other;
		int n = f->numeric ? 6 : 3, at = 0;
		for (int i = 0; i < n; i++)
			if (v[i] == f->kind)
				at = i;
		f->kind = v[(at + n + dir) % n];
		if (f->kind == FILL_CONST && !f->value)
			f->value = strdup(f->numeric ? "0" : "");
		break;
	}
	}
}

static void edit_done(void *ctx, tui_app *a, const char *text)
{
	clean_state *s = ctx;
	if (!text)
		return;
	double v;
	char *end;
	int row = s->edit_row;
	if (row >= nrows_form(s))
		return; /* the fields changed meanwhile */
	switch (row) {
	case ROW_K:
	case ROW_KMISS:
	case ROW_KOUT:
		v = strtod(text, &end);
		if (end == text || *end || !(v >= 0 && v <= 1)) {
			tui_message(a, 1, _("k must be a number between 0 and 1 (got '%s')"), text);
			return;
		}
		if (row != ROW_KOUT)
			s->k_missing = v;
		if (row != ROW_KMISS)
			s->k_outlier = v;
		break;
	case ROW_SIGMA:
		v = strtod(text, &end);
		if (end == text || *end || !(v > 0) || !isfinite(v)) {
			tui_message(a, 1, _("sigma must be a positive number"));
			return;
		}
		s->sigma = v;
		break;
	case ROW_OUTLIERS:
		if (clean_parse_outliers(text, &s->outliers)) {
			tui_message(a, 1, _("outliers: replace, clip, drop or keep"));
			return;
		}
		break;
	default: {
		fill_row *f = &s->fills[row - ROW_FILL];
		yj_fill_kind kind;
		const char *value;
		if (!strcmp(text, "default") || !*text) {
			kind = FILL_DEFAULT;
			value = NULL;
		} else if (clean_parse_fill(text, &kind, &value)) {
			tui_message(a, 1, _("a fill strategy: mean, median, mode, zero, const:VALUE or default"));
			return;
		}
		if (!f->numeric && (kind == FILL_MEAN || kind == FILL_MEDIAN || kind == FILL_ZERO)) {
			tui_message(a, 1, _("%s needs a numeric field"), text);
			return;
		}
		f->kind = kind;
		free(f->value);
		f->value = value ? strdup(value) : NULL;
		break;
	}
	}
	a->msg[0] = '\0';
	request_preview(s, a);
}

static void begin_edit(clean_state *s, tui_app *a)
{
	char init[256], prompt[300];
	switch (s->cur) {
	case ROW_K:
	case ROW_KMISS:
		snprintf(init, sizeof init, "%g", s->k_missing);
		break;
	case ROW_KOUT:
		snprintf(init, sizeof init, "%g", s->k_outlier);
		break;
	case ROW_SIGMA:
		snprintf(init, sizeof init, "%g", s->sigma);
		break;
	case ROW_OUTLIERS:
		snprintf(init, sizeof init, "%s", clean_outliers_name(s->outliers));
		break;
	default: {
		fill_row *f = &s->fills[s->cur - ROW_FILL];
		if (f->kind == FILL_DEFAULT)
			snprintf(init, sizeof init, "default");
		else if (f->kind == FILL_CONST)
			snprintf(init, sizeof init, "const:%s", f->value ? f->value : "");
		else
			snprintf(init, sizeof init, "%s", clean_fill_name(f->kind));
		break;
	}
	}
	static const char *const names[] = {N_("k"), N_("k: nulls"), N_("k: outliers"), N_("sigma"),
					    N_("outliers")};
	snprintf(prompt, sizeof prompt, "%s: ",
		 s->cur < ROW_FILL ? _(names[s->cur]) : s->fills[s->cur - ROW_FILL].name);
	s->edit_row = s->cur;
	tui_input_begin(a, prompt, init, edit_done, s);
}

static int snapshot_exists(const clean_state *s, long long id)
{
	size_t i;
	json_t *x;
	json_array_foreach(json_object_get(s->snaps, "snapshots"), i, x)
	{
		if (json_integer_value(json_object_get(x, "id")) == id)
			return 1;
	}
	return 0;
}

static int snap_key(clean_state *s, tui_app *a, int action)
{
	switch (action) {
	case ACT_BACK:
	case ACT_QUIT:
	case A_SNAPSHOTS:
		s->snap_mode = 0;
		return TUI_REDRAW;
	case ACT_ENTER: {
		size_t row = tui_table_row(&s->snap_tbl);
		if (row == (size_t)-1)
			return TUI_KEEP;
		long long id = strtoll(s->snap_tbl.cell[row * (size_t)s->snap_tbl.ncols], NULL, 10);
		snap_request(s, a, 1, id);
		s->snap_mode = 0;
		return TUI_REDRAW;
	}
	case ACT_SEARCH:
		tui_table_search(a, &s->snap_tbl);
		return TUI_REDRAW;
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		return tui_table_search_again(a, &s->snap_tbl, action == ACT_SEARCH_NEXT ? 1 : -1);
	default:
		return tui_table_move(&s->snap_tbl, action);
	}
}

static int clean_key(void *st, tui_app *a, int action)
{
	clean_state *s = st;
	if (s->snap_mode)
		return snap_key(s, a, action);
	int n = nrows_form(s);
	switch (action) {
	case ACT_UP:
		if (s->cur > 0)
			s->cur--;
		return TUI_REDRAW;
	case ACT_DOWN:
		if (s->cur + 1 < n)
			s->cur++;
		return TUI_REDRAW;
	case ACT_PGUP:
		s->cur = s->cur > 10 ? s->cur - 10 : 0;
		return TUI_REDRAW;
	case ACT_PGDN:
		s->cur = s->cur + 10 < n ? s->cur + 10 : n - 1;
		return TUI_REDRAW;
	case ACT_HOME:
		s->cur = 0;
		return TUI_REDRAW;
	case ACT_END:
		s->cur = n - 1;
		return TUI_REDRAW;
	case ACT_LEFT:
	case A_DEC:
	case ACT_RIGHT:
	case A_INC:
		step_value(s, s->cur, action == ACT_LEFT || action == A_DEC ? -1 : 1);
		request_preview(s, a);
		return TUI_REDRAW;
	case ACT_ENTER:
		begin_edit(s, a);
		return TUI_REDRAW;
	case A_RESET:
		reset_settings(s);
		request_preview(s, a);
		tui_message(a, 0, _("default settings"));
		return TUI_REDRAW;
	case A_APPLY:
		if (s->applying)
			return TUI_KEEP;
		snap_request(s, a, 2, 0);
		return TUI_REDRAW;
	case A_UNDO: {
		if (s->snaps_busy)
			return TUI_KEEP;
		/* The latest snapshot active before that still exists and is
		 * not the active one. */
		long long prev = 0;
		while (s->nundo && !prev) {
			long long id = s->undo[--s->nundo];
			if (id != s->seen_active && snapshot_exists(s, id))
				prev = id;
		}
		if (!prev) {
			tui_message(a, 1, _("nothing to undo: no other snapshot was active in this session (s lists them)"));
			return TUI_REDRAW;
		}
		s->undoing = 1;
		snap_request(s, a, 1, prev);
		return TUI_REDRAW;
	}
	case A_SNAPSHOTS:
		s->snap_mode = 1;
		if (!s->snaps_busy)
			snap_request(s, a, 0, 0);
		return TUI_REDRAW;
	case A_IMPACT_UP:
		s->iscroll -= 5;
		return TUI_REDRAW;
	case A_IMPACT_DOWN:
		s->iscroll += 5;
		return TUI_REDRAW;
	default:
		return TUI_UNHANDLED;
	}
}

const tui_view_ops tui_view_clean = {
	.title = N_("Clean"),
	.about = N_("The cleaning settings and, beside them, what they would do: every change runs "
		    "the cleaning again without writing anything. k drops a row whose share of nulls "
		    "(or of outliers) among its attributes exceeds it; sigma defines the outliers. "
		    "Apply stores a snapshot; undo makes the previous snapshot active again."),
	.keys = keys,
	.open = clean_open,
	.close = clean_close,
	.draw = clean_draw,
	.key = clean_key,
	.reload = clean_reload,
	.show = clean_show,
};
