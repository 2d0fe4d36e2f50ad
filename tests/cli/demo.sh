#!/bin/sh
# demo.sh - yujing demo: the demo project built from the shipped data
# (share/yujing/demo, through YUJING_DATADIR), on its first 300 CAIL cases
# and 2 epochs (--rows, --epochs) so that it stays quick.
#   build      imports, profiles, cleans, splits, trains and predicts:
#              the project has the source, a snapshot, a split, a finished
#              run and one stored prediction per unlabeled case of the
#              rows read; a progress line per stage; the hint to open
#              it names the program as it was run (build/yujing before
#              installing)
#   bert       with the shipped encoder (encoders/cail-bert-tiny) the model
#              has a frozen BERT branch beside the n-gram one: a stage
#              takes the encoder (a pretraining run of 0 epochs, run 1),
#              the model is run 2 and explain lists both branches;
#              --no-bert leaves it out (6 stages, one run)
#   reuse      a second run reuses the finished project: no new run
#   unfinished a demo.yj without the finished mark is built again
#   default    without DIR, each data set has its own directory
#   errors     an unknown --dataset (2), missing demo data (1, a hint),
#              two directories (2)
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

data=$YUJING_DATADIR/demo/cail/cases.jsonl
if [ ! -r "$data" ]; then
	skip 'demo' "no demo data at $data"
	done_testing
fi
unlabeled=$(head -n 300 "$data" | grep -c '"accusation": null')
# the shipped encoder: a BERT branch, one stage and one run (the encoder's) more
if [ -r "$YUJING_DATADIR/encoders/cail-bert-tiny/config.json" ]; then
	N=7 model=2
else
	N=6 model=1
fi

expect_exit 0 yujing demo d --dataset cail --rows 300 --epochs 2 --no-tui
expect_stdout_contains 'building the cail demo in d/demo.yj'
for s in $(seq 1 $N); do
	expect_stdout_contains "[$s/$N]" "progress line of stage $s"
done
expect_stdout_contains "$unlabeled cases predicted and stored with run $model"
[ $N = 6 ] || expect_stdout_contains "[5/7] taking the shipped text encoder for a frozen BERT branch"
expect_stdout_contains "open it with: $YUJING d/demo.yj" 'the hint names the program as it was run'
check 'd/demo.yj exists' test -f d/demo.yj
run yujing sources d/demo.yj --json
expect_stdout_contains '"cases"' 'the project has the source cases'

if [ -n "$SQLITE3" ]; then
	q() { "$SQLITE3" -batch -noheader d/demo.yj "$1"; }
	expect_eq "$(q 'SELECT count(*) FROM snapshots WHERE active')" 1 'one active snapshot'
	expect_eq "$(q 'SELECT count(*) FROM splits WHERE active')" 1 'one active split'
	expect_eq "$(q "SELECT count(*) FROM split_cases")" $((300 - unlabeled)) 'the labeled cases are split'
	expect_eq "$(q "SELECT count(*) FROM runs r JOIN run_blobs b ON b.run_id = r.id AND b.kind = 'weights' WHERE r.status = 'done'")" 1 \
		'one finished run with weights'
	expect_eq "$(q "SELECT count(*) FROM encoders WHERE active")" $((model - 1)) 'the shipped encoder is the project'"'"'s'
	expect_eq "$(q "SELECT count(*) FROM predictions WHERE source = 'unlabeled'")" "$unlabeled" \
		'a prediction per unlabeled case'
	expect_eq "$(q "SELECT value FROM settings WHERE key = 'demo'")" cail 'the finished mark'
else
	for d in snapshot split 'labeled cases split' 'finished run' predictions mark; do
		skip "$d" 'SQLITE3 is not set'
	done
fi

if [ $N = 7 ]; then
	run yujing explain d/demo.yj --case 1
	expect_stdout_contains 'ngram:fact' 'explain: the n-gram branch has its share'
	expect_stdout_contains 'text:fact' 'explain: the BERT branch has its share'
	expect_exit 0 yujing demo nb --dataset cail --rows 300 --epochs 1 --no-bert --no-tui
	expect_stdout_contains '[6/6] predicting the unlabeled cases' '--no-bert: six stages'
	expect_stdout_contains 'stored with run 1' '--no-bert: no encoder run'
else
	skip 'bert' 'no shipped encoder in $YUJING_DATADIR/encoders'
fi

# A second run reuses the project.
expect_exit 0 yujing demo d --dataset cail --rows 300 --epochs 2 --no-tui
expect_stdout_contains 'reusing the finished cail demo in d/demo.yj'
run yujing runs d/demo.yj --json
expect_eq "$(grep -o '"id": *[0-9]*' "$T/stdout" | wc -l | tr -d ' ')" $model 'no new run'

# A project without the mark (an interrupted build) is built again.
mkdir u
yujing init u/demo.yj >/dev/null
expect_exit 0 yujing demo u --dataset cail --rows 300 --epochs 1 --no-tui
expect_stdout_contains 'u/demo.yj is unfinished; building it again'
expect_stdout_contains 'demo ready in'

# Without DIR: yujing-demo for chicago, yujing-demo-cail for cail, so
# that the two demos do not meet in one directory.
expect_exit 0 yujing demo --dataset cail --rows 300 --epochs 1 --no-tui
expect_stdout_contains 'building the cail demo in yujing-demo-cail/demo.yj'
expect_exit 0 yujing demo --rows 300 --epochs 1 --no-tui
expect_stdout_contains 'building the chicago demo in yujing-demo/demo.yj'
expect_exit 0 yujing demo --dataset cail --rows 300 --epochs 1 --no-tui
expect_stdout_contains 'reusing the finished cail demo in yujing-demo-cail/demo.yj'

# Errors.
expect_exit 2 yujing demo e --dataset nyc --no-tui
expect_stderr_contains "--dataset wants chicago or cail, not 'nyc'"
expect_exit 2 yujing demo a b --no-tui
datadir=$YUJING_DATADIR
YUJING_DATADIR=$PWD/nowhere
expect_exit 1 yujing demo m --dataset cail --no-tui
YUJING_DATADIR=$datadir
expect_stderr_contains 'hint: install yujing, or set YUJING_DATADIR'

done_testing
