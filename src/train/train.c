/*
 * train.c - training the multimodal classifier (structured, n-gram and
 * BERT text branches; train.h): the inputs, the branches, the model, the
 * epochs and their steps, the best epoch's weights.  The run itself
 * (progress, checkpoints, cancelling, its end) is run.h's; what it reads
 * and writes in the project, the store's.
 */
#include <config.h>

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/data/jtext.h"
#include "yujing/base/i18n.h"
#include "yujing/base/rng.h"
#include "yujing/data/features.h"
#include "yujing/model/multimodal.h"
#include "yujing/nn/bf16.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/safetensors.h"
#include "yujing/store/encoders.h"
#include "yujing/store/runs.h"
#include "yujing/store/sources.h"
#include "yujing/store/splits.h"
#include "yujing/store/textcache.h"
#include "yujing/store/tunes.h"
#include "yujing/train/metrics.h"
#include "yujing/train/report.h"
#include "yujing/train/textbranch.h"
#include "yujing/train/run.h"
#include "yujing/train/train.h"

/* Where the loop stands; a checkpoint holds it. */
typedef struct {
	int epoch, step_in_epoch; /* the next step to take */
	long long gstep;          /* optimiser steps taken */
	double best_f1;           /* the best epoch's macro-F1 on the selection part, -1 before one */
	int best_epoch;
	double loss_sum;          /* the training losses of a partly done epoch */
	long loss_n;
} train_pos;

/* The n-gram branches: the text field of each, its vocabulary of the
 * training texts (with document frequencies), the cases' TF-IDF inputs
 * (ngram.h). */
typedef struct {
	int n;
	int field[MM_MAX_TEXT];
	yj_ngram_spec spec;
	yj_ngram_vocab voc[MM_MAX_TEXT];
	yj_ngram_data nd[MM_MAX_TEXT];
} ngram_branches;

/* The BERT text branches: the text field of each, the encoder (its own
 * optimizer when fine-tuned), the tokens and every case's pooled vector. */
typedef struct {
	int n;
	int field[MM_MAX_TEXT];
	int has_enc;
	yj_textenc enc;
	yj_adamw opt;             /* the encoder's optimizer (fine-tuning) */
	int tune;                 /* the encoder is fine-tuned */
	yj_text_tokens tk[MM_MAX_TEXT];
	float *cls[MM_MAX_TEXT];  /* (ncases, hidden) pooled vectors */
	size_t cache_computed;    /* frozen: vectors computed (not from the cache) */
	long long tuned_id;       /* fine-tuning: the encoders row of this run's encoder */
	long long resume_enc;     /* resuming a frozen run: its encoder (0: the active one) */
} text_branches;

typedef struct {
	yj_project *p;
	yj_train_opts o; /* effective options (from the run when resuming) */
	yj_run r;        /* the run's lifecycle (run.h) */
	int started;     /* the run is created or claimed: its end is recorded */
	/* the inputs */
	yj_cases cases;
	yj_source_features *f;
	size_t nf;
	size_t *train_idx, ntrain, *test_idx, ntest, *valid_idx, nvalid;
	/* the part the run selects its epoch on (and stops early on): the
	 * validation part, or on a split without one the test part (today's
	 * runs of old splits; "selected_on": "test" says so) */
	const size_t *sel_idx;
	size_t nsel;
	int on_valid;
	yj_text_field *tx;  /* every text field */
	size_t ntx;
	/* the branches */
	int use_struct;
	ngram_branches ng;
	text_branches bt;
	char *branches;     /* effective list, "structured,ngram:F" */
	/* the model and a batch */
	yj_mm m;
	yj_adamw opt;
	const size_t *bidx; /* the cases of the current batch */
	float *xb[MLP_MAX_SOURCES];
	int32_t *yb;
	float *cw;
	/* the loop: steps per epoch, all steps, warm-up steps; per-epoch order
	 * and the selection part's predictions */
	size_t steps_per_epoch;
	long long total, warm;
	size_t *perm;
	int32_t *pred, *truth;
	int epochs_done;
	int stopped_early; /* opts.stop_early said so */
	/* checkpoints: when the last was written, what it cost (seconds) */
	double ckpt_at, ckpt_cost;
	/* owned copies when resuming */
	char *text_model;
	char **exclude;
	size_t nexclude;
} trainer;



/* The run's configuration as stored (settings.h: train_config_dump). */
static char *config_text(const trainer *t)
{
	yj_train_config c;
	memset(&c, 0, sizeof c);
	c.o = t->o;
	c.o.branches = t->branches;
	c.threads = nn_threads();
	c.proj = t->o.hidden;
	size_t ns = t->use_struct ? t->nf : 0;
	c.sources = calloc(ns ? ns : 1, sizeof *c.sources);
	c.in_dims = calloc(ns ? ns : 1, sizeof *c.in_dims);
	c.ngram = calloc(t->ng.n ? (size_t)t->ng.n : 1, sizeof *c.ngram);
	c.text = calloc(t->bt.n ? (size_t)t->bt.n : 1, sizeof *c.text);
	char *out = NULL;
	if (!c.sources || !c.in_dims || !c.ngram || !c.text)
		goto done;
	for (size_t i = 0; i < ns; i++) {
		c.sources[i] = t->f[i].name;
		c.in_dims[i] = (long long)t->f[i].dim;
	}
	c.nsources = ns;
	for (int i = 0; i < t->ng.n; i++)
		c.ngram[i] = (yj_field_ref){t->tx[t->ng.field[i]].source, t->tx[t->ng.field[i]].field};
	c.nngram = (size_t)t->ng.n;
	c.ngram_words = t->ng.spec.words;
	c.ngram_tfidf = 1;
	if (t->bt.n) {
		c.has_text = 1;
		for (int i = 0; i < t->bt.n; i++)
			c.text[i] = (yj_field_ref){t->tx[t->bt.field[i]].source, t->tx[t->bt.field[i]].field};
		c.ntext = (size_t)t->bt.n;
		c.max_len_used = t->bt.tk[0].max_len;
		c.encoder_id = t->bt.enc.encoder_id;
		c.text_hidden = t->bt.enc.bert.cfg.hidden;
		c.precision = (int)nn_precision_effective((nn_precision)t->bt.enc.bert.precision);
	}
	out = train_config_dump(&c);
done:
	free(c.sources);
	free(c.in_dims);
	free(c.ngram);
	free(c.text);
	return out;
}

/* Gather rows idx[0..B) of every source into the batch buffers. */
static void gather(trainer *t, const size_t *idx, int B)
{
	t->bidx = idx;
	for (size_t s = 0; t->use_struct && s < t->nf; s++) {
		size_t d = t->f[s].dim;
		for (int b = 0; b < B; b++)
			memcpy(t->xb[s] + (size_t)b * d, t->f[s].x + idx[b] * d, d * sizeof(float));
	}
	for (int b = 0; b < B; b++)
		t->yb[b] = t->cases.label[idx[b]];
}

/* Evaluate on the selection part: mean loss, and predictions into pred. */
static double evaluate(trainer *t, int32_t *pred, int32_t *truth)
{
	int K = t->m.cfg.nclasses, bs = t->o.batch;
	double loss = 0;
	for (size_t i = 0; i < t->nsel; i += (size_t)bs) {
		int B = (int)(t->nsel - i < (size_t)bs ? t->nsel - i : (size_t)bs);
		gather(t, t->sel_idx + i, B);
		mm_forward(&t->m, (const float *const *)t->xb, t->ng.nd, t->bidx, B, 0);
		loss += (double)mm_loss(&t->m, t->yb, NULL, B) * B;
		for (int b = 0; b < B; b++) {
			pred[i + (size_t)b] = vec_argmax(t->m.fu.probs + (size_t)b * (size_t)K, K);
			truth[i + (size_t)b] = t->yb[b];
		}
	}
	return t->nsel ? loss / (double)t->nsel : NAN;
}

/* The checkpoint: values and AdamW moments, and where the loop stands
 * (loss_sum/loss_n: the training losses of a partly done epoch, so a
 * resumed epoch reports the mean over all its steps). */
/* The decay the n-gram rows still miss (ngram.h), in a checkpoint taken
 * inside an epoch (at an epoch's end nothing is pending):
 * "ngram_decay": [{"log": decay_log, "at": [decayed[r] for every row]}]
 * per branch, so a resumed run brings each row up to date when the run
 * left alone would.  0 when nothing is pending, -1 out of memory. */
