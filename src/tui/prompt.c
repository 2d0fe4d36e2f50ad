/*
 * prompt.c - the ':' prompt: GNU readline driven from the curses loop.
 *
 * Readline runs in its callback mode and never touches the terminal: keys
 * reach it through rl_getc_function from a small queue the loop fills (a
 * curses KEY_ code becomes the escape sequence readline binds to it), its
 * redisplay only asks for a frame, and the frame draws rl_line_buffer on
 * the bottom line.  History is readline's, loaded from and saved to the
 * project (store/prompts.h).  Tab completes command names (from the CLI's
 * command table), their options, source and field names where an option
 * takes one, category names after --alert and alerts --set; elsewhere
 * file names.  A finished line runs the same
 * command as `yujing NAME ...` in a child process (child.c), the project
 * file given when the command takes one and the line names none (by any
 * path: a word naming the open file's inode counts).  `demo` runs with
 * --no-tui: the workbench is open already, the demo says how to open its
 * project.
 */
#include <config.h>

#include <curses.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <readline/history.h>
#include <readline/readline.h>

#include "tui.h"
#include "yujing/base/i18n.h"
#include "yujing/base/strbuf.h"
#include "yujing/base/utf8.h"
#include "yujing/store/project.h"
#include "yujing/store/splits.h"
#include "yujing/text/width.h"

static tui_app *papp;             /* readline's callbacks have no context */
static unsigned char feed[64];    /* bytes waiting for readline */
static size_t nfeed, pfeed;
static FILE *null_out, *null_in;

static int prompt_getc(FILE *f)
{
	(void)f;
	return pfeed < nfeed ? feed[pfeed++] : EOF;
}

static int prompt_avail(void)
{
	return pfeed < nfeed;
}

static void prompt_redisplay(void)
{
	if (papp)
		papp->dirty = 1;
}

static void prompt_prep(int meta)
{
	(void)meta;
}

static void prompt_deprep(void)
{
}

/* ------------------------------------------------------------ words */

void tui_free_words(char **w)
{
	if (!w)
		return;
	for (char **p = w; *p; p++)
		free(*p);
	free(w);
}

char **tui_split_words(const char *line, size_t *n)
{
	size_t cap = 8, k = 0;
	char **v = calloc(cap + 1, sizeof *v);
	if (!v)
		return NULL;
	const char *s = line;
	for (;;) {
		while (*s == ' ' || *s == '\t')
			s++;
		if (!*s)
			break;
		strbuf sb = STRBUF_INIT;
		strbuf_adds(&sb, "");
		char quote = 0;
		for (; *s && (quote || (*s != ' ' && *s != '\t')); s++) {
			if (quote == '\'') {
				if (*s == '\'')
					quote = 0;
				else
					strbuf_addc(&sb, *s);
			} else if (quote == '"') {
				if (*s == '"')
					quote = 0;
				else if (*s == '\\' && (s[1] == '"' || s[1] == '\\'))
					strbuf_addc(&sb, *++s);
				else
					strbuf_addc(&sb, *s);
			} else if (*s == '\'' || *s == '"') {
				quote = *s;
			} else if (*s == '\\' && s[1]) {
				strbuf_addc(&sb, *++s);
			} else {
				strbuf_addc(&sb, *s);
			}
		}
		if (quote) {
			strbuf_free(&sb);
			tui_free_words(v);
			return NULL;
		}
		if (k == cap) {
			char **nv = realloc(v, (2 * cap + 1) * sizeof *v);
			if (!nv) {
				strbuf_free(&sb);
				tui_free_words(v);
				return NULL;
			}
			v = nv;
			cap *= 2;
		}
		v[k++] = strbuf_detach(&sb);
		v[k] = NULL;
	}
	if (n)
		*n = k;
	return v;
}

/* ------------------------------------------------------------ completion */

#define MAX_CANDS 1024
static const char *cands[MAX_CANDS];
static size_t ncands;
static char optnames[256][72];

