#!/bin/sh
# quality.sh - acceptance tests of data quality: profile, clean, split.
#
# Tiny hand-made fixtures (tests/fixtures/quality/) with expected values
# computed by hand from the issue's definitions; the arithmetic is in the
# comments next to each expectation.  Reports are read as JSON with python3
# when it is there (the assertions are skipped otherwise); the text output,
# exit statuses and the project file (with the sqlite3 shell) are checked
# without it.
#
# Project tables read here: snapshots(id, active), snapshot_cells(snapshot_id,
# row, pos, value, kind) (row = the record's place in the file, 1-based;
# pos = the field's place, 0-based), snapshot_sources(kept: int64
# little-endian row ids), splits(id, active), split_cases(split_id, key,
# label, part).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

Q=$FIXTURES/quality
TAB=$(printf '\t')

PY=
for _p in "${PYTHON3:-}" python3; do
	if [ -n "$_p" ] && have "$_p"; then
		PY=$_p
		break
	fi
done

# ------------------------------------------------------------- helpers

# sql DB QUERY: run a query with the sqlite3 shell (output in $T/sql.out).
sql()
{
	"$SQLITE3" -batch -init /dev/null "$1" "$2" >"$T/sql.out" 2>&1
}

# expect_sql DB QUERY DESC <<EOF ... EOF: the query prints exactly that.
expect_sql()
{
	if [ -z "$SQLITE3" ]; then
		cat >/dev/null
		skip "$3" "no sqlite3 shell"
		return
	fi
	sql "$1" "$2"
	expect_text "$T/sql.out" "$3"
}

# dump DB OUT: the whole project as SQL text (for "nothing was written").
dump()
{
	if [ -n "$SQLITE3" ]; then
		"$SQLITE3" -batch -init /dev/null "$1" .dump >"$2" 2>&1
	else
		yujing clean "$1" --list --json >"$2" 2>&1
	fi
}

# Kept row ids as snapshot_sources stores them: hex of int64 LE each.
kept_hex()
{
	for _r in "$@"; do
		printf '%02X00000000000000' "$_r"
	done
}

# expect_kept DB SOURCE DESC ROW...: the active snapshot kept these rows.
expect_kept()
{
	_ek_db=$1 _ek_src=$2 _ek_desc=$3
	shift 3
	kept_hex "$@" >"$T/kept.want"
	echo >>"$T/kept.want"
	expect_sql "$_ek_db" "SELECT hex(kept) FROM snapshot_sources k JOIN sources s ON s.id = k.source_id
		WHERE s.name = '$_ek_src' AND k.snapshot_id = (SELECT id FROM snapshots WHERE active = 1)" \
		"$_ek_desc" <"$T/kept.want"
}

# expect_cells DB DESC <<EOF row|pos|value|kind ... EOF: the cells the
# active snapshot changed.
expect_cells()
{
	expect_sql "$1" "SELECT row, pos, value, kind FROM snapshot_cells
		WHERE snapshot_id = (SELECT id FROM snapshots WHERE active = 1) ORDER BY row, pos" "$2"
}

# json_checks FILE DESC <<EOF ... EOF: one assertion per line "LHS == RHS"
# (equal) or "LHS ~= RHS" (numbers within 1e-9 relative), both Python
# expressions over the JSON document in FILE: d is the document,
# src(NAME) a source of it, fld(SOURCE, FIELD) a field's profile.  Blank
# lines and lines starting with # are skipped.
json_checks()
{
	cat >"$T/checks"
	if [ -z "$PY" ]; then
		while IFS= read -r _jc_l; do
			case $_jc_l in '' | '#'*) continue ;; esac
			skip "$2: $_jc_l" "python3 is not available"
		done <"$T/checks"
		return
	fi
	"$PY" - "$1" "$T/checks" >"$T/checks.out" 2>&1 <<'PYEOF'
import json, math, sys
try:
    with open(sys.argv[1], encoding="utf-8") as f:
        d = json.load(f)
    load_error = None
except Exception as e:
    d, load_error = None, "cannot read the JSON: %s" % e
def src(name):
    return [s for s in d["sources"] if s["name"] == name][0]
def fld(s, name):
    return [f for f in src(s)["fields"] if f["name"] == name][0]
env = {"d": d, "src": src, "fld": fld, "math": math, "null": None}
with open(sys.argv[2], encoding="utf-8") as f:
    lines = [l.strip() for l in f]
for l in lines:
    if not l or l.startswith("#"):
        continue
    op = " ~= " if " ~= " in l else " == "
    lhs, rhs = l.split(op, 1)
    try:
        if load_error:
            raise RuntimeError(load_error)
        got, want = eval(lhs, env), eval(rhs, env)
        if op == " == ":
            good = got == want and isinstance(got, bool) == isinstance(want, bool)
        else:
            good = isinstance(got, (int, float)) and not isinstance(got, bool) and \
                (got == want or abs(got - want) <= 1e-9 * max(abs(got), abs(want)))
        info = "got %s, want %s" % (json.dumps(got, ensure_ascii=False),
                                     json.dumps(want, ensure_ascii=False))
    except Exception as e:
        good, info = False, "%s: %s" % (type(e).__name__, e)
    print("%s\t%s\t%s" % ("ok" if good else "not ok", l, info))
PYEOF
	while IFS="$TAB" read -r _jc_st _jc_expr _jc_info; do
		if [ "$_jc_st" = ok ]; then
			ok "$2: $_jc_expr"
		elif [ "$_jc_st" = "not ok" ]; then
			not_ok "$2: $_jc_expr"
			diag "$_jc_info"
		else
			not_ok "$2: the checks ran"
			diag "$_jc_st $_jc_expr $_jc_info"
		fi
	done <"$T/checks.out"
}

# new_project DB: an empty project.
new_project()
{
	run yujing init "$1"
	[ "$rc" -eq 0 ] || bail_out "yujing init $1 failed: $(cat "$T/stderr")"
}

# setup_import DB ARGS...: import, bail out on failure (set-up, not under test).
setup_import()
{
	_im_db=$1
	shift
	run yujing import "$_im_db" "$@"
	[ "$rc" -eq 0 ] || bail_out "yujing import $_im_db $* failed: $(cat "$T/stderr")"
}

# ================================================= profile: the statistics
#
# profile.csv, M = 10 rows; key id (k01..k10, all distinct), txt as text.
#   x       0 (nine times), 10 (k10)
#   c       5, except k03 = NULL (a marker)
#   allnull "", "  ", NA, N/A, NULL, null, \N, "", NA, "" - all null
#   cat     b a b a c c d e f g
#   num     10 9 10 9 2.5 0.5 100 7 8 "" (k10 null)
#   txt     三三三 乙 四四四四 乙 五五五五五 九九九九九九九九九 二二 六六六六六六
#           ab五cd "   " (blanks only: null)
new_project stats.yj
setup_import stats.yj -s stats -k id --text txt "$Q/profile.csv"
setup_import stats.yj -s single -k id "$Q/single.csv"

expect_exit 0 yujing profile stats.yj --source stats
expect_stdout_contains 'stats: 10 rows, 0 duplicate rows (0.00%), 0 keys on several rows' \
	'profile: the source line (M = 10, no duplicate rows)'
