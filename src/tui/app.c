/*
 * app.c - the workbench's frame and event loop.
 *
 * Screen: a tab bar (the views, by number), the current view, the message
 * pane when open (output of ':' commands), a status line (project, active
 * snapshot, latest run, background work) and the message line, which the
 * ':' prompt and the input line take over while open.
 *
 * The loop waits in poll() on the terminal, the wake pipe (finished jobs,
 * SIGWINCH) and the running child's output, with a timeout for the
 * periodic refresh, so a key is answered as soon as it arrives: nothing
 * slow runs on this thread.  Each pass handles what is ready, then draws
 * the whole frame into stdscr and flushes it once.  With
 * YUJING_TUI_TRACE=FILE in the environment, each frame that answers keys
 * appends to FILE the milliseconds from reading them to the flushed frame
 * and the processor milliseconds this thread spent in between
 * (tests/tui/key-latency.py reads it).
 */
#include <config.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <locale.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/data/clean.h"
#include "yujing/store/project.h"
#include "yujing/store/prompts.h"
#include "yujing/store/runs.h"
#include "yujing/store/splits.h"
#include "yujing/train/train.h"

#define CTRL_KEY(c) ((c)&0x1f)
#define LOG_MAX 5000

static const tui_view_ops *const views[TUI_NVIEWS] = {
	&tui_view_sources, &tui_view_quality, &tui_view_clean, &tui_view_train,
	&tui_view_cases,   &tui_view_runs,    &tui_view_warnings,
};

/* The keys every view shares.  A view's own keymap is looked up first. */
static const tui_binding global_keys[] = {
	{ACT_NEXT_VIEW, {'\t'}, "Tab", N_("next view")},
	{ACT_PREV_VIEW, {KEY_BTAB}, "S-Tab", N_("previous view")},
	{ACT_UP, {KEY_UP, 'k'}, "\xe2\x86\x91 k", N_("move up")},
	{ACT_DOWN, {KEY_DOWN, 'j'}, "\xe2\x86\x93 j", N_("move down")},
	{ACT_LEFT, {KEY_LEFT, 'h'}, "\xe2\x86\x90 h", N_("move left")},
	{ACT_RIGHT, {KEY_RIGHT, 'l'}, "\xe2\x86\x92 l", N_("move right")},
	{ACT_PGUP, {KEY_PPAGE, CTRL_KEY('b')}, "PgUp ^B", N_("page up")},
	{ACT_PGDN, {KEY_NPAGE, CTRL_KEY('f')}, "PgDn ^F", N_("page down")},
	{ACT_HOME, {KEY_HOME, 'g'}, "Home g", N_("to the first row")},
	{ACT_END, {KEY_END, 'G'}, "End G", N_("to the last row")},
	{ACT_ENTER, {'\r', '\n', KEY_ENTER}, "Enter", N_("drill in, choose")},
	{ACT_SEARCH, {'/'}, "/", N_("search")},
	{ACT_SEARCH_NEXT, {'n'}, "n", N_("next match")},
	{ACT_SEARCH_PREV, {'N'}, "N", N_("previous match")},
	{ACT_BACK, {27}, "Esc", N_("close the message pane, else back")},
	{ACT_QUIT, {'q'}, "q", N_("back; quit at the top level")},
	{ACT_PROMPT, {':'}, ":", N_("command prompt: the CLI's commands, Tab completes")},
	{ACT_MESSAGES, {'m'}, "m", N_("message pane: open, focus to scroll, close")},
	{ACT_INTERRUPT, {CTRL_KEY('c')}, "^C", N_("interrupt the running command")},
	{ACT_REDRAW, {CTRL_KEY('l')}, "^L", N_("redraw the screen")},
	{ACT_HELP, {'?', KEY_F(1)}, "? F1", N_("the keys of this view")},
	{ACT_NONE, {0}, NULL, NULL},
};

int tui_keymap_find(const tui_binding *map, int key)
{
	for (const tui_binding *b = map; b && b->action != ACT_NONE; b++)
		for (int i = 0; i < 4 && b->keys[i]; i++)
			if (b->keys[i] == key)
				return b->action;
	return ACT_NONE;
}

/* ------------------------------------------------------------ messages */

void tui_message(tui_app *a, int kind, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	vsnprintf(a->msg, sizeof a->msg, fmt, ap);
	va_end(ap);
	a->msg_kind = kind;
	a->dirty = 1;
}

void tui_error(tui_app *a, const yj_error *err)
{
	char buf[2048];
	tui_message(a, 1, "%s", error_format(err, buf, sizeof buf));
	tui_log(a, 3, buf); /* kept in the message pane too */
}

void tui_log(tui_app *a, int kind, const char *text)
{
	if (a->nlog == LOG_MAX) {
		free(a->log[0].text);
		memmove(a->log, a->log + 1, (LOG_MAX - 1) * sizeof *a->log);
		a->nlog--;
	}
	if (a->nlog == a->log_cap) {
		size_t cap = a->log_cap ? 2 * a->log_cap : 64;
		tui_log_line *v = realloc(a->log, cap * sizeof *v);
		if (!v)
			return;
		a->log = v;
		a->log_cap = cap;
	}
	a->log[a->nlog].text = strdup(text);
	a->log[a->nlog].kind = kind;
	if (a->log[a->nlog].text)
		a->nlog++;
	a->dirty = 1;
}

/* ------------------------------------------------------------ jobs */

void tui_submit(tui_app *a, tui_job *j)
{
	tui_worker_submit(a->worker, j);
	a->dirty = 1;
}

