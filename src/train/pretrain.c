/*
 * pretrain.c - masked-LM pretraining of the BERT text encoder on every text
 * field of a project, with live progress, resumable checkpoints and the
 * encoders table.
 *
 * The corpus: every distinct non-null value of every field with role
 * "text" in every source (raw rows, table_load), tokenized with [CLS] ...
 * [SEP] and truncated to max_len; texts with no token between the specials
 * are dropped.  A seeded 5% (at least one text when there are two) is held
 * out.  The training texts are sorted by length and cut into batches of
 * neighbours, each padded only to its longest text; every epoch visits the
 * batches in its own seeded order.  The mask of text i in epoch e comes
 * from a stream seeded by (seed, e, i), so it is re-drawn each epoch and a
 * resumed run draws what an uninterrupted one would.
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <jansson.h>

#include "yujing/base/i18n.h"
#include "yujing/data/table.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/safetensors.h"
#include "yujing/store/sources.h"
#include "yujing/text/tokenizer.h"
#include "yujing/store/runlog.h"
#include "yujing/train/pretrain.h"

void pretrain_opts_default(yj_pretrain_opts *o)
{
	memset(o, 0, sizeof *o);
	o->config = "tiny";
	o->epochs = 3;
	o->max_len = 128;
	o->batch = 32;
	o->mask = 0.15f;
	o->lr = 0; /* chosen by pretrain_run: 5e-4 from scratch, 1e-4 from a model */
	o->weight_decay = 0.01f;
	o->warmup = 0.06f;
	o->clip = 1.0f;
	o->seed = 42;
}

yj_status pretrain_config(const char *spec, int vocab_size, yj_bert_cfg *cfg, yj_error *err)
{
	if (!spec)
		spec = "tiny";
	if (bert_config_named(spec, vocab_size, cfg) == 0)
		return YJ_OK;
	int L, H, A, I, used = 0;
	if (sscanf(spec, "%d,%d,%d,%d%n", &L, &H, &A, &I, &used) != 4 || spec[used] != '\0') {
		error_set(err, YJ_EUSAGE, _("unknown encoder configuration '%s'"), spec);
		error_hint(err, _("use tiny, mini, small or LAYERS,HIDDEN,HEADS,INTERMEDIATE (e.g. 2,128,2,512)"));
		return YJ_EUSAGE;
	}
	bert_config_named("tiny", vocab_size, cfg);
	cfg->layers = L;
	cfg->hidden = H;
	cfg->heads = A;
	cfg->intermediate = I;
	yj_status st = bert_config_check(cfg, err);
	if (st == YJ_OK)
		return YJ_OK;
	err->status = YJ_EUSAGE; /* a bad option, not bad data */
	error_hint(err, _("LAYERS,HIDDEN,HEADS,INTERMEDIATE with HIDDEN a multiple of HEADS"));
	return YJ_EUSAGE;
}

/* ---------------------------------------------------------------- masking */

static int is_special(int32_t id, const yj_mask_ids *sp)
{
	return id == sp->cls || id == sp->sep || id == sp->pad;
}

int pretrain_mask(const int32_t *ids, int n, float prob, const yj_mask_ids *sp, yj_rng *rng,
		  int32_t *ids_out, int32_t *pos, int32_t *labels)
{
	int nc = 0;
	for (int i = 0; i < n; i++) {
		ids_out[i] = ids[i];
		if (!is_special(ids[i], sp))
			pos[nc++] = i;
	}
	if (nc == 0)
		return 0;
	int k = (int)floor((double)prob * nc + 0.5);
	if (k < 1)
		k = 1;
	if (k > nc)
		k = nc;
	/* The first k of a Fisher-Yates shuffle (from the back, as
	 * random.shuffle), then back into position order. */
	for (int i = nc - 1; i > 0 && i >= nc - k; i--) {
		int j = (int)rng_below(rng, (uint64_t)i + 1);
		int32_t tmp = pos[i];
		pos[i] = pos[j];
		pos[j] = tmp;
	}
	memmove(pos, pos + (nc - k), (size_t)k * sizeof *pos);
	for (int i = 1; i < k; i++) /* insertion sort: k is small */
		for (int j = i; j > 0 && pos[j - 1] > pos[j]; j--) {
			int32_t tmp = pos[j];
			pos[j] = pos[j - 1];
			pos[j - 1] = tmp;
		}
	for (int i = 0; i < k; i++) {
		labels[i] = ids[pos[i]];
		double u = rng_uniform(rng);
		if (u < 0.8)
			ids_out[pos[i]] = sp->mask;
		else if (u >= 0.9)
			ids_out[pos[i]] = (int32_t)rng_below(rng, (uint64_t)sp->vocab_size);
	}
	return k;
}

/* --------------------------------------------------------------- the state */

