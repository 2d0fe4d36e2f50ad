#!/bin/sh
# runs.sh - the Runs view's confusion matrix and comparison of two runs,
# at 80x24 with 20 categories (CJK names, one of 8 characters): Enter shows
# the selected run's confusion matrix as a heat map whose counts, row
# totals and recalls are those of `yujing eval --run N --json` (parsed here
# with Python's json module), each cell shaded by its share of the row as
# the legend defines it (·: none, ░ up to 25%, ▒ up to 50%, ▓ up to 75%,
# █ above), every cell at the same display column in every row; the
# arrows scroll it (20 rows and columns do not fit 80x24; at 132x40
# they do, and a resize redraws it).  Colours are
# only added where the terminal has them: the same text on a vt100.
# Space marks a run and d compares it with the selected one: the data
# (snapshot, split), the settings that differ (exactly the two given
# differently on the command line), on their shared test set accuracy and
# macro-F1 with their change, McNemar's p and the bootstrap interval of
# the macro-F1 change (compare.c), and each category's F1 with its
# support, largest change first.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 is needed to check the screen against the JSON"
	tap_done=1
	exit 0
fi

# 20 categories of 6, 9 or 12 cases (2, 3 or 4 in the test split, so that
# every shade occurs): x says the category, with noise, so that a short
# run confuses neighbours.
awk 'BEGIN {
	srand(11)
	n = split("盗窃 诈骗 抢劫 抢夺 敲诈勒索 故意伤害 寻衅滋事 聚众斗殴 非法拘禁 绑架 贩卖毒品 走私 伪造货币 非法吸收公众存款 职务侵占 挪用资金 受贿 行贿 交通肇事 危险驾驶", c, " ")
	print "id,罪名,x,y"
	for (k = 1; k <= n; k++)
		for (i = 0; i < 6 + (k % 3) * 3; i++)
			printf "k%02d%02d,%s,%.3f,%.3f\n", k, i, c[k], k + rand() * 3, rand()
}' >cases.csv
yujing init p.yj >/dev/null &&
	yujing import p.yj --source cases --key id --label 罪名 cases.csv >/dev/null &&
	yujing clean p.yj >/dev/null && yujing split p.yj >/dev/null &&
	yujing train p.yj --epochs 2 --batch 8 --lr 0.001 >/dev/null 2>&1 &&
	yujing train p.yj --epochs 6 --batch 8 --lr 0.01 >/dev/null 2>&1 &&
	yujing eval p.yj --run 1 --json >ev1.json &&
	yujing eval p.yj --run 2 --json >ev2.json ||
	bail_out "cannot build and train the project"

# matrix.py SCREEN EVAL ROW0 COL0: the matrix on the screen is EVAL's,
# showing from row ROW0 + 1 and column COL0 + 1 ("end": the last row or
# column is shown).  Positions are display columns (a CJK character
# takes two).
cat >matrix.py <<'PYEOF'
import json, os, re, sys, unicodedata
def cells(line):
    out = []
    for ch in line:
        out.append(ch)
        if unicodedata.east_asian_width(ch) in "WF":
            out.append("")
    return out
def text(c, a, b):
    return "".join(c[a:b])
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
ev = json.load(open(sys.argv[2], encoding="utf-8"))
conf, labels = ev["confusion"], ev["labels"]
K = len(labels)
corner = os.environ.get("CORNER", "true \\ predicted")
recall = os.environ.get("RECALL", "recall")
hi = [i for i, l in enumerate(lines) if corner in l]
if not hi:
    sys.exit("no header line")
hi = hi[0]
head = cells(lines[hi])
# each column number's last display column (after the corner's)
start = len(cells(lines[hi][:lines[hi].index(corner) + len(corner)]))
ends, j = [], start
while j < len(head):
    if head[j].isdigit():
        k = j
        while k + 1 < len(head) and head[k + 1].isdigit():
            k += 1
        ends.append((int(text(head, j, k + 1)), k))
        j = k + 1
    else:
        j += 1
cols = [j for j, _ in ends]
print("columns", cols)
if cols != list(range(cols[0], cols[0] + len(cols))):
    sys.exit("column numbers not consecutive")
if sys.argv[4] == "end":
    if cols[-1] != K:
        sys.exit("the last column is not shown")
elif cols[0] != int(sys.argv[4]) + 1:
    sys.exit("first column %d, want %d" % (cols[0], int(sys.argv[4]) + 1))
