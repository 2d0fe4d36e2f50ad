#!/bin/sh
# train.sh - train, runs and eval end to end on generated data:
#
#   learning        600 cases, 3 classes; the label is the argmax of two
#                   numeric fields of the case and the mean of a value over
#                   the case's 1-3 rows in a second source (so the
#                   per-case aggregation has to work); a categorical field
#                   and a date-time ride along.  Test accuracy >= 0.95 in
#                   30 epochs; without the second source's value it is
#                   well under that.
#   eval --json     its shape, the per-class support against the split,
#                   confusion rows summing to the support, accuracy and
#                   macro averages consistent with the table
#   what a run      config, loss history, metrics, labels, feature
#   stores          statistics and the weights as safetensors bytes
#   reproducibility the same seed and --threads 1 give the same metrics,
#                   losses and weights; another seed does not
#   cancel/resume   Ctrl-C (SIGINT) and `train --cancel RUN` stop a run
#                   after a step (exit 1, status cancelled, a message
#                   naming --resume); `--resume RUN` finishes it, and the
#                   resumed run equals one never interrupted
#   usage           bad options exit 2; missing runs and splits exit 1
#
# JSON and the project file are read with python3 (json, sqlite3 modules);
# without it those assertions are skipped.  The data generator is awk with
# the Park-Miller generator, exact in double arithmetic, so every awk makes
# the same file.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# YJ_NO_PYTHON=1 runs what can run without python3.
PY=
[ -n "${YJ_NO_PYTHON:-}" ] || find_python 'import json, sqlite3'

# ------------------------------------------------------------- helpers

# py_check DESC SCRIPT [ARGS...]: a python3 check that prints nothing when
# all is well, else what is wrong.
py_check()
{
	_pc_desc=$1
	shift
	if [ -z "$PY" ]; then
		skip "$_pc_desc" "python3 is not available"
		return
	fi
	if "$PY" -c "$@" >"$T/py.out" 2>&1 && [ ! -s "$T/py.out" ]; then
		ok "$_pc_desc"
	else
		not_ok "$_pc_desc"
		diag_file "$T/py.out" python3
	fi
}

# py SCRIPT [ARGS...]: print what a python3 snippet prints (empty without
# python3).
py()
{
	[ -n "$PY" ] && "$PY" -c "$@" 2>/dev/null
}

# run_field RUN FIELD...: fields of run RUN from `runs --json`, separated
# by blanks.
run_field()
{
	"$YUJING" runs --json p.yj >"$T/runs.json" 2>/dev/null
	py 'import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    if r["id"] == int(sys.argv[2]):
        print(*(r[f] for f in sys.argv[3:]))' "$T/runs.json" "$@"
}

# nap: a tenth of a second where sleep takes fractions, else a second.
nap()
{
	sleep 0.1 2>/dev/null || sleep 1
}

# wait_steps RUN: wait (up to 2 minutes) until run RUN is running and has
# recorded a step; ok when it did.
wait_steps()
{
	_ws_i=0
	while [ "$_ws_i" -lt 1200 ]; do
		case $(run_field "$1" status steps_done) in
		running\ 0 | '') ;;
		running\ *) return 0 ;;
		esac
		nap
		_ws_i=$((_ws_i + 1))
	done
	return 1
}

# ----------------------------------------------------------------- data

# cases.csv: a, b in [0, 1), district, reported_at, category; persons.csv:
# 1-3 rows per case with w in [0, 1).  category = argmax(a, b, mean w)
# (assault, burglary, fraud); cases whose top two are within 0.04 are not
# generated, so the classes are separable with a margin.
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 12345
	print "case_id,a,b,district,reported_at,category" > "cases.csv"
	print "case_id,w,role" > "persons.csv"
	split("north,south,east,west", D, ",")
	i = 0
	while (i < 600) {
		a = rnd(); b = rnd(); k = 1 + int(rnd() * 3); s = 0
		for (j = 1; j <= k; j++) { w[j] = rnd(); s += w[j] }
		m = s / k
		best = a; lab = "assault"; second = b
		if (b > best) { second = best; best = b; lab = "burglary" }
		if (m > best) { second = best; best = m; lab = "fraud" } else if (m > second) second = m
		if (best - second < 0.04)
			continue
		id = sprintf("C%04d", ++i)
		printf "%s,%.4f,%.4f,%s,2023-%02d-%02d %02d:%02d:00,%s\n", id, a, b, D[1 + int(rnd() * 4)], 1 + int(rnd() * 12), 1 + int(rnd() * 28), int(rnd() * 24), int(rnd() * 60), lab > "cases.csv"
		for (j = 1; j <= k; j++)
			printf "%s,%.4f,%s\n", id, w[j], (j == 1 ? "victim" : "witness") > "persons.csv"
	}
}' </dev/null
check 'generated 600 cases and their 1-3 persons each' \
	sh -c '[ "$(wc -l <cases.csv)" -eq 601 ] && [ "$(wc -l <persons.csv)" -gt 700 ]'

