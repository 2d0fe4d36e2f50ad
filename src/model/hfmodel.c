/*
 * hfmodel.c - Hugging Face model directories for the BERT encoder:
 * config.json + model.safetensors in, the same layout out.
 *
 * Loading validates before it trusts: config.json's fields (types, ranges,
 * hidden % heads, the architecture) are checked and turned into a
 * yj_bert_cfg; the safetensors file is parsed by the validating reader;
 * then every tensor the model needs is looked up, its dtype (F32, F16,
 * BF16) and shape checked against the configuration, and only when all
 * pass are values converted (safetensors_to_f32).  Accepted key spellings:
 * "bert."-prefixed (BertForMaskedLM, BertForPreTraining) or not (BertModel),
 * LayerNorm "gamma"/"beta" of TF-converted checkpoints, and
 * cls.predictions.decoder.bias for cls.predictions.bias.  The pooler and the
 * MLM head are optional groups (BertForMaskedLM has no pooler, BertModel no
 * MLM head): all of a group or none.  Other tensors (position_ids,
 * cls.seq_relationship.*, the tied decoder weight) are ignored.
 *
 * Messages are not translated here (the CLI shows them as they are).
 */
#include <config.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "yujing/model/bert.h"
#include "yujing/nn/safetensors.h"

/* ------------------------------------------------------------------ files */

static void join(char *buf, size_t n, const char *dir, const char *name)
{
	size_t l = strlen(dir);
	snprintf(buf, n, "%s%s%s", dir, l && dir[l - 1] == '/' ? "" : "/", name);
}

static int exists(const char *path)
{
	struct stat sb;
	return stat(path, &sb) == 0;
}

/* Read a whole regular file into *buf (malloc'd). */
static yj_status read_all(const char *path, unsigned char **buf, size_t *len, yj_error *err)
{
	*buf = NULL;
	*len = 0;
	FILE *f = fopen(path, "rb");
	if (!f) {
		error_set(err, YJ_EIO, "cannot open %s: %s", path, strerror(errno));
		error_at(err, path, -1, -1, NULL);
		return YJ_EIO;
	}
	struct stat sb;
	if (fstat(fileno(f), &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size < 0 ||
	    (unsigned long long)sb.st_size >= SIZE_MAX) {
		fclose(f);
		error_set(err, YJ_EIO, "%s is not a regular file", path);
		error_at(err, path, -1, -1, NULL);
		return YJ_EIO;
	}
	size_t n = (size_t)sb.st_size;
	unsigned char *b = malloc(n ? n : 1);
	if (!b) {
		fclose(f);
		return error_set(err, YJ_ENOMEM, "out of memory reading %s (%zu bytes)", path, n);
	}
	size_t got = fread(b, 1, n, f);
	int bad = ferror(f) || got != n;
	fclose(f);
	if (bad) {
		free(b);
		error_set(err, YJ_EIO, "cannot read %s", path);
		error_at(err, path, -1, -1, NULL);
		return YJ_EIO;
	}
	*buf = b;
	*len = n;
	return YJ_OK;
}

/* ------------------------------------------------------------ config.json */

/* An integer field with Hugging Face's BertConfig default when absent. */
static int cfg_int(json_t *root, const char *key, int dflt, int *out, const char *path,
		   yj_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v)) {
		*out = dflt;
		return 0;
	}
	if (!json_is_integer(v) || json_integer_value(v) < 0 ||
	    json_integer_value(v) > 0x7fffffff) {
		error_set(err, YJ_EDATA, "%s: \"%s\" is not a non-negative integer", path, key);
		error_at(err, path, -1, -1, key);
		return -1;
	}
	*out = (int)json_integer_value(v);
	return 0;
}

static int cfg_real(json_t *root, const char *key, double dflt, float *out, const char *path,
		    yj_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!v) {
		*out = (float)dflt;
		return 0;
	}
	if (!json_is_number(v)) {
		error_set(err, YJ_EDATA, "%s: \"%s\" is not a number", path, key);
		error_at(err, path, -1, -1, key);
		return -1;
	}
	*out = (float)json_number_value(v);
	return 0;
}

