#!/bin/sh
# import.sh - importing through the CLI: formats, roles, type overrides,
# encodings, --replace, awkward field names, display-width alignment, every
# malformed input (exit 1, FILE:LINE and field named, project unchanged),
# bad usage (exit 2), Ctrl-C, --json, and a few real rows.
#
# Every expected value below is worked out by hand from the input next to
# it.  The type rules are those of include/yujing/data/infer.h: integers
# (a leading zero makes a code: categorical), reals, date-times, else
# categorical unless the values are long and mostly distinct (text).
# Tables: two leading blanks, columns padded to their widest cell in
# display columns (a CJK character takes two) and separated by two blanks,
# the last column unpadded.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# ------------------------------------------------------------- helpers

# expect_import_output DESC <<EOF: the last command's stdout, with the
# elapsed time of the "imported ..." line written as X.
expect_import_output()
{
	sed 's/, [0-9][0-9]*\.[0-9][0-9] s)$/, X s)/' "$T/stdout" >"$T/stdout.x"
	expect_text "$T/stdout.x" "$1"
}

# YJ_NO_PYTHON=1 tries the fallbacks.
have_python=
if [ -z "${YJ_NO_PYTHON:-}" ] && have python3 && python3 -c 'import json, csv' >/dev/null 2>&1; then
	have_python=1
fi

# source_fields PROJECT SOURCE: one "name|type|inferred|role" line per field
# of SOURCE, read from `yujing sources --json` (with python3's json module
# when there is one, else from jansson's two-space layout with awk).
source_fields()
{
	"$YUJING" sources --json "$1" >"$T/sources.json" || return 1
	if [ -n "$have_python" ]; then
		python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
for s in d["sources"]:
    if s["name"] == sys.argv[2]:
        for f in s["fields"]:
            print("|".join((f["name"], f["type"], f["inferred"], f["role"])))
' "$T/sources.json" "$2"
	else
		awk -v src="$2" '
function val(s) {
	sub(/^ *"[a-z_]*": "/, "", s); sub(/",?$/, "", s)
	gsub(/\\"/, "\"", s); gsub(/\\\\/, "\\", s)
	return s
}
/^      "name": / { insrc = (val($0) == src) }
insrc && /^          "name": / { n = val($0) }
insrc && /^          "type": / { t = val($0) }
insrc && /^          "inferred": / { i = val($0) }
insrc && /^          "role": / { print n "|" t "|" i "|" val($0) }
' "$T/sources.json"
	fi
}

# source_attr PROJECT SOURCE KEY: one top-level attribute of a source in
# `sources --json` (rows, key, label, file, format, encoding).
source_attr()
{
	"$YUJING" sources --json "$1" >"$T/sources.json" || return 1
	if [ -n "$have_python" ]; then
		python3 -c '
import json, sys
with open(sys.argv[1], encoding="utf-8") as f:
    d = json.load(f)
for s in d["sources"]:
    if s["name"] == sys.argv[2]:
        v = s.get(sys.argv[3])
        print("null" if v is None else v)
' "$T/sources.json" "$2" "$3"
	else
		awk -v src="$2" -v key="$3" '
/^      "name": / { s = $0; sub(/^ *"name": "/, "", s); sub(/",?$/, "", s); insrc = (s == src) }
insrc && index($0, "      \"" key "\": ") == 1 {
	s = $0; sub(/^ *"[a-z_]*": /, "", s); sub(/,$/, "", s); gsub(/^"|"$/, "", s); print s
}' "$T/sources.json"
	fi
}

# expect_fields PROJECT SOURCE DESC <<EOF: the fields of a source, exactly.
expect_fields()
{
	source_fields "$1" "$2" >"$T/fields.txt" 2>&1
	expect_text "$T/fields.txt" "$3"
}

# q PROJECT SQL: a query through the sqlite3 shell ("|" between columns).
q()
{
	"$SQLITE3" -batch -noheader "$1" "$2"
}

# expect_sql PROJECT SQL WANT DESC: skipped without the sqlite3 shell.
expect_sql()
{
	if [ -n "$SQLITE3" ]; then
		expect_eq "$(q "$1" "$2" 2>&1)" "$3" "$4"
	else
		skip "$4" 'SQLITE3 is not set'
	fi
}

# snapshot PROJECT: remember what the project holds (sources --json, a
# full .dump, and its bytes).
snapshot()
{
	"$YUJING" sources --json "$1" >"$T/snap.sources" 2>&1
	if [ -n "$SQLITE3" ]; then
		"$SQLITE3" "$1" .dump >"$T/snap.dump" 2>&1
	fi
	cp "$1" "$T/snap.yj"
}

