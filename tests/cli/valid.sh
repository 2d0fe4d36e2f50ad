#!/bin/sh
# valid.sh - the validation part and honest figures (issue 13), end to end
# on generated data:
#
#   selection     a run chooses its epoch and stops early on the validation
#                 part, never reading the test part while it trains: the
#                 same run on a copy of the project whose test rows are
#                 deleted has the same epochs, figures and best epoch (on
#                 the code before, which chose on the test part, the copy
#                 had no figure at all); the intact project's report then
#                 holds the test part, counted against the split
#   early stop    --patience N: the run stops N epochs after its best one
#   calibration   eval --json's calibration: a temperature in its range,
#                 15 bins whose counts cover the test part and whose
#                 gaps give ece_after; predict's probabilities are
#                 softmax(logits / T) with T read from eval --json (the
#                 logits recovered from the same run's probabilities at
#                 T = 1); explain states T and agrees with predict
#   tampering     a stored temperature out of [0.05, 20] or not a number
#                 is refused by eval and predict, naming the field
#   --valid 0     a split without a validation part: the run chooses on
#                 the test part and says so ("selected_on": "test"), no
#                 calibration
#
# JSON and the project file are read with python3 (json, sqlite3).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

PY=
[ -n "${YJ_NO_PYTHON:-}" ] || find_python 'import json, sqlite3'
if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 (json, sqlite3) is needed to read the project and the JSON"
	tap_done=1
	exit 0
fi

py_check()
{
	_pc_desc=$1
	shift
	if "$PY" -c "$@" >"$T/py.out" 2>&1 && [ ! -s "$T/py.out" ]; then
		ok "$_pc_desc"
	else
		not_ok "$_pc_desc"
		diag_file "$T/py.out" python3
	fi
}

# sql DB STATEMENT: run one statement on a project file (python3's sqlite3).
sql()
{
	"$PY" -c 'import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
for r in db.execute(sys.argv[2]):
    print("|".join(map(str, r)))
db.commit()' "$1" "$2"
}

# cases.csv: 400 cases, a and b in [0, 1), the category the argmax of a,
# b and 1 - a - b... with one label in six drawn at random (noise, so the
# probabilities have something to calibrate).  Park-Miller in awk: the same
# file everywhere.
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 4242
	print "case_id,a,b,category" > "cases.csv"
	split("assault,burglary,fraud", L, ",")
	for (i = 1; i <= 400; i++) {
		a = rnd(); b = rnd(); c = 1 - (a + b) / 2
		k = a > b ? (a > c ? 1 : 3) : (b > c ? 2 : 3)
		if (rnd() < 1 / 6)
			k = 1 + int(rnd() * 3)
		printf "C%04d,%.4f,%.4f,%s\n", i, a, b, L[k] > "cases.csv"
	}
}' </dev/null

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 5 --json
cp "$T/stdout" split.json
ntest=$(sql p.yj "SELECT count(*) FROM split_cases WHERE part = 'test'")
nvalid=$(sql p.yj "SELECT count(*) FROM split_cases WHERE part = 'valid'")
py_check 'split --json: the parts per class add up to the stored split' '
import json, sys
d = json.load(open("split.json"))
if d["valid"] != int(sys.argv[1]) or d["test"] != int(sys.argv[2]) or d["valid"] < 30:
    print("valid", d["valid"], "test", d["test"], "want", sys.argv[1:])
if sum(c["valid"] for c in d["classes"]) != d["valid"] or sum(c["train"] for c in d["classes"]) != d["train"]:
    print("per class", d["classes"])' "$nvalid" "$ntest"

# ------------------------------------------- the test part is not read
cp p.yj hidden.yj
sql hidden.yj "DELETE FROM split_cases WHERE part = 'test'" >/dev/null
expect_eq "$(sql hidden.yj "SELECT count(*) FROM split_cases WHERE part = 'test'")" 0 'the copy has no test row'
TRAIN="--epochs 25 --patience 4 --batch 32 --hidden 16 --lr 0.01 --threads 1 --seed 3"
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $TRAIN --json
cp "$T/stdout" eval1.json
# shellcheck disable=SC2086
expect_exit 0 yujing train hidden.yj $TRAIN --json
cp "$T/stdout" evalh.json
expect_exit 0 yujing runs p.yj --history 1 --json
cp "$T/stdout" hist1.json
expect_exit 0 yujing runs hidden.yj --history 1 --json
cp "$T/stdout" histh.json
py_check 'without its test rows the run has the same epochs, the same validation figures, the same best epoch' '
import json
a, b = json.load(open("hist1.json")), json.load(open("histh.json"))
for h in (a, b):
    for e in h["epochs"]:
        e.pop("seconds")
