/*
 * ngram.h - the n-gram text branch: TF-IDF-weighted hashed n-grams of a
 * text field -> a sparse linear layer -> a vector (fastText's input
 * layer), and beside it a direct sparse path to the class logits (a
 * linear model over the same features).
 *
 * Features.  A text's characters give every character n-gram for
 * n = 1..nmax; its words (maximal runs of letters and digits outside the
 * CJK blocks: Latin text has words, Chinese has characters) give the word
 * n-grams for n = 1..words.  Each n-gram is hashed (FNV-1a, 64 bits, of its
 * UTF-8 bytes, its kind and length mixed in last) into one of `buckets`.
 * The vocabulary is the sorted distinct buckets of the training texts,
 * with their document frequencies df.  A text's feature vector x over the
 * vocabulary is scikit-learn's TfidfVectorizer(sublinear_tf=True) on the
 * vocabulary's terms:
 *     x_r = (1 + ln tf_r) * idf_r,   idf_r = ln((1 + n) / (1 + df_r)) + 1
 *     x  <- x / ||x||_2
 * (tf_r: occurrences of row r's bucket in the text, n: training texts);
 * an n-gram outside the vocabulary is dropped, as TfidfVectorizer drops an
 * unknown term.  Before hashing (TF-IDF only) ASCII letters are lowered
 * and runs of white space become one space.
 *
 * Runs trained before TF-IDF (spec.tfidf == 0) weigh every occurrence of
 * an n-gram in the vocabulary by 1/m, m counting all the text's character
 * n-grams (the mean of fastText), hashed from the raw bytes.
 *
 * The layer.  For text i with entries (r_j, x_j):
 *     v = b + sum_j x_j W[r_j]          (D)   the branch vector (fused)
 *     z += sum_j x_j U[r_j]             (K)   the direct path to the logits
 * Parameter names:
 *     ngram.I.weight (V, D)   ngram.I.bias (D)   ngram.I.direct (V, K)
 * W and U start at zero.  They are updated lazily (ngram_step): only the
 * rows of the n-grams present in a batch, so an epoch costs time in
 * proportion to the n-grams present, not to the table.  They are declared
 * not trainable in yj_params so that the dense adamw_step and
 * clip_grad_norm skip them; their moments live in the same buffers and are
 * saved with every checkpoint.
 */
#ifndef YUJING_MODEL_NGRAM_H
#define YUJING_MODEL_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/nn/optim.h"
#include "yujing/nn/params.h"

#define NGRAM_DEFAULT_BUCKETS (1u << 18)
#define NGRAM_DEFAULT_N 3
#define NGRAM_DEFAULT_WORDS 2

typedef struct yj_ngram_spec {
	int nmax;         /* character n-grams, n = 1..nmax */
	int words;        /* word n-grams, n = 1..words (0: none; TF-IDF only) */
	uint32_t buckets; /* hash buckets */
	int tfidf;        /* 1: TF-IDF weights; 0: the mean of a run from before */
	int min_df;       /* the vocabulary keeps buckets in at least min_df training texts */
} yj_ngram_spec;

/* The defaults of a new run: character 1..3-grams, word 1..2-grams,
 * 262,144 buckets, TF-IDF, min_df 2 (an n-gram of one training text says
 * nothing about another text, and would cost a table row: on CAIL's 3,164
 * training facts 485,000 distinct character 1-3-grams, 140,000 in two
 * texts or more; scikit-learn's baseline in bench/quality_report.py uses
 * min_df 2 as well). */
void ngram_spec_default(yj_ngram_spec *sp);

/* The vocabulary of a branch: the buckets seen in training. */
typedef struct yj_ngram_vocab {
	size_t n;         /* rows V */
	uint32_t *bucket; /* (V) sorted, distinct */
	uint32_t *df;     /* (V) training texts holding the bucket (NULL: mean weighting) */
	size_t ndocs;     /* training texts */
} yj_ngram_vocab;

void ngram_vocab_free(yj_ngram_vocab *v);

/* idf of row r: ln((1 + ndocs) / (1 + df_r)) + 1 (scikit-learn's
 * smooth_idf=True). */
double ngram_idf(const yj_ngram_vocab *v, size_t r);

/* The classes of characters that word n-grams are made of: a CJK
 * character is a unit of its own and ends a word (NGRAM_CH_CJK), letters
 * and digits of other scripts make words (NGRAM_CH_WORD: maximal runs of
 * them), the rest separates (NGRAM_CH_SEP: ASCII punctuation and space,
 * Latin-1 and general punctuation, symbols and arrows).  Explain's
 * occlusion units follow the same words (explain.h). */
enum { NGRAM_CH_SEP, NGRAM_CH_WORD, NGRAM_CH_CJK };
int ngram_char_class(uint32_t cp);

/* Hash every n-gram of s (UTF-8; NULL = empty; an invalid byte counts as
 * one character) under sp, in text order: the character n-grams, then the
 * word n-grams.  *out (malloc'd, *n entries) is the caller's.  Returns 0,
 * -1 when out of memory. */
int ngram_hash_text(const char *s, const yj_ngram_spec *sp, uint32_t **out, size_t *n);

/* The vocabulary of the texts i with use[i] != 0 (use NULL: all): their
 * distinct buckets held by at least sp->min_df texts (every bucket when
 * none is: a tiny training set), sorted, with document frequencies.
 * Returns 0, -1 when out of memory (*v then empty). */
int ngram_vocab_build(const char *const *texts, size_t n, const unsigned char *use, const yj_ngram_spec *sp,
		      yj_ngram_vocab *v);

