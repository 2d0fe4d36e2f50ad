/*
 * ngram.h - the n-gram text branch: hashed character 1..N-grams of a text
 * field -> a sparse linear layer -> a vector (fastText's input layer).
 *
 * A text's code points give every character n-gram for n = 1..N; each is
 * hashed (FNV-1a, 64 bits, of its UTF-8 bytes) into one of `buckets`
 * buckets.  The branch vector is the mean of the table rows of the
 * n-grams present, plus a bias:
 *     v = b + (1/m) sum_j W[h_j]          (m = number of n-grams)
 * W starts at zero, so a bucket no training text reaches stays zero
 * forever: the table keeps only the buckets seen in training (the
 * vocabulary, sorted), and an unseen n-gram adds nothing but still counts
 * in m, exactly as the full hashed table would.  Parameter names:
 *     ngram.I.weight (V, D)   ngram.I.bias (D)
 */
#ifndef YUJING_MODEL_NGRAM_H
#define YUJING_MODEL_NGRAM_H

#include <stddef.h>
#include <stdint.h>

#include "yujing/nn/params.h"

#define NGRAM_DEFAULT_BUCKETS (1u << 18)
#define NGRAM_DEFAULT_N 3

/* Hash every character n-gram (n = 1..nmax) of s (UTF-8; an invalid
 * byte counts as one character) into [0, buckets).  *out (malloc'd, *n
 * entries, in text order) is the caller's.  Returns 0, -1 when out of
 * memory. */
int ngram_hash_text(const char *s, int nmax, uint32_t buckets, uint32_t **out, size_t *n);

/* The hashed n-grams of many texts, and their rows in a vocabulary. */
typedef struct yj_ngram_data {
	size_t n;       /* texts */
	size_t *off;    /* (n + 1) each text's entries are ids[off[i] .. off[i+1]) */
	int32_t *ids;   /* vocabulary rows of the n-grams present in the vocabulary */
	uint32_t *count;/* (n) all n-grams of the text (the mean's denominator) */
} yj_ngram_data;

/* Hash the texts (NULL = empty) and build the sorted vocabulary of the
 * buckets present in the texts i with use[i] != 0 (use NULL: all).  Then
 * encode every text against it.  vocab may be given (*vocab, *nvocab
 * set, use ignored) to encode against a stored vocabulary.  Returns 0, -1
 * when out of memory. */
int ngram_data_build(const char *const *texts, size_t n, const unsigned char *use, int nmax,
		     uint32_t buckets, uint32_t **vocab, size_t *nvocab, int vocab_given,
		     yj_ngram_data *out);
void ngram_data_free(yj_ngram_data *d);

typedef struct yj_ngram {
	int dim;
	size_t rows;  /* vocabulary size V */
	yj_params *P;
	long w, b;    /* parameter indices */
} yj_ngram;

/* Declare ngram.INDEX.weight (rows, dim; no weight decay) and
 * ngram.INDEX.bias (dim) in ps.  Values start at zero (params_alloc).
 * Returns 0, -1. */
int ngram_declare(yj_ngram *g, int index, size_t rows, int dim, yj_params *ps);

/* out (B, dim) = the vectors of texts idx[0..B) of d. */
void ngram_forward(const yj_ngram *g, float *out, const yj_ngram_data *d, const size_t *idx, int B);

/* Accumulate the gradients of W (only the rows present) and b from dout
 * (B, dim). */
void ngram_backward(yj_ngram *g, const float *dout, const yj_ngram_data *d, const size_t *idx, int B);

#endif