# txt lengths in code points, sorted: 1 1 2 3 4 5 5 6 9 (n = 9);
# median: position 0.5 * 8 = 4 -> 4; p95: position 0.95 * 8 = 7.6 ->
# 6 + 0.6 * (9 - 6) = 7.8; suggested min(512, ceil(7.8)) = 8.
expect_stdout_contains '  text length of txt (characters): min 1, median 4, p95 7.8, max 9; suggested max length 8' \
	'profile: text length line'

expect_exit 0 yujing profile stats.yj --source stats --json
cp "$T/stdout" prof3.json
json_checks prof3.json 'profile.csv, sigma 3' <<'EOF'
src("stats")["rows"] == 10
src("stats")["duplicate_rows"] == 0
src("stats")["duplicate_row_rate"] == 0
# id: 10 distinct keys; ties (all once) by bytes
fld("stats","id")["type"] == "categorical"
fld("stats","id")["role"] == "key"
fld("stats","id")["nulls"] == 0
fld("stats","id")["duplicates"] == 0
fld("stats","id")["distinct"] == 10
fld("stats","id")["outliers"] == None
fld("stats","id")["top"] == [["k01",1],["k02",1],["k03",1],["k04",1],["k05",1]]
# x: mu = 10/10 = 1; sigma^2 = (9 * (0-1)^2 + (10-1)^2) / 10 = 90/10 = 9,
# sigma = 3; |10 - 1| = 9 = 3 * sigma exactly: not an outlier (strict >)
fld("stats","x")["type"] == "integer"
fld("stats","x")["nulls"] == 0
fld("stats","x")["null_rate"] == 0
fld("stats","x")["duplicates"] == 8
fld("stats","x")["duplicate_rate"] ~= 0.8
fld("stats","x")["distinct"] == 2
fld("stats","x")["outliers"] == 0
fld("stats","x")["outlier_rate"] == 0
fld("stats","x")["min"] == 0
fld("stats","x")["max"] == 10
fld("stats","x")["mean"] ~= 1
fld("stats","x")["std"] ~= 3
fld("stats","x")["median"] == 0
fld("stats","x")["top"] == [["0",9],["10",1]]
fld("stats","x")["length"] == None
# c: constant 5 on 9 rows (k03 null): sigma = 0 -> no outliers
fld("stats","c")["nulls"] == 1
fld("stats","c")["null_rate"] ~= 0.1
fld("stats","c")["duplicates"] == 8
fld("stats","c")["duplicate_rate"] ~= 0.8
fld("stats","c")["distinct"] == 1
fld("stats","c")["outliers"] == 0
fld("stats","c")["min"] == 5
fld("stats","c")["max"] == 5
fld("stats","c")["mean"] ~= 5
fld("stats","c")["std"] == 0
fld("stats","c")["median"] == 5
fld("stats","c")["top"] == [["5",9]]
# allnull: every spelling of null; no non-null value -> categorical
fld("stats","allnull")["type"] == "categorical"
fld("stats","allnull")["nulls"] == 10
fld("stats","allnull")["null_rate"] == 1
fld("stats","allnull")["duplicates"] == 0
fld("stats","allnull")["duplicate_rate"] == 0
fld("stats","allnull")["distinct"] == 0
fld("stats","allnull")["top"] == []
fld("stats","allnull")["outliers"] == None
fld("stats","allnull")["outlier_rate"] == None
fld("stats","allnull")["min"] == None
fld("stats","allnull")["max"] == None
fld("stats","allnull")["mean"] == None
fld("stats","allnull")["std"] == None
fld("stats","allnull")["median"] == None
fld("stats","allnull")["length"] == None
# cat: a b c twice, d e f g once; D = 10 - 7 = 3; ties by bytes
fld("stats","cat")["nulls"] == 0
fld("stats","cat")["duplicates"] == 3
fld("stats","cat")["duplicate_rate"] ~= 0.3
fld("stats","cat")["distinct"] == 7
fld("stats","cat")["top"] == [["a",2],["b",2],["c",2],["d",1],["e",1]]
fld("stats","cat")["mean"] == None
# num: 9 values, sum 10+9+10+9+2.5+0.5+100+7+8 = 156, mu = 52/3;
# squared deviations: 2 (10-52/3)^2 = 2 * 484/9, 2 (9-52/3)^2 = 2 * 625/9,
# (2.5-52/3)^2 = 7921/36, (0.5-52/3)^2 = 10201/36, (100-52/3)^2 = 61504/9,
# (7-52/3)^2 = 961/9, (8-52/3)^2 = 784/9; in 36ths 3872 + 5000 + 7921 +
# 10201 + 246016 + 3844 + 3136 = 279990, i.e. 7777.5;
# sigma^2 = 7777.5 / 9 = 5185/6, sigma = 29.3967...;
# |100 - 52/3| = 82.67 < 3 sigma = 88.19: no outlier.
# sorted 0.5 2.5 7 8 9 9 10 10 100: median (position 4) = 9;
# ties at count 2 in numeric order: 9 before 10 (bytes would put "10" first)
fld("stats","num")["type"] == "real"
fld("stats","num")["nulls"] == 1
fld("stats","num")["null_rate"] ~= 0.1
fld("stats","num")["duplicates"] == 2
fld("stats","num")["duplicate_rate"] ~= 0.2
fld("stats","num")["distinct"] == 7
fld("stats","num")["outliers"] == 0
fld("stats","num")["min"] == 0.5
fld("stats","num")["max"] == 100
fld("stats","num")["mean"] ~= 52/3
fld("stats","num")["std"] ~= math.sqrt(5185/6)
fld("stats","num")["median"] == 9
fld("stats","num")["top"] == [["9",2],["10",2],["0.5",1],["2.5",1],["7",1]]
# txt: 9 non-null, 8 distinct (乙 twice); ties by UTF-8 bytes:
# "ab五cd" (0x61) < 三 U+4E09 < 九 U+4E5D < 二 U+4E8C < 五 U+4E94 < ...
fld("stats","txt")["type"] == "text"
fld("stats","txt")["role"] == "text"
fld("stats","txt")["nulls"] == 1
fld("stats","txt")["duplicates"] == 1
fld("stats","txt")["duplicate_rate"] ~= 0.1
fld("stats","txt")["distinct"] == 8
fld("stats","txt")["top"] == [["乙",2],["ab五cd",1],["三三三",1],["九九九九九九九九九",1],["二二",1]]
fld("stats","txt")["outliers"] == None
fld("stats","txt")["length"]["min"] == 1
fld("stats","txt")["length"]["median"] == 4
fld("stats","txt")["length"]["p95"] ~= 7.8
fld("stats","txt")["length"]["max"] == 9
fld("stats","txt")["length"]["suggested_max_len"] == 8
EOF

