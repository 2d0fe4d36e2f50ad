#!/bin/sh
# trainer-path.sh - the trainer's path after new cleaning (issue 14), run
# under valgrind (TUI_VALGRIND, as cases.sh):
#   offer     applying a clean (a in Clean) whose new snapshot has no split
#             asks to split it as the latest split was made (its seed and
#             test fraction, 7 and 0.25 here: not the defaults); y splits
#             it: the CLI's split 2 has split 1's settings, and the status
#             line shows "snapshot 2 · split 2" (before, it said snapshot 2
#             while training used split 1 of snapshot 1); n leaves the
#             next snapshot unsplit: the status line and the Train form say
#             so, and s fails with train's message naming the snapshot.
#   runs      the Runs view has a kind column (classifier, pretraining), the
#             snapshot and split of each run (runs 1 and 2: snapshots 1 and
#             2, splits 1 and 2), s sorts by the column under the column
#             cursor (test accuracy: the rows in the order of the CLI's
#             accuracies, best first, then reversed), and L shows the
#             selected run's log (its command line first).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
if [ -z "$PY" ]; then
	skip_all "python3 is needed to read the runs as JSON"
fi
q() { "$SQLITE3" -batch -noheader p.yj "$1"; }

fixture
yujing split p.yj --seed 7 --test 0.25 >/dev/null &&
	yujing train p.yj --epochs 3 --batch 4 --threads 1 >/dev/null 2>&1 ||
	bail_out "cannot split and train the fixture"

tui_start 100 30
wait_screen 'Sources (2)' 'the workbench opens'
wait_screen 'snapshot 1 · split 1 │ model: run 1' 'the status line: snapshot 1, split 1, the model of record'
keys 3
wait_screen 'Clean' 'the Clean view'
keys a
wait_screen 'snapshot 2 has no split: split it as split 1 was made (split --seed 7 --test 0.25' \
	'applying a clean offers to split the new snapshot like the latest split'
keys y Enter
wait_screen "'split' done" 'y splits it'
wait_screen 'snapshot 2 · split 2' 'the status line shows the new snapshot and its split'
expect_eq "$(q 'SELECT snapshot_id, json_extract(settings, "$.seed"), json_extract(settings, "$.test") FROM splits WHERE id = 2')" \
	'2|7|0.25' 'split 2 is of snapshot 2, with split 1s seed and test fraction'
keys 4
wait_screen 'trains on snapshot 2, split 2' 'the Train form says the run will use snapshot 2 and split 2'
keys s
wait_screen 'Run 2: done' 's trains run 2'
expect_eq "$(q 'SELECT split_id FROM runs WHERE id = 2')" 2 'run 2 trained on split 2'
# The launch's log becomes run 2's once the workbench has matched them
# (its status job, every second while a launch is undecided).
wait_check 'the launch log becomes p.yj.run-2.log' test -s p.yj.run-2.log

# Another apply, answered n: nothing is split, and training says why.
keys 3
wait_screen 'Clean' 'back to Clean'
keys a
wait_screen 'snapshot 3 has no split' 'a second apply offers again'
keys n Enter
wait_screen 'not split' 'n leaves it unsplit'
wait_screen 'snapshot 3 · not split' 'the status line says snapshot 3 is not split'
keys 4
wait_screen 'snapshot 3 is not split' 'the Train form says so too'
keys s
wait_screen 'snapshot 3, the active one, has no train/test split' 's: train refuses, naming the snapshot'
keys Escape

# The Runs view: kinds, snapshots and splits; the log; sorting.  A third
# run, weak on purpose (one epoch, a tiny learning rate), so that the test
# accuracies differ.
yujing clean p.yj --use 2 >/dev/null &&
	yujing train p.yj --epochs 1 --batch 4 --lr 0.00001 --threads 1 >/dev/null 2>&1 ||
	bail_out "cannot train run 3 on snapshot 2"
keys 6
wait_screen 'Runs (3)' 'the Runs view lists the three runs'
cat >rows.py <<'PYEOF'
import sys
want = sys.argv[2:]
rows = []
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    t = l.split()
    if len(t) > 5 and t[0].rstrip("*").isdigit() and t[1] == "classifier":
        rows.append(t[0] + ":" + t[3] + ":" + t[4])
print("rows (run:snapshot:split)", rows, "want", want)
sys.exit(0 if rows == want else 1)
PYEOF
wait_check 'each run with its kind, snapshot and split' $PY rows.py "$T/screen.txt" 1:1:1 2:2:2 3:2:2
# L: the log of run 2 (started with s in Train), one row up from the latest
# (L only once the selection's history has loaded: under load an L sent
# with the k raced the history job and was lost)
keys k
wait_screen 'Loss of run 2' 'k selects run 2 and its curves load'
keys L
wait_screen 'Log of run 2' 'L opens the selected run log'
check 'its first line is the command line' grep -q '\$ yujing train p.yj' "$T/screen.txt"
check 'and its last says run 2 is done' grep -q 'run 2 done' "$T/screen.txt"
keys Escape
wait_screen 'Runs (3)' 'Esc goes back'
keys j L
wait_screen 'run 3 has no log here' 'run 3, trained by the CLI, has no log: L says so'
yujing runs p.yj --json >runs.json
order=$($PY -c '
import json
r = json.load(open("runs.json"))["runs"]
print(" ".join(str(x["id"]) for x in sorted(r, key=lambda x: (-x["accuracy"], x["id"]))))')
cat >order.py <<'PYEOF'
import sys
ids = []
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    t = l.split()
    if len(t) > 5 and t[0].rstrip("*").isdigit() and t[1] == "classifier":
        ids.append(t[0].rstrip("*"))
print("order", ids, "want", sys.argv[2].split())
sys.exit(0 if ids == sys.argv[2].split() else 1)
PYEOF
# the column cursor to the test accuracy (the 9th column), then s
keys l l l l l l l l s
wait_check "s sorts by test accuracy, best first ($order)" $PY order.py "$T/screen.txt" "$order"
cat >first.py <<'PYEOF'
import sys
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    t = l.split()
    if len(t) > 5 and t[0].rstrip("*").isdigit() and t[1] == "classifier":
        print("first row", t[0], "want", sys.argv[2])
        sys.exit(0 if t[0].rstrip("*") == sys.argv[2] else 1)
sys.exit(1)
PYEOF
worst=$(echo "$order" | awk '{print $NF}')
keys s
wait_check "s again reverses it: the weakest run ($worst) first" $PY first.py "$T/screen.txt" "$worst"
tui_quit

done_testing
