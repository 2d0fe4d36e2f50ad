/*
 * tui.h - the terminal workbench (src/tui), private to the layer and to
 * the `tui` command that starts it.
 *
 * Shape: one app (app.c) owns the screen, a frame of views, a worker pool
 * and at most one child process.  Each view lives in its own view-NAME.c
 * and exports an ops table (open, draw, key, close, ...) and its keymap,
 * which is data: keys map to named actions with help text, and `?` shows
 * the table.  A key handler changes state and says whether to redraw;
 * drawing is a function of state, composed on curses' off-screen stdscr
 * and flushed once per frame.  Nothing here calls SQLite: data comes
 * from the store and data layers, through jobs run by worker threads
 * (worker.c), each with its own connection to the project file, so the UI
 * thread never waits on the database or on a long computation.
 *
 * This header does not include curses: view files include <curses.h>
 * themselves for key codes and attributes (which fit an int).
 */
#ifndef YUJING_TUI_H
#define YUJING_TUI_H

#include <signal.h>
#include <stddef.h>

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/store/sources.h"

/* ------------------------------------------------------------ entry point */

/* What the ':' prompt knows of a CLI command (tab completion, and whether
 * the project file is passed to it). */
typedef struct tui_option {
	const char *name; /* long name, without "--" */
	int has_arg;
} tui_option;

typedef struct tui_command {
	const char *name;
	const char *summary;      /* N_() */
	int takes_project;        /* its first operand is PROJECT */
	const tui_option *options;
	size_t noptions;
} tui_command;

/* Run the workbench on the project file at path until the user quits.
 * cmds are the commands ':' offers; they run as `self NAME ARGS...` in a
 * child process (self: the program, normally "/proc/self/exe").  Returns
 * 0, or a status with err filled when the workbench cannot start (no
 * terminal, not a project). */
yj_status tui_run(const char *path, const char *self, const tui_command *cmds, size_t ncmds,
		  yj_error *err);

/* ------------------------------------------------------------ actions */

/* What keys stand for.  Views add their own from ACT_VIEW on. */
enum {
	ACT_NONE,
	/* global */
	ACT_QUIT,     /* q: back, or quit at the top level */
	ACT_BACK,     /* Esc: back */
	ACT_VIEW_1,   /* ... ACT_VIEW_1 + 6: switch view */
	ACT_VIEW_7 = ACT_VIEW_1 + 6,
	ACT_NEXT_VIEW,
	ACT_PREV_VIEW,
	ACT_PROMPT,
	ACT_HELP,
	ACT_MESSAGES,
	ACT_REDRAW,
	ACT_INTERRUPT,
	/* movement, given to the view */
	ACT_UP,
	ACT_DOWN,
	ACT_LEFT,
	ACT_RIGHT,
	ACT_PGUP,
	ACT_PGDN,
	ACT_HOME,
	ACT_END,
	ACT_ENTER,
	ACT_SEARCH,
	ACT_SEARCH_NEXT,
	ACT_SEARCH_PREV,
	ACT_VIEW = 100
};

/* One entry of a keymap: the keys (characters or curses KEY_ codes, 0
 * ends the list) that trigger an action, as `?` names them, and what the
 * action does.  A keymap ends with an entry whose action is ACT_NONE. */
typedef struct tui_binding {
	int action;
	int keys[4];
	const char *names; /* "j ↓" */
	const char *help;  /* N_() */
} tui_binding;

/* The action bound to key in map, or ACT_NONE. */
int tui_keymap_find(const tui_binding *map, int key);

/* Return values of a view's key handler. */
enum { TUI_KEEP = 0, TUI_REDRAW = 1, TUI_UNHANDLED = 2 };

/* ------------------------------------------------------------ views */

typedef struct tui_app tui_app;

typedef struct tui_rect {
	int y, x, h, w;
} tui_rect;

