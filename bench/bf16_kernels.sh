#!/bin/sh
# Build and run bench/bf16_kernels.c against a configured build directory
# (default _r, configured with --disable-debug so the kernels are optimised).
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
b=${1:-$here/_r}
out=${TMPDIR:-/tmp}/yujing-bf16-kernels
gcc -O2 -I"$here/include" -I"$b" "$here/bench/bf16_kernels.c" -o "$out" \
	"$b/src/nn/libnn.a" "$b/src/base/libbase.a" -ldnnl /usr/lib/libxsmm.a /usr/lib/libxsmmnoblas.a \
	-lopenblas -lgomp -lpthread -lrt -ldl -lm
exec "$out" ${SECONDS_PER_SHAPE:-0.3}