/* A string field that must be absent or one of the accepted values. */
static int cfg_str(json_t *root, const char *key, const char *const *accept, const char *path,
		   yj_error *err)
{
	json_t *v = json_object_get(root, key);
	if (!v || json_is_null(v))
		return 0;
	const char *s = json_string_value(v);
	for (size_t i = 0; s && accept[i]; i++)
		if (strcmp(s, accept[i]) == 0)
			return 0;
	error_set(err, YJ_EDATA, "%s: \"%s\" is %s%.64s%s, expected \"%s\"", path, key,
		  s ? "\"" : "", s ? s : "not a string", s ? "\"" : "", accept[0]);
	error_at(err, path, -1, -1, key);
	error_hint(err, "yujing reads BERT models (model_type \"bert\", GELU, absolute "
			"positions) only");
	return -1;
}

static yj_status load_config(const char *path, yj_bert_cfg *c, yj_error *err)
{
	json_error_t je;
	json_t *root = json_load_file(path, JSON_REJECT_DUPLICATES, &je);
	if (!root) {
		if (!exists(path)) {
			error_set(err, YJ_ENOTFOUND, "%s: no such file", path);
			error_at(err, path, -1, -1, NULL);
			error_hint(err, "a model directory holds config.json, vocab.txt and "
					"model.safetensors");
			return YJ_ENOTFOUND;
		}
		error_set(err, YJ_EDATA, "%s: invalid JSON: %s", path, je.text);
		error_at(err, path, je.line, je.position, NULL);
		return YJ_EDATA;
	}
	yj_status st = YJ_EDATA;
	static const char *const bert[] = {"bert", NULL}, *const gelu[] = {"gelu", NULL},
				 *const absolute[] = {"absolute", NULL};
	if (!json_is_object(root)) {
		error_set(err, YJ_EDATA, "%s: not a JSON object", path);
		error_at(err, path, -1, -1, NULL);
		goto out;
	}
	memset(c, 0, sizeof *c);
	if (cfg_str(root, "model_type", bert, path, err) ||
	    cfg_str(root, "hidden_act", gelu, path, err) ||
	    cfg_str(root, "position_embedding_type", absolute, path, err) ||
	    cfg_int(root, "vocab_size", 30522, &c->vocab_size, path, err) ||
	    cfg_int(root, "hidden_size", 768, &c->hidden, path, err) ||
	    cfg_int(root, "num_hidden_layers", 12, &c->layers, path, err) ||
	    cfg_int(root, "num_attention_heads", 12, &c->heads, path, err) ||
	    cfg_int(root, "intermediate_size", 3072, &c->intermediate, path, err) ||
	    cfg_int(root, "max_position_embeddings", 512, &c->max_pos, path, err) ||
	    cfg_int(root, "type_vocab_size", 2, &c->type_vocab, path, err) ||
	    cfg_int(root, "pad_token_id", 0, &c->pad_token_id, path, err) ||
	    cfg_real(root, "layer_norm_eps", 1e-12, &c->ln_eps, path, err) ||
	    cfg_real(root, "hidden_dropout_prob", 0.1, &c->hidden_drop, path, err) ||
	    cfg_real(root, "attention_probs_dropout_prob", 0.1, &c->attn_drop, path, err) ||
	    cfg_real(root, "initializer_range", 0.02, &c->init_range, path, err))
		goto out;
	json_t *vh = json_object_get(root, "yujing_vocab_sha256");
	if (vh && !json_is_null(vh)) {
		const char *h = json_string_value(vh);
		size_t n = h ? strlen(h) : 0;
		if (n != 64 || strspn(h, "0123456789abcdef") != 64) {
			error_set(err, YJ_EDATA, "%s: \"yujing_vocab_sha256\" is not 64 lower-case hex digits", path);
			error_at(err, path, -1, -1, "yujing_vocab_sha256");
			error_hint(err, "it is the SHA-256 of the vocab.txt the encoder was trained on; "
					"remove the field if it is unknown");
			goto out;
		}
		memcpy(c->vocab_sha256, h, 65);
	}
	st = bert_config_check(c, err);
	if (st != YJ_OK && err) {
		/* Name the file; the field is already set. */
		char msg[sizeof err->msg];
		snprintf(msg, sizeof msg, "%.300s: %.700s", path, err->msg);
		memcpy(err->msg, msg, sizeof msg);
		error_at(err, path, -1, -1, NULL);
	}
out:
	json_decref(root);
	return st;
}

