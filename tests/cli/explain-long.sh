#!/bin/sh
# explain-long.sh - explain bounds its occlusion work on a long text
# (issue 15: a 24,000-character text cost one forward of the whole text
# per character, 43 s and more).  The units are words of Latin text and
# CJK characters (issue 14).  The expected counts follow from the rule in
# explain.h by hand: scored = min(units, 2000, max(16, 24000000 / bytes));
# characters_scored counts the characters before the first unit not
# scored.
#   long: 24,000 CJK characters (units), 72,000 bytes: 24000000 / 72000 =
#         333 units, 333 characters
#   wide: "call " 600 times, 3,000 characters and bytes, 600 words:
#         min(600, 2000, 8000) = 600, all of them (as characters, 2,000
#         of the 3,000 were scored)
#   many: "go " 2,999 times and "go", 8,999 bytes, 3,000 words:
#         24000000 / 8999 = 2666, capped at 2,000 words, which end before
#         character 2000 * 3 = 6,000
#   a01:  10 CJK characters: every one scored
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json' 2>/dev/null; then
	skip 'explain on long texts' 'python3 is not available'
	done_testing
fi

# rep S N: S repeated N times
rep()
{
	awk -v s="$1" -v n="$2" 'BEGIN { for (i = 0; i < n; i++) printf "%s", s }'
}

{
	echo 'id,类别,案情'
	echo 'a01,盗窃,夜间撬锁入室盗窃现金'
	echo 'a02,盗窃,白天商场扒窃手机'
	echo 'a03,诈骗,冒充客服电话诈骗'
	echo 'a04,诈骗,网络刷单诈骗'
	echo 'a05,盗窃,盗窃电动车'
	echo 'a06,诈骗,虚假投资理财诈骗'
	echo 'a07,盗窃,仓库盗窃货物'
	echo 'a08,诈骗,冒充熟人借钱诈骗'
	# 333 characters of one kind, then 23,667 of another (猫 never
	# occurs in the first 333): no score may come from beyond them
	printf 'long,盗窃,%s%s\n' "$(rep 盗窃电动车夜间入室 37)" "$(rep 猫 23667)"
	printf 'wide,诈骗,%s\n' "$(rep 'call ' 600)"
	printf 'many,诈骗,%sgo\n' "$(rep 'go ' 2999)"
} >cases.csv
check 'the long text is 72,000 bytes' test "$(grep '^long,' cases.csv | cut -d, -f3 | tr -d '\n' | wc -c)" -eq 72000

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source 案件 --key id --label 类别 --text 案情 cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 3
expect_exit 0 yujing train p.yj --epochs 2 --batch 4 --threads 1

# counts.py FILE UNITS SCORED CHARS CHARS_SCORED: the n-gram branch
# states UNITS units, SCORED of them scored, CHARS characters,
# CHARS_SCORED of them before the first unit not scored; no token is a
# 猫, and every token's offset is before CHARS_SCORED
cat >counts.py <<'PY'
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
b = [x for x in d["branches"] if x["kind"] == "ngram"]
want = [int(x) for x in sys.argv[2:6]]
print(b, d["tokens"][:3])
sys.exit(0 if len(b) == 1 and [b[0][k] for k in ("units", "units_scored", "characters", "characters_scored")] == want and
         len(d["tokens"]) > 0 and all(t["text"] != "猫" and t["offset"] < want[3] for t in d["tokens"]) else 1)
PY

expect_exit 0 yujing explain p.yj --case long --json
cp "$T/stdout" long.json
check 'long: 333 of 24,000 units scored (the byte budget), none past them' \
	python3 counts.py long.json 24000 333 24000 333
expect_exit 0 yujing explain p.yj --case long
expect_stdout_contains 'ngram:案情: only the first 333 of its 24000 words and characters were scored (the occlusion work is bounded)'

expect_exit 0 yujing explain p.yj --case wide --json
cp "$T/stdout" wide.json
check 'wide: all 600 words of 3,000 characters scored (the cap counts units)' \
	python3 counts.py wide.json 600 600 3000 3000
expect_exit 0 yujing explain p.yj --case wide
check 'wide: no truncation stated' sh -c "! grep -F 'were scored' '$T/stdout'"

expect_exit 0 yujing explain p.yj --case many --json
cp "$T/stdout" many.json
check 'many: 2,000 of 3,000 words scored (the unit cap), the first 6,000 characters' \
	python3 counts.py many.json 3000 2000 8999 6000
expect_exit 0 yujing explain p.yj --case many
expect_stdout_contains 'ngram:案情: only the first 2000 of its 3000 words and characters were scored (the occlusion work is bounded)'

expect_exit 0 yujing explain p.yj --case a01 --json
cp "$T/stdout" a01.json
check 'a short text: every character scored' python3 counts.py a01.json 10 10 10 10
expect_exit 0 yujing explain p.yj --case a01
check 'a short text: no truncation stated' sh -c "! grep -F 'were scored' '$T/stdout'"
done_testing
