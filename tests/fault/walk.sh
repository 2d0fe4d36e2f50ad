#!/bin/sh
# walk.sh - fault injection: run each of a set of small yujing commands
# once per allocation it makes, with that allocation failing
# (YJ_FAILMALLOC=N, tests/fault/failmalloc.c), as SQLite's tests walk
# their failing malloc.  `make fault` runs it in a build configured with
# --enable-fault-injection (and --enable-sanitizers, so that a leak or a
# bad access on an error path is reported).
#
#   YUJING=build/yujing sh tests/fault/walk.sh [--every K] [COMMAND...]
#
# COMMANDs (default: all): init import sources profile clean split train
# eval predict explain alerts (a 2-epoch run of a small structured model;
# alerts measures it on the split's 2 validation cases).  Each
# runs in a fresh copy of its inputs (a project made by the commands
# before it), so a failed write never feeds the next run.  --every K
# injects at every Kth allocation only (a quicker pass).
#
# A run with the Nth allocation failing must end in one of two ways:
#   error     exit status 1 or 2 and a message on standard error
#   absorbed  exit status 0 (the allocation was optional: e.g. a cache)
# Anything else fails the walk: a signal, another exit status, an exit 1
# without a message, or any ASan/LSan/UBSan report; and an absorbed run
# whose standard output differs from the unfaulted run's, for a command
# whose output is the same twice without faults (an absorbed fault must
# not change a result: a key lost from a JSON, a case left out).  The last lines are a
# table per command: allocations, faults injected, errors, absorbed,
# failures.  Exit status 1 when any run failed.  WALK_SHOW_ABSORBED=1
# lists the absorbed runs (YJ_FAILMALLOC_TRACE=1 YJ_FAILMALLOC=N shows
# where allocation N is made).
set -u
every=1
cmds=
while [ $# -gt 0 ]; do
	case $1 in
	--every) every=$2; shift ;;
	-*) echo "usage: walk.sh [--every K] [COMMAND...]" >&2; exit 2 ;;
	*) cmds="$cmds $1" ;;
	esac
	shift
done
all='init import sources profile clean split train eval predict explain alerts'
[ -n "$cmds" ] || cmds=$all
: "${YUJING:?set YUJING to the yujing of a build configured with --enable-fault-injection}"
T=$(mktemp -d "${TMPDIR:-/tmp}/yj-fault.XXXXXX") || exit 1
trap 'rm -rf "$T"' EXIT
cd "$T" || exit 1
export LC_ALL=C.UTF-8 LANGUAGE=
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

# The inputs: 12 labeled cases of two categories and 2 unlabeled (a key,
# a label, a number, a text), and the project after each command, made
# without faults.
{
	echo 'id,kind,amount,note'
	i=1
	while [ $i -le 12 ]; do
		echo "C$i,$([ $((i % 2)) = 0 ] && echo theft || echo fraud),$i.5,某日 在家中 $i"
		i=$((i + 1))
	done
	echo 'U1,,3.5,某日'
	echo 'U2,,8.5,某日'
} >s.csv
"$YUJING" init base.yj >/dev/null || exit 1

# args CMD: the command line of CMD; before CMD: the project it starts from.
args()
{
	case $1 in
	init) echo "init p.yj" ;;
	import) echo "import p.yj -s s -k id -l kind -t note s.csv" ;;
	sources) echo "sources p.yj" ;;
	profile) echo "profile p.yj" ;;
	clean) echo "clean p.yj" ;;
	split) echo "split p.yj --seed 1" ;;
	train) echo "train p.yj --epochs 2 --batch 8 --hidden 4 --threads 1" ;;
	eval) echo "eval p.yj" ;;
	predict) echo "predict p.yj --unlabeled" ;;
	explain) echo "explain p.yj --case U1 --json" ;;
	alerts) echo "alerts p.yj --set fraud=0.3 --all" ;;
	*) return 1 ;;
	esac
}
# Each command's starting project: the previous command's result.
for c in $all; do
	cp base.yj "before-$c.yj"
	[ "$c" = init ] && continue
	# shellcheck disable=SC2046 # the command line splits into words
	(cp base.yj p.yj && "$YUJING" $(args "$c") >/dev/null 2>&1) || {
		echo "walk.sh: $c fails without faults" >&2
		exit 1
	}
	cp p.yj base.yj
done

status=0
table=
for c in $cmds; do
	a=$(args "$c") || { echo "walk.sh: unknown command $c" >&2; exit 2; }
	rm -f p.yj p.yj-wal p.yj-shm
	[ "$c" = init ] || cp "before-$c.yj" p.yj
	# shellcheck disable=SC2086
	YJ_FAILMALLOC=0 YJ_FAILMALLOC_REPORT=count "$YUJING" $a >/dev/null 2>&1 || {
		echo "walk.sh: $c fails without faults" >&2
		exit 1
	}
	read -r total _ <count
	# the unfaulted output, kept when it is the same twice
	rm -f p.yj p.yj-wal p.yj-shm
	[ "$c" = init ] || cp "before-$c.yj" p.yj
	# shellcheck disable=SC2086
	YJ_FAILMALLOC=0 "$YUJING" $a >ref.out 2>/dev/null
	rm -f p.yj p.yj-wal p.yj-shm
	[ "$c" = init ] || cp "before-$c.yj" p.yj
	# shellcheck disable=SC2086
	YJ_FAILMALLOC=0 "$YUJING" $a >ref2.out 2>/dev/null
	same=0
	cmp -s ref.out ref2.out && same=1
	n=$every injected=0 errors=0 absorbed=0 bad=0
	while [ "$n" -le "$total" ]; do
		rm -f p.yj p.yj-wal p.yj-shm
		[ "$c" = init ] || cp "before-$c.yj" p.yj
		# shellcheck disable=SC2086
		YJ_FAILMALLOC=$n YJ_FAILMALLOC_REPORT=count "$YUJING" $a >out 2>err
		rc=$?
		injected=$((injected + 1))
		why=
		if grep -q 'Sanitizer\|runtime error:' err; then
			why="sanitizer report"
		elif [ "$rc" -eq 0 ] && [ "$same" = 1 ] && ! cmp -s out ref.out; then
			why="exit 0, but its output differs from the unfaulted run's"
		elif [ "$rc" -eq 0 ]; then
			absorbed=$((absorbed + 1))
			[ -n "${WALK_SHOW_ABSORBED:-}" ] && echo "absorbed: yujing $a, allocation $n"
		elif [ "$rc" -le 2 ] && [ -s err ]; then
			errors=$((errors + 1))
		elif [ "$rc" -le 2 ]; then
			why="exit $rc without a message"
		else
			why="exit status $rc"
		fi
		if [ -n "$why" ]; then
			bad=$((bad + 1))
			status=1
			echo "FAIL: yujing $a with allocation $n failing: $why"
			sed -n '1,30s/^/    /p' err
		fi
		n=$((n + every))
	done
	table="$table$c $total $injected $errors $absorbed $bad
"
done
printf '\n%-9s %11s %9s %7s %9s %9s\n' command allocations injected errors absorbed failures
printf '%s' "$table" | while read -r c t i e a b; do
	printf '%-9s %11s %9s %7s %9s %9s\n' "$c" "$t" "$i" "$e" "$a" "$b"
done
exit $status
