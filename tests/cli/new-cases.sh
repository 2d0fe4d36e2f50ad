#!/bin/sh
# new-cases.sh - new cases brought in by predict --source can be inspected
# (issue 14, item 4).  Before, explain refused every case that was not in
# the active snapshot ("no case '...' in the active snapshot").
#
#   predict --source stores a batch: predict --json lines carry
#   "batch": 1; the batch holds the file and each case's rows as the run
#   cleaned them (a null amount takes the fill value 0.25 that clean
#   --fill amount=const:0.25 set, read back from batch_cases);
#   explain --case N1 (only in the batch) explains it with "batch": 1,
#   the same probabilities predict gave, and the baseline plus the branch
#   Shapley values equal the output logit (the efficiency of Shapley
#   values, checked here to 1e-4);
#   a second batch holding N1 again: explain finds the latest (2), and
#   --batch 1 the first; --batch naming a batch without the case and an
#   unknown key are errors; a project case still comes from the snapshot;
#   a schema-1 file migrates to schema 2.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json, sqlite3' 2>/dev/null; then
	skip 'new cases' 'python3 is not available'
	done_testing
fi

# 120 cases: the category is high when amount > 0.5; a text note.
awk '
function rnd() { seed = (16807 * seed) % 2147483647; return seed / 2147483647 }
BEGIN {
	seed = 4711
	print "case_id,amount,note,category" > "cases.csv"
	for (i = 1; i <= 120; i++) {
		a = rnd()
		printf "C%04d,%.4f,%s,%s\n", i, a, (rnd() < 0.5 ? "在家中发现" : "民警到场"), (a > 0.5 ? "high" : "low") > "cases.csv"
	}
}' </dev/null
printf 'case_id,amount,note,category\nN1,0.9,民警到场,\nN2,,在家中发现,\n' >new.csv
printf 'case_id,amount,note,category\nN1,0.1,民警到场,\n' >new2.csv

expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key case_id --label category --text note cases.csv
expect_exit 0 yujing clean p.yj --fill amount=const:0.25
expect_exit 0 yujing split p.yj --seed 5
expect_exit 0 yujing train p.yj --epochs 10 --batch 16 --hidden 8 --lr 0.01 --threads 1 --seed 3
expect_exit 0 yujing predict p.yj --source cases=new.csv --json
cp "$T/stdout" pred.json
expect_eq "$(grep -c '"batch": *1[,}]' pred.json)" 2 'both predict --json lines carry "batch": 1'

python3 -c '
import json, sqlite3
db = sqlite3.connect("p.yj")
rows = dict(db.execute("SELECT key, rows FROM batch_cases WHERE batch_id = 1").fetchall())
n2 = json.loads(rows["N2"])["cases"][0]
if n2["amount"] != "0.25": print("N2 amount as cleaned", n2)
n1 = json.loads(rows["N1"])["cases"][0]
if n1["amount"] != "0.9" or n1["note"] != "民警到场": print("N1 as cleaned", n1)
f = db.execute("SELECT source, path, length(content) FROM batch_files WHERE batch_id = 1").fetchall()
if f != [("cases", "new.csv", len(open("new.csv", "rb").read()))]: print("files", f)
b = db.execute("SELECT count(*) FROM predictions WHERE batch_id = 1").fetchone()[0]
if b != 2: print("predictions of batch 1:", b)
' >rows.out 2>&1
expect_eq "$(cat rows.out)" "" 'the batch holds the file, the rows as cleaned (the null filled) and the predictions'

expect_exit 0 yujing explain p.yj --case N1 --json
cp "$T/stdout" ex.json
python3 -c '
import json
e = json.load(open("ex.json"))
p = [json.loads(l) for l in open("pred.json")]
p = {r["key"]: r for r in p}["N1"]
bad = []
if e["batch"] != 1: bad.append(("batch", e["batch"]))
if e["predicted"] != p["predicted"]: bad.append(("predicted", e["predicted"], p["predicted"]))
for c, v in e["probabilities"].items():
    if abs(p["probabilities"][c] - v) > 1e-5: bad.append(("probability", c, v, p["probabilities"][c]))
s = e["base"]["logit"] + sum(b["logit"] for b in e["branches"])
if abs(s - e["output"]["logit"]) > 1e-4: bad.append(("Shapley sum", s, e["output"]["logit"]))
if len(e["branches"]) != 2: bad.append(("branches", [b["name"] for b in e["branches"]]))
for b in bad: print(b)
' >ex.out 2>&1
expect_eq "$(cat ex.out)" "" 'explain of a batch case: batch 1, the predicted probabilities, baseline + Shapley values = logit'
run "$YUJING" explain p.yj --case N1
expect_stdout_contains 'case N1 of batch 1 (new cases)' 'the text says where the case came from'

