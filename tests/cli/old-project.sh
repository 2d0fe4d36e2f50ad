#!/bin/sh
# old-project.sh - a project file made by yujing 0.1.0, before run
# configurations had a version (tests/fixtures/old-project, its README says
# how it was made), still works: runs, eval, predict, explain and the
# resume guards read its runs; its stopped run, whose n-gram branches this
# version no longer trains, is refused a resume with the reason.
# Every expected output is what yujing 0.1.0 printed on the same file
# (tests/fixtures/old-project/expected); keys that later versions add to
# the JSON are allowed, none may go or change.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

F=$FIXTURES/old-project
E=$F/expected
export OPENBLAS_NUM_THREADS=1
cp "$F/old-0.1.0.yj" p.yj || bail_out "cannot copy the fixture"
chmod u+w p.yj

PY=
[ -n "${YJ_NO_PYTHON:-}" ] || find_python 'import json'

# same_json DESC EXPECTED GOT: every value of EXPECTED (a JSON document, or
# JSON lines) is in GOT, equal; GOT may have more keys.  Without python3:
# the files are equal byte for byte.
same_json()
{
	if [ -z "$PY" ]; then
		if cmp -s "$2" "$3"; then ok "$1"; else not_ok "$1"; diag "differs from ${2#"$F/"}"; fi
		return
	fi
	if $PY - "$2" "$3" >"$T/sj.out" 2>&1 <<'PYEOF'
import json, sys
def load(p):
    t = open(p, encoding="utf-8").read()
    try:
        return [json.loads(t)]
    except ValueError:
        return [json.loads(l) for l in t.splitlines() if l.strip()]
def sub(e, g, path):
    if isinstance(e, dict):
        if not isinstance(g, dict):
            return [path + ": not an object"]
        out = []
        for k in e:
            out += sub(e[k], g[k], path + "." + k) if k in g else [path + "." + k + ": missing"]
        return out
    if isinstance(e, list):
        if not isinstance(g, list) or len(e) != len(g):
            return [path + ": not a list of %d" % len(e)]
        return [m for i in range(len(e)) for m in sub(e[i], g[i], "%s[%d]" % (path, i))]
    if isinstance(e, float) and isinstance(g, (int, float)) and not isinstance(g, bool):
        # float32 arithmetic in another order: the same to 1e-6
        return [] if abs(g - e) <= 1e-6 * max(1.0, abs(e)) else ["%s: %r, want %r" % (path, g, e)]
    return [] if e == g and type(e) == type(g) else ["%s: %r, want %r" % (path, g, e)]
e, g = load(sys.argv[1]), load(sys.argv[2])
bad = sub(e, g, "$")
print("\n".join(bad[:10]))
sys.exit(1 if bad else 0)
PYEOF
	then
		ok "$1"
	else
		not_ok "$1"
		diag_file "$T/sj.out" "differences"
	fi
}

# yj_json NAME DESC CMD...: run yujing CMD (exit 0) and compare its stdout
# with expected/NAME.json.
yj_json()
{
	_name=$1 _desc=$2
	shift 2
	expect_exit 0 yujing "$@"
	cp "$T/stdout" "$_name.json"
	same_json "$_desc" "$E/$_name.json" "$_name.json"
}

# Issue 14 numbers epochs from 1 in the JSON too: 0.1.0's best_epoch + 1.
awk '/"best_epoch": [0-9]/ {
	match($0, /[0-9]+/)
	$0 = substr($0, 1, RSTART - 1) (substr($0, RSTART, RLENGTH) + 1) substr($0, RSTART + RLENGTH)
} { print }' "$E/runs.json" >runs-want.json
expect_exit 0 yujing runs p.yj --json
cp "$T/stdout" runs.json
same_json 'runs --json lists the four runs with their stored configurations (best_epoch 1-based)' runs-want.json runs.json
yj_json eval1 'eval of the n-gram run as 0.1.0 gave it' eval p.yj --run 1 --json
yj_json eval3 'eval of the text-branch run as 0.1.0 gave it' eval p.yj --run 3 --json
yj_json predict1 'predict --source with the n-gram run (sum fusion, balanced, arrest left out)' \
	predict p.yj --run 1 --source "incident=$F/new-incident.csv" --source "place=$F/new-place.csv" --json
yj_json predict3 'predict --source with the frozen text branch ([CLS] pooling, its encoder)' \
	predict p.yj --run 3 --source "incident=$F/new-incident.csv" --source "place=$F/new-place.csv" --json
yj_json explain1 'explain a case with the n-gram run' explain p.yj --run 1 --case 23078 --json
yj_json explain3 'explain a case with the text-branch run' explain p.yj --run 3 --case 23078 --json

# The resume guards read the stored configuration first.
expect_exit 2 yujing train p.yj --resume 1
expect_text "$T/stderr" 'a finished training run is not resumed' <"$E/resume1.err"
expect_exit 2 yujing pretrain p.yj --resume 2
expect_text "$T/stderr" 'a finished pretraining run is not resumed' <"$E/resume2.err"
expect_exit 2 yujing pretrain p.yj --resume 4
expect_text "$T/stderr" 'pretrain --resume of a training run says what it is' <"$E/presume4.err"

# The stopped run has n-gram branches of 0.1.0 (the mean of the n-grams,
# dense AdamW); this version trains TF-IDF tables with a direct path and
# lazy updates, which would not continue the same run: resuming it is
# refused, saying why, and changes nothing.
expect_exit 2 yujing train p.yj --resume 4 --json
expect_stderr_contains 'earlier yujing whose n-gram branch this version no longer trains'
expect_stderr_contains 'predict, explain and eval still use it'
expect_exit 0 yujing runs p.yj
if grep -Eq '^4 +[^ ]+ +cancelled ' "$T/stdout"; then
	ok 'run 4 stays as 0.1.0 left it (cancelled)'
else
	not_ok 'run 4 stays as 0.1.0 left it (cancelled)'
	diag_file "$T/stdout" runs
fi

done_testing