/* ------------------------------------------------------------------- load */

/* The tensor for parameter `name` under the file's spelling: prefix
 * "bert." kept or stripped, LayerNorm weight/bias also as gamma/beta,
 * cls.predictions.bias also as cls.predictions.decoder.bias. */
static const yj_st_tensor *lookup(const yj_safetensors *st, const char *name, int prefixed)
{
	char key[PARAM_NAME_MAX + 16];
	const char *base = name;
	if (!prefixed && strncmp(name, "bert.", 5) == 0)
		base = name + 5;
	const yj_st_tensor *t = safetensors_find(st, base);
	if (t)
		return t;
	size_t n = strlen(base);
	if (n > 16 && strcmp(base + n - 16, "LayerNorm.weight") == 0) {
		snprintf(key, sizeof key, "%.*sgamma", (int)(n - 6), base);
		return safetensors_find(st, key);
	}
	if (n > 14 && strcmp(base + n - 14, "LayerNorm.bias") == 0) {
		snprintf(key, sizeof key, "%.*sbeta", (int)(n - 4), base);
		return safetensors_find(st, key);
	}
	if (strcmp(base, "cls.predictions.bias") == 0)
		return safetensors_find(st, "cls.predictions.decoder.bias");
	return NULL;
}

static void shape_str(char *buf, size_t n, int ndim, const int64_t *shape)
{
	size_t l = 0;
	buf[0] = '\0';
	for (int d = 0; d < ndim && l < n; d++)
		l += (size_t)snprintf(buf + l, n - l, "%s%lld", d ? ", " : "", (long long)shape[d]);
}

/* 0 when tensor t (found at name `name`) has shape [a] (ndim 1) or [a, b]
 * (ndim 2), else an error naming it. */
static int shape_check(const char *path, const yj_safetensors *sf, const yj_st_tensor *t, int ndim,
		       const int64_t *shape, yj_error *err)
{
	int same = t->ndim == ndim;
	for (int d = 0; same && d < ndim; d++)
		same = t->shape[d] == shape[d];
	if (same)
		return 0;
	char want[128], got[128];
	shape_str(want, sizeof want, ndim, shape);
	shape_str(got, sizeof got, t->ndim, t->shape);
	error_set(err, YJ_EDATA, "%s: tensor '%s' has shape [%s], config.json implies [%s]", path, t->name,
		  got, want);
	error_at(err, path, -1, (long long)(sf->data_start + t->begin), t->name);
	error_hint(err, "the weights and config.json come from different models");
	return -1;
}

/* Before bert_init allocates what config.json describes, the file must
 * hold the tensors that size it, each of the shape the configuration
 * implies: the three embeddings and every layer's query and feed-forward
 * matrices.  Their bytes are in the file (the reader checked the ranges),
 * so a crafted config.json cannot make a small file cost gigabytes. */
static yj_status check_sizes(const char *path, const yj_safetensors *sf, const yj_bert_cfg *c,
			     int prefixed, yj_error *err)
{
	const int64_t C = c->hidden, I = c->intermediate;
	char name[PARAM_NAME_MAX];
	for (int k = -3; k < 3 * c->layers; k++) {
		int64_t shape[2] = {C, C};
		if (k == -3)
			snprintf(name, sizeof name, "bert.embeddings.word_embeddings.weight"), shape[0] = c->vocab_size;
		else if (k == -2)
			snprintf(name, sizeof name, "bert.embeddings.position_embeddings.weight"), shape[0] = c->max_pos;
		else if (k == -1)
			snprintf(name, sizeof name, "bert.embeddings.token_type_embeddings.weight"),
				shape[0] = c->type_vocab;
		else if (k % 3 == 0)
			snprintf(name, sizeof name, "bert.encoder.layer.%d.attention.self.query.weight", k / 3);
		else if (k % 3 == 1)
			snprintf(name, sizeof name, "bert.encoder.layer.%d.intermediate.dense.weight", k / 3),
				shape[0] = I;
		else
			snprintf(name, sizeof name, "bert.encoder.layer.%d.output.dense.weight", k / 3), shape[1] = I;
		const yj_st_tensor *t = lookup(sf, name, prefixed);
		if (!t) {
			error_set(err, YJ_EDATA, "%s: tensor '%s' is missing", path, name);
			error_at(err, path, -1, -1, name);
			error_hint(err, "config.json describes more than the weights hold; they come "
					"from different models");
			return YJ_EDATA;
		}
		if (shape_check(path, sf, t, 2, shape, err))
			return YJ_EDATA;
	}
	return YJ_OK;
}

