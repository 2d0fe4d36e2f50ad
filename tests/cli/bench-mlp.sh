#!/bin/sh
# bench-mlp.sh - how `yujing bench mlp` measures (issue 16), with a fake
# peer in place of bench/mlp_torch.py (YUJING_BENCH_DIR), so the figures
# of the PyTorch side are known in advance and exact:
#
#   protocol    the peer is started once with --serve and the model's
#               sizes, and asked "run THREADS WARM STEPS" for every round
#               and thread count in turn (rounds of 1 then 2 threads)
#   statistics  the peer's seconds (powers of two: the rates are exact)
#               give, per round, the best thread count's rate; over the
#               rounds the best (and its thread count), median and worst;
#               the ratio is yujing's best over the peer's, and the
#               per-round ratios pair the rounds, their min, median, max
#   failures    no peer, or a peer that dies after one answer: yujing's
#               figures alone, "torch": null, no hang, exit 0
# JSON is read with python3; the fake peer needs /usr/bin/python3, as the
# real one (the bench runs it by that name).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

find_python 'import json'
if [ -z "$PY" ] || [ ! -x /usr/bin/python3 ]; then
	echo "1..0 # SKIP python3 and /usr/bin/python3 are needed (the JSON, the fake peer)"
	tap_done=1
	exit 0
fi

# The fake peer: the seconds of each answer by thread count, one per
# round in turn; every request line and its own arguments go to peer.log.
mkdir fake dead empty
cat >fake/mlp_torch.py <<'PYEOF'
import json, sys
log = open("peer.log", "w")
log.write("args " + " ".join(sys.argv[1:]) + "\n")
secs = {1: [2.0**-8, 2.0**-9, 2.0**-7], 2: [2.0**-6, 2.0**-6, 2.0**-10]}
n = {1: 0, 2: 0}
print(json.dumps({"ready": True, "blas_kernel": "FakeCore"}), flush=True)
for line in sys.stdin:
    log.write(line)
    log.flush()
    w = line.split()
    t = int(w[1])
    print(json.dumps({"seconds": secs[t][n[t]]}), flush=True)
    n[t] += 1
PYEOF
# A peer that answers once, then dies.
cat >dead/mlp_torch.py <<'PYEOF'
import json, sys
print(json.dumps({"ready": True, "blas_kernel": "FakeCore"}), flush=True)
sys.stdin.readline()
print(json.dumps({"seconds": 0.5}), flush=True)
PYEOF

expect_exit 0 env YUJING_BENCH_DIR="$T/fake" "$YUJING" bench mlp --threads 2 --rounds 3 --steps 4 --json
cp "$T/stdout" fake.json
expect_text peer.log 'the peer: started once with --serve, asked for every round and thread count in turn' <<'LOG'
args --serve --threads 1 --batch 256 --hidden 64 --classes 20 --pool 64 --warmup 50
run 1 5 4
run 2 5 4
run 1 5 4
run 2 5 4
run 1 5 4
run 2 5 4
LOG

# Rates: 4 steps x 256 rows / seconds.  Threads 1: 2^18, 2^19, 2^17;
# threads 2: 2^16, 2^16, 2^20.  Per round the best: 2^18, 2^19, 2^20.
py_check "the peer's best (threads 2, round 3), median and worst round, by hand" '
import json, sys
o = json.load(open("fake.json"))
t = o["torch"]
want = {"best": 2**20, "median": 2**19, "worst": 2**18, "threads": 2,
        "per_round": [2**18, 2**19, 2**20]}
for k, v in want.items():
    if t[k] != v:
        print(k, t[k], "expected", v)
if o["torch_samples_per_s"] != 2**20 or o["torch_threads"] != 2:
    print("top level", o["torch_samples_per_s"], o["torch_threads"])
if o["torch_blas_kernel"] != "FakeCore" or o["rounds"] != 3 or o["steps"] != 4:
    print("kernel, rounds, steps", o["torch_blas_kernel"], o["rounds"], o["steps"])
if o["statistic"] != "best":
    print("statistic", o["statistic"])
'
py_check "yujing's statistics and the ratios agree with its own rounds" '
import json
o = json.load(open("fake.json"))
y, t, r = o["yujing"], o["torch"], o["ratio_per_round"]
pr = y["per_round"]
def close(a, b):
    return abs(a - b) <= 1e-9 * abs(b)
if len(pr) != 3 or not all(v > 0 for v in pr):
    print("per_round", pr)
s = sorted(pr)
if not (close(y["best"], s[2]) and close(y["median"], s[1]) and close(y["worst"], s[0])):
    print("best/median/worst", y, s)
if not close(o["yujing_samples_per_s"], y["best"]) or o["yujing_threads"] not in (1, 2):
    print("top level", o["yujing_samples_per_s"], o["yujing_threads"])
if not close(o["ratio"], y["best"] / t["best"]):
    print("ratio", o["ratio"], y["best"] / t["best"])
q = [a / b for a, b in zip(pr, t["per_round"])]
for a, b in zip(r["per_round"], q):
    if not close(a, b):
        print("paired ratio", a, b)
q.sort()
if not (close(r["min"], q[0]) and close(r["median"], q[1]) and close(r["max"], q[2])):
    print("ratio spread", r, q)
'

# The text: the peer figures as the JSON says.
expect_exit 0 env YUJING_BENCH_DIR="$T/fake" "$YUJING" bench mlp --threads 2 --rounds 3 --steps 4
expect_stdout_contains "  PyTorch:    1048576 samples/s    0.244 ms a step (best, at 2 threads; median 524288, worst 262144)"
expect_stdout_contains "3 rounds, each timing yujing then PyTorch at every thread count (4 steps after 5 untimed)"

# No peer, and a peer that dies: yujing's figures alone.
for d in empty dead; do
	expect_exit 0 env YUJING_BENCH_DIR="$T/$d" "$YUJING" bench mlp --threads 2 --rounds 2 --steps 2 --json
	cp "$T/stdout" "$d.json"
	py_check "$d peer: torch, ratio null, yujing measured" '
import json, sys
o = json.load(open(sys.argv[1]))
for k in ("torch", "ratio", "ratio_per_round", "torch_samples_per_s"):
    if o[k] is not None:
        print(k, o[k])
if len(o["yujing"]["per_round"]) != 2 or not o["yujing_samples_per_s"] > 0:
    print("yujing", o["yujing"])
' "$d.json"
done
expect_exit 0 env YUJING_BENCH_DIR="$T/dead" "$YUJING" bench mlp --threads 1 --rounds 2 --steps 2
expect_stdout_contains "PyTorch peer failed"

expect_exit 2 "$YUJING" bench mlp --rounds 0
expect_exit 2 "$YUJING" bench mlp --steps x

done_testing
