#!/bin/bash
# quality_report.sh - yujing's warnings on cases it has never seen, next to
# scikit-learn on the same cases (issue 13 §6).  Its table goes into the
# README.
#
#   bench/quality_report.sh [--only PHASES] [--dataset chicago|cail|all]
#                           [--work DIR] [--minutes N] [--no-tune] [--remake]
#
# Phases (--only takes a comma list; all four by default, in this order):
#   prepare    the holdout and the project, each made once per work
#              directory and kept: DIR/D/holdout and DIR/D/learn (a second
#              run reuses them), DIR/D/project.yj (init, import, clean --k
#              0.3, split --seed 1); --remake makes the project again with
#              this yujing (the holdout is never made again).
#   baselines  scikit-learn on the project's split, cached in
#              DIR/D/baselines.json and reused while the split's train and
#              valid cases are the same (their digest); made again when they
#              are not.
#   yujing     the yujing rows, each a new run on the project:
#                defaults  train --seed 1, then predict --source on the
#                          holdout files; seconds: the train command;
#                tune      tune --minutes N --seed 1 (default 30; the winner
#                          becomes the model of record), predict with
#                          the winner; seconds: the whole search.  --no-tune: no
#                          tune row.
#              Each row is kept as DIR/D/rows/yujing-ROW-COMMIT.json (a
#              later commit adds rows, the same commit replaces its own).
#   table      the Markdown table of every kept row: data, method,
#              accuracy, macro-F1, ECE, train seconds, the load during the
#              row (the least and most 1-minute load average, sampled every
#              10 s), and the commit of the source tree.
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
# The holdout: a seeded draw stratified by label, 20% of the cases
# (quality_report.py holdout).  Nothing reads it before the end of a row:
# every choice (yujing's best epoch, early stopping, temperature, tune's
# trials, the baselines' C and xgboost's rounds) is made on the validation
# part of yujing's own split of the other 80%, and each row scores the
# holdout once.
#
# Rows (accuracy, macro-F1; ECE = expected calibration error of the top
# probability over 15 equal-width bins, for the rows that give
# probabilities):
#   yujing            as above.
#   sklearn           TF-IDF (+ one-hot on chicago) features fitted on the
#                     split's train part; LinearSVC and LogisticRegression
#                     with C chosen on the validation part (solver, tol,
#                     max_iter and the C grid are in the row's name); on
#                     chicago also xgboost (python3-xgboost, when
#                     importable) with its rounds chosen by early stopping
#                     on the validation part; seconds: the features plus the
#                     chosen model's fit (the whole grid in baselines.json).
# Environment: YUJING (default ./yujing, else yujing on PATH), JSON=FILE
# also writes the table's rows as JSON lines.
set -eu

here=$(cd "$(dirname "$0")" && pwd)
data=${DATA:-$here/../../shared/data}
py=/usr/bin/python3
helper=$here/quality_report.py

datasets="cail chicago"
minutes=30
work=./quality-work
tune=1
remake=0
phases=prepare,baselines,yujing,table
while [ $# -gt 0 ]; do
	case $1 in
	--only) phases=$2; shift 2 ;;
	--minutes) minutes=$2; shift 2 ;;
	--dataset)
		[ "$2" = all ] && datasets="cail chicago" || datasets=$2
		shift 2 ;;
	--work) work=$2; shift 2 ;;
	--no-tune) tune=0; shift ;;
	--remake) remake=1; shift ;;
	-h|--help) sed -n '2,/^set -eu/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	*) echo "quality_report.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
for ph in ${phases//,/ }; do
	case $ph in
	prepare|baselines|yujing|table) ;;
	*) echo "quality_report.sh: unknown phase $ph (prepare, baselines, yujing, table)" >&2; exit 2 ;;
	esac
done
for d in $datasets; do
	case $d in
	chicago|cail) ;;
	*) echo "quality_report.sh: unknown data set $d (chicago, cail, all)" >&2; exit 2 ;;
	esac
done
phase() { case ",$phases," in *",$1,"*) return 0 ;; esac; return 1; }

if [ -n "${YUJING:-}" ]; then
	yj=$YUJING
elif [ -x ./yujing ]; then
	yj=$(pwd)/yujing
else
	yj=$(command -v yujing) || { echo "quality_report.sh: no yujing (set YUJING)" >&2; exit 1; }
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)
commit=$(git -C "$here/.." describe --always --dirty 2>/dev/null || echo unknown)

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
yjq() {
	echo "+ yujing $*" >&2
	"$yj" "$@" >/dev/null
}

# The load during a row: load_begin starts a sampler of the 1-minute load
# average (every 10 s), load_end stops it and sets $load to "min-max".
sampler=
load_begin() {
	loadf=$(mktemp)
	cut -d' ' -f1 /proc/loadavg >"$loadf"
	(while sleep 10; do cut -d' ' -f1 /proc/loadavg >>"$loadf"; done) &
	sampler=$!
}
load_end() {
	kill "$sampler" 2>/dev/null || true
	wait "$sampler" 2>/dev/null || true
	sampler=
	cut -d' ' -f1 /proc/loadavg >>"$loadf"
	load=$(awk 'NR == 1 || $1 < lo { lo = $1 } NR == 1 || $1 > hi { hi = $1 } END { printf "%.1f-%.1f", lo, hi }' "$loadf")
	rm -f "$loadf"
}
trap '[ -z "$sampler" ] || kill "$sampler" 2>/dev/null || true' EXIT