static void cand(const char *s)
{
	for (size_t i = 0; i < ncands; i++)
		if (!strcmp(cands[i], s))
			return;
	if (ncands < MAX_CANDS)
		cands[ncands++] = s;
}

static char *cand_gen(const char *text, int state)
{
	static size_t i, len;
	if (!state) {
		i = 0;
		len = strlen(text);
	}
	while (i < ncands) {
		const char *c = cands[i++];
		if (!strncmp(c, text, len))
			return strdup(c);
	}
	return NULL;
}

static const tui_command *find_command(const tui_app *a, const char *name)
{
	for (size_t i = 0; i < a->ncmds; i++)
		if (!strcmp(a->cmds[i].name, name))
			return &a->cmds[i];
	return NULL;
}

static void cand_sources(void)
{
	for (size_t i = 0; i < papp->nsrc; i++)
		cand(papp->src[i].name);
}

static void cand_fields(void)
{
	/* The selected source's fields first: they are the likely ones. */
	const yj_source_info *cur = tui_source(papp);
	if (cur)
		for (size_t f = 0; f < cur->nfields; f++)
			cand(cur->fields[f].name);
	for (size_t i = 0; i < papp->nsrc; i++)
		for (size_t f = 0; f < papp->src[i].nfields; f++)
			cand(papp->src[i].fields[f].name);
}

/* --branches LIST: the branch kinds, each after what the list holds
 * already ("structured,ng" completes to "structured,ngram"); ngram:FIELD
 * and text:FIELD for the fields of the text role. */
#define MAX_BRANCH_CANDS 128
static char branch_cands[MAX_BRANCH_CANDS][160];

static void cand_branches(const char *text)
{
	const char *comma = strrchr(text, ',');
	int plen = comma ? (int)(comma - text + 1) : 0;
	size_t k = 0;
	static const char *const kinds[] = {"structured", "ngram", "text"};
	for (size_t i = 0; i < 3 && k < MAX_BRANCH_CANDS; i++, k++) {
		snprintf(branch_cands[k], sizeof branch_cands[k], "%.*s%s", plen, text, kinds[i]);
		cand(branch_cands[k]);
	}
	for (size_t i = 0; i < papp->nsrc; i++)
		for (size_t f = 0; f < papp->src[i].nfields; f++) {
			if (strcmp(papp->src[i].fields[f].role, "text"))
				continue;
			for (int t = 0; t < 2 && k + 1 < MAX_BRANCH_CANDS; t++, k++) {
				snprintf(branch_cands[k], sizeof branch_cands[k], "%.*s%s:%s", plen, text,
					 t ? "text" : "ngram", papp->src[i].fields[f].name);
				cand(branch_cands[k]);
			}
		}
	/* Another branch may follow. */
	rl_completion_append_character = '\0';
}

/* --alert CATEGORY>=P (predict) and --set CATEGORY=P (alerts): the
 * categories of the active split, read on the first Tab after it changes
 * through a read-only connection of the prompt's own (the workers keep
 * theirs). */
static char **cat_names;
static size_t ncat_names;
static long long cat_split; /* the split they are of; 0: none read */
static char cat_cands[MAX_CANDS / 2][160];

static void cand_categories(const char *suffix)
{
	if (papp->split && papp->split != cat_split) {
		splits_labels_free(cat_names, ncat_names);
		cat_names = NULL;
		ncat_names = 0;
		cat_split = 0;
		yj_project *p = NULL;
		yj_error err;
		error_clear(&err);
		if (!project_open_readonly(papp->path, &p, &err) &&
		    !splits_labels(p, papp->split, &cat_names, &ncat_names, &err))
			cat_split = papp->split;
		project_close(p);
	}
	for (size_t i = 0; i < ncat_names && i < MAX_CANDS / 2; i++) {
		snprintf(cat_cands[i], sizeof cat_cands[i], "%s%s", cat_names[i], suffix);
		cand(cat_cands[i]);
	}
	rl_completion_append_character = '\0'; /* P follows */
}

