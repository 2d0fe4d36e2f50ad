/*
 * train.c - the training loop of the multimodal classifier (structured,
 * n-gram and BERT text branches, fused), with live progress in the
 * project file, best-epoch weights and resumable checkpoints.
 */
#include <config.h>

#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "yujing/base/i18n.h"
#include "yujing/base/rng.h"
#include "yujing/data/features.h"
#include "yujing/model/multimodal.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/optim.h"
#include "yujing/nn/safetensors.h"
#include "yujing/store/runlog.h"
#include "yujing/train/metrics.h"
#include "yujing/train/textbranch.h"
#include "yujing/train/train.h"

void train_opts_default(yj_train_opts *o)
{
	memset(o, 0, sizeof *o);
	o->epochs = 20;
	o->batch = 256;
	o->lr = 1e-3f;
	o->weight_decay = 0.01f;
	o->warmup = 0.05f;
	o->clip = 1.0f;
	o->hidden = 64;
	o->depth = 1;
	o->top_k = 10;
	o->seed = 42;
	o->fusion = FUSION_CONCAT;
	o->ngram_buckets = NGRAM_DEFAULT_BUCKETS;
	o->ngram_n = NGRAM_DEFAULT_N;
	o->text_lr = 2e-5f;
	o->text_pool = TEXT_POOL_MEAN;
}

typedef struct {
	yj_project *p;
	sqlite3 *db;
	yj_train_opts o; /* effective options (from the run when resuming) */
	long long run;
	yj_cases cases;
	yj_source_features *f;
	size_t nf;
	size_t *train_idx, ntrain, *test_idx, ntest;
	yj_text_field *tx;  /* every text field */
	size_t ntx;
	int use_struct;
	int ngram_of[MM_MAX_TEXT]; /* text field of each n-gram branch */
	int nngram;
	yj_ngram_spec ngspec;              /* n-gram features: TF-IDF (ngram.h) */
	yj_ngram_vocab voc[MM_MAX_TEXT];   /* n-gram vocabularies of the training texts */
	yj_ngram_data nd[MM_MAX_TEXT];
	int text_of[MM_MAX_TEXT]; /* text field of each BERT text branch */
	int ntext;
	int has_enc;
	yj_textenc enc;
	yj_adamw topt;            /* the encoder's optimizer (fine-tuning) */
	yj_text_tokens tk[MM_MAX_TEXT];
	float *cls[MM_MAX_TEXT];  /* (ncases, hidden) [CLS] vectors */
	size_t cache_computed;    /* frozen: vectors computed (not from the cache) */
	long long tuned_id;       /* fine-tuning: the encoders row of this run's encoder */
	long long resume_enc;     /* resuming a frozen run: its encoder (0: the active one) */
	const size_t *bidx; /* the cases of the current batch */
	char *branches;     /* effective list, "structured,ngram:F" */
	yj_mm m;
	yj_adamw opt;
	float *xb[MLP_MAX_SOURCES];
	int32_t *yb;
	float *cw;
	yj_step_rec *pending;
	size_t npending, pending_cap;
	char *text_model; /* owned copy when resuming */
	char **exclude; /* owned copy when resuming */
	size_t nexclude;
	double last_flush;
	int cancelled;
} trainer;

static yj_status db_err(trainer *t, int rc, const char *what, yj_error *err)
{
	return store_sqlite_error(t->db, rc, what, err);
}


/* Write buffered step losses (and poll the cancel flag). */
static yj_status flush_steps(trainer *t, yj_error *err)
{
	yj_status st = runlog_write(t->db, t->run, t->pending, t->npending, &t->cancelled, err);
	if (!st) {
		t->npending = 0;
		t->last_flush = progress_now();
	}
	return st;
}

