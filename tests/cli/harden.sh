#!/bin/sh
# harden.sh - a project file, an input file and a model directory from
# someone else are data (issue 15).  One section per defect, each named
# after what broke:
#   catalogue   SQL in fields.col or sources.data_table never runs: the
#               catalogue is validated where it is read (was: fts3_tokenizer
#               leaked a heap pointer into profile --json)
#   schema      a trigger, a foreign view, a virtual table, an index or a
#               changed yujing table is refused naming it, the file byte for
#               byte unchanged (was: a planted trigger ran on import)
#   endless     a line without end stops at 64 MiB with its line number,
#               under ulimit -v, the project unchanged (was: unbounded)
#   config      a crafted config.json is refused before anything is
#               allocated, naming the tensor (was: 2.4 GB, "a BERT of 0
#               parameters")
#   escapes     labels, keys and field names with escape sequences and
#               newlines print escaped; JSON stays exact (was: raw)
#   low         a negative user_version, more than 1,997 fields, NaN
#               weights, a failed read in tokenize/embed, read-only
#               commands that converted the file to WAL
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

ESC=$(printf '\033')
BEL=$(printf '\007')
model=$top_srcdir/tests/model/fixture

# An ASan build reserves terabytes of address space: ulimit -v only in a
# plain build.
asan=
grep -q __asan_init "$YUJING" 2>/dev/null && asan=1

# sql FILE STATEMENT...: the sqlite3 shell on FILE.
sql()
{
	_f=$1
	shift
	"$SQLITE3" -batch -noheader "$_f" "$@"
}

# expect_unchanged FILE WHAT TEXT CMD...: CMD fails (exit 1), says TEXT,
# and leaves the project FILE as it was.
expect_unchanged()
{
	_f=$1 _w=$2 _t=$3
	shift 3
	cp "$_f" "$_f.before"
	expect_exit 1 "$@"
	expect_stderr_contains "$_t" "$_w: the message"
	expect_same_file "$_f" "$_f.before" "$_w: the file is unchanged"
}

# expect_refused FILE WHAT TEXT CMD...: the same, and the message names
# the project FILE.
expect_refused()
{
	expect_unchanged "$@"
	expect_stderr_contains "$1" "$2: the message names the file"
}

if [ -z "$SQLITE3" ]; then
	skip 'project file checks' 'the sqlite3 shell is not available'
	done_testing
fi

printf 'id,kind,amount\n1,a,1.5\n2,b,2.5\n3,a,3.5\n' >s.csv
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj -s s -k id -l kind s.csv
expect_exit 0 yujing sources p.yj
cp p.yj good.yj

# ------------------------------------------------------------- catalogue
cp good.yj col.yj
sql col.yj "UPDATE fields SET col = 'c2, hex(fts3_tokenizer(''simple'')) AS c9' WHERE pos = 2"
expect_refused col.yj 'an SQL expression in fields.col' \
	"names column 'c2, hex(fts3_tokenizer('simple')) AS c9', which is not a column" \
	yujing profile col.yj --json
expect_stdout_empty 'profile --json prints nothing, no pointer'
expect_stderr_contains "field 'amount'" 'the message names the field'
cp good.yj col.yj
sql col.yj "UPDATE fields SET col = 'c7' WHERE pos = 2"
expect_refused col.yj 'a column the data table does not have' "names column 'c7'" yujing sources col.yj
cp good.yj col.yj
sql col.yj "UPDATE fields SET col = 'c02' WHERE pos = 2"
expect_refused col.yj 'a column with a leading zero' "names column 'c02'" yujing clean col.yj
cp good.yj tab.yj
sql tab.yj "UPDATE sources SET data_table = 'raw_1 JOIN sqlite_schema'"
expect_refused tab.yj 'an SQL expression in sources.data_table' \
	"names data table 'raw_1 JOIN sqlite_schema', not raw_1" yujing profile tab.yj
cp good.yj tab.yj
sql tab.yj 'PRAGMA ignore_check_constraints = 1' "UPDATE fields SET role = 'boss' WHERE pos = 1"
expect_refused tab.yj 'an unknown role' "field 'kind' of source 's' has an unknown type or role" \
	yujing sources tab.yj
