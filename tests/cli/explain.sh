#!/bin/sh
# explain.sh - per-branch Shapley values of a fused run (mm-data.sh: the
# narrative alone carries the label):
#   sum          for every one of 12 cases (train, test, unlabeled) base
#                plus the branch values equals the output, for the logit
#                and the probability, to 1e-4
#   shape        the JSON keys, top-5 probabilities, one entry per branch
#   attribution  the n-gram branch dominates the noise-only structured
#                one; the characters that matter most for K9001 come from
#                its burglary phrase (a Chinese text: every unit is one
#                character, explain-words.sh has the words)
#   occlusion    the unit scores of an n-gram-only run equal those
#                tests/reference/occlusion_ref.py computes from the run's
#                stored weights (hashing, vocabulary, mean, head and units
#                written again in Python), 1e-4, for 3 cases: the top ten,
#                each token's text, kind and score against the reference's
#                unit at its offset
# A check whose Python fails (an exception) fails too.
#   usage        missing --case exits 2, an unknown case exits 1
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/cli/mm-data.sh"

if ! have python3 || ! python3 -c 'import json' 2>/dev/null; then
	skip 'explain checks' 'python3 is not available'
	done_testing
fi

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category --text narrative cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 7
expect_exit 0 yujing train p.yj --epochs 15 --batch 32 --hidden 16 --lr 0.01 --threads 1

for k in K0001 K0002 K0003 K0010 K0050 K0100 K0200 K0300 K0400 K0450 K9001 K9002; do
	expect_exit 0 yujing explain p.yj --case $k --json
	cp "$T/stdout" "ex-$k.json"
done
python3 -c '
import json, sys
bad = []
for k in sys.argv[1:]:
    e = json.load(open("ex-%s.json" % k))
    for f in ("logit", "probability"):
        s = e["base"][f] + sum(b[f] for b in e["branches"])
        if abs(s - e["output"][f]) > 1e-4:
            bad.append("%s %s: base + sum %.6f, output %.6f" % (k, f, s, e["output"][f]))
if bad: print("\n".join(bad))' K0001 K0002 K0003 K0010 K0050 K0100 K0200 K0300 K0400 K0450 K9001 K9002 >sum.out 2>&1 ||
	echo 'the check failed' >>sum.out
if [ ! -s sum.out ]; then
	ok 'base + sum of the branch values = output (logit and probability, 12 cases, 1e-4)'
else
	not_ok 'base + sum of the branch values = output (logit and probability, 12 cases, 1e-4)'
	diag_file sum.out
fi

python3 -c '
import json, sys
e = json.load(open("ex-K9001.json"))
if list(e)[:7] != ["key", "predicted", "probabilities", "output", "base", "branches", "tokens"]:
    print("keys", list(e))
if e["key"] != "K9001" or e["predicted"] != "burglary":
    print("predicted", e["predicted"])
p = e["probabilities"]
if len(p) != 3 or max(p, key=p.get) != "burglary" or abs(p["burglary"] - e["output"]["probability"]) > 1e-5:
    print("probabilities", p, e["output"])
b = e["branches"]
if [(x["name"], x["kind"]) for x in b] != [("cases", "structured"), ("ngram:narrative", "ngram")]:
    print("branches", [(x["name"], x["kind"]) for x in b])
for x in b:
    # an n-gram branch also says how many units and characters were scored (explain-long.sh)
    extra = ["characters", "characters_scored", "units", "units_scored"] if x["kind"] == "ngram" else []
    if sorted(x) != sorted(["kind", "leave_one_out", "logit", "name", "probability"] + extra):
        print("branch keys", sorted(x))
if not b[1]["logit"] > 1 or not abs(b[0]["logit"]) < 0.5 * b[1]["logit"]:
    print("n-gram", b[1]["logit"], "structured", b[0]["logit"])
top = "".join(t["text"] for t in e["tokens"][:5])
if sum(ch in "撬锁入室盗走财物" for ch in top) < 4:
    print("top characters", top)
for t in e["tokens"]:
    if sorted(t) != ["branch", "offset", "score", "text", "unit"] or t["unit"] != "character" or len(t["text"]) != 1:
        print("token", t)
' >shape.out 2>&1 || echo 'the check failed' >>shape.out
if [ ! -s shape.out ]; then
	ok 'explain --json: keys, top probabilities, branches; the narrative decides; its phrase'"'"'s characters lead'
