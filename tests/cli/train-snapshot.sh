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
done_testing
