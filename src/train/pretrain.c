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
#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/safetensors.h"
#include "yujing/store/encoders.h"
#include "yujing/store/runs.h"
#include "yujing/store/sources.h"
#include "yujing/text/tokenizer.h"
#include "yujing/train/pretrain.h"
#include "yujing/train/run.h"

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

/* Tokens predicted of nc candidates: round(prob * nc), at least 1, at most nc. */
static int mask_budget(float prob, int nc)
{
	int k = (int)floor((double)prob * nc + 0.5);
	return k < 1 ? 1 : k > nc ? nc : k;
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
	int k = mask_budget(prob, nc);
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

int pretrain_span_mask(const int32_t *ids, int n, float prob, const yj_mask_ids *sp, yj_rng *rng,
		       int32_t *ids_out, int32_t *pos, int32_t *labels)
{
	/* labels serves as each position's state until the end: 0 not a
	 * candidate, 1 a candidate not chosen, 2 chosen */
	enum { NOT = 0, FREE = 1, CHOSEN = 2 };
	int nc = 0;
	for (int i = 0; i < n; i++) {
		ids_out[i] = ids[i];
		labels[i] = is_special(ids[i], sp) ? NOT : FREE;
		nc += labels[i] == FREE;
	}
	if (nc == 0)
		return 0;
	int k = mask_budget(prob, nc), chosen = 0;
	const double log_q = log(1.0 - PRETRAIN_SPAN_P);
	while (chosen < k) {
		int len = 1 + (int)floor(log(1.0 - rng_uniform(rng)) / log_q);
		if (len > PRETRAIN_SPAN_MAX)
			len = PRETRAIN_SPAN_MAX;
		if (len > k - chosen)
			len = k - chosen;
		/* the start: the j-th candidate not chosen, in position order */
		int j = (int)rng_below(rng, (uint64_t)(nc - chosen)), start = 0;
		for (;; start++)
			if (labels[start] == FREE && j-- == 0)
				break;
		int end = start;
		while (end < n && end - start < len && labels[end] == FREE)
			labels[end++] = CHOSEN;
		chosen += end - start;
		double u = rng_uniform(rng);
		for (int i = start; i < end; i++)
			if (u < 0.8)
				ids_out[i] = sp->mask;
			else if (u >= 0.9)
				ids_out[i] = (int32_t)rng_below(rng, (uint64_t)sp->vocab_size);
	}
	int c = 0;
	for (int i = 0; i < n; i++)
		if (labels[i] == CHOSEN) { /* c <= i: the states still to read are ahead */
			pos[c] = i;
			labels[c++] = ids[i];
		}
	return c;
}

/* --------------------------------------------------------------- the state */

typedef struct {
	yj_project *p;
	yj_pretrain_opts o; /* effective options (from the run when resuming) */
	char *own[4];       /* strings of o owned when resuming */
	yj_run r;           /* the run's lifecycle (run.h) */
	int started;        /* the run is created or claimed: its end is recorded */
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
	FILE *corpus_out;   /* pretrain_export_corpus: each text goes here */
	const char *corpus_path;
	yj_bert m;
	int have_model;
	yj_adamw opt;
	int kmax;           /* predicted positions per text at most */
	int32_t *bids, *bmask, *bpos, *blab, *tpos, *tlab; /* batch buffers */
	size_t nbatch;      /* batches per epoch */
	size_t *order;      /* (nbatch) this epoch's batch order */
	long long total, warm; /* steps in all, warming up */
} pretrainer;

/* Where the loop stands; a checkpoint holds it. */
typedef struct {
	int epoch, step_in_epoch; /* the next step to take */
	long long gstep;          /* optimiser steps taken */
	double loss_sum;          /* the MLM losses of a partly done epoch */
	long loss_n;
} pretrain_pos;

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

/* One line of the exported corpus: {"text": ..., "ids": [...]}. */
static yj_status corpus_line(pretrainer *t, const char *text, size_t len, const int32_t *ids, size_t n,
			     yj_error *err)
{
	json_t *a = json_array(), *o = NULL;
	for (size_t i = 0; a && i < n; i++)
		if (json_array_append_new(a, json_integer(ids[i])))
			break;
	if (a && json_array_size(a) == n)
		o = json_pack("{s:s%, s:O}", "text", text, len, "ids", a);
	json_decref(a);
	char *line = o ? json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
	json_decref(o);
	if (!line)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	int bad = fputs(line, t->corpus_out) < 0 || fputc('\n', t->corpus_out) < 0;
	free(line);
	if (bad) {
		error_set(err, YJ_EIO, _("cannot write %s: %s"), t->corpus_path, strerror(errno));
		error_at(err, t->corpus_path, -1, -1, NULL);
		return YJ_EIO;
	}
	t->ntext++;
	return YJ_OK;
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
				    (n > 2 && !t->corpus_out && add_text(t, ids, n))) {
					free(ids);
					st = error_set(err, YJ_ENOMEM, _("out of memory"));
					break;
				}
				if (n > 2 && t->corpus_out)
					st = corpus_line(t, col->value[d], col->len[d], ids, n, err);
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
		/* the held-out mask (epoch -1) is a token mask whatever the run trains with */
		int (*mask)(const int32_t *, int, float, const yj_mask_ids *, yj_rng *, int32_t *, int32_t *,
			    int32_t *) = epoch >= 0 && t->o.masking == PRETRAIN_MASK_SPAN ? pretrain_span_mask
											 : pretrain_mask;
		int k = mask(t->ids + t->off[i], n, t->o.mask, &t->sp, &r, row, t->tpos, t->tlab);
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
	/* nn's row-parallel, vectorised cross-entropy (the serial loop with
	 * glibc's expf was a fifth of a tiny encoder's step) */
	return xent_rows(logits, labels, P, V, 1.0f / (float)P, grad, correct);
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
		t->m.no_grad = 1; /* no backward follows: keep only what the MLM head reads */
		yj_status st = bert_forward(&t->m, t->bids, NULL, t->bmask, B, T, 0, err);
		t->m.no_grad = 0;
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

static yj_status save_checkpoint(pretrainer *t, const pretrain_pos *at, yj_error *err)
{
	/* The dropout stream, so a resumed run draws what it would have. */
	char rs[4][24];
	for (int i = 0; i < 4; i++)
		snprintf(rs[i], sizeof rs[i], "%016llx", (unsigned long long)t->m.rng.s[i]);
	json_t *state = json_pack("{s:i, s:i, s:I, s:I, s:f, s:I, s:[s,s,s,s]}", "epoch", at->epoch, "step_in_epoch",
				  at->step_in_epoch, "global_step", (json_int_t)at->gstep, "adam_t",
				  (json_int_t)t->opt.t, "loss_sum", at->loss_sum, "loss_n", (json_int_t)at->loss_n,
				  "dropout_rng", rs[0], rs[1], rs[2], rs[3]);
	yj_status st = state ? run_save_checkpoint(&t->r, &t->m.ps, state, err)
			     : error_set(err, YJ_ENOMEM, _("out of memory"));
	json_decref(state);
	return st;
}

/* Where a resumed run starts: its checkpoint, or the beginning when it
 * stopped before its first one. */
static yj_status load_checkpoint(pretrainer *t, pretrain_pos *at, yj_error *err)
{
	json_t *state = NULL;
	*at = (pretrain_pos){0};
	yj_status st = run_load_checkpoint(&t->r, &t->m.ps, &state, err);
	if (st || !state)
		return st;
	json_t *rs = json_object_get(state, "dropout_rng");
	if (json_array_size(rs) != 4) {
		json_decref(state);
		return error_set(err, YJ_EDATA, _("run %lld has no usable checkpoint"), t->r.id);
	}
	at->epoch = (int)json_integer_value(json_object_get(state, "epoch"));
	at->step_in_epoch = (int)json_integer_value(json_object_get(state, "step_in_epoch"));
	at->gstep = json_integer_value(json_object_get(state, "global_step"));
	t->opt.t = json_integer_value(json_object_get(state, "adam_t"));
	at->loss_sum = json_number_value(json_object_get(state, "loss_sum"));
	at->loss_n = (long)json_integer_value(json_object_get(state, "loss_n"));
	for (int i = 0; i < 4; i++) {
		const char *h = json_string_value(json_array_get(rs, (size_t)i));
		t->m.rng.s[i] = h ? strtoull(h, NULL, 16) : 0;
	}
	json_decref(state);
	return YJ_OK;
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
	if (!(st = project_begin(t->p, err)) &&
	    !(st = encoders_add_active(t->p, t->r.id, cfg, (const char *)vocab, w, wlen, enc_id, err)) &&
	    !(st = runs_finish(t->p, t->r.id, RUN_DONE, 1, err)))
		st = project_commit(t->p, err);
	if (st)
		project_rollback(t->p);
	else
		t->r.finished = 1;
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
	yj_encoder_row e;
	yj_status ret = encoders_get(p, id, &e, err);
	if (ret == YJ_ENOTFOUND) {
		if (id)
			error_set(err, YJ_ENOTFOUND, _("no encoder %lld"), id);
		else
			error_set(err, YJ_ENOTFOUND, _("the project has no text encoder yet"));
		error_hint(err, _("pretrain one with 'yujing pretrain PROJECT'"));
	}
	if (ret)
		return ret;
	if (id_out)
		*id_out = e.id;
	if (mkdir(dir, 0777) != 0 && errno != EEXIST) {
		error_set(err, YJ_EIO, _("cannot create directory %s: %s"), dir, strerror(errno));
		error_at(err, dir, -1, -1, NULL);
		ret = YJ_EIO;
	}
	if (!ret)
		ret = write_atomic(dir, "config.json", e.config, e.nconfig, err);
	if (!ret)
		ret = write_atomic(dir, "vocab.txt", e.vocab, e.nvocab, err);
	if (!ret)
		ret = write_atomic(dir, "model.safetensors", e.weights, e.nweights, err);
	encoders_row_free(&e);
	return ret;
}

/* --------------------------------------------------------------- the run */

/* The run's configuration as stored (settings.h: pretrain_config_dump). */
static char *config_text(const pretrainer *t)
{
	const yj_bert_cfg *m = &t->m.cfg;
	yj_pretrain_config c = {.o = t->o,
				.vocab_size = m->vocab_size,
				.layers = m->layers,
				.hidden = m->hidden,
				.heads = m->heads,
				.intermediate = m->intermediate,
				.threads = nn_threads(),
				.texts = (long long)t->ntext,
				.held_out = (long long)t->nhold,
				.fields = t->fields,
				.precision = (int)nn_precision_effective((nn_precision)t->m.precision)};
	c.o.vocab = t->vocab_path;
	/* from a directory: its shape, as --config would ask for it (the
	 * default name would say what was not built) */
	char shape[64];
	if (t->o.from) {
		snprintf(shape, sizeof shape, "%d,%d,%d,%d", m->layers, m->hidden, m->heads, m->intermediate);
		c.o.config = shape;
	}
	return pretrain_config_dump(&c);
}

static yj_status create_run(pretrainer *t, yj_error *err)
{
	char *c = config_text(t);
	if (!c)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = run_create(&t->r, 0, c, "[]", "[]", err);
	free(c);
	return st;
}

/* Options of a run being resumed, from its stored configuration (read by
 * its one reader, settings.h): the run's settings; the caller's threads
 * when given (the run's by default: the same threads give the same
 * numbers), its progress and callbacks. */
static yj_status opts_from_config(pretrainer *t, json_t *cfg, yj_error *err)
{
	yj_pretrain_config c;
	yj_status st = pretrain_config_read(cfg, t->o.resume, &c, err);
	if (st)
		return st;
	yj_pretrain_opts *o = &t->o, keep = t->o;
	*o = c.o;
	o->threads = keep.threads ? keep.threads : c.threads;
	o->resume = keep.resume;
	o->progress = keep.progress;
	o->on_epoch = keep.on_epoch;
	o->ctx = keep.ctx;
	const char *const str[3] = {c.o.config, c.o.from, c.o.vocab};
	for (int i = 0; i < 3; i++) {
		free(t->own[i]);
		t->own[i] = str[i] ? strdup(str[i]) : NULL;
	}
	o->config = t->own[0];
	o->from = t->own[1];
	o->vocab = t->own[2];
	pretrain_config_free(&c);
	return YJ_OK;
}

/* Resuming: the run's guards (run.h), then its options. */
static yj_status resume_opts(pretrainer *t, yj_error *err)
{
	json_t *cfg = NULL;
	long long split = 0;
	yj_status st = run_check_resume(&t->r, t->o.resume, &cfg, &split, err);
	if (!st)
		st = opts_from_config(t, cfg, err);
	json_decref(cfg);
	return st;
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
	free(t->order);
	run_free(&t->r);
	for (int i = 0; i < 4; i++)
		free(t->own[i]);
}

/* The vocabulary of the run: vocab, resolved. */
static yj_status load_vocab(pretrainer *t, const char *vocab, yj_error *err)
{
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
	return YJ_OK;
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
	yj_status st = load_vocab(t, vocab, err);
	if (st)
		return st;
	if (o->from) {
		if ((st = bert_load_dir(&t->m, o->from, o->seed, err)))
			return st;
		t->have_model = 1;
		if ((st = vocab_check_encoder(&t->vocab, t->m.cfg.vocab_sha256, o->from, err)))
			return st;
	} else {
		yj_bert_cfg cfg;
		if ((st = pretrain_config(o->config, (int)t->vocab.n, &cfg, err)))
			return st;
		if ((st = bert_init(&t->m, &cfg, o->seed, err)))
			return st;
	}
	t->have_model = 1;
	/* the encoder stored names its vocabulary (store_encoder stores that file) */
	memcpy(t->m.cfg.vocab_sha256, t->vocab.sha256, sizeof t->vocab.sha256);
	t->m.precision = settings_precision(o->precision);
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

static yj_status check_opts(yj_pretrain_opts *o, yj_error *err)
{
	if (!(o->lr > 0))
		o->lr = o->from ? 1e-4f : 5e-4f;
	if (o->epochs < 1 || o->batch < 1 || o->max_len < 3 || !(o->mask > 0 && o->mask < 1) ||
	    !(o->weight_decay >= 0) || !(o->warmup >= 0 && o->warmup < 1))
		return error_set(err, YJ_EUSAGE, _("invalid pretraining options (epochs >= 1, batch >= 1, max-len >= 3, "
						    "0 < mask < 1, lr > 0)"));
	return YJ_OK;
}

/* The batch buffers: B texts of at most max_len ids, kmax predicted
 * positions each. */
static int reserve_batches(pretrainer *t)
{
	int B = t->o.batch, T = t->o.max_len;
	t->kmax = (int)floor((double)t->o.mask * (T - 2) + 0.5);
	if (t->kmax < 1)
		t->kmax = 1;
	size_t BT = (size_t)B * (size_t)T;
	t->bids = malloc(BT * sizeof *t->bids);
	t->bmask = malloc(BT * sizeof *t->bmask);
	t->bpos = malloc((size_t)B * t->kmax * sizeof *t->bpos);
	t->blab = malloc((size_t)B * t->kmax * sizeof *t->blab);
	t->tpos = malloc((size_t)T * sizeof *t->tpos);
	t->tlab = malloc((size_t)T * sizeof *t->tlab);
	return !t->bids || !t->bmask || !t->bpos || !t->blab || !t->tpos || !t->tlab || bert_reserve(&t->m, B, T) ||
	       bert_mlm_reserve(&t->m, B * t->kmax);
}

/* The model, the corpus and the buffers. */
static yj_status prepare(pretrainer *t, yj_error *err)
{
	yj_status st;
	if ((st = make_model(t, err)) || (st = load_corpus(t, err)))
		return st;
	if (split_corpus(t))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	if (t->ntrain == 0)
		return error_set(err, YJ_EDATA, _("pretraining needs at least 2 texts; the project has %zu"), t->ntext);
	if (reserve_batches(t))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	bert_seed(&t->m, t->o.seed);
	adamw_init(&t->opt);
	t->opt.weight_decay = t->o.weight_decay;
	return YJ_OK;
}

/* Create the run (or claim the resumed one, from its checkpoint) and lay
 * out the schedule. */
static yj_status start_run(pretrainer *t, pretrain_pos *at, yj_error *err)
{
	const yj_pretrain_opts *o = &t->o;
	yj_status st;
	*at = (pretrain_pos){0};
	if (o->resume) {
		if (!(st = load_checkpoint(t, at, err)))
			st = run_claim(&t->r, err);
	} else {
		st = create_run(t, err);
	}
	if (st)
		return st;
	t->started = 1;
	t->nbatch = (t->ntrain + (size_t)o->batch - 1) / (size_t)o->batch;
	t->total = (long long)t->nbatch * o->epochs;
	t->warm = (long long)(o->warmup * (float)t->total);
	if (!(t->order = malloc(t->nbatch * sizeof *t->order)))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	return run_set_total(&t->r, t->total, err);
}

/* The steps of one epoch from at->step_in_epoch, adding the MLM losses to
 * at->loss_sum/loss_n.  When asked to stop it stops after a step with a
 * checkpoint that resumes at the next. */
static yj_status epoch_steps(pretrainer *t, pretrain_pos *at, yj_error *err)
{
	const yj_pretrain_opts *o = &t->o;
	int epoch = at->epoch;
	size_t nbatch = t->nbatch;
	/* this epoch's batch order: its own seeded stream */
	yj_rng rng;
	rng_seed(&rng, o->seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(epoch + 1)));
	for (size_t i = 0; i < nbatch; i++)
		t->order[i] = i;
	for (size_t i = nbatch - 1; nbatch > 1 && i > 0; i--) {
		size_t j = (size_t)rng_below(&rng, i + 1), tmp = t->order[i];
		t->order[i] = t->order[j];
		t->order[j] = tmp;
	}
	yj_status st = YJ_OK;
	for (size_t s = (size_t)at->step_in_epoch; s < nbatch && !st; s++) {
		size_t first = t->order[s] * (size_t)o->batch;
		int B = (int)(t->ntrain - first < (size_t)o->batch ? t->ntrain - first : (size_t)o->batch), T;
		int P = make_batch(t, t->train + first, B, epoch, &T);
		float lr = lr_schedule(at->gstep, t->warm, t->total, o->lr), loss;
		if ((st = pretrain_step(&t->m, &t->opt, t->bids, t->bmask, B, T, t->bpos, t->blab, P, lr, o->clip, &loss,
					err)))
			break;
		at->loss_sum += loss;
		at->loss_n++;
		if ((st = run_step(&t->r, at->gstep, epoch, loss, lr, err)))
			break;
		at->gstep++;
		if (t->r.cancelled) {
			/* stop after this step, resumable from the next */
			pretrain_pos next = *at;
			next.step_in_epoch = (int)s + 1;
			if (!(st = run_flush(&t->r, err)))
				st = save_checkpoint(t, &next, err);
			break;
		}
	}
	return st;
}

/* The end of an epoch: the held-out figures, the epoch's record and (but
 * after the last) a checkpoint at the next epoch. */
static yj_status finish_epoch(pretrainer *t, pretrain_pos *at, double t0, yj_error *err)
{
	const yj_pretrain_opts *o = &t->o;
	int epoch = at->epoch;
	double test_loss, acc;
	yj_status st = evaluate(t, &test_loss, &acc, err);
	if (st)
		return st;
	double train_loss = at->loss_n ? at->loss_sum / (double)at->loss_n : NAN;
	char metrics[256];
	snprintf(metrics, sizeof metrics,
		 isnan(test_loss) ? "{\"task\":\"mlm\",\"train_loss\":%.9g}"
				  : "{\"task\":\"mlm\",\"train_loss\":%.9g,\"test_loss\":%.9g,\"accuracy\":%.9g}",
		 train_loss, test_loss, acc);
	yj_epoch_rec rec = {epoch, train_loss, test_loss, acc, NAN, progress_now() - t0};
	if ((st = run_log_epoch(&t->r, &rec, metrics, err)))
		return st;
	*at = (pretrain_pos){epoch + 1, 0, at->gstep, 0, 0};
	if (epoch + 1 < o->epochs && (st = save_checkpoint(t, at, err)))
		return st;
	if (o->on_epoch)
		o->on_epoch(o->ctx, epoch, train_loss, test_loss, acc);
	return YJ_OK;
}

yj_status pretrain_run(yj_project *p, const yj_pretrain_opts *opts, long long *run_id, long long *encoder_id,
		       yj_error *err)
{
	pretrainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.o = *opts;
	run_init(&t.r, p, 1, opts->progress);
	*run_id = 0;
	if (encoder_id)
		*encoder_id = 0;
	pretrain_pos at;
	yj_status st = YJ_OK;
	if ((opts->resume && (st = resume_opts(&t, err))) || (st = check_opts(&t.o, err)))
		goto out;
	nn_set_threads(t.o.threads);
	if ((st = prepare(&t, err)) || (st = start_run(&t, &at, err)))
		goto end; /* start_run may have created the run */
	*run_id = t.r.id;
	progress_start(t.o.progress);
	t.r.last_flush = progress_now();
	while (at.epoch < t.o.epochs && !t.r.cancelled && !st) {
		double t0 = progress_now();
		if (!(st = epoch_steps(&t, &at, err)) && !t.r.cancelled)
			st = finish_epoch(&t, &at, t0, err);
	}
	progress_tick(t.o.progress, "pretrain", "steps", at.gstep, t.total, -1, 1);
	if (!st && !t.r.cancelled) {
		long long enc = 0;
		st = store_encoder(&t, &enc, err);
		if (encoder_id)
			*encoder_id = enc;
	}
end:
	if (t.started) {
		*run_id = t.r.id;
		st = run_end(&t.r, st, err);
	}
out:
	pretrainer_free(&t);
	return st;
}

yj_status pretrain_export_corpus(yj_project *p, const yj_pretrain_opts *opts, const char *path, size_t *ntexts,
				 yj_error *err)
{
	pretrainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.o = *opts;
	*ntexts = 0;
	char vp[4200], tmp[4300];
	const char *vocab = t.o.vocab;
	if (t.o.from) {
		snprintf(vp, sizeof vp, "%s/vocab.txt", t.o.from);
		vocab = vp;
	}
	if (t.o.max_len < 3)
		return error_set(err, YJ_EUSAGE, _("invalid pretraining options (epochs >= 1, batch >= 1, max-len >= 3, "
						    "0 < mask < 1, lr > 0)"));
	yj_status st = load_vocab(&t, vocab, err);
	snprintf(tmp, sizeof tmp, "%s.tmp", path);
	if (!st && !(t.corpus_out = fopen(tmp, "w"))) {
		st = error_set(err, YJ_EIO, _("cannot create %s: %s"), tmp, strerror(errno));
		error_at(err, tmp, -1, -1, NULL);
	}
	t.corpus_path = path;
	if (!st)
		st = load_corpus(&t, err);
	if (t.corpus_out) {
		if (fclose(t.corpus_out) != 0 && !st) {
			st = error_set(err, YJ_EIO, _("cannot write %s: %s"), path, strerror(errno));
			error_at(err, path, -1, -1, NULL);
		}
		if (!st && rename(tmp, path) != 0) {
			st = error_set(err, YJ_EIO, _("cannot write %s: %s"), path, strerror(errno));
			error_at(err, path, -1, -1, NULL);
		}
		if (st)
			unlink(tmp);
	}
	*ntexts = t.ntext;
	pretrainer_free(&t);
	return st;
}

yj_status pretrain_use(yj_project *p, const char *dir, long long *run_id, long long *encoder_id, yj_error *err)
{
	pretrainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	pretrain_opts_default(&t.o);
	t.o.from = dir;
	t.o.config = NULL; /* the directory's */
	t.o.epochs = 0;    /* recorded as such: nothing was trained */
	run_init(&t.r, p, 1, NULL);
	*run_id = *encoder_id = 0;
	yj_status st = make_model(&t, err);
	if (!st && !(t.fields = json_array()))
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (!st && !(st = create_run(&t, err))) {
		t.started = 1;
		*run_id = t.r.id;
		st = store_encoder(&t, encoder_id, err);
	}
	if (t.started)
		st = run_end(&t.r, st, err);
	pretrainer_free(&t);
	return st;
}