# expect_unchanged PROJECT WHAT: the project is as at the last snapshot.
expect_unchanged()
{
	if "$YUJING" sources --json "$1" >"$T/now.sources" 2>&1; then
		expect_same_file "$T/snap.sources" "$T/now.sources" "$2: sources --json unchanged"
	else
		not_ok "$2: sources --json unchanged"
		diag_file "$T/now.sources" 'sources --json fails'
	fi
	if [ -n "$SQLITE3" ]; then
		"$SQLITE3" "$1" .dump >"$T/now.dump" 2>&1
		expect_same_file "$T/snap.dump" "$T/now.dump" "$2: sqlite3 .dump unchanged"
	else
		skip "$2: sqlite3 .dump unchanged" 'SQLITE3 is not set'
	fi
	expect_same_file "$T/snap.yj" "$1" "$2: the project file is byte-for-byte unchanged"
	expect_no_file "$1-wal" "$2: no $1-wal left behind"
}

# import_fails CODE PREFIX MESSAGE PROJECT ARGS...: `yujing import PROJECT
# ARGS...` exits with CODE, prints nothing on stdout, its stderr starts with
# PREFIX ("yujing: FILE:LINE: field 'F': ") and contains MESSAGE, and the
# project is unchanged.
import_fails()
{
	_if_code=$1 _if_prefix=$2 _if_msg=$3 _if_p=$4
	shift 4
	snapshot "$_if_p"
	expect_exit "$_if_code" yujing import "$_if_p" "$@"
	expect_stdout_empty "import $*: nothing on stdout"
	_if_first=$(head -n 1 "$T/stderr")
	case $_if_first in
	"$_if_prefix"*) ok "import $*: the message starts '$_if_prefix'" ;;
	*)
		not_ok "import $*: the message starts '$_if_prefix'"
		diag "got: $_if_first"
		;;
	esac
	expect_stderr_contains "$_if_msg" "import $*: the message says '$_if_msg'"
	expect_unchanged "$_if_p" "import $*"
}

# ================================================================ CSV
expect_exit 0 yujing init p.yj

cat >cases.csv <<'EOF'
id,category,place,amount,when
1,theft,street,12.50,2017-01-01 10:00
2,assault,home,3,2017-01-02 11:30
2,assault,home,3,2017-01-02 11:30
3,theft,"shop, north",7,2017-01-03 09:15
EOF
expect_exit 0 yujing import p.yj --source cases --key id --label category cases.csv
expect_import_output 'CSV: the import reports rows, fields, types and roles' <<'EOF'
imported 4 rows into source 'cases' (5 fields, X s)
  field     type         role
  id        integer      key
  category  categorical  label
  place     categorical  attribute
  amount    real         attribute
  when      datetime     attribute
EOF
expect_stderr_empty 'CSV: nothing on stderr'
expect_exit 0 yujing sources p.yj
expect_stdout 'CSV: sources shows the source' <<'EOF'
cases: 4 rows, key id, label category (from cases.csv)
  field     type         role
  id        integer      key
  category  categorical  label
  place     categorical  attribute
  amount    real         attribute
  when      datetime     attribute
EOF
expect_fields p.yj cases 'CSV: sources --json: names, types, inferred types, roles' <<'EOF'
id|integer|integer|key
category|categorical|categorical|label
place|categorical|categorical|attribute
amount|real|real|attribute
when|datetime|datetime|attribute
EOF
expect_eq "$(source_attr p.yj cases rows)" 4 'CSV: the repeated key and the duplicate row are kept (4 rows)'
expect_eq "$(source_attr p.yj cases format)" csv 'CSV: the format is recorded'
expect_eq "$(source_attr p.yj cases encoding)" utf-8 'CSV: the encoding is recorded'
expect_sql p.yj 'SELECT count(*) FROM "raw:cases" WHERE id = '"'2'" 2 \
	'CSV: both rows of case 2 are stored'
expect_sql p.yj 'SELECT place FROM "raw:cases" WHERE id = '"'3'" 'shop, north' \
	'CSV: a quoted field keeps its comma'
expect_sql p.yj 'SELECT amount FROM "raw:cases" WHERE id = '"'1'" '12.50' \
	'CSV: values are stored as found in the file'

# The same rows from standard input.
expect_exit 0 yujing import p.yj -s stdin -k id - <cases.csv
expect_eq "$(source_attr p.yj stdin rows)" 4 'stdin: 4 rows read from -'
expect_eq "$(source_attr p.yj stdin file)" - 'stdin: the file is recorded as -'