static int decay_state(const trainer *t, json_t *state)
{
	int pending = 0;
	for (int i = 0; i < t->ng.n; i++)
		pending |= ngram_decay_pending(&t->m.ng[i]);
	if (!pending)
		return 0;
	json_t *all = json_array();
	if (!all || json_object_set_new(state, "ngram_decay", all))
		return -1;
	for (int i = 0; i < t->ng.n; i++) {
		const yj_ngram *g = &t->m.ng[i];
		json_t *at = json_array();
		if (!at || json_array_append_new(all, json_pack("{s:f, s:o}", "log", g->decay_log, "at", at)))
			return -1;
		for (size_t r = 0; g->decayed && r < g->rows; r++)
			if (json_array_append_new(at, json_real(g->decayed[r])))
				return -1;
	}
	return 0;
}

/* decay_state read back; what does not fit the model is refused. */
static yj_status decay_restore(trainer *t, json_t *state, yj_error *err)
{
	json_t *all = json_object_get(state, "ngram_decay");
	if (!all)
		return YJ_OK;
	int good = json_is_array(all) && json_array_size(all) == (size_t)t->ng.n;
	for (int i = 0; good && i < t->ng.n; i++) {
		yj_ngram *g = &t->m.ng[i];
		json_t *e = json_array_get(all, (size_t)i), *lg = json_object_get(e, "log"), *at = json_object_get(e, "at");
		size_t rows = g->decayed ? g->rows : 0;
		good = json_is_real(lg) && json_real_value(lg) <= 0 && isfinite(json_real_value(lg)) &&
		       json_is_array(at) && json_array_size(at) == rows && (rows || json_real_value(lg) == 0);
		for (size_t r = 0; good && r < rows; r++) {
			json_t *v = json_array_get(at, r);
			good = json_is_number(v) && isfinite(json_number_value(v)) && json_number_value(v) <= 0;
			if (good)
				g->decayed[r] = json_number_value(v);
		}
		if (good)
			g->decay_log = json_real_value(lg);
	}
	if (good)
		return YJ_OK;
	error_set(err, YJ_EDATA, _("run %lld's checkpoint: '%s' does not fit the model"), t->r.id, "ngram_decay");
	error_hint(err, _("the checkpoint was changed: train a new run"));
	return YJ_EDATA;
}

static yj_status save_checkpoint(trainer *t, const train_pos *at, yj_error *err)
{
	json_t *state = json_pack("{s:i, s:i, s:I, s:I, s:f, s:i, s:f, s:I}", "epoch", at->epoch, "step_in_epoch",
				  at->step_in_epoch, "global_step", (json_int_t)at->gstep, "adam_t",
				  (json_int_t)t->opt.t, "best_f1", at->best_f1, "best_epoch", at->best_epoch,
				  "loss_sum", at->loss_sum, "loss_n", (json_int_t)at->loss_n);
	yj_status st = state && !decay_state(t, state) ? run_save_checkpoint(&t->r, &t->m.ps, state, err)
						       : error_set(err, YJ_ENOMEM, _("out of memory"));
	json_decref(state);
	return st;
}

/* Where a resumed run starts: its checkpoint, or the beginning when it
 * stopped before its first one. */
static yj_status load_checkpoint(trainer *t, train_pos *at, yj_error *err)
{
	json_t *state = NULL;
	*at = (train_pos){.best_f1 = -1, .best_epoch = -1};
	yj_status st = run_load_checkpoint(&t->r, &t->m.ps, &state, err);
	if (st || !state)
		return st;
	at->epoch = (int)json_integer_value(json_object_get(state, "epoch"));
	at->step_in_epoch = (int)json_integer_value(json_object_get(state, "step_in_epoch"));
	at->gstep = json_integer_value(json_object_get(state, "global_step"));
	t->opt.t = json_integer_value(json_object_get(state, "adam_t"));
	at->best_f1 = json_number_value(json_object_get(state, "best_f1"));
	at->best_epoch = (int)json_integer_value(json_object_get(state, "best_epoch"));
	at->loss_sum = json_number_value(json_object_get(state, "loss_sum"));
	at->loss_n = (long)json_integer_value(json_object_get(state, "loss_n"));
	st = decay_restore(t, state, err);
	json_decref(state);
	return st;
}



/* The players of an explanation (each structured source, each text
 * branch) and their baselines: the mean player vectors over the training
 * cases under the current weights (eval mode), as JSON text
 * [{"name", "kind", "baseline": [...]}, ...]. */
static char *baselines_json(trainer *t)
{
	int np = mm_nplayers(&t->m), bs = t->o.batch;
	double *sum[FUSION_MAX] = {0};
	json_t *arr = json_array();
	char *out = NULL;
	for (int i = 0; i < np; i++)
		if (!(sum[i] = calloc((size_t)mm_player_dim(&t->m, i), sizeof(double))))
			goto done;
	for (size_t i = 0; i < t->ntrain; i += (size_t)bs) {
		int B = (int)(t->ntrain - i < (size_t)bs ? t->ntrain - i : (size_t)bs);
		gather(t, t->train_idx + i, B);
		mm_forward(&t->m, (const float *const *)t->xb, t->ng.nd, t->bidx, B, 0);
		for (int pl = 0; pl < np; pl++)
			for (int b = 0; b < B; b++) {
				const float *v = mm_player_vec(&t->m, pl, b);
				for (int c = 0; c < mm_player_dim(&t->m, pl); c++)
					sum[pl][c] += v[c];
			}
	}
	for (int pl = 0; pl < np; pl++) {
		json_t *b = json_array();
		for (int c = 0; c < mm_player_dim(&t->m, pl); c++)
			json_array_append_new(b, json_real((double)(float)(sum[pl][c] / (double)t->ntrain)));
		int S = t->use_struct ? (int)t->nf : 0;
		char name[512];
		int bert = pl >= S + t->ng.n;
		if (pl < S)
			snprintf(name, sizeof name, "%s", t->f[pl].name);
		else if (!bert)
			snprintf(name, sizeof name, "ngram:%s", t->tx[t->ng.field[pl - S]].field);
		else
			snprintf(name, sizeof name, "text:%s", t->tx[t->bt.field[pl - S - t->ng.n]].field);
		json_array_append_new(arr, json_pack("{s:s, s:s, s:o}", "name", name, "kind",
						     pl < S ? "structured" : bert ? "text" : "ngram", "baseline", b));
	}
	out = json_dumps(arr, JSON_COMPACT | JSON_REAL_PRECISION(9));
done:
	for (int i = 0; i < np; i++)
		free(sum[i]);
	json_decref(arr);
	return out;
}

/* The run's metrics while it trains: the best epoch's figures on the
 * selection part.  On the validation part they are {"selected_on":
 * "validation", "best_epoch", "validation": {...}} (no test figure exists
 * before the report); on an old split's test part today's shape, the test
 * metrics at the top, with "selected_on": "test". */
static json_t *selection_json(const trainer *t, const yj_metrics *mt, int epoch)
{
	json_t *mj = metrics_json(mt, t->cases.classes);
	if (!mj)
		return NULL;
	if (!t->on_valid) {
		if (json_object_set_new(mj, "selected_on", json_string("test")) ||
		    json_object_set_new(mj, "best_epoch", json_integer(epoch + 1))) {
			json_decref(mj);
			return NULL;
		}
		return mj;
	}
	return json_pack("{s:s, s:i, s:o}", "selected_on", "validation", "best_epoch", epoch + 1, "validation", mj);
}

