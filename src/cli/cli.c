/*
 * cli.c - option parsing, usage, error printing, progress, tables.
 */
#include <config.h>

#include <getopt.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/base/escape.h"
#include "yujing/base/i18n.h"
#include "yujing/text/width.h"

#define OPT_HELP 0x7fff

const cli_command *cli_find(const char *name)
{
	for (size_t i = 0; cli_commands[i]; i++)
		if (!strcmp(cli_commands[i]->name, name))
			return cli_commands[i];
	return NULL;
}

/* "--name ARG" of an option or a setting. */
static void option_lead(const char *name, const char *arg, int key, char *lead, size_t n)
{
	char buf[128];
	snprintf(buf, sizeof buf, "--%s%s%s", name, arg ? " " : "", arg ? _(arg) : "");
	if (key < 256)
		snprintf(lead, n, "-%c, %s", key, buf);
	else
		snprintf(lead, n, "%s", buf);
}

void cli_usage(const cli_command *cmd, FILE *out)
{
	fprintf(out, _("Usage: %s %s %s\n"), PACKAGE, cmd->name, _(cmd->synopsis));
	fprintf(out, "%s\n", _(cmd->summary));
	if (cmd->description)
		fprintf(out, "\n%s\n", _(cmd->description));
	fprintf(out, "\n%s\n", _("Options:"));
	int wmax = 6;
	char lead[160], fitted[256];
	for (const yj_setting *s = cmd->settings; s && s->name; s++) {
		if (s->flags & SET_HIDDEN)
			continue;
		option_lead(s->name, s->arg, CLI_SETTING, lead, sizeof lead);
		if (width_str(lead) > wmax)
			wmax = width_str(lead);
	}
	for (const cli_option *o = cmd->options; o && o->name; o++) {
		option_lead(o->name, o->arg, o->key, lead, sizeof lead);
		if (width_str(lead) > wmax)
			wmax = width_str(lead);
	}
	for (const yj_setting *s = cmd->settings; s && s->name; s++) {
		if (s->flags & SET_HIDDEN)
			continue;
		option_lead(s->name, s->arg, CLI_SETTING, lead, sizeof lead);
		fprintf(out, "  %s  ", width_fit(lead, wmax, -1, fitted, sizeof fitted));
		if (*s->def && !(s->flags & SET_HELP_DEFAULT))
			fprintf(out, _("%s (default %s)"), _(s->help), s->def);
		else
			fputs(_(s->help), out);
		fputc('\n', out);
	}
	for (const cli_option *o = cmd->options; o && o->name; o++) {
		option_lead(o->name, o->arg, o->key, lead, sizeof lead);
		fprintf(out, "  %s  %s\n", width_fit(lead, wmax, -1, fitted, sizeof fitted), _(o->help));
	}
	fprintf(out, "  %s  %s\n", width_fit("--help", wmax, -1, fitted, sizeof fitted),
		_("show this help and exit"));
}

int cli_setting(const cli_command *cmd, int key, const char *arg, void *opts)
{
	yj_error err;
	error_clear(&err);
	if (settings_set(&cmd->settings[key - CLI_SETTING], opts, arg, &err))
		return cli_usage_error(cmd, "%s", err.msg);
	return 0;
}

int cli_usage_error(const cli_command *cmd, const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s%s%s: ", PACKAGE, cmd ? " " : "", cmd ? cmd->name : "");
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	if (cmd)
		fprintf(stderr, _("Try '%s %s --help' for more information.\n"), PACKAGE, cmd->name);
	else
		fprintf(stderr, _("Try '%s --help' for more information.\n"), PACKAGE);
	return 2;
}

