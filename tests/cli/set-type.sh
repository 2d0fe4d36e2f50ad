#!/bin/sh
# set-type.sh - a field's type changed without a new import (issue 14,
# analyst item 2: `sources --set-type SOURCE.FIELD=TYPE`).
#
#   a code written in digits, forced categorical: the catalogue says so,
#   and `profile` (stored before with the integer type) is computed
#   again: no mean or min, 3 distinct values;
#   auto infers again (integer), numeric gives real when a value has a
#   fraction; text gives the text role, and leaving text the attribute
#   role;
#   a value that does not fit is refused naming the file, line and field,
#   and nothing changes; the key keeps its type; an unknown type or source
#   is a usage error (exit 2).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

printf 'id,code,amount,kind\nA,7,1,call\nB,7,2.5,visit\nC,9,3,call\nD,11,x1,call\n' >ev.csv
printf 'id,code,amount,kind\nA,7,1,call\nB,7,2.5,visit\nC,9,3,call\nD,11,4,call\n' >ok.csv
# ty FIELD: "type role" of a field of the project p.yj, from `sources`
ty() { yujing sources p.yj | awk -v f="$1" '$1 == f { print $2, $3 }'; }
# prof FIELD: "type distinct mean" from `profile`
prof() { yujing profile p.yj | awk -v f="$1" '$1 == f { print $2, $9, $12 }'; }

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source ev --key id --type amount=categorical ev.csv
expect_eq "$(prof code)" "integer 3 8.5" 'the profile of the integer code, stored'
expect_exit 0 yujing sources p.yj --set-type ev.code=categorical
expect_stdout 'the change is reported' <<EOF
ev.code: integer (attribute) -> categorical (attribute)
EOF
expect_eq "$(ty code)" "categorical attribute" 'the catalogue holds the forced type'
expect_eq "$(prof code)" "categorical 3 -" 'the profile is computed again with the new type'

expect_exit 0 yujing sources p.yj --set-type ev.code=auto
expect_eq "$(ty code)" "integer attribute" 'auto infers the integer type again'
expect_exit 0 yujing sources p.yj --set-type ev.code=auto
expect_stdout 'nothing to change is said' <<EOF
ev.code stays integer
EOF

expect_exit 1 yujing sources p.yj --set-type ev.amount=numeric
expect_stderr 'a value that does not fit names the file, line and field' <<EOF
yujing: ev.csv:5: field 'amount': the value 'x1' is not of type real
  hint: inference says the field is categorical
EOF
expect_eq "$(ty amount)" "categorical attribute" 'nothing changed'

expect_exit 0 yujing sources p.yj --set-type ev.kind=text
expect_eq "$(ty kind)" "text text" 'a field made text takes the text role'
expect_exit 0 yujing sources p.yj --set-type ev.kind=categorical
expect_eq "$(ty kind)" "categorical attribute" 'leaving text gives back the attribute role'

expect_exit 2 yujing sources p.yj --set-type ev.id=integer
expect_stderr 'the key keeps its type' <<EOF
yujing: field 'id' is the key of source 'ev'; its type stays categorical
EOF
expect_exit 2 yujing sources p.yj --set-type ev.code=number
expect_stderr_contains "unknown type 'number'"
expect_exit 2 yujing sources p.yj --set-type nosuch.code=text
expect_stderr_contains "no source named in 'nosuch.code=text'"
expect_exit 1 yujing sources p.yj --set-type ev.nosuch=text
expect_stderr_contains "source 'ev' has no field 'nosuch'"

# numeric: integer when every value is one, real when one has a fraction
expect_exit 0 yujing init q.yj
expect_exit 0 yujing import q.yj --source ev --key id --type amount=categorical --type code=categorical ok.csv
expect_exit 0 yujing sources q.yj --set-type ev.amount=numeric --set-type ev.code=numeric
expect_stdout 'numeric is real with a fraction, integer without' <<EOF
ev.amount: categorical (attribute) -> real (attribute)
ev.code: categorical (attribute) -> integer (attribute)
EOF

done_testing
