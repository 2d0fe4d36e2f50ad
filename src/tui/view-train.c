/*
 * view-train.c - view 4: set up and follow a training run.
 *
 * Left, the settings of `train` as a form (one row per setting of its
 * table, settings.h; Enter edits a value, checked as the CLI checks it,
 * or toggles a flag; `r` takes the settings of the run shown, `d` the
 * defaults); `s` starts
 * `yujing train PROJECT ...` as its own process, detached from the
 * workbench (tui_launch: its own session, output to its own log,
 * PROJECT.run-N.log once the run is known), so the run survives the
 * workbench closing; `:train ...` starts one the same way.  Right, the latest run read from the
 * project every second (train_list, train_history): a progress bar with
 * the steps done, elapsed time and ETA, and the loss curves (training
 * loss per step, test loss and accuracy per epoch) drawn by plot.c.  `c`
 * asks the run to stop (train_request_cancel); `l` shows the log instead
 * of the curves.  A run started elsewhere (the CLI, an earlier workbench)
 * shows the same way.
 */
#include <config.h>

#include <curses.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/store/runs.h"
#include "yujing/train/settings.h"
#include "yujing/train/train.h"

enum { A_START = ACT_VIEW, A_CANCEL, A_LOG, A_EDIT, A_FROM_RUN, A_DEFAULTS };

static const tui_binding keys[] = {
	{ACT_UP, {0}, "\xe2\x86\x91\xe2\x86\x93 j k", N_("choose a setting")},
	{A_EDIT, {'\n', '\r', KEY_ENTER, 'e'}, "Enter e", N_("edit the chosen setting")},
	{A_START, {'s'}, "s", N_("start a run with these settings (in its own process)")},
	{A_CANCEL, {'c'}, "c", N_("ask the running run to stop (resumable)")},
	{A_LOG, {'l'}, "l", N_("show the run's log instead of the curves (and back)")},
	{A_FROM_RUN, {'r'}, "r", N_("take the settings of a run (asks which; the model of record by default)")},
	{A_DEFAULTS, {'d'}, "d", N_("every setting back to its default")},
	{ACT_NONE, {0}, NULL, NULL},
};

/* The form: one row per setting of `train` (settings_train), in its
 * order, each holding the value as typed ("" for the default that is
 * chosen at run time). */
#define MAX_FIELDS 40

static const yj_setting *form[MAX_FIELDS];
static int nform;

static void form_init(void)
{
	if (nform)
		return;
	for (const yj_setting *t = settings_train; t->name && nform < MAX_FIELDS; t++)
		if (!(t->flags & SET_HIDDEN))
			form[nform++] = t;
}

#define LOG_LINES 64

typedef struct {
	char *val[MAX_FIELDS];
	int cur, top; /* the chosen row, the first row shown */
	int show_log;
	int busy, loaded, failed;
	yj_error err;
	json_t *run;  /* the latest run (train_list entry), NULL when none */
	json_t *hist; /* its history */
	double *sx, *sy, *ex, *ey, *ay;
	size_t ns, ne;
	char *log[LOG_LINES];
	size_t nlog;
	char *told;            /* the launch log whose error was shown */
	json_t *runs;          /* train_list()'s runs */
	int seeded;            /* the form took the model of record's settings */
	long long from_run;    /* the run the form's settings came from, 0: the defaults */
} train_state;

typedef struct {
	tui_job base;
	train_state *s;
	long long cancel;
	char *logpath;    /* a pending launch's log, else NULL: the run's */
	int pending;      /* logpath is a launch not matched with its run yet */
	const tui_app *app; /* for the path of a run's log (read only) */
	json_t *run, *hist;
	json_t *runs;     /* every run (train_list), for taking a run's settings */
	char *log[LOG_LINES];
	size_t nlog;
} train_job;