cp good.yj rows.yj
sql rows.yj "UPDATE sources SET rows = 4000000000000"
expect_refused rows.yj 'a row count beyond the table' "claims 4000000000000 rows, its data table holds 3" \
	yujing profile rows.yj

# ---------------------------------------------------------------- schema
cp good.yj trig.yj
sql trig.yj "CREATE TRIGGER t AFTER INSERT ON sources BEGIN UPDATE settings SET value = 'pwned' WHERE key = 'created_by'; END"
expect_refused trig.yj 'a trigger on sources' "holds a trigger, 't', that yujing did not create" \
	yujing import trig.yj -s s2 -k id s.csv
expect_eq "$(sql trig.yj "SELECT value LIKE 'yujing %' FROM settings WHERE key = 'created_by'")" 1 \
	'the trigger did not run'
cp good.yj trig.yj
sql trig.yj "CREATE TRIGGER w BEFORE UPDATE ON runs BEGIN SELECT 1; END"
expect_refused trig.yj 'a trigger on runs, for a read-only command' "trigger, 'w'" yujing sources trig.yj
cp good.yj view.yj
sql view.yj "CREATE VIEW v AS SELECT * FROM settings"
expect_refused view.yj 'a view yujing did not make' "holds a view, 'v', that yujing did not create" \
	yujing sources view.yj
cp good.yj view.yj
sql view.yj 'DROP VIEW "raw:s"' 'CREATE VIEW "raw:s" AS SELECT c0 AS "id", c1 AS "kind", c2 AS "amount" FROM raw_1 WHERE 0'
expect_refused view.yj "a source's view with other SQL" "holds a view, 'raw:s'" yujing sources view.yj
cp good.yj vt.yj
sql vt.yj "CREATE VIRTUAL TABLE notes USING fts4(body)"
expect_refused vt.yj 'a virtual table' "holds a virtual table, 'notes', that yujing did not create" \
	yujing sources vt.yj
cp good.yj ix.yj
sql ix.yj "CREATE UNIQUE INDEX one_label ON split_cases (label)"
expect_refused ix.yj 'an index' "holds an index, 'one_label'" yujing sources ix.yj
cp good.yj alt.yj
sql alt.yj "ALTER TABLE settings ADD COLUMN x DEFAULT 1"
expect_refused alt.yj 'a yujing table with other SQL' "the project file's table 'settings' is not the one yujing created" \
	yujing sources alt.yj
cp good.yj gone.yj
sql gone.yj "DROP TABLE text_cache"
expect_refused gone.yj 'a missing yujing table' 'lacks 1 of the tables' yujing sources gone.yj
cp good.yj plain.yj
sql plain.yj "CREATE TABLE my_notes (x TEXT)" "ANALYZE"
expect_exit 0 yujing sources plain.yj
expect_stdout_contains 's: 3 rows' 'a plain table of notes and ANALYZE statistics are accepted'
expect_exit 0 yujing import plain.yj -s 'q"uote' -k id s.csv
expect_exit 0 yujing sources plain.yj
expect_stdout_contains 'q"uote: 3 rows' "a source named with a quote: its view is import's own"

# ---------------------------------------------------------------- endless
cp good.yj end.yj
if [ -n "$asan" ]; then
	expect_unchanged end.yj 'an endless JSON line' '/dev/zero:1: the record is longer than 64 MiB' \
		yujing import end.yj -s z -k id -f jsonl /dev/zero
else
	expect_unchanged end.yj 'an endless JSON line under ulimit -v 1 GB' \
		'/dev/zero:1: the record is longer than 64 MiB' \
		sh -c 'ulimit -v 1000000 && exec "$YUJING" import end.yj -s z -k id -f jsonl /dev/zero'
fi
expect_unchanged end.yj 'an endless CSV line on standard input' '-:2: the record is longer than 64 MiB' \
	sh -c '{ printf "id,x\n"; yes 1234567, | tr -d "\n"; } | { [ -n "$1" ] || ulimit -v 1000000; exec "$YUJING" import end.yj -s z -k id -; }' \
	sh "$asan"

# ----------------------------------------------------------------- config
mkdir big
cp "$model/vocab.txt" "$model/model.safetensors" big/
sed -e 's/"vocab_size": 100/"vocab_size": 4000000/' -e 's/"hidden_size": 32/"hidden_size": 4096/' \
	-e 's/"num_attention_heads": 2/"num_attention_heads": 64/' "$model/config.json" >big/config.json
