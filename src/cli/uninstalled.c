/*
 * uninstalled.c - where a build that is not installed finds what it has
 * not installed: the source tree (share/yujing, bench/) and the build
 * tree (the compiled catalogues in locale/); and the benchmarks' scripts.
 *
 * Compiled twice (src/cli/local.mk): into the build tree's `yujing` with
 * ABS_SRCDIR and ABS_BUILDDIR defined, and into the program `make
 * install` installs without them, so that no path of the machine it was
 * built on is compiled into an installed program.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>

#include "cli.h"

const char *cli_source_tree(void)
{
#ifdef ABS_SRCDIR
	return ABS_SRCDIR;
#else
	return NULL;
#endif
}

const char *cli_build_tree(void)
{
#ifdef ABS_BUILDDIR
	return ABS_BUILDDIR;
#else
	return NULL;
#endif
}

const char *cli_bench_dir(void)
{
	static char dir[4096];
	const char *d = getenv("YUJING_BENCH_DIR");
	if (d && *d)
		return d;
	if (!cli_source_tree())
		return "bench";
	snprintf(dir, sizeof dir, "%s/bench", cli_source_tree());
	return dir;
}