static void train_job_run(tui_job *j, yj_project *p)
{
	train_job *tj = (train_job *)j;
	if (tj->cancel && (j->st = train_request_cancel(p, tj->cancel, &j->err)))
		return;
	json_t *runs = NULL;
	if ((j->st = train_list(p, &runs, &j->err)))
		return;
	json_t *arr = json_object_get(runs, "runs");
	size_t n = json_array_size(arr);
	if (n) {
		tj->run = json_incref(json_array_get(arr, n - 1));
		j->st = train_history(p, json_integer_value(json_object_get(tj->run, "id")), &tj->hist, &j->err);
	}
	tj->runs = json_incref(arr);
	json_decref(runs);
	/* the log of a launch not matched yet, else the run's own */
	if (!tj->logpath && tj->run)
		tj->logpath = tui_run_log(tj->app, json_integer_value(json_object_get(tj->run, "id")));
	tj->nlog = tui_read_tail(tj->logpath, tj->log, LOG_LINES);
}

static void free_series(train_state *s)
{
	free(s->sx);
	free(s->sy);
	free(s->ex);
	free(s->ey);
	free(s->ay);
	s->sx = s->sy = s->ex = s->ey = s->ay = NULL;
	s->ns = s->ne = 0;
}

/* The curves: training loss at each step, test loss and accuracy at the
 * last step of each epoch. */
static void build_series(train_state *s)
{
	free_series(s);
	json_t *steps = json_object_get(s->hist, "steps"), *epochs = json_object_get(s->hist, "epochs");
	size_t n = json_array_size(steps), m = json_array_size(epochs);
	s->sx = malloc((n ? n : 1) * sizeof *s->sx);
	s->sy = malloc((n ? n : 1) * sizeof *s->sy);
	s->ex = malloc((m ? m : 1) * sizeof *s->ex);
	s->ey = malloc((m ? m : 1) * sizeof *s->ey);
	s->ay = malloc((m ? m : 1) * sizeof *s->ay);
	if (!s->sx || !s->sy || !s->ex || !s->ey || !s->ay) {
		free_series(s);
		return;
	}
	for (size_t i = 0; i < n; i++) {
		json_t *st = json_array_get(steps, i);
		s->sx[i] = json_number_value(json_array_get(st, 0));
		s->sy[i] = json_number_value(json_array_get(st, 1));
	}
	s->ns = n;
	double total = json_number_value(json_object_get(s->run, "total_steps"));
	double ep = json_number_value(json_object_get(json_object_get(s->run, "config"), "epochs"));
	double per = total > 0 && ep > 0 ? total / ep : m ? (double)n / (double)m : 1;
	for (size_t i = 0; i < m; i++) {
		json_t *e = json_array_get(epochs, i);
		s->ex[i] = json_number_value(json_object_get(e, "epoch")) * per - 1; /* 1-based */
		json_t *vl = json_object_get(e, "valid_loss"); /* a run with a validation part */
		s->ey[i] = json_number_value(vl ? vl : json_object_get(e, "test_loss"));
		s->ay[i] = json_number_value(json_object_get(e, "accuracy"));
	}
	s->ne = m;
}

static json_t *find_run(const train_state *s, long long id);
static int form_from_run(train_state *s, tui_app *a, json_t *r, int quiet);

static void train_job_done(tui_job *j, tui_app *a)
{
	train_job *tj = (train_job *)j;
	train_state *s = tj->s;
	s->busy = 0;
	if (j->st) {
		s->failed = 1;
		s->err = j->err;
		if (tj->cancel)
			tui_error(a, &j->err);
		return;
	}
	if (tj->cancel)
		tui_message(a, 0, _("run %lld was asked to stop"), tj->cancel);
	const char *was = json_string_value(json_object_get(s->run, "status"));
	const char *now = json_string_value(json_object_get(tj->run, "status"));
	int ended = s->run && tj->run &&
		    json_integer_value(json_object_get(s->run, "id")) == json_integer_value(json_object_get(tj->run, "id")) &&
		    was && now && !strcmp(was, "running") && strcmp(now, "running");
	s->failed = 0;
	s->loaded = 1;
	json_decref(s->run);
	json_decref(s->hist);
	s->run = tj->run;
	s->hist = tj->hist;
	tj->run = tj->hist = NULL;
	json_decref(s->runs);
	s->runs = tj->runs;
	tj->runs = NULL;
	/* The form starts from the model of record's settings (issue 14), once. */
	if (!s->seeded) {
		json_t *m = find_run(s, 0);
		s->seeded = 1;
		if (m)
			form_from_run(s, a, m, 1);
	}
	for (size_t i = 0; i < s->nlog; i++)
		free(s->log[i]);
	memcpy(s->log, tj->log, tj->nlog * sizeof *s->log);
	s->nlog = tj->nlog;
	tj->nlog = 0;
	build_series(s);
	/* A process started here (s, or :train) that failed: its error
	 * ("yujing: ..." or "yujing train: ...") is in its log; say it once. */
	for (size_t i = 1; tj->pending && i < s->nlog; i++)
		if (s->log[i] && !strncmp(s->log[i], "yujing", 6) && (!s->told || strcmp(s->told, tj->logpath))) {
			free(s->told);
			s->told = strdup(tj->logpath);
			s->show_log = 1;
			tui_message(a, 1, "%s", s->log[i]);
		}
	if (ended) {
		tui_message(a, !strcmp(now, "done") ? 2 : 1, _("run %lld ended: %s"),
			    (long long)json_integer_value(json_object_get(s->run, "id")), tui_name(now));
		tui_project_changed(a);
	}
}

