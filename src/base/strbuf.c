/*
 * strbuf.c - growable byte strings.
 */
#include <config.h>

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "yujing/base/strbuf.h"

int strbuf_grow(strbuf *sb, size_t n)
{
	/* len + n + 1 must not wrap around (it would look like room). */
	if (n >= SIZE_MAX - sb->len) {
		sb->failed = 1;
		return -1;
	}
	size_t need = sb->len + n + 1;
	if (need <= sb->cap)
		return 0;
	size_t cap = sb->cap ? sb->cap : 64;
	while (cap < need)
		cap = cap > SIZE_MAX / 2 ? need : cap * 2;
	char *p = realloc(sb->buf, cap);
	if (!p) {
		sb->failed = 1;
		return -1;
	}
	sb->buf = p;
	sb->cap = cap;
	return 0;
}

int strbuf_add(strbuf *sb, const void *data, size_t n)
{
	if (strbuf_grow(sb, n))
		return -1;
	if (n)
		memcpy(sb->buf + sb->len, data, n);
	sb->len += n;
	sb->buf[sb->len] = '\0';
	return 0;
}

int strbuf_addc(strbuf *sb, char c)
{
	return strbuf_add(sb, &c, 1);
}

int strbuf_adds(strbuf *sb, const char *s)
{
	return strbuf_add(sb, s, strlen(s));
}

int strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap)
{
	va_list aq;
	va_copy(aq, ap);
	int n = vsnprintf(NULL, 0, fmt, aq);
	va_end(aq);
	if (n < 0) {
		sb->failed = 1;
		return -1;
	}
	if (strbuf_grow(sb, (size_t)n))
		return -1;
	vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
	sb->len += (size_t)n;
	return 0;
}

int strbuf_addf(strbuf *sb, const char *fmt, ...)
{
	va_list ap;
	va_start(ap, fmt);
	int r = strbuf_vaddf(sb, fmt, ap);
	va_end(ap);
	return r;
}

void strbuf_reset(strbuf *sb)
{
	sb->len = 0;
	sb->failed = 0;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *strbuf_detach(strbuf *sb)
{
	char *s = sb->buf;
	if (!s)
		s = calloc(1, 1);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->failed = 0;
	return s;
}

void strbuf_free(strbuf *sb)
{
	free(sb->buf);
	sb->buf = NULL;
	sb->len = sb->cap = 0;
	sb->failed = 0;
}

const char *strbuf_str(const strbuf *sb)
{
	return sb->buf ? sb->buf : "";
}

int strbuf_failed(const strbuf *sb)
{
	return sb->failed;
}