static char **prompt_complete(const char *text, int start, int end)
{
	(void)end;
	rl_attempted_completion_over = 1;
	rl_completion_append_character = ' ';
	ncands = 0;
	char *prefix = strndup(rl_line_buffer, (size_t)start);
	size_t nw = 0;
	char **w = prefix ? tui_split_words(prefix, &nw) : NULL;
	int after_eq = start > 0 && rl_line_buffer[start - 1] == '=';
	free(prefix);
	if (!w) /* inside quotes */
		return NULL;
	if (nw == 0) {
		for (size_t i = 0; i < papp->ncmds; i++)
			cand(papp->cmds[i].name);
		tui_free_words(w);
		return rl_completion_matches(text, cand_gen);
	}
	const tui_command *c = find_command(papp, w[0]);
	const char *prev = nw > 1 ? w[nw - 1] : "";
	if (c && text[0] == '-' && !after_eq) {
		for (size_t i = 0; i < c->noptions && i < 255; i++) {
			snprintf(optnames[i], sizeof optnames[i], "--%s", c->options[i].name);
			cand(optnames[i]);
		}
		cand("--help");
	} else if (after_eq && nw >= 2) {
		/* FIELD=<Tab>: the values the option before takes. */
		const char *opt = w[nw - 2];
		if (!strcmp(opt, "--fill")) {
			static const char *const how[] = {"mean", "median", "mode", "zero", "const:"};
			for (size_t i = 0; i < 5; i++)
				cand(how[i]);
			rl_completion_append_character = '\0';
		} else if (!strcmp(opt, "--type")) {
			static const char *const types[] = {"integer", "real", "categorical", "text", "datetime"};
			for (size_t i = 0; i < 5; i++)
				cand(types[i]);
		} else if (!strcmp(opt, "--set-type")) {
			static const char *const types[] = {"auto", "numeric", "integer", "real", "categorical", "text", "datetime"};
			for (size_t i = 0; i < 7; i++)
				cand(types[i]);
		} else if (!strcmp(opt, "--source")) {
			rl_attempted_completion_over = 0; /* --source NAME=FILE: a file */
		}
	} else if (!strncmp(prev, "--", 2)) {
		const char *opt = prev + 2;
		const tui_option *o = NULL;
		for (size_t i = 0; c && i < c->noptions; i++)
			if (!strcmp(c->options[i].name, opt))
				o = &c->options[i];
		if (o && o->has_arg) {
			if (!strcmp(opt, "source")) {
				cand_sources();
				/* predict --source NAME=FILE: the file follows */
				if (!strcmp(c->name, "predict"))
					rl_completion_append_character = '=';
			} else if (!strcmp(opt, "branches"))
				cand_branches(text);
			else if (!strcmp(opt, "alert"))
				cand_categories(">=");
			else if (!strcmp(opt, "set") && !strcmp(c->name, "alerts"))
				cand_categories("=");
			else if (!strcmp(opt, "set-type")) {
				/* SOURCE.FIELD= */
				static char st_cands[MAX_CANDS / 2][160];
				size_t k = 0;
				for (size_t i = 0; i < papp->nsrc; i++)
					for (size_t f = 0; f < papp->src[i].nfields && k < MAX_CANDS / 2; f++, k++) {
						snprintf(st_cands[k], sizeof st_cands[k], "%s.%s", papp->src[i].name,
							 papp->src[i].fields[f].name);
						cand(st_cands[k]);
					}
				rl_completion_append_character = '=';
			}
			else if (!strcmp(opt, "fill") || !strcmp(opt, "type")) {
				cand_fields();
				rl_completion_append_character = '=';
			} else if (!strcmp(opt, "key") || !strcmp(opt, "label") || !strcmp(opt, "text") ||
				   !strcmp(opt, "dedup-ignore") || !strcmp(opt, "exclude"))
				cand_fields();
			else if (!strcmp(opt, "outliers")) {
				static const char *const how[] = {"replace", "clip", "drop", "keep"};
				for (size_t i = 0; i < 4; i++)
					cand(how[i]);
			} else
				rl_attempted_completion_over = 0; /* a file, a number: readline's */
		} else {
			rl_attempted_completion_over = 0;
		}
	} else {
		/* An operand: a file name (import FILE), or a command name
		 * after help. */
		if (!strcmp(w[0], "help")) {
			for (size_t i = 0; i < papp->ncmds; i++)
				cand(papp->cmds[i].name);
		} else {
			rl_attempted_completion_over = 0;
		}
	}
	tui_free_words(w);
	if (!ncands)
		return NULL;
	return rl_completion_matches(text, cand_gen);
}