# Regression: one field was reported as "1 fields".
expect_exit 0 yujing init one.yj
printf 'k\n7\n' >one.csv
expect_exit 0 yujing import one.yj -s one -k k one.csv
expect_import_output 'one row of one field: singular nouns' <<'EOF'
imported 1 row into source 'one' (1 field, X s)
  field  type     role
  k      integer  key
EOF
expect_exit 0 yujing sources one.yj
expect_stdout 'sources: one row' <<'EOF'
one: 1 row, key k (from one.csv)
  field  type     role
  k      integer  key
EOF

# ================================================================ TSV
printf 'id\tname\tnote\n1\tA\tsays "hi"\n2\tB\tplain\n' >tab.tsv
cp tab.tsv tab.txt
expect_exit 0 yujing import p.yj -s tsv -k id tab.tsv
expect_import_output 'TSV by extension: report' <<'EOF'
imported 2 rows into source 'tsv' (3 fields, X s)
  field  type         role
  id     integer      key
  name   categorical  attribute
  note   categorical  attribute
EOF
expect_eq "$(source_attr p.yj tsv format)" tsv 'TSV by extension: the format is tsv'
expect_eq "$(source_attr p.yj tsv label)" null 'sources --json: no label is null'
expect_sql p.yj 'SELECT note FROM "raw:tsv" WHERE id = '"'1'" 'says "hi"' \
	'TSV: a double quote is an ordinary character'
expect_exit 0 yujing import p.yj -s tsv2 -k id --format tsv tab.txt
expect_import_output 'TSV by --format: report' <<'EOF'
imported 2 rows into source 'tsv2' (3 fields, X s)
  field  type         role
  id     integer      key
  name   categorical  attribute
  note   categorical  attribute
EOF
expect_eq "$(source_attr p.yj tsv2 format)" tsv 'TSV by --format: the format is tsv'
# --format wins over the extension: read as CSV, the header is one field.
import_fails 2 "yujing: tab.tsv: field 'id': " '--key names a field that is not in the file' \
	p.yj -s tsvcsv -k id --format csv tab.tsv

# ============================================================== JSONL
cat >j.jsonl <<'EOF'
{"id": "K1", "crime": "theft", "fact": "the suspect took a bicycle from the yard at night", "meta": {"n": 2, "tags": ["a", "b"]}}

{"id": "K2", "crime": "fraud", "fact": "a caller pretended to be a bank clerk", "meta": {"n": null}, "extra": true}
EOF
cp j.jsonl j.txt
expect_exit 0 yujing import p.yj -s jl -k id -l crime --text fact j.jsonl
expect_import_output 'JSONL by extension: nested keys flatten, --text sets the role' <<'EOF'
imported 2 rows into source 'jl' (6 fields, X s)
  field      type         role
  id         categorical  key
  crime      categorical  label
  fact       text         text
  meta.n     integer      attribute
  meta.tags  categorical  attribute
  extra      categorical  attribute
EOF
expect_eq "$(source_attr p.yj jl format)" jsonl 'JSONL by extension: the format is jsonl'
expect_sql p.yj 'SELECT "meta.tags" FROM "raw:jl" WHERE id = '"'K1'" '["a","b"]' \
	'JSONL: an array is kept as JSON text'
expect_sql p.yj 'SELECT count(*) FROM "raw:jl" WHERE "meta.n" IS NULL AND "meta.tags" IS NULL AND extra = '"'true'" 1 \
	'JSONL: null and absent keys are NULL, true is "true"'
expect_exit 0 yujing import p.yj -s jl2 -k id -l crime -t fact -f jsonl j.txt
expect_fields p.yj jl2 'JSONL by --format: the same fields' <<'EOF'
id|categorical|categorical|key
crime|categorical|categorical|label
fact|text|text|text
meta.n|integer|integer|attribute
meta.tags|categorical|categorical|attribute
extra|categorical|categorical|attribute
EOF
expect_eq "$(source_attr p.yj jl2 rows)" 2 'JSONL by --format: 2 rows (the blank line is skipped)'

# The whole project, sources in name order, one blank line between them.
expect_exit 0 yujing sources p.yj
expect_stdout 'sources lists every source in name order' <<'EOF'
cases: 4 rows, key id, label category (from cases.csv)
  field     type         role
  id        integer      key
  category  categorical  label
  place     categorical  attribute
  amount    real         attribute
  when      datetime     attribute

jl: 2 rows, key id, label crime (from j.jsonl)
  field      type         role
  id         categorical  key
  crime      categorical  label
  fact       text         text
  meta.n     integer      attribute
  meta.tags  categorical  attribute
  extra      categorical  attribute

jl2: 2 rows, key id, label crime (from j.txt)
  field      type         role
  id         categorical  key
  crime      categorical  label
  fact       text         text
  meta.n     integer      attribute
  meta.tags  categorical  attribute
  extra      categorical  attribute