typedef struct tui_view_ops {
	const char *title;        /* N_() tab title */
	const char *about;        /* N_() what the view shows, for `?` */
	const tui_binding *keys;  /* the view's own keys */
	void *(*open)(tui_app *a);
	void (*close)(void *st);
	void (*draw)(void *st, tui_app *a, tui_rect r);
	/* An action (a view's own, or a movement); returns TUI_REDRAW,
	 * TUI_KEEP or TUI_UNHANDLED. */
	int (*key)(void *st, tui_app *a, int action);
	/* Optional: the project changed (a command ran), the view became the
	 * current one, about a second passed while it is shown. */
	void (*reload)(void *st, tui_app *a);
	void (*show)(void *st, tui_app *a);
	void (*tick)(void *st, tui_app *a);
} tui_view_ops;

#define TUI_NVIEWS 7
extern const tui_view_ops tui_view_sources, tui_view_quality, tui_view_clean, tui_view_train,
	tui_view_cases, tui_view_runs, tui_view_warnings;
enum { VIEW_SOURCES, VIEW_QUALITY, VIEW_CLEAN, VIEW_TRAIN, VIEW_CASES, VIEW_RUNS, VIEW_WARNINGS };

/* ------------------------------------------------------------ jobs */

/* Work for a worker thread.  A concrete job embeds this as its first
 * member.  run() executes on a worker thread with that thread's own
 * project connection (NULL when it could not be opened: err then says
 * why and run() is not called); done() then runs on the UI thread, and
 * destroy() frees the job (also when it is dropped unrun at exit). */
typedef struct tui_job tui_job;
struct tui_job {
	void (*run)(tui_job *j, yj_project *p);
	void (*done)(tui_job *j, tui_app *a);
	void (*destroy)(tui_job *j);
	const char *what;  /* N_() shown in the status line while it runs */
	yj_status st;
	yj_error err;
	yj_progress progress;           /* pass to the library */
	volatile sig_atomic_t cancel;   /* set at exit */
	_Atomic int permille;           /* progress in 1/1000, -1 unknown */
	tui_job *next;
};

/* Prepare the common part (progress reporting and cancel flag). */
void tui_job_init(tui_job *j, const char *what, void (*run)(tui_job *, yj_project *),
		  void (*done)(tui_job *, tui_app *), void (*destroy)(tui_job *));

typedef struct tui_worker tui_worker;
/* Start nthreads threads working on the project at path; they wake the UI
 * by writing a byte to wake_fd when a job is done. */
tui_worker *tui_worker_new(const char *path, int nthreads, int wake_fd);
void tui_worker_submit(tui_worker *w, tui_job *j);
/* The next finished job, or NULL. */
tui_job *tui_worker_done(tui_worker *w);
/* Jobs queued or running; *what and *permille describe one running job. */
int tui_worker_busy(tui_worker *w, const char **what, int *permille);
/* Cancel everything, join the threads, free the rest. */
void tui_worker_free(tui_worker *w);

/* ------------------------------------------------------------ the app */

/* A run started detached (tui_launch) whose run id is not known yet: the
 * status job finds it (its process's pid, or the one new run after
 * `after`) and renames its log to PROJECT.run-N.log. */
typedef struct tui_launch_rec {
	long long pid;   /* the training process */
	long long after; /* the latest run id when it was started */
	char *log;       /* its log until the run is known */
} tui_launch_rec;
#define TUI_MAX_LAUNCH 8

typedef struct tui_log_line {
	char *text;
	int kind; /* 0 output, 1 command, 2 success, 3 error */
} tui_log_line;

struct tui_app {
	char *path;               /* project file */
	const char *base;         /* its last component */
	const char *self;         /* program for ':' commands */
	int self_fd;              /* /proc/self/exe held open, or -1 */
	char self_path[32];       /* "/proc/self/fd/N" naming it ("": self), for ':' commands */
	const tui_command *cmds;
	size_t ncmds;
	tui_worker *worker;
	int wake[2];              /* wake pipe: workers and SIGWINCH */

	/* the catalogue (sources, fields), refreshed after every command */
	yj_source_info *src;
	size_t nsrc;
	int src_state;            /* 0 loading, 1 loaded, -1 failed */
	unsigned src_gen;         /* bumped each time src is replaced */
	char *cur_source;         /* selected source, shared by the views */
	char *drill_field;        /* a field to drill into on entering Quality */
	unsigned data_gen;        /* bumped whenever the project changed */

