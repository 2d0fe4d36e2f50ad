#!/bin/sh
# ablation_cail.sh - the text branches on CAIL, side by side (issue 17):
# n-gram alone, the shipped encoder alone (frozen, fine-tuned), n-gram +
# shipped encoder (frozen, fine-tuned).
#
#   sh tools/ablation_cail.sh YUJING DATADIR WORKDIR [ENCODER]
#
# YUJING is the program, DATADIR its data directory (share/yujing of the
# source tree), ENCODER a Hugging Face directory (default
# DATADIR/encoders/cail-bert-tiny).  The project is the demo's (all 3,000
# cases of demo/cail/cases.jsonl, cleaned with k = 0.3, split with test 0.3,
# validation 0.15 of each class's training cases, seed 42).  Every run
# keeps the epoch of best validation macro-F1 (patience 5) and is evaluated
# there: nothing is chosen on the test part.  Prints one table row a run:
# arm, seed, best epoch, epochs run, validation macro-F1, test macro-F1,
# test accuracy, wall seconds.
#
# After the runs, a summary: a row per arm with its runs, the mean and
# sample standard deviation of the validation and test macro-F1, and the
# mean test accuracy.
#
# Environment: SEEDS (default "42 43 44") for the cheap arms (n-gram,
# frozen, fused frozen); FT_SEEDS (default: SEEDS) and FT_EPOCHS (default 5)
# for the fine-tuned arms; ARMS (default "ngram frozen fused ft ftfused")
# to run only some; LR (default 0.005) the peak learning rate of every arm.
set -eu
Y=$1
D=$2
W=$3
E=${4:-$D/encoders/cail-bert-tiny}
SEEDS=${SEEDS:-42 43 44}
FT_SEEDS=${FT_SEEDS:-$SEEDS}
FT_EPOCHS=${FT_EPOCHS:-5}
ARMS=${ARMS:-ngram frozen fused ft ftfused}
LR=${LR:-0.005}
mkdir -p "$W"
cd "$W"
rm -f a.yj a.yj-wal a.yj-shm
"$Y" init a.yj >/dev/null
"$Y" import a.yj -s cases -k @id -l meta.accusation -t fact "$D/demo/cail/cases.jsonl" >/dev/null
"$Y" clean a.yj --k-missing 0.3 --k-outlier 0.3 >/dev/null
"$Y" split a.yj --test 0.3 --valid 0.15 --seed 42 >/dev/null
"$Y" pretrain a.yj --use "$E" >/dev/null

# run ARM SEED OPTIONS...: train, then the figures of its best epoch
run()
{
	arm=$1
	seed=$2
	shift 2
	t0=$(date +%s)
	"$Y" train a.yj --seed "$seed" --threads 1 --max-len 128 --batch 32 --lr "$LR" --patience 5 "$@" \
		--json >"run-$arm-$seed.json"
	t1=$(date +%s)
	id=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["run"])' "run-$arm-$seed.json")
	"$Y" runs a.yj --history "$id" --json >"hist-$arm-$seed.json"
	row=$(/usr/bin/python3 - "$arm" "$seed" "$((t1 - t0))" "run-$arm-$seed.json" "hist-$arm-$seed.json" <<'EOF'
import json, sys
arm, seed, secs, rj, hj = sys.argv[1:]
r = json.load(open(rj))
h = json.load(open(hj))
assert r["selected_on"] == "validation"
print("| %s | %s | %d | %d | %.4f | %.4f | %.4f | %s |" % (arm, seed, r["best_epoch"], len(h["epochs"]),
      r["validation"]["macro_f1"], r["test"]["macro_f1"], r["test"]["accuracy"], secs))
EOF
)
	echo "$row"
	echo "$row" >>rows.md
}
rm -f rows.md

echo "| arm | seed | best epoch | epochs run | validation macro-F1 | test macro-F1 | test accuracy | seconds |"
echo "|---|---|---|---|---|---|---|---|"
for a in $ARMS; do
	case $a in
	ngram) for s in $SEEDS; do run n-gram "$s" --branches ngram --epochs 30; done ;;
	frozen) for s in $SEEDS; do run "encoder-frozen" "$s" --branches text --freeze-text --epochs 30; done ;;
	fused) for s in $SEEDS; do run "n-gram+encoder-frozen" "$s" --branches ngram,text --freeze-text --epochs 30; done ;;
	ft) for s in $FT_SEEDS; do
		run "encoder-fine-tuned" "$s" --branches text --epochs "$FT_EPOCHS" --text-lr 0.0001
	done ;;
	ftfused) for s in $FT_SEEDS; do
		run "n-gram+encoder-fine-tuned" "$s" --branches ngram,text --epochs "$FT_EPOCHS" --text-lr 0.0001
	done ;;
	*) echo "unknown arm $a" >&2; exit 2 ;;
	esac
done

# the summary: mean and sample standard deviation over each arm's seeds
echo
echo "| arm | LR | runs | validation macro-F1 | test macro-F1 | test accuracy |"
echo "|---|---|---|---|---|---|"
/usr/bin/python3 - "$LR" rows.md <<'EOF'
import statistics, sys
lr, path = sys.argv[1:]
arms = {}
for line in open(path):
    c = [x.strip() for x in line.strip().strip("|").split("|")]
    arms.setdefault(c[0], []).append((float(c[4]), float(c[5]), float(c[6])))


def msd(xs):
    return "%.4f ± %.4f" % (statistics.mean(xs), statistics.stdev(xs)) if len(xs) > 1 else "%.4f" % xs[0]


for arm, rs in arms.items():
    print("| %s | %s | %d | %s | %s | %.4f |" % (arm, lr, len(rs), msd([r[0] for r in rs]), msd([r[1] for r in rs]),
                                                statistics.mean(r[2] for r in rs)))
EOF