typedef struct {
	yj_project *p;
	sqlite3 *db;
	yj_pretrain_opts o; /* effective options (from the run when resuming) */
	char *own[4];       /* strings of o owned when resuming */
	long long run;
	yj_vocab vocab;
	int have_vocab;
	char *vocab_path;   /* resolved */
	yj_mask_ids sp;
	/* the corpus: text i is ids[off[i] .. off[i] + len[i]) */
	int32_t *ids;
	size_t nids, ids_cap;
	size_t *off;
	int *len;
	size_t ntext, text_cap;
	json_t *fields;     /* "source.field" names read */
	size_t *train, ntrain, *hold, nhold;
	yj_bert m;
	int have_model;
	yj_adamw opt;
	int kmax;           /* predicted positions per text at most */
	int32_t *bids, *bmask, *bpos, *blab, *tpos, *tlab; /* batch buffers */
	yj_step_rec *pending;
	size_t npending, pending_cap;
	double last_flush;
	int cancelled;
} pretrainer;

static yj_status db_err(pretrainer *t, int rc, const char *what, yj_error *err)
{
	return store_sqlite_error(t->db, rc, what, err);
}


/* Write buffered step losses and poll the cancel flag. */
static yj_status flush_steps(pretrainer *t, yj_error *err)
{
	yj_status st = runlog_write(t->db, t->run, t->pending, t->npending, &t->cancelled, err);
	if (!st) {
		t->npending = 0;
		t->last_flush = progress_now();
	}
	return st;
}

/* ----------------------------------------------------------------- corpus */

static int add_text(pretrainer *t, const int32_t *ids, size_t n)
{
	if (t->ntext == t->text_cap) {
		size_t cap = t->text_cap ? 2 * t->text_cap : 1024;
		size_t *o = realloc(t->off, cap * sizeof *o);
		if (!o)
			return -1;
		t->off = o;
		int *l = realloc(t->len, cap * sizeof *l);
		if (!l)
			return -1;
		t->len = l;
		t->text_cap = cap;
	}
	if (t->nids + n > t->ids_cap) {
		size_t cap = t->ids_cap ? 2 * t->ids_cap : 65536;
		while (cap < t->nids + n)
			cap *= 2;
		int32_t *v = realloc(t->ids, cap * sizeof *v);
		if (!v)
			return -1;
		t->ids = v;
		t->ids_cap = cap;
	}
	memcpy(t->ids + t->nids, ids, n * sizeof *ids);
	t->off[t->ntext] = t->nids;
	t->len[t->ntext] = (int)n;
	t->nids += n;
	t->ntext++;
	return 0;
}

/* Tokenize every distinct non-null value of every text field. */
static yj_status load_corpus(pretrainer *t, yj_error *err)
{
	yj_source_info *src = NULL;
	size_t nsrc = 0;
	yj_nullset ns;
	memset(&ns, 0, sizeof ns);
	yj_status st = sources_list(t->p, &src, &nsrc, err);
	if (st)
		return st;
	if ((st = table_nullset(t->p, &ns, err)))
		goto out;
	t->fields = json_array();
	for (size_t s = 0; s < nsrc && !st; s++) {
		int any = 0;
		for (size_t f = 0; f < src[s].nfields; f++)
			any |= !strcmp(src[s].fields[f].role, "text");
		if (!any)
			continue;
		yj_table tb;
		if ((st = table_load(t->p, src[s].name, &ns, t->o.progress, &tb, err)))
			break;
		for (size_t c = 0; c < tb.ncols && !st; c++) {
			const yj_column *col = &tb.cols[c];
			if (col->role != ROLE_TEXT)
				continue;
			json_array_append_new(t->fields, json_sprintf("%s.%s", src[s].name, col->name));
			for (size_t d = 1; d < col->ndict; d++) {
				if (!col->count[d] || col->is_null[d] || !col->value[d])
					continue;
				int32_t *ids = NULL;
				size_t n = 0;
				if (tokenizer_encode(&t->vocab, col->value[d], col->len[d], 1, t->o.max_len, &ids,
						     &n) ||
				    (n > 2 && add_text(t, ids, n))) {
					free(ids);
					st = error_set(err, YJ_ENOMEM, _("out of memory"));
					break;
				}
				free(ids);
			}
		}
		table_free(&tb);
	}
	if (!st && t->ntext == 0) {
		st = error_set(err, YJ_EDATA, _("the project has no text to pretrain on"));
		error_hint(err, _("import a source with --text FIELD (a field of free text)"));
	}
out:
	nullset_free(&ns);
	sources_list_free(src, nsrc);
	return st;
}

static const pretrainer *sort_ctx;
static int by_len(const void *a, const void *b)
{
	size_t i = *(const size_t *)a, j = *(const size_t *)b;
	int li = sort_ctx->len[i], lj = sort_ctx->len[j];
	if (li != lj)
		return li < lj ? -1 : 1;
	return i < j ? -1 : i > j;
}

/* The held-out texts (a seeded 5%) and the training texts, each sorted
 * by length. */