	/* status */
	long long snapshot;       /* active snapshot, 0 none */
	long long split;          /* the active snapshot's split, 0 none */
	long long model;          /* the model of record, 0 none */
	int model_pinned;         /* ... pinned with runs --use */
	long long run;            /* latest run, 0 none */
	char run_status[32];
	int status_pending;
	int status_known;         /* a status job has answered */
	unsigned long long src_fp; /* fingerprint of the catalogue it saw */

	/* views */
	int view;
	void *vstate[TUI_NVIEWS];

	/* message line and pane */
	char msg[1024];
	int msg_kind;             /* 0 info, 1 error, 2 success */
	tui_log_line *log;
	size_t nlog, log_cap;
	int pane_open, pane_focus;
	size_t pane_scroll;       /* lines up from the bottom */
	int pane_rows;            /* log lines the pane showed last */

	/* overlays and modes */
	int help_open, help_scroll;
	int prompt_open;
	struct tui_input *input;  /* one-line editor, NULL when closed */

	/* runs started detached, not yet matched with their run */
	tui_launch_rec launch[TUI_MAX_LAUNCH];
	int nlaunch;

	/* child process running a ':' command */
	int child_pid, child_fd, child_eof;
	char *child_name;
	char child_partial[1024];
	size_t child_plen;
	char child_last_err[512];
	int child_esc, child_cr;  /* escape sequence and "\r" state */

	int colors;
	int quit;
	int dirty;
};

