/*
 * strbuf.h - growable byte strings (always NUL-terminated).
 */
#ifndef YUJING_BASE_STRBUF_H
#define YUJING_BASE_STRBUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct strbuf {
	char *buf;  /* NUL-terminated; NULL until the first append */
	size_t len; /* bytes used, excluding the NUL */
	size_t cap; /* bytes allocated */
	int failed; /* an append ran out of memory since the last reset */
} strbuf;

#define STRBUF_INIT {NULL, 0, 0, 0}

/* Make room for n more bytes.  Returns 0, or -1 when out of memory. */
int strbuf_grow(strbuf *sb, size_t n);
int strbuf_add(strbuf *sb, const void *data, size_t n);
int strbuf_addc(strbuf *sb, char c);
int strbuf_adds(strbuf *sb, const char *s);
int strbuf_addf(strbuf *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int strbuf_vaddf(strbuf *sb, const char *fmt, va_list ap);
void strbuf_reset(strbuf *sb);
/* Return the string (caller frees) and leave sb empty. */
char *strbuf_detach(strbuf *sb);
void strbuf_free(strbuf *sb);
/* The contents, "" when empty (never NULL). */
const char *strbuf_str(const strbuf *sb);
/* Whether an append failed since sb was made, reset, detached or freed:
 * the contents then lack a part (check before using a built statement). */
int strbuf_failed(const strbuf *sb);

#endif
