/*
 * sha256.h - SHA-256 (FIPS 180-4), to identify files by content: the
 * vocabulary an encoder was built on is named by its hash, so a changed or
 * known-bad vocabulary is recognised whatever its path.
 */
#ifndef YUJING_BASE_SHA256_H
#define YUJING_BASE_SHA256_H

#include <stddef.h>
#include <stdint.h>

typedef struct yj_sha256 {
	uint32_t h[8];    /* chaining state */
	uint8_t buf[64];  /* pending bytes of the current block */
	size_t nbuf;
	uint64_t bytes;   /* message length so far */
} yj_sha256;

void sha256_init(yj_sha256 *s);
void sha256_update(yj_sha256 *s, const void *data, size_t n);
/* Finish; writes the 32-byte digest.  s must be initialised again to reuse. */
void sha256_final(yj_sha256 *s, uint8_t out[32]);
/* One call: the lower-case hex digest of data[0..n) into hex (65 bytes,
 * NUL-terminated). */
void sha256_hex(const void *data, size_t n, char hex[65]);

#endif
