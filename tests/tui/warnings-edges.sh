#!/bin/sh
# warnings-edges.sh - two edges of the Warnings view (issue 18):
# - the threshold column shows a category's own threshold (诈骗 0.85)
#   where it has one, else the overall 0.5;
# - the category of a warning whose probability is 0.9 or more is drawn
#   in the "bad" colour, below 0.9 in the "warning" colour, 0.9 itself
#   included: three predictions written by hand into the project (0.95,
#   exactly 0.9, 0.6; a crafted file, as a project from someone else may
#   be), their colours read from tmux's capture with its colour codes;
# - a failed load (the project's thresholds setting is not valid, set by
#   hand) at 40 columns: the error is cut at the view's right edge, the
#   row under it stays empty (no wrapping), its text the CLI's own.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

[ -n "$PY" ] || skip_all "python3 is needed to read the capture"
[ -n "${SQLITE3:-}" ] || bail_out "SQLITE3 is not set (the sqlite3 program)"
trained_fixture
"$SQLITE3" p.yj "DELETE FROM predictions;
INSERT INTO predictions (run_id, key, source, predicted, probabilities) VALUES
 (1, 'c01', 'cases', '盗窃', '{\"抢劫\":0.02,\"盗窃\":0.95,\"诈骗\":0.03}'),
 (1, 'c06', 'cases', '诈骗', '{\"抢劫\":0.05,\"盗窃\":0.05,\"诈骗\":0.9}'),
 (1, 'c02', 'cases', '盗窃', '{\"抢劫\":0.2,\"盗窃\":0.6,\"诈骗\":0.2}');" ||
	bail_out "cannot write the predictions"
# 诈骗 with a threshold of its own (0.85): c06's row shows it, the others 0.50
"$SQLITE3" p.yj "INSERT OR REPLACE INTO settings VALUES ('alert_thresholds',
 '{\"all\":0.5,\"categories\":{\"诈骗\":0.85}}');" || bail_out "cannot write the thresholds"

tui_start 100 30
keys 7
wait_screen 'Warnings (3 of 3 predicted)' 'the three predictions are warnings'
check 'c06 at exactly 0.9000, over the own threshold of its category, 0.85' grep -Eq '^ *c06 +诈骗 +0\.9000 +0\.85 ' "$T/screen.txt"
check 'c01 at 0.9500 and the overall threshold 0.50' grep -Eq '^ *c01 +盗窃 +0\.9500 +0\.50 ' "$T/screen.txt"
tm capture-pane -e -p -t "$TUI_SESSION" >esc.txt
py_check 'the category at 0.9 has the colour of 0.95, not that of 0.6' '
import re
col = {}
for raw in open("esc.txt", encoding="utf-8").read().splitlines():
    plain = re.sub(r"\x1b\[[0-9;]*m", "", raw)
    m = re.match(r"^ *(c0[126]) ", plain)
    if not m:
        continue
    fg = None
    for tok in re.split(r"(\x1b\[[0-9;]*m)", raw):
        s = re.fullmatch(r"\x1b\[([0-9;]*)m", tok)
        if s:
            for p in (s.group(1) or "0").split(";"):
                if p in ("0", "", "39"):
                    fg = None
                elif re.fullmatch(r"3[0-7]", p):
                    fg = p
        elif tok.strip().startswith(("盗窃", "诈骗")):
            col[m.group(1)] = fg
            break
if len(col) != 3 or col["c06"] != col["c01"] or col["c06"] == col["c02"] or col["c01"] is None:
    print("colours of the category:", col)'
tui_quit 'q quits'

# The thresholds setting made invalid by hand; the CLI's message.
"$SQLITE3" p.yj "INSERT OR REPLACE INTO settings VALUES ('alert_thresholds', '{\"all\":2}');" ||
	bail_out "cannot write the setting"
yujing alerts p.yj >/dev/null 2>alerts.err && bail_out "alerts took an invalid threshold"
msg=$(sed -n '1s/^yujing: //p' alerts.err)
[ -n "$msg" ] || bail_out "alerts said nothing"
# 37 columns of it (40 less the view's margins), every character ASCII
want=$(printf '%s' "$msg" | cut -c1-37)
tui_start 40 20
keys 7
wait_screen "  $want" 'at 40 columns the Warnings view shows the error, cut'
err_cut()
{
	y=$(grep -n "^  $want" "$T/screen.txt" | head -1 | cut -d: -f1)
	[ -n "$y" ] || return 1
	[ "$(sed -n "${y}p" "$T/screen.txt" | sed 's/ *$//')" = "  $want" ] &&
		[ -z "$(sed -n "$((y + 1))p" "$T/screen.txt" | tr -d ' ')" ]
}
wait_check 'nothing of it wraps into the next row' err_cut
tui_quit
done_testing
