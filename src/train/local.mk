## src/train: training, pretraining, prediction, explanation, runs and metrics;
## the case lists of the workbench.
noinst_LIBRARIES += src/train/libtrain.a
src_train_libtrain_a_SOURCES = \
	src/train/metrics.c \
	src/train/run.c \
	src/train/settings.c \
	src/train/textbranch.c \
	src/train/train.c \
	src/train/pretrain.c \
	src/train/predict.c \
	src/train/explain.c \
	src/train/cases.c \
	src/train/alerts.c \
	src/train/calibrate.c \
	src/train/tune.c \
	src/train/compare.c \
	src/train/report.c
src_train_libtrain_a_CFLAGS = $(AM_CFLAGS) $(SQLITE_CFLAGS) $(JANSSON_CFLAGS)
noinst_HEADERS += \
	include/yujing/train/metrics.h \
	include/yujing/train/run.h \
	include/yujing/train/settings.h \
	include/yujing/train/textbranch.h \
	include/yujing/train/train.h \
	include/yujing/train/pretrain.h \
	include/yujing/train/predict.h \
	include/yujing/train/explain.h \
	include/yujing/train/cases.h \
	include/yujing/train/alerts.h \
	include/yujing/train/calibrate.h \
	include/yujing/train/tune.h \
	include/yujing/train/compare.h \
	include/yujing/train/report.h
TRAIN_LIBS = src/train/libtrain.a src/model/libmodel.a src/text/libtext.a $(DATA_LIBS) $(NN_LIBS)
