#!/bin/sh
# inspector-ranks.sh - the inspector lists the units `explain` scores with
# their rank and score (issue 14, investigator item 6; before: only
# highlighted in the text, no scores on screen), and for English text the
# units are words, not letters: the first and the second of `explain
# --json`'s tokens for the case the inspector shows, as "1. WORD +S" and
# "2. WORD +S", both words of the case's text.  Under valgrind (tmux.sh, TUI_VALGRIND): the units' texts
# are the explanation's own strings now.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to read the JSON"
{
	echo 'id,category,amount,narrative'
	i=0
	while [ $i -lt 12 ]; do
		echo "b$i,burglary,$((i + 1)),burglary window broken at night"
		echo "f$i,fraud,$((i + 2)),fraud phone call asked money"
		echo "t$i,theft,$((i + 3)),theft bicycle stolen near park"
		i=$((i + 1))
	done
} >words.csv
yujing init p.yj >/dev/null && yujing import p.yj -s cases -k id -l category --text narrative words.csv >/dev/null &&
	yujing clean p.yj >/dev/null && yujing split p.yj >/dev/null &&
	yujing train p.yj --epochs 40 --batch 4 >/dev/null 2>&1 || bail_out "cannot build and train the project"
# Enter opens the first case of the list (whichever it is); its key is
# read from the inspector's title and the case explained by the CLI
tui_start 120 40
keys 5
wait_screen 'Cases (' 'the Cases view'
keys Enter
wait_screen 'rank: word or character, drop in the logit without it' 'the inspector lists the scored words'
key=$(sed -n 's/^ *Case \([bft][0-9]*\) .*/\1/p' "$T/screen.txt" | head -1)
[ -n "$key" ] || bail_out "no case key in the inspector's title"
yujing explain p.yj --case "$key" --json >ex.json || bail_out "explain $key failed"
grep "^$key," words.csv | cut -d, -f4 >text.txt
first=$($PY -c 'import json; t=json.load(open("ex.json"))["tokens"][0]; print("1. %s %+.4f" % (t["text"], t["score"]))')
second=$($PY -c 'import json; t=json.load(open("ex.json"))["tokens"][1]; print("2. %s %+.4f" % (t["text"], t["score"]))')
py_check "explain $key: its first two units are words of its text, at their offsets" '
import json
t = json.load(open("ex.json"))["tokens"]
text = open("text.txt").read().strip()
for u in t[:2]:
    if u["unit"] != "word" or len(u["text"]) < 2 or text[u["offset"]:u["offset"] + len(u["text"])] != u["text"]:
        print(u, text)'
wait_screen "$first" "the first with its score, as explain gives it ($first)"
check "the second too ($second)" grep -qF "$second" "$T/screen.txt"
tui_quit

done_testing
