#!/bin/sh
# predict-kept.sh - one cleaning engine (issue 12 §4): the raw rows of
# cases that training kept, read back through `predict --source`, give
# the probabilities that training-time prediction gives (explain --case
# for labeled cases, predict --unlabeled for the unlabeled ones), to 1e-6
# (the JSON prints 6 significant digits).
#   data   a label source `cases` (amount, score, district, note) and a
#          one-to-many source `passes` (speed, gate, lane), made below with
#          exact duplicates, repeated keys, nulls that are filled and rows
#          dropped for nulls, numeric outliers that are replaced (or, in
#          the second project, clipped) and rows dropped for outliers, rows
#          of no case, and unlabeled cases
#   files  for every chosen case (kept by the snapshot): all its raw rows
#          of `cases` (the repeats and duplicates drop again) and of
#          `passes` but those dropped for nulls (prediction fills nulls, so
#          that every case gets one): duplicates and rows with outliers
#          drop again.  The test checks that the chosen cases hold a filled
#          cell, a replaced or clipped cell, a repeated key, an unlabeled
#          case and a passes row that drops, so the comparison covers each
#          rule
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json, sqlite3, csv, struct' 2>/dev/null; then
	skip 'predict --source on kept rows' 'python3 with sqlite3 is not available'
	done_testing
fi

awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 4242
	print "case_id,amount,score,district,note,category" > "cases.csv"
	print "case_id,speed,gate,lane" > "passes.csv"
	split("north south east", D, " ")
	for (i = 1; i <= 240; i++) {
		a = sprintf("%.4f", rnd()); s = int(rnd() * 100); d = D[1 + int(rnd() * 3)]
		cat = (a + 0 > 0.5 || d == "east") ? "high" : "low"
		if (i % 17 == 0) a = ""                          # filled
		if (i % 29 == 0) { a = ""; d = ""; s = "" }      # dropped: 3 nulls of 4
		if (i % 13 == 0) a = 400 + i                     # outlier: replaced
		if (i % 41 == 0) s = 90000                       # outlier in score
		if (i % 37 == 0) cat = ""                        # unlabeled
		row = sprintf("K%03d,%s,%s,%s,note %d,%s", i, a, s, d, i % 5, cat)
		print row > "cases.csv"
		if (i % 11 == 0) print row > "cases.csv"         # exact duplicate
		if (i % 19 == 0) printf "K%03d,0.5,50,north,again,low\n", i > "cases.csv" # repeated key
		n = int(rnd() * 4)
		for (j = 0; j < n; j++) {
			sp = sprintf("%.2f", 40 + 20 * rnd()); g = "g" int(1 + rnd() * 4); l = int(rnd() * 3)
			if ((i + j) % 7 == 0) g = ""                 # filled (1 null of 3)
			if ((i + j) % 23 == 0) { g = ""; l = "" }    # dropped for nulls
			if ((i + j) % 17 == 0) sp = 9000             # outlier: row dropped
			printf "K%03d,%s,%s,%s\n", i, sp, g, l > "passes.csv"
			if ((i + j) % 43 == 0) printf "K%03d,%s,%s,%s\n", i, sp, g, l > "passes.csv"
		}
	}
	print "X001,45.00,g1,1" > "passes.csv"                   # no such case
}' </dev/null
: >empty

