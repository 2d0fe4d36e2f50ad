/*
 * main.c - the yujing program: global options, then one command.
 *
 *   yujing [--help | --version]
 *   yujing COMMAND [OPTIONS] [ARGS]
 *   yujing help [COMMAND]
 */
#include <config.h>

#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"
#include "yujing/data/jtext.h"
#include "yujing/base/i18n.h"
#include "yujing/nn/ops.h"
#include "yujing/text/width.h"

static void print_version(void)
{
	printf("%s %s\n", PACKAGE_NAME, PACKAGE_VERSION);
}

void cli_main_help(FILE *out);
void cli_main_help(FILE *out)
{
	fprintf(out, _("Usage: %s COMMAND [OPTIONS] [ARGS]\n"), PACKAGE);
	fprintf(out, "%s\n\n", _("yujing turns multi-source police case data into crime-category warnings."));
	fprintf(out, "%s\n", _("Commands:"));
	int wmax = 0;
	for (size_t i = 0; cli_commands[i]; i++) {
		int w = width_str(cli_commands[i]->name);
		if (w > wmax)
			wmax = w;
	}
	for (size_t i = 0; cli_commands[i]; i++)
		fprintf(out, "  %-*s  %s\n", wmax, cli_commands[i]->name, _(cli_commands[i]->summary));
	fprintf(out, "\n%s\n", _("Global options:"));
	fprintf(out, "  --help     %s\n", _("show this help and exit"));
	fprintf(out, "  --version  %s\n", _("show the version and exit"));
	fprintf(out, "\n");
	fprintf(out, _("'%s help COMMAND' or '%s COMMAND --help' describes a command.\n"), PACKAGE,
		PACKAGE);
	fprintf(out, _("Exit status: 0 success, 1 runtime error (bad data, failed I/O), 2 usage error.\n"));
}

/* An existing file named *.yj (plain `yujing PROJECT.yj` opens the TUI). */
static int is_project_file(const char *name)
{
	size_t n = strlen(name);
	struct stat sb;
	return n > 3 && !strcmp(name + n - 3, ".yj") && stat(name, &sb) == 0 && S_ISREG(sb.st_mode);
}

/* The C or POSIX locale (a fresh container or chroot, a login without
 * LANG, a LANG naming a locale that is not installed) would make the
 * workbench and readline treat every byte as a character: the data, the
 * translations and the terminal are UTF-8 anyway.  As Python does (PEP
 * 538), LC_CTYPE then becomes C.UTF-8, which every glibc ships, unless
 * LC_ALL asks for C or POSIX explicitly. */
static void coerce_c_locale(void)
{
	const char *all = getenv("LC_ALL");
	if (all && (!strcmp(all, "C") || !strcmp(all, "POSIX")))
		return;
	const char *ctype = setlocale(LC_CTYPE, NULL);
	if (ctype && (!strcmp(ctype, "C") || !strcmp(ctype, "POSIX")) && !setlocale(LC_CTYPE, "C.UTF-8"))
		setlocale(LC_CTYPE, "C.utf8");
}

/* Use the processor's widest BLAS kernel.  OpenBLAS picks its kernel set
 * once, in its constructor, before main runs, and only OPENBLAS_CORETYPE
 * overrides the pick; Debian's 0.3.21 takes Haswell (AVX2) on processors
 * with AVX-512 it does not know (AMD Zen 4 and later), at about half the
 * sgemm speed.  So when the processor has AVX-512, OpenBLAS chose a
 * narrower set and nobody set OPENBLAS_CORETYPE, the program executes
 * itself again (/proc/self/exe, same argv and environment) with
 * OPENBLAS_CORETYPE=SkylakeX, before anything else has happened: a few
 * milliseconds.  (Loading OpenBLAS later with dlopen would take every
 * cblas call behind function pointers and out of the link; the exec keeps
 * the link as it is.)  YUJING_BLAS_AUTO=1 marks that the choice was
 * ours (bench reports it); a user's OPENBLAS_CORETYPE, even "Haswell",
 * always wins, and so does YUJING_BLAS_AUTO=0 (keep OpenBLAS's pick).
 * If the exec fails the program runs on with OpenBLAS's own choice. */
