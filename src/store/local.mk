## src/store: the project file (SQLite).
noinst_LIBRARIES += src/store/libstore.a
src_store_libstore_a_SOURCES = \
	src/store/project.c \
	src/store/sources.c \
	src/store/prompts.c \
	src/store/runlog.c \
	src/store/rawdata.c \
	src/store/snapshots.c \
	src/store/splits.c \
	src/store/profiles.c \
	src/store/runs.c \
	src/store/encoders.c \
	src/store/textcache.c \
	src/store/predictions.c \
	src/store/caselist.c \
	src/store/batches.c \
	src/store/tunes.c
src_store_libstore_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS)
noinst_HEADERS += \
	include/yujing/store/project.h \
	include/yujing/store/sources.h \
	include/yujing/store/prompts.h \
	src/store/runlog.h \
	src/store/internal.h \
	include/yujing/store/rawdata.h \
	include/yujing/store/snapshots.h \
	include/yujing/store/splits.h \
	include/yujing/store/profiles.h \
	include/yujing/store/runs.h \
	include/yujing/store/encoders.h \
	include/yujing/store/textcache.h \
	include/yujing/store/predictions.h \
	include/yujing/store/caselist.h \
	include/yujing/store/batches.h \
	include/yujing/store/tunes.h
STORE_LIBS = src/store/libstore.a src/base/libbase.a $(SQLITE_LIBS)