/* Readline found several matches: list them on the message line. */
static void prompt_show_matches(char **matches, int num, int max)
{
	(void)max;
	strbuf sb = STRBUF_INIT;
	for (int i = 1; i <= num; i++) {
		if (i > 1)
			strbuf_adds(&sb, "  ");
		strbuf_adds(&sb, matches[i]);
	}
	tui_message(papp, 0, "%s", strbuf_str(&sb));
	strbuf_free(&sb);
}

/* ------------------------------------------------------------ running */

static void line_done(char *line)
{
	tui_app *a = papp;
	rl_callback_handler_remove();
	a->prompt_open = 0;
	a->dirty = 1;
	if (line && *line) {
		add_history(line);
		tui_save_prompt(a, line);
		tui_run_line(a, line);
	}
	free(line);
}

/* import --replace drops a source's rows: the line waits for a yes. */
static char *replace_line;   /* the line asked about */
static int replace_confirmed; /* the next run of it is confirmed */

static void replace_done(void *ctx, tui_app *a, const char *text)
{
	(void)ctx;
	char *line = replace_line;
	replace_line = NULL;
	if (line && text && (!strcmp(text, "y") || !strcmp(text, "yes") || !strcmp(text, _("y")))) {
		replace_confirmed = 1;
		tui_run_line(a, line);
		replace_confirmed = 0;
	} else if (line) {
		tui_message(a, 0, "%s", _("not replaced"));
	}
	free(line);
}

/* Non-zero when the words are `import ... --replace` naming an existing
 * source, whose rows it would drop: then ask first. */
static int ask_replace(tui_app *a, char **w, size_t n, const char *line)
{
	if (replace_confirmed || strcmp(w[0], "import"))
		return 0;
	int replace = 0;
	const char *src = NULL;
	for (size_t i = 1; i < n; i++) {
		replace |= !strcmp(w[i], "--replace");
		if ((!strcmp(w[i], "--source") || !strcmp(w[i], "-s")) && i + 1 < n)
			src = w[i + 1];
		else if (!strncmp(w[i], "--source=", 9))
			src = w[i] + 9;
	}
	const yj_source_info *s = NULL;
	for (size_t i = 0; src && i < a->nsrc; i++)
		if (!strcasecmp(a->src[i].name, src))
			s = &a->src[i];
	if (!replace || !s)
		return 0;
	free(replace_line);
	if (!(replace_line = strdup(line)))
		return 0;
	char prompt[512];
	snprintf(prompt, sizeof prompt,
		 _("replace source '%s', dropping its %lld rows (new rows: import --append)? y/N: "), s->name,
		 s->rows);
	tui_input_begin(a, prompt, "", replace_done, NULL);
	return 1;
}

