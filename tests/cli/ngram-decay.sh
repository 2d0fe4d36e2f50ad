#!/bin/sh
# ngram-decay.sh - the weight decay the lazy n-gram rows miss (ngram.h:
# caught up when a row is next read, flushed at each epoch's end) survives
# a stop inside an epoch: the checkpoint keeps the pending sums
# ("ngram_decay" in runs.ckpt_state), so a run stopped after a step and
# resumed equals the same run left alone, step losses and eval alike.  A
# checkpoint whose sums do not fit the model is refused on resume, naming
# the key.
#
# Fixture tests/fixtures/cail_6x40.jsonl (240 CAIL2018 facts of six
# charges), the n-gram branch alone, batch 4 (so an epoch has about 40
# steps and a stop almost always lands inside one), weight decay 0.5 (so
# the decay moves the numbers), one thread, 30 epochs without early
# stopping.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

find_python 'import json, sqlite3'
if [ -z "$PY" ]; then
	skip 'a run stopped inside an epoch and resumed equals one left alone' 'python3 is not available'
	done_testing
fi

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj -s cail -k @case -l meta.accusation -t fact "$FIXTURES/cail_6x40.jsonl"
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 1
RUN="--epochs 30 --patience 0 --batch 4 --weight-decay 0.5 --threads 1 --seed 3"
# shellcheck disable=SC2086
expect_exit 0 yujing train p.yj $RUN --json
cp "$T/stdout" eval1.json

# run 2: the same, stopped by Ctrl-C (SIGINT, seen after the step it
# comes in) once it has taken steps
# shellcheck disable=SC2086
"$YUJING" train p.yj $RUN >bg.out 2>bg.err &
bg=$!
track_pid "$bg"
i=0
while [ $i -lt 1200 ]; do
	"$YUJING" runs p.yj --json >runs.json 2>/dev/null
	n=$("$PY" -c 'import json, sys
r = [r for r in json.load(open(sys.argv[1]))["runs"] if r["id"] == 2]
print(r[0]["steps_done"] if r and r[0]["status"] == "running" else 0)' runs.json 2>/dev/null)
	[ "${n:-0}" -gt 50 ] && break
	sleep 0.1 2>/dev/null || sleep 1
	i=$((i + 1))
done
kill -INT "$bg"
rc=0
wait "$bg" || rc=$?
untrack "$bg"
expect_eq "$rc" 1 'run 2 stops on request (exit 1)'
state=$("$PY" -c 'import json, sqlite3, sys
s = json.loads(sqlite3.connect(sys.argv[1]).execute("SELECT ckpt_state FROM runs WHERE id = 2").fetchone()[0])
d = s.get("ngram_decay")
ok = isinstance(d, list) and len(d) == 1 and d[0]["log"] < 0 and any(a < 0 for a in d[0]["at"])
print("pending" if ok else "none", s["epoch"], s["step_in_epoch"])' p.yj)
case $state in
pending\ *) ok "its checkpoint keeps the pending decay sums (epoch, step: ${state#pending })" ;;
*) not_ok "its checkpoint keeps the pending decay sums (got $state)" ;;
esac

# a copy with the sums cut short is refused
cp p.yj bad.yj
"$PY" -c 'import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
s = json.loads(db.execute("SELECT ckpt_state FROM runs WHERE id = 2").fetchone()[0])
s["ngram_decay"][0]["at"] = s["ngram_decay"][0]["at"][:-1]
db.execute("UPDATE runs SET ckpt_state = ? WHERE id = 2", (json.dumps(s),))
db.commit()' bad.yj
expect_exit 1 yujing train bad.yj --resume 2
expect_stderr_contains "run 2's checkpoint: 'ngram_decay' does not fit the model" 'a checkpoint whose sums do not fit is refused, naming the key'

expect_exit 0 yujing train p.yj --resume 2 --json
cp "$T/stdout" eval2.json
"$YUJING" runs p.yj --history 1 --json >h1.json
"$YUJING" runs p.yj --history 2 --json >h2.json
py_check 'the resumed run equals the run left alone: eval, every step loss and epoch record' 'import json, sys
a, b = json.load(open("eval1.json")), json.load(open("eval2.json"))
a.pop("run"); b.pop("run")
ha, hb = json.load(open("h1.json")), json.load(open("h2.json"))
for h in (ha, hb):
    for e in h["epochs"]:
        e.pop("seconds")
if a != b:
    print("eval differs")
if ha["steps"] != hb["steps"] or ha["epochs"] != hb["epochs"]:
    print("history differs")'
done_testing
