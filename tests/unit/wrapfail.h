/*
 * wrapfail.h - allocation failures on demand in the plain build, for a test
 * program linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,
 * --wrap=strdup (GNU ld): yujing's own calls of those go through the
 * wrappers below, which pass every call through to the real function
 * except the one they are told to fail.  Allocations inside shared
 * libraries (jansson, SQLite) are not wrapped.  Include it in one file.
 *
 *   wrapfail_calls = 0; wrapfail_at = k;   fail the k-th call from now (1-based)
 *   ...the code under test...
 *   wrapfail_at = 0;                       no more failures; wrapfail_calls
 *                                          says how many calls there were
 *                                          (fewer than k: there was no k-th)
 */
#ifndef YUJING_TESTS_WRAPFAIL_H
#define YUJING_TESTS_WRAPFAIL_H

#include <stddef.h>

void *__real_malloc(size_t n);
void *__real_calloc(size_t n, size_t size);
void *__real_realloc(void *p, size_t n);
char *__real_strdup(const char *s);
void *__wrap_malloc(size_t n);
void *__wrap_calloc(size_t n, size_t size);
void *__wrap_realloc(void *p, size_t n);
char *__wrap_strdup(const char *s);

static long wrapfail_calls, wrapfail_at;

static int wrapfail_now(void)
{
	return wrapfail_at && ++wrapfail_calls == wrapfail_at;
}

void *__wrap_malloc(size_t n)
{
	return wrapfail_now() ? NULL : __real_malloc(n);
}

void *__wrap_calloc(size_t n, size_t size)
{
	return wrapfail_now() ? NULL : __real_calloc(n, size);
}

void *__wrap_realloc(void *p, size_t n)
{
	return wrapfail_now() ? NULL : __real_realloc(p, n);
}

char *__wrap_strdup(const char *s)
{
	return wrapfail_now() ? NULL : __real_strdup(s);
}

#endif