static void widen_blas_kernel(char **argv)
{
	const char *user = getenv("OPENBLAS_CORETYPE"), *off = getenv("YUJING_BLAS_AUTO");
	if ((user && *user) || (off && !strcmp(off, "0")))
		return;
	const char *want = nn_blas_wider_coretype();
	if (!want || setenv("OPENBLAS_CORETYPE", want, 1) || setenv("YUJING_BLAS_AUTO", "1", 1))
		return;
	fflush(NULL);
	execv("/proc/self/exe", argv);
	unsetenv("OPENBLAS_CORETYPE");
	unsetenv("YUJING_BLAS_AUTO");
}

/* Where the message catalogues are: $YUJING_LOCALEDIR, else the installed
 * ones; a build that is not installed yet (the README's first command)
 * uses the copies compiled into its build tree, as cli_data_path() falls
 * back on the source tree's data. */
static const char *locale_dir(void)
{
	const char *d = getenv("YUJING_LOCALEDIR");
	if (d && *d)
		return d;
	static char built[4096];
	const char *tree = cli_build_tree();
	if (tree && access(LOCALEDIR "/zh_CN/LC_MESSAGES/" PACKAGE ".mo", R_OK)) {
		snprintf(built, sizeof built, "%s/locale/zh_CN/LC_MESSAGES/%s.mo", tree, PACKAGE);
		if (!access(built, R_OK)) {
			snprintf(built, sizeof built, "%s/locale", tree);
			return built;
		}
	}
	return LOCALEDIR;
}

int main(int argc, char **argv)
{
	if (argc > 0)
		widen_blas_kernel(argv);
	jtext_watch_allocations();
	setlocale(LC_ALL, "");
	coerce_c_locale();
	if (argc > 0 && argv[0] && *argv[0])
		cli_argv0 = argv[0];
	bindtextdomain(PACKAGE, locale_dir());
	bind_textdomain_codeset(PACKAGE, "UTF-8");
	textdomain(PACKAGE);

	if (argc < 2) {
		cli_main_help(stderr);
		return 2;
	}
	const char *name = argv[1];
	const cli_command *cmd = NULL;
	int rc = 0;
	if (!strcmp(name, "--help") || !strcmp(name, "-h")) {
		cli_main_help(stdout);
	} else if (!strcmp(name, "--version") || !strcmp(name, "-V")) {
		print_version();
	} else if ((cmd = cli_find(name))) {
		rc = cmd->run(cmd, argc - 1, argv + 1);
	} else if (is_project_file(name) && (cmd = cli_find("tui"))) {
		/* yujing PROJECT.yj: the workbench */
		rc = cmd->run(cmd, argc, argv);
	} else {
		if (name[0] == '-')
			return cli_usage_error(NULL, _("unknown option %s"), name);
		size_t n = strlen(name);
		if (n > 3 && !strcmp(name + n - 3, ".yj")) {
			/* yujing MISSING.yj: a project file, not a command */
			fprintf(stderr, _("%s: no such project file '%s'\n"), PACKAGE, name);
			fprintf(stderr, _("'%s init %s' creates one; '%s demo' makes a demo project.\n"), PACKAGE,
				name, PACKAGE);
			return 1;
		}
		return cli_usage_error(NULL, _("unknown command '%s'"), name);
	}
	/* Output that did not reach its file (a full disk, a closed pipe) is
	 * a failure, for --help and --version too. */
	if (fflush(stdout) != 0 || ferror(stdout)) {
		perror(PACKAGE);
		return 1;
	}
	if (cli_output_lost || jtext_allocation_failed()) {
		fprintf(stderr, _("%s: out of memory: part of the output was lost\n"), PACKAGE);
		return rc ? rc : 1;
	}
	return rc;
}
