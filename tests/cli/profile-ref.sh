#!/bin/sh
# profile-ref.sh - `yujing profile --json` on samples of the real data sets
# against an independent reference (tests/reference/profile_ref.py, Python
# standard library only): every count exactly, every floating value to
# 1e-9 relative, every top-5 list, per source and per field.
#
# Samples (tests/fixtures/quality/, provenance in tests/fixtures/README.md):
#   chicago_2000.csv  header + the first 2000 rows of
#                     chicago_englewood_2017_2018.csv (CSV, English)
#   cail_300.jsonl    the first 300 lines of cail2018.jsonl (JSON lines,
#                     Chinese; nested objects, arrays)
# The reference is given yujing's field types (`yujing sources --json`),
# nothing else.  Skipped without python3.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

Q=$FIXTURES/quality
REF=$top_srcdir/tests/reference/profile_ref.py
TAB=$(printf '\t')

PY=
for _p in "${PYTHON3:-}" python3; do
	if [ -n "$_p" ] && have "$_p"; then
		PY=$_p
		break
	fi
done
if [ -z "$PY" ]; then
	skip 'chicago_2000.csv: profile as the reference computes it' 'python3 is not available'
	skip 'cail_300.jsonl: profile as the reference computes it' 'python3 is not available'
	done_testing
fi

# compare REF.json GOT.json [PREFIX] > LINES: one line per source and per
# field, "ok<TAB>PREFIXwhat" or "not ok<TAB>PREFIXwhat<TAB>differences".
compare()
{
	"$PY" - "$1" "$2" "${3:-}" <<'PYEOF'
import json, sys
REL = 1e-9
P = sys.argv[3]
with open(sys.argv[1], encoding="utf-8") as f:
    ref = json.load(f)
with open(sys.argv[2], encoding="utf-8") as f:
    got = json.load(f)

def is_num(x):
    return isinstance(x, (int, float)) and not isinstance(x, bool)

def cmp(path, r, g, bad, n):
    """Compare reference value r with yujing's g; counts are the
    reference's ints (exact), statistics its floats (1e-9 relative)."""
    if isinstance(r, list):
        if not isinstance(g, list) or len(g) != len(r):
            n[0] += 1
            bad.append("%s: %s, reference %s" % (path, json.dumps(g, ensure_ascii=False)[:200],
                                                json.dumps(r, ensure_ascii=False)[:200]))
        else:
            for i, (a, b) in enumerate(zip(r, g)):
                cmp("%s[%d]" % (path, i), a, b, bad, n)
    elif isinstance(r, dict):
        if not isinstance(g, dict):
            n[0] += 1
            bad.append("%s: %r, reference an object" % (path, g))
        else:
            for k in r:
                if k in g:
                    cmp(path + "." + k, r[k], g[k], bad, n)
                else:
                    n[0] += 1
                    bad.append("%s.%s: missing" % (path, k))
    else:
        n[0] += 1
        if isinstance(r, float):
            good = is_num(g) and (g == r or abs(g - r) <= REL * max(abs(g), abs(r)))
        elif isinstance(r, int) and not isinstance(r, bool):
            good = is_num(g) and g == r
        else:  # strings, null, booleans: the same value and kind
            good = g == r and type(g) is type(r)
        if not good:
            bad.append("%s: %s, reference %s" % (path, json.dumps(g, ensure_ascii=False)[:200],
                                                json.dumps(r, ensure_ascii=False)[:200]))

gsrc = {s["name"]: s for s in got["sources"]}
for rs in ref["sources"]:
    name = rs["name"]
    gs = gsrc.get(name)
    if gs is None:
        print("not ok\t%s%s: profiled\tno such source" % (P, name))
        continue
    bad, n = [], [0]
    for k, v in rs.items():
        if k != "fields":
            cmp(k, v, gs.get(k, "<missing>"), bad, n)
    print("%s\t%s%s: rows, duplicate rows, repeated keys (%d values)\t%s"
          % ("not ok" if bad else "ok", P, name, n[0], "; ".join(bad)))
    gnames = [f["name"] for f in gs["fields"]]
    rnames = [f["name"] for f in rs["fields"]]
    print("%s\t%s%s: the fields, in file order\t%s"
          % ("ok" if gnames == rnames else "not ok", P, name,
             "" if gnames == rnames else "%s, reference %s" % (gnames, rnames)))
    gf = {f["name"]: f for f in gs["fields"]}
    for rf in rs["fields"]:
        bad, n = [], [0]
        if rf["name"] in gf:
            cmp(rf["name"], rf, gf[rf["name"]], bad, n)
        else:
            bad.append("missing")
        print("%s\t%s%s: field %s (%d values)\t%s"
              % ("not ok" if bad else "ok", P, name, rf["name"], n[0], "; ".join(bad)[:1500]))
PYEOF
}

