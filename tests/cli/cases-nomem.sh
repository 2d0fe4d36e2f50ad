#!/bin/sh
# cases-nomem.sh - the Cases view's list (cases_list) when an allocation
# fails: tests/unit/cases-nomem fails each of its allocations in turn (the
# plain build's malloc, calloc, realloc and strdup wrapped) and counts the
# outcomes: each must be "out of memory" or exactly the unfaulted list.
#
# The data: 40 cases of two categories with a text field and a number;
# the last 4 have no category (unlabeled cases are listed too).  The list
# holds the test cases (their count read from `split --json`, a path
# independent of cases_list) and those 4.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

NOMEM=$(dirname "$YUJING")/tests/unit/cases-nomem
[ -x "$NOMEM" ] || bail_out "$NOMEM is not built"

awk 'BEGIN {
	print "case_id,x,note,category"
	for (i = 1; i <= 40; i++) {
		c = i % 2 ? "a" : "b"
		if (i > 36)
			c = ""
		printf "K%02d,%d,%s %d,%s\n", i, (i % 2) * 10 + i % 7, i % 2 ? "stolen bike" : "fake call", i, c
	}
}' </dev/null >cases.csv

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category --text note cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --test 0.25 --valid 0 --json
ntest=$(sed -n 's/.*"test": *\([0-9][0-9]*\).*/\1/p' "$T/stdout" | head -n 1)
[ -n "$ntest" ] || bail_out "split --json gave no test count"
expect_exit 0 yujing train p.yj --epochs 3 --batch 8 --seed 1

run "$NOMEM" p.yj 1
if [ "$rc" -ne 0 ]; then
	not_ok "cases-nomem ran"
	diag_file "$T/stderr" stderr
	done_testing
fi
ok "cases-nomem ran"
cp "$T/stdout" out.txt
field() { sed -n "s/^$1 //p" out.txt; }
n=$(field cases)
check "the list holds the $ntest test cases and the 4 unlabeled ones" test "$n" -eq $((ntest + 4))
check "the 4 unlabeled cases K37..K40 are listed, without a category" \
	sh -c '[ "$(grep -c "^K3[7-9] - \|^K40 - " out.txt)" -eq 4 ]'
a=$(field allocations)
check "cases_list allocates (several times: $a)" test "$a" -gt 4
check "every failed allocation: out of memory or the same list (no other error)" test "$(field other)" -eq 0
check "no failed allocation changes the list" test "$(field differ)" -eq 0
check "some failed allocation gives out of memory ($(field enomem))" test "$(field enomem)" -gt 0
check "the outcomes add up to the allocations" test $(($(field enomem) + $(field same))) -eq "$a"
done_testing