expect_exit 0 yujing predict p.yj --source cases=new2.csv --json
expect_stdout_contains '"batch":2}' 'the second batch is batch 2'
expect_exit 0 yujing explain p.yj --case N1 --json
expect_stdout_contains '"batch": 2' 'explain finds the latest batch holding N1'
expect_exit 0 yujing explain p.yj --case N1 --batch 1 --json
expect_stdout_contains '"batch": 1' '--batch 1 chooses the first'
expect_exit 1 yujing explain p.yj --case N2 --batch 2
expect_stderr_contains "batch 2 holds no case 'N2'" '--batch names a batch without the case'
expect_exit 1 yujing explain p.yj --case NOPE
expect_stderr_contains "no case 'NOPE' in the active snapshot or in a batch of new cases" 'an unknown case'
expect_exit 0 yujing explain p.yj --case C0001 --json
expect_stdout_contains '"batch": null' 'a project case is explained from the active snapshot'

# Schema 1 -> 4: a file as schema 1 left it (the batch tables and column
# removed again with sqlite3, user_version 1) migrates when opened.
if [ -n "${SQLITE3:-}" ]; then
	expect_exit 0 yujing init v1.yj
	# Schema 4's and 3's changes are undone first: run_blobs dropped and
	# runs rebuilt with the statement of schema 1 (its weights and
	# checkpoint columns, no tune_id), split_cases rebuilt likewise, the
	# tune groups dropped.
	"$SQLITE3" v1.yj "DROP TABLE run_blobs; DROP TABLE runs;
		CREATE TABLE runs (  id          INTEGER PRIMARY KEY,  created_at  TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%SZ', 'now')),  updated_at  TEXT,  status      TEXT NOT NULL CHECK (status IN ('running','done','cancelled','failed')),  split_id    INTEGER REFERENCES splits(id) ON DELETE SET NULL,  config      TEXT NOT NULL,  labels      TEXT NOT NULL,  features    TEXT NOT NULL,  total_steps INTEGER NOT NULL DEFAULT 0,  steps_done  INTEGER NOT NULL DEFAULT 0,  epochs_done INTEGER NOT NULL DEFAULT 0,  best_epoch  INTEGER,  metrics     TEXT,  weights     BLOB,  checkpoint  BLOB,  ckpt_state  TEXT,  cancel      INTEGER NOT NULL DEFAULT 0,  pid         INTEGER,  message     TEXT);
		DROP TABLE tunes; DROP TABLE split_cases;
		CREATE TABLE split_cases (  split_id INTEGER NOT NULL REFERENCES splits(id) ON DELETE CASCADE,  key      TEXT NOT NULL,  label    TEXT NOT NULL,  part     TEXT NOT NULL CHECK (part IN ('train','test')),  PRIMARY KEY (split_id, key)) WITHOUT ROWID;
		DROP TABLE batch_cases; DROP TABLE batch_files; DROP TABLE batches;
		ALTER TABLE predictions DROP COLUMN batch_id; PRAGMA user_version = 1;"
	expect_exit 0 yujing runs v1.yj
	expect_eq "$("$SQLITE3" v1.yj "PRAGMA user_version; SELECT count(*) FROM pragma_table_info('predictions')
		WHERE name = 'batch_id'; SELECT group_concat(name) FROM (SELECT name FROM sqlite_schema
		WHERE name LIKE 'batch%' ORDER BY name); SELECT count(*) FROM sqlite_schema WHERE name = 'tunes';
		SELECT count(*) FROM pragma_table_info('runs') WHERE name = 'tune_id';
		SELECT instr(sql, 'valid') > 0 FROM sqlite_schema WHERE name = 'split_cases';
		SELECT count(*) FROM sqlite_schema WHERE name = 'run_blobs';
		SELECT count(*) FROM pragma_table_info('runs') WHERE name IN ('weights', 'checkpoint')" | tr '\n' ' ')" \
		'4 1 batch_cases,batch_cases_key,batch_files,batches 1 1 1 1 0 ' \
		'a schema-1 file migrates to 4: the batch tables, predictions.batch_id, tunes, runs.tune_id, split_cases with valid, run_blobs, runs without its blobs'
else
	skip 'schema 1 -> 2' 'SQLITE3 is not set'
fi
done_testing
