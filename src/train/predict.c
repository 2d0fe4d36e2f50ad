/*
 * predict.c - rebuild a run's model from what it stored and predict the
 * snapshot's unlabeled cases (see predict.h).
 */
#include <config.h>

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/i18n.h"
#include "yujing/nn/ops.h"
#include "yujing/nn/safetensors.h"
#include "yujing/store/batches.h"
#include "yujing/store/predictions.h"
#include "yujing/store/runs.h"
#include "yujing/train/alerts.h"
#include "yujing/train/calibrate.h"
#include "yujing/data/jtext.h"
#include "yujing/train/predict.h"
#include "yujing/train/report.h"
#include "yujing/train/settings.h"
#include "yujing/train/textbranch.h"

#define RM_BATCH 256

void run_model_free(yj_run_model *rm)
{
	free(rm->logprior);
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
	/* the adjusted logits and the calibrated probabilities:
	 * softmax((logits - tau log prior) / T) (report.h) */
	if (rm->tau != 0 && rm->logprior)
		calibrate_adjust(rm->m.fu.logits, (size_t)B, rm->m.cfg.nclasses, rm->tau, rm->logprior);
	if (rm->temperature != 1 || (rm->tau != 0 && rm->logprior))
		calibrate_probs(rm->m.fu.logits, (size_t)B, rm->m.cfg.nclasses, rm->temperature, rm->m.fu.probs);
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
			    int split_only, yj_run_model *rm, yj_error *err);

yj_status run_model_load(yj_project *p, long long run, yj_run_model *rm, yj_error *err)
{
	return model_load(p, run, NULL, 0, 0, rm, err);
}

yj_status run_model_load_split(yj_project *p, long long run, yj_run_model *rm, yj_error *err)
{
	return model_load(p, run, NULL, 0, 1, rm, err);
}

yj_status run_model_load_files(yj_project *p, long long run, const yj_case_file *files, size_t nfiles,
			       yj_run_model *rm, yj_error *err)
{
	return model_load(p, run, files, nfiles, 0, rm, err);
}

/* The run's stored configuration, labels, features and weights. */
static yj_status read_run(yj_project *p, long long run, yj_run_model *rm, yj_safetensors *sf, int *have_sf,
			  yj_error *err)
{
	yj_run_stored rs;
	yj_status st = runs_load_stored(p, run, &rs, err);
	if (st == YJ_ENOTFOUND && !run) {
		error_set(err, YJ_ENOTFOUND, _("no trained run yet"));
		error_hint(err, _("train one with 'yujing train PROJECT'"));
	}
	if (st)
		return st;
	rm->run = rs.id;
	rm->config = rs.config ? json_loads(rs.config, 0, NULL) : NULL;
	rm->labels = rs.labels ? json_loads(rs.labels, 0, NULL) : NULL;
	rm->features = rs.features ? json_loads(rs.features, 0, NULL) : NULL;
	if (!rs.weights) {
		error_set(err, YJ_ENOTFOUND, _("run %lld has not finished an epoch yet"), rm->run);
		runs_stored_free(&rs);
		return YJ_ENOTFOUND;
	}
	char what[64];
	snprintf(what, sizeof what, "run %lld weights", rm->run);
	st = safetensors_parse(rs.weights, rs.nweights, what, sf, err);
	runs_stored_free(&rs);
	if (st)
		return st;
	*have_sf = 1;
	if (!rm->config || !rm->labels || !rm->features)
		return error_set(err, YJ_EDATA, _("run %lld has an unreadable configuration"), rm->run);
	return settings_check_layout(rm->features, rm->run, err);
}

/* The cases (the snapshot's, or read from files) and their structured
 * inputs under the stored layouts; cfg gets the structured branch. */
