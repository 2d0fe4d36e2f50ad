#!/bin/sh
# pane-narrow.sh - two edges of the workbench's drawing (issue 18):
# scrolling the message pane when it holds more lines than it has rows
# (Home shows the first line, one Down or one PgDn then moves off it, End
# shows the last again), and the Runs confusion matrix at 50 columns,
# where the shade legend is cut at the view's right edge instead of
# running on into the next row, and a class without a test case has "-"
# for its recall.  The pane's lines are the CLI's own
# `yujing sources` output, taken from the CLI here, not from the screen.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

trained_fixture
yujing sources p.yj >sources.out || bail_out "yujing sources failed"
# The pane at 80x24 has 6 rows: the command's echo, then its output, then
# the line saying it is done.
{
	echo '$ yujing sources p.yj'
	cat sources.out
	echo "'sources' done"
} | sed 's/^/ /; s/ *$//' >pane.all
n=$(wc -l <pane.all)
[ "$n" -gt 8 ] || bail_out "sources printed too few lines for the test"

# pane_is FROM: the pane's 6 rows are lines FROM..FROM+5 of pane.all.
pane_is()
{
	sed -n "$1,$(($1 + 5))p" pane.all >want.txt
	sed -n '/── messages (/,$p' "$T/screen.txt" | sed -n '2,7p' | sed 's/ *$//' >got.txt
	cmp -s want.txt got.txt || {
		diff want.txt got.txt
		return 1
	}
}

tui_start 80 24
wait_screen 'Sources (2)' 'the workbench opens at 80x24'
keys :
keys_text 'sources'
keys Enter
wait_screen "'sources' done" 'the command ran'
wait_screen 'messages (m to scroll)' 'its output opened the pane'
wait_check 'the pane shows the last six lines' pane_is $((n - 5))
keys m
wait_screen 'Esc close)' 'm focuses the pane'
keys Home
wait_check 'Home shows the first six lines' pane_is 1
keys Down
wait_check 'one Down from the top moves one line on' pane_is 2
keys Home
wait_check 'Home again' pane_is 1
keys PageDown
wait_check 'PgDn from the top moves a page (5 lines) on' pane_is 6
keys End
wait_check 'End shows the last line again' pane_is $((n - 5))
keys Up
wait_check 'one Up from the end moves one line back' pane_is $((n - 6))
keys Escape
wait_gone 'messages (' 'Esc closes the pane'

# The confusion matrix at 50 columns: the legend is cut at 47 columns
# from column 2 (the view's width less its margins), the row under it
# stays empty.
tm resize-window -t "$TUI_SESSION" -x 50 -y 30
keys 6
wait_screen 'Runs (1)' 'the Runs view at 50x30'
keys Enter
wait_screen 'Confusion matrix of run 1' 'Enter opens the matrix'
legend='  shade: share of the row  ░ ≤25%  ▒ ≤50%  ▓ ≤75%'
legend_cut()
{
	y=$(grep -n 'shade: share of the row' "$T/screen.txt" | cut -d: -f1)
	[ -n "$y" ] || return 1
	sed -n "${y}p" "$T/screen.txt" | sed 's/ *$//' >got.txt
	printf '%s\n' "$legend" | cmp -s - got.txt || return 1
	[ -z "$(sed -n "$((y + 1))p" "$T/screen.txt" | tr -d ' ')" ]
}
wait_check 'the legend is cut at the right edge, nothing wraps into the next row' legend_cut
# A class without a test case (its row of `eval --json`'s confusion
# matrix sums to 0; eval gives its recall as 0) has no recall: "-".
yujing eval p.yj --run 1 --json >ev.json || bail_out "eval failed"
cp "$T/screen.txt" matrix.txt
py_check 'a class with no test case: row total 0 and recall -, the others a number' '
import json, re
ev = json.load(open("ev.json"))
rows = {}
for l in open("matrix.txt", encoding="utf-8").read().splitlines():
    m = re.match(r"^ +(\d+) (\S+) .* (\d+) +(\S+) *$", l)
    if m and "shade" not in l:
        rows[m.group(2)] = (int(m.group(3)), m.group(4))
empty = [lab for lab, r in zip(ev["labels"], ev["confusion"]) if sum(r) == 0]
if not empty:
    print("every class has a test case: the test cannot tell")
for lab, r in zip(ev["labels"], ev["confusion"]):
    want = (sum(r), "-" if sum(r) == 0 else "%.4f" % ev["classes"][ev["labels"].index(lab)]["recall"])
    if rows.get(lab) != want:
        print(lab, "screen", rows.get(lab), "want", want)'
tui_quit
done_testing
