/*
 * cmd-tui.c - yujing tui PROJECT: the terminal workbench (src/tui).  Plain
 * `yujing PROJECT.yj` comes here too (main.c).
 *
 * The workbench's ':' prompt offers the commands of this program's command
 * table; it learns them from here, so src/tui does not depend on src/cli.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "../tui/tui.h"
#include "cli.h"
#include "yujing/base/i18n.h"

static const cli_option options[] = {
	{0},
};

/* The command table as the prompt needs it.  Returns a malloc'd array
 * (options inside one allocation each), NULL when out of memory. */
static tui_command *prompt_commands(size_t *n)
{
	size_t k = 0;
	while (cli_commands[k])
		k++;
	tui_command *v = calloc(k ? k : 1, sizeof *v);
	if (!v)
		return NULL;
	for (size_t i = 0; i < k; i++) {
		const cli_command *c = cli_commands[i];
		size_t no = 0, ns = 0;
		while (c->options && c->options[no].name)
			no++;
		for (const yj_setting *s = c->settings; s && s->name; s++)
			ns += !(s->flags & SET_HIDDEN);
		tui_option *o = calloc(no + ns ? no + ns : 1, sizeof *o);
		if (!o) {
			for (size_t j = 0; j < i; j++)
				free((void *)v[j].options);
			free(v);
			return NULL;
		}
		/* the settings first, as --help lists them */
		size_t m = 0;
		for (const yj_setting *s = c->settings; s && s->name; s++)
			if (!(s->flags & SET_HIDDEN)) {
				o[m].name = s->name;
				o[m++].has_arg = s->type != SET_FLAG;
			}
		for (size_t j = 0; j < no; j++) {
			o[m + j].name = c->options[j].name;
			o[m + j].has_arg = c->options[j].arg != NULL;
		}
		no += ns;
		v[i].name = c->name;
		v[i].summary = c->summary;
		v[i].takes_project = !strncmp(c->synopsis, "PROJECT", 7);
		v[i].options = o;
		v[i].noptions = no;
	}
	*n = k;
	return v;
}

static int run(const cli_command *cmd, int argc, char **argv)
{
	int i = cli_parse(cmd, argc, argv, NULL, NULL);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file"));
	size_t n = 0;
	tui_command *cmds = prompt_commands(&n);
	if (!cmds) {
		fprintf(stderr, "%s: %s\n", PACKAGE, _("out of memory"));
		return 1;
	}
	/* ':' commands run this very program: /proc/self/exe names it in the
	 * forked child too, even when the file was replaced meanwhile. */
	yj_error err;
	error_clear(&err);
	yj_status st = tui_run(argv[i], "/proc/self/exe", cmds, n, &err);
	for (size_t k = 0; k < n; k++)
		free((void *)cmds[k].options);
	free(cmds);
	return st ? cli_fail(&err) : 0;
}

const cli_command cmd_tui = {
	.name = "tui",
	.synopsis = N_("PROJECT"),
	.summary = N_("Open the terminal workbench on a project"),
	.description = N_("Views: 1 Sources, 2 Quality (profile per field, drill into a field), 3 Clean "
			  "(settings with a live dry run; apply, undo), 4 Train, 5 Cases, 6 Runs (loss "
			  "curves), 7 Warnings. Tab cycles the views, ? lists the keys of the current "
			  "one, : runs any command of this program (Tab completes), q quits. "
			  "'yujing PROJECT.yj' opens it too."),
	.options = options,
	.run = run,
};
