#!/bin/sh
# alerts-pr.sh - `yujing alerts`: the alert thresholds with the precision
# and recall each would have had on the validation cases of the model of
# record (issue 14, "Alert thresholds").
#
#   Without a run: the thresholds only, a category refused (none known).
#   With run 1 on a split of 12 validation cases (x 3, y 5, z 4, counted
#   from split_cases): the figures at thresholds 0 and 1 derived by hand
#   from those counts; at thresholds taken from the data, the figures
#   tests/reference/alerts_pr.py computes from the validation
#   probabilities (`alerts --cases`, themselves checked against explain
#   and against eval's validation accuracy); a threshold change moves
#   them; a misspelt category is refused with the closest names and
#   nothing stored; removing one.  A split without a validation part is
#   said so (the test part is not used instead), and a run of another
#   split is refused.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }
PY=${PYTHON3:-python3}
have "$PY" || PY=
REF=$top_srcdir/tests/reference/alerts_pr.py

# 114 labelled cases in three categories and 6 unlabeled (fixtures README).
cp "$FIXTURES/xyz_120.csv" cases.csv
OPTS='--batch 16 --hidden 8 --threads 1 --lr 0.01 --patience 0'

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 3

# ------------------------------------------------------------- no run yet
expect_exit 0 yujing alerts p.yj
expect_stdout_contains 'no trained run to measure the thresholds on' 'without a run: said so'
expect_stdout_contains '0.50  every category' 'and the threshold for every category shown'
expect_exit 2 yujing alerts p.yj --set x=0.3
expect_stderr_contains "no category 'x'" 'without a run no category is known'
expect_stderr_contains 'there are no categories yet' 'and the hint says why'
expect_exit 0 yujing alerts p.yj --set 0.4 --json
check 'the threshold for every category can be set without a run' grep -q '"threshold": 0.4' "$T/stdout"
expect_exit 0 yujing alerts p.yj --set 0.5

# shellcheck disable=SC2086 # OPTS splits into words
expect_exit 0 yujing train p.yj $OPTS --epochs 60

# ------------------------------------------------- the validation cases
n_x=$(q "SELECT count(*) FROM split_cases WHERE split_id = 1 AND part = 'valid' AND label = 'x'")
n_y=$(q "SELECT count(*) FROM split_cases WHERE split_id = 1 AND part = 'valid' AND label = 'y'")
n_z=$(q "SELECT count(*) FROM split_cases WHERE split_id = 1 AND part = 'valid' AND label = 'z'")
expect_eq "$n_x $n_y $n_z" '3 5 4' 'split 1 has 3 x, 5 y and 4 z validation cases (the figures below are derived from these)'

expect_exit 0 yujing alerts p.yj --cases
cp "$T/stdout" cases.jsonl
q "SELECT key || ' ' || label FROM split_cases WHERE split_id = 1 AND part = 'valid' ORDER BY key" >want-cases
sed 's/^{"key":"\([^"]*\)","category":"\([^"]*\)".*/\1 \2/' cases.jsonl | sort >got-cases
expect_same_file got-cases want-cases '--cases gives each validation case of split 1 once, with its true category'
expect_exit 2 yujing alerts p.yj --cases --json

if [ -z "$PY" ]; then
	skip 'the validation probabilities are those explain gives' 'python3 is not available'
	skip 'their argmax reproduces the validation accuracy eval reports' 'python3 is not available'
else
	for k in C025 C082; do
		"$YUJING" explain p.yj --case $k --json >"ex-$k.json" 2>/dev/null || bail_out "explain $k failed"
	done
	py_check 'the validation probabilities are those explain gives (cases C025, C082)' '
import json
cases = dict((r["key"], r) for r in map(json.loads, open("cases.jsonl")))
for k in ("C025", "C082"):
    ex = json.load(open("ex-%s.json" % k))["probabilities"]
    got = cases[k]["probabilities"]
    if set(ex) != set(got) or max(abs(ex[c] - got[c]) for c in ex) > 1e-6:
        print(k, got, ex)'
	"$YUJING" eval p.yj --json >eval.json
	py_check 'their argmax reproduces the validation accuracy and case count eval reports' '