int cli_parse(const cli_command *cmd, int argc, char **argv,
	      int (*on_opt)(void *ctx, int key, const char *arg), void *ctx)
{
	size_t n = 0, ns = 0;
	for (const cli_option *o = cmd->options; o && o->name; o++)
		n++;
	for (const yj_setting *s = cmd->settings; s && s->name; s++)
		ns++;
	struct option *lo = calloc(n + ns + 2, sizeof *lo);
	char *shorts = calloc(2 * n + 3, 1);
	if (!lo || !shorts) {
		free(lo);
		free(shorts);
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		return -2;
	}
	size_t s = 0;
	shorts[s++] = ':'; /* report a missing value as ':' */
	for (size_t i = 0; i < n; i++) {
		const cli_option *o = &cmd->options[i];
		lo[i].name = o->name;
		lo[i].has_arg = o->arg ? required_argument : no_argument;
		lo[i].val = o->key;
		if (o->key < 256) {
			shorts[s++] = (char)o->key;
			if (o->arg)
				shorts[s++] = ':';
		}
	}
	size_t m = n;
	for (size_t i = 0; i < ns; i++) {
		const yj_setting *st = &cmd->settings[i];
		if (st->flags & SET_HIDDEN)
			continue;
		lo[m].name = st->name;
		lo[m].has_arg = st->type == SET_FLAG ? no_argument : required_argument;
		lo[m].val = CLI_SETTING + (int)i;
		m++;
	}
	lo[m].name = "help";
	lo[m].val = OPT_HELP;
	int ret = 0;
	optind = 0; /* full re-initialisation (GNU) */
	opterr = 0;
	for (;;) {
		int li = -1;
		int c = getopt_long(argc, argv, shorts, lo, &li);
		if (c == -1)
			break;
		if (c == OPT_HELP) {
			cli_usage(cmd, stdout);
			ret = -1;
			break;
		}
		if (c == '?') {
			const char *arg = argv[optind - 1];
			/* optopt is the option's key for a known long option
			 * given a value it does not take (--json=yes), the
			 * letter for an unknown short option, 0 otherwise. */
			if (optopt && !strncmp(arg, "--", 2))
				cli_usage_error(cmd, _("option %.*s takes no value"),
						(int)strcspn(arg, "="), arg);
			else if (optopt && optopt < 256)
				cli_usage_error(cmd, _("unknown option -%c"), optopt);
			else
				cli_usage_error(cmd, _("unknown option %s"), arg);
			ret = -3;
			break;
		}
		if (c == ':') {
			cli_usage_error(cmd, _("option %s needs a value"), argv[optind - 1]);
			ret = -3;
			break;
		}
		int rc = on_opt ? on_opt(ctx, c, optarg) : 0;
		if (rc) {
			ret = -(rc + 1);
			break;
		}
	}
	free(lo);
	free(shorts);
	return ret ? ret : optind;
}

int cli_fail(const yj_error *err)
{
	/* Messages quote names and values from files: escaped, the hint on
	 * its own line as error_format puts it. */
	char buf[4096];
	yj_error e = *err;
	e.hint[0] = '\0';
	char *m = escape_dup(error_format(&e, buf, sizeof buf));
	fprintf(stderr, "%s: %s\n", PACKAGE, m ? m : buf);
	free(m);
	if (err->hint[0]) {
		char *h = escape_dup(err->hint);
		fprintf(stderr, "  %s %s\n", _("hint:"), h ? h : err->hint);
		free(h);
	}
	return error_exit_code(err->status);
}

