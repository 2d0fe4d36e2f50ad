#!/bin/sh
# demo.sh - `yujing demo` ends in the workbench: the default (Chicago) demo
# on all the shipped rows, one epoch (--epochs 1, to stay quick), in tmux.
#   sources   the Sources view lists incident and place with the row and
#             field counts of the shipped CSV files, the key and the label
#   fields    the Fields panel lists incident.csv's header, in order
#   status    the status line names snapshot 1, its split and the model
#             of record, the finished run 1
#   runs      run 1 is done after 1 of 1 epochs and ceil(train / 256) steps
#             (the demo trains with batches of 256)
#   cases     the Cases view lists the test and the unlabeled cases
#   warnings  the Warnings view has one prediction per unlabeled case
#   quit      q ends the program with status 0 and nothing on stderr
#   reuse     a second run, with neither LC_ALL nor LANG set (a fresh
#             machine's C locale, coerced to C.UTF-8 by main.c), reuses the
#             project (a mark written into it survives, still one run) and
#             draws the status line's box characters, not byte garbage
# Every expected number comes from the shipped files with awk (one record
# per line: no field of the demo CSV files holds a newline or a comma inside
# the label): rows, header fields, labels.  The split's per-category rule
# (test = floor(0.3 n + 1/2), at least 1 and at most n - 1; a category of
# one stays in train) gives the test and training counts; the k = 0.3
# cleaning drops no row of this data (the demo's own output says so: its
# split covers all 18,911 rows), so the counts hold after cleaning.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

inc=$YUJING_DATADIR/demo/chicago/incident.csv
place=$YUJING_DATADIR/demo/chicago/place.csv
if [ ! -r "$inc" ] || [ ! -r "$place" ]; then
	echo "1..0 # SKIP no demo data in $YUJING_DATADIR/demo/chicago"
	tap_done=1
	exit 0
fi

rows_inc=$(($(wc -l <"$inc") - 1))
rows_place=$(($(wc -l <"$place") - 1))
nf_inc=$(head -n 1 "$inc" | awk -F, '{ print NF }')
nf_place=$(head -n 1 "$place" | awk -F, '{ print NF }')
# unlabeled, labeled, test, train, steps of one epoch (batch 256: the full
# batches and a last one of at least 2 cases); validation: of the m = n - t
# training cases of a category floor(0.15 m + 1/2), at most m - 1 (split.h)
set -- $(awk -F, 'NR > 1 { c[$NF]++ }
	END {
		for (k in c) {
			n = c[k]
			if (k == "") { u += n; continue }
			t = int(0.3 * n + 0.5)
			if (t < 1) t = 1
			if (t > n - 1) t = n - 1
			m = n - t
			v = int(0.15 * m + 0.5 + 1e-9)
			if (v > m - 1) v = m - 1
			test += t; lab += n; valid += v
		}
		tr = lab - test - valid
		print u, lab, test, tr, int(tr / 256) + (tr % 256 >= 2)
	}' "$inc")
unlabeled=$1 test_cases=$3 train_cases=$4 steps=$5
[ "$unlabeled" -gt 0 ] && [ "$train_cases" -gt 0 ] || bail_out "cannot count the demo data"

# The first run builds the demo, then opens the workbench: the build takes
# a few seconds (more under ASan), so the first screen gets more time.
tui_start 120 40 demo d --epochs 1
_timeout=$TUI_TIMEOUT
TUI_TIMEOUT=$((TUI_TIMEOUT * 4))
wait_screen 'Sources (2)' 'the demo opens the workbench on the Sources view'
TUI_TIMEOUT=$_timeout

wait_check "incident: $rows_inc rows, $nf_inc fields, key id, label primary_type" \
	grep -E "^ incident +$rows_inc +$nf_inc +id +primary_type +csv " "$T/screen.txt"
wait_check "place: $rows_place rows, $nf_place fields, key id, no label" \
	grep -E "^ place +$rows_place +$nf_place +id +- +csv " "$T/screen.txt"
wait_screen "Fields of incident ($nf_inc)" 'the Fields panel shows the first source'
i=0
for f in $(head -n 1 "$inc" | tr -d '\r' | tr , ' '); do
	i=$((i + 1))
	check "field $i is $f" grep -E "^ $i +$f +" "$T/screen.txt"
done
wait_screen 'demo.yj │ snapshot 1 · split 1 │ model: run 1' 'the status line: snapshot 1, its split 1, run 1 the model of record'

keys 6
wait_screen 'Runs (1)' 'the Runs view has one run'
wait_check "run 1: a classifier, done, snapshot 1, split 1, 1/1 epochs, $steps/$steps steps" \
	grep -E "^ +1 +classifier +done +1 +1 +1/1 .* $steps/$steps " "$T/screen.txt"

keys 5
wait_screen "Cases ($((test_cases + unlabeled)), run 1)" \
	"the Cases view: $test_cases test and $unlabeled unlabeled cases"

keys 7
wait_check "the Warnings view: $unlabeled unlabeled cases predicted" \
	grep -E "Warnings \\([0-9]+ of $unlabeled predicted\\)" "$T/screen.txt"

tui_quit 'q quits the demo'

# The second run: the same project, in the C locale of a fresh machine.
# A rebuilt project would be a new file: a mark written into the first one
# must survive.
marked=
if [ -n "$SQLITE3" ] &&
	"$SQLITE3" d/demo.yj "INSERT INTO settings (key, value) VALUES ('test-mark', 'kept')"; then
	marked=1
fi
TUI_ENV='-u LC_ALL -u LANG -u LC_CTYPE -u LANGUAGE'
tui_start 120 40 demo d --epochs 1
wait_screen 'Sources (2)' 'the second run opens the workbench'
wait_screen 'demo.yj │ snapshot 1 · split 1 │ model: run 1' \
	'without LC_ALL and LANG: still run 1, and the box characters are drawn'
tui_quit 'q quits the second run'
if [ -n "$marked" ]; then
	expect_eq "$("$SQLITE3" d/demo.yj "SELECT value FROM settings WHERE key = 'test-mark'")" kept \
		'the second run reused the project (the mark is still there)'
	expect_eq "$("$SQLITE3" d/demo.yj 'SELECT count(*) FROM runs')" 1 'and trained nothing'
else
	skip 'the second run reused the project' 'no sqlite3 CLI, or the mark cannot be written'
	skip 'and trained nothing' 'no sqlite3 CLI'
fi

done_testing
