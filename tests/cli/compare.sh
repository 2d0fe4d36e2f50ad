#!/bin/sh
# compare.sh - `yujing runs PROJECT --compare A B` (issue 14: comparing two
# runs says whether a difference is more than chance, and never gives a
# delta for runs tested on different cases).
#
#   same      runs 1 and 2 on the same split: the McNemar counts (cases only
#             one run gets right) agree with each test case's prediction as
#             `explain --case K --run N` gives it, one case at a time; the
#             accuracies are those counts over the test cases; the exact p
#             is recomputed here from the counts (binomial tail, math.comb);
#             the interval holds B - A of the stored macro-F1s (eval); the
#             per-category rows are sorted by the size of their change and
#             their supports add up to the test cases; the settings that
#             differ are epochs and lr.
#   itself    a run compared with itself: no difference, p 1, interval [0, 0].
#   other     a new split (another seed): run 3 is tested on other cases:
#             "same_test_set": false, no accuracy, no macro-F1 delta, and the
#             text says so.
#   inactive  runs 1 and 2 share a split that is no longer the active one:
#             a note, no delta.
#   snapshot  a run on a snapshot cleaned with another sigma lists the
#             snapshot and the cleaning setting that differs first.
#   usage     --compare without B is exit 2; a run that does not exist, 1.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
if ! have python3 || ! python3 -c 'import json, math' 2>/dev/null; then
	skip 'compare checks' 'python3 is not available'
	done_testing
fi
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }

# 80 labelled cases and 4 unlabeled ones (Park-Miller, as train.sh).
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 91
	print "case_id,a,b,category" > "cases.csv"
	for (i = 1; i <= 84; i++) {
		a = rnd(); b = rnd()
		printf "C%03d,%.4f,%.4f,%s\n", i, a, b, (i > 80 ? "" : a > b ? "x" : "y") > "cases.csv"
	}
}' </dev/null
OPTS='--batch 16 --hidden 4 --threads 1'

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 3
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 1
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 6 --lr 0.02

# ---------------------------------------------------------------- same
# Each test case's prediction by each run, from explain.
: >preds.txt
for k in $(q "SELECT key FROM split_cases WHERE split_id = 1 AND part = 'test' ORDER BY key"); do
	label=$(q "SELECT label FROM split_cases WHERE split_id = 1 AND key = '$k'")
	p1=$("$YUJING" explain p.yj --case "$k" --run 1 --json | sed -n 's/^  "predicted": "\(.*\)",$/\1/p')
	p2=$("$YUJING" explain p.yj --case "$k" --run 2 --json | sed -n 's/^  "predicted": "\(.*\)",$/\1/p')
	echo "$k $label $p1 $p2" >>preds.txt
done
expect_exit 0 yujing runs p.yj --compare 1 2 --json
cp "$T/stdout" cmp.json
"$YUJING" eval p.yj --run 1 --json >ev1.json
"$YUJING" eval p.yj --run 2 --json >ev2.json
cat >check.py <<'PY'
import json, math, sys
c = json.load(open("cmp.json"))
rows = [l.split() for l in open("preds.txt")]
n = len(rows)
a_only = sum(1 for k, y, p1, p2 in rows if p1 == y and p2 != y)
b_only = sum(1 for k, y, p1, p2 in rows if p2 == y and p1 != y)
acc1 = sum(1 for r in rows if r[2] == r[1]) / n
acc2 = sum(1 for r in rows if r[3] == r[1]) / n
m = a_only + b_only
exact = 1.0 if m == 0 else min(1.0, 2 * sum(math.comb(m, i) for i in range(min(a_only, b_only) + 1)) / 2 ** m)
ev1, ev2 = json.load(open("ev1.json")), json.load(open("ev2.json"))
f1 = c["macro_f1"]
def check(cond, what):
    print(("ok " if cond else "FAIL ") + what)
    if not cond:
        sys.exit(1)
check(c["same_test_set"] is True, "same test set")
check(c["test_cases"] == n and n > 0, "test cases %d" % n)
check(c["mcnemar"]["a_only"] == a_only and c["mcnemar"]["b_only"] == b_only,
      "McNemar counts %d %d (explain: %d %d)" % (c["mcnemar"]["a_only"], c["mcnemar"]["b_only"], a_only, b_only))
