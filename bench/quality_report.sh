#!/bin/bash
# quality_report.sh - yujing's warnings on cases it has never seen, next to
# scikit-learn on the same cases (issue 13 §6).  Its table goes into the
# README.
#
#   bench/quality_report.sh [--minutes N] [--dataset chicago|cail|all]
#                           [--work DIR] [--no-tune]
#
# Data (../shared/data beside the source tree, or $DATA):
#   chicago  chicago_englewood_2017_2018: two sources keyed by id, incident
#            (date, arrest, domestic, location_description as text; label
#            primary_type) and place (block as text, beat, district, ward,
#            community_area, latitude, longitude).  Left out: iucr, fbi_code,
#            description (they give the label away), case_number, location,
#            x/y_coordinate, updated_on, year, c_tract.
#   cail     cail2018: fact as text, the label the first accusation (the
#            other meta fields are outcomes of the same judgment).
#
# The holdout: made ONCE per work directory (DIR/DATASET/holdout; a second
# run reuses it) by a seeded draw stratified by label, 20% of the cases
# (quality_report.py holdout).  Nothing below reads it before the end: every
# choice (yujing's best epoch, early stopping, temperature, tune's trials,
# the baselines' C and xgboost's rounds) is made on the validation part of
# yujing's own split of the other 80%.
#
# Rows, each scored on the holdout (accuracy, macro-F1; ECE = expected
# calibration error of the top probability over 15 equal-width bins, for
# the rows that give probabilities):
#   yujing defaults   init, import, clean --k 0.3, split --seed 1,
#                     train --seed 1, then predict --source on the holdout
#                     files; seconds: the train command.
#   yujing tune       tune --minutes N --seed 1 on the same project (its
#                     winner the model of record), predict with it; seconds:
#                     the whole search (the winner's own run in brackets).
#   sklearn           TF-IDF (+ one-hot on chicago) features fitted on the
#                     split's train part, LinearSVC and LogisticRegression
#                     with C chosen on the validation part; on chicago also
#                     xgboost (python3-xgboost, when importable) with its
#                     rounds chosen by early stopping on the validation part;
#                     seconds: features plus the chosen model's fit.
# The work directory stays (the projects, predictions and the baselines'
# JSON are there).  Environment: YUJING (default ./yujing, else yujing on
# PATH), JSON=FILE also writes every row as a JSON line.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data}
py=/usr/bin/python3
helper=$here/quality_report.py

datasets="cail chicago"
minutes=30
work=./quality-work
tune=1
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=$2; shift 2 ;;
	--dataset)
		[ "$2" = all ] && datasets="cail chicago" || datasets=$2
		shift 2 ;;
	--work) work=$2; shift 2 ;;
	--no-tune) tune=0; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "quality_report.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done

if [ -n "${YUJING:-}" ]; then
	yj=$YUJING
elif [ -x ./yujing ]; then
	yj=$(pwd)/yujing
else
	yj=$(command -v yujing) || { echo "quality_report.sh: no yujing (set YUJING)" >&2; exit 1; }
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
yjq() {
	echo "+ yujing $*" >&2
	"$yj" "$@" >/dev/null
}

# import_learn DATASET PROJECT: a new project with the cases to learn from
import_learn() {
	local d=$1 p=$2 l=$work/$1/learn
	rm -f "$p" "$p-wal" "$p-shm"
	yjq init "$p"
	if [ "$d" = chicago ]; then
		yjq import "$p" --source incident --key id --label primary_type --text location_description "$l/incident.csv"
		yjq import "$p" --source place --key id --text block "$l/place.csv"
	else
		yjq import "$p" --source cases --key id --label meta.accusation --text fact "$l/cases.jsonl"
	fi
}

# predict_holdout DATASET PROJECT RUN OUT: the run's predictions of the
# holdout cases, one JSON line each
predict_holdout() {
	local d=$1 p=$2 run=$3 h=$work/$1/holdout
	echo "+ yujing predict $p --run $run (holdout)" >&2
	if [ "$d" = chicago ]; then
		"$yj" predict "$p" --run "$run" --source incident="$h/incident.csv" --source place="$h/place.csv" --json >"$4"
	else
		"$yj" predict "$p" --run "$run" --source cases="$h/cases.jsonl" --json >"$4"
	fi
}

