/*
 * predict.h - a trained run applied to cases: predictions (stored with
 * the run); explain.h explains them.
 *
 * A run is rebuilt from what it stored: its configuration, class labels,
 * feature layouts with the training statistics (applied, never
 * re-estimated), n-gram vocabularies, best-epoch weights and the branch
 * baselines (training-set mean vectors, in the weights' metadata).
 */
#ifndef YUJING_TRAIN_PREDICT_H
#define YUJING_TRAIN_PREDICT_H

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/data/features.h"
#include "yujing/model/multimodal.h"
#include "yujing/store/project.h"

/* A run's model and every case of the active snapshot (train, test,
 * unlabeled) prepared as its inputs. */
typedef struct yj_run_model {
	long long run;
	double temperature; /* of the calibrated probabilities (report.h); 1: none */
	double tau;         /* of the logit adjustment (report.h); 0: none */
	double *logprior;   /* (classes) the adjustment's log priors, NULL when tau is 0 */
	json_t *config, *labels, *features, *baselines;
	yj_mm m;
	yj_cases cases;
	yj_source_features *f;
	size_t nf;
	yj_text_field *tx;
	size_t ntx;
	int tx_of[MM_MAX_TEXT]; /* text field of each n-gram branch */
	char *branch_name[MM_MAX_TEXT];
	yj_ngram_spec ngspec[MM_MAX_TEXT]; /* each n-gram branch's features */
	yj_ngram_vocab voc[MM_MAX_TEXT];
	yj_ngram_data nd[MM_MAX_TEXT];
	float *text_cls[MM_MAX_TEXT]; /* (cases, hidden) [CLS] vectors of the BERT text branches */
	float *xb[MLP_MAX_SOURCES];
	int bmax;
	yj_file_cases *fc; /* the cases' rows when read from files, else NULL */
} yj_run_model;

/* Load run `run` (0: the latest run with weights).  YJ_ENOTFOUND when
 * there is no such run or it has no weights yet. */
yj_status run_model_load(yj_project *p, long long run, yj_run_model *rm, yj_error *err);
/* The same with the split's cases only (no unlabeled one): a run's
 * report (report.h). */
yj_status run_model_load_split(yj_project *p, long long run, yj_run_model *rm, yj_error *err);
/* The same with the cases read from files instead of the snapshot
 * (file_cases_load(), cleaned with the run's snapshot's statistics). */
yj_status run_model_load_files(yj_project *p, long long run, const yj_case_file *files, size_t nfiles,
			       yj_run_model *rm, yj_error *err);
void run_model_free(yj_run_model *rm);
/* Eval-mode forward of cases idx[0..B) (B <= 256): the adjusted logits
 * z - tau log(prior) (tau = rm->tau, calibrate.h) in rm->m.fu.logits and
 * the calibrated probabilities softmax(adjusted logits / T), T =
 * rm->temperature, in rm->m.fu.probs: every probability predict, explain
 * and the workbench show comes from here. */
void run_model_forward(yj_run_model *rm, const size_t *idx, int B);
/* Index of a case key, -1 if none. */
long run_model_case(const yj_run_model *rm, const char *key);

typedef struct yj_alert {
	const char *category;
	double p;
} yj_alert;

typedef struct yj_predict_opts {
	long long run;      /* 0: the latest */
	int unlabeled;      /* the snapshot's cases without a label */
	const yj_alert *alerts;
	size_t nalerts;
	const yj_case_file *files; /* new cases from files (then unlabeled is ignored) */
	size_t nfiles;
} yj_predict_opts;

/* Predict and store.  *out = {"run": id, "predictions": [{"key",
 * "predicted", "probabilities": {category: p}, "alert": bool}]}; alert is
 * true when some category's probability reaches its threshold. */
yj_status predict_run(yj_project *p, const yj_predict_opts *o, json_t **out, yj_error *err);

#endif