static void train_job_destroy(tui_job *j)
{
	train_job *tj = (train_job *)j;
	json_decref(tj->run);
	json_decref(tj->hist);
	json_decref(tj->runs);
	for (size_t i = 0; i < tj->nlog; i++)
		free(tj->log[i]);
	free(tj->logpath);
	free(tj);
}

static void request(train_state *s, tui_app *a, long long cancel)
{
	if (s->busy && !cancel)
		return;
	train_job *tj = calloc(1, sizeof *tj);
	if (!tj)
		return;
	tui_job_init(&tj->base, NULL, train_job_run, train_job_done, train_job_destroy);
	tj->s = s;
	tj->cancel = cancel;
	tj->app = a;
	const char *pending = tui_launch_log(a);
	if (pending) {
		tj->logpath = strdup(pending);
		tj->pending = tj->logpath != NULL;
	}
	s->busy = 1;
	tui_submit(a, &tj->base);
}

static int run_is_running(const train_state *s)
{
	const char *st = json_string_value(json_object_get(s->run, "status"));
	return st && !strcmp(st, "running");
}

/* Start `self train PROJECT --opt value...` detached (tui_launch): the
 * run is nobody's child here and keeps going after the workbench ends;
 * its output goes to its own log. */
static int start_run(train_state *s, tui_app *a)
{
	char *argv[4 + 2 * MAX_FIELDS + 1];
	int n = 0;
	argv[n++] = "train";
	argv[n++] = a->path;
	char opt[MAX_FIELDS][40];
	for (int i = 0; i < nform; i++) {
		if (!*s->val[i] || !strcmp(s->val[i], form[i]->def))
			continue; /* the default */
		snprintf(opt[i], sizeof opt[i], "--%s", form[i]->name);
		argv[n++] = opt[i];
		if (form[i]->type != SET_FLAG)
			argv[n++] = s->val[i];
	}
	argv[n] = NULL;
	return tui_launch(a, argv);
}

/* s: read the runs again just before starting, so that a run another
 * workbench (or the CLI) started a moment ago is told, not doubled. */
typedef struct {
	tui_job base;
	train_state *s;
	long long running; /* a run training now, 0 none */
	long long pid;
} start_job;

static void start_job_run(tui_job *j, yj_project *p)
{
	start_job *sj = (start_job *)j;
	yj_run_summary *v = NULL;
	size_t n = 0;
	if ((j->st = runs_list(p, &v, &n, &j->err)))
		return;
	for (size_t i = 0; i < n; i++)
		if (v[i].status == RUN_RUNNING)
			sj->running = v[i].id;
	runs_list_free(v, n);
	yj_run_row row;
	yj_error e;
	if (sj->running && !runs_get(p, sj->running, &row, &e)) {
		sj->pid = row.pid;
		runs_row_free(&row);
	}
}