static yj_status save_best(trainer *t, int epoch, const yj_metrics *mt, yj_error *err)
{
	json_t *meta = json_object();
	char *bl = baselines_json(t);
	if (!meta || !bl ||
	    json_object_set_new(meta, "format",
				json_string(t->ng.n || t->bt.n ? "yujing-multimodal" : "yujing-structured")) ||
	    json_object_set_new(meta, "epoch", json_sprintf("%d", epoch)) ||
	    json_object_set_new(meta, "baselines", json_string(bl))) {
		free(bl);
		json_decref(meta);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	free(bl);
	char *meta_s = jtext_dump(meta, JSON_COMPACT);
	json_decref(meta);
	unsigned char *buf = NULL;
	size_t len = 0;
	if (!meta_s || safetensors_write(&t->m.ps, meta_s, &buf, &len)) {
		free(meta_s);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	free(meta_s);
	json_t *mj = selection_json(t, mt, epoch);
	char *ms = jtext_dump(mj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(mj);
	yj_status st = ms ? runs_save_best(t->p, t->r.id, buf, len, ms, epoch, err)
			  : error_set(err, YJ_ENOMEM, _("out of memory"));
	free(buf);
	free(ms);
	return st;
}

static yj_status create_run(trainer *t, yj_error *err)
{
	/* bad: a value that could not be made (out of memory); the run is
	 * then not created, rather than created with a part missing */
	json_t *labels = json_array(), *feats = json_array();
	int bad = !labels || !feats;
	for (size_t k = 0; !bad && k < t->cases.nclasses; k++)
		bad |= json_array_append_new(labels, json_string(t->cases.classes[k]));
	for (size_t i = 0; !bad && t->use_struct && i < t->nf; i++)
		bad |= json_array_append_new(feats, json_deep_copy(t->f[i].layout));
	for (int i = 0; i < t->ng.n; i++) {
		/* the n-gram layout: vocabulary, document frequencies (ngram.h) */
		json_t *voc = json_array(), *df = json_array();
		bad |= !voc || !df;
		for (size_t k = 0; !bad && k < t->ng.voc[i].n; k++) {
			bad |= json_array_append_new(voc, json_integer(t->ng.voc[i].bucket[k]));
			bad |= json_array_append_new(df, json_integer(t->ng.voc[i].df[k]));
		}
		const yj_text_field *tf = &t->tx[t->ng.field[i]];
		char name[512];
		snprintf(name, sizeof name, "ngram:%s", tf->field);
		bad |= json_array_append_new(feats, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:s, s:b, s:i, s:I, s:o, s:o}",
						       "branch", name, "source", tf->source, "field", tf->field, "mode",
						       "ngram", "buckets", (json_int_t)t->o.ngram_buckets, "n", t->o.ngram_n,
						       "words", t->ng.spec.words, "weighting", "tfidf", "direct", 1, "min_df",
						       t->ng.spec.min_df, "ndocs", (json_int_t)t->ng.voc[i].ndocs, "vocab", voc,
						       "df", df));
	}
	/* BERT text branches: which encoder (fine-tuned: this run's copy) */
	for (int i = 0; i < t->bt.n; i++) {
		const yj_text_field *tf = &t->tx[t->bt.field[i]];
		char name[512];
		snprintf(name, sizeof name, "text:%s", tf->field);
		int tuned = !t->o.freeze_text;
		json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:b}", "branch", name, "text_branch", name,
				      "source", tf->source,
				      "field", tf->field, "max_len", t->bt.tk[i].max_len, "encoder_id",
				      (json_int_t)(tuned ? t->bt.tuned_id : t->bt.enc.encoder_id), "frozen", !tuned);
		bad |= !e;
		if (!bad && t->o.text_model && !tuned)
			bad |= json_object_set_new(e, "text_model", json_string(t->o.text_model));
		if (!bad)
			bad |= json_object_set_new(e, "pool", json_string(text_pool_name(t->o.text_pool)));
		if (bad)
			json_decref(e);
		else
			bad |= json_array_append_new(feats, e);
	}
	/* every layout says the version of its format (settings.h) */
	size_t k;
	json_t *e;
	json_array_foreach(feats, k, e) bad |= json_object_set_new(e, "version", json_integer(YJ_CONFIG_VERSION));
	char *c = config_text(t);
	char *l = bad ? NULL : jtext_dump(labels, JSON_COMPACT);
	char *f = bad ? NULL : jtext_dump(feats, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(labels);
	json_decref(feats);
	yj_status st = c && l && f ? run_create(&t->r, t->cases.split_id, c, l, f, err)
				   : error_set(err, YJ_ENOMEM, _("out of memory"));
	free(c);
	free(l);
	free(f);
	return st;
}

/* A fine-tuning run: its own copy of the encoder (an inactive encoders
 * row, which the run's features name) and the run, in one transaction, so
 * that no encoder row is ever left without its run. */
static yj_status create_tuned_run(trainer *t, yj_error *err)
{
	yj_status st = project_begin(t->p, err);
	if (st)
		return st;
	if (!(st = textenc_store(t->p, &t->bt.enc, 0, &t->bt.tuned_id, err)) && !(st = create_run(t, err)) &&
	    !(st = encoders_set_run(t->p, t->bt.tuned_id, t->r.id, err)))
		st = project_commit(t->p, err);
	if (st) {
		project_rollback(t->p);
		t->bt.tuned_id = 0;
		t->r.id = 0;
	}
	return st;
}

/* A fine-tuning run that ends (failed or stopped: it cannot be resumed)
 * without a best epoch's weights leaves nothing that could use its
 * encoder: the row goes.  With weights it stays as long as the run, since
 * predict and explain of the run need it. */
static void drop_unused_encoder(trainer *t)
{
	if (t->bt.tuned_id && t->r.id)
		encoders_drop_unused(t->p, t->bt.tuned_id, t->r.id);
}

/* Options of a run being resumed, from its stored configuration (read by
 * its one reader, settings.h): the run's settings; the caller's threads
 * when given (the run's by default: the same threads give the same
 * numbers), its progress and callbacks. */
static yj_status opts_from_config(trainer *t, json_t *cfg, yj_error *err)
{
	yj_train_config c;
	yj_status st = train_config_read(cfg, t->o.resume, &c, err);
	if (st)
		return st;
	if (c.has_text && !c.o.freeze_text) {
		train_config_free(&c);
		error_set(err, YJ_EUSAGE, _("run %lld fine-tunes the text encoder and cannot be resumed"), t->o.resume);
		error_hint(err, _("train it again, or use --freeze-text"));
		return YJ_EUSAGE;
	}
	if (c.nngram && !c.ngram_tfidf) {
		/* Its n-gram tables hold means of n-grams, updated by dense AdamW:
		 * this version trains TF-IDF tables with a direct path and lazy
		 * updates, which would not continue the same run. */
		train_config_free(&c);
		error_set(err, YJ_EUSAGE,
			  _("run %lld was trained by an earlier yujing whose n-gram branch this version no longer "
			    "trains; it cannot be resumed"),
			  t->o.resume);
		error_hint(err, _("predict, explain and eval still use it; train a new run to continue"));
		return YJ_EUSAGE;
	}
	yj_train_opts *o = &t->o, keep = t->o;
	*o = c.o;
	o->threads = keep.threads ? keep.threads : c.threads;
	o->resume = keep.resume;
	o->progress = keep.progress;
	o->on_epoch = keep.on_epoch;
	o->ctx = keep.ctx;
	o->checkpoint_seconds = keep.checkpoint_seconds;
	free(t->branches);
	t->branches = strdup(c.o.branches ? c.o.branches : "structured");
	o->branches = t->branches;
	if (c.has_text)
		t->bt.resume_enc = c.encoder_id;
	free(t->text_model);
	t->text_model = c.o.text_model ? strdup(c.o.text_model) : NULL;
	o->text_model = t->text_model;
	size_t n = c.o.nexclude;
	t->exclude = calloc(n ? n : 1, sizeof *t->exclude);
	for (size_t i = 0; t->exclude && i < n; i++)
		t->exclude[i] = strdup(c.o.exclude[i]);
	o->exclude = (const char *const *)t->exclude;
	o->nexclude = t->exclude ? n : 0;
	t->nexclude = o->nexclude;
	train_config_free(&c);
	return YJ_OK;
}

/* Resuming: the run's guards (run.h), then its options. */
static yj_status resume_opts(trainer *t, long long *split_id, yj_error *err)
{
	json_t *cfg = NULL;
	yj_status st = run_check_resume(&t->r, t->o.resume, &cfg, split_id, err);
	if (!st)
		st = opts_from_config(t, cfg, err);
	json_decref(cfg);
	return st;
}

