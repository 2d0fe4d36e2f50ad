/*
 * tokenizer.c - BERT basic tokenization and WordPiece (see tokenizer.h).
 *
 * Reference behaviour: Hugging Face's BertNormalizer + BertPreTokenizer +
 * WordPiece (tokenizers.js, with the Python/Rust handling of CJK above
 * U+FFFF).  Text is processed as an array of code points.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "yujing/base/i18n.h"
#include "yujing/base/utf8.h"
#include "yujing/base/sha256.h"
#include "yujing/text/tokenizer.h"

/* ------------------------------------------------------------------ vocab */

static uint64_t hash_bytes(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	for (size_t i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

int32_t vocab_id(const yj_vocab *v, const char *s, size_t n)
{
	if (!v->nslots)
		return -1;
	size_t i = hash_bytes(s, n) & (v->nslots - 1);
	while (v->slots[i]) {
		const char *t = v->tokens[v->slots[i] - 1];
		if (strlen(t) == n && !memcmp(t, s, n))
			return (int32_t)(v->slots[i] - 1);
		i = (i + 1) & (v->nslots - 1);
	}
	return -1;
}

void vocab_free(yj_vocab *v)
{
	for (size_t i = 0; i < v->n; i++)
		free(v->tokens[i]);
	free(v->tokens);
	free(v->slots);
	memset(v, 0, sizeof *v);
}

yj_status vocab_check_encoder(const yj_vocab *v, const char *trained_sha256, const char *dir, yj_error *err)
{
	if (!trained_sha256 || !*trained_sha256 || !strcmp(trained_sha256, v->sha256))
		return YJ_OK;
	char path[4200];
	snprintf(path, sizeof path, "%s/config.json", dir);
	if (!strcmp(trained_sha256, VOCAB_MODIFIED_SHA256))
		error_set(err, YJ_EDATA,
			  _("the encoder in %s was trained on the modified copy of the bert-base-chinese vocabulary "
			    "(sha256 %.12s..., the old ids), but its vocab.txt is another (sha256 %.12s...): 1,256 of "
			    "its ids would mean other tokens"),
			  dir, trained_sha256, v->sha256);
	else
		error_set(err, YJ_EDATA,
			  _("the encoder in %s was trained on a vocabulary with sha256 %.12s..., but its vocab.txt "
			    "has sha256 %.12s...: its ids would mean other tokens"),
			  dir, trained_sha256, v->sha256);
	error_at(err, path, -1, -1, "yujing_vocab_sha256");
	error_hint(err, _("put back the vocab.txt it was trained on, or train the encoder again on this one "
			  "(yujing pretrain PROJECT, or pretrain --from a directory with this vocabulary)"));
	return YJ_EDATA;
}

yj_status vocab_load(const char *path, yj_vocab *v, yj_error *err)
{
	memset(v, 0, sizeof *v);
	FILE *f = fopen(path, "rb");
	if (!f) {
		error_set(err, YJ_ENOTFOUND, _("cannot open the vocabulary"));
		error_at(err, path, -1, -1, NULL);
		return YJ_ENOTFOUND;
	}
	char *line = NULL;
	size_t cap = 0, tcap = 0;
	ssize_t k;
	yj_status st = YJ_OK;
	yj_sha256 hash;
	sha256_init(&hash);
	/* Lines end at '\n' only: two of bert-base-chinese's tokens hold
	 * U+2028 (LINE SEPARATOR), which is no line break here. */
	while ((k = getline(&line, &cap, f)) >= 0) {
		size_t n = (size_t)k;
		sha256_update(&hash, line, n);
		if (n && line[n - 1] == '\n')
			n--;
		if (n && line[n - 1] == '\r')
			n--;
		if (utf8_valid_prefix((const unsigned char *)line, n, NULL) != n) {
			st = error_set(err, YJ_EDATA, _("invalid UTF-8 in the vocabulary"));
			error_at(err, path, (long)v->n + 1, -1, NULL);
			goto out;
		}
		if (v->n == tcap) {
			tcap = tcap ? tcap * 2 : 4096;
			char **t = realloc(v->tokens, tcap * sizeof *t);
			if (!t)
				goto nomem;
			v->tokens = t;
		}
		if (!(v->tokens[v->n] = strndup(line, n)))
			goto nomem;
		if (n > v->max_token_bytes)
			v->max_token_bytes = n;
		v->n++;
	}
	if (ferror(f)) {
		st = error_set(err, YJ_EIO, _("cannot read the vocabulary"));
		error_at(err, path, -1, -1, NULL);
		goto out;
	}
	if (v->n == 0) {
		st = error_set(err, YJ_EDATA, _("the vocabulary is empty"));
		error_at(err, path, -1, -1, NULL);
		goto out;
	}
	{
		uint8_t d[32];
		sha256_final(&hash, d);
		for (int i = 0; i < 32; i++)
			snprintf(v->sha256 + 2 * i, 3, "%02x", d[i]);
	}
	if (!strcmp(v->sha256, VOCAB_MODIFIED_SHA256)) {
		st = error_set(err, YJ_EDATA,
			       _("this is a modified copy of the bert-base-chinese vocabulary (sha256 %.12s..., "
				 "1,256 ids differ from Google's); an encoder built on it gives wrong ids"),
			       v->sha256);
		error_at(err, path, -1, -1, NULL);
		error_hint(err, _("use the vocabulary installed with yujing and pretrain the encoder again "
				  "(yujing pretrain PROJECT --config ...)"));
		goto out;
	}
	v->nslots = 64;
	while (v->nslots < v->n * 2)
		v->nslots *= 2;
	v->slots = calloc(v->nslots, sizeof *v->slots);
	if (!v->slots)
		goto nomem;
	for (size_t id = 0; id < v->n; id++) {
		const char *t = v->tokens[id];
		size_t len = strlen(t), i = hash_bytes(t, len) & (v->nslots - 1);
		/* a repeated token takes its last line */
		while (v->slots[i] && strcmp(v->tokens[v->slots[i] - 1], t))
			i = (i + 1) & (v->nslots - 1);
		v->slots[i] = (uint32_t)id + 1;
	}
	v->unk = vocab_id(v, "[UNK]", 5);
	v->cls = vocab_id(v, "[CLS]", 5);
	v->sep = vocab_id(v, "[SEP]", 5);
	v->pad = vocab_id(v, "[PAD]", 5);
	v->mask = vocab_id(v, "[MASK]", 6);
	if (v->unk < 0 || v->cls < 0 || v->sep < 0 || v->pad < 0) {
		st = error_set(err, YJ_EDATA, _("the vocabulary lacks [UNK], [CLS], [SEP] or [PAD]"));
		error_at(err, path, -1, -1, NULL);
	}
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	free(line);
	fclose(f);
	if (st)
		vocab_free(v);
	return st;
}

/* --------------------------------------------------------- normalisation */

int tokenizer_is_cjk(uint32_t cp)
{
	return (cp >= 0x4E00 && cp <= 0x9FFF) || (cp >= 0x3400 && cp <= 0x4DBF) ||
	       (cp >= 0x20000 && cp <= 0x2A6DF) || (cp >= 0x2A700 && cp <= 0x2B73F) ||
	       (cp >= 0x2B740 && cp <= 0x2B81F) || (cp >= 0x2B820 && cp <= 0x2CEAF) ||
	       (cp >= 0xF900 && cp <= 0xFAFF) || (cp >= 0x2F800 && cp <= 0x2FA1F);
}

/* JavaScript's \s, the reference's whitespace test. */
static int is_space(uint32_t c)
{
	return c == ' ' || (c >= 0x09 && c <= 0x0D) || c == 0xA0 || c == 0x1680 ||
	       (c >= 0x2000 && c <= 0x200A) || c == 0x2028 || c == 0x2029 || c == 0x202F ||
	       c == 0x205F || c == 0x3000 || c == 0xFEFF;
}

static int is_control(uint32_t c)
{
	if (c == '\t' || c == '\n' || c == '\r')
		return 0;
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_CC || k == UTF8PROC_CATEGORY_CF || k == UTF8PROC_CATEGORY_CO ||
	       k == UTF8PROC_CATEGORY_CS;
}

static int is_punct(uint32_t c)
{
	if ((c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60) ||
	    (c >= 0x7B && c <= 0x7E))
		return 1;
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k >= UTF8PROC_CATEGORY_PC && k <= UTF8PROC_CATEGORY_PO;
}

static int is_cased(uint32_t c)
{
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_LU || k == UTF8PROC_CATEGORY_LL || k == UTF8PROC_CATEGORY_LT;
}

static int is_case_ignorable(uint32_t c)
{
	utf8proc_category_t k = utf8proc_category((utf8proc_int32_t)c);
	return k == UTF8PROC_CATEGORY_MN || k == UTF8PROC_CATEGORY_ME || k == UTF8PROC_CATEGORY_CF ||
	       k == UTF8PROC_CATEGORY_LM || k == UTF8PROC_CATEGORY_SK || c == '\'' || c == 0x2019 ||
	       c == '.' || c == ':' || c == 0xB7;
}

typedef struct {
	uint32_t *v;
	size_t n, cap;
} cpbuf;

static int cp_push(cpbuf *b, uint32_t c)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 256;
		uint32_t *v = realloc(b->v, cap * sizeof *v);
		if (!v)
			return -1;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = c;
	return 0;
}

/* Steps 1-3 into out. */
static int normalise(const char *text, size_t len, cpbuf *out)
{
	cpbuf a = {0};
	/* decode + clean + isolate CJK */
	for (size_t i = 0; i < len;) {
		uint32_t c;
		int k = utf8_decode((const unsigned char *)text + i, len - i, &c);
		if (k == 0) {
			i++;
			continue; /* an invalid byte is U+FFFD: dropped */
		}
		i += (size_t)k;
		if (c == 0 || c == 0xFFFD || is_control(c))
			continue;
		if (is_space(c))
			c = ' ';
		if (tokenizer_is_cjk(c)) {
			if (cp_push(&a, ' ') || cp_push(&a, c) || cp_push(&a, ' '))
				goto nomem;
		} else if (cp_push(&a, c)) {
			goto nomem;
		}
	}
	/* lower-case (full mapping) then NFD without nonspacing marks */
	for (size_t i = 0; i < a.n; i++) {
		uint32_t c = a.v[i];
		uint32_t low[2];
		int nl = 1;
		if (c == 0x130) {
			low[0] = 'i', low[1] = 0x307, nl = 2;
		} else if (c == 0x3A3) {
			/* Final_Sigma: a cased letter before, none after */
			size_t j = i;
			int before = 0, after = 0;
			while (j-- > 0 && is_case_ignorable(a.v[j]))
				;
			before = j < i && is_cased(a.v[j]);
			for (j = i + 1; j < a.n && is_case_ignorable(a.v[j]); j++)
				;
			after = j < a.n && is_cased(a.v[j]);
			low[0] = before && !after ? 0x3C2 : 0x3C3;
		} else {
			low[0] = (uint32_t)utf8proc_tolower((utf8proc_int32_t)c);
		}
		for (int q = 0; q < nl; q++) {
			utf8proc_int32_t dec[32];
			int last = 0;
			utf8proc_ssize_t m = utf8proc_decompose_char((utf8proc_int32_t)low[q], dec, 32,
								    UTF8PROC_DECOMPOSE, &last);
			if (m < 0 || m > 32) {
				dec[0] = (utf8proc_int32_t)low[q];
				m = 1;
			}
			for (utf8proc_ssize_t r = 0; r < m; r++)
				if (utf8proc_category(dec[r]) != UTF8PROC_CATEGORY_MN && cp_push(out, (uint32_t)dec[r]))
					goto nomem;
		}
	}
	free(a.v);
	return 0;
nomem:
	free(a.v);
	return -1;
}

/* ------------------------------------------------------------- WordPiece */

typedef struct {
	int32_t *v;
	size_t n, cap;
} idbuf;

static int id_push(idbuf *b, int32_t id)
{
	if (b->n == b->cap) {
		size_t cap = b->cap ? b->cap * 2 : 64;
		int32_t *v = realloc(b->v, cap * sizeof *v);
		if (!v)
			return -1;
		b->v = v;
		b->cap = cap;
	}
	b->v[b->n++] = id;
	return 0;
}

/* WordPiece of one word w[0..n) code points into out.  buf holds the
 * word's UTF-8 after a two-byte gap: a continuation is looked up as "##"
 * written into the two bytes before its first character (and put back). */
static int wordpiece(const yj_vocab *v, const uint32_t *w, size_t n, idbuf *out, char *buf, size_t bufsz)
{
	if (n > 100)
		return id_push(out, v->unk);
	size_t off[101];
	size_t bytes = 2;
	for (size_t i = 0; i < n; i++) {
		off[i] = bytes;
		if (bytes + 4 >= bufsz)
			return id_push(out, v->unk);
		bytes += (size_t)utf8_encode(w[i], buf + bytes);
	}
	off[n] = bytes;
	size_t mark = out->n;
	for (size_t start = 0; start < n;) {
		int32_t found = -1;
		size_t end = n;
		char save[2];
		char *s = buf + off[start] - (start ? 2 : 0);
		if (start) {
			memcpy(save, s, 2);
			memcpy(s, "##", 2);
		}
		for (; end > start; end--) {
			size_t len = off[end] - off[start] + (start ? 2 : 0);
			if (len > v->max_token_bytes)
				continue;
			if ((found = vocab_id(v, s, len)) >= 0)
				break;
		}
		if (start)
			memcpy(s, save, 2);
		if (found < 0) {
			out->n = mark;
			return id_push(out, v->unk);
		}
		if (id_push(out, found))
			return -1;
		start = end;
	}
	return 0;
}

int tokenizer_encode(const yj_vocab *v, const char *text, size_t len, int special, int max_len,
		     int32_t **ids, size_t *n)
{
	cpbuf cp = {0};
	idbuf out = {0};
	char buf[512];
	*ids = NULL;
	*n = 0;
	if (normalise(text, len, &cp))
		goto nomem;
	if (special && id_push(&out, v->cls))
		goto nomem;
	for (size_t i = 0; i < cp.n;) {
		uint32_t c = cp.v[i];
		if (is_space(c)) {
			i++;
			continue;
		}
		size_t j = i + 1;
		if (!is_punct(c))
			while (j < cp.n && !is_space(cp.v[j]) && !is_punct(cp.v[j]))
				j++;
		if (wordpiece(v, cp.v + i, j - i, &out, buf, sizeof buf))
			goto nomem;
		i = j;
	}
	if (max_len > 0) {
		size_t keep = (size_t)max_len - (special ? 1 : 0);
		if (special && max_len < 2)
			keep = 1;
		if (out.n > keep)
			out.n = keep;
	}
	if (special && id_push(&out, v->sep))
		goto nomem;
	free(cp.v);
	*ids = out.v ? out.v : malloc(sizeof(int32_t));
	*n = out.n;
	return 0;
nomem:
	free(cp.v);
	free(out.v);
	return -1;
}