/* The catalogue: sources and their fields. */
typedef struct {
	tui_job base;
	yj_source_info *src;
	size_t n;
	unsigned gen;
} sources_job;

static void sources_run(tui_job *j, yj_project *p)
{
	sources_job *s = (sources_job *)j;
	j->st = sources_list(p, &s->src, &s->n, &j->err);
}

static void call_show(tui_app *a)
{
	const tui_view_ops *v = views[a->view];
	if (v->show && a->vstate[a->view])
		v->show(a->vstate[a->view], a);
}

static void sources_done(tui_job *j, tui_app *a)
{
	sources_job *s = (sources_job *)j;
	if (j->st) {
		a->src_state = -1;
		tui_error(a, &j->err);
		return;
	}
	sources_list_free(a->src, a->nsrc);
	a->src = s->src;
	a->nsrc = s->n;
	s->src = NULL;
	s->n = 0;
	a->src_state = 1;
	a->src_gen++;
	/* Keep the selected source when it is still there. */
	const char *keep = a->cur_source;
	int found = 0;
	for (size_t i = 0; keep && i < a->nsrc; i++)
		found |= !strcmp(a->src[i].name, keep);
	if (!found) {
		free(a->cur_source);
		a->cur_source = a->nsrc ? strdup(a->src[0].name) : NULL;
	}
	call_show(a);
	a->dirty = 1;
}

static void sources_destroy(tui_job *j)
{
	sources_job *s = (sources_job *)j;
	sources_list_free(s->src, s->n);
	free(s);
}

static void load_sources(tui_app *a)
{
	sources_job *s = calloc(1, sizeof *s);
	if (!s)
		return;
	tui_job_init(&s->base, NULL, sources_run, sources_done, sources_destroy);
	tui_submit(a, &s->base);
}

/* The status line: active snapshot, its split, the model of record and
 * the latest run. */
typedef struct {
	tui_job base;
	long long snapshot, split, model, run;
	int pinned;
	/* the launches not yet matched (copied), and their runs: -1 gone
	 * without one we can name, 0 not yet known */
	long long lpid[TUI_MAX_LAUNCH], lafter[TUI_MAX_LAUNCH], lrun[TUI_MAX_LAUNCH];
	char *llog[TUI_MAX_LAUNCH];
	int nl;
	/* the active snapshot has no split: the latest split and its settings */
	long long last_split;
	json_t *last_settings;
	char status[32];
	unsigned long long fp; /* fingerprint of the catalogue */
} status_job;

