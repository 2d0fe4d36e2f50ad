#!/bin/sh
# responsive.sh - heavy work never blocks the screen: while the first
# profile of a 300,000-row source is computed (and while the Clean view's
# dry run cleans it), keys switch views at once, and the status line shows
# the work still going on; the results then arrive on their own.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

rows=${YJ_TUI_BIG_ROWS:-300000}
awk -v n="$rows" 'BEGIN {
	srand(7)
	print "id,crime,amount,place,note"
	split("盗窃 诈骗 抢劫", c, " ")
	split("北京 上海 广州 深圳", p, " ")
	for (i = 0; i < n; i++)
		printf "c%d,%s,%d,%s,n%d\n", i, c[1 + int(rand() * 3)], int(rand() * 100000), p[1 + int(rand() * 4)], int(rand() * 1000)
}' >big.csv
yujing init p.yj >/dev/null &&
	yujing import p.yj --source big --key id --label crime big.csv >/dev/null ||
	bail_out "cannot import the big source"

# now_ms: milliseconds, when date can say (GNU), else seconds * 1000.
now_ms()
{
	_n=$(date +%s%N 2>/dev/null)
	case $_n in
	*N | "") echo $(($(date +%s) * 1000)) ;;
	*) echo $((_n / 1000000)) ;;
	esac
}

tui_start 100 30
wait_screen 'Sources (1)' 'the workbench opens on a project with a big source'
keys 2
t0=$(now_ms)
keys 4
wait_screen_live 'Settings' 'a view switch is answered while the profile is computed'
t1=$(now_ms)
if grep -q 'profiling' "$T/screen.txt"; then
	ok "the status line shows the profile still running ($((t1 - t0)) ms to answer the key)"
else
	not_ok "the status line shows the profile still running"
	diag "the profile was done before the key was answered ($((t1 - t0)) ms): no evidence either way"
	diag_file "$T/screen.txt" screen
fi
keys 2
wait_screen "$rows rows · 0 duplicate rows (0.00%)" 'the profile arrives when it is done'

keys 3 + +
keys 1
wait_screen_live 'Sources (1)' 'keys are answered while the dry run cleans the big source'
keys 3
wait_check 'the dry run of the last settings (k 0.40) arrives' grep -Eq "rows in +$rows" "$T/screen.txt"
check 'the form kept both key presses' grep -Eq '^  k +0\.40 ' "$T/screen.txt"
tui_quit

done_testing
