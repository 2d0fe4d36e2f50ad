#!/bin/sh
# explain-words.sh - explain scores words of Latin text, not their letters
# one by one (issue 14: the inspector listed "T", "A", "P"... of
# APARTMENT); CJK text keeps one character a unit, and mixed text has both
# (explain.h: a word is a maximal run of letters and digits outside the
# CJK blocks; white space is no unit).
#   data       150 short English reports: the same filler words in every
#              category, and one word that names it (burglary, scam,
#              stolen); an n-gram-only run
#   top word   U1 "officer reported BURGLARY at the house", by hand: the
#              one word that tells the categories apart leads, a word,
#              at character 17 (7 + 1 + 8 + 1), scored above 0; 6 units
#              of 38 characters, all scored
#   mixed      U2 "夜间burglary，café 3号楼", its units by hand: 夜 0, 间
#              1, burglary 2, ， 10, café 11, 3 16, 号 17, 楼 18 (8
#              units, 19 characters; é is a Latin letter, ， a CJK
#              full-width comma, 3 a word of one digit)
#   reference  for U1, U2 and a training case, the scores equal those of
#              tests/reference/occlusion_ref.py (its own units, hashing
#              and head from the stored weights), 1e-4: the top ten, and
#              each token's text, kind and score against the reference's
#              unit at its offset (tests/cli/occlusion-check.py)
#   adjusted   the same for a run with --adjust 1, whose logits are less
#              log(prior)
#   text       the table ranks the units: "1" and BURGLARY on the first
#              line under its heading
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if have python3 && python3 -c 'import json' 2>/dev/null; then
	PY=python3
else
	skip 'explain word checks' 'python3 is not available'
	done_testing
fi

# Park-Miller in awk: the same file everywhere
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 777
	split("suspect|victim|reported|the|at|near|street|night|officer|arrived|car|house", F, "|")
	split("burglary,scam,stolen", W, ",")
	split("burglary,fraud,theft", L, ",")
	print "id,category,narrative"
	for (i = 1; i <= 150; i++) {
		c = 1 + int(rnd() * 3)
		t = ""
		k = int(rnd() * 6)
		for (j = 0; j < 6; j++) {
			if (j == k)
				t = t (t == "" ? "" : " ") W[c]
			t = t (t == "" ? "" : " ") F[1 + int(rnd() * 12)]
		}
		printf "c%03d,%s,%s\n", i, L[c], t
	}
	print "U1,,officer reported BURGLARY at the house"
	print "U2,,夜间burglary，café 3号楼"
}' </dev/null >cases.csv

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key id --label category --text narrative cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 5
expect_exit 0 yujing train p.yj --branches ngram --epochs 20 --batch 16 --hidden 8 --lr 0.01 --threads 1

for k in U1 U2 c001; do
	expect_exit 0 yujing explain p.yj --case $k --json
	cp "$T/stdout" "ex-$k.json"
done

py_check 'U1: BURGLARY leads, a word at character 17, above 0; 6 units of 38 characters, all scored' '
import json
e = json.load(open("ex-U1.json", encoding="utf-8"))
t = e["tokens"][0]
if e["predicted"] != "burglary":
    print("predicted", e["predicted"])
if (t["text"], t["unit"], t["offset"]) != ("BURGLARY", "word", 17) or not t["score"] > 0:
    print("first token", t)
(b,) = e["branches"]
got = [b[k] for k in ("units", "units_scored", "characters", "characters_scored")]
if got != [6, 6, 38, 38]:
    print("counts", got)
if sorted(x["text"] for x in e["tokens"]) != sorted("officer reported BURGLARY at the house".split()):
    print("tokens", [x["text"] for x in e["tokens"]])'

py_check 'U2: the units of mixed text by hand (CJK characters, Latin words, offsets)' '
import json
e = json.load(open("ex-U2.json", encoding="utf-8"))
want = [("夜", "character", 0), ("间", "character", 1), ("burglary", "word", 2), ("，", "character", 10),
        ("café", "word", 11), ("3", "word", 16), ("号", "character", 17), ("楼", "character", 18)]
got = sorted(((t["text"], t["unit"], t["offset"]) for t in e["tokens"]), key=lambda x: x[2])
if got != want:
    print("units", got)
(b,) = e["branches"]
if [b[k] for k in ("units", "units_scored", "characters", "characters_scored")] != [8, 8, 19, 19]:
    print("counts", b)'

expect_exit 0 yujing eval p.yj --json
cp "$T/stdout" eval.json
for k in U1 U2 c001; do
	$PY -c '
import csv, sys
for r in csv.DictReader(open("cases.csv", encoding="utf-8")):
    if r["id"] == sys.argv[1]:
        print(r["narrative"], end="")' $k >"text-$k"
	$PY "$top_srcdir/tests/reference/occlusion_ref.py" p.yj 1 "$(cat "text-$k")" >"ref-$k.json" ||
		bail_out "occlusion_ref.py failed on $k"
done
check 'U1, U2, c001: the unit scores equal the reference (top ten; text, kind, score at each offset; 1e-4)' \
	$PY "$top_srcdir/tests/cli/occlusion-check.py" eval.json ngram:narrative \
	ex-U1.json ref-U1.json ex-U2.json ref-U2.json ex-c001.json ref-c001.json

# A run with a fixed logit adjustment (tau 1): the reference subtracts
# tau log(prior) from its logits as the run stored them; the scores, as
# differences, do not change by it
expect_exit 0 yujing train p.yj --branches ngram --epochs 20 --batch 16 --hidden 8 --lr 0.01 --threads 1 --adjust 1
for k in U1 c001; do
	expect_exit 0 yujing explain p.yj --run 2 --case $k --json
	cp "$T/stdout" "ex2-$k.json"
	$PY "$top_srcdir/tests/reference/occlusion_ref.py" p.yj 2 "$(cat "text-$k")" >"ref2-$k.json" ||
		bail_out "occlusion_ref.py failed on $k (run 2)"
done
expect_exit 0 yujing eval p.yj --run 2 --json
cp "$T/stdout" eval2.json
py_check 'run 2 stored tau 1' 'import json; t = json.load(open("eval2.json"))["calibration"]["tau"]; print("" if t == 1 else t, end="")'
check 'run 2 (tau 1): U1 and c001 equal the reference, the adjusted logit too' \
	$PY "$top_srcdir/tests/cli/occlusion-check.py" eval2.json ngram:narrative \
	ex2-U1.json ref2-U1.json ex2-c001.json ref2-c001.json

expect_exit 0 yujing explain p.yj --case U1
cp "$T/stdout" ex-U1.txt
check 'the text table ranks the units: 1 BURGLARY first' sh -c \
	"grep -A1 '^words and characters that mattered most, ranked' ex-U1.txt | tail -1 | grep -Eq '^  ngram:narrative +1 +BURGLARY +[+]'"
done_testing
