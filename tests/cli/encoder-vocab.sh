#!/bin/sh
# encoder-vocab.sh - an encoder names the vocabulary it was trained on
# (issue 17, item 1), and the corpus pretraining reads can be exported:
#
#   recorded    config.json of a pretrained, exported encoder holds
#               "yujing_vocab_sha256", the SHA-256 (sha256sum's) of the
#               vocab.txt beside it
#   refused     the fixture model (tests/model/fixture) with a recorded hash
#               of another vocabulary: embed, pretrain --from and
#               train --text-model refuse it naming config.json's field;
#               the hash of the modified bert-base-chinese copy (the old
#               ids) is named as such; a malformed hash is an error naming
#               the field; without the field (checkpoints made elsewhere)
#               and with the right hash the model loads
#   corpus      pretrain --export-corpus writes one JSON line per distinct
#               text: {"text", "ids"}, the ids looked up by hand in the
#               installed vocabulary (line number - 1); a text with no
#               token is left out
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

have sha256sum || bail_out "sha256sum is missing"
fixture=$top_srcdir/tests/model/fixture
modified=a83ed3427906a604ee9f97ff2ce82231fe3339d1e62343ce275fc8aa37f106d3

# with_hash DIR HASH: a copy of the fixture whose config.json records HASH
with_hash()
{
	mkdir -p "$1"
	cp "$fixture/vocab.txt" "$fixture/model.safetensors" "$1/"
	sed "s/\"position_embedding_type\": \"absolute\"/&, \"yujing_vocab_sha256\": \"$2\"/" \
		"$fixture/config.json" >"$1/config.json"
}

fix_sha=$(sha256sum "$fixture/vocab.txt" | cut -d' ' -f1)
with_hash right "$fix_sha"
with_hash other 0000000000000000000000000000000000000000000000000000000000000000
with_hash old "$modified"
with_hash bad "not-a-hash"

expect_exit 0 yujing embed --model "$fixture" 盗窃
plain=$(cat "$T/stdout")
expect_exit 0 yujing embed --model right 盗窃
expect_eq "$(cat "$T/stdout")" "$plain" "the right recorded hash: the same vector as without the field"

expect_exit 1 yujing embed --model other 盗窃
expect_stderr_contains "trained on a vocabulary with sha256 000000000000..."
expect_stderr_contains "other/config.json"
expect_stderr_contains "yujing_vocab_sha256"
expect_exit 1 yujing embed --model old 盗窃
expect_stderr_contains "modified copy of the bert-base-chinese vocabulary (sha256 a83ed3427906..., the old ids)"
expect_stderr_contains "train the encoder again"
expect_exit 1 yujing embed --model bad 盗窃
expect_stderr_contains "\"yujing_vocab_sha256\" is not 64 lower-case hex digits"

# A project: three texts (one twice, one of spaces only) of a CSV.
printf 'id,label,fact\n1,a,盗窃\n2,b,  \n3,a,盗窃\n4,b,人盗\n' >cases.csv
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import p.yj -s c -k id -l label -t fact cases.csv
expect_exit 1 yujing pretrain p.yj --from old --epochs 1 --threads 1
expect_stderr_contains "modified copy of the bert-base-chinese vocabulary"
expect_exit 0 yujing clean p.yj
expect_exit 0 yujing split p.yj --seed 1
expect_exit 1 yujing train p.yj --text-model other --freeze-text --branches text --epochs 1 --threads 1
expect_stderr_contains "trained on a vocabulary with sha256 000000000000..."

# The corpus: 盗 is line 4669 of the installed vocabulary (id 4668), 窃 4962
# (4961), 人 783 (782); [CLS] 101, [SEP] 102 (grep -n, by hand).
expect_exit 0 yujing pretrain p.yj --export-corpus corpus.jsonl
expect_stdout "the count of texts written" <<EOF
wrote 2 texts to corpus.jsonl
EOF
printf '%s\n' '{"text":"人盗","ids":[101,782,4668,102]}' '{"text":"盗窃","ids":[101,4668,4961,102]}' >want.jsonl
sort corpus.jsonl >got.jsonl
expect_same_file got.jsonl want.jsonl "the corpus: one line per distinct text, ids of the vocabulary"
expect_exit 0 yujing pretrain p.yj --export-corpus short.jsonl --max-len 3
sort short.jsonl >short-sorted.jsonl
expect_text short-sorted.jsonl "--max-len 3 truncates as pretraining does ([SEP] kept)" <<'EOF'
{"text":"人盗","ids":[101,782,102]}
{"text":"盗窃","ids":[101,4668,102]}
EOF
expect_exit 2 yujing pretrain p.yj --export-corpus c.jsonl --export d

# A pretrained encoder records its vocabulary.
expect_exit 0 yujing pretrain p.yj --config 1,16,2,32 --epochs 1 --max-len 8 --threads 1
expect_exit 0 yujing pretrain p.yj --export enc
voc_sha=$(sha256sum enc/vocab.txt | cut -d' ' -f1)
expect_eq "$voc_sha" 45bbac6b341c319adc98a532532882e91a9cefc0329aa57bac9ae761c27b291c "the export's vocab.txt is the installed vocabulary"
check "config.json records the vocabulary's sha256" grep -q "\"yujing_vocab_sha256\": \"$voc_sha\"" enc/config.json
expect_exit 0 yujing embed --model enc 盗窃
done_testing