static yj_status load_cases(yj_project *p, const yj_case_file *files, size_t nfiles, int split_only, yj_run_model *rm,
			    yj_mm_cfg *cfg, yj_error *err)
{
	yj_status st;
	if (files)
		st = file_cases_load(p, runs_snapshot(p, rm->run), files, nfiles, rm->features, &rm->cases, &rm->fc, err);
	else if (!(st = cases_load(p, &rm->cases, err)) && !split_only)
		st = cases_add_unlabeled(p, &rm->cases, err);
	if (st)
		return st;
	/* the configuration through its one reader (settings.h) */
	yj_train_config tc;
	if ((st = train_config_read(rm->config, rm->run, &tc, err)))
		return st;
	const char *branches = tc.o.branches;
	int use_struct = branches && (!strncmp(branches, "structured", 10));
	if (use_struct && (st = rm->fc ? features_apply_files(rm->fc, &rm->cases, rm->features, &rm->f, &rm->nf, err)
				       : features_apply(p, &rm->cases, rm->features, &rm->f, &rm->nf, err)))
		goto out;
	*cfg = (yj_mm_cfg){.nclasses = (int)json_array_size(rm->labels), .ngram_dim = tc.o.hidden};
	cfg->fusion = tc.o.fusion == FUSION_SUM ? FUSION_SUM : FUSION_CONCAT;
	if (!use_struct)
		goto out;
	cfg->mlp.nsrc = (int)rm->nf;
	cfg->mlp.hidden = cfg->ngram_dim;
	cfg->mlp.depth = tc.o.depth;
	cfg->mlp.proj = tc.proj;
	if (rm->nf != tc.nsources || rm->nf > MLP_MAX_SOURCES) {
		st = error_set(err, YJ_EDATA, _("run %lld: the sources no longer match its features"), rm->run);
		goto out;
	}
	for (size_t s = 0; s < rm->nf; s++) {
		cfg->mlp.in_dim[s] = (int)rm->f[s].dim;
		if ((long long)rm->f[s].dim != tc.in_dims[s]) {
			st = error_set(err, YJ_EDATA, _("run %lld: source %s has %zu features, the run %lld"), rm->run,
				       rm->f[s].name, rm->f[s].dim, tc.in_dims[s]);
			goto out;
		}
	}
out:
	train_config_free(&tc);
	return st;
}

/* n-gram branches: the texts against the stored vocabularies. */
static yj_status ngram_inputs(yj_run_model *rm, yj_mm_cfg *cfg, yj_error *err)
{
	size_t j;
	json_t *l;
	json_array_foreach(rm->features, j, l)
	{
		if (!json_object_get(l, "branch") || json_object_get(l, "text_branch"))
			continue; /* not an n-gram branch */
		if (cfg->nngram == MM_MAX_TEXT)
			return error_set(err, YJ_EDATA, _("run %lld has too many text branches"), rm->run);
		const char *src = json_string_value(json_object_get(l, "source"));
		const char *field = json_string_value(json_object_get(l, "field"));
		size_t t = 0;
		while (t < rm->ntx && !(src && field && !strcmp(rm->tx[t].source, src) && !strcmp(rm->tx[t].field, field)))
			t++;
		if (t == rm->ntx)
			return error_set(err, YJ_EDATA, _("the run reads text field %s of %s, which is gone"),
					 field ? field : "?", src ? src : "?");
		int i = cfg->nngram++;
		rm->tx_of[i] = (int)t;
		rm->branch_name[i] = strdup(json_string_value(json_object_get(l, "branch")));
		if (!rm->branch_name[i])
			return error_set(err, YJ_ENOMEM, _("out of memory"));
		yj_status st = ngram_layout_read(l, rm->run, &rm->ngspec[i], &rm->voc[i], &cfg->ngram_direct, err);
		if (st)
			return st;
		cfg->ngram_rows[i] = rm->voc[i].n;
		if (ngram_data_build((const char *const *)rm->tx[t].text, rm->cases.n, &rm->ngspec[i], &rm->voc[i],
				     &rm->nd[i]))
			return error_set(err, YJ_ENOMEM, _("out of memory"));
	}
	return YJ_OK;
}

