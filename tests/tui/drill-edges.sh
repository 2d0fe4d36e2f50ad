#!/bin/sh
# drill-edges.sh - the Quality drill-in at the edges of a source: the first
# field (column 0) drills in like any other, and the sample rows show every
# field up to the last.  The expected cells are the fixture's own rows
# (tests/tui/tmux.sh): line 6 is c05, whose 金额 is null and whose 案情 (the
# last field) is "持刀抢劫路人财物"; the key field id has 20 distinct values
# among its 21 rows (c03 twice).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

fixture
tui_start 132 40
wait_screen 'Sources (2)' 'the workbench opens on the Sources view'
check 'its heading starts at column 1' grep -q '^ Sources (2) ' "$T/screen.txt"
keys 2
wait_screen 'Quality: cases' '2 opens the Quality view'
# The first field: g goes to the top, Enter drills in.
keys g Enter
wait_screen 'cases › id' 'Enter on the first field drills into it'
wait_screen 'All 20 values' 'the first field (id) shows its 20 distinct values'
check 'no error about the first field' sh -c "! grep -q 'has no field' '$T/screen.txt'"
keys Escape
wait_screen 'Quality: cases' 'Esc returns to the table'
# The sample rows of 金额: every field, the last (案情) included.
keys g j j Enter
wait_screen 'Sample rows where 金额 is null or an outlier (2 of 2)' 'the drill-in into 金额 lists its samples'
check 'a sample row shows the last field (案情) too' grep -Eq '^ +6  c05  抢劫 .* 持刀抢劫路人财物( |$)' "$T/screen.txt"
# The null 金额 of c05 is marked (the null-cell attribute: a background
# colour, or underlined on a vt100), in its own column, not the one before
# it (罪名, 抢劫).
tm capture-pane -e -p -t "$TUI_SESSION" >esc.txt
cat >under.py <<'EOF'
import re, sys
# The characters of the c05 sample line, each with whether it is marked,
# from tmux's SGR sequences: 4 sets underline (24 resets it), 40-47 a
# background colour (49 resets it), 0 or an empty one reset both.
for raw in open(sys.argv[1], encoding="utf-8").read().splitlines():
    plain = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    if not re.match(r"^ +6  c05  ", plain):
        continue
    under, bg, cells = False, False, []
    for tok in re.split(r"(\x1b\[[0-9;]*m)", raw):
        m = re.fullmatch(r"\x1b\[([0-9;]*)m", tok)
        if m:
            for p in (m.group(1) or "0").split(";"):
                if p in ("0", ""):
                    under = bg = False
                elif p == "24":
                    under = False
                elif p == "4":
                    under = True
                elif p == "49":
                    bg = False
                elif p.isdigit() and 40 <= int(p) <= 47:
                    bg = True
            continue
        cells += [(c, under or bg) for c in tok]
    text = "".join(c for c, _ in cells)
    i, j = text.index("\u00b7"), text.index("\u62a2")
    if not cells[i][1]:
        print("the null cell of c05 is not marked: %r" % raw)
    if cells[j][1]:
        print("the cell before it (抢劫) is marked: %r" % raw)
    sys.exit(0)
print("no sample line for c05")
EOF
$PY under.py esc.txt >under.out 2>&1
check 'the null cell of the sample is marked in its own column' test ! -s under.out
[ -s under.out ] && diag_file under.out
tui_quit

done_testing
