/*
 * cmd-init.c - yujing init PROJECT.yj
 */
#include <config.h>

#include <stdio.h>

#include "cli.h"
#include "yujing/base/i18n.h"
#include "yujing/store/project.h"

static const cli_option options[] = {{0}};

static int run(const cli_command *cmd, int argc, char **argv)
{
	int i = cli_parse(cmd, argc, argv, NULL, NULL);
	if (i < 0)
		return -i - 1;
	if (argc - i != 1)
		return cli_usage_error(cmd, _("expected one project file name"));
	yj_error err;
	error_clear(&err);
	yj_project *p;
	if (project_create(argv[i], &p, &err))
		return cli_fail(&err);
	project_close(p);
	printf(_("created project %s\n"), argv[i]);
	return 0;
}

const cli_command cmd_init = {
	.name = "init",
	.synopsis = N_("PROJECT.yj"),
	.summary = N_("Create a new, empty project file"),
	.description = N_("The project file is an SQLite database holding the imported sources, "
			  "quality profiles, cleaned snapshots, splits, models and predictions. "
			  "An existing file is never overwritten."),
	.options = options,
	.run = run,
};