int cli_print_json(json_t *v)
{
	if (!v) {
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		return 1;
	}
	int rc = json_dumpf(v, stdout, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	fputc('\n', stdout);
	json_decref(v);
	return rc ? 1 : 0;
}

/* ---------------------------------------------------------------- escape */

/* Set when human-readable output could not be built (out of memory): the
 * command's output is incomplete, and main() turns a success into a
 * failure rather than exit 0 with a row or a value missing. */
int cli_output_lost;

const char *cli_esc(const char *s)
{
	static char *ring[8];
	static unsigned next;
	char **slot = &ring[next++ % 8];
	free(*slot);
	*slot = escape_dup(s ? s : "");
	if (!*slot)
		cli_output_lost = 1;
	return *slot ? *slot : "?";
}

/* ------------------------------------------------------------- interrupt */

volatile sig_atomic_t cli_interrupted;

static void on_sigint(int sig)
{
	(void)sig;
	cli_interrupted = 1;
}

void cli_catch_interrupt(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_sigint;
	sigemptyset(&sa.sa_mask);
	/* No SA_RESTART: a blocked read returns EINTR and the work stops.
	 * SA_RESETHAND: a second Ctrl-C kills at once. */
	sa.sa_flags = SA_RESETHAND;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
}

/* -------------------------------------------------------------- progress */

typedef struct {
	int tty;
	int shown;
} progress_state;

static progress_state pstate;

static void human(double v, char *out, size_t n)
{
	if (v >= 1e6)
		snprintf(out, n, "%.2fM", v / 1e6);
	else if (v >= 1e4)
		snprintf(out, n, "%.1fk", v / 1e3);
	else
		snprintf(out, n, "%.0f", v);
}

static void progress_print(void *ctx, const yj_progress_event *ev)
{
	progress_state *ps = ctx;
	if (!ps->tty || (ev->elapsed < 1.0 && !ps->shown))
		return;
	char done[32], rate[32], line[256];
	human((double)ev->done, done, sizeof done);
	human(ev->elapsed > 0 ? (double)ev->done / ev->elapsed : 0, rate, sizeof rate);
	/* one message, so that a translation places the rate's unit ("/s") */
	int n = snprintf(line, sizeof line, "\r");
	n += snprintf(line + n, sizeof line - (size_t)n, _("%s: %s %s, %s %s/s"), _(ev->stage), done, _(ev->unit),
		      rate, _(ev->unit));
	if (ev->fraction >= 0 && n > 0 && (size_t)n < sizeof line) {
		snprintf(line + n, sizeof line - (size_t)n, _(", %3.0f%%, ETA %.0fs"), 100 * ev->fraction,
			 progress_eta(ev));
	}
	fprintf(stderr, "%s\033[K", line);
	if (ev->final)
		fputc('\n', stderr);
	fflush(stderr);
	ps->shown = !ev->final;
}

void cli_progress_init(yj_progress *p)
{
	memset(p, 0, sizeof *p);
	pstate.tty = isatty(STDERR_FILENO);
	pstate.shown = 0;
	p->report = progress_print;
	p->ctx = &pstate;
	p->cancel = &cli_interrupted;
}

void cli_progress_done(yj_progress *p)
{
	progress_state *ps = p->ctx;
	if (ps && ps->shown) {
		fputc('\n', stderr);
		ps->shown = 0;
	}
}

/* ----------------------------------------------------------------- tables */

struct cli_table {
	int ncols;
	char **cells; /* row-major */
	size_t nrows, cap;
	int *right;
};

cli_table *cli_table_new(int ncols)
{
	cli_table *t = calloc(1, sizeof *t);
	if (!t) {
		cli_output_lost = 1;
		return NULL;
	}
	t->ncols = ncols;
	t->right = calloc((size_t)ncols, sizeof *t->right);
	if (!t->right) {
		free(t);
		cli_output_lost = 1;
		return NULL;
	}
	return t;
}

void cli_table_align(cli_table *t, int col, int right)
{
	if (t && col >= 0 && col < t->ncols)
		t->right[col] = right;
}

void cli_table_row(cli_table *t, const char *const *cells)
{
	if (!t)
		return;
	if (t->nrows == t->cap) {
		size_t cap = t->cap ? t->cap * 2 : 16;
		char **c = realloc(t->cells, cap * (size_t)t->ncols * sizeof *c);
		if (!c) {
			cli_output_lost = 1;
			return;
		}
		t->cells = c;
		t->cap = cap;
	}
	/* Cells show labels, keys and field names from files: escaped. */
	for (int i = 0; i < t->ncols; i++) {
		char *e = escape_dup(cells[i] ? cells[i] : "");
		if (!e)
			cli_output_lost = 1;
		t->cells[t->nrows * (size_t)t->ncols + (size_t)i] = e;
	}
	t->nrows++;
}

void cli_table_print(cli_table *t, FILE *out, int indent)
{
	if (!t || !t->nrows)
		return;
	int *w = calloc((size_t)t->ncols, sizeof *w);
	if (!w) {
		cli_output_lost = 1;
		return;
	}
	for (size_t r = 0; r < t->nrows; r++)
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			int cw = s ? width_str(s) : 0;
			if (cw > w[c])
				w[c] = cw;
		}
	for (size_t r = 0; r < t->nrows; r++) {
		fprintf(out, "%*s", indent, "");
		for (int c = 0; c < t->ncols; c++) {
			const char *s = t->cells[r * (size_t)t->ncols + (size_t)c];
			if (!s)
				s = "";
			int pad = w[c] - width_str(s);
			int last = c == t->ncols - 1;
			/* Headers align like their column. */
			if (t->right[c])
				fprintf(out, "%*s%s", pad, "", s);
			else if (last)
				fputs(s, out);
			else
				fprintf(out, "%s%*s", s, pad, "");
			if (!last)
				fputs("  ", out);
		}
		fputc('\n', out);
	}
	free(w);
}

void cli_table_free(cli_table *t)
{
	if (!t)
		return;
	for (size_t i = 0; i < t->nrows * (size_t)t->ncols; i++)
		free(t->cells[i]);
	free(t->cells);
	free(t->right);
	free(t);
}

/* ------------------------------------------------------------------ misc */

const char *cli_argv0 = PACKAGE;

const char *cli_data_path(const char *name, char *buf, size_t n)
{
	const char *d = getenv("YUJING_DATADIR");
	if (d && *d) {
		snprintf(buf, n, "%s/%s", d, name);
		return buf;
	}
	snprintf(buf, n, "%s/%s", PKGDATADIR, name);
	/* Not installed yet (the README's first command): the source tree's
	 * copy. */
	if (access(buf, R_OK) && cli_source_tree()) {
		snprintf(buf, n, "%s/share/yujing/%s", cli_source_tree(), name);
		/* The source tree of a build in build/ is "/src/build/..": the
		 * path the Sources view and messages show is the plain one. */
		char *real = realpath(buf, NULL);
		if (real) {
			snprintf(buf, n, "%s", real);
			free(real);
		}
	}
	return buf;
}

char **cli_split_list(const char *s, size_t *n)
{
	return settings_split_list(s, n);
}

int cli_parse_long(const char *s, long *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	long v = strtol(s, &end, 10);
	if (*end || v < 0)
		return -1;
	*out = v;
	return 0;
}

int cli_parse_double(const char *s, double *out)
{
	char *end;
	if (!s || !*s)
		return -1;
	double v = strtod(s, &end);
	if (*end || !isfinite(v))
		return -1;
	*out = v;
	return 0;
}
