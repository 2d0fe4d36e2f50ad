#!/bin/sh
# inspector-words.sh - Latin text is explained by words (issue 14,
# investigator item 6): `explain --json` scores whole words ("burglary",
# not b, u, r, ...: every token of an English narrative is a word of it),
# and the inspector lists the scored units with their rank and score as
# explain gives them (before: letters, and no scores on screen).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
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
yujing explain p.yj --case b0 --json >ex.json || bail_out "explain b0 failed"
check 'every scored unit is a whole word of the narrative' $PY -c '
import json, sys
e = json.load(open("ex.json"))
words = "burglary window broken at night".split()
t = [x["text"] for x in e["tokens"]]
sys.exit(0 if t and all(w in words for w in t) and len(t) == len(set(t)) else print(t) or 1)'
first=$($PY -c 'import json; t=json.load(open("ex.json"))["tokens"][0]; print("1. %s %+.4f" % (t["text"], t["score"]))')

tui_start 120 40
keys 5
wait_screen 'Cases (' 'the Cases view'
keys /
keys_text b0
keys Enter Enter
wait_screen 'rank: unit, drop in the logit without it' 'the inspector lists the scored units'
wait_screen "$first" "the first with its score, as explain gives it ($first)"
tui_quit

done_testing
