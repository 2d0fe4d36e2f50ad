/*
 * textcache.h - the frozen text branch's cache (the text_cache table): an
 * encoder's pooled vector (float32, dim) of one case's text in one field,
 * tokenized to max_len, under a key the caller makes (textbranch.h).
 */
#ifndef YUJING_STORE_TEXTCACHE_H
#define YUJING_STORE_TEXTCACHE_H

#include <stddef.h>

#include "yujing/base/error.h"
#include "yujing/store/project.h"

/* Look up keys[0..n): a found vector of the right size goes to row i of
 * out (n, dim) and hit[i] = 1; otherwise hit[i] = 0.  Fails only when the
 * cache cannot be read at all. */
yj_status textcache_lookup(yj_project *p, long long encoder, const char *field, int max_len,
			   const char *const *keys, size_t n, size_t dim, float *out, unsigned char *hit,
			   yj_error *err);

/* Store row rows[i] of vectors (., dim) under keys[rows[i]] for i < n, in
 * one transaction (replacing what is there). */
yj_status textcache_store(yj_project *p, long long encoder, const char *field, int max_len,
			  const char *const *keys, const size_t *rows, size_t n, size_t dim, const float *vectors,
			  yj_error *err);

/* Tokens per text of a field when a run does not say: the profile's
 * suggested length (the 95th percentile in characters, about one token
 * each for Chinese) plus [CLS] and [SEP], else 128; within [8, 512]. */
int textcache_suggested_len(yj_project *p, const char *source, const char *field);

#endif