void tui_run_line(tui_app *a, const char *line)
{
	size_t n;
	char **w = tui_split_words(line, &n);
	if (!w) {
		tui_message(a, 1, _("unbalanced quotes in: %s"), line);
		return;
	}
	if (!n) {
		tui_free_words(w);
		return;
	}
	if (!strcmp(w[0], "q") || !strcmp(w[0], "quit") || !strcmp(w[0], "exit")) {
		tui_quit_request(a);
		tui_free_words(w);
		return;
	}
	const tui_command *c = find_command(a, w[0]);
	if (!c) {
		tui_message(a, 1, _("unknown command '%s' (Tab lists the commands)"), w[0]);
		tui_free_words(w);
		return;
	}
	if (!strcmp(c->name, "tui")) {
		tui_message(a, 1, _("this is the workbench already"));
		tui_free_words(w);
		return;
	}
	if (ask_replace(a, w, n, line)) {
		tui_free_words(w);
		return;
	}
	/* The project goes first unless the line names a project file: one
	 * ending in .yj, or the open one under any name. */
	int named = 0, no_tui = 0;
	struct stat open_st, st;
	int have_open = stat(a->path, &open_st) == 0;
	for (size_t i = 1; i < n; i++) {
		size_t len = strlen(w[i]);
		named |= w[i][0] != '-' && len > 3 && !strcmp(w[i] + len - 3, ".yj");
		named |= w[i][0] != '-' && have_open && stat(w[i], &st) == 0 && st.st_dev == open_st.st_dev &&
			 st.st_ino == open_st.st_ino;
		no_tui |= !strcmp(w[i], "--no-tui");
	}
	int add = c->takes_project && !named;
	/* The demo would open a second workbench, without a terminal. */
	int add_no_tui = !strcmp(c->name, "demo") && !no_tui;
	char **argv = calloc(n + 4, sizeof *argv);
	if (!argv) {
		tui_free_words(w);
		return;
	}
	size_t k = 0;
	argv[k++] = (char *)PACKAGE;
	argv[k++] = w[0];
	if (add)
		argv[k++] = a->path;
	for (size_t i = 1; i < n; i++)
		argv[k++] = w[i];
	if (add_no_tui)
		argv[k++] = (char *)"--no-tui";
	argv[k] = NULL;
	strbuf sb = STRBUF_INIT;
	strbuf_adds(&sb, "$");
	for (size_t i = 0; i < k; i++) {
		strbuf_addc(&sb, ' ');
		strbuf_adds(&sb, argv[i]);
	}
	tui_log(a, 1, strbuf_str(&sb));
	strbuf_free(&sb);
	/* A training run goes its own way, as one started with s in Train:
	 * it keeps going when the workbench ends, its output in its log.
	 * (Asking a run to stop, or help, answers here at once.) */
	int detach = !strcmp(c->name, "train");
	for (size_t i = 1; i < n; i++)
		if (!strcmp(w[i], "--cancel") || !strncmp(w[i], "--cancel=", 9) || !strcmp(w[i], "--help"))
			detach = 0;
	if (detach) {
		if (tui_launch(a, argv + 1))
			tui_message(a, 1, _("cannot start the run: %s"), strerror(errno));
		else {
			tui_message(a, 0, _("training started in its own process (it keeps going when you quit); "
					    "log: %s"), tui_launch_log(a));
			tui_log(a, 0, a->msg);
			tui_goto_view(a, VIEW_TRAIN);
		}
		free(argv);
		tui_free_words(w);
		return;
	}
	if (!tui_child_start(a, argv))
		tui_message(a, 0, _("running '%s'..."), c->name);
	free(argv);
	tui_free_words(w);
}

/* ------------------------------------------------------------ lifecycle */