# tap_lines FILE: the compare lines as TAP results.
tap_lines()
{
	_tl_n=0
	while IFS="$TAB" read -r _tl_st _tl_what _tl_info; do
		_tl_n=$((_tl_n + 1))
		if [ "$_tl_st" = ok ]; then
			ok "$_tl_what"
		else
			not_ok "$_tl_what"
			diag "$_tl_st $_tl_info"
		fi
	done <"$1"
	[ "$_tl_n" -gt 0 ] || { not_ok "the comparison printed results"; diag_file "$1"; }
}

run yujing init real.yj
[ "$rc" -eq 0 ] || bail_out "yujing init failed"
expect_exit 0 yujing import real.yj -s chicago -k case_number -l primary_type "$Q/chicago_2000.csv"
expect_exit 0 yujing import real.yj -s cail -k meta.criminals -l meta.accusation -t fact "$Q/cail_300.jsonl"
expect_exit 0 yujing sources real.yj --json
cp "$T/stdout" sources.json

# profile_vs_ref TAG [PROFILE OPTIONS]: profile the project, run the
# reference on each sample with the same options, compare.
profile_vs_ref()
{
	_pr_tag=$1
	shift
	expect_exit 0 yujing profile real.yj --json "$@"
	cp "$T/stdout" "prof-$_pr_tag.json"
	for _pr_s in chicago:chicago_2000.csv cail:cail_300.jsonl; do
		_pr_name=${_pr_s%%:*}
		_pr_file=${_pr_s#*:}
		if "$PY" "$REF" --sources sources.json --source "$_pr_name" "$@" "$Q/$_pr_file" \
			>"ref-$_pr_tag-$_pr_name.json" 2>"$T/ref.err"; then
			ok "$_pr_tag: the reference profiles $_pr_file"
		else
			not_ok "$_pr_tag: the reference profiles $_pr_file"
			diag_file "$T/ref.err" stderr
			continue
		fi
		compare "ref-$_pr_tag-$_pr_name.json" "prof-$_pr_tag.json" "$_pr_tag: " >"$T/cmp.out" 2>&1
		tap_lines "$T/cmp.out"
	done
}

profile_vs_ref 'sigma 3'
profile_vs_ref 'sigma 2, dedup-ignore' --sigma 2 --dedup-ignore id,case_number,fact

# The JSON-lines conventions on a small made-up file: dotted names of
# nested objects (o.p.q), an empty object as text (e, o.p), arrays as
# json.dumps text, reals as their shortest text (100.0 -> 100, -0.0 -> -0,
# 1e-05), true/false, null and absent keys, a field first seen on line 3.
cat >conv.jsonl <<'EOF'
{"id": "a", "r": 100.0, "s": [0.1, 2], "o": {"p": {"q": 1.5}}, "e": {}, "b": true, "n": null, "t": "x"}
{"id": "b", "r": 1e-05, "s": [], "o": {"p": {"q": -0.0}}, "b": false, "t": "  "}
{"id": "c", "r": 12345678.5, "s": ["甲", {"k": [1, 2]}], "o": {"p": {}}, "b": true, "t": "NA", "x": 7}
EOF
run yujing init conv.yj
expect_exit 0 yujing import conv.yj -s conv -k id conv.jsonl
expect_exit 0 yujing sources conv.yj --json
cp "$T/stdout" conv-sources.json
expect_exit 0 yujing profile conv.yj --json
cp "$T/stdout" prof-conv.json
if "$PY" "$REF" --sources conv-sources.json conv.jsonl >ref-conv.json 2>"$T/ref.err"; then
	ok 'the reference profiles conv.jsonl'
else
	not_ok 'the reference profiles conv.jsonl'
	diag_file "$T/ref.err" stderr
fi
compare ref-conv.json prof-conv.json 'JSON lines: ' >"$T/cmp.out" 2>&1
while IFS="$TAB" read -r _cv_st _cv_what _cv_info; do
	if [ "$_cv_st" = ok ]; then
		ok "$_cv_what"
	else
		not_ok "$_cv_what"
		diag "$_cv_info"
	fi
	TODO=
done <"$T/cmp.out"

# The comparison itself must be able to fail: change one count and one
# statistic of yujing's profile and expect both to be reported.
"$PY" - prof-sigma\ 3.json >changed.json <<'PYEOF'
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
s = [s for s in d["sources"] if s["name"] == "chicago"][0]
lat = [f for f in s["fields"] if f["name"] == "latitude"][0]
lat["distinct"] += 1
lat["mean"] *= 1 + 1e-8
json.dump(d, sys.stdout, ensure_ascii=False)
PYEOF
compare "ref-sigma 3-chicago.json" changed.json >"$T/cmp.out" 2>&1
if grep "^not ok${TAB}chicago: field latitude" "$T/cmp.out" | grep 'distinct' | grep 'mean' >/dev/null; then
	ok 'the comparison notices a changed count and a mean off by 1e-8'
else
	not_ok 'the comparison notices a changed count and a mean off by 1e-8'
	diag_file "$T/cmp.out" comparison
fi

done_testing