static void trainer_free(trainer *t)
{
	run_free(&t->r);
	cases_free(&t->cases);
	features_free(t->f, t->nf);
	free(t->train_idx);
	free(t->test_idx);
	free(t->valid_idx);
	mm_free(&t->m);
	texts_free(t->tx, t->ntx);
	for (int i = 0; i < MM_MAX_TEXT; i++) {
		ngram_vocab_free(&t->ng.voc[i]);
		ngram_data_free(&t->ng.nd[i]);
	}
	free(t->branches);
	free(t->text_model);
	for (int i = 0; i < MM_MAX_TEXT; i++) {
		text_tokens_free(&t->bt.tk[i]);
		free(t->bt.cls[i]);
	}
	if (t->bt.has_enc) {
		textenc_free(&t->bt.enc);
	}
	for (size_t s = 0; s < MLP_MAX_SOURCES; s++)
		free(t->xb[s]);
	free(t->yb);
	free(t->cw);
	free(t->perm);
	free(t->pred);
	free(t->truth);
	for (size_t i = 0; t->exclude && i < t->nexclude; i++)
		free(t->exclude[i]);
	free(t->exclude);
}



/* Which branches the run trains (opts->branches, or all the data
 * supports) and the effective list as text. */
static yj_status select_branches(trainer *t, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	int want_struct = 0, explicit_ngram = 0, explicit_text = 0, any = 0;
	unsigned char pick[256] = {0}, tpick[256] = {0};
	if (t->ntx > 256)
		return error_set(err, YJ_EDATA, _("too many text fields"));
	const char *s = o->branches ? o->branches : "";
	while (*s) {
		size_t n = strcspn(s, ",");
		char tok[256];
		snprintf(tok, sizeof tok, "%.*s", (int)(n < 255 ? n : 255), s);
		s += n + (s[n] == ',');
		if (!*tok)
			continue;
		any = 1;
		if (!strcmp(tok, "structured")) {
			want_struct = 1;
		} else if (!strcmp(tok, "ngram")) {
			explicit_ngram = 1;
			for (size_t i = 0; i < t->ntx; i++)
				pick[i] = 1;
		} else if (!strncmp(tok, "ngram:", 6)) {
			explicit_ngram = 1;
			size_t i = 0;
			while (i < t->ntx && strcmp(t->tx[i].field, tok + 6))
				i++;
			if (i == t->ntx) {
				error_set(err, YJ_EUSAGE, _("no text field %s"), tok + 6);
				error_hint(err, _("text fields are imported with --text FIELD"));
				return YJ_EUSAGE;
			}
			pick[i] = 1;
		} else if (!strcmp(tok, "text")) {
			explicit_text = 1;
			for (size_t i = 0; i < t->ntx; i++)
				tpick[i] = 1;
		} else if (!strncmp(tok, "text:", 5)) {
			explicit_text = 1;
			size_t i = 0;
			while (i < t->ntx && strcmp(t->tx[i].field, tok + 5))
				i++;
			if (i == t->ntx) {
				error_set(err, YJ_EUSAGE, _("no text field %s"), tok + 5);
				error_hint(err, _("text fields are imported with --text FIELD"));
				return YJ_EUSAGE;
			}
			tpick[i] = 1;
		} else {
			return error_set(err, YJ_EUSAGE,
					 _("unknown branch '%s' (structured, ngram, ngram:FIELD, text, text:FIELD)"), tok);
		}
	}
	if (!any) {
		/* BERT only when cheap: a frozen encoder (cached [CLS] vectors) */
		int bert = o->freeze_text && (o->text_model || encoders_have_active(t->p));
		want_struct = t->nf > 0;
		for (size_t i = 0; i < t->ntx; i++)
			pick[i] = 1, tpick[i] = (unsigned char)bert;
	}
	/* excluded fields feed no branch */
	for (size_t i = 0; i < t->ntx; i++)
		for (size_t e = 0; e < o->nexclude; e++)
			if (!strcmp(o->exclude[e], t->tx[i].field))
				pick[i] = tpick[i] = 0;
	t->ng.n = 0;
	for (size_t i = 0; i < t->ntx; i++)
		if (pick[i]) {
			if (t->ng.n == MM_MAX_TEXT)
				return error_set(err, YJ_EDATA, _("too many text fields (at most %d)"), MM_MAX_TEXT);
			t->ng.field[t->ng.n++] = (int)i;
		}
	if (want_struct && (t->nf == 0 || t->nf > MLP_MAX_SOURCES))
		return error_set(err, YJ_EDATA, t->nf ? _("too many sources for the structured branch")
						     : _("no source has a structured field (numeric, categorical or datetime)"));
	t->bt.n = 0;
	for (size_t i = 0; i < t->ntx; i++)
		if (tpick[i]) {
			if (t->bt.n == MM_MAX_TEXT)
				return error_set(err, YJ_EDATA, _("too many text fields (at most %d)"), MM_MAX_TEXT);
			t->bt.field[t->bt.n++] = (int)i;
		}
	if (explicit_ngram && !t->ng.n)
		return error_set(err, YJ_EDATA, _("no text field for the n-gram branch"));
	if (explicit_text && !t->bt.n)
		return error_set(err, YJ_EDATA, _("no text field for the text branch"));
	if (!want_struct && !t->ng.n && !t->bt.n)
		return error_set(err, YJ_EDATA, _("no source has a structured field (numeric, categorical or datetime)"));
	t->use_struct = want_struct;
	size_t len = 16;
	for (int i = 0; i < t->ng.n; i++)
		len += strlen(t->tx[t->ng.field[i]].field) + 8;
	for (int i = 0; i < t->bt.n; i++)
		len += strlen(t->tx[t->bt.field[i]].field) + 8;
	free(t->branches);
	if (!(t->branches = malloc(len)))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	t->branches[0] = '\0';
	if (want_struct)
		strcat(t->branches, "structured");
	for (int i = 0; i < t->ng.n; i++) {
		if (t->branches[0])
			strcat(t->branches, ",");
		strcat(t->branches, "ngram:");
		strcat(t->branches, t->tx[t->ng.field[i]].field);
	}
	for (int i = 0; i < t->bt.n; i++) {
		if (t->branches[0])
			strcat(t->branches, ",");
		strcat(t->branches, "text:");
		strcat(t->branches, t->tx[t->bt.field[i]].field);
	}
	t->o.branches = t->branches;
	return YJ_OK;
}

static yj_status nomem(yj_error *err)
{
	return error_set(err, YJ_ENOMEM, _("out of memory"));
}

static yj_status check_opts(const yj_train_opts *o, yj_error *err)
{
	/* epochs, batch and lr of 0 are chosen by train_opts_resolve */
	if (o->epochs < 0 || o->batch == 1 || o->batch < 0 || o->lr < 0 || !isfinite(o->lr) || o->hidden < 1 ||
	    o->depth < 1 || o->depth > MLP_MAX_DEPTH)
		return error_set(err, YJ_EUSAGE, _("invalid training options (epochs >= 1, batch >= 2, lr > 0, "
						    "hidden >= 1, 1 <= depth <= %d)"), MLP_MAX_DEPTH);
	return YJ_OK;
}

/* n-gram branches: the vocabulary of the training texts. */
static yj_status ngram_inputs(trainer *t, yj_error *err)
{
	unsigned char *use = malloc(t->cases.n ? t->cases.n : 1);
	yj_status st = YJ_OK;
	if (!use)
		return nomem(err);
	for (size_t i = 0; i < t->cases.n; i++)
		use[i] = t->cases.part[i] == CASE_TRAIN;
	ngram_spec_default(&t->ng.spec);
	t->ng.spec.nmax = t->o.ngram_n;
	t->ng.spec.buckets = t->o.ngram_buckets;
	for (int i = 0; i < t->ng.n && !st; i++) {
		const yj_text_field *tf = &t->tx[t->ng.field[i]];
		if (ngram_vocab_build((const char *const *)tf->text, t->cases.n, use, &t->ng.spec, &t->ng.voc[i]) ||
		    ngram_data_build((const char *const *)tf->text, t->cases.n, &t->ng.spec, &t->ng.voc[i], &t->ng.nd[i]))
			st = nomem(err);
		else if (!t->ng.voc[i].n)
			st = error_set(err, YJ_EDATA, _("the text field %s of %s is empty in every training case"),
				       tf->field, tf->source);
	}
	free(use);
	return st;
}

/* The split's cases, their features and texts, the branches and the
 * batch buffers. */