if a["evaluated_on"] != "validation" or b["evaluated_on"] != "validation":
    print("evaluated on", a["evaluated_on"], b["evaluated_on"])
if a["epochs"] != b["epochs"] or a["steps"] != b["steps"]:
    print("histories differ:", a["epochs"][:2], b["epochs"][:2])
if not all("valid_loss" in e for e in a["epochs"]):
    print("epoch keys", list(a["epochs"][0]))
e, f = json.load(open("eval1.json")), json.load(open("evalh.json"))
if e["best_epoch"] != f["best_epoch"] or e["validation"] != f["validation"] or e["selected_on"] != "validation":
    print("selection differs", e["best_epoch"], f["best_epoch"])
if e["calibration"]["temperature"] != f["calibration"]["temperature"]:
    print("temperature differs")
if "test" in f or "accuracy" in f:
    print("the copy has test figures", list(f))'
py_check 'the report reads the test part once, at the end: its cases are the split'"'"'s test part' '
import json, sys
e = json.load(open("eval1.json"))
if e["test"]["cases"] != int(sys.argv[1]) or sum(c["support"] for c in e["classes"]) != int(sys.argv[1]):
    print("test cases", e["test"]["cases"], "want", sys.argv[1])
if e["validation"]["cases"] != int(sys.argv[2]):
    print("validation cases", e["validation"]["cases"], "want", sys.argv[2])' "$ntest" "$nvalid"

# --------------------------------------------------------- early stop
expect_exit 0 yujing runs p.yj --json
cp "$T/stdout" runs.json
py_check 'early stopping: the run ended 4 epochs (--patience 4) after its best one' '
import json
r = json.load(open("runs.json"))["runs"][0]
e = json.load(open("eval1.json"))
if r["best_epoch"] != e["best_epoch"]:
    print("best epoch", r["best_epoch"], e["best_epoch"])
if r["epochs_done"] != 25 and r["epochs_done"] != r["best_epoch"] + 4:
    print("epochs done", r["epochs_done"], "best", r["best_epoch"])
if r["epochs_done"] == 25:
    print("the run never stopped early: the check proves nothing")
if r["validation"]["macro_f1"] != e["validation"]["macro_f1"] or r["macro_f1"] != e["macro_f1"]:
    print("runs --json figures", r)'
expect_exit 0 yujing runs p.yj
expect_stdout_contains 'valid macro-F1'
expect_exit 0 yujing runs p.yj --history 1
expect_stdout_contains 'on the validation part'
expect_exit 0 yujing eval p.yj
expect_stdout_contains 'chosen on the validation part'

# -------------------------------------------------------- calibration
py_check 'calibration: T in [0.05, 20]; 15 bins covering the test part; their gaps give ece_after' '
import json, math
e = json.load(open("eval1.json"))
c = e["calibration"]
T = c["temperature"]
if not 0.05 <= T <= 20:
    print("T", T)
b = c["bins"]
if len(b) != 15 or sum(x["count"] for x in b) != e["test"]["cases"]:
    print("bins", len(b), sum(x["count"] for x in b))
for i, x in enumerate(b):
    if abs(x["lo"] - i / 15) > 1e-12 or abs(x["hi"] - (i + 1) / 15) > 1e-12:
        print("bin", i, x["lo"], x["hi"])
    if x["count"] and not x["lo"] < x["confidence"] <= x["hi"] + 1e-7:
        print("bin", i, "confidence", x["confidence"])
n = sum(x["count"] for x in b)
ece = sum(x["count"] / n * abs(x["accuracy"] - x["confidence"]) for x in b)
if abs(ece - c["ece_after"]) > 1e-9:
    print("ece_after", c["ece_after"], "from the bins", ece)
acc = sum(x["count"] * x["accuracy"] for x in b) / n
if abs(acc - e["accuracy"]) > 1e-9:
    print("the bins accuracy", acc, "test accuracy", e["accuracy"])
for k in ("ece_before", "brier_before", "brier_after"):
    if not 0 <= c[k] <= 2:
        print(k, c[k])
if not c["ece_after"] <= c["ece_before"] + 0.05:
    print("scaling made it much worse", c)'

