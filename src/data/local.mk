## src/data: readers, type inference, import, tables, profile, clean, split.
noinst_LIBRARIES += src/data/libdata.a
src_data_libdata_a_SOURCES = \
	src/data/datetime.c \
	src/data/reader.c \
	src/data/infer.c \
	src/data/import.c \
	src/data/append.c \
	src/data/table.c \
	src/data/stats.c \
	src/data/profile.c \
	src/data/clean.c \
	src/data/split.c \
	src/data/features.c \
	src/data/preview.c \
	src/data/retype.c \
	src/data/sample.c \
	src/data/jtext.c
src_data_libdata_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) $(UTF8PROC_CFLAGS)
noinst_HEADERS += \
	include/yujing/data/jtext.h \
	include/yujing/data/datetime.h \
	include/yujing/data/reader.h \
	include/yujing/data/infer.h \
	include/yujing/data/import.h \
	include/yujing/data/append.h \
	include/yujing/data/table.h \
	include/yujing/data/stats.h \
	include/yujing/data/profile.h \
	include/yujing/data/clean.h \
	include/yujing/data/split.h \
	include/yujing/data/features.h \
	include/yujing/data/preview.h \
	include/yujing/data/retype.h \
	include/yujing/data/sample.h
DATA_LIBS = src/data/libdata.a $(STORE_LIBS) $(JANSSON_LIBS) $(UTF8PROC_LIBS)