static void start_job_done(tui_job *j, tui_app *a)
{
	start_job *sj = (start_job *)j;
	train_state *s = sj->s;
	if (j->st) {
		tui_error(a, &j->err);
		return;
	}
	if (sj->running) {
		tui_message(a, 1, _("run %lld is training now (process %lld, perhaps another workbench): cancel it first (c)"),
			    sj->running, sj->pid);
		request(s, a, 0);
		return;
	}
	if (start_run(s, a))
		tui_message(a, 1, _("cannot start the run: %s"), strerror(errno));
	else
		tui_message(a, 0, _("training started in its own process (it keeps going when you quit); log: %s"),
			    tui_launch_log(a));
	request(s, a, 0);
}

static void start_job_destroy(tui_job *j)
{
	free(j);
}

static void start_checked(train_state *s, tui_app *a)
{
	start_job *sj = calloc(1, sizeof *sj);
	if (!sj)
		return;
	tui_job_init(&sj->base, NULL, start_job_run, start_job_done, start_job_destroy);
	sj->s = s;
	tui_submit(a, &sj->base);
}

static void *train_open(tui_app *a)
{
	(void)a;
	train_state *s = calloc(1, sizeof *s);
	if (!s)
		return NULL;
	form_init();
	for (int i = 0; i < nform; i++)
		s->val[i] = strdup(form[i]->def);
	return s;
}

static void train_close(void *st)
{
	train_state *s = st;
	for (int i = 0; i < nform; i++)
		free(s->val[i]);
	for (size_t i = 0; i < s->nlog; i++)
		free(s->log[i]);
	free(s->told);
	json_decref(s->runs);
	json_decref(s->run);
	json_decref(s->hist);
	free_series(s);
	free(s);
}

/* Seconds since an ISO time "YYYY-MM-DDTHH:MM:SSZ" (UTC), -1 if unreadable. */
static double since(const char *iso)
{
	struct tm tm = {0};
	if (!iso || sscanf(iso, "%d-%d-%dT%d:%d:%d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min,
			   &tm.tm_sec) != 6)
		return -1;
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	time_t t = timegm(&tm);
	return difftime(time(NULL), t);
}

static void fmt_secs(double s, char *b, size_t n)
{
	if (!(s >= 0))
		snprintf(b, n, "-");
	else if (s < 3600)
		snprintf(b, n, "%d:%02d", (int)s / 60, (int)s % 60);
	else
		snprintf(b, n, "%d:%02d:%02d", (int)s / 3600, (int)s / 60 % 60, (int)s % 60);
}

static void draw_form(train_state *s, tui_rect r)
{
	tui_put(r.y, r.x, r.w, _("Settings"), tui_attr(TUI_C_TITLE));
	/* rows for the settings: all of them and the hint below when they
	 * fit, else a window that keeps the chosen one in sight */
	int rows = r.h - 1 >= nform + 2 ? nform : r.h - 1;
	if (rows < 1)
		return;
	if (s->cur < s->top)
		s->top = s->cur;
	if (s->cur >= s->top + rows)
		s->top = s->cur - rows + 1;
	if (s->top > nform - rows)
		s->top = nform - rows > 0 ? nform - rows : 0;
	for (int k = 0; k < rows && s->top + k < nform; k++) {
		int i = s->top + k;
		int attr = i == s->cur ? tui_attr(TUI_C_SELECT) : 0;
		tui_fill(r.y + 1 + k, r.x, r.w, attr);
		tui_cell(r.y + 1 + k, r.x + 1, 14, _(form[i]->label), -1, attr);
		const char *v = *s->val[i] ? s->val[i] : form[i]->unset ? _(form[i]->unset) : "";
		tui_cell(r.y + 1 + k, r.x + 16, r.w - 17, v, -1, attr | (*s->val[i] ? 0 : tui_attr(TUI_C_DIM)));
	}
	if (rows == nform && r.h > nform + 2)
		tui_put(r.y + nform + 2, r.x + 1, r.w - 1, _("s start · c cancel · l log"), tui_attr(TUI_C_DIM));
}

/* Where the form's settings came from and the data a run started now
 * trains on (the active snapshot's split), for the view's heading. */