static int split_corpus(pretrainer *t)
{
	size_t n = t->ntext;
	size_t *perm = malloc(n * sizeof *perm);
	t->train = malloc(n * sizeof *t->train);
	t->hold = malloc(n * sizeof *t->hold);
	if (!perm || !t->train || !t->hold) {
		free(perm);
		return -1;
	}
	for (size_t i = 0; i < n; i++)
		perm[i] = i;
	yj_rng r;
	rng_seed(&r, t->o.seed ^ 0x686f6c646f7574ULL); /* "holdout" */
	for (size_t i = n - 1; n > 1 && i > 0; i--) {
		size_t j = (size_t)rng_below(&r, i + 1), tmp = perm[i];
		perm[i] = perm[j];
		perm[j] = tmp;
	}
	size_t nh = n < 2 ? 0 : (size_t)floor(0.05 * (double)n + 0.5);
	if (n >= 2 && nh < 1)
		nh = 1;
	t->nhold = nh;
	t->ntrain = n - nh;
	memcpy(t->hold, perm, nh * sizeof *perm);
	memcpy(t->train, perm + nh, t->ntrain * sizeof *perm);
	free(perm);
	sort_ctx = t;
	qsort(t->train, t->ntrain, sizeof *t->train, by_len);
	qsort(t->hold, t->nhold, sizeof *t->hold, by_len);
	return 0;
}

/* The mask stream of text i in epoch e (e = -1: the fixed held-out mask). */
static void mask_stream(yj_rng *r, uint64_t seed, int epoch, size_t i)
{
	uint64_t h = seed ^ 0x6d61736b00000000ULL; /* "mask" */
	h ^= 0x9E3779B97F4A7C15ULL * (uint64_t)(epoch + 2);
	h = rng_hash(&i, sizeof i, h);
	rng_seed(r, h);
}

/* Fill the batch buffers with texts idx[0..B) masked from epoch's streams.
 * Returns P, the predicted positions (flat b*T + t); *Tout the padded
 * length. */
static int make_batch(pretrainer *t, const size_t *idx, int B, int epoch, int *Tout)
{
	int T = 0;
	for (int b = 0; b < B; b++)
		if (t->len[idx[b]] > T)
			T = t->len[idx[b]];
	int P = 0;
	for (int b = 0; b < B; b++) {
		size_t i = idx[b];
		int n = t->len[i];
		int32_t *row = t->bids + (size_t)b * T, *mk = t->bmask + (size_t)b * T;
		yj_rng r;
		mask_stream(&r, t->o.seed, epoch, i);
		int k = pretrain_mask(t->ids + t->off[i], n, t->o.mask, &t->sp, &r, row, t->tpos, t->tlab);
		for (int j = 0; j < n; j++)
			mk[j] = 1;
		for (int j = n; j < T; j++) {
			row[j] = t->sp.pad;
			mk[j] = 0;
		}
		for (int j = 0; j < k; j++) {
			t->bpos[P] = b * T + t->tpos[j];
			t->blab[P] = t->tlab[j];
			P++;
		}
	}
	*Tout = T;
	return P;
}

/* ------------------------------------------------------------ the MLM loss */

/* Softmax cross-entropy over the P rows of logits (P,V) against labels,
 * mean over rows (torch.nn.functional.cross_entropy).  Returns the summed
 * loss; *correct += the rows whose argmax is the label.  With grad, the
 * logits are overwritten by d(mean loss)/d(logits). */
static double mlm_xent(float *logits, const int32_t *labels, int P, int V, int grad, long *correct)
{
	double total = 0.0;
	for (int p = 0; p < P; p++) {
		float *x = logits + (size_t)p * V;
		int arg = vec_argmax(x, V);
		float mx = x[arg];
		*correct += arg == labels[p];
		double sum = 0.0;
		for (int j = 0; j < V; j++)
			sum += (double)expf(x[j] - mx);
		total += log(sum) - (double)(x[labels[p]] - mx);
		if (grad) {
			float inv = (float)(1.0 / sum), scale = 1.0f / (float)P;
			for (int j = 0; j < V; j++)
				x[j] = expf(x[j] - mx) * inv * scale;
			x[labels[p]] -= scale;
		}
	}
	return total;
}

yj_status pretrain_step(yj_bert *m, yj_adamw *opt, const int32_t *ids, const int32_t *mask, int B,
			int T, const int32_t *pos, const int32_t *labels, int P, float lr, float clip,
			float *loss, yj_error *err)
{
	yj_status st = bert_forward(m, ids, NULL, mask, B, T, 1, err);
	if (!st)
		st = bert_mlm_forward(m, pos, P, err);
	if (st)
		return st;
	long correct = 0;
	*loss = (float)(mlm_xent(m->mlm_logits, labels, P, m->cfg.vocab_size, 1, &correct) / P);
	params_zero_grad(&m->ps);
	memset(m->d_last, 0, (size_t)B * T * m->cfg.hidden * sizeof(float));
	bert_mlm_backward(m, m->mlm_logits, m->d_last);
	bert_backward(m, m->d_last, NULL);
	if (clip > 0)
		clip_grad_norm(&m->ps, clip);
	adamw_step(opt, &m->ps, lr);
	return YJ_OK;
}

/* Held-out MLM loss (mean over predicted positions) and accuracy, in
 * evaluation mode with the fixed mask. */