/* The message line (printf-style); kind 0 info, 1 error, 2 success. */
void tui_message(tui_app *a, int kind, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
/* The message line from an error record. */
void tui_error(tui_app *a, const yj_error *err);
/* Append a line to the message pane. */
void tui_log(tui_app *a, int kind, const char *text);

void tui_submit(tui_app *a, tui_job *j);
void tui_goto_view(tui_app *a, int view);
/* The selected source (NULL when there is none) and choosing one. */
const yj_source_info *tui_source(const tui_app *a);
void tui_select_source(tui_app *a, const char *name);
/* Open the Cases view's inspector on case key as run `run` predicted it,
 * from batch `batch` of new cases (0: the active snapshot); Esc returns
 * to the view that asked. */
void tui_cases_inspect(tui_app *a, const char *key, long long run, long long batch);
/* Step the selected source by delta (wrapping). */
void tui_step_source(tui_app *a, int delta);
/* Ask for the status line's data again (snapshot, run). */
void tui_refresh_status(tui_app *a);

/* A one-line text input on the bottom line; done() gets the text (NULL
 * when cancelled) and runs on the UI thread. */
typedef void (*tui_input_done)(void *ctx, tui_app *a, const char *text);
void tui_input_begin(tui_app *a, const char *prompt, const char *initial, tui_input_done done,
		     void *ctx);

/* ------------------------------------------------------------ drawing */

/* Semantic colours: an attribute with colour when the terminal has it,
 * a plain attribute (bold, reverse, dim) when it does not. */
enum {
	TUI_C_NORMAL,
	TUI_C_TITLE,   /* view titles, headers */
	TUI_C_SELECT,  /* the cursor row */
	TUI_C_GOOD,
	TUI_C_WARN,
	TUI_C_BAD,
	TUI_C_DIM,
	TUI_C_ACCENT,
	TUI_C_STATUS,  /* the status line */
	TUI_C_NULLCELL,
	TUI_C_OUTCELL,
	TUI_C_SERIES2,
	TUI_C_HEAT1,   /* heat map levels, 1 (low) .. 4 (high) */
	TUI_C_HEAT2,
	TUI_C_HEAT3,
	TUI_C_HEAT4,
	TUI_C_COUNT
};
int tui_attr(int color);
void tui_colors_init(int enable);

/* Text at (y, x) fitted into w columns by display width (never cutting
 * a character; an ellipsis marks a cut when ellipsis is set); control
 * characters show as spaces.  Returns the columns written. */
int tui_put(int y, int x, int w, const char *s, int attr);
/* The same, padded to exactly w columns: left aligned (align <= 0) or
 * right aligned (align > 0), cut with an ellipsis when too wide. */
void tui_cell(int y, int x, int w, const char *s, int align, int attr);
void tui_fill(int y, int x, int w, int attr);
void tui_hline(int y, int x, int w, int attr);
/* printf into a buffer, then tui_put. */
int tui_putf(int y, int x, int w, int attr, const char *fmt, ...) __attribute__((format(printf, 5, 6)));
/* A horizontal bar of frac (0..1) of w columns, in eighths of a cell. */
void tui_bar(int y, int x, int w, double frac, int attr);
/* Display width of s after control characters are made spaces. */
int tui_width(const char *s);
/* One line of at most w columns from s: returns the bytes it takes
 * (breaking at a space when there is one, else between characters), and
 * in *skip the bytes to the start of the next line. */
size_t tui_wrap(const char *s, int w, size_t *skip);
/* Centered paragraphs (words wrapped by display width) in r. */
void tui_paragraphs(tui_rect r, const char *const *paras, size_t n, int attr);
/* A view heading: title left, extra right, on one line. */
void tui_heading(int y, int x, int w, const char *title, const char *extra);

/* A type, role, run status or cleaning strategy as the user reads it
 * (translated). */
const char *tui_name(const char *s);
/* A number the way the tables show it: "%.6g", "-" for NaN. */
void tui_fmt_num(double v, char *buf, size_t n);
/* A rate as a percentage with two decimals ("12.50%"), "-" for NaN. */
void tui_fmt_rate(double v, char *buf, size_t n);

/* ------------------------------------------------------------ table widget */

typedef struct tui_column {
	const char *title; /* translated already */
	int align;         /* > 0 right */
	int maxw;          /* widest the column gets (0: 40) */
} tui_column;

typedef struct tui_table {
	int ncols;
	tui_column *col;
	size_t nrows, cap;
	char **cell;       /* (nrows * ncols) owned */
	double *key;       /* (nrows * ncols) sort keys, NaN: sort by text */
	int *attr;         /* (nrows * ncols) cell attributes */
	size_t *order;     /* display position -> row */
	size_t cur, top;   /* cursor and first shown, display positions */
	int ccol;          /* column cursor, -1 when columns are not chosen */
	int left;          /* first scrollable column shown */
	int frozen;        /* leading columns that never scroll */
	int sort_col, sort_desc;
	char *search;      /* last search */
	int page;          /* rows shown at the last draw */
	/* Optional: called after a search moved the cursor. */
	void (*moved)(struct tui_table *t, tui_app *a, void *ctx);
	void *moved_ctx;
} tui_table;

void tui_table_init(tui_table *t, int ncols, const tui_column *cols);
void tui_table_free(tui_table *t);
/* Drop the rows, keep the columns (and the cursor when it still fits). */
void tui_table_clear(tui_table *t);
/* Add a row; returns its index.  Cells are copied; key NaN, attr 0. */
size_t tui_table_add(tui_table *t, const char *const *cells);
void tui_table_set_key(tui_table *t, size_t row, int col, double key);
void tui_table_set_attr(tui_table *t, size_t row, int col, int attr);
/* Redo the display order after rows changed (keeps the sort). */
void tui_table_sort(tui_table *t, int col, int desc);
/* The row under the cursor, or (size_t)-1 when there are none. */
size_t tui_table_row(const tui_table *t);
/* Put the cursor on a row. */
void tui_table_select(tui_table *t, size_t row);
/* Movement actions; returns TUI_REDRAW, TUI_KEEP or TUI_UNHANDLED. */
int tui_table_move(tui_table *t, int action);
/* Find the next (dir > 0) or previous row with a cell containing needle
 * (case-insensitive for ASCII); returns 1 when found. */
int tui_table_find(tui_table *t, const char *needle, int dir);
/* Draw in r: a header line and the rows; the cursor row is highlighted
 * when focused. */
void tui_table_draw(tui_table *t, tui_rect r, int focused);
/* Start a search (/) in a table: asks for the text, then jumps. */
void tui_table_search(tui_app *a, tui_table *t);
/* n / N: repeat the last search. */
int tui_table_search_again(tui_app *a, tui_table *t, int dir);

/* ------------------------------------------------------------ plots */

typedef struct tui_series {
	const double *x, *y;
	size_t n;
	int attr;
	const char *label;
} tui_series;

/* A line plot of the series in r with Unicode braille dots, y axis
 * labels on the left, x axis labels below, and a legend line. */
void tui_plot(tui_rect r, const tui_series *s, size_t ns, const char *xlabel, const char *ylabel);

/* ------------------------------------------------------------ prompt */

void tui_prompt_init(tui_app *a);
void tui_prompt_open(tui_app *a);
/* A key for the prompt: a character (is_key 0) or a curses KEY_ code. */
void tui_prompt_key(tui_app *a, int ch, int is_key);
/* Draw the prompt on line y; returns the cursor column. */
int tui_prompt_draw(tui_app *a, int y, int w);
void tui_prompt_free(tui_app *a);
/* Lines loaded from the project: add to the readline history. */
void tui_prompt_history(tui_app *a, char **lines, size_t n);
/* Split a command line into words (quotes and backslashes as in sh).
 * Returns a NULL-terminated malloc'd array (free with tui_free_words),
 * NULL on unbalanced quotes. */
char **tui_split_words(const char *line, size_t *n);
void tui_free_words(char **w);

/* ------------------------------------------------------------ child */

/* The nice value of the processes the workbench starts (':' commands and
 * training runs): heavy work in them yields the processor to the screen,
 * so that a key is answered at once also while a run trains. */
#define TUI_CHILD_NICE 10

/* Start `self argv...` (argv[0] is the command, "train") detached from
 * the workbench: its own session, nice TUI_CHILD_NICE, standard input
 * /dev/null, its output into a new log file that the command line heads,
 * so that it keeps going when the workbench ends.  The launch is recorded
 * in a->launch until the status job knows its run; the log then becomes
 * tui_run_log(a, RUN).  Returns 0, or -1 with errno set. */
int tui_launch(tui_app *a, char **argv);
/* The log of run `run` (PROJECT.run-N.log), malloc'd (NULL: no memory). */
char *tui_run_log(const tui_app *a, long long run);
/* The log of the newest launch not yet matched with a run, or NULL. */
const char *tui_launch_log(const tui_app *a);
/* The last at most max lines of a file (64 KiB read at most) into lines
 * (malloc'd each); returns how many, 0 when it cannot be read. */
size_t tui_read_tail(const char *path, char **lines, size_t max);
/* Quit, asking first when a ':' command is still running. */
void tui_quit_request(tui_app *a);

/* Run `self argv...` with its output going to the message pane. */
int tui_child_start(tui_app *a, char **argv);
/* Read what the child wrote (its fd is readable). */
void tui_child_read(tui_app *a);
/* Reap the child when it has ended; returns 1 when it did. */
int tui_child_reap(tui_app *a);
/* Interrupt (SIGINT) the running child. */
void tui_child_interrupt(tui_app *a);
/* At exit: interrupt, wait a little, then kill. */
void tui_child_stop(tui_app *a);

/* ------------------------------------------------------------ input line */

/* A key for the open input line (see tui_input_begin). */
void tui_input_key(tui_app *a, int ch, int is_key);
/* Draw it on line y; returns the cursor column. */
int tui_input_draw(tui_app *a, int y, int w);
void tui_input_free(tui_app *a);

/* ------------------------------------------------------------ app internals */

/* Called when a child ends or a job changed the project: reload the
 * catalogue, the status and every view. */
void tui_project_changed(tui_app *a);
/* Run a ':' command line. */
void tui_run_line(tui_app *a, const char *line);
/* Store a prompt line in the project (in the background). */
void tui_save_prompt(tui_app *a, const char *line);

#endif