import json
v = json.load(open("eval.json"))["validation"]
rows = [json.loads(l) for l in open("cases.jsonl")]
right = sum(max(r["probabilities"], key=r["probabilities"].get) == r["category"] for r in rows)
if len(rows) != v["cases"] or abs(right / len(rows) - v["accuracy"]) > 1e-12:
    print(len(rows), right, v["cases"], v["accuracy"])'
fi

# rows: the table rows of the last command, one space between fields.
rows()
{
	sed -n '3,$p' "$T/stdout" | sed '$d' | tr -s ' ' | sed 's/^ //'
}

# ----------------------------------------------------------- by hand
# At 0 every case is flagged for every category: 36 flags, 12 of them
# right; each category's recall is 1.
expect_exit 0 yujing alerts p.yj --set 0 --all
rows >got
expect_text got 'threshold 0 for every category: precision 12/36, recall 12/12, each category all 12 cases' <<'EOF'
0.00 every category (3) 0.3333 1.0000 36 12 12
0.00 x 0.2500 1.0000 12 3 3
0.00 y 0.4167 1.0000 12 5 5
0.00 z 0.3333 1.0000 12 4 4
EOF
if [ -n "$PY" ]; then
	py_check 'no validation probability of z is 1 (so threshold 1 flags none)' '
import json
if any(json.loads(l)["probabilities"]["z"] >= 1 for l in open("cases.jsonl")):
    print("a probability of 1")'
fi
expect_exit 0 yujing alerts p.yj --set x=0 --set z=1
rows >got
expect_text got 'x at 0: 3 of 12; z at 1: no alert, precision undefined, recall 0; every other category (y) at 0' <<'EOF'
0.00 every other category (1) 0.4167 1.0000 12 5 5
0.00 x 0.2500 1.0000 12 3 3
1.00 z – 0.0000 0 0 4
EOF
expect_exit 0 yujing alerts p.yj --json
check 'an undefined precision is null in the JSON' grep -q '"precision": null' "$T/stdout"

# ------------------------------------------- against the reference
# Thresholds from the data: the median of each category's validation
# probabilities (2 decimals), so that some cases are flagged and some not.
if [ -z "$PY" ]; then
	skip 'text at thresholds from the data as the reference computes it' 'python3 is not available'
	skip 'JSON at thresholds from the data as the reference computes it' 'python3 is not available'
	skip 'a changed threshold: text as the reference computes it' 'python3 is not available'
	skip 'a changed threshold: JSON as the reference computes it' 'python3 is not available'