stdin: 4 rows, key id (from -)
  field     type         role
  id        integer      key
  category  categorical  attribute
  place     categorical  attribute
  amount    real         attribute
  when      datetime     attribute

tsv: 2 rows, key id (from tab.tsv)
  field  type         role
  id     integer      key
  name   categorical  attribute
  note   categorical  attribute

tsv2: 2 rows, key id (from tab.txt)
  field  type         role
  id     integer      key
  name   categorical  attribute
  note   categorical  attribute
EOF

# ===================================================== --text and --type
cat >narr.csv <<'EOF'
id,summary,detail,cat
1,short one,also short,a
2,short two,still short,b
EOF
expect_exit 0 yujing import p.yj -s narr -k id --text summary,detail narr.csv
expect_fields p.yj narr '--text F1,F2: both fields become text with the text role' <<'EOF'
id|integer|integer|key
summary|text|categorical|text
detail|text|categorical|text
cat|categorical|categorical|attribute
EOF

cat >types.csv <<'EOF'
id,zip,score,code
1,60601,1.5,7
2,60602,2,8
EOF
expect_exit 0 yujing import p.yj -s types -k id --type zip=categorical --type score=text \
	--type code=real types.csv
expect_fields p.yj types '--type: the type is overridden, the inferred one kept' <<'EOF'
id|integer|integer|key
zip|categorical|integer|attribute
score|text|real|attribute
code|real|integer|attribute
EOF

# ============================================================ encoding
if have iconv && printf '编号\n' | iconv -f UTF-8 -t GB18030 >/dev/null 2>&1; then
	printf '编号,类别,地点\nA1,盗窃,北京\nA2,诈骗,上海\n' | iconv -f UTF-8 -t GB18030 >gb.csv
	check 'the GB18030 file is not UTF-8 (the test input is what it claims)' \
		sh -c '! iconv -f UTF-8 -t UTF-8 gb.csv >/dev/null 2>&1'
	expect_exit 0 yujing import p.yj -s gb -k 编号 -l 类别 --encoding gb18030 gb.csv
	expect_import_output '--encoding gb18030: names and roles decoded' <<'EOF'
imported 2 rows into source 'gb' (3 fields, X s)
  field  type         role
  编号   categorical  key
  类别   categorical  label
  地点   categorical  attribute
EOF
	expect_eq "$(source_attr p.yj gb encoding)" gb18030 '--encoding gb18030 is recorded'
	expect_sql p.yj 'SELECT group_concat("地点", '"'/'"') FROM "raw:gb"' '北京/上海' \
		'--encoding gb18030: values are stored as UTF-8'
	import_fails 1 'yujing: gb.csv:1: ' 'invalid UTF-8' p.yj -s gb8 -k 编号 gb.csv
	expect_stderr_contains '--encoding gb18030' 'GB18030 read as UTF-8: the hint names --encoding'
	{
		printf '编号,类别\nA1,盗窃\n' | iconv -f UTF-8 -t GB18030
		printf 'A2,\201\040x\nA3,y\n'
	} >gbad.csv
	import_fails 1 'yujing: gbad.csv:3: ' 'invalid byte sequence for the declared encoding' \
		p.yj -s gbad -k 编号 -e gb18030 gbad.csv
	# 𠮷 (U+20BB7) is a four-byte sequence in GB18030.
	printf '编号,名\n1,𠮷某\n' | iconv -f UTF-8 -t GB18030 >gb4.csv
	expect_exit 0 yujing import p.yj -s gb4 -k 编号 -e GB18030 gb4.csv
	expect_sql p.yj 'SELECT "名" FROM "raw:gb4"' '𠮷某' \
		'--encoding GB18030 (any case): a four-byte character round-trips'
	gbfix=$FIXTURES/gb18030.csv
	if [ -f "$gbfix" ]; then
		expect_exit 0 yujing import p.yj -s gbfix -k 编号 -e gb18030 "$gbfix"
	else
		skip 'the GB18030 fixture imports' "no $gbfix"
	fi
else
	skip '--encoding gb18030' 'iconv cannot make GB18030 here'
fi
# A usage error names no data file: the file was never read.
import_fails 2 "yujing: unsupported encoding" "unsupported encoding 'latin1'" \
	p.yj -s l1 -k id -e latin1 cases.csv

# ============================================================ --replace
import_fails 1 "yujing: cases.csv: " "already has a source named 'cases'" \
	p.yj -s cases -k id cases.csv
