#!/bin/sh
# cli-opts.sh - every numeric option's bounds, at the edge: the last value
# a command takes and the first it refuses (usage error, exit 2, the
# message naming the option).  The bounds are the ones the help and the
# manual give (a fraction "between 0 and 1" excludes both ends, "at least 0
# and below 1" takes 0, a run or snapshot number starts at 1, --resamples
# runs from 1 to 1000000).  "Taken" means the command went past option
# parsing: whatever it then says, it is not a usage error.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# refused MESSAGE COMMAND ARGS...: exit 2, nothing on stdout, the message
# and the pointer to the command's help on stderr.
refused()
{
	_rf_msg=$1
	shift
	expect_exit 2 yujing "$@"
	expect_stderr "$* is refused" <<EOF
yujing $1: $_rf_msg
Try 'yujing $1 --help' for more information.
EOF
}

# taken COMMAND ARGS...: not a usage error.
taken()
{
	run yujing "$@"
	if grep -F "Try 'yujing" "$T/stderr" >/dev/null; then
		not_ok "$* is taken"
		diag_file "$T/stderr" stderr
	else
		ok "$* is taken"
	fi
}

cat >c.csv <<'EOF'
id,crime,amount,place,hour
1,theft,10,a,x
2,theft,,b,y
3,fraud,30,a,x
4,fraud,40,b,y
5,theft,50,a,x
6,fraud,60,b,y
EOF
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import -s c -k id -l crime p.yj c.csv
# An empty project for the commands that would otherwise start work.
expect_exit 0 yujing init e.yj

# split: --test in (0, 1), --valid in [0, 1)
refused '--test wants a fraction between 0 and 1' split --test 1 p.yj
refused '--test wants a fraction between 0 and 1' split --test 0 p.yj
taken split --test 0.999 p.yj
taken split --test 0.001 --valid 0 p.yj
refused '--valid wants a fraction of at least 0 and below 1' split --valid 1 p.yj
refused '--valid wants a fraction of at least 0 and below 1' split --valid -0.5 p.yj
refused '--seed wants a non-negative whole number' split --seed -1 p.yj
taken split --seed 0 p.yj
refused '--label-pick wants first or drop-multi' split --label-pick last p.yj
taken split --label-pick drop-multi p.yj

# runs, predictions, explanations: numbers from 1
refused '--run wants a run number' predict --run 0 --unlabeled p.yj
taken predict --run 1 --unlabeled p.yj
refused "--alert wants CATEGORY>=P with P in [0, 1], not 'theft>=1.01'" predict --alert 'theft>=1.01' --unlabeled p.yj
refused "--alert wants CATEGORY>=P with P in [0, 1], not 'theft>=-0.1'" predict --alert 'theft>=-0.1' --unlabeled p.yj
refused "--alert wants CATEGORY>=P with P in [0, 1], not '>=0.5'" predict --alert '>=0.5' --unlabeled p.yj
refused "--alert wants CATEGORY>=P with P in [0, 1], not 'theft=0.5'" predict --alert 'theft=0.5' --unlabeled p.yj
taken predict --alert 'theft>=1' --unlabeled p.yj
taken predict --alert 'theft>=0' --unlabeled p.yj
refused "--source wants NAME=FILE, not 'c.csv'" predict --source c.csv p.yj
refused '--source and --unlabeled: say which cases, not both' predict --source c=c.csv --unlabeled p.yj
refused '--run wants a run number' eval --run 0 p.yj
taken eval --run 1 p.yj
refused '--run wants a run number' explain --run 0 --case 1 p.yj
taken explain --run 1 --case 1 p.yj
refused '--batch wants a batch number' explain --batch 0 --case 1 p.yj
taken explain --batch 1 --case 1 p.yj
refused '--run wants a run number' alerts --run 0 p.yj
taken alerts --run 1 p.yj
refused '--cancel wants a whole number of at least 1' train --cancel 0 p.yj
taken train --cancel 1 p.yj
refused '--resume wants a whole number of at least 1' train --resume 0 p.yj

# runs: --use takes 0 (unpin), --resamples up to 1000000
refused '--resamples wants a number from 1 to 1000000' runs --resamples 1000001 p.yj
refused '--resamples wants a number from 1 to 1000000' runs --resamples 0 p.yj
taken runs --resamples 1000000 p.yj
taken runs --resamples 1 p.yj
taken runs --use 0 p.yj
refused '--use wants a run number' runs --use -1 p.yj
refused '--history wants a run number' runs --history 0 p.yj
refused '--delete wants a run number' runs --delete 0 p.yj
refused '--compare wants a run number' runs --compare 0 p.yj 1
refused '--compare A wants run B after the project file' runs --compare 1 p.yj 0
refused '--compare A wants run B after the project file' runs --compare 1 p.yj

# clean: k in [0, 1], sigma above 0, snapshots from 1
taken clean --k 1 --dry-run p.yj
taken clean --k 0 --dry-run p.yj
refused "k must be a number between 0 and 1 (got '1.01')" clean --k 1.01 p.yj
refused "k must be a number between 0 and 1 (got '-0.01')" clean --k-missing -0.01 p.yj
refused '--sigma wants a positive number' clean --sigma 0 p.yj
taken clean --sigma 0.5 --dry-run p.yj
refused '--use wants a snapshot number' clean --use 0 p.yj
refused '--outliers wants replace, clip, drop or keep' clean --outliers cut p.yj
refused '--sigma wants a positive number' profile --sigma 0 p.yj
taken profile --sigma 0.01 p.yj

# tune (on the empty project): minutes in (0, 1e6], counts from 1, the seed from 0
refused '--minutes wants a number of minutes above 0' tune --minutes 1000001 e.yj
refused '--minutes wants a number of minutes above 0' tune --minutes 0 e.yj
taken tune --minutes 1000000 e.yj
refused '--trials wants a whole number of at least 1' tune --trials 0 e.yj
refused '--seed wants a whole number of at least 0' tune --seed -1 e.yj
taken tune --seed 0 e.yj
taken tune --trials 1 e.yj

# embed, import, init, sources
refused '--max-len wants a whole number of at least 2' embed --max-len 1 x
refused "--pool wants cls, mean or pooler, not 'max'" embed --pool max x
refused "unknown format 'xml' (use csv, tsv or jsonl)" import -s d -k id -f xml p.yj c.csv
refused '--source and --key are required' import -s d p.yj c.csv
refused '--source and --key are required' import -k id p.yj c.csv
refused 'expected a project file and one data file' import -s d -k id p.yj
refused 'expected one project file name' init
refused 'expected one project file name' init a.yj b.yj
expect_no_file a.yj 'init with two names creates nothing'
refused "--set-type wants SOURCE.FIELD=TYPE, not 'c.amount'" sources --set-type c.amount p.yj
refused 'expected one project file' sources p.yj p.yj

done_testing