check(abs(c["accuracy"]["a"] - acc1) < 1e-12 and abs(c["accuracy"]["b"] - acc2) < 1e-12, "accuracies")
check(abs(c["mcnemar"]["p_exact"] - exact) < 1e-9, "exact p %g (want %g)" % (c["mcnemar"]["p_exact"], exact))
check(abs(f1["a"] - ev1["macro_f1"]) < 1e-9 and abs(f1["b"] - ev2["macro_f1"]) < 1e-9, "macro-F1 as eval stored it")
check(abs(f1["delta"] - (ev2["macro_f1"] - ev1["macro_f1"])) < 1e-9, "macro-F1 delta")
check(f1["ci_low"] <= f1["ci_high"] and f1["resamples"] == 1000, "an interval of 1000 resamples")
cats = c["per_category"]
d = [abs(x["delta"]) for x in cats]
check(d == sorted(d, reverse=True), "categories by size of change")
check(sum(x["support"] for x in cats) == n, "supports add up")
# epochs and lr were given differently; "auto" lists the settings the
# data-size rule chose (run 2 gave its lr, run 1 did not)
names = set(s["name"] for s in c["settings"])
check({"epochs", "lr"} <= names <= {"epochs", "lr", "auto"}, "settings that differ: %s" % sorted(names))
PY
check 'compare 1 2 agrees with explain, eval and the formulas' python3 check.py

expect_exit 0 yujing runs p.yj --compare 1 2
expect_stdout_contains '95% interval' 'the text gives the interval'
expect_stdout_contains 'McNemar' 'and McNemar'

# ---------------------------------------------------------------- itself
expect_exit 0 yujing runs p.yj --compare 2 2 --json --resamples 50
cp "$T/stdout" self.json
cat >self.py <<'PY'
import json
c = json.load(open("self.json"))
f, m = c["macro_f1"], c["mcnemar"]
assert f["delta"] == 0 and f["ci_low"] == 0 and f["ci_high"] == 0 and f["resamples"] == 50, f
assert m["a_only"] == 0 and m["b_only"] == 0 and m["p_exact"] == 1 and m["p_chi2"] == 1, m
assert c["settings"] == [], c["settings"]
PY
check 'a run against itself: no difference' python3 self.py

# ---------------------------------------------------------------- other
expect_exit 0 yujing split p.yj --seed 4
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 1
expect_exit 0 yujing runs p.yj --compare 1 3 --json
cp "$T/stdout" other.json
cat >other.py <<'PY'
import json
c = json.load(open("other.json"))
assert c["same_test_set"] is False, c
for k in ("accuracy", "macro_f1", "mcnemar", "per_category"):
    assert k not in c, k
assert c["runs"][0]["split"] == 1 and c["runs"][1]["split"] == 2, c["runs"]
PY
check 'different test sets: no delta' python3 other.py
expect_exit 0 yujing runs p.yj --compare 1 3
expect_stdout_contains 'tested on different cases' 'the text says the test sets differ'

# ---------------------------------------------------------------- inactive
expect_exit 0 yujing runs p.yj --compare 1 2 --json
expect_stdout_contains 'not the active snapshot' 'a shared split that is not active gets a note'
cp "$T/stdout" inactive.json
check 'and no delta' python3 -c 'import json, sys; sys.exit("accuracy" in json.load(open("inactive.json")))'

# ---------------------------------------------------------------- snapshot
expect_exit 0 yujing clean p.yj --sigma 2
expect_exit 0 yujing split p.yj --seed 4
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $OPTS --epochs 1
expect_exit 0 yujing runs p.yj --compare 3 4 --json
cp "$T/stdout" snap.json
cat >snap.py <<'PY'
import json
c = json.load(open("snap.json"))
what = [d["what"] for d in c["data"]]
assert what[0] == "snapshot" and c["data"][0]["a"] == "1" and c["data"][0]["b"] == "2", c["data"]
assert "cleaning.sigma" in what, what
PY
check 'another snapshot: the data differences first, with the cleaning setting' python3 snap.py

# ---------------------------------------------------------------- usage
expect_exit 2 yujing runs p.yj --compare 1
expect_stderr_contains 'wants run B' '--compare without B'
expect_exit 1 yujing runs p.yj --compare 1 9
expect_stderr_contains 'no run 9' 'a run that does not exist'

done_testing
