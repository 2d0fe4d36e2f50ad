/*
 * encoders.h - the encoders table: text encoders (BERT with its MLM head)
 * as a Hugging Face directory's three files (config.json and vocab.txt
 * text, model.safetensors bytes).  Pretraining adds the active encoder;
 * a fine-tuning run keeps its own inactive copy, named by its features.
 */
#ifndef YUJING_STORE_ENCODERS_H
#define YUJING_STORE_ENCODERS_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* Whether the project has an active encoder. */
int encoders_have_active(yj_project *p);

/* One encoder row. */
typedef struct yj_encoder_row {
	long long id;
	void *config, *vocab, *weights; /* the three files' bytes (malloc'd) */
	size_t nconfig, nvocab, nweights;
} yj_encoder_row;

/* Encoder id, or (0) the latest active one.  YJ_ENOTFOUND without a
 * message when there is none. */
yj_status encoders_get(yj_project *p, long long id, yj_encoder_row *out, yj_error *err);
void encoders_row_free(yj_encoder_row *e);

/* An inactive encoder of run `run` (0: none yet): inserted when *id is 0
 * (*id gets the row), else row *id is replaced. */
yj_status encoders_put(yj_project *p, long long run, const char *config, const char *vocab, const void *weights,
		       size_t nweights, long long *id, yj_error *err);
/* Encoder id belongs to run `run`. */
yj_status encoders_set_run(yj_project *p, long long id, long long run, yj_error *err);

/* The new active encoder of pretraining run `run` (any other becomes
 * inactive).  The caller holds the transaction. */
yj_status encoders_add_active(yj_project *p, long long run, const char *config, const char *vocab,
			      const void *weights, size_t nweights, long long *id, yj_error *err);

/* Remove encoder id of run `run` when it is inactive and the run holds no
 * weights (a fine-tuning run that ended without a best epoch).  Errors are
 * ignored: what is left is removed by encoders_prune. */
void encoders_drop_unused(yj_project *p, long long id, long long run);

/* Remove the encoders fine-tuning left behind that nothing can use: those
 * of classifier runs without weights that are not training in a live
 * process, and rows without a run that no run's features name.
 * Pretraining's encoders, the active one and any a run names are kept. */
yj_status encoders_prune(yj_project *p, yj_error *err);

#endif
