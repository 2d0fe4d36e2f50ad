## src/cli: the yujing program; one file per command.
bin_PROGRAMS += yujing
yujing_SOURCES = \
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
	src/cli/cmd-eval.c \
	src/cli/cmd-predict.c \
	src/cli/cmd-explain.c \
	src/cli/cmd-tokenize.c \
	src/cli/cmd-embed.c \
	src/cli/cmd-bench.c \
	src/cli/cmd-tui.c \
	src/cli/cmd-demo.c
yujing_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) -DABS_SRCDIR=\"$(abs_top_srcdir)\" \
	-DABS_BUILDDIR=\"$(abs_top_builddir)\"
yujing_LDADD = $(TUI_LIBS) $(TRAIN_LIBS) $(TEXT_LIBS) $(LIBINTL) $(PTHREAD_LIBS) -lm
