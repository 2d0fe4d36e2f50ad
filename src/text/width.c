/*
 * width.c - display width by utf8proc_charwidth.
 */
#include <config.h>

#include <string.h>

#include <utf8proc.h>

#include "yujing/text/width.h"

/* Width of one code point: utf8proc's, with controls at zero. */
static int cp_width(utf8proc_int32_t cp)
{
	if (cp < 0x20 || (cp >= 0x7f && cp < 0xa0))
		return 0;
	int w = utf8proc_charwidth(cp);
	return w < 0 ? 0 : w;
}

int width_of(const char *s, size_t n)
{
	int w = 0;
	size_t i = 0;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(n - i), &cp);
		if (k <= 0) {
			w++;
			i++;
			continue;
		}
		w += cp_width(cp);
		i += (size_t)k;
	}
	return w;
}

int width_str(const char *s)
{
	return width_of(s, strlen(s));
}

size_t width_prefix(const char *s, int cols, int *used)
{
	size_t i = 0, n = strlen(s);
	int w = 0;
	while (i < n) {
		utf8proc_int32_t cp;
		utf8proc_ssize_t k = utf8proc_iterate((const utf8proc_uint8_t *)s + i,
						      (utf8proc_ssize_t)(n - i), &cp);
		int cw = k <= 0 ? 1 : cp_width(cp);
		if (k <= 0)
			k = 1;
		if (w + cw > cols)
			break;
		w += cw;
		i += (size_t)k;
	}
	if (used)
		*used = w;
	return i;
}

char *width_fit(const char *s, int cols, int align, char *out, size_t size)
{
	if (size == 0)
		return out;
	int w = width_str(s);
	size_t o = 0;
	if (w > cols) {
		/* Leave one column for the ellipsis. */
		int used, c = cols > 0 ? cols - 1 : 0;
		size_t k = width_prefix(s, c, &used);
		/* The prefix, the ellipsis (3 bytes) and the NUL must fit in
		 * size: fewer columns (whole characters, used kept right)
		 * until they do, and no ellipsis when not even it fits. */
		while (k > 0 && k + 4 > size)
			k = width_prefix(s, --c, &used);
		memcpy(out, s, k);
		o = k;
		if (cols > 0 && o + 4 <= size) {
			memcpy(out + o, "\xe2\x80\xa6", 3); /* U+2026 */
			o += 3;
			used++;
		}
		while (used < cols && o + 1 < size)
			out[o++] = ' ', used++;
		out[o] = '\0';
		return out;
	}
	int pad = cols - w;
	if (align > 0)
		while (pad > 0 && o + 1 < size)
			out[o++] = ' ', pad--;
	size_t n = strlen(s);
	if (o + n >= size)
		n = size - o - 1;
	memcpy(out + o, s, n);
	o += n;
	while (pad > 0 && o + 1 < size)
		out[o++] = ' ', pad--;
	out[o] = '\0';
	return out;
}