# predict's probabilities against softmax(logits / T): the logits, up to a
# constant per case, are log p of the same run's probabilities with the
# stored temperature set to 1 (a valid value); then restored.
T1=$($PY -c 'import json; print(repr(json.load(open("eval1.json"))["calibration"]["temperature"]))')
setT()
{
	sql p.yj "UPDATE runs SET metrics = json_set(metrics, '\$.calibration.temperature', json('$1')) WHERE id = 1" >/dev/null
}
setT 1
expect_exit 0 yujing predict p.yj --run 1 --source cases=cases.csv --json
cp "$T/stdout" pred1.json
setT "$T1"
expect_exit 0 yujing predict p.yj --run 1 --source cases=cases.csv --json
cp "$T/stdout" predT.json
py_check "predict: probabilities = softmax(logits / T), T = $T1 from eval --json" '
import json, math, sys
T = json.load(open("eval1.json"))["calibration"]["temperature"]
rows = lambda f: [json.loads(l) for l in open(f) if l.strip()]  # one JSON object a line
a = {p["key"]: p for p in rows("pred1.json")}
b = {p["key"]: p for p in rows("predT.json")}
if set(a) != set(b) or len(a) < 300:
    print("cases", len(a), len(b))
worst = 0
changed = 0
for k in a:
    z = {c: math.log(max(p, 1e-300)) for c, p in a[k]["probabilities"].items()}
    m = max(z.values())
    s = sum(math.exp((v - m) / T) for v in z.values())
    for c, v in z.items():
        want = math.exp((v - m) / T) / s
        worst = max(worst, abs(want - b[k]["probabilities"][c]))
    changed += a[k]["probabilities"] != b[k]["probabilities"]
    if a[k]["predicted"] != b[k]["predicted"]:
        print(k, "the prediction changed with T")
if worst > 2e-5:
    print("max difference", worst)
if abs(T - 1) > 1e-3 and not changed:
    print("T did not change any probability: the check proves nothing")'

key=$(sql p.yj "SELECT key FROM split_cases WHERE part = 'test' ORDER BY key LIMIT 1")
expect_exit 0 yujing explain p.yj --run 1 --case "$key" --json
cp "$T/stdout" ex.json
py_check 'explain states the temperature and gives predict'"'"'s probabilities' '
import json, sys
e = json.load(open("eval1.json"))
x = json.load(open("ex.json"))
p = {q["key"]: q for q in map(json.loads, filter(str.strip, open("predT.json")))}[sys.argv[1]]
if x["temperature"] != e["calibration"]["temperature"]:
    print("explain T", x["temperature"])
for c, v in x["probabilities"].items():
    if abs(v - p["probabilities"][c]) > 1e-6:
        print(c, v, p["probabilities"][c])
if abs(x["output"]["probability"] - p["probabilities"][x["predicted"]]) > 1e-5:
    print("output", x["output"])' "$key"
expect_exit 0 yujing explain p.yj --run 1 --case "$key"
expect_stdout_contains 'probabilities calibrated'

# ---------------------------------------------------------- tampering
for bad in 50 0.01 '"x"'; do
	setT "$bad"
	expect_exit 1 yujing eval p.yj --run 1
	expect_stderr_contains 'temperature'
	expect_exit 1 yujing predict p.yj --run 1 --source cases=cases.csv
	expect_stderr_contains 'runs.metrics.calibration.temperature'
done
setT "$T1"
expect_exit 0 yujing eval p.yj --run 1
# Metrics that are not JSON at all must not pass for "no temperature yet"
# (predict would give uncalibrated probabilities with exit 0): refused,
# naming runs.metrics.  The text is kept in runs.message meanwhile.
sql p.yj "UPDATE runs SET message = metrics, metrics = 'not json {' WHERE id = 1" >/dev/null
expect_exit 1 yujing predict p.yj --run 1 --source cases=cases.csv
expect_stderr_contains "field 'runs.metrics': run 1: its stored metrics could not be read"
sql p.yj "UPDATE runs SET metrics = message, message = NULL WHERE id = 1" >/dev/null
expect_exit 0 yujing eval p.yj --run 1

# ------------------------------------------------------------ --valid 0
expect_exit 0 yujing split p.yj --seed 5 --valid 0
expect_exit 0 yujing train p.yj --epochs 3 --batch 32 --hidden 16 --lr 0.01 --threads 1 --seed 3 --json
cp "$T/stdout" eval0.json
py_check 'without a validation part: selected_on test, said so; no validation, no calibration' '
import json
e = json.load(open("eval0.json"))
if e["selected_on"] != "test" or "validation" in e or "calibration" in e:
    print(e["selected_on"], list(e))'
expect_exit 0 yujing runs p.yj --history 2
expect_stdout_contains 'on the test part (no validation part)'
expect_exit 0 yujing eval p.yj --run 2
expect_stdout_contains 'chosen on the test part'

done_testing