static unsigned long long fnv(unsigned long long h, const char *s)
{
	for (; s && *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ULL;
	return (h ^ 0xff) * 1099511628211ULL;
}

/* Whether a log's last lines name run id as train writes it at its end
 * ("run N done", "运行 N 完成", a hint "--resume N"). */
static int log_names_run(char *const *lines, size_t n, long long id)
{
	static const char *const pat[] = {"run %lld ", "\xe8\xbf\x90\xe8\xa1\x8c %lld ", "--resume %lld"};
	for (size_t i = 0; i < n; i++) {
		const char *l = lines[i] ? lines[i] : "";
		for (size_t k = 0; k < sizeof pat / sizeof pat[0]; k++) {
			char want[64];
			snprintf(want, sizeof want, pat[k], id);
			const char *f = strstr(l, want);
			size_t wl = strlen(want);
			if (f && (f == l || f[-1] == ' ' || f[-1] == '\'') && !(f[wl] >= '0' && f[wl] <= '9'))
				return 1;
		}
	}
	return 0;
}

/* Which run each launch made: the run whose process it is while it
 * trains; once the process is gone (the run may have ended before we
 * looked), the one run after `after` that no live process holds and that
 * its log names, else none (-1: it failed before making a run, or we
 * cannot tell: a run another process started meanwhile is never taken). */
static void match_launches(yj_project *p, status_job *s, json_t *arr)
{
	size_t i;
	json_t *r;
	for (int k = 0; k < s->nl; k++) {
		long long found = 0, cand = 0;
		int ncand = 0, gone = !runs_pid_alive(s->lpid[k]);
		char *lines[32];
		size_t nlines = gone ? tui_read_tail(s->llog[k], lines, 32) : 0; /* read once, and only then */
		json_array_foreach(arr, i, r)
		{
			long long id = json_integer_value(json_object_get(r, "id"));
			if (id <= s->lafter[k])
				continue;
			yj_run_row row;
			yj_error e;
			if (runs_get(p, id, &row, &e))
				continue;
			if (row.pid == s->lpid[k])
				found = id;
			else if (gone && (!row.pid || !runs_pid_alive(row.pid)) && log_names_run(lines, nlines, id)) {
				cand = id;
				ncand++;
			}
			runs_row_free(&row);
		}
		for (size_t l = 0; l < nlines; l++)
			free(lines[l]);
		if (found)
			s->lrun[k] = found;
		else if (gone)
			s->lrun[k] = ncand == 1 ? cand : -1;
	}
}

static void status_run(tui_job *j, yj_project *p)
{
	status_job *s = (status_job *)j;
	yj_error e;
	error_clear(&e);
	if (clean_active_snapshot(p, &s->snapshot, &e))
		s->snapshot = 0;
	long long snap = 0;
	if (splits_of_active_snapshot(p, &s->split, &snap, &e))
		s->split = 0;
	if (runs_model_of_record(p, &s->model, &s->pinned, &e))
		s->model = 0;
	char *text = NULL;
	if (s->snapshot && !s->split && !splits_latest_settings(p, &s->last_split, &text, &e) && text)
		s->last_settings = json_loads(text, 0, NULL);
	free(text);
	/* Another process may import or replace a source: notice it. */
	yj_source_info *v;
	size_t nv;
	s->fp = 1469598103934665603ULL;
	if (!sources_list(p, &v, &nv, &e)) {
		for (size_t i = 0; i < nv; i++) {
			char rows[32];
			snprintf(rows, sizeof rows, "%lld", v[i].rows);
			s->fp = fnv(fnv(fnv(s->fp, v[i].name), v[i].imported_at), rows);
		}
		sources_list_free(v, nv);
	}
	json_t *runs = NULL;
	if (!train_list(p, &runs, &e)) {
		json_t *arr = json_object_get(runs, "runs");
		size_t n = json_array_size(arr);
		if (n) {
			json_t *r = json_array_get(arr, n - 1);
			s->run = json_integer_value(json_object_get(r, "id"));
			snprintf(s->status, sizeof s->status, "%s", json_string_value(json_object_get(r, "status")));
		}
		match_launches(p, s, arr);
		json_decref(runs);
	}
}

/* A launch that ended without making a run: the error it wrote to its log
 * ("yujing: ..." or "yujing train: ..."), said here, since the view that
 * follows pending launches may not have read the log before it ended. */
static void tell_launch_error(tui_app *a, const char *log)
{
	char *lines[32];
	size_t n = tui_read_tail(log, lines, 32);
	int told = 0;
	for (size_t i = 0; i < n; i++) { /* the command line reads "$ yujing ..." */
		if (!told && lines[i] && !strncmp(lines[i], "yujing", 6)) {
			tui_log(a, 3, lines[i]);
			tui_message(a, 1, "%s", lines[i]);
			told = 1;
		}
		free(lines[i]);
	}
}

/* The launches the status job matched: logs renamed after their runs. */
static void launches_done(tui_app *a, const status_job *s)
{
	for (int k = 0; k < s->nl; k++) {
		if (!s->lrun[k])
			continue;
		for (int i = 0; i < a->nlaunch; i++) {
			if (a->launch[i].pid != s->lpid[k])
				continue;
			if (s->lrun[k] > 0) {
				char *to = tui_run_log(a, s->lrun[k]);
				if (to && rename(a->launch[i].log, to))
					tui_message(a, 1, _("cannot rename %s: %s"), a->launch[i].log, strerror(errno));
				free(to);
			} else {
				tell_launch_error(a, a->launch[i].log);
			}
			free(a->launch[i].log);
			memmove(a->launch + i, a->launch + i + 1, (size_t)(a->nlaunch - i - 1) * sizeof *a->launch);
			a->nlaunch--;
			a->dirty = 1;
			break;
		}
	}
}

/* The answer to offer_split(): y runs the split command it named. */
static void split_answer(void *ctx, tui_app *a, const char *text)
{
	char *line = ctx;
	if (text && (text[0] == 'y' || text[0] == 'Y'))
		tui_run_line(a, line);
	else
		tui_message(a, 0, _("not split: ':split' splits it, and train needs a split"));
	free(line);
}

/* A new active snapshot without a split (an apply in Clean, ':clean'):
 * offer to split it as the latest split was made, with one key. */
static void offer_split(tui_app *a, const status_job *s)
{
	json_t *st = s->last_settings;
	if (!s->last_split || !st || a->input || a->prompt_open)
		return;
	char line[256], q[512];
	int n = snprintf(line, sizeof line, "split --seed %lld --test %g",
			 (long long)json_integer_value(json_object_get(st, "seed")),
			 json_number_value(json_object_get(st, "test")));
	json_t *valid = json_object_get(st, "valid");
	if (json_is_number(valid) && n > 0 && (size_t)n < sizeof line) /* 0 too: the default is not 0 */
		n += snprintf(line + n, sizeof line - (size_t)n, " --valid %g", json_number_value(valid));
	const char *pick = json_string_value(json_object_get(st, "label_pick"));
	if (pick && n > 0 && (size_t)n < sizeof line)
		snprintf(line + n, sizeof line - (size_t)n, " --label-pick %s", pick);
	char *ctx = strdup(line);
	if (!ctx)
		return;
	snprintf(q, sizeof q, _("snapshot %lld has no split: split it as split %lld was made (%s)? (y/n) "),
		 s->snapshot, s->last_split, line);
	tui_input_begin(a, q, "", split_answer, ctx);
}

static void status_done(tui_job *j, tui_app *a)
{
	status_job *s = (status_job *)j;
	a->status_pending = 0;
	launches_done(a, s);
	if (a->status_known && s->snapshot && s->snapshot != a->snapshot && !s->split)
		offer_split(a, s);
	int first = !a->status_known;
	a->status_known = 1;
	if (!first && s->fp != a->src_fp && a->child_pid <= 0) {
		/* The sources changed under us (another process). */
		a->src_fp = s->fp;
		tui_project_changed(a);
		tui_message(a, 0, _("the project changed; views reloaded"));
	}
	a->src_fp = s->fp;
	if (!first && s->snapshot != a->snapshot && a->vstate[VIEW_CLEAN] && views[VIEW_CLEAN]->reload)
		views[VIEW_CLEAN]->reload(a->vstate[VIEW_CLEAN], a);
	if (a->snapshot != s->snapshot || a->run != s->run || strcmp(a->run_status, s->status) ||
	    a->split != s->split || a->model != s->model || a->model_pinned != s->pinned) {
		a->split = s->split;
		a->model = s->model;
		a->model_pinned = s->pinned;
		a->snapshot = s->snapshot;
		a->run = s->run;
		snprintf(a->run_status, sizeof a->run_status, "%s", s->status);
		a->dirty = 1;
	}
}

static void status_destroy(tui_job *j)
{
	status_job *s = (status_job *)j;
	json_decref(s->last_settings);
	for (int i = 0; i < s->nl; i++)
		free(s->llog[i]);
	free(j);
}

void tui_refresh_status(tui_app *a)
{
	if (a->status_pending)
		return;
	status_job *s = calloc(1, sizeof *s);
	if (!s)
		return;
	tui_job_init(&s->base, NULL, status_run, status_done, status_destroy);
	for (int i = 0; i < a->nlaunch; i++) {
		s->lpid[i] = a->launch[i].pid;
		s->lafter[i] = a->launch[i].after;
		s->llog[i] = strdup(a->launch[i].log);
	}
	s->nl = a->nlaunch;
	a->status_pending = 1;
	tui_submit(a, &s->base);
}

/* Prompt history: load once, store each line. */
typedef struct {
	tui_job base;
	char *line;
	char **lines;
	size_t n;
} prompts_job;

static void prompts_load_run(tui_job *j, yj_project *p)
{
	prompts_job *s = (prompts_job *)j;
	j->st = prompts_load(p, &s->lines, &s->n, &j->err);
}

static void prompts_load_done(tui_job *j, tui_app *a)
{
	prompts_job *s = (prompts_job *)j;
	if (!j->st)
		tui_prompt_history(a, s->lines, s->n);
}

static void prompts_add_run(tui_job *j, yj_project *p)
{
	prompts_job *s = (prompts_job *)j;
	j->st = prompts_add(p, s->line, 500, &j->err);
}

static void prompts_add_done(tui_job *j, tui_app *a)
{
	if (j->st)
		tui_error(a, &j->err);
}

static void prompts_destroy(tui_job *j)
{
	prompts_job *s = (prompts_job *)j;
	prompts_free(s->lines, s->n);
	free(s->line);
	free(s);
}

void tui_save_prompt(tui_app *a, const char *line)
{
	prompts_job *s = calloc(1, sizeof *s);
	if (!s || !(s->line = strdup(line))) {
		free(s);
		return;
	}
	tui_job_init(&s->base, NULL, prompts_add_run, prompts_add_done, prompts_destroy);
	tui_submit(a, &s->base);
}

void tui_project_changed(tui_app *a)
{
	a->data_gen++;
	load_sources(a);
	tui_refresh_status(a);
	for (int i = 0; i < TUI_NVIEWS; i++)
		if (a->vstate[i] && views[i]->reload)
			views[i]->reload(a->vstate[i], a);
	call_show(a);
}

/* ------------------------------------------------------------ selection */

const yj_source_info *tui_source(const tui_app *a)
{
	for (size_t i = 0; a->cur_source && i < a->nsrc; i++)
		if (!strcmp(a->src[i].name, a->cur_source))
			return &a->src[i];
	return NULL;
}

void tui_select_source(tui_app *a, const char *name)
{
	if (a->cur_source && name && !strcmp(a->cur_source, name))
		return;
	free(a->cur_source);
	a->cur_source = name ? strdup(name) : NULL;
	a->dirty = 1;
	call_show(a);
}

void tui_step_source(tui_app *a, int delta)
{
	if (!a->nsrc)
		return;
	size_t cur = 0;
	for (size_t i = 0; a->cur_source && i < a->nsrc; i++)
		if (!strcmp(a->src[i].name, a->cur_source))
			cur = i;
	long n = (long)a->nsrc, next = ((long)cur + delta) % n;
	if (next < 0)
		next += n;
	tui_select_source(a, a->src[next].name);
}

void tui_goto_view(tui_app *a, int view)
{
	if (view < 0 || view >= TUI_NVIEWS)
		return;
	a->view = view;
	a->help_open = 0;
	a->msg[0] = '\0'; /* a message was about the view left */
	if (!a->vstate[view])
		a->vstate[view] = views[view]->open(a);
	call_show(a);
	a->dirty = 1;
}

/* ------------------------------------------------------------ drawing */

static void draw_tabs(tui_app *a)
{
	int w = COLS;
	tui_fill(0, 0, w, 0);
	int x = 0;
	for (int i = 0; i < TUI_NVIEWS && x < w; i++) {
		char label[128];
		snprintf(label, sizeof label, " %d %s ", i + 1, _(views[i]->title));
		int attr = i == a->view ? tui_attr(TUI_C_SELECT) | A_BOLD : 0;
		x += tui_put(0, x, w - x, label, attr);
	}
	int bw = tui_width(a->base);
	if (x + bw + 3 < w)
		tui_put(0, w - bw - 1, bw, a->base, tui_attr(TUI_C_DIM));
}

static const char spinner[][4] = {"\xe2\xa0\x8b", "\xe2\xa0\x99", "\xe2\xa0\xb9", "\xe2\xa0\xb8",
				  "\xe2\xa0\xbc", "\xe2\xa0\xb4", "\xe2\xa0\xa6", "\xe2\xa0\xa7",
				  "\xe2\xa0\x87", "\xe2\xa0\x8f"};

static void draw_status(tui_app *a, int y)
{
	int attr = tui_attr(TUI_C_STATUS);
	tui_fill(y, 0, COLS, attr);
	char buf[1024];
	int n = snprintf(buf, sizeof buf, " %s", a->base);
	if (a->snapshot)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xe2\x94\x82 %s %lld", _("snapshot"), a->snapshot);
	else
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xe2\x94\x82 %s", _("no snapshot"));
	if (a->snapshot && a->split)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xc2\xb7 %s %lld", _("split"), a->split);
	else if (a->snapshot)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xc2\xb7 %s", _("not split"));
	if (a->model)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xe2\x94\x82 %s %lld%s", _("model: run"), a->model,
			      a->model_pinned ? _(" (pinned)") : "");
	if (a->run && a->run != a->model)
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xe2\x94\x82 %s %lld (%s)", _("run"), a->run,
			      tui_name(a->run_status));
	const char *what;
	int permille;
	if (tui_worker_busy(a->worker, &what, &permille) && what && n < (int)sizeof buf) {
		unsigned frame = (unsigned)(progress_now() * 10); /* turns ten times a second */
		n += snprintf(buf + n, sizeof buf - (size_t)n, " \xe2\x94\x82 %s %s", spinner[frame % 10], _(what));
		if (permille >= 0 && n < (int)sizeof buf)
			n += snprintf(buf + n, sizeof buf - (size_t)n, " %d%%", permille / 10);
	}
	if (a->child_pid > 0 && n < (int)sizeof buf)
		snprintf(buf + n, sizeof buf - (size_t)n, " \xe2\x94\x82 \xe2\x96\xb6 %s", a->child_name);
	tui_put(y, 0, COLS, buf, attr);
	const char *hint = _("? keys  : command  q quit");
	int hw = tui_width(hint);
	if (tui_width(buf) + hw + 4 < COLS)
		tui_put(y, COLS - hw - 1, hw, hint, attr);
}

