/*
 * commands.c - the command table.  Adding a command: write cmd-NAME.c
 * exporting `const cli_command cmd_NAME`, list it here, in
 * src/cli/local.mk, in po/POTFILES.in and in man/yujing.1.
 */
#include <config.h>

#include "cli.h"

extern const cli_command cmd_init, cmd_import, cmd_sources, cmd_profile, cmd_clean, cmd_split, cmd_train, cmd_pretrain, cmd_tune, cmd_runs,
	cmd_eval, cmd_predict, cmd_alerts, cmd_explain, cmd_tokenize, cmd_embed, cmd_bench, cmd_help, cmd_tui, cmd_demo;

const cli_command *const cli_commands[] = {
	&cmd_init,
	&cmd_import,
	&cmd_sources,
	&cmd_profile,
	&cmd_clean,
	&cmd_split,
	&cmd_train,
	&cmd_pretrain,
	&cmd_tune,
	&cmd_runs,
	&cmd_eval,
	&cmd_predict,
	&cmd_alerts,
	&cmd_explain,
	&cmd_tokenize,
	&cmd_embed,
	&cmd_bench,
	&cmd_tui,
	&cmd_demo,
	&cmd_help,
	NULL,
};
