## src/nn: the numerics core -- parameter buffers, layers with explicit
## forward/backward, AdamW, safetensors.  Depends on base, cblas (OpenBLAS)
## and jansson (the safetensors JSON header) only.
noinst_LIBRARIES += src/nn/libnn.a
src_nn_libnn_a_SOURCES = \
	src/nn/params.c \
	src/nn/blas.c \
	src/nn/pool.c \
	src/nn/direct.c \
	src/nn/bf16.c \
	src/nn/ops.c \
	src/nn/norm.c \
	src/nn/optim.c \
	src/nn/safetensors.c
## -fno-math-errno: sqrtf becomes the vector square root in vectorised loops
## (AdamW); nothing in src/nn reads errno.
src_nn_libnn_a_CFLAGS = $(AM_CFLAGS) -fno-math-errno $(OPENBLAS_CFLAGS) $(JANSSON_CFLAGS)
noinst_HEADERS += \
	include/yujing/nn/params.h \
	include/yujing/nn/ops.h \
	include/yujing/nn/bf16.h \
	include/yujing/nn/pool.h \
	include/yujing/nn/direct.h \
	include/yujing/nn/optim.h \
	include/yujing/nn/safetensors.h
NN_LIBS = src/nn/libnn.a src/base/libbase.a $(OPENBLAS_LIBS) $(JANSSON_LIBS) $(PTHREAD_LIBS) -lm
