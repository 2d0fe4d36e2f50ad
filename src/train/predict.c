/*
 * predict.c - rebuild a run's model from what it stored and predict the
 * snapshot's unlabeled cases (see predict.h).
 */
#include <config.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/safetensors.h"
#include "yujing/train/alerts.h"
#include "yujing/train/predict.h"
#include "yujing/train/textbranch.h"

#define RM_BATCH 256

void run_model_free(yj_run_model *rm)
{
	json_decref(rm->config);
	json_decref(rm->labels);
	json_decref(rm->features);
	json_decref(rm->baselines);
	mm_free(&rm->m);
	cases_free(&rm->cases);
	features_free(rm->f, rm->nf);
	texts_free(rm->tx, rm->ntx);
	for (int i = 0; i < MM_MAX_TEXT; i++) {
		ngram_vocab_free(&rm->voc[i]);
		free(rm->branch_name[i]);
		ngram_data_free(&rm->nd[i]);
		free(rm->text_cls[i]);
	}
	for (int s = 0; s < MLP_MAX_SOURCES; s++)
		free(rm->xb[s]);
	file_cases_free(rm->fc);
	memset(rm, 0, sizeof *rm);
}

long run_model_case(const yj_run_model *rm, const char *key)
{
	for (size_t i = 0; i < rm->cases.n; i++)
		if (!strcmp(rm->cases.key[i], key))
			return (long)i;
	return -1;
}

void run_model_forward(yj_run_model *rm, const size_t *idx, int B)
{
	for (size_t s = 0; s < rm->nf; s++) {
		size_t d = rm->f[s].dim;
		for (int b = 0; b < B; b++)
			memcpy(rm->xb[s] + (size_t)b * d, rm->f[s].x + idx[b] * d, d * sizeof(float));
	}
	mm_forward(&rm->m, (const float *const *)rm->xb, rm->nd, idx, B, 0);
}

/* An n-gram branch's stored layout (train.c's create_run): its features
 * and vocabulary, checked before use since the file may come from someone
 * else (the vocabulary must be sorted and distinct for the look-up).  A
 * layout without "weighting" is a run from before TF-IDF: the mean of its
 * n-grams and no direct path. */
