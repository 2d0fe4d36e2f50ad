#!/bin/sh
# predict-many.sh - predict works through the cases in batches of 256
# (RM_BATCH, src/train/predict.c).  Every case gets exactly one
# prediction, the last batch no more than its own (issue 18: a mutant
# sizing the last batch as a full one passed every test, since no test
# predicted more than 256 cases).  The expected counts are the rows of the
# inputs, counted by hand: 600 cases of which the 300 odd ones are
# labeled (--unlabeled: 300 = 256 + 44), and a file of 600 new cases
# (--source: 256 + 256 + 88).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# 600 cases: amount decides the category (below 50: theft); the even
# ones have no label
awk 'BEGIN { print "id,kind,amount";
	for (i = 1; i <= 600; i++)
		printf "K%03d,%s,%d\n", i, (i % 2 == 0 ? "" : ((i * 37) % 100 < 50 ? "theft" : "fraud")), (i * 37) % 100 }' >cases.csv
awk 'BEGIN { print "id,kind,amount"; for (i = 1; i <= 600; i++) printf "N%03d,,%d\n", i, (i * 53) % 100 }' >new.csv
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source cases --key id --label kind cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 1
expect_exit 0 yujing train p.yj --epochs 2 --batch 64 --hidden 8 --threads 1

# keys FILE N P: FILE's predictions hold N entries, each key (P and
# digits) once
keys()
{
	tr ',{}' '\n\n\n' <"$1" | grep -o "\"key\": *\"$3[0-9]*\"" | grep -o "$3[0-9]*" | sort >keys.txt
	[ "$(wc -l <keys.txt)" -eq "$2" ] && [ "$(sort -u keys.txt | wc -l)" -eq "$2" ]
}

expect_exit 0 yujing predict p.yj --unlabeled --json
cp "$T/stdout" unl.json
check 'the 300 unlabeled cases predicted, each once (a full batch and one of 44)' keys unl.json 300 K
check 'the unlabeled ones are the even cases' sh -c "[ \"\$(tr '\n' ' ' <keys.txt)\" = \"$(awk 'BEGIN { for (i = 2; i <= 600; i += 2) printf "K%03d ", i }')\" ]"
expect_exit 0 yujing predict p.yj --source cases=new.csv --json
cp "$T/stdout" new.json
check 'the 600 new cases predicted, each once (two full batches and one of 88)' keys new.json 600 N
done_testing