if [ -n "$asan" ]; then
	expect_exit 1 yujing embed --model big x
else
	expect_exit 1 sh -c 'ulimit -v 1000000 && exec "$YUJING" embed --model big x'
fi
expect_stderr_contains "tensor 'bert.embeddings.word_embeddings.weight' has shape [100, 32], config.json implies [4000000, 4096]" \
	'a crafted config.json: refused naming the tensor before allocating'
sed 's/"num_hidden_layers": 2/"num_hidden_layers": 12/' "$model/config.json" >big/config.json
expect_exit 1 yujing embed --model big x
expect_stderr_contains "tensor 'bert.encoder.layer.2.attention.self.query.weight' is missing" \
	'more layers than the weights hold: the first missing tensor'

# ---------------------------------------------------------------- escapes
# Labels with OSC 0 (title), CSI 2J, a C1 CSI (U+009B) and a newline; a
# field name with OSC 52 (clipboard).
{
	printf 'id,amt%s]52;c;cHduZWQ=%s,label\n' "$ESC" "$BEL"
	i=1
	while [ $i -le 40 ]; do
		printf 'K%d,%d,"hi%s]0;pwned%s"\n' $i $((i % 7)) "$ESC" "$BEL"
		printf 'L%d,%d,"lo\nFORGED\t%s[2J\302\233"\n' $i $((i % 5 + 10)) "$ESC"
		i=$((i + 1))
	done
	printf 'U1,3,\nU2,12,\n'
} >esc.csv
hi='hi\e]0;pwned\x07'
lo='lo\nFORGED\t\e[2J\u009b'
expect_exit 0 yujing init e.yj
no_controls()
{
	if LC_ALL=C grep -q "[$ESC$BEL]" "$T/stdout" || LC_ALL=C grep -q "$(printf '\302\233')" "$T/stdout"; then
		not_ok "$1: no control character reaches the terminal"
		diag_file "$T/stdout"
	else
		ok "$1: no control character reaches the terminal"
	fi
}
expect_exit 0 yujing import e.yj -s cases -k id -l label esc.csv
no_controls import
expect_stdout_contains 'amt\e]52;c;cHduZWQ=\x07' 'import: the field name, escaped'
expect_exit 0 yujing sources e.yj
no_controls sources
expect_stdout_contains 'amt\e]52;c;cHduZWQ=\x07' 'sources: the field name, escaped'
expect_exit 0 yujing sources e.yj --json
expect_stdout_contains '"name": "amt\u001B]52;c;cHduZWQ=\u0007"' 'sources --json: exact (JSON escapes)'
expect_exit 0 yujing profile e.yj
no_controls profile
expect_stdout_contains 'amt\e]52;c;cHduZWQ=\x07' 'profile: the field name, escaped'
expect_exit 0 yujing clean e.yj
expect_exit 0 yujing split e.yj --seed 3
no_controls split
expect_stdout_contains "$lo" 'split: the label with a newline, escaped, on one line'
expect_exit 0 yujing train e.yj --epochs 30 --batch 16 --hidden 8 --lr 0.03 --threads 1
expect_exit 0 yujing eval e.yj
no_controls eval
expect_stdout_contains "$hi" 'eval: the label, escaped'
expect_exit 0 yujing predict e.yj --unlabeled
no_controls predict
expect_eq "$(wc -l <"$T/stdout" | tr -d ' ')" 2 'predict: one line per case, none forged'
expect_stdout_contains "U2	$lo	" 'predict: the label with a newline, escaped'
expect_exit 0 yujing predict e.yj --unlabeled --json
expect_stdout_contains '"predicted":"' 'predict --json still prints its objects'
if grep -q 'pwned\\u0007"' "$T/stdout"; then
	ok 'predict --json: labels exact, in JSON escapes'
else
	not_ok 'predict --json: labels exact, in JSON escapes'
	diag_file "$T/stdout"
fi

# Error messages quote names too: escaped on standard error as well.
expect_exit 1 yujing profile e.yj --source "x${ESC}[2J"
expect_stderr_contains "no source named 'x\e[2J'" 'an error message: the name, escaped'
if LC_ALL=C grep -q "$ESC" "$T/stderr"; then
	not_ok 'an error message: no escape character reaches the terminal'
