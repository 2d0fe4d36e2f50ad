/*
 * escape.c - visible escapes for control characters in printed text.
 */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/escape.h"
#include "yujing/base/utf8.h"

int escape_is_control(uint32_t cp)
{
	return cp < 0x20 || (cp >= 0x7f && cp < 0xa0);
}

char *escape_dup(const char *s)
{
	if (!s)
		return NULL;
	size_t n = strlen(s);
	/* Worst case: every byte becomes "\xHH" (4 bytes); a 2-byte C1
	 * character becomes "\u0085" (6 bytes, 3 per input byte). */
	if (n > (SIZE_MAX - 1) / 4)
		return NULL;
	char *out = malloc(4 * n + 1), *o = out;
	if (!out)
		return NULL;
	for (size_t i = 0; i < n;) {
		uint32_t cp;
		int k = utf8_decode((const unsigned char *)s + i, n - i, &cp);
		if (k <= 0) {
			o += sprintf(o, "\\x%02x", (unsigned char)s[i]);
			i++;
			continue;
		}
		if (!escape_is_control(cp)) {
			memcpy(o, s + i, (size_t)k);
			o += k;
		} else if (cp == '\n' || cp == '\r' || cp == '\t' || cp == 0x1b) {
			*o++ = '\\';
			*o++ = cp == '\n' ? 'n' : cp == '\r' ? 'r' : cp == '\t' ? 't' : 'e';
		} else if (cp < 0x80) {
			o += sprintf(o, "\\x%02x", (unsigned)cp);
		} else {
			o += sprintf(o, "\\u%04x", (unsigned)cp);
		}
		i += (size_t)k;
	}
	*o = '\0';
	return out;
}