# The outlier threshold: with s = 2.9, |10 - 1| = 9 > 2.9 * 3 = 8.7.
expect_exit 0 yujing profile stats.yj --source stats --sigma 2.9 --json
cp "$T/stdout" prof29.json
json_checks prof29.json 'profile.csv, sigma 2.9' <<'EOF'
fld("stats","x")["outliers"] == 1
fld("stats","x")["outlier_rate"] ~= 0.1
# num: 2.9 sigma = 85.25 > 82.67: still none
fld("stats","num")["outliers"] == 0
fld("stats","c")["outliers"] == 0
EOF
expect_exit 0 yujing profile stats.yj --source stats --sigma 2 --json
cp "$T/stdout" prof2.json
json_checks prof2.json 'profile.csv, sigma 2' <<'EOF'
# num: 2 sigma = 58.79 < |100 - 52/3| = 82.67: 100 is an outlier
fld("stats","num")["outliers"] == 1
fld("stats","num")["outlier_rate"] ~= 0.1
fld("stats","x")["outliers"] == 1
EOF
expect_exit 0 yujing profile stats.yj --source stats --sigma 0.1 --json
cp "$T/stdout" prof01.json
json_checks prof01.json 'profile.csv, sigma 0.1' <<'EOF'
# x: 0.1 * 3 = 0.3 < |0 - 1| = 1: all ten values are outliers
fld("stats","x")["outliers"] == 10
fld("stats","x")["outlier_rate"] == 1
# num: 0.1 sigma = 2.94; the nearest value to 17.33 is 10 (7.33 away): all 9
fld("stats","num")["outliers"] == 9
# c: sigma = 0 -> none, whatever s
fld("stats","c")["outliers"] == 0
EOF
# A stored profile is reused only with the same settings.
expect_exit 0 yujing profile stats.yj --source stats --json
check 'profile: a stored profile gives the same result' cmp "$T/stdout" prof3.json
expect_exit 0 yujing profile stats.yj --source stats --json --recompute
check 'profile --recompute gives the same result' cmp "$T/stdout" prof3.json

# A single-row source: M = 1, v = 42; fewer than two values: no outliers.
expect_exit 0 yujing profile stats.yj --source single --sigma 0.1 --json
cp "$T/stdout" single.json
json_checks single.json 'single-row source' <<'EOF'
src("single")["rows"] == 1
src("single")["duplicate_rows"] == 0
fld("single","v")["type"] == "integer"
fld("single","v")["nulls"] == 0
fld("single","v")["duplicates"] == 0
fld("single","v")["distinct"] == 1
fld("single","v")["outliers"] == 0
fld("single","v")["outlier_rate"] == 0
fld("single","v")["min"] == 42
fld("single","v")["max"] == 42
fld("single","v")["mean"] == 42
fld("single","v")["std"] == 0
fld("single","v")["median"] == 42
fld("single","v")["top"] == [["42",1]]
fld("single","t")["top"] == [["hello",1]]
EOF
expect_exit 0 yujing profile stats.yj --source single
expect_stdout_contains 'single: 1 rows, 0 duplicate rows (0.00%), 0 keys on several rows' \
	'single-row source: text summary'

# No source carries a label: clean and split refuse (usage, exit 2) and
# write nothing.
dump stats.yj before.sql
expect_exit 2 yujing clean stats.yj
expect_stderr_contains 'no source has a label field'
expect_stdout_empty 'clean without a label prints no report'
dump stats.yj after.sql
expect_same_file before.sql after.sql 'clean without a label writes nothing'
expect_exit 2 yujing split stats.yj
expect_stderr_contains 'no source has a label field'
expect_exit 2 yujing profile stats.yj --dedup-ignore nosuch
expect_stderr_contains 'nosuch'
expect_exit 1 yujing profile stats.yj --source nosuch
expect_stderr_contains "no source named 'nosuch'"
expect_exit 2 yujing profile stats.yj --sigma 0
expect_exit 2 yujing profile stats.yj --sigma -1

# ======================================= duplicates and --dedup-ignore
#
# dups.csv (key id, label lab), M = 7:
#   1 k1,x,1,t1,A   2 k1,x,1,t1,A (= row 1)   3 k2,y,2,t2,B
#   4 k2,y,2,t3,B   5 k3,z,3,t4,C   6 k1,x,1,t5,A   7 k3,w,4,t6,C
# All fields: 6 distinct rows, R = 7 - 6 = 1.  Without ts: rows 4 = 3 and
# 6 = 1 too, distinct (k1,x,1) (k2,y,2) (k3,z,3) (k3,w,4): R = 7 - 4 = 3.
# Keys on several rows once the duplicates are set aside: all fields
# k1 (1, 6), k2 (3, 4), k3 (5, 7) = 3; without ts only k3 (5, 7) = 1.
new_project dups.yj
setup_import dups.yj -s dups -k id -l lab "$Q/dups.csv"
expect_exit 0 yujing profile dups.yj
expect_stdout_contains 'dups: 7 rows, 1 duplicate rows (14.29%), 3 keys on several rows' \
	'profile: one duplicate row of seven'
expect_exit 0 yujing profile dups.yj --dedup-ignore ts
expect_stdout_contains 'dups: 7 rows, 3 duplicate rows (42.86%), 1 keys on several rows' \
	'profile --dedup-ignore ts: three duplicate rows'
expect_exit 0 yujing profile dups.yj --json
cp "$T/stdout" dups.json
json_checks dups.json 'dups.csv profile' <<'EOF'
src("dups")["rows"] == 7
src("dups")["duplicate_rows"] == 1
src("dups")["duplicate_row_rate"] ~= 1/7
# id: k1 x3, k2 x2, k3 x2: D = 7 - 3 = 4
fld("dups","id")["duplicates"] == 4
fld("dups","id")["duplicate_rate"] ~= 4/7
# ts: t1 twice: D = 7 - 6 = 1
fld("dups","ts")["duplicates"] == 1
# b: 1 1 2 2 3 1 4: mu = 14/7 = 2, sigma^2 = (1+1+0+0+1+1+4)/7 = 8/7;
# sorted 1 1 1 2 2 3 4, median 2
fld("dups","b")["mean"] ~= 2
fld("dups","b")["std"] ~= math.sqrt(8/7)
fld("dups","b")["median"] == 2
fld("dups","b")["top"] == [["1",3],["2",2],["3",1],["4",1]]
EOF
expect_exit 0 yujing profile dups.yj --dedup-ignore ts --json
cp "$T/stdout" dupsi.json
json_checks dupsi.json 'dups.csv profile --dedup-ignore ts' <<'EOF'
src("dups")["duplicate_rows"] == 3
src("dups")["duplicate_row_rate"] ~= 3/7
fld("dups","ts")["duplicates"] == 1
EOF

# clean: duplicates first (row 2), then the repeated keys of the label
# source keep their first row: k1 (6 dropped), k2 (4), k3 (7): rows 1 3 5.
expect_exit 0 yujing clean dups.yj
expect_stdout 'clean dups.csv: text report' <<'EOF'
dups: 7 rows in, 3 out
  duplicates removed:      1
  repeated keys:           3 (3 later rows dropped, first kept)
  dropped for nulls:       0
  dropped for outliers:    0
  unlabeled cases kept:    0