/* The text fields, the n-gram branches and the BERT text branches'
 * vectors of every case (textbranch.h). */
static yj_status text_inputs(yj_project *p, yj_run_model *rm, yj_mm_cfg *cfg, yj_error *err)
{
	size_t j;
	json_t *l;
	int need_texts = 0;
	json_array_foreach(rm->features, j, l) need_texts |= json_object_get(l, "branch") || json_object_get(l, "text_branch");
	if (!need_texts)
		return YJ_OK;
	yj_status st = rm->fc ? texts_build_files(rm->fc, &rm->cases, &rm->tx, &rm->ntx, err)
			      : texts_build(p, &rm->cases, &rm->tx, &rm->ntx, err);
	if (!st)
		st = ngram_inputs(rm, cfg, err);
	if (!st)
		st = textenc_run_inputs(p, rm->features, rm->tx, rm->ntx,
					rm->fc ? NULL : (const char *const *)rm->cases.key, rm->cases.n, cfg->ngram_dim,
					&cfg->ntext, &cfg->text_in, rm->text_cls, err);
	return st;
}

/* The model of cfg with the stored weights, and the branch baselines
 * (in the weights' metadata). */
static yj_status build_model(yj_run_model *rm, yj_mm_cfg *cfg, const yj_safetensors *sf, yj_error *err)
{
	cfg->text_dim = cfg->ngram_dim;
	if (mm_init(&rm->m, cfg, 0) || mm_reserve(&rm->m, RM_BATCH))
		return error_set(err, YJ_EDATA, _("run %lld: its configuration does not make a model"), rm->run);
	for (int i = 0; i < cfg->ntext; i++)
		rm->m.tin[i] = rm->text_cls[i];
	for (size_t s = 0; s < rm->nf; s++)
		if (!(rm->xb[s] = malloc((size_t)RM_BATCH * rm->f[s].dim * sizeof(float))))
			return error_set(err, YJ_ENOMEM, _("out of memory"));
	yj_status st = safetensors_load_params(sf, &rm->m.ps, 0, err);
	if (st)
		return st;
	json_t *meta = sf->metadata_json ? json_loads(sf->metadata_json, 0, NULL) : NULL;
	const char *bl = json_string_value(json_object_get(meta, "baselines"));
	rm->baselines = bl ? json_loads(bl, 0, NULL) : NULL;
	json_decref(meta);
	return YJ_OK;
}

/* The run's temperature and logit adjustment (report.h), checked: 1 and
 * 0 before its report. */
static yj_status read_temperature(yj_project *p, yj_run_model *rm, yj_error *err)
{
	long long id = 0;
	char *text = NULL;
	yj_status st = runs_metrics(p, rm->run, &id, &text, err);
	if (st)
		return st;
	json_error_t je;
	json_t *mt = text ? json_loads(text, 0, &je) : NULL;
	int bad = text && !mt;
	free(text);
	/* Unreadable metrics must not pass for "no temperature yet": the
	 * probabilities would silently be uncalibrated. */
	if (bad && json_error_code(&je) == json_error_out_of_memory)
		return error_set(err, YJ_ENOMEM, _("out of memory"));
	if (bad) {
		error_set(err, YJ_EDATA, _("run %lld: its stored metrics could not be read (%s)"), rm->run, je.text);
		error_at(err, NULL, -1, -1, "runs.metrics");
		/* jansson does not always say that an allocation failed */
		error_hint(err, _("when memory is short, try again; otherwise the project file was altered: train the run again"));
		return YJ_EDATA;
	}
	st = report_temperature(mt, rm->run, &rm->temperature, err);
	if (!st)
		st = report_adjustment(mt, rm->run, (int)json_array_size(rm->labels), &rm->tau, &rm->logprior, err);
	json_decref(mt);
	return st;
}