static void uses_text(train_state *s, tui_app *a, char *b, size_t n)
{
	int k = s->from_run ? snprintf(b, n, _("from run %lld"), s->from_run) : snprintf(b, n, "%s", _("defaults"));
	if (k < 0 || (size_t)k >= n || !a->status_known)
		return;
	if (!a->snapshot)
		snprintf(b + k, n - (size_t)k, " \xc2\xb7 %s", _("no snapshot: clean first"));
	else if (!a->split)
		snprintf(b + k, n - (size_t)k, _(" \xc2\xb7 snapshot %lld is not split: :split first"), a->snapshot);
	else
		snprintf(b + k, n - (size_t)k, _(" \xc2\xb7 trains on snapshot %lld, split %lld"), a->snapshot, a->split);
}

static void draw_run(train_state *s, tui_rect r)
{
	if (s->failed && !s->loaded) {
		char buf[1024];
		tui_put(r.y, r.x, r.w, error_format(&s->err, buf, sizeof buf), tui_attr(TUI_C_BAD));
		return;
	}
	if (!s->loaded) {
		tui_put(r.y, r.x, r.w, _("loading..."), tui_attr(TUI_C_DIM));
		return;
	}
	if (!s->run) {
		const char *p[] = {_("No runs yet"), _("Set the hyper-parameters on the left and press s to start a run "
						       "(the data must be cleaned and split: ':split').")};
		tui_paragraphs(r, p, 2, 0);
		return;
	}
	long long id = json_integer_value(json_object_get(s->run, "id"));
	const char *status = json_string_value(json_object_get(s->run, "status"));
	long long done = json_integer_value(json_object_get(s->run, "steps_done"));
	long long total = json_integer_value(json_object_get(s->run, "total_steps"));
	long long edone = json_integer_value(json_object_get(s->run, "epochs_done"));
	long long etot = json_integer_value(json_object_get(json_object_get(s->run, "config"), "epochs"));
	char title[128], info[160];
	snprintf(title, sizeof title, _("Run %lld: %s"), id, tui_name(status ? status : ""));
	snprintf(info, sizeof info, _("epoch %lld/%lld"), edone, etot);
	tui_heading(r.y, r.x, r.w, title, info);
	int running = status && !strcmp(status, "running");
	double elapsed = -1;
	if (running) {
		elapsed = since(json_string_value(json_object_get(s->run, "created_at")));
	} else {
		size_t k;
		json_t *e;
		elapsed = 0;
		json_array_foreach(json_object_get(s->hist, "epochs"), k, e)
			elapsed += json_number_value(json_object_get(e, "seconds"));
	}
	double frac = total > 0 ? (double)done / (double)total : 0;
	double eta = running && done > 0 && elapsed >= 0 ? elapsed * (double)(total - done) / (double)done : -1;
	char el[32], et[32], prog[160];
	fmt_secs(elapsed, el, sizeof el);
	fmt_secs(eta, et, sizeof et);
	if (running)
		snprintf(prog, sizeof prog, _("%lld/%lld steps · %s elapsed · ETA %s"), done, total, el, et);
	else
		snprintf(prog, sizeof prog, _("%lld/%lld steps · %s"), done, total, el);
	/* The bar with the counts beside it when they fit, else below. */
	int pw = tui_width(prog), below = r.w - pw - 7 < 12;
	int bw = below ? r.w - 5 : r.w - pw - 7;
	tui_putf(r.y + 1, r.x, 5, tui_attr(TUI_C_ACCENT), "%3d%%", (int)(frac * 100 + 1e-9));
	tui_bar(r.y + 1, r.x + 5, bw, frac, tui_attr(running ? TUI_C_ACCENT : TUI_C_GOOD));
	if (!below)
		tui_put(r.y + 1, r.x + 6 + bw, pw, prog, 0);
	else
		tui_put(r.y + 2, r.x, r.w, prog, 0);
	int y = r.y + 2 + below;
	size_t m = json_array_size(json_object_get(s->hist, "epochs"));
	if (m && y < r.y + r.h) {
		json_t *e = json_array_get(json_object_get(s->hist, "epochs"), m - 1);
		json_t *vl = json_object_get(e, "valid_loss");
		tui_putf(y, r.x, r.w, 0,
			 vl ? _("epoch %lld: train %.4f · validation %.4f · accuracy %.4f")
			    : _("epoch %lld: train %.4f · test %.4f · accuracy %.4f"),
			 (long long)json_integer_value(json_object_get(e, "epoch")),
			 json_number_value(json_object_get(e, "train_loss")),
			 json_number_value(vl ? vl : json_object_get(e, "test_loss")),
			 json_number_value(json_object_get(e, "accuracy")));
	}
	y++;
	tui_rect pr = {y, r.x, r.y + r.h - y, r.w};
	if (pr.h < 4)
		return;
	if (s->show_log) {
		tui_put(pr.y, pr.x, pr.w, _("Log"), tui_attr(TUI_C_TITLE));
		size_t rows = (size_t)(pr.h - 1), first = s->nlog > rows ? s->nlog - rows : 0;
		for (size_t i = first; i < s->nlog; i++)
			tui_put(pr.y + 1 + (int)(i - first), pr.x, pr.w, s->log[i] ? s->log[i] : "", 0);
		return;
	}
	tui_series series[3] = {
		{s->sx, s->sy, s->ns, tui_attr(TUI_C_ACCENT), _("train loss")},
		{s->ex, s->ey, s->ne, tui_attr(TUI_C_SERIES2), s->ne && json_object_get(json_array_get(json_object_get(s->hist, "epochs"), 0), "valid_loss") ? _("val. loss") : _("test loss")},
		{s->ex, s->ay, s->ne, tui_attr(TUI_C_GOOD), _("accuracy")},
	};
	tui_plot(pr, series, 3, _("step"), _("loss"));
}