stored as snapshot 1 (now active)
EOF
expect_kept dups.yj dups 'clean dups.csv keeps rows 1, 3 and 5' 1 3 5
# --dedup-ignore ts: rows 2, 4, 6 are duplicates; of 1 3 5 7, k3 repeats.
expect_exit 0 yujing clean dups.yj --dedup-ignore ts --json
cp "$T/stdout" cdups.json
json_checks cdups.json 'clean dups.csv --dedup-ignore ts' <<'EOF'
src("dups")["rows_in"] == 7
src("dups")["duplicates_removed"] == 3
src("dups")["repeated_keys"] == 1
src("dups")["dropped_repeated_key"] == 1
src("dups")["dropped_missing"] == 0
src("dups")["dropped_outlier"] == 0
src("dups")["rows_out"] == 3
src("dups")["unlabeled"] == 0
EOF
expect_kept dups.yj dups 'clean --dedup-ignore ts keeps rows 1, 3 and 5' 1 3 5
dump dups.yj before.sql
expect_exit 2 yujing clean dups.yj --dedup-ignore nosuch
expect_stderr_contains 'nosuch'
dump dups.yj after.sql
expect_same_file before.sql after.sql 'clean --dedup-ignore nosuch writes nothing'

# ============================================ datetime: ties by bytes
#
# Regression: the tie order of the most frequent values (and so the mode
# that fills a datetime) followed the time, not the text.  dates.csv:
# when = 12/1/2016 (d1), 1/2/2017 (d2), null (d3).  Each once: by bytes
# "1/2/2017" < "12/1/2016" ('/' 0x2F < '2' 0x32); earliest 12/1/2016.
new_project dates.yj
setup_import dates.yj -s dates -k id -l crime "$Q/dates.csv"
expect_exit 0 yujing profile dates.yj --json
cp "$T/stdout" dates.json
json_checks dates.json 'dates.csv profile' <<'EOF'
fld("dates","when")["type"] == "datetime"
fld("dates","when")["nulls"] == 1
fld("dates","when")["null_rate"] ~= 1/3
fld("dates","when")["distinct"] == 2
fld("dates","when")["min"] == "12/1/2016"
fld("dates","when")["max"] == "1/2/2017"
fld("dates","when")["mean"] == None
fld("dates","when")["outliers"] == None
fld("dates","when")["top"] == [["1/2/2017",1],["12/1/2016",1]]
EOF
# M' = 1 (when): d3 has 1/1 nulls; k = 1 keeps it and fills the mode.
expect_exit 0 yujing clean dates.yj --k 1
expect_cells dates.yj 'a datetime is filled with its mode, ties by bytes' <<'EOF'
3|1|1/2/2017|filled
EOF
expect_exit 0 yujing clean dates.yj --k 1 --fill when=const:2017-06-30
expect_cells dates.yj '--fill const on a datetime field' <<'EOF'
3|1|2017-06-30|filled
EOF
dump dates.yj before.sql
expect_exit 2 yujing clean dates.yj --k 1 --fill when=const:yesterday
expect_stderr_contains "the constant 'yesterday' is not a valid datetime value"
expect_exit 2 yujing clean dates.yj --k 1 --fill when=mean
expect_stderr_contains 'when'
dump dates.yj after.sql
expect_same_file before.sql after.sql 'refused datetime fills write nothing'

# ============================================================ cleaning
#
# clean.csv: key id, label crime, M' = 4 attributes n1 n2 cat note (text).
#   row id  crime n1  n2   cat   note  nulls among M'
#   1   c01 盗窃  0   1.5  red   甲乙  0
#   2   c02 盗窃  0   ""   blue  丙    1 (0.25)
#   3   c03 诈骗  0   2.5  ""    ""    2 (0.5)
#   4   c04 诈骗  0   4    red   丁    0
#   5   c05 抢劫  0   NA   NA    NA    3 (0.75)
#   6   c06 ""    0   3    blue  戊    0   (unlabeled)
#   7   c07 盗窃  0   2    red   己    0
#   8   c08 抢劫  0   1    blue  ""    1 (0.25)
#   9   c09 诈骗  0   3    red   庚    0
#   10  c10 盗窃  10  6    blue  辛    0
#   11  = row 3 (an exact duplicate)
# Step 2 on rows 1-10:
#   n1: mu 1, sigma 3 as above: no outlier at s = 3; at s = 2.9 row 10.
#   n2: 1.5 2.5 4 3 2 1 3 6: sum 23, mu = 23/8 = 2.875; squared deviations
#       1.890625 .140625 1.265625 .015625 .765625 3.515625 .015625 9.765625
#       = 17.375, sigma^2 = 2.171875, sigma = 1.4737; 3.125 (6 - 2.875) <
#       2.9 sigma = 4.27: no outlier.  mean 2.875; median of
#       1 1.5 2 2.5 3 3 4 6 = (2.5 + 3) / 2 = 2.75; mode 3 (twice).
#   cat: red 1 4 7 9, blue 2 6 8 10: a tie, the mode is "blue" (bytes).
#   note: all once; smallest UTF-8: 丁 U+4E01 (< 丙 U+4E19 < 己 U+5DF1 ...).
# Positions: id 0, crime 1, n1 2, n2 3, cat 4, note 5.
new_project crimes.yj
setup_import crimes.yj -s crimes -k id -l crime --text note "$Q/clean.csv"

# Defaults (k 0.3, s 3): rows 3 (0.5) and 5 (0.75) dropped; rows 2 (n2 ->
# mean 2.875) and 8 (note -> "") filled; 10 at exactly 3 sigma is kept
# as is; out: 1 2 4 6 7 8 9 10 = 8 rows, one unlabeled (row 6).
dump crimes.yj before.sql
expect_exit 0 yujing clean crimes.yj --dry-run
cp "$T/stdout" dry.txt
expect_stdout '--dry-run: text report' <<'EOF'
crimes: 11 rows in, 8 out
  duplicates removed:      1
  dropped for nulls:       2
  dropped for outliers:    0
  unlabeled cases kept:    1
  field  filled  replaced
  n2          1         0
  note        1         0
dry run: nothing was written
EOF
expect_exit 0 yujing clean crimes.yj --dry-run --json
cp "$T/stdout" dry.json
dump crimes.yj after.sql
expect_same_file before.sql after.sql '--dry-run writes nothing'
expect_exit 0 yujing clean crimes.yj
cp "$T/stdout" applied.txt
expect_stdout_contains 'stored as snapshot 1 (now active)'
sed '$d' dry.txt >dry.head
sed '$d' applied.txt >applied.head
expect_same_file dry.head applied.head '--dry-run reports what the run applies (text)'
expect_cells crimes.yj 'default clean: the cells filled' <<'EOF'
2|3|2.875|filled
8|5||filled
EOF
expect_kept crimes.yj crimes 'default clean keeps 8 rows' 1 2 4 6 7 8 9 10
expect_exit 0 yujing clean crimes.yj --list --json
cp "$T/stdout" list1.json
json_checks dry.json 'default clean report' <<'EOF'
src("crimes")["rows_in"] == 11
src("crimes")["duplicates_removed"] == 1
src("crimes")["dropped_missing"] == 2
src("crimes")["dropped_outlier"] == 0
src("crimes")["filled"] == {"n1": 0, "n2": 1, "cat": 0, "note": 1}
src("crimes")["replaced"] == {"n1": 0, "n2": 0, "cat": 0, "note": 0}
src("crimes")["rows_out"] == 8
src("crimes")["unlabeled"] == 1
src("crimes")["repeated_keys"] == 0
("snapshot" in d) == False
EOF
if [ -n "$PY" ]; then
	# The report stored with snapshot 1 against the dry run's.
	"$PY" -c '
