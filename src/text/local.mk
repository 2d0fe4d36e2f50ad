## src/text: Unicode text handling (utf8proc): display width and the BERT
## tokenizer (basic tokenizer + WordPiece).
noinst_LIBRARIES += src/text/libtext.a
src_text_libtext_a_SOURCES = \
	src/text/tokenizer.c \
	src/text/width.c
src_text_libtext_a_CFLAGS = $(AM_CFLAGS) $(UTF8PROC_CFLAGS)
noinst_HEADERS += \
	include/yujing/text/tokenizer.h \
	include/yujing/text/width.h
TEXT_LIBS = src/text/libtext.a src/base/libbase.a $(UTF8PROC_LIBS)
