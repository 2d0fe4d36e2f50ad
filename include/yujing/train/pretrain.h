/*
 * pretrain.h - masked-language-model pretraining of the text encoder on
 * every text field of a project, and the encoders it stores.
 *
 * A pretraining run is a row of `runs` (config "branches": "pretrain",
 * labels and features "[]", no split) followed live like a training run:
 * every step's MLM loss in run_steps, every epoch in run_epochs
 * (train_loss = mean MLM loss of the epoch's steps; test_loss = MLM loss on
 * a held-out 5% of the texts with a fixed mask; accuracy = masked-token
 * accuracy there; macro_f1 NULL), a cancel flag and Ctrl-C stopping after a
 * step with a resumable checkpoint.  When it finishes, the encoder
 * (config.json text, vocab.txt text, model.safetensors bytes with the MLM
 * head) becomes a row of `encoders`, the active one.
 */
#ifndef YUJING_TRAIN_PRETRAIN_H
#define YUJING_TRAIN_PRETRAIN_H

#include <stdint.h>

#include "yujing/base/error.h"
#include "yujing/base/progress.h"
#include "yujing/base/rng.h"
#include "yujing/model/bert.h"
#include "yujing/nn/optim.h"
#include "yujing/store/project.h"
#include "yujing/train/settings.h"

/* yj_pretrain_opts and its defaults (pretrain_opts_default): settings.h. */

/* A configuration by name (tiny, mini, small) or as "L,H,A,I" (layers,
 * hidden, heads, intermediate; the rest as the named ones), for a vocabulary
 * of vocab_size.  Fills err for anything else. */
yj_status pretrain_config(const char *spec, int vocab_size, yj_bert_cfg *cfg, yj_error *err);

/* The special ids masking never touches and the vocabulary random tokens
 * are drawn from. */
typedef struct yj_mask_ids {
	int32_t cls, sep, pad, mask;
	int32_t vocab_size;
} yj_mask_ids;

/* BERT's masking of one sequence (create_masked_lm_predictions of
 * google-research/bert): of the n positions, those not [CLS]/[SEP]/[PAD]
 * are candidates; k = max(1, round(prob * candidates)) of them, chosen by a
 * Fisher-Yates shuffle from rng, are predicted.  Each chosen position gets,
 * by one uniform draw u: u < 0.8 [MASK]; 0.8 <= u < 0.9 the original token;
 * else a token drawn uniformly from the vocabulary.  ids_out (n) gets the
 * input ids, pos (room for n) the chosen positions in increasing order,
 * labels the original ids there.  Returns k (0 when there is no
 * candidate). */
int pretrain_mask(const int32_t *ids, int n, float prob, const yj_mask_ids *sp, yj_rng *rng,
		  int32_t *ids_out, int32_t *pos, int32_t *labels);

/* Contiguous span masking (SpanBERT's span lengths, Joshi et al. 2020),
 * the same budget as pretrain_mask: of the nc candidates (positions not
 * [CLS]/[SEP]/[PAD]) exactly k = max(1, round(prob * nc)) (at most nc) are
 * predicted, chosen span by span until k are: a length L = 1 +
 * floor(log(1 - u) / log(1 - PRETRAIN_SPAN_P)) from a uniform u (geometric,
 * P(L = l) = p (1 - p)^(l - 1)), cut to PRETRAIN_SPAN_MAX and to the
 * tokens still to choose; a start drawn uniformly among the candidates not
 * yet chosen (rng_below over them in position order); the span is the
 * start and the positions after it, at most L, stopping before a position
 * that is not a candidate or already chosen (so it never crosses [SEP] or
 * an earlier span, and each span adds at least one token).  The span as a
 * whole then gets, by one uniform draw u: u < 0.8 [MASK] at each position;
 * u >= 0.9 a random vocabulary id at each (drawn one by one); else kept.
 * The draws per span: u for L, the start, u for the fate, then the random
 * ids.  ids_out, pos and labels as pretrain_mask's, but labels needs room
 * for n (it holds each position's state while choosing).  Returns k. */
#define PRETRAIN_SPAN_P 0.2
#define PRETRAIN_SPAN_MAX 10
int pretrain_span_mask(const int32_t *ids, int n, float prob, const yj_mask_ids *sp, yj_rng *rng,
		       int32_t *ids_out, int32_t *pos, int32_t *labels);

/* One training step: forward (dropout on) of B texts of T ids (ids,
 * attention mask (B,T)), the MLM head at the P flat positions pos (b*T + t)
 * against labels, cross-entropy averaged over them, backward, clipping to
 * clip (<= 0: none), AdamW at lr.  *loss gets the step's MLM loss. */
yj_status pretrain_step(yj_bert *m, yj_adamw *opt, const int32_t *ids, const int32_t *mask, int B,
			int T, const int32_t *pos, const int32_t *labels, int P, float lr, float clip,
			float *loss, yj_error *err);

/* Pretrain (or resume) on every text field of p.  *run_id gets the run
 * even when it stops early (status "cancelled", "failed" or, its process
 * gone, "interrupted": resumable with o->resume; run.h); *encoder_id (may
 * be NULL) the stored encoder when done. */
yj_status pretrain_run(yj_project *p, const yj_pretrain_opts *o, long long *run_id,
		       long long *encoder_id, yj_error *err);

/* Write encoder `id` (0: the active one) as a Hugging Face directory:
 * DIR/config.json, DIR/vocab.txt, DIR/model.safetensors (DIR is created
 * when missing; files are written to a temporary name and renamed).
 * *id_out (may be NULL) gets the encoder's id. */
yj_status pretrain_export(yj_project *p, long long id, const char *dir, long long *id_out,
			  yj_error *err);

/* Make the Hugging Face directory dir (config.json, vocab.txt,
 * model.safetensors; its recorded vocabulary checked) the project's active
 * text encoder without training: a pretraining run of 0 epochs (config
 * "from": dir) records where it came from.  *run_id and *encoder_id get
 * the run and the stored encoder. */
yj_status pretrain_use(yj_project *p, const char *dir, long long *run_id, long long *encoder_id, yj_error *err);

/* Write the corpus pretraining would read (every distinct text of every
 * text field, as load_corpus tokenizes it with o->from's vocabulary, else
 * o->vocab's, truncated to o->max_len; texts with no token between [CLS]
 * and [SEP] left out) to path as JSON lines {"text": "...", "ids": [...]},
 * one a text, in the order pretraining reads them (no held-out split:
 * a consumer holds out its own).  *ntexts gets the lines written. */
yj_status pretrain_export_corpus(yj_project *p, const yj_pretrain_opts *o, const char *path, size_t *ntexts,
				 yj_error *err);

#endif
