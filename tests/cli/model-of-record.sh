#!/bin/sh
# model-of-record.sh - the run predict and explain use unless told
# (issue 14, item 2).  Before, it was the newest run with weights, even
# one cancelled or interrupted after its first epoch.
#
#   run 1 trains to the end (done); run 2 is cancelled with
#   `train --cancel 2` from another process after its first epoch, run 3
#   killed with SIGKILL after its first epoch (interrupted): both have
#   weights, neither becomes the model of record: runs --json marks run 1
#   "model": true and predict (without --run) predicts with run 1;
#   runs --use refuses runs 2 and 3 (exit 2, naming their status) and a
#   run that does not exist; runs --use 1 pins it; a later completed run 4
#   does not displace the pinned run; runs --use 0 unpins, then run 4 is it;
#   deleting the pinned run unpins it.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }

# 60 labelled cases and 4 unlabeled ones (Park-Miller, as train.sh).
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 77
	print "case_id,a,b,category" > "cases.csv"
	for (i = 1; i <= 64; i++) {
		a = rnd(); b = rnd()
		printf "C%03d,%.4f,%.4f,%s\n", i, a, b, (i > 60 ? "" : a > b ? "x" : "y") > "cases.csv"
	}
}' </dev/null
OPTS='--batch 16 --hidden 4 --threads 1'
# model_runs: the ids runs --json marks "model": true.
model_runs()
{
	"$YUJING" runs p.yj --json | awk '
		/"id":/ { gsub(/[^0-9]/, ""); id = $0 }
		/"model": true/ { print id }'
}
# predict_run: the run `predict --unlabeled` says it used.
predict_run()
{
	"$YUJING" predict p.yj --unlabeled 2>&1 >/dev/null | sed -n 's/^run \([0-9]*\):.*/\1/p'
}
# long_run: start a long training run in the background ($bg its pid)
# and wait until it has finished its first epoch.
long_run()
{
	# shellcheck disable=SC2086 # OPTS splits into words
	"$YUJING" train p.yj $OPTS --epochs 100000 --patience 0 >/dev/null 2>&1 &
	bg=$!
	track_pid $bg
	n=0
	while [ "$(q "SELECT COUNT(*) FROM run_blobs WHERE run_id = $1 AND kind = 'weights'")" != 1 ]; do
		n=$((n + 1))
		[ $n -lt 1200 ] || bail_out "run $1 did not finish an epoch in 120 s"
		sleep 0.1
	done
}

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 3
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 2
expect_eq "$(model_runs)" 1 'the one completed run is the model of record'

long_run 2
expect_exit 0 yujing train p.yj --cancel 2
wait $bg
untrack $bg
expect_eq "$(q 'SELECT status FROM runs WHERE id = 2')" cancelled 'run 2 was cancelled'
long_run 3
kill -9 $bg
wait $bg 2>/dev/null
untrack $bg
run "$YUJING" runs p.yj
expect_stdout_contains interrupted 'run 3 reads as interrupted'

expect_eq "$(model_runs)" 1 'a cancelled and an interrupted newer run leave run 1 the model'
expect_eq "$(predict_run)" 1 'predict uses run 1'
expect_exit 2 yujing runs p.yj --use 2
expect_stderr_contains "run 2 is not a completed classifier run (it is cancelled)" '--use refuses the cancelled run'
expect_exit 2 yujing runs p.yj --use 3
expect_stderr_contains "(it is interrupted)" '--use refuses the interrupted run'
expect_exit 1 yujing runs p.yj --use 9
expect_stderr_contains "no run 9" '--use names a run that does not exist'

expect_exit 0 yujing runs p.yj --use 1
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 2
expect_eq "$(model_runs)" 1 'a pinned run stays the model after a newer completed run'
expect_eq "$(predict_run)" 1 'predict uses the pinned run'
expect_exit 0 yujing runs p.yj --use 0
expect_eq "$(model_runs)" 4 'unpinned: the latest completed run 4'
expect_eq "$(predict_run)" 4 'predict uses run 4'
run "$YUJING" predict p.yj --unlabeled --run 1
expect_stderr_contains "run 1:" '--run still chooses'

# A pinned run removed unpins it: SQLite may give its id to the next run,
# which must not become the model by that.
expect_exit 0 yujing runs p.yj --use 4
expect_exit 0 yujing runs p.yj --delete 4
expect_eq "$(q "SELECT count(*) FROM settings WHERE key = 'model_run'")" 0 'deleting the pinned run unpins it'
expect_eq "$(model_runs)" 1 'the latest completed run (1) is the model again'
done_testing