static yj_status model_load(yj_project *p, long long run, const yj_case_file *files, size_t nfiles,
			    int split_only, yj_run_model *rm, yj_error *err)
{
	yj_safetensors sf;
	yj_mm_cfg cfg;
	int have_sf = 0;
	memset(rm, 0, sizeof *rm);
	yj_status st = read_run(p, run, rm, &sf, &have_sf, err);
	if (!st)
		st = read_temperature(p, rm, err);
	if (!st)
		st = load_cases(p, files, nfiles, split_only, rm, &cfg, err);
	if (!st)
		st = text_inputs(p, rm, &cfg, err);
	if (!st)
		st = build_model(rm, &cfg, &sf, err);
	if (have_sf)
		safetensors_free(&sf);
	if (st)
		run_model_free(rm);
	return st;
}

/* The bytes of file path into *f (content malloc'd). */
static yj_status read_bytes(const char *path, yj_batch_file *f, yj_error *err)
{
	FILE *in = fopen(path, "rb");
	size_t cap = 0;
	f->content = NULL;
	f->size = 0;
	if (!in)
		goto fail;
	for (;;) {
		if (f->size == cap) {
			void *w = realloc(f->content, cap = cap ? 2 * cap : 65536);
			if (!w) {
				fclose(in);
				return error_set(err, YJ_ENOMEM, _("out of memory"));
			}
			f->content = w;
		}
		size_t k = fread((char *)f->content + f->size, 1, cap - f->size, in);
		f->size += k;
		if (k == 0)
			break;
	}
	int bad = ferror(in);
	fclose(in);
	if (!bad)
		return YJ_OK;
fail:
	error_set(err, YJ_EIO, _("cannot read %s: %s"), path, strerror(errno));
	error_at(err, path, -1, -1, NULL);
	return YJ_EIO;
}

/* The batch of new cases: the files, the rows as cleaned, the
 * predictions, in one transaction.  *batch gets its id. */