# Test cases per class as split computes them: floor(0.3 n + 1/2).
want_support=$(sed 1d cases.csv | cut -d, -f6 | sort | uniq -c |
	awk '{ printf "%s%s=%d", sep, $2, int(0.3 * $1 + 0.5); sep = " " }')

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing import p.yj --source persons --key case_id persons.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 7
# Training cases per class as split computes them: of the m = n - k
# training cases floor(0.15 m + 1/2) go to validation (the 1e-9 as
# split.h's, for a product that is a half in decimals); the steps of an
# epoch at batch 32: the full batches and a last one of at least 2.
ntrain=$(sed 1d cases.csv | cut -d, -f6 | sort | uniq -c |
	awk '{ k = int(0.3 * $1 + 0.5); m = $1 - k; t += m - int(0.15 * m + 0.5 + 1e-9) } END { print t }')
nvalid=$(sed 1d cases.csv | cut -d, -f6 | sort | uniq -c |
	awk '{ k = int(0.3 * $1 + 0.5); m = $1 - k; t += int(0.15 * m + 0.5 + 1e-9) } END { print t }')
spe=$((ntrain / 32 + (ntrain % 32 >= 2)))

# ------------------------------------------------------------- learning

# every epoch (no early stop): the counts of steps and epochs below
TRAIN="--epochs 30 --patience 0 --batch 32 --hidden 16 --lr 0.01 --threads 1 --seed 3"
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $TRAIN --json
cp "$T/stdout" train1.json
expect_exit 0 yujing eval p.yj --json
cp "$T/stdout" eval1.json
expect_same_file train1.json eval1.json 'train --json prints the eval JSON of its run'

py_check 'run 1 reaches test accuracy >= 0.95' '
import json, sys
e = json.load(open(sys.argv[1]))
if e["run"] != 1 or not e["accuracy"] >= 0.95:
    print("run", e["run"], "accuracy", e["accuracy"])' eval1.json

py_check 'eval --json: the test figures at the top, selected_on validation, the validation and test parts, calibration' '
import json, sys
e = json.load(open(sys.argv[1]))
keys = ["run", "accuracy", "macro_precision", "macro_recall", "macro_f1", "labels", "classes", "confusion", "loss",
        "cases", "selected_on", "best_epoch", "validation", "test", "calibration"]
if list(e) != keys:
    print("keys", list(e))
if e["selected_on"] != "validation":
    print("selected_on", e["selected_on"])
if list(e["test"]) != keys[1:10] or list(e["validation"]) != keys[1:10]:
    print("part keys", list(e["test"]), list(e["validation"]))