import json, sys
dry = json.load(open(sys.argv[1], encoding="utf-8"))
rep = json.load(open(sys.argv[2], encoding="utf-8"))["snapshots"][0]["report"]
rep.pop("snapshot", None)
sys.exit(0 if dry == rep else 1)
' dry.json list1.json && ok '--dry-run reports what the run applies (JSON)' ||
		not_ok '--dry-run reports what the run applies (JSON)'
else
	skip '--dry-run reports what the run applies (JSON)' 'python3 is not available'
fi

# k = 0: any null drops the row: 2 3 5 8; out 1 4 6 7 9 10.
expect_exit 0 yujing clean crimes.yj --k 0 --json
cp "$T/stdout" k0.json
json_checks k0.json 'clean --k 0' <<'EOF'
src("crimes")["dropped_missing"] == 4
src("crimes")["dropped_outlier"] == 0
src("crimes")["filled"] == {"n1": 0, "n2": 0, "cat": 0, "note": 0}
src("crimes")["rows_out"] == 6
src("crimes")["unlabeled"] == 1
EOF
expect_kept crimes.yj crimes 'clean --k 0 keeps 6 rows' 1 4 6 7 9 10
expect_cells crimes.yj 'clean --k 0 fills nothing' </dev/null

# k = 1: N/M' <= 1 always: nothing dropped, every null filled (defaults:
# n2 mean 2.875, cat mode blue, note "").
expect_exit 0 yujing clean crimes.yj --k 1 --json
cp "$T/stdout" k1.json
json_checks k1.json 'clean --k 1' <<'EOF'
src("crimes")["dropped_missing"] == 0
src("crimes")["filled"] == {"n1": 0, "n2": 2, "cat": 2, "note": 3}
src("crimes")["rows_out"] == 10
src("crimes")["unlabeled"] == 1
EOF
expect_cells crimes.yj 'clean --k 1: the default fill values' <<'EOF'
2|3|2.875|filled
3|4|blue|filled
3|5||filled
5|3|2.875|filled
5|4|blue|filled
5|5||filled
8|5||filled
EOF

# k-missing 0.5: row 3 (2/4 = 0.5) stays, row 5 (0.75 > 0.5) goes.
expect_exit 0 yujing clean crimes.yj --k-missing 0.5 --json
cp "$T/stdout" k05.json
json_checks k05.json 'clean --k-missing 0.5' <<'EOF'
src("crimes")["dropped_missing"] == 1
src("crimes")["filled"] == {"n1": 0, "n2": 1, "cat": 1, "note": 2}
src("crimes")["rows_out"] == 9
EOF
expect_cells crimes.yj 'clean --k-missing 0.5: row 3 kept and filled' <<'EOF'
2|3|2.875|filled
3|4|blue|filled
3|5||filled
8|5||filled
EOF

# Each fill strategy (k = 1, so rows 2 and 5 fill n2, 3 and 5 cat, 3 5 8
# note).
fill_case()
{
	_fc_how=$1
	shift
	expect_exit 0 yujing clean crimes.yj --k 1 --fill "$_fc_how"
	expect_cells crimes.yj "--fill $_fc_how" "$@"
}
fill_case n2=mean <<'EOF'
2|3|2.875|filled
3|4|blue|filled
3|5||filled
5|3|2.875|filled
5|4|blue|filled
5|5||filled
8|5||filled
EOF
fill_case n2=median <<'EOF'
2|3|2.75|filled
3|4|blue|filled
3|5||filled
5|3|2.75|filled
5|4|blue|filled
5|5||filled
8|5||filled
EOF
fill_case n2=mode <<'EOF'
2|3|3|filled
3|4|blue|filled
3|5||filled
5|3|3|filled
5|4|blue|filled
5|5||filled
8|5||filled
EOF
fill_case n2=zero <<'EOF'
2|3|0|filled
3|4|blue|filled
3|5||filled
5|3|0|filled
5|4|blue|filled
5|5||filled
8|5||filled
EOF
fill_case n2=const:7.5 <<'EOF'
2|3|7.5|filled
3|4|blue|filled
3|5||filled
5|3|7.5|filled
5|4|blue|filled
5|5||filled
8|5||filled
EOF
fill_case cat=const:未知 <<'EOF'
2|3|2.875|filled
3|4|未知|filled
3|5||filled
5|3|2.875|filled
5|4|未知|filled
5|5||filled
8|5||filled
EOF
fill_case note=mode <<'EOF'
2|3|2.875|filled
3|4|blue|filled
3|5|丁|filled
5|3|2.875|filled
5|4|blue|filled
5|5|丁|filled
8|5|丁|filled
EOF
fill_case note=const:无 <<'EOF'
2|3|2.875|filled
3|4|blue|filled
3|5|无|filled
5|3|2.875|filled
5|4|blue|filled
5|5|无|filled
8|5|无|filled
EOF

# Outliers: s = 2.9 makes n1 = 10 (row 10) the one outlier cell, O/M' =
# 1/4 = 0.25.  Its fill value is the mean of the values that are neither
# null nor outliers: nine 0s -> 0 (with the outlier it would be 1).
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --json
cp "$T/stdout" orep.json
json_checks orep.json 'clean --sigma 2.9 (replace)' <<'EOF'
src("crimes")["dropped_outlier"] == 0
src("crimes")["replaced"] == {"n1": 1, "n2": 0, "cat": 0, "note": 0}
src("crimes")["rows_out"] == 8
EOF
expect_cells crimes.yj '--outliers replace: the fill value' <<'EOF'
2|3|2.875|filled
8|5||filled
10|2|0|replaced
EOF
# clip to mu + s sigma = 1 + 2.9 * 3 = 9.7
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --outliers clip --json
cp "$T/stdout" oclip.json
json_checks oclip.json 'clean --outliers clip' <<'EOF'
src("crimes")["dropped_outlier"] == 0
src("crimes")["replaced"]["n1"] == 1
EOF
expect_cells crimes.yj '--outliers clip: mean + sigma * std' <<'EOF'
2|3|2.875|filled
8|5||filled
10|2|9.7|clipped
EOF
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --outliers keep --json
cp "$T/stdout" okeep.json
json_checks okeep.json 'clean --outliers keep' <<'EOF'
src("crimes")["dropped_outlier"] == 0
src("crimes")["replaced"]["n1"] == 0
src("crimes")["rows_out"] == 8
EOF
expect_cells crimes.yj '--outliers keep: the outlier stays' <<'EOF'
2|3|2.875|filled
8|5||filled
EOF
# drop: any row with an outlier, whatever k-outlier
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --outliers drop --json
cp "$T/stdout" odrop.json
json_checks odrop.json 'clean --outliers drop' <<'EOF'
src("crimes")["dropped_outlier"] == 1
src("crimes")["replaced"]["n1"] == 0
src("crimes")["rows_out"] == 7
EOF
expect_kept crimes.yj crimes '--outliers drop drops row 10' 1 2 4 6 7 8 9
# k-outlier: 0.25 > 0.2 drops, 0.25 > 0.25 does not
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --k-outlier 0.2 --json
cp "$T/stdout" ok02.json
json_checks ok02.json 'clean --k-outlier 0.2' <<'EOF'
src("crimes")["dropped_outlier"] == 1
src("crimes")["rows_out"] == 7
EOF
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --k-outlier 0.25 --json
cp "$T/stdout" ok025.json
json_checks ok025.json 'clean --k-outlier 0.25' <<'EOF'
src("crimes")["dropped_outlier"] == 0
src("crimes")["replaced"]["n1"] == 1
src("crimes")["rows_out"] == 8
EOF
# --k 0 sets both: rows 2 3 5 8 for nulls, then row 10 for its outlier
expect_exit 0 yujing clean crimes.yj --sigma 2.9 --k 0 --json
cp "$T/stdout" k0o.json
json_checks k0o.json 'clean --k 0 --sigma 2.9' <<'EOF'
src("crimes")["dropped_missing"] == 4
src("crimes")["dropped_outlier"] == 1
src("crimes")["rows_out"] == 5
EOF