static void train_draw(void *st, tui_app *a, tui_rect r)
{
	train_state *s = st;
	char uses[256];
	uses_text(s, a, uses, sizeof uses);
	tui_heading(r.y, r.x + 1, r.w - 2, _("Train"), uses);
	int fw = r.w >= 90 ? 34 : 28;
	draw_form(s, (tui_rect){r.y + 1, r.x + 1, r.h - 1, fw});
	draw_run(s, (tui_rect){r.y + 1, r.x + fw + 2, r.h - 1, r.w - fw - 3});
}

/* A value typed into the form: checked as the CLI checks it (the
 * settings table) before it is kept. */
static void edit_done(void *ctx, tui_app *a, const char *text)
{
	train_state *s = ctx;
	if (!text)
		return;
	int i = s->cur;
	if (*text) {
		yj_train_opts o;
		yj_error err;
		train_opts_default(&o);
		error_clear(&err);
		yj_status st = settings_set(form[i], &o, text, &err);
		settings_free(settings_train, &o);
		if (st) {
			tui_message(a, 1, "%s", err.msg);
			return;
		}
	}
	char *v = strdup(text);
	if (!v)
		return;
	free(s->val[i]);
	s->val[i] = v;
	a->dirty = 1;
}

static void set_val(train_state *s, int i, const char *v)
{
	char *c = strdup(v);
	if (c) {
		free(s->val[i]);
		s->val[i] = c;
	}
}

/* Run id of train_list()'s runs (0: the model of record), or NULL. */
static json_t *find_run(const train_state *s, long long id)
{
	size_t i;
	json_t *r;
	json_array_foreach(s->runs, i, r)
	{
		if (id ? json_integer_value(json_object_get(r, "id")) == id : json_is_true(json_object_get(r, "model")))
			return r;
	}
	return NULL;
}

/* The form from the stored configuration of run r (its one reader,
 * settings.h): what it chose at run time (branches, threads) is taken as
 * given, a length chosen per field stays empty.  Quiet: no message. */
static int form_from_run(train_state *s, tui_app *a, json_t *r, int quiet)
{
	json_t *cj = json_object_get(r, "config");
	long long id = json_integer_value(json_object_get(r, "id"));
	const char *b = json_string_value(json_object_get(cj, "branches"));
	if (!cj) {
		if (!quiet)
			tui_message(a, 1, _("no run to take the settings of"));
		return -1;
	}
	if (b && !strcmp(b, "pretrain")) {
		if (!quiet)
			tui_message(a, 1, _("run %lld is a pretraining run"), id);
		return -1;
	}
	yj_train_config c;
	yj_error err;
	error_clear(&err);
	if (train_config_read(cj, id, &c, &err)) {
		if (!quiet)
			tui_error(a, &err);
		return -1;
	}
	char buf[1024];
	for (int i = 0; i < nform; i++)
		set_val(s, i, settings_format(form[i], &c.o, buf, sizeof buf));
	train_config_free(&c);
	s->from_run = id;
	if (!quiet)
		tui_message(a, 0, _("the settings of run %lld: s trains with them"), id);
	return 0;
}

