#!/bin/sh
# adjust.sh - post-hoc logit adjustment chosen on validation (issue 13;
# Menon et al. 2021, a = z - tau log(prior)), end to end on generated,
# imbalanced data (70% / 20% / 10%, one overlapping measurement):
#
#   choice      eval --json's calibration: log_priors are the logs of the
#               training part's class shares, counted here from the
#               project file; tau_grid_f1 recomputed here (macro-F1 by hand
#               in python, sklearn's rule: over the classes present in the
#               truth or the predictions) from the validation cases' raw
#               logits, read as log p of predict with the adjustment
#               removed and T set to 1; tau is the best of the grid, the
#               smallest on a tie, and on this data above 0
#   predict     its probabilities are softmax((z - tau log prior) / T)
#               with tau, the log priors and T from eval --json
#   old runs    a run whose metrics hold no adjustment (as before it)
#               predicts softmax(z / T): tau 0, nothing else changes
#   --adjust    none: tau 0, no grid; 0.5: tau 0.5 fixed; a bad value is
#               a usage error
#   tampering   a tau out of [0, 10] or not a number, log priors of the
#               wrong length, positive or below -20: eval and predict refuse, naming
#               the field
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

# cases.csv: 900 cases, theft 70%, robbery 20%, arson 10%; x = 1.0 times
# the class index plus noise of spread 2 (the classes overlap, so a model
# trained on the imbalance under-predicts the rare ones), y pure noise.
# Park-Miller in awk: the same file everywhere.
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 91
	print "case_id,x,y,category" > "cases.csv"
	split("theft,robbery,arson", L, ",")
	for (i = 1; i <= 900; i++) {
		u = rnd(); k = u < 0.7 ? 1 : (u < 0.9 ? 2 : 3)
		x = (k - 1) * 1.0 + (rnd() + rnd() + rnd() - 1.5) * 2
		y = rnd()
		printf "C%04d,%.4f,%.4f,%s\n", i, x, y, L[k] > "cases.csv"
	}
}' </dev/null

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 1
TRAIN="--seed 1 --threads 1 --hidden 8 --epochs 20"
cp p.yj none.yj
cp p.yj fixed.yj
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $TRAIN
expect_stdout_contains 'logit adjustment: tau'
expect_stdout_contains 'chosen on validation'
expect_exit 0 yujing eval p.yj --json
cp "$T/stdout" eval.json
expect_exit 0 yujing eval p.yj
expect_stdout_contains 'chosen on validation'
sql p.yj "SELECT s.key, s.part FROM split_cases s" >parts.txt
expect_exit 0 yujing predict p.yj --run 1 --source cases=cases.csv --json
cp "$T/stdout" pred.json

# the run's metrics without the adjustment (an old run) and, in a copy,
# also T = 1: predict then gives softmax(z / T) and softmax(z)
cp p.yj old.yj
sql old.yj "UPDATE runs SET metrics = json_remove(metrics, '\$.calibration.tau', '\$.calibration.log_priors') WHERE id = 1" >/dev/null
expect_exit 0 yujing predict old.yj --run 1 --source cases=cases.csv --json
cp "$T/stdout" pred_old.json
cp old.yj raw.yj
sql raw.yj "UPDATE runs SET metrics = json_set(metrics, '\$.calibration.temperature', 1) WHERE id = 1" >/dev/null
expect_exit 0 yujing predict raw.yj --run 1 --source cases=cases.csv --json
cp "$T/stdout" pred_raw.json
# T = 1 with the adjustment kept: predict gives softmax(z - tau log prior)
cp p.yj t1.yj
sql t1.yj "UPDATE runs SET metrics = json_set(metrics, '\$.calibration.temperature', 1) WHERE id = 1" >/dev/null
expect_exit 0 yujing predict t1.yj --run 1 --source cases=cases.csv --json
cp "$T/stdout" pred_t1.json

py_check 'log priors: the logs of the training part'"'"'s class shares; tau the best of the grid, recomputed from the raw logits' '
import json, math
e = json.load(open("eval.json"))
c = e["calibration"]
labels = e["labels"]
part, count = {}, {l: 0 for l in labels}
truth = {}
for line in open("cases.csv").read().split("\n")[1:]:
    if line:
        f = line.split(",")
        truth[f[0]] = f[3]
for line in open("parts.txt"):
    k, p = line.strip().split("|")
    part[k] = p
    if p == "train":
        count[truth[k]] += 1
