/*
 * cmd-help.c - yujing help [COMMAND]
 */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "yujing/base/i18n.h"

void cli_main_help(FILE *out);

static const cli_option options[] = {{0}};

static int run(const cli_command *cmd, int argc, char **argv)
{
	int i = cli_parse(cmd, argc, argv, NULL, NULL);
	if (i < 0)
		return -i - 1;
	if (i >= argc) {
		cli_main_help(stdout);
		return 0;
	}
	if (argc - i > 1)
		return cli_usage_error(cmd, _("expected at most one command name"));
	const cli_command *c = cli_find(argv[i]);
	if (!c)
		return cli_usage_error(cmd, _("unknown command '%s'"), argv[i]);
	cli_usage(c, stdout);
	return 0;
}

const cli_command cmd_help = {
	.name = "help",
	.synopsis = N_("[COMMAND]"),
	.summary = N_("Show the commands, or one command's options"),
	.options = options,
	.run = run,
};