else
	med() {
		$PY -c '
import json, sys
v = sorted(json.loads(l)["probabilities"][sys.argv[1]] for l in open("cases.jsonl"))
print("%.2f" % ((v[len(v) // 2 - 1] + v[len(v) // 2]) / 2))' "$1"
	}
	ty=$(med y)
	tall=$(med x)
	expect_exit 0 yujing alerts p.yj --set x= --set z= --set "$tall" --set "y=$ty" --all
	rows >got
	$PY "$REF" rows cases.jsonl "$tall" "y=$ty" >want
	expect_same_file got want "every category at $tall, y at $ty: the rows the reference computes"
	cp got before
	"$YUJING" alerts p.yj --json | $PY "$REF" json cases.jsonl "$tall" "y=$ty" >diff.out 2>&1
	check "and the JSON, counts exact and ratios within 1e-12" test ! -s diff.out
	[ -s diff.out ] && diag_file diff.out
	ty2=$($PY -c '
import json
v = sorted(json.loads(l)["probabilities"]["y"] for l in open("cases.jsonl"))
print("%.2f" % ((v[2] + v[3]) / 2))')
	expect_exit 0 yujing alerts p.yj --set "y=$ty2" --all
	rows >got
	$PY "$REF" rows cases.jsonl "$tall" "y=$ty2" >want
	expect_same_file got want "y changed to $ty2: the rows follow, as the reference computes them"
	check "and they changed" sh -c '! cmp -s before got'
	"$YUJING" alerts p.yj --json | $PY "$REF" json cases.jsonl "$tall" "y=$ty2" >diff.out 2>&1
	check "and the JSON follows" test ! -s diff.out
	[ -s diff.out ] && diag_file diff.out
	# A threshold equal to a probability flags its case (p >= t, as
	# predict flags): y at exactly the highest validation p(y), the
	# float's value as a double, flags that one case.
	top=$($PY -c '
import json, struct
v = max(json.loads(l)["probabilities"]["y"] for l in open("cases.jsonl"))
print(repr(struct.unpack("f", struct.pack("f", v))[0]))')
	expect_exit 0 yujing alerts p.yj --set "y=$top" --json
	check "y at exactly its highest validation probability ($top): 1 alert" $PY -c '
import json, sys
y = [c for c in json.load(open(sys.argv[1]))["categories"] if c["category"] == "y"][0]
sys.exit(0 if y["alerts"] == 1 and y["threshold"] == float(sys.argv[2]) else 1)' "$T/stdout" "$top"
	$PY "$REF" json cases.jsonl "$tall" "y=$top" <"$T/stdout" >diff.out 2>&1
	check "as the reference counts it" test ! -s diff.out
	[ -s diff.out ] && diag_file diff.out
fi

# ----------------------------------------------------- refusals, removal
stored=$(q "SELECT value FROM settings WHERE key = 'alert_thresholds'")
expect_exit 2 yujing alerts p.yj --set yy=0.2
expect_stderr_contains "no category 'yy'" 'a misspelt category is refused, named'
expect_stderr_contains 'the closest categories: y, x, z' 'with the closest names, nearest first'
expect_exit 2 yujing alerts p.yj --set y=1.5
expect_stderr_contains 'a threshold is a probability in [0, 1]' 'a threshold over 1 is refused'
expect_eq "$(q "SELECT value FROM settings WHERE key = 'alert_thresholds'")" "$stored" 'nothing was stored by either'
expect_exit 0 yujing alerts p.yj --set y= --json
check 'y= removes the threshold of y: it has the one for every category again' $PY -c '
import json, sys
y = [c for c in json.load(open(sys.argv[1]))["categories"] if c["category"] == "y"][0]
sys.exit(0 if not y["own"] and y["threshold"] == float(sys.argv[2]) else 1)' "$T/stdout" "${tall:-0.5}"
expect_exit 0 yujing alerts p.yj --set y=
expect_stderr_contains 'y had no threshold of its own' 'removing it again says so'

# -------------------------------------------- no validation part; another split
expect_exit 0 yujing split p.yj --seed 3 --valid 0
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 3
expect_exit 0 yujing alerts p.yj
expect_stdout_contains 'run 2: its split 2 has no validation part, so no precision or recall is measured' \
	'a run whose split has no validation part: said so'
check 'and no figure is shown (the test part is not used instead)' sh -c "! grep -q '0\\.[0-9][0-9][0-9][0-9]' '$T/stdout'"
expect_exit 0 yujing alerts p.yj --json
check 'the JSON: measured_on null, 0 validation cases, no precision' sh -c \
	"grep -q '\"measured_on\": null' '$T/stdout' && grep -q '\"validation_cases\": 0' '$T/stdout' && ! grep -q '\"precision\":' '$T/stdout'"
expect_exit 1 yujing alerts p.yj --cases
expect_exit 2 yujing alerts p.yj --run 1
expect_stderr_contains 'run 1 was trained on split 1, not on the active split 2' \
	"run 1's validation cases are not the active split's: refused"
done_testing