static void draw_pane(tui_app *a, int y, int h)
{
	char title[256];
	snprintf(title, sizeof title, "\xe2\x94\x80 %s %s ", _("messages"),
		 a->pane_focus ? _("(\xe2\x86\x91\xe2\x86\x93 scroll, Esc close)") : _("(m to scroll)"));
	tui_hline(y, 0, COLS, tui_attr(TUI_C_DIM));
	tui_put(y, 1, COLS - 1, title, a->pane_focus ? tui_attr(TUI_C_TITLE) : tui_attr(TUI_C_DIM));
	int rows = h - 1;
	a->pane_rows = rows; /* for the scroll keys */
	size_t most = a->nlog > (size_t)rows ? a->nlog - (size_t)rows : 0;
	size_t end = a->nlog - (a->pane_scroll < most ? a->pane_scroll : most);
	size_t start = end > (size_t)rows ? end - (size_t)rows : 0;
	for (size_t i = start; i < end; i++) {
		static const int kinds[] = {TUI_C_NORMAL, TUI_C_ACCENT, TUI_C_GOOD, TUI_C_BAD};
		tui_put(y + 1 + (int)(i - start), 1, COLS - 1, a->log[i].text, tui_attr(kinds[a->log[i].kind & 3]));
	}
}

static void draw_help(tui_app *a, tui_rect r)
{
	const tui_view_ops *v = views[a->view];
	char title[256];
	snprintf(title, sizeof title, _("Keys: %s"), _(v->title));
	tui_heading(r.y, r.x + 1, r.w - 2, title, _("Esc, q or ? closes"));
	/* Lines: the view's about, its keys, then the global ones. */
	typedef struct {
		const char *names, *help;
		int head;
	} line;
	line lines[160];
	char about[16][512];
	int n = 0;
	/* The view's about, wrapped. */
	const char *s = v->about ? _(v->about) : "";
	for (int k = 0; *s && k < 16; k++) {
		size_t skip, len = tui_wrap(s, r.w - 4, &skip);
		snprintf(about[k], sizeof about[k], "%.*s", (int)len, s);
		lines[n++] = (line){NULL, about[k], 2};
		s += skip ? skip : len;
		if (!skip && !len)
			break;
	}
	lines[n++] = (line){NULL, "", 2};
	lines[n++] = (line){NULL, _("This view"), 1};
	for (const tui_binding *b = v->keys; b && b->action != ACT_NONE && n < 100; b++)
		lines[n++] = (line){b->names, _(b->help), 0};
	lines[n++] = (line){NULL, "", 2};
	lines[n++] = (line){NULL, _("Everywhere"), 1};
	for (int i = 0; i < TUI_NVIEWS && n < 110; i++) {
		static char names[TUI_NVIEWS][4];
		snprintf(names[i], sizeof names[i], "%d", i + 1);
		lines[n++] = (line){names[i], _(views[i]->title), 0};
	}
	for (const tui_binding *b = global_keys; b->action != ACT_NONE && n < 160; b++)
		lines[n++] = (line){b->names, _(b->help), 0};
	int rows = r.h - 2;
	if (a->help_scroll > n - rows)
		a->help_scroll = n - rows > 0 ? n - rows : 0;
	if (a->help_scroll < 0)
		a->help_scroll = 0;
	for (int i = 0; i < rows && a->help_scroll + i < n; i++) {
		line *l = &lines[a->help_scroll + i];
		int y = r.y + 2 + i;
		if (l->head == 1)
			tui_put(y, r.x + 2, r.w - 3, l->help, tui_attr(TUI_C_TITLE));
		else if (l->head == 2)
			tui_put(y, r.x + 2, r.w - 3, l->help, 0);
		else {
			tui_cell(y, r.x + 4, 16, l->names, -1, tui_attr(TUI_C_ACCENT));
			tui_cell(y, r.x + 22, r.w - 23, l->help, -1, 0);
		}
	}
}