cw = ends[1][1] - ends[0][1] if len(ends) > 1 else None
r_end = len(cells(lines[hi][:lines[hi].index(recall) + len(recall)])) - 1
rows = []
for l in lines[hi + 1:]:
    m = re.match(r"^ +(\d+) (\S+)", l)
    if not m:
        break
    rows.append((int(m.group(1)), m.group(2), cells(l)))
print("rows", [r[0] for r in rows])
if not rows or [r[0] for r in rows] != list(range(rows[0][0], rows[0][0] + len(rows))):
    sys.exit("row numbers not consecutive")
if sys.argv[3] == "end":
    if rows[-1][0] != K:
        sys.exit("the last row is not shown")
elif rows[0][0] != int(sys.argv[3]) + 1:
    sys.exit("first row %d, want %d" % (rows[0][0], int(sys.argv[3]) + 1))
def glyph(v, total):
    if v == 0:
        return "\u00b7"
    share = v / total
    return "\u2591" if share <= 0.25 else "\u2592" if share <= 0.5 else "\u2593" if share <= 0.75 else "\u2588"
bad = 0
for i, lab, c in rows:
    row = conf[i - 1]
    total = sum(row)
    name = labels[i - 1]
    if not name.startswith(lab.rstrip("\u2026")):
        print("row", i, "label", lab, "want", name); bad += 1
    for j, e in ends:
        got = text(c, e - cw + 1, e + 1)
        want = " %s %*d" % (glyph(row[j - 1], total), cw - 3, row[j - 1])
        if got != want:
            print("row", i, "column", j, repr(got), "want", repr(want)); bad += 1
    tail = text(c, ends[-1][1] + 1, len(c)).split()
    rec = ev["classes"][i - 1]["recall"]
    want = [str(total), "%.4f" % rec if total else "-"]
    if tail != want:
        print("row", i, "n/recall", tail, "want", want); bad += 1
    # the recall's last character sits under the header's
    if text(c, r_end, r_end + 1) != want[1][-1]:
        print("row", i, "recall not aligned"); bad += 1
print("checked", len(rows), "rows x", len(ends), "columns;", bad, "wrong")
sys.exit(1 if bad else 0)
PYEOF

# compare.py EV_A EV_B SCREEN...: the comparison of run A (marked) and B
# over the screens (scrolled): the data (same snapshot and split), the
# settings that differ, then on the same test set accuracy and macro-F1
# side by side with B - A (eval --json's), McNemar's exact p recomputed
# here from the two counts shown (binomial tail), the bootstrap interval,
# and every category's F1 with its support, the largest change first.
cat >compare.py <<'PYEOF'
import json, math, re, sys
a = json.load(open(sys.argv[1], encoding="utf-8"))
b = json.load(open(sys.argv[2], encoding="utf-8"))
rows, order, section = {}, [], {}
titles = ("data", "settings that differ", "F1 per category, by change")
for f in sys.argv[3:]:
    sec = None
    for l in open(f, encoding="utf-8").read().splitlines():
        t = l.split()
        if not t:
            continue
        s = " ".join(t)
        if s in titles or s.startswith("test: the same"):
            sec = s
            continue
        if not l.startswith(" ") or "\u2500" in l or "\u2502" in l:
            sec = None  # the status line, the message pane
            continue
        if sec in ("data", "settings that differ"):
            key = " ".join(t[:-2])
        elif s.startswith("McNemar") or s.startswith("macro-F1 change"):
            key = s.split(" ", 2)[0] + " " + s.split(" ", 2)[1]
            t = [s]
        else:
            key = " ".join(t[:-3])
        if key not in rows:
            order.append(key)
        rows[key] = t
        if sec:
            section.setdefault(sec, set()).add(key)
bad = 0
def expect(key, want):
    global bad
    got = rows.get(key)
    if got != want:
        print(key, "got", got, "want", want); bad += 1
if section.get("settings that differ") != {"epochs", "lr"}:
    print("settings", section.get("settings that differ")); bad += 1
expect("epochs", ["epochs", "2", "6"])
expect("lr", ["lr", "0.001", "0.01"])
expect("snapshot", ["snapshot", "1", "1"])
expect("split", ["split", "1", "1"])
def num(k, x, y):
    return [*k.split(), "%.4f" % x, "%.4f" % y, "%+.4f" % (y - x)]
for key, name in (("accuracy", "accuracy"), ("macro_f1", "macro-F1")):
    expect(name, num(name, a[key], b[key]))
m = re.match(r"McNemar p \(exact\) (\d+) only this one (\d+) only this one (\S+)$", " ".join(rows.get("McNemar p", [""])))
if not m:
    print("McNemar row", rows.get("McNemar p")); bad += 1