expect_stderr_contains '--append' 'a second import of a source suggests --append (issue 14: not --replace)'
cat >small.csv <<'EOF'
id,category
9,fraud
9,fraud
EOF
expect_exit 0 yujing import p.yj -s cases -k id -l category --replace small.csv
expect_import_output '--replace: the source is replaced' <<'EOF'
imported 2 rows into source 'cases' (2 fields, X s)
  field     type         role
  id        integer      key
  category  categorical  label
EOF
expect_eq "$(source_attr p.yj cases file)" small.csv '--replace: the source now comes from the new file'
expect_sql p.yj 'SELECT count(*) FROM "raw:cases"' 2 '--replace: the old rows are gone'
if [ -n "$SQLITE3" ]; then
	expect_eq "$(q p.yj "SELECT count(*) FROM sqlite_schema WHERE name LIKE 'raw%'")" \
		"$(q p.yj 'SELECT 2 * count(*) FROM sources')" \
		'--replace: one data table and one view per source, nothing left over'
else
	skip '--replace: nothing left over' 'SQLITE3 is not set'
fi
# A --replace that fails keeps the source it would have replaced.
printf 'id,category\n1,a\n2,"b\n' >unterminated.csv
import_fails 1 "yujing: unterminated.csv:3: field 'category': " 'unterminated quoted field' \
	p.yj -s cases -k id --replace unterminated.csv

# ===================================================== awkward field names
expect_exit 0 yujing init kw.yj
cat >kw.csv <<'EOF'
案件编号,类别,select,from,"say ""hi""",order,two words,发案地点描述
A001,盗窃,1,x,yes,2.5,a b,北京市朝阳区
A001,盗窃,1,x,yes,2.5,a b,北京市朝阳区
A002,抢劫,2,y,no,3,c d,上海市
EOF
expect_exit 0 yujing import kw.yj -s 警情 -k 案件编号 -l 类别 kw.csv
expect_stderr_empty 'keywords, quotes, spaces, CJK: nothing on stderr'
expect_fields kw.yj 警情 'sources --json shows the field names exactly' <<'EOF'
案件编号|categorical|categorical|key
类别|categorical|categorical|label
select|integer|integer|attribute
from|categorical|categorical|attribute
say "hi"|categorical|categorical|attribute
order|real|real|attribute
two words|categorical|categorical|attribute
发案地点描述|categorical|categorical|attribute
EOF
expect_eq "$(source_attr kw.yj 警情 key)" 案件编号 'sources --json: the CJK key field'
expect_eq "$(source_attr kw.yj 警情 label)" 类别 'sources --json: the CJK label field'
expect_eq "$(source_attr kw.yj 警情 rows)" 3 'the exact duplicate row is kept'
# Widths: the widest name, 发案地点描述, is 6 characters but 12 columns.
expect_exit 0 yujing sources kw.yj
expect_stdout 'sources aligns columns by display width (CJK = 2 columns)' <<'EOF'
警情: 3 rows, key 案件编号, label 类别 (from kw.csv)
  field         type         role
  案件编号      categorical  key
  类别          categorical  label
  select        integer      attribute
  from          categorical  attribute
  say "hi"      categorical  attribute
  order         real         attribute
  two words     categorical  attribute
  发案地点描述  categorical  attribute
EOF
expect_sql kw.yj 'SELECT "select", "from", "say ""hi""", "order", "two words" FROM "raw:警情" WHERE "案件编号" = '"'A002'" \
	'2|y|no|3|c d' 'the source view has the original field names as columns'

cat >kw.jsonl <<'EOF'
{"案件编号": "A1", "select": 1, "say \"hi\"": "q", "back\\slash": "b", "two words": "w", "a": {"from": "x"}}
EOF
expect_exit 0 yujing import kw.yj -s kwj -k 案件编号 kw.jsonl
expect_fields kw.yj kwj 'JSONL: escaped and nested key names come out exactly' <<'EOF'
案件编号|categorical|categorical|key
select|integer|integer|attribute
say "hi"|categorical|categorical|attribute
back\slash|categorical|categorical|attribute
two words|categorical|categorical|attribute
a.from|categorical|categorical|attribute
EOF

# ==================================================== malformed input
# Each fails with exit 1, names FILE:LINE (and the field when there is
# one) and leaves the project as it was.
expect_exit 0 yujing init bad.yj
expect_exit 0 yujing import bad.yj -s base -k id -l category cases.csv

# The quote opens on line 3 and is still open at the end of the file.
cat >uq.csv <<'EOF'
id,cat,note
1,a,fine
2,b,"never
closed
3,c,x
EOF
import_fails 1 "yujing: uq.csv:3: field 'note': " 'unterminated quoted field' bad.yj -s x -k id uq.csv
expect_stderr_contains 'opened on line 3' 'unterminated quote: the message names the line it opened on'

