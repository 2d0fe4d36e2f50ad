#!/bin/sh
# quality.sh - the Quality view shows what `yujing profile --json` says:
# every field's row (type, role, volume = non-null values, null %, duplicate %,
# outlier %, distinct, mean, std, min, max) formatted as the view formats
# them ("%.2f%%" rates, "%.6g" numbers, "-" where a statistic does not
# apply), for each source; sorting by a column; the drill-in into a
# numeric field (histogram, outlier count, sample rows holding its null and
# its outlier) and into a categorical one (top values with counts).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"
. "$top_srcdir/tests/tui/tmux.sh"

if [ -z "$PY" ]; then
	echo "1..0 # SKIP python3 is needed to compute the expected screen from JSON"
	tap_done=1
	exit 0
fi

fixture
yujing profile p.yj --json >profile.json || bail_out "yujing profile --json failed"

# rows_match SOURCE: each field of SOURCE has a screen line whose words
# are exactly the view's cells.
cat >rows.py <<'EOF'
import json, sys
prof = json.load(open(sys.argv[1], encoding="utf-8"))
src = [s for s in prof["sources"] if s["name"] == sys.argv[2]][0]
lines = open(sys.argv[3], encoding="utf-8").read().splitlines()
def rate(v):
    return "-" if v is None else "%.2f%%" % (100 * v)
def num(v):
    if v is None:
        return "-"
    return v if isinstance(v, str) else "%.6g" % v
bad = 0
for f in src["fields"]:
    want = [f["name"], f["type"], f["role"], str(src["rows"] - f["nulls"]), rate(f["null_rate"]),
            rate(f["duplicate_rate"]), rate(f["outlier_rate"]), str(f["distinct"]),
            num(f["mean"]), num(f["std"]), num(f["min"]), num(f["max"])]
    got = [l.split() for l in lines if l.split()[:1] == [f["name"]]]
    if want not in got:
        print("field %s: want %s, got %s" % (f["name"], want, got))
        bad = 1
sys.exit(bad)
EOF
rows_match()
{
	$PY rows.py profile.json "$1" "$T/screen.txt"
}

# order_of COL: the null% (4th word) of the field rows, in screen order,
# is sorted (asc or desc).
cat >order.py <<'EOF'
import json, sys
prof = json.load(open(sys.argv[1], encoding="utf-8"))
names = [f["name"] for f in prof["sources"][0]["fields"]]
lines = open(sys.argv[2], encoding="utf-8").read().splitlines()
rows = [l.split() for l in lines if l.split()[:1] and l.split()[0] in names]
vals = [float(r[4].rstrip("%")) for r in rows]
want = sorted(vals, reverse=sys.argv[3] == "desc")
if len(rows) != len(names) or vals != want:
    print("null%% in screen order: %s, want %s" % (vals, want))
    sys.exit(1)
EOF
sorted_by_null()
{
	$PY order.py profile.json "$T/screen.txt" "$1"
}

# A statistic of a field from the JSON.
stat()
{
	$PY -c 'import json,sys; p=json.load(open(sys.argv[1])); s=[x for x in p["sources"] if x["name"]==sys.argv[2]][0]; f=[x for x in s["fields"] if x["name"]==sys.argv[3]][0]; print(f[sys.argv[4]] if sys.argv[4]!="top0" else "%s %d" % tuple(f["top"][0]))' profile.json "$@"
}

tui_start 110 30
keys 2
wait_screen 'Quality: cases' '2 opens the Quality view of the selected source'
wait_check 'every field of cases shows the numbers of profile --json' rows_match cases
check 'the source summary shows rows and duplicate rows' grep -q '21 rows · 1 duplicate rows (4.76%)' "$T/screen.txt"
keys ']'
wait_screen 'Quality: events' '] moves to the next source'
wait_check 'every field of events shows the numbers of profile --json' rows_match events
keys '['
wait_screen 'Quality: cases' '[ moves back'

# Sort by null%: the column cursor to null% (5th column), s, s again.
keys l l l l s
wait_screen 'null%↑' 's sorts by the column under the cursor (the header says so)'
wait_check 'the rows are in ascending null% order' sorted_by_null asc
keys s
wait_screen 'null%↓' 's again reverses'
wait_check 'the rows are in descending null% order' sorted_by_null desc
keys S
wait_gone 'null%↓' 'S restores the field order'

# Drill into 金额 (the third field): histogram, outliers, samples.
keys g j j Enter
wait_screen 'cases › 金额' 'Enter drills into the field under the cursor'
wait_screen 'Histogram (' 'a numeric field shows a histogram'
outliers=$(stat cases 金额 outliers)
nulls=$(stat cases 金额 nulls)
check "the drill-in counts $nulls null and $outliers outliers as the profile does" \
	grep -q "$nulls nulls (4.76%) · $outliers outliers (4.76%) beyond 3 σ" "$T/screen.txt"
wait_screen 'Sample rows where 金额 is null or an outlier (2 of 2)' 'the sample rows are those with a null or outlier 金额'
check 'the row with the null 金额 (line 6, c05) is a sample' grep -Eq '^ +6  c05  抢劫 ' "$T/screen.txt"
check 'the row with the outlier 9000 (line 21, c20) is a sample' grep -Eq '^ +21  c20  诈骗 +9000 ' "$T/screen.txt"
keys ']'
wait_screen 'cases › 地点' '] in a drill-in moves to the next field'
top=$(stat cases 地点 top0)
wait_screen 'All 3 values' 'a categorical field shows its values with bars'
check "the most frequent value and its count ($top) lead the list" \
	grep -Eq "^ +${top% *} +${top#* } +[0-9.]+% █" "$T/screen.txt"
check 'the nulls are counted apart' grep -q 'others: 0   nulls: 2' "$T/screen.txt"
keys ']' ']'
wait_screen 'cases › 案情' 'on to the text field'
wait_screen 'Text length in characters (' 'a text field shows its length distribution'
wait_screen 'Sample rows where 案情 is null or an outlier (1 of 1)' 'the sample is its row with an empty text'
keys Escape
wait_screen 'Quality: cases' 'Esc returns to the table'

# / searches the table; Enter then drills into the field found.
keys /
keys_text n2
keys Enter Enter
wait_screen 'cases › n2' '/ finds a field, Enter drills into it'
keys Escape /
keys_text nothing-like-it
keys Enter
wait_screen 'not found: nothing-like-it' 'a search that finds nothing says so'
tui_quit

done_testing
