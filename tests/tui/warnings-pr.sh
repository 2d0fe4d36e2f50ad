#!/bin/sh
# warnings-pr.sh - the Warnings view shows, for each alert threshold, the
# precision and recall it would have had on the validation cases of the
# model of record (issue 14, "Alert thresholds"), with the counts.
#
#   The rows on screen are those tests/reference/alerts_pr.py computes
#   from the validation probabilities (`yujing alerts --cases`), at the
#   default 0.5 and after `t` sets a category's threshold; two more are
#   derived by hand from the split's validation counts (x 3, y 5, z 4 of
#   12): x at 0 gives 3 true of 12 alerts, and every other category (z) at
#   0 gives 4 of 12.  A misspelt category is refused and changes nothing;
#   what the view stored is what `yujing alerts` reports.  At the prompt,
#   Tab completes a category after `predict --alert` and `alerts --set`.
#   A run whose split has no validation part is said so.  Under valgrind.
TUI_VALGRIND=${TUI_VALGRIND:-yes}
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to compute the expected rows"
REF=$top_srcdir/tests/reference/alerts_pr.py

# 114 labelled cases in three categories, 6 unlabeled (fixtures README).
cp "$FIXTURES/xyz_120.csv" cases.csv
OPTS='--batch 16 --hidden 8 --threads 1 --lr 0.01 --patience 0'
# shellcheck disable=SC2086 # OPTS splits into words
yujing init p.yj >/dev/null &&
	yujing import p.yj --source cases --key case_id --label category cases.csv >/dev/null &&
	yujing clean p.yj >/dev/null && yujing split p.yj --seed 3 >/dev/null &&
	yujing train p.yj $OPTS --epochs 60 >/dev/null 2>&1 &&
	yujing alerts p.yj --cases >cases.jsonl ||
	bail_out "cannot build, train and measure the project"

# rows.py SCREEN ALL [C=P ...]: the threshold rows on the screen (after
# the header, one space between fields) are the reference's rows for the
# threshold of every other category and the categories set one by one.
cat >rows.py <<'PYEOF'
import subprocess, sys
screen, ref = sys.argv[1], sys.argv[2]
args = sys.argv[3:]
own = [a.rsplit("=", 1)[0] for a in args[1:]]
want = subprocess.run([sys.executable, ref, "rows", "cases.jsonl"] + args, capture_output=True,
                      text=True, check=True).stdout.splitlines()
want = [w for i, w in enumerate(want) if i == 0 or w.split()[1] in own]
lines = open(screen, encoding="utf-8").read().splitlines()
got, on = [], False
for l in lines:
    f = l.split()
    if f[:3] == ["threshold", "category", "precision"]:
        on = True
        continue
    if on:
        if not f or not f[0][:1].isdigit() or "." not in f[0]:
            break
        got.append(" ".join(f))
print("got ", got)
print("want", want)
sys.exit(0 if got == want else 1)
PYEOF

tui_start 100 30
wait_screen 'Sources (1)' 'the workbench opens'
keys 7
wait_screen 'what each threshold would have flagged among the 12 validation cases of run 1' \
	'the Warnings view measures the model of record (run 1) on its 12 validation cases'
wait_check 'at 0.5 for every category: the row the reference computes' $PY rows.py "$T/screen.txt" "$REF" 0.5
ty=$($PY -c '
import json
v = sorted(json.loads(l)["probabilities"]["y"] for l in open("cases.jsonl"))
print("%.2f" % ((v[5] + v[6]) / 2))')
keys t C-u
keys_text "y=$ty"
keys Enter
wait_screen "thresholds: 0.50 · y $ty" "t sets y to $ty"
wait_check "the rows follow: every other category at 0.5, y at $ty, as the reference computes them" \
	$PY rows.py "$T/screen.txt" "$REF" 0.5 "y=$ty"
keys t C-u
keys_text 'x=0'
keys Enter
wait_screen "thresholds: 0.50 · y $ty · x 0.00" 't sets x to 0'
wait_check 'x at 0: 12 alerts, 3 true, 3 in validation (by hand); the others as the reference computes them' \
	sh -c "grep -q '0\\.00  x  *0\\.2500  *1\\.0000  *12  *3  *3\$' '$T/screen.txt' && $PY rows.py '$T/screen.txt' '$REF' 0.5 'y=$ty' x=0"
keys t C-u
keys_text 'yy=0.2'
keys Enter
wait_screen "no category 'yy'" 'a misspelt category is refused, named'
wait_screen 'closest categories: y' 'with the closest category first'
check 'and the rows did not change' $PY rows.py "$T/screen.txt" "$REF" 0.5 "y=$ty" x=0
keys t C-u
keys_text '0'
keys Enter
wait_screen 'thresholds: 0.00 · y' 't sets every other category to 0'
wait_check 'every other category (z) at 0: 12 alerts, 4 true, 4 in validation (by hand)' \
	sh -c "grep -q '0\\.00  every other category (1)  *0\\.3333  *1\\.0000  *12  *4  *4\$' '$T/screen.txt'"
# Tab completes a category after predict --alert (then >=) and after
# alerts --set (then =).
line_is() { tail -n 1 "$T/screen.txt" | grep -qF -- ":$1"; }
keys :
keys_text 'predict --unlabeled --alert y'
keys Tab
wait_check 'predict --alert completes a category and >=' line_is 'predict --unlabeled --alert y>='
keys C-u
keys_text 'alerts --set z'
keys Tab
wait_check 'alerts --set completes a category and =' line_is 'alerts --set z='
keys C-u Escape
tui_quit 'q quits'
yujing alerts p.yj --json >stored.json
$PY "$REF" json cases.jsonl 0 "y=$ty" x=0 <stored.json >diff.out 2>&1
check 'the thresholds the view stored are what yujing alerts measures, with the same figures' test ! -s diff.out
[ -s diff.out ] && diag_file diff.out

# A split without a validation part: said so, no figure.
# shellcheck disable=SC2086
yujing split p.yj --seed 3 --valid 0 >/dev/null && yujing train p.yj $OPTS --epochs 3 >/dev/null 2>&1 ||
	bail_out "cannot split and train again"
tui_start 130 30
wait_screen 'Sources (1)' 'the workbench opens again'
keys 7
wait_screen 'run 2: its split 2 has no validation part, so no precision or recall is measured' \
	'the model of record is now run 2, whose split has no validation part: said so'
check 'and no threshold row is shown' sh -c "! grep -q 'every other category' '$T/screen.txt'"
tui_quit 'q quits again'
done_testing
