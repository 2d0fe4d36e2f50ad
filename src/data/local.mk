## src/data: readers, type inference, import (later: profile, clean, split).
noinst_LIBRARIES += src/data/libdata.a
src_data_libdata_a_SOURCES = \
	src/data/datetime.c \
	src/data/reader.c \
	src/data/infer.c \
	src/data/import.c
src_data_libdata_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS) $(UTF8PROC_CFLAGS)
noinst_HEADERS += \
	include/yujing/data/datetime.h \
	include/yujing/data/reader.h \
	include/yujing/data/infer.h \
	include/yujing/data/import.h
DATA_LIBS = src/data/libdata.a $(STORE_LIBS) $(JANSSON_LIBS) $(UTF8PROC_LIBS)