static yj_status ngram_layout_read(json_t *l, long long run, yj_ngram_spec *sp, yj_ngram_vocab *v, int *direct,
				   yj_error *err)
{
	json_t *voc = json_object_get(l, "vocab"), *df = json_object_get(l, "df");
	const char *wt = json_string_value(json_object_get(l, "weighting"));
	json_int_t nmax = json_integer_value(json_object_get(l, "n")), buckets = json_integer_value(json_object_get(l, "buckets"));
	json_int_t words = json_integer_value(json_object_get(l, "words")), ndocs = json_integer_value(json_object_get(l, "ndocs"));
	size_t nv = json_array_size(voc);
	memset(v, 0, sizeof *v);
	sp->tfidf = wt && !strcmp(wt, "tfidf");
	*direct = sp->tfidf && json_is_true(json_object_get(l, "direct"));
	if (!json_is_array(voc) || nmax < 1 || nmax > 16 || buckets < 1 || buckets > (json_int_t)UINT32_MAX ||
	    (wt && !sp->tfidf) || (sp->tfidf && (words < 0 || words > 16 || ndocs < 1 || json_array_size(df) != nv))) {
		error_set(err, YJ_EDATA, _("run %lld: an n-gram branch's layout is invalid"), run);
		error_at(err, NULL, -1, -1, "features");
		return YJ_EDATA;
	}
	sp->nmax = (int)nmax;
	sp->words = sp->tfidf ? (int)words : 0;
	sp->buckets = (uint32_t)buckets;
	sp->min_df = 1; /* the vocabulary is given */
	v->n = nv;
	v->ndocs = (size_t)ndocs;
	v->bucket = malloc((nv ? nv : 1) * sizeof *v->bucket);
	v->df = sp->tfidf ? malloc((nv ? nv : 1) * sizeof *v->df) : NULL;
	if (!v->bucket || (sp->tfidf && !v->df)) {
		ngram_vocab_free(v);
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	for (size_t k = 0; k < nv; k++) {
		json_int_t b = json_integer_value(json_array_get(voc, k));
		json_int_t d = sp->tfidf ? json_integer_value(json_array_get(df, k)) : 1;
		if (b < 0 || b >= buckets || (k && b <= (json_int_t)v->bucket[k - 1]) || d < 1 || d > (sp->tfidf ? ndocs : 1)) {
			ngram_vocab_free(v);
			error_set(err, YJ_EDATA, _("run %lld: n-gram vocabulary entry %zu is invalid"), run, k);
			error_at(err, NULL, -1, -1, "features");
			return YJ_EDATA;
		}
		v->bucket[k] = (uint32_t)b;
		if (v->df)
			v->df[k] = (uint32_t)d;
	}
	return YJ_OK;
}

static yj_status model_load(yj_project *p, long long run, const yj_case_file *files, size_t nfiles,
			    yj_run_model *rm, yj_error *err);

yj_status run_model_load(yj_project *p, long long run, yj_run_model *rm, yj_error *err)
{
	return model_load(p, run, NULL, 0, rm, err);
}

yj_status run_model_load_files(yj_project *p, long long run, const yj_case_file *files, size_t nfiles,
			       yj_run_model *rm, yj_error *err)
{
	return model_load(p, run, files, nfiles, rm, err);
}

/* The snapshot run `run` was trained on (through its split), else the
 * active split's. */
static long long run_snapshot(yj_project *p, long long run)
{
	sqlite3_stmt *q = NULL;
	long long id = 0;
	if (sqlite3_prepare_v2(project_db(p),
			       "SELECT COALESCE((SELECT s.snapshot_id FROM runs r JOIN splits s ON s.id = r.split_id"
			       " WHERE r.id = ?), (SELECT snapshot_id FROM splits WHERE active = 1))",
			       -1, &q, NULL) == SQLITE_OK) {
		sqlite3_bind_int64(q, 1, run);
		if (sqlite3_step(q) == SQLITE_ROW)
			id = sqlite3_column_int64(q, 0);
	}
	sqlite3_finalize(q);
	return id;
}

static yj_status model_load(yj_project *p, long long run, const yj_case_file *files, size_t nfiles,
			    yj_run_model *rm, yj_error *err)
{
	sqlite3 *db = project_db(p);
	sqlite3_stmt *q = NULL;
	yj_safetensors sf;
	int have_sf = 0;
	yj_status st = YJ_OK;
	memset(rm, 0, sizeof *rm);
	int rc = sqlite3_prepare_v2(db,
				    run ? "SELECT id, config, labels, features, weights FROM runs WHERE id = ?"
					: "SELECT id, config, labels, features, weights FROM runs WHERE weights IS NOT NULL"
					  " ORDER BY id DESC LIMIT 1",
				    -1, &q, NULL);
	if (rc == SQLITE_OK) {
		if (run)
			sqlite3_bind_int64(q, 1, run);
		rc = sqlite3_step(q);
	}
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(q);
		if (rc != SQLITE_DONE)
			return store_sqlite_error(db, rc, _("reading the run"), err);
		if (run) {
			error_set(err, YJ_ENOTFOUND, _("no run %lld"), run);
			error_hint(err, _("'yujing runs PROJECT' lists the runs"));
		} else {
			error_set(err, YJ_ENOTFOUND, _("no trained run yet"));
			error_hint(err, _("train one with 'yujing train PROJECT'"));
		}
		return YJ_ENOTFOUND;
	}
	rm->run = sqlite3_column_int64(q, 0);
	rm->config = json_loads((const char *)sqlite3_column_text(q, 1), 0, NULL);
	rm->labels = json_loads((const char *)sqlite3_column_text(q, 2), 0, NULL);
	rm->features = json_loads((const char *)sqlite3_column_text(q, 3), 0, NULL);
	if (sqlite3_column_type(q, 4) == SQLITE_NULL) {
		sqlite3_finalize(q);
		error_set(err, YJ_ENOTFOUND, _("run %lld has not finished an epoch yet"), rm->run);
		run_model_free(rm);
		return YJ_ENOTFOUND;
	}
	char what[64];
	snprintf(what, sizeof what, "run %lld weights", rm->run);
	st = safetensors_parse(sqlite3_column_blob(q, 4), (size_t)sqlite3_column_bytes(q, 4), what, &sf, err);
	sqlite3_finalize(q);
	if (st)
		goto fail;
	have_sf = 1;
	if (!rm->config || !rm->labels || !rm->features) {
		st = error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), rm->run);
		goto fail;
	}
	/* the cases and their inputs under the stored layouts */
	if (files) {
		if ((st = file_cases_load(p, run_snapshot(p, rm->run), files, nfiles, rm->features, &rm->cases,
					  &rm->fc, err)))
			goto fail;
	} else if ((st = cases_load(p, &rm->cases, err)) || (st = cases_add_unlabeled(p, &rm->cases, err))) {
		goto fail;
	}
	const char *branches = json_string_value(json_object_get(rm->config, "branches"));
	int use_struct = branches && (!strncmp(branches, "structured", 10));
	if (use_struct && (st = rm->fc ? features_apply_files(rm->fc, &rm->cases, rm->features, &rm->f, &rm->nf, err)
				       : features_apply(p, &rm->cases, rm->features, &rm->f, &rm->nf, err)))
		goto fail;
	yj_mm_cfg cfg = {.nclasses = (int)json_array_size(rm->labels),
			 .ngram_dim = (int)json_integer_value(json_object_get(rm->config, "hidden"))};
	const char *fu = json_string_value(json_object_get(rm->config, "fusion"));
	cfg.fusion = fu && !strcmp(fu, "sum") ? FUSION_SUM : FUSION_CONCAT;
	if (use_struct) {
		cfg.mlp.nsrc = (int)rm->nf;
		cfg.mlp.hidden = cfg.ngram_dim;
		cfg.mlp.depth = (int)json_integer_value(json_object_get(rm->config, "depth"));
		cfg.mlp.proj = (int)json_integer_value(json_object_get(rm->config, "proj"));
		json_t *dims = json_object_get(rm->config, "in_dims");
		if (rm->nf != json_array_size(dims) || rm->nf > MLP_MAX_SOURCES) {
			st = error_set(err, YJ_EDATA, _("run %lld: the sources no longer match its features"), rm->run);
			goto fail;
		}
		for (size_t s = 0; s < rm->nf; s++) {
			cfg.mlp.in_dim[s] = (int)rm->f[s].dim;
			if ((json_int_t)rm->f[s].dim != json_integer_value(json_array_get(dims, s))) {
				st = error_set(err, YJ_EDATA, _("run %lld: source %s has %zu features, the run %lld"),
					       rm->run, rm->f[s].name, rm->f[s].dim,
					       (long long)json_integer_value(json_array_get(dims, s)));
				goto fail;
			}
		}
	}
	/* n-gram branches: the texts against the stored vocabularies */
	size_t j;
	json_t *l;
	int need_texts = 0;
	json_array_foreach(rm->features, j, l) need_texts |= json_object_get(l, "branch") || json_object_get(l, "text_branch");
	if (need_texts && (st = rm->fc ? texts_build_files(rm->fc, &rm->cases, &rm->tx, &rm->ntx, err)
				       : texts_build(p, &rm->cases, &rm->tx, &rm->ntx, err)))
		goto fail;
	json_array_foreach(rm->features, j, l)
	{
		if (!json_object_get(l, "branch") || json_object_get(l, "text_branch"))
			continue; /* not an n-gram branch */
		if (cfg.nngram == MM_MAX_TEXT) {
			st = error_set(err, YJ_EDATA, _("run %lld has too many text branches"), rm->run);
			goto fail;
		}
		const char *src = json_string_value(json_object_get(l, "source"));
		const char *field = json_string_value(json_object_get(l, "field"));
		size_t t = 0;
		while (t < rm->ntx && !(src && field && !strcmp(rm->tx[t].source, src) && !strcmp(rm->tx[t].field, field)))
			t++;
		if (t == rm->ntx) {
			st = error_set(err, YJ_EDATA, _("the run reads text field %s of %s, which is gone"),
				       field ? field : "?", src ? src : "?");
			goto fail;
		}
		int i = cfg.nngram++;
		rm->tx_of[i] = (int)t;
		rm->branch_name[i] = strdup(json_string_value(json_object_get(l, "branch")));
		if (!rm->branch_name[i])
			goto nomem;
		if ((st = ngram_layout_read(l, rm->run, &rm->ngspec[i], &rm->voc[i], &cfg.ngram_direct, err)))
			goto fail;
		cfg.ngram_rows[i] = rm->voc[i].n;
		if (ngram_data_build((const char *const *)rm->tx[t].text, rm->cases.n, &rm->ngspec[i], &rm->voc[i],
				     &rm->nd[i]))
			goto nomem;
	}
	/* BERT text branches: [CLS] vectors of every case (textbranch.h) */
	if (need_texts && (st = textenc_run_inputs(p, rm->features, rm->tx, rm->ntx,
						   rm->fc ? NULL : (const char *const *)rm->cases.key, rm->cases.n,
						   cfg.ngram_dim, &cfg.ntext, &cfg.text_in, rm->text_cls, err)))
		goto fail;
	cfg.text_dim = cfg.ngram_dim;
	if (mm_init(&rm->m, &cfg, 0) || mm_reserve(&rm->m, RM_BATCH)) {
		st = error_set(err, YJ_EDATA, _("run %lld: its configuration does not make a model"), rm->run);
		goto fail;
	}
	for (int i = 0; i < cfg.ntext; i++)
		rm->m.tin[i] = rm->text_cls[i];
	for (size_t s = 0; s < rm->nf; s++)
		if (!(rm->xb[s] = malloc((size_t)RM_BATCH * rm->f[s].dim * sizeof(float))))
			goto nomem;
	if ((st = safetensors_load_params(&sf, &rm->m.ps, 0, err)))
		goto fail;
	/* the baselines */
	json_t *meta = sf.metadata_json ? json_loads(sf.metadata_json, 0, NULL) : NULL;
	const char *bl = json_string_value(json_object_get(meta, "baselines"));
	rm->baselines = bl ? json_loads(bl, 0, NULL) : NULL;
	json_decref(meta);
	safetensors_free(&sf);
	return YJ_OK;