else
	not_ok 'explain --json: keys, top probabilities, branches; the narrative decides; its phrase'"'"'s characters lead'
	diag_file shape.out
fi

# Issue 18: the predicted category is the most probable one for every
# case, the last category included (an argmax that stops one short never
# picks it); the top probabilities are listed most probable first; and
# leave_one_out is a probability: with two players (branches 0 and 1)
# and v the game of probabilities, phi_0 = (v(0) - v() + v(01) - v(1)) / 2
# and loo_i = v(01) - v(other), so loo_0 - loo_1 = v(0) - v(1) =
# phi_0 - phi_1, for the probability values, to 1e-4.
expect_exit 0 yujing eval p.yj --run 1 --json
cp "$T/stdout" eval.json
python3 -c '
import json, sys
labels = json.load(open("eval.json"))["labels"]
bad, last = [], 0
for k in sys.argv[1:]:
    e = json.load(open("ex-%s.json" % k))
    p = e["probabilities"]
    v = list(p.values())
    if v != sorted(v, reverse=True):
        bad.append("%s: probabilities not most probable first: %s" % (k, p))
    if e["predicted"] != max(p, key=p.get) or abs(p[e["predicted"]] - e["output"]["probability"]) > 1e-5:
        bad.append("%s: predicted %s, probabilities %s" % (k, e["predicted"], p))
    last += e["predicted"] == labels[-1]
    b = e["branches"]
    if len(b) != 2:
        bad.append("%s: %d branches" % (k, len(b)))
        continue
    d1 = b[0]["leave_one_out"] - b[1]["leave_one_out"]
    d2 = b[0]["probability"] - b[1]["probability"]
    if abs(d1 - d2) > 1e-4 or not all(-1 <= x["leave_one_out"] <= 1 for x in b):
        bad.append("%s: loo difference %.6f, Shapley difference %.6f" % (k, d1, d2))
if not last:
    bad.append("no case is predicted the last category %s: the check proves nothing" % labels[-1])
if bad: print("\n".join(bad))' K0001 K0002 K0003 K0010 K0050 K0100 K0200 K0300 K0400 K0450 K9001 K9002 >argmax.out 2>&1 ||
	echo 'the check failed' >>argmax.out
if [ ! -s argmax.out ]; then
	ok 'predicted = the most probable (the last category too), listed first; leave-one-out in probability'
else
	not_ok 'predicted = the most probable (the last category too), listed first; leave-one-out in probability'
	diag_file argmax.out
fi

# ---------------------------------------------------------- occlusion
expect_exit 0 yujing train p.yj --branches ngram --epochs 15 --batch 32 --hidden 16 --lr 0.01 --threads 1
for k in K9001 K0001 K0100; do
	expect_exit 0 yujing explain p.yj --run 2 --case $k --json
	cp "$T/stdout" "occ-$k.json"
	python3 -c '
import csv, sys
for r in csv.DictReader(open("cases.csv", encoding="utf-8")):
    if r["case_id"] == sys.argv[1]:
        print(r["narrative"], end="")' $k >"text-$k"
	python3 "$top_srcdir/tests/reference/occlusion_ref.py" p.yj 2 "$(cat "text-$k")" >"ref-$k.json"
done
# The reference is of the stored weights' logits; explain shows those of
# the calibrated model, divided by the run's temperature (eval --json).
expect_exit 0 yujing eval p.yj --run 2 --json
cp "$T/stdout" eval2.json
python3 "$top_srcdir/tests/cli/occlusion-check.py" eval2.json ngram:narrative \
	occ-K9001.json ref-K9001.json occ-K0001.json ref-K0001.json occ-K0100.json ref-K0100.json >occ.out 2>&1 ||
	echo 'the check failed' >>occ.out
if [ ! -s occ.out ]; then
	ok 'n-gram occlusion scores = the reference from the stored weights (3 cases, top ten, 1e-4)'
else
	not_ok 'n-gram occlusion scores = the reference from the stored weights (3 cases, top ten, 1e-4)'
	diag_file occ.out
fi

expect_exit 0 yujing explain p.yj --case K9001
expect_stdout_contains 'predicted burglary'
expect_exit 2 yujing explain p.yj
expect_exit 1 yujing explain p.yj --case NOPE
expect_stderr_contains "no case 'NOPE'"
expect_exit 1 yujing explain p.yj --run 7 --case K9001
done_testing
