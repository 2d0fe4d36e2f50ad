#!/bin/sh
# cli-front.sh - the command-line plumbing every command shares (src/cli/cli.c:
# option parsing, usage errors and their exit status, help layout, the text
# tables) and `yujing tokenize` (src/cli/cmd-tokenize.c), each output
# written out by hand: the ids are the 0-based line numbers of the tokens in
# share/yujing/bert-base-chinese-vocab.txt ([CLS] line 102, [SEP] 103, 你
# 873, 好 1963, hello 8702, "," 118, world 8573), the table widths counted
# from the field names (a CJK character is two columns).
. "${top_srcdir:-$(dirname "$0")/../..}/tests/cli/lib.sh"

# ------------------------------------------------------------- tokenize
expect_exit 0 yujing tokenize 你好 'Hello, world'
expect_stdout 'tokenize: each argument one line, lower-cased, CJK one per token' <<'EOF'
[CLS] 你 好 [SEP]
[CLS] hello , world [SEP]
EOF
expect_exit 0 yujing tokenize --json 你好 'Hello, world'
expect_stdout 'tokenize --json: ids are the vocabulary line numbers from 0' <<'EOF'
{"ids":[101,872,1962,102],"tokens":["[CLS]","你","好","[SEP]"]}
{"ids":[101,8701,117,8572,102],"tokens":["[CLS]","hello",",","world","[SEP]"]}
EOF
expect_exit 0 yujing tokenize --json --max-len 3 你好
expect_stdout 'tokenize --max-len 3: [CLS], one token, [SEP]' <<'EOF'
{"ids":[101,872,102],"tokens":["[CLS]","你","[SEP]"]}
EOF
expect_exit 0 yujing tokenize --max-len 2 你好
expect_stdout 'tokenize --max-len 2 (the least allowed): [CLS] [SEP]' <<'EOF'
[CLS] [SEP]
EOF
printf '你\n\nWorld' >in.txt
expect_exit 0 yujing tokenize <in.txt
expect_stdout 'tokenize: standard input line by line, a blank line and a last line without newline' <<'EOF'
[CLS] 你 [SEP]
[CLS] [SEP]
[CLS] world [SEP]
EOF
expect_exit 0 yujing tokenize --json 好 <in.txt
expect_stdout 'tokenize: arguments given, standard input is not read' <<'EOF'
{"ids":[101,1962,102],"tokens":["[CLS]","好","[SEP]"]}
EOF
# A vocabulary of our own: ids are its line numbers.
printf '[PAD]\n[UNK]\n[CLS]\n[SEP]\nab\n##c\n' >v.txt
expect_exit 0 yujing tokenize --json --vocab v.txt abc 'ab x'
expect_stdout 'tokenize --vocab: the given vocabulary, WordPiece continuation and [UNK]' <<'EOF'
{"ids":[2,4,5,3],"tokens":["[CLS]","ab","##c","[SEP]"]}
{"ids":[2,4,1,3],"tokens":["[CLS]","ab","[UNK]","[SEP]"]}
EOF

# ------------------------------------------------ usage errors: exit 2
try_usage()
{
	_tu_msg=$1
	shift
	expect_exit 2 yujing tokenize "$@"
	expect_stdout_empty "tokenize $*: nothing on stdout"
	expect_stderr "tokenize $*: says what is wrong and where to look" <<EOF
yujing tokenize: $_tu_msg
Try 'yujing tokenize --help' for more information.
EOF
}
try_usage '--max-len wants a whole number of at least 2' --max-len 1 x
try_usage '--max-len wants a whole number of at least 2' --max-len -3 x
try_usage '--max-len wants a whole number of at least 2' --max-len 3x x
try_usage '--max-len wants a whole number of at least 2' --max-len '' x
try_usage 'option --json takes no value' --json=yes x
try_usage 'option --vocab needs a value' --vocab
try_usage 'unknown option -Z' -Z x
try_usage 'unknown option --bogus' --bogus x
expect_exit 2 yujing init --bogus p.yj
expect_stderr 'a usage error of another command names that command' <<'EOF'
yujing init: unknown option --bogus
Try 'yujing init --help' for more information.
EOF
expect_no_file p.yj 'a usage error does nothing'

expect_exit 1 yujing tokenize --vocab nonexistent.txt x
expect_stdout_empty 'a vocabulary that cannot be read: nothing on stdout'
expect_stderr 'a vocabulary that cannot be read: the file named, exit 1' <<'EOF'
yujing: nonexistent.txt: cannot open the vocabulary
EOF

