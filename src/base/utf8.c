/*
 * utf8.c - UTF-8 validation, decoding and stepping (RFC 3629).
 */
#include <config.h>

#include "yujing/base/utf8.h"

int utf8_decode(const unsigned char *s, size_t n, uint32_t *cp)
{
	if (n == 0)
		return 0;
	unsigned c = s[0];
	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	int len;
	uint32_t min, v;
	if ((c & 0xE0) == 0xC0) {
		len = 2, min = 0x80, v = c & 0x1F;
	} else if ((c & 0xF0) == 0xE0) {
		len = 3, min = 0x800, v = c & 0x0F;
	} else if ((c & 0xF8) == 0xF0) {
		len = 4, min = 0x10000, v = c & 0x07;
	} else {
		return 0;
	}
	if ((size_t)len > n)
		return 0;
	for (int i = 1; i < len; i++) {
		if ((s[i] & 0xC0) != 0x80)
			return 0;
		v = (v << 6) | (s[i] & 0x3F);
	}
	if (v < min || v > 0x10FFFF || (v >= 0xD800 && v <= 0xDFFF))
		return 0;
	*cp = v;
	return len;
}

/* Expected length of a sequence from its lead byte, 0 if not a lead. */
static int lead_len(unsigned c)
{
	if (c < 0x80)
		return 1;
	if ((c & 0xE0) == 0xC0)
		return c >= 0xC2 ? 2 : 0;
	if ((c & 0xF0) == 0xE0)
		return 3;
	if ((c & 0xF8) == 0xF0)
		return c <= 0xF4 ? 4 : 0;
	return 0;
}

/* Whether b may follow lead byte c (RFC 3629, section 4): after E0 and F0
 * the ranges that would be overlong are excluded, after ED the surrogates,
 * after F4 what lies above U+10FFFF. */
static int second_ok(unsigned c, unsigned b)
{
	switch (c) {
	case 0xE0:
		return b >= 0xA0 && b <= 0xBF;
	case 0xED:
		return b >= 0x80 && b <= 0x9F;
	case 0xF0:
		return b >= 0x90 && b <= 0xBF;
	case 0xF4:
		return b >= 0x80 && b <= 0x8F;
	default:
		return (b & 0xC0) == 0x80;
	}
}

size_t utf8_valid_prefix(const unsigned char *s, size_t n, size_t *partial)
{
	size_t i = 0;
	if (partial)
		*partial = 0;
	while (i < n) {
		/* Fast path: eight ASCII bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			__builtin_memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ULL)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		uint32_t cp;
		int k = utf8_decode(s + i, n - i, &cp);
		if (k == 0) {
			/* A valid-so-far sequence cut by the end of the buffer? */
			int want = lead_len(s[i]);
			if (partial && want > 1 && (size_t)want > n - i &&
			    (n - i == 1 || second_ok(s[i], s[i + 1]))) {
				size_t j = i + 1;
				while (j < n && (s[j] & 0xC0) == 0x80)
					j++;
				if (j == n) {
					*partial = n - i;
					return i;
				}
			}
			return i;
		}
		i += (size_t)k;
	}
	return i;
}

int utf8_encode(uint32_t cp, char *out)
{
	if (cp < 0x80) {
		out[0] = (char)cp;
		return 1;
	}
	if (cp < 0x800) {
		out[0] = (char)(0xC0 | (cp >> 6));
		out[1] = (char)(0x80 | (cp & 0x3F));
		return 2;
	}
	if (cp < 0x10000) {
		out[0] = (char)(0xE0 | (cp >> 12));
		out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
		out[2] = (char)(0x80 | (cp & 0x3F));
		return 3;
	}
	out[0] = (char)(0xF0 | (cp >> 18));
	out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
	out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
	out[3] = (char)(0x80 | (cp & 0x3F));
	return 4;
}

size_t utf8_step(const char *s)
{
	const unsigned char *u = (const unsigned char *)s;
	size_t n = *u < 0x80 ? 1 : (*u >> 5) == 6 ? 2 : (*u >> 4) == 14 ? 3 : (*u >> 3) == 30 ? 4 : 1;
	for (size_t i = 1; i < n; i++)
		if ((u[i] & 0xC0) != 0x80)
			return 1;
	return n;
}

size_t utf8_count(const char *s, size_t n)
{
	size_t c = 0;
	for (size_t i = 0; i < n; i++)
		c += ((unsigned char)s[i] & 0xC0) != 0x80;
	return c;
}
