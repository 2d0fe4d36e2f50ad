#!/bin/sh
# predict.sh - predict --source NAME=FILE: new cases read from files go
# through the run's cleaning with its stored statistics and its feature
# layout.  The data: a label source `cases` whose category is a known
# function of a feature (high when amount > 0.5), cleaned with the fill
# value of amount fixed at 0.1, and a one-to-many source `passes` (noise)
# joined by key.
#   known        new cases with amount 0.9 / 0.1 are predicted high / low;
#                a source not given (passes) has no rows and is no error;
#                one JSON object per case, stored with the file names
#   unknown      a district never seen in training: no error, a prediction
#   outlier      amount 1000 lies outside the training range: the stored
#                rule replaces it by the stored fill (same probabilities
#                as a null amount, predicted low); cleaned with
#                --outliers clip it is clipped and predicted high
#   equality     the project's test cases and unlabeled cases exported to
#                CSV give the probabilities the project's own data gives
#                (explain, --unlabeled) within 1e-6, and the accuracy that
#                eval stored
#   jsonl, dups  a JSON lines file reads too; a repeated key keeps its
#                first row
#   errors       a missing field (CSV header, JSON lines) names the file and field; an unparsable
#                number names file:line:field (label source and joined
#                source); no label source file, an unknown source, a bad
#                NAME=FILE and --source with --unlabeled are refused
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json, sqlite3' 2>/dev/null; then
	skip 'predict --source checks' 'python3 is not available'
	done_testing
fi

awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 777
	print "case_id,amount,district,note,category" > "cases.csv"
	print "case_id,speed" > "passes.csv"
	for (i = 1; i <= 400; i++) {
		a = rnd()
		printf "C%04d,%.4f,%s,报警人称于某日在家中发现,%s\n", i, a, (rnd() < 0.5 ? "north" : "south"), (a > 0.5 ? "high" : "low") > "cases.csv"
		n = int(rnd() * 3)
		for (j = 0; j < n; j++) printf "C%04d,%.3f\n", i, 40 + 20 * rnd() > "passes.csv"
	}
	print "C9001,0.93,north,民警到场," > "cases.csv"
	print "C9002,0.07,south,民警到场," > "cases.csv"
	print "C9001,45.5" > "passes.csv"
}' </dev/null

empty_ok()
{
	if [ ! -s "$2" ]; then
		ok "$1"
	else
		not_ok "$1"
		diag_file "$2"
	fi
}

setup()
{
	expect_exit 0 yujing init "$1"
	expect_exit 0 yujing import "$1" --source cases --key case_id --label category --text note cases.csv
	expect_exit 0 yujing import "$1" --source passes --key case_id passes.csv
	expect_exit 0 yujing clean "$1" --fill amount=const:0.1 --outliers "$2"
	expect_exit 0 yujing split "$1" --seed 7
	expect_exit 0 yujing train "$1" --epochs 15 --batch 32 --hidden 16 --lr 0.01 --threads 1
}
setup p.yj replace

LONG=$(awk 'BEGIN { for (i = 0; i < 300; i++) printf "民警到场处置"; }')
cat >new.csv <<EOF
case_id,amount,district,note,category,extra
N1,0.9,north,民警到场,,x
N2,0.1,south,民警到场,,x
N3,0.85,nowhere,$LONG,,x
N4,1000,north,民警到场,,x
N5,,north,民警到场,,x
EOF

# --- known, unknown, outlier
expect_exit 0 yujing predict p.yj --source cases=new.csv --json
cp "$T/stdout" new.json
python3 -c '
import json
rows = [json.loads(l) for l in open("new.json")]
p = {r["key"]: r for r in rows}
if [r["key"] for r in rows] != ["N1", "N2", "N3", "N4", "N5"]:
    print("keys", [r["key"] for r in rows])
for r in rows:
    if sorted(r) != ["alert", "batch", "key", "predicted", "probabilities"] or r["batch"] != 1 or abs(sum(r["probabilities"].values()) - 1) > 1e-4:
        print("shape", r)
want = {"N1": "high", "N2": "low", "N3": "high", "N4": "low", "N5": "low"}
for k, w in want.items():
    if p[k]["predicted"] != w:
        print(k, "predicted", p[k]["predicted"], "want", w)
for c in ("high", "low"):
    if abs(p["N4"]["probabilities"][c] - p["N5"]["probabilities"][c]) > 1e-6:
        print("N4 (outlier) and N5 (null) differ", p["N4"], p["N5"])
' >known.out
empty_ok 'new cases: amount 0.9 high, 0.1 low; unknown district and a long note handled; the outlier and the null both take the stored fill' known.out

python3 -c '
import sqlite3
db = sqlite3.connect("p.yj")
n = db.execute("SELECT count(*) FROM predictions WHERE source = ?", ("new.csv",)).fetchone()[0]
if n != 5: print("stored", n)' >stored.out
empty_ok 'the 5 predictions are stored with source new.csv' stored.out

expect_exit 0 yujing predict p.yj --source cases=new.csv --alert high\>=0.5
expect_stdout_contains 'N1	high'
expect_stdout_contains 'ALERT'
# a misspelt category is refused with the closest names (high, then low:
# edit distances 2 and 4 from hihg)
expect_exit 2 yujing predict p.yj --source cases=new.csv --alert hihg\>=0.5
expect_stderr_contains "no category 'hihg'"
expect_stderr_contains 'the closest categories: high, low'