# Bad input: usage errors (exit 2), no report, nothing written.
dump crimes.yj before.sql
bad_clean()
{
	_bc_want=$1
	shift
	expect_exit 2 yujing clean crimes.yj "$@"
	expect_stderr_contains "$_bc_want" "clean $*: the error names '$_bc_want'"
	expect_stdout_empty "clean $*: no report"
	dump crimes.yj after.sql
	expect_same_file before.sql after.sql "clean $*: nothing written"
}
bad_clean nosuch --fill nosuch=mean
bad_clean n1 --fill n1=const:abc
bad_clean n1 --fill n1=const:2.5
bad_clean n2 --fill n2=const:x
bad_clean cat --fill cat=mean
bad_clean crime --fill crime=mode
bad_clean n2=avg --fill n2=avg
bad_clean 1.5 --k 1.5
bad_clean -0.1 --k -0.1
bad_clean 2 --k-missing 2
bad_clean -1 --k-outlier -1
bad_clean sigma --sigma 0
bad_clean --outliers --outliers trim
bad_clean nosuch --dry-run --fill nosuch=zero

# --list and --use (undo).  19 runs stored a snapshot (1 default, 2
# --k 0, 3 --k 1, 4 --k-missing 0.5, 5-12 the fills, 13-19 the outlier
# runs; dry runs and refused runs none); the last (--k 0 --sigma 2.9) is
# the active one.
expect_sql crimes.yj 'SELECT count(*), max(id), sum(active) FROM snapshots' \
	'19 snapshots, numbered 1..19, one active' <<'EOF'
19|19|1
EOF
expect_exit 0 yujing clean crimes.yj --list
expect_stdout_contains 'snapshot' '--list prints a table'
expect_exit 0 yujing clean crimes.yj --list --json
cp "$T/stdout" list.json
json_checks list.json 'clean --list --json' <<'EOF'
[s["id"] for s in d["snapshots"]] == list(range(1, 20))
[s["id"] for s in d["snapshots"] if s["active"]] == [19]
d["snapshots"][0]["settings"]["k_missing"] ~= 0.3
d["snapshots"][0]["report"]["sources"][0]["rows_out"] == 8
d["snapshots"][1]["settings"]["k_missing"] == 0
d["snapshots"][1]["report"]["sources"][0]["rows_out"] == 6
EOF
expect_exit 0 yujing clean crimes.yj --use 1
expect_stdout 'clean --use 1' <<'EOF'
snapshot 1 is now active
EOF
expect_sql crimes.yj 'SELECT id FROM snapshots WHERE active = 1' '--use 1: snapshot 1 is the active one' <<'EOF'
1
EOF
expect_exit 1 yujing clean crimes.yj --use 999
expect_stderr_contains 'no snapshot 999'
expect_sql crimes.yj 'SELECT id FROM snapshots WHERE active = 1' '--use 999 changes nothing' <<'EOF'
1
EOF
expect_exit 2 yujing clean crimes.yj --use 0
# The split follows the active snapshot: snapshot 1 keeps the labeled
# rows 1 2 4 7 8 9 10: 盗窃 1 2 7 10 (4: floor(1.2 + .5) = 1 to test),
# 诈骗 4 9 (2: 1), 抢劫 8 (1: stays in train).  Validation, of the m
# training cases floor(0.15 m + 1/2): 盗窃 m = 3 -> floor(0.95) = 0, 诈骗
# and 抢劫 m = 1 -> 0: every class is too small for one.
expect_exit 0 yujing split crimes.yj --json
cp "$T/stdout" csplit.json
json_checks csplit.json 'split of snapshot 1' <<'EOF'
d["snapshot"] == 1
d["train"] == 5
d["valid"] == 0
d["test"] == 2
d["classes"] == [{"label":"盗窃","train":3,"valid":0,"test":1},{"label":"诈骗","train":1,"valid":0,"test":1},{"label":"抢劫","train":1,"valid":0,"test":0}]
d["singletons"] == ["抢劫"]
d["no_valid"] == ["盗窃", "诈骗", "抢劫"]
d["unlabeled"] == 1
EOF
expect_sql crimes.yj "SELECT group_concat(key, ' ') FROM (SELECT key FROM split_cases
	WHERE split_id = (SELECT id FROM splits WHERE active = 1) ORDER BY key)" \
	'split of snapshot 1: its seven labeled cases' <<'EOF'
c01 c02 c04 c07 c08 c09 c10
EOF

# ======================================================= multi-source
#
# cases.csv (label source, M' = a, b):
#   1 c1 盗窃 1 x   2 c2 诈骗 "" ""  3 c3 盗窃 3 y   4 c1 抢劫 5 z
#   5 c4 "" 4 w   6 = row 3
# step 1: row 6 duplicate; c1 repeats: row 4 dropped (first kept);
# step 3: row 2 has 2/2 nulls > 0.3: dropped.  Cases: c1 c3 c4 (unlabeled).
# events.csv (key id): 1 c1 call 10  2 c1 visit 20  3 c2 call 30
#   4 c3 call 40  5 c5 call 50  6 c4 visit 60  7 = row 1
# row 7 duplicate; rows 3 (c2, dropped from cases) and 5 (c5, no case)
# go: rows 1 2 4 6 stay.
new_project multi.yj
setup_import multi.yj -s events -k id "$Q/events.csv"
setup_import multi.yj -s cases -k id -l crime "$Q/cases.csv"
expect_exit 0 yujing clean multi.yj
expect_stdout 'multi-source clean: text report' <<'EOF'
cases: 6 rows in, 3 out
  duplicates removed:      1
  repeated keys:           1 (1 later rows dropped, first kept)
  dropped for nulls:       1
  dropped for outliers:    0
  unlabeled cases kept:    1

