#!/bin/sh
# inspector-top.sh - the inspector highlights in the case's text exactly
# the units `explain` ranks in the first five of an n-gram branch with a
# positive score (issue 18: before, a mutant highlighting every unit as
# long as the text had one top unit survived).  The highlighted
# characters are read from tmux's capture with its colour codes (bold
# on or off, SGR 1 and 22/0) and compared with those `yujing explain
# --json` gives for the case the inspector shows.  The fixture's texts are
# Chinese, so every unit is one character.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to read the JSON"
trained_fixture

tui_start 120 40
keys 5
wait_screen 'Cases (' 'the Cases view'
keys Enter
wait_screen 'Text (highlighted' 'Enter opens the inspector with the text'
key=$(sed -n 's/^ *Case \(c[0-9]*\) .*/\1/p' "$T/screen.txt" | head -1)
[ -n "$key" ] || bail_out "no case key in the inspector's title"
yujing explain p.yj --case "$key" --json >ex.json || bail_out "explain $key failed"
grep "^$key," cases.csv | head -1 | cut -d, -f6 >text.txt
tm capture-pane -e -p -t "$TUI_SESSION" >esc.txt
cat >top.py <<'PYEOF'
import json, re, sys
ex = json.load(open("ex.json"))
text = open("text.txt", encoding="utf-8").read().strip()
# the top units: per branch, in explain's order, ranks 1-5 with score > 0
top, rank, prev = set(), 0, None
for t in ex["tokens"]:
    rank = rank + 1 if t["branch"] == prev else 1
    prev = t["branch"]
    if t["unit"] != "character":
        print("not a character unit:", t); sys.exit(1)
    if rank <= 5 and t["score"] > 0:
        top.add(t["text"])
want = "".join(c if c in top else "." for c in text)
lines = open("esc.txt", encoding="utf-8").read().splitlines()
at = [i for i, l in enumerate(lines) if "Text (highlighted" in re.sub(r"\x1b\[[0-9;]*m", "", l)]
if not at:
    print("no text heading"); sys.exit(1)
raw = lines[at[0] + 1]
bold, got = False, ""
for tok in re.split(r"(\x1b\[[0-9;]*m)", raw):
    m = re.fullmatch(r"\x1b\[([0-9;]*)m", tok)
    if m:
        for p in (m.group(1) or "0").split(";"):
            if p in ("0", "", "22"):
                bold = False
            elif p == "1":
                bold = True
        continue
    for c in tok:
        if c != " ":
            got += c if bold else "."
if "." not in want or set(want) == {"."}:
    print("text %s: top units %s mark all or none of it, the test cannot tell" % (text, sorted(top))); sys.exit(1)
if got != want:
    print("text %s: highlighted %r, want %r (top units %s)" % (text, got, want, sorted(top)))
    sys.exit(1)
PYEOF
py_check "the inspector of $key highlights exactly explain's top units" "$(cat top.py)"
tui_quit
done_testing
