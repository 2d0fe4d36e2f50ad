#!/bin/sh
# edges.sh - clean and split at the edges the quality fixtures do not
# reach (issue 18: each of these bugs passed every other test), every
# expected figure worked out by hand below:
#
#   clean   a key on three rows of the label source is ONE repeated key
#           with two later rows dropped (not two repeated keys); a field
#           with no fill value (all null, so no mode) counts no cell as
#           filled, however many nulls it has
#   profile the profiles table holds what `profile --json` printed
#   split   the test share of a class is floor(f n + 1/2), at least 1 and
#           at most n - 1: with --test 0.8 a class of two keeps one case
#           in train, with --test 0.2 a class of two still gives one to
#           test
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

find_python 'import json'
if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 is needed to read the JSON"
	tap_done=1
	exit 0
fi

# jcheck DESC FILE EXPR: EXPR (Python, the JSON as d) is true.
jcheck()
{
	if "$PY" -c 'import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
sys.exit(0 if eval(sys.argv[2]) else 1)' "$2" "$3" >"$T/py.out" 2>&1; then
		ok "$1"
	else
		not_ok "$1"
		diag "false: $3"
		diag_file "$2" json
		diag_file "$T/py.out" python3
	fi
}

# --------------------------------------------------------------- clean
# e.csv, the label source s keyed by id: k1 on rows 1-3 (labels A B C, no
# two rows alike), k2 on rows 4-5, k3 on row 6.  `none` is empty on every
# row: categorical with no value, so no mode to fill with.
# --k 1 keeps rows whatever their share of nulls (1/2 here).
# Repeated keys: k1 and k2 = 2; later rows dropped: rows 2, 3 and 5 = 3;
# out: rows 1, 4, 6.  Filled: v has no null (0); none has no fill value
# (0, although its 3 kept rows are null).
printf 'id,lab,v,none\nk1,A,1,\nk1,B,2,\nk1,C,3,\nk2,A,4,\nk2,A,5,\nk3,B,6,\n' >e.csv
expect_exit 0 yujing init e.yj
expect_exit 0 yujing import e.yj -s s -k id -l lab e.csv
expect_exit 0 yujing clean e.yj --k 1 --json
cp "$T/stdout" clean.json
jcheck 'clean: k1 on three rows is one repeated key, k2 another: 2 repeated keys' clean.json \
	'd["sources"][0]["repeated_keys"] == 2'
jcheck 'clean: their later rows, 2 3 and 5, are dropped: 3' clean.json \
	'd["sources"][0]["dropped_repeated_key"] == 3'
jcheck 'clean: 6 rows in, 3 out' clean.json 'd["sources"][0]["rows_in"] == 6 and d["sources"][0]["rows_out"] == 3'
jcheck 'clean: a field with no fill value counts nothing filled (none 0, v 0)' clean.json \
	'd["sources"][0]["filled"] == {"v": 0, "none": 0}'

# ------------------------------------------------------------- profile
# profile stores what it prints: the profiles row of source s holds the
# same JSON as `profile --json` prints for it, and the settings it ran
# with (sigma 2 here).
expect_exit 0 yujing profile e.yj --sigma 2 --json
cp "$T/stdout" prof.json
if "$PY" -c 'import json, sqlite3, sys
d = json.load(open("prof.json", encoding="utf-8"))["sources"][0]
r = sqlite3.connect("e.yj").execute(
    "SELECT p.settings, p.result FROM profiles p JOIN sources s ON s.id = p.source_id WHERE s.name = ?",
    ("s",)).fetchall()
sys.exit(not (len(r) == 1 and json.loads(r[0][1]) == d and json.loads(r[0][0])["sigma"] == 2))' \
	>"$T/py.out" 2>&1; then
	ok 'profile stores its result (the JSON it prints) and its settings (sigma 2)'
else
	not_ok 'profile stores its result (the JSON it prints) and its settings (sigma 2)'
	diag_file "$T/py.out" python3
fi

# --------------------------------------------------------------- split
# s.csv: classes A (2 cases), B (3), E (5).
#   --test 0.8: floor(0.8 n + 1/2) = 2, 2, 4; at most n - 1: A 1, B 2, E 4
#               test 7, train 3
#   --test 0.2: floor(0.2 n + 1/2) = 0, 1, 1; at least 1: A 1, B 1, E 1
#               test 3; of the m = 1, 2, 4 training cases floor(0.15 m
#               + 1/2) = 0, 0, 1 to validation: train 6, validation 1
#               (with --test 0.8, m = 1, 1, 1: no validation)
printf 'id,lab,x\na1,A,1\na2,A,2\nb1,B,3\nb2,B,4\nb3,B,5\ne1,E,6\ne2,E,7\ne3,E,8\ne4,E,9\ne5,E,10\n' >s.csv
expect_exit 0 yujing init s.yj
expect_exit 0 yujing import s.yj -s s -k id -l lab s.csv
expect_exit 0 yujing clean s.yj
expect_exit 0 yujing split s.yj --test 0.8 --json
cp "$T/stdout" s8.json
jcheck 'split --test 0.8: a class of two keeps one case in train (A 1/1, B 1/2, E 1/4)' s8.json \
	'sorted((c["label"], c["train"], c["test"]) for c in d["classes"]) == [("A", 1, 1), ("B", 1, 2), ("E", 1, 4)]'
jcheck 'split --test 0.8: train 3, test 7, no validation' s8.json 'd["train"] == 3 and d["test"] == 7 and d["valid"] == 0'
expect_exit 0 yujing split s.yj --test 0.2 --json
cp "$T/stdout" s2.json
jcheck 'split --test 0.2: a class of two still gives one case to test (A 1/0/1, B 2/0/1, E 3/1/1)' s2.json \
	'sorted((c["label"], c["train"], c["valid"], c["test"]) for c in d["classes"]) == [("A", 1, 0, 1), ("B", 2, 0, 1), ("E", 3, 1, 1)]'
jcheck 'split --test 0.2: train 6, validation 1, test 3' s2.json 'd["train"] == 6 and d["valid"] == 1 and d["test"] == 3'

done_testing
