#!/bin/sh
# clean-k.sh - the Clean view with the two k thresholds apart (issue 18):
# a snapshot cleaned by the CLI with --k-missing 0.35 --k-outlier 0.6
# --sigma 2.5 is the active one, so the view's settings are its settings:
# the k row shows both (0.35/0.60), the "k: nulls" and "k: outliers" rows
# each its own, sigma 2.5; the snapshot list (s) shows 0.35/0.6 and 2.5
# beside snapshot 2 and the defaults (0.3/0.3, 3) beside snapshot 1.  The
# values are the flags given here.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

fixture
yujing clean p.yj --k-missing 0.35 --k-outlier 0.6 --sigma 2.5 >/dev/null || bail_out "clean failed"

tui_start 120 40
keys 3
wait_screen 'active snapshot 2' 'the Clean view with snapshot 2 active'
wait_screen 'k: outliers' 'its settings'
check 'the k row shows both thresholds' grep -Eq '^  k +0\.35/0\.60 ' "$T/screen.txt"
check 'the nulls row its own' grep -Eq '^    k: nulls +0\.35 ' "$T/screen.txt"
check 'the outliers row its own' grep -Eq '^    k: outliers +0\.60 ' "$T/screen.txt"
check 'sigma 2.5' grep -Eq '^  σ \(sigma\) +2\.5 ' "$T/screen.txt"
keys s
wait_screen 'Snapshots (Enter makes one active' 's lists the snapshots'
check 'snapshot 1: the defaults' grep -Eq '^ +1  [0-9T:Z-]+ +0\.3/0\.3 +3  replace ' "$T/screen.txt"
check 'snapshot 2: the flags given' grep -Eq '^ +2  [0-9T:Z-]+  \* +0\.35/0\.6 +2\.5  replace ' "$T/screen.txt"
tui_quit
done_testing
