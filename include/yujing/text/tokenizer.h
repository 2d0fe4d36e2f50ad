/*
 * tokenizer.h - the BERT WordPiece tokenizer, as Hugging Face's
 * BertTokenizer (do_lower_case, tokenize_chinese_chars) does it:
 *   1. clean: drop NUL, U+FFFD and control characters (categories Cc, Cf,
 *      Co, Cs, except tab, newline, carriage return); whitespace to spaces;
 *   2. CJK ideographs (the Hugging Face code-point ranges, including those
 *      above U+FFFF as the Python and Rust tokenizers do) become tokens of
 *      their own;
 *   3. lower-case (full mapping: U+0130, final sigma), then strip accents:
 *      NFD and drop nonspacing marks (Mn);
 *   4. split on whitespace and on punctuation (Unicode P* and the ASCII
 *      punctuation ranges), each punctuation character a token;
 *   5. greedy longest-match-first WordPiece with "##" continuations; a word
 *      with no match or longer than 100 characters is [UNK];
 * then [CLS] ... [SEP] and truncation to a maximum length.
 */
#ifndef YUJING_TEXT_TOKENIZER_H
#define YUJING_TEXT_TOKENIZER_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/base/error.h"

typedef struct yj_vocab {
	char **tokens;   /* (n) the token of each id (line) */
	size_t n;
	uint32_t *slots; /* hash index: id + 1, 0 empty; a repeated token maps
			  * to its last line, as in Hugging Face */
	size_t nslots;
	int32_t unk, cls, sep, pad, mask;
	size_t max_token_bytes;
	char sha256[65]; /* hex SHA-256 of the file's bytes */
} yj_vocab;

/* SHA-256 of the bert-base-chinese vocabulary yujing shipped up to
 * December 2026: a modified copy (1,256 ids differ from Google's, see
 * share/yujing/bert-base-chinese-vocab.README).  vocab_load refuses it, so
 * an encoder built on those ids is never paired with wrong tokens. */
#define VOCAB_MODIFIED_SHA256 "a83ed3427906a604ee9f97ff2ce82231fe3339d1e62343ce275fc8aa37f106d3"
/* SHA-256 of Google's bert-base-chinese vocab.txt, the one installed. */
#define VOCAB_BERT_BASE_CHINESE_SHA256 "45bbac6b341c319adc98a532532882e91a9cefc0329aa57bac9ae761c27b291c"

/* Load a vocab.txt (one token per line, lines end at '\n' only; the line
 * number is the id) and hash it (v->sha256).  Errors name the file and
 * line; the modified vocabulary (VOCAB_MODIFIED_SHA256) is refused. */
yj_status vocab_load(const char *path, yj_vocab *v, yj_error *err);
void vocab_free(yj_vocab *v);
/* An encoder of directory dir, trained on the vocabulary whose hex SHA-256
 * is trained_sha256 (its config.json's "yujing_vocab_sha256"; "" or NULL
 * when not recorded: accepted), paired with v (dir's vocab.txt): refused
 * with a message naming both hashes (and the modified bert-base-chinese
 * vocabulary by name, the old ids) when they differ. */
yj_status vocab_check_encoder(const yj_vocab *v, const char *trained_sha256, const char *dir, yj_error *err);
/* Id of s[0..n), -1 if absent. */
int32_t vocab_id(const yj_vocab *v, const char *s, size_t n);

/* Tokenize text[0..len) (UTF-8; invalid bytes count as U+FFFD, which
 * cleaning drops).  With special, wraps in [CLS] ... [SEP]; max_len > 0
 * truncates to that many ids in all (the specials included).  *ids is
 * malloc'd (*n entries).  Returns 0, -1 when out of memory. */
int tokenizer_encode(const yj_vocab *v, const char *text, size_t len, int special, int max_len,
		     int32_t **ids, size_t *n);

/* The CJK ideograph test of step 2. */
int tokenizer_is_cjk(uint32_t cp);

#endif