static void draw_frame(tui_app *a)
{
	erase();
	int H = LINES, W = COLS;
	int cursor_y = -1, cursor_x = -1;
	if (H < 8 || W < 30) {
		tui_put(0, 0, W, _("The terminal is too small."), tui_attr(TUI_C_BAD));
		refresh();
		return;
	}
	draw_tabs(a);
	int pane_h = 0;
	if (a->pane_open) {
		pane_h = (H - 3) / 3;
		if (pane_h < 4)
			pane_h = 4;
		if (pane_h > 12)
			pane_h = 12;
	}
	tui_rect r = {1, 0, H - 3 - pane_h, W};
	if (a->help_open)
		draw_help(a, r);
	else if (a->vstate[a->view])
		views[a->view]->draw(a->vstate[a->view], a, r);
	if (pane_h)
		draw_pane(a, H - 2 - pane_h, pane_h);
	draw_status(a, H - 2);
	if (a->prompt_open && a->msg[0]) {
		/* Completions (and messages) while the prompt has the last line. */
		tui_fill(H - 2, 0, W, tui_attr(TUI_C_STATUS));
		tui_put(H - 2, 1, W - 1, a->msg, tui_attr(TUI_C_STATUS));
	}
	if (a->prompt_open) {
		cursor_x = tui_prompt_draw(a, H - 1, W);
		cursor_y = H - 1;
	} else if (a->input) {
		cursor_x = tui_input_draw(a, H - 1, W);
		cursor_y = H - 1;
	} else {
		static const int kinds[] = {TUI_C_NORMAL, TUI_C_BAD, TUI_C_GOOD};
		tui_put(H - 1, 0, W, a->msg, tui_attr(kinds[a->msg_kind % 3]));
	}
	if (cursor_y >= 0) {
		curs_set(1);
		move(cursor_y, cursor_x < W ? cursor_x : W - 1);
	} else {
		curs_set(0);
	}
	refresh();
}

