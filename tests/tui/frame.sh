#!/bin/sh
# frame.sh - the workbench's frame, driven in tmux: how it starts (and
# refuses to), the tab bar and the status line, switching views by digit
# and Tab, the help screen, views 4, 5 and 7, the Runs view's loss curve,
# the ':' prompt running a command into the message pane (completion,
# unknown commands, history kept in the project across sessions), resizing,
# monochrome (TERM=vt100), plain `yujing PROJECT.yj`, and q quitting with
# exit 0.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

fixture
yujing split p.yj >/dev/null && yujing train p.yj --epochs 3 --threads 1 >/dev/null ||
	bail_out "cannot train the fixture run"

# -------------------------------------------------- refusals, no screen
expect_exit 2 yujing tui
expect_exit 1 yujing tui nothere.yj
expect_stderr_contains 'cannot open project'
printf 'not a database at all, not even close to one....................\n' >bad.yj
expect_exit 1 yujing tui bad.yj
expect_stderr_contains 'not a yujing project'
expect_exit 2 yujing tui p.yj
expect_stderr_contains 'needs a terminal'

# -------------------------------------------------- the frame
# layout W H: the screen is H lines, the tab bar first, the status line
# (project and snapshot) second to last, no line wider than W.
layout()
{
	n=$(wc -l <"$T/screen.txt")
	[ "$n" -eq "$2" ] || { echo "lines: $n, want $2"; return 1; }
	head -n 1 "$T/screen.txt" | grep -q '^ 1 Sources  2 Quality  3 Clean  4 Train  5 Cases  6 Runs  7 Warnings' ||
		{ echo "no tab bar on line 1"; return 1; }
	sed -n "$(($2 - 1))p" "$T/screen.txt" | grep -q '^ p\.yj │ snapshot 1 · split 1 │ model: run 1' ||
		{ echo "no status line on line $(($2 - 1))"; return 1; }
	if [ -n "$PY" ]; then
		$PY - "$1" "$T/screen.txt" <<'EOF' || return 1
import sys, unicodedata
w = int(sys.argv[1])
for i, l in enumerate(open(sys.argv[2], encoding="utf-8").read().splitlines()):
    dw = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
    if dw > w:
        print("line %d is %d columns wide" % (i + 1, dw))
        sys.exit(1)
EOF
	fi
}

tui_start 100 30
wait_screen 'Sources (2)' 'the workbench opens on the Sources view'
wait_check 'tab bar on top, status line with project, snapshot and run at the bottom (100x30)' layout 100 30
wait_screen 'Fields of cases (6)' 'the fields of the selected source show below'
check 'a CJK field name shows with its type and role' grep -q ' 2  罪名   categorical  categorical  label' "$T/screen.txt"
check 'the second source is listed with its row count' grep -Eq '^ events +7 +3 +id ' "$T/screen.txt"

keys j
wait_screen 'Fields of events (3)' 'moving down selects the next source'
keys Enter j Enter
wait_screen 'events › kind' 'Enter on a field drills into it in the Quality view'
keys Escape
wait_screen 'Quality: events' 'Esc leaves the drill-in for the Quality table'

# Digits and Tab switch views; each view opens.
keys 4
wait_screen 'Settings' '4: the Train view'
keys 5
wait_screen 'Cases (6, run 1)' '5: the Cases view lists the test and unlabeled cases'
keys 7
wait_screen 'No predictions yet' '7: the Warnings view'
keys Tab
wait_screen 'Sources (2)' 'Tab from the last view cycles to the first'
keys BTab
wait_screen 'No predictions yet' 'shift-Tab goes back'
keys 3
wait_screen 'Impact (dry run)' '3: the Clean view'

# Help lists the view's keys and the global ones.
keys 6 '?'
wait_screen 'Keys: Runs' '? shows the keys of the current view'
check 'the help lists the view keys, the key at column 4, its help at 22' \
	grep -Eq '^    c {17}ask the selected running run to stop' "$T/screen.txt"
check 'the help lists the global keys' grep -Eq '^    Tab {15}next view' "$T/screen.txt"
keys Escape
wait_gone 'Keys: Runs' 'Esc closes the help'

# Runs: the list and the loss curve with axes and labels.
wait_screen 'Loss of run 1' 'the Runs view shows the latest run'
check 'the run is listed with kind, status, snapshot, split and epochs' grep -Eq '^ +1  classifier  done +1 +1 +3/3 ' "$T/screen.txt"
check 'the plot has a y axis with tick marks' grep -q '┤' "$T/screen.txt"
check 'the plot has an x axis' grep -q '└──' "$T/screen.txt"
check 'the plot has braille dots' env LC_ALL=C grep -q "$(printf '\342[\240-\243]')" "$T/screen.txt"
check 'the axes are labelled' grep -q 'step' "$T/screen.txt"
check 'the legend names the series' grep -q 'training loss (step)' "$T/screen.txt"

# The prompt runs commands in a child; output goes to the message pane.
keys :
keys_text 'sour'
keys Tab
wait_screen ':sources' 'Tab completes a command name'
keys Enter
wait_screen "'sources' done" 'a command runs and reports its end'
check 'its output is in the message pane' grep -q 'events: 7 rows, key id (from ' "$T/screen.txt"
keys :
keys_text 'profile --sou'
keys Tab
wait_screen ':profile --source' 'Tab completes an option of the command'
keys_text 'ev'
keys Tab
wait_screen ':profile --source events' 'Tab completes a source name after --source'
keys C-u
keys_text 'clean --fill 金'
keys Tab
wait_screen ':clean --fill 金额=' 'Tab completes a field name (and the = after it) after --fill'
keys_text 'med'
keys Tab
wait_screen ':clean --fill 金额=median' 'Tab completes a fill strategy after FIELD='
keys C-u Escape
keys :
keys_text 'frobnicate'
keys Enter
wait_screen "unknown command 'frobnicate'" 'an unknown command is refused on the message line'
keys :
keys_text 'runs'
keys Enter
wait_screen "'runs' done" 'a second command runs'
keys m Home
wait_screen '$ yujing sources ' 'm focuses the message pane; Home scrolls to its first line'
keys End
wait_gone '$ yujing sources ' 'End scrolls back to the last lines'
keys Escape
wait_gone 'messages (' 'Esc closes the message pane'

# Resizing keeps the layout.
tm resize-window -t "$TUI_SESSION" -x 80 -y 24
wait_check 'after resizing to 80x24 the layout holds' layout 80 24
tm resize-window -t "$TUI_SESSION" -x 132 -y 40
wait_check 'after resizing to 132x40 the layout holds' layout 132 40

# The workbench is a view over the file: another process imports a source.
keys 1
wait_screen 'Sources (2)' '1 goes back to the Sources view'
yujing import p.yj --source more --key id events.csv >/dev/null ||
	bail_out "cannot import a source next to the workbench"
wait_screen 'Sources (3)' 'a source another process imports appears by itself'
tui_quit 'q on the top level quits'

# -------------------------------------------------- plain yujing P.yj, vt100
TUI_ENV=TERM=vt100
tui_start 80 24 p.yj
wait_screen 'Sources (3)' 'yujing PROJECT.yj opens the workbench, also on a vt100'
wait_check 'the layout holds without colour (80x24)' layout 80 24
keys :
keys Up
wait_screen ':runs' 'the prompt history survives the session (Up: the last command)'
keys Up
wait_screen ':frobnicate' 'Up again: the one before'
keys Escape
keys 2
wait_screen 'Quality: cases' 'the Quality view draws without colour'
tui_quit 'q quits the vt100 session'

done_testing
