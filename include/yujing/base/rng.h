/*
 * rng.h - the seeded random number generator used everywhere (splits,
 * initialisation, dropout, masking): xoshiro256** (Blackman and Vigna,
 * 2018) seeded through splitmix64, so a seed fully determines a stream.
 */
#ifndef YUJING_BASE_RNG_H
#define YUJING_BASE_RNG_H

#include <stddef.h>
#include <stdint.h>

typedef struct yj_rng {
	uint64_t s[4];
} yj_rng;

void rng_seed(yj_rng *r, uint64_t seed);
uint64_t rng_u64(yj_rng *r);
/* n numbers of rng_u64 at once, into out: the same numbers, faster. */
void rng_fill_u64(yj_rng *r, uint64_t *out, size_t n);
/* Uniform in [0, n) without modulo bias (n > 0). */
uint64_t rng_below(yj_rng *r, uint64_t n);
/* Uniform in [0, 1) with 53 random bits. */
double rng_uniform(yj_rng *r);
/* 64-bit FNV-1a of bytes, for deriving sub-seeds from names. */
uint64_t rng_hash(const void *data, size_t n, uint64_t seed);

#endif