/* ------------------------------------------------------------ keys */

static void pane_key(tui_app *a, int action)
{
	size_t page = a->pane_rows > 1 ? (size_t)a->pane_rows - 1 : 1;
	size_t most = a->nlog > (size_t)a->pane_rows ? a->nlog - (size_t)a->pane_rows : 0;
	switch (action) {
	case ACT_UP:
		if (a->pane_scroll < most)
			a->pane_scroll++;
		break;
	case ACT_DOWN:
		if (a->pane_scroll)
			a->pane_scroll--;
		break;
	case ACT_PGUP:
		a->pane_scroll = a->pane_scroll + page < most ? a->pane_scroll + page : most;
		break;
	case ACT_PGDN:
		a->pane_scroll = a->pane_scroll > page ? a->pane_scroll - page : 0;
		break;
	case ACT_HOME:
		a->pane_scroll = most;
		break;
	case ACT_END:
		a->pane_scroll = 0;
		break;
	case ACT_BACK:
	case ACT_QUIT:
		a->pane_focus = 0;
		a->pane_open = 0;
		break;
	case ACT_MESSAGES:
		a->pane_focus = 0;
		break;
	default:
		break;
	}
}

static void handle_action(tui_app *a, int action)
{
	const tui_view_ops *v = views[a->view];
	void *st = a->vstate[a->view];
	if (a->help_open || a->pane_focus || action < ACT_UP)
		a->dirty = 1; /* overlays and global actions; a view says itself */
	if (a->help_open) {
		switch (action) {
		case ACT_UP:
			a->help_scroll--;
			break;
		case ACT_DOWN:
			a->help_scroll++;
			break;
		case ACT_PGUP:
			a->help_scroll -= 10;
			break;
		case ACT_PGDN:
			a->help_scroll += 10;
			break;
		case ACT_BACK:
		case ACT_QUIT:
		case ACT_HELP:
			a->help_open = 0;
			break;
		default:
			if (action >= ACT_VIEW_1 && action <= ACT_VIEW_7)
				tui_goto_view(a, action - ACT_VIEW_1);
			break;
		}
		return;
	}
	if (a->pane_focus && action != ACT_PROMPT && action != ACT_INTERRUPT && action != ACT_HELP &&
	    !(action >= ACT_VIEW_1 && action <= ACT_VIEW_7)) {
		pane_key(a, action);
		return;
	}
	if (action >= ACT_VIEW_1 && action <= ACT_VIEW_7) {
		tui_goto_view(a, action - ACT_VIEW_1);
		return;
	}
	if (action == ACT_BACK && a->pane_open) {
		/* Esc closes the message pane in every view, before the view's
		 * own Esc (whose keys may have taken m) */
		a->pane_open = 0;
		a->msg[0] = '\0';
		return;
	}
	switch (action) {
	case ACT_NEXT_VIEW:
		tui_goto_view(a, (a->view + 1) % TUI_NVIEWS);
		return;
	case ACT_PREV_VIEW:
		tui_goto_view(a, (a->view + TUI_NVIEWS - 1) % TUI_NVIEWS);
		return;
	case ACT_PROMPT:
		a->msg[0] = '\0';
		tui_prompt_open(a);
		return;
	case ACT_HELP:
		a->help_open = 1;
		a->help_scroll = 0;
		return;
	case ACT_MESSAGES:
		if (!a->pane_open) {
			a->pane_open = 1;
			a->pane_focus = 1;
		} else {
			a->pane_focus = !a->pane_focus;
		}
		return;
	case ACT_REDRAW:
		clearok(curscr, TRUE);
		return;
	case ACT_INTERRUPT:
		tui_child_interrupt(a);
		return;
	default:
		break;
	}
	int r = st ? v->key(st, a, action) : TUI_UNHANDLED;
	if (r == TUI_REDRAW)
		a->dirty = 1;
	if (r != TUI_UNHANDLED)
		return;
	switch (action) {
	case ACT_QUIT:
		tui_quit_request(a);
		break;
	case ACT_BACK:
		a->msg[0] = '\0';
		break;
	case ACT_SEARCH:
	case ACT_SEARCH_NEXT:
	case ACT_SEARCH_PREV:
		tui_message(a, 0, _("nothing to search in this view"));
		break;
	default:
		break;
	}
}

