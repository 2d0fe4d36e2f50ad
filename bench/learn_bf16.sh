#!/bin/sh
# learn_bf16.sh - the long learning check of bfloat16 mixed precision:
# MLM pretraining of the tiny encoder (2 layers, 128 wide) from scratch on
# the demo's 3,000 CAIL facts (share/yujing/demo/cail/cases.jsonl, the
# fact field), the same settings and seed with --precision fp32 and bf16,
# held-out 5% with a fixed mask.  Prints each epoch's held-out MLM loss of
# both, the wall time of each, and the relative difference at the end
# (the short version in make check: tests/model/learn-bf16.sh).
#
#   bench/learn_bf16.sh [YUJING] [EPOCHS] [THREADS]    (default: ./yujing 15 2)
set -e
here=$(cd "$(dirname "$0")/.." && pwd)
Y=${1:-./yujing}
EPOCHS=${2:-15}
THREADS=${3:-2}
case $Y in /*) ;; *) Y=$(pwd)/$Y ;; esac
d=$(mktemp -d "${TMPDIR:-/tmp}/yujing-learn-XXXXXX")
trap 'rm -rf "$d"' EXIT
cd "$d"
"$Y" init p.yj >/dev/null
"$Y" import p.yj -s cail -k @case --text fact "$here/share/yujing/demo/cail/cases.jsonl" >/dev/null
for p in fp32 bf16; do
	t0=$(date +%s.%N)
	"$Y" pretrain p.yj --config tiny --epochs "$EPOCHS" --threads "$THREADS" --seed 7 --precision $p >/dev/null
	t1=$(date +%s.%N)
	echo "$p $(echo "$t1 - $t0" | bc)" >>times
done
/usr/bin/python3 - p.yj times <<'PY'
import json, sqlite3, sys
db = sqlite3.connect(sys.argv[1])
times = dict(l.split() for l in open(sys.argv[2]))
res = {}
for run in (1, 2):
    prec = json.loads(db.execute("SELECT config FROM runs WHERE id = ?", (run,)).fetchone()[0])["precision"]
    ep = db.execute("SELECT epoch, test_loss, accuracy FROM run_epochs WHERE run_id = ? ORDER BY epoch", (run,)).fetchall()
    res[prec] = ep
    print("%s (%.0f s): held-out MLM loss by epoch %s" % (prec, float(times[prec]), " ".join("%.4f" % e[1] for e in ep)))
f, b = res["fp32"][-1][1], res["bf16"][-1][1]
print("final held-out loss: fp32 %.4f, bf16 %.4f, relative difference %.2f%%" % (f, b, 100 * abs(b - f) / f))
PY
