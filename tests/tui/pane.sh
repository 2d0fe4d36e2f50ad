#!/bin/sh
# pane.sh - the message pane and the message line at 80x24 (issue 14):
# Esc closes the pane in every view, also in Cases where m (which opens
# and focuses it elsewhere) is the view's "misclassified" key, and in
# Sources with its fields shown; a message on the message line goes when
# the view changes.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

trained_fixture

tui_start 80 24
wait_screen 'Sources (2)' 'the workbench opens at 80x24'
keys :
keys_text 'sources'
keys Enter
wait_screen "'sources' done" 'a command from the prompt runs'
wait_screen 'messages (' 'its output opens the message pane'
keys 5
wait_screen 'Cases (' 'the Cases view, the pane still open'
check 'the pane is still open in Cases' grep -q 'messages (' "$T/screen.txt"
keys Escape
wait_gone 'messages (' 'Esc closes the message pane in Cases (m is taken there)'
check 'and Cases is still the view shown' grep -q 'Cases (' "$T/screen.txt"

# Esc in every view: open the pane with the prompt again, then Esc.
for v in 1 2 3 4 6 7; do
	keys "$v" :
	keys_text 'sources'
	keys Enter
	wait_screen 'messages (' "view $v: the pane opens with a command's output"
	keys Escape
	wait_gone 'messages (' "view $v: Esc closes it"
done

# The message line: an unknown command's message, then another view.
keys 1 :
keys_text 'frobnicate'
keys Enter
wait_screen "unknown command 'frobnicate'" 'a message on the message line'
keys 2
wait_gone "unknown command 'frobnicate'" 'it goes when the view changes'
tui_quit
done_testing