/* r: which run's settings (the model of record unless another is typed). */
static void from_run_done(void *ctx, tui_app *a, const char *text)
{
	train_state *s = ctx;
	if (!text)
		return;
	char *end;
	long long id = strtoll(text, &end, 10);
	if (!*text || *end || id < 1) {
		tui_message(a, 1, _("'%s' is not a run number"), text);
		return;
	}
	json_t *r = find_run(s, id);
	if (!r) {
		tui_message(a, 1, _("no run %lld"), id);
		return;
	}
	form_from_run(s, a, r, 0);
	a->dirty = 1;
}

static int train_key(void *st, tui_app *a, int action)
{
	train_state *s = st;
	switch (action) {
	case ACT_UP:
		s->cur = s->cur > 0 ? s->cur - 1 : 0;
		return TUI_REDRAW;
	case ACT_DOWN:
		s->cur = s->cur < nform - 1 ? s->cur + 1 : nform - 1;
		return TUI_REDRAW;
	case ACT_HOME:
		s->cur = 0;
		return TUI_REDRAW;
	case ACT_END:
		s->cur = nform - 1;
		return TUI_REDRAW;
	case ACT_ENTER:
	case A_EDIT: {
		if (form[s->cur]->type == SET_FLAG) { /* a flag toggles */
			set_val(s, s->cur, *s->val[s->cur] ? "" : "yes");
			return TUI_REDRAW;
		}
		char prompt[64];
		snprintf(prompt, sizeof prompt, "%s: ", _(form[s->cur]->label));
		tui_input_begin(a, prompt, s->val[s->cur], edit_done, s);
		return TUI_REDRAW;
	}
	case A_START:
		if (run_is_running(s)) {
			tui_message(a, 1, _("run %lld is still training: cancel it first (c)"),
				    (long long)json_integer_value(json_object_get(s->run, "id")));
			return TUI_REDRAW;
		}
		start_checked(s, a);
		return TUI_REDRAW;
	case A_CANCEL:
		if (!run_is_running(s)) {
			tui_message(a, 1, _("no run is training"));
			return TUI_REDRAW;
		}
		request(s, a, json_integer_value(json_object_get(s->run, "id")));
		return TUI_REDRAW;
	case A_LOG:
		s->show_log = !s->show_log;
		return TUI_REDRAW;
	case A_FROM_RUN: {
		json_t *m = find_run(s, 0);
		char def[32] = "";
		if (m)
			snprintf(def, sizeof def, "%lld", (long long)json_integer_value(json_object_get(m, "id")));
		tui_input_begin(a, _("the settings of run: "), def, from_run_done, s);
		return TUI_REDRAW;
	}
	case A_DEFAULTS:
		s->from_run = 0;
		for (int i = 0; i < nform; i++)
			set_val(s, i, form[i]->def);
		tui_message(a, 0, _("every setting is back to its default"));
		return TUI_REDRAW;
	}
	return TUI_UNHANDLED;
}

static void train_show(void *st, tui_app *a)
{
	request(st, a, 0);
}

const tui_view_ops tui_view_train = {
	.title = N_("Train"),
	.about = N_("Training runs: the hyper-parameters as a form, a run started in its own process "
		    "(it keeps going when the workbench closes; output in PROJECT.run-N.log), and the "
		    "latest run followed live: progress with elapsed time and ETA, the training loss of "
		    "every step, the test loss and accuracy of every epoch."),
	.keys = keys,
	.open = train_open,
	.close = train_close,
	.draw = train_draw,
	.key = train_key,
	.show = train_show,
	.reload = train_show,
	.tick = train_show,
};
