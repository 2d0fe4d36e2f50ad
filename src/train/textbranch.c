/*
 * textbranch.c - the BERT text branch's encoder in training (see
 * textbranch.h).
 */
#include <config.h>

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/base/sha256.h"
#include "yujing/model/multimodal.h"
#include "yujing/nn/safetensors.h"
#include "yujing/store/encoders.h"
#include "yujing/store/textcache.h"
#include "yujing/train/pretrain.h"
#include "yujing/train/textbranch.h"

const char *text_pool_name(int pool)
{
	return pool == TEXT_POOL_MEAN ? "mean" : "cls";
}

int text_pool_parse(const char *s)
{
	return !s ? -1 : !strcmp(s, "cls") ? TEXT_POOL_CLS : !strcmp(s, "mean") ? TEXT_POOL_MEAN : -1;
}

static yj_status load_dir(yj_textenc *e, const char *dir, uint64_t seed, yj_error *err)
{
	char path[PATH_MAX + 16];
	yj_status st = bert_load_dir(&e->bert, dir, seed, err);
	if (st)
		return st;
	snprintf(path, sizeof path, "%s/vocab.txt", dir);
	if ((st = vocab_load(path, &e->voc, err))) {
		bert_free(&e->bert);
		return st;
	}
	if ((st = vocab_check_encoder(&e->voc, e->bert.cfg.vocab_sha256, dir, err))) {
		bert_free(&e->bert);
		vocab_free(&e->voc);
		return st;
	}
	if ((long)e->voc.n > (long)e->bert.cfg.vocab_size) {
		bert_free(&e->bert);
		vocab_free(&e->voc);
		return error_set(err, YJ_EDATA, _("the vocabulary of %s has %zu tokens, the encoder only %d"), dir,
				 e->voc.n, e->bert.cfg.vocab_size);
	}
	return YJ_OK;
}

