#!/bin/sh
# separable.sh - calibration when the validation part is separated
# perfectly (src/train/report.c): every validation case is right with room
# to spare, so the validation NLL falls as the temperature falls and the
# search ends at its lower bound (0.05).  Such a T says nothing about
# confidence: eval reports "separable": true and keeps T = 1.  And the
# validation loss a run logs for each epoch (run_epochs.test_loss) is the
# mean cross-entropy eval reports for the validation part at the best
# epoch (run 2, without the logit adjustment, which eval would apply).
#
# The data: 120 cases, x in [0, 0.4) is "low" and x in [0.6, 1) "high"
# (Park-Miller draws, as tune.sh), a gap of 0.2 between the classes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"

awk 'BEGIN {
	print "case_id,x,category"
	s = 7
	for (i = 1; i <= 120; i++) {
		s = (16807 * s) % 2147483647
		u = s / 2147483647
		x = u < 0.5 ? 0.8 * u : 0.2 + 0.8 * u
		printf "K%03d,%.4f,%s\n", i, x, x < 0.5 ? "low" : "high"
	}
}' </dev/null >cases.csv

expect_exit 0 yujing init s.yj
expect_exit 0 yujing import s.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean s.yj
expect_exit 0 yujing split s.yj --seed 1
expect_exit 0 yujing train s.yj --seed 1 --threads 1 --epochs 30
expect_exit 0 yujing eval s.yj --json
cp "$T/stdout" eval.json
# the precondition: every validation case right
expect_eq "$(sed -n '/"validation": {/,/}/p' eval.json | grep -c '"accuracy": 1.0')" 1 'validation accuracy 1'
expect_eq "$(grep -c '"separable": true' eval.json)" 1 'calibration: separable'
expect_eq "$(grep -c '"temperature": 1.0,' eval.json)" 1 'calibration: T kept at 1'

expect_exit 0 yujing train s.yj --seed 1 --threads 1 --epochs 30 --adjust none
expect_exit 0 yujing eval s.yj --run 2 --json
cp "$T/stdout" eval2.json
best=$(sed -n 's/^  "best_epoch": \([0-9]*\),$/\1/p' eval2.json)
vloss=$(sed -n '/^  "validation": {/,$p' eval2.json | sed -n 's/^    "loss": \(.*\),$/\1/p' | head -n 1)
logged=$("$SQLITE3" -batch -noheader s.yj "SELECT test_loss FROM run_epochs WHERE run_id = 2 AND epoch = $best - 1")
expect_eq "$(awk -v a="$vloss" -v b="$logged" 'BEGIN { d = a - b; if (d < 0) d = -d; print (a > 0 && d <= 1e-6 * a) ? "same" : a " vs " b }')" same \
	"the validation loss logged at the best epoch ($best) is eval's"

done_testing
