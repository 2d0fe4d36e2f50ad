#!/usr/bin/python3
"""Write tests/text/inputs.jsonl: the tokenizer parity inputs.

Real case facts from ../shared/data/cail2018/cail2018.jsonl (CAIL2018,
Xiao et al., arXiv:1807.02478; see tests/fixtures/README.md for provenance):
the first 200 facts of at most 300 characters, plus hard strings.  Run from
the repository root at development time; the output is committed.

    /usr/bin/python3 tests/reference/make_tokenizer_inputs.py \
        ../shared/data/cail2018/cail2018.jsonl > tests/text/inputs.jsonl
"""
import json
import sys

HARD = [
    "",
    " ",
    "\t\n\r  \u3000\u00a0",
    "Héllo Wörld, naïve café: déjà vu!",
    "e\u0301cole a\u0300 la\u0302 co\u0303te",          # combining marks
    "ＡＢＣ１２３，全角ｆｏｒｍｓ！",                   # full-width forms
    "ctrl\u0001char\u0007s\u001b[0m and \u200bzero\u200dwidth\u00ad",
    "nul\u0000byte and replacement \ufffd char",
    "next\u0085line and bom\ufeffinside",
    "emoji 😀👍🏽🥰🇨🇳 done",
    "Русский текст, العربية, हिन्दी, 한국어 문장, 日本語のカタカナ",
    "x" * 300,
    "abc" + "é" * 120,
    "ΣΑΣ ὈΔΥΣΣΕΎΣ σσς İstanbul straße ﬁnance",
    "“引号”《书名》【括号】——破折号……省略号、顿号",
    "$100 + 5% = <tag> ^caret^ `tick` |pipe| ~tilde~ @at #hash",
    "2011年9月8日7时30分许，被告人李×1在本市",
    "a\tb\nc\rd",
    "ⅰⅱⅲ ①②③ ㈠ ㎏ ™ ℃",
    "unaffable embeddings tokenization",
    "مرحبا بالعالم",
    "קונסולה",
    "\u4e00\u9fa5\u3400\u4dbf\uf900\ufaff",
    # Ids that the modified vocabulary once shipped here got wrong (see
    # share/yujing/bert-base-chinese-vocab.README): rare characters it had
    # at ids 19,874-21,127 (not in Google's file: [UNK] as single
    # characters), the '##' pieces Google's file has there, and the two
    # tokens that hold U+2028 (ids 343 and 13502).
    "鸮 丌 狲 媁 肜 鮋鲧鼢 邗邠",
    "good👍 fire🔥 lol😂 cool😎",
    "ｈｕｗ ｆｕ ｼﾝｸ ｲｸﾗ ｯﾟ",
    "价格１００￥ ab￣cd x＠y",
    "\u2028 a\u2028b \u2028\u2028",
]


def main(path):
    out = [{"text": t} for t in HARD]
    with open(path, encoding="utf-8") as f:
        for line in f:
            fact = json.loads(line)["fact"]
            if len(fact) <= 300:
                out.append({"text": fact})
            if len(out) >= len(HARD) + 200:
                break
    for o in out:
        print(json.dumps(o, ensure_ascii=False))


if __name__ == "__main__":
    main(sys.argv[1])