# Too many fields on line 4 (the record on lines 2-3 spans two lines).
cat >wc.csv <<'EOF'
id,cat,note
1,a,"two
lines"
2,b,c,d
EOF
import_fails 1 'yujing: wc.csv:4: ' 'the record has 4 fields but the header has 3' bad.yj -s x -k id wc.csv
# The same with CRLF line ends.
printf 'id,cat,note\r\n1,a,"two\r\nlines"\r\n2,b,c,d\r\n' >crlf.csv
import_fails 1 'yujing: crlf.csv:4: ' 'the record has 4 fields' bad.yj -s x -k id crlf.csv
# Too few: the first missing field is named.
printf 'id,cat,note\n1,a,x\n2,b\n3,c,y\n' >wf.csv
import_fails 1 "yujing: wf.csv:3: field 'note': " 'has 2 fields but the header has 3' bad.yj -s x -k id wf.csv
printf 'id\tcat\n1\ta\n2\tb\n3\n' >wf.tsv
import_fails 1 "yujing: wf.tsv:4: field 'cat': " 'but the header has 2' bad.yj -s x -k id wf.tsv
# A quote inside an unquoted field.
printf 'id,cat\n1,a\n2,b"c\n' >q.csv
import_fails 1 "yujing: q.csv:3: field 'cat': " 'double quote inside an unquoted field' bad.yj -s x -k id q.csv
# A header naming a field twice.
printf 'id,cat,cat\n1,a,b\n' >dh.csv
import_fails 1 "yujing: dh.csv:1: field 'cat': " 'twice' bad.yj -s x -k id dh.csv
# An empty case key on line 3.
printf 'id,cat\n1,a\n ,b\n' >ek.csv
import_fails 1 "yujing: ek.csv:3: field 'id': " 'the case key is empty' bad.yj -s x -k id ek.csv
# Nothing at all.
: >empty.csv
import_fails 1 'yujing: empty.csv' 'empty' bad.yj -s x -k id empty.csv
import_fails 1 'yujing: nosuch.csv: ' 'cannot open' bad.yj -s x -k id nosuch.csv

# Invalid UTF-8: a stray byte on line 3; an overlong sequence on line 2 of
# JSON lines; a sequence cut short by the end of the file on line 4; a
# stray byte on line 5002, after 5000 good rows (more than one progress
# step of 4096 rows).
printf 'id,cat\n1,a\n2,b\377\n' >bad8.csv
import_fails 1 'yujing: bad8.csv:3: ' 'invalid UTF-8' bad.yj -s x -k id bad8.csv
printf '{"id": 1}\n{"id": 2, "v": "\300\257"}\n' >bad8.jsonl
import_fails 1 'yujing: bad8.jsonl:2: ' 'invalid UTF-8' bad.yj -s x -k id bad8.jsonl
printf 'id,cat\n1,a\n2,b\n3,\344\270' >cut8.csv
import_fails 1 'yujing: cut8.csv:4: ' 'invalid UTF-8' bad.yj -s x -k id cut8.csv
{
	echo id,v
	i=1
	while [ $i -le 5000 ]; do
		echo "$i,x"
		i=$((i + 1))
	done
	printf '5001,\377\n5002,y\n'
} >big.csv
import_fails 1 'yujing: big.csv:5002: ' 'invalid UTF-8' bad.yj -s x -k id big.csv

# Bad JSON on line 4 (line 2 is blank), a line that is not an object, a
# key given twice.
printf '{"id": 1, "v": "a"}\n\n{"id": 2, "v": "b"}\n{"id": 3, "v": }\n' >bad.jsonl
import_fails 1 'yujing: bad.jsonl:4: ' 'invalid JSON' bad.yj -s x -k id bad.jsonl
printf '{"id": 1}\n[1, 2]\n' >nobj.jsonl
import_fails 1 'yujing: nobj.jsonl:2: ' 'one JSON object' bad.yj -s x -k id nobj.jsonl
printf '{"id": 1}\n{"id": 2}\n{"id": 3, "id": 4}\n' >dupkey.jsonl
import_fails 1 'yujing: dupkey.jsonl:3: ' 'duplicate' bad.yj -s x -k id dupkey.jsonl

# A value that does not fit the type asked for: the first one, on line 4.
printf 'id,n\n1,10\n2,20\n3,x30\n4,40\n' >tv.csv
import_fails 1 "yujing: tv.csv:4: field 'n': " "the value 'x30' is not of type integer" \
	bad.yj -s x -k id --type n=integer tv.csv