/* Which optional group a parameter belongs to: 0 none, 1 pooler, 2 MLM. */
static int group_of(const char *name)
{
	if (strncmp(name, "bert.pooler.", 12) == 0)
		return 1;
	if (strncmp(name, "cls.", 4) == 0)
		return 2;
	return 0;
}

static const char pt_hint[] =
	"convert it once with PyTorch: python3 -c \"import torch; from safetensors.torch import "
	"save_file; sd = torch.load('pytorch_model.bin', map_location='cpu'); save_file({k: "
	"v.clone().contiguous() for k, v in sd.items()}, 'model.safetensors', "
	"metadata={'format': 'pt'})\" in the model directory, or with transformers: "
	"AutoModel.from_pretrained(DIR).save_pretrained(DIR, safe_serialization=True)";

yj_status bert_load_dir(yj_bert *m, const char *dir, uint64_t seed, yj_error *err)
{
	yj_status st;
	char path[4096];
	unsigned char *buf = NULL;
	size_t len = 0;
	const yj_st_tensor **src = NULL;
	yj_safetensors sf;
	memset(&sf, 0, sizeof sf);
	memset(m, 0, sizeof *m);

	/* The weights first: a missing or PyTorch-only directory is the most
	 * common mistake, and says more than a config problem. */
	join(path, sizeof path, dir, "model.safetensors");
	if (!exists(path)) {
		char alt[4096];
		join(alt, sizeof alt, dir, "pytorch_model.bin");
		if (exists(alt)) {
			error_set(err, YJ_EDATA,
				  "%s holds pytorch_model.bin, a pickle yujing does not read; "
				  "it needs model.safetensors",
				  dir);
			error_at(err, alt, -1, -1, NULL);
			error_hint(err, "%s", pt_hint);
			return YJ_EDATA;
		}
		join(alt, sizeof alt, dir, "model.safetensors.index.json");
		if (exists(alt)) {
			error_set(err, YJ_EDATA,
				  "%s holds a sharded checkpoint (model.safetensors.index.json), "
				  "which yujing does not read",
				  dir);
			error_at(err, alt, -1, -1, NULL);
			error_hint(err, "save it again as one file: save_pretrained(DIR, "
					"max_shard_size=\"100GB\")");
			return YJ_EDATA;
		}
		error_set(err, YJ_ENOTFOUND, "%s: no such file", path);
		error_at(err, path, -1, -1, NULL);
		error_hint(err, "a model directory holds config.json, vocab.txt and "
				"model.safetensors");
		return YJ_ENOTFOUND;
	}

	char cpath[4096];
	join(cpath, sizeof cpath, dir, "config.json");
	yj_bert_cfg cfg;
	if ((st = load_config(cpath, &cfg, err)) != YJ_OK)
		return st;
	if ((st = read_all(path, &buf, &len, err)) != YJ_OK)
		return st;
	st = safetensors_parse(buf, len, path, &sf, err);
	free(buf);
	if (st != YJ_OK)
		return st;
	/* Pass 1: resolve and check every tensor, those that size the model
	 * before it is allocated. */
	int prefixed = safetensors_find(&sf, "bert.embeddings.word_embeddings.weight") != NULL;
	if (!prefixed && !safetensors_find(&sf, "embeddings.word_embeddings.weight")) {
		error_set(err, YJ_EDATA,
			  "%s: no word embeddings (bert.embeddings.word_embeddings.weight): not a "
			  "BERT checkpoint",
			  path);
		error_at(err, path, -1, -1, "bert.embeddings.word_embeddings.weight");
		st = YJ_EDATA;
		goto out;
	}
	char extra[64];
	snprintf(extra, sizeof extra, "%sencoder.layer.%d.attention.self.query.weight",
		 prefixed ? "bert." : "", cfg.layers);
	if (safetensors_find(&sf, extra)) {
		error_set(err, YJ_EDATA,
			  "%s: holds tensor '%s', more layers than config.json's "
			  "num_hidden_layers %d",
			  path, extra, cfg.layers);
		error_at(err, path, -1, -1, extra);
		error_hint(err, "the weights and config.json come from different models");
		st = YJ_EDATA;
		goto out;
	}
	if ((st = bert_config_check(&cfg, err)) != YJ_OK || (st = check_sizes(path, &sf, &cfg, prefixed, err)) != YJ_OK ||
	    (st = bert_init(m, &cfg, seed, err)) != YJ_OK)
		goto out;
	src = calloc(m->ps.n, sizeof *src);
	if (!src) {
		st = error_set(err, YJ_ENOMEM, "out of memory");
		goto out;
	}
	int have[3] = {0, 0, 0}, total[3] = {0, 0, 0};
	const char *missing[3] = {NULL, NULL, NULL};
	for (size_t i = 0; i < m->ps.n; i++) {
		const yj_param *p = &m->ps.v[i];
		int g = group_of(p->name);
		const yj_st_tensor *t = lookup(&sf, p->name, prefixed);
		total[g]++;
		if (!t) {
			if (!missing[g])
				missing[g] = p->name;
			continue;
		}
		have[g]++;
		long long at = (long long)(sf.data_start + t->begin);
		if (t->dtype != ST_F32 && t->dtype != ST_F16 && t->dtype != ST_BF16) {
			error_set(err, YJ_EDATA,
				  "%s: tensor '%s' is not F32, F16 or BF16 (a float tensor was "
				  "expected)",
				  path, t->name);
			error_at(err, path, -1, at, t->name);
			st = YJ_EDATA;
			goto out;
		}
		if (shape_check(path, &sf, t, p->ndim, p->shape, err)) {
			st = YJ_EDATA;
			goto out;
		}
		long long bad = safetensors_nonfinite(&sf, t);
		if (bad >= 0) {
			error_set(err, YJ_EDATA, "%s: tensor '%s' holds a NaN or an infinity (element %lld)",
				  path, t->name, bad);
			error_at(err, path, -1, at, t->name);
			error_hint(err, "the checkpoint is damaged, or was saved from a run that diverged");
			st = YJ_EDATA;
			goto out;
		}
		src[i] = t;
	}
	for (int g = 0; g < 3; g++) {
		/* The encoder is required; the pooler and the MLM head are all or
		 * nothing. */
		if (have[g] == total[g] || (g > 0 && have[g] == 0))
			continue;
		error_set(err, YJ_EDATA, "%s: tensor '%s' is missing", path, missing[g]);
		error_at(err, path, -1, -1, missing[g]);
		error_hint(err, "the file is not a complete BERT checkpoint");
		st = YJ_EDATA;
		goto out;
	}

	/* Pass 2: convert. */
	for (size_t i = 0; i < m->ps.n; i++)
		if (src[i])
			safetensors_to_f32(&sf, src[i], params_data(&m->ps, (long)i));
	m->has_pooler = have[1] > 0;
	m->has_mlm = have[2] > 0;
	st = YJ_OK;
out:
	free(src);
	safetensors_free(&sf);
	if (st != YJ_OK)
		bert_free(m);
	return st;
}