yj_status textenc_open(yj_project *p, const char *dir, long long id, uint64_t seed, yj_textenc *e,
		       yj_error *err)
{
	memset(e, 0, sizeof *e);
	if (dir)
		return load_dir(e, dir, seed, err);
	/* the active encoder, through a temporary Hugging Face directory */
	const char *tmp = getenv("TMPDIR");
	char tdir[PATH_MAX], path[PATH_MAX + 32];
	snprintf(tdir, sizeof tdir, "%s/yujing-enc-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(tdir))
		return error_set(err, YJ_EIO, _("cannot create a temporary directory in %s"), tmp && *tmp ? tmp : "/tmp");
	yj_status st = pretrain_export(p, id, tdir, &e->encoder_id, err);
	if (!st)
		st = load_dir(e, tdir, seed, err);
	static const char *const names[] = {"config.json", "vocab.txt", "model.safetensors"};
	for (int i = 0; i < 3; i++) {
		snprintf(path, sizeof path, "%s/%s", tdir, names[i]);
		unlink(path);
	}
	rmdir(tdir);
	return st;
}

void textenc_free(yj_textenc *e)
{
	bert_free(&e->bert);
	vocab_free(&e->voc);
	free(e->bids);
	free(e->bmask);
	memset(e, 0, sizeof *e);
}

yj_status textenc_tokenize(const yj_textenc *e, const char *const *text, size_t n, int max_len,
			   yj_text_tokens *tk, yj_error *err)
{
	memset(tk, 0, sizeof *tk);
	if (max_len > e->bert.cfg.max_pos)
		max_len = e->bert.cfg.max_pos;
	if (max_len < 2)
		max_len = 2;
	tk->n = n;
	tk->max_len = max_len;
	tk->ids = calloc((n ? n : 1) * (size_t)max_len, sizeof *tk->ids);
	tk->len = calloc(n ? n : 1, sizeof *tk->len);
	if (!tk->ids || !tk->len)
		goto nomem;
	for (size_t i = 0; i < n; i++) {
		const char *s = text[i] ? text[i] : "";
		int32_t *ids = NULL;
		size_t m = 0;
		if (tokenizer_encode(&e->voc, s, strlen(s), 1, max_len, &ids, &m))
			goto nomem;
		memcpy(tk->ids + i * (size_t)max_len, ids, m * sizeof *ids);
		tk->len[i] = (int)m;
		free(ids);
	}
	return YJ_OK;
nomem:
	text_tokens_free(tk);
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

void text_tokens_free(yj_text_tokens *tk)
{
	free(tk->ids);
	free(tk->len);
	memset(tk, 0, sizeof *tk);
}

yj_status textenc_encode(yj_textenc *e, const yj_text_tokens *tk, const size_t *idx, int B, int train,
			 float *out, yj_error *err)
{
	int T = 2;
	for (int b = 0; b < B; b++)
		if (tk->len[idx[b]] > T)
			T = tk->len[idx[b]];
	if (B > e->B || T > e->T) {
		int nb = B > e->B ? B : e->B, nt = T > e->T ? T : e->T;
		int32_t *ids = malloc((size_t)nb * (size_t)nt * sizeof *ids);
		int32_t *mask = malloc((size_t)nb * (size_t)nt * sizeof *mask);
		if (!ids || !mask || bert_reserve(&e->bert, nb, nt)) {
			free(ids);
			free(mask);
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		}
		free(e->bids);
		free(e->bmask);
		e->bids = ids, e->bmask = mask, e->B = nb, e->T = nt;
	}
	for (int b = 0; b < B; b++) {
		const int32_t *src = tk->ids + idx[b] * (size_t)tk->max_len;
		int n = tk->len[idx[b]];
		for (int t = 0; t < T; t++) {
			e->bids[b * T + t] = t < n ? src[t] : e->bert.cfg.pad_token_id;
			e->bmask[b * T + t] = t < n;
		}
	}
	e->bert.no_grad = !train; /* textenc_backward follows only a training pass */
	yj_status st = bert_forward(&e->bert, e->bids, NULL, e->bmask, B, T, train, err);
	if (st)
		return st;
	size_t C = (size_t)e->bert.cfg.hidden;
	for (int b = 0; b < B; b++) {
		if (e->pool == TEXT_POOL_MEAN)
			bert_mean_pool_forward(out + idx[b] * C, e->bert.last_hidden + (size_t)b * (size_t)T * C,
					       e->bmask + (size_t)b * (size_t)T, 1, T, (int)C);
		else
			memcpy(out + idx[b] * C, e->bert.cls + (size_t)b * C, C * sizeof(float));
	}
	return YJ_OK;
}

void textenc_backward(yj_textenc *e, const float *dcls)
{
	yj_bert *m = &e->bert;
	size_t C = (size_t)m->cfg.hidden, T = (size_t)m->T;
	memset(m->d_last, 0, (size_t)m->B * T * C * sizeof(float));
	if (e->pool == TEXT_POOL_MEAN) /* bmask is (B, T) of the last textenc_encode */
		bert_mean_pool_backward(m->d_last, dcls, e->bmask, m->B, m->T, (int)C);
	else
		for (int b = 0; b < m->B; b++) /* [CLS] is position 0 */
			memcpy(m->d_last + (size_t)b * T * C, dcls + (size_t)b * C, C * sizeof(float));
	bert_backward(m, m->d_last, NULL);
}

/* The cache key of case i: its key and a hash (FNV-1a, 64 bits) of its
 * token ids, so a case whose text changed (a new import or cleaning)
 * misses the cache instead of reading a stale vector. */
static void cache_key(const yj_text_tokens *tk, size_t i, const char *key, char *out, size_t size)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	const int32_t *ids = tk->ids + i * (size_t)tk->max_len;
	for (int t = 0; t < tk->len[i]; t++)
		for (int b = 0; b < 4; b++)
			h = (h ^ (((uint32_t)ids[t] >> (8 * b)) & 0xff)) * 0x100000001b3ULL;
	snprintf(out, size, "%s\x1f%016llx", key, (unsigned long long)h);
}

/* The cache keys of cases idx[0..n) (every case when idx is NULL), a
 * malloc'd array of malloc'd strings; NULL when out of memory. */
static char **cache_keys(const yj_text_tokens *tk, const char *const *keys, size_t n)
{
	char **v = calloc(n ? n : 1, sizeof *v);
	for (size_t i = 0; v && i < n; i++) {
		char ck[1024];
		cache_key(tk, i, keys[i], ck, sizeof ck);
		if (!(v[i] = strdup(ck))) {
			for (size_t j = 0; j < i; j++)
				free(v[j]);
			free(v);
			return NULL;
		}
	}
	return v;
}

yj_status textenc_encode_all(yj_project *p, yj_textenc *e, const yj_text_tokens *tk, int bs,
			     const char *cache_field, const char *const *keys, float *out, size_t *computed,
			     yj_error *err)
{
	size_t n = tk->n, C = (size_t)e->bert.cfg.hidden, nmiss = 0;
	int cache = cache_field && keys && e->encoder_id > 0;
	char pooled_field[1024];
	if (cache && e->pool != TEXT_POOL_CLS) { /* [CLS] keeps the plain name older caches used */
		snprintf(pooled_field, sizeof pooled_field, "%s\x1f%s", cache_field, text_pool_name(e->pool));
		cache_field = pooled_field;
	}
	size_t *miss = malloc((n ? n : 1) * sizeof *miss);
	unsigned char *hit = calloc(n ? n : 1, 1);
	char **ck = cache ? cache_keys(tk, keys, n) : NULL;
	yj_status st = YJ_OK;
	if (!miss || !hit || (cache && !ck))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (!st && cache)
		st = textcache_lookup(p, e->encoder_id, cache_field, tk->max_len, (const char *const *)ck, n, C, out,
				      hit, err);
	for (size_t i = 0; !st && i < n; i++)
		if (!hit[i])
			miss[nmiss++] = i;
	for (size_t i = 0; i < nmiss && !st; i += (size_t)bs) {
		int B = (int)(nmiss - i < (size_t)bs ? nmiss - i : (size_t)bs);
		st = textenc_encode(e, tk, miss + i, B, 0, out, err);
	}
	if (!st && cache && nmiss)
		st = textcache_store(p, e->encoder_id, cache_field, tk->max_len, (const char *const *)ck, miss, nmiss, C,
				     out, err);
	if (computed)
		*computed = nmiss;
	for (size_t i = 0; ck && i < n; i++)
		free(ck[i]);
	free(ck);
	free(hit);
	free(miss);
	return st;
}

yj_status textenc_store(yj_project *p, const yj_textenc *e, long long run, long long *id, yj_error *err)
{
	/* the same config.json and model.safetensors bytes an export writes */
	char *cfg = bert_config_json(&e->bert), *voc = NULL;
	unsigned char *w = NULL;
	size_t nw = 0, nvoc = 0;
	yj_status st = YJ_OK;
	if (!cfg || safetensors_write(&e->bert.ps, "{\"format\":\"pt\"}", &w, &nw))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	for (size_t i = 0; !st && i < e->voc.n; i++)
		nvoc += strlen(e->voc.tokens[i]) + 1;
	if (!st && !(voc = malloc(nvoc + 1)))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (!st) {
		char *q = voc;
		for (size_t i = 0; i < e->voc.n; i++)
			q += sprintf(q, "%s\n", e->voc.tokens[i]);
		*q = '\0';
	}
	if (!st) {
		/* the configuration names the vocabulary stored beside it */
		yj_bert named = e->bert;
		sha256_hex(voc, strlen(voc), named.cfg.vocab_sha256);
		free(cfg);
		if (!(cfg = bert_config_json(&named)))
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	if (!st)
		st = encoders_put(p, run, cfg, voc, w, nw, id, err);
	free(cfg);
	free(w);
	free(voc);
	return st;
}

yj_status textenc_run_inputs(yj_project *p, const json_t *features, const yj_text_field *tx, size_t ntx,
			     const char *const *keys, size_t n, int dim, int *ntext, int *text_in, float **cls,
			     yj_error *err)
{
	size_t j;
	json_t *l;
	yj_status st = YJ_OK;
	yj_textenc e;
	int open = 0;
	long long cur = -1;
	const char *curdir = NULL;
	(void)dim;
	*ntext = 0;
	json_array_foreach(features, j, l)
	{
		if (!json_object_get(l, "text_branch"))
			continue;
		if (*ntext == MM_MAX_TEXT) {
			st = error_set(err, YJ_EDATA, _("the run has too many text branches"));
			break;
		}
		const char *src = json_string_value(json_object_get(l, "source"));
		const char *field = json_string_value(json_object_get(l, "field"));
		const char *dir = json_string_value(json_object_get(l, "text_model"));
		long long id = json_integer_value(json_object_get(l, "encoder_id"));
		int frozen = json_is_true(json_object_get(l, "frozen"));
		const char *pn = json_string_value(json_object_get(l, "pool"));
		int pool = pn ? text_pool_parse(pn) : TEXT_POOL_CLS;
		if (pool < 0) {
			st = error_set(err, YJ_EDATA, _("the run pools its text branch %s by '%s', which this version does not know"),
				       field ? field : "?", pn);
			break;
		}
		int max_len = (int)json_integer_value(json_object_get(l, "max_len"));
		size_t t = 0;
		while (t < ntx && !(src && field && !strcmp(tx[t].source, src) && !strcmp(tx[t].field, field)))
			t++;
		if (t == ntx) {
			st = error_set(err, YJ_EDATA, _("the run reads text field %s of %s, which is gone"),
				       field ? field : "?", src ? src : "?");
			break;
		}
		if (!open || (dir ? !curdir || strcmp(dir, curdir) : id != cur)) {
			if (open)
				textenc_free(&e);
			open = 0;
			if ((st = textenc_open(p, dir, id, 0, &e, err)))
				break;
			open = 1, cur = id, curdir = dir;
		}
		e.pool = pool;
		yj_text_tokens tk;
		if ((st = textenc_tokenize(&e, (const char *const *)tx[t].text, n, max_len, &tk, err)))
			break;
		int i = (*ntext)++;
		*text_in = e.bert.cfg.hidden;
		if (!(cls[i] = calloc((n ? n : 1) * (size_t)e.bert.cfg.hidden, sizeof(float)))) {
			text_tokens_free(&tk);
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			break;
		}
		char cf[512];
		snprintf(cf, sizeof cf, "%s.%s", src, field);
		st = textenc_encode_all(p, &e, &tk, 64, frozen && !dir ? cf : NULL, keys, cls[i], NULL, err);
		text_tokens_free(&tk);
		if (st)
			break;
	}
	if (open)
		textenc_free(&e);
	return st;
}