static yj_status load_inputs(trainer *t, long long resume_split, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	/* With a validation part the test rows are not read (issue 13): the
	 * report reads them once, at the end (train_report()). */
	long long split = 0, snap = 0, counts[3] = {0};
	yj_status st = splits_of_active_snapshot(t->p, &split, &snap, err);
	if (!st && split)
		st = splits_part_counts(t->p, split, counts, err);
	if (st)
		return st;
	t->on_valid = counts[SPLIT_PART_VALID] > 0;
	st = cases_load_parts(t->p,
			      t->on_valid ? SPLIT_PARTS(SPLIT_PART_TRAIN) | SPLIT_PARTS(SPLIT_PART_VALID) : SPLIT_PARTS_ALL,
			      &t->cases, err);
	if (st)
		return st;
	if (o->resume && resume_split != t->cases.split_id)
		return error_set(err, YJ_EUSAGE, _("run %lld was trained on split %lld, but split %lld is active now"),
				 t->r.id, resume_split, t->cases.split_id);
	if (t->cases.nclasses < 2)
		return error_set(err, YJ_EDATA, _("the split has %zu classes; training needs at least 2"),
				 t->cases.nclasses);
	yj_features_opts fo = {.top_k = o->top_k, .exclude = o->exclude, .nexclude = o->nexclude};
	if ((st = features_build(t->p, &t->cases, &fo, &t->f, &t->nf, err)) ||
	    (st = texts_build(t->p, &t->cases, &t->tx, &t->ntx, err)) || (st = select_branches(t, err)))
		return st;
	t->train_idx = malloc(t->cases.n * sizeof *t->train_idx);
	t->test_idx = malloc(t->cases.n * sizeof *t->test_idx);
	t->valid_idx = malloc(t->cases.n * sizeof *t->valid_idx);
	t->cw = malloc(t->cases.nclasses * sizeof *t->cw);
	if (!t->train_idx || !t->test_idx || !t->valid_idx || !t->cw)
		return nomem(err);
	for (size_t i = 0; i < t->cases.n; i++) {
		if (t->cases.part[i] == CASE_TRAIN)
			t->train_idx[t->ntrain++] = i;
		else if (t->cases.part[i] == CASE_TEST)
			t->test_idx[t->ntest++] = i;
		else if (t->cases.part[i] == CASE_VALID)
			t->valid_idx[t->nvalid++] = i;
	}
	t->sel_idx = t->on_valid ? t->valid_idx : t->test_idx;
	t->nsel = t->on_valid ? t->nvalid : t->ntest;
	if (t->ntrain < 2)
		return error_set(err, YJ_EDATA, _("the split has fewer than 2 training cases"));
	/* "auto" settings from the data's size (a resumed run has its own) */
	train_opts_resolve(&t->o, t->ntrain);
	if (!(t->yb = malloc((size_t)o->batch * sizeof *t->yb)))
		return nomem(err);
	for (size_t s = 0; t->use_struct && s < t->nf; s++)
		if (!(t->xb[s] = malloc((size_t)o->batch * t->f[s].dim * sizeof(float))))
			return nomem(err);
	return ngram_inputs(t, err);
}

/* BERT text branches: the encoder, the tokens, and (frozen) every case's
 * [CLS] vector from the project's cache. */
static yj_status text_inputs(trainer *t, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	if (!t->bt.n)
		return YJ_OK;
	yj_status st = textenc_open(t->p, o->text_model, t->bt.resume_enc, o->seed, &t->bt.enc, err);
	if (st)
		return st;
	t->bt.has_enc = 1;
	t->bt.enc.pool = o->text_pool;
	/* bf16 only when the encoder trains: frozen vectors are cached and
	 * must equal what embed and predict compute (fp32) */
	t->bt.enc.bert.precision = o->freeze_text ? NN_FP32 : settings_precision(o->precision);
	adamw_init(&t->bt.opt);
	t->bt.opt.weight_decay = o->weight_decay;
	size_t H = (size_t)t->bt.enc.bert.cfg.hidden;
	for (int i = 0; i < t->bt.n; i++) {
		const yj_text_field *tf = &t->tx[t->bt.field[i]];
		int max_len = o->max_len > 0 ? o->max_len : textcache_suggested_len(t->p, tf->source, tf->field);
		if ((st = textenc_tokenize(&t->bt.enc, (const char *const *)tf->text, t->cases.n, max_len, &t->bt.tk[i], err)))
			return st;
		if (!(t->bt.cls[i] = calloc((t->cases.n ? t->cases.n : 1) * H, sizeof(float))))
			return nomem(err);
		char field[512];
		snprintf(field, sizeof field, "%s.%s", tf->source, tf->field);
		size_t computed = 0;
		if (o->freeze_text &&
		    (st = textenc_encode_all(t->p, &t->bt.enc, &t->bt.tk[i], o->batch, field,
					     (const char *const *)t->cases.key, t->bt.cls[i], &computed, err)))
			return st;
		t->bt.cache_computed += computed;
	}
	return YJ_OK;
}

/* Balanced class weights n / (K n_k), as scikit-learn (K: the classes
 * present in the training cases). */
static int class_weights(trainer *t)
{
	size_t K = t->cases.nclasses;
	int64_t *cnt = calloc(K, sizeof *cnt);
	if (!cnt)
		return -1;
	for (size_t i = 0; i < t->ntrain; i++)
		cnt[t->cases.label[t->train_idx[i]]]++;
	size_t present = 0;
	for (size_t k = 0; k < K; k++)
		present += cnt[k] > 0;
	for (size_t k = 0; k < K; k++)
		t->cw[k] = cnt[k] ? (float)((double)t->ntrain / ((double)present * (double)cnt[k])) : 0;
	free(cnt);
	return 0;
}

/* The model of the chosen branches, with its optimizer. */
static yj_status build_model(trainer *t, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	if (class_weights(t))
		return nomem(err);
	yj_mm_cfg cfg = {.nngram = t->ng.n, .ngram_dim = o->hidden, .ngram_direct = 1,
			 .nclasses = (int)t->cases.nclasses, .fusion = (yj_fusion_mode)o->fusion};
	if (t->use_struct) {
		cfg.mlp = (yj_mlp_cfg){.nsrc = (int)t->nf, .hidden = o->hidden, .depth = o->depth, .proj = o->hidden};
		for (size_t s = 0; s < t->nf; s++)
			cfg.mlp.in_dim[s] = (int)t->f[s].dim;
	}
	for (int i = 0; i < t->ng.n; i++)
		cfg.ngram_rows[i] = t->ng.voc[i].n;
	if (t->bt.n) {
		cfg.ntext = t->bt.n;
		cfg.text_in = t->bt.enc.bert.cfg.hidden;
		cfg.text_dim = o->hidden;
	}
	if (mm_init(&t->m, &cfg, o->seed) || mm_reserve(&t->m, o->batch))
		return nomem(err);
	/* n-gram tables: a learning rate for TF-IDF inputs (ngram.h) */
	for (int i = 0; i < t->ng.n; i++)
		t->m.ng[i].lr_scale = ngram_lr_scale(&t->ng.nd[i], t->train_idx, t->ntrain);
	for (int i = 0; i < t->bt.n; i++)
		t->m.tin[i] = t->bt.cls[i];
	t->bt.tune = t->bt.n && !o->freeze_text;
	adamw_init(&t->opt);
	t->opt.weight_decay = o->weight_decay;
	return YJ_OK;
}

/* Create the run (or claim the resumed one, from its checkpoint) and lay
 * out the schedule. */
static yj_status start_run(trainer *t, train_pos *at, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	yj_status st;
	*at = (train_pos){.best_f1 = -1, .best_epoch = -1};
	if (o->resume)
		st = load_checkpoint(t, at, err);
	else
		st = t->bt.tune ? create_tuned_run(t, err) : create_run(t, err);
	if (!st && o->resume)
		st = run_claim(&t->r, err);
	if (st)
		return st;
	t->started = 1;
	t->steps_per_epoch = train_steps_per_epoch(t->ntrain, o->batch);
	t->total = (long long)t->steps_per_epoch * o->epochs;
	t->warm = (long long)(o->warmup * (float)t->total);
	t->epochs_done = at->epoch;
	t->pred = malloc((t->nsel ? t->nsel : 1) * sizeof *t->pred);
	t->truth = malloc((t->nsel ? t->nsel : 1) * sizeof *t->truth);
	t->perm = malloc(t->ntrain * sizeof *t->perm);
	if (!t->pred || !t->truth || !t->perm)
		return nomem(err);
	return run_set_total(&t->r, t->total, err);
}