/* ------------------------------------------------------------------- save */

/* A float as the short decimal that reads back as the same float. */
static json_t *jfloat(float f)
{
	char s[32];
	snprintf(s, sizeof s, "%.7g", (double)f);
	if ((float)strtod(s, NULL) != f)
		snprintf(s, sizeof s, "%.9g", (double)f);
	return json_real(strtod(s, NULL));
}

/* Write len bytes to path through path.tmp and a rename. */
static yj_status write_atomic(const char *path, const void *data, size_t len, yj_error *err)
{
	char tmp[4200];
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		error_set(err, YJ_EIO, "cannot create %s: %s", tmp, strerror(errno));
		error_at(err, tmp, -1, -1, NULL);
		return YJ_EIO;
	}
	int bad = len && fwrite(data, 1, len, f) != len;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		error_set(err, e == ENOSPC ? YJ_EFULL : YJ_EIO, "cannot write %s: %s", path,
			  strerror(e));
		error_at(err, path, -1, -1, NULL);
		return e == ENOSPC ? YJ_EFULL : YJ_EIO;
	}
	return YJ_OK;
}

char *bert_config_json(const yj_bert *m)
{
	/* transformers' BertConfig fields */
	const yj_bert_cfg *c = &m->cfg;
	json_t *cfg = json_pack("{s:[s], s:s, s:i, s:i, s:i, s:i, s:i, s:s, s:o, s:o, s:i, s:i, s:o, "
				"s:o, s:i, s:s}",
				"architectures", "BertForMaskedLM", "model_type", "bert", "vocab_size",
				c->vocab_size, "hidden_size", c->hidden, "num_hidden_layers", c->layers,
				"num_attention_heads", c->heads, "intermediate_size", c->intermediate,
				"hidden_act", "gelu", "hidden_dropout_prob", jfloat(c->hidden_drop),
				"attention_probs_dropout_prob", jfloat(c->attn_drop),
				"max_position_embeddings", c->max_pos, "type_vocab_size", c->type_vocab,
				"initializer_range", jfloat(c->init_range), "layer_norm_eps",
				jfloat(c->ln_eps), "pad_token_id", c->pad_token_id,
				"position_embedding_type", "absolute");
	if (cfg && c->vocab_sha256[0])
		json_object_set_new(cfg, "yujing_vocab_sha256", json_string(c->vocab_sha256));
	char *text = cfg ? json_dumps(cfg, JSON_INDENT(2) | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9))
			 : NULL;
	json_decref(cfg);
	if (!text)
		return NULL;
	size_t tl = strlen(text);
	char *t2 = realloc(text, tl + 2);
	if (!t2) {
		free(text);
		return NULL;
	}
	memcpy(t2 + tl, "\n", 2);
	return t2;
}

