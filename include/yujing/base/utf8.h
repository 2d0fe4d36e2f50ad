/*
 * utf8.h - UTF-8 validation and decoding (no external dependencies).
 */
#ifndef YUJING_BASE_UTF8_H
#define YUJING_BASE_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* Length of the longest valid UTF-8 prefix of s[0..n).  Equal to n when
 * the whole buffer is valid.  Overlong forms, surrogates and code points
 * above U+10FFFF are invalid.  When `partial` is non-NULL, a truncated but
 * so-far valid sequence at the very end is not an error: *partial is set to
 * its length (0..3) and it is excluded from the returned length. */
size_t utf8_valid_prefix(const unsigned char *s, size_t n, size_t *partial);

/* Decode one code point at s (n bytes available).  Returns its byte length
 * (1..4) and stores it in *cp, or returns 0 for an invalid sequence. */
int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp);

/* Encode cp into out (4 bytes of room).  Returns the byte length. */
int utf8_encode(uint32_t cp, char *out);

/* Byte length (1..4) of the character at s, a NUL-terminated string: the
 * step to the next one.  1 for an invalid lead byte or a sequence cut
 * short (by a byte that does not continue it, or by the NUL), so stepping
 * through any string ends on its NUL.  The one UTF-8 stepper of the tree. */
size_t utf8_step(const char *s);

/* Number of code points in a valid UTF-8 string of n bytes. */
size_t utf8_count(const char *s, size_t n);

#endif