else:
    x, y, p = int(m.group(1)), int(m.group(2)), float(m.group(3))
    n = x + y
    want = 1.0 if n == 0 else min(1.0, 2 * sum(math.comb(n, i) for i in range(min(x, y) + 1)) / 2 ** n)
    if abs(p - want) > 5e-4 * max(want, 1e-3):
        print("McNemar p", p, "want", want); bad += 1
m = re.search(r"\[([-+]\d\.\d{4}), ([-+]\d\.\d{4})\]", " ".join(rows.get("macro-F1 change,", [""])))
if not m or float(m.group(1)) > float(m.group(2)):
    print("interval row", rows.get("macro-F1 change,")); bad += 1
fb = {c["label"]: c["f1"] for c in b["classes"]}
cats = []
for c in a["classes"]:
    if not c["support"]:
        continue
    key = "%s (%d cases)" % (c["label"], c["support"])
    cats.append(key)
    expect(key, num(key, c["f1"], fb[c["label"]]))
shown = [abs(float(rows[k][-1])) for k in order if k in cats]
if shown != sorted(shown, reverse=True):
    print("categories not by size of change:", shown); bad += 1
print(len(rows), "rows;", bad, "wrong")
sys.exit(1 if bad else 0)
PYEOF

# ----------------------------------------------------- vt100, 80x24
TUI_ENV=TERM=vt100
tui_start 80 24
wait_screen 'Sources (1)' 'the workbench opens at 80x24 on a vt100'
keys 6
wait_screen 'Runs (2)' 'the Runs view lists the two runs'
keys g Enter
wait_screen 'Confusion matrix of run 1' 'Enter on run 1 opens its confusion matrix'
wait_check 'the matrix shows run 1 from its top left: counts, shades, totals, recalls = eval --json' \
	$PY matrix.py "$T/screen.txt" ev1.json 0 0
grep -F 'of 20' "$T/screen.txt" >/dev/null
check 'the view says the matrix is only partly shown (20 categories at 80x24)' test $? = 0
keys Down Down l l l
wait_check 'two rows down and three columns right' $PY matrix.py "$T/screen.txt" ev1.json 2 3
keys G l l l l l l l l l l l l l l l l l l l l
wait_check 'G and l reach the last row and column' $PY matrix.py "$T/screen.txt" ev1.json end end
# Larger: the whole matrix fits (the label column, 20 cells of 5, the
# count and the recall in 132 columns), drawn again at once.
tm resize-window -t "$TUI_SESSION" -x 132 -y 40
wait_gone 'arrows scroll' 'resized to 132x40: the whole matrix fits'
wait_check 'and it is still eval --json, from the first row and column' $PY matrix.py "$T/screen.txt" ev1.json 0 0
check 'all 20 rows and 20 columns are shown' $PY matrix.py "$T/screen.txt" ev1.json end end
tm resize-window -t "$TUI_SESSION" -x 80 -y 24
wait_screen 'arrows scroll' 'back to 80x24: scrolling again'
keys G l l l l l l l l l l l l l l l l l l l l
wait_check 'and G and l reach the last row and column again' $PY matrix.py "$T/screen.txt" ev1.json end end
tm capture-pane -e -p -t "$TUI_SESSION" >esc.txt
check 'no colour on a vt100 (no SGR 40-47 background)' $PY -c '
import re, sys
s = open("esc.txt", encoding="utf-8").read()
sys.exit(1 if any(40 <= int(p) <= 47 for m in re.findall(r"\x1b\[([0-9;]*)m", s) for p in m.split(";") if p) else 0)'
keys Escape
wait_screen 'Runs (2)' 'Esc goes back to the runs'
keys g Space
wait_screen 'run 1 marked' 'Space marks run 1'
keys G d
wait_screen 'Run 1 (marked) and run 2' 'd compares the marked run with the selected one'
wait_screen 'F1 per category, by change' 'the comparison shows the categories'
cp "$T/screen.txt" top.txt
keys G
wait_gone 'settings that differ' 'G scrolls to the end of the comparison'
# the screen is read again until it is complete: tmux may show the frame
# in which the top rows are gone before the last ones are drawn
wait_check 'data, settings, accuracy and macro-F1 with B - A = eval --json, McNemar, interval, categories' \
	$PY compare.py ev1.json ev2.json top.txt "$T/screen.txt"
keys Escape Escape
wait_screen 'Runs (2, run 1 marked)' 'Esc goes back to the runs'
tui_quit