static yj_status evaluate(pretrainer *t, double *loss, double *acc, yj_error *err)
{
	double sum = 0.0;
	long correct = 0, npos = 0;
	*loss = *acc = NAN;
	for (size_t i = 0; i < t->nhold; i += (size_t)t->o.batch) {
		int B = (int)(t->nhold - i < (size_t)t->o.batch ? t->nhold - i : (size_t)t->o.batch), T;
		int P = make_batch(t, t->hold + i, B, -1, &T);
		yj_status st = bert_forward(&t->m, t->bids, NULL, t->bmask, B, T, 0, err);
		if (!st)
			st = bert_mlm_forward(&t->m, t->bpos, P, err);
		if (st)
			return st;
		sum += mlm_xent(t->m.mlm_logits, t->blab, P, t->m.cfg.vocab_size, 0, &correct);
		npos += P;
	}
	if (npos) {
		*loss = sum / (double)npos;
		*acc = (double)correct / (double)npos;
	}
	return YJ_OK;
}

/* ------------------------------------------------------------- checkpoints */

static yj_status save_checkpoint(pretrainer *t, int epoch, int step_in_epoch, long long gstep,
				 double loss_sum, long loss_n, yj_error *err)
{
	size_t total = t->m.ps.total;
	float *blob = malloc(3 * total * sizeof *blob);
	if (!blob)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	memcpy(blob, t->m.ps.data, total * sizeof *blob);
	memcpy(blob + total, t->m.ps.m, total * sizeof *blob);
	memcpy(blob + 2 * total, t->m.ps.v2, total * sizeof *blob);
	/* The dropout stream, so a resumed run draws what it would have. */
	char rs[4][24];
	for (int i = 0; i < 4; i++)
		snprintf(rs[i], sizeof rs[i], "%016llx", (unsigned long long)t->m.rng.s[i]);
	json_t *state = json_pack("{s:i, s:i, s:I, s:I, s:f, s:I, s:[s,s,s,s]}", "epoch", epoch, "step_in_epoch",
				  step_in_epoch, "global_step", (json_int_t)gstep, "adam_t", (json_int_t)t->opt.t,
				  "loss_sum", loss_sum, "loss_n", (json_int_t)loss_n, "dropout_rng", rs[0], rs[1],
				  rs[2], rs[3]);
	char *s = state ? json_dumps(state, JSON_COMPACT | JSON_REAL_PRECISION(17)) : NULL;
	json_decref(state);
	int rc = s ? store_exec(t->db, "UPDATE runs SET checkpoint = ?, ckpt_state = ? WHERE id = ?", "bti", blob,
			       3 * total * sizeof *blob, s, t->run)
		   : SQLITE_NOMEM;
	free(blob);
	free(s);
	return rc == SQLITE_OK ? YJ_OK : db_err(t, rc, _("saving a checkpoint"), err);
}

static yj_status load_checkpoint(pretrainer *t, int *epoch, int *step_in_epoch, long long *gstep,
				 double *loss_sum, long *loss_n, yj_error *err)
{
	sqlite3_stmt *st = NULL;
	yj_status ret = YJ_OK;
	int rc = sqlite3_prepare_v2(t->db, "SELECT checkpoint, ckpt_state FROM runs WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, t->run);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		return db_err(t, rc, _("reading a checkpoint"), err);
	}
	size_t total = t->m.ps.total, bytes = (size_t)sqlite3_column_bytes(st, 0);
	const float *blob = sqlite3_column_blob(st, 0);
	const char *stext = (const char *)sqlite3_column_text(st, 1);
	json_t *state = stext ? json_loads(stext, 0, NULL) : NULL;
	json_t *rs = json_object_get(state, "dropout_rng");
	if (!blob || bytes != 3 * total * sizeof(float) || !state || json_array_size(rs) != 4) {
		error_set(err, YJ_EDATA, _("run %lld has no usable checkpoint"), t->run);
		ret = YJ_EDATA;
	} else {
		memcpy(t->m.ps.data, blob, total * sizeof(float));
		memcpy(t->m.ps.m, blob + total, total * sizeof(float));
		memcpy(t->m.ps.v2, blob + 2 * total, total * sizeof(float));
		*epoch = (int)json_integer_value(json_object_get(state, "epoch"));
		*step_in_epoch = (int)json_integer_value(json_object_get(state, "step_in_epoch"));
		*gstep = json_integer_value(json_object_get(state, "global_step"));
		t->opt.t = json_integer_value(json_object_get(state, "adam_t"));
		*loss_sum = json_number_value(json_object_get(state, "loss_sum"));
		*loss_n = (long)json_integer_value(json_object_get(state, "loss_n"));
		for (int i = 0; i < 4; i++) {
			const char *h = json_string_value(json_array_get(rs, (size_t)i));
			t->m.rng.s[i] = h ? strtoull(h, NULL, 16) : 0;
		}
	}
	json_decref(state);
	sqlite3_finalize(st);
	return ret;
}

/* ---------------------------------------------------------- the encoders */

