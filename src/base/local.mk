## src/base: errors, strings, progress.  No external dependencies.
noinst_LIBRARIES += src/base/libbase.a
src_base_libbase_a_SOURCES = \
	src/base/error.c \
	src/base/escape.c \
	src/base/progress.c \
	src/base/rng.c \
	src/base/sha256.c \
	src/base/strbuf.c \
	src/base/utf8.c
noinst_HEADERS += \
	include/yujing/base/error.h \
	include/yujing/base/escape.h \
	include/yujing/base/i18n.h \
	include/yujing/base/progress.h \
	include/yujing/base/rng.h \
	include/yujing/base/sha256.h \
	include/yujing/base/strbuf.h \
	include/yujing/base/utf8.h
