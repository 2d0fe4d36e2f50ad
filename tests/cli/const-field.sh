#!/bin/sh
# const-field.sh - a numeric field that is constant in the training data
# has no spread, so no value of it can be called an outlier: predict
# --source keeps a new case's value of it as it is.  The stored
# statistics give it mean 5 and standard deviation 0; a new case with 9
# (and one with 5) must be stored in the prediction batch with 9 (and 5),
# not replaced by the fill value 5 as an outlier of a zero spread would
# be (issue 18's mutant of stats_is_outlier).  A new case with no k (an
# empty cell; in JSON lines, no such key in its first record) is no
# error: its k takes the fill value, 5 (table_from_file's mutants); so
# does a null marker, NA (the project's null markers read for the file).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json, sqlite3' 2>/dev/null; then
	skip 'a constant field in new cases' 'python3 is not available'
	done_testing
fi

# 40 cases: the category follows amount; k is 5 everywhere.
awk 'BEGIN {
	print "case_id,amount,k,category" > "cases.csv"
	for (i = 1; i <= 40; i++)
		printf "C%03d,%d,5,%s\n", i, i, (i > 20 ? "high" : "low") > "cases.csv"
}' </dev/null
printf 'case_id,amount,k,category\nN1,30,9,\nN2,10,5,\nN3,25,,\nN6,20,NA,\n' >new.csv
printf '{"case_id": "N4", "amount": 30}\n{"case_id": "N5", "amount": 3, "k": 9}\n' >new.jsonl

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 5
expect_exit 0 yujing train p.yj --epochs 2 --batch 8 --hidden 4 --threads 1 --seed 3
expect_exit 0 yujing predict p.yj --source cases=new.csv --json
expect_exit 0 yujing predict p.yj --source cases=new.jsonl --json

python3 -c '
import json, sqlite3
db = sqlite3.connect("p.yj")
st = json.loads(db.execute("SELECT stats FROM snapshots ORDER BY id DESC LIMIT 1").fetchone()[0])
k = [f for s in st["sources"] for f in s["fields"] if f["name"] == "k"]
if len(k) != 1 or k[0].get("mean") != 5 or k[0].get("std") != 0:
    print("the stored statistics of k:", k)
rows = dict(db.execute("SELECT key, rows FROM batch_cases WHERE batch_id IN (1, 2)").fetchall())
for key, want in (("N1", "9"), ("N2", "5"), ("N3", "5"), ("N6", "5"), ("N4", "5"), ("N5", "9")):
    got = json.loads(rows[key])["cases"][0]["k"] if key in rows else None
    if got != want:
        print(key, "k as cleaned:", got, "want", want)
' >rows.out 2>&1
if [ ! -s rows.out ]; then
	ok 'a constant field: new values kept (no outlier without a spread), a missing one filled'
else
	not_ok 'a constant field: new values kept (no outlier without a spread), a missing one filled'
	diag_file rows.out
fi
done_testing