expect_stderr_contains 'categorical' 'a --type conflict: the hint gives the inferred type'
printf '{"id": 1, "when": "2017-01-01"}\n{"id": 2, "when": "soon"}\n' >tv.jsonl
import_fails 1 "yujing: tv.jsonl:2: field 'when': " "the value 'soon' is not of type datetime" \
	bad.yj -s x -k id --type when=datetime tv.jsonl

# ========================================================== bad usage
import_fails 2 'yujing import: ' "unknown format 'xml'" bad.yj -s x -k id --format xml cases.csv
import_fails 2 'yujing import: ' '--type wants FIELD=TYPE' bad.yj -s x -k id --type id=nope cases.csv
import_fails 2 'yujing import: ' '--type wants FIELD=TYPE' bad.yj -s x -k id --type id cases.csv
import_fails 2 'yujing import: ' '--type wants FIELD=TYPE' bad.yj -s x -k id --type =integer cases.csv
import_fails 2 'yujing import: ' '--source and --key are required' bad.yj -s x cases.csv
import_fails 2 'yujing import: ' '--source and --key are required' bad.yj -k id cases.csv
import_fails 2 'yujing import: ' 'expected a project file and one data file' bad.yj -s x -k id cases.csv tab.tsv
import_fails 2 "yujing: cases.csv: field 'nope': " '--label names a field that is not in the file' \
	bad.yj -s x -k id -l nope cases.csv
expect_stderr_contains 'id, category, place, amount, when' 'an unknown --label: the hint lists the fields'
import_fails 2 "yujing: j.jsonl: field 'nope': " '--label names a field that is not in the file' \
	bad.yj -s x -k id -l nope j.jsonl
import_fails 2 "yujing: cases.csv: field 'nope': " '--key names a field' bad.yj -s x -k nope cases.csv
import_fails 2 "yujing: cases.csv: field 'nope': " '--text names a field' bad.yj -s x -k id -t nope cases.csv
import_fails 2 "yujing: cases.csv: field 'nope': " '--type names a field' \
	bad.yj -s x -k id --type nope=integer cases.csv
import_fails 2 'yujing: ' 'the key field cannot also be the label' bad.yj -s x -k id -l id cases.csv

# A --key that no JSON object has is a usage error like a missing column
# (regression: it used to fail as "the case key is empty" on line 1).
expect_exit 2 yujing import bad.yj -s x -k nope j.jsonl

# ============================================================== Ctrl-C
# A writer sends a header and two rows into a FIFO, then holds it open;
# once yujing has opened it (the writer's open returns then) and had a
# second to read, it gets SIGINT.  timeout(1) bounds the import in case
# the signal is ignored.
if have mkfifo && have timeout && mkfifo fifo.csv 2>/dev/null; then
	snapshot bad.yj
	rm -f opened
	(
		exec 3>fifo.csv
		: >opened
		printf 'id,cat\n1,a\n2,b\n' >&3
		exec sleep 60
	) >/dev/null 2>&1 &
	writer=$!
	track_pid "$writer"
	# --foreground: timeout passes SIGINT on to yujing once; without it,
	# it sends it to yujing and then to its whole process group, and the
	# second SIGINT kills (by design) a yujing still cleaning up.
	timeout --foreground -k 5 30 "$YUJING" import bad.yj -s live -k id fifo.csv \
		>"$T/stdout" 2>"$T/stderr" &
	importer=$!
	track_pid "$importer"
	i=0
	while [ ! -e opened ] && [ $i -lt 100 ]; do
		sleep 0.1 2>/dev/null || sleep 1
		i=$((i + 1))
	done
	check 'Ctrl-C: yujing opened the FIFO' test -e opened
	sleep 1
	kill -INT "$importer" 2>/dev/null
	rc=0
	wait "$importer" || rc=$?
	untrack "$importer"
	untrack_kill "$writer"
	expect_eq "$rc" 1 'Ctrl-C during an import: exit 1'
	expect_stderr_contains 'fifo.csv' 'Ctrl-C: the message names the file'
	expect_stderr_contains 'interrupted' 'Ctrl-C: the message says it was interrupted'
	expect_stdout_empty 'Ctrl-C: nothing on stdout'
	expect_unchanged bad.yj 'Ctrl-C'
	expect_eq "$(source_attr bad.yj live rows)" '' 'Ctrl-C: no source was added'
else
	skip 'Ctrl-C during an import' 'no mkfifo or timeout'
fi

# ============================================================== --json
expect_exit 0 yujing init js.yj
expect_exit 0 yujing import js.yj -s cases -k id -l category --json cases.csv
size=$(wc -c <cases.csv | tr -d ' ')
if [ -n "$have_python" ]; then
	python3 -c '