void tui_prompt_init(tui_app *a)
{
	papp = a;
	null_out = fopen("/dev/null", "w");
	null_in = fopen("/dev/null", "r");
	rl_readline_name = PACKAGE;
	rl_catch_signals = 0;
	rl_catch_sigwinch = 0;
	rl_change_environment = 0;
	rl_instream = null_in;
	rl_outstream = null_out;
	rl_getc_function = prompt_getc;
	rl_input_available_hook = prompt_avail;
	rl_redisplay_function = prompt_redisplay;
	rl_prep_term_function = prompt_prep;
	rl_deprep_term_function = prompt_deprep;
	rl_attempted_completion_function = prompt_complete;
	rl_completion_display_matches_hook = prompt_show_matches;
	using_history();
	stifle_history(500);
	rl_variable_bind("bell-style", "none");
	rl_variable_bind("show-all-if-ambiguous", "on");
	rl_variable_bind("enable-bracketed-paste", "off");
}

void tui_prompt_history(tui_app *a, char **lines, size_t n)
{
	(void)a;
	for (size_t i = 0; i < n; i++)
		add_history(lines[i]);
	using_history();
}

void tui_prompt_open(tui_app *a)
{
	papp = a;
	a->prompt_open = 1;
	a->dirty = 1;
	nfeed = pfeed = 0;
	rl_callback_handler_install(":", line_done);
}

static void prompt_cancel(tui_app *a)
{
	rl_callback_sigcleanup();
	rl_callback_handler_remove();
	a->prompt_open = 0;
	a->dirty = 1;
}

void tui_prompt_key(tui_app *a, int ch, int is_key)
{
	char seq[16];
	size_t n = 0;
	if (is_key) {
		const char *s = NULL;
		switch (ch) {
		case KEY_UP: s = "\033[A"; break;
		case KEY_DOWN: s = "\033[B"; break;
		case KEY_RIGHT: s = "\033[C"; break;
		case KEY_LEFT: s = "\033[D"; break;
		case KEY_HOME: s = "\033[H"; break;
		case KEY_END: s = "\033[F"; break;
		case KEY_DC: s = "\033[3~"; break;
		case KEY_BACKSPACE: s = "\x7f"; break;
		case KEY_ENTER: s = "\r"; break;
		default: return;
		}
		n = strlen(s);
		memcpy(seq, s, n);
	} else if (ch == 27 || ch == 3 || ch == 7) {
		/* Esc, ^C, ^G: leave the prompt. */
		prompt_cancel(a);
		return;
	} else if ((ch == 127 || ch == 8) && rl_end == 0) {
		prompt_cancel(a);
		return;
	} else {
		n = (size_t)utf8_encode((uint32_t)ch, seq);
	}
	if (n > sizeof feed)
		return;
	memcpy(feed, seq, n);
	nfeed = n;
	pfeed = 0;
	while (pfeed < nfeed && a->prompt_open)
		rl_callback_read_char();
	nfeed = pfeed = 0;
}

int tui_prompt_draw(tui_app *a, int y, int w)
{
	(void)a;
	const char *text = rl_line_buffer ? rl_line_buffer : "";
	size_t point = (size_t)(rl_point > 0 ? rl_point : 0), len = strlen(text);
	if (point > len)
		point = len;
	tui_put(y, 0, 1, ":", tui_attr(TUI_C_TITLE));
	int avail = w - 2;
	/* Scroll so the cursor stays in view. */
	size_t skip = 0;
	while (skip < point && width_of(text + skip, point - skip) > avail - 1) {
		uint32_t cp;
		int k = utf8_decode((const unsigned char *)text + skip, len - skip, &cp);
		skip += k > 0 ? (size_t)k : 1;
	}
	tui_put(y, 1, avail, text + skip, 0);
	return 1 + width_of(text + skip, point - skip);
}

void tui_prompt_free(tui_app *a)
{
	if (a->prompt_open)
		prompt_cancel(a);
	clear_history();
	free(replace_line);
	replace_line = NULL;
	splits_labels_free(cat_names, ncat_names);
	cat_names = NULL;
	ncat_names = 0;
	cat_split = 0;
	if (null_out)
		fclose(null_out);
	if (null_in)
		fclose(null_in);
	null_out = null_in = NULL;
	rl_instream = rl_outstream = NULL;
	papp = NULL;
}