# check PROJECT OUTLIERS: train, export the kept rows, predict, compare
check()
{
	P=$1
	expect_exit 0 yujing init $P
	expect_exit 0 yujing import $P --source cases --key case_id --label category --text note cases.csv
	expect_exit 0 yujing import $P --source passes --key case_id passes.csv
	expect_exit 0 yujing clean $P --k-missing 0.5 --k-outlier 0.3 --outliers "$2"
	expect_exit 0 yujing split $P --seed 3
	expect_exit 0 yujing train $P --epochs 6 --batch 16 --hidden 8 --lr 0.02 --threads 1 --seed 5
	# every kept unlabeled case, 24 test and 10 train cases
	python3 - "$P" <<'PY' >export.out
import csv, sqlite3, struct, sys
db = sqlite3.connect(sys.argv[1])
snap = db.execute("SELECT id FROM snapshots WHERE active = 1").fetchone()[0]
split = db.execute("SELECT id FROM splits WHERE active = 1").fetchone()[0]
parts = dict(db.execute("SELECT key, part FROM split_cases WHERE split_id = ?", (split,)))
srcs = db.execute("SELECT id, name, data_table, label_field FROM sources ORDER BY id").fetchall()
def kept(src):
    b = db.execute("SELECT kept FROM snapshot_sources WHERE snapshot_id = ? AND source_id = ?",
                   (snap, src)).fetchone()[0]
    return {struct.unpack_from("<q", b, 8 * i)[0] for i in range(len(b) // 8)}
def rows(src, table):
    f = db.execute("SELECT name, col FROM fields WHERE source_id = ? ORDER BY pos", (src,)).fetchall()
    q = "SELECT row, %s FROM %s ORDER BY row" % (", ".join(c for _, c in f), table)
    return [x[0] for x in f], db.execute(q).fetchall()
lid, lname, ltable, lfield = [s for s in srcs if s[3]][0]
names, lrows = rows(lid, ltable)
k = names.index("case_id"); lab = names.index(lfield)
lkept = kept(lid)
keptrow = {r[1 + k]: r for r in lrows if r[0] in lkept}
unl = sorted(key for key, r in keptrow.items() if r[1 + lab] is None or r[1 + lab] == "")
test = sorted(key for key in keptrow if parts.get(key) == "test")[::2][:24]
train = sorted(key for key in keptrow if parts.get(key) == "train")[::9][:10]
chosen = set(unl) | set(test) | set(train)
def write(name, fields, rs):
    with open(name, "w", newline="") as f:
        w = csv.writer(f, lineterminator="\n"); w.writerow(fields)
        for r in rs: w.writerow(["" if v is None else v for v in r[1:]])
write("new-cases.csv", names, [r for r in lrows if r[1 + k] in chosen])
pid, pname, ptable, _ = [s for s in srcs if not s[3]][0]
pnames, prows = rows(pid, ptable)
pk = pnames.index("case_id"); pkept = kept(pid)
# all its rows but those dropped for nulls (more than --k-missing 0.5 of the 3
# attributes): prediction fills those instead, so that every case counts
def nulls(r):
    return sum(1 for i, v in enumerate(r[1:]) if i != pk and (v is None or v == ""))
prows_new = [r for r in prows if r[1 + pk] in chosen and nulls(r) / 3 <= 0.5]
write("new-passes.csv", pnames, prows_new)
dropped = sum(1 for r in prows_new if r[0] not in pkept)
open("labeled-keys", "w").write("\n".join(test + train) + "\n")
# what the chosen cases exercise
cells = db.execute("SELECT c.kind, c.row, c.source_id FROM snapshot_cells c WHERE c.snapshot_id = ?", (snap,)).fetchall()
rowkey = {(lid, r[0]): r[1 + k] for r in lrows}
rowkey.update({(pid, r[0]): r[1 + pk] for r in prows})
kinds = {kind for kind, row, src in cells if rowkey.get((src, row)) in chosen}
keys = [r[1 + k] for r in lrows if r[1 + k] in chosen]
dups = sum(1 for key in set(keys) if keys.count(key) > 1)
print("kinds", " ".join(sorted(kinds)))
print("repeated", dups, "unlabeled", len(unl), "labeled", len(test) + len(train), "dropped", dropped)
PY
	cp export.out "export-$2.out"
	expect_exit 0 yujing predict $P --source cases=new-cases.csv --source passes=new-passes.csv --json
	cp "$T/stdout" file.json
	expect_exit 0 yujing predict $P --unlabeled --json
	cp "$T/stdout" unl.json
	rm -f ex-*.json
	while read -r key; do
		run yujing explain $P --case "$key" --json
		cp "$T/stdout" "ex-$key.json"
	done <labeled-keys
	python3 - <<'PY' >eq.out
import json
f = {}
for l in open("file.json"):
    r = json.loads(l); f[r["key"]] = r["probabilities"]
want = {}
for l in open("unl.json"):
    r = json.loads(l); want[r["key"]] = r["probabilities"]
for key in open("labeled-keys").read().split():
    want[key] = json.load(open("ex-%s.json" % key))["probabilities"]
bad = []
if set(f) != set(want):
    bad.append(("cases", sorted(set(f) ^ set(want))))
worst = 0
for key in set(f) & set(want):
    for c, v in want[key].items():
        d = abs(f[key].get(c, -1) - v); worst = max(worst, d)
        if d > 1e-6: bad.append((key, c, v, f[key].get(c)))
if bad: print(len(bad), "differ; worst", worst, bad[:5])
PY
	expect_same_file empty eq.out "$2: the kept rows through predict --source give the training-time probabilities ($(sed -n 2p export.out))"
}

check p.yj replace
expect_eq "$(sed -n 1p export-replace.out)" 'kinds filled replaced' 'replace: the chosen cases hold filled and replaced cells'
check c.yj clip
expect_eq "$(sed -n 1p export-clip.out)" 'kinds clipped filled' 'clip: the chosen cases hold filled and clipped cells'
sed -n 2p export-replace.out | awk '$2 < 1 || $4 < 1 || $8 < 1 { print "too few: " $0 }' >cover.out
expect_same_file empty cover.out 'the files hold repeated keys, unlabeled cases and passes rows that drop again'

done_testing
