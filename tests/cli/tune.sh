#!/bin/sh
# tune.sh - `yujing tune` (issue 13 §4) on a small generated project:
#
#   search      tune --trials 4 --json: four runs tagged with the tune
#               group (runs.tune_id, runs --json "tune"); a JSON line per
#               trial, the last line {"tune", "status", "best_run",
#               "validation", "test", "trials": 4}
#   selection   the best run is the trial with the highest validation
#               macro-F1, worked out here from each trial's own
#               `eval --run N --json` ("validation"; the earliest trial on
#               a tie), in the JSON, the tunes row and the report, whose
#               trials are ranked by it; the winner is the model of record
#   honesty     the report holds test figures for the winner only (its
#               eval's "test" object), none inside any trial
#   cancel      `tune --cancel N` from another process, and Ctrl-C
#               (SIGINT), stop a search: exit 1, the row cancelled, no run
#               left running, every tagged run in the report, the best of
#               those done as best_run, the model of record unchanged
#   refusals    a split without a validation part; bad options
#
# The data: 240 cases of 3 classes, label = argmax of three noisy numeric
# fields (Park-Miller, as train.sh), a categorical field riding along.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }
PY=
for _p in "${PYTHON3:-}" python3; do
	if [ -n "$_p" ] && have "$_p" && "$_p" -c 'import json' >/dev/null 2>&1; then
		PY=$_p
		break
	fi
done

awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 4242
	print "case_id,a,b,c,zone,category" > "cases.csv"
	split("x,y,z", L, ",")
	for (i = 1; i <= 240; i++) {
		a = rnd(); b = rnd(); c = rnd()
		k = a > b ? (a > c ? 1 : 3) : (b > c ? 2 : 3)
		if (rnd() < 0.2) k = 1 + int(rnd() * 3)  # label noise
		printf "C%03d,%.4f,%.4f,%.4f,z%d,%s\n", i, a, b, c, int(rnd() * 4), L[k] > "cases.csv"
	}
}' </dev/null

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
# a split without a validation part first: tune refuses it
expect_exit 0 yujing split p.yj --seed 1 --valid 0
expect_exit 2 yujing tune p.yj --trials 1
expect_stderr_contains 'has no validation part'
expect_eq "$(q 'SELECT count(*) FROM tunes')" 0 'a refused tune leaves no tunes row'
expect_exit 0 yujing split p.yj --seed 1
expect_exit 2 yujing tune p.yj --minutes 0
expect_exit 2 yujing tune p.yj --trials 0
expect_exit 1 yujing tune p.yj --cancel 7
expect_stderr_contains 'tune 7 is not running'

# ------------------------------------------------------------- a search

expect_exit 0 yujing tune p.yj --trials 4 --minutes 5 --seed 3 --threads 1 --json
cp "$T/stdout" tune1.out
tail -n 1 tune1.out >final1.json
expect_eq "$(q 'SELECT id, status FROM tunes')" '1|done' 'one tunes row, done'
expect_eq "$(q 'SELECT count(*) FROM runs WHERE tune_id = 1')" 4 'four runs tagged with tune 1'
expect_eq "$(q 'SELECT count(*) FROM runs WHERE tune_id = 1 AND status = '"'done'"'')" 4 'all four done'
expect_eq "$(wc -l <tune1.out | tr -d ' ')" 5 'a JSON line per trial, then the result'

# each trial's validation macro-F1 from its own eval
for r in $(q 'SELECT id FROM runs WHERE tune_id = 1 ORDER BY id'); do
	"$YUJING" eval p.yj --run "$r" --json >"eval$r.json"
done
"$YUJING" runs p.yj --json >runs.json
q 'SELECT report FROM tunes WHERE id = 1' >report1.json

if [ -z "$PY" ]; then
	skip 'the JSON checks' 'python3 is not available'
else
	py_check 'the last line: tune, status, best_run, validation, test, trials 4' '
import json, sys
f = json.load(open(sys.argv[1]))
if sorted(f) != sorted(["tune", "status", "best_run", "validation", "test", "trials"]):
    print("keys", sorted(f))
if f["trials"] != 4 or f["tune"] != 1 or f["status"] != "done":
    print(f["trials"], f["tune"], f["status"])
