#!/bin/sh
# drill-edges.sh - the Quality drill-in at the edges of a source: the first
# field (column 0) drills in like any other, and the sample rows show every
# field up to the last.  The expected cells are the fixture's own rows
# (tests/tui/tmux.sh): line 6 is c05, whose 金额 is null and whose 案情 (the
# last field) is "持刀抢劫路人财物"; the key field id has 20 distinct values
# among its 21 rows (c03 twice).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

fixture
tui_start 132 40
keys 2
wait_screen 'Quality: cases' '2 opens the Quality view'
# The first field: g goes to the top, Enter drills in.
keys g Enter
wait_screen 'cases › id' 'Enter on the first field drills into it'
wait_screen 'All 20 values' 'the first field (id) shows its 20 distinct values'
check 'no error about the first field' sh -c "! grep -q 'has no field' '$T/screen.txt'"
keys Escape
wait_screen 'Quality: cases' 'Esc returns to the table'
# The sample rows of 金额: every field, the last (案情) included.
keys g j j Enter
wait_screen 'Sample rows where 金额 is null or an outlier (2 of 2)' 'the drill-in into 金额 lists its samples'
check 'a sample row shows the last field (案情) too' grep -Eq '^ +6  c05  抢劫 .* 持刀抢劫路人财物( |$)' "$T/screen.txt"
tui_quit

done_testing
