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
} yj_vocab;

/* Load a vocab.txt (one token per line; the line number is the id).
 * Errors name the file and line. */
yj_status vocab_load(const char *path, yj_vocab *v, yj_error *err);
void vocab_free(yj_vocab *v);
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
