#!/bin/sh
# train-snapshot.sh - a run trains on a split of the active snapshot
# (issue 14, item 1).  Before, `train` used whichever split was made last,
# even one of an older snapshot, while the active snapshot was another.
#
#   clean, split, clean again with other settings: snapshot 2 is active
#   and has no split, so train exits 2 naming snapshot 2 and `split`;
#   after splitting it, the run's split is split 2 (of snapshot 2);
#   `clean --use 1` (undo) makes train use split 1 again, not the later
#   split 2.
#
# Item 3: --exclude naming a field no source has (a misspelling) is an
# error naming it, exit 2; no run is made.  A field that exists is fine.
#
# Item 6: one epoch numbering, 1-based everywhere: a 3-epoch run prints
# epochs 1..3 as it trains; runs --history N --json gives epochs [1, 2, 3];
# runs --history N without --json prints a table whose epoch column is
# 1, 2, 3 (not JSON); runs --json's best_epoch is the epoch of the history
# whose macro-F1 is the run's, and the runs table shows the same number.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# 60 cases, a and b in [0, 1), the category the larger (Park-Miller).
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 99
	print "case_id,a,b,category" > "cases.csv"
	for (i = 1; i <= 60; i++) {
		a = rnd(); b = rnd()
		printf "C%03d,%.4f,%.4f,%s\n", i, a, b, (a > b ? "x" : "y") > "cases.csv"
	}
}' </dev/null
OPTS='--epochs 1 --batch 16 --hidden 4 --threads 1'
# split_of RUN: the split_id `runs --json` gives run RUN.
split_of()
{
	"$YUJING" runs p.yj --json | awk -v r="$1" '
		/"id":/ { gsub(/[^0-9]/, ""); id = $0 }
		/"split_id":/ && id == r { gsub(/[^0-9a-z]/, ""); sub(/splitid/, ""); print }'
}

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 1
expect_exit 0 yujing clean p.yj --k 0.9 --sigma 4
# shellcheck disable=SC2086 # OPTS splits into words
expect_exit 2 yujing train p.yj $OPTS
expect_stderr_contains "snapshot 2, the active one, has no train/test split" \
	'train names the active snapshot'
expect_stderr_contains "yujing split PROJECT" 'train names the split command'
expect_exit 0 yujing split p.yj --seed 1
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS
expect_eq "$(split_of 1)" 2 'run 1 trained on split 2, of snapshot 2'
expect_exit 0 yujing clean p.yj --use 1
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS
expect_eq "$(split_of 2)" 1 'after undo to snapshot 1, run 2 trained on split 1'
# shellcheck disable=SC2086
expect_exit 2 yujing train p.yj $OPTS --exclude a,bb
expect_stderr_contains "--exclude: no source has a field 'bb'" 'train --exclude names the unknown field'
expect_eq "$("$YUJING" runs p.yj --json | grep -c '"id":')" 2 'no run was made'
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --exclude b

# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj --batch 16 --hidden 4 --threads 1 --epochs 3 --lr 0.05
expect_eq "$(awk '/^epoch / { printf "%s ", $2 }' "$T/stdout")" '1 2 3 ' 'train prints epochs 1, 2, 3'
run_id=4
expect_exit 0 yujing runs p.yj --history $run_id --json
expect_eq "$(awk '/"epoch":/ { gsub(/[^0-9]/, ""); printf "%s ", $0 }' "$T/stdout")" '1 2 3 ' 'history JSON: epochs 1, 2, 3'
# the validation macro-F1 the epoch was chosen on: the run's last
# "macro_f1" in runs --json (after the test one, in "validation")
best_f1=$("$YUJING" runs p.yj --json | awk -v r=$run_id '
	/"id":/ { gsub(/[^0-9]/, ""); id = $0 }
	/"macro_f1":/ && id == r { sub(/.*: */, ""); sub(/,$/, ""); v = $0 }
	END { print v }')
want_best=$(awk -v f="$best_f1" '
	/"epoch":/ { gsub(/[^0-9]/, ""); e = $0 }
	/"macro_f1":/ { sub(/.*: */, ""); sub(/,$/, ""); if ($0 + 0 == f + 0 && !b) b = e }
	END { print b }' "$T/stdout")
got_best=$("$YUJING" runs p.yj --json | awk -v r=$run_id '
	/"id":/ { gsub(/[^0-9]/, ""); id = $0 }
	/"best_epoch":/ && id == r { gsub(/[^0-9]/, ""); print }')
expect_eq "$got_best" "$want_best" 'runs --json best_epoch is the 1-based epoch of the best macro-F1'
expect_eq "$("$YUJING" runs p.yj | awk -v r=$run_id '$1 == r { print $5 }')" "$want_best" 'the runs table shows the same best epoch'
nsteps=$("$YUJING" runs p.yj --history $run_id --json | awk '/"steps":/ { s = 1; next } /"epochs":/ { s = 0 } s && /^ *\[$/ { n++ } END { print n }')
expect_exit 0 yujing runs p.yj --history $run_id
# (a line of steps, a line saying the part the epochs were evaluated on,
# the table's head)
expect_eq "$(awk 'NR > 3 { printf "%s ", $1 }' "$T/stdout")" '1 2 3 ' 'history without --json: a table of epochs 1, 2, 3'
expect_stdout_contains "run 4: $nsteps steps, training loss" 'and a line on the steps (as many as the JSON lists)'
done_testing
