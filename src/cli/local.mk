## src/cli: the yujing program; one file per command.  Its code is one
## library that two links share: `yujing` in the build tree, which knows the
## source and build trees (to find the data, the compiled catalogues and the
## benchmarks' scripts there before `make install`), and src/cli/yujing,
## which does not and is what `make install` installs as $(bindir)/yujing
## (src/cli/uninstalled.c, compiled once for each).
noinst_LIBRARIES += src/cli/libcli.a
src_cli_libcli_a_SOURCES = \
	src/cli/main.c \
	src/cli/cli.c \
	src/cli/cli.h \
	src/cli/commands.c \
	src/cli/cmd-help.c \
	src/cli/cmd-init.c \
	src/cli/cmd-import.c \
	src/cli/cmd-sources.c \
	src/cli/cmd-profile.c \
	src/cli/cmd-clean.c \
	src/cli/cmd-split.c \
	src/cli/cmd-train.c \
	src/cli/cmd-pretrain.c \
	src/cli/bench-bert.c \
	src/cli/cmd-runs.c \
	src/cli/cmd-tune.c \
	src/cli/cmd-eval.c \
	src/cli/cmd-predict.c \
	src/cli/cmd-alerts.c \
	src/cli/cmd-explain.c \
	src/cli/cmd-tokenize.c \
	src/cli/cmd-embed.c \
	src/cli/cmd-bench.c \
	src/cli/cmd-tui.c \
	src/cli/cmd-demo.c
src_cli_libcli_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
CLI_LDADD = src/cli/libcli.a $(TUI_LIBS) $(TRAIN_LIBS) $(TEXT_LIBS) $(LIBINTL) $(PTHREAD_LIBS) -lm

noinst_PROGRAMS += yujing
yujing_SOURCES = src/cli/uninstalled.c
yujing_CFLAGS = $(AM_CFLAGS) -DABS_SRCDIR=\"$(abs_top_srcdir)\" -DABS_BUILDDIR=\"$(abs_top_builddir)\"
yujing_LDADD = $(CLI_LDADD)

bin_PROGRAMS += src/cli/yujing
src_cli_yujing_SOURCES = src/cli/uninstalled.c
src_cli_yujing_CFLAGS = $(AM_CFLAGS)
src_cli_yujing_LDADD = $(CLI_LDADD)
