#!/bin/sh
# drill-time.sh - Quality's drill-in into a date-time and a text field
# (issue 14, analyst item 5).  A date-time field shows its hour, weekday
# and month distributions (before: the top values as text); a text field
# whose values repeat shows its top values beside the length histogram.
# Expected by hand from the file below (2024-01-01 is a Monday):
#   when: 5 dated rows, 4 with a time: hours 08 (2), 13, 22; weekdays
#         Mon (01-01, 02-05, 01-08), Tue (01-02), Wed (03-06); months
#         Jan (3), Feb, Mar;
#   desc: "near the school gate, east side" twice of 6: the top value.
# Under valgrind.
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

cat >t.csv <<'EOF'
id,lab,when,desc
r1,A,2024-01-01 08:15,"near the school gate, east side"
r2,B,2024-01-02 08:40,behind the market on the north road
r3,A,2024-02-05 13:00,"near the school gate, east side"
r4,B,2024-03-06 22:10,in the parking lot of the hospital
r5,A,2024-01-08,at the bus stop by the river bridge
r6,A,,inside the shop at the corner of two streets
EOF
yujing init p.yj >/dev/null && yujing import p.yj -s t -k id -l lab --text desc t.csv >/dev/null ||
	bail_out "cannot build the project"
expect_eq "$(yujing sources p.yj | awk '$1 == "when" { print $2 }')" datetime 'when is a datetime'

tui_start 120 40
keys 2
wait_screen 'Quality: t' 'the Quality view'
wait_screen 'attribute' 'its table'
keys g j j Enter
wait_screen 't › when' 'Enter drills into when'
wait_screen 'Hour of day (4 rows with a time; peak 08:00, 2)' 'the hour distribution, with its peak'
check 'the weekday distribution, with its peak' grep -q 'Weekday (peak Mon, 3)' "$T/screen.txt"
check 'the month distribution, with its peak' grep -q 'Month (peak Jan, 3)' "$T/screen.txt"
check 'hours are labelled 00 to 23' grep -q '00 01 02 03 04 05 06 07 08 09 10 11 12 13 14 15 16 17 18 19 20 21 22 23' "$T/screen.txt"
check 'weekdays Monday first' grep -q 'Mon Tue Wed Thu Fri Sat Sun' "$T/screen.txt"
keys ']'
wait_screen 't › desc' '] to the text field'
wait_screen 'Text length in characters (' 'its length histogram'
check 'and beside it its values (5 distinct)' grep -q 'All 5 values' "$T/screen.txt"
check 'the value seen twice leads, 2 of 6 rows' grep -Eq 'near the school gate, east side +2 +33\.3%' "$T/screen.txt"
tui_quit

done_testing