rows=()
report() {
	local d=$1 p=$work/$1/project.yj t0 t1 run score
	"$py" "$helper" holdout --dataset "$d" "$data" "$work/$d"
	import_learn "$d" "$p"
	yjq clean "$p" --k 0.3
	yjq split "$p" --seed 1
	echo "+ yujing train $p --seed 1" >&2
	t0=$(now)
	run=$("$yj" train "$p" --seed 1 --json | "$py" -c 'import json, sys; print(json.load(sys.stdin)["run"])')
	t1=$(now)
	predict_holdout "$d" "$p" "$run" "$work/$d/defaults.pred.jsonl"
	score=$("$py" "$helper" score "$work/$d/defaults.pred.jsonl" "$work/$d" --dataset "$d")
	rows+=("$d|yujing defaults (run $run)|$score|$(secs "$t0" "$t1")")
	echo "= ${rows[-1]}" >&2
	if [ "$tune" = 1 ]; then
		echo "+ yujing tune $p --minutes $minutes --seed 1 --json" >&2
		t0=$(now)
		"$yj" tune "$p" --minutes "$minutes" --seed 1 --json >"$work/$d/tune.jsonl"
		t1=$(now)
		run=$(tail -n 1 "$work/$d/tune.jsonl" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["best_run"])')
		local k own
		k=$(tail -n 1 "$work/$d/tune.jsonl" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["trials"])')
		own=$("$yj" runs "$p" --history "$run" --json | "$py" -c 'import json, sys; print("%.1f" % sum(e["seconds"] for e in json.load(sys.stdin)["epochs"]))')
		predict_holdout "$d" "$p" "$run" "$work/$d/tune.pred.jsonl"
		score=$("$py" "$helper" score "$work/$d/tune.pred.jsonl" "$work/$d" --dataset "$d")
		rows+=("$d|yujing tune --minutes $minutes ($k trials, winner run $run: ${own} s)|$score|$(secs "$t0" "$t1")")
		echo "= ${rows[-1]}" >&2
	fi
	local x=
	[ "$d" = chicago ] && x=--xgboost
	echo "+ $py $helper sklearn $p $work/$d --dataset $d $x" >&2
	"$py" -W ignore "$helper" sklearn "$p" "$work/$d" --dataset "$d" $x >"$work/$d/sklearn.json"
	mapfile -t more < <("$py" -c '
import json, sys
o = json.load(open(sys.argv[1]))
kind = {"chicago": "one-hot + word TF-IDF", "cail": "char 1-3-gram TF-IDF"}[o["dataset"]]
for r in o["rows"]:
    if r["method"] == "xgboost":
        name = "xgboost, one-hot + TF-IDF (%d rounds)" % r["rounds"]
    else:
        name = "sklearn %s + %s (C %g)" % (kind, r["method"], r["C"])
    s = {k: r[k] for k in ("accuracy", "macro_f1", "ece") if k in r}
    print("%s|%s|%s|%.1f" % (o["dataset"], name, json.dumps(s), r["train_seconds"]))' "$work/$d/sklearn.json")
	rows+=("${more[@]}")
	printf '= %s\n' "${more[@]}" >&2
}

echo "yujing: $("$yj" --version | head -1); $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); work $work" >&2
for d in $datasets; do
	report "$d"
done

printf '%s\n' "${rows[@]}" | "$py" -c '
import json, sys
jsonf = sys.argv[1]
title = {"chicago": "Chicago Englewood (incident + place)", "cail": "CAIL2018 facts"}
print("| data | method | accuracy | macro-F1 | ECE | train s |")
print("|---|---|---|---|---|---|")
out = []
for line in sys.stdin:
    d, name, s, secs = line.rstrip("\n").split("|")
    s = json.loads(s)
    e = "%.3f" % s["ece"] if "ece" in s else "-"
    print("| %s | %s | %.3f | %.3f | %s | %s |" % (title[d], name, s["accuracy"], s["macro_f1"], e, secs))
    out.append(dict(dataset=d, method=name, seconds=float(secs), **s))
if jsonf:
    with open(jsonf, "a") as f:
        for o in out:
            f.write(json.dumps(o) + "\n")
' "${JSON:-}"