/* One optimiser step on the gathered batch of B cases (global step
 * gstep): *loss its training loss, *lr the head's learning rate. */
static yj_status train_step(trainer *t, int B, long long gstep, float *loss, float *lr, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	yj_status st = YJ_OK;
	/* fine-tuning: this batch's [CLS] vectors, dropout from a stream per
	 * (step, field) so a second pass repeats it */
	uint64_t dseed = o->seed ^ (0xD1B54A32D192ED03ULL * (uint64_t)(gstep + 1));
	for (int i = 0; t->bt.tune && i < t->bt.n && !st; i++) {
		bert_seed(&t->bt.enc.bert, dseed + (uint64_t)i);
		st = textenc_encode(&t->bt.enc, &t->bt.tk[i], t->bidx, B, 1, t->bt.cls[i], err);
	}
	if (st)
		return st;
	/* the rows this batch reads, with the weight decay they missed */
	for (int i = 0; i < t->ng.n; i++)
		ngram_decay_catch_up(&t->m.ng[i], &t->ng.nd[i], t->bidx, B);
	mm_forward(&t->m, (const float *const *)t->xb, t->ng.nd, t->bidx, B, 1);
	*loss = mm_loss(&t->m, t->yb, o->balanced ? t->cw : NULL, B);
	/* n-gram tables: zeroed, clipped and stepped by the rows touched */
	mm_zero_grad(&t->m);
	mm_backward(&t->m, (const float *const *)t->xb, t->ng.nd, t->bidx, t->yb, o->balanced ? t->cw : NULL, B);
	if (o->clip > 0)
		mm_clip_grad_norm(&t->m, o->clip);
	*lr = lr_schedule(gstep, t->warm, t->total, o->lr);
	mm_step(&t->m, &t->opt, *lr);
	if (!t->bt.tune)
		return YJ_OK;
	/* the encoder, with its own learning rate; the last field's
	 * activations are live, the others recomputed */
	params_zero_grad(&t->bt.enc.bert.ps);
	for (int i = t->bt.n - 1; i >= 0 && !st; i--) {
		if (i != t->bt.n - 1) {
			bert_seed(&t->bt.enc.bert, dseed + (uint64_t)i);
			st = textenc_encode(&t->bt.enc, &t->bt.tk[i], t->bidx, B, 1, t->bt.cls[i], err);
		}
		if (!st)
			textenc_backward(&t->bt.enc, t->m.dtin[i]);
	}
	if (st)
		return st;
	if (o->clip > 0)
		clip_grad_norm(&t->bt.enc.bert.ps, o->clip);
	adamw_step(&t->bt.opt, &t->bt.enc.bert.ps, lr_schedule(gstep, t->warm, t->total, o->text_lr));
	return YJ_OK;
}

/* The optimiser steps of one epoch from at->step_in_epoch, adding the
 * training losses to at->loss_sum/loss_n.  When asked to stop it stops
 * after a step with a checkpoint that resumes at the next. */
static yj_status epoch_steps(trainer *t, train_pos *at, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	int epoch = at->epoch;
	/* this epoch's order: its own seeded stream */
	yj_rng rng;
	rng_seed(&rng, o->seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(epoch + 1)));
	for (size_t i = 0; i < t->ntrain; i++)
		t->perm[i] = t->train_idx[i];
	for (size_t i = t->ntrain - 1; i > 0; i--) {
		size_t j = (size_t)rng_below(&rng, i + 1), tmp = t->perm[i];
		t->perm[i] = t->perm[j];
		t->perm[j] = tmp;
	}
	yj_status st = YJ_OK;
	for (size_t s = (size_t)at->step_in_epoch; s < t->steps_per_epoch && !st; s++) {
		size_t first = s * (size_t)o->batch;
		int B = (int)(t->ntrain - first < (size_t)o->batch ? t->ntrain - first : (size_t)o->batch);
		long long gstep = at->gstep;
		float loss, lr;
		gather(t, t->perm + first, B);
		if ((st = train_step(t, B, gstep, &loss, &lr, err)))
			break;
		at->loss_sum += loss;
		at->loss_n++;
		if ((st = run_step(&t->r, gstep, epoch, loss, lr, err)))
			break;
		at->gstep++;
		if (at->best_epoch >= 0 && o->stop_early && !t->r.cancelled && o->stop_early(o->ctx)) {
			t->stopped_early = 1; /* the partial epoch is dropped */
			break;
		}
		if (t->r.cancelled) {
			/* stop after this step, resumable from the next */
			train_pos next = *at;
			next.step_in_epoch = (int)s + 1;
			if (!(st = run_flush(&t->r, err)))
				st = save_checkpoint(t, &next, err);
			break;
		}
	}
	return st;
}

/* The best epoch's weights; fine-tuned, the head's weights and the
 * encoder's go together (predict needs the pair). */
static yj_status save_best_pair(trainer *t, int epoch, const yj_metrics *mt, yj_error *err)
{
	if (!t->bt.tune)
		return save_best(t, epoch, mt, err);
	yj_status st = project_begin(t->p, err);
	if (!st)
		st = save_best(t, epoch, mt, err);
	if (!st)
		st = textenc_store(t->p, &t->bt.enc, t->r.id, &t->bt.tuned_id, err);
	if (!st)
		st = project_commit(t->p, err);
	if (st)
		project_rollback(t->p);
	return st;
}

/* Checkpoints at an epoch's end.  A checkpoint is the whole parameter
 * buffer with its AdamW moments: with n-gram tables of V x (D + K) floats
 * (CAIL: about 10^5 rows of 185) that is hundreds of megabytes, and
 * writing one after every epoch cost more than the epoch.  So one is
 * written only when the last is at least CKPT_SECONDS old (or, when
 * writing costs more, CKPT_COST_FACTOR times its cost: at most a tenth of
 * the time goes to checkpoints), never after the last epoch or an early stop
 * (the run ends there), and always when the run is stopped (epoch_steps).  A run killed
 * in between resumes from its last checkpoint (or the start) and repeats
 * the epochs after it: the same seed, order and threads give the same
 * numbers, and the steps, epoch records and best weights it writes again
 * replace equal ones.  opts.checkpoint_seconds overrides CKPT_SECONDS
 * (negative: every epoch). */
#define CKPT_SECONDS 120.0
#define CKPT_COST_FACTOR 9.0

static int out_of_patience(const trainer *t, const train_pos *at);

static int checkpoint_due(const trainer *t, const train_pos *at)
{
	if (at->epoch >= t->o.epochs || out_of_patience(t, at))
		return 0; /* the run ends here */
	double every = t->o.checkpoint_seconds ? t->o.checkpoint_seconds : CKPT_SECONDS;
	if (every < 0)
		return 1;
	if (every < CKPT_COST_FACTOR * t->ckpt_cost)
		every = CKPT_COST_FACTOR * t->ckpt_cost;
	return progress_now() - t->ckpt_at >= every;
}

static yj_status timed_checkpoint(trainer *t, const train_pos *at, yj_error *err)
{
	double t0 = progress_now();
	yj_status st = save_checkpoint(t, at, err);
	t->ckpt_at = progress_now();
	t->ckpt_cost = t->ckpt_at - t0;
	return st;
}

/* The end of an epoch: the selection part's figures (validation; test on
 * an old split), the epoch's record, the best weights when they improved,
 * and a checkpoint at the next epoch when one is due. */