static json_t *config_json(const trainer *t)
{
	json_t *src = json_array(), *dims = json_array(), *ex = json_array();
	for (size_t i = 0; i < t->o.nexclude; i++)
		json_array_append_new(ex, json_string(t->o.exclude[i]));
	for (size_t i = 0; i < t->nf; i++) {
		json_array_append_new(src, json_string(t->f[i].name));
		json_array_append_new(dims, json_integer((json_int_t)t->f[i].dim));
	}
	const yj_train_opts *o = &t->o;
	if (!t->use_struct) {
		json_array_clear(src);
		json_array_clear(dims);
	}
	json_t *tf = json_array();
	for (int i = 0; i < t->nngram; i++)
		json_array_append_new(tf, json_pack("{s:s, s:s}", "source", t->tx[t->ngram_of[i]].source, "field",
						    t->tx[t->ngram_of[i]].field));
	json_t *c = json_pack("{s:s, s:i, s:i, s:f, s:f, s:f, s:f, s:i, s:i, s:i, s:i, s:s, s:I, s:i, s:o, s:o, s:o}",
			 "branches", t->branches, "epochs", o->epochs, "batch", o->batch, "lr", (double)o->lr,
			 "weight_decay", (double)o->weight_decay, "warmup", (double)o->warmup, "clip",
			 (double)o->clip, "hidden", o->hidden, "depth", o->depth, "proj", o->hidden, "top_k",
			 o->top_k, "class_weight", o->balanced ? "balanced" : "none", "seed", (json_int_t)o->seed,
			 "threads", nn_threads(), "sources", src, "in_dims", dims, "exclude", ex);
	json_object_set_new(c, "fusion", json_string(fusion_mode_name((yj_fusion_mode)o->fusion)));
	json_object_set_new(c, "ngram_buckets", json_integer((json_int_t)o->ngram_buckets));
	json_object_set_new(c, "ngram_n", json_integer(o->ngram_n));
	json_object_set_new(c, "ngram_words", json_integer(t->ngspec.words));
	json_object_set_new(c, "ngram_weighting", json_string("tfidf"));
	json_object_set_new(c, "text_fields", tf);
	if (t->ntext) {
		json_t *bf = json_array();
		for (int i = 0; i < t->ntext; i++)
			json_array_append_new(bf, json_pack("{s:s, s:s}", "source", t->tx[t->text_of[i]].source, "field",
							    t->tx[t->text_of[i]].field));
		json_object_set_new(c, "bert_fields", bf);
		json_object_set_new(c, "text_lr", json_real((double)o->text_lr));
		json_object_set_new(c, "freeze_text", json_boolean(o->freeze_text));
		json_object_set_new(c, "text_pool", json_string(text_pool_name(o->text_pool)));
		json_object_set_new(c, "max_len", json_integer(t->tk[0].max_len));
		json_object_set_new(c, "max_len_auto", json_boolean(o->max_len <= 0));
		json_object_set_new(c, "encoder_id", json_integer((json_int_t)t->enc.encoder_id));
		json_object_set_new(c, "text_model", o->text_model ? json_string(o->text_model) : json_null());
		json_object_set_new(c, "text_hidden", json_integer(t->enc.bert.cfg.hidden));
	}
	return c;
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

/* Evaluate on the test cases: mean loss, and predictions into pred. */
static double evaluate(trainer *t, int32_t *pred, int32_t *truth)
{
	int K = t->m.cfg.nclasses, bs = t->o.batch;
	double loss = 0;
	for (size_t i = 0; i < t->ntest; i += (size_t)bs) {
		int B = (int)(t->ntest - i < (size_t)bs ? t->ntest - i : (size_t)bs);
		gather(t, t->test_idx + i, B);
		mm_forward(&t->m, (const float *const *)t->xb, t->nd, t->bidx, B, 0);
		loss += (double)mm_loss(&t->m, t->yb, NULL, B) * B;
		for (int b = 0; b < B; b++) {
			pred[i + (size_t)b] = vec_argmax(t->m.fu.probs + (size_t)b * (size_t)K, K);
			truth[i + (size_t)b] = t->yb[b];
		}
	}
	return t->ntest ? loss / (double)t->ntest : NAN;
}

/* The checkpoint: values and AdamW moments, and where the loop stands
 * (loss_sum/loss_n: the training losses of a partly done epoch, so a
 * resumed epoch reports the mean over all its steps). */
static yj_status save_checkpoint(trainer *t, int epoch, int step_in_epoch, long long gstep,
				 double best_f1, int best_epoch, double loss_sum, long loss_n, yj_error *err)
{
	size_t total = t->m.ps.total;
	float *blob = malloc(3 * total * sizeof *blob);
	if (!blob)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	memcpy(blob, t->m.ps.data, total * sizeof *blob);
	memcpy(blob + total, t->m.ps.m, total * sizeof *blob);
	memcpy(blob + 2 * total, t->m.ps.v2, total * sizeof *blob);
	json_t *state = json_pack("{s:i, s:i, s:I, s:I, s:f, s:i, s:f, s:I}", "epoch", epoch, "step_in_epoch",
				  step_in_epoch, "global_step", (json_int_t)gstep, "adam_t",
				  (json_int_t)t->opt.t, "best_f1", best_f1, "best_epoch", best_epoch, "loss_sum",
				  loss_sum, "loss_n", (json_int_t)loss_n);
	char *s = json_dumps(state, JSON_COMPACT | JSON_REAL_PRECISION(17));
	json_decref(state);
	int rc = store_exec(t->db, "UPDATE runs SET checkpoint = ?, ckpt_state = ? WHERE id = ?", "bti", blob,
			   3 * total * sizeof *blob, s, t->run);
	free(blob);
	free(s);
	return rc == SQLITE_OK ? YJ_OK : db_err(t, rc, _("saving a checkpoint"), err);
}

static yj_status load_checkpoint(trainer *t, int *epoch, int *step_in_epoch, long long *gstep,
				 double *best_f1, int *best_epoch, double *loss_sum, long *loss_n, yj_error *err)
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
	json_t *state = json_loads((const char *)sqlite3_column_text(st, 1), 0, NULL);
	if (!blob || bytes != 3 * total * sizeof(float) || !state) {
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
		*best_f1 = json_number_value(json_object_get(state, "best_f1"));
		*best_epoch = (int)json_integer_value(json_object_get(state, "best_epoch"));
		*loss_sum = json_number_value(json_object_get(state, "loss_sum"));
		*loss_n = (long)json_integer_value(json_object_get(state, "loss_n"));
	}
	json_decref(state);
	sqlite3_finalize(st);
	return ret;
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
		mm_forward(&t->m, (const float *const *)t->xb, t->nd, t->bidx, B, 0);
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
		int bert = pl >= S + t->nngram;
		if (pl < S)
			snprintf(name, sizeof name, "%s", t->f[pl].name);
		else if (!bert)
			snprintf(name, sizeof name, "ngram:%s", t->tx[t->ngram_of[pl - S]].field);
		else
			snprintf(name, sizeof name, "text:%s", t->tx[t->text_of[pl - S - t->nngram]].field);
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

static yj_status save_best(trainer *t, int epoch, const yj_metrics *mt, yj_error *err)
{
	json_t *meta = json_object();
	json_object_set_new(meta, "format", json_string(t->nngram || t->ntext ? "yujing-multimodal" : "yujing-structured"));
	json_object_set_new(meta, "epoch", json_sprintf("%d", epoch));
	char *bl = baselines_json(t);
	if (!bl) {
		json_decref(meta);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	json_object_set_new(meta, "baselines", json_string(bl));
	free(bl);
	char *meta_s = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	unsigned char *buf = NULL;
	size_t len = 0;
	if (!meta_s || safetensors_write(&t->m.ps, meta_s, &buf, &len)) {
		free(meta_s);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	free(meta_s);
	json_t *mj = metrics_json(mt, t->cases.classes);
	char *ms = json_dumps(mj, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(mj);
	int rc = store_exec(t->db, "UPDATE runs SET weights = ?, metrics = ?, best_epoch = ? WHERE id = ?", "btii",
			   buf, len, ms, (long long)epoch, t->run);
	free(buf);
	free(ms);
	return rc == SQLITE_OK ? YJ_OK : db_err(t, rc, _("saving the best weights"), err);
}

static yj_status create_run(trainer *t, yj_error *err)
{
	json_t *cfg = config_json(t), *labels = json_array(), *feats = json_array();
	for (size_t k = 0; k < t->cases.nclasses; k++)
		json_array_append_new(labels, json_string(t->cases.classes[k]));
	for (size_t i = 0; t->use_struct && i < t->nf; i++)
		json_array_append(feats, t->f[i].layout);
	for (int i = 0; i < t->nngram; i++) {
		/* the n-gram layout: vocabulary, document frequencies (ngram.h) */
		json_t *voc = json_array(), *df = json_array();
		for (size_t k = 0; k < t->voc[i].n; k++) {
			json_array_append_new(voc, json_integer(t->voc[i].bucket[k]));
			json_array_append_new(df, json_integer(t->voc[i].df[k]));
		}
		const yj_text_field *tf = &t->tx[t->ngram_of[i]];
		char name[512];
		snprintf(name, sizeof name, "ngram:%s", tf->field);
		json_array_append_new(feats, json_pack("{s:s, s:s, s:s, s:s, s:I, s:i, s:i, s:s, s:b, s:i, s:I, s:o, s:o}",
						       "branch", name, "source", tf->source, "field", tf->field, "mode",
						       "ngram", "buckets", (json_int_t)t->o.ngram_buckets, "n", t->o.ngram_n,
						       "words", t->ngspec.words, "weighting", "tfidf", "direct", 1, "min_df", t->ngspec.min_df, "ndocs",
						       (json_int_t)t->voc[i].ndocs, "vocab", voc, "df", df));
	}
	/* BERT text branches: which encoder (fine-tuned: this run's copy) */
	for (int i = 0; i < t->ntext; i++) {
		const yj_text_field *tf = &t->tx[t->text_of[i]];
		char name[512];
		snprintf(name, sizeof name, "text:%s", tf->field);
		int tuned = !t->o.freeze_text;
		json_t *e = json_pack("{s:s, s:s, s:s, s:s, s:i, s:I, s:b}", "branch", name, "text_branch", name,
				      "source", tf->source,
				      "field", tf->field, "max_len", t->tk[i].max_len, "encoder_id",
				      (json_int_t)(tuned ? t->tuned_id : t->enc.encoder_id), "frozen", !tuned);
		if (t->o.text_model && !tuned)
			json_object_set_new(e, "text_model", json_string(t->o.text_model));
		json_object_set_new(e, "pool", json_string(text_pool_name(t->o.text_pool)));
		json_array_append_new(feats, e);
	}
	char *c = json_dumps(cfg, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	char *l = json_dumps(labels, JSON_COMPACT);
	char *f = json_dumps(feats, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
	json_decref(cfg);
	json_decref(labels);
	json_decref(feats);
	int rc = c && l && f ? store_exec(t->db,
					 "INSERT INTO runs (status, split_id, config, labels, features, pid)"
					 " VALUES ('running', ?, ?, ?, ?, ?)",
					 "ittti", t->cases.split_id, c, l, f, (long long)getpid())
			     : SQLITE_NOMEM;
	free(c);
	free(l);
	free(f);
	if (rc != SQLITE_OK)
		return db_err(t, rc, _("creating the run"), err);
	t->run = sqlite3_last_insert_rowid(t->db);
	return YJ_OK;
}

/* A fine-tuning run: its own copy of the encoder (an inactive encoders
 * row, which the run's features name) and the run, in one transaction, so
 * that no encoder row is ever left without its run. */
static yj_status create_tuned_run(trainer *t, yj_error *err)
{
	int rc = sqlite3_exec(t->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK)
		return db_err(t, rc, _("creating the run"), err);
	yj_status st = textenc_store(t->p, &t->enc, 0, &t->tuned_id, err);
	if (!st)
		st = create_run(t, err);
	if (!st && (rc = store_exec(t->db, "UPDATE encoders SET run_id = ? WHERE id = ?", "ii", t->run,
				    t->tuned_id)) != SQLITE_OK)
		st = db_err(t, rc, _("creating the run"), err);
	if (!st && (rc = sqlite3_exec(t->db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
		st = db_err(t, rc, _("creating the run"), err);
	if (st) {
		sqlite3_exec(t->db, "ROLLBACK", NULL, NULL, NULL);
		t->tuned_id = 0;
		t->run = 0;
	}
	return st;
}

/* A fine-tuning run that ends (failed or stopped: it cannot be resumed)
 * without a best epoch's weights leaves nothing that could use its
 * encoder: the row goes.  With weights it stays as long as the run, since
 * predict and explain of the run need it. */
static void drop_unused_encoder(trainer *t)
{
	if (!t->tuned_id || !t->run)
		return;
	store_exec(t->db,
		   "DELETE FROM encoders WHERE id = ? AND NOT active AND run_id = ?"
		   " AND (SELECT weights FROM runs WHERE id = ?) IS NULL",
		   "iii", t->tuned_id, t->run, t->run);
}

/* Encoder rows that fine-tuning left behind and nothing can use: those of
 * training runs that hold no weights and are not training (their process
 * is gone: killed, or the run failed before its first epoch ended), and
 * rows without a run that no run's features name (older versions wrote
 * the row before the run; a removed run leaves its row without one).
 * Pretraining's encoders belong to runs whose branches are "pretrain" and
 * are kept; so is the active encoder and any encoder a run names. */
static yj_status prune_encoders(trainer *t, yj_error *err)
{
	sqlite3_stmt *q = NULL;
	int rc = sqlite3_prepare_v2(
		t->db,
		"SELECT e.id, r.status, r.pid FROM encoders e LEFT JOIN runs r ON r.id = e.run_id"
		" WHERE NOT e.active AND ((e.run_id IS NULL AND NOT EXISTS (SELECT 1 FROM runs x, json_each(x.features) f"
		"   WHERE json_extract(f.value, '$.encoder_id') = e.id))"
		" OR (r.id IS NOT NULL AND r.weights IS NULL"
		"   AND json_extract(r.config, '$.branches') IS NOT 'pretrain'"
		"   AND NOT EXISTS (SELECT 1 FROM runs x, json_each(x.features) f"
		"     WHERE x.id <> r.id AND json_extract(f.value, '$.encoder_id') = e.id)))",
		-1, &q, NULL);
	long long *drop = NULL;
	size_t n = 0, cap = 0;
	while (rc == SQLITE_OK && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		rc = SQLITE_OK;
		const char *status = (const char *)sqlite3_column_text(q, 1);
		long long pid = sqlite3_column_int64(q, 2);
		/* a run still training in a live process keeps its encoder */
		if (status && !strcmp(status, "running") && pid > 0 && kill((pid_t)pid, 0) == 0)
			continue;
		if (n == cap) {
			long long *v = realloc(drop, (cap = cap ? 2 * cap : 8) * sizeof *v);
			if (!v) {
				rc = SQLITE_NOMEM;
				break;
			}
			drop = v;
		}
		drop[n++] = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
	for (size_t i = 0; rc == SQLITE_OK && i < n; i++)
		rc = store_exec(t->db, "DELETE FROM encoders WHERE id = ? AND NOT active", "i", drop[i]);
	free(drop);
	return rc == SQLITE_OK ? YJ_OK : db_err(t, rc, _("removing unused text encoders"), err);
}

/* Options of a run being resumed, from its stored configuration. */
static yj_status resume_opts(trainer *t, long long *split_id, yj_error *err)
{
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(t->db, "SELECT config, split_id, status, pid FROM runs WHERE id = ?", -1, &st, NULL);
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
	*split_id = sqlite3_column_int64(st, 1);
	int done = !strcmp((const char *)sqlite3_column_text(st, 2), "done");
	int running = !strcmp((const char *)sqlite3_column_text(st, 2), "running");
	long long pid = sqlite3_column_int64(st, 3);
	sqlite3_finalize(st);
	/* A run still training in a live process must not be resumed twice
	 * (a run marked running whose process died is resumable). */
	if (running && pid > 0 && pid != (long long)getpid() && kill((pid_t)pid, 0) == 0) {
		json_decref(cfg);
		error_set(err, YJ_EUSAGE, _("run %lld is still training (process %lld)"), t->run, pid);
		error_hint(err, _("stop it first with: yujing train PROJECT --cancel %lld"), t->run);
		return YJ_EUSAGE;
	}
	if (done) {
		json_decref(cfg);
		return error_set(err, YJ_EUSAGE, _("run %lld has already finished"), t->run);
	}
	if (!cfg)
		return error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), t->run);
	yj_train_opts *o = &t->o;
	o->epochs = (int)json_integer_value(json_object_get(cfg, "epochs"));
	o->batch = (int)json_integer_value(json_object_get(cfg, "batch"));
	o->lr = (float)json_number_value(json_object_get(cfg, "lr"));
	o->weight_decay = (float)json_number_value(json_object_get(cfg, "weight_decay"));
	o->warmup = (float)json_number_value(json_object_get(cfg, "warmup"));
	o->clip = (float)json_number_value(json_object_get(cfg, "clip"));
	o->hidden = (int)json_integer_value(json_object_get(cfg, "hidden"));
	o->depth = (int)json_integer_value(json_object_get(cfg, "depth"));
	o->top_k = (int)json_integer_value(json_object_get(cfg, "top_k"));
	o->balanced = !strcmp(json_string_value(json_object_get(cfg, "class_weight")), "balanced");
	o->seed = (uint64_t)json_integer_value(json_object_get(cfg, "seed"));
	free(t->branches);
	t->branches = strdup(json_string_value(json_object_get(cfg, "branches")) ? json_string_value(json_object_get(cfg, "branches")) : "structured");
	o->branches = t->branches;
	o->fusion = json_object_get(cfg, "fusion") ? fusion_mode_parse(json_string_value(json_object_get(cfg, "fusion"))) : FUSION_CONCAT;
	if (o->fusion < 0)
		o->fusion = FUSION_CONCAT;
	if (json_object_get(cfg, "ngram_buckets"))
		o->ngram_buckets = (unsigned)json_integer_value(json_object_get(cfg, "ngram_buckets"));
	if (json_object_get(cfg, "ngram_n"))
		o->ngram_n = (int)json_integer_value(json_object_get(cfg, "ngram_n"));
	if (json_object_get(cfg, "bert_fields")) {
		if (!json_is_true(json_object_get(cfg, "freeze_text"))) {
			json_decref(cfg);
			error_set(err, YJ_EUSAGE, _("run %lld fine-tunes the text encoder and cannot be resumed"), t->run);
			error_hint(err, _("train it again, or use --freeze-text"));
			return YJ_EUSAGE;
		}
		o->freeze_text = 1;
		o->max_len = (int)json_integer_value(json_object_get(cfg, "max_len"));
		if (json_is_true(json_object_get(cfg, "max_len_auto")))
			o->max_len = 0; /* per field, as the run chose them */
		o->text_lr = (float)json_number_value(json_object_get(cfg, "text_lr"));
		/* a run from before the choice pooled [CLS] */
		const char *pn = json_string_value(json_object_get(cfg, "text_pool"));
		o->text_pool = pn ? text_pool_parse(pn) : TEXT_POOL_CLS;
		if (o->text_pool < 0) {
			error_set(err, YJ_EDATA, _("run %lld pools its text branches by '%s', which this version does not know"),
				  t->run, pn);
			json_decref(cfg);
			return YJ_EDATA;
		}
		t->resume_enc = json_integer_value(json_object_get(cfg, "encoder_id"));
		const char *tm = json_string_value(json_object_get(cfg, "text_model"));
		free(t->text_model);
		t->text_model = tm ? strdup(tm) : NULL;
		o->text_model = t->text_model;
	}
	if (!o->threads) /* the same threads give the same numbers */
		o->threads = (int)json_integer_value(json_object_get(cfg, "threads"));
	json_t *ex = json_object_get(cfg, "exclude");
	size_t n = json_array_size(ex);
	t->exclude = calloc(n ? n : 1, sizeof *t->exclude);
	for (size_t i = 0; t->exclude && i < n; i++)
		t->exclude[i] = strdup(json_string_value(json_array_get(ex, i)));
	o->exclude = (const char *const *)t->exclude;
	o->nexclude = t->exclude ? n : 0;
	t->nexclude = o->nexclude;
	json_decref(cfg);
	return YJ_OK;
}

static void trainer_free(trainer *t)
{
	cases_free(&t->cases);
	features_free(t->f, t->nf);
	free(t->train_idx);
	free(t->test_idx);
	mm_free(&t->m);
	texts_free(t->tx, t->ntx);
	for (int i = 0; i < MM_MAX_TEXT; i++) {
		ngram_vocab_free(&t->voc[i]);
		ngram_data_free(&t->nd[i]);
	}
	free(t->branches);
	free(t->text_model);
	for (int i = 0; i < MM_MAX_TEXT; i++) {
		text_tokens_free(&t->tk[i]);
		free(t->cls[i]);
	}
	if (t->has_enc) {
		textenc_free(&t->enc);
	}
	for (size_t s = 0; s < MLP_MAX_SOURCES; s++)
		free(t->xb[s]);
	free(t->yb);
	free(t->cw);
	free(t->pending);
	for (size_t i = 0; t->exclude && i < t->nexclude; i++)
		free(t->exclude[i]);
	free(t->exclude);
}

/* Tokens per text of a field when not given: the profile's suggested
 * length (the 95th percentile in characters, about one token each for
 * Chinese) plus [CLS] and [SEP], else 128. */
static int profile_max_len(trainer *t, const char *source, const char *field)
{
	sqlite3_stmt *st = NULL;
	int n = 128;
	if (sqlite3_prepare_v2(t->db, "SELECT p.result FROM profiles p JOIN sources s ON s.id = p.source_id WHERE s.name = ?",
			       -1, &st, NULL) == SQLITE_OK) {
		sqlite3_bind_text(st, 1, source, -1, SQLITE_STATIC);
		if (sqlite3_step(st) == SQLITE_ROW) {
			json_t *r = json_loads((const char *)sqlite3_column_text(st, 0), 0, NULL);
			size_t i;
			json_t *f;
			json_array_foreach(json_object_get(r, "fields"), i, f)
			{
				json_t *s = json_object_get(json_object_get(f, "length"), "suggested_max_len");
				const char *name = json_string_value(json_object_get(f, "name"));
				if (json_is_integer(s) && name && !strcmp(name, field))
					n = (int)json_integer_value(s) + 2;
			}
			json_decref(r);
		}
	}
	sqlite3_finalize(st);
	return n < 8 ? 8 : n > 512 ? 512 : n;
}

/* Whether the project has an active text encoder. */
static int encoder_exists(trainer *t)
{
	sqlite3_stmt *st = NULL;
	int yes = sqlite3_prepare_v2(t->db, "SELECT 1 FROM encoders WHERE active", -1, &st, NULL) == SQLITE_OK &&
		  sqlite3_step(st) == SQLITE_ROW;
	sqlite3_finalize(st);
	return yes;
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
		int bert = o->freeze_text && (o->text_model || encoder_exists(t));
		want_struct = t->nf > 0;
		for (size_t i = 0; i < t->ntx; i++)
			pick[i] = 1, tpick[i] = (unsigned char)bert;
	}
	/* excluded fields feed no branch */
	for (size_t i = 0; i < t->ntx; i++)
		for (size_t e = 0; e < o->nexclude; e++)
			if (!strcmp(o->exclude[e], t->tx[i].field))
				pick[i] = tpick[i] = 0;
	t->nngram = 0;
	for (size_t i = 0; i < t->ntx; i++)
		if (pick[i]) {
			if (t->nngram == MM_MAX_TEXT)
				return error_set(err, YJ_EDATA, _("too many text fields (at most %d)"), MM_MAX_TEXT);
			t->ngram_of[t->nngram++] = (int)i;
		}
	if (want_struct && (t->nf == 0 || t->nf > MLP_MAX_SOURCES))
		return error_set(err, YJ_EDATA, t->nf ? _("too many sources for the structured branch")
						     : _("no source has a structured field (numeric, categorical or datetime)"));
	t->ntext = 0;
	for (size_t i = 0; i < t->ntx; i++)
		if (tpick[i]) {
			if (t->ntext == MM_MAX_TEXT)
				return error_set(err, YJ_EDATA, _("too many text fields (at most %d)"), MM_MAX_TEXT);
			t->text_of[t->ntext++] = (int)i;
		}
	if (explicit_ngram && !t->nngram)
		return error_set(err, YJ_EDATA, _("no text field for the n-gram branch"));
	if (explicit_text && !t->ntext)
		return error_set(err, YJ_EDATA, _("no text field for the text branch"));
	if (!want_struct && !t->nngram && !t->ntext)
		return error_set(err, YJ_EDATA, _("no source has a structured field (numeric, categorical or datetime)"));
	t->use_struct = want_struct;
	size_t len = 16;
	for (int i = 0; i < t->nngram; i++)
		len += strlen(t->tx[t->ngram_of[i]].field) + 8;
	for (int i = 0; i < t->ntext; i++)
		len += strlen(t->tx[t->text_of[i]].field) + 8;
	free(t->branches);
	if (!(t->branches = malloc(len)))
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	t->branches[0] = '\0';
	if (want_struct)
		strcat(t->branches, "structured");
	for (int i = 0; i < t->nngram; i++) {
		if (t->branches[0])
			strcat(t->branches, ",");
		strcat(t->branches, "ngram:");
		strcat(t->branches, t->tx[t->ngram_of[i]].field);
	}
	for (int i = 0; i < t->ntext; i++) {
		if (t->branches[0])
			strcat(t->branches, ",");
		strcat(t->branches, "text:");
		strcat(t->branches, t->tx[t->text_of[i]].field);
	}
	t->o.branches = t->branches;
	return YJ_OK;
}

yj_status train_run(yj_project *p, const yj_train_opts *opts, long long *run_id, yj_error *err)
{
	trainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.db = project_db(p);
	t.o = *opts;
	*run_id = 0;
	yj_status st = YJ_OK;
	long long resume_split = 0;
	if (opts->resume) {
		t.run = opts->resume;
		if ((st = resume_opts(&t, &resume_split, err)))
			goto out;
	}
	yj_train_opts *o = &t.o;
	if (o->epochs < 1 || o->batch < 2 || !(o->lr > 0) || o->hidden < 1 || o->depth < 1 ||
	    o->depth > MLP_MAX_DEPTH) {
		st = error_set(err, YJ_EUSAGE, _("invalid training options (epochs >= 1, batch >= 2, lr > 0, "
						  "hidden >= 1, 1 <= depth <= %d)"), MLP_MAX_DEPTH);
		goto out;
	}
	nn_set_threads(o->threads);
	if (!opts->resume && (st = prune_encoders(&t, err)))
		goto out;
	if ((st = cases_load(p, &t.cases, err)))
		goto out;
	if (opts->resume && resume_split != t.cases.split_id) {
		st = error_set(err, YJ_EUSAGE, _("run %lld was trained on split %lld, but split %lld is active now"),
			       t.run, resume_split, t.cases.split_id);
		goto out;
	}
	if (t.cases.nclasses < 2) {
		st = error_set(err, YJ_EDATA, _("the split has %zu classes; training needs at least 2"),
			       t.cases.nclasses);
		goto out;
	}
	yj_features_opts fo = {.top_k = o->top_k, .exclude = o->exclude, .nexclude = o->nexclude};
	if ((st = features_build(p, &t.cases, &fo, &t.f, &t.nf, err)))
		goto out;
	if ((st = texts_build(p, &t.cases, &t.tx, &t.ntx, err)) || (st = select_branches(&t, err)))
		goto out;
	t.train_idx = malloc(t.cases.n * sizeof *t.train_idx);
	t.test_idx = malloc(t.cases.n * sizeof *t.test_idx);
	t.yb = malloc((size_t)o->batch * sizeof *t.yb);
	t.cw = malloc(t.cases.nclasses * sizeof *t.cw);
	if (!t.train_idx || !t.test_idx || !t.yb || !t.cw)
		goto nomem;
	for (size_t i = 0; i < t.cases.n; i++) {
		if (t.cases.part[i] == CASE_TRAIN)
			t.train_idx[t.ntrain++] = i;
		else if (t.cases.part[i] == CASE_TEST)
			t.test_idx[t.ntest++] = i;
	}
	if (t.ntrain < 2) {
		st = error_set(err, YJ_EDATA, _("the split has fewer than 2 training cases"));
		goto out;
	}
	for (size_t s = 0; t.use_struct && s < t.nf; s++)
		if (!(t.xb[s] = malloc((size_t)o->batch * t.f[s].dim * sizeof(float))))
			goto nomem;
	/* n-gram branches: the vocabulary of the training texts */
	{
		unsigned char *use = malloc(t.cases.n ? t.cases.n : 1);
		if (!use)
			goto nomem;
		for (size_t i = 0; i < t.cases.n; i++)
			use[i] = t.cases.part[i] == CASE_TRAIN;
		ngram_spec_default(&t.ngspec);
		t.ngspec.nmax = o->ngram_n;
		t.ngspec.buckets = o->ngram_buckets;
		for (int i = 0; i < t.nngram; i++) {
			const yj_text_field *tf = &t.tx[t.ngram_of[i]];
			if (ngram_vocab_build((const char *const *)tf->text, t.cases.n, use, &t.ngspec, &t.voc[i]) ||
			    ngram_data_build((const char *const *)tf->text, t.cases.n, &t.ngspec, &t.voc[i], &t.nd[i])) {
				free(use);
				goto nomem;
			}
			if (!t.voc[i].n) {
				free(use);
				st = error_set(err, YJ_EDATA, _("the text field %s of %s is empty in every training case"),
					       tf->field, tf->source);
				goto out;
			}
		}
		free(use);
	}
	/* BERT text branches: the encoder, the tokens, and (frozen) every
	 * case's [CLS] vector from the project's cache */
	if (t.ntext) {
		if ((st = textenc_open(p, o->text_model, t.resume_enc, o->seed, &t.enc, err)))
			goto out;
		t.has_enc = 1;
		t.enc.pool = o->text_pool;
		adamw_init(&t.topt);
		t.topt.weight_decay = o->weight_decay;
		size_t H = (size_t)t.enc.bert.cfg.hidden;
		for (int i = 0; i < t.ntext; i++) {
			const yj_text_field *tf = &t.tx[t.text_of[i]];
			if ((st = textenc_tokenize(&t.enc, (const char *const *)tf->text, t.cases.n,
						   o->max_len > 0 ? o->max_len : profile_max_len(&t, tf->source, tf->field),
						   &t.tk[i], err)))
				goto out;
			if (!(t.cls[i] = calloc((t.cases.n ? t.cases.n : 1) * H, sizeof(float))))
				goto nomem;
			char field[512];
			snprintf(field, sizeof field, "%s.%s", tf->source, tf->field);
			size_t computed = 0;
			if (o->freeze_text &&
			    (st = textenc_encode_all(p, &t.enc, &t.tk[i], o->batch, field,
						     (const char *const *)t.cases.key, t.cls[i], &computed, err)))
				goto out;
			t.cache_computed += computed;
		}
	}
	/* balanced class weights n / (K n_k), as scikit-learn */
	{
		size_t K = t.cases.nclasses;
		int64_t *cnt = calloc(K, sizeof *cnt);
		if (!cnt)
			goto nomem;
		for (size_t i = 0; i < t.ntrain; i++)
			cnt[t.cases.label[t.train_idx[i]]]++;
		size_t present = 0;
		for (size_t k = 0; k < K; k++)
			present += cnt[k] > 0;
		for (size_t k = 0; k < K; k++)
			t.cw[k] = cnt[k] ? (float)((double)t.ntrain / ((double)present * (double)cnt[k])) : 0;
		free(cnt);
	}
	yj_mm_cfg cfg = {.nngram = t.nngram, .ngram_dim = o->hidden, .ngram_direct = 1,
			 .nclasses = (int)t.cases.nclasses, .fusion = (yj_fusion_mode)o->fusion};
	if (t.use_struct) {
		cfg.mlp = (yj_mlp_cfg){.nsrc = (int)t.nf, .hidden = o->hidden, .depth = o->depth, .proj = o->hidden};
		for (size_t s = 0; s < t.nf; s++)
			cfg.mlp.in_dim[s] = (int)t.f[s].dim;
	}
	for (int i = 0; i < t.nngram; i++)
		cfg.ngram_rows[i] = t.voc[i].n;
	if (t.ntext) {
		cfg.ntext = t.ntext;
		cfg.text_in = t.enc.bert.cfg.hidden;
		cfg.text_dim = o->hidden;
	}
	if (mm_init(&t.m, &cfg, o->seed) || mm_reserve(&t.m, o->batch))
		goto nomem;
	/* n-gram tables: a learning rate for TF-IDF inputs (ngram.h) */
	for (int i = 0; i < t.nngram; i++)
		t.m.ng[i].lr_scale = ngram_lr_scale(&t.nd[i], t.train_idx, t.ntrain);
	for (int i = 0; i < t.ntext; i++)
		t.m.tin[i] = t.cls[i];
	int tune = t.ntext && !o->freeze_text;
	adamw_init(&t.opt);
	t.opt.weight_decay = o->weight_decay;

	int epoch0 = 0, step0 = 0, best_epoch = -1;
	long long gstep = 0;
	double best_f1 = -1, loss_sum0 = 0;
	long loss_n0 = 0;
	if (opts->resume) {
		if ((st = load_checkpoint(&t, &epoch0, &step0, &gstep, &best_f1, &best_epoch, &loss_sum0, &loss_n0,
					  err)))
			goto out;
		int rc = store_exec(t.db, "UPDATE runs SET status = 'running', cancel = 0, pid = ? WHERE id = ?", "ii",
				   (long long)getpid(), t.run);
		if (rc != SQLITE_OK) {
			st = db_err(&t, rc, _("resuming the run"), err);
			goto out;
		}
	} else if ((st = tune ? create_tuned_run(&t, err) : create_run(&t, err))) {
		goto out;
	}
	*run_id = t.run;
	size_t steps_per_epoch = t.ntrain / (size_t)o->batch + (t.ntrain % (size_t)o->batch >= 2);
	long long total = (long long)steps_per_epoch * o->epochs;
	long long warm = (long long)(o->warmup * (float)total);
	store_exec(t.db, "UPDATE runs SET total_steps = ? WHERE id = ?", "ii", total, t.run);

	int32_t *pred = malloc((t.ntest ? t.ntest : 1) * sizeof *pred);
	int32_t *truth = malloc((t.ntest ? t.ntest : 1) * sizeof *truth);
	size_t *perm = malloc(t.ntrain * sizeof *perm);
	if (!pred || !truth || !perm) {
		free(pred);
		free(truth);
		free(perm);
		goto nomem;
	}
	progress_start(o->progress);
	t.last_flush = progress_now();
	int K = (int)t.cases.nclasses;
	int epochs_done = epoch0;
	for (int epoch = epoch0; epoch < o->epochs && !t.cancelled; epoch++) {
		double t0 = progress_now(), loss_sum = epoch == epoch0 ? loss_sum0 : 0;
		long loss_n = epoch == epoch0 ? loss_n0 : 0;
		/* this epoch's order: its own seeded stream */
		yj_rng rng;
		rng_seed(&rng, o->seed ^ (0x9E3779B97F4A7C15ULL * (uint64_t)(epoch + 1)));
		for (size_t i = 0; i < t.ntrain; i++)
			perm[i] = t.train_idx[i];
		for (size_t i = t.ntrain - 1; i > 0; i--) {
			size_t j = (size_t)rng_below(&rng, i + 1), tmp = perm[i];
			perm[i] = perm[j];
			perm[j] = tmp;
		}
		size_t s0 = epoch == epoch0 ? (size_t)step0 : 0;
		for (size_t s = s0; s < steps_per_epoch; s++) {
			size_t first = s * (size_t)o->batch;
			int B = (int)(t.ntrain - first < (size_t)o->batch ? t.ntrain - first : (size_t)o->batch);
			gather(&t, perm + first, B);
			/* fine-tuning: this batch's [CLS] vectors, dropout from a
			 * stream per (step, field) so a second pass repeats it */
			uint64_t dseed = o->seed ^ (0xD1B54A32D192ED03ULL * (uint64_t)(gstep + 1));
			for (int i = 0; tune && i < t.ntext && !st; i++) {
				bert_seed(&t.enc.bert, dseed + (uint64_t)i);
				st = textenc_encode(&t.enc, &t.tk[i], t.bidx, B, 1, t.cls[i], err);
			}
			if (st)
				break;
			mm_forward(&t.m, (const float *const *)t.xb, t.nd, t.bidx, B, 1);
			float loss = mm_loss(&t.m, t.yb, o->balanced ? t.cw : NULL, B);
			/* n-gram tables: zeroed, clipped and stepped by the rows touched */
			mm_zero_grad(&t.m);
			mm_backward(&t.m, (const float *const *)t.xb, t.nd, t.bidx, t.yb, o->balanced ? t.cw : NULL, B);
			if (o->clip > 0)
				mm_clip_grad_norm(&t.m, o->clip);
			float lr = lr_schedule(gstep, warm, total, o->lr);
			mm_step(&t.m, &t.opt, lr);
			if (tune) {
				/* the encoder, with its own learning rate; the last
				 * field's activations are live, the others recomputed */
				params_zero_grad(&t.enc.bert.ps);
				for (int i = t.ntext - 1; i >= 0 && !st; i--) {
					if (i != t.ntext - 1) {
						bert_seed(&t.enc.bert, dseed + (uint64_t)i);
						st = textenc_encode(&t.enc, &t.tk[i], t.bidx, B, 1, t.cls[i], err);
					}
					if (!st)
						textenc_backward(&t.enc, t.m.dtin[i]);
				}
				if (st)
					break;
				if (o->clip > 0)
					clip_grad_norm(&t.enc.bert.ps, o->clip);
				adamw_step(&t.topt, &t.enc.bert.ps, lr_schedule(gstep, warm, total, o->text_lr));
			}
			loss_sum += loss;
			loss_n++;
			if (t.npending == t.pending_cap) {
				size_t cap = t.pending_cap ? t.pending_cap * 2 : 256;
				yj_step_rec *v = realloc(t.pending, cap * sizeof *v);
				if (!v) {
					free(pred);
					free(truth);
					free(perm);
					goto nomem;
				}
				t.pending = v;
				t.pending_cap = cap;
			}
			t.pending[t.npending++] = (yj_step_rec){gstep, epoch, loss, lr};
			gstep++;
			progress_tick(o->progress, "train", "steps", gstep, total, -1, 0);
			if (progress_now() - t.last_flush > 0.5 && (st = flush_steps(&t, err)))
				break;
			if (progress_cancelled(o->progress))
				t.cancelled = 1;
			if (t.cancelled) {
				/* stop after this step, resumable from the next */
				if (!(st = flush_steps(&t, err)))
					st = save_checkpoint(&t, epoch, (int)s + 1, gstep, best_f1, best_epoch, loss_sum,
							     loss_n, err);
				break;
			}
		}
		if (st || t.cancelled)
			break;
		/* fine-tuned: every case's [CLS] vector under this epoch's encoder */
		for (int i = 0; tune && i < t.ntext && !st; i++)
			st = textenc_encode_all(p, &t.enc, &t.tk[i], o->batch, NULL, NULL, t.cls[i], NULL, err);
		if (st)
			break;
		double test_loss = evaluate(&t, pred, truth);
		yj_metrics mt;
		if (metrics_compute(&mt, truth, pred, t.ntest, K)) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			break;
		}
		double train_loss = loss_n ? loss_sum / (double)loss_n : NAN;
		double secs = progress_now() - t0;
		if ((st = flush_steps(&t, err)))
			break;
		int rc = store_exec(t.db,
				   "INSERT OR REPLACE INTO run_epochs (run_id, epoch, train_loss, test_loss, accuracy,"
				   " macro_f1, seconds) VALUES (?,?,?,?,?,?,?)",
				   "iiddddd", t.run, (long long)epoch, train_loss, test_loss, mt.accuracy, mt.macro_f1,
				   secs);
		if (rc == SQLITE_OK)
			rc = store_exec(t.db, "UPDATE runs SET epochs_done = ? WHERE id = ?", "ii", (long long)epoch + 1,
				       t.run);
		if (rc != SQLITE_OK) {
			metrics_free(&mt);
			st = db_err(&t, rc, _("recording an epoch"), err);
			break;
		}
		epochs_done = epoch + 1;
		if (mt.macro_f1 > best_f1) {
			best_f1 = mt.macro_f1;
			best_epoch = epoch;
			/* fine-tuned: the head's weights and the encoder's go
			 * together (predict needs the pair) */
			int trc = tune ? sqlite3_exec(t.db, "BEGIN IMMEDIATE", NULL, NULL, NULL) : SQLITE_OK;
			if (trc != SQLITE_OK)
				st = db_err(&t, trc, _("saving the best weights"), err);
			if (!st)
				st = save_best(&t, epoch, &mt, err);
			if (!st && tune)
				st = textenc_store(p, &t.enc, t.run, &t.tuned_id, err);
			if (tune && !st && (trc = sqlite3_exec(t.db, "COMMIT", NULL, NULL, NULL)) != SQLITE_OK)
				st = db_err(&t, trc, _("saving the best weights"), err);
			if (tune && st)
				sqlite3_exec(t.db, "ROLLBACK", NULL, NULL, NULL);
		}
		double acc = mt.accuracy, f1 = mt.macro_f1;
		metrics_free(&mt);
		if (!st)
			st = save_checkpoint(&t, epoch + 1, 0, gstep, best_f1, best_epoch, 0, 0, err);
		if (st)
			break;
		if (o->on_epoch)
			o->on_epoch(o->ctx, epoch, train_loss, test_loss, acc, f1);
	}
	free(pred);
	free(truth);
	free(perm);
	progress_tick(o->progress, "train", "steps", gstep, total, -1, 1);
	if (t.cancelled && epochs_done == o->epochs)
		t.cancelled = 0; /* the request came with the last epoch: nothing left to resume */
	store_exec(t.db, "UPDATE runs SET status = ?, pid = NULL, updated_at = strftime('%Y-%m-%dT%H:%M:%SZ','now') WHERE id = ?",
		  "ti", st ? "failed" : t.cancelled ? "cancelled" : "done", t.run);
	drop_unused_encoder(&t);
	if (!st && t.cancelled) {
		st = error_set(err, YJ_EINTR, _("training stopped; resume with: yujing train PROJECT --resume %lld"),
			       t.run);
	}
	goto out;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (t.run)
		store_exec(t.db, "UPDATE runs SET status = 'failed', pid = NULL WHERE id = ?", "i", t.run);
	drop_unused_encoder(&t);
out:
	trainer_free(&t);
	return st;
}

yj_status train_request_cancel(yj_project *p, long long run, yj_error *err)
{
	sqlite3 *db = project_db(p);
	int rc = store_exec(db, "UPDATE runs SET cancel = 1 WHERE id = ? AND status = 'running'", "i", run);
	if (rc != SQLITE_OK)
		return store_sqlite_error(db, rc, _("cancelling the run"), err);
	if (sqlite3_changes(db) != 1)
		return error_set(err, YJ_ENOTFOUND, _("run %lld is not running"), run);
	return YJ_OK;
}

yj_status train_list(yj_project *p, json_t **out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    "SELECT id, created_at, status, config, epochs_done, best_epoch, metrics,"
				    " steps_done, total_steps FROM runs ORDER BY id", -1, &st, NULL);
	json_t *arr = json_array();
	if (rc == SQLITE_OK)
		rc = sqlite3_step(st);
	for (; rc == SQLITE_ROW; rc = sqlite3_step(st)) {
		json_t *cfg = json_loads((const char *)sqlite3_column_text(st, 3), 0, NULL);
		json_t *mt = sqlite3_column_type(st, 6) == SQLITE_NULL
				     ? NULL
				     : json_loads((const char *)sqlite3_column_text(st, 6), 0, NULL);
		json_t *r = json_pack("{s:I, s:s, s:s, s:o*, s:I, s:I, s:I}", "id",
				      (json_int_t)sqlite3_column_int64(st, 0), "created_at",
				      (const char *)sqlite3_column_text(st, 1), "status",
				      (const char *)sqlite3_column_text(st, 2), "config", cfg, "epochs_done",
				      (json_int_t)sqlite3_column_int64(st, 4), "steps_done",
				      (json_int_t)sqlite3_column_int64(st, 7), "total_steps",
				      (json_int_t)sqlite3_column_int64(st, 8));
		json_object_set_new(r, "best_epoch",
				    sqlite3_column_type(st, 5) == SQLITE_NULL ? json_null()
									      : json_integer(sqlite3_column_int64(st, 5)));
		json_object_set(r, "accuracy", mt ? json_object_get(mt, "accuracy") : json_null());
		json_object_set(r, "macro_f1", mt ? json_object_get(mt, "macro_f1") : json_null());
		json_decref(mt);
		json_array_append_new(arr, r);
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(arr);
		return store_sqlite_error(db, rc, _("listing runs"), err);
	}
	*out = json_pack("{s:o}", "runs", arr);
	return YJ_OK;
}

yj_status train_eval(yj_project *p, long long run, json_t **out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db,
				    run ? "SELECT id, metrics FROM runs WHERE id = ?"
					: "SELECT id, metrics FROM runs WHERE metrics IS NOT NULL ORDER BY id DESC LIMIT 1",
				    -1, &st, NULL);
	if (rc == SQLITE_OK) {
		if (run)
			sqlite3_bind_int64(st, 1, run);
		rc = sqlite3_step(st);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(st);
		if (rc != SQLITE_DONE)
			return store_sqlite_error(db, rc, _("reading the run"), err);
		if (run) {
			error_set(err, YJ_ENOTFOUND, _("no run %lld"), run);
			error_hint(err, _("'yujing runs PROJECT' lists the runs"));
		} else {
			error_set(err, YJ_ENOTFOUND, _("no evaluated run yet"));
			error_hint(err, _("train one with 'yujing train PROJECT'"));
		}
		return YJ_ENOTFOUND;
	}
	long long id = sqlite3_column_int64(st, 0);
	json_t *mt = sqlite3_column_type(st, 1) == SQLITE_NULL
			     ? NULL
			     : json_loads((const char *)sqlite3_column_text(st, 1), JSON_PRESERVE_ORDER, NULL);
	sqlite3_finalize(st);
	if (!mt) {
		error_set(err, YJ_ENOTFOUND, _("run %lld has not finished an epoch yet"), id);
		return YJ_ENOTFOUND;
	}
	json_t *o = json_pack("{s:I}", "run", (json_int_t)id);
	json_object_update(o, mt);
	json_decref(mt);
	*out = o;
	return YJ_OK;
}

yj_status train_history(yj_project *p, long long run, json_t **out, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *st = NULL;
	int rc = sqlite3_prepare_v2(db, "SELECT 1 FROM runs WHERE id = ?", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run);
		rc = sqlite3_step(st);
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc != SQLITE_ROW) {
		if (rc != SQLITE_DONE)
			return store_sqlite_error(db, rc, _("reading the run history"), err);
		error_set(err, YJ_ENOTFOUND, _("no run %lld"), run);
		error_hint(err, _("'yujing runs PROJECT' lists the runs"));
		return YJ_ENOTFOUND;
	}
	json_t *steps = json_array(), *epochs = json_array();
	rc = sqlite3_prepare_v2(db, "SELECT step, loss FROM run_steps WHERE run_id = ? ORDER BY step", -1, &st,
				NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(steps, json_pack("[I, f]", (json_int_t)sqlite3_column_int64(st, 0),
							       sqlite3_column_double(st, 1)));
	}
	sqlite3_finalize(st);
	st = NULL;
	if (rc == SQLITE_DONE)
		rc = sqlite3_prepare_v2(db,
					"SELECT epoch, train_loss, test_loss, accuracy, macro_f1, seconds FROM run_epochs"
					" WHERE run_id = ? ORDER BY epoch", -1, &st, NULL);
	if (rc == SQLITE_OK) {
		sqlite3_bind_int64(st, 1, run);
		while ((rc = sqlite3_step(st)) == SQLITE_ROW)
			json_array_append_new(epochs, json_pack("{s:I, s:f, s:f, s:f, s:f, s:f}", "epoch",
								(json_int_t)sqlite3_column_int64(st, 0), "train_loss",
								sqlite3_column_double(st, 1), "test_loss",
								sqlite3_column_double(st, 2), "accuracy",
								sqlite3_column_double(st, 3), "macro_f1",
								sqlite3_column_double(st, 4), "seconds",
								sqlite3_column_double(st, 5)));
	}
	sqlite3_finalize(st);
	if (rc != SQLITE_DONE) {
		json_decref(steps);
		json_decref(epochs);
		return store_sqlite_error(db, rc, _("reading the run history"), err);
	}
	*out = json_pack("{s:I, s:o, s:o}", "run", (json_int_t)run, "steps", steps, "epochs", epochs);
	return YJ_OK;
}

/* The branch families the data supports (ablation). */
static yj_status families(yj_project *p, const yj_train_opts *o, int *st_, int *ng, int *tx, yj_error *err)
{
	trainer t;
	memset(&t, 0, sizeof t);
	t.p = p;
	t.db = project_db(p);
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
		*tx = ntx > 0 && (o->text_model || encoder_exists(&t));
	}
	trainer_free(&t);
	return st;
}

yj_status train_ablation(yj_project *p, const yj_train_opts *opts, json_t **out, yj_error *err)
{
	int has[3];
	static const char *const fam[3] = {"structured", "ngram", "text"};
	yj_status st = families(p, opts, &has[0], &has[1], &has[2], err);
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