static void quit_answer(void *ctx, tui_app *a, const char *text)
{
	(void)ctx;
	if (text && (text[0] == 'y' || text[0] == 'Y'))
		a->quit = 1;
	else if (a->child_pid > 0)
		tui_message(a, 0, _("'%s' keeps running"), a->child_name);
}

void tui_quit_request(tui_app *a)
{
	if (a->child_pid <= 0) {
		a->quit = 1;
		return;
	}
	char q[256];
	snprintf(q, sizeof q, _("'%s' is still running and stops when you quit. Quit? (y/n) "), a->child_name);
	tui_input_begin(a, q, "", quit_answer, NULL);
}

static void handle_key(tui_app *a, int ch, int is_key)
{
	if (is_key && ch == KEY_RESIZE) {
		a->dirty = 1;
		return;
	}
	if (a->input) {
		tui_input_key(a, ch, is_key);
		return;
	}
	if (a->prompt_open) {
		tui_prompt_key(a, ch, is_key);
		a->dirty = 1;
		return;
	}
	/* Characters beyond ASCII are no keys of a keymap (their codes would
	 * collide with curses' KEY_ codes). */
	if (!is_key && ch > 0x7f)
		return;
	int action = ACT_NONE;
	if (!is_key && ch >= '1' && ch < '1' + TUI_NVIEWS)
		action = ACT_VIEW_1 + (ch - '1');
	if (action == ACT_NONE && !a->help_open && !a->pane_focus)
		action = tui_keymap_find(views[a->view]->keys, ch);
	if (action == ACT_NONE)
		action = tui_keymap_find(global_keys, ch);
	if (action != ACT_NONE)
		handle_action(a, action);
}

static void read_keys(tui_app *a)
{
	for (;;) {
		wint_t wc;
		int r = get_wch(&wc);
		if (r == ERR)
			break;
		handle_key(a, (int)wc, r == KEY_CODE_YES);
		if (a->quit)
			break;
	}
}

/* ------------------------------------------------------------ signals */

static int winch_fd = -1;
static volatile sig_atomic_t winch_seen, term_seen;

/* SIGTERM, SIGHUP: leave the loop and restore the terminal. */
static void on_term(int sig)
{
	(void)sig;
	int saved = errno;
	term_seen = 1;
	if (winch_fd >= 0) {
		char c = 't';
		if (write(winch_fd, &c, 1) < 0) {
			/* full pipe: the loop wakes anyway */
		}
	}
	errno = saved;
}

static void on_winch(int sig)
{
	(void)sig;
	int saved = errno;
	winch_seen = 1;
	if (winch_fd >= 0) {
		char c = 'w';
		if (write(winch_fd, &c, 1) < 0) {
			/* full pipe: the loop wakes anyway */
		}
	}
	errno = saved;
}

