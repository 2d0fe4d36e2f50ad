#!/bin/sh
# run.sh - build the libFuzzer targets of tests/fuzz with clang and run each
# for a bounded time over its committed corpus (`make fuzz` calls it).
#
#   sh tests/fuzz/run.sh [--seconds N] [--build-only] [TARGET...]
#
# TARGETs: reader safetensors vocab tokenizer project (default: all).
# Environment (make fuzz sets them): SRCDIR (the source tree), BUILDDIR
# (its configured build: config.h), CLANG (default clang), FUZZ_CPPFLAGS
# (include flags of the libraries: OpenBLAS, utf8proc), OUT (where the
# fuzzers, their working corpora and crash files go; default
# BUILDDIR/tests/fuzz).
#
# The library sources a target needs are compiled with the fuzzer's
# coverage instrumentation, ASan and UBSan.  libFuzzer adds what it finds
# to OUT/work-TARGET, never to the committed corpus (tests/fuzz/corpus).
# The last lines are a table: target, inputs run, seconds, working corpus
# size, result; a crash (its input saved as OUT/crash-TARGET-*) makes the
# exit status 1.  Needs clang and libclang-rt-14-dev (Debian 12).
set -u
seconds=60
build_only=
targets=
while [ $# -gt 0 ]; do
	case $1 in
	--seconds) seconds=$2; shift ;;
	--build-only) build_only=1 ;;
	-*) echo "usage: run.sh [--seconds N] [--build-only] [TARGET...]" >&2; exit 2 ;;
	*) targets="$targets $1" ;;
	esac
	shift
done
[ -n "$targets" ] || targets='reader safetensors vocab tokenizer project'
SRCDIR=${SRCDIR:-$(cd "$(dirname "$0")/../.." && pwd)}
BUILDDIR=${BUILDDIR:-.}
CLANG=${CLANG:-clang}
OUT=${OUT:-$BUILDDIR/tests/fuzz}
mkdir -p "$OUT" || exit 1

if ! command -v "$CLANG" >/dev/null 2>&1; then
	echo "run.sh: $CLANG not found: install clang and libclang-rt-14-dev" >&2
	exit 1
fi
if [ ! -f "$BUILDDIR/config.h" ]; then
	echo "run.sh: no config.h in $BUILDDIR: configure first" >&2
	exit 1
fi

# src/base has no dependencies: all of it, whatever a target uses.
base=$(cd "$SRCDIR" && echo src/base/*.c)
# sources_of TARGET: the library sources and libraries a target links.
sources_of()
{
	case $1 in
	reader) echo "src/data/reader.c $base|-ljansson" ;;
	safetensors) echo "src/nn/safetensors.c src/nn/params.c src/nn/pool.c src/nn/blas.c $base|-ljansson -lopenblas -lpthread -lm" ;;
	vocab | tokenizer) echo "src/text/tokenizer.c $base|-lutf8proc" ;;
	project) echo "src/store/project.c src/store/sources.c src/store/runlog.c src/store/rawdata.c $base|-lsqlite3 -ljansson" ;;
	*) return 1 ;;
	esac
}
# max_len_of TARGET: the largest input libFuzzer makes.
max_len_of()
{
	case $1 in
	project) echo 32768 ;;
	*) echo 4096 ;;
	esac
}

flags="-g -O1 -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined -std=c11 -D_GNU_SOURCE
	-DHAVE_CONFIG_H -I$BUILDDIR -I$SRCDIR/include ${FUZZ_CPPFLAGS:-}"
status=0
table=
for t in $targets; do
	spec=$(sources_of "$t") || { echo "run.sh: unknown target $t" >&2; exit 2; }
	srcs= libs=${spec#*|}
	for s in ${spec%|*}; do
		srcs="$srcs $SRCDIR/$s"
	done
	echo "building fuzz-$t"
	# shellcheck disable=SC2086 # word lists
	if ! $CLANG $flags -o "$OUT/fuzz-$t" "$SRCDIR/tests/fuzz/fuzz-$t.c" $srcs $libs; then
		echo "run.sh: building fuzz-$t failed" >&2
		status=1
		table="$table$t - - - build-failed
"
		continue
	fi
	[ -n "$build_only" ] && continue
	mkdir -p "$OUT/work-$t"
	log=$OUT/fuzz-$t.log
	echo "running fuzz-$t for ${seconds}s"
	ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		"$OUT/fuzz-$t" -max_total_time="$seconds" -timeout=20 -rss_limit_mb=2048 \
		-max_len="$(max_len_of "$t")" -artifact_prefix="$OUT/crash-$t-" -print_final_stats=1 \
		"$OUT/work-$t" "$SRCDIR/tests/fuzz/corpus/$t" >"$log" 2>&1
	rc=$?
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	secs=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
	size=$(find "$OUT/work-$t" -type f | wc -l)
	if [ "$rc" -eq 0 ]; then
		result=ok
	else
		result="FAILED(exit $rc)"
		status=1
		tail -n 40 "$log"
	fi
	table="$table$t ${runs:--} ${secs:-$seconds} $size $result
"
done
[ -n "$build_only" ] && exit $status
printf '\n%-12s %12s %8s %8s  %s\n' target inputs seconds corpus result
printf '%s' "$table" | while read -r t r s c res; do
	printf '%-12s %12s %8s %8s  %s\n' "$t" "$r" "$s" "$c" "$res"
done
exit $status
