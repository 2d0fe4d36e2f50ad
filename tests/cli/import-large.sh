#!/bin/sh
# import-large.sh - imports past the sizes the other tests stay under
# (issue 18: mutants there passed every test):
#   - JSON lines with 40 keys, past the 32 at which the reader's key table
#     (64 slots, half full) grows: every key keeps its own field;
#   - a key first seen in the second record becomes a field, null in the
#     records without it;
#   - a GBK file of 1.3 MB, past the reader's 1 MiB raw chunk: every row.
# The expected counts are those of the generated inputs.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have iconv; then
	skip 'import of large inputs' 'iconv is not available'
	done_testing
fi

# three records: id and k00..k39; the second also has "late"
awk 'BEGIN {
	for (r = 1; r <= 3; r++) {
		printf "{\"id\": \"R%d\"", r
		for (k = 0; k < 40; k++)
			printf ", \"k%02d\": %d", k, r * 100 + k
		if (r == 2)
			printf ", \"late\": \"x\""
		printf "}\n"
	}
}' >wide.jsonl
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj -s wide -k id -f jsonl wide.jsonl
expect_stdout_contains 'imported 3 rows'
expect_exit 0 yujing profile p.yj --json
cp "$T/stdout" prof.json
# fields.sh: the profile's field names, one a line, in order
tr ',' '\n' <prof.json | grep -o '"name": *"[^"]*"' | sed 's/.*: *"//; s/"$//' | grep -v '^wide$' >names.txt
awk 'BEGIN { print "id"; for (k = 0; k < 40; k++) printf "k%02d\n", k; print "late" }' >want.txt
check 'JSON lines of 40 keys: 42 fields (id, k00..k39, late), each once, in order' cmp want.txt names.txt
# each k field has its three values, 100 apart: the profile's min and max
check 'k39 holds 139..339 (its own values, not another key'"'"'s)' sh -c "tr -d ' \n' <prof.json | grep -q '\"name\":\"k39\",[^}]*\"min\":139\\.0,\"max\":339\\.0'"
check 'late is null in the two records without it' sh -c "tr -d ' \n' <prof.json | grep -q '\"name\":\"late\",[^}]*\"nulls\":2,'"

# 30,000 rows of GBK (Chinese text: two bytes a character), about 1.3 MB
awk 'BEGIN { print "id,类别,案情"; for (i = 1; i <= 30000; i++) printf "G%05d,盗窃,夜间撬锁入室盗窃现金%d\n", i, i }' |
	iconv -f UTF-8 -t GBK >big.csv
check 'the GBK file is over 1 MiB' test "$(wc -c <big.csv)" -gt 1048576
expect_exit 0 yujing import p.yj -s big -k id -l 类别 -t 案情 -e gbk big.csv
expect_stdout_contains 'imported 30000 rows'
done_testing
