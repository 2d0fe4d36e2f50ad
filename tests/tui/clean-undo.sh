#!/bin/sh
# clean-undo.sh - the analyst's clean path (issue 14, analyst items 3-4).
#
#   The preview shows which values change and into what, per field (the
#   fixture of tmux.sh, default settings, by hand):
#     金额: the outlier 9000 (c20) becomes the mean of the other 18
#           non-null values, 1831/18 = 101.72222222222223;
#     地点: the empty cell of c02 becomes the mode 北京 (c05, with two
#           nulls of four attributes, is dropped at k 0.3);
#     n2:   the null marker NA (c03), the outlier 6 (c10) and the empty
#           cell of c12, in row order, become the mean of the 17 other
#           non-null values, 38/17 = 2.235294117647059.
#   Its change column compares with the ACTIVE snapshot, not with the
#   previous preview: k 0.2 then sigma 2.5 still shows the rows dropped
#   for nulls against snapshot 1 (before: the sigma edit showed no change,
#   the previous preview having k 0.2 already).
#   Undo returns to the snapshot that was active before, and says which:
#   snapshot 2 applied, 1 made active from the list, 3 applied; u goes to
#   1 (before: to 2, the one numbered before 3), then u to 2, each said
#   with its settings and checked with `clean --list --json`.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to read the JSON"
fixture

# active: the active snapshot per the CLI.
active()
{
	yujing clean p.yj --list --json | $PY -c 'import json,sys; print([s["id"] for s in json.load(sys.stdin)["snapshots"] if s["active"]])'
}
# dropped K [ARGS]: rows of cases dropped for nulls at k K, per the CLI.
dropped()
{
	_k=$1
	shift
	yujing clean p.yj --dry-run --json --k "$_k" "$@" |
		$PY -c 'import json,sys; print(json.load(sys.stdin)["sources"][0]["dropped_missing"])'
}

tui_start 150 44
keys 3
wait_screen 'values changed (sample)' 'the Clean view shows a sample of the values changed'
check 'the outlier of 金额 becomes the mean of the others' grep -q '  金额: 9000 → 101.72222222222223$' "$T/screen.txt"
check 'the empty 地点 becomes the mode' grep -q '  地点: "" → 北京$' "$T/screen.txt"
check 'n2: a null marker, an outlier and an empty cell, in row order' \
	grep -q '  n2: NA → 2.235294117647059, 6 → 2.235294117647059, "" → 2.235294117647059$' "$T/screen.txt"
wait_screen 'Impact (dry run) · (± from snapshot 1)' 'the panel says what its changes are from'

d3=$(dropped 0.3)
d2=$(dropped 0.2 --sigma 2.5)
[ "$d3" != "$d2" ] || bail_out "the fixture drops as many rows for nulls at k 0.3 and 0.2"
delta=$(printf '%+d' $((d2 - d3)))
keys Enter C-u
keys_text 0.2
keys Enter j j j Enter C-u
keys_text 2.5
keys Enter
wait_check 'sigma edited after k: the form shows it' grep -Eq '^  σ \(sigma\) +2\.5 ' "$T/screen.txt"
wait_check "rows dropped for nulls: $d2, $delta from snapshot 1 (not from the previous preview)" \
	sh -c "grep 'dropped: nulls' '$T/screen.txt' | grep -F -- ' $d2 ($delta)'"

keys a
wait_screen 'stored as snapshot 2 (now active)' 'a applies: snapshot 2'
wait_screen 'Impact (dry run) · (± from snapshot 2)' 'the changes are now from snapshot 2'
check 'the same settings change nothing from it' sh -c "! grep -F 'dropped: nulls' '$T/screen.txt' | grep -F '('"
keys s
wait_screen 'Snapshots (Enter makes one active' 's lists the snapshots'
keys g Enter
wait_screen 'snapshot 1 is active' 'snapshot 1 made active from the list'
keys a
wait_screen 'stored as snapshot 3 (now active)' 'a applies its settings again: snapshot 3'
expect_eq "$(active)" "[3]" 'the CLI: snapshot 3 is active'
keys u
wait_screen 'undo: snapshot 1 is active again (k 0.3/0.3 · σ 3 · replace)' 'u returns to snapshot 1, active before 3, and says so with its settings'
expect_eq "$(active)" "[1]" 'the CLI: snapshot 1 is active'
keys u
wait_screen 'undo: snapshot 2 is active again (k 0.2/0.2 · σ 2.5 · replace)' 'u again: snapshot 2, active before 1'
expect_eq "$(active)" "[2]" 'the CLI: snapshot 2 is active'
wait_check 'its settings are back in the form' grep -Eq '^  k +0\.20 ' "$T/screen.txt"
keys u
wait_screen 'undo: snapshot 1 is active again' 'u again: snapshot 1, active before 2'
keys u
wait_screen 'nothing to undo' 'at the start of the history u says there is nothing to undo'
expect_eq "$(active)" "[1]" 'and changes nothing'
tui_quit

done_testing