static yj_status read_file(const char *path, unsigned char **buf, size_t *len, yj_error *err)
{
	FILE *f = fopen(path, "rb");
	*buf = NULL;
	*len = 0;
	if (!f) {
		error_set(err, YJ_EIO, _("cannot open %s: %s"), path, strerror(errno));
		error_at(err, path, -1, -1, NULL);
		return YJ_EIO;
	}
	size_t cap = 1 << 16, n = 0, k;
	unsigned char *b = malloc(cap + 1);
	while (b && (k = fread(b + n, 1, cap - n, f)) > 0) {
		n += k;
		if (n == cap) {
			unsigned char *nb = realloc(b, 2 * cap + 1);
			if (!nb) {
				free(b);
				b = NULL;
				break;
			}
			b = nb;
			cap *= 2;
		}
	}
	int bad = ferror(f);
	fclose(f);
	if (!b || bad) {
		free(b);
		return bad ? error_set(err, YJ_EIO, _("cannot read %s"), path)
			   : error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	b[n] = 0;
	*buf = b;
	*len = n;
	return YJ_OK;
}

/* Store the trained model as the active encoder and mark the run done, in
 * one transaction. */
static yj_status store_encoder(pretrainer *t, long long *enc_id, yj_error *err)
{
	char *cfg = NULL;
	unsigned char *vocab = NULL, *w = NULL;
	size_t vlen = 0, wlen = 0;
	yj_status st = YJ_OK;
	if (!(cfg = bert_config_json(&t->m)))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (!st)
		st = read_file(t->vocab_path, &vocab, &vlen, err);
	if (st)
		goto out;
	if (safetensors_write(&t->m.ps, "{\"format\":\"pt\"}", &w, &wlen)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	int rc = sqlite3_exec(t->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = store_exec(t->db, "UPDATE encoders SET active = 0 WHERE active", "");
	if (rc == SQLITE_OK)
		rc = store_exec(t->db, "INSERT INTO encoders (run_id, config, vocab, weights, active) VALUES (?,?,?,?,1)",
			       "ittb", t->run, cfg, (const char *)vocab, w, wlen);
	if (rc == SQLITE_OK) {
		*enc_id = sqlite3_last_insert_rowid(t->db);
		rc = store_exec(t->db,
			       "UPDATE runs SET status = 'done', pid = NULL, checkpoint = NULL,"
			       " updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?",
			       "i", t->run);
	}
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
		st = db_err(t, rc, _("storing the encoder"), err);
	}
out:
	free(cfg);
	free(vocab);
	free(w);
	return st;
}

static yj_status write_atomic(const char *dir, const char *name, const void *data, size_t len, yj_error *err)
{
	char path[4200], tmp[4300];
	snprintf(path, sizeof path, "%s/%s", dir, name);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	FILE *f = fopen(tmp, "wb");
	if (!f) {
		error_set(err, YJ_EIO, _("cannot create %s: %s"), tmp, strerror(errno));
		error_at(err, tmp, -1, -1, NULL);
		return YJ_EIO;
	}
	int bad = len && fwrite(data, 1, len, f) != len;
	bad |= fclose(f) != 0;
	if (bad || rename(tmp, path) != 0) {
		int e = errno;
		unlink(tmp);
		error_set(err, e == ENOSPC ? YJ_EFULL : YJ_EIO, _("cannot write %s: %s"), path, strerror(e));
		error_at(err, path, -1, -1, NULL);
		return e == ENOSPC ? YJ_EFULL : YJ_EIO;
	}
	return YJ_OK;
}

yj_status pretrain_export(yj_project *p, long long id, const char *dir, long long *id_out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    id ? "SELECT id, config, vocab, weights FROM encoders WHERE id = ?"
				       : "SELECT id, config, vocab, weights FROM encoders WHERE active ORDER BY id DESC LIMIT 1",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		if (id)
			sqlite3_bind_int64(st, 1, id);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return store_sqlite_error(db, rc, _("reading the encoder"), err);
		if (id)
			error_set(err, YJ_ENOTFOUND, _("no encoder %lld"), id);
		else
			error_set(err, YJ_ENOTFOUND, _("the project has no text encoder yet"));
		error_hint(err, _("pretrain one with 'yujing pretrain PROJECT'"));
		return YJ_ENOTFOUND;
	}
	yj_status ret = YJ_OK;
	if (id_out)
		*id_out = sqlite3_column_int64(st, 0);
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		error_set(err, YJ_EIO, _("cannot create directory %s: %s"), dir, strerror(errno));
		error_at(err, dir, -1, -1, NULL);
		ret = YJ_EIO;
	}
	for (int c = 1; c <= 3 && !ret; c++) {
		static const char *const names[] = {NULL, "config.json", "vocab.txt", "model.safetensors"};
		const void *data = sqlite3_column_blob(st, c);
		size_t len = (size_t)sqlite3_column_bytes(st, c);
		ret = write_atomic(dir, names[c], data, len, err);
	}
	sqlite3_finalize(st);
	return ret;
}

/* --------------------------------------------------------------- the run */

static json_t *config_json(const pretrainer *t)
{
	const yj_pretrain_opts *o = &t->o;
	const yj_bert_cfg *c = &t->m.cfg;
	json_t *j = json_pack("{s:s, s:s, s:s*, s:s, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:i, s:f, s:f, s:f, s:f, "
			      "s:f, s:I, s:i, s:I, s:I, s:O}",
			      "branches", "pretrain", "config", o->config ? o->config : "tiny", "from", o->from,
			      "vocab", t->vocab_path, "vocab_size", c->vocab_size, "layers", c->layers, "hidden",
			      c->hidden, "heads", c->heads, "intermediate", c->intermediate, "epochs", o->epochs,
			      "max_len", o->max_len, "batch", o->batch, "mask", (double)o->mask, "lr", (double)o->lr,
			      "weight_decay", (double)o->weight_decay, "warmup", (double)o->warmup, "clip",
			      (double)o->clip, "seed", (json_int_t)o->seed, "threads", nn_threads(), "texts",
			      (json_int_t)t->ntext, "held_out", (json_int_t)t->nhold, "fields", t->fields);
	return j;
}