import json, sys
d = json.load(open(sys.argv[1], encoding="utf-8"))
print(sorted(d))
print(d["source"], d["file"], d["rows"], d["bytes"])
print(isinstance(d["seconds"], float) and d["seconds"] >= 0)
for f in d["fields"]:
    print(f["name"], f["type"], f["inferred"], f["role"])
' "$T/stdout" >json.txt 2>&1
	expect_text json.txt 'import --json: source, file, rows, bytes, seconds, fields' <<EOF
['bytes', 'fields', 'file', 'rows', 'seconds', 'source']
cases cases.csv 4 $size
True
id integer integer key
category categorical categorical label
place categorical categorical attribute
amount real real attribute
when datetime datetime attribute
EOF
else
	expect_stdout_contains '"rows": 4,' 'import --json: rows'
	expect_stdout_contains "\"bytes\": $size," 'import --json: bytes'
	expect_stdout_contains '"source": "cases",' 'import --json: source'
	expect_stdout_contains '"name": "when",' 'import --json: fields'
fi
expect_stderr_empty 'import --json: nothing on stderr'

# ============================================================ real rows
# The shared fixtures (see tests/fixtures/README.md), when they are there:
# row counts and names are recounted here with python3's csv and json
# modules, types are those the data plainly have.
chicago=
for f in "$FIXTURES"/chicago_sample.csv "$FIXTURES"/chicago*.csv; do
	[ -f "$f" ] && { chicago=$f; break; }
done
if [ -n "$chicago" ]; then
	cp "$chicago" chicago.csv
	expect_exit 0 yujing init real.yj
	expect_exit 0 yujing import real.yj -s chicago -k id -l primary_type chicago.csv
	source_fields real.yj chicago >chicago.fields
	for want in 'id|integer|integer|key' 'primary_type|categorical|categorical|label' \
		'date|datetime|datetime|attribute' 'latitude|real|real|attribute' \
		'longitude|real|real|attribute' 'beat|categorical|categorical|attribute' \
		'district|categorical|categorical|attribute' 'arrest|categorical|categorical|attribute'; do
		check "Chicago rows: field ${want%%|*} is ${want#*|}" grep -x -F -e "$want" chicago.fields
	done
	if [ -n "$have_python" ]; then
		expect_eq "$(source_attr real.yj chicago rows)" \
			"$(python3 -c 'import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))) - 1)' chicago.csv)" \
			'Chicago rows: every record is imported'
		expect_eq "$(cut -d'|' -f1 chicago.fields | tr '\n' ',')" \
			"$(python3 -c 'import csv,sys; print(",".join(next(csv.reader(open(sys.argv[1], newline="", encoding="utf-8")))) + ",")' chicago.csv)" \
			'Chicago rows: the fields are the header, in order'
	else
		skip 'Chicago rows: counts' 'no python3'
	fi
else
	skip 'Chicago rows' 'no tests/fixtures/chicago*.csv'
fi

cail=
for f in "$FIXTURES"/cail_sample.jsonl "$FIXTURES"/cail*.jsonl; do
	[ -f "$f" ] && { cail=$f; break; }
done
if [ -n "$cail" ]; then
	cp "$cail" cail.jsonl
	[ -f real.yj ] || yujing init real.yj >/dev/null
	expect_exit 0 yujing import real.yj -s cail -k meta.criminals -l meta.accusation --text fact cail.jsonl
	source_fields real.yj cail >cail.fields
	for want in 'fact|text|text|text' 'meta.criminals|categorical|categorical|key' \
		'meta.accusation|categorical|categorical|label' \
		'meta.punish_of_money|integer|integer|attribute' \
		'meta.term_of_imprisonment.imprisonment|integer|integer|attribute' \
		'meta.term_of_imprisonment.death_penalty|categorical|categorical|attribute'; do
		check "CAIL rows: field ${want%%|*} is ${want#*|}" grep -x -F -e "$want" cail.fields
	done
	expect_eq "$(source_attr real.yj cail rows)" "$(grep -c '[^[:space:]]' cail.jsonl)" \
		'CAIL rows: one row per non-blank line'
	if [ -n "$SQLITE3" ] && [ -n "$have_python" ]; then
		expect_eq "$(q real.yj 'SELECT fact FROM "raw:cail" LIMIT 1')" \
			"$(python3 -c 'import json,sys; print(json.loads(open(sys.argv[1], encoding="utf-8").readline())["fact"])' cail.jsonl)" \
			'CAIL rows: the first fact is stored exactly'
	else
		skip 'CAIL rows: the first fact' 'no sqlite3 or python3'
	fi
else
	skip 'CAIL rows' 'no tests/fixtures/cail*.jsonl'
fi

done_testing