n = sum(count.values())
want = [math.log(count[l] / n) for l in labels]
if any(abs(a - b) > 1e-12 for a, b in zip(c["log_priors"], want)) or len(c["log_priors"]) != len(labels):
    print("log priors", c["log_priors"], "want", want)
raw = {}
for line in open("pred_raw.json"):
    r = json.loads(line)
    raw[r["key"]] = [math.log(r["probabilities"][l]) for l in labels]
val = [k for k in part if part[k] == "valid"]
def macro_f1(y, p):
    f = []
    for k in set(y) | set(p):
        tp = sum(1 for a, b in zip(y, p) if a == k and b == k)
        fp = sum(1 for a, b in zip(y, p) if a != k and b == k)
        fn = sum(1 for a, b in zip(y, p) if a == k and b != k)
        pr = tp / (tp + fp) if tp + fp else 0
        rc = tp / (tp + fn) if tp + fn else 0
        f.append(2 * pr * rc / (pr + rc) if pr + rc else 0)
    return sum(f) / len(f)
grid = c["tau_grid_f1"]
best, tau = -1, None
for g in range(9):
    t = 0.25 * g
    y = [labels.index(truth[k]) for k in val]
    p = []
    for k in val:
        a = [raw[k][j] - t * want[j] for j in range(len(labels))]
        p.append(a.index(max(a)))
    f = macro_f1(y, p)
    if abs(grid[g]["tau"] - t) > 0 or abs(grid[g]["macro_f1"] - f) > 1e-9:
        print("tau", t, "macro-F1", grid[g], "want", f)
    if f > best:
        best, tau = f, t
if c["tau"] != tau or c["tau_chosen_on"] != "validation":
    print("tau", c["tau"], "want", tau)
if not tau > 0:
    print("on this data validation should prefer a tau above 0: the check proves little", grid)
if abs(e["validation"]["macro_f1"] - best) > 1e-9:
    print("the validation figure is not the adjusted one", e["validation"]["macro_f1"], best)
tst = [k for k in part if part[k] == "test"]
adj = [[raw[k][j] - c["tau"] * want[j] for j in range(len(labels))] for k in tst]
ft = macro_f1([labels.index(truth[k]) for k in tst], [a.index(max(a)) for a in adj])
if abs(e["macro_f1"] - ft) > 1e-9 or abs(e["test"]["macro_f1"] - ft) > 1e-9:
    print("the test figure is not the adjusted one", e["macro_f1"], ft)'

py_check 'predict: softmax((z - tau log prior) / T), also at T = 1; a run without the adjustment: softmax(z / T)' '
import json, math
e = json.load(open("eval.json"))
c = e["calibration"]
labels = e["labels"]
T, tau, lp = c["temperature"], c["tau"], c["log_priors"]
def rows(f):
    return {r["key"]: [r["probabilities"][l] for l in labels] for r in map(json.loads, open(f))}
raw, adj, old, t1 = rows("pred_raw.json"), rows("pred.json"), rows("pred_old.json"), rows("pred_t1.json")
def softmax(a):
    m = max(a)
    s = sum(math.exp(x - m) for x in a)
    return [math.exp(x - m) / s for x in a]
bad = 0
for k, p0 in raw.items():
    z = [math.log(x) for x in p0]
    want = softmax([(z[j] - tau * lp[j]) / T for j in range(len(z))])
    wold = softmax([z[j] / T for j in range(len(z))])
    wt1 = softmax([z[j] - tau * lp[j] for j in range(len(z))])
    if max(abs(a - b) for a, b in zip(adj[k], want)) > 2e-5 or max(abs(a - b) for a, b in zip(old[k], wold)) > 2e-5 or max(abs(a - b) for a, b in zip(t1[k], wt1)) > 2e-5:
        bad += 1
        if bad < 4:
            print(k, adj[k], want, old[k], wold)
if len(raw) != 900 or bad:
    print(len(raw), "cases,", bad, "differ")
if sum(1 for k in raw if adj[k] != old[k]) < 800:
    print("the adjustment changed too few probabilities: the check proves little")'