for k in keys[1:10]:
    if e["test"][k] != e[k]:
        print("the top-level", k, "is not the test part'"'"'s")
if e["validation"]["cases"] != int(sys.argv[2]) or e["test"]["cases"] != sum(c["support"] for c in e["classes"]):
    print("cases", e["validation"]["cases"], e["test"]["cases"], "want validation", sys.argv[2])
if e["labels"] != ["assault", "burglary", "fraud"]:
    print("labels", e["labels"])
for c in e["classes"]:
    if list(c) != ["label", "precision", "recall", "f1", "support"]:
        print("class keys", list(c))
if [c["label"] for c in e["classes"]] != e["labels"]:
    print("classes not in label order")' eval1.json "$nvalid"

py_check "per-class support is the split's test count ($want_support)" '
import json, sys
e = json.load(open(sys.argv[1]))
got = " ".join("%s=%d" % (c["label"], c["support"]) for c in e["classes"])
if got != sys.argv[2]:
    print("got", got)' eval1.json "$want_support"

py_check 'confusion: 3 x 3 counts, rows (true) sum to the support, columns are predictions' '
import json, sys
e = json.load(open(sys.argv[1]))
m = e["confusion"]
k = len(e["labels"])
if len(m) != k or any(len(r) != k or any(not isinstance(v, int) or v < 0 for v in r) for r in m):
    print("shape", m)
for r, c in zip(m, e["classes"]):
    if sum(r) != c["support"]:
        print(c["label"], "row sum", sum(r), "support", c["support"])
n = sum(map(sum, m))
for j, c in enumerate(e["classes"]):
    col = sum(r[j] for r in m)
    p = m[j][j] / col if col else 0.0
    if abs(p - c["precision"]) > 1e-12:
        print(c["label"], "precision", c["precision"], "from the matrix", p)
    r = m[j][j] / c["support"] if c["support"] else 0.0
    if abs(r - c["recall"]) > 1e-12:
        print(c["label"], "recall", c["recall"], "from the matrix", r)' eval1.json

py_check 'accuracy is the trace over the total; macro averages are the class means' '
import json, sys
e = json.load(open(sys.argv[1]))
m = e["confusion"]
acc = sum(m[i][i] for i in range(len(m))) / sum(map(sum, m))
if abs(acc - e["accuracy"]) > 1e-12:
    print("accuracy", e["accuracy"], "from the matrix", acc)
for key, field in (("macro_precision", "precision"), ("macro_recall", "recall"), ("macro_f1", "f1")):
    mean = sum(c[field] for c in e["classes"]) / len(e["classes"])
    if abs(mean - e[key]) > 1e-12:
        print(key, e[key], "mean", mean)
for c in e["classes"]:
    p, r = c["precision"], c["recall"]
    f = 2 * p * r / (p + r) if p + r else 0.0
    if abs(f - c["f1"]) > 1e-12:
        print(c["label"], "f1", c["f1"], "from p and r", f)' eval1.json

expect_exit 0 yujing runs p.yj --json
cp "$T/stdout" runs1.json
py_check 'runs --json: run 1 done, 30 of 30 epochs, every step, its config and metrics' '
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
e = json.load(open(sys.argv[2]))
c = r["config"]
want = dict(id=1, status="done", epochs_done=30)
for k, v in want.items():
    if r[k] != v:
        print(k, r[k])
spe = int(sys.argv[3])
if r["steps_done"] != r["total_steps"] or r["total_steps"] != 30 * spe:
    print("steps", r["steps_done"], "of", r["total_steps"], "want 30 x", spe, "(batches of 32)")
for k, v in dict(epochs=30, batch=32, hidden=16, seed=3, threads=1, depth=1, branches="structured",
                 sources=["cases", "persons"]).items():
    if c.get(k) != v:
        print("config", k, c.get(k))
if not isinstance(r["best_epoch"], int) or not 1 <= r["best_epoch"] <= 30:  # 1-based (issue 14)
    print("best_epoch", r["best_epoch"])
if r["accuracy"] != e["accuracy"] or r["macro_f1"] != e["macro_f1"]:
    print("metrics differ from eval")' runs1.json eval1.json "$spe"

expect_exit 0 yujing runs p.yj --history 1 --json
cp "$T/stdout" hist1.json
py_check 'runs --history: a finite loss per step, test metrics per epoch, the loss falls' '
import json, math, sys
h = json.load(open(sys.argv[1]))
s, e = h["steps"], h["epochs"]
spe = int(sys.argv[2])
if [x[0] for x in s] != list(range(30 * spe)) or not all(math.isfinite(x[1]) and x[1] > 0 for x in s):
    print("steps", len(s))
if [x["epoch"] for x in e] != list(range(1, 31)):  # 1-based (issue 14)
    print("epochs", [x["epoch"] for x in e])
if not e[-1]["train_loss"] < 0.5 * e[0]["train_loss"]:
    print("train loss", e[0]["train_loss"], "->", e[-1]["train_loss"])
first = sum(x[1] for x in s[:spe]) / spe
if abs(first - e[0]["train_loss"]) > 1e-6:
    print("epoch 0 train loss", e[0]["train_loss"], "mean of its steps", first)' hist1.json "$spe"

# What a run keeps in the project file: runs(config, labels, features,
# metrics, weights), run_steps, run_epochs.
py_check 'the run stores config, labels, metrics with the confusion matrix, and the loss history' '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
config, labels, metrics = db.execute("SELECT config, labels, metrics FROM runs WHERE id = 1").fetchone()
if json.loads(config)["seed"] != 3:
    print("config", config)
if json.loads(labels) != ["assault", "burglary", "fraud"]:
    print("labels", labels)
m = json.loads(metrics)
e = json.load(open(sys.argv[2]))
if m["confusion"] != e["confusion"]:
    print("confusion", m["confusion"])
n = db.execute("SELECT count(*) FROM run_steps WHERE run_id = 1").fetchone()[0]
k = db.execute("SELECT count(*) FROM run_epochs WHERE run_id = 1").fetchone()[0]
if (n, k) != (30 * int(sys.argv[3]), 30):
    print("steps, epochs", n, k)' p.yj eval1.json "$spe"

py_check 'feature statistics: standardised numerics (training mean/std), top-K categories, aggregates per case' '
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
f = json.loads(db.execute("SELECT features FROM runs WHERE id = 1").fetchone()[0])
src = {s["source"]: s for s in f}
if sorted(src) != ["cases", "persons"]:
    print("sources", sorted(src))
c, p = src["cases"], src["persons"]
if c["mode"] != "direct" or p["mode"] != "aggregate":
    print("modes", c["mode"], p["mode"])
kinds = [(x["kind"], x["field"]) for x in c["features"]]
for want in [("num", "a"), ("num", "b"), ("cat", "district"), ("cat_other", "district"), ("cyclic", "reported_at")]:
    if want not in kinds:
        print("cases lacks", want)
if ("num", "category") in kinds or ("cat", "category") in kinds or ("cat", "case_id") in kinds:
    print("the label or the key became a feature")
a = [x for x in c["features"] if x["field"] == "a"][0]
if not (0.4 < a["mean"] < 0.6 and 0.2 < a["std"] < 0.4):
    print("a: mean", a["mean"], "std", a["std"], "(uniform on [0, 1): 0.5, 0.29)")
if sorted(x["value"] for x in c["features"] if x["kind"] == "cat") != ["east", "north", "south", "west"]:
    print("district categories")
pk = sorted(x["kind"] for x in p["features"] if x["field"] == "w")
if pk != ["num_max", "num_mean", "num_min"] or not any(x["kind"] == "count" for x in p["features"]):
    print("persons", [(x["kind"], x["field"]) for x in p["features"]])
cnt = [x for x in p["features"] if x["kind"] == "count"][0]
if not 0.6 < cnt["mean"] < 1.4:
    print("count mean", cnt["mean"], "(log1p of 1-3 rows)")
dims = json.loads(db.execute("SELECT config FROM runs WHERE id = 1").fetchone()[0])["in_dims"]
if dims != [len(c["features"]), len(p["features"])]:
    print("in_dims", dims)' p.yj

py_check 'the weights are safetensors bytes: F32 tensors named and shaped as the model' '
import json, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
w, config = db.execute("SELECT b.data, r.config FROM runs r JOIN run_blobs b ON b.run_id = r.id AND b.kind = ? WHERE r.id = 1", ("weights",)).fetchone()
c = json.loads(config)
n = struct.unpack("<Q", w[:8])[0]
head = json.loads(w[8:8 + n])
meta = head.pop("__metadata__", {})
if meta.get("format") != "yujing-structured":
    print("metadata", meta)
H, K = c["hidden"], 3
want = {"proj.weight": [H, 2 * H], "classifier.weight": [K, H], "classifier.bias": [K]}
for s, d in enumerate(c["in_dims"]):
    p = "sources.%d.layers.0." % s
    want.update({p + "linear.weight": [H, d], p + "linear.bias": [H], p + "bn.weight": [H],
                 p + "bn.bias": [H], p + "bn.running_mean": [H], p + "bn.running_var": [H]})
got = {k: v["shape"] for k, v in head.items()}
if got != want:
    print("tensors", got)
end = 0
for k, v in head.items():
    b, e = v["data_offsets"]
    size = 4
    for x in v["shape"]:
        size *= x
    if v["dtype"] != "F32" or e - b != size:
        print(k, v)
    end = max(end, e)
if len(w) != 8 + n + end:
    print("length", len(w), "want", 8 + n + end)
rv = head["sources.0.layers.0.bn.running_var"]["data_offsets"]
vals = struct.unpack("<%df" % H, w[8 + n + rv[0]:8 + n + rv[1]])
if all(v == 1.0 for v in vals):
    print("running_var never moved from its initial 1")' p.yj

# The second source matters: without w (its aggregates) the fraud class,
# argmax by mean w, cannot be told apart.
expect_exit 0 yujing train p.yj $TRAIN --exclude w --json
py_check 'without the aggregated w the accuracy is far below (< 0.85)' '
import json, sys
e = json.load(open(sys.argv[1]))
if not e["accuracy"] < 0.85:
    print("accuracy", e["accuracy"])' "$T/stdout"

# ------------------------------------------------------ reproducibility

# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $TRAIN --json
py_check 'the same seed and --threads 1: the same metrics (run 3 = run 1)' '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if (a.pop("run"), b.pop("run")) != (1, 3):
    print("runs", a, b)
if a != b:
    print("eval differs")' eval1.json "$T/stdout"
expect_exit 0 yujing runs p.yj --history 3 --json
py_check 'and the same loss history, step by step and epoch by epoch' '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if a["steps"] != b["steps"]:
    print("step losses differ")
for h in (a, b):
    for e in h["epochs"]:
        e.pop("seconds")
if a["epochs"] != b["epochs"]:
    print("epoch records differ")' hist1.json "$T/stdout"
py_check 'and bit-identical weights' '
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
a, b = [db.execute("SELECT data FROM run_blobs WHERE run_id = ? AND kind = ?", (i, "weights")).fetchone()[0] for i in (1, 3)]
if a != b or not a:
    print("weights differ")' p.yj

expect_exit 0 yujing train p.yj --epochs 30 --batch 32 --hidden 16 --lr 0.01 --threads 1 --seed 4 --json
expect_exit 0 yujing runs p.yj --history 4 --json
py_check 'another seed gives other losses (the comparison can fail)' '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if a["steps"] == b["steps"]:
    print("seed 4 gives the losses of seed 3")' hist1.json "$T/stdout"

# -------------------------------------------------------- cancel, resume

# A longer run ($NE epochs of $spe8 steps, never stopping early), stopped
# and resumed, against the same run left alone.  It must outlast the wait
# for its first recorded steps and a cancel seen at the next flush (every
# 0.5 s): 500 epochs took a few seconds once, and 0.5 s after the MLP got
# faster, when both runs ended before their stop came (CI, distcheck).
NE=5000
spe8=$((ntrain / 8 + (ntrain % 8 >= 2)))
LONG="--epochs $NE --patience 0 --batch 8 --hidden 32 --threads 1 --seed 5"
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $LONG --json
cp "$T/stdout" eval5.json

if [ -z "$PY" ]; then
	skip 'Ctrl-C stops a run, --resume finishes it' 'python3 is not available'
else
	# shellcheck disable=SC2086
	"$YUJING" train p.yj $LONG >int.out 2>int.err &
	bg=$!
	track_pid "$bg"
	if wait_steps 6; then
		ok 'run 6 is training (runs --json: running, steps recorded)'
	else
		not_ok 'run 6 is training (runs --json: running, steps recorded)'
		diag_file "$T/runs.json" 'runs --json'
	fi
	kill -INT "$bg"
	rc=0
	wait "$bg" || rc=$?
	untrack "$bg"
	expect_eq "$rc" 1 'SIGINT: train exits 1'
	cp int.err "$T/stderr"
	expect_stderr_contains 'yujing train PROJECT --resume 6' 'and says how to resume'
	expect_eq "$(run_field 6 status)" cancelled 'run 6 is cancelled'
	e6=$(run_field 6 epochs_done)
	if [ "$e6" -lt "$NE" ] 2>/dev/null; then
		ok "it stopped early ($e6 of $NE epochs)"
	else
		not_ok "it stopped early ($e6 of $NE epochs)"
	fi
	expect_exit 0 yujing train p.yj --resume 6 --json
	cp "$T/stdout" eval6.json
	expect_eq "$(run_field 6 status epochs_done)" "done $NE" "--resume 6 finishes it: done, $NE epochs"
	py_check 'the resumed run equals the run left alone: metrics' '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if (a.pop("run"), b.pop("run")) != (5, 6) or a != b:
    print("eval differs")' eval5.json eval6.json
	"$YUJING" runs p.yj --history 5 --json >hist5.json
	"$YUJING" runs p.yj --history 6 --json >hist6.json
	py_check 'and every step loss and epoch record (the stopped epoch included)' '
import json, sys
a, b = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
if len(a["steps"]) != int(sys.argv[4]) * int(sys.argv[3]) or a["steps"] != b["steps"]:
    print("steps", len(a["steps"]), len(b["steps"]))
for h in (a, b):
    for e in h["epochs"]:
        e.pop("seconds")
for x, y in zip(a["epochs"], b["epochs"]):
    if x != y:
        print("epoch", x, y)
        break' hist5.json hist6.json "$spe8" "$NE"
fi

if [ -z "$PY" ]; then
	skip 'train --cancel stops a run in another process' 'python3 is not available'
else
	# shellcheck disable=SC2086
	"$YUJING" train p.yj $LONG --seed 6 >cancel.out 2>cancel.err &
	bg=$!
	track_pid "$bg"
	wait_steps 7 || diag 'run 7 did not start'
	expect_exit 0 yujing train p.yj --cancel 7
	expect_stdout_contains 'asked run 7 to stop'
	rc=0
	wait "$bg" || rc=$?
	untrack "$bg"
	expect_eq "$rc" 1 'the cancelled train exits 1'
	cp cancel.err "$T/stderr"
	expect_stderr_contains '--resume 7' 'and names --resume'
	expect_eq "$(run_field 7 status)" cancelled 'run 7 is cancelled'
	expect_exit 1 yujing train p.yj --cancel 7
	expect_stderr_contains 'run 7 is not running'
	expect_exit 0 yujing train p.yj --resume 7
	expect_stdout_contains 'run 7 done'
	expect_eq "$(run_field 7 status epochs_done)" "done $NE" "resumed: done, $NE epochs"
fi

# ---------------------------------------------------------------- usage

expect_exit 2 yujing train
expect_exit 2 yujing train p.yj other.yj
expect_exit 2 yujing train p.yj --epochs 0
expect_exit 2 yujing train p.yj --batch 1
expect_exit 2 yujing train p.yj --lr 0
expect_exit 2 yujing train p.yj --weight-decay -1
expect_exit 2 yujing train p.yj --hidden x
expect_exit 2 yujing train p.yj --class-weight heavy
expect_exit 2 yujing train p.yj --branches text:nothere
expect_exit 2 yujing train p.yj --resume 0
expect_exit 2 yujing train p.yj --bogus
expect_exit 2 yujing train p.yj --depth 9
expect_stderr_contains 'depth'
expect_exit 2 yujing train p.yj --resume 1
expect_stderr_contains 'run 1 has already finished'
expect_exit 2 yujing runs
expect_exit 2 yujing runs p.yj --history 0
expect_exit 2 yujing runs p.yj --history x
expect_exit 2 yujing eval
expect_exit 2 yujing eval p.yj --run 0
expect_exit 2 yujing eval p.yj --run x

expect_exit 1 yujing train p.yj --resume 99
expect_stderr_contains 'no run 99'
expect_exit 1 yujing train p.yj --cancel 99
expect_exit 1 yujing eval p.yj --run 99
expect_exit 1 yujing runs p.yj --history 99
expect_stderr_contains 'no run 99'
expect_exit 0 yujing init empty.yj
expect_exit 1 yujing train empty.yj
expect_stderr_contains 'no train/test split'
expect_exit 1 yujing eval empty.yj
expect_exit 0 yujing runs empty.yj
expect_stdout_contains 'no runs yet'

done_testing
