/*
 * textbranch.h - the BERT text branch's encoder in training: which encoder
 * (the project's active one, or a Hugging Face directory), tokenizing a
 * text field for it, one pooled vector per case (fine-tuning: forward and
 * backward per batch; frozen: computed once in eval mode and cached in
 * the project's text_cache table).
 *
 * Pooling: the [CLS] hidden state (BERT's classification input), or the
 * masked mean of the last hidden states over the text's tokens ([CLS] and
 * [SEP] included, padding left out).  A run records which (its config's
 * "text_pool", each text branch's "pool"), and the cache keeps the two
 * apart, so predict and explain pool as training did.
 */
#ifndef YUJING_TRAIN_TEXTBRANCH_H
#define YUJING_TRAIN_TEXTBRANCH_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "yujing/base/error.h"
#include "yujing/data/features.h"
#include "yujing/model/bert.h"
#include "yujing/store/project.h"
#include "yujing/text/tokenizer.h"

typedef enum {
	TEXT_POOL_CLS = 0, /* last_hidden[:, 0]; a run that records none used it */
	TEXT_POOL_MEAN = 1 /* masked mean over the tokens (bert_mean_pool_forward) */
} yj_text_pool;

/* "cls" or "mean"; text_pool_parse gives -1 for anything else. */
const char *text_pool_name(int pool);
int text_pool_parse(const char *s);

typedef struct yj_textenc {
	yj_bert bert;
	yj_vocab voc;
	long long encoder_id; /* the encoders row, 0 for a directory */
	int pool;             /* yj_text_pool; textenc_open sets TEXT_POOL_CLS */
	int B, T;             /* room made with bert_reserve */
	int32_t *bids, *bmask; /* (B, T) batch scratch */
} yj_textenc;

/* The tokens of one text field for every case: ids (n, max_len), the
 * first len[i] of row i used ([CLS] ... [SEP]). */
typedef struct yj_text_tokens {
	size_t n;
	int max_len;
	int32_t *ids;
	int *len;
} yj_text_tokens;

/* Load the encoder: dir (a Hugging Face directory with vocab.txt) when
 * not NULL, else encoder row id of the project, 0 for the active one
 * (YJ_ENOTFOUND when there is none).  seed seeds dropout. */
yj_status textenc_open(yj_project *p, const char *dir, long long id, uint64_t seed, yj_textenc *e,
		       yj_error *err);
void textenc_free(yj_textenc *e);

/* Tokenize n texts (NULL is empty) to at most max_len ids (capped at the
 * encoder's positions).  Returns YJ_OK or YJ_ENOMEM. */
yj_status textenc_tokenize(const yj_textenc *e, const char *const *text, size_t n, int max_len,
			   yj_text_tokens *tk, yj_error *err);
void text_tokens_free(yj_text_tokens *tk);

/* Forward the cases idx[0..B) (train: dropout on) and write each one's
 * pooled vector (e->pool: [CLS] hidden state or masked mean) to row
 * idx[b] of out (N, hidden).  The encoder keeps the activations for
 * textenc_backward. */
yj_status textenc_encode(yj_textenc *e, const yj_text_tokens *tk, const size_t *idx, int B, int train,
			 float *out, yj_error *err);
/* Backward of the last textenc_encode: dcls (B, hidden), the gradient of
 * the pooled vectors, through the pooling (e->pool) into the encoder,
 * accumulating into e->bert.ps.grad. */
void textenc_backward(yj_textenc *e, const float *dcls);

/* Pooled vectors (eval mode, e->pool) of all n cases into out (n,
 * hidden), bs cases per pass.  With cache_field (encoders-table encoders
 * only) rows found in text_cache under (encoder, field, max_len, keys[i])
 * are read and the missing ones computed and stored in one transaction;
 * field is cache_field for [CLS] pooling (as before pooling was a choice)
 * and cache_field, a 0x1f byte and the pooling's name otherwise, so the
 * two never mix.  *computed (may be NULL) gets how many were computed. */
yj_status textenc_encode_all(yj_project *p, yj_textenc *e, const yj_text_tokens *tk, int bs,
			     const char *cache_field, const char *const *keys, float *out, size_t *computed,
			     yj_error *err);

/* Store the encoder's current weights (and MLM head) as a row of the
 * encoders table, not active, from run `run`: inserted when *id is 0
 * (*id gets the new row), else row *id is replaced.  A fine-tuned run
 * keeps its encoder so. */
yj_status textenc_store(yj_project *p, const yj_textenc *e, long long run, long long *id, yj_error *err);

/* The BERT text branches of a stored run, for prediction: every entry of
 * features with "text_branch" (source, field, max_len, encoder_id,
 * text_model, frozen, pool: "cls" when absent) in order.  Loads its
 * encoder, computes the pooled vectors of the n cases (text tx, matched
 * by source and field; frozen
 * encoders through the cache) into cls[i] (n, hidden, malloc'd, the
 * caller's) and sets cfg->ntext, cfg->text_in and cfg->text_dim
 * (= dim).  YJ_OK with nothing done when the run has no text branch. */
yj_status textenc_run_inputs(yj_project *p, const json_t *features, const yj_text_field *tx, size_t ntx,
			     const char *const *keys, size_t n, int dim, int *ntext, int *text_in, float **cls,
			     yj_error *err);

#endif
