#!/bin/sh
# inspector-fields.sh - the Cases inspector shows each structured
# source's value split into its fields' shares (issue 14) with the numbers
# of `yujing explain --json` "fields" (logit, probability, 4 decimals),
# one line per field, the row count of the aggregated source and the gap
# part, under labelled columns, at 132x40 and at 80x24 (scrolled down
# with j, which stops at the last line); the branches' columns are
# labelled too.  It opens an inspector: under valgrind when it can.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to compute the expected screen from JSON"

trained_fixture
yujing explain p.yj --case c20 --json >ex.json || bail_out "explain c20 failed"

# fields.py SCREEN: every field share of ex.json on a line of its own
# that starts with "SOURCE › FIELD" (the row count "(row count)", the gap
# "(baseline gap)": the gap between the source's baseline and its vector
# at the mean inputs) and holds "LOGIT PROB" as
# %+.4f; the columns are labelled.
cat >fields.py <<'PYEOF'
import json, sys
ex = json.load(open("ex.json", encoding="utf-8"))
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
bad = 0
if not ex["fields"]:
    print("no field shares in ex.json"); bad = 1
if not any(l.split() == ["logit", "prob."] for l in lines):
    print("no column labels 'logit prob.'"); bad = 1
for f in ex["fields"]:
    name = {"rows": "(row count)", "gap": "(baseline gap)"}.get(f["part"], f["field"])
    head = "%s \u203a %s" % (f["branch"], name)
    want = "%+.4f %+.4f" % (f["logit"], f["probability"])
    got = [l for l in lines if l.strip().startswith(head) and want in l]
    if len(got) != 1:
        print("field", head, "want", want, "lines", got); bad = 1
sys.exit(bad)
PYEOF

tui_start 132 40
wait_screen 'Sources (2)' 'the workbench opens at 132x40'
keys 5
wait_screen 'Cases (6, run 1)' 'the Cases view'
keys /
keys_text c20
keys Enter Enter
wait_screen 'Case c20' 'Enter inspects c20'
wait_screen "Fields (each source's Shapley value" 'the inspector has a Fields section'
wait_check "every field share of explain --json shows (132x40)" $PY fields.py "$T/screen.txt"
tui_quit

tui_start 80 24
wait_screen 'Sources (2)' 'the workbench opens at 80x24'
keys 5
wait_screen 'Cases (6, run 1)' 'the Cases view'
keys /
keys_text c20
keys Enter Enter
wait_screen 'Case c20' 'Enter inspects c20'
i=0
while [ $i -lt 60 ]; do
	keys j
	i=$((i + 1))
done
wait_check "scrolled to the end: every field share of explain --json shows (80x24)" \
	$PY fields.py "$T/screen.txt"
check 'the last line of the inspector is still on the screen (j stops there)' \
	grep -q "events › (baseline gap)" "$T/screen.txt"
tui_quit
done_testing
