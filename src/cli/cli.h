/*
 * cli.h - the command table and the helpers every command shares.
 *
 * Each command lives in its own cmd-NAME.c and exports one const
 * cli_command.  Help, the man-page test and (later) the TUI prompt's tab
 * completion all read the same table.
 */
#ifndef YUJING_CLI_H
#define YUJING_CLI_H

#include <signal.h>
#include <stdio.h>

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/train/settings.h"

typedef struct cli_option {
	const char *name; /* long name, without "--" */
	int key;          /* a short letter, or a code >= 256 */
	const char *arg;  /* argument name (N_()), NULL for a flag */
	const char *help; /* N_() */
} cli_option;

typedef struct cli_command {
	const char *name;
	const char *synopsis;    /* N_("PROJECT [OPTIONS] FILE") */
	const char *summary;     /* N_() one line */
	const char *description; /* N_() paragraph(s), may be NULL */
	const cli_option *options; /* ends with {0} */
	/* Settings (settings.h) taken as options before `options`, in --help
	 * too; NULL for none.  Their keys for on_opt are CLI_SETTING + the
	 * row's index; cli_setting parses one. */
	const yj_setting *settings;
	int (*run)(const struct cli_command *cmd, int argc, char **argv);
} cli_command;

#define CLI_SETTING 0x4000

/* The value of the setting with key `key` (>= CLI_SETTING) into opts:
 * 0, or after a usage error naming the option and its range, 2. */
int cli_setting(const cli_command *cmd, int key, const char *arg, void *opts);

/* NULL-terminated table, in the order --help lists them. */
extern const cli_command *const cli_commands[];
const cli_command *cli_find(const char *name);

/* Parse options with getopt_long: on_opt is called for each (key, arg);
 * it returns 0, or an exit code to stop.  "--help" prints usage.
 * Returns the index of the first operand, or -(exit code + 1) when the
 * command must end now (after --help: -1, i.e. exit 0; a bad option: -3,
 * exit 2). */
int cli_parse(const cli_command *cmd, int argc, char **argv,
	      int (*on_opt)(void *ctx, int key, const char *arg), void *ctx);

void cli_usage(const cli_command *cmd, FILE *out);

/* Print "yujing CMD: message" and a pointer to --help; returns 2. */
int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* Print an error record on stderr; returns its exit code. */
int cli_fail(const yj_error *err);

/* Print a JSON value on stdout (indented, UTF-8) and free it. */
int cli_print_json(json_t *v);

/* Ctrl-C: the first one sets the flag (work stops cleanly), the second
 * kills. */
extern volatile sig_atomic_t cli_interrupted;
void cli_catch_interrupt(void);

/* A progress reporter drawing one line on stderr when it is a terminal
 * and the work lasts over a second. */
void cli_progress_init(yj_progress *p);
void cli_progress_done(yj_progress *p);

/* Aligned tables by display width. */
/* s with its control characters escaped (escape_dup), for printing text
 * from a file in human-readable output; valid until eight later calls.
 * NULL prints as "".  JSON output needs no escaping. */
const char *cli_esc(const char *s);

/* Set by cli_esc and the tables when they run out of memory: main() then
 * fails the command ("out of memory: part of the output was lost"). */
extern int cli_output_lost;

typedef struct cli_table cli_table;
cli_table *cli_table_new(int ncols);
void cli_table_align(cli_table *t, int col, int right);
/* Add a row of ncols strings (copied).  The first row added is the header. */
void cli_table_row(cli_table *t, const char *const *cells);
void cli_table_print(cli_table *t, FILE *out, int indent);
void cli_table_free(cli_table *t);

/* Split "a,b,c" into a NULL-terminated malloc'd array (strings inside one
 * allocation); *n gets the count. */
char **cli_split_list(const char *s, size_t *n);

/* Path of a file shipped in share/yujing (the vocabulary, the demo data):
 * under $YUJING_DATADIR when set, else the installed data directory, else
 * (a build not installed yet) the source tree's share/yujing.  Returns buf. */
const char *cli_data_path(const char *name, char *buf, size_t n);

/* The source tree and the build tree of a build that is not installed
 * (absolute paths), NULL in the installed program (uninstalled.c). */
const char *cli_source_tree(void);
const char *cli_build_tree(void);
/* Where the benchmarks' peer scripts (bench/NAME.py) are: $YUJING_BENCH_DIR,
 * else the source tree's bench/, else (installed) bench/ in the current
 * directory, a checkout. */
const char *cli_bench_dir(void);

/* The program as it was invoked (argv[0], set by main: "build/yujing" in a
 * build tree, "yujing" on the PATH), for hints that name a command line to
 * type. */
extern const char *cli_argv0;

/* Parse a non-negative integer / a real; 0 on success, -1 if invalid. */
int cli_parse_long(const char *s, long *out);
int cli_parse_double(const char *s, double *out);

#endif