yj_status bert_save_dir(const yj_bert *m, const char *dir, const char *vocab_path, yj_error *err)
{
	yj_status st = YJ_OK;
	char path[4096];
	char *text = NULL;
	unsigned char *buf = NULL;
	size_t len = 0;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		error_set(err, YJ_EIO, "cannot create directory %s: %s", dir, strerror(errno));
		error_at(err, dir, -1, -1, NULL);
		return YJ_EIO;
	}

	text = bert_config_json(m);
	if (!text) {
		st = error_set(err, YJ_ENOMEM, "out of memory");
		goto out;
	}
	join(path, sizeof path, dir, "config.json");
	if ((st = write_atomic(path, text, strlen(text), err)) != YJ_OK)
		goto out;

	/* model.safetensors: every parameter, F32; "format": "pt" is what
	 * transformers' from_pretrained checks in the metadata. */
	if (safetensors_write(&m->ps, "{\"format\":\"pt\"}", &buf, &len) != 0) {
		st = error_set(err, YJ_ENOMEM, "out of memory writing the weights");
		goto out;
	}
	join(path, sizeof path, dir, "model.safetensors");
	if ((st = write_atomic(path, buf, len, err)) != YJ_OK)
		goto out;

	if (vocab_path) {
		free(buf);
		buf = NULL;
		if ((st = read_all(vocab_path, &buf, &len, err)) != YJ_OK)
			goto out;
		join(path, sizeof path, dir, "vocab.txt");
		/* Copying a file onto itself would be harmless, but skip it. */
		struct stat a, b;
		if (stat(vocab_path, &a) == 0 && stat(path, &b) == 0 && a.st_dev == b.st_dev &&
		    a.st_ino == b.st_ino)
			goto out;
		st = write_atomic(path, buf, len, err);
	}
out:
	free(text);
	free(buf);
	return st;
}
