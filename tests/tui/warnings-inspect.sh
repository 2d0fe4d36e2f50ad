#!/bin/sh
# warnings-inspect.sh - the investigator's path from a warning to the case
# (issue 14, investigator item 7): the Warnings view says where each case
# came from (the snapshot, or the batch of new cases `predict --source`
# stored), and Enter opens the inspector on any of them - a new case too,
# which the Cases list does not hold - with the prediction `explain --json`
# gives for it; Esc returns to Warnings.  A second batch (batch 2, of run
# 1) is named by its batch, not the run (issue 18).  Under valgrind.
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to read the JSON"
trained_fixture
cat >new.csv <<'EOF'
id,罪名,金额,地点,n2,案情
n01,,100,北京,2,深夜入室盗窃现金
EOF
yujing predict p.yj --unlabeled >/dev/null 2>&1 &&
	yujing predict p.yj --source cases=new.csv >/dev/null 2>&1 ||
	bail_out "cannot predict"
# a second batch (batch 2, still run 1: the batch is not the run)
printf 'id,罪名,金额,地点,n2,案情\nn02,,9000,上海,3,冒充客服退款诈骗\n' >new2.csv
yujing predict p.yj --source cases=new2.csv >/dev/null 2>&1 || bail_out "cannot predict the second batch"
# what explain says of a case: "CATEGORY (P)" as the inspector heads it
said() {
	yujing explain p.yj --case "$1" --json |
		$PY -c 'import json,sys; e=json.load(sys.stdin); print("predicted %s (%.4f)" % (e["predicted"], e["output"]["probability"]))'
}
n01=$(said n01) || bail_out "explain n01 failed"
c06=$(said c06) || bail_out "explain c06 failed"

tui_start 130 30
keys 7
wait_screen 'Warnings (' 'the Warnings view'
keys t C-u
keys_text 0
keys Enter
wait_screen 'Warnings (3 of 3 predicted)' 'threshold 0: the three predicted cases are listed'
check 'the unlabeled case of the snapshot says so' grep -Eq '^ *c06 .* snapshot ' "$T/screen.txt"
check 'the new case says its batch' grep -Eq '^ *n01 .* 1  batch 1 ' "$T/screen.txt"
check 'the case of the second batch says batch 2 (run 1)' grep -Eq '^ *n02 .* 1  batch 2 ' "$T/screen.txt"
keys /
keys_text n02
keys Enter Enter
wait_screen 'Case n02 (new, batch 2)' 'Enter on the case of batch 2 opens the inspector, titled with its batch'
keys Escape
wait_screen 'Warnings (3 of 3 predicted)' 'Esc returns to Warnings'
keys /
keys_text n01
keys Enter Enter
wait_screen 'Case n01 (new, batch 1)' 'Enter on the new case opens the inspector on it'
wait_screen "$n01" "with the prediction explain gives ($n01)"
wait_screen 'Shapley' 'and its explanation'
keys Escape
wait_screen 'Warnings (3 of 3 predicted)' 'Esc returns to Warnings'
keys /
keys_text c06
keys Enter Enter
wait_screen 'Case c06' 'Enter on the snapshot case opens the inspector'
wait_screen "$c06" "with the prediction explain gives ($c06)"
keys Escape
wait_screen 'Warnings (3 of 3 predicted)' 'Esc returns to Warnings again'
tui_quit

done_testing
