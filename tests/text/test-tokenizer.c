/*
 * test-tokenizer.c - the BERT tokenizer against golden ids written by
 * tests/reference/gen_tokenizer.mjs (npm's @huggingface/tokenizers) for
 * tests/text/inputs.jsonl (real CAIL2018 facts and hard strings), plus the
 * cases the JavaScript reference gets wrong (CJK above U+FFFF), the ids
 * that tell Google's vocabulary from the modified copy shipped before, and
 * SHA-256 against its published examples.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <jansson.h>

#include "tap.h"
#include "yujing/base/sha256.h"
#include "yujing/text/tokenizer.h"

static yj_vocab V;

/* Tokenize and compare with expected ids (n of them). */
static int same_ids(const char *text, size_t len, const int32_t *want, size_t n, int max_len)
{
	int32_t *ids;
	size_t k;
	if (tokenizer_encode(&V, text, len, 1, max_len, &ids, &k))
		return 0;
	int ok = k == n && !memcmp(ids, want, n * sizeof *ids);
	if (!ok) {
		printf("#   got: ");
		for (size_t i = 0; i < k; i++)
			printf(" %s", V.tokens[ids[i]]);
		printf("\n#   want:");
		for (size_t i = 0; i < n; i++)
			printf(" %s", want[i] >= 0 && (size_t)want[i] < V.n ? V.tokens[want[i]] : "?");
		printf("\n");
	}
	free(ids);
	return ok;
}

static int32_t id(const char *tok)
{
	return vocab_id(&V, tok, strlen(tok));
}