static yj_status finish_epoch(trainer *t, train_pos *at, double t0, yj_error *err)
{
	const yj_train_opts *o = &t->o;
	int epoch = at->epoch;
	yj_status st = YJ_OK;
	/* fine-tuned: every case's [CLS] vector under this epoch's encoder */
	for (int i = 0; t->bt.tune && i < t->bt.n && !st; i++)
		st = textenc_encode_all(t->p, &t->bt.enc, &t->bt.tk[i], o->batch, NULL, NULL, t->bt.cls[i], NULL, err);
	if (st)
		return st;
	/* every n-gram row up to date: evaluated, saved, checkpointed */
	for (int i = 0; i < t->ng.n; i++)
		ngram_decay_flush(&t->m.ng[i]);
	double sel_loss = evaluate(t, t->pred, t->truth);
	yj_metrics mt;
	if (metrics_compute(&mt, t->truth, t->pred, t->nsel, (int)t->cases.nclasses))
		return nomem(err);
	double train_loss = at->loss_n ? at->loss_sum / (double)at->loss_n : NAN;
	/* run_epochs.test_loss holds the selection part's loss (the run's
	 * metrics say which part: "selected_on") */
	yj_epoch_rec rec = {epoch, train_loss, sel_loss, mt.accuracy, mt.macro_f1, progress_now() - t0};
	if ((st = run_log_epoch(&t->r, &rec, NULL, err))) {
		metrics_free(&mt);
		return st;
	}
	t->epochs_done = epoch + 1;
	if (mt.macro_f1 > at->best_f1) {
		at->best_f1 = mt.macro_f1;
		at->best_epoch = epoch;
		st = save_best_pair(t, epoch, &mt, err);
	}
	metrics_free(&mt);
	*at = (train_pos){epoch + 1, 0, at->gstep, at->best_f1, at->best_epoch, 0, 0};
	if (!st && checkpoint_due(t, at))
		st = timed_checkpoint(t, at, err);
	if (!st && o->on_epoch)
		o->on_epoch(o->ctx, epoch, train_loss, sel_loss, rec.accuracy, rec.macro_f1);
	return st;
}

/* Early stopping: patience epochs have passed since the best one. */
static int out_of_patience(const trainer *t, const train_pos *at)
{
	return t->o.patience > 0 && at->best_epoch >= 0 && at->epoch - 1 - at->best_epoch >= t->o.patience;
}

static yj_status train_epochs(trainer *t, train_pos *at, yj_error *err)
{
	yj_status st = YJ_OK;
	while (at->epoch < t->o.epochs && !t->r.cancelled && !st && !out_of_patience(t, at) && !t->stopped_early) {
		double t0 = progress_now();
		if (!(st = epoch_steps(t, at, err)) && !t->r.cancelled && !t->stopped_early)
			st = finish_epoch(t, at, t0, err);
		if (!st && !t->r.cancelled && at->epoch < t->o.epochs && !out_of_patience(t, at) && t->o.stop_early &&
		    t->o.stop_early(t->o.ctx))
			t->stopped_early = 1;
	}
	return st;
}

/* Every --exclude name is a field of some source: a misspelt one would
 * silently leave in the field it meant (issue 14). */
static yj_status check_exclude(yj_project *p, const yj_train_opts *o, yj_error *err)
{
	if (!o->nexclude)
		return YJ_OK;
	yj_source_info *v = NULL;
	size_t n = 0;
	yj_status st = sources_list(p, &v, &n, err);
	for (size_t e = 0; !st && e < o->nexclude; e++) {
		int found = 0;
		for (size_t s = 0; s < n && !found; s++)
			found = sources_field_index(&v[s], o->exclude[e]) >= 0;
		if (!found) {
			st = error_set(err, YJ_EUSAGE, _("--exclude: no source has a field '%s'"), o->exclude[e]);
			error_hint(err, _("'yujing sources PROJECT' lists the fields"));
		}
	}
	sources_list_free(v, n);
	return st;
}

yj_status train_run(yj_project *p, const yj_train_opts *opts, long long *run_id, yj_error *err)
{
	trainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.o = *opts;
	run_init(&t.r, p, 0, opts->progress);
	*run_id = 0;
	yj_status st = YJ_OK;
	long long resume_split = 0;
	train_pos at;
	if (opts->resume && (st = resume_opts(&t, &resume_split, err)))
		goto out;
	if ((st = check_opts(&t.o, err)) || (st = check_exclude(p, &t.o, err)))
		goto out;
	nn_set_threads(t.o.threads);
	if (!opts->resume && (st = encoders_prune(p, err)))
		goto out;
	if ((st = load_inputs(&t, resume_split, err)) || (st = text_inputs(&t, err)) || (st = build_model(&t, err)) ||
	    (st = start_run(&t, &at, err)))
		goto end; /* start_run may have created the run */
	*run_id = t.r.id;
	progress_start(t.o.progress);
	t.r.last_flush = t.ckpt_at = progress_now();
	st = train_epochs(&t, &at, err);
	/* stopped early: the run's total is the steps it took */
	if (!st && !t.r.cancelled && (out_of_patience(&t, &at) || t.stopped_early) && at.epoch < t.o.epochs) {
		t.total = at.gstep;
		st = run_set_total(&t.r, t.total, err);
	}
	progress_tick(t.o.progress, "train", "steps", at.gstep, t.total, -1, 1);
	if (t.r.cancelled && (t.epochs_done == t.o.epochs || out_of_patience(&t, &at) || t.stopped_early))
		t.r.cancelled = 0; /* the request came with the last epoch: nothing left to resume */
	/* the report: the test part read once, with the selected weights */
	if (!st && !t.r.cancelled && at.best_epoch >= 0)
		st = train_report(p, t.r.id, at.best_epoch, err);
end:
	if (t.started) {
		*run_id = t.r.id;
		st = run_end(&t.r, st, err);
		drop_unused_encoder(&t);
	}
out:
	trainer_free(&t);
	return st;
}



yj_status train_request_cancel(yj_project *p, long long run, yj_error *err)
{
	return runs_request_cancel(p, run, err);
}

yj_status train_delete(yj_project *p, long long run, yj_error *err)
{
	return runs_delete(p, run, err);
}

/* Each run's tune group (tunes.h) into its object: "tune": N or null. */
static yj_status tune_groups(yj_project *p, json_t *runs, yj_error *err)
{
	long long *rid = NULL, *tid = NULL;
	size_t n = 0, k, j = 0;
	yj_status st = tunes_run_groups(p, &rid, &tid, &n, err);
	json_t *r;
	json_array_foreach(runs, k, r)
	{
		long long id = (long long)json_integer_value(json_object_get(r, "id"));
		while (j < n && rid[j] < id) /* both by run id */
			j++;
		json_object_set_new(r, "tune", j < n && rid[j] == id ? json_integer(tid[j]) : json_null());
	}
	free(rid);
	free(tid);
	return st;
}

/* The tune groups in brief (tunes.h): [{id, status, trials, best_run,
 * best_f1: the best trial's validation macro-F1 so far}]. */
static yj_status tune_summary(yj_project *p, json_t **out, yj_error *err)
{
	yj_tune_row *v = NULL;
	size_t n = 0;
	yj_status st = tunes_list(p, &v, &n, err);
	*out = st ? NULL : json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *rep = v[i].report ? json_loads(v[i].report, 0, NULL) : NULL;
		json_t *f1 = json_object_get(json_object_get(rep, "validation"), "macro_f1");
		json_t *t = json_pack("{s:I, s:s, s:I}", "id", (json_int_t)v[i].id, "status", runs_status_name(v[i].status),
				      "trials", (json_int_t)v[i].trials);
		json_object_set_new(t, "best_run", v[i].best_run ? json_integer(v[i].best_run) : json_null());
		json_object_set(t, "best_f1", json_is_number(f1) ? f1 : json_null());
		json_decref(rep);
		json_array_append_new(*out, t);
	}
	tunes_list_free(v, n);
	return st;
}