events: 7 rows in, 4 out
  duplicates removed:      1
  rows of no case dropped: 2
  dropped for nulls:       0
  dropped for outliers:    0
stored as snapshot 1 (now active)
EOF
expect_kept multi.yj cases 'the label source keeps c1 (row 1), c3 (3), c4 (5)' 1 3 5
expect_kept multi.yj events 'rows of dropped cases and of no case disappear' 1 2 4 6
expect_exit 0 yujing clean multi.yj --dry-run --json
cp "$T/stdout" multi.json
json_checks multi.json 'multi-source clean report' <<'EOF'
[s["name"] for s in d["sources"]] == ["cases", "events"]
src("cases")["rows_in"] == 6
src("cases")["duplicates_removed"] == 1
src("cases")["repeated_keys"] == 1
src("cases")["dropped_repeated_key"] == 1
src("cases")["dropped_missing"] == 1
src("cases")["rows_out"] == 3
src("cases")["unlabeled"] == 1
src("events")["rows_in"] == 7
src("events")["duplicates_removed"] == 1
src("events")["dropped_no_case"] == 2
src("events")["dropped_missing"] == 0
src("events")["rows_out"] == 4
src("events")["unlabeled"] == None
EOF
expect_exit 0 yujing profile multi.yj --json
cp "$T/stdout" mprof.json
json_checks mprof.json 'multi-source profile' <<'EOF'
[s["name"] for s in d["sources"]] == ["cases", "events"]
src("cases")["duplicate_rows"] == 1
src("cases")["repeated_keys"] == 1
src("events")["duplicate_rows"] == 1
fld("cases","a")["nulls"] == 1
EOF
# c1 and c3 (盗窃): n = 2 -> floor(0.6 + 0.5) = 1 to test, m = 1 -> no
# validation; c4 unlabeled.
expect_exit 0 yujing split multi.yj
expect_stdout 'multi-source split: text report' <<'EOF'
class  train  validation  test
盗窃       1           0     1
total      1           0     1
1 class is too small for a validation part; its training cases stay in train
1 unlabeled cases are not in the split
stored as split 1 of snapshot 1 (now active)
EOF

# ================================================================ split
#
# split.jsonl: 26 cases; crime a string or a JSON array (first listed).
#   A  s01-s07 "A", s08 ["A"], s09 ["A","B"], s10 ["A","A"]    n = 10
#   B  s11 s12 "B", s13 ["B","C"]                              n = 3
#   C  s14 s15                                                 n = 2
#   D  s16                                                     n = 1
#   E  s17-s21                                                 n = 5
#   F  s22-s25                                                 n = 4
#   s26 null: unlabeled.  x = 1..26: no outliers, no nulls.
# Test cases floor(0.3 n + 1/2): 10 -> 3, 3 -> 1, 2 -> 1, 1 -> 0 (train),
# 5 -> 2, 4 -> 1; training m = 7 2 1 1 3 3, test 3 1 1 0 2 1 = 8.
# Validation floor(0.15 m + 1/2): A 7 -> floor(1.55) = 1; 2, 1 and 3 ->
# floor(0.8), floor(0.65), floor(0.95) = 0 (E F B C D too small): train
# 6 2 1 1 3 3 = 16, validation 1.
# drop-multi: s09 and s13 leave (two categories; s10 lists one twice):
# A 9 -> floor(3.2) = 3, m = 6 -> floor(1.4) = 1 validation; B 2 -> 1:
# train 5 3 3 1 1 1 = 14, validation 1, test 8.
new_project split.yj
setup_import split.yj -s cases -k id -l crime "$Q/split.jsonl"
expect_exit 1 yujing split split.yj
expect_stderr_contains 'no cleaned snapshot'
expect_exit 0 yujing clean split.yj
expect_exit 0 yujing split split.yj
expect_stdout 'split: text report' <<'EOF'
class  train  validation  test
A          6           1     3
E          3           0     2
F          3           0     1
B          2           0     1
C          1           0     1
D          1           0     0
total     16           1     8
1 class has a single case; it stays in train
5 classes are too small for a validation part; their training cases stay in train
1 unlabeled cases are not in the split
stored as split 1 of snapshot 1 (now active)
EOF
expect_sql split.yj "SELECT label, part, count(*) FROM split_cases
	WHERE split_id = (SELECT id FROM splits WHERE active = 1) GROUP BY label, part ORDER BY label, part" \
	'split: cases per class and part' <<'EOF'
A|test|3
A|train|6
A|valid|1
B|test|1
B|train|2
C|test|1
C|train|1
D|train|1
E|test|2
E|train|3
F|test|1
F|train|3
EOF
expect_sql split.yj "SELECT key, label FROM split_cases WHERE split_id = 1 AND key IN ('s08', 's09', 's10', 's13', 's26') ORDER BY key" \
	'a JSON-array label takes the first listed; unlabeled cases stay out' <<'EOF'
s08|A
s09|A
s10|A
s13|B
EOF
expect_exit 0 yujing split split.yj --label-pick drop-multi --json
cp "$T/stdout" dm.json
json_checks dm.json 'split --label-pick drop-multi' <<'EOF'
d["train"] == 14
d["valid"] == 1
d["test"] == 8
d["classes"] == [{"label":"A","train":5,"valid":1,"test":3},{"label":"E","train":3,"valid":0,"test":2},{"label":"F","train":3,"valid":0,"test":1},{"label":"B","train":1,"valid":0,"test":1},{"label":"C","train":1,"valid":0,"test":1},{"label":"D","train":1,"valid":0,"test":0}]
d["no_valid"] == ["E", "F", "B", "C", "D"]
d["singletons"] == ["D"]
d["unlabeled"] == 1
d["dropped_multi"] == 2
EOF
expect_sql split.yj "SELECT group_concat(key, ' ') FROM (SELECT key FROM split_cases
	WHERE split_id = (SELECT id FROM splits WHERE active = 1) AND key IN ('s08', 's09', 's10', 's13') ORDER BY key)" \
	'drop-multi leaves out the cases listing two categories' <<'EOF'
s08 s10
EOF
expect_exit 2 yujing split split.yj --label-pick last
expect_exit 2 yujing split split.yj --test 1
expect_exit 2 yujing split split.yj --test 0
expect_exit 2 yujing split split.yj --valid 1
expect_exit 2 yujing split split.yj --valid -0.1
# --valid 0: the split of before (no validation part)
expect_exit 0 yujing split split.yj --valid 0 --json
cp "$T/stdout" v0.json
json_checks v0.json 'split --valid 0' <<'EOF'
d["train"] == 17
d["valid"] == 0
d["test"] == 8
d["no_valid"] == []
EOF
# --valid 0.5: A m = 7 -> floor(4) = 4, B m = 2 -> floor(1.5) = 1, C and
# D m = 1 -> at most m - 1 = 0, E and F m = 3 -> floor(2) = 2:
# validation 4 1 0 0 2 2 = 9, train 17 - 9 = 8.
expect_exit 0 yujing split split.yj --valid 0.5 --json
cp "$T/stdout" v5.json
json_checks v5.json 'split --valid 0.5' <<'EOF'
d["train"] == 8
d["valid"] == 9
d["test"] == 8
d["no_valid"] == ["C", "D"]
d["valid_fraction"] == 0.5
EOF
expect_sql split.yj "SELECT json_extract(settings, '$.valid') FROM splits WHERE active = 1" \
	'the validation fraction is stored with the split' <<'EOF'