for k in ("validation", "test"):
    if not isinstance(f[k].get("macro_f1"), float):
        print(k, f[k])' final1.json

	# the winner, recomputed: the highest validation macro-F1, earliest on a tie
	best=$("$PY" -c '
import json, sys
best = None
for path in sys.argv[1:]:
    e = json.load(open(path))
    f1 = e["validation"]["macro_f1"]
    if best is None or f1 > best[1]:
        best = (e["run"], f1)
print(best[0])' $(for r in $(q 'SELECT id FROM runs WHERE tune_id = 1 ORDER BY id'); do echo "eval$r.json"; done))
	py_check "best_run is run $best in the result line" '
import json, sys
f = json.load(open(sys.argv[1]))
if f["best_run"] != int(sys.argv[2]):
    print("best_run", f["best_run"])' final1.json "$best"
	expect_eq "$(q 'SELECT best_run FROM tunes WHERE id = 1')" "$best" "the tunes row's best_run is run $best"
	py_check "run $best is the model of record" '
import json, sys
m = [r["id"] for r in json.load(open(sys.argv[1]))["runs"] if r.get("model")]
if m != [int(sys.argv[2])]:
    print("model", m)' runs.json "$best"
	py_check "runs --json: \"tunes\" gives tune 1 done, 4 trials, best run $best with its validation macro-F1" '
import json, sys
t = json.load(open(sys.argv[1]))["tunes"]
f1 = json.load(open("eval%s.json" % sys.argv[2]))["validation"]["macro_f1"]
if len(t) != 1 or (t[0]["id"], t[0]["status"], t[0]["trials"], t[0]["best_run"]) != (1, "done", 4, int(sys.argv[2])):
    print(t)
elif abs(t[0]["best_f1"] - f1) > 1e-6:
    print("best_f1", t[0]["best_f1"], "want", f1)' runs.json "$best"
	py_check 'runs --json: "tune" 1 on the four trials' '
import json, sys
for r in json.load(open(sys.argv[1]))["runs"]:
    if r.get("tune") != 1:
        print(r["id"], r.get("tune"))' runs.json

	py_check 'the report: trials ranked by their own validation macro-F1, test figures of the winner only' '
import json, sys
rep = json.load(open(sys.argv[1]))
best = int(sys.argv[2])
evals = {}
for p in sys.argv[3:]:
    e = json.load(open(p))
    evals[e["run"]] = e
got = [t["run"] for t in rep["trials"]]
# stable sort by trial number, then by validation macro-F1 (descending)
want = sorted(sorted(evals, key=lambda r: r), key=lambda r: -evals[r]["validation"]["macro_f1"])
if got != want:
    print("ranking", got, "want", want)
for t in rep["trials"]:
    if "test" in t or "test" in t.get("validation", {}):
        print("trial", t["trial"], "has test figures")
    if abs(t["validation"]["macro_f1"] - evals[t["run"]]["validation"]["macro_f1"]) > 1e-6:
        print("trial", t["trial"], "validation macro-F1", t["validation"]["macro_f1"])
if rep["best_run"] != best:
    print("report best_run", rep["best_run"])
want_test = evals[best]["test"]
for k in ("accuracy", "macro_f1"):
    if abs(rep["test"][k] - want_test[k]) > 1e-6:
        print("test", k, rep["test"][k], "want", want_test[k])
t1 = [t for t in rep["trials"] if t["trial"] == 1]
if not t1 or t1[0]["settings"] != {}:
    print("trial 1 is not the defaults", t1)' report1.json "$best" eval*.json
fi

# the text report names the winner and its test figures
expect_exit 0 yujing tune p.yj --show 1
expect_stdout_contains "the winner, run $best:"
expect_exit 0 yujing tune p.yj --list
expect_stdout_contains 'done'

# ---------------------------------------------------------- cancelling

# wait_trials TUNE N: until N runs are tagged with tune TUNE (2 minutes)
wait_trials()
{
	_wt=0
	while [ "$(q "SELECT count(*) FROM runs WHERE tune_id = $1")" -lt "$2" ]; do
		_wt=$((_wt + 1))
		[ $_wt -lt 1200 ] || bail_out "tune $1 did not reach $2 trials"
		sleep 0.1
	done
}

# check_stopped TUNE DESC: the row cancelled, nothing running, every tagged
# run in the report, best_run the best done trial, the model of record kept
check_stopped()
{
	expect_eq "$(q "SELECT status FROM tunes WHERE id = $1")" cancelled "$2: the tune is cancelled"
	expect_eq "$(q "SELECT count(*) FROM runs WHERE tune_id = $1 AND status = 'running'")" 0 "$2: no trial left running"
	q "SELECT report FROM tunes WHERE id = $1" >"report$1.json"
	q "SELECT id FROM runs WHERE tune_id = $1 AND status = 'done' ORDER BY id" >"done$1"
	for r in $(cat "done$1"); do
		"$YUJING" eval p.yj --run "$r" --json >"ceval$r.json"
	done
	py_check "$2: the report holds every tagged run; best_run the best done one" '
import json, sys
rep = json.load(open(sys.argv[1]))
tagged = sorted(int(x) for x in sys.argv[2].split())
runs = sorted(t["run"] for t in rep["trials"] if t["run"] is not None)
if runs != tagged:
    print("report runs", runs, "tagged", tagged)
done = [int(x) for x in open(sys.argv[3]).read().split()]
best = None
for r in done:
    f1 = json.load(open("ceval%d.json" % r))["validation"]["macro_f1"]
    if best is None or f1 > best[1]:
        best = (r, f1)
if (best[0] if best else None) != rep["best_run"]:
    print("best_run", rep["best_run"], "want", best)' "report$1.json" "$(q "SELECT id FROM runs WHERE tune_id = $1")" "done$1"
	py_check "$2: the model of record is still run $best" '
import json, sys
m = [r["id"] for r in json.load(open(sys.argv[1]))["runs"] if r.get("model")]
if m != [int(sys.argv[2])]:
    print("model", m)' runs-after$1.json "$best"
}

# stop_tune TUNE SEED HOW: a search in the background, stopped (HOW: cancel
# or sigint) once it has two trials; its exit status in $stop_rc
stop_tune()
{
	"$YUJING" tune p.yj --minutes 10 --seed "$2" --threads 1 >"tune$1.out" 2>"tune$1.err" &
	bg=$!
	track_pid $bg
	wait_trials "$1" 2
	if [ "$3" = cancel ]; then
		expect_exit 0 yujing tune p.yj --cancel "$1"
		expect_stdout_contains "asked tune $1 to stop"
	else
		kill -INT "$bg"
	fi
	stop_rc=0
	wait $bg || stop_rc=$?
	untrack $bg
	"$YUJING" runs p.yj --json >"runs-after$1.json"
}

stop_tune 2 5 cancel
expect_eq "$stop_rc" 1 'tune --cancel: the searching tune exits 1'
check_stopped 2 'tune --cancel'

stop_tune 3 6 sigint
expect_eq "$stop_rc" 1 'SIGINT: tune exits 1'
check_stopped 3 'SIGINT'
grep -q 'stopped after' tune3.err && ok 'SIGINT: the message says where it stopped' ||
	{ not_ok 'SIGINT: the message says where it stopped'; diag_file tune3.err; }

done_testing