nomem:
	st = error_set(err, YJ_ENOMEM, _("out of memory"));
fail:
	if (have_sf)
		safetensors_free(&sf);
	run_model_free(rm);
	return st;
}

yj_status predict_run(yj_project *p, const yj_predict_opts *o, json_t **out, yj_error *err)
{
	yj_run_model rm;
	yj_status st = o->files ? run_model_load_files(p, o->run, o->files, o->nfiles, &rm, err)
				: run_model_load(p, o->run, &rm, err);
	if (st)
		return st;
	int K = (int)json_array_size(rm.labels);
	long *alert_k = calloc(o->nalerts + 1, sizeof *alert_k);
	size_t *idx = malloc((rm.cases.n ? rm.cases.n : 1) * sizeof *idx), n = 0;
	json_t *preds = json_array();
	sqlite3 *db = project_db(p);
	sqlite3_stmt *ins = NULL;
	char *src_name = NULL;
	/* Without --alert: the project's thresholds, one per category. */
	double *thr = o->nalerts ? NULL : malloc((size_t)(K ? K : 1) * sizeof *thr);
	if (!alert_k || !idx || (!o->nalerts && !thr)) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	if (!o->nalerts) {
		yj_thresholds t;
		st = thresholds_load(p, &t, err);
		for (int k = 0; !st && k < K; k++)
			thr[k] = thresholds_get(&t, json_string_value(json_array_get(rm.labels, (size_t)k)));
		thresholds_free(&t);
		if (st)
			goto out;
	}
	for (size_t a = 0; a < o->nalerts; a++) {
		alert_k[a] = -1;
		for (int k = 0; k < K; k++)
			if (!strcmp(json_string_value(json_array_get(rm.labels, (size_t)k)), o->alerts[a].category))
				alert_k[a] = k;
		if (alert_k[a] < 0) {
			error_set(err, YJ_EUSAGE, _("--alert: run %lld has no category '%s'"), rm.run, o->alerts[a].category);
			st = YJ_EUSAGE;
			goto out;
		}
	}
	for (size_t i = 0; i < rm.cases.n; i++)
		if (o->files || !o->unlabeled || rm.cases.part[i] == CASE_UNLABELED)
			idx[n++] = i;
	/* the source column: the file names, comma-separated */
	if (o->files) {
		size_t len = 1;
		for (size_t f = 0; f < o->nfiles; f++)
			len += strlen(o->files[f].path) + 1;
		if (!(src_name = malloc(len))) {
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
			goto out;
		}
		src_name[0] = '\0';
		for (size_t f = 0; f < o->nfiles; f++) {
			if (f)
				strcat(src_name, ",");
			strcat(src_name, o->files[f].path);
		}
	}
	int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc == SQLITE_OK)
		rc = sqlite3_prepare_v2(db, "INSERT INTO predictions (run_id, key, source, predicted, probabilities)"
					    " VALUES (?, ?, ?, ?, ?)", -1, &ins, NULL);
	for (size_t i = 0; i < n && rc == SQLITE_OK; i += RM_BATCH) {
		int B = (int)(n - i < RM_BATCH ? n - i : RM_BATCH);
		run_model_forward(&rm, idx + i, B);
		for (int b = 0; b < B && rc == SQLITE_OK; b++) {
			const float *pr = rm.m.fu.probs + (size_t)b * (size_t)K;
			json_t *probs = json_object();
			for (int k = 0; k < K; k++)
				json_object_set_new(probs, json_string_value(json_array_get(rm.labels, (size_t)k)),
						    json_real(pr[k]));
			int alert = 0;
			for (size_t a = 0; a < o->nalerts; a++)
				alert |= pr[alert_k[a]] >= o->alerts[a].p;
			for (int k = 0; thr && k < K; k++)
				alert |= pr[k] >= thr[k];
			const char *key = rm.cases.key[idx[i + (size_t)b]];
			const char *pred = json_string_value(json_array_get(rm.labels, (size_t)vec_argmax(pr, K)));
			char *ps = json_dumps(probs, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(9));
			sqlite3_reset(ins);
			sqlite3_bind_int64(ins, 1, rm.run);
			sqlite3_bind_text(ins, 2, key, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 3, src_name ? src_name : o->unlabeled ? "unlabeled" : "project", -1,
					  SQLITE_STATIC);
			sqlite3_bind_text(ins, 4, pred, -1, SQLITE_TRANSIENT);
			sqlite3_bind_text(ins, 5, ps ? ps : "{}", -1, SQLITE_TRANSIENT);
			rc = sqlite3_step(ins);
			rc = rc == SQLITE_DONE ? SQLITE_OK : rc;
			free(ps);
			json_array_append_new(preds, json_pack("{s:s, s:s, s:o, s:b}", "key", key, "predicted", pred,
							       "probabilities", probs, "alert", alert));
		}
	}
	sqlite3_finalize(ins);
	if (rc == SQLITE_OK)
		rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		st = store_sqlite_error(db, rc, _("storing predictions"), err);
		sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
		goto out;
	}
	*out = json_pack("{s:I, s:O}", "run", (json_int_t)rm.run, "predictions", preds);
out:
	free(src_name);
	json_decref(preds);
	free(alert_k);
	free(thr);
	free(idx);
	run_model_free(&rm);
	return st;
}