int main(void)
{
	const char *data = getenv("YUJING_DATADIR"), *top = getenv("top_srcdir");
	char path[4096];
	snprintf(path, sizeof path, "%s/bert-base-chinese-vocab.txt", data ? data : "share/yujing");
	yj_error err;
	error_clear(&err);
	if (!ok(vocab_load(path, &V, &err) == YJ_OK, "the shipped vocabulary loads"))
		return tap_done();
	is_int(V.n, 21128, "21,128 ids (one per line)");
	is_int(V.unk, 100, "[UNK] is 100");
	is_int(V.cls, 101, "[CLS] is 101");
	is_int(V.sep, 102, "[SEP] is 102");
	is_int(V.mask, 103, "[MASK] is 103");
	is_str(V.sha256, "45bbac6b341c319adc98a532532882e91a9cefc0329aa57bac9ae761c27b291c",
	       "the shipped vocabulary is Google's (sha256 as published with the data)");
	{
		size_t same = 0;
		for (size_t i = 0; i < V.n; i++)
			same += vocab_id(&V, V.tokens[i], strlen(V.tokens[i])) == (int32_t)i;
		is_int(same, V.n, "every token is distinct: each maps back to its own line");
	}
	is_str(V.tokens[343], "\xE2\x80\xA8", "id 343 is U+2028 (lines split on newline only)");
	is_str(V.tokens[13502], "##\xE2\x80\xA8", "id 13502 is ## U+2028");
	is_int(id("##0"), 8129, "##0 is 8129, its only line");
	is_str(V.tokens[19874], "##\xE8\xBF\x90", "id 19874 is ##\u8fd0 (the modified copy had a rare character)");
	is_str(V.tokens[21127], "##\xF0\x9F\x98\x8E", "the last id, 21127, is ## U+1F60E");
	is_int(id("\xE9\xB8\xAE"), -1, "U+9E2E (in the modified copy only) is no token");

	/* parity with the reference */
	snprintf(path, sizeof path, "%s/tests/text/golden.jsonl", top ? top : ".");
	FILE *f = fopen(path, "r");
	ok(f != NULL, "golden file %s opens", path);
	char *line = NULL;
	size_t cap = 0, total = 0, good = 0;
	while (f && getline(&line, &cap, f) > 0) {
		json_t *o = json_loads(line, JSON_ALLOW_NUL, NULL);
		json_t *t = json_object_get(o, "text"), *ids = json_object_get(o, "ids");
		size_t n = json_array_size(ids);
		int32_t *want = malloc((n ? n : 1) * sizeof *want);
		for (size_t i = 0; i < n; i++)
			want[i] = (int32_t)json_integer_value(json_array_get(ids, i));
		total++;
		char head[64];
		snprintf(head, sizeof head, "%.40s", json_string_value(t));
		int same = same_ids(json_string_value(t), json_string_length(t), want, n, 0);
		good += same;
		if (!same)
			ok(0, "golden line %zu (%s...) matches", total, head);
		free(want);
		json_decref(o);
	}
	free(line);
	if (f)
		fclose(f);
	ok(total >= 200 && good == total, "%zu of %zu golden inputs give the reference ids", good, total);

	/* CJK above U+FFFF: one token each, as the Python and Rust tokenizers
	 * do (the JavaScript reference leaves U+20000 in a word of its own
	 * with what follows). */
	{
		const char *s = "\xF0\xA0\x80\x80" "abc"; /* U+20000 abc */
		int32_t want[] = {101, 100, id("abc"), 102}; /* not in the vocab: [UNK], then abc */
		ok(same_ids(s, strlen(s), want, 4, 0), "U+20000 is split from the following letters");
		ok(tokenizer_is_cjk(0x20000) && tokenizer_is_cjk(0x2A700) && tokenizer_is_cjk(0x2F800) &&
			   !tokenizer_is_cjk(0x2FA20) && !tokenizer_is_cjk(0x3000),
		   "the CJK ranges include Extension B-F and the compatibility supplement");
	}
	/* truncation keeps [CLS] ... [SEP] */
	{
		const char *s = "北京市通州区";
		int32_t want[] = {101, id("北"), id("京"), 102};
		ok(same_ids(s, strlen(s), want, 4, 4), "max length 4 keeps two characters between [CLS] and [SEP]");
	}
	/* a word over 100 characters is [UNK] */
	{
		char w[102];
		memset(w, 'a', 101);
		w[101] = '\0';
		int32_t want[] = {101, 100, 102};
		ok(same_ids(w, 101, want, 3, 0), "a 101-character word is [UNK]");
	}
	/* Issue 18: the boundaries the golden file does not reach.
	 * U+9FFF closes the CJK Unified Ideographs block (4E00-9FFF), U+A000
	 * (Yi) is outside it; U+4DC0 (a Yijing hexagram) lies between
	 * Extension A (3400-4DBF) and the main block. */
	ok(tokenizer_is_cjk(0x9FFF) && tokenizer_is_cjk(0x9FFE) && tokenizer_is_cjk(0x4E00) &&
		   tokenizer_is_cjk(0x4DBF) && !tokenizer_is_cjk(0xA000) && !tokenizer_is_cjk(0x4DC0),
	   "U+9FFF and U+4DBF are CJK ideographs, U+A000 and U+4DC0 are not");
	/* Both ends of every range of BERT's _is_chinese_char are CJK, and
	 * the code points next to a range (where no other range follows) are
	 * not. */
	{
		static const uint32_t ends[][2] = {{0x4E00, 0x9FFF},   {0x3400, 0x4DBF},   {0x20000, 0x2A6DF},
						   {0x2A700, 0x2B73F}, {0x2B740, 0x2B81F}, {0x2B820, 0x2CEAF},
						   {0xF900, 0xFAFF},   {0x2F800, 0x2FA1F}};
		static const uint32_t outside[] = {0x33FF, 0xF8FF, 0xFB00, 0x1FFFF, 0x2A6E0, 0x2A6FF, 0x2CEB0, 0x2F7FF};
		int bad = 0;
		for (size_t i = 0; i < sizeof ends / sizeof ends[0]; i++)
			bad += !tokenizer_is_cjk(ends[i][0]) + !tokenizer_is_cjk(ends[i][1]);
		for (size_t i = 0; i < sizeof outside / sizeof outside[0]; i++)
			bad += tokenizer_is_cjk(outside[i]);
		is_int(bad, 0, "the 16 ends of the 8 CJK ranges are CJK, the 8 code points beside them are not");
	}
	/* A word of exactly 100 characters is still split into pieces
	 * (BertTokenizer: [UNK] only when len(chars) > 100), and so is any
	 * word longer than the longest vocabulary entry: WordPiece shortens
	 * the candidate piece, it does not give up.  Both words are made of
	 * letters whose pieces exist ("a", "##a", ...): the pieces, "##"
	 * removed, spell the word again and none is [UNK]. */
	{
		char w[128];
		const char *words[] = {NULL, "abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyzabcdefghij"};
		memset(w, 'a', 100);
		w[100] = '\0';
		words[0] = w;
		for (int k = 0; k < 2; k++) {
			int32_t *ids = NULL;
			size_t n = 0;
			char back[256] = "";
			int unk = 0;
			if (tokenizer_encode(&V, words[k], strlen(words[k]), 0, 0, &ids, &n) == 0) {
				for (size_t i = 0; i < n; i++) {
					const char *t = V.tokens[ids[i]];
					unk |= ids[i] == V.unk;
					if (i && !strncmp(t, "##", 2))
						t += 2;
					if (strlen(back) + strlen(t) < sizeof back)
						strcat(back, t);
				}
			}
			ok(ids && n > 1 && !unk && !strcmp(back, words[k]),
			   "a %zu-letter word: %zu pieces, none [UNK], that spell it again", strlen(words[k]), n);
			free(ids);
		}
	}
	/* A vocabulary of exactly 4,096 tokens fills vocab_load's first table
	 * (4,096 slots) to the last: loading and freeing it must touch no slot
	 * past it (the ASan build checks; a free of one past the end is a
	 * heap overflow there). */
	{
		const char *td = getenv("TMPDIR");
		char vp[4200];
		snprintf(vp, sizeof vp, "%s/yj-vocab-4096-%ld.txt", td && *td ? td : "/tmp", (long)getpid());
		FILE *vf = fopen(vp, "w");
		int wrote = vf != NULL;
		static const char *const special[] = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
		for (int i = 0; wrote && i < 4096; i++)
			wrote = (i < 5 ? fprintf(vf, "%s\n", special[i]) : fprintf(vf, "tok%d\n", i)) > 0;
		if (vf && fclose(vf))
			wrote = 0;
		yj_vocab full;
		error_clear(&err);
		int loaded = wrote && vocab_load(vp, &full, &err) == YJ_OK;
		ok(loaded, "a vocabulary of 4,096 tokens loads%s%s", loaded ? "" : ": ", loaded ? "" : err.msg);
		if (loaded) {
			is_int(full.n, 4096, "4,096 ids");
			is_int(vocab_id(&full, "tok4095", 7), 4095, "its last token has id 4,095");
			vocab_free(&full);
			is_int(full.n, 0, "freed: no tokens left");
		}
		remove(vp);
	}
	/* The modified copy shipped before is refused, naming the file. */
	{
		yj_vocab bad;
		snprintf(path, sizeof path, "%s/tests/fixtures/modified-bert-vocab.txt", top ? top : ".");
		error_clear(&err);
		ok(vocab_load(path, &bad, &err) == YJ_EDATA && strstr(err.msg, "modified") &&
			   strstr(err.file, "modified-bert-vocab.txt"),
		   "the modified vocabulary is refused: %s", err.msg);
	}
	/* SHA-256 itself (FIPS 180-2 appendix B examples). */
	{
		char hex[65];
		sha256_hex("abc", 3, hex);
		is_str(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad", "sha256 of 'abc'");
		const char *two = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
		sha256_hex(two, strlen(two), hex);
		is_str(hex, "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1",
		       "sha256 of the 56-byte two-block message");
		sha256_hex("", 0, hex);
		is_str(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", "sha256 of nothing");
	}
	vocab_free(&V);
	return tap_done();
}
