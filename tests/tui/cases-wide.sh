#!/bin/sh
# cases-wide.sh - category names sized to the screen (issue 14,
# investigator item 6): at 132 columns the Cases list shows "OFFENSE
# INVOLVING CHILDREN" (26 columns) whole in the true and predicted columns
# (before: cut to 10, "OFFENSE I…"), and the inspector's probabilities
# name it whole too (before: 12 columns).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

long='OFFENSE INVOLVING CHILDREN'
{
	echo 'id,category,amount'
	i=0
	while [ $i -lt 12 ]; do
		echo "a$i,$long,$((i + 1))"
		echo "b$i,CRIMINAL DAMAGE,$((i + 100))"
		echo "c$i,THEFT,$((i + 200))"
		i=$((i + 1))
	done
} >wide.csv
yujing init p.yj >/dev/null && yujing import p.yj -s cases -k id -l category wide.csv >/dev/null &&
	yujing clean p.yj >/dev/null && yujing split p.yj >/dev/null &&
	yujing train p.yj --epochs 60 --batch 4 >/dev/null 2>&1 || bail_out "cannot build and train the project"

tui_start 132 30
keys 5
wait_screen 'Cases (' 'the Cases view'
wait_check 'the true and predicted columns hold the long name whole' \
	grep -Eq "^ *a[0-9]+ +test +$long +$long +[0-9.]+" "$T/screen.txt"
keys /
keys_text a
keys Enter Enter
wait_screen 'Probabilities (top 5)' 'the inspector of an a case'
check 'its probabilities name the category whole' grep -Eq "^ +$long +0\.[0-9]{4} " "$T/screen.txt"
tui_quit

done_testing