static yj_status create_run(pretrainer *t, yj_error *err)
{
	json_t *cfg = config_json(t);
	char *c = cfg ? json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9)) : NULL;
	json_decref(cfg);
	int rc = c ? store_exec(t->db,
			       "INSERT INTO runs (status, config, labels, features, pid) VALUES ('running', ?, '[]', '[]', ?)",
			       "ti", c, (long long)getpid())
		   : SQLITE_NOMEM;
	free(c);
	if (rc != SQLITE_OK)
		return db_err(t, rc, _("creating the run"), err);
	t->run = sqlite3_last_insert_rowid(t->db);
	return YJ_OK;
}

static char *dup_str(pretrainer *t, int slot, json_t *cfg, const char *key)
{
	const char *s = json_string_value(json_object_get(cfg, key));
	free(t->own[slot]);
	t->own[slot] = s ? strdup(s) : NULL;
	return t->own[slot];
}

/* Options of a run being resumed, from its stored configuration. */
static yj_status resume_opts(pretrainer *t, yj_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(t->db, "SELECT config, status FROM runs WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, t->run);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc == SQLITE_DONE) {
			error_set(err, YJ_ENOTFOUND, _("no run %lld"), t->run);
			error_hint(err, _("'yujing runs PROJECT' lists the runs"));
			return YJ_ENOTFOUND;
		}
		return db_err(t, rc, _("reading the run"), err);
	}
	json_t *cfg = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
	const char *status = (const char *)sqlite3_column_text(st, 1);
	int done = !strcmp(status, "done");
	sqlite3_finalize(st);
	yj_status ret = YJ_OK;
	const char *branches = json_string_value(json_object_get(cfg, "branches"));
	if (!cfg || !branches || strcmp(branches, "pretrain")) {
		ret = error_set(err, YJ_EUSAGE, _("run %lld is not a pretraining run"), t->run);
		error_hint(err, _("resume it with 'yujing train PROJECT --resume %lld'"), t->run);
	} else if (done) {
		ret = error_set(err, YJ_EUSAGE, _("run %lld has already finished"), t->run);
	}
	if (ret) {
		json_decref(cfg);
		return ret;
	}
	yj_pretrain_opts *o = &t->o;
	o->config = dup_str(t, 0, cfg, "config");
	o->from = dup_str(t, 1, cfg, "from");
	o->vocab = dup_str(t, 2, cfg, "vocab");
	o->epochs = (int)json_integer_value(json_object_get(cfg, "epochs"));
	o->max_len = (int)json_integer_value(json_object_get(cfg, "max_len"));
	o->batch = (int)json_integer_value(json_object_get(cfg, "batch"));
	o->mask = (float)json_number_value(json_object_get(cfg, "mask"));
	o->lr = (float)json_number_value(json_object_get(cfg, "lr"));
	o->weight_decay = (float)json_number_value(json_object_get(cfg, "weight_decay"));
	o->warmup = (float)json_number_value(json_object_get(cfg, "warmup"));
	o->clip = (float)json_number_value(json_object_get(cfg, "clip"));
	o->seed = (uint64_t)json_integer_value(json_object_get(cfg, "seed"));
	if (!o->threads) /* the same threads give the same numbers */
		o->threads = (int)json_integer_value(json_object_get(cfg, "threads"));
	json_decref(cfg);
	return YJ_OK;
}

static void pretrainer_free(pretrainer *t)
{
	if (t->have_vocab)
		vocab_free(&t->vocab);
	if (t->have_model)
		bert_free(&t->m);
	free(t->vocab_path);
	free(t->ids);
	free(t->off);
	free(t->len);
	json_decref(t->fields);
	free(t->train);
	free(t->hold);
	free(t->bids);
	free(t->bmask);
	free(t->bpos);
	free(t->blab);
	free(t->tpos);
	free(t->tlab);
	free(t->pending);
	for (int i = 0; i < 4; i++)
		free(t->own[i]);
}

