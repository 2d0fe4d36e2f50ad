#!/bin/sh
# prompt-more.sh - the ':' prompt (issue 14, smaller item 8).
#   :demo builds the demo and says how to open it (before: the demo tried
#   to open a second workbench and failed with "needs a terminal");
#   a command naming the open project under another spelling (./p.db, the
#   project not ending in .yj) runs on it (before: the project was added
#   a second time: "expected one project file");
#   value completion: --branches (kinds, then ngram:FIELD and text:FIELD of
#   the text fields, after a comma too), predict --source NAME= (source
#   names, then '='), sources --set-type SOURCE.FIELD= and its types;
#   import --replace onto an existing source asks first, naming its rows
#   (before: it replaced 7 rows with 2 without a question): n keeps them,
#   y replaces.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

fixture
mv p.yj p.db || bail_out "cannot rename the project"
rm -f p.yj-wal p.yj-shm

tui_start 120 30 tui p.db
wait_screen 'Sources (2)' 'the workbench opens p.db'
keys :
keys_text 'sources ./p.db'
keys Enter
wait_screen "'sources' done" 'a command naming the open project as ./p.db runs on it'
check 'and lists its sources' grep -q 'events: 7 rows, key id' "$T/screen.txt"
keys Escape

# completion: the line as typed so far is on the bottom line
line_is() { tail -n 1 "$T/screen.txt" | grep -qF -- ":$1"; }
keys :
keys_text 'train --branches str'
keys Tab
wait_check '--branches completes a branch kind' line_is 'train --branches structured'
keys_text ',ng'
keys Tab
wait_check 'after a comma: ngram' line_is 'train --branches structured,ngram'
wait_screen 'structured,ngram:案情' 'and the text field ngram:案情 is offered'
keys C-u
keys_text 'predict --source ca'
keys Tab
wait_check 'predict --source completes a source name and =' line_is 'predict --source cases='
keys C-u
keys_text 'sources --set-type cases.n'
keys Tab
wait_check '--set-type completes SOURCE.FIELD=' line_is 'sources --set-type cases.n2='
keys_text 'nu'
keys Tab
wait_check 'and the type after =' line_is 'sources --set-type cases.n2=numeric'
keys Escape

printf 'id,kind,amount\nc01,call,1\nc02,visit,2\n' >events2.csv
rows() { yujing sources p.db | sed -n 's/^events: \([0-9]*\) rows.*/\1/p'; }
keys :
keys_text 'import --source events --key id --replace events2.csv'
keys Enter
wait_screen "replace source 'events', dropping its 7 rows (new rows: import --append)? y/N:" 'import --replace asks first, naming the rows it drops'
keys n Enter
wait_screen 'not replaced' 'n: not replaced'
expect_eq "$(rows)" 7 'the source keeps its 7 rows'
keys :
keys_text 'import --source events --key id --replace events2.csv'
keys Enter
wait_screen "replace source 'events'" 'asked again'
keys y Enter
wait_screen "'import' done" 'y: the import runs'
expect_eq "$(rows)" 2 'the source has the 2 new rows'

data=$YUJING_DATADIR/demo/cail
if [ -d "$data" ]; then
	keys :
	keys_text 'demo d --dataset cail --rows 300 --epochs 1'
	keys Enter
	TUI_TIMEOUT=300 wait_screen "'demo' done" ':demo builds the demo'
	check 'and says how to open it' grep -q 'open it with: .*d/demo.yj' "$T/screen.txt"
else
	skip 'demo' "no demo data at $data"
fi
tui_quit

done_testing