# ------------------------------------------------------------- --help
expect_exit 0 yujing tokenize --help
expect_stderr_empty 'tokenize --help: nothing on stderr'
expect_stdout 'tokenize --help: options in a column as wide as the widest, "--vocab FILE"' <<'EOF'
Usage: yujing tokenize [--vocab FILE] [--max-len N] [--json] [TEXT...]
Split text into BERT WordPiece tokens (standard input lines when no TEXT)

The tokenizer of Hugging Face's BertTokenizer with lower-casing and Chinese characters split one per token: clean text, isolate CJK ideographs, lower-case and strip accents, split on whitespace and punctuation, then greedy longest-match WordPiece with ## continuations; ids include [CLS] and [SEP].

Options:
  --vocab FILE  vocab.txt to use (default: bert-base-chinese's, shipped with yujing)
  --max-len N   truncate to N ids, [CLS] and [SEP] included
  --json        print one JSON object per input: {"ids": [...], "tokens": [...]}
  --help        show this help and exit
EOF
expect_exit 0 yujing tokenize --json --help x
expect_stdout_contains '  --max-len N   truncate to N ids' '--help after another option: the help, no tokens'
check '--help after another option: no tokens printed' sh -c "! grep -Fx '[CLS] x [SEP]' '$T/stdout'"
# Short options ("-s, --source NAME") and settings with their default.
expect_exit 0 yujing import --help
expect_stdout_contains '  -s, --source NAME     name of the source table (required)' \
	'import --help: a short option before its long name, column as wide as "-t, --text F1,F2,..."'
expect_stdout_contains '  --append              add the file' 'import --help: a long option alone, same column'
expect_exit 0 yujing clean --help
expect_stdout_contains '  --sigma S                 outliers lie more than S standard deviations from the mean (default 3)' \
	'clean --help: a setting with its default'

expect_exit 0 yujing train --help
expect_stdout_contains '  --seed N             seed of initialisation and shuffling (default 42)' \
	'train --help: a setting with its default'
check 'train --help: a setting whose help names its default gets no "(default ...)" after it' \
	grep -Fx "  --text-pool HOW      text vector of the text branches: mean (of the last hidden states over the text's tokens, the default) or cls (the [CLS] hidden state)" "$T/stdout"

# An error with a hint: the message, then the hint on its own line, once.
expect_exit 0 yujing init e.yj
expect_exit 2 yujing clean e.yj
expect_stderr 'an error with a hint: message, then "hint:" once' <<'EOF'
yujing: the project has no sources
  hint: import the source holding the crime category with --label FIELD
EOF

# Settings (train's): one with a value, and a flag, both before the project.
expect_exit 1 yujing train --seed 5 --freeze-text e.yj
expect_stderr 'train: a setting with a value and a flag setting parse; the project is the one argument' <<'EOF'
yujing: the project has no train/test split yet
  hint: run 'yujing clean PROJECT' and 'yujing split PROJECT' first
EOF

# -------------------------------------------------------------- tables
# Field names of two-column characters: the table pads by display width.
cat >c.csv <<'EOF'
编号,罪名,金额,地点,时间段
1,theft,10,a,x
2,theft,,b,y
3,fraud,30,a,x
4,fraud,40,b,y
5,theft,50,a,x
6,fraud,60,b,y
EOF
expect_exit 0 yujing init p.yj
expect_exit 0 yujing import -s c -k 编号 -l 罪名 p.yj c.csv
sed 's/, [0-9.]* s)$/, T s)/' "$T/stdout" >import.out
expect_text import.out 'import: the field table, left-aligned, two blanks between columns, no trailing blanks' <<'EOF'
imported 6 rows into source 'c' (5 fields, T s)
  field   type         role
  编号    integer      key
  罪名    categorical  label
  金额    integer      attribute
  地点    categorical  attribute
  时间段  categorical  attribute
EOF
# Row 2's one null among three attributes (1/3 > 0.3 drops it by default):
# with --k 0.5 it is filled; nothing is replaced.
expect_exit 0 yujing clean --k 0.5 --fill 金额=mean p.yj
expect_stdout 'clean: the filled/replaced table, numbers right-aligned under their headers' <<'EOF'
c: 6 rows in, 6 out
  duplicates removed:      0
  dropped for nulls:       0
  dropped for outliers:    0
  unlabeled cases kept:    0
  field  filled  replaced
  金额        1         0
stored as snapshot 1 (now active)
EOF

done_testing