# prepare DATASET: the holdout (once) and the project (once, or again
# with --remake)
prepare() {
	local d=$1 p=$work/$1/project.yj l=$work/$1/learn
	"$py" "$helper" holdout --dataset "$d" "$data" "$work/$d"
	if [ -e "$p" ] && [ "$remake" = 0 ]; then
		echo "quality_report.sh: $p exists: kept (--remake makes it again)" >&2
		return 0
	fi
	rm -f "$p" "$p-wal" "$p-shm" "$p.tmp" "$p.tmp-wal" "$p.tmp-shm"
	yjq init "$p.tmp"
	if [ "$d" = chicago ]; then
		yjq import "$p.tmp" --source incident --key id --label primary_type --text location_description "$l/incident.csv"
		yjq import "$p.tmp" --source place --key id --text block "$l/place.csv"
	else
		yjq import "$p.tmp" --source cases --key id --label meta.accusation --text fact "$l/cases.jsonl"
	fi
	yjq clean "$p.tmp" --k 0.3
	yjq split "$p.tmp" --seed 1
	# the name last: project.yj exists only once it is split (with its
	# write-ahead log, should yujing have left one)
	[ ! -e "$p.tmp-wal" ] || mv "$p.tmp-wal" "$p-wal"
	rm -f "$p.tmp-shm"
	mv "$p.tmp" "$p"
	echo "quality_report.sh: $p made, split $("$py" "$helper" digest "$p")" >&2
}

need_project() {
	[ -e "$work/$1/project.yj" ] || {
		echo "quality_report.sh: no $work/$1/project.yj: run the prepare phase first" >&2
		exit 1
	}
}

# baselines DATASET: scikit-learn's rows, unless cached for this split
baselines() {
	local d=$1 p=$work/$1/project.yj b=$work/$1/baselines.json x='' have now
	need_project "$d"
	now=$("$py" "$helper" digest "$p")
	if [ -e "$b" ]; then
		have=$("$py" -c 'import json, sys; print(json.load(open(sys.argv[1]))["split_digest"])' "$b")
		if [ "$have" = "$now" ]; then
			echo "quality_report.sh: $b is for split $now: kept" >&2
			return 0
		fi
		echo "quality_report.sh: $b is for split $have, the project's is $now: made again" >&2
	fi
	[ "$d" = chicago ] && x=--xgboost
	echo "+ $py $helper sklearn $p $work/$d --dataset $d $x" >&2
	"$py" -W ignore "$helper" sklearn "$p" "$work/$d" --dataset "$d" --commit "$commit" $x >"$b.tmp"
	mv "$b.tmp" "$b"
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

# keep_row DATASET ROW RUN NAME SECONDS: scores the row's predictions
# (DIR/D/ROW.pred.jsonl) on the holdout and keeps the row
keep_row() {
	local d=$1 row=$2 run=$3 name=$4 s=$5 out
	out=$work/$d/rows/yujing-$row-$commit.json
	mkdir -p "$work/$d/rows"
	"$py" "$helper" score "$work/$d/$row.pred.jsonl" "$work/$d" --dataset "$d" --method "yujing $row" \
		--name "$name" --seconds "$s" --run "$run" --load "$load" --commit "$commit" \
		--split-digest "$("$py" "$helper" digest "$work/$d/project.yj")" >"$out.tmp"
	mv "$out.tmp" "$out"
	echo "= $(cat "$out")" >&2
}

yujing_rows() {
	local d=$1 p=$work/$1/project.yj t0 t1 run k own
	need_project "$d"
	echo "+ yujing train $p --seed 1" >&2
	load_begin
	t0=$(now)
	run=$("$yj" train "$p" --seed 1 --json | "$py" -c 'import json, sys; print(json.load(sys.stdin)["run"])')
	t1=$(now)
	load_end
	predict_holdout "$d" "$p" "$run" "$work/$d/defaults.pred.jsonl"
	keep_row "$d" defaults "$run" "yujing defaults (run $run)" "$(secs "$t0" "$t1")"
	[ "$tune" = 1 ] || return 0
	echo "+ yujing tune $p --minutes $minutes --seed 1 --json" >&2
	load_begin
	t0=$(now)
	"$yj" tune "$p" --minutes "$minutes" --seed 1 --json >"$work/$d/tune.jsonl"
	t1=$(now)
	load_end
	run=$(tail -n 1 "$work/$d/tune.jsonl" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["best_run"])')
	k=$(tail -n 1 "$work/$d/tune.jsonl" | "$py" -c 'import json, sys; print(json.load(sys.stdin)["trials"])')
	own=$("$yj" runs "$p" --history "$run" --json | "$py" -c 'import json, sys; print("%.0f" % sum(e["seconds"] for e in json.load(sys.stdin)["epochs"]))')
	predict_holdout "$d" "$p" "$run" "$work/$d/tune.pred.jsonl"
	keep_row "$d" tune "$run" "yujing tune --minutes $minutes ($k trials, winner run $run: $own s)" "$(secs "$t0" "$t1")"
}

echo "yujing: $("$yj" --version | head -1), tree $commit; $(nproc) cores; load $(cut -d' ' -f1-3 /proc/loadavg); work $work; phases $phases" >&2
for d in $datasets; do
	mkdir -p "$work/$d"
	if phase prepare; then prepare "$d"; fi
	if phase baselines; then baselines "$d"; fi
	if phase yujing; then yujing_rows "$d"; fi
done
if phase table; then
	# shellcheck disable=SC2086
	"$py" "$helper" table "$work" $datasets --json "${JSON:-}"
fi