/* The model: from a directory (its vocabulary) or initialised. */
static yj_status make_model(pretrainer *t, yj_error *err)
{
	yj_pretrain_opts *o = &t->o;
	char vp[4200];
	const char *vocab = o->vocab;
	if (o->from) {
		snprintf(vp, sizeof vp, "%s/vocab.txt", o->from);
		vocab = vp;
	}
	if (!vocab)
		return error_set(err, YJ_EUSAGE, _("no vocabulary given"));
	yj_status st = vocab_load(vocab, &t->vocab, err);
	if (st)
		return st;
	t->have_vocab = 1;
	t->vocab_path = realpath(vocab, NULL);
	if (!t->vocab_path)
		return error_set(err, YJ_EIO, _("cannot resolve %s: %s"), vocab, strerror(errno));
	if (t->vocab.cls < 0 || t->vocab.sep < 0 || t->vocab.pad < 0 || t->vocab.mask < 0) {
		error_set(err, YJ_EDATA, _("%s lacks one of [CLS], [SEP], [PAD], [MASK]"), vocab);
		error_at(err, vocab, -1, -1, NULL);
		return YJ_EDATA;
	}
	if (o->from) {
		if ((st = bert_load_dir(&t->m, o->from, o->seed, err)))
			return st;
	} else {
		yj_bert_cfg cfg;
		if ((st = pretrain_config(o->config, (int)t->vocab.n, &cfg, err)))
			return st;
		if ((st = bert_init(&t->m, &cfg, o->seed, err)))
			return st;
	}
	t->have_model = 1;
	if (t->vocab.n > (size_t)t->m.cfg.vocab_size) {
		error_set(err, YJ_EDATA, _("%s has %zu tokens, more than the model's vocab_size %d"), vocab,
			  t->vocab.n, t->m.cfg.vocab_size);
		error_at(err, vocab, -1, -1, NULL);
		return YJ_EDATA;
	}
	if (o->max_len > t->m.cfg.max_pos)
		o->max_len = t->m.cfg.max_pos;
	t->sp = (yj_mask_ids){.cls = t->vocab.cls, .sep = t->vocab.sep, .pad = t->vocab.pad,
			      .mask = t->vocab.mask, .vocab_size = (int32_t)t->vocab.n};
	return YJ_OK;
}

static int push_step(pretrainer *t, yj_step_rec r)
{
	if (t->npending == t->pending_cap) {
		size_t cap = t->pending_cap ? t->pending_cap * 2 : 256;
		yj_step_rec *v = realloc(t->pending, cap * sizeof *v);
		if (!v)
			return -1;
		t->pending = v;
		t->pending_cap = cap;
	}
	t->pending[t->npending++] = r;
	return 0;
}

