#!/bin/sh
# cases-sort.sh - the Cases view sorts and filters (issue 14): k sorts by
# key, as numbers when the keys are numbers (2 < 9 < 10, not "10" < "2"),
# c by confidence (highest first; again: lowest first), p by predicted
# category; f keeps the cases predicted as one category (the rows and
# their count from `yujing explain --json` of every case), refuses a
# category the run does not know with the closest names, and empty shows
# all again.  At 80x24.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to compute the expected screen from JSON"

# numeric keys; the unlabeled ones (no 罪名) are listed too
cat >cases.csv <<'CSV'
id,罪名,金额,案情
1,盗窃,100,夜间入室盗窃
2,盗窃,120,商场扒窃手机
3,诈骗,90,冒充客服诈骗
4,诈骗,110,网络刷单诈骗
5,抢劫,300,持刀抢劫
6,盗窃,95,盗窃电动车
7,抢劫,280,街头抢夺
8,诈骗,115,虚假投资诈骗
9,盗窃,100,入室盗窃首饰
10,诈骗,98,冒充熟人借钱
11,抢劫,310,持刀抢劫路人
12,盗窃,101,扒窃钱包
13,诈骗,97,游戏装备交易诈骗
14,盗窃,102,盗窃自行车
15,抢劫,290,入户抢劫
20,,100,深夜盗窃现金
100,,99,冒充客服退款诈骗
CSV
yujing init p.yj >/dev/null &&
	yujing import p.yj --source cases --key id --label 罪名 --text 案情 cases.csv >/dev/null &&
	yujing clean p.yj >/dev/null && yujing split p.yj --seed 2 >/dev/null &&
	yujing train p.yj --epochs 30 --batch 4 --threads 1 >/dev/null 2>&1 ||
	bail_out "cannot build and train the project"

# rows.py SCREEN ORDER [CATEGORY]: the case rows of the screen (key,
# part, true, predicted, confidence) against explain --json of each key:
# predicted and confidence as explain gives them, in ORDER (key: numeric
# ascending; conf / conf-asc: confidence descending / ascending; cat:
# predicted category ascending), and with CATEGORY exactly the cases
# predicted as it.
cat >rows.py <<'PYEOF'
import json, subprocess, sys
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
order = sys.argv[2]
only = sys.argv[3] if len(sys.argv) > 3 else None
rows = [l.split() for l in lines if l.split() and l.split()[0].isdigit() and len(l.split()) >= 5
        and l.split()[1] in ("test", "unlabeled")]
ex = {}
for k in [str(i) for i in list(range(1, 16)) + [20, 100]]:
    try:
        ex[k] = json.load(open("ex-%s.json" % k, encoding="utf-8"))
    except Exception:
        pass
shown = [r[0] for r in rows]
bad = 0
for r in rows:
    e = ex[r[0]]
    if r[3] != e["predicted"] or r[4] != "%.4f" % e["output"]["probability"]:
        print("row", r, "explain", e["predicted"], e["output"]["probability"]); bad = 1
if order == "key":
    want = sorted(shown, key=int)
elif order == "conf":
    want = [k for k in sorted(shown, key=lambda k: (-round(ex[k]["output"]["probability"], 4)))]
elif order == "conf-asc":
    want = [k for k in sorted(shown, key=lambda k: (round(ex[k]["output"]["probability"], 4)))]
else:
    want = sorted(shown, key=lambda k: ex[k]["predicted"].encode())
conf_order = order.startswith("conf")
got_v = [round(ex[k]["output"]["probability"], 4) for k in shown] if conf_order else None
want_v = [round(ex[k]["output"]["probability"], 4) for k in want] if conf_order else None
if (conf_order and got_v != want_v) or (not conf_order and order == "key" and shown != want) or \
   (order == "cat" and [ex[k]["predicted"] for k in shown] != [ex[k]["predicted"] for k in want]):
    print("order", order, "shown", shown, "want", want); bad = 1
if only is not None:
    listed = set(json.load(open("listed.json")))
    want_set = sorted(k for k in listed if ex[k]["predicted"] == only)
    if sorted(shown) != want_set:
        print("only", only, "shown", shown, "want", want_set); bad = 1
elif len(shown) < 3:
    print("too few rows", shown); bad = 1
sys.exit(bad)
PYEOF

tui_start 80 24
wait_screen 'Sources (1)' 'the workbench opens at 80x24'
keys 5
wait_screen 'Cases (' 'the Cases view'
screen >/dev/null
# the listed cases, and explain of each
$PY -c '
import json, sys
rows = [l.split()[0] for l in open(sys.argv[1], encoding="utf-8").read().splitlines()
        if l.split() and l.split()[0].isdigit() and len(l.split()) >= 5 and l.split()[1] in ("test", "unlabeled")]
json.dump(rows, open("listed.json", "w"))' "$T/screen.txt"
for k in $($PY -c 'import json; print(" ".join(json.load(open("listed.json"))))'); do
	yujing explain p.yj --case "$k" --json >"ex-$k.json" || bail_out "explain $k failed"
done
check 'the keys include 20 and 100 (string order would put 100 before 2)' \
	$PY -c 'import json, sys; l = json.load(open("listed.json")); sys.exit(0 if "100" in l and "20" in l else 1)'
keys k
wait_check 'k: by key as numbers' $PY rows.py "$T/screen.txt" key
keys c
wait_check 'c: by confidence, highest first' $PY rows.py "$T/screen.txt" conf
keys c
wait_check 'c again: lowest first' $PY rows.py "$T/screen.txt" conf-asc
keys p
wait_check 'p: by predicted category' $PY rows.py "$T/screen.txt" cat
cat0=$($PY -c 'import json; print(json.load(open("ex-%s.json" % json.load(open("listed.json"))[0]))["predicted"])')
keys f C-u
keys_text "$cat0"
keys Enter
wait_screen "predicted $cat0, run" "f $cat0: the title says the filter"
wait_check "f $cat0: exactly the cases explain predicts as $cat0" $PY rows.py "$T/screen.txt" cat "$cat0"
keys f C-u
keys_text "${cat0}案"
keys Enter
wait_screen "no category '${cat0}案'" 'a category the run does not know is refused'
wait_screen "closest categories: $cat0" 'with the closest names'
keys f C-u Enter
wait_gone "predicted $cat0, run" 'f with nothing: every case again'
wait_check 'every case again' $PY rows.py "$T/screen.txt" cat
tui_quit
done_testing
