#!/bin/sh
# append.sh - bringing in new cases safely (issue 14, item 5).  Before,
# importing onto an existing source hinted "add --replace", which dropped
# the training rows for the few new ones.
#
#   the hint after importing onto an existing source names --append and
#   predict --source, not --replace;
#   import --append of a file whose line 3 holds a key the source already
#   has: exit 1 naming the file, line 3 and the key field, and nothing is
#   written (line 2's new case C3 is not there either: one transaction);
#   a value not of the field's type (line 3, field a) and a file lacking
#   a field (exit 2, naming it) are refused the same way;
#   a good file: new cases in any field order, two rows of one new case;
#   rows for a case another source holds go into that source too.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }

printf 'case_id,a,category\nC1,0.5,x\nC2,0.7,y\n' >cases.csv
printf 'case_id,speed\nC1,40\n' >passes.csv
printf 'case_id,a,category\nC3,0.1,x\nC2,0.2,y\n' >dup.csv
printf 'category,case_id,a\nx,C3,0.1\ny,C4,abc\n' >badtype.csv
printf 'case_id,category\nC3,x\n' >lacks.csv
printf 'category,case_id,a\nx,C3,0.1\ny,C4,0.3\ny,C4,0.4\n' >good.csv
printf 'case_id,speed\nC2,50\nC3,60\n' >passes2.csv

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing import p.yj --source passes --key case_id passes.csv

expect_exit 1 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_stderr 'importing onto a source hints --append and predict --source' <<EOF
yujing: cases.csv: the project already has a source named 'cases'
  hint: add its new rows with --append, or predict new cases with 'yujing predict PROJECT --source cases=FILE'
EOF

expect_exit 1 yujing import p.yj --source cases --append dup.csv
expect_stderr 'a key already present is an error naming the line' <<EOF
yujing: dup.csv:3: field 'case_id': case 'C2' is already in source 'cases'
  hint: --append adds new cases' rows; nothing was imported
EOF
expect_eq "$(q 'SELECT group_concat(case_id) FROM "raw:cases"'),$(q "SELECT rows FROM sources WHERE name = 'cases'")" \
	'C1,C2,2' 'nothing was written: C3 of line 2 is not there, the row count is 2'

expect_exit 1 yujing import p.yj --source cases --append badtype.csv
expect_stderr_contains "badtype.csv:3: field 'a': the value 'abc' is not of type real" 'a value of the wrong type names line and field'
expect_exit 2 yujing import p.yj --source cases --append lacks.csv
expect_stderr_contains "the file lacks field 'a' of source 'cases'" 'a missing field is named'
expect_exit 2 yujing import p.yj --source nosuch --append good.csv
expect_stderr_contains "the project has no source 'nosuch' to append to" 'a source that does not exist'
expect_exit 2 yujing import p.yj --source cases --append --replace good.csv
expect_eq "$(q 'SELECT count(*) FROM "raw:cases"')" 2 'still the 2 rows'

expect_exit 0 yujing import p.yj --source cases --append good.csv
expect_stdout "the good file's 3 rows are added" <<EOF
added 3 rows to source 'cases' (5 rows now, $(sed -n "s/.*(5 rows now, \([0-9.]*\) s)/\1/p" "$T/stdout") s)
EOF
expect_eq "$(q 'SELECT group_concat(case_id || ":" || a || ":" || category, " ") FROM "raw:cases"')" \
	'C1:0.5:x C2:0.7:y C3:0.1:x C4:0.3:y C4:0.4:y' 'the rows, fields matched by name'
expect_exit 0 yujing import p.yj --source passes --append passes2.csv
expect_eq "$(q 'SELECT group_concat(case_id || ":" || speed, " ") FROM "raw:passes"')" \
	'C1:40 C2:50 C3:60' 'rows for cases another source holds'
done_testing