# the test part's calibration figures, recomputed from the raw logits:
# before is softmax(z - tau log prior), after the same over T; 15 bins
# (lo, hi] of the top probability
py_check 'calibration on the test part: ECE and Brier before and after T, from the adjusted logits' '
import json, math
e = json.load(open("eval.json"))
c = e["calibration"]
labels = e["labels"]
T, tau, lp = c["temperature"], c["tau"], c["log_priors"]
truth = {l.split(",")[0]: labels.index(l.split(",")[3]) for l in open("cases.csv").read().split("\n")[1:] if l}
tst = [l.strip().split("|")[0] for l in open("parts.txt") if l.strip().split("|")[1] == "test"]
raw = {r["key"]: [math.log(r["probabilities"][l]) for l in labels] for r in map(json.loads, open("pred_raw.json"))}
def figures(t):
    ece, brier, bins = 0, 0, [[0, 0, 0] for _ in range(15)]
    for k in tst:
        a = [(raw[k][j] - tau * lp[j]) / t for j in range(len(labels))]
        m = max(a)
        s = sum(math.exp(x - m) for x in a)
        p = [math.exp(x - m) / s for x in a]
        top = p.index(max(p))
        b = min(14, max(0, math.ceil(p[top] * 15) - 1))
        bins[b][0] += 1
        bins[b][1] += p[top]
        bins[b][2] += top == truth[k]
        brier += sum((p[j] - (j == truth[k])) ** 2 for j in range(len(p)))
    ece = sum(abs(b[2] - b[1]) for b in bins) / len(tst)
    return ece, brier / len(tst)
for t, when in ((1, "before"), (T, "after")):
    ece, brier = figures(t)
    if abs(c["ece_" + when] - ece) > 1e-4 or abs(c["brier_" + when] - brier) > 1e-4:
        print(when, "ece", c["ece_" + when], "want", ece, "brier", c["brier_" + when], "want", brier)
if abs(T - 1) < 0.05:
    print("T", T, "is too close to 1 for the check to tell before from after")'

# --------------------------------------------------------- --adjust
# shellcheck disable=SC2086
expect_exit 0 yujing train none.yj $TRAIN --adjust none --json
cp "$T/stdout" none.json
# shellcheck disable=SC2086
expect_exit 0 yujing train fixed.yj $TRAIN --adjust 0.5 --json
cp "$T/stdout" fixed.json
expect_exit 0 yujing eval fixed.yj
expect_stdout_contains 'tau 0.50 fixed by --adjust'
py_check '--adjust none: tau 0, no grid, the figures of the raw logits; --adjust 0.5: tau 0.5, fixed' '
import json
n, f, e = json.load(open("none.json")), json.load(open("fixed.json")), json.load(open("eval.json"))
if n["calibration"]["tau"] != 0 or n["calibration"]["tau_chosen_on"] != "fixed" or "tau_grid_f1" in n["calibration"]:
    print("none", {k: v for k, v in n["calibration"].items() if k != "bins"})
if abs(n["validation"]["macro_f1"] - e["calibration"]["tau_grid_f1"][0]["macro_f1"]) > 1e-12:
    print("none: validation", n["validation"]["macro_f1"], "the grid at 0", e["calibration"]["tau_grid_f1"][0])
if f["calibration"]["tau"] != 0.5 or f["calibration"]["tau_chosen_on"] != "fixed":
    print("fixed", f["calibration"]["tau"])
if abs(f["validation"]["macro_f1"] - e["calibration"]["tau_grid_f1"][2]["macro_f1"]) > 1e-12:
    print("0.5: validation", f["validation"]["macro_f1"], "the grid at 0.5", e["calibration"]["tau_grid_f1"][2])'
expect_exit 2 yujing train none.yj --adjust 11
expect_stderr_contains '--adjust wants auto, none or a number'
expect_exit 2 yujing train none.yj --adjust sometimes
expect_stderr_contains '--adjust wants auto, none or a number'

# --------------------------------------------------------- tampering
for v in 10.5 -0.25 '"x"' null; do
	cp p.yj bad.yj
	sql bad.yj "UPDATE runs SET metrics = json_set(metrics, '\$.calibration.tau', json('$v')) WHERE id = 1" >/dev/null
	expect_exit 1 yujing eval bad.yj
	expect_stderr_contains 'runs.metrics.calibration.tau'
	expect_exit 1 yujing predict bad.yj --run 1 --source cases=cases.csv
	expect_stderr_contains 'runs.metrics.calibration.tau'
done
for v in '[-1, -1]' '[-1, -1, 0.5]' '[-1, -1, -25]' '"x"'; do
	cp p.yj bad.yj
	sql bad.yj "UPDATE runs SET metrics = json_set(metrics, '\$.calibration.log_priors', json('$v')) WHERE id = 1" >/dev/null
	expect_exit 1 yujing eval bad.yj
	expect_stderr_contains 'runs.metrics.calibration.log_priors'
	expect_exit 1 yujing predict bad.yj --run 1 --source cases=cases.csv
	expect_stderr_contains 'runs.metrics.calibration.log_priors'
done

done_testing
