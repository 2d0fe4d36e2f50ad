#!/bin/sh
# embed.sh - `yujing embed` against PyTorch: tests/model/embed-golden.tsv
# (tests/reference/gen_bert.py) holds, for each text and pooling, the ids
# and the vector torch computes with the fixture model; every printed
# number must be within 1e-4 of it.  Then the refusals: no --model, a bad
# --pool, a directory with only pytorch_model.bin, no pooler weights.
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

model=$top_srcdir/tests/model/fixture
golden=$top_srcdir/tests/model/embed-golden.tsv
[ -r "$golden" ] || bail_out "$golden is missing"

# compare_json GOLDEN_IDS GOLDEN_VECTOR: the one JSON line in $T/stdout
# against the golden ids (exactly) and vector (1e-4 absolute); prints the
# max difference, fails on a mismatch.
compare_json()
{
	awk -v want_ids="$1" -v want_vec="$2" '
	function list(s, key,   a, r) {
		a = index(s, "\"" key "\":[")
		if (!a) return ""
		r = substr(s, a + length(key) + 4)
		return substr(r, 1, index(r, "]") - 1)
	}
	NR == 1 {
		ids = list($0, "ids"); vec = list($0, "vector")
		gsub(",", " ", ids)
		if (ids != want_ids) { printf "ids %s, expected %s\n", ids, want_ids; bad = 1 }
		n = split(vec, got, ","); m = split(want_vec, want, " ")
		if (n != m) { printf "%d values, expected %d\n", n, m; bad = 1 }
		mx = 0
		for (i = 1; i <= n && i <= m; i++) {
			d = got[i] - want[i]; if (d < 0) d = -d
			if (d > mx) mx = d
		}
		printf "max abs diff %g\n", mx
		if (mx > 1e-4) bad = 1
	}
	END { if (NR != 1) { print NR " lines, expected 1"; bad = 1 }; exit bad }
	' "$T/stdout" >"$T/cmp.out"
}

tab=$(printf '\t')
while IFS=$tab read -r pool text ids vec; do
	expect_exit 0 yujing embed --model "$model" --pool "$pool" --json "$text"
	if compare_json "$ids" "$vec"; then
		ok "$pool vector of '$text' matches torch ($(cat "$T/cmp.out"))"
	else
		not_ok "$pool vector of '$text' matches torch"
		diag_file "$T/cmp.out" comparison
	fi
done <"$golden"

# --pool cls is the default; standard input lines are texts; the plain
# output is the same numbers.
first=$(sed -n '1p' "$golden")
text=$(printf '%s\n' "$first" | cut -f2)
ids=$(printf '%s\n' "$first" | cut -f3)
vec=$(printf '%s\n' "$first" | cut -f4)
run sh -c 'printf "%s\n" "$1" | "$YUJING" embed --model "$2" --json' sh "$text" "$model"
if [ "$rc" -eq 0 ] && compare_json "$ids" "$vec"; then
	ok "the default pooling is cls, texts come from standard input"
else
	not_ok "the default pooling is cls, texts come from standard input"
	diag_file "$T/cmp.out" comparison
	diag_file "$T/stderr" stderr
fi
expect_exit 0 yujing embed --model "$model" "$text"
printf '{"ids":[%s],"vector":[%s]}\n' "$(echo $ids | tr ' ' ',')" \
	"$(tr ' ' ',' <"$T/stdout")" >"$T/plain.json"
cp "$T/plain.json" "$T/stdout"
if compare_json "$ids" "$vec"; then
	ok "the plain output prints the same vector"
else
	not_ok "the plain output prints the same vector"
	diag_file "$T/cmp.out" comparison
fi

# Two texts, two lines.
expect_exit 0 yujing embed --model "$model" --json 盗窃 诈骗
expect_eq "$(wc -l <"$T/stdout" | tr -d ' ')" 2 "one line per text"

# --max-len truncates ([CLS] ... [SEP] kept).
expect_exit 0 yujing embed --model "$model" --json --max-len 3 盗窃电动车
expect_stdout_contains '"ids":[2,5,3]' "--max-len 3 keeps [CLS], one token, [SEP]"

# Refusals.
expect_exit 2 yujing embed 盗窃
expect_stderr_contains "--model"
expect_exit 2 yujing embed --model "$model" --pool max 盗窃
expect_stderr_contains "max"
mkdir pt
cp "$model/config.json" "$model/vocab.txt" pt/
printf 'PK' >pt/pytorch_model.bin
expect_exit 1 yujing embed --model pt 盗窃
expect_stderr_contains "pytorch_model.bin"
expect_stderr_contains "save_file"
mkdir noweights
cp "$model/config.json" "$model/vocab.txt" noweights/
expect_exit 1 yujing embed --model noweights 盗窃
expect_stderr_contains "model.safetensors"
done_testing