# ----------------------------------------------------- colour, 100x40
TUI_ENV=
tui_start 100 40
wait_screen 'Sources (1)' 'the workbench opens at 100x40 with colours'
keys 6
wait_screen 'Runs (2)' 'the Runs view'
# Beside the loss curve, the selected run's reliability diagram (run 2 had
# a validation part: calibrated), titled with eval --json's ECE after and
# before the temperature.
rel=$($PY -c '
import json
c = json.load(open("ev2.json", encoding="utf-8"))["calibration"]
print("Reliability (test) ECE %.4f, was %.4f" % (c["ece_after"], c["ece_before"]))')
wait_screen "$rel" "the reliability diagram of run 2: $rel"
check 'it plots the bins against confidence with the ideal diagonal' grep -q 'bins .*ideal' "$T/screen.txt"
check 'its x axis is the confidence' grep -q 'confidence' "$T/screen.txt"
keys Enter
wait_screen 'Confusion matrix of run 2' 'Enter on the latest run opens its matrix'
wait_check 'run 2 is the same text with colours: = eval --run 2 --json' \
	$PY matrix.py "$T/screen.txt" ev2.json 0 0
tm capture-pane -e -p -t "$TUI_SESSION" >esc.txt
check 'the cells have background colours where the terminal has them' $PY -c '
import re, sys
s = open("esc.txt", encoding="utf-8").read()
sys.exit(0 if any(40 <= int(p) <= 47 for m in re.findall(r"\x1b\[([0-9;]*)m", s) for p in m.split(";") if p) else 1)'
# At 100x40 the comparison has room for both runs' training loss curves.
keys Escape g Space G d
wait_screen 'run 2: training loss (step)' 'the comparison at 100x40 plots both loss curves'
check 'with both runs in the legend' grep -q 'run 1: training loss (step) .*run 2: training loss (step)' "$T/screen.txt"
last=$(yujing runs p.yj --json | $PY -c 'import json, sys; print(max(r["total_steps"] for r in json.load(sys.stdin)["runs"]) - 1)')
check "the step axis runs to the longer run's last step ($last)" grep -Eq "^ +0 .* $last\$" "$T/screen.txt"
tui_quit

# ------------------------------------------- a refresh that fails
# The list is on screen; another process renames the runs table, so the
# next refresh fails: the list stays, and the message line says why (it
# once kept the error to itself).  On a copy: a renamed table's schema
# text no longer reads as yujing's own, and the project is refused after.
if have sqlite3; then
	cp p.yj refresh.yj || bail_out 'cannot copy p.yj'
	tui_start 100 30 tui refresh.yj
	keys 6
	wait_screen 'Runs (2)' 'refresh: the Runs view lists the two runs'
	sqlite3 refresh.yj 'ALTER TABLE runs RENAME TO runs_gone' || bail_out 'cannot rename the runs table'
	wait_screen 'no such table: runs' 'refresh: a failed refresh is said on the message line'
	check 'refresh: the list stays on screen' grep -q 'Runs (2)' "$T/screen.txt"
	tui_quit 'q quits after the failed refresh'
else
	skip 'refresh: a failed refresh is said' 'no sqlite3'
fi

# ----------------------------------------------------- zh_CN, 80x24
# The same matrix in Chinese: titles from the catalogue, CJK labels and
# headers still aligned by display width.
if have msgfmt && locale -a 2>/dev/null | grep -qix 'zh_CN\.utf-\{0,1\}8'; then
	mkdir -p "$T/locale/zh_CN/LC_MESSAGES"
	msgfmt -o "$T/locale/zh_CN/LC_MESSAGES/yujing.mo" "$top_srcdir/po/zh_CN.po" ||
		bail_out "msgfmt cannot compile po/zh_CN.po"
	# the catalogue's translation of a msgid (one line each)
	zh_tr()
	{
		$PY "$top_srcdir/tests/tui/po-tr.py" "$top_srcdir/po/zh_CN.po" "$@"
	}
	corner=$(zh_tr 'true \ predicted')
	recall=$(zh_tr recall)
	TUI_ENV="YUJING_LOCALEDIR=$T/locale LANGUAGE= LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8"
	tui_start 80 24
	keys 6
	runs_title=$(zh_tr 'Runs (%zu)' | sed 's/%zu/2/')
	wait_screen "$runs_title" 'zh_CN: the Runs view lists the runs'
	keys g Enter
	wait_screen "$corner" "zh_CN: the matrix heads its rows with $corner"
	wait_check "zh_CN: the same numbers, aligned by display width" \
		env CORNER="$corner" RECALL="$recall" $PY matrix.py "$T/screen.txt" ev1.json 0 0
	tui_quit 'q quits the zh_CN session'
else
	skip 'zh_CN: the matrix in Chinese' 'no msgfmt or no zh_CN.UTF-8 locale'
fi

done_testing
