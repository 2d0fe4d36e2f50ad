#!/bin/sh
# retype.sh - the analyst changes a field's type in the workbench (issue
# 14, analyst items 1-2): the Quality table has a role column (key, label,
# text, attribute, as `sources` says); t on a field asks for its type,
# shows the current one; forcing categorical on the real field n2 stores
# it (`sources` says so), and the table is profiled again (no mean: '-'),
# a drill-in then lists its values; t in the drill-in with auto gives the
# inferred type back (a histogram again); a value that does not fit is an
# error on the message line, and nothing changes.  Under valgrind.
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

fixture
# type and role of a field of source cases, as `sources` says
ty() { yujing sources p.yj | awk -v f="$1" '$1 == f { print $2, $3 }'; }
# the Quality row of a field: its first cells
row_is() { grep -Eq "^ *$1 +$2 +$3 " "$T/screen.txt"; }

tui_start 120 34
keys 2
wait_screen 'Quality: cases' 'the Quality view of cases'
wait_check 'the key has the key role' row_is id categorical key
wait_check 'the label has the label role' row_is 罪名 categorical label
wait_check 'the text field has the text role' row_is 案情 text text
wait_check 'n2 is a real attribute' row_is n2 real attribute
keys g j j j j t
wait_screen 'type of n2 (auto, numeric, categorical, datetime, text): real' 't asks for the type of the field under the cursor, showing its own'
keys C-u
keys_text categorical
keys Enter
wait_screen 'n2: real (attribute) → categorical (attribute); profiled again' 'the change is said'
expect_eq "$(ty n2)" "categorical attribute" 'the catalogue holds it (sources)'
wait_check 'the table is profiled again: n2 categorical, no mean' grep -Eq '^ *n2 +categorical +attribute +18 +14\.29% +52\.38% +- +7 +- ' "$T/screen.txt"
keys Enter
wait_screen 'cases › n2' 'Enter drills into n2'
wait_screen 'All 7 values' 'a categorical n2 lists its values'
keys t C-u
keys_text auto
keys Enter
wait_screen 'n2: categorical (attribute) → real (attribute); profiled again' 'auto in the drill-in infers real again'
wait_screen 'Histogram (' 'the drill-in shows a histogram again'
expect_eq "$(ty n2)" "real attribute" 'the catalogue holds real again'
keys t C-u
keys_text integer
keys Enter
wait_screen "the value '1.5' is not of type integer" 'a value that does not fit is refused'
expect_eq "$(ty n2)" "real attribute" 'and nothing changed'
tui_quit

done_testing