0.5
EOF

# Seeds: the same seed gives the same test cases, another seed others
# (with the same counts per class).
test_keys()
{
	sql split.yj "SELECT group_concat(key, ' ') FROM (SELECT key FROM split_cases
		WHERE split_id = (SELECT id FROM splits WHERE active = 1) AND part = 'test' ORDER BY key)"
	cat "$T/sql.out"
}
if [ -n "$SQLITE3" ]; then
	expect_exit 0 yujing split split.yj --seed 7
	seed7=$(test_keys)
	expect_exit 0 yujing split split.yj --seed 7
	expect_eq "$(test_keys)" "$seed7" 'the same seed gives the same test cases'
	expect_exit 0 yujing split split.yj --seed 8
	seed8=$(test_keys)
	if [ "$seed8" != "$seed7" ]; then
		ok 'another seed gives other test cases'
	else
		not_ok 'another seed gives other test cases'
		diag "seed 7 and 8: $seed7"
	fi
	expect_sql split.yj "SELECT label, count(*) FROM split_cases WHERE part = 'test'
		AND split_id = (SELECT id FROM splits WHERE active = 1) GROUP BY label ORDER BY label" \
		'seed 8: the same counts per class' <<'EOF'
A|3
B|1
C|1
E|2
F|1
EOF
	expect_exit 0 yujing split split.yj --seed 42
	seed42=$(test_keys)
	sql split.yj "SELECT group_concat(key, ' ') FROM (SELECT key FROM split_cases
		WHERE split_id = 1 AND part = 'test' ORDER BY key)"
	expect_eq "$seed42" "$(cat "$T/sql.out")" 'the default seed is 42 and repeatable'
	expect_sql split.yj 'SELECT count(*), sum(active) FROM splits' 'one active split among all' <<'EOF'
8|1
EOF
else
	for _d in 'the same seed gives the same test cases' 'another seed gives other test cases' \
		'seed 8: the same counts per class' 'the default seed is 42 and repeatable' \
		'one active split among all'; do
		skip "$_d" 'no sqlite3 shell'
	done
fi

# A single-row label source: one case, a class of one, in train.
new_project single.yj
setup_import single.yj -s one -k id -l t "$Q/single.csv"
expect_exit 0 yujing clean single.yj --json
cp "$T/stdout" one.json
json_checks one.json 'single-row label source' <<'EOF'
src("one")["rows_in"] == 1
src("one")["rows_out"] == 1
src("one")["duplicates_removed"] == 0
src("one")["unlabeled"] == 0
EOF
expect_exit 0 yujing split single.yj
expect_stdout 'single-row source: the split' <<'EOF'
class  train  validation  test
hello      1           0     0
total      1           0     0
1 class has a single case; it stays in train
1 class is too small for a validation part; its training cases stay in train
stored as split 1 of snapshot 1 (now active)
EOF

# ======================================== CJK names, display-width text
#
# cjk.csv: 编号 (key) 类别 (label) 金额 地点; 3 rows:
#   甲1 盗窃 100 北京 / 甲2 诈骗 200 上海 / 甲3 盗窃 "" 北京
# 金额: 100 200: mean 150, std 50, median 150; null 1/3 = 33.33%.
# Each CJK character is 2 columns: a 2-character name is 4 wide, padded to
# the 5 of "field".
new_project cjk.yj
setup_import cjk.yj -s 案件 -k 编号 -l 类别 "$Q/cjk.csv"
expect_exit 0 yujing profile cjk.yj
expect_stdout 'profile: CJK columns aligned by display width' <<'EOF'
案件: 3 rows, 0 duplicate rows (0.00%), 0 keys on several rows
  field  type         nulls   null%  dups    dup%  outliers   out%  distinct  min  max  mean  std  median
  编号   categorical      0   0.00%     0   0.00%         -      -         3    -    -     -    -       -
  类别   categorical      0   0.00%     1  33.33%         -      -         2    -    -     -    -       -
  金额   integer          1  33.33%     0   0.00%         0  0.00%         2  100  200   150   50     150
  地点   categorical      0   0.00%     1  33.33%         -      -         2    -    -     -    -       -
EOF
# M' = 2 (金额 地点): 甲3 has 1/2 nulls, kept with k = 0.5 and filled.
expect_exit 0 yujing clean cjk.yj --k 0.5
expect_stdout 'clean: CJK field names aligned' <<'EOF'
案件: 3 rows in, 3 out
  duplicates removed:      0
  dropped for nulls:       0
  dropped for outliers:    0
  unlabeled cases kept:    0
  field  filled  replaced
  金额        1         0
stored as snapshot 1 (now active)
EOF
# Regression: a whole-number fill value came out as "1.5e+02" (%g), not
# even an integer's spelling.
expect_cells cjk.yj 'the CJK field is filled with its mean, 150 written plainly' <<'EOF'
3|2|150|filled
EOF
# 盗窃: 2 cases -> 1 test; 诈骗: 1 -> train; neither has a validation part.
expect_exit 0 yujing split cjk.yj
expect_stdout 'split: CJK class names aligned' <<'EOF'
class  train  validation  test
盗窃       1           0     1
诈骗       1           0     0
total      2           0     1
1 class has a single case; it stays in train
2 classes are too small for a validation part; their training cases stay in train
stored as split 1 of snapshot 1 (now active)
EOF
expect_exit 0 yujing clean cjk.yj --fill 金额=const:0 --k 1 --json
cp "$T/stdout" cjkc.json
json_checks cjkc.json 'clean --fill with a CJK field name' <<'EOF'
src("案件")["filled"] == {"金额": 1, "地点": 0}
EOF
expect_cells cjk.yj '--fill 金额=const:0' <<'EOF'
3|2|0|filled
EOF
expect_exit 2 yujing clean cjk.yj --fill 金额=const:一百
expect_stderr_contains '金额'


# Regression (issue 14): a numeric key was profiled for outliers.  Keys
# 1..19 and 1000000, the same numbers in field n: mu = 50009.5, population
# sigma = 217942.77, |1000000 - mu| = 4.36 sigma > 3: an outlier in n, but
# the key is no measurement (null, as for a text key).
{
	echo 'num_id,n'
	i=1
	while [ $i -le 19 ]; do
		echo "$i,$i"
		i=$((i + 1))
	done
	echo '1000000,1000000'
} >numkey.csv
new_project numkey.yj
setup_import numkey.yj -s nk -k num_id numkey.csv
expect_exit 0 yujing profile numkey.yj --json
cp "$T/stdout" numkey.json
json_checks numkey.json 'a numeric key' <<'EOF'
fld("nk","num_id")["role"] == "key"
fld("nk","num_id")["type"] == "integer"
fld("nk","num_id")["outliers"] == None
fld("nk","num_id")["outlier_rate"] == None
fld("nk","n")["outliers"] == 1
EOF

done_testing