static yj_status store_batch(yj_project *p, const yj_predict_opts *o, const yj_run_model *rm, const char *src_name,
			     const yj_prediction_rec *recs, size_t n, long long *batch, yj_error *err)
{
	yj_batch_file *files = calloc(o->nfiles ? o->nfiles : 1, sizeof *files);
	const char **rows = calloc(rm->cases.n ? rm->cases.n : 1, sizeof *rows);
	json_t *all = file_cases_rows_json(rm->fc, &rm->cases);
	char **texts = calloc(rm->cases.n ? rm->cases.n : 1, sizeof *texts);
	yj_status st = YJ_OK;
	if (!files || !rows || !all || !texts)
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
	for (size_t f = 0; !st && f < o->nfiles; f++) {
		files[f].source = (char *)o->files[f].source;
		files[f].path = (char *)o->files[f].path;
		st = read_bytes(o->files[f].path, &files[f], err);
	}
	for (size_t i = 0; !st && i < rm->cases.n; i++)
		if (!(rows[i] = texts[i] = json_dumps(json_object_get(all, rm->cases.key[i]),
						      JSON_COMPACT | JSON_PRESERVE_ORDER)))
			st = error_set(err, YJ_ENOMEM, _("out of memory"));
	if (!st && !(st = project_begin(p, err)) &&
	    !(st = batches_create(p, rm->run, files, o->nfiles, (const char *const *)rm->cases.key, rows, rm->cases.n,
				  batch, err)) &&
	    !(st = predictions_store(p, rm->run, src_name, *batch, recs, n, err)))
		st = project_commit(p, err);
	for (size_t f = 0; files && f < o->nfiles; f++)
		free(files[f].content);
	for (size_t i = 0; texts && i < rm->cases.n; i++)
		free(texts[i]);
	free(texts);
	free(files);
	free(rows);
	json_decref(all);
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
	yj_prediction_rec *recs = NULL;
	char *src_name = NULL;
	/* Without --alert: the project's thresholds, one per category. */
	double *thr = o->nalerts ? NULL : malloc((size_t)(K ? K : 1) * sizeof *thr);
	if (!alert_k || !idx || !preds || (!o->nalerts && !thr)) {
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
			/* refused with the closest names, as thresholds are */
			const char **known = malloc((size_t)(K > 0 ? K : 1) * sizeof *known);
			if (!known) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				goto out;
			}
			for (int k = 0; k < K; k++)
				known[k] = json_string_value(json_array_get(rm.labels, (size_t)k));
			thresholds_check_category(o->alerts[a].category, known, (size_t)K, err); /* the hint */
			free(known);
			st = error_set(err, YJ_EUSAGE, _("--alert: run %lld has no category '%s'"), rm.run,
				       o->alerts[a].category);
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
	if (!(recs = calloc(n ? n : 1, sizeof *recs))) {
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
		goto out;
	}
	for (size_t i = 0; i < n; i += RM_BATCH) {
		int B = (int)(n - i < RM_BATCH ? n - i : RM_BATCH);
		run_model_forward(&rm, idx + i, B);
		for (int b = 0; b < B; b++) {
			const float *pr = rm.m.fu.probs + (size_t)b * (size_t)K;
			json_t *probs = json_object();
			int bad = !probs;
			for (int k = 0; !bad && k < K; k++)
				bad = json_object_set_new(probs, json_string_value(json_array_get(rm.labels, (size_t)k)),
							  json_real(pr[k]));
			int alert = 0;
			for (size_t a = 0; a < o->nalerts; a++)
				alert |= pr[alert_k[a]] >= o->alerts[a].p;
			for (int k = 0; thr && k < K; k++)
				alert |= pr[k] >= thr[k];
			yj_prediction_rec *r = &recs[i + (size_t)b];
			r->key = rm.cases.key[idx[i + (size_t)b]];
			r->predicted = json_string_value(json_array_get(rm.labels, (size_t)vec_argmax(pr, K)));
			/* Every value is checked: a prediction missing from the
			 * output or stored without its probabilities would be a
			 * wrong answer with exit status 0. */
			if (!bad)
				bad = !(r->probabilities = jtext_dump(probs, JSON_COMPACT | JSON_PRESERVE_ORDER |
										    JSON_REAL_PRECISION(9)));
			if (bad) {
				json_decref(probs);
			} else {
				bad = json_array_append_new(preds, json_pack("{s:s, s:s, s:o, s:b}", "key", r->key,
									     "predicted", r->predicted, "probabilities",
									     probs, "alert", alert));
			}
			if (bad) {
				st = error_set(err, YJ_ENOMEM, _("out of memory"));
				goto out;
			}
		}
	}
	long long batch = 0;
	if (o->files ? (st = store_batch(p, o, &rm, src_name, recs, n, &batch, err))
		     : (st = predictions_store(p, rm.run, o->unlabeled ? "unlabeled" : "project", 0, recs, n, err)))
		goto out;
	size_t j;
	int bad = 0;
	for (j = 0; !bad && batch && j < json_array_size(preds); j++) /* new cases: their batch */
		bad = json_object_set_new(json_array_get(preds, j), "batch", json_integer(batch));
	*out = bad ? NULL : json_pack("{s:I, s:O}", "run", (json_int_t)rm.run, "predictions", preds);
	if (*out && batch && json_object_set_new(*out, "batch", json_integer(batch))) {
		json_decref(*out);
		*out = NULL;
	}
	if (!*out)
		st = error_set(err, YJ_ENOMEM, _("out of memory"));
out:
	for (size_t i = 0; recs && i < n; i++)
		free((char *)recs[i].probabilities);
	free(recs);
	free(src_name);
	json_decref(preds);
	free(alert_k);
	free(thr);
	free(idx);
	run_model_free(&rm);
	return st;
}
