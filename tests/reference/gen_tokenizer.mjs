// Golden token ids for the C BERT tokenizer, from npm's @huggingface/tokenizers
// (the JavaScript port of Hugging Face's tokenizers), given a vocab.txt.
//
//   cd /some/dir && npm install @huggingface/tokenizers
//   NODE_PATH=/some/dir/node_modules node tests/reference/gen_tokenizer.mjs \
//       share/yujing/bert-base-chinese-vocab.txt tests/text/inputs.jsonl > tests/text/golden.jsonl
//
// It builds the tokenizer.json of a BertTokenizer (BertNormalizer with
// clean_text, handle_chinese_chars, lowercase, strip_accents unset;
// BertPreTokenizer; WordPiece with [UNK], "##", 100 characters; [CLS] ... [SEP])
// and writes one line per input: {"text", "ids"}.  Not run by make
// check: its output is committed.
import { createRequire } from "node:module";
import { readFileSync } from "node:fs";
import path from "node:path";

const require = createRequire(path.join(process.env.NODE_PATH || process.cwd(), "x.js"));
const { Tokenizer } = require("@huggingface/tokenizers");

const [vocabPath, inputsPath] = process.argv.slice(2);
const lines = readFileSync(vocabPath, "utf8").split("\n");
if (lines[lines.length - 1] === "") lines.pop();
// Ids are line numbers; a repeated token keeps its last line.
const vocab = {};
lines.forEach((tok, id) => { vocab[tok] = id; });

const tokenizerJson = {
  version: "1.0",
  added_tokens: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"].map((t) => ({
    id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false,
    normalized: false, special: true,
  })),
  normalizer: { type: "BertNormalizer", clean_text: true, handle_chinese_chars: true,
                strip_accents: null, lowercase: true },
  pre_tokenizer: { type: "BertPreTokenizer" },
  post_processor: {
    type: "TemplateProcessing",
    single: [{ SpecialToken: { id: "[CLS]", type_id: 0 } }, { Sequence: { id: "A", type_id: 0 } },
             { SpecialToken: { id: "[SEP]", type_id: 0 } }],
    pair: [],
    special_tokens: {
      "[CLS]": { id: "[CLS]", ids: [vocab["[CLS]"]], tokens: ["[CLS]"] },
      "[SEP]": { id: "[SEP]", ids: [vocab["[SEP]"]], tokens: ["[SEP]"] },
    },
  },
  decoder: { type: "WordPiece", prefix: "##", cleanup: true },
  model: { type: "WordPiece", unk_token: "[UNK]", continuing_subword_prefix: "##",
           max_input_chars_per_word: 100, vocab },
};
const tok = new Tokenizer(tokenizerJson, { do_lower_case: true });

for (const line of readFileSync(inputsPath, "utf8").split("\n")) {
  if (!line) continue;
  const { text } = JSON.parse(line);
  const enc = tok.encode(text);
  process.stdout.write(JSON.stringify({ text, ids: enc.ids }) + "\n");
}