yj_status train_list(yj_project *p, json_t **out, yj_error *err)
{
	yj_run_summary *v = NULL;
	size_t n = 0;
	long long model = 0;
	yj_status st = runs_list(p, &v, &n, err);
	if (!st && (st = runs_model_of_record(p, &model, NULL, err)))
		runs_list_free(v, n);
	if (st)
		return st;
	json_t *arr = json_array();
	for (size_t i = 0; i < n; i++) {
		json_t *cfg = v[i].config ? json_loads(v[i].config, 0, NULL) : NULL;
		json_t *mt = v[i].metrics ? json_loads(v[i].metrics, 0, NULL) : NULL;
		json_t *r = json_pack("{s:I, s:s, s:s, s:o*, s:I, s:I, s:I}", "id", (json_int_t)v[i].id, "created_at",
				      v[i].created_at ? v[i].created_at : "", "status", runs_status_name(v[i].status),
				      "config", cfg, "epochs_done", (json_int_t)v[i].epochs_done, "steps_done",
				      (json_int_t)v[i].steps_done, "total_steps", (json_int_t)v[i].total_steps);
		/* epochs are 1-based wherever they are shown, JSON included */
		json_object_set_new(r, "best_epoch", v[i].best_epoch < 0 ? json_null() : json_integer(v[i].best_epoch + 1));
		json_object_set_new(r, "split_id", v[i].split_id ? json_integer(v[i].split_id) : json_null());
		json_object_set_new(r, "model", json_boolean(v[i].id == model));
		/* the test figures (of the report; null before it), the
		 * validation ones the epoch was chosen on */
		json_object_set(r, "accuracy", mt ? json_object_get(mt, "accuracy") : json_null());
		json_object_set(r, "macro_f1", mt ? json_object_get(mt, "macro_f1") : json_null());
		json_t *va = json_object_get(mt, "validation");
		if (va)
			json_object_set_new(r, "validation", json_pack("{s:O, s:O}", "accuracy", json_object_get(va, "accuracy"),
								       "macro_f1", json_object_get(va, "macro_f1")));
		json_t *on = json_object_get(mt, "selected_on");
		if (on)
			json_object_set(r, "selected_on", on);
		json_decref(mt);
		json_array_append_new(arr, r);
	}
	runs_list_free(v, n);
	*out = json_pack("{s:o}", "runs", arr);
	json_t *tunes = NULL;
	yj_status gst = tune_groups(p, arr, err);
	if (!gst && !(gst = tune_summary(p, &tunes, err)))
		json_object_set_new(*out, "tunes", tunes);
	if (gst) {
		json_decref(*out);
		*out = NULL;
	}
	return gst;
}

int train_selects_on_validation(yj_project *p)
{
	yj_error err;
	long long split = 0, snap = 0, counts[3] = {0};
	if (splits_of_active_snapshot(p, &split, &snap, &err) || !split || splits_part_counts(p, split, counts, &err))
		return 0;
	return counts[SPLIT_PART_VALID] > 0;
}

yj_status train_eval(yj_project *p, long long run, json_t **out, yj_error *err)
{
	long long id = 0;
	char *text = NULL;
	yj_status st = runs_metrics(p, run, &id, &text, err);
	if (st == YJ_ENOTFOUND && !run) {
		error_set(err, YJ_ENOTFOUND, _("no evaluated run yet"));
		error_hint(err, _("train one with 'yujing train PROJECT'"));
	}
	if (st)
		return st;
	json_error_t je;
	json_t *mt = text ? json_loads(text, JSON_PRESERVE_ORDER, &je) : NULL;
	int oom = text && !mt && json_error_code(&je) == json_error_out_of_memory;
	free(text);
	if (oom)
		return nomem(err);
	if (!mt) {
		error_set(err, YJ_ENOTFOUND, _("run %lld has not finished an epoch yet"), id);
		return YJ_ENOTFOUND;
	}
	double T, tau, *lp = NULL;
	/* the adjustment's log priors: one per category the metrics list */
	json_t *labels = json_object_get(mt, "labels");
	int K = json_is_array(labels) ? (int)json_array_size(labels) : -1;
	if ((st = report_temperature(mt, id, &T, err)) || (st = report_adjustment(mt, id, K, &tau, &lp, err))) {
		json_decref(mt);
		return st;
	}
	free(lp);
	/* The metrics under the run's id; every key copied or none (an
	 * allocation failing halfway would print a report with parts missing). */
	json_t *o = json_pack("{s:I}", "run", (json_int_t)id);
	if (!o || json_object_update(o, mt)) {
		json_decref(o);
		json_decref(mt);
		return nomem(err);
	}
	json_decref(mt);
	*out = o;
	return YJ_OK;
}

yj_status train_history(yj_project *p, long long run, json_t **out, yj_error *err)
{
	yj_step_rec *sv = NULL;
	yj_epoch_rec *ev = NULL;
	size_t ns = 0, ne = 0;
	yj_status st = runs_history(p, run, &sv, &ns, &ev, &ne, err);
	if (st)
		return st;
	/* which part the epochs were evaluated on: the run's metrics say
	 * (run_epochs.test_loss holds that part's loss) */
	long long id = 0;
	char *text = NULL;
	int valid = 0;
	if (!runs_metrics(p, run, &id, &text, err) && text) {
		json_t *mt = json_loads(text, 0, NULL);
		const char *on = json_string_value(json_object_get(mt, "selected_on"));
		valid = on && !strcmp(on, "validation");
		json_decref(mt);
	}
	free(text);
	json_t *steps = json_array(), *epochs = json_array();
	for (size_t i = 0; i < ns; i++)
		json_array_append_new(steps, json_pack("[I, f]", (json_int_t)sv[i].step, (double)sv[i].loss));
	for (size_t i = 0; i < ne; i++)
		json_array_append_new(epochs, json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "epoch", (json_int_t)ev[i].epoch + 1,
							"train_loss", ev[i].train_loss, valid ? "valid_loss" : "test_loss",
							ev[i].test_loss,
							"accuracy", ev[i].accuracy, "macro_f1", ev[i].macro_f1, "seconds",
							ev[i].seconds));
	free(sv);
	free(ev);
	*out = json_pack("{s:I, s:s, s:o, s:o}", "run", (json_int_t)run, "evaluated_on", valid ? "validation" : "test",
			 "steps", steps, "epochs", epochs);
	return YJ_OK;
}

/* The branch families the data supports (ablation). */
static yj_status families(yj_project *p, const yj_train_opts *o, int *st_, int *ng, int *tx, yj_error *err)
{
	trainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.o = *o;
	*st_ = *ng = *tx = 0;
	yj_features_opts fo = {.top_k = o->top_k, .exclude = o->exclude, .nexclude = o->nexclude};
	yj_status st = cases_load(p, &t.cases, err);
	if (!st)
		st = features_build(p, &t.cases, &fo, &t.f, &t.nf, err);
	if (!st)
		st = texts_build(p, &t.cases, &t.tx, &t.ntx, err);
	if (!st) {
		size_t ntx = 0;
		for (size_t i = 0; i < t.ntx; i++) {
			int ex = 0;
			for (size_t e = 0; e < o->nexclude; e++)
				ex |= !strcmp(o->exclude[e], t.tx[i].field);
			ntx += !ex;
		}
		*st_ = t.nf > 0 && t.nf <= MLP_MAX_SOURCES;
		*ng = ntx > 0;
		*tx = ntx > 0 && (o->text_model || encoders_have_active(p));
	}
	trainer_free(&t);
	return st;
}

yj_status train_ablation(yj_project *p, const yj_train_opts *opts, json_t **out, yj_error *err)
{
	int has[3];
	static const char *const fam[3] = {"structured", "ngram", "text"};
	yj_status st = check_exclude(p, opts, err);
	if (!st)
		st = families(p, opts, &has[0], &has[1], &has[2], err);
	if (st)
		return st;
	char all[64] = "";
	int nfam = 0;
	for (int f = 0; f < 3; f++)
		if (has[f]) {
			if (nfam++)
				strcat(all, ",");
			strcat(all, fam[f]);
		}
	if (!nfam)
		return error_set(err, YJ_EDATA, _("the data supports no branch"));
	json_t *cfgs = json_array();
	for (int f = 0; f <= 3 && !st; f++) {
		if (f < 3 && !has[f])
			continue;
		if (f == 3 && nfam < 2) { /* "all" is the single family already trained */
			json_t *c = json_deep_copy(json_array_get(cfgs, 0));
			json_object_set_new(c, "configuration", json_string("all"));
			json_array_append_new(cfgs, c);
			break;
		}
		yj_train_opts o = *opts;
		o.branches = f < 3 ? fam[f] : all;
		o.resume = 0;
		long long id = 0;
		json_t *ev = NULL;
		if ((st = train_run(p, &o, &id, err)) || (st = train_eval(p, id, &ev, err)))
			break;
		json_array_append_new(cfgs, json_pack("{s:s, s:s, s:I, s:O, s:O}", "configuration", f < 3 ? fam[f] : "all",
						      "branches", o.branches, "run", (json_int_t)id, "accuracy",
						      json_object_get(ev, "accuracy"), "macro_f1", json_object_get(ev, "macro_f1")));
		json_decref(ev);
	}
	if (st) {
		json_decref(cfgs);
		return st;
	}
	*out = json_pack("{s:I, s:o}", "seed", (json_int_t)opts->seed, "configurations", cfgs);
	return YJ_OK;
}