else
	ok 'an error message: no escape character reaches the terminal'
fi

# -------------------------------------------------------------------- low
cp good.yj neg.yj
sql neg.yj 'PRAGMA user_version = -1'
expect_refused neg.yj 'a negative user_version' 'its schema version is -1' yujing sources neg.yj

awk 'BEGIN { for (i = 1; i <= 2500; i++) printf "f%d%s", i, i < 2500 ? "," : "\n"; print "1" }' >wide.csv
cp good.yj wide.yj
expect_unchanged wide.yj 'more than 1,997 fields' 'wide.csv:1: the header names 2500 fields; at most 1997 are supported' \
	yujing import wide.yj -s w -k f1 wide.csv
awk 'BEGIN { printf "{"; for (i = 1; i <= 2000; i++) printf "\"k%d\": %d%s", i, i, i < 2000 ? ", " : "}\n" }' >wide.jsonl
expect_unchanged wide.yj 'more than 1,997 JSON keys' "wide.jsonl:1: field 'k1998': a key beyond the first 1997 fields" \
	yujing import wide.yj -s w -k k1 wide.jsonl

# NaN weights: one value of the word embeddings set to NaN (F32 0x7fc00000).
if have python3; then
	mkdir nan
	cp "$model/config.json" "$model/vocab.txt" "$model/model.safetensors" nan/
	python3 - nan/model.safetensors <<'EOF'
import json, struct, sys
path = sys.argv[1]
b = bytearray(open(path, "rb").read())
n = struct.unpack("<Q", b[:8])[0]
hdr = json.loads(b[8:8 + n])
t = hdr["bert.embeddings.word_embeddings.weight"]
assert t["dtype"] == "F32"
at = 8 + n + t["data_offsets"][0] + 4 * 7
b[at:at + 4] = struct.pack("<I", 0x7fc00000)
open(path, "wb").write(bytes(b))
EOF
	expect_exit 1 yujing embed --model nan x
	expect_stderr_contains "tensor 'bert.embeddings.word_embeddings.weight' holds a NaN or an infinity (element 7)" \
		'NaN weights are refused naming the tensor'
else
	skip 'NaN weights are refused' 'python3 is not available'
fi

# A read that fails (standard input a directory: EISDIR) is an error.
expect_exit 1 sh -c 'exec "$YUJING" tokenize <.'
expect_stderr_contains 'reading standard input failed' 'tokenize: a failed read is an error, not exit 0'
expect_exit 1 sh -c 'exec "$YUJING" embed --model "$1" <.' sh "$model"
expect_stderr_contains 'reading standard input failed' 'embed: a failed read is an error, not exit 0'

# Read-only commands leave the journal mode (and a read-only file) alone.
cp good.yj ro.yj
sql ro.yj 'PRAGMA journal_mode = DELETE' >/dev/null
chmod a-w ro.yj
expect_exit 0 yujing sources ro.yj
expect_stdout_contains 's: 3 rows' 'sources lists a read-only file'
chmod u+w ro.yj
expect_eq "$(sql ro.yj 'PRAGMA journal_mode')" delete 'sources does not convert the file to WAL'
expect_no_file ro.yj-wal 'sources leaves no -wal file'
# A file nobody may write, root included: immutable (chattr +i, where the
# file system and our rights allow it).
cp good.yj imm.yj
sql imm.yj 'PRAGMA journal_mode = DELETE' >/dev/null
if have chattr && chattr +i imm.yj 2>/dev/null; then
	run yujing sources imm.yj
	chattr -i imm.yj
	expect_eq "$rc" 0 'sources lists a file that cannot be written (chattr +i)'
	expect_stdout_contains 's: 3 rows' 'and shows its source'
else
	skip 'sources lists a file that cannot be written' 'chattr +i is not possible here'
	skip 'and shows its source' 'chattr +i is not possible here'
fi
cp e.yj ro2.yj
sql ro2.yj 'PRAGMA journal_mode = DELETE' >/dev/null
expect_exit 0 yujing eval ro2.yj
expect_eq "$(sql ro2.yj 'PRAGMA journal_mode')" delete 'eval does not convert the file to WAL'

done_testing
