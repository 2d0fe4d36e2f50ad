## src/model: the networks of the method (structured branch, n-gram branch,
## BERT encoder with its MLM head and Hugging Face loader, fusion with the
## Shapley values over branches), built on src/nn.
noinst_LIBRARIES += src/model/libmodel.a
src_model_libmodel_a_SOURCES = \
	src/model/structured.c \
	src/model/bert.c \
	src/model/hfmodel.c \
	src/model/ngram.c \
	src/model/fusion.c \
	src/model/multimodal.c
src_model_libmodel_a_CFLAGS = $(AM_CFLAGS) $(OPENBLAS_CFLAGS) $(JANSSON_CFLAGS)
noinst_HEADERS += \
	include/yujing/model/structured.h \
	include/yujing/model/bert.h \
	include/yujing/model/ngram.h \
	include/yujing/model/fusion.h \
	include/yujing/model/multimodal.h
MODEL_LIBS = src/model/libmodel.a $(NN_LIBS)
