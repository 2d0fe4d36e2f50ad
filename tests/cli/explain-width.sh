#!/bin/sh
# explain-width.sh - the text table of `yujing explain` lines up by display
# width: category names and branch names in Chinese take two columns a
# character (issue 14: printf's %-20s padded them by bytes, so a CJK
# name's probability stood left of an ASCII one's).  The expected columns
# come from Python's unicodedata.east_asian_width, not from the program.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

if ! have python3 || ! python3 -c 'import json, unicodedata' 2>/dev/null; then
	skip 'explain width checks' 'python3 is not available'
	done_testing
fi

# Three categories of different widths (an ASCII one, 2 and 4 CJK
# characters) and a Chinese text field: its branch is "ngram:案情".
cat >cases.csv <<'CSV'
id,类别,金额,案情
a01,盗窃,100,夜间撬锁入室盗窃现金
a02,盗窃,120,白天商场扒窃手机
a03,电信诈骗,90,冒充客服电话诈骗
a04,电信诈骗,110,网络刷单诈骗
a05,fraud,95,fake lottery prize call
a06,fraud,97,fake refund call
a07,盗窃,101,盗窃电动车
a08,电信诈骗,99,虚假投资理财诈骗
a09,fraud,96,fake investment call
a10,盗窃,102,仓库盗窃货物
a11,电信诈骗,98,冒充熟人借钱诈骗
a12,fraud,94,fake prize call again
CSV
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj --source 案件 --key id --label 类别 --text 案情 cases.csv
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 3
expect_exit 0 yujing train p.yj --epochs 5 --batch 4 --threads 1
expect_exit 0 yujing explain p.yj --case a01
cp "$T/stdout" ex.txt

# cols.py FILE HEADING [COL]: in the block under HEADING (lines starting
# with two spaces), the display column where the number at the end of
# each line begins: all the same, and the labels of more than one width;
# with COL, the second word begins at display column COL on every line
# instead (the labels there are all one branch).
cat >cols.py <<'PY'
import re, sys, unicodedata
def width(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
start = [i for i, l in enumerate(lines) if l.startswith(sys.argv[2])][0] + 1
block = []
for l in lines[start:]:
    if not l.startswith("  "):
        break
    block.append(l)
cols = set()
labels = set()
for l in block:
    m = re.search(r"[-+]?[0-9]+\.[0-9]+$", l)
    cols.add(width(l[:m.start()]))
    labels.add(width(l.split()[0]))
    second = l.index(l.split()[1], 2 + len(l.split()[0]))
    labels.add(("second word at", width(l[:second])))
print("lines", block, "number columns", cols, "label widths", labels)
if len(sys.argv) > 3:
    want = ("second word at", int(sys.argv[3]))
    sys.exit(0 if len(block) > 1 and len(cols) == 1 and want in labels and
             len([x for x in labels if isinstance(x, tuple)]) == 1 else 1)
sys.exit(0 if len(block) > 1 and len(cols) == 1 and len([x for x in labels if not isinstance(x, tuple)]) > 1 else 1)
PY
check 'the probabilities line up under CJK and ASCII category names' python3 cols.py ex.txt 'top probabilities'
# The branch is padded to 14 columns (its name is narrower) after two
# spaces and one more space: the rank at column 17 (by bytes: 15,
# "ngram:案情" is 10 columns and 12 bytes).
check 'the unit scores line up, the ranks after ngram:案情 padded to 14 columns' \
	python3 cols.py ex.txt 'words and characters that mattered most' 17
done_testing
