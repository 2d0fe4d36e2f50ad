#!/bin/sh
# inspector-reload.sh - regression test of a use-after-free (issue 12): the
# Cases inspector kept a borrowed pointer into the case list, which the
# reload after any `:` command freed; every redraw then read freed memory
# (2,254 invalid reads under valgrind; the header turned into "true - ·
# predicted (null) (0.0000)" in the ASan build).  Exactly that sequence: a
# trained project, view 5, Enter on a case, then `:sources` Enter while the
# inspector is open.  The header must still show the case's true category
# and explain's prediction and probability (from `yujing explain --json`,
# not from the screen), and the workbench runs under valgrind where it can
# (tmux.sh, TUI_VALGRIND): an invalid read ends it with a valgrind report
# on standard error, which tui_quit fails on.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to read explain's JSON"

trained_fixture
yujing explain p.yj --case c20 --json >ex.json || bail_out "explain c20 failed"
# c20's true category is 诈骗 (cases.csv in tmux.sh's fixture).
head=$($PY -c 'import json; e = json.load(open("ex.json", encoding="utf-8"))
print("true 诈骗 · predicted %s (%.4f) · run 1" % (e["predicted"], e["output"]["probability"]))')

tui_start 100 30
wait_screen 'Sources (2)' "the workbench opens${TUI_WRAP:+ (under valgrind)}"
keys 5
wait_screen 'Cases (6, run 1)' 'the Cases view lists the cases'
keys /
keys_text c20
keys Enter Enter
wait_screen 'Case c20' 'Enter opens the inspector of c20'
wait_screen "$head" "its header: the true category, explain's prediction and probability"
wait_screen 'Branches (Shapley' 'the explanation arrives'
keys :
keys_text sources
keys Enter
wait_screen 'events: 7 rows, key id' ':sources runs while the inspector is open'
wait_screen "'sources' done" 'it ends: the views reload'
wait_screen "$head" 'the inspector header is intact after the list reloaded'
wait_screen 'Branches (Shapley' 'and so is its explanation'
# Esc first closes the message pane :sources opened (issue 14: Esc closes
# it in every view), then leaves the inspector.
keys Escape
wait_gone 'messages (' 'Esc closes the message pane first'
check 'the inspector is still open' grep -q 'Case c20' "$T/screen.txt"
keys Escape
wait_screen 'Cases (6, run 1)' 'Esc again leaves the inspector: the reloaded list'
tui_quit "q quits${TUI_WRAP:+ (under valgrind: no invalid read)}"

done_testing