yj_status pretrain_run(yj_project *p, const yj_pretrain_opts *opts, long long *run_id, long long *encoder_id,
		       yj_error *err)
{
	pretrainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.db = project_db(p);
	t.o = *opts;
	*run_id = 0;
	if (encoder_id)
		*encoder_id = 0;
	yj_status st = YJ_OK;
	size_t *order = NULL;
	if (opts->resume) {
		t.run = opts->resume;
		if ((st = resume_opts(&t, err)))
			goto out;
	}
	yj_pretrain_opts *o = &t.o;
	if (!(o->lr > 0))
		o->lr = o->from ? 1e-4f : 5e-4f;
	if (o->epochs < 1 || o->batch < 1 || o->max_len < 3 || !(o->mask > 0 && o->mask < 1) ||
	    !(o->weight_decay >= 0) || !(o->warmup >= 0 && o->warmup < 1)) {
		st = error_set(err, YJ_EUSAGE, _("invalid pretraining options (epochs >= 1, batch >= 1, max-len >= 3, "
						  "0 < mask < 1, lr > 0)"));
		goto out;
	}
	nn_set_threads(o->threads);
	if ((st = make_model(&t, err)) || (st = load_corpus(&t, err)))
		goto out;
	if (split_corpus(&t))
		goto nomem;
	if (t.ntrain == 0) {
		st = error_set(err, YJ_EDATA, _("pretraining needs at least 2 texts; the project has %zu"), t.ntext);
		goto out;
	}
	{
		int B = o->batch, T = o->max_len;
		t.kmax = (int)floor((double)o->mask * (T - 2) + 0.5);
		if (t.kmax < 1)
			t.kmax = 1;
		size_t BT = (size_t)B * (size_t)T;
		t.bids = malloc(BT * sizeof *t.bids);
		t.bmask = malloc(BT * sizeof *t.bmask);
		t.bpos = malloc((size_t)B * t.kmax * sizeof *t.bpos);
		t.blab = malloc((size_t)B * t.kmax * sizeof *t.blab);
		t.tpos = malloc((size_t)T * sizeof *t.tpos);
		t.tlab = malloc((size_t)T * sizeof *t.tlab);
		if (!t.bids || !t.bmask || !t.bpos || !t.blab || !t.tpos || !t.tlab || bert_reserve(&t.m, B, T) ||
		    bert_mlm_reserve(&t.m, B * t.kmax))
			goto nomem;
	}
	bert_seed(&t.m, o->seed);
	adamw_init(&t.opt);
	t.opt.weight_decay = o->weight_decay;

	int epoch0 = 0, step0 = 0;
	long long gstep = 0;
	double loss_sum0 = 0;
	long loss_n0 = 0;
	if (opts->resume) {
		if ((st = load_checkpoint(&t, &epoch0, &step0, &gstep, &loss_sum0, &loss_n0, err)))
			goto out;
		int rc = store_exec(t.db, "UPDATE runs SET status = 'running', cancel = 0, pid = ? WHERE id = ?", "ii",
				   (long long)getpid(), t.run);
		if (rc != SQLITE_OK) {
			st = db_err(&t, rc, _("resuming the run"), err);
			goto out;
		}
	} else if ((st = create_run(&t, err))) {
		goto out;
	}
	*run_id = t.run;
	size_t nbatch = (t.ntrain + (size_t)o->batch - 1) / (size_t)o->batch;
	long long total = (long long)nbatch * o->epochs;
	long long warm = (long long)(o->warmup * (float)total);
	store_exec(t.db, "UPDATE runs SET total_steps = ? WHERE id = ?", "ii", total, t.run);
	if (!(order = malloc(nbatch * sizeof *order)))
		goto nomem;

	progress_start(o->progress);
	t.last_flush = progress_now();
	for (int epoch = epoch0; epoch < o->epochs && !t.cancelled; epoch++) {
		double t0 = progress_now(), loss_sum = epoch == epoch0 ? loss_sum0 : 0;
		long loss_n = epoch == epoch0 ? loss_n0 : 0;
		/* this epoch's batch order: its own seeded stream */
		yj_rng rng;
		rng_seed(&rng, o->seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(epoch + 1)));
		for (size_t i = 0; i < nbatch; i++)
			order[i] = i;
		for (size_t i = nbatch - 1; nbatch > 1 && i > 0; i--) {
			size_t j = (size_t)rng_below(&rng, i + 1), tmp = order[i];
			order[i] = order[j];
			order[j] = tmp;
		}
		size_t s0 = epoch == epoch0 ? (size_t)step0 : 0;
		for (size_t s = s0; s < nbatch; s++) {
			size_t first = order[s] * (size_t)o->batch;
			int B = (int)(t.ntrain - first < (size_t)o->batch ? t.ntrain - first : (size_t)o->batch), T;
			int P = make_batch(&t, t.train + first, B, epoch, &T);
			float lr = lr_schedule(gstep, warm, total, o->lr), loss;
			if ((st = pretrain_step(&t.m, &t.opt, t.bids, t.bmask, B, T, t.bpos, t.blab, P, lr, o->clip,
						&loss, err)))
				break;
			loss_sum += loss;
			loss_n++;
			if (push_step(&t, (yj_step_rec){gstep, epoch, loss, lr})) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				break;
			}
			gstep++;
			progress_tick(o->progress, "pretrain", "steps", gstep, total, -1, 0);
			if (progress_now() - t.last_flush > 0.5 && (st = flush_steps(&t, err)))
				break;
			if (progress_cancelled(o->progress))
				t.cancelled = 1;
			if (t.cancelled) {
				/* stop after this step, resumable from the next */
				if (!(st = flush_steps(&t, err)))
					st = save_checkpoint(&t, epoch, (int)s + 1, gstep, loss_sum, loss_n, err);
				break;
			}
		}
		if (st || t.cancelled)
			break;
		double test_loss, acc;
		if ((st = evaluate(&t, &test_loss, &acc, err)))
			break;
		double train_loss = loss_n ? loss_sum / (double)loss_n : NAN;
		double secs = progress_now() - t0;
		if ((st = flush_steps(&t, err)))
			break;
		char metrics[256];
		snprintf(metrics, sizeof metrics,
			 isnan(test_loss) ? "{\"task\":\"mlm\",\"train_loss\":%.9g}"
					  : "{\"task\":\"mlm\",\"train_loss\":%.9g,\"test_loss\":%.9g,\"accuracy\":%.9g}",
			 train_loss, test_loss, acc);
		int rc = store_exec(t.db,
				   "INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, test_loss, accuracy,"
				   " macro_f1, seconds) VALUES (?,?,?,?,?,NULL,?)",
				   "iidddd", t.run, (long long)epoch, train_loss, test_loss, acc, secs);
		if (rc == SQLITE_OK)
			rc = store_exec(t.db, "UPDATE runs SET epochs_done = ?, best_epoch = ?, metrics = ? WHERE id = ?",
				       "iiti", (long long)epoch + 1, (long long)epoch, metrics, t.run);
		if (rc != SQLITE_OK) {
			st = db_err(&t, rc, _("recording an epoch"), err);
			break;
		}
		if (epoch + 1 < o->epochs && (st = save_checkpoint(&t, epoch + 1, 0, gstep, 0, 0, err)))
			break;
		if (o->on_epoch)
			o->on_epoch(o->ctx, epoch, train_loss, test_loss, acc);
	}
	progress_tick(o->progress, "pretrain", "steps", gstep, total, -1, 1);
	if (!st && !t.cancelled) {
		long long enc = 0;
		st = store_encoder(&t, &enc, err);
		if (encoder_id)
			*encoder_id = enc;
	}
	if (st || t.cancelled)
		store_exec(t.db,
			  "UPDATE runs SET status = ?, pid = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now')"
			  " WHERE id = ?",
			  "ti", st ? "failed" : "cancelled", t.run);
	if (!st && t.cancelled)
		st = error_set(err, YJ_EINTR, _("pretraining stopped; resume with: yujing pretrain PROJECT --resume %lld"),
			       t.run);
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (t.run)
		store_exec(t.db, "UPDATE runs SET status = 'failed', pid = NULL WHERE id = ?", "i", t.run);
out:
	free(order);
	pretrainer_free(&t);
	return st;
}