/* The weighted n-grams of many texts, as rows of a vocabulary. */
typedef struct yj_ngram_data {
	size_t n;      /* texts */
	size_t *off;   /* (n + 1) text i's entries are [off[i], off[i+1]) */
	int32_t *ids;  /* vocabulary rows (TF-IDF: distinct within a text) */
	float *w;      /* their weights x */
} yj_ngram_data;

/* Encode every text against v under sp (the weights above).  Returns 0,
 * -1 when out of memory. */
int ngram_data_build(const char *const *texts, size_t n, const yj_ngram_spec *sp, const yj_ngram_vocab *v,
		     yj_ngram_data *out);
void ngram_data_free(yj_ngram_data *d);

typedef struct yj_ngram {
	int dim;       /* D */
	int nclasses;  /* K of the direct path; 0: no direct path */
	size_t rows;   /* vocabulary size V */
	yj_params *P;
	long w, b, u;  /* parameter indices (u: -1 without direct path) */
	float lr_scale;      /* the tables' learning rate is the run's times this (1 by default) */
	/* rows whose gradients are non-zero since the last ngram_zero_grad */
	unsigned char *mark; /* (V) */
	size_t *touched;     /* (V) the first ntouched are the marked rows */
	size_t ntouched;
	/* the decay the lazy rows of U have missed (ngram_step): decay_log is
	 * the sum of ln(1 - lr wd) over the steps since the last
	 * ngram_decay_flush, decayed[r] its value when row r was last brought
	 * up to date (NULL without a direct path) */
	double *decayed;     /* (V) */
	double decay_log;
} yj_ngram;

/* Declare ngram.INDEX.weight (rows, dim; no weight decay), ngram.INDEX.bias
 * (dim) and, when nclasses > 0, ngram.INDEX.direct (rows, nclasses; weight
 * decay) in ps; values start at zero (params_alloc).  Returns 0, -1. */
int ngram_declare(yj_ngram *g, int index, size_t rows, int dim, int nclasses, yj_params *ps);
void ngram_free(yj_ngram *g);

/* out (B, dim) = the vectors of texts idx[0..B) of d; when the direct
 * path exists and direct is not NULL, direct (B, K) += their direct
 * logits. */
void ngram_forward(const yj_ngram *g, float *out, float *direct, const yj_ngram_data *d, const size_t *idx,
		   int B);

/* Accumulate the gradients of W (only the rows present), b and U from
 * dout (B, dim) and dlogits (B, K; NULL: none), and mark the rows. */
void ngram_backward(yj_ngram *g, const float *dout, const float *dlogits, const yj_ngram_data *d,
		    const size_t *idx, int B);

/* The sparse gradients: zero the marked rows (and forget them); their sum
 * of squares; scale them. */
void ngram_zero_grad(yj_ngram *g);
double ngram_grad_sumsq(const yj_ngram *g);
void ngram_scale_grad(yj_ngram *g, float c);

/* Lazy AdamW on rows rows[0..n) (each rowlen floats) of parameter i of
 * ps, with the step count opt->t already advanced by adamw_step: for
 * every element of those rows exactly adamw_step's update (decoupled
 * decay when the parameter decays, moments, bias correction with t);
 * every other row, values and moments alike, is left as it is.  So a row
 * present in every step follows dense AdamW exactly, and a row absent
 * from a step keeps its moments instead of decaying them (PyTorch's
 * SparseAdam, plus AdamW's decoupled decay on the rows present). */
void ngram_adamw_rows(const yj_adamw *opt, yj_params *ps, long i, const size_t *rows, size_t n, size_t rowlen,
		      float lr);

/* ngram_adamw_rows on the marked rows of W and U, with learning rate
 * lr * g->lr_scale.  U decays (W does not), and a lazy row would miss the
 * decay of every step it is absent from: so each step adds ln d_t to
 * g->decay_log (d_t = 1 - lr_t wd, the float of adamw_step), and a row of
 * U is first multiplied by exp(decay_log - decayed[r]), the product of
 * the d_s of the steps since it was last brought up to date, then
 * updated.  The values of U are then those of dense decoupled decay
 * (PyTorch's AdamW on a row whose gradient and moments are zero
 * multiplies it by d_t and nothing else); the moments of an absent row
 * still wait, as in SparseAdam.  Before a forward pass reads rows, bring
 * them up to date: ngram_decay_catch_up for a batch, ngram_decay_flush
 * for the whole table (evaluation, saved weights). */
void ngram_step(yj_ngram *g, const yj_adamw *opt, float lr);
/* Bring the rows of U of texts idx[0..B) of d up to date (above). */
void ngram_decay_catch_up(yj_ngram *g, const yj_ngram_data *d, const size_t *idx, int B);
/* Bring every row of U up to date and start the sums again from 0
 * (decay_log = 0, decayed[] = 0): then nothing is pending, and a
 * checkpoint needs only the weights. */
void ngram_decay_flush(yj_ngram *g);
/* Pending decay: some row of U misses some (decay_log != 0). */
int ngram_decay_pending(const yj_ngram *g);

/* The tables' learning-rate scale for texts idx[0..n) of d: sqrt(mean_i
 * m_i), m_i the number of entries of text i.  Why: AdamW moves
 * every entry by about lr a step whatever its gradient, and a table entry
 * acts on the logits through a TF-IDF weight x of about 1/sqrt(m) (the
 * vector has unit norm), a dense weight through inputs of about 1
 * (standardised features, normalised activations); scaling the tables'
 * rate by sqrt(m) gives both the same reach on the logits.  1 when the
 * texts have no entry. */
float ngram_lr_scale(const yj_ngram_data *d, const size_t *idx, size_t n);

#endif
