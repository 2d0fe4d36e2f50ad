#!/bin/sh
# zh.sh - under zh_CN.UTF-8 the workbench speaks Chinese (po/zh_CN.po
# compiled into a temporary locale directory) and its tables still align:
# in the Quality table every column starts (left-aligned columns) or ends
# (right-aligned ones) at the same display column in the header and in
# every row, CJK field names and labels taking two columns a character;
# in the Sources view the CJK field names and values line up the same way;
# nothing is cut inside a character at 80 columns.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

need_zh
[ -n "$PY" ] || skip_all "python3 is needed to measure display columns"

mkdir -p "$T/locale/zh_CN/LC_MESSAGES"
msgfmt -o "$T/locale/zh_CN/LC_MESSAGES/yujing.mo" "$top_srcdir/po/zh_CN.po" ||
	bail_out "msgfmt cannot compile po/zh_CN.po"
fixture
yujing profile p.yj --json >profile.json || bail_out "yujing profile --json failed"

zh_tr()
{
	$PY "$top_srcdir/tests/tui/po-tr.py" "$top_srcdir/po/zh_CN.po" "$@"
}

# align.py SCREEN PROFILE SOURCE HEADER...: the Quality table's columns
# align by display width.  HEADER: the translated column titles, in order;
# the first two columns (field, type) are left-aligned, the rest right.
cat >align.py <<'EOF'
import json, sys, unicodedata
def dw(s):
    return sum(0 if unicodedata.combining(c) else 2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
prof = json.load(open(sys.argv[2], encoding="utf-8"))
src = [s for s in prof["sources"] if s["name"] == sys.argv[3]][0]
heads = sys.argv[4:]
hl = [l for l in lines if all(h in l for h in heads)]
if not hl:
    print("no header line holding", heads)
    sys.exit(1)
hl = hl[0]
def spans(line):
    """(start, end) display columns of the words of a line."""
    out, col, i = [], 0, 0
    while i < len(line):
        if line[i] == " ":
            col += 1
            i += 1
            continue
        j = i
        while j < len(line) and line[j] != " ":
            j += 1
        w = dw(line[i:j])
        out.append((col, col + w))
        col += w
        i = j
    return out
hs = spans(hl)
if len(hs) != len(heads):
    print("header words", len(hs), "want", len(heads), ":", hl)
    sys.exit(1)
bad = 0
names = [f["name"] for f in src["fields"]]
rows = [l for l in lines if l.split()[:1] and l.split()[0] in names]
if len(rows) != len(names):
    print("rows for", names, ":", rows)
    sys.exit(1)
for l in rows:
    rs = spans(l)
    if len(rs) != len(hs):
        print("words", len(rs), "in", repr(l))
        bad = 1
        continue
    for k, (h, r) in enumerate(zip(hs, rs)):
        if (k < 3 and h[0] != r[0]) or (k >= 3 and h[1] != r[1]):
            print("column %d (%s): header %s, row %s in %r" % (k, heads[k], h, r, l))
            bad = 1
sys.exit(bad)
EOF

TUI_ENV="YUJING_LOCALEDIR=$T/locale LANGUAGE= LANG=zh_CN.UTF-8 LC_ALL=zh_CN.UTF-8"
tui_start 100 30

# The tab bar: view titles from the catalogue.
set -- $(zh_tr Sources Quality Clean Runs)
wait_screen " 1 $1 " "the tab bar names view 1 in Chinese ($1)"
check "and the others ($2 $3 $4)" grep -q " 2 $2  3 $3 .* 6 $4 " "$T/screen.txt"
field=$(zh_tr field)
type=$(zh_tr type)
check "the fields table heads its columns in Chinese ($field $type)" grep -q "#  $field  *$type" "$T/screen.txt"
if [ "$field" = field ]; then
	not_ok "po/zh_CN.po translates 'field'"
fi

# Sources view: the field names (CJK) and their types line up.
cat >fields.py <<'EOF'
import sys, unicodedata
def dw(s):
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in s)
lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
names = sys.argv[2:]
cols = set()
for n in names:
    l = [x for x in lines if x.split()[1:2] == [n]]
    if not l:
        print("no row for", n)
        sys.exit(1)
    l = l[0]
    i = l.index(" " + n + " ") + 1 + len(n)
    while l[i] == " ":
        i += 1
    cols.add(dw(l[:i]))
if len(cols) != 1:
    print("the type column starts at display columns", sorted(cols))
    sys.exit(1)
EOF
wait_check 'CJK field names and ASCII ones: the type column starts at one display column' \
	$PY fields.py "$T/screen.txt" id 罪名 金额 地点 n2

# Quality: translated headers, aligned columns.
keys 2
heads=$(zh_tr field type role volume null% dup% out% distinct mean std min max | tr '\n' ' ')
# shellcheck disable=SC2086 # the titles are words
wait_check "the Quality table heads its columns in Chinese and every column aligns" \
	$PY align.py "$T/screen.txt" profile.json cases $heads
check 'the Quality heading is translated' grep -q "$(zh_tr 'Quality: %s' | sed 's/%s/cases/')" "$T/screen.txt"

# 80 columns: the table scrolls rather than cutting a character.
tm resize-window -t "$TUI_SESSION" -x 80 -y 24
wait_check 'at 80 columns no line is wider than the screen' $PY - "$T/screen.txt" <<'EOF'
import sys, unicodedata
for l in open(sys.argv[1], encoding="utf-8").read().splitlines():
    w = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in l)
    if w > 80:
        print(w, repr(l))
        sys.exit(1)
EOF
wait_check 'the field column is still there at 80 columns' grep -q "^ 罪名 " "$T/screen.txt"
tui_quit 'q quits under zh_CN'

done_testing
