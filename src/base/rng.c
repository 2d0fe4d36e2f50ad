/*
 * rng.c - xoshiro256** with splitmix64 seeding.
 * Reference: https://prng.di.unimi.it/xoshiro256starstar.c (public domain
 * algorithm; this is an independent implementation).
 */
#include <config.h>

#include "yujing/base/rng.h"

static uint64_t splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9E3779B97F4A7C15ULL);
	z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
	z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
	return z ^ (z >> 31);
}

void rng_seed(yj_rng *r, uint64_t seed)
{
	uint64_t x = seed;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

static inline uint64_t next(uint64_t *s)
{
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;
	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

uint64_t rng_u64(yj_rng *r)
{
	return next(r->s);
}

/* The state in locals (registers) for the whole run: about twice the
 * speed of n calls to rng_u64, the same numbers. */
void rng_fill_u64(yj_rng *r, uint64_t *out, size_t n)
{
	uint64_t s[4] = {r->s[0], r->s[1], r->s[2], r->s[3]};
	for (size_t i = 0; i < n; i++)
		out[i] = next(s);
	for (int i = 0; i < 4; i++)
		r->s[i] = s[i];
}

uint64_t rng_below(yj_rng *r, uint64_t n)
{
	/* Rejection: draw until below the largest multiple of n. */
	uint64_t limit = UINT64_MAX - UINT64_MAX % n;
	uint64_t v;
	do
		v = rng_u64(r);
	while (v >= limit);
	return v % n;
}

double rng_uniform(yj_rng *r)
{
	return (double)(rng_u64(r) >> 11) * 0x1.0p-53;
}

uint64_t rng_hash(const void *data, size_t n, uint64_t seed)
{
	const unsigned char *p = data;
	uint64_t h = 1469598103934665603ULL ^ seed;
	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 1099511628211ULL;
	return h;
}