# --- JSON lines; a repeated key keeps its first row, as the cleaning does
printf '{"case_id":"J1","amount":0.95,"district":"north","note":"x"}\n{"case_id":"J2","amount":0.05,"note":"y"}\n' >new.jsonl
expect_exit 0 yujing predict p.yj --source cases=new.jsonl --json
expect_stdout_contains '{"key":"J1","predicted":"high"'
expect_stdout_contains '{"key":"J2","predicted":"low"'
printf 'case_id,amount,district,note\nD1,0.9,north,x\nD1,0.9,north,x\nD1,0.1,north,x\n' >dup.csv
expect_exit 0 yujing predict p.yj --source cases=dup.csv --json
expect_eq "$(grep -c . "$T/stdout")" 1 'one prediction for the repeated key'
expect_stdout_contains '{"key":"D1","predicted":"high"'

# --- equality with the project's own cases (test part and unlabeled)
python3 -c '
import csv, sqlite3
db = sqlite3.connect("p.yj")
keys = {r[0] for r in db.execute("SELECT key FROM split_cases sc JOIN splits s ON s.id = sc.split_id"
                                 " WHERE s.active = 1 AND sc.part = '"'test'"'")}
keys |= {"C9001", "C9002"}
for src, out in (("cases.csv", "test-cases.csv"), ("passes.csv", "test-passes.csv")):
    with open(src, newline="") as f, open(out, "w", newline="") as g:
        r = csv.reader(f); w = csv.writer(g, lineterminator="\n")
        w.writerow(next(r))
        for row in r:
            if row[0] in keys: w.writerow(row)
open("test-keys", "w").write("\n".join(sorted(keys - {"C9001", "C9002"})[:6]) + "\n")
'
expect_exit 0 yujing predict p.yj --source cases=test-cases.csv --source passes=test-passes.csv --json
cp "$T/stdout" test.json
expect_exit 0 yujing predict p.yj --unlabeled --json
cp "$T/stdout" unl.json
expect_exit 0 yujing eval p.yj --json
cp "$T/stdout" eval.json
while read -r k; do
	run yujing explain p.yj --case "$k" --json
	cp "$T/stdout" "ex-$k.json"
done <test-keys
python3 -c '
import json, sys
p = {}
for l in open("test.json"):
    r = json.loads(l); p[r["key"]] = r
bad = []
for l in open("unl.json"):
    r = json.loads(l)
    for c, v in r["probabilities"].items():
        if abs(p[r["key"]]["probabilities"][c] - v) > 1e-6: bad.append(("unlabeled", r["key"], c, v, p[r["key"]]["probabilities"][c]))
keys = open("test-keys").read().split()
for k in keys:
    e = json.load(open("ex-%s.json" % k))
    for c, v in e["probabilities"].items():
        if abs(p[k]["probabilities"][c] - v) > 1e-6: bad.append(("explain", k, c, v, p[k]["probabilities"][c]))
labels = {}
import csv
for row in csv.DictReader(open("test-cases.csv")): labels[row["case_id"]] = row["category"]
test = [k for k in p if labels.get(k)]
acc = sum(p[k]["predicted"] == labels[k] for k in test) / len(test)
ev = json.load(open("eval.json"))
a = ev.get("accuracy", ev.get("metrics", {}).get("accuracy"))
if a is None or abs(acc - a) > 1e-9: bad.append(("accuracy", acc, a))
if len(keys) != 6: bad.append(("keys", keys))
if bad: print(bad)' >eq.out
empty_ok 'the exported test and unlabeled cases: the same probabilities as the stored data (1e-6) and the stored accuracy' eq.out

# --- errors
printf 'case_id,district,note\nN1,north,x\n' >miss.csv
expect_exit 1 yujing predict p.yj --source cases=miss.csv
expect_stderr_contains "miss.csv: field 'amount'"
printf '{"case_id":"J1","district":"north","note":"x"}\n' >miss.jsonl
expect_exit 1 yujing predict p.yj --source cases=miss.jsonl
expect_stderr_contains "miss.jsonl: field 'amount'"
printf 'case_id,amount,district,note\nN1,0.5,north,x\nN2,abc,north,x\n' >bad.csv
expect_exit 1 yujing predict p.yj --source cases=bad.csv
expect_stderr_contains "bad.csv:3: field 'amount'"
printf 'case_id,speed\nN1,50\nN1,fast\n' >badp.csv
expect_exit 1 yujing predict p.yj --source cases=new.csv --source passes=badp.csv
expect_stderr_contains "badp.csv:3: field 'speed'"
expect_exit 2 yujing predict p.yj --source passes=passes.csv
expect_stderr_contains 'give --source cases=FILE'
expect_exit 2 yujing predict p.yj --source nope=new.csv
expect_exit 2 yujing predict p.yj --source cases
expect_exit 2 yujing predict p.yj --source cases=new.csv --unlabeled

# --- the outlier rule is the snapshot's: clipped, amount 1000 reads high
if ! { mkdir clip && cd clip && cp ../cases.csv ../passes.csv ../new.csv .; }; then
	bail_out 'clip directory'
fi
setup c.yj clip
expect_exit 0 yujing predict c.yj --source cases=new.csv --json
expect_stdout_contains '{"key":"N4","predicted":"high"'
expect_stdout_contains '{"key":"N5","predicted":"low"'
done_testing
