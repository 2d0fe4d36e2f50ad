## src/tui: the terminal workbench (ncursesw, readline, pthreads); one file
## per view.  Linked into the yujing program only.
noinst_LIBRARIES += src/tui/libtui.a
src_tui_libtui_a_SOURCES = \
	src/tui/tui.h \
	src/tui/app.c \
	src/tui/worker.c \
	src/tui/draw.c \
	src/tui/table.c \
	src/tui/plot.c \
	src/tui/input.c \
	src/tui/prompt.c \
	src/tui/child.c \
	src/tui/view-sources.c \
	src/tui/view-quality.c \
	src/tui/view-clean.c \
	src/tui/view-train.c \
	src/tui/view-cases.c \
	src/tui/view-runs.c \
	src/tui/view-warnings.c
src_tui_libtui_a_CFLAGS = $(AM_CFLAGS) $(NCURSESW_CFLAGS) $(READLINE_CFLAGS) $(SQLITE_CFLAGS) \
	$(JANSSON_CFLAGS)
TUI_LIBS = src/tui/libtui.a $(NCURSESW_LIBS) $(READLINE_LIBS)