static void handle_resize(tui_app *a)
{
	struct winsize ws;
	winch_seen = 0;
	if (ioctl(STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_row > 0 && ws.ws_col > 0)
		resizeterm(ws.ws_row, ws.ws_col);
	clearok(curscr, TRUE);
	a->dirty = 1;
}

/* ------------------------------------------------------------ the loop */

static void process_jobs(tui_app *a)
{
	tui_job *j;
	while ((j = tui_worker_done(a->worker))) {
		if (j->done)
			j->done(j, a);
		j->destroy(j);
		a->dirty = 1;
	}
}

static FILE *key_trace; /* YUJING_TUI_TRACE */

/* Seconds of processor time this thread used. */
static double thread_cpu(void)
{
	struct timespec ts;
	if (clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts))
		return 0;
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void loop(tui_app *a)
{
	double last_tick = progress_now(), last_status = last_tick, key_at = -1, key_cpu = 0;
	while (!a->quit) {
		process_jobs(a);
		if (a->child_eof && a->child_pid > 0)
			tui_child_reap(a);
		if (a->dirty) {
			a->dirty = 0;
			draw_frame(a);
		}
		if (key_trace && key_at >= 0) {
			fprintf(key_trace, "%.3f %.3f\n", (progress_now() - key_at) * 1000,
				(thread_cpu() - key_cpu) * 1000);
			fflush(key_trace);
			key_at = -1;
		}
		const char *what;
		int permille;
		int busy = tui_worker_busy(a->worker, &what, &permille) || a->child_pid > 0;
		struct pollfd fds[3] = {{STDIN_FILENO, POLLIN, 0}, {a->wake[0], POLLIN, 0}, {a->child_fd, POLLIN, 0}};
		int nfds = a->child_fd >= 0 ? 3 : 2;
		int n = poll(fds, (nfds_t)nfds, busy ? 100 : 1000);
		if (n < 0 && errno != EINTR)
			break;
		if (n > 0 && fds[1].revents) {
			char buf[256];
			while (read(a->wake[0], buf, sizeof buf) > 0)
				;
		}
		if (winch_seen)
			handle_resize(a);
		if (term_seen)
			break;
		if (n > 0 && nfds == 3 && fds[2].revents)
			tui_child_read(a);
		if (n > 0 && fds[0].revents & (POLLHUP | POLLERR)) {
			a->quit = 1; /* the terminal went away */
			break;
		}
		if (n > 0 && fds[0].revents & POLLIN) {
			if (key_trace) {
				key_at = progress_now();
				key_cpu = thread_cpu();
			}
			read_keys(a);
		}
		double now = progress_now();
		if (busy)
			a->dirty = 1; /* the spinner */
		if (now - last_tick >= 1.0) {
			last_tick = now;
			const tui_view_ops *v = views[a->view];
			if (v->tick && a->vstate[a->view] && !a->help_open)
				v->tick(a->vstate[a->view], a);
		}
		if (now - last_status >= (a->nlaunch ? 1.0 : 3.0)) {
			last_status = now;
			tui_refresh_status(a);
		}
	}
}

/* ------------------------------------------------------------ start, stop */

static void app_free(tui_app *a)
{
	tui_child_stop(a);
	tui_worker_free(a->worker);
	for (int i = 0; i < a->nlaunch; i++)
		free(a->launch[i].log); /* a run not matched yet keeps its log's first name */
	for (int i = 0; i < TUI_NVIEWS; i++)
		if (a->vstate[i])
			views[i]->close(a->vstate[i]);
	tui_prompt_free(a);
	tui_input_free(a);
	sources_list_free(a->src, a->nsrc);
	for (size_t i = 0; i < a->nlog; i++)
		free(a->log[i].text);
	free(a->log);
	free(a->cur_source);
	free(a->drill_field);
	free(a->child_name);
	free(a->path);
	if (a->self_fd >= 0)
		close(a->self_fd);
	if (a->wake[0] >= 0)
		close(a->wake[0]);
	if (a->wake[1] >= 0)
		close(a->wake[1]);
}

yj_status tui_run(const char *path, const char *self, const tui_command *cmds, size_t ncmds, yj_error *err)
{
	/* Refuse a file that is not a project before taking the screen. */
	yj_project *p = NULL;
	yj_status st = project_open(path, &p, err);
	project_close(p);
	if (st)
		return st;
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		error_set(err, YJ_EUSAGE, _("the workbench needs a terminal"));
		error_hint(err, _("run it in a terminal; the other commands work without one"));
		return YJ_EUSAGE;
	}

	tui_app app;
	memset(&app, 0, sizeof app);
	tui_app *a = &app;
	a->path = strdup(path);
	a->self = self ? self : "/proc/self/exe";
	/* ':' commands run the program held open, as /proc/self/fd/N: the
	 * same file as /proc/self/exe (even when replaced meanwhile), and
	 * under valgrind the program rather than valgrind's launcher, which
	 * /proc/self/exe names there (child.c). */
	a->self_fd = -1;
	if (!strcmp(a->self, "/proc/self/exe")) {
		a->self_fd = open(a->self, O_RDONLY | O_CLOEXEC);
		if (a->self_fd >= 0)
			snprintf(a->self_path, sizeof a->self_path, "/proc/self/fd/%d", a->self_fd);
	}
	a->cmds = cmds;
	a->ncmds = ncmds;
	a->child_fd = -1;
	a->wake[0] = a->wake[1] = -1;
	if (!a->path)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	const char *slash = strrchr(a->path, '/');
	a->base = slash ? slash + 1 : a->path;
	if (pipe2(a->wake, O_CLOEXEC | O_NONBLOCK)) {
		st = error_set(err, YJ_EIO, _("cannot create a pipe: %s"), strerror(errno));
		app_free(a);
		return st;
	}
	a->worker = tui_worker_new(a->path, 2, a->wake[1]);
	if (!a->worker) {
		st = error_set(err, YJ_ENOMEM, _("cannot start the worker threads"));
		app_free(a);
		return st;
	}

	/* Our SIGWINCH handler, installed before initscr so curses leaves it
	 * to us: it wakes the loop through the pipe. */
	winch_fd = a->wake[1];
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_winch;
	sigemptyset(&sa.sa_mask);
	sa.sa_flags = SA_RESTART;
	sigaction(SIGWINCH, &sa, NULL);
	sa.sa_handler = on_term;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	set_escdelay(25);
	if (!initscr()) {
		st = error_set(err, YJ_EIO, _("cannot initialise the terminal"));
		app_free(a);
		return st;
	}
	raw();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	nodelay(stdscr, TRUE);
	curs_set(0);
	const char *tr = getenv("YUJING_TUI_TRACE");
	key_trace = tr && *tr ? fopen(tr, "ae") : NULL;
	const char *nc = getenv("NO_COLOR");
	tui_colors_init(!(nc && *nc));
	a->colors = has_colors();

	tui_prompt_init(a);
	prompts_job *pj = calloc(1, sizeof *pj);
	if (pj) {
		tui_job_init(&pj->base, NULL, prompts_load_run, prompts_load_done, prompts_destroy);
		tui_submit(a, &pj->base);
	}
	load_sources(a);
	tui_refresh_status(a);
	tui_goto_view(a, VIEW_SOURCES);
	tui_message(a, 0, _("1-7 switch views, ? shows the keys, : runs a command, q quits"));
	a->dirty = 1;

	loop(a);

	endwin();
	if (key_trace)
		fclose(key_trace);
	key_trace = NULL;
	winch_fd = -1;
	app_free(a);
	return YJ_OK;
}
