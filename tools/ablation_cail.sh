#!/bin/sh
# ablation_cail.sh - the text branches on CAIL, side by side (issue 17):
# n-gram alone, the shipped encoder alone (frozen, fine-tuned), n-gram +
# shipped encoder (frozen).
#
#   sh tools/ablation_cail.sh YUJING DATADIR WORKDIR [ENCODER]
#
# YUJING is the program, DATADIR its data directory (share/yujing of the
# source tree), ENCODER a Hugging Face directory (default
# DATADIR/encoders/cail-bert-tiny).  The project is the demo's (all 3,000
# cases of demo/cail/cases.jsonl, cleaned with k = 0.3, split 7:3 with seed
# 42).  Every run trains a fixed number of epochs and the figures are the
# LAST epoch's on the test part (runs --history): nothing is chosen on the
# test part.  Prints a table: branches, epochs, accuracy, macro-F1.
set -eu
Y=$1
D=$2
W=$3
E=${4:-$D/encoders/cail-bert-tiny}
mkdir -p "$W"
cd "$W"
rm -f a.yj a.yj-wal a.yj-shm
"$Y" init a.yj >/dev/null
"$Y" import a.yj -s cases -k @id -l meta.accusation -t fact "$D/demo/cail/cases.jsonl" >/dev/null
"$Y" clean a.yj --k-missing 0.3 --k-outlier 0.3 >/dev/null
"$Y" split a.yj --test 0.3 --seed 42 >/dev/null
"$Y" pretrain a.yj --use "$E" >/dev/null

# run NAME EPOCHS OPTIONS...: train, then the last epoch's test figures
run()
{
	name=$1
	ep=$2
	shift 2
	"$Y" train a.yj --epochs "$ep" --seed 42 --threads 1 --max-len 128 "$@" >/dev/null
	id=$("$Y" runs a.yj --json | /usr/bin/python3 -c 'import json,sys; print(max(r["id"] for r in json.load(sys.stdin)["runs"]))')
	"$Y" runs a.yj --history "$id" --json | /usr/bin/python3 -c '
import json, sys
h = json.load(sys.stdin)
e = h["epochs"][-1]
print("| %s | %d | %.4f | %.4f |" % (sys.argv[1], len(h["epochs"]), e["accuracy"], e["macro_f1"]))' "$name"
}

echo "| branches | epochs | test accuracy (last epoch) | test macro-F1 (last epoch) |"
echo "|---|---|---|---|"
run "n-gram" 14 --branches ngram --batch 32 --lr 0.005
run "encoder, frozen" 14 --branches text --freeze-text --batch 32 --lr 0.005
run "n-gram + encoder (frozen)" 14 --branches ngram,text --freeze-text --batch 32 --lr 0.005
run "encoder, fine-tuned" "${FT_EPOCHS:-4}" --branches text --batch 32 --lr 0.005 --text-lr 0.0001
